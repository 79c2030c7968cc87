"""Matrices: weight and gradient heatmaps, histograms now vs at initialisation, unit images, linear weights."""

from __future__ import annotations

import math

import numpy as np

from ..formatting import brief, number
from ..summaries import pool_matrix, shared_histograms
from .draft import Draft, bar, heatmap, scatter
from .style import (
    CHART_WIDTH,
    CLASS_COLORS,
    DIVERGING,
    INIT_COLOR,
    MAGNITUDE,
    NAN_COLOR,
    TEST_COLOR,
    TITLE_SIZE,
    TRAIN_COLOR,
    fits,
    layout,
    scale_format,
    symmetric_range,
    text_width,
)
from .style import labels as plain_labels

MAX_HEATMAP_SIDE = 64  # cells per side drawn; larger matrices are mean-pooled
MAX_SIDE = MAX_HEATMAP_SIDE  # the older name
MAX_LABELS = 30  # up to this many rows show their names as tick text


def is_pooled(M, max_side=MAX_HEATMAP_SIDE):
    """Whether ``matrix_heatmap`` draws M mean-pooled: a side longer than ``max_side`` (the page says so)."""
    return max(np.shape(M)) > max_side


def matrix_heatmap(
    M,
    title,
    row_name="input",
    col_name="unit",
    row_labels=None,
    max_side=MAX_HEATMAP_SIDE,
    width=CHART_WIDTH,
    hover=True,
    magnitude=False,
    zmax=None,
):
    """A weight (or gradient) matrix (fan_in, fan_out) on a diverging scale centred on zero (``magnitude``:
    a matrix of sizes ≥ 0, such as |W − W₀|, on a sequential scale from 0, white to dark). ``zmax`` sets
    where the colours end (charts drawn side by side share one scale); by default the matrix's own range.

    Rows are the inputs of the layer, columns its units, both numbered from 1 (as "unit 1" on the
    page and in the network graph); up to ``MAX_LABELS`` rows show ``row_labels`` (feature names) as
    tick text. Hover gives row, column and the value. Matrices larger than ``max_side`` per side are
    mean-pooled and the title says so (the subtitle, when the title would not fit). Huge values (a
    diverging run) saturate the colour scale, which then reads 5k, 2M or 1×10¹⁵⁴; NaN cells are black
    and counted in the title. Tick labels are spaced for a chart ``width`` pixels wide: every column
    while they fit, else every 2nd, 5th, 10th…; long row names are shortened on the axis (the hover
    has them whole). ``hover=False`` leaves out the hover text and its per-cell data (for a static
    picture while playing: on a pooled 64×64 matrix that is ~140 kB of the ~145 kB the figure sends).
    """
    M = np.asarray(M, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):  # inf − inf in a block mean is NaN
        pooled, (fr, fc) = pool_matrix(M, max_side)
    zmin, own_zmax = symmetric_range(pooled)
    zmax = own_zmax if zmax is None or not zmax > 0 else float(zmax)
    zmin = 0.0 if magnitude else -zmax
    rows, cols = pooled.shape
    notes = []  # subtitle lines
    labels = plain_labels(row_labels) if row_labels is not None and len(row_labels) == M.shape[0] else None
    if (fr, fc) != (1, 1):
        pooled_note = f"{M.shape[0]}×{M.shape[1]} shown as {rows}×{cols}"
        if fits(f"{title} — mean of {fr}×{fc} blocks", TITLE_SIZE, bold=True):
            title = f"{title} — mean of {fr}×{fc} blocks"
        else:
            pooled_note += f", means of {fr}×{fc} blocks"
        notes.append(pooled_note)
    ys, row_text = _side(M.shape[0], fr, labels)
    xs, col_text = _side(M.shape[1], fc)
    height = min(420, 160 + 14 * rows)
    tick_names = None
    if labels is not None and fr == 1 and rows <= MAX_LABELS:
        tick_names = [_shortened(str(name)) for name in row_labels]
    # the plot's width: the chart less margins, the y axis (title, tick labels) and the colourbar
    y_ticks = max((text_width(t, 12) for t in tick_names), default=0) if tick_names else text_width(str(rows), 12)
    plot_width = width - 20 - (22 + y_ticks + 6) - (10 + 6 + 40)
    # a colourbar as short as a plot of a few rows (under ~120 px) holds three labels: −v, 0, v (v: zmax to
    # one digit); plotly's own choice puts five there, on top of each other
    end_ticks = [0.0, _end_ticks(zmax)[-1]] if magnitude else _end_ticks(zmax)
    short_bar = {"tickmode": "array", "tickvals": end_ticks} if height - 125 < 120 else {}
    customdata, hover_row, hover_col = [], "%{y}", "%{x}"
    if not hover:
        row_text = col_text = None
    if row_text is not None:
        customdata.append(np.repeat(row_text[:, None], cols, axis=1))
        hover_row = "%{customdata[0]}"
    if col_text is not None:
        customdata.append(np.repeat(col_text[None, :], rows, axis=0))
        hover_col = f"%{{customdata[{len(customdata) - 1}]}}"
    ticks, value_format = scale_format(zmax)
    finite = np.isfinite(pooled)
    if finite.all() or not hover:
        value = f"%{{z:{value_format}}}"
    else:  # the hover says NaN or ∞ where the cell has a stand-in value
        customdata.append(np.vectorize(lambda v: number(v, 4), otypes=[object])(pooled))
        value = f"%{{customdata[{len(customdata) - 1}]}}"
    big = np.abs(pooled[finite]).max(initial=0.0)
    # float32 halves the payload; values beyond its range go as float64 (colours clamp at ±zmax anyway)
    z = np.where(np.isinf(pooled), np.sign(pooled) * max(big, zmax), pooled).astype(np.float32 if big < 3e38 else float)
    fig = Draft(
        heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=zmin,
            zmax=zmax,
            zmid=None if magnitude else 0,
            colorscale=MAGNITUDE if magnitude else DIVERGING,
            customdata=np.dstack(customdata) if customdata else None,
            hovertemplate=(
                f"{row_name} {hover_row} → {col_name} {hover_col}<br>{value}<extra></extra>" if hover else None
            ),
            hoverinfo=None if hover else "skip",
            colorbar={"thickness": 10, "xpad": 6, **ticks, **short_bar},
        )
    )
    odd = []
    if big > zmax:
        notes.append(f"colours stop at {'' if magnitude else '±'}{brief(zmax)}; largest {brief(big)}")
    n_inf, n_nan = int(np.isinf(M).sum()), int(np.isnan(M).sum())
    if n_inf:
        odd.append(f"{n_inf:,} infinite (saturated)")
    if n_nan and np.isnan(pooled).any():
        odd.append(f"{n_nan:,} NaN (black)")
        fig.update_layout(plot_bgcolor=NAN_COLOR)  # NaN cells are gaps: the background shows through
    elif n_nan:
        odd.append(f"{n_nan:,} NaN (left out of the block means)")
    if odd:
        notes.append(", ".join(odd))
    if notes:
        title += "<br><sup>" + "<br>".join(notes) + "</sup>"
    plain = {"showgrid": False, "zeroline": False}  # grid lines would cross the (black) NaN cells
    y_axis = {"autorange": "reversed", "title": row_name, **plain, **_index_ticks(rows, tick_names)}
    x_axis = {"title": col_name, **plain, **_index_ticks(cols, pixels=plot_width)}
    return layout(fig, title, height=height, xaxis=x_axis, yaxis=y_axis)


