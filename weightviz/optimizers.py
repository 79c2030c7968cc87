"""Optimizers, learning-rate schedules and gradient clipping, each family a registry keyed by name.

An optimizer works on the model's flat parameter vector θ and its gradient g in place
(``step(params, grads, lr)``) and returns the step size η it used per parameter (a scalar or an
array): the L1 proximal step scales its threshold by it. Conventions follow PyTorch.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

from .formatting import typed


class SGD:
    """Plain gradient descent: θ ← θ − η·g."""

    def __init__(self, n_params, n_weights, dtype=np.float64):
        self.t = 0

    def state_arrays(self):
        """The per-parameter state (none here): a frozen parameter's share of it is kept as it is."""
        return []

    def step(self, params, grads, lr):
        self.t += 1
        params -= lr * grads
        return lr


class Momentum:
    """Heavy ball (PyTorch form): v ← μ·v + g, θ ← θ − η·v; Nesterov: θ ← θ − η·(g + μ·v).

    Its step size is η/(1 − μ): at a steady gradient v = g/(1 − μ), so that is how far θ moves per
    unit of gradient, and the L1 threshold scales with it to keep the lasso's fixed point.
    """

    def __init__(self, n_params, n_weights, momentum=0.9, nesterov=False, dtype=np.float64):
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)
        self.t = 0

    def state_arrays(self):
        return [self.velocity]

    def step(self, params, grads, lr):
        self.t += 1
        self.velocity *= self.momentum
        self.velocity += grads
        if self.nesterov:
            params -= lr * (grads + self.momentum * self.velocity)
        else:
            params -= lr * self.velocity
        return lr / (1.0 - self.momentum)


class RMSprop:
    """RMSprop: s ← ρ·s + (1 − ρ)·g², θ ← θ − η·g/(√s + ε)."""

    def __init__(self, n_params, n_weights, rho=0.9, eps=1e-8, dtype=np.float64):
        self.rho, self.eps = rho, eps
        self.square_avg = np.zeros(n_params, dtype=dtype)
        self.t = 0

    def state_arrays(self):
        return [self.square_avg]

    def step(self, params, grads, lr):
        self.t += 1
        self.square_avg *= self.rho
        self.square_avg += (1.0 - self.rho) * grads * grads
        step_size = lr / (np.sqrt(self.square_avg) + self.eps)
        params -= step_size * grads
        return step_size


class Adam:
    """Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""

    def __init__(self, n_params, n_weights, beta1=0.9, beta2=0.999, eps=1e-8, dtype=np.float64):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self.n_weights = n_weights
        self.t = 0
        self._step_size = np.empty(n_params, dtype=dtype)  # reused each step: no temporaries of the parameters' size
        self._scratch = np.empty(n_params, dtype=dtype)

    def state_arrays(self):
        return [self.m, self.v]

    def step(self, params, grads, lr):
        """One update; returns η per parameter, η/(√v̂ + ε) (an array valid until the next step)."""
        self.t += 1
        scratch, step_size = self._scratch, self._step_size
        np.multiply(grads, 1.0 - self.beta1, out=scratch)
        self.m *= self.beta1
        self.m += scratch
        np.multiply(grads, grads, out=scratch)
        scratch *= 1.0 - self.beta2
        self.v *= self.beta2
        self.v += scratch
        # √v̂ = √v / √(1−β₂ᵗ); m̂ = m / (1−β₁ᵗ)
        np.sqrt(self.v, out=step_size)
        step_size *= 1.0 / np.sqrt(1.0 - self.beta2**self.t)
        step_size += self.eps
        np.divide(lr, step_size, out=step_size)  # η per parameter
        np.multiply(self.m, 1.0 / (1.0 - self.beta1**self.t), out=scratch)
        scratch *= step_size
        params -= scratch
        return step_size


class AdamW(Adam):
    """AdamW: Adam plus decoupled weight decay on the weights (not biases): w ← w − η·λ·w, then Adam.

    Unlike the l2 penalty, the decay never passes through m and v, so it is not rescaled by them.
    """

    def __init__(self, n_params, n_weights, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, dtype=np.float64):
        super().__init__(n_params, n_weights, beta1, beta2, eps, dtype)
        if not weight_decay >= 0:
            raise ValueError(f"weight decay must be ≥ 0, got {typed(weight_decay)}")
        self.weight_decay = weight_decay

    def step(self, params, grads, lr):
        """``lr`` a number, or an array of one rate per parameter (the trainer's per-layer rates)."""
        weights_lr = lr[: self.n_weights] if np.ndim(lr) else lr
        params[: self.n_weights] *= 1.0 - weights_lr * self.weight_decay
        return super().step(params, grads, lr)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}


