"""The multilayer perceptron: linear models are ``MLP([d, 1])``, networks add hidden sizes.

One code path serves every model the dashboard trains:
linear regression ``MLP([d, 1], task="regression")``, logistic regression ``MLP([d, 1],
task="binary")``, softmax regression ``MLP([d, k], task="multiclass")`` and deeper networks.
Each hidden layer is Dense → [BatchNorm] → activation → [Dropout]; the last layer is Dense and
produces logits.

All parameters live in one flat vector ``model.params`` (float64; ``dtype="float32"`` computes in single
precision: about twice the speed of the matrix products, for networks where that matters) laid out as
[W₀, W₁, …, b₀, b₁, …, γ₀, β₀, …]; ``model.weights[l]`` and ``model.biases[l]`` are views into it,
so in-place updates are visible everywhere, and the weights alone are the contiguous
``model.params[:model.n_weights]`` (the penalties act there only). ``model.grads`` mirrors it.

Two forward passes: ``forward`` (training or inference mode) keeps in each layer what ``backward``
needs; ``logits`` (inference only) keeps nothing and works through ``chunk_rows`` rows at a time,
so predicting on 100 000 rows holds one chunk's activations at a time and nothing afterwards.
``predict``, ``score`` and ``hidden_activations`` use the cache-free path.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np

from . import initializers, losses
from .layers import ActivationLayer, BatchNorm, Dense, Dropout

CHUNK_ROWS = 8_192  # rows per chunk of the cache-free inference pass (logits, predict)


class Trace(NamedTuple):
    """What :meth:`MLP.trace` saw: per hidden layer, its activation's output and ∂L/∂ of it; L; and the
    gradient of L with respect to each weight matrix (copies, (fan_in, fan_out))."""

    activations: list
    grads: list
    loss: float
    weight_grads: list


class MLP:
    """A multilayer perceptron with exact gradients, built from ``layer_sizes = [d_in, h₁, …, d_out]``."""

    def __init__(
        self,
        layer_sizes,
        activation="relu",
        task="regression",
        init="xavier_uniform",
        seed=0,
        *,
        init_options=None,
        bias_init=0.0,
        dropout=0.0,
        batch_norm=False,
        dtype="float64",
    ):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes needs an input and an output size, all ≥ 1; got {list(layer_sizes)}")
        n_hidden = len(sizes) - 2
        hidden_acts = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(hidden_acts) != n_hidden:
            raise ValueError(f"{n_hidden} hidden layers need {n_hidden} activations, got {len(hidden_acts)}")
        self.task_name = task
        self.task = losses.get(task)
        if task == "binary" and sizes[-1] != 1:
            raise ValueError("a binary model has one output (the logit of P(y=1))")
        if task == "multiclass" and sizes[-1] < 2:
            raise ValueError("a multiclass model needs one output per class (at least 2)")
        self.config = {
            "layer_sizes": sizes,
            "activation": hidden_acts,
            "task": task,
            "init": init if isinstance(init, str) else getattr(init, "__name__", "custom"),
            "init_options": dict(init_options or {}),
            "seed": seed,
            "bias_init": float(bias_init),
            "dropout": float(dropout),
            "batch_norm": bool(batch_norm),
        }
        self._allocate(sizes, batch_norm and n_hidden > 0)
        self._build_layers(hidden_acts, dropout, batch_norm)
        self.initialize(init, seed, init_options, bias_init)

    # -- construction -------------------------------------------------------------------------
    def _allocate(self, sizes, with_bn):
        shapes_W = list(zip(sizes[:-1], sizes[1:], strict=True))
        shapes_b = [(n,) for n in sizes[1:]]
        shapes_bn = [(n,) for n in sizes[1:-1] for _ in ("gamma", "beta")] if with_bn else []
        self.n_weights = sum(a * b for a, b in shapes_W)
        n_bias = sum(sizes[1:])
        self.params = np.zeros(self.n_weights + n_bias + sum(s[0] for s in shapes_bn), dtype=self.dtype)
        self.grads = np.zeros_like(self.params)
        self.weights = _views(self.params, 0, shapes_W)
        self.grad_weights = _views(self.grads, 0, shapes_W)
        self.biases = _views(self.params, self.n_weights, shapes_b)
        self.grad_biases = _views(self.grads, self.n_weights, shapes_b)
        self._bn_params = _views(self.params, self.n_weights + n_bias, shapes_bn)  # γ₀, β₀, γ₁, β₁, …
        self._bn_grads = _views(self.grads, self.n_weights + n_bias, shapes_bn)
        self.weight_offsets = np.cumsum([0] + [a * b for a, b in shapes_W])  # W_l is params[off[l]:off[l+1]]

    def _build_layers(self, hidden_acts, dropout, batch_norm):
        n_dense = len(self.weights)
        self.layers = []
        self.batch_norms = []
        for l in range(n_dense):
            self.layers.append(
                Dense(
                    self.weights[l], self.biases[l], self.grad_weights[l], self.grad_biases[l], needs_input_grad=l > 0
                )
            )
            if l == n_dense - 1:
                break
            if batch_norm:
                p, g = self._bn_params[2 * l : 2 * l + 2], self._bn_grads[2 * l : 2 * l + 2]
                self.batch_norms.append(BatchNorm(p[0], p[1], g[0], g[1]))
                self.layers.append(self.batch_norms[-1])
            self.layers.append(ActivationLayer(hidden_acts[l]))
            if dropout > 0:
                self.layers.append(Dropout(dropout))

    def initialize(self, init="xavier_uniform", seed=0, init_options=None, bias_init=0.0):
        """Draw every weight matrix from ``init`` with ``np.random.default_rng(seed)``, layer by layer.

        ``init`` is a registry name or a callable ``(fan_in, fan_out, rng) -> array``. Biases are set
        to ``bias_init``; batch-norm γ to 1 and β to 0, with fresh running statistics.
        """
        draw = initializers.get(init, **(init_options or {})) if isinstance(init, str) else init
        rng = np.random.default_rng(seed)
        for W in self.weights:
            W[...] = draw(W.shape[0], W.shape[1], rng)
        for b in self.biases:
            b[...] = bias_init
        for bn in self.batch_norms:
            bn.params["gamma"][...] = 1.0
            bn.params["beta"][...] = 0.0
            bn.running_mean[...] = 0.0
            bn.running_var[...] = 1.0

    # -- computation ----------------------------------------------------------------------------
    def forward(self, X, training=False, rng=None):
        """Logits Z of shape (n, d_out). Training mode uses batch statistics and dropout (needs ``rng``)."""
        A = self._check_input(X)
        for layer in self.layers:
            A = layer.forward(A, training, rng)
        return A

    def logits(self, X, chunk_rows=CHUNK_ROWS):
        """Logits Z of shape (n, d_out) at inference (no dropout; batch norm uses running statistics).

        Equal to ``forward(X)`` (same operations, row by row) but stores nothing on the layers and
        runs ``chunk_rows`` rows at a time, so its peak memory is one chunk's activations plus the
        result, and two calls can run at once. ``model.grads`` and the running statistics are untouched.
        """
        X = self._check_input(X)
        chunk_rows = int(chunk_rows)
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be ≥ 1, got {chunk_rows}")
        if len(X) <= chunk_rows:
            return self._infer(X)
        Z = np.empty((len(X), self.layer_sizes[-1]), dtype=self.dtype)
        for start in range(0, len(X), chunk_rows):
            Z[start : start + chunk_rows] = self._infer(X[start : start + chunk_rows])
        return Z

    def _infer(self, A, start=0):
        """One chunk through every layer's cache-free ``infer`` (from layer ``start`` on)."""
        for layer in self.layers[start:]:
            A = layer.infer(A)
        return A

    def predict(self, X, chunk_rows=CHUNK_ROWS):
        """Regression: (n,) for one output else (n, k); binary: P(y=1), (n,); multiclass: (n, k) probabilities.

        Computed from ``logits(X, chunk_rows)``: nothing is kept on the layers."""
        return self.task.predict(self.logits(X, chunk_rows))

    def score(self, X, y):
        """The task's metric on (X, y): R² for regression, accuracy otherwise."""
        return self.task.metric(self.predict(X), np.asarray(y))

    def hidden_activations(self, X):
        """The output of every hidden activation at inference, a list of (n, units) arrays (nothing cached)."""
        A = self._check_input(X)
        outputs = []
        for layer in self.layers:
            A = layer.infer(A)
            if isinstance(layer, ActivationLayer):
                outputs.append(A)
        return outputs

    def forward_backward(self, X, y, training=False, rng=None):
        """Mean data loss at (X, y); leaves its exact gradient in ``model.grads`` (no copy)."""
        Z = self.forward(X, training, rng)
        loss, dA = self.task.loss_and_grad(Z, np.asarray(y))
        for layer in reversed(self.layers):
            dA = layer.backward(dA)
        return loss

    def loss_and_grads(self, X, y, training=False, rng=None):
        """``(loss, grad_W, grad_b)``: the mean data loss (no penalty) and copies of its exact gradients.

        By default the model is in inference mode (no dropout, batch norm uses running statistics),
        so the loss is a deterministic function of the weights. ``training=True`` uses batch
        statistics and draws dropout masks from ``rng``.

        Whatever the last training step left stays as it was: ``model.grads`` (the gradient a page shows
        as the last step's) and the batch-norm running statistics are saved first and restored after.
        """
        with self._kept_state():
            loss = self.forward_backward(X, y, training, rng)
            return loss, [g.copy() for g in self.grad_weights], [g.copy() for g in self.grad_biases]

    def trace(self, X, y, training=False, rng=None):
        """What flows through the network on (X, y): a :class:`Trace` with, for each hidden layer, the
        output of its activation, ``activations[l]`` of shape (n, units), and the gradient of the mean
        data loss L (as :meth:`loss_and_grads`) with respect to that output, ``grads[l]``, same shape.

        Exact: the model's own forward and backward pass, recorded on the way (with dropout after an
        activation, the activation's output before dropout and the gradient reaching it through the
        mask). Inference mode by default; ``training=True, rng=...`` as in ``loss_and_grads``. Like it,
        leaves ``model.grads`` and the batch-norm running statistics as they were.
        """
        with self._kept_state():
            A = self._check_input(X)
            activations = []
            for layer in self.layers:
                A = layer.forward(A, training, rng)
                if isinstance(layer, ActivationLayer):
                    activations.append(A)
            loss, dA = self.task.loss_and_grad(A, np.asarray(y))
            grads = []
            for layer in reversed(self.layers):
                if isinstance(layer, ActivationLayer):
                    grads.append(dA)  # ∂L/∂(this activation's output): what its backward receives
                dA = layer.backward(dA)
            return Trace(activations, grads[::-1], loss, [g.copy() for g in self.grad_weights])

    def input_gradients(self, X, output=0):
        """∂z_output/∂x for each row of X: the gradient of one logit (raw output) with respect to the input,
        (n, d), in inference mode. The model's own backward pass with the upstream gradient 1 on that output;
        like :meth:`loss_and_grads` it leaves ``model.grads`` and the batch-norm statistics as they were."""
        with self._kept_state():
            A = self._check_input(X)
            for layer in self.layers:
                A = layer.forward(A, False, None)
            if not 0 <= output < A.shape[1]:
                raise ValueError(f"output must be from 0 to {A.shape[1] - 1}, got {output}")
            dA = np.zeros_like(A)
            dA[:, output] = 1.0
            first = self.layers[0]
            first.needs_input_grad = True
            try:
                for layer in reversed(self.layers):
                    dA = layer.backward(dA)
            finally:
                first.needs_input_grad = False
            return dA

    @contextlib.contextmanager
    def _kept_state(self):
        """Restore ``model.grads`` and the batch-norm running statistics on the way out."""
        kept = self.grads.copy(), [(bn.running_mean.copy(), bn.running_var.copy()) for bn in self.batch_norms]
        try:
            yield
        finally:
            self.grads[...] = kept[0]
            for bn, (mean, var) in zip(self.batch_norms, kept[1], strict=True):
                bn.running_mean[...], bn.running_var[...] = mean, var

    def _check_input(self, X):
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.weights[0].shape[0]:
            raise ValueError(f"X must have shape (n, {self.weights[0].shape[0]}), got {X.shape}")
        return X

    # -- bookkeeping ----------------------------------------------------------------------------
    @property
    def layer_sizes(self):
        return list(self.config["layer_sizes"])

    def batch_norm_params(self, layer):
        """The batch-norm (γ, β) views of hidden layer ``layer``; () for the output layer or without batch norm."""
        if not self._bn_params or layer >= len(self.weights) - 1:
            return ()
        return tuple(self._bn_params[2 * layer : 2 * layer + 2])

    @property
    def n_params(self):
        """Number of trainable scalars (weights, biases, and batch-norm γ and β)."""
        return self.params.size

    def named_arrays(self):
        """Every array that defines the model, by a stable name: W0, b0, …, gamma0, beta0, running_mean0, …."""
        named = {f"W{l}": W for l, W in enumerate(self.weights)}
        named |= {f"b{l}": b for l, b in enumerate(self.biases)}
        for l, bn in enumerate(self.batch_norms):
            named |= {
                f"gamma{l}": bn.params["gamma"],
                f"beta{l}": bn.params["beta"],
                f"running_mean{l}": bn.running_mean,
                f"running_var{l}": bn.running_var,
            }
        return named

    def state(self):
        """A copy of everything ``load_state`` needs to restore this model exactly."""
        return {name: a.copy() for name, a in self.named_arrays().items()}

    def load_state(self, state):
        """Copy ``state`` (from ``state()``) into this model in place; shapes must match."""
        for name, target in self.named_arrays().items():
            target[...] = state[name]

    def clone(self, params=None):
        """An independent copy (same architecture and state); ``params`` replaces its flat parameter vector."""
        c = self.config
        twin = MLP(
            c["layer_sizes"], c["activation"], c["task"], init="zeros", dropout=c["dropout"], batch_norm=c["batch_norm"]
        )
        twin.config = dict(c)
        twin.load_state(self.state())
        if params is not None:
            twin.params[...] = params
        return twin

    def __repr__(self):
        acts = ",".join(self.config["activation"]) or "-"
        return f"MLP({self.layer_sizes}, activation={acts}, task={self.task_name!r}, params={self.n_params})"


def _views(buffer, start, shapes):
    """Consecutive views of ``buffer`` from ``start`` with the given shapes."""
    views = []
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(buffer[start : start + size].reshape(shape))
        start += size
    return views