def _shortened(name, most=18):
    """A name for a tick label: at most ``most`` characters, cut with an ellipsis (before escaping, so an
    entity is never cut in half)."""
    return plain_labels([name if len(name) <= most else name[: most - 1] + "…"])[0]


def _end_ticks(m):
    """−v, 0, v with v the largest one-digit multiple of a power of ten not above ``m`` (0.93 → 0.9)."""
    exponent = math.floor(math.log10(m))
    digit = min(9, max(1, math.floor(m / 10.0**exponent * (1 + 1e-9))))  # 0.3 / 0.1 is 2.9999…
    v = float(f"{digit}e{exponent}")
    return [-v, 0.0, v]


def _side(n, size, labels=None):
    """Cell centres along a side of n rows pooled in blocks of ``size`` (1-based index units) and their hover
    text: ``"1–4"`` per block, ``"3 (age)"`` with labels, or None when the plain number says it all."""
    starts = np.arange(0, n, size)
    ends = np.minimum(starts + size, n)  # exclusive and 0-based = inclusive and 1-based
    if size > 1:
        text = [f"{a + 1}–{b}" for a, b in zip(starts, ends, strict=True)]
    elif labels is not None:
        text = [f"{i + 1} ({name})" for i, name in enumerate(labels)]
    else:
        return starts + 1, None
    return (starts + 1 + ends) / 2, np.array(text, dtype=object)


