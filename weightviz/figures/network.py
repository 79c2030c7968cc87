"""The network as a graph: edges coloured by the weight's sign and sized by its magnitude, biases on nodes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..summaries import displayed_units
from .style import CLASS_COLORS, DIVERGING, layout, symmetric_range

WIDTH_LEVELS = 5  # edges are drawn in this many widths per sign (one trace each)
POSITIVE, NEGATIVE = CLASS_COLORS[0], "#d62728"


def network_graph(weights, biases, input_names=None, output_names=None, max_units=12, edge_hover=True):
    """Nodes per layer (inputs left, outputs right); edge i→j coloured blue (w > 0) or red (w < 0), width ∝ |w|.

    Node colour is its bias. Layers wider than ``max_units`` show an even spread of their units
    and the title says how many. ``edge_hover`` adds an invisible marker per edge whose hover gives
    the weight (leave it out for a static picture: it is most of the figure's points).
    """
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    shown = [displayed_units(n, max_units) for n in sizes]
    pos = [{u: (layer, _y(i, len(units))) for i, u in enumerate(units)} for layer, units in enumerate(shown)]
    w_max = max(float(np.abs(W).max()) if W.size else 0.0 for W in weights) or 1.0
    segments = {}  # (sign, level) -> xs, ys
    hover_x, hover_y, hover_text = [], [], []
    for l, W in enumerate(weights):
        for i in shown[l]:
            for j in shown[l + 1]:
                w = W[i, j]
                level = min(WIDTH_LEVELS - 1, int(abs(w) / w_max * WIDTH_LEVELS))
                xs, ys = segments.setdefault((w >= 0, level), ([], []))
                (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
                hover_x.append(0.5 * (x0 + x1))
                hover_y.append(0.5 * (y0 + y1))
                hover_text.append(f"W{l + 1}[{i}, {j}] = {w:.4g}")
    fig = go.Figure()
    for (positive, level), (xs, ys) in sorted(segments.items()):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line={"color": POSITIVE if positive else NEGATIVE, "width": 0.5 + 1.5 * level},
                opacity=0.35 + 0.13 * level,
            )
        )
    if edge_hover:
        fig.add_trace(
            go.Scatter(
                x=hover_x,
                y=hover_y,
                mode="markers",
                marker={"size": 6, "opacity": 0},
                hovertext=hover_text,
                hoverinfo="text",
                showlegend=False,
            )
        )
    node_x, node_y, node_color, node_text = [], [], [], []
    for layer, units in enumerate(shown):
        for u in units:
            x, y = pos[layer][u]
            node_x.append(x)
            node_y.append(y)
            b = float(biases[layer - 1][u]) if layer > 0 else 0.0
            node_color.append(b)
            node_text.append(
                _node_label(layer, u, len(sizes), input_names, output_names)
                + (f"<br>bias {b:.4g}" if layer > 0 else "")
            )
    cmin, cmax = symmetric_range(np.array(node_color))
    fig.add_trace(
        go.Scatter(
            x=node_x,
            y=node_y,
            mode="markers",
            hovertext=node_text,
            hoverinfo="text",
            showlegend=False,
            marker={
                "size": 16,
                "color": node_color,
                "colorscale": DIVERGING,
                "cmin": cmin,
                "cmax": cmax,
                "line": {"width": 1, "color": "#444"},
                "colorbar": {"title": "bias", "thickness": 10},
            },
        )
    )
    fig.update_xaxes(visible=False, range=[-0.4, len(sizes) - 0.6])
    fig.update_yaxes(visible=False, range=[-0.08, 1.08])
    cut = [f"layer {k}: {len(s)} of {n}" for k, (s, n) in enumerate(zip(shown, sizes, strict=True)) if len(s) < n]
    title = "Network: blue w > 0, red w < 0, width ∝ |w|"
    if cut:
        title += "<br><sup>showing " + ", ".join(cut) + " units</sup>"
    for layer, n in enumerate(sizes):
        name = "input" if layer == 0 else "output" if layer == len(sizes) - 1 else f"hidden {layer}"
        fig.add_annotation(x=layer, y=1.06, text=f"{name} ({n})", showarrow=False, font={"size": 11})
    return layout(fig, title, height=380)


def _y(i, n):
    return 0.5 if n == 1 else i / (n - 1)


def _node_label(layer, unit, n_layers, input_names, output_names):
    if layer == 0:
        return input_names[unit] if input_names and unit < len(input_names) else f"input {unit}"
    if layer == n_layers - 1:
        return f"output {output_names[unit]}" if output_names and unit < len(output_names) else f"output {unit}"
    return f"hidden {layer}, unit {unit}"
