"""Feature attributions: interventional Shapley values, exact or sampled, and the cheap gradient methods.

``f`` maps an (m, d) array to (m,) outputs — for our models ``model_output(model, ...)``: a raw output
(the value, the logit, or one class's logit), or a probability on request. For a row x and a coalition
S of features, the value of S is the mean of f over the background rows with the features of S taken
from x (interventional, or "marginal", Shapley values, as ``shap``'s Exact and Kernel explainers with an
Independent masker):

    v_x(S) = mean_j f(x_S, b_j,S̄)        φ_i(x) = Σ_{S ⊆ N∖{i}} |S|!(d − |S| − 1)!/d! · (v_x(S ∪ {i}) − v_x(S))

``base`` = v(∅) = the mean of f over the background, and for every explained row
``phi.sum() + base == f(x)`` (efficiency, "local accuracy"). Every background row is used: ``shap``'s
default masker quietly keeps 100 of them; pass fewer rows if you want fewer.

- :func:`exact` evaluates all 2^d coalitions (up to :data:`MAX_EXACT_FEATURES` features), batched over
  coalitions, explained rows and background rows in chunks, so NumPy does the loops.
- :func:`kernel` is Kernel SHAP: coalitions drawn from the Shapley kernel with their complements (paired
  sampling), a least-squares fit with the efficiency constraint held exactly. For many features.
- :func:`linear` is the closed form for f(x) = w·x + b: φ_i = w_i·(x_i − mean of background column i).
- :func:`gradient_x_input` and :func:`integrated_gradients` use the engine's backward pass
  (``model.input_gradients``) against one baseline, the background's mean row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from math import comb, factorial

import numpy as np

from . import limits
from .activations import sigmoid
from .losses import softmax

MAX_EXACT_FEATURES = limits.EXACT_FEATURES  # 2^14 coalitions; beyond, :func:`kernel`
CHUNK_ROWS = 200_000  # hybrid rows evaluated at once (200 000 × 14 float64 = 22 MB)
FIRST_LAYER_CHUNK = 4_096  # … and through a model's layers, whose activations are wider: kept in cache


def model_output(model, output=0, probability=False):
    """``f(X) -> (m,)`` for an engine model: its raw output ``output`` (the value, the logit of a binary
    model, or the logit of class ``output``), or with ``probability`` the predicted probability of it."""

    def pick(Z):
        if not probability or model.task_name == "regression":
            return Z[:, output]
        if Z.shape[1] == 1:
            return sigmoid(Z[:, 0])
        return softmax(Z)[:, output]

    def f(X):
        return pick(model.logits(X))

    # The first layer is affine: on a hybrid row (x where a coalition holds, a background row b elsewhere)
    # its output is (x⊙m)·W + (b⊙(1 − m))·W + c, a sum of a part from x and a part from b, so :func:`values`
    # never builds the hybrid rows nor multiplies them by W; the rest of the network runs from there.
    f.first_layer = (model.weights[0], model.biases[0], lambda Z1: pick(model._infer(Z1, start=1)))
    return f


def _checked(X, background):
    X, background = np.atleast_2d(np.asarray(X, dtype=float)), np.atleast_2d(np.asarray(background, dtype=float))
    if X.shape[1] != background.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features and the background {background.shape[1]}")
    if len(background) == 0:
        raise ValueError("the background needs at least one row")
    return X, background


def coalition_weights(d):
    """w(s) = s!(d − s − 1)!/d! for s = 0 … d − 1: the Shapley weight of a coalition of s other features."""
    return np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])


def coalitions(d):
    """All 2^d coalitions as a (2^d, d) boolean matrix; row k holds the bits of k (feature i is bit i)."""
    k = np.arange(2**d)
    return ((k[:, None] >> np.arange(d)) & 1).astype(bool)


def values(f, X, background, masks, chunk_rows=CHUNK_ROWS, progress=None):
    """v_x(S) for each coalition S (rows of ``masks``) and each row x of X: (len(masks), n).

    f runs on hybrid rows (x's features where the mask is on, the background row's elsewhere), every
    (coalition, row, background row) once, in chunks of about ``chunk_rows``. The empty and the full
    coalition are shared: v(∅) is the background mean for every x and v(N) is f(x) itself."""
    X, background = _checked(X, background)
    n, m = len(X), len(background)
    masks = np.asarray(masks, dtype=bool)
    out = np.empty((len(masks), n))
    empty, full = ~masks.any(axis=1), masks.all(axis=1)
    if empty.any():
        out[empty] = float(np.mean(f(background)))
    if full.any():
        out[full] = np.asarray(f(X), dtype=float)
    todo = np.flatnonzero(~(empty | full))
    if getattr(f, "first_layer", None) is not None:
        _values_through_first_layer(f.first_layer, X, background, masks, todo, out, chunk_rows, progress)
        return out
    per_coalition = n * m
    step = max(1, chunk_rows // per_coalition)
    row_step = n if per_coalition <= chunk_rows else max(1, chunk_rows // m)
    for start in range(0, len(todo), step):
        chosen = todo[start : start + step]
        for r0 in range(0, n, row_step):
            rows = X[r0 : r0 + row_step]
            hybrid = np.where(masks[chosen][:, None, None, :], rows[None, :, None, :], background[None, None, :, :])
            fx = np.asarray(f(hybrid.reshape(-1, X.shape[1])), dtype=float)
            out[chosen, r0 : r0 + len(rows)] = fx.reshape(len(chosen), len(rows), m).mean(axis=2)
        if progress is not None:
            progress(min(start + step, len(todo)), len(todo))
    return out


def _values_through_first_layer(first_layer, X, background, masks, todo, out, chunk_rows, progress):
    """:func:`values` for an f whose first step is affine, ``first_layer = (W, c, rest)`` with
    f(x) = rest(x·W + c): per coalition, P = (X⊙m)·W for the explained rows and R = (B⊙(1 − m))·W + c for
    the background rows, and every hybrid row's first-layer output is P[x] + R[b]."""
    W, c, rest = first_layer
    n, m, h = len(X), len(background), W.shape[1]
    chunk_rows = min(chunk_rows, FIRST_LAYER_CHUNK)
    per_coalition = n * m
    step = max(1, chunk_rows // per_coalition)
    row_step = n if per_coalition <= chunk_rows else max(1, chunk_rows // m)
    for start in range(0, len(todo), step):
        chosen = todo[start : start + step]
        on = masks[chosen].astype(float)  # (c, d)
        R = (background[None] * (1.0 - on)[:, None, :]) @ W + c  # (c, m, h)
        for r0 in range(0, n, row_step):
            rows = X[r0 : r0 + row_step]
            P = (rows[None] * on[:, None, :]) @ W  # (c, rows, h)
            Z1 = P[:, :, None, :] + R[:, None, :, :]  # (c, rows, m, h)
            fx = np.asarray(rest(Z1.reshape(-1, h)), dtype=float)
            out[chosen, r0 : r0 + len(rows)] = fx.reshape(len(chosen), len(rows), m).mean(axis=2)
        if progress is not None:
            progress(min(start + step, len(todo)), len(todo))


def exact(f, X, background, chunk_rows=CHUNK_ROWS, progress: Callable[[int, int], None] | None = None):
    """Exact interventional Shapley values ``(phi (n, d), base)`` over all 2^d coalitions (d ≤ 14).

    With v the (2^d, n) coalition values, φ = Qᵀ·v where Q[S, i] = w(|S| − 1) if i ∈ S else −w(|S|): every
    marginal contribution of i, weighted. ``progress(done, total)`` after each chunk of coalitions."""
    X, background = _checked(X, background)
    d = X.shape[1]
    if d > MAX_EXACT_FEATURES:
        raise ValueError(
            f"exact Shapley values over {d} features need 2^{d} = {2**d:,} coalitions per row; up to "
            f"{MAX_EXACT_FEATURES} features are exact here, use shapley.kernel for more"
        )
    masks = coalitions(d)
    v = values(f, X, background, masks, chunk_rows, progress)
    w = coalition_weights(d)
    size = masks.sum(axis=1)
    Q = np.where(masks, w[np.maximum(size - 1, 0)][:, None], -w[np.minimum(size, d - 1)][:, None])
    base = float(v[0, 0]) if len(X) else float(np.mean(f(background)))
    return v.T @ Q, base


def kernel(f, X, background, n_samples=2048, seed=0, chunk_rows=CHUNK_ROWS, progress=None):
    """Kernel SHAP ``(phi (n, d), base)``: about ``n_samples`` coalitions weighted by the Shapley kernel
    π(S) ∝ (d − 1)/(C(d, |S|)·|S|·(d − |S|)) over 0 < |S| < d (:func:`kernel_coalitions`: the small and
    large ones enumerated, the middle sizes sampled in complementary pairs); then for each row the weighted
    least-squares fit of v(S) − v(∅) by Σ_{i∈S} φ_i with Σφ = f(x) − base held exactly (a Lagrange
    multiplier). The same coalitions serve every row. With ``n_samples`` ≥ the 2^d − 2 proper coalitions,
    every coalition is used once with its kernel weight, and the result is the exact Shapley value."""
    X, background = _checked(X, background)
    d = X.shape[1]
    if d < 2:
        return exact(f, X, background, chunk_rows, progress)
    masks, weights = kernel_coalitions(d, n_samples, np.random.default_rng(seed))
    ends = np.array([np.zeros(d, bool), np.ones(d, bool)])
    v = values(f, X, background, np.concatenate([ends, masks]), chunk_rows, progress)
    base, full, v_s = v[0], v[1], v[2:]  # (n,), (n,), (k, n)
    Z = masks.astype(float)
    A = (Z * weights[:, None]).T @ Z / weights.sum()  # (d, d)
    B = (Z * weights[:, None]).T @ (v_s - base) / weights.sum()  # (d, n)
    A_inv = np.linalg.pinv(A)
    ones = np.ones(d)
    A_inv_ones = A_inv @ ones
    A_inv_B = A_inv @ B  # (d, n)
    gap = (ones @ A_inv_B - (full - base)) / (ones @ A_inv_ones)  # (n,)
    phi = A_inv_B - np.outer(A_inv_ones, gap)
    return phi.T, float(base[0]) if len(base) else float(np.mean(f(background)))


def kernel_coalitions(d, n_samples, rng):
    """(masks (k, d), weights (k,)): the coalitions Kernel SHAP fits and their weights, as ``shap`` chooses
    them. The kernel's mass of size s, (d − 1)/(s(d − s)), is spread evenly over the C(d, s) coalitions of
    that size. From the outside in (sizes 1 and d − 1, then 2 and d − 2, …), a pair of sizes whose
    coalitions fit in its share of the budget is enumerated whole with those exact weights; the sizes
    left are sampled (size by their mass, then a uniform subset of it), each with its complement, and
    share the mass left evenly. Enough samples enumerate every coalition: the fit is then exact."""
    sizes = np.arange(1, d)
    mass = (d - 1) / (sizes * (d - sizes))
    left_mass, left_budget = float(mass.sum()), int(n_samples)
    masks, weights = [], []
    enumerated = set()
    for s in range(1, d // 2 + 1):
        pair = {s, d - s}
        count = sum(comb(d, k) for k in pair)
        pair_mass = float(sum(mass[k - 1] for k in pair))
        if left_budget <= 0 or count > left_budget * pair_mass / left_mass * (1 + 1e-9):
            break
        for k in sorted(pair):
            for S in itertools.combinations(range(d), k):
                z = np.zeros(d, bool)
                z[list(S)] = True
                masks.append(z)
                weights.append(mass[k - 1] / comb(d, k))
        enumerated |= pair
        left_mass -= pair_mass
        left_budget -= count
    rest = np.array([k for k in sizes if k not in enumerated])
    if rest.size and left_budget > 0:
        p = mass[rest - 1] / mass[rest - 1].sum()
        half = max(1, left_budget // 2)
        drawn = rng.choice(rest, size=half, p=p)
        order = np.argsort(rng.random((half, d)), axis=1)  # a random order of the features per sample
        first = np.zeros((half, d), bool)
        np.put_along_axis(first, order, np.arange(d)[None, :] < drawn[:, None], axis=1)  # its first |S|
        sampled = np.concatenate([first, ~first])  # paired: each coalition and its complement
        masks.extend(sampled)
        weights.extend([left_mass / len(sampled)] * len(sampled))
    return np.array(masks, dtype=bool).reshape(-1, d), np.array(weights, dtype=float)


def linear(w, b, X, background):
    """For f(x) = w·x + b: φ_i = w_i·(x_i − mean(background[:, i])), base = w·mean(background) + b."""
    X, background = _checked(X, background)
    w = np.asarray(w, dtype=float).reshape(-1)
    mean = background.mean(axis=0)
    return (X - mean) * w, float(mean @ w + float(np.asarray(b).reshape(-1)[0]))


def baseline_of(background):
    """The one baseline the gradient methods use: the background's mean row."""
    return np.atleast_2d(np.asarray(background, dtype=float)).mean(axis=0)


def gradient_x_input(model, X, background, output=0):
    """(x − baseline) ⊙ ∂z/∂x at x: a first-order guess of each feature's share (exact for a linear model)."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    return (X - baseline_of(background)) * model.input_gradients(X, output)


def integrated_gradients(model, X, background, output=0, steps=256):
    """Integrated Gradients: (x − x')·∫₀¹ ∂z/∂x(x' + α(x − x')) dα with x' the background's mean row, by the
    midpoint rule with ``steps`` points. Sums to z(x) − z(x') up to the rule's error."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    start = baseline_of(background)
    alphas = (np.arange(steps) + 0.5) / steps
    delta = X - start
    path = start + alphas[:, None, None] * delta[None]  # (steps, n, d)
    grads = model.input_gradients(path.reshape(-1, X.shape[1]), output).reshape(steps, len(X), -1)
    return delta * grads.mean(axis=0)


# -- explaining a model on its dataset -------------------------------------------------------------------
MAX_EVALUATIONS = limits.SHAPLEY_EVALUATIONS  # network rows one explanation may evaluate (memory and Python overhead)
MAX_WORK = limits.SHAPLEY_WORK  # … and multiply-adds through the network (~28 GMAC/s here: about 7 s at most)
EXACT_UP_TO = 12  # features for which "auto" takes exact values (4 096 coalitions); kernel above


@dataclass
class Explanation:
    """Attributions of ``rows`` (model inputs, (n, d)) with what a page needs to draw them."""

    phi: np.ndarray  # (n, d)
    base: float
    rows: np.ndarray  # (n, d) the explained rows as the model sees them
    values: np.ndarray  # (n, d) the same rows in the data's own units (for labels and colours)
    outputs: np.ndarray  # (n,) f at each row: base + phi.sum(1)
    feature_names: list
    method: str  # "exact" or "kernel"
    output_name: str
    n_background: int
    evaluations: int  # network rows evaluated
    background: np.ndarray | None = None  # (m, d) the training rows a feature absent from a coalition takes
    gradient_x_input: np.ndarray | None = None  # (n, d), raw outputs only
    integrated_gradients: np.ndarray | None = None


def evaluations_needed(n_rows, n_background, d, method, n_samples=2048):
    """Network rows an explanation evaluates: n·m per coalition, 2^d − 2 coalitions (exact) or about
    ``n_samples`` (kernel), plus the background and the rows themselves."""
    coalitions = 2**d - 2 if method == "exact" else min(n_samples, 2**d - 2)
    return n_rows * n_background * coalitions + n_background + n_rows


def explain(
    model, dataset, n_rows=50, n_background=50, output=0, probability=False, method="auto", n_samples=2048,
    seed=0, progress=None,
):  # fmt: skip
    """Shapley values of ``model`` on ``dataset``: ``n_rows`` test rows (training rows without a test set)
    explained against ``n_background`` training rows drawn with ``seed``; exact up to
    :data:`EXACT_UP_TO` features with ``method="auto"``, Kernel SHAP above. For a raw output (not a
    probability) also gradient × input and Integrated Gradients with the same background. ValueError, with
    what to lower, when it would evaluate more than :data:`MAX_EVALUATIONS` network rows or :data:`MAX_WORK`
    multiply-adds (rows × the network's weights)."""
    source = dataset.X_test if dataset.X_test is not None and len(dataset.X_test) else dataset.X_train
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(dataset.X_train), min(n_background, len(dataset.X_train)), replace=False)
    background = dataset.X_train[np.sort(chosen)]
    rows = source[: min(n_rows, len(source))]
    d = rows.shape[1]
    if method == "auto":
        method = "exact" if d <= EXACT_UP_TO else "kernel"
    if method not in ("exact", "kernel"):
        raise ValueError(f"unknown method {method!r}; choose exact, kernel or auto")
    needed = evaluations_needed(len(rows), len(background), d, method, n_samples)
    if method == "exact" and d > MAX_EXACT_FEATURES:
        raise ValueError(f"exact values over {d} features need 2^{d} coalitions; use Kernel SHAP")
    if needed > MAX_EVALUATIONS:
        raise ValueError(
            f"that would evaluate the network on {needed:,} rows (at most {MAX_EVALUATIONS:,}): explain fewer "
            "rows, use a smaller background" + (", or Kernel SHAP" if method == "exact" else ", or fewer coalitions")
        )
    per_row = sum(W.size for W in model.weights)  # multiply-adds of one row through the network
    if needed * per_row > MAX_WORK:
        raise ValueError(
            f"that would take {needed * per_row:.1e} multiply-adds ({needed:,} rows through a network of "
            f"{per_row:,} weights; at most {MAX_WORK:.0e}, some seconds here): explain fewer rows, use a smaller "
            "background" + (", or Kernel SHAP" if method == "exact" else ", or fewer coalitions")
        )
    f = model_output(model, output, probability)
    if method == "exact":
        phi, base = exact(f, rows, background, progress=progress)
    else:
        phi, base = kernel(f, rows, background, n_samples=n_samples, seed=seed, progress=progress)
    values = rows if dataset.poly_degree else dataset.raw(rows)
    k = model.layer_sizes[-1]
    if model.task_name == "multiclass":
        name = f"class {dataset.class_names[output]}" + (" probability" if probability else " logit")
    elif model.task_name == "binary":
        name = f"P({dataset.class_names[1]})" if probability else f"logit of {dataset.class_names[1]}"
    else:
        name = dataset.target_name if k == 1 else f"output {output + 1}"
    names = list(dataset.feature_names)
    explanation = Explanation(
        phi, base, rows, values, f(rows), names, method, name, len(background), needed, background
    )
    if not probability:
        explanation.gradient_x_input = gradient_x_input(model, rows, background, output)
        explanation.integrated_gradients = integrated_gradients(model, rows, background, output)
    return explanation
