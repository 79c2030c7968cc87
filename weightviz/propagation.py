"""What flows through a network: per-layer statistics of a :class:`~weightviz.model.Trace`.

For each hidden layer l, from ``model.trace(X, y)``:

- ``mean``, ``std``: of the activation outputs a (all rows and units);
- ``saturated``: the share of outputs in a flat end of a squashing activation, |a| > 0.97 for tanh,
  a < 0.03 or a > 0.97 for sigmoid; NaN for activations without flat ends;
- ``dead``: the share of units that output 0 on every row (ReLU's dead units; any activation);
- ``grad_std``: std of ∂L/∂a, the back-propagated gradient reaching the layer's output;
- ``update_scale``: std(∂L/∂W_l) / std(W_l), how large a gradient step is next to the weights.

``distinct_units(W, b)`` counts the different units of a layer (columns of W with their bias): the
symmetry of a zeros or constant initialisation keeps it at 1, whatever the training.
``units_all_equal(W, b)`` says whether that count is 1, in one pass (a page asks it every frame).
"""

from __future__ import annotations

import numpy as np

SATURATION = 0.97  # |tanh| beyond this: the derivative 1 − a² is under 6 %
SQUASHING = {"tanh": "symmetric", "sigmoid": "unit"}


def saturated_share(a, activation):
    """The share of outputs in a flat end of ``activation`` (NaN when it has none)."""
    kind = SQUASHING.get(activation)
    if kind == "symmetric":
        return float(np.mean(np.abs(a) > SATURATION))
    if kind == "unit":
        return float(np.mean((a < 1 - SATURATION) | (a > SATURATION)))
    return float("nan")


def layer_health(model, trace):
    """One dict per hidden layer (see the module's docstring) from ``trace = model.trace(X, y)``."""
    rows = []
    activations = model.config["activation"]
    for l, (a, g) in enumerate(zip(trace.activations, trace.grads, strict=True)):
        W_std = float(np.std(model.weights[l]))
        rows.append(
            {
                "mean": float(np.mean(a)),
                "std": float(np.std(a)),
                "saturated": saturated_share(a, activations[l]),
                "dead": float(np.mean(np.all(a == 0, axis=0))),
                "grad_std": float(np.std(g)),
                "update_scale": float(np.std(trace.weight_grads[l])) / W_std if W_std > 0 else float("inf"),
            }
        )
    return rows


def distinct_units(W, b, decimals=12):
    """How many different units a layer has: distinct columns of W stacked with their bias (rounded to
    ``decimals`` so that float noise does not split identical units)."""
    units = np.round(np.vstack([np.asarray(W, dtype=float), np.asarray(b, dtype=float)[None, :]]).T, decimals)
    return len(np.unique(units, axis=0))


def units_all_equal(W, b, decimals=12):
    """True when every unit of a layer equals the first (``distinct_units(W, b, decimals) == 1``), without
    sorting: the spread of each row of W and of b is under half a unit of the ``decimals`` rounding."""
    tolerance = 0.5 * 10.0**-decimals
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    return bool(np.ptp(W, axis=1).max(initial=0.0) <= tolerance and np.ptp(b) <= tolerance)
