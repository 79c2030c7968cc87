"""The Trainer: one optimisation step at a time, everything recorded, divergence caught and undone.

A step runs in a fixed order: batch → forward → loss → backward → penalty → check the loss →
smoothed loss (keep the weights if healthy) → L2 gradient → clip → check the gradient → update →
L1 proximal step → check the weights → record → evaluate. The objective is

    mean data loss + l1·Σ|w| + (l2/2)·Σw²      (weights only, never biases)

with the L2 part in the gradient and the L1 part as a soft-threshold after the update (see
``regularizers``). The same model configuration, data and seed give bit-identical weights.

Divergence: a step whose objective, applied gradient norm or any weight leaves [−LIMIT, LIMIT]
(LIMIT = 1e30; NaN counts as outside) is undone and training stops with a :class:`Diverged`. The
bound sits well inside float32 (max ≈ 3.4e38), the precision of the snapshots and figures, so a run
is stopped before anything it recorded reads ∞; no sane run comes near it (the data are
standardised: even a target in the millions gives losses near 1e12).

Health (``health``): the smoothed loss ŝ_t decides which weights were still healthy (ŝ_t within 10×
of the best so far, or no worse than at the start) and when to warn that the loss is blowing up.
The trainer keeps an exact float64 copy of the last healthy weights (gradients and batch-norm
statistics too) at no extra cost: the copy that can undo a step becomes it by swapping buffers.
``rewind(healthy_step())`` goes back there; ``recover(lr)`` does it after a divergence.

Evaluation: train and test loss and metric are measured on a fixed sample of ``EVAL_ROWS`` rows of
each set when the set is larger (drawn once, from the seed), so their cost does not grow with the
data (see ``eval_rows``), through the model's cache-free ``logits``.

Random streams: the mini-batch order comes from ``np.random.default_rng(seed)`` alone (one
permutation per epoch, ``epoch_order``), so it depends only on the seed, the number of training rows
and the batch size, never on dropout, initializer, penalties or optimizer. Dropout masks draw from
their own stream, ``np.random.default_rng(SeedSequence(seed).spawn(3)[2])`` (children 0 and 1 draw the
evaluation samples); the initial weights come from the model's seed. ``reset`` restarts both streams.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import threading
from dataclasses import dataclass

import numpy as np

from . import health, optimizers, regularizers
from .formatting import number, typed
from .health import EXPLODING, LIMIT, Diverged
from .history import History

__all__ = ["Trainer", "StepResult", "View", "Diverged", "EXPLODING", "LIMIT", "EVAL_ROWS"]

EVAL_ROWS = 5_000  # train and test loss are measured on a fixed sample of this many rows of a larger set


@dataclass(frozen=True)
class StepResult:
    """What one step did: ``step`` counts updates applied so far (the first update is step 1)."""

    step: int
    loss: float  # mean data loss of the batch, before the update
    penalty: float  # l1·Σ|w| + (l2/2)·Σw² before the update
    scheduled_lr: float  # the rate this update used: lr_at(trainer.lr, step − 1), not the base rate
    grad_norm: float  # global gradient norm before clipping
    diverged: bool = False

    @property
    def lr(self):
        """Alias of ``scheduled_lr`` (read-only), the name this field had before."""
        return self.scheduled_lr


@dataclass(frozen=True)
class View:
    """What a dashboard shows for one moment of training: the step, a model, its weights and gradients."""

    step: int
    model: object  # the live model, or a copy holding a snapshot's parameters
    weights: list  # (fan_in, fan_out) arrays
    grads: list | None  # the gradient that produced this step; None at step 0
    live: bool


class _State:
    """An exact copy of the trainer's state after ``step`` updates: flat parameters and gradients, and
    (running mean, running variance) of each batch-norm layer. (A plain class: one is made every step.)"""

    __slots__ = ("step", "params", "grads", "bn_stats")

    def __init__(self, step, params, grads, bn_stats):
        self.step, self.params, self.grads, self.bn_stats = step, params, grads, bn_stats


def _offset(buffer, view):
    """Where ``view`` (a view of the flat ``buffer``) starts in it, in elements."""
    return (view.__array_interface__["data"][0] - buffer.__array_interface__["data"][0]) // buffer.itemsize


def _locked(method):
    """Run ``method`` holding ``self.lock``."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return locked


