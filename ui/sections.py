"""The blocks pages share: the metrics row, loss and predictions, the network and a weight matrix, and
the layer inspector. Each draws into the current container; ``prefix`` keeps chart keys apart when a
page draws the same block for several runs."""

from __future__ import annotations

import hashlib
from math import nan

import streamlit as st

from weightviz import figures, spectra
from weightviz.formatting import compact, typed

from . import actions, controls, plots, state
from .text import plain

CARD = 6  # characters a metric card a fifth of the page wide shows whole at 1024 px
KEYS = state.TRAIN_KEYS


def layer_names(model):
    """ "layer 1: 2 → 8", …, "layer 3: 8 → 1 (output)": what the layer selector lists, counted from 1."""
    n_layers = len(model.weights)
    return [
        f"layer {l + 1}: {W.shape[0]} → {W.shape[1]}" + (" (output)" if l == n_layers - 1 else "")
        for l, W in enumerate(model.weights)
    ]


def metrics_row(trainer):
    """Step, train and test loss, the test metric and the scheduled learning rate, as short numbers."""
    scores, metric = trainer.last_eval or {}, trainer.model.task.metric_name
    cols = st.columns(5)
    cols[0].metric("Step", f"{trainer.step_count:,}")
    cols[1].metric("Train loss", compact(scores.get("train_loss", nan), max_chars=CARD))
    cols[2].metric("Test loss", compact(scores.get("test_loss", nan), max_chars=CARD))
    cols[3].metric(f"Test {metric}", compact(scores.get("test_metric", nan), max_chars=CARD))
    cols[4].metric("Learning rate", typed(trainer.lr_at(trainer.lr, trainer.step_count)))
    if note := trainer.eval_note():
        st.caption(note)


def live_charts(trainer, ds, view, layer, prefix="", static_graph=False):
    """Loss and predictions; the network and the chosen layer's weights (what Play redraws every frame),
    updated in place (ui/plots.py). ``static_graph`` (while playing: the charts are static pictures)
    leaves out the per-edge and per-cell hover data nobody can reach."""
    if not view.live:
        st.caption(f"Showing the weights after step {view.step:,}; the curves mark it with a vertical line.")
    mark = None if view.live else view.step
    left, right = st.columns(2)
    plots.live_chart(left, figures.loss_curves(trainer.history, mark), f"{prefix}loss", static_graph)
    plots.live_chart(right, figures.data_view(view.model, ds), f"{prefix}data", static_graph)
    left, right = st.columns(2)
    graph = figures.network_graph(
        view.weights, view.model.biases, ds.feature_names, ds.class_names, edge_hover=not static_graph
    )
    plots.live_chart(left, graph, f"{prefix}graph", static_graph)
    rows = ds.feature_names if layer == 0 else None
    title = f"W{layer + 1} at step {view.step:,}"
    heatmap = figures.matrix_heatmap(view.weights[layer], title, row_labels=rows, hover=not static_graph)
    plots.live_chart(right, heatmap, f"{prefix}w_heat", static_graph)


def detail_tabs(trainer, ds):
    """The layer inspector's tabs as {kind: label}: the gradient and the metric, histograms now vs the
    start, distributions over time, norms and update ratios; unit images for digits, weights by feature
    for a linear model."""
    tabs = {"gradient": f"Gradient and {trainer.model.task.metric_name}", "now": "Now vs start"}
    tabs |= {"over_time": "Over time", "norms": "Norms and update ratios", "spectrum": "Spectrum"}
    if "image_shape" in ds.meta:
        tabs["units"] = "Unit images"
    if len(trainer.model.weights) == 1:
        tabs["linear"] = "Weights by feature"
    return tabs


