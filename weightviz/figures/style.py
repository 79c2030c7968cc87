"""Shared look: colours, margins, and the thinning of long series before they are sent to a browser."""

from __future__ import annotations

import numpy as np

TRAIN_COLOR, TEST_COLOR, BATCH_COLOR = "#1f77b4", "#ff7f0e", "rgba(31,119,180,0.25)"
INIT_COLOR = "rgba(120,120,120,0.45)"
DIVERGING = "RdBu"  # negative red, positive blue, zero white
CLASS_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
LAYER_COLORS = CLASS_COLORS
MAX_POINTS = 1000  # a line chart never carries more points than this per trace


def layout(fig, title=None, height=320, **extra):
    """Apply the common layout (compact margins, horizontal legend) and return the figure.

    No template: Streamlit's own chart theme styles the figures in the app, and a template costs ~6 ms.
    """
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "y": 0.98, "yanchor": "top"} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 75 if title else 40, "b": 10},
        # the legend sits in a row of its own between the title and the plot
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0, "font": {"size": 11}},
        **extra,
    )
    return fig


def thin(steps, *columns, max_points=MAX_POINTS):
    """Every k-th row so at most ``max_points`` remain (the last row always kept)."""
    n = len(steps)
    if n <= max_points:
        return (steps, *columns)
    index = np.unique(np.append(np.arange(0, n, int(np.ceil(n / max_points))), n - 1))
    return (steps[index], *(c[index] for c in columns))


def symmetric_range(M):
    """(−m, m) with m = max |M| (1 if M is all zero or empty): keeps zero white on a diverging scale."""
    finite = np.abs(M[np.isfinite(M)]) if np.size(M) else np.empty(0)
    m = float(finite.max()) if finite.size else 0.0
    return (-m, m) if m > 0 else (-1.0, 1.0)
