"""Train: pick data and a model, press Step or Play, and watch every layer's weights and gradients change."""

from math import nan

import streamlit as st

import ui
from weightviz import experiment, figures
from weightviz.formatting import compact

CARD = 6  # characters a metric card a fifth of the page wide shows whole at 1024 px

ui.ensure_navigation("train")

st.title("Train a model step by step")
st.write(
    "Each **step** draws a mini-batch, computes the gradient of the loss with respect to every weight "
    "(backpropagation) and moves each weight a little against its gradient. Below: the loss and what the "
    "model predicts, the network with its weights, and, layer by layer, the weights and gradients as "
    "matrices, histograms and curves over time."
)

config = ui.current_config()
with st.sidebar:
    st.subheader("Data")
    dataset_name, noise, csv_id = ui.data_controls(config)
    st.subheader("Model")
    model_fields = ui.model_controls(config)
    st.subheader("Training")
    training_fields = ui.training_controls(config)
    steps_per_frame = st.select_slider(
        "Steps per frame when playing", [1, 2, 5, 10, 20, 50], value=5, key="w_steps_per_frame"
    )

wanted = config.replace(dataset=dataset_name, noise=noise, csv_id=csv_id, **model_fields, **training_fields)
ds, trainer = ui.get_trainer(wanted)
with st.sidebar.expander("Save and load"):
    ui.file_controls(trainer)
for note in experiment.notes(wanted):
    st.info(note, icon=":material/info:")

ui.stop_playing_if_diverged()
buttons = st.columns(5, vertical_alignment="center")
buttons[0].button("Step", on_click=ui.train, args=(1,), key="step1", width="stretch", help="One step")
buttons[1].button("×10", on_click=ui.train, args=(10,), key="step10", width="stretch", help="Ten steps")
buttons[2].button("×100", on_click=ui.train, args=(100,), key="step100", width="stretch", help="A hundred steps")
playing = buttons[3].toggle("Play", key=ui.PLAY_SWITCH)  # (no help icon: it would cut the label at 1024 px)
buttons[4].button("Reset", on_click=ui.reset, key="reset", width="stretch", help="Back to the initial weights")
long_run = st.columns([1, 1.4, 2.6], vertical_alignment="center")
long_text = long_run[0].text_input("Steps to train", "5000", key="w_long_steps", label_visibility="collapsed")
n_long = ui.whole_number(long_text, 1, ui.MAX_LONG_RUN, "number of steps", 5000)
if long_run[1].button(f"Train {n_long:,} steps", key="long", width="stretch"):
    stop = st.empty()  # shown while the run lasts
    stop.button("Stop", key="stop", help="Stops after the current chunk; every step done so far is kept")
    ui.long_run(n_long)
    stop.empty()
else:
    long_run[2].caption("A long run under a progress bar; Stop keeps every step done.")
ui.show_messages(trainer)

n_layers = len(trainer.model.weights)
inspect = st.columns([2, 2, 2.5], vertical_alignment="bottom")
# The options are the labels themselves: a model of other shapes has other options, so a kept choice
# that no longer exists falls back to layer 1 instead of showing a previous model's label.
layer_names = ui.layer_names(trainer.model)
layer = layer_names.index(inspect[0].selectbox("Layer to inspect", layer_names, key="w_layer"))
follow = inspect[1].toggle("Follow training", value=True, key="w_follow")  # off: look back at any snapshot
snapshot_step = None  # None: follow training live
if follow:
    inspect[2].caption("Turn *Follow training* off to look back at any recorded step.")
else:
    steps = [int(step) for step in trainer.history.snapshot_steps]
    if len(steps) > 1:  # (Streamlit resets a kept value that is no longer among the options)
        snapshot_step = int(inspect[2].select_slider("Snapshot at step", steps, value=steps[-1], key="w_snapshot"))
    else:
        inspect[2].caption("Only the initial state is recorded so far.")