def _index_ticks(n, labels=None, pixels=None):
    """Whole-number ticks on a heatmap side of n cells numbered from 1; names as tick text when few enough.

    Along ``pixels`` (the side's length on screen, when known), up to 12 cells are labelled 1, 2, 3…
    while the labels fit side by side, else every 2nd, 5th, 10th… (plotly's own choice over 12).
    """
    if labels is not None and n <= MAX_LABELS:
        return {"tickmode": "array", "tickvals": list(range(1, n + 1)), "ticktext": [str(s) for s in labels]}
    if n <= 12:
        return {"tickmode": "linear", "tick0": 1, "dtick": _index_step(n, pixels)}
    return {"tickformat": "d"}


def _index_step(n, pixels):
    """The smallest step of 1, 2, 5, 10, … whose labels (numbers up to n, 12 px) stand apart along ``pixels``."""
    if pixels is None:
        return 1
    room = text_width(str(n), 12) + 6  # a label and a gap
    for step in (1, 2, 5, 10):
        if pixels / n * step >= room:
            return step
    return 10


def histogram_now_vs_init(now, initial, title, now_label="now", initial_label="at initialisation", bins=30):
    """Two histograms over the same bins: the values now (coloured) and at the start (grey).

    Non-finite values are left out and counted in the title.
    """
    now, initial = (np.asarray(a, dtype=float).ravel() for a in (now, initial))
    left_out = int((~np.isfinite(now)).sum() + (~np.isfinite(initial)).sum())
    # finite values only, within ±1e307 so the span of the bins cannot overflow
    now, initial = (np.clip(a[np.isfinite(a)], -1e307, 1e307) for a in (now, initial))
    (c_init, c_now), edges = shared_histograms([initial, now], bins)
    centres, width = 0.5 * (edges[:-1] + edges[1:]), edges[1] - edges[0]
    ticks, value_format = scale_format(max(abs(edges[0]), abs(edges[-1])))
    fig = Draft()
    hover = f"%{{x:{value_format}}}: %{{y}}<extra>%{{fullData.name}}</extra>"
    fig.add_trace(
        bar(x=centres, y=c_init, width=width, name=initial_label, marker_color=INIT_COLOR, hovertemplate=hover)
    )
    fig.add_trace(
        bar(
            x=centres,
            y=c_now,
            width=width,
            name=now_label,
            marker_color=TRAIN_COLOR,
            opacity=0.7,
            hovertemplate=hover,
        )
    )
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_xaxes(**ticks)
    if left_out:
        title += f"<br><sup>{left_out:,} non-finite values left out</sup>"
    return layout(fig, title, xaxis_title="value", yaxis_title="count")


