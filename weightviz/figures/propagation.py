"""Comparing runs layer by layer: per-layer profiles of what flows through each network (one line per
run), the distribution of every layer's activations or gradients as one picture, and losses overlaid."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..propagation import SATURATION, SQUASHING
from .draft import Draft, heatmap, scatter
from .style import CLASS_COLORS, label, layout, log_axis, note_if_no_steps, thin

RUN_COLORS = CLASS_COLORS


def layer_profile(profiles, title, y_title, log=False, predicted=None, percent=False, reference=None):
    """One line per run over hidden layers 1…L: ``profiles`` is {run name: [value per layer]};
    ``predicted`` ({run name: [value per layer]}) adds each run's dashed line (e.g. a formula's std).
    ``log`` draws a log y axis (values ≤ 0 left out); ``percent`` reads values as shares (0–1);
    ``reference`` = (value, label) draws a grey dashed line at that value (a rule of thumb)."""
    fig = Draft()
    drawn = []
    for i, (name, values) in enumerate(profiles.items()):
        values = np.asarray(values, dtype=float)
        layers = np.arange(1, len(values) + 1)
        color = RUN_COLORS[i % len(RUN_COLORS)]
        keep = np.isfinite(values) & ((values > 0) if log else True)
        y = values[keep] * (100 if percent else 1)
        drawn.append(y)
        fig.add_trace(
            scatter(
                x=layers[keep], y=y, mode="lines+markers", name=label(name), line={"color": color}, legendgroup=name
            )
        )
        if predicted and name in predicted:
            p = np.asarray(predicted[name], dtype=float)
            fig.add_trace(
                scatter(
                    x=layers, y=p, mode="lines", name=f"{label(name)} (formula)", showlegend=False,
                    legendgroup=name, line={"color": color, "dash": "dash", "width": 1},
                )
            )  # fmt: skip
    if reference is not None:
        fig.add_hline(y=reference[0], line={"dash": "dash", "color": "grey"}, annotation_text=reference[1])
        drawn.append(np.array([reference[0]]))
    fig.update_xaxes(title="hidden layer", dtick=1)
    y_axis = {"title": y_title + (" (%)" if percent else "")}
    if log and any(d.size for d in drawn):
        y_axis |= log_axis(np.concatenate(drawn))
    fig.update_yaxes(**y_axis)
    return layout(fig, title, height=300)


def activation_shape(name, reach=4.0):
    """The activation ``name`` and its derivative over z in [−reach, reach], with the stretches where a unit
    stops passing gradient shaded: the flat ends of tanh and sigmoid (outputs beyond the saturation mark,
    derivative under 6 %) or the zero side of ReLU (a unit that stays there is dead)."""
    z = np.linspace(-reach, reach, 401)
    forward, derivative = activations.get(name)
    a = forward(z)
    fig = Draft(
        scatter(x=z, y=a, mode="lines", name=f"{name}(z)", line={"color": RUN_COLORS[0]}),
        scatter(x=z, y=derivative(z, a), mode="lines", name="its slope", line={"color": RUN_COLORS[1], "dash": "dot"}),
    )
    kind = SQUASHING.get(name)
    if kind is not None:
        low, high = (-SATURATION, SATURATION) if kind == "symmetric" else (1 - SATURATION, SATURATION)
        flat = (a < low) | (a > high)
        shaded, why = [(z[0], z[~flat][0]), (z[~flat][-1], z[-1])], "saturated"
    elif name == "relu":
        shaded, why = [(z[0], 0.0)], "zero: no gradient"
    else:
        shaded, why = [], ""
    for x0, x1 in shaded:
        fig.add_shape(
            type="rect", x0=x0, x1=x1, y0=0, y1=1, yref="paper", fillcolor="grey", opacity=0.18, line={"width": 0}
        )
    if shaded:
        fig.add_annotation(x=shaded[0][0], y=1, yref="paper", text=why, showarrow=False, xanchor="left", yanchor="top")
    fig.update_xaxes(title="input z", range=[-reach, reach])
    return layout(fig, f"{name}: output and slope", height=220)


def _distribution_heatmap(arrays, bins, **props):
    """The heatmap trace of :func:`layer_distributions` (``props``: its axes, colour bar, hover name)."""
    finite = [np.asarray(a, dtype=float)[np.isfinite(a)] for a in arrays]
    top = max((np.abs(a).max() for a in finite if a.size), default=1.0) or 1.0
    edges = np.linspace(-top, top, bins + 1)
    shares = np.array([_bin_shares(a, top, bins) for a in finite])
    with np.errstate(divide="ignore"):
        z = np.where(shares > 0, np.log10(np.maximum(shares, 1e-12)), np.nan)
    return heatmap(
        x=0.5 * (edges[:-1] + edges[1:]), y=np.arange(1, len(arrays) + 1), z=z.astype(np.float32), zmin=-4, zmax=0,
        colorscale="Viridis", customdata=(100 * shares).astype(np.float32), **props,
    )  # fmt: skip


SHARE_BAR = {
    "thickness": 8, "tickvals": [-4, -2, 0], "ticktext": ["0.01 %", "1 %", "100 %"],
    "title": {"text": "share", "side": "right"},
}  # fmt: skip
DISTRIBUTION_HOVER = "layer %{y}, value %{x:.3g}: %{customdata:.2g} % of its values"


def layer_distributions(arrays, title, bins=41):
    """Each layer's values (a list of arrays, one per hidden layer) as a row of a heatmap: x the value,
    colour the share of the layer's values in that bin (log scale). One range for all layers, symmetric
    around zero, so a layer whose values shrink shows as a thin line at 0 and one that saturates as two
    bright ends."""
    fig = Draft(
        _distribution_heatmap(arrays, bins, colorbar=SHARE_BAR, hovertemplate=DISTRIBUTION_HOVER + "<extra></extra>")
    )
    fig.update_yaxes(title="hidden layer", autorange="reversed", dtick=1)
    fig.update_xaxes(title="value", exponentformat="power", nticks=5)
    return layout(fig, title, height=300)


def layer_distributions_side_by_side(runs, title=None, bins=41, gap=0.07):
    """:func:`layer_distributions` for several runs in one figure ({run name: list of arrays}), a panel per run
    with its own value range, the layers shared down the side and one colour bar: one chart for the browser
    to redraw instead of one per run."""
    k = len(runs)
    width = (1 - gap * (k - 1)) / k
    fig = Draft()
    for i, (name, arrays) in enumerate(runs.items()):
        suffix = "" if i == 0 else str(i + 1)
        fig.add_trace(
            _distribution_heatmap(
                arrays, bins, xaxis=f"x{suffix}", yaxis="y", showscale=i == k - 1, colorbar=SHARE_BAR,
                hovertemplate=DISTRIBUTION_HOVER + f"<extra>{label(name)}</extra>",
            )
        )  # fmt: skip
        left = i * (width + gap)
        domain = [float(np.clip(round(v, 9), 0, 1)) for v in (left, left + width)]
        fig.update_layout(
            **{f"xaxis{suffix}": {"domain": domain, "anchor": "y", "title": {"text": label(name), "font": {"size": 11}},
                                  "exponentformat": "power", "nticks": 4}}
        )  # fmt: skip
    fig.update_yaxes(title="hidden layer", autorange="reversed", dtick=1)
    return layout(fig, title, height=280, bottom=40)


def _bin_shares(a, top, bins):
    """The share of ``a`` in each of ``bins`` equal bins over [−top, top] (the top edge in the last bin), as
    ``np.histogram`` counts them but in one pass (``np.bincount``: ~5× faster on the 65 536 values of a
    256-unit layer over 256 rows)."""
    if not a.size:
        return np.zeros(bins)
    index = ((a + top) * (bins / (2 * top))).astype(np.intp)
    np.clip(index, 0, bins - 1, out=index)
    return np.bincount(index.ravel(), minlength=bins) / a.size


def loss_overlay(histories):
    """The train loss of each run ({run name: history}) over steps, one colour per run; log y axis."""
    fig = Draft()
    drawn = []
    steps_seen = np.zeros(0)
    for i, (name, history) in enumerate(histories.items()):
        steps, values = thin(*history.eval_column("train_loss"))
        keep = np.isfinite(values) & (values > 0)
        drawn.append(values[keep])
        steps_seen = np.concatenate([steps_seen, steps])
        color = RUN_COLORS[i % len(RUN_COLORS)]
        fig.add_trace(scatter(x=steps[keep], y=values[keep], mode="lines", name=label(name), line={"color": color}))
    note_if_no_steps(fig, steps_seen)
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="train loss", **log_axis(np.concatenate(drawn) if drawn else []))
    return layout(fig, "Train loss of each run", height=300)