@st.fragment(run_every=ui.FRAME_SECONDS if playing else None)
def live_view():
    """Redrawn every frame while playing: the numbers, the loss, the predictions, the network, the weights."""
    if playing:
        if not ui.is_playing():  # paused since this timer started: a full rerun stops it
            st.rerun()
        result = ui.train(steps_per_frame)
        if result is not None and result.diverged:
            st.rerun()
    view, history, chart = trainer.view(snapshot_step), trainer.history, ui.chart_options()
    scores, metric = trainer.last_eval or {}, trainer.model.task.metric_name
    cols = st.columns(5)
    cols[0].metric("Step", f"{trainer.step_count:,}")
    cols[1].metric("Train loss", compact(scores.get("train_loss", nan), max_chars=CARD))
    cols[2].metric("Test loss", compact(scores.get("test_loss", nan), max_chars=CARD))
    cols[3].metric(f"Test {metric}", compact(scores.get("test_metric", nan), max_chars=CARD))
    cols[4].metric("Learning rate", f"{trainer.lr_at(trainer.lr, trainer.step_count):.3g}")
    if note := trainer.eval_note():
        st.caption(note)
    if not view.live:
        st.caption(f"Showing the weights after step {view.step:,}; the curves mark it with a vertical line.")
    mark = None if view.live else view.step
    left, right = st.columns(2)
    left.plotly_chart(figures.loss_curves(history, mark), key="loss", **chart)
    right.plotly_chart(figures.data_view(view.model, ds), key="data", **chart)
    left, right = st.columns(2)
    graph = figures.network_graph(
        view.weights, view.model.biases, ds.feature_names, ds.class_names, edge_hover=not playing
    )
    left.plotly_chart(graph, key="graph", **chart)
    rows = ds.feature_names if layer == 0 else None
    heatmap = figures.matrix_heatmap(view.weights[layer], f"W{layer + 1} at step {view.step:,}", row_labels=rows)
    right.plotly_chart(heatmap, key="w_heat", **chart)


@st.fragment
def detail_view():
    """Drawn when not playing (a frame of 8–10 charts would halve Play's frame rate): gradients, the metric,
    histograms, distributions, norms."""
    view, history, chart = trainer.view(snapshot_step), trainer.history, ui.chart_options()
    mark = None if view.live else view.step
    W = view.weights[layer]
    if playing:
        st.caption(f"Playing: this section shows step {view.step:,} and catches up when you pause.")
    left, right = st.columns(2)
    if view.grads is None:
        left.info("No gradient yet: the first step computes one.")
    else:
        rows = ds.feature_names if layer == 0 else None
        title = f"∂L/∂W{layer + 1} at step {view.step:,}"
        left.plotly_chart(figures.matrix_heatmap(view.grads[layer], title, row_labels=rows), key="g_heat", **chart)
    metric = trainer.model.task.metric_name
    right.plotly_chart(figures.metric_curves(history, metric, mark), key="metric", **chart)
    if max(W.shape) > figures.matrices.MAX_SIDE:
        st.caption(
            f"W{layer + 1} is {W.shape[0]}×{W.shape[1]}: the heatmaps show means of blocks so the browser "
            "can hold them (hover shows which rows and columns)."
        )
    left, right = st.columns(2)
    initial = history.snapshot(0)[1][layer]
    title, now = f"W{layer + 1}: now vs at initialisation", f"step {view.step:,}"
    left.plotly_chart(figures.histogram_now_vs_init(W, initial, title, now), key="w_hist", **chart)
    if view.grads is not None and len(history.snapshot_steps) > 1:
        first_step, _, first_grads = history.snapshot(1)  # step 1 unless the snapshots have thinned
        title = f"∂L/∂W{layer + 1}: now vs step {first_step:,}"
        hist = figures.histogram_now_vs_init(view.grads[layer], first_grads[layer], title, now, f"step {first_step:,}")
        right.plotly_chart(hist, key="g_hist", **chart)
    left, right = st.columns(2)
    left.plotly_chart(figures.distribution_over_time(history, layer, "w", mark), key="w_dist", **chart)
    right.plotly_chart(figures.distribution_over_time(history, layer, "g", mark), key="g_dist", **chart)
    left, right = st.columns(2)
    left.plotly_chart(figures.layer_norms(history, mark), key="norms", **chart)
    right.plotly_chart(figures.update_ratios(history, mark), key="ratios", **chart)
    if "image_shape" in ds.meta:
        st.plotly_chart(figures.unit_images(view.weights[0], ds.meta["image_shape"]), key="units", **chart)
    if n_layers == 1:
        weights = figures.linear_weights(view.weights[0], view.model.biases[0], ds.feature_names, ds.class_names)
        st.plotly_chart(weights, key="linear", **chart)


live_view()
st.subheader(f"Layer {layer + 1} in detail")
detail_view()
st.caption(f"{ds.description} Model: {trainer.model}.")
