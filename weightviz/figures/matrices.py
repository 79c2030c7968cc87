"""Matrices: weight and gradient heatmaps, histograms now vs at initialisation, unit images, linear weights."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..summaries import pool_matrix, shared_histograms
from .style import CLASS_COLORS, DIVERGING, INIT_COLOR, TEST_COLOR, TRAIN_COLOR, layout, symmetric_range

MAX_SIDE = 64  # cells per side drawn; larger matrices are mean-pooled


def matrix_heatmap(M, title, row_name="input", col_name="unit", row_labels=None, max_side=MAX_SIDE):
    """A weight (or gradient) matrix (fan_in, fan_out) on a diverging scale centred on zero.

    Rows are the inputs of the layer, columns its units; hover gives both indices and the value.
    Matrices larger than ``max_side`` per side are mean-pooled and the title says so.
    """
    M = np.asarray(M, dtype=float)
    pooled, (fr, fc) = pool_matrix(M, max_side)
    zmin, zmax = symmetric_range(pooled)
    rows, cols = pooled.shape
    if (fr, fc) == (1, 1):
        labels = row_labels if row_labels is not None and len(row_labels) == rows else [str(i) for i in range(rows)]
        hover_rows = np.repeat(np.array(labels, dtype=object)[:, None], cols, axis=1)
        hover_cols = np.repeat(np.arange(cols)[None, :].astype(str), rows, axis=0)
    else:
        title = f"{title} — mean of {fr}×{fc} blocks ({M.shape[0]}×{M.shape[1]} shown as {rows}×{cols})"
        starts_r, starts_c = np.arange(rows) * fr, np.arange(cols) * fc
        hover_rows = np.repeat(np.array([f"{a}–{min(a + fr, M.shape[0]) - 1}" for a in starts_r])[:, None], cols, 1)
        hover_cols = np.repeat(np.array([f"{a}–{min(a + fc, M.shape[1]) - 1}" for a in starts_c])[None, :], rows, 0)
    fig = go.Figure(
        go.Heatmap(
            z=np.clip(pooled, -3e38, 3e38).astype(np.float32),
            zmin=zmin,
            zmax=zmax,
            zmid=0,
            colorscale=DIVERGING,
            customdata=np.dstack([hover_rows, hover_cols]),
            hovertemplate=f"{row_name} %{{customdata[0]}} → {col_name} %{{customdata[1]}}<br>%{{z:.4g}}<extra></extra>",
            colorbar={"thickness": 12},
        )
    )
    fig.update_yaxes(autorange="reversed", title=row_name)
    fig.update_xaxes(title=col_name)
    return layout(fig, title, height=min(420, 160 + 14 * rows))


def histogram_now_vs_init(now, initial, title, now_label="now", initial_label="at initialisation", bins=30):
    """Two histograms over the same bins: the values now (coloured) and at the start (grey)."""
    (c_init, c_now), edges = shared_histograms([initial, now], bins)
    centres, width = 0.5 * (edges[:-1] + edges[1:]), edges[1] - edges[0]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=centres, y=c_init, width=width, name=initial_label, marker_color=INIT_COLOR))
    fig.add_trace(go.Bar(x=centres, y=c_now, width=width, name=now_label, marker_color=TRAIN_COLOR, opacity=0.7))
    fig.update_layout(barmode="overlay", bargap=0)
    return layout(fig, title, xaxis_title="value", yaxis_title="count")


def unit_images(W, image_shape, max_units=32, columns=8, title="What each first-layer unit looks for"):
    """Each unit's incoming weights drawn as an image (digits: 8×8), tiled into one heatmap.

    Blue pixels push the unit's input up, red pixels push it down; one shared symmetric scale.
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
    zmin, zmax = symmetric_range(W[:, :units])
    fig = go.Figure(
        go.Heatmap(
            z=mosaic,
            zmin=zmin,
            zmax=zmax,
            zmid=0,
            colorscale=DIVERGING,
            customdata=unit_of,
            hovertemplate="unit %{customdata}<br>%{z:.3f}<extra></extra>",
            colorbar={"thickness": 12},
        )
    )
    fig.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor="x")
    fig.update_xaxes(showticklabels=False)
    if units < W.shape[1]:
        title += f" (first {units} of {W.shape[1]} units)"
    return layout(fig, title, height=120 + 70 * rows)


def linear_weights(W, b, feature_names, class_names=None, title="Weights by feature"):
    """A linear model's weights with their feature names: bars for one output, grouped bars per class."""
    W = np.asarray(W, dtype=float)
    fig = go.Figure()
    if W.shape[1] == 1:
        colors = [TRAIN_COLOR if v >= 0 else TEST_COLOR for v in W[:, 0]]
        fig.add_trace(
            go.Bar(
                x=W[:, 0],
                y=list(feature_names),
                orientation="h",
                marker_color=colors,
                hovertemplate="%{y}: %{x:.4g}<extra></extra>",
                name="w",
            )
        )
        title += f"  (bias b = {float(b[0]):.4g})"
    else:
        names = class_names if class_names and len(class_names) == W.shape[1] else [str(k) for k in range(W.shape[1])]
        for k in range(W.shape[1]):
            fig.add_trace(
                go.Bar(
                    x=W[:, k],
                    y=list(feature_names),
                    orientation="h",
                    name=f"class {names[k]}",
                    marker_color=CLASS_COLORS[k % len(CLASS_COLORS)],
                )
            )
        fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    return layout(
        fig, title, height=min(700, 140 + 22 * len(feature_names) * max(1, W.shape[1] // 2)), xaxis_title="weight"
    )
