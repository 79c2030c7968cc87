"""Grids over a model's input space and the model's predictions on them (for the data-space figures).

NumPy only: grids in the data's raw coordinates (one or two raw inputs), the model evaluated on
them after the dataset's own transform, and evenly spaced axes over two ranges.
"""

from __future__ import annotations

import numpy as np


def input_grid(dataset, resolution=60, margin=0.1):
    """(axes, raw points) covering the data (train and test) with a margin.

    For one raw input, ``axes`` is (xs,) and points are (resolution, 1); for two, (xs, ys) and
    points (resolution², 2) in row-major order over (ys, xs).
    """
    raw = np.vstack([dataset.raw(dataset.X_train), dataset.raw(dataset.X_test)])
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    axes = [np.linspace(a - p, b + p, resolution) for a, b, p in zip(lo, hi, pad, strict=True)]
    if raw.shape[1] == 1:
        return (axes[0],), axes[0][:, None]
    xx, yy = np.meshgrid(axes[0], axes[1])
    return (axes[0], axes[1]), np.column_stack([xx.ravel(), yy.ravel()])


def prediction_grid(model, dataset, resolution=60):
    """(axes, values) of the model over the input grid, values shaped (ny, nx) for 2-D inputs.

    Binary: P(y=1). Multiclass: the predicted class, with its probability as a second array
    (values is then a (classes, confidence) pair). Regression: the predicted value.
    """
    axes, raw = input_grid(dataset, resolution)
    pred = model.predict(dataset.transform(raw))
    shape = (len(axes[1]), len(axes[0])) if len(axes) == 2 else (len(axes[0]),)
    if model.task_name == "multiclass":
        return axes, (pred.argmax(axis=1).reshape(shape), pred.max(axis=1).reshape(shape))
    return axes, pred.reshape(shape)


def grid_axes(x_range, y_range, resolution=80):
    """Evenly spaced values over two ranges: (xs, ys)."""
    return np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)
