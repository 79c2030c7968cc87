"""The one-feature linear model y = w·x + b under the MSE, in closed form (the Home page's model).

NumPy only: the loss surface MSE(w, b) over a grid of (w, b), its gradient at a point, and the
least-squares line at its minimum.
"""

from __future__ import annotations

import numpy as np


def mse_surface(x, y, w_values, b_values):
    """MSE(w, b) = mean((w·x + b − y)²) on the grid, shape (len(b_values), len(w_values)).

    Expanded so the grid costs no pass over the data per point:
    w²·E[x²] + b² + E[y²] + 2wb·E[x] − 2w·E[xy] − 2b·E[y].
    """
    x, y = np.ravel(x), np.ravel(y)
    W, B = np.meshgrid(w_values, b_values)
    ex, ey, exx, eyy, exy = x.mean(), y.mean(), (x * x).mean(), (y * y).mean(), (x * y).mean()
    return W * W * exx + B * B + eyy + 2 * W * B * ex - 2 * W * exy - 2 * B * ey


def mse_gradient(x, y, w, b):
    """(∂MSE/∂w, ∂MSE/∂b) at (w, b): (2·mean((w·x + b − y)·x), 2·mean(w·x + b − y))."""
    x, y = np.ravel(x), np.ravel(y)
    residual = w * x + b - y
    return 2.0 * float(np.mean(residual * x)), 2.0 * float(np.mean(residual))


def least_squares_line(x, y):
    """(w, b) minimising the MSE of y = w·x + b."""
    A = np.column_stack([np.ravel(x), np.ones(np.size(x))])
    w, b = np.linalg.lstsq(A, np.ravel(y), rcond=None)[0]
    return float(w), float(b)
