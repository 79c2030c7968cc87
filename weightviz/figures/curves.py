"""Curves over training time: loss, metric, per-layer norms, update/weight ratios, distributions.

A diverging run records losses of 1e300, inf and NaN: log axes draw only finite positive values,
linear ones only finite values, and the title says how many were left out. Before the first step
a chart says so instead of showing empty axes.
"""

from __future__ import annotations

import math

import numpy as np

from ..formatting import number
from ..summaries import BAND_PERCENTILES, histogram_percentiles
from .draft import Draft, scatter
from .style import BATCH_COLOR, LAYER_COLORS, TEST_COLOR, TRAIN_COLOR, layout, log_axis, note_if_no_steps, thin

R2_FLOOR = -1.0  # R² below this is drawn at it: a diverged regression reaches −1e300
MARKED_POINTS = 60  # up to this many measurements a curve marks each one; beyond, the marks would merge
BANDS_NOTE = "percentile bands: min–max, ±1.5σ, ±σ, ±0.5σ; median"


def loss_curves(history, current_step=None):
    """Mini-batch loss every step (faint) and whole-set train and test loss; log y axis."""
    fig = Draft()
    steps, batch = thin(history.scalar_steps, history.column("batch_loss"))
    left_out = _left_out(steps, batch, positive=True)
    keep = _drawable(batch, positive=True)
    fig.add_trace(
        scatter(
            x=steps[keep], y=batch[keep], mode="lines", name="mini-batch loss", line={"color": BATCH_COLOR, "width": 1}
        )
    )
    drawn = [batch[keep]]
    for name, color in (("train_loss", TRAIN_COLOR), ("test_loss", TEST_COLOR)):
        eval_steps, values = thin(*history.eval_column(name))
        left_out += _left_out(eval_steps, values, positive=True)
        keep = _drawable(values, positive=True)
        drawn.append(values[keep])
        if keep.any():
            fig.add_trace(
                scatter(
                    x=eval_steps[keep],
                    y=values[keep],
                    mode=_curve_mode(keep.sum()),
                    name=name.replace("_", " "),
                    line={"color": color},
                    marker={"size": 4},
                )
            )
    _mark_step(fig, current_step)
    note_if_no_steps(fig, history.scalar_steps)
    fig.update_yaxes(hoverformat=".4~g", **log_axis(np.concatenate(drawn)))
    return layout(fig, "Loss" + _left_out_note(left_out), xaxis_title="step", yaxis_title="loss")


def metric_curves(history, metric_name, current_step=None):
    """The task's metric (R² or accuracy) on the whole train and test sets; R² below −1 is drawn at −1."""
    fig = Draft()
    left_out, lowest = 0, np.inf
    floor = R2_FLOOR if metric_name in ("R²", "R2", "r2") else -np.inf
    for name, color in (("train_metric", TRAIN_COLOR), ("test_metric", TEST_COLOR)):
        steps, values = thin(*history.eval_column(name))
        left_out += _left_out(steps, values)
        keep = _drawable(values)
        steps, values = steps[keep], values[keep]
        lowest = min(lowest, values.min(initial=np.inf))
        floored = values < floor
        fig.add_trace(
            scatter(
                x=steps,
                y=np.maximum(values, floor),
                mode=_curve_mode(len(values)),
                marker={"size": 4},
                name=name.replace("_metric", " " + metric_name),
                line={"color": color},
                # the true value in the hover where the point is drawn at the floor
                customdata=[number(v, 4) for v in values] if floored.any() else None,
                hovertemplate="step %{x}: %{customdata}<extra></extra>" if floored.any() else None,
            )
        )
    _mark_step(fig, current_step)
    note_if_no_steps(fig, history.scalar_steps)
    title = metric_name.capitalize() + _left_out_note(left_out, "not finite")
    if lowest < floor:
        title += f"<br><sup>{metric_name} below {floor:g} drawn at {floor:g} (lowest {number(lowest, 3)})</sup>"
    return layout(fig, title, xaxis_title="step", yaxis_title=metric_name)


def layer_norms(history, current_step=None):
    """‖W_l‖ (solid) and ‖∂L/∂W_l‖ (dotted) per layer over time, log scale.

    The title says which line is which; the legend has one entry per layer ("layer 1 2 3", which shows
    or hides both of its lines), so it takes one row where six entries took four.
    """
    fig = Draft()
    steps, w_norms = history.layer_stat("w_norm")
    _, g_norms = history.layer_stat("g_norm")
    steps, w_norms, g_norms = thin(steps, w_norms, g_norms)
    left_out, drawn = 0, []
    for l in range(w_norms.shape[1]):
        color = LAYER_COLORS[l % len(LAYER_COLORS)]
        for values, name, dash in ((w_norms[:, l], f"‖W{l + 1}‖", None), (g_norms[:, l], f"‖∇W{l + 1}‖", "dot")):
            left_out += _left_out(steps, values, positive=True)
            keep = _drawable(values, positive=True)
            drawn.append(values[keep])
            fig.add_trace(
                scatter(
                    x=steps[keep],
                    y=values[keep],
                    mode="lines" if keep.sum() > 1 else "markers",  # one point (step 0) is still seen
                    name=str(l + 1),
                    showlegend=dash is None,
                    hovertemplate=f"{name}, step %{{x}}: %{{y:.4~g}}<extra></extra>",
                    line={"color": color, "dash": dash},
                    legendgroup=str(l),
                )
            )
    _mark_step(fig, current_step)
    note_if_no_steps(fig, history.scalar_steps)
    fig.update_yaxes(hoverformat=".4~g", **log_axis(np.concatenate(drawn)))
    fig.update_layout(legend_title={"text": "layer", "side": "left"})
    title = "Norms: ‖W‖ solid, ‖∇W‖ dotted" + _left_out_note(left_out)
    return layout(fig, title, xaxis_title="step")


