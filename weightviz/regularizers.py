"""Weight penalties: L1, L2 and elastic net (both), acting on weights only, never on biases.

The penalty added to the mean data loss is

    penalty(W) = l1·Σ|w| + (l2/2)·Σw²

so its gradient is l1·sign(w) + l2·w. The L2 part enters the gradient the optimizer sees. The L1
part is applied as a *proximal* step after the optimizer's update: the soft-threshold

    w ← sign(w)·max(|w| − η·l1, 0)

where η is the step size the optimizer just used for that weight (the learning rate for SGD,
η/(1 − μ) for momentum, the per-weight η/(√v̂ + ε) for RMSprop and Adam). Unlike adding l1·sign(w) to the
gradient, which makes small weights jitter around zero forever, this sets a weight exactly to 0
once the data's pull on it is weaker than l1: L1's sparsity becomes visible.

scikit-learn writes the regression objective halved, (1/2n)‖y − Xw − b‖² + α·ρ·‖w‖₁ + (α(1 − ρ)/2)·‖w‖²
(our MSE has no ½), so the same problem is ``Lasso(alpha=l1/2)``, ``ElasticNet(alpha=(l1 + l2)/2,
l1_ratio=l1/(l1 + l2))`` and ``Ridge(alpha=n·l2/2)``; PyTorch's ``Adam(weight_decay=l2)`` is our ``l2`` with
Adam (on a parameter group of the weights only) and ``AdamW(weight_decay=λ)`` our ``adamw`` with
``weight_decay=λ`` (tests/test_regularization.py holds all five).
"""

from __future__ import annotations

import numpy as np


def penalty(W, l1=0.0, l2=0.0):
    """l1·Σ|w| + (l2/2)·Σw² over the (flat) weights W."""
    value = 0.0
    if l1:
        value += l1 * float(np.abs(W).sum())
    if l2:
        value += 0.5 * l2 * float(np.dot(W.ravel(), W.ravel()))
    return value


def penalty_grad(W, l1=0.0, l2=0.0):
    """d penalty / dW = l1·sign(w) + l2·w (the subgradient 0 at w = 0)."""
    return l1 * np.sign(W) + l2 * W


def add_l2_grad(grad_W, W, l2):
    """grad_W += l2·W in place: the smooth part of the penalty, which the optimizer sees."""
    if l2:
        grad_W += l2 * W


def soft_threshold(W, threshold):
    """W ← sign(W)·max(|W| − threshold, 0) in place (the proximal step of threshold·Σ|w|)."""
    np.copyto(W, np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0))


def adam_l2_shrinkage(v, t, lr, l2, beta2=0.999, eps=1e-8):
    """Per weight, the share of itself that one Adam step removes because of an L2 penalty l2·Σw²/2:

        ≈ η·l2 / (√v̂ + ε),   v̂ = v / (1 − β₂ᵗ)

    The penalty's gradient l2·w joins the data's in m and v, so Adam divides it by the same √v̂: a
    weight whose gradients are large (large v̂) is hardly shrunk, one whose gradients are small is
    shrunk hard. ``v`` is Adam's second-moment estimate of those weights after ``t`` steps. (≈: taking
    m̂'s share from the penalty as l2·w, which holds while w changes slowly.)"""
    v_hat = np.asarray(v, dtype=float) / (1.0 - beta2**t)
    return lr * l2 / (np.sqrt(v_hat) + eps)


def adamw_shrinkage(lr, weight_decay):
    """The share of every weight that one AdamW step removes by its decoupled decay: η·λ, the same for
    all weights whatever their gradients (w ← w − η·λ·w before the Adam step)."""
    return lr * weight_decay
