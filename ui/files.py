"""Files a person keeps or brings: the weights and history downloads (built when clicked) and a
weights upload checked before it touches the model."""

from __future__ import annotations

import weakref

import streamlit as st

from weightviz import checkpoints

from . import state

KEYS = state.TRAIN_KEYS


def load_weights():
    """Uploader callback: a weights file (.npz) becomes the run's new step 0; a wrong one changes nothing."""
    upload = st.session_state.get(KEYS.w_weights_file)
    run = state.TRAIN_RUN.get()
    if upload is None or run is None:
        return
    try:
        checked = checkpoints.checked_state(run.trainer.model, upload.getvalue())
    except checkpoints.CheckpointError as e:
        run.message = f"{upload.name} was not loaded: {e}. The current model is unchanged."
        return
    run.trainer.start_from(checked)
    run.message = None
    st.session_state[KEYS.w_play] = False


def file_controls(run):
    """Download the weights (.npz) and the history (.csv); upload weights saved from the same architecture.

    Both files are built when the button is clicked (a callable), so they hold the step the model is at
    then — also while playing, when this sidebar is not redrawn — and cost nothing on a rerun.
    """
    name = f"weightviz-{'-'.join(map(str, run.trainer.model.layer_sizes))}"
    # Streamlit keeps a download's callable until some session's next script run ends; after the last tab
    # closes that can be never, so the callable holds the run weakly: a closed session's model is freed.
    run_ref = weakref.ref(run)

    def built(make):
        """A download's data callable: ``make(trainer)`` on a whole step, holding Play's frames until the
        browser has the file (Streamlit deletes a built file after two script runs that do not name it,
        and Play runs ten a second)."""

        def data():
            kept = run_ref()
            if kept is None:  # the session has closed
                return b""
            kept.hold_frames()  # while it is built, and again once it is (a long history takes ~1 s)
            with kept.trainer.lock:
                made = make(kept.trainer)
            kept.hold_frames()
            return made

        return data

    weights_help = "The weights, biases and batch-norm statistics, with the architecture, at the current step"
    history_help = "Every recorded step: losses, learning rate, and per-layer norms, statistics and update ratios"
    downloads = (
        ("Weights (.npz)", lambda t: checkpoints.save_bytes(t.model), ".npz", "application/octet-stream",
         KEYS.w_download_weights, weights_help),
        ("History (.csv)", lambda t: t.history.frame().to_csv().encode(), "-history.csv", "text/csv",
         KEYS.w_download_history, history_help),
    )  # fmt: skip
    for label, make, suffix, mime, key, help_text in downloads:
        st.download_button(label, built(make), name + suffix, mime=mime, key=key, on_click="ignore", help=help_text)
    st.file_uploader(
        "Load weights (.npz) into this model",
        type=["npz"],
        key=KEYS.w_weights_file,
        on_change=load_weights,
        help="They become step 0; the shapes must match this model",
    )
