"""Train: pick data and a model, press Step or Play, and watch every layer's weights and gradients change."""

import streamlit as st

from ui import actions, controls, files, nav, sections, share, state
from weightviz import experiment

KEYS = state.TRAIN_KEYS
nav.ensure_navigation("train")
share.open_link("train", controls.text_checks(state.TRAIN_RUN_KEYS))

st.title("Train a model step by step")
st.write(
    "Each **step** draws a mini-batch, computes the gradient of the loss with respect to every weight "
    "(backpropagation) and moves each weight a little against its gradient. Below: the loss and what the "
    "model predicts, the network with its weights, and, layer by layer, the weights and gradients as "
    "matrices, histograms and curves over time."
)

with st.sidebar:
    share_slot = st.container()
    wanted = controls.run_config(actions.current_run().config)
    steps_per_frame = st.select_slider(
        "Steps per frame when playing", [1, 2, 5, 10, 20, 50], value=5, key=KEYS.w_steps_per_frame
    )
run = actions.current_run(wanted)
replayed = share.replay_link("train", run, share.config_only(wanted))
ds, trainer = run.dataset, run.trainer
with st.sidebar.expander("Save and load"):
    files.file_controls(run)
for note in experiment.notes(wanted):
    st.info(note, icon=":material/info:")

actions.stop_playing_if_diverged(trainer)
playing = sections.step_controls()
actions.show_messages(trainer, [run.problem, run.message])

layer, snapshot_step = sections.layer_picker(trainer)


@st.fragment(run_every=actions.FRAME_SECONDS if playing else None)
def live_view():
    """Redrawn every frame while playing: the numbers, the loss, the predictions, the network, the weights."""
    if playing:
        if not actions.is_playing():  # paused since this timer started: a full rerun stops it
            st.rerun()
        actions.wait_while_held(run)  # a download is on its way
        result = actions.train_steps(steps_per_frame)
        if result is not None and result.diverged:
            st.rerun()
        share.write_frame_step(run)
    sections.metrics_row(trainer)
    view = trainer.view(snapshot_step)
    sections.live_charts(trainer, ds, view, layer, static_graph=playing)


@st.fragment
def detail_view():
    """Drawn when not playing (a frame of 8–10 charts would halve Play's frame rate)."""
    view = trainer.view(snapshot_step)
    if playing:
        st.caption(f"Playing: this section shows step {view.step:,} and catches up when you pause.")
    sections.layer_detail(trainer, ds, view, layer, actions.chart_options())


live_view()
st.subheader(f"Layer {layer + 1} in detail")
detail_view()
st.caption(f"{ds.description} Model: {trainer.model}.")
share.finish("train", run, [replayed], share_slot)
