"""Spectra of weight matrices: the singular values now against the start and a shuffled band, the singular
values over training (a spectrogram), and the stable rank against a random matrix's."""

from __future__ import annotations

import numpy as np

from .draft import Draft, heatmap, scatter
from .style import INIT_COLOR, TEST_COLOR, TRAIN_COLOR, layout

BAND_COLOR = "rgba(120,120,120,0.18)"
SIGMA_HOVER = "σ%{x} = %{y:.4g}<extra></extra>"
OUTLIER_COLOR = "#d62728"


def scree(now, start=None, title="Singular values", start_label="at initialisation"):
    """σ_i against i for ``now`` (a ``spectra.Summary``), its outliers in red, the band its shuffled copies
    reach (shaded, up to the outlier threshold) and, when given, ``start``: the singular values of the same
    layer at initialisation, or of a random matrix of its shape (``start_label``)."""
    fig = Draft()
    k = len(now.singular_values)
    index = np.arange(1, k + 1)
    shuffled = now.shuffled_top
    if shuffled.size:
        low, top = float(shuffled.min()), float(now.threshold)
        fig.add_trace(scatter(
            x=[0.5, k + 0.5, k + 0.5, 0.5, 0.5], y=[low, low, top, top, low], fill="toself", mode="lines",
            line={"width": 0}, fillcolor=BAND_COLOR, name="σ_max of shuffled copies", hoverinfo="skip",
        ))  # fmt: skip
    if start is not None:
        fig.add_trace(scatter(x=np.arange(1, len(start) + 1), y=np.asarray(start), mode="lines",
                              name=start_label,
                              line={"color": INIT_COLOR, "dash": "dash"}))  # fmt: skip
    fig.add_trace(scatter(x=index, y=now.singular_values, mode="lines+markers" if k <= 64 else "lines", name="now",
                          line={"color": TRAIN_COLOR}, marker={"size": 4},
                          hovertemplate=SIGMA_HOVER))  # fmt: skip
    if now.n_outliers:
        out = now.singular_values[: now.n_outliers]
        fig.add_trace(scatter(x=index[: now.n_outliers], y=out, mode="markers", name="above the band",
                              marker={"color": OUTLIER_COLOR, "size": 8}, hovertemplate=SIGMA_HOVER))  # fmt: skip
    fig.update_xaxes(title="i (largest first)", **_whole_ticks(k))
    fig.update_yaxes(title="σ_i", rangemode="tozero")
    return layout(fig, title, height=300)


def spectrogram(steps, sigmas, title="Singular values over training"):
    """σ_i (rows of ``sigmas``, one per step of ``steps``) as a heatmap: step across, i down (σ_1 on top)."""
    sigmas = np.asarray(sigmas, dtype=float)
    k = sigmas.shape[1] if sigmas.ndim == 2 else 0
    fig = Draft(heatmap(
        x=np.asarray(steps), y=np.arange(1, k + 1), z=sigmas.T, colorscale="Viridis", zmin=0,
        colorbar={"thickness": 10, "title": {"text": "σ", "side": "right"}},
        hovertemplate="step %{x}<br>σ%{y} = %{z:.4g}<extra></extra>",
    ))  # fmt: skip
    fig.update_yaxes(autorange="reversed", title="i", **_whole_ticks(k))
    fig.update_xaxes(title="step")
    note = f"<br><sup>{len(steps)} kept snapshots</sup>" if len(steps) else ""
    return layout(fig, title + note, height=300)


def stable_rank_over_training(steps, sigmas, reference, title="Stable rank ‖W‖²_F / σ²_max"):
    """The stable rank at each step of ``steps`` from its singular values, against ``reference`` (a random
    matrix's of the same shape, dashed)."""
    sigmas = np.asarray(sigmas, dtype=float)
    top = sigmas[:, 0] if sigmas.size else np.empty(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ranks = np.where(top > 0, (sigmas**2).sum(axis=1) / top**2, np.nan)
    fig = Draft()
    fig.add_trace(scatter(x=np.asarray(steps), y=ranks, mode="lines+markers", name="this layer",
                          line={"color": TRAIN_COLOR}, marker={"size": 4}))  # fmt: skip
    if len(steps):  # (the formula is a large matrix's; below 1, which no matrix reaches, it means nothing)
        reference = max(1.0, float(reference))
        fig.add_trace(scatter(x=[steps[0], steps[-1]], y=[reference, reference], mode="lines",
                              name="a random matrix", line={"color": TEST_COLOR, "dash": "dash"}))  # fmt: skip
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="stable rank", rangemode="tozero")
    return layout(fig, title, height=300)


def _whole_ticks(n):
    """An axis of indices 1…n: ticks on whole numbers only (plotly puts 1.5 between 1 and 2 otherwise), and no
    room past n."""
    return {"tick0": 1, "dtick": max(1, round(n / 8)), "range": [0.5, n + 0.5]} if n <= 64 else {}