def make(name, n_params, n_weights, dtype=np.float64, **options):
    """A fresh optimizer ``name`` for ``n_params`` parameters (the first ``n_weights`` are weights) of
    ``dtype`` (its state has the parameters' precision)."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}") from None
    try:
        return cls(n_params, n_weights, dtype=dtype, **options)
    except TypeError:
        raise ValueError(f"optimizer {name!r} takes no option among {', '.join(sorted(options))}") from None


# -- learning-rate schedules: (lr0, t, **options) -> η at step t (t = 0 for the first update) -------
def constant(lr0, t):
    """η_t = η₀."""
    return lr0


def step_decay(lr0, t, step_size=100, gamma=0.5):
    """η_t = η₀·γ^⌊t/step_size⌋."""
    return lr0 * gamma ** (t // step_size)


def exponential(lr0, t, decay_rate=0.96, decay_steps=100):
    """η_t = η₀·rate^(t/decay_steps)."""
    return lr0 * decay_rate ** (t / decay_steps)


def cosine(lr0, t, total_steps=1000, min_lr=0.0):
    """η_t = η_min + ½(η₀ − η_min)(1 + cos(π·min(t, T)/T)), T = total_steps; then η_min (0 by default:
    from step T on the weights no longer change, which ``Trainer.warning()`` says)."""
    progress = min(t, total_steps) / total_steps
    return min_lr + 0.5 * (lr0 - min_lr) * (1.0 + math.cos(math.pi * progress))


SCHEDULES = {"constant": constant, "step": step_decay, "exponential": exponential, "cosine": cosine}
# What each schedule option must be: (test, what it must be). A zero length would divide by zero.
SCHEDULE_OPTIONS = {
    "step_size": (lambda v: v > 0, "a positive number of steps"),
    "decay_steps": (lambda v: v > 0, "a positive number of steps"),
    "total_steps": (lambda v: v > 0, "a positive number of steps"),
    "gamma": (lambda v: v > 0, "a positive factor"),
    "decay_rate": (lambda v: v > 0, "a positive factor"),
    "min_lr": (lambda v: v >= 0, "a learning rate ≥ 0"),
}


def schedule(name, **options):
    """The schedule ``name`` with its options bound: ``schedule("step", gamma=0.1)(lr0, t)``.

    ValueError, naming the option, for an unknown name or option, or a value that is not a finite
    number allowed by ``SCHEDULE_OPTIONS`` (a length of 0 steps, a negative factor, NaN, ∞).
    """
    try:
        fn = SCHEDULES[name]
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}") from None
    try:
        inspect.signature(fn).bind(1.0, 0, **options)  # reject unknown options now, not at the first step
    except TypeError:
        raise ValueError(f"schedule {name!r} takes no option among {', '.join(sorted(options))}") from None
    for option, value in options.items():
        allowed, must_be = SCHEDULE_OPTIONS[option]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"the {name} schedule's {option} must be {must_be}, got {value!r}")
        if not (math.isfinite(value) and allowed(value)):
            raise ValueError(f"the {name} schedule's {option} must be {must_be}, got {typed(value)}")
    return lambda lr0, t: fn(lr0, t, **options)


def clip_by_global_norm(grads, max_norm):
    """Scale g in place so that ‖g‖₂ ≤ max_norm (None: no clipping); returns ‖g‖₂ before clipping."""
    norm = float(np.sqrt(np.dot(grads, grads)))
    if max_norm is not None and norm > max_norm:
        grads *= max_norm / norm
    return norm
