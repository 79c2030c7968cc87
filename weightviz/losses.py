"""Losses, output transforms and metrics, one set per task, keyed by the task's name.

The network's last layer is linear and produces logits ``Z`` of shape (n, k). A task says how to
turn them into a mean loss and its gradient, into predictions, and into a score:

- regression: MSE = mean over samples and outputs of (z − y)², no ½; metric R².
- binary: mean binary cross-entropy from logits, softplus(z) − y·z, stable for any z; metric accuracy.
- multiclass: mean softmax cross-entropy, logsumexp(z) − z_y, with integer labels; metric accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .activations import sigmoid


class Task(NamedTuple):
    loss_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]  # (Z, y) -> (L, dL/dZ)
    predict: Callable[[np.ndarray], np.ndarray]  # Z -> what model.predict returns
    metric: Callable[[np.ndarray, np.ndarray], float]  # (prediction, y) -> score
    metric_name: str


def mse(Z, y):
    """L = mean((z − y)²) over all n·k entries; dL/dZ = 2(z − y)/(n·k)."""
    E = Z - y.reshape(Z.shape)  # (n, k)
    return float(np.mean(E * E)), (2.0 / E.size) * E


def binary_cross_entropy(Z, y):
    """L = mean(softplus(z) − y·z) = mean(−y log σ(z) − (1−y) log(1−σ(z))); dL/dZ = (σ(z) − y)/n."""
    z = Z[:, 0]
    y = y.reshape(-1)
    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # log(1 + eᶻ) without overflow
    loss = float(np.mean(softplus - y * z))
    return loss, ((sigmoid(z) - y) / z.size)[:, None]


def softmax(Z):
    """Row-wise softmax, shifted by the row max so exp never overflows."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_cross_entropy(Z, y):
    """L = mean(logsumexp(z) − z_y) with integer labels y; dL/dZ = (softmax(z) − onehot(y))/n."""
    n = Z.shape[0]
    labels = y.astype(np.intp, copy=False).reshape(-1)
    shifted = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(shifted)
    S = E.sum(axis=1)
    rows = np.arange(n)
    loss = float(np.mean(np.log(S) - shifted[rows, labels]))
    dZ = E / S[:, None]
    dZ[rows, labels] -= 1.0
    return loss, dZ / n


def r2_score(pred, y):
    """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged over outputs (as scikit-learn's uniform_average).

    An output whose target is constant (Σ(y − ȳ)² = 0) scores 1 when predicted exactly and 0 otherwise,
    as scikit-learn does (``force_finite=True``).
    """
    y = y.reshape(pred.shape).astype(float)
    ss_res = np.sum((y - pred) ** 2, axis=0)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    constant = np.where(ss_res == 0, 1.0, 0.0)
    return float(np.mean(np.where(ss_tot > 0, 1.0 - ss_res / safe, constant)))


def binary_accuracy(prob, y):
    """Share of samples with (P(y=1) ≥ ½) == y."""
    return float(np.mean((prob >= 0.5) == (y.reshape(-1) > 0.5)))


def multiclass_accuracy(prob, y):
    """Share of samples whose most probable class is y."""
    return float(np.mean(prob.argmax(axis=1) == y.reshape(-1)))


def _regression_output(Z):
    return Z[:, 0] if Z.shape[1] == 1 else Z


TASKS: dict[str, Task] = {
    "regression": Task(mse, _regression_output, r2_score, "R²"),
    "binary": Task(binary_cross_entropy, lambda Z: sigmoid(Z[:, 0]), binary_accuracy, "accuracy"),
    "multiclass": Task(softmax_cross_entropy, softmax, multiclass_accuracy, "accuracy"),
}


def get(task: str) -> Task:
    """The loss, prediction and metric of ``task``; ValueError names the choices."""
    try:
        return TASKS[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}") from None