class Trainer:
    """Trains ``model`` on (X, y) with mini-batches drawn by ``np.random.default_rng(seed)``.

    ``lr`` is the base learning rate; the rate step t applies is ``lr_at(lr, t)`` (the schedule), which
    each :class:`StepResult` reports as ``scheduled_lr``. Dropout masks come from a separate stream
    (``dropout_rng``), so the batches are the same with or without dropout.

    ``trainer.step()`` applies one update and returns a :class:`StepResult` (or :class:`Diverged`);
    ``trainer.run(n)`` applies up to n; ``trainer.history`` holds what was recorded (nothing with
    ``record=False``; evaluation still runs every ``eval_every`` steps into ``last_eval``).

    A trainer is driven by one thread. ``lock`` (re-entrant) is held while a step, a reset, a rewind or
    a new start changes the model and its history: another thread that reads them (a download built
    while Play trains) does so under ``with trainer.lock:`` and sees a whole step.
    """

    def __init__(
        self,
        model,
        X,
        y,
        optimizer="adam",
        lr=0.01,
        batch_size=32,
        l1=0.0,
        l2=0.0,
        seed=0,
        *,
        X_test=None,
        y_test=None,
        optimizer_options=None,
        schedule="constant",
        schedule_options=None,
        clip_norm=None,
        record=True,
        eval_every=None,
        memory_budget_mb=64.0,
        hist_bins=30,
        near_zero=1e-3,
        layer_lr=None,
    ):
        self.lock = threading.RLock()
        self.model = model
        self.X, self.y = _check_data(model, X, y, "training")
        has_test = X_test is not None and len(X_test) > 0
        self.X_test, self.y_test = _check_data(model, X_test, y_test, "test") if has_test else (None, None)
        _check_rate(lr)
        if l1 < 0 or l2 < 0:
            raise ValueError(f"penalty strengths must be ≥ 0, got l1={typed(l1)}, l2={typed(l2)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
        self.optimizer_name, self.optimizer_options = optimizer, dict(optimizer_options or {})
        self.lr, self.l1, self.l2 = float(lr), float(l1), float(l2)
        self.batch_size = min(int(batch_size), len(self.X))
        if model.batch_norms and self.batch_size < 2:
            raise ValueError(
                f"batch norm normalises over a batch: it needs batches of at least 2 rows, got {self.batch_size}"
            )
        self.seed, self.clip_norm, self.record = seed, clip_norm, record
        self.schedule_name, self.schedule_options = schedule, dict(schedule_options or {})
        self.lr_at = optimizers.schedule(schedule, **self.schedule_options)
        # Evaluation sets: a fixed sample of at most EVAL_ROWS rows of each (drawn apart from the batches' rng).
        draws = np.random.default_rng(seed).spawn(2)
        self._eval_sets = {"train": _sample(self.X, self.y, EVAL_ROWS, draws[0])}
        if self.X_test is not None:
            self._eval_sets["test"] = _sample(self.X_test, self.y_test, EVAL_ROWS, draws[1])
        self.eval_rows = {part: len(X_part) for part, (X_part, _) in self._eval_sets.items()}
        # Evaluation costs about n_eval/batch forward passes, a third of a step each: every ~4·n_eval/batch
        # steps it stays under a tenth of training. run() always evaluates its last step.
        n_eval = sum(self.eval_rows.values())
        self.eval_every = eval_every or max(1, min(100, math.ceil(4 * n_eval / self.batch_size)))
        self.smoothing_window = health.window(len(self.X), self.batch_size)
        self._history_options = {"budget_mb": memory_budget_mb, "bins": hist_bins, "near_zero": near_zero}
        self._set_layer_lr(layer_lr)
        self._initial_state = model.state()
        self._loaded = None  # the file the weights came from (start_from): no configuration remakes them
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------------
    @_locked
    def reset(self):
        """Back to step 0: the model's initial weights exactly (no gradient yet), fresh optimizer, both random
        streams (batches and dropout) and history."""
        self.model.load_state(self._initial_state)
        self.model.grads[...] = 0.0
        self.batch_rng = np.random.default_rng(self.seed)  # mini-batch order only: one permutation per epoch
        self.dropout_rng = _dropout_rng(self.seed)  # dropout masks only
        self.epoch = 0  # permutations drawn since reset: the epoch under way is epoch_order(epoch − 1)
        self.t = 0
        self.diverged = None
        # None while this state follows from the configuration (seed included) and the steps taken since
        # step 0, so replaying them gives it bit for bit; otherwise why not (a link then shares the
        # configuration only). Live changes between steps are the caller's to replay (ui.runs.Run logs them).
        self.unreplayable = self._loaded
        self._order, self._cursor = np.empty(0, dtype=np.intp), 0
        self._prev_params = np.empty_like(self.model.params)
        self._prev_grads = np.empty_like(self.model.grads)
        self.history = History(self.model, lock=self.lock, **self._history_options)
        if self.record:
            self.history.record(0, self.model.params)
        self._restart()

    @_locked
    def start_from(self, state):
        """Make ``state`` (from ``model.state()`` or a weights file) the new step 0: load it, forget the history."""
        self.model.load_state(state)
        self._initial_state = self.model.state()
        self._loaded = "its weights were loaded from a file"
        self.reset()

    @property
    def initial_weights(self):
        """The weight matrices W₀ of step 0, (fan_in, fan_out) each: the arrays the trainer keeps to reset
        (read them, do not write them)."""
        return [self._initial_state[f"W{layer}"] for layer in range(len(self.model.weights))]

    @_locked
    def set_weight_decay(self, weight_decay):
        """AdamW's decoupled decay λ from the next step on (the optimizer keeps its moments); ValueError for
        λ < 0 or an optimizer without decoupled decay."""
        if "weight_decay" not in inspect.signature(optimizers.OPTIMIZERS[self.optimizer_name]).parameters:
            raise ValueError(f"{self.optimizer_name} has no decoupled weight decay: use adamw, or the l2 penalty")
        if not weight_decay >= 0:
            raise ValueError(f"weight decay must be ≥ 0, got {typed(weight_decay)}")
        self.optimizer_options["weight_decay"] = float(weight_decay)
        self.optimizer.weight_decay = float(weight_decay)

    def healthy_step(self):
        """The last step whose weights were healthy: ŝ ≤ max(10·best, L₀) (see ``health``), or where training
        started (step 0 or the last rewind). While all is well it is the step before the current one (the
        current weights' loss is measured by the next step); an exact copy of its state is kept."""
        return self._healthy.step

    @_locked
    def rewind(self, step, lr=None):
        """Go back to ``step`` and go on from there; returns the step restored.

        The parameters, gradients and batch-norm running statistics are restored exactly at step 0, at
        ``healthy_step()`` and at the current step; any other step restores the latest kept snapshot at or
        before it (float32 parameters and gradients; the running statistics of the latest exact copy
        before it). Then: everything recorded after that step is dropped (``History.truncate``), the
        step counter goes back to it, a divergence is cleared, the optimizer restarts, the loss is
        evaluated there, ``lr`` (if given) becomes the learning rate, and the smoothed loss starts afresh
        from that state. Batches and dropout masks go on with their streams where they are (the steps
        after it are new draws).
        """
        if not 0 <= step <= self.t:
            raise ValueError(f"a run can go back to a step from 0 to {self.t}, not {step}")
        if lr is not None:
            _check_rate(lr)
        target = self._latest_state(int(step))
        if target.step != self.t:
            self._load(target)
        went = f"went back from step {self.t:,} to" if target.step != self.t else "restarted its optimizer at"
        self.unreplayable = self.unreplayable or f"it {went} step {target.step:,}"
        self.t = target.step
        if lr is not None:
            self.lr = float(lr)
        self.diverged = None
        self.history.truncate(self.t, params=self.model.params)
        self._restart()
        return self.t

    def recover(self, lr=None):
        """After a divergence: ``rewind(healthy_step(), lr)``, back to the last healthy weights with a new
        learning rate. Without a divergence: the same at the current step (new rate, fresh optimizer)."""
        return self.rewind(self.t if self.diverged is None else self.healthy_step(), lr)

    def _restart(self):
        """From the current state on: a fresh optimizer, an evaluation, a fresh smoothed loss (its start
        L₀ is the train loss just measured) and this state as the healthy copy."""
        self.optimizer = optimizers.make(
            self.optimizer_name, self.model.n_params, self.model.n_weights, self.model.dtype, **self.optimizer_options
        )
        scores = self.evaluate()
        self.monitor = health.LossMonitor(self.smoothing_window, scores["train_loss"])
        self._healthy = self._state_copy()

    # -- per-layer learning rates ----------------------------------------------------------------------
    def _set_layer_lr(self, layer_lr):
        """``layer_lr[l]`` multiplies the learning rate of layer l: its weights W_l, biases b_l and (hidden
        layers) batch-norm γ_l, β_l. 0 freezes the layer: its parameters and its share of the optimizer's
        state (momentum, moments) stay bit for bit as they are, whatever the optimizer and penalties; 1
        everywhere (or None) is the plain trainer exactly. ValueError for a wrong length or a negative or
        non-finite multiplier."""
        self.layer_lr = None if layer_lr is None else [float(m) for m in layer_lr]
        self._lr_scale = self._frozen = None
        if self.layer_lr is None:
            return
        model, n_layers = self.model, len(self.model.weights)
        if len(self.layer_lr) != n_layers:
            raise ValueError(f"layer_lr needs one multiplier per layer ({n_layers}), got {len(self.layer_lr)}")
        if not all(math.isfinite(m) and m >= 0 for m in self.layer_lr):
            raise ValueError(f"layer_lr multipliers must be finite and ≥ 0, got {self.layer_lr}")
        if all(m == 1.0 for m in self.layer_lr):
            return  # the plain trainer, exactly
        scale = np.ones(model.n_params, dtype=model.dtype)
        for layer, m in enumerate(self.layer_lr):
            for view in (model.weights[layer], model.biases[layer], *model.batch_norm_params(layer)):
                scale[_offset(model.params, view) : _offset(model.params, view) + view.size] = m
        self._lr_scale, self._scaled_lr = scale, np.empty_like(scale)
        self._frozen = np.flatnonzero(scale == 0.0)

    def _scaled_step(self, params, grads, lr):
        """The optimizer's step at η·scale per parameter; frozen parameters and their optimizer state are put
        back as they were (an optimizer's moments would otherwise move with the gradient)."""
        np.multiply(self._lr_scale, lr, out=self._scaled_lr)
        frozen = self._frozen
        if not frozen.size:
            return self.optimizer.step(params, grads, self._scaled_lr)
        state = self.optimizer.state_arrays()
        kept = [params[frozen], *(a[frozen] for a in state)]  # (fancy indexing copies)
        step_size = self.optimizer.step(params, grads, self._scaled_lr)
        params[frozen] = kept[0]
        for a, saved in zip(state, kept[1:], strict=True):
            a[frozen] = saved
        return step_size

    # -- one step -----------------------------------------------------------------------------------
    @_locked
    def step(self, evaluate=None):
        """Apply one update. ``evaluate`` (default: every ``eval_every`` steps) scores the evaluation sets."""
        if self.diverged is not None:
            return self.diverged
        model, params, grads = self.model, self.model.params, self.model.grads
        n_w = model.n_weights
        lr = self.lr_at(self.lr, self.t)
        saved = self._save()  # the state after step t: to undo a failed update, or to keep as healthy
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            batch = self._next_batch()
            loss = model.forward_backward(self.X[batch], self.y[batch], training=True, rng=self.dropout_rng)
            penalty = regularizers.penalty(params[:n_w], self.l1, self.l2)
            if not abs(loss + penalty) <= LIMIT:  # NaN fails too
                return self._diverge("loss", loss + penalty, lr, saved)
            if self.monitor.update(loss):  # the weights this loss was measured on are healthy: keep them
                self._keep_healthy(saved)
            regularizers.add_l2_grad(grads[:n_w], params[:n_w], self.l2)
            grad_norm = optimizers.clip_by_global_norm(grads, self.clip_norm)
            applied = grad_norm if self.clip_norm is None else min(grad_norm, self.clip_norm)  # NaN stays NaN
            if not applied <= LIMIT:
                return self._diverge("gradient", applied, lr, saved)
            if self._lr_scale is None:
                step_size = self.optimizer.step(params, grads, lr)
            else:
                step_size = self._scaled_step(params, grads, lr)
            if self.l1:
                threshold = self.l1 * (step_size[:n_w] if np.ndim(step_size) else step_size)
                regularizers.soft_threshold(params[:n_w], threshold)
            if not (params.max() <= LIMIT and params.min() >= -LIMIT):  # two reductions, no temporary array
                return self._diverge("weights", _extreme(params), lr, saved)
        self.t += 1
        if self.record:
            self.history.record(self.t, params, grads, lr, loss, penalty, grad_norm)
        if evaluate or (evaluate is None and self.t % self.eval_every == 0):
            self.evaluate()
        return StepResult(self.t, loss, penalty, lr, grad_norm)

    def run(self, n_steps):
        """Apply up to ``n_steps`` updates, stopping at a divergence; evaluates after the last one."""
        result = None
        for i in range(n_steps):
            result = self.step(evaluate=True if i == n_steps - 1 else None)
            if result.diverged:
                break
        return result

    def _next_batch(self):
        """Indices of the next mini-batch: a fresh permutation each epoch, cut into ``batch_size`` rows.

        The last batch of an epoch holds what is left, but never a single row when batch_size ≥ 2: a
        lone trailing row (n_train mod batch_size = 1) joins the batch before it, which then has
        batch_size + 1 rows. One row has a batch variance of 0, so batch norm would output β alone,
        zero γ's gradient and pull its running variance towards 0 (and ``BatchNorm`` refuses it).
        """
        if self._cursor >= len(self._order):
            self._order = self.batch_rng.permutation(len(self.X))
            self._cursor = 0
            self.epoch += 1
        end = self._cursor + self.batch_size
        if len(self._order) - end == 1 and self.batch_size > 1:
            end += 1
        batch = self._order[self._cursor : end]
        self._cursor = end
        return batch

    def epoch_order(self, epoch):
        """The row order of epoch ``epoch`` since the last reset (0-based), an (n_train,) permutation: the
        ``epoch``-th permutation of ``np.random.default_rng(seed)``, a function of the seed and the number of
        rows only. Its batches are consecutive ``batch_size`` slices (a lone last row joins the one before)."""
        if epoch < 0:
            raise ValueError(f"epochs count from 0, got {epoch}")
        rng = np.random.default_rng(self.seed)
        for _ in range(epoch):
            rng.permutation(len(self.X))
        return rng.permutation(len(self.X))

    def _save(self):
        """The state after step t (parameters, gradients, batch-norm statistics) into the spare buffers."""
        np.copyto(self._prev_params, self.model.params)
        np.copyto(self._prev_grads, self.model.grads)
        stats = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in self.model.batch_norms]
        return _State(self.t, self._prev_params, self._prev_grads, stats)

    def _keep_healthy(self, saved):
        """``saved`` becomes the healthy copy by swapping buffers (no copy): the old copy's buffers are the
        spares the next ``_save`` writes into."""
        old = self._healthy
        self._healthy = saved
        self._prev_params, self._prev_grads = old.params, old.grads

    def _diverge(self, what, value, lr, saved):
        """Undo the failed step (weights, gradients and statistics as after the last good one) and stop."""
        self._load(saved)
        self.diverged = Diverged(self.t + 1, what, lr, float(value), self._healthy.step)
        return self.diverged

    def _state_copy(self):
        """An exact copy of the current state."""
        stats = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in self.model.batch_norms]
        return _State(self.t, self.model.params.copy(), self.model.grads.copy(), stats)

    def _load(self, state):
        """Put ``state`` (a :class:`_State`) into the model."""
        np.copyto(self.model.params, state.params)
        np.copyto(self.model.grads, state.grads)
        for bn, (mean, var) in zip(self.model.batch_norms, state.bn_stats, strict=True):
            bn.running_mean[...], bn.running_var[...] = mean, var

    def _latest_state(self, step):
        """The latest state at or before ``step`` there is: exact (now, the healthy copy, step 0) or a snapshot."""
        if step == self.t:
            return self._state_copy()
        best = self._healthy if self._healthy.step <= step else self._initial()
        kept = self.history.snapshot_steps if self.record else np.empty(0, dtype=np.int64)
        index = int(np.searchsorted(kept, step, side="right")) - 1
        if index < 0 or kept[index] <= best.step:
            return best
        params = self.history.snapshot_params(index)
        grads = np.nan_to_num(self.history.snapshot_grads(index), nan=0.0)
        return _State(int(kept[index]), params, grads, best.bn_stats)

    def _initial(self):
        """Step 0 as a :class:`_State` (gradients zero)."""
        model = self.model.clone()
        model.load_state(self._initial_state)
        stats = [(bn.running_mean, bn.running_var) for bn in model.batch_norms]
        return _State(0, model.params, np.zeros_like(model.params), stats)

    # -- scores -------------------------------------------------------------------------------------
    def objective(self):
        """Mean data loss on the whole training set plus the penalty: what training minimises.

        Inference mode, forward pass only: the gradient of the last step (``model.grads``) stays as it was.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = self.model.task.loss_and_grad(self.model.logits(self.X), self.y)[0]
        return loss + regularizers.penalty(self.model.params[: self.model.n_weights], self.l1, self.l2)

    def evaluate(self):
        """Loss and metric on the training and test sets (inference mode), each on its fixed sample of at
        most ``EVAL_ROWS`` rows (``eval_rows``); kept in ``last_eval`` and, when recording, in history."""
        scores = {"train_loss": np.nan, "test_loss": np.nan, "train_metric": np.nan, "test_metric": np.nan}
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for part, (X, y) in self._eval_sets.items():
                Z = self.model.logits(X)  # cache-free: no activations of the evaluation set stay on the layers
                scores[f"{part}_loss"] = self.model.task.loss_and_grad(Z, y)[0]
                scores[f"{part}_metric"] = self.model.task.metric(self.model.task.predict(Z), y)
        self.last_eval = scores
        if self.record:
            self.history.record_eval(self.t, **scores)
        return scores

    def eval_note(self):
        """A sentence saying that train/test loss are measured on a sample, when a set is larger than
        ``EVAL_ROWS``; None when they use every row."""
        sizes = {"train": len(self.X), "test": 0 if self.X_test is None else len(self.X_test)}
        sampled = [part for part, rows in self.eval_rows.items() if rows < sizes[part]]
        if not sampled:
            return None
        parts = " and ".join(f"{number(self.eval_rows[p], 0)} of the {number(sizes[p], 0)} {p} rows" for p in sampled)
        return f"Train and test loss are measured on a fixed sample of {parts}, drawn once from the seed."

    def view(self, at_step=None):
        """The live state (``at_step=None``) or the latest kept snapshot at or before ``at_step``, as a :class:`View`.

        Asking by step, not by index, stays right while thinning moves snapshots around.
        """
        if at_step is None:
            grads = self.model.grad_weights if self.t > 0 else None
            return View(self.t, self.model, self.model.weights, grads, live=True)
        index = max(int(np.searchsorted(self.history.snapshot_steps, at_step, side="right")) - 1, 0)
        step, weights, grads = self.history.snapshot(index)
        return View(step, self.model_at_snapshot(index), weights, grads if step > 0 else None, live=False)

    def loss_growth(self):
        """g = ŝ/b: the smoothed loss over the best smoothed loss since the start or the last rewind (≥ 1;
        None before the first step). Over ``EXPLODING`` and still growing, the loss is blowing up."""
        return self.monitor.growth

    def in_trouble(self):
        """Diverged, or the loss is blowing up: the moments a page offers to go back to ``healthy_step()``."""
        return self.diverged is not None or self.monitor.exploding

    def warning(self):
        """A sentence for a learner when training goes wrong (None when all is well), the first that applies:
        it diverged; the loss is blowing up (``monitor.exploding``); the schedule has stopped training."""
        if self.diverged is not None:
            return self.diverged.message
        if self.monitor.exploding:
            return health.exploding_message(self.monitor, self.lr, self.healthy_step())
        return self.schedule_notice()

    def schedule_notice(self):
        """A sentence once the scheduled learning rate is 0 or at most ``STALLED``·lr (the weights stop
        changing), naming the step where it got there; None before that."""
        return health.schedule_notice(self.schedule_name, self.lr_at, self.lr, self.t)

    def model_at_snapshot(self, index):
        """A copy of the model with the parameters of kept snapshot number ``index`` (a position in
        ``history.snapshot_steps``, not a step: use ``view(at_step)`` to ask by step; batch-norm
        statistics are today's)."""
        return self.model.clone(self.history.snapshot_params(index))

    def model_at(self, index):
        """Alias of ``model_at_snapshot(index)``: ``index`` is a snapshot's position, not a step."""
        return self.model_at_snapshot(index)

    @property
    def step_count(self):
        return self.t


def _dropout_rng(seed):
    """The dropout masks' own stream: child 2 of ``SeedSequence(seed)`` (children 0 and 1 draw the evaluation
    samples), independent of the batches' ``default_rng(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))


def _check_rate(lr):
    """ValueError unless ``lr`` is a finite positive number."""
    if not isinstance(lr, numbers.Real) or isinstance(lr, bool):
        raise ValueError(f"the learning rate must be a positive number, got {lr!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {typed(lr)}")


def _extreme(x):
    """The entry of x farthest from 0 (NaN if there is one)."""
    return math.nan if np.isnan(x).any() else float(x[np.argmax(np.abs(x))])


def _sample(X, y, rows, rng):
    """(X, y) itself when it has at most ``rows`` rows, else a fixed sample of ``rows`` of them, in order."""
    if len(X) <= rows:
        return X, y
    keep = np.sort(rng.choice(len(X), size=rows, replace=False))
    return X[keep], y[keep]


def _check_data(model, X, y, what):
    """X as an (n, d) array of the model's dtype, y as labels or targets matching the model's task (targets
    in the model's dtype); ValueError otherwise."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    d_in, d_out = model.layer_sizes[0], model.layer_sizes[-1]
    if X.ndim != 2 or X.shape[1] != d_in:
        raise ValueError(f"{what} X must have shape (n, {d_in}), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"{what} X has {len(X)} rows but y has {len(y)}")
    if len(X) == 0:
        raise ValueError(f"the {what} set is empty")
    if not np.isfinite(X).all():
        raise ValueError(f"{what} X contains NaN or infinite values")
    task = model.task_name
    if task == "multiclass":
        if not np.issubdtype(y.dtype, np.integer):
            if not np.all(np.equal(np.mod(y, 1), 0)):
                raise ValueError("multiclass y must hold integer class labels")
            y = y.astype(np.intp)
        if y.min() < 0 or y.max() >= d_out:
            raise ValueError(f"multiclass labels must be in 0..{d_out - 1}, got {y.min()}..{y.max()}")
    else:
        y = y.astype(float)
        if not np.isfinite(y).all():
            raise ValueError(f"{what} y contains NaN or infinite values")
        if task == "binary" and not np.isin(y, (0.0, 1.0)).all():
            raise ValueError("binary y must hold 0 and 1")
        if task == "regression" and d_out > 1 and (y.ndim != 2 or y.shape[1] != d_out):
            raise ValueError(f"regression with {d_out} outputs needs y of shape (n, {d_out})")
    if model.dtype != np.float64:
        with np.errstate(over="ignore"):  # too large a value becomes inf: refused below
            X = X.astype(model.dtype)
            y = y if task == "multiclass" else y.astype(model.dtype)
        if not (np.isfinite(X).all() and (task == "multiclass" or np.isfinite(y).all())):
            raise ValueError(f"{what} values too large for {model.dtype} (use float64)")
    return X, y
