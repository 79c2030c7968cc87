"""Transfer learning, run beside run: how far each layer moved from where it started."""

from __future__ import annotations

import numpy as np

from .draft import Draft, bar, heatmap
from .regularization import RUN_COLORS
from .style import label, layout


def layer_changes(changes, layer_names, title="How much of each layer changed"):
    """Grouped bars: ``changes`` is {run name: [‖W − W₀‖_F / ‖W₀‖_F per layer]} (``transfer.relative_change``),
    one group per layer of ``layer_names``, one bar per run, on a percent axis. A frozen layer's bar is 0."""
    fig = Draft()
    top = 0.0
    for i, (name, values) in enumerate(changes.items()):
        y = 100 * np.asarray(values, dtype=float)
        finite = y[np.isfinite(y)]
        top = max(top, float(finite.max(initial=0.0)))
        fig.add_trace(
            bar(
                x=list(layer_names), y=np.where(np.isfinite(y), y, np.nan), name=label(name),
                marker={"color": RUN_COLORS[i % len(RUN_COLORS)]},
                hovertemplate=f"{label(name)}<br>%{{x}}: %{{y:.3g}} %<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="‖W − W₀‖ / ‖W₀‖ (%)", range=[0, max(1.0, 1.08 * top)])
    return layout(fig, title, height=280)


def example_images(X, labels, image_shape, title, n=16, columns=8):
    """The first ``n`` rows of ``X`` drawn as grey images (0 white, 1 black), tiled ``columns`` to a line, each
    with its label on hover."""
    h, w = image_shape
    n = min(n, len(X))
    rows = max(1, int(np.ceil(n / columns)))
    mosaic = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    label_of = np.full(mosaic.shape, "", dtype=object)
    for i in range(n):
        r, c = divmod(i, columns)
        mosaic[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = np.asarray(X[i]).reshape(h, w)
        label_of[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = str(labels[i])
    fig = Draft(
        heatmap(
            z=mosaic, zmin=0.0, zmax=1.0, colorscale="Greys", showscale=False, customdata=label_of,
            hovertemplate="label %{customdata}<br>pixel %{z:.2f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor="x", showgrid=False, zeroline=False)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    return layout(fig, title, height=70 + 48 * rows)
