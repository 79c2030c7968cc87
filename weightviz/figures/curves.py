"""Curves over training time: loss, metric, per-layer norms, update/weight ratios, distributions."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..summaries import BAND_PERCENTILES, histogram_percentiles
from .style import BATCH_COLOR, LAYER_COLORS, TEST_COLOR, TRAIN_COLOR, layout, thin


def loss_curves(history, current_step=None):
    """Mini-batch loss every step (faint) and whole-set train and test loss; log y axis."""
    fig = go.Figure()
    steps, batch = thin(history.steps, history.column("batch_loss"))
    keep = np.isfinite(batch)
    fig.add_trace(
        go.Scatter(
            x=steps[keep], y=batch[keep], mode="lines", name="mini-batch loss", line={"color": BATCH_COLOR, "width": 1}
        )
    )
    for name, color in (("train_loss", TRAIN_COLOR), ("test_loss", TEST_COLOR)):
        eval_steps, values = thin(*history.eval_column(name))
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
    _mark_step(fig, current_step)
    return layout(fig, "Loss", xaxis_title="step", yaxis_title="loss", yaxis_type="log")


def metric_curves(history, metric_name, current_step=None):
    """The task's metric (R² or accuracy) on the whole train and test sets."""
    fig = go.Figure()
    for name, color in (("train_metric", TRAIN_COLOR), ("test_metric", TEST_COLOR)):
        steps, values = thin(*history.eval_column(name))
        keep = np.isfinite(values)
        fig.add_trace(
            go.Scatter(
                x=steps[keep],
                y=values[keep],
                mode="lines+markers",
                marker={"size": 4},
                name=name.replace("_metric", " " + metric_name),
                line={"color": color},
            )
        )
    _mark_step(fig, current_step)
    return layout(fig, metric_name.capitalize(), xaxis_title="step", yaxis_title=metric_name)


def layer_norms(history, current_step=None):
    """‖W_l‖ (solid) and ‖∂L/∂W_l‖ (dotted) per layer over time, log scale."""
    fig = go.Figure()
    steps, w_norms = history.layer_stat("w_norm")
    _, g_norms = history.layer_stat("g_norm")
    steps, w_norms, g_norms = thin(steps, w_norms, g_norms)
    for l in range(w_norms.shape[1]):
        color = LAYER_COLORS[l % len(LAYER_COLORS)]
        fig.add_trace(
            go.Scatter(
                x=steps, y=w_norms[:, l], mode="lines", name=f"‖W{l + 1}‖", line={"color": color}, legendgroup=str(l)
            )
        )
        keep = np.isfinite(g_norms[:, l]) & (g_norms[:, l] > 0)
        fig.add_trace(
            go.Scatter(
                x=steps[keep],
                y=g_norms[keep, l],
                mode="lines",
                name=f"‖∇W{l + 1}‖",
                line={"color": color, "dash": "dot"},
                legendgroup=str(l),
            )
        )
    _mark_step(fig, current_step)
    return layout(fig, "Weight and gradient norms per layer", xaxis_title="step", yaxis_type="log")


def update_ratios(history, current_step=None):
    """log₁₀ of ‖ΔW_l‖/‖W_l‖ per layer against the rule-of-thumb line at −3 (updates ≈ 1/1000 of the weights)."""
    fig = go.Figure()
    steps, ratios = history.layer_stat("update_ratio")
    steps, ratios = thin(steps, ratios)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(ratios)
    for l in range(ratios.shape[1]):
        keep = np.isfinite(logs[:, l])
        fig.add_trace(
            go.Scatter(
                x=steps[keep],
                y=logs[keep, l],
                mode="lines",
                name=f"layer {l + 1}",
                line={"color": LAYER_COLORS[l % len(LAYER_COLORS)]},
            )
        )
    fig.add_hline(y=-3, line={"dash": "dash", "color": "grey"}, annotation_text="1e-3", annotation_position="top left")
    _mark_step(fig, current_step)
    return layout(fig, "Update/weight ratio, log₁₀", xaxis_title="step", yaxis_title="log₁₀ ‖ΔW‖/‖W‖")


def distribution_over_time(history, layer, which="w", current_step=None):
    """TensorBoard-style bands of one layer's weights (``"w"``) or gradients (``"g"``) over time.

    From the per-step histograms: min–max, ±1.5σ, ±1σ, ±0.5σ percentile bands and the median.
    """
    steps, counts, ranges = history.histograms(which)
    steps, counts, ranges = thin(steps, counts[:, layer], ranges[:, layer], max_points=400)
    bands = histogram_percentiles(counts, ranges, BAND_PERCENTILES)
    keep = np.isfinite(bands).all(axis=1)
    steps, bands = steps[keep], bands[keep]
    color = TRAIN_COLOR if which == "w" else TEST_COLOR
    fig = go.Figure()
    n = len(BAND_PERCENTILES)
    for i in range(n // 2):
        lower, upper = bands[:, i], bands[:, n - 1 - i]
        opacity = 0.12 + 0.12 * i
        fig.add_trace(go.Scatter(x=steps, y=upper, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=lower,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(color, opacity),
                showlegend=False,
                name=f"{BAND_PERCENTILES[i]:g}–{BAND_PERCENTILES[n - 1 - i]:g}%",
            )
        )
    fig.add_trace(go.Scatter(x=steps, y=bands[:, n // 2], mode="lines", line={"color": color}, name="median"))
    _mark_step(fig, current_step)
    what = "weights" if which == "w" else "gradients"
    return layout(
        fig,
        f"Layer {layer + 1} {what} over time (percentile bands)",
        xaxis_title="step",
        yaxis_title=what,
        showlegend=False,
    )


def _mark_step(fig, step):
    if step is not None:
        fig.add_vline(x=step, line={"color": "rgba(0,0,0,0.35)", "width": 1})


def _rgba(hex_color, alpha):
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"
