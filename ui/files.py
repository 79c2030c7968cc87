"""Files a person keeps or brings: the weights and history downloads (built when clicked) and a
weights upload checked before it touches the model."""

from __future__ import annotations

import weakref
from typing import NamedTuple

import streamlit as st

from weightviz import checkpoints

from . import state
from .text import plain

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


class Kept(NamedTuple):
    """An upload read and kept: the uploader's file id, the file's name, and what was read from it."""

    file_id: str
    name: str
    value: object


def kept_upload(upload, slot, read, forget, still, cannot="cannot be used"):
    """What ``read(name, data)`` made of the file in the uploader, kept in ``slot`` as :class:`Kept`, or None.

    A file that ``read`` refuses (ValueError) is named with the reason, and the kept one stays (``still(kept)``
    says so in words). An empty uploader keeps the file in use, with a caption and a button (``forget``: its
    label, key and callback): it does not prove a removal, because another page and back empties it, and a
    browser replacing one file with another sends "no file" in between (that dropped a page's runs)."""
    kept = slot.get()
    if upload is None:
        if kept is not None:
            label, key, on_click = forget
            st.caption(plain(f"In use: {kept.name}, uploaded earlier."))
            st.button(label, key=key, on_click=on_click)
        return kept
    if kept is not None and kept.file_id == upload.file_id:
        return kept
    try:
        value = read(upload.name, upload.getvalue())
    except ValueError as e:
        st.error(plain(f"{upload.name} {cannot}: {e}. {still(kept)}"))
        return kept
    return slot.set(Kept(upload.file_id, upload.name, value))