def unit_images(W, image_shape, max_units=32, columns=8, title="What each first-layer unit looks for", zmax=None):
    """Each unit's incoming weights drawn as an image (digits: 8×8), tiled into one heatmap.

    Blue pixels push the unit's input up, red pixels push it down; one shared symmetric scale, ±``zmax`` when
    given (images drawn side by side then share it).
    """
    h, w = image_shape
    units = min(W.shape[1], max_units)
    rows = int(np.ceil(units / columns))
    mosaic = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    unit_of = np.full(mosaic.shape, -1)
    for u in range(units):
        r, c = divmod(u, columns)
        mosaic[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = W[:, u].reshape(h, w)
        unit_of[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = u
    zmin, own = symmetric_range(W[:, :units])
    zmax = own if zmax is None or not zmax > 0 else float(zmax)
    zmin = -zmax
    ticks, value_format = scale_format(zmax)
    non_finite = int((~np.isfinite(W[:, :units])).sum())
    with np.errstate(invalid="ignore"):  # ±inf drawn at the ends of the scale, NaN left blank
        mosaic = np.where(np.isinf(mosaic), np.sign(mosaic) * zmax, mosaic)
    fig = Draft(
        heatmap(
            z=mosaic,
            zmin=zmin,
            zmax=zmax,
            zmid=0,
            colorscale=DIVERGING,
            customdata=np.where(unit_of >= 0, unit_of + 1, 0),
            hovertemplate=f"unit %{{customdata}}<br>%{{z:{value_format}}}<extra></extra>",
            colorbar={"thickness": 12, **ticks},
        )
    )
    fig.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor="x")
    fig.update_xaxes(showticklabels=False)
    if units < W.shape[1]:
        note = f"first {units} of {W.shape[1]} units"
        inline = f"{title} ({note})"
        title = inline if fits(inline, TITLE_SIZE, bold=True) else f"{title}<br><sup>{note}</sup>"
    if non_finite:
        title += f"<br><sup>{non_finite:,} non-finite weights: ±∞ at the ends of the scale, NaN blank</sup>"
    return layout(fig, title, height=120 + 70 * rows)


def linear_weights(W, b, feature_names, class_names=None, title="Weights by feature"):
    """A linear model's weights with their feature names: bars for one output, grouped bars per class.

    Features run down from the first, as the heatmap's rows and the network graph's inputs do.
    """
    W = np.asarray(W, dtype=float)
    feature_names, class_names = plain_labels(feature_names), plain_labels(class_names)
    non_finite = int((~np.isfinite(W)).sum())
    W = np.where(np.isfinite(W), W, np.nan)  # an infinite bar would leave the axis without a range
    fig = Draft()
    if W.shape[1] == 1:
        colors = [TRAIN_COLOR if v >= 0 else TEST_COLOR for v in W[:, 0]]
        fig.add_trace(
            bar(
                x=W[:, 0],
                y=list(feature_names),
                orientation="h",
                marker_color=colors,
                hovertemplate="%{y}: %{x:.4~g}<extra></extra>",
                name="w",
            )
        )
        title += f"  (bias b = {number(b[0])})"
    else:
        names = class_names if class_names and len(class_names) == W.shape[1] else [str(k) for k in range(W.shape[1])]
        for k in range(W.shape[1]):
            fig.add_trace(
                bar(
                    x=W[:, k],
                    y=list(feature_names),
                    orientation="h",
                    name=f"class {names[k]}",
                    marker_color=CLASS_COLORS[k % len(CLASS_COLORS)],
                )
            )
        fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(**scale_format(np.nanmax(np.abs(W), initial=0.0))[0])
    if non_finite:
        title += f"<br><sup>{non_finite:,} non-finite weights not drawn</sup>"
    return layout(
        fig, title, height=min(700, 140 + 22 * len(feature_names) * max(1, W.shape[1] // 2)), xaxis_title="weight"
    )


def histogram_against_references(W, title, bins=60):
    """The weights of W (fan_in, fan_out) as a density, against the normal densities a fresh layer of this
    shape would have: He, N(0, 2/fan_in), and Glorot, N(0, 2/(fan_in + fan_out)). Non-finite values left out."""
    W = np.asarray(W, dtype=float)
    fan_in, fan_out = W.shape
    values = W[np.isfinite(W)].ravel()
    (counts,), edges = shared_histograms([values], bins)
    width = edges[1] - edges[0]
    density = counts / max(values.size * width, 1e-300)
    centres = 0.5 * (edges[:-1] + edges[1:])
    ticks, value_format = scale_format(max(abs(edges[0]), abs(edges[-1])))
    fig = Draft(
        bar(x=centres, y=density, width=width, name="these weights", marker_color=TRAIN_COLOR, opacity=0.75,
            hovertemplate=f"%{{x:{value_format}}}: density %{{y:.3g}}<extra></extra>")
    )  # fmt: skip
    reach = max(abs(edges[0]), abs(edges[-1]))
    x = np.linspace(-reach, reach, 201)
    for (name, variance), color in zip(
        (("He N(0, 2/fan_in)", 2 / fan_in), ("Glorot N(0, 2/(fan_in + fan_out))", 2 / (fan_in + fan_out))),
        (TEST_COLOR, INIT_COLOR.replace("0.45", "0.9")),
        strict=True,
    ):
        pdf = np.exp(-(x**2) / (2 * variance)) / np.sqrt(2 * np.pi * variance)
        fig.add_trace(scatter(x=x, y=pdf, mode="lines", name=name, line={"color": color, "width": 2}, hoverinfo="skip"))
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_xaxes(**ticks)
    fig.update_yaxes(range=[0, 1.3 * float(density.max(initial=0.0)) or 1.0])  # the data, not a reference's spike
    std = float(values.std()) if values.size else float("nan")
    note = f"σ = {std:.3g}; He's {np.sqrt(2 / fan_in):.3g}, Glorot's {np.sqrt(2 / (fan_in + fan_out)):.3g}"
    return layout(fig, f"{title}<br><sup>{note}</sup>", xaxis_title="value", yaxis_title="density")
