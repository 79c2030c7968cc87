"""Transfer learning, run beside run: how far each layer moved from where it started."""

from __future__ import annotations

import numpy as np

from .draft import Draft, bar
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
