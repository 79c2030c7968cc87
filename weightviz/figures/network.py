"""The network as a graph: edges coloured by the weight's sign and sized by its magnitude, biases on nodes."""

from __future__ import annotations

import numpy as np

from ..formatting import number
from ..summaries import displayed_units
from .draft import Draft, scatter
from .style import CHART_WIDTH, CLASS_COLORS, DIVERGING, layout, scale_format, symmetric_range, text_width, wrap
from .style import labels as plain_labels

WIDTH_LEVELS = 5  # edges are drawn in this many widths per sign (one trace each)
POSITIVE, NEGATIVE, UNDEFINED = CLASS_COLORS[0], "#d62728", "#7f7f7f"
EDGE_COLORS = {1: POSITIVE, 0: NEGATIVE, -1: UNDEFINED}  # w ≥ 0, w < 0, NaN


def network_graph(
    weights, biases, input_names=None, output_names=None, max_units=12, edge_hover=True, width=CHART_WIDTH
):
    """Nodes per layer (inputs left, outputs right, unit 1 at the top of each, as row 1 of the weight heatmap);
    edge i→j coloured blue (w > 0) or red (w < 0), width ∝ |w|; NaN edges grey.

    Node colour is its bias. Layers wider than ``max_units`` show an even spread of their units
    and the subtitle says how many. Units are numbered from 1 and weight layers too (W1 joins the
    inputs to hidden 1), as on the page. ``edge_hover`` adds an invisible marker per edge whose
    hover gives the weight (leave it out for a static picture: it is most of the figure's points).
    Widths and colours follow a robust scale, so one huge weight does not make all others vanish.
    Each layer's header is its name over its size ("hidden 1" / "(8)"), shortened to "h1" when the names
    would touch in a chart ``width`` pixels wide; the bias colourbar lies below the graph, which keeps
    the chart's whole width.
    """
    input_names, output_names = plain_labels(input_names), plain_labels(output_names)
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    names = [_layer_name(layer, len(sizes)) for layer in range(len(sizes))]
    shown = [displayed_units(n, max_units) for n in sizes]
    pos = [{u: (layer, _y(i, len(units))) for i, u in enumerate(units)} for layer, units in enumerate(shown)]
    labels = [
        _unit_labels(layer, n, units, names, input_names, output_names)
        for layer, (n, units) in enumerate(zip(sizes, shown, strict=True))
    ]
    edge_weights = [np.asarray(W, dtype=float)[np.ix_(shown[l], shown[l + 1])] for l, W in enumerate(weights)]
    w_max = symmetric_range(np.concatenate([W.ravel() for W in edge_weights]))[1]
    segments = {}  # (kind, level) -> xs, ys; kind 1: w ≥ 0, 0: w < 0, -1: NaN
    hover_x, hover_y, hover_text = [], [], []
    for l, W in enumerate(edge_weights):
        with np.errstate(invalid="ignore"):
            levels = np.minimum(WIDTH_LEVELS - 1, np.nan_to_num(np.abs(W) / w_max * WIDTH_LEVELS)).astype(int)
            kinds = np.where(np.isnan(W), -1, (W >= 0).astype(int))
        for a, i in enumerate(shown[l]):
            for c, j in enumerate(shown[l + 1]):
                xs, ys = segments.setdefault((int(kinds[a, c]), int(levels[a, c])), ([], []))
                (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
                hover_x.append(0.5 * (x0 + x1))
                hover_y.append(0.5 * (y0 + y1))
                hover_text.append(f"W{l + 1}: {labels[l][i]} → {labels[l + 1][j]}<br>w = {number(W[a, c])}")
    fig = Draft()
    for (kind, level), (xs, ys) in sorted(segments.items()):
        fig.add_trace(
            scatter(
                x=xs,
                y=ys,
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line={"color": EDGE_COLORS[kind], "width": 0.5 + 1.5 * level},
                opacity=0.35 + 0.13 * level,
            )
        )
    if edge_hover:
        fig.add_trace(
            scatter(
                x=hover_x,
                y=hover_y,
                mode="markers",
                marker={"size": 6, "opacity": 0},
                hovertext=hover_text,
                hoverinfo="text",
                showlegend=False,
            )
        )
    node_x, node_y, node_bias, node_text = [], [], [], []
    for layer, units in enumerate(shown):
        for u in units:
            x, y = pos[layer][u]
            node_x.append(x)
            node_y.append(y)
            b = float(biases[layer - 1][u]) if layer > 0 else 0.0
            node_bias.append(b)
            node_text.append(labels[layer][u] + (f"<br>bias {number(b)}" if layer > 0 else ""))
    cmin, cmax = symmetric_range(np.array(node_bias))
    ticks, _ = scale_format(cmax)
    fig.add_trace(
        scatter(
            x=node_x,
            y=node_y,
            mode="markers",
            hovertext=node_text,
            hoverinfo="text",
            showlegend=False,
            marker={
                # huge biases saturate; NaN ones are drawn at zero (white) and say NaN in the hover
                "size": 16,
                "color": np.nan_to_num(np.clip(node_bias, cmin, cmax)),
                "colorscale": DIVERGING,
                "cmin": cmin,
                "cmax": cmax,
                "line": {"width": 1, "color": "#444"},
                "colorbar": {
                    "title": {"text": "bias", "side": "right"},
                    "orientation": "h",
                    "thickness": 8,
                    "len": 0.7,
                    "x": 0.5,
                    "xanchor": "center",
                    "y": 0,
                    "yanchor": "top",
                    "ypad": 4,
                    "nticks": 5,
                    **ticks,
                },
            },
        )
    )
    fig.update_xaxes(visible=False, range=[-0.4, len(sizes) - 0.6])
    fig.update_yaxes(visible=False, range=[-0.06, 1.2])
    cut = [_cut_note(name, len(s), n) for name, s, n in zip(names, shown, sizes, strict=True) if len(s) < n]
    title = "Network: blue +w, red −w, width ∝ |w|"
    if cut:
        title += "<br><sup>" + wrap(["showing " + cut[0], *cut[1:]]) + "</sup>"
    headers = _headers(names, (width - 20) / (len(sizes) - 0.2))
    for layer, n in enumerate(sizes):
        fig.add_annotation(
            x=layer, y=1.04, yanchor="bottom", text=f"{headers[layer]}<br>({n})", showarrow=False, font={"size": 11}
        )
    return layout(fig, title, height=380, bottom=40)


def _headers(names, spacing):
    """Layer names for the headers, or "in", "h1", "out" when the full ones would not stand apart at
    ``spacing`` pixels from one layer to the next."""
    if all(text_width(name) + 8 <= spacing for name in names):
        return names
    return ["in" if name == "input" else "out" if name == "output" else name.replace("hidden ", "h") for name in names]


def _cut_note(name, shown, n):
    """How many units of a layer are drawn: 12 of 64 inputs, 12 of 100 in hidden 1, 12 of 20 outputs."""
    return f"{shown} of {n} {name}s" if name in ("input", "output") else f"{shown} of {n} in {name}"


def _y(i, n):
    """Height of the i-th of n nodes: the first at the top, as row 1 of a heatmap and the first bar."""
    return 0.5 if n == 1 else 1 - i / (n - 1)


def _layer_name(layer, n_layers):
    return "input" if layer == 0 else "output" if layer == n_layers - 1 else f"hidden {layer}"


def _unit_labels(layer, n, units, names, input_names, output_names):
    """{unit: name} for the drawn ``units`` of a layer of n, numbered from 1: "x1" (a feature) or "input 3",
    "hidden 2 unit 5", "output setosa", "output P(1)" (binary: the one output is P(second class))."""
    if layer == 0:
        named = input_names is not None and len(input_names) == n
        return {u: str(input_names[u]) if named else f"input {u + 1}" for u in units}
    if layer == len(names) - 1 and output_names is not None:
        if len(output_names) == n:
            return {u: f"output {output_names[u]}" for u in units}
        if n == 1 and len(output_names) == 2:
            return {0: f"output P({output_names[1]})"}
    return {u: f"{names[layer]} unit {u + 1}" for u in units}
