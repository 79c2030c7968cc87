"""What a training run leaves behind for the dashboard: per-step statistics, histograms and snapshots.

Four logs, each a :class:`ThinningLog` with its share of one memory budget (64 MB by default):

- ``scalars``: every step, the learning rate, batch loss, penalty, global gradient norm and, per
  layer l, the statistics in ``LAYER_STATS`` of the weights W_l and of their gradient (as the
  optimizer received it: data gradient + l2·W, after clipping), plus the update/weight ratio
  ‖W_l(t) − W_l(t−1)‖/‖W_l(t−1)‖ of the update actually applied (optimizer and L1 proximal step
  together; healthy near 1e-3), and the norms of the biases and their gradient;
- ``hists``: ``bins`` equal-width bins of W_l and of its gradient between that step's min and max
  (the range is stored with the counts), at most ``HIST_ROWS`` = 512 rows (about what a chart can
  show; the snapshots get the rest of its share): counted only at the steps this log keeps (every
  step until it first thins, then every ``stride``-th), each exactly;
- ``snapshots``: full float32 copies of all parameters and their gradients (a trainer stops a run
  before any value passes ±1e30, so none reads ∞);
- ``evals``: train and test loss and metric at evaluation steps (on at most 5 000 rows of each set:
  see ``Trainer.eval_rows``); a second evaluation at the same step replaces the first.

When a log is full it keeps every other row and records at twice the stride from then on, so a
100 000-step run still covers its whole length evenly, and row 0 (the initial state) always stays.
Each log thins on its own, so each has its own step axis: ``History.scalar_steps``,
``histogram_steps``, ``snapshot_steps`` and ``eval_steps``.
``truncate(step)`` forgets every row after ``step`` (a trainer rewinding to it), keeping the spacing.

Recording is cheap because it is deferred: a step only copies the parameters and gradients into
a block buffer; when the block is full (or anything is read) the statistics of the whole block
are computed at once, vectorised over steps and layers; histograms and snapshots are computed and
copied only for the rows their logs keep (``ThinningLog.due``: a slice of the block).
"""

from __future__ import annotations

import threading

import numpy as np

WEIGHT_STATS = ("w_norm", "w_mean", "w_std", "w_min", "w_max", "w_near_zero", "w_zero")
GRAD_STATS = ("g_norm", "g_mean", "g_std", "g_min", "g_max")
LAYER_STATS = WEIGHT_STATS + GRAD_STATS + ("update_ratio", "b_norm", "gb_norm")
GLOBAL_STATS = ("lr", "batch_loss", "penalty", "grad_norm")
EVAL_STATS = ("train_loss", "test_loss", "train_metric", "test_metric")
# Shares of the memory budget per log; snapshots take the rest (what the histogram log leaves too).
SHARES = {"scalars": 1 / 8, "hists": 1 / 8, "evals": 1 / 64}
BLOCK_BYTES = 4 * 2**20  # the pending block of raw parameters and gradients (at most 256 steps)
HIST_ROWS = 512  # histogram rows kept at most: a distribution chart is a few hundred pixels wide


