"""The Trainer: one optimisation step at a time, everything recorded, divergence caught.

A step runs in a fixed order: batch → forward → loss → backward → penalty → clip → update → L1
proximal step → check → record. The objective is

    mean data loss + l1·Σ|w| + (l2/2)·Σw²      (weights only, never biases)

with the L2 part in the gradient and the L1 part as a soft-threshold after the update (see
``regularizers``). The same model configuration, data and seed give bit-identical weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import optimizers, regularizers
from .history import History

EXPLODING = 1e3  # loss growth over the first step's loss that earns a warning before it overflows


@dataclass(frozen=True)
class StepResult:
    """What one step did: ``step`` counts updates applied so far (the first update is step 1)."""

    step: int
    loss: float  # mean data loss of the batch, before the update
    penalty: float  # l1·Σ|w| + (l2/2)·Σw² before the update
    lr: float
    grad_norm: float  # global gradient norm before clipping
    diverged: bool = False


@dataclass(frozen=True)
class View:
    """What a dashboard shows for one moment of training: the step, a model, its weights and gradients."""

    step: int
    model: object  # the live model, or a copy holding a snapshot's parameters
    weights: list  # (fan_in, fan_out) arrays
    grads: list | None  # the gradient that produced this step; None at step 0
    live: bool


@dataclass(frozen=True)
class Diverged:
    """Training stopped at ``step`` because ``what`` stopped being finite; the weights of ``step − 1`` are kept."""

    step: int
    what: str
    lr: float
    diverged: bool = True

    @property
    def message(self):
        return (
            f"Training diverged at step {self.step}: the {self.what} became infinite or NaN "
            f"(learning rate {self.lr:g}). The weights after step {self.step - 1} and the whole history "
            "are kept; lower the learning rate to go on from them, or reset."
        )

    def __str__(self):
        return self.message


class Trainer:
    """Trains ``model`` on (X, y) with mini-batches drawn by ``np.random.default_rng(seed)``.

    ``trainer.step()`` applies one update and returns a :class:`StepResult` (or :class:`Diverged`);
    ``trainer.run(n)`` applies up to n; ``trainer.history`` holds what was recorded.
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
    ):
        self.model = model
        self.X, self.y = _check_data(model, X, y, "training")
        has_test = X_test is not None and len(X_test) > 0
        self.X_test, self.y_test = _check_data(model, X_test, y_test, "test") if has_test else (None, None)
        if lr <= 0 or not math.isfinite(lr):
            raise ValueError(f"the learning rate must be a positive number, got {lr}")
        if l1 < 0 or l2 < 0:
            raise ValueError(f"penalty strengths must be ≥ 0, got l1={l1}, l2={l2}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
        self.optimizer_name, self.optimizer_options = optimizer, dict(optimizer_options or {})
        self.lr, self.l1, self.l2 = float(lr), float(l1), float(l2)
        self.batch_size = min(int(batch_size), len(self.X))
        self.seed, self.clip_norm, self.record = seed, clip_norm, record
        self.lr_at = optimizers.schedule(schedule, **(schedule_options or {}))
        n_eval = len(self.X) + (0 if self.X_test is None else len(self.X_test))
        # Whole-set evaluation costs about n_eval/batch forward passes, a third of a step each: every
        # ~4·n_eval/batch steps it stays under a tenth of training. run() always evaluates its last step.
        self.eval_every = eval_every or max(1, min(100, math.ceil(4 * n_eval / self.batch_size)))
        self._history_options = {"budget_mb": memory_budget_mb, "bins": hist_bins, "near_zero": near_zero}
        self._initial_state = model.state()
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------------
    def reset(self):
        """Back to step 0: the model's initial weights exactly, fresh optimizer, rng and history."""
        self.model.load_state(self._initial_state)
        self._restart_optimizer()
        self.rng = np.random.default_rng(self.seed)
        self.t = 0
        self.diverged = None
        self._order, self._cursor = np.empty(0, dtype=np.intp), 0
        self._prev_params = np.empty_like(self.model.params)
        self._prev_grads = np.empty_like(self.model.grads)
        self.history = History(self.model, **self._history_options)
        self.last_eval = None
        if self.record:
            self.history.record(0, self.model.params)
            self.evaluate()

    def start_from(self, state):
        """Make ``state`` (from ``model.state()`` or a weights file) the new step 0: load it, forget the history."""
        self.model.load_state(state)
        self._initial_state = self.model.state()
        self.reset()

    def recover(self, lr=None):
        """After a divergence: forget it, optionally set a new learning rate, and restart the optimizer state.

        Training goes on from the last finite weights (which may be large: if it diverges again, reset).
        """
        if lr is not None:
            self.lr = float(lr)
        self._restart_optimizer()
        self.diverged = None

    def _restart_optimizer(self):
        """A fresh optimizer state; the loss-growth warning compares against the steps from here on."""
        self.optimizer = optimizers.make(
            self.optimizer_name, self.model.n_params, self.model.n_weights, **self.optimizer_options
        )
        self.first_loss = self.last_loss = None  # mini-batch losses of the first and the latest step

    # -- one step -----------------------------------------------------------------------------------
    def step(self, evaluate=None):
        """Apply one update. ``evaluate`` (default: every ``eval_every`` steps) scores the whole sets."""
        if self.diverged is not None:
            return self.diverged
        model, params, grads = self.model, self.model.params, self.model.grads
        n_w = model.n_weights
        lr = self.lr_at(self.lr, self.t)
        saved = self._save()  # to undo a step that diverges
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            batch = self._next_batch()
            loss = model.forward_backward(self.X[batch], self.y[batch], training=True, rng=self.rng)
            penalty = regularizers.penalty(params[:n_w], self.l1, self.l2)
            if not math.isfinite(loss + penalty):
                return self._diverge("loss", lr, saved)
            regularizers.add_l2_grad(grads[:n_w], params[:n_w], self.l2)
            grad_norm = optimizers.clip_by_global_norm(grads, self.clip_norm)
            step_size = self.optimizer.step(params, grads, lr)
            if self.l1:
                threshold = self.l1 * (step_size[:n_w] if np.ndim(step_size) else step_size)
                regularizers.soft_threshold(params[:n_w], threshold)
            if not np.isfinite(params).all():
                return self._diverge("weights", lr, saved)
        self.t += 1
        self.first_loss = loss if self.first_loss is None else self.first_loss
        self.last_loss = loss
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
        """Indices of the next mini-batch: a fresh permutation each epoch, the last batch may be smaller."""
        if self._cursor >= len(self._order):
            self._order = self.rng.permutation(len(self.X))
            self._cursor = 0
        batch = self._order[self._cursor : self._cursor + self.batch_size]
        self._cursor += self.batch_size
        return batch

    def _save(self):
        """What a step changes besides the optimizer state: parameters, gradients, batch-norm statistics."""
        np.copyto(self._prev_params, self.model.params)
        np.copyto(self._prev_grads, self.model.grads)
        return [(bn.running_mean.copy(), bn.running_var.copy()) for bn in self.model.batch_norms]

    def _diverge(self, what, lr, saved):
        """Undo the failed step (weights, gradients and statistics as after the last good one) and stop."""
        np.copyto(self.model.params, self._prev_params)
        np.copyto(self.model.grads, self._prev_grads)
        for bn, (mean, var) in zip(self.model.batch_norms, saved, strict=True):
            bn.running_mean[...], bn.running_var[...] = mean, var
        self.diverged = Diverged(self.t + 1, what, lr)
        return self.diverged

    # -- scores -------------------------------------------------------------------------------------
    def objective(self):
        """Mean data loss on the whole training set plus the penalty: what training minimises."""
        loss, _, _ = self.model.loss_and_grads(self.X, self.y)
        return loss + regularizers.penalty(self.model.params[: self.model.n_weights], self.l1, self.l2)

    def evaluate(self):
        """Loss and metric on the whole training and test sets (inference mode); recorded in history."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            scores = {"train_loss": np.nan, "test_loss": np.nan, "train_metric": np.nan, "test_metric": np.nan}
            for part, X, y in (("train", self.X, self.y), ("test", self.X_test, self.y_test)):
                if X is not None:
                    Z = self.model.forward(X)
                    scores[f"{part}_loss"] = self.model.task.loss_and_grad(Z, y)[0]
                    scores[f"{part}_metric"] = self.model.task.metric(self.model.task.predict(Z), y)
        self.last_eval = scores
        if self.record:
            self.history.record_eval(self.t, **scores)
        return scores

    def view(self, at_step=None):
        """The live state (``at_step=None``) or the latest kept snapshot at or before ``at_step``, as a :class:`View`.

        Asking by step, not by index, stays right while thinning moves snapshots around.
        """
        if at_step is None:
            grads = self.model.grad_weights if self.t > 0 else None
            return View(self.t, self.model, self.model.weights, grads, live=True)
        index = max(int(np.searchsorted(self.history.snapshot_steps, at_step, side="right")) - 1, 0)
        step, weights, grads = self.history.snapshot(index)
        return View(step, self.model_at(index), weights, grads if step > 0 else None, live=False)

    def loss_growth(self):
        """Latest mini-batch loss over the first one (None before two steps): ≫ 1 means it is blowing up."""
        if self.first_loss is None or self.t < 2 or self.first_loss <= 0:
            return None
        return self.last_loss / self.first_loss

    def warning(self):
        """A sentence for a learner when training goes wrong: diverged, or the loss growing towards it."""
        if self.diverged is not None:
            return self.diverged.message
        growth = self.loss_growth()
        if growth is not None and growth > EXPLODING:
            return (
                f"The loss is {growth:,.0f}× what it was at the first step and still growing: the learning "
                f"rate ({self.lr:g}) is too high for this model, and training will diverge. Lower it, or reset."
            )
        return None

    def model_at(self, index):
        """A copy of the model with the parameters of kept snapshot ``index`` (batch-norm statistics are today's)."""
        return self.model.clone(self.history.snapshot_params(index))

    @property
    def step_count(self):
        return self.t


def _check_data(model, X, y, what):
    """X as a float (n, d) array, y as labels or targets matching the model's task; ValueError otherwise."""
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
    return X, y
