"""Hidden-layer activations: each is a pair (forward, derivative) keyed by the name the UI shows.

``forward(Z) -> A`` and ``derivative(Z, A) -> dA/dZ`` (element-wise). The derivative receives both
the pre-activation ``Z`` and the output ``A`` so each can use whichever is cheaper (tanh and
sigmoid reuse ``A``; relu looks at ``Z``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_GELU_C = np.sqrt(2.0 / np.pi)


class Activation(NamedTuple):
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]


def relu(Z):
    """ReLU: max(0, z)."""
    return np.maximum(Z, 0.0)


def relu_grad(Z, A):
    """ReLU': 1 where z > 0, else 0."""
    return (Z > 0).astype(Z.dtype)


def leaky_relu(Z):
    """Leaky ReLU: z if z > 0 else 0.01·z."""
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_grad(Z, A):
    """Leaky ReLU': 1 where z > 0, else 0.01."""
    return np.where(Z > 0, 1.0, LEAKY_SLOPE)


def elu(Z):
    """ELU: z if z > 0 else α(eᶻ − 1), α = 1."""
    return np.where(Z > 0, Z, ELU_ALPHA * np.expm1(np.minimum(Z, 0.0)))


def elu_grad(Z, A):
    """ELU': 1 where z > 0, else αeᶻ = a + α."""
    return np.where(Z > 0, 1.0, A + ELU_ALPHA)


def gelu(Z):
    """GELU, tanh form (as GPT-2 and PyTorch approximate='tanh'): ½z(1 + tanh(√(2/π)(z + 0.044715z³)))."""
    return 0.5 * Z * (1.0 + np.tanh(_GELU_C * (Z + 0.044715 * Z**3)))


def gelu_grad(Z, A):
    """Exact derivative of the tanh-form GELU: ½(1 + t) + ½z(1 − t²)·√(2/π)(1 + 3·0.044715z²)."""
    t = np.tanh(_GELU_C * (Z + 0.044715 * Z**3))
    return 0.5 * (1.0 + t) + 0.5 * Z * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * Z * Z)


def tanh(Z):
    """tanh(z)."""
    return np.tanh(Z)


def tanh_grad(Z, A):
    """tanh'(z) = 1 − a²."""
    return 1.0 - A * A


def sigmoid(Z):
    """Logistic σ(z) = 1 / (1 + e⁻ᶻ), computed without overflow for any z."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_grad(Z, A):
    """σ'(z) = a(1 − a)."""
    return A * (1.0 - A)


def linear(Z):
    """Identity: z."""
    return Z


def linear_grad(Z, A):
    """Identity' = 1."""
    return np.ones_like(Z)


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_grad),
    "leaky_relu": Activation(leaky_relu, leaky_relu_grad),
    "elu": Activation(elu, elu_grad),
    "gelu": Activation(gelu, gelu_grad),
    "tanh": Activation(tanh, tanh_grad),
    "sigmoid": Activation(sigmoid, sigmoid_grad),
    "linear": Activation(linear, linear_grad),
}


def get(name: str) -> Activation:
    """The (forward, derivative) pair registered under ``name``; ValueError names the choices."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
