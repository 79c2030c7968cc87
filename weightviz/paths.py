"""Regularization paths of a linear model: the solution at every strength λ of a penalty, from strong to weak.

The objective is the engine's (see ``regularizers`` and ``Trainer``), for a linear model ``z = X·W + b``:

    data loss + l1·Σ|w| + (l2/2)·Σw²        (weights only, never the bias)

with the data loss the mean of the task's loss (MSE without ½, binary or softmax cross-entropy). A path
varies one strength λ and holds the mix:

- ``"l1"``: l1 = λ, l2 = 0 (the lasso);
- ``"l2"``: l1 = 0, l2 = λ (ridge);
- ``"elastic_net"``: l1 = ρ·λ, l2 = (1 − ρ)·λ with ρ = ``l1_ratio``.

scikit-learn writes the same regression objective halved, ``(1/2n)‖y − Xw − b‖² + α·ρ‖w‖₁ + (α(1 − ρ)/2)‖w‖²``,
so ``Lasso(alpha=l1/2)``, ``ElasticNet(alpha=(l1 + l2)/2, l1_ratio=l1/(l1 + l2))`` and
``Ridge(alpha=n·l2/2)`` (Ridge does not divide by n) solve the same problems: the tests hold that.

Solvers: regression exactly, by an active-set solve of the centred problem (confirmed by a sweep of
coordinate descent, which also finishes the rare λ the active set cannot); binary classification by
proximal Newton, each quadratic model solved exactly by the same active set (exact to ~1e-9 where the
solution is finite); multiclass by FISTA (accelerated proximal gradient with adaptive restart) on the
engine's own forward and backward pass, to a tolerance. Every λ starts from the
solution of the previous one (warm start): a regression or binary path of 30 strengths over a few dozen
features takes milliseconds; multiclass takes up to ``MAX_STEPS`` proximal steps a strength (seconds),
and the coordinate sweeps that back up the active set are Python loops (hundreds of features get slow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .model import MLP
from .regularizers import soft_threshold

PENALTIES = ("l1", "l2", "elastic_net")
SPAN = {"l1": 1e-4, "elastic_net": 1e-4}  # weakest λ of a default grid as a share of the strongest
L2_GRID = (1e3, 1e-5)  # ridge has no λ that zeroes every weight: a fixed span (features on a unit scale)
MAX_SWEEPS = 20_000  # coordinate-descent sweeps a regression λ may take (the exact active-set solve needs one)
MAX_STEPS = 3_000  # proximal steps a classification λ may take


@dataclass
class Path:
    """The solutions of one penalty along ``lambdas`` (descending): ``coefs[i]`` is W at ``lambdas[i]``."""

    penalty: str
    l1_ratio: float
    lambdas: np.ndarray  # (m,)
    coefs: np.ndarray  # (m, d, k)
    intercepts: np.ndarray  # (m, k)
    train_loss: np.ndarray  # (m,) mean data loss, no penalty
    test_loss: np.ndarray  # (m,) NaN without a test set
    iterations: np.ndarray  # (m,) sweeps (regression) or proximal steps (classification) each λ took
    feature_names: list
    converged: np.ndarray  # (m,) False where the solver stopped at its cap of iterations (an approximation)

    def strengths(self, lam):
        """(l1, l2) at strength ``lam``."""
        return mix(self.penalty, lam, self.l1_ratio)

    @property
    def best(self):
        """Index of the λ with the lowest test loss (train loss without a test set)."""
        scores = self.test_loss if np.isfinite(self.test_loss).any() else self.train_loss
        return int(np.nanargmin(scores))

    @property
    def nonzero(self):
        """(m,) how many weights are not exactly zero at each λ."""
        return (self.coefs != 0).reshape(len(self.lambdas), -1).sum(axis=1)

    def entry_lambdas(self):
        """(d,) for each feature the strongest λ of the grid at which one of its weights is non-zero (it has
        entered the model going from strong to weak), NaN when it never does. Meaningful for L1 and elastic
        net; under L2 every feature is in at every λ."""
        active = (self.coefs != 0).any(axis=2)  # (m, d)
        first = np.argmax(active, axis=0)
        return np.where(active.any(axis=0), self.lambdas[first], np.nan)

    def exit_lambdas(self):
        """For each feature, the strengths of the grid at which it leaves the model again going from strong to
        weak (in at the λ before, exactly zero at this one): the lasso path is not monotone, a feature can
        give way to a correlated one. An empty list for most features."""
        active = (self.coefs != 0).any(axis=2)
        leaves = active[:-1] & ~active[1:]  # (m − 1, d)
        return [list(self.lambdas[1:][leaves[:, j]]) for j in range(active.shape[1])]


def mix(penalty, lam, l1_ratio=0.5):
    """(l1, l2) of ``penalty`` at strength ``lam`` (see the module's docstring)."""
    if penalty == "l1":
        return float(lam), 0.0
    if penalty == "l2":
        return 0.0, float(lam)
    if penalty == "elastic_net":
        return l1_ratio * float(lam), (1.0 - l1_ratio) * float(lam)
    raise ValueError(f"unknown penalty {penalty!r}; choose one of {', '.join(PENALTIES)}")


def _outputs(task, y):
    """Width of the linear model for ``task`` (the number of classes for multiclass, else 1)."""
    return int(np.max(y)) + 1 if task == "multiclass" else 1


def lambda_max(X, y, task):
    """The weakest L1 strength at which every weight is exactly zero: max_j |∂L/∂w_j| at W = 0 with the best
    bias (the data loss's gradient must fit inside [−l1, l1] for zero to be optimal)."""
    model = _linear_model(X, y, task)
    model.params[: model.n_weights] = 0.0
    model.biases[0][:] = _best_bias(y, task, model.biases[0].shape[0])
    model.forward_backward(X, y)
    return float(np.abs(model.grads[: model.n_weights]).max())


def grid(X, y, task, penalty="l1", n_lambdas=30, l1_ratio=0.5):
    """A descending log-spaced grid of ``n_lambdas`` strengths: for L1 and elastic net from the λ that zeroes
    every weight (``lambda_max`` / ρ) over four decades; for L2 over :data:`L2_GRID`."""
    if penalty == "l2":
        return np.geomspace(*L2_GRID, n_lambdas)
    top = lambda_max(X, y, task) / (1.0 if penalty == "l1" else l1_ratio)
    top = top * (1 + 1e-9) if top > 0 else 1.0  # a hair above: rounding must not let a weight in at the top
    return np.geomspace(top, top * SPAN[penalty], n_lambdas)


def path(
    X,
    y,
    task,
    penalty="l1",
    lambdas=None,
    *,
    n_lambdas=30,
    l1_ratio=0.5,
    X_test=None,
    y_test=None,
    feature_names=None,
    tol=1e-9,
    max_iter=None,
    progress: Callable[[int, int], None] | None = None,
):
    """The :class:`Path` of ``penalty`` over ``lambdas`` (sorted strongest first; default :func:`grid`).

    ``progress(i, m)`` is called after each of the m strengths. ``tol``: a regression λ is solved when a
    sweep moves no weight by more than ``tol`` (relative to the largest weight); a classification λ when a
    proximal step moves the parameters by less than ``tol`` relative to their norm. ``max_iter`` caps either
    (default :data:`MAX_SWEEPS` or :data:`MAX_STEPS`); ``Path.converged`` says where a cap was reached (weak
    penalties on separable classes, whose weights grow without end).
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if penalty not in PENALTIES:
        raise ValueError(f"unknown penalty {penalty!r}; choose one of {', '.join(PENALTIES)}")
    if not 0.0 < l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in (0, 1], got {l1_ratio}")
    lambdas = grid(X, y, task, penalty, n_lambdas, l1_ratio) if lambdas is None else np.asarray(lambdas, float)
    lambdas = np.sort(lambdas)[::-1]
    if lambdas.size == 0 or (lambdas < 0).any() or not np.isfinite(lambdas).all():
        raise ValueError("a path needs one or more finite strengths λ ≥ 0")
    solve = _solver(X, y, task)
    if max_iter is None:
        max_iter = MAX_SWEEPS if task == "regression" else MAX_STEPS
    k = _outputs(task, y) if task != "regression" else 1
    m, d = len(lambdas), X.shape[1]
    coefs, intercepts = np.zeros((m, d, k)), np.zeros((m, k))
    iterations = np.zeros(m, dtype=int)
    for i, lam in enumerate(lambdas):
        l1, l2 = mix(penalty, lam, l1_ratio)
        coefs[i], intercepts[i], iterations[i] = solve(l1, l2, tol, max_iter)
        if progress is not None:
            progress(i + 1, m)
    model = _linear_model(X, y, task)

    def losses(X_part, y_part):
        if X_part is None or len(X_part) == 0:
            return np.full(m, np.nan)
        return np.array([_data_loss(model, W, b, X_part, y_part) for W, b in zip(coefs, intercepts, strict=True)])

    names = list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(d)]
    converged = iterations < max_iter
    train, test = losses(X, y), losses(X_test, y_test)
    return Path(penalty, l1_ratio, lambdas, coefs, intercepts, train, test, iterations, names, converged)


def solve(X, y, task, l1=0.0, l2=0.0, tol=1e-9, max_iter=MAX_SWEEPS):
    """(W (d, k), b (k,)) minimising the objective at one (l1, l2), from zero."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    W, b, _ = _solver(X, y, task)(l1, l2, tol, max_iter)
    return W, b


# -- solvers -----------------------------------------------------------------------------------------
class _RegressionSolver:
    """Coordinate descent for (1/n)‖y − Xw − b‖² + l1‖w‖₁ + (l2/2)‖w‖², warm-started from its last solution.

    Centring removes b (b = ȳ − x̄·w). With G = XcᵀXc/n and c = Xcᵀyc/n, the coordinate minimiser is
    w_j = S(c_j − Σ_{k≠j} G_jk·w_k, l1/2) / (G_jj + l2/2), S the soft threshold.
    """

    def __init__(self, X, y):
        n = len(X)
        mean_x, mean_y = X.mean(axis=0), float(np.mean(y))
        Xc, yc = X - mean_x, np.asarray(y, dtype=float).reshape(-1) - mean_y
        self._set(Xc.T @ Xc / n, Xc.T @ yc / n, mean_x, mean_y, np.zeros(X.shape[1]))

    @classmethod
    def quadratic(cls, G, c, mean_x, mean_y, start):
        """The solver of wᵀGw − 2cᵀw + l1‖w‖₁ + (l2/2)‖w‖² with b = mean_y − mean_x·w, from ``start``."""
        solver = cls.__new__(cls)
        solver._set(G, c, mean_x, mean_y, np.array(start, dtype=float))
        return solver

    def _set(self, G, c, mean_x, mean_y, w):
        self.G, self.c, self.mean_x, self.mean_y, self.w = G, c, mean_x, mean_y, w
        self.solved = None  # (l1, l2) of the last exact solution in self.w

    def __call__(self, l1, l2, tol, max_iter):
        G, c, w = self.G, self.c, self.w
        if l1 == 0.0:  # ridge (or least squares): one linear solve
            w[:] = np.linalg.lstsq(G + 0.5 * l2 * np.eye(len(c)), c, rcond=None)[0]
            return self._result(w, 1)
        self._exact(l1, l2)  # usually exact at once; the sweeps confirm it (or, rarely, finish the job)
        diag = np.diag(G) + 0.5 * l2
        Gw = G @ w  # kept up to date as coordinates move
        half = 0.5 * l1
        sweeps = 0
        while sweeps < max_iter:
            sweeps += 1
            largest_move = 0.0
            for j in range(len(c)):
                if diag[j] == 0.0:
                    continue
                rho = c[j] - Gw[j] + G[j, j] * w[j]
                new = np.sign(rho) * max(abs(rho) - half, 0.0) / diag[j]
                move = new - w[j]
                if move != 0.0:
                    Gw += move * G[:, j]
                    w[j] = new
                    largest_move = max(largest_move, abs(move))
            if largest_move <= tol * max(1.0, np.abs(w).max()):
                break
        return self._result(w, sweeps)

    def _exact(self, l1, l2, depth=0):
        """The exact solution by :meth:`_active_set` from the warm start; when the support changes too much
        for it, first at the geometric middle between the last solved strengths and these (a few levels)."""
        start = self.w.copy()
        if self._active_set(0.5 * l1, 0.5 * l2):
            self.solved = (l1, l2)
            return True
        self.w[:] = start
        if depth >= 6 or self.solved is None:
            return False
        middle = tuple(float(np.sqrt(a * b)) for a, b in zip(self.solved, (l1, l2), strict=True))
        return self._exact(*middle, depth + 1) and self._exact(l1, l2, depth + 1)

    def _active_set(self, a, D, rounds=50):
        """Guess the solution's support and signs, solve (G_AA + D·I)·w_A = c_A − a·s_A on it, and move the
        worst violator of the optimality conditions in or out until none is left (the warm start's support
        is the first guess). True when it found the optimum (then in ``self.w``)."""
        G, c = self.G, self.c
        w = self.w.copy()
        for _ in range(rounds):
            active = np.flatnonzero(w)
            signs = np.sign(w[active])
            if active.size:
                A = G[np.ix_(active, active)] + D * np.eye(active.size)
                try:
                    w_active = np.linalg.solve(A, c[active] - a * signs)
                except np.linalg.LinAlgError:
                    return False
            else:
                w_active = np.zeros(0)
            flipped = np.flatnonzero(np.sign(w_active) != signs)
            if flipped.size:  # a weight crossed zero: it leaves (the one that moved most)
                w[active] = w_active
                w[active[flipped[np.argmax(np.abs(w_active[flipped]))]]] = 0.0
                continue
            w[:] = 0.0
            w[active] = w_active
            pull = c - G @ w  # |pull_j| ≤ a for every weight at zero, at the optimum
            pull[active] = 0.0
            worst = int(np.argmax(np.abs(pull)))
            if abs(pull[worst]) <= a * (1 + 1e-9):
                self.w[:] = w
                return True
            w[worst] = np.sign(pull[worst]) * 1e-300  # enters with the sign of its pull
        return False

    def _result(self, w, sweeps):
        b = self.mean_y - float(self.mean_x @ w)
        return w.copy()[:, None], np.array([b]), sweeps


class _BinaryNewtonSolver:
    """Proximal Newton for binary cross-entropy + l1‖w‖₁ + (l2/2)‖w‖²: at θ = (w, b) the loss is replaced by
    its quadratic model (gradient g, Hessian H = Aᵀ·diag(p(1 − p))·A/n with A = [X 1]); the bias is
    eliminated (it is not penalised) and the penalised quadratic solved exactly by the regression solver's
    active set; a step halved until the objective falls. Quadratic convergence near the solution, so a
    point is exact where logistic regression has a finite solution."""

    def __init__(self, X, y, max_newton=100):
        self.A = np.column_stack([X, np.ones(len(X))])
        self.y = np.asarray(y, dtype=float).reshape(-1)
        self.theta = np.zeros(X.shape[1] + 1)
        self.theta[-1] = _best_bias(self.y, "binary", 1)[0]
        self.max_newton = max_newton

    def _objective(self, theta, l1, l2):
        z = self.A @ theta
        loss = float(np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - self.y * z))
        w = theta[:-1]
        return loss + l1 * float(np.abs(w).sum()) + 0.5 * l2 * float(w @ w)

    def __call__(self, l1, l2, tol, max_iter):
        A, y, n = self.A, self.y, len(self.y)
        d = A.shape[1] - 1
        theta = self.theta.copy()
        value = self._objective(theta, l1, l2)
        for it in range(1, min(max_iter, self.max_newton) + 1):  # noqa: B007 (the count is returned)
            p = 1.0 / (1.0 + np.exp(-(A @ theta)))
            g = A.T @ (p - y) / n
            H = (A.T * (p * (1 - p))) @ A / n
            r = H @ theta - g
            Hbb = max(H[d, d], 1e-300)
            quad = _RegressionSolver.quadratic(  # the bias eliminated: b = (r_b − H_bw·w)/H_bb
                H[:d, :d] - np.outer(H[:d, d], H[:d, d]) / Hbb, r[:d] - H[:d, d] * r[d] / Hbb,
                H[:d, d] / Hbb, r[d] / Hbb, theta[:d],
            )  # fmt: skip
            w_new, b_new, _ = quad(2 * l1, 2 * l2, 1e-13, MAX_SWEEPS)
            delta = np.concatenate([w_new[:, 0], b_new]) - theta
            step = 1.0
            while step > 1e-10:
                candidate = theta + step * delta
                new_value = self._objective(candidate, l1, l2)
                if new_value <= value:
                    break
                step *= 0.5
            moved = step * delta
            theta, value = theta + moved, min(value, new_value)
            if np.linalg.norm(moved) <= tol * max(1.0, np.linalg.norm(theta)):
                break
        self.theta = theta
        done = np.linalg.norm(moved) <= tol * max(1.0, np.linalg.norm(theta))
        return theta[:d, None].copy(), theta[d:].copy(), it if done else max_iter


