"""Is training healthy? A smoothed loss, the best it has been, and the two rules built on them.

The mini-batch loss ℓ_t of step t is measured on the weights after t − 1 updates (before update t).
It is noisy: with batches of one row, one step's loss can be 1000× the next one's. So every rule
here reads its exponential moving average over a window of k steps (about an epoch,
``window(n_train, batch_size)``), bias-corrected as in Adam so that early values are averages too:

    s_t = β·s_{t−1} + (1 − β)·ℓ_t,   ŝ_t = s_t / (1 − βᵗ),   β = 1 − 1/k      (k = 1: ŝ_t = ℓ_t)

and compares it with

    L₀   the training-set loss (inference mode, on the evaluation sample) of the weights training
         started from: step 0, or the step it was rewound to;
    b_t  = min(L₀, min{ŝ_τ : k ≤ τ ≤ t}), the best so far (ŝ counts once it averages a whole window,
         so one lucky first batch is no yardstick).

Healthy: the weights after t − 1 updates are healthy when ŝ_t ≤ max(H·b_t, L₀), H = ``HEALTHY`` = 10:
within 10× of the best loss so far, or no worse than where training started.

Exploding: the loss is blowing up when g_t = ŝ_t / b_t > E = ``EXPLODING`` = 1000, ŝ_t > L₀ (worse
than the start: a loss bouncing from 1e-6 to 1e-3 on separable data is no divergence) and
ŝ_t > ŝ_{t−k} (still growing over the last window; ŝ_τ = L₀ for τ ≤ 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .formatting import factor, number, typed

LIMIT = 1e30  # |loss|, ‖gradient‖ or |weight| beyond this is a divergence (float32 holds up to 3.4e38)
STALLED = 1e-6  # a scheduled learning rate at or below this share of the base rate has stopped training
HEALTHY = 10.0  # a smoothed loss within this factor of the best so far is healthy
EXPLODING = 1e3  # ... and beyond this factor (still growing) earns a warning before it overflows
MAX_WINDOW = 100  # steps: a blow-up shows within about this many steps even on a huge training set


def window(n_train, batch_size):
    """The smoothing window k in steps: one epoch, ⌈n_train/batch_size⌉, between 1 and ``MAX_WINDOW``."""
    return max(1, min(MAX_WINDOW, math.ceil(n_train / batch_size)))


class LossMonitor:
    """Follows ŝ_t, b_t and ŝ_{t−k} (see the module docstring) from ``start_loss`` = L₀ on, one loss per step."""

    def __init__(self, window_steps, start_loss):
        self.window = max(1, int(window_steps))
        self.beta = 1.0 - 1.0 / self.window
        start = float(start_loss)
        self.start_loss = start if math.isfinite(start) and start > 0 else math.nan  # no usable L₀: ignored
        self.t = 0  # losses seen
        self.smoothed = math.nan  # ŝ_t
        self.previous = self.start_loss  # ŝ_{t−k}
        self.best = math.inf if math.isnan(self.start_loss) else self.start_loss  # b_t
        self._s, self._decay = 0.0, 1.0  # s_t and βᵗ
        self._recent = [self.start_loss] * self.window  # ŝ of the last k steps: ŝ_τ in slot τ mod k
        self._limit = self._healthy_limit()

    def update(self, loss):
        """Take the loss ℓ_t of the next step; True when the weights it was measured on are healthy.

        Plain float arithmetic, about a microsecond: it runs every step."""
        t = self.t = self.t + 1
        beta = self.beta
        s = self._s = beta * self._s + (1.0 - beta) * float(loss)
        self._decay *= beta
        smoothed = self.smoothed = s / (1.0 - self._decay)
        slot = t % self.window
        self.previous, self._recent[slot] = self._recent[slot], smoothed
        if t >= self.window and smoothed < self.best:
            self.best = smoothed
            self._limit = self._healthy_limit()
        return smoothed <= self._limit

    def _healthy_limit(self):
        """max(H·b_t, L₀), or ∞ when there is nothing to compare with (no L₀, no best yet, or both 0)."""
        limit = max(HEALTHY * self.best, 0.0 if math.isnan(self.start_loss) else self.start_loss)
        return math.inf if limit == 0.0 else limit

    @property
    def healthy(self):
        """ŝ_t ≤ max(H·b_t, L₀) (True before the first loss, and when there is nothing to compare with)."""
        return self.t == 0 or self.smoothed <= self._limit

    @property
    def growth(self):
        """g_t = ŝ_t / b_t, the smoothed loss over the best so far (≥ 1); None without a loss or a positive b_t."""
        if self.t == 0 or not 0.0 < self.best < math.inf:
            return None
        return self.smoothed / self.best

    @property
    def exploding(self):
        """g_t > E, ŝ_t > L₀ and ŝ_t > ŝ_{t−k}: far above its best, worse than the start, still growing."""
        growth = self.growth
        if growth is None or growth <= EXPLODING:
            return False
        worse_than_start = math.isnan(self.start_loss) or self.smoothed > self.start_loss
        growing = math.isnan(self.previous) or self.smoothed > self.previous
        return worse_than_start and growing


SUBJECTS = {"loss": "the loss", "gradient": "the gradient's norm", "weights": "a weight"}


@dataclass(frozen=True)
class Diverged:
    """Training stopped at ``step`` because ``what`` (loss, gradient, weights) reached ``value``, beyond
    ±LIMIT or NaN; the weights of ``step − 1`` are kept, and ``healthy_step`` is where ``recover`` goes back to."""

    step: int
    what: str
    scheduled_lr: float  # the rate of the step that diverged (``Trainer.lr`` is the base rate)
    value: float = math.nan
    healthy_step: int | None = None
    diverged: bool = True

    @property
    def lr(self):
        """Read-only alias of ``scheduled_lr``."""
        return self.scheduled_lr

    @property
    def message(self):
        subject = SUBJECTS.get(self.what, self.what)
        if math.isnan(self.value):
            event = f"{subject} became NaN"
        else:
            event = f"{subject} reached {number(self.value)}, beyond the ±{typed(LIMIT)} that can be recorded and drawn"
        kept = self.step - 1
        if self.healthy_step is None or self.healthy_step >= kept:
            advice = "lower the learning rate to go on from them, or reset."
        else:
            advice = (
                f"lower the learning rate to go back to step {self.healthy_step}, the last one whose loss was "
                "still healthy, and go on from there (the steps after it are dropped), or reset."
            )
        return (
            f"Training diverged at step {self.step}: {event} (learning rate {typed(self.scheduled_lr)}). "
            f"The weights after step {kept} and the whole history are kept; {advice}"
        )

    def __str__(self):
        return self.message


def exploding_message(monitor, lr, healthy_step):
    """What to say while ``monitor.exploding``: how far above its best the loss is, and what to do."""
    smoothed = "" if monitor.window == 1 else f" (averaged over the last ~{monitor.window} steps)"
    return (
        f"The loss{smoothed} is {factor(monitor.growth)} its best and still growing: the learning rate "
        f"({typed(lr)}) is too high for this model, and training will diverge. "
        f"Lower it, go back to step {healthy_step} (the last one whose loss was still healthy), or reset."
    )


def schedule_notice(name, lr_at, lr, t):
    """What to say once the schedule ``lr_at(lr, step)`` gives at most ``STALLED``·lr for the next update
    (after t steps): the step where it got there (found by bisection: the schedules only decrease)."""
    rate = lr_at(lr, t)
    if t == 0 or rate > STALLED * lr:
        return None
    lo, hi = 0, t
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if lr_at(lr, mid) <= STALLED * lr else (mid + 1, hi)
    if rate == 0:
        now = f"ended at step {lo}: the learning rate is now 0, so the weights no longer change"
    else:
        now = (
            f"has brought the learning rate under a millionth of {typed(lr)} from step {lo} on (it is now "
            f"{number(rate)}), so the weights barely change"
        )
    return f"The {name} schedule {now}. Choose a longer schedule or another one (a new run), or reset."
