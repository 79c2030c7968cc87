"""Weight initializers, keyed by the name the UI shows.

Every initializer has the signature ``(fan_in, fan_out, rng, **options) -> (fan_in, fan_out) array``
and draws only from the ``np.random.Generator`` it is given, so the same seed gives the same
weights. Shapes follow Keras, not PyTorch: a layer's weight matrix is (fan_in, fan_out).
Normal initializers use a plain (untruncated) normal, as PyTorch does.

>>> from weightviz import initializers
>>> W = initializers.get("he_normal")(64, 32, np.random.default_rng(0))
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import numpy as np

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


def zeros(fan_in, fan_out, rng):
    """All zeros: every unit in a layer stays identical (the symmetry problem)."""
    return np.zeros((fan_in, fan_out))


def constant(fan_in, fan_out, rng, value=0.1):
    """Every weight equal to ``value``: breaks nothing, like zeros, but not zero."""
    return np.full((fan_in, fan_out), float(value))


def normal(fan_in, fan_out, rng, std=0.05):
    """N(0, σ²) with a fixed σ (Keras' RandomNormal default σ = 0.05), blind to the layer size."""
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def uniform(fan_in, fan_out, rng, limit=0.05):
    """U(−a, a) with a fixed a (Keras' RandomUniform default a = 0.05); variance a²/3."""
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def xavier_uniform(fan_in, fan_out, rng):
    """Xavier/Glorot uniform: U(−a, a), a = √(6/(fan_in + fan_out)); variance 2/(fan_in + fan_out)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng):
    """Xavier/Glorot normal: N(0, 2/(fan_in + fan_out))."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    """He/Kaiming uniform: U(−a, a), a = √(6/fan_in); variance 2/fan_in (for ReLU)."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    """He/Kaiming normal: N(0, 2/fan_in) (for ReLU)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def lecun_uniform(fan_in, fan_out, rng):
    """LeCun uniform: U(−a, a), a = √(3/fan_in); variance 1/fan_in (for tanh, SELU)."""
    limit = np.sqrt(3.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def lecun_normal(fan_in, fan_out, rng):
    """LeCun normal: N(0, 1/fan_in)."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def orthogonal(fan_in, fan_out, rng, gain=1.0):
    """Orthogonal: gain·Q from the QR of a normal matrix, signs fixed by diag(R); WᵀW = gain²·I or WWᵀ = gain²·I."""
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    Q, R = np.linalg.qr(rng.normal(size=(rows, cols)))  # Q: (rows, cols), orthonormal columns
    Q *= np.where(np.diag(R) < 0, -1.0, 1.0)  # sign fix makes Q uniformly (Haar) distributed
    W = Q if fan_in >= fan_out else Q.T
    return gain * W


INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "zeros": zeros,
    "constant": constant,
    "normal": normal,
    "uniform": uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_uniform": lecun_uniform,
    "lecun_normal": lecun_normal,
    "orthogonal": orthogonal,
}


def options(name: str) -> dict[str, float]:
    """The tunable options of an initializer with their defaults, e.g. ``{"std": 0.05}`` for normal."""
    params = list(inspect.signature(_lookup(name)).parameters.values())[3:]
    return {p.name: p.default for p in params}


def variance(name: str, fan_in: int, fan_out: int, **opts) -> float:
    """The variance of one weight the formula promises (for tests and the UI's annotations)."""
    o = {**options(name), **opts}
    return {
        "zeros": lambda: 0.0,
        "constant": lambda: 0.0,
        "normal": lambda: o["std"] ** 2,
        "uniform": lambda: o["limit"] ** 2 / 3.0,
        "xavier_uniform": lambda: 2.0 / (fan_in + fan_out),
        "xavier_normal": lambda: 2.0 / (fan_in + fan_out),
        "he_uniform": lambda: 2.0 / fan_in,
        "he_normal": lambda: 2.0 / fan_in,
        "lecun_uniform": lambda: 1.0 / fan_in,
        "lecun_normal": lambda: 1.0 / fan_in,
        # Haar-orthogonal (rows×cols) has E[w²] = gain²/rows.
        "orthogonal": lambda: o["gain"] ** 2 / max(fan_in, fan_out),
    }[name]()


def get(name: str, **opts) -> Initializer:
    """The initializer ``name`` with its options bound: ``get("normal", std=0.1)(fan_in, fan_out, rng)``."""
    init = _lookup(name)
    unknown = set(opts) - set(options(name))
    if unknown:
        raise ValueError(f"initializer {name!r} takes no option {', '.join(sorted(unknown))}")
    return functools.partial(init, **opts) if opts else init


def _lookup(name: str):
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}") from None