class _ClassificationSolver:
    """FISTA with adaptive restart on the engine's loss (binary or softmax cross-entropy) of a linear model,
    step 1/L with L a bound of the data loss's curvature (‖[X 1]‖₂²/(4n) binary, /(2n) softmax) plus l2."""

    def __init__(self, X, y, task):
        self.X, self.y = X, y
        self.model = _linear_model(X, y, task)
        self.model.params[:] = 0.0
        self.model.biases[0][:] = _best_bias(y, task, self.model.biases[0].shape[0])
        A = np.column_stack([X, np.ones(len(X))])
        top = np.linalg.norm(A, 2) ** 2 / len(X)
        self.curvature = top / (4.0 if task == "binary" else 2.0)
        self.theta = self.model.params.copy()

    def __call__(self, l1, l2, tol, max_iter):
        model, n_w = self.model, self.model.n_weights
        step = 1.0 / (self.curvature + l2)
        theta = self.theta
        z, t = theta.copy(), 1.0
        for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
            model.params[:] = z
            model.forward_backward(self.X, self.y)
            grad = model.grads.copy()
            grad[:n_w] += l2 * z[:n_w]
            new = z - step * grad
            if l1:
                soft_threshold(new[:n_w], step * l1)
            moved = new - theta
            t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            if float(np.dot(z - new, moved)) > 0:  # the momentum points uphill: restart it
                t_next, z = 1.0, new.copy()
            else:
                z = new + ((t - 1.0) / t_next) * moved
            theta, t = new, t_next
            if np.linalg.norm(moved) <= tol * max(1.0, np.linalg.norm(theta)):
                break
        self.theta = theta
        model.params[:] = theta
        return model.weights[0].copy(), model.biases[0].copy(), it


def _solver(X, y, task):
    """Regression: exact (active set). Binary: proximal Newton. Multiclass: FISTA."""
    if task == "regression":
        return _RegressionSolver(X, y)
    return _BinaryNewtonSolver(X, y) if task == "binary" else _ClassificationSolver(X, y, task)


def _linear_model(X, y, task):
    return MLP([X.shape[1], _outputs(task, y)], task=task, init="zeros")


def _best_bias(y, task, k):
    """The bias a model with zero weights fits: the mean, the log-odds, or the log class frequencies."""
    y = np.asarray(y)
    if task == "regression":
        return np.full(k, float(np.mean(y)))
    if task == "binary":
        p = float(np.clip(np.mean(y), 1e-12, 1 - 1e-12))
        return np.array([np.log(p / (1 - p))])
    counts = np.bincount(y.astype(int), minlength=k) + 1e-12
    return np.log(counts / counts.sum())


def _data_loss(model, W, b, X, y):
    model.weights[0][...] = W
    model.biases[0][...] = b
    return float(model.forward_backward(X, y))