def update_ratios(history, current_step=None):
    """log₁₀ of ‖ΔW_l‖/‖W_l‖ per layer against the rule-of-thumb line at −3 (updates ≈ 1/1000 of the weights)."""
    fig = Draft()
    steps, ratios = history.layer_stat("update_ratio")
    steps, ratios = thin(steps, ratios)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(ratios)  # 0 → −inf, inf → inf: left out below
    left_out, lo, hi = 0, -3.0, -3.0
    for l in range(ratios.shape[1]):
        left_out += _left_out(steps, logs[:, l])
        keep = np.isfinite(logs[:, l])
        if keep.any():
            lo, hi = min(lo, logs[keep, l].min()), max(hi, logs[keep, l].max())
        fig.add_trace(
            scatter(
                x=steps[keep],
                y=logs[keep, l],
                mode="lines" if keep.sum() > 1 else "markers",
                name=str(l + 1),  # under the legend's title "layer"
                hovertemplate=f"layer {l + 1}, step %{{x}}: %{{y:.2f}}<extra></extra>",
                line={"color": LAYER_COLORS[l % len(LAYER_COLORS)]},
            )
        )
    fig.add_hline(y=-3, line={"dash": "dash", "color": "grey"}, annotation_text="1e-3")
    _mark_step(fig, current_step)
    note_if_no_steps(fig, history.scalar_steps)
    # whole powers of ten only: the values are exponents
    lo, hi = math.floor(lo), math.ceil(hi)
    fig.update_yaxes(range=[lo - 0.25, hi + 0.25], dtick=max(1, math.ceil((hi - lo) / 6)), tick0=0)
    fig.update_layout(legend_title={"text": "layer", "side": "left"})
    title = "Update/weight ratio, log₁₀" + _left_out_note(left_out)
    return layout(fig, title, xaxis_title="step", yaxis_title="log₁₀ ‖ΔW‖/‖W‖")


def distribution_over_time(history, layer, which="w", current_step=None):
    """TensorBoard-style bands of one layer's weights (``"w"``) or gradients (``"g"``) over time.

    From the per-step histograms: min–max, ±1.5σ, ±1σ, ±0.5σ percentile bands and the median (the
    subtitle says so: the title alone must fit the narrowest chart).
    """
    steps, counts, ranges = history.histograms(which)
    steps, counts, ranges = thin(steps, counts[:, layer], ranges[:, layer], max_points=400)
    with np.errstate(invalid="ignore", over="ignore"):  # a diverging run's ranges: NaN bands, left out below
        bands = histogram_percentiles(counts, ranges, BAND_PERCENTILES)
    keep = np.isfinite(bands).all(axis=1)
    # rows without a histogram: step 0's gradient (by design) and non-finite ranges of a diverging run
    left_out = int(np.sum(~keep & (steps > 0)))
    steps, bands = steps[keep], bands[keep]
    color = TRAIN_COLOR if which == "w" else TEST_COLOR
    fig = Draft()
    n = len(BAND_PERCENTILES)
    for i in range(n // 2):
        lower, upper = bands[:, i], bands[:, n - 1 - i]
        opacity = 0.12 + 0.12 * i
        fig.add_trace(scatter(x=steps, y=upper, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
        fig.add_trace(
            scatter(
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
    median = "lines" if len(steps) > 1 else "markers"
    fig.add_trace(scatter(x=steps, y=bands[:, n // 2], mode=median, line={"color": color}, name="median"))
    _mark_step(fig, current_step)
    note_if_no_steps(fig, history.histogram_steps)
    what = "weights" if which == "w" else "gradients"
    fig.update_yaxes(hoverformat=".4~g")
    title = f"Layer {layer + 1} {what} over time<br><sup>{BANDS_NOTE}</sup>"
    return layout(
        fig,
        title + _left_out_note(left_out, "no finite histogram", "steps"),
        xaxis_title="step",
        yaxis_title=what,
        showlegend=False,
    )


def _curve_mode(n_points):
    """ "lines+markers" for a curve of a few measurements, "lines" for many: hundreds of markers along a
    line show nothing the line does not, and each is an SVG element the browser restyles every frame."""
    return "lines+markers" if n_points <= MARKED_POINTS else "lines"


def _drawable(values, positive=False):
    """Finite values (and positive ones, for a log axis)."""
    keep = np.isfinite(values)
    return keep & (values > 0) if positive else keep


def _left_out(steps, values, positive=False):
    """How many values after step 0 cannot be drawn (step 0 has no batch loss or gradient by design)."""
    return int(np.sum(~_drawable(values, positive) & (np.asarray(steps) > 0)))


def _left_out_note(count, why="not finite or 0", what="values"):
    """A subtitle saying how many points a chart could not draw, or nothing."""
    return f"<br><sup>{count:,} {what} left out ({why})</sup>" if count else ""


def _mark_step(fig, step):
    if step is not None:
        fig.add_vline(x=step, line={"color": "rgba(0,0,0,0.35)", "width": 1})


def _rgba(hex_color, alpha):
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"
