"""Layers: Dense, ActivationLayer, Dropout and BatchNorm, each with ``forward``, ``backward`` and ``infer``.

A layer holds ``params`` and ``grads`` dicts with the same keys. Their arrays are *views* into the
model's one flat parameter vector and one flat gradient vector, so an optimizer updates every
parameter with a single vectorised operation and a chart can hold a view that stays current.
``forward(X, training, rng)`` caches what ``backward`` needs; ``backward(dY)`` writes the
parameter gradients (overwriting, each parameter is used once per pass) and returns dL/dX.
``infer(X)`` is the inference-mode forward pass computed the same way, but it stores nothing on the
layer (no cache, so nothing stays referenced and concurrent calls cannot interfere):
``MLP.logits`` runs it chunk by chunk.

``ActivationLayer`` wraps an element-wise function from ``activations`` (whose registry entries are
``activations.Activation`` pairs); ``Activation`` here is a deprecated alias kept for old imports.
"""

from __future__ import annotations

import numpy as np

from . import activations


class Dense:
    """Affine map Z = X·W + b with W of shape (fan_in, fan_out) and b of shape (fan_out,)."""

    def __init__(self, W, b, gW, gb, needs_input_grad=True):
        self.params = {"W": W, "b": b}
        self.grads = {"W": gW, "b": gb}
        self.needs_input_grad = needs_input_grad  # the first layer's dL/dX is never used: skip it
        self.X = None

    def forward(self, X, training=False, rng=None):
        self.X = X  # (n, fan_in)
        return X @ self.params["W"] + self.params["b"]  # (n, fan_out)

    def infer(self, X):
        """Z = X·W + b, nothing cached (one (n, fan_out) array: the bias is added in place)."""
        Z = X @ self.params["W"]
        Z += self.params["b"]
        return Z

    def backward(self, dZ):
        """dW = Xᵀ·dZ, db = Σₙ dZ, dX = dZ·Wᵀ."""
        np.matmul(self.X.T, dZ, out=self.grads["W"])
        dZ.sum(axis=0, out=self.grads["b"])
        return dZ @ self.params["W"].T if self.needs_input_grad else None


class ActivationLayer:
    """Element-wise A = f(Z) with f from the activations registry (``activations.get(name)``)."""

    def __init__(self, name):
        self.name = name
        self.f = activations.get(name)
        self.params, self.grads = {}, {}

    def forward(self, Z, training=False, rng=None):
        self.Z = Z
        self.A = self.f.forward(Z)
        return self.A

    def infer(self, Z):
        """A = f(Z), nothing cached."""
        return self.f.forward(Z)

    def backward(self, dA):
        """dZ = dA ⊙ f'(Z)."""
        return dA * self.f.derivative(self.Z, self.A)


Activation = ActivationLayer  # deprecated alias: the name clashed with ``activations.Activation``


class Dropout:
    """Inverted dropout: in training, zero each unit with probability p and scale survivors by 1/(1−p).

    At inference it is the identity, so no rescaling is needed at test time.
    """

    def __init__(self, rate):
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.params, self.grads = {}, {}
        self.mask = None

    def forward(self, X, training=False, rng=None):
        if not training or self.rate == 0.0:
            self.mask = None
            return X
        if rng is None:
            raise ValueError("dropout in training mode needs an rng (np.random.default_rng(seed))")
        self.mask = (rng.random(X.shape) >= self.rate) / (1.0 - self.rate)  # (n, units)
        return X * self.mask

    def infer(self, X):
        """The identity: dropout is off at inference."""
        return X

    def backward(self, dY):
        """dX = dY ⊙ mask (the same mask the forward pass drew)."""
        return dY if self.mask is None else dY * self.mask


class BatchNorm:
    """Batch normalisation: Y = γ·(X − μ)/√(σ² + ε) + β per unit.

    Training uses the batch's mean and (biased) variance and updates running averages
    r ← (1 − m)·r + m·batch with momentum m = 0.1 (PyTorch's momentum convention; PyTorch keeps
    the unbiased variance n/(n−1)·σ² in its running average, we keep the biased one); inference
    uses the running averages.
    """

    def __init__(self, gamma, beta, g_gamma, g_beta, momentum=0.1, eps=1e-5):
        self.params = {"gamma": gamma, "beta": beta}
        self.grads = {"gamma": g_gamma, "beta": g_beta}
        self.momentum, self.eps = momentum, eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)

    def forward(self, X, training=False, rng=None):
        """Training mode needs at least 2 rows: one row has variance 0, so x̂ = 0, Y = β, dγ = 0 and the
        running variance shrinks towards 0 (ValueError instead of silently computing that)."""
        if training:
            if len(X) < 2:
                raise ValueError(
                    f"batch norm in training mode needs a batch of at least 2 rows, got {len(X)}: "
                    "one row has no variance to normalise by"
                )
            mean, var = X.mean(axis=0), X.var(axis=0)
            self.running_mean += self.momentum * (mean - self.running_mean)
            self.running_var += self.momentum * (var - self.running_var)
        else:
            mean, var = self.running_mean, self.running_var
        self.training = training
        self.inv_std = 1.0 / np.sqrt(var + self.eps)  # (units,)
        self.X_hat = (X - mean) * self.inv_std  # (n, units)
        return self.params["gamma"] * self.X_hat + self.params["beta"]

    def infer(self, X):
        """Y = γ·(X − μ_run)/√(σ²_run + ε) + β with the running statistics, nothing cached (same operations as
        ``forward(X)`` at inference, so the same bits)."""
        inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
        Y = X - self.running_mean
        Y *= inv_std
        np.multiply(self.params["gamma"], Y, out=Y)
        Y += self.params["beta"]
        return Y

    def backward(self, dY):
        """dγ = Σ dY⊙x̂, dβ = Σ dY; training: dX = (γ/σ)/n · (n·dY − Σ dY − x̂·Σ dY⊙x̂)."""
        gamma = self.params["gamma"]
        (dY * self.X_hat).sum(axis=0, out=self.grads["gamma"])
        dY.sum(axis=0, out=self.grads["beta"])
        if not self.training:  # the statistics are constants at inference
            return dY * (gamma * self.inv_std)
        n = dY.shape[0]
        return (gamma * self.inv_std / n) * (n * dY - self.grads["beta"] - self.X_hat * self.grads["gamma"])