def layer_detail(trainer, ds, view, layer, chart, prefix=""):
    """The chosen layer in tabs (see :func:`detail_tabs`). Only the open tab is computed and drawn: a Step
    click used to redraw all 8–10 charts of this section, most of them below the fold.

    The open tab's kind is kept (``state.DETAIL_TAB``): Streamlit gives tabs whose labels change (another
    metric, a digits or a linear model) a new identity, and the kept kind reopens the same tab."""
    kinds = detail_tabs(trainer, ds)
    key = f"{prefix}{KEYS.w_detail}"
    kept = (state.DETAIL_TAB.get() or {}).get(prefix)
    labels = list(kinds.values())

    def remember():
        chosen = st.session_state.get(key)
        open_kind = next((kind for kind, label in kinds.items() if label == chosen), None)
        state.DETAIL_TAB.set({**(state.DETAIL_TAB.get() or {}), prefix: open_kind})

    tabs = st.tabs(labels, key=key, default=kinds.get(kept), on_change=remember)
    draw = {"gradient": _gradient_tab, "now": _histograms_tab, "over_time": _over_time_tab, "norms": _norms_tab,
            "spectrum": _spectrum_tab}  # fmt: skip
    for kind, tab in zip(kinds, tabs, strict=True):
        if tab.open is not False:  # (None: a Streamlit that does not track tabs draws them all)
            with tab:
                if kind in draw:
                    draw[kind](trainer, ds, view, layer, chart, prefix)
                elif kind == "units":
                    units = figures.unit_images(view.weights[0], ds.meta["image_shape"])
                    st.plotly_chart(units, key=f"{prefix}units", **chart)
                else:
                    weights = figures.linear_weights(
                        view.weights[0], view.model.biases[0], ds.feature_names, ds.class_names
                    )
                    st.plotly_chart(weights, key=f"{prefix}linear", **chart)


def _gradient_tab(trainer, ds, view, layer, chart, prefix):
    mark = None if view.live else view.step
    W = view.weights[layer]
    left, right = st.columns(2)
    if view.grads is None:
        left.info("No gradient yet: the first step computes one.")
    else:
        rows = ds.feature_names if layer == 0 else None
        title = f"∂L/∂W{layer + 1} at step {view.step:,}"
        heatmap = figures.matrix_heatmap(view.grads[layer], title, row_labels=rows)
        left.plotly_chart(heatmap, key=f"{prefix}g_heat", **chart)
    metric = trainer.model.task.metric_name
    right.plotly_chart(figures.metric_curves(trainer.history, metric, mark), key=f"{prefix}metric", **chart)
    if figures.is_pooled(W):
        st.caption(
            f"W{layer + 1} is {W.shape[0]}×{W.shape[1]}: the heatmaps show means of blocks so the browser "
            "can hold them (hover shows which rows and columns)."
        )


def _histograms_tab(trainer, ds, view, layer, chart, prefix):
    history, W = trainer.history, view.weights[layer]
    left, right = st.columns(2)
    initial = history.snapshot(0)[1][layer]
    title, now = f"W{layer + 1}: now vs at initialisation", f"step {view.step:,}"
    left.plotly_chart(figures.histogram_now_vs_init(W, initial, title, now), key=f"{prefix}w_hist", **chart)
    if view.grads is not None and len(history.snapshot_steps) > 1:
        first_step, _, first_grads = history.snapshot(1)  # step 1 unless the snapshots have thinned
        title = f"∂L/∂W{layer + 1}: now vs step {first_step:,}"
        hist = figures.histogram_now_vs_init(view.grads[layer], first_grads[layer], title, now, f"step {first_step:,}")
        right.plotly_chart(hist, key=f"{prefix}g_hist", **chart)
    else:
        right.info("No gradient yet: the first step computes one.")


def _over_time_tab(trainer, ds, view, layer, chart, prefix):
    history, mark = trainer.history, None if view.live else view.step
    left, right = st.columns(2)
    left.plotly_chart(figures.distribution_over_time(history, layer, "w", mark), key=f"{prefix}w_dist", **chart)
    right.plotly_chart(figures.distribution_over_time(history, layer, "g", mark), key=f"{prefix}g_dist", **chart)


def _norms_tab(trainer, ds, view, layer, chart, prefix):
    history, mark = trainer.history, None if view.live else view.step
    left, right = st.columns(2)
    left.plotly_chart(figures.layer_norms(history, mark), key=f"{prefix}norms", **chart)
    right.plotly_chart(figures.update_ratios(history, mark), key=f"{prefix}ratios", **chart)


NO_ALPHA = (
    "Why no power-law exponent α (as WeightWatcher reports): a layer this size has at most a few hundred "
    "singular values, and a tail fitted to so few measures the matrix's shape, not its training: random "
    '8×8 matrices come out "over-trained" and random 1024×512 ones "under-trained". The shuffled band asks '
    "the question directly: which directions could these very weights not have produced by chance?"
)


SPECTRA_KEPT = 8  # layer spectra kept per session: a 512×512 layer's take ~1 s to compute


def layer_spectra(trainer, view, layer):
    """(summary of W now, σ at step 0, (steps, σ) over training), kept per session for this trainer, layer,
    weights (a digest) and kept snapshots: a rerun that changes none of them does not compute them again."""
    history = trainer.history
    weights = view.weights[layer]
    steps = history.snapshot_steps
    key = (id(trainer), layer, hashlib.blake2b(weights.tobytes(), digest_size=16).digest(), len(steps), int(steps[-1]))
    kept = state.LAYER_SPECTRA.get() or {}
    if key not in kept:
        made = (spectra.summary(weights), spectra.singular_values(history.snapshot(0)[1][layer]),
                spectra.over_training(history, layer))  # fmt: skip
        kept = {**dict(list(kept.items())[-(SPECTRA_KEPT - 1) :]), key: made}
        state.LAYER_SPECTRA.set(kept)
    return kept[key]