class ThinningLog:
    """Rows offered one at a time, kept at a stride that doubles whenever ``capacity`` rows are full."""

    def __init__(self, capacity, fields):
        """``fields``: name -> (row shape, dtype)."""
        self.capacity = max(2, int(capacity))
        self.stride = 1
        self.n = 0
        self._count = 0
        rows = min(self.capacity, 256)
        self.steps_buf = np.empty(rows, dtype=np.int64)
        self.data = {name: np.empty((rows, *shape), dtype=dtype) for name, (shape, dtype) in fields.items()}

    def offer(self):
        """Count one offer; True if the caller should ``append`` this one (thinning first when full)."""
        count = self._count
        self._count += 1
        if count % self.stride:
            return False
        if self.n == self.capacity:
            self._thin()
            return count % self.stride == 0
        return True

    def due(self, k):
        """Which of the next ``k`` offers this log keeps, after any thinning they cause: a slice of them."""
        stride = self._stride_after(k)
        return slice((-self._count) % stride, k, stride)

    def extend(self, steps, **rows):
        """Offer ``len(steps)`` rows at once (arrays with one row per step); stores the ones due."""
        due = self.due(len(steps))
        self.extend_due(len(steps), steps[due], **{name: r[due] for name, r in rows.items()})

    def extend_due(self, k, steps, **rows):
        """Offer ``k`` rows at once, given only the ones ``due(k)`` names (steps and rows in that order).

        The log holds the offers 0, stride, 2·stride, …: thinning first and then appending keeps the
        same rows as offering the k rows one at a time."""
        stride = self._stride_after(k)
        while self.stride < stride:
            self._thin()
        self._count += k
        end = self.n + len(steps)
        if end > len(self.steps_buf):
            self._grow(end)
        self.steps_buf[self.n : end] = steps
        for name, r in rows.items():
            self.data[name][self.n : end] = r
        self.n = end

    def _stride_after(self, k):
        """The stride after ``k`` more offers: each offer due when the log is full thins it first."""
        n, stride, count, end = self.n, self.stride, self._count, self._count + k
        while True:
            first = -(-count // stride) * stride  # the next offer due
            if n + len(range(first, end, stride)) <= self.capacity:
                return stride
            count = first + (self.capacity - n) * stride  # the due offer that finds the log full
            n, stride = (self.capacity + 1) // 2, 2 * stride

    def truncate(self, step, count=None):
        """Forget the rows after ``step``. ``count``: offers made up to ``step`` (a log offered one row per
        step from step 0 has made ``step + 1``), so the stride stays aligned; by default the next offer is kept."""
        self.n = int(np.searchsorted(self.steps, step, side="right"))
        self._count = self.n * self.stride if count is None else int(count)

    def append(self, step, **values):
        """Store a row (after a True ``offer``)."""
        if self.n == len(self.steps_buf):
            self._grow()
        self.steps_buf[self.n] = step
        for name, value in values.items():
            self.data[name][self.n] = value
        self.n += 1

    @property
    def steps(self):
        return self.steps_buf[: self.n]

    def __getitem__(self, name):
        return self.data[name][: self.n]

    @property
    def nbytes(self):
        return self.steps_buf.nbytes + sum(a.nbytes for a in self.data.values())

    def _thin(self):
        keep = slice(0, self.n, 2)
        kept = len(range(self.n)[keep])
        self.steps_buf[:kept] = self.steps_buf[keep].copy()
        for a in self.data.values():
            a[:kept] = a[keep].copy()
        self.n = kept
        self.stride *= 2

    def _grow(self, rows=0):
        """Room for at least ``rows`` rows (doubling, at most ``capacity``)."""
        rows = min(self.capacity, max(rows, 2 * len(self.steps_buf)))
        self.steps_buf = np.resize(self.steps_buf, rows)
        self.data = {name: _resized(a, rows) for name, a in self.data.items()}


def _resized(a, rows):
    out = np.empty((rows, *a.shape[1:]), dtype=a.dtype)
    out[: len(a)] = a
    return out


def layer_stats(x, offsets, near_zero=1e-3, counts=True, moments=True):
    """Per-segment statistics along the last axis of x, segment l = x[..., offsets[l]:offsets[l+1]].

    Returns a dict of (..., L) arrays: min, max, (with ``moments``) norm ‖x_l‖₂, mean and std and (with
    ``counts``) the share |x| < near_zero and the share x == 0. One vectorised pass per statistic for all
    layers (``np.ufunc.reduceat``).
    """
    starts = offsets[:-1]
    sizes = np.diff(offsets).astype(float)
    stats = {"min": np.minimum.reduceat(x, starts, axis=-1), "max": np.maximum.reduceat(x, starts, axis=-1)}
    if moments:
        squares = segment_dots(x, x, offsets)
        mean = np.add.reduceat(x, starts, axis=-1) / sizes
        stats["norm"] = np.sqrt(squares)
        stats["mean"] = mean
        stats["std"] = np.sqrt(np.maximum(squares / sizes - mean * mean, 0.0))
    if counts:
        for name, mask in (("near_zero", np.abs(x) < near_zero), ("zero", x == 0.0)):
            # bytes summed into int32 (≤ 2³¹ weights a layer): much faster than bools into int64
            stats[name] = np.add.reduceat(mask.view(np.uint8), starts, axis=-1, dtype=np.int32) / sizes
    return stats


def segment_dots(x, y, offsets):
    """(..., L) dot products x_l·y_l of the segments along the last axis: one pass, no temporary."""
    dots = [np.vecdot(x[..., a:b], y[..., a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    return np.stack(dots, axis=-1)


def segment_histograms(x, offsets, lo, hi, bins):
    """(K, L, bins) counts of each row k and segment l of x (K, n) in equal-width bins over [lo, hi].

    ``lo`` and ``hi`` are (K, L). The top edge is inclusive, as in np.histogram. Rows whose range
    is not finite (no gradient yet) count nothing. A range so narrow that bins/(hi − lo) overflows (a
    gradient of 0…1e-317 near a divergence) puts the minimum in the first bin and the rest in the last.
    """
    K, L = lo.shape
    finite = np.isfinite(lo) & np.isfinite(hi)
    if not finite.all():  # e.g. the gradient row of step 0: count nothing there
        x = np.where(finite.all(axis=1)[:, None], x, 0.0)
    lo = np.where(finite, lo, 0.0)
    with np.errstate(over="ignore", divide="ignore"):
        scale = np.where(finite & (hi > lo), bins / np.where(hi > lo, hi - lo, 1.0), 0.0)
    row_offset = (np.arange(K) * bins)[:, None]
    counts = np.empty((K, L, bins), dtype=np.int64)
    for l in range(L):
        t = x[:, offsets[l] : offsets[l + 1]] - lo[:, l : l + 1]  # ≥ 0: x ≥ min
        with np.errstate(invalid="ignore", over="ignore"):
            t *= scale[:, l : l + 1]  # 0·∞ (the minimum, in an overflowing range) is NaN: the first bin
        np.nan_to_num(t, copy=False, nan=0.0, posinf=bins - 1)
        np.clip(t, 0, bins - 1, out=t)  # the top edge belongs to the last bin
        index = t.astype(np.intp)
        index += row_offset  # in integers: a float offset could round an index into the next row
        counts[:, l] = np.bincount(index.ravel(), minlength=K * bins).reshape(K, bins)
    counts[~finite] = 0
    return counts


class History:
    """Everything a Trainer records; ``frame()`` gives the scalar parts as a pandas DataFrame.

    Four logs, four step axes: each log thins on its own (its own capacity and stride), so after a
    long run the rows of one are not the rows of another. Read each log against its own steps:

    - ``scalar_steps`` indexes ``column()``, ``layer_stat()`` and ``frame()`` (alias ``steps``);
    - ``histogram_steps`` indexes ``histograms()``;
    - ``snapshot_steps`` indexes ``snapshot()``, ``snapshot_params()``, ``snapshot_grads()`` and the
      rows of ``parameter_path()``;
    - ``eval_steps`` indexes ``eval_column()``.

    All four start at step 0 and end at the last step offered to them.
    """

    def __init__(self, model, budget_mb=64.0, bins=30, near_zero=1e-3, lock=None):
        # Held while a flush turns the pending block into statistics: readers on two threads (the page and a
        # download) may both flush. A Trainer passes its own lock, so a reader holding it sees whole steps.
        self.lock = lock if lock is not None else threading.RLock()
        self.weight_shapes = [W.shape for W in model.weights]
        self.offsets = np.asarray(model.weight_offsets)
        self.n_weights, self.n_params = model.n_weights, model.n_params
        self.bias_offsets = np.cumsum([0] + [b.size for b in model.biases])  # within params[n_weights:]
        self.bins, self.near_zero = bins, near_zero
        L = len(self.weight_shapes)
        self.columns = list(GLOBAL_STATS) + [f"{stat}_{l}" for stat in LAYER_STATS for l in range(L)]
        budget = budget_mb * 2**20
        scalar_row, eval_row = 8 * len(self.columns) + 8, 8 * len(EVAL_STATS) + 8
        hist_row, snapshot_row = 2 * L * (4 * bins + 16) + 8, 8 * self.n_params + 8
        scalar_fields = {"values": ((len(self.columns),), np.float64)}
        self.scalars = ThinningLog(budget * SHARES["scalars"] // scalar_row, scalar_fields)
        hist_fields = {"w_counts": ((L, bins), np.int32), "w_range": ((L, 2), np.float64)}
        hist_fields |= {"g_counts": ((L, bins), np.int32), "g_range": ((L, 2), np.float64)}
        self.hists = ThinningLog(min(budget * SHARES["hists"] // hist_row, HIST_ROWS), hist_fields)
        self.evals = ThinningLog(budget * SHARES["evals"] // eval_row, {"values": ((len(EVAL_STATS),), np.float64)})
        logs = ((self.scalars, scalar_row), (self.hists, hist_row), (self.evals, eval_row))
        self.snapshots = ThinningLog(
            (budget - sum(log.capacity * row for log, row in logs)) // snapshot_row,
            {"params": ((self.n_params,), np.float32), "grads": ((self.n_params,), np.float32)},
        )
        # The pending block: raw float64 copies of recent steps.
        block = int(np.clip(BLOCK_BYTES // (16 * self.n_params + 1), 1, 256))
        self._params = np.empty((block, self.n_params))
        self._grads = np.empty((block, self.n_params))
        self._globals = np.empty((block, len(GLOBAL_STATS)))
        self._steps = np.empty(block, dtype=np.int64)
        self._pending = 0
        self._last_weights = None  # weights of the step before the block, for the update ratio
        self._last_norms = np.full(L, np.nan)

    # -- recording ------------------------------------------------------------------------------
    def record(self, step, params, grads=None, lr=np.nan, batch_loss=np.nan, penalty=np.nan, grad_norm=np.nan):
        """Record the state after ``step`` updates; ``grads=None`` (step 0) records no gradient."""
        i = self._pending
        self._params[i] = params
        self._grads[i] = np.nan if grads is None else grads
        self._globals[i] = (lr, batch_loss, penalty, grad_norm)
        self._steps[i] = step
        self._pending += 1
        if self._pending == len(self._steps):
            self.flush()

    def record_eval(self, step, train_loss, test_loss, train_metric, test_metric):
        """Record an evaluation; a second one at the same step replaces the first."""
        values = [train_loss, test_loss, train_metric, test_metric]
        if self.evals.n and self.evals.steps[-1] == step:
            self.evals.data["values"][self.evals.n - 1] = values
        elif self.evals.offer():
            self.evals.append(step, values=values)

    def truncate(self, step, params=None):
        """Forget everything recorded after ``step`` (scalars, histograms, snapshots, evaluations) to go on
        from there. ``params``, the flat parameters at ``step``, are what the next update ratio compares
        with (without them its first ratio is NaN)."""
        self.flush()
        for log in (self.scalars, self.hists, self.snapshots):  # offered one row per step since step 0
            log.truncate(step, count=step + 1)
        self.evals.truncate(step)
        self._last_weights, self._last_norms = None, np.full(len(self.weight_shapes), np.nan)
        if params is not None:
            W = np.asarray(params, dtype=np.float64)[None, : self.n_weights]
            self._last_weights = W[0].copy()
            self._last_norms = layer_stats(W, self.offsets, counts=False)["norm"][0]

    def flush(self):
        """Turn the pending block into statistics, histograms and snapshots (vectorised over its steps)."""
        with self.lock, np.errstate(over="ignore", invalid="ignore"):  # a run about to diverge: huge values
            if self._pending:
                self._flush()

    def _flush(self):
        try:
            self._flush_block()
        finally:  # whatever happens, the block is spent: a failure must not break every later step
            self._pending = 0

    def _flush_block(self):
        k = self._pending
        steps, P, G = self._steps[:k], self._params[:k], self._grads[:k]
        W, gW = P[:, : self.n_weights], G[:, : self.n_weights]  # (k, n_weights)
        w = layer_stats(W, self.offsets, self.near_zero)
        g = layer_stats(gW, self.offsets, counts=False)
        # ‖W(t) − W(t−1)‖ / ‖W(t−1)‖, the first row against the last row of the previous block
        dW = np.empty_like(W)
        np.subtract(W[0], np.nan if self._last_weights is None else self._last_weights, out=dW[0])
        np.subtract(W[1:], W[:-1], out=dW[1:])
        delta = np.sqrt(segment_dots(dW, dW, self.offsets))
        prev_norm = np.concatenate([[self._last_norms], w["norm"][:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            update_ratio = np.where(prev_norm > 0, delta / prev_norm, np.nan)
        values = [self._globals[:k]]
        values += [w[name[2:]] for name in WEIGHT_STATS] + [g[name[2:]] for name in GRAD_STATS]
        values += [update_ratio, self._bias_norms(P), self._bias_norms(G)]
        self.scalars.extend(steps, values=np.concatenate(values, axis=1))
        self._extend_hists(steps, W, gW, w, g)
        self.snapshots.extend(steps, params=P, grads=G)  # float32: beyond 3.4e38 is stored as inf
        self._last_weights, self._last_norms = W[-1].copy(), w["norm"][-1]

    def _extend_hists(self, steps, W, gW, w_stats, g_stats):
        """Histograms of the block rows the histogram log keeps, and only of those (their ranges are the
        block's per-layer min and max, ``w_stats`` and ``g_stats``, already computed)."""
        due = self.hists.due(len(steps))
        if due.start >= len(steps):  # none of these steps is kept: count the offers, skip the work
            return self.hists.extend_due(len(steps), steps[due])
        rows = {}
        for which, X, stats in (("w", W[due], w_stats), ("g", gW[due], g_stats)):
            lo, hi = stats["min"][due], stats["max"][due]
            rows[f"{which}_counts"] = segment_histograms(X, self.offsets, lo, hi, self.bins)
            rows[f"{which}_range"] = np.stack([lo, hi], axis=2)  # (rows, L, 2)
        self.hists.extend_due(len(steps), steps[due], **rows)

    def _bias_norms(self, flat_rows):
        b = flat_rows[:, self.n_weights : self.n_weights + self.bias_offsets[-1]]
        return np.sqrt(np.add.reduceat(b * b, self.bias_offsets[:-1], axis=1))

    # -- reading (each reader flushes first) -----------------------------------------------------
    def __len__(self):
        """Number of scalar rows kept."""
        self.flush()
        return self.scalars.n

    @property
    def scalar_steps(self):
        """Steps of the scalar rows (``column()``, ``layer_stat()``); thinned apart from the other logs."""
        self.flush()
        return self.scalars.steps

    steps = scalar_steps  # the older name, kept: the scalar log's steps

    @property
    def histogram_steps(self):
        """Steps of the histogram rows (``histograms()``); thinned apart from the other logs."""
        self.flush()
        return self.hists.steps

    @property
    def eval_steps(self):
        """Steps of the evaluations (``eval_column()``): every ``eval_every`` steps and at the end of runs."""
        return self.evals.steps

    def column(self, name):
        """One scalar column over the kept steps, e.g. ``"batch_loss"`` or ``"w_norm_0"``."""
        self.flush()
        return self.scalars["values"][:, self.columns.index(name)]

    def layer_stat(self, stat):
        """(steps, (rows, L) array) of a per-layer statistic from LAYER_STATS."""
        self.flush()
        first = self.columns.index(f"{stat}_0")
        return self.scalars.steps, self.scalars["values"][:, first : first + len(self.weight_shapes)]

    def eval_column(self, name):
        """(steps, values) of one of EVAL_STATS."""
        return self.evals.steps, self.evals["values"][:, EVAL_STATS.index(name)]

    def histograms(self, which="w"):
        """(steps, counts (rows, L, bins), ranges (rows, L, 2)) of the weights ("w") or gradients ("g")."""
        self.flush()
        return self.hists.steps, self.hists[f"{which}_counts"], self.hists[f"{which}_range"]

    @property
    def snapshot_steps(self):
        """Steps of the kept snapshots (``snapshot()``, ``parameter_path()``); thinned apart from the other logs."""
        self.flush()
        return self.snapshots.steps

    def snapshot(self, index):
        """(step, weights, grads) of kept snapshot ``index``: lists of (fan_in, fan_out) float32 arrays."""
        self.flush()
        params, grads = self.snapshots["params"][index], self.snapshots["grads"][index]
        return int(self.snapshots.steps[index]), self._unflatten(params), self._unflatten(grads)

    def snapshot_params(self, index):
        """The flat parameter vector of kept snapshot ``index`` as float64."""
        self.flush()
        return self.snapshots["params"][index].astype(np.float64)

    def snapshot_grads(self, index):
        """The flat gradient vector of kept snapshot ``index`` as float64 (NaN at step 0: no gradient yet)."""
        self.flush()
        return self.snapshots["grads"][index].astype(np.float64)

    def parameter_path(self, indices=None):
        """(n_snapshots, k) float64: the parameters at flat ``indices`` in every kept snapshot, row i at
        ``snapshot_steps[i]``. ``indices``: a sequence of flat indices, a slice (``slice(0, 2)``: the first
        two, w and b of a one-feature linear model) or one index; None gives all parameters."""
        self.flush()
        columns = np.atleast_1d(np.arange(self.n_params)[slice(None) if indices is None else indices])
        return self.snapshots["params"][:, columns].astype(np.float64)

    def _unflatten(self, flat):
        bounds = zip(self.offsets[:-1], self.offsets[1:], self.weight_shapes, strict=True)
        return [flat[a:b].reshape(shape) for a, b, shape in bounds]

    @property
    def nbytes(self):
        logs = (self.scalars, self.hists, self.evals, self.snapshots)
        return sum(log.nbytes for log in logs) + self._params.nbytes + self._grads.nbytes

    def frame(self):
        """The scalar history as a pandas DataFrame indexed by step, with the evaluations joined in.

        Per-layer columns count layers from 1, as a person reads them (``w_norm_1`` is W1's norm);
        ``column()`` keeps the 0-based names of the arrays.
        """
        import pandas as pd  # only here: the engine itself needs numpy alone

        self.flush()
        columns = []
        for name in self.columns:
            stat, _, layer = name.rpartition("_")
            columns.append(f"{stat}_{int(layer) + 1}" if stat in LAYER_STATS and layer.isdigit() else name)
        df = pd.DataFrame(self.scalars["values"], index=pd.Index(self.scalars.steps, name="step"), columns=columns)
        evals = pd.DataFrame(
            self.evals["values"], index=pd.Index(self.evals.steps, name="step"), columns=list(EVAL_STATS)
        )
        return df.join(evals, how="outer")
