"""Train: pick data and a model, press Step or Play, and watch every layer's weights and gradients change."""

import streamlit as st

from ui import actions, controls, files, nav, sections, state
from weightviz import experiment

KEYS = state.TRAIN_KEYS
nav.ensure_navigation("train")

st.title("Train a model step by step")
st.write(
    "Each **step** draws a mini-batch, computes the gradient of the loss with respect to every weight "
    "(backpropagation) and moves each weight a little against its gradient. Below: the loss and what the "
    "model predicts, the network with its weights, and, layer by layer, the weights and gradients as "
    "matrices, histograms and curves over time."
)

with st.sidebar:
    wanted = controls.run_config(actions.current_run().config)
    steps_per_frame = st.select_slider(
        "Steps per frame when playing", [1, 2, 5, 10, 20, 50], value=5, key=KEYS.w_steps_per_frame
    )
run = actions.current_run(wanted)
ds, trainer = run.dataset, run.trainer
with st.sidebar.expander("Save and load"):
    files.file_controls(trainer)
for note in experiment.notes(wanted):
    st.info(note, icon=":material/info:")

actions.stop_playing_if_diverged(trainer)
buttons = st.columns(5, vertical_alignment="center")
step = {"on_click": actions.train_steps, "width": "stretch"}
buttons[0].button("Step", args=(1,), key=KEYS.step1, help="One step", **step)
buttons[1].button("×10", args=(10,), key=KEYS.step10, help="Ten steps", **step)
buttons[2].button("×100", args=(100,), key=KEYS.step100, help="A hundred steps", **step)
playing = buttons[3].toggle("Play", key=KEYS.w_play)  # (no help icon: it would cut the label at 1024 px)
buttons[4].button("Reset", on_click=actions.reset, key=KEYS.reset, width="stretch", help="Back to the initial weights")
long_run = st.columns([1, 1.4, 2.6], vertical_alignment="center")
long_text = long_run[0].text_input("Steps to train", "5000", key=KEYS.w_long_steps, label_visibility="collapsed")
n_long = controls.whole_number(long_text, 1, actions.MAX_LONG_RUN, "number of steps", 5000)
if long_run[1].button(f"Train {n_long:,} steps", key=KEYS.long, width="stretch"):
    stop = st.empty()  # shown while the run lasts
    stop.button("Stop", key=KEYS.stop, help="Stops after the current chunk; every step done so far is kept")
    actions.long_run(n_long)
    stop.empty()
else:
    long_run[2].caption("A long run under a progress bar; Stop keeps every step done.")
actions.show_messages(trainer, [run.problem, run.message])

inspector = st.columns([2, 2, 2.5], vertical_alignment="bottom")
# The options are the labels themselves: a model of other shapes has other options, so a kept choice
# that no longer exists falls back to layer 1 instead of showing a previous model's label.
layer_names = sections.layer_names(trainer.model)
layer = layer_names.index(inspector[0].selectbox("Layer to inspect", layer_names, key=KEYS.w_layer))
follow = inspector[1].toggle("Follow training", value=True, key=KEYS.w_follow)  # off: look back at any snapshot
snapshot_step = None  # None: follow training live
if follow:
    inspector[2].caption("Turn *Follow training* off to look back at any recorded step.")
else:
    steps = [int(s) for s in trainer.history.snapshot_steps]
    if len(steps) > 1:  # (Streamlit resets a kept value that is no longer among the options)
        snapshot_step = int(inspector[2].select_slider("Snapshot at step", steps, value=steps[-1], key=KEYS.w_snapshot))
    else:
        inspector[2].caption("Only the initial state is recorded so far.")


@st.fragment(run_every=actions.FRAME_SECONDS if playing else None)
def live_view():
    """Redrawn every frame while playing: the numbers, the loss, the predictions, the network, the weights."""
    if playing:
        if not actions.is_playing():  # paused since this timer started: a full rerun stops it
            st.rerun()
        result = actions.train_steps(steps_per_frame)
        if result is not None and result.diverged:
            st.rerun()
    sections.metrics_row(trainer)
    view = trainer.view(snapshot_step)
    sections.live_charts(trainer, ds, view, layer, actions.chart_options(), static_graph=playing)


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