def _spectrum_tab(trainer, ds, view, layer, chart, prefix):
    """The singular values of W now against the start and its shuffled copies, over training, and its stable
    rank against a random matrix's, with what they say."""
    W = view.weights[layer]
    now, start, (steps, sigmas) = layer_spectra(trainer, view, layer)
    left, right = st.columns(2)
    title = f"Singular values of W{layer + 1}: step {view.step:,} vs the start"
    left.plotly_chart(figures.scree(now, start, title), key=f"{prefix}scree", **chart)
    right.plotly_chart(figures.spectrogram(steps, sigmas), key=f"{prefix}spectrogram", **chart)
    left, right = st.columns(2)
    rank = figures.stable_rank_over_training(steps, sigmas, now.stable_rank_random)
    right.plotly_chart(rank, key=f"{prefix}stable_rank", **chart)
    left.markdown(plain(spectra.describe(now)))
    left.caption(
        f"W{layer + 1} is {W.shape[0]}×{W.shape[1]}. Shaded: the largest singular value of {len(now.shuffled_top)} "
        "copies of these weights with their entries shuffled (the same values, no structure); a singular value "
        f"above the band (red) is a direction training put in. Stable rank {now.stable_rank:.1f} (a large random "
        f"matrix of this shape, N·M/(√N + √M)²: {now.stable_rank_random:.1f}); effective rank "
        f"{now.effective_rank:.1f} of {len(now.singular_values)}."
    )
    left.caption(NO_ALPHA)


def step_controls():
    """Step, ×10, ×100, Play, Reset, and a long run of N steps under a progress bar with Stop; returns
    whether Play is on. (Play has no help icon: it would cut its label at 1024 px.)"""
    buttons = st.columns(5, vertical_alignment="center")
    step = {"on_click": actions.train_steps, "width": "stretch"}
    buttons[0].button("Step", args=(1,), key=KEYS.step1, help="One step", **step)
    buttons[1].button("×10", args=(10,), key=KEYS.step10, help="Ten steps", **step)
    buttons[2].button("×100", args=(100,), key=KEYS.step100, help="A hundred steps", **step)
    playing = buttons[3].toggle("Play", key=KEYS.w_play)
    reset = {"on_click": actions.reset, "width": "stretch", "help": "Back to the initial weights"}
    buttons[4].button("Reset", key=KEYS.reset, **reset)
    long_run = st.columns([1, 1.4, 2.6], vertical_alignment="center")
    text = long_run[0].text_input("Steps to train", "5000", key=KEYS.w_long_steps, label_visibility="collapsed")
    n_long = controls.whole_number(text, 1, actions.MAX_LONG_RUN, "number of steps", 5000)
    if long_run[1].button(f"Train {n_long:,} steps", key=KEYS.long, width="stretch"):
        stop = st.empty()  # shown while the run lasts
        stop.button("Stop", key=KEYS.stop, help="Stops after the current chunk; every step done so far is kept")
        actions.long_run(n_long)
        stop.empty()
    else:
        long_run[2].caption("A long run under a progress bar; Stop keeps every step done.")
    return playing


def layer_picker(trainer):
    """The layer to inspect and, with *Follow training* off, a recorded step to look back at; returns
    (layer index, snapshot step or None to follow training live).

    The selector's options are the labels themselves: a model of other shapes has other options, so a
    kept choice that no longer exists falls back to layer 1 instead of showing a previous model's label.
    """
    picker = st.columns([2, 2, 2.5], vertical_alignment="bottom")
    names = layer_names(trainer.model)
    layer = names.index(picker[0].selectbox("Layer to inspect", names, key=KEYS.w_layer))
    if picker[1].toggle("Follow training", value=True, key=KEYS.w_follow):
        picker[2].caption("Turn *Follow training* off to look back at any recorded step.")
        return layer, None
    steps = [int(s) for s in trainer.history.snapshot_steps]
    if len(steps) < 2:  # (Streamlit resets a kept value that is no longer among the options)
        picker[2].caption("Only the initial state is recorded so far.")
        return layer, None
    return layer, int(picker[2].select_slider("Snapshot at step", steps, value=steps[-1], key=KEYS.w_snapshot))
