"""The singular values of a weight matrix, and what they say honestly at this size.

For W of shape (N, M) with singular values σ_1 ≥ σ_2 ≥ … ≥ σ_k (k = min(N, M)):

    spectral norm         σ_max = σ_1 = ‖W‖₂                       (σ, not σ²)
    Frobenius norm        ‖W‖_F = √(Σ σ_i²)
    stable rank           ‖W‖_F² / σ_max²                           (1 … k; robust to tiny σ)
    random stable rank    N·M / (√N + √M)²                         (what an i.i.d. random matrix of this shape
                                                                    has: ‖W‖_F² ≈ N·M·s², σ_max ≈ s·(√N + √M))
    effective rank        exp(−Σ p_i log p_i), p_i = σ_i / Σ σ_j   (Roy & Vetterli, 2007)
    outliers              σ_i above the 95th percentile of σ_max over ``n_shuffles`` copies of W with its
                          entries shuffled (the same values, no structure): directions training put in.
                          The percentile is the permutation test's: the ⌈0.95·(n + 1)⌉-th smallest of the n
                          shuffled σ_max (with n = 20, the largest). A random matrix is exchangeable with its
                          shuffles, so it shows an outlier with probability ≤ 5 % when n ≥ 19 (1/21 with 20;
                          with fewer the band is their largest, and the chance 1/(n + 1): 17 % with 5); the
                          interpolated percentile of ``np.percentile`` would let 2/21 ≈ 9.5 % through. An outlier
                          must clear the band by more than rounding (a relative 1e-9). A single row or column
                          has one singular value, its norm, which shuffling cannot change: no outlier.

W is divided by its largest |entry| before any SVD and σ scaled back, so entries of 1e-170 or 1e200 neither
underflow nor overflow in σ².

Shuffling keeps the matrix's own distribution of values (heavy tails, a non-zero mean, sparsity), so the
band it gives is the honest reference for *this* matrix, where a Marchenko–Pastur edge assumes Gaussian
entries. There is no power-law exponent α here: at k ≤ 64 singular values a fitted tail exponent measures
the matrix's shape, not its training (``weightwatcher`` calls every random 8×8 matrix "over-trained").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Summary", "summary", "singular_values", "random_stable_rank", "effective_rank", "shuffled_top", "band_top",
    "describe",
]  # fmt: skip

PERCENTILE = 95.0  # the shuffled band's top: σ_i above this percentile of the shuffled σ_max are outliers
OUTLIER_MARGIN = 1e-9  # an outlier clears the band by more than this share (not by rounding)


def band_top(shuffled, percentile=PERCENTILE):
    """The permutation test's ``percentile``: the ⌈p·(n + 1)⌉-th smallest of the n values (their largest when
    that rank passes n; ∞ for none)."""
    values = np.sort(np.asarray(shuffled, dtype=float))
    if not values.size:
        return float("inf")
    rank = int(np.ceil(percentile / 100 * (values.size + 1)))
    return float(values[min(rank, values.size) - 1])


@dataclass(frozen=True)
class Summary:
    """``summary(W)``: the spectrum of W and the numbers read from it (see the module's formulas)."""

    shape: tuple
    singular_values: np.ndarray  # all σ_i, descending
    spectral_norm: float
    frobenius_norm: float
    stable_rank: float
    stable_rank_random: float
    effective_rank: float
    n_outliers: int
    shuffled_top: np.ndarray  # σ_max of each shuffled copy
    threshold: float  # band_top(shuffled_top): σ_i above it are outliers


def singular_values(W):
    """All singular values of W (2-D, finite), descending."""
    W, unit = _scaled(_matrix(W))
    return np.linalg.svd(W, compute_uv=False) * unit


def random_stable_rank(n_rows, n_cols):
    """N·M / (√N + √M)²: the stable rank of a large i.i.d. random N×M matrix."""
    return n_rows * n_cols / (np.sqrt(n_rows) + np.sqrt(n_cols)) ** 2


def effective_rank(sigma):
    """exp of the Shannon entropy of p_i = σ_i / Σσ (0 for a zero matrix): 1 for rank one, k for equal σ."""
    sigma = np.asarray(sigma, dtype=float)
    total = sigma.sum()
    if total <= 0:
        return 0.0
    p = sigma[sigma > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def shuffled_top(W, n_shuffles=20, seed=0):
    """σ_max of ``n_shuffles`` copies of W with its entries permuted by ``np.random.default_rng(seed)`` (one at a
    time: stacked copies of a large W would hold n_shuffles times its memory)."""
    W, unit = _scaled(_matrix(W))
    if min(W.shape) == 1:  # one singular value, the norm: the same for every arrangement of the entries
        return np.full(n_shuffles, np.linalg.norm(W) * unit)
    rng = np.random.default_rng(seed)
    tops = [np.linalg.svd(rng.permutation(W.ravel()).reshape(W.shape), compute_uv=False)[0] for _ in range(n_shuffles)]
    return np.array(tops, dtype=float) * unit


def summary(W, n_shuffles=20, seed=0):
    """The :class:`Summary` of W: its singular values, norms, ranks and outliers over ``n_shuffles`` shuffled
    copies drawn from ``seed``. ValueError for an array that is not a finite 2-D matrix."""
    W = _matrix(W)
    scaled, unit = _scaled(W)
    sigma_scaled = np.linalg.svd(scaled, compute_uv=False)  # σ/unit: σ² cannot overflow or underflow
    sigma = sigma_scaled * unit
    top = float(sigma_scaled[0])
    stable = float((sigma_scaled**2).sum() / top**2) if top > 0 else 0.0
    shuffled = shuffled_top(W, n_shuffles, seed)
    threshold = band_top(shuffled)
    return Summary(
        shape=W.shape,
        singular_values=sigma,
        spectral_norm=top * unit,
        frobenius_norm=float(np.sqrt((sigma_scaled**2).sum()) * unit),
        stable_rank=stable,
        stable_rank_random=float(random_stable_rank(*W.shape)),
        effective_rank=effective_rank(sigma_scaled),
        n_outliers=int((sigma > threshold * (1 + OUTLIER_MARGIN)).sum()),
        shuffled_top=shuffled,
        threshold=threshold,
    )


def describe(s):
    """One or two sentences on what the spectrum says, for the page."""
    n, k = s.n_outliers, len(s.singular_values)
    if s.spectral_norm == 0:
        return "Every weight is 0: the matrix has no direction at all, and a spectrum says nothing more."
    if n == 0:
        said = ("No singular value stands above what the same entries shuffled give: its spectrum shows no "
                "direction beyond chance (at this size the test can miss structure; the values themselves, their "
                "spread for one, may still have changed).")  # fmt: skip
    elif n == 1:
        said = ("One direction stands above the shuffled band: training grew it; the other "
                f"{k - 1} singular values look like a random matrix's.")  # fmt: skip
    else:
        said = (f"{n} directions stand above the shuffled band: training grew them; the other {k - n} "
                "singular values look like a random matrix's.")  # fmt: skip
    ratio = s.stable_rank / s.stable_rank_random if s.stable_rank_random else float("nan")
    if n and np.isfinite(ratio) and ratio < 0.7:
        said += (f" Its stable rank, {s.stable_rank:.1f}, is {ratio:.0%} of a random matrix's "
                 f"({s.stable_rank_random:.1f}): a few directions carry most of its size.")  # fmt: skip
    return said


def _scaled(W):
    """(W / unit, unit) with unit = max |W| (1 for a zero matrix): the entries of W / unit lie in [−1, 1]."""
    unit = float(np.abs(W).max()) if W.size else 0.0
    return (W / unit, unit) if unit > 0 else (W, 1.0)


def _matrix(W):
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"a spectrum needs a 2-D matrix with rows and columns, got shape {W.shape}")
    if not np.isfinite(W).all():
        raise ValueError("a spectrum needs finite values: this matrix has NaN or ±∞")
    return W


WORK_BUDGET = 1.5e9  # N·M·min(N, M) summed over the snapshots one spectrogram takes (~0.5 s of SVDs here)
MIN_POINTS, MAX_POINTS = 8, 40  # snapshots a spectrogram uses


def over_training(history, layer, max_points=MAX_POINTS):
    """(steps, σ) of layer ``layer`` over training: the singular values (rows, descending) of W at up to
    ``max_points`` kept snapshots, evenly spread and always the first and the last; fewer for a large layer
    (``WORK_BUDGET``), never fewer than ``MIN_POINTS``."""
    steps = np.asarray(history.snapshot_steps)
    n_rows, n_cols = history.weight_shapes[layer]
    affordable = int(WORK_BUDGET // (n_rows * n_cols * min(n_rows, n_cols)))
    points = min(len(steps), max_points, max(MIN_POINTS, affordable))
    picked = np.unique(np.round(np.linspace(0, len(steps) - 1, points)).astype(int))
    sigmas = np.stack([singular_values(history.snapshot(i)[1][layer]) for i in picked])
    return steps[picked], sigmas
