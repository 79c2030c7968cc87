"""Figure builders: pure functions from recorded data to ``plotly.graph_objects.Figure``.

No streamlit here: pages call these and hand the figure to ``st.plotly_chart``; tests inspect
``fig.data``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

TRAIN_COLOR, TEST_COLOR, BATCH_COLOR = "#1f77b4", "#ff7f0e", "rgba(31,119,180,0.25)"


def loss_curves(history, metric_name=None):
    """Mini-batch loss every step (faint), whole-set train and test loss at evaluation steps; log y axis."""
    fig = go.Figure()
    steps = history.steps
    batch = history.column("batch_loss")
    keep = np.isfinite(batch)
    fig.add_trace(
        go.Scattergl(
            x=steps[keep], y=batch[keep], mode="lines", name="batch loss", line={"color": BATCH_COLOR, "width": 1}
        )
    )
    for name, color in (("train_loss", TRAIN_COLOR), ("test_loss", TEST_COLOR)):
        eval_steps, values = history.eval_column(name)
        keep = np.isfinite(values)
        if keep.any():
            fig.add_trace(
                go.Scatter(
                    x=eval_steps[keep],
                    y=values[keep],
                    mode="lines+markers",
                    name=name.replace("_", " "),
                    line={"color": color},
                    marker={"size": 4},
                )
            )
    fig.update_layout(
        xaxis_title="step",
        yaxis_title="loss",
        yaxis_type="log",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig
