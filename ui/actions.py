"""What buttons do (``on_click`` callbacks, so a click's effect is in place before the page draws) and
what the page says about a run: the Train page's run, Play, Reset, long runs, messages, going back."""

from __future__ import annotations

import time

import streamlit as st

from weightviz import experiment, limits

from . import plots, runs, state
from .runs import Run
from .text import plain

MAX_LONG_RUN = limits.LONG_RUN_STEPS  # steps one Train click may run
FRAME_SECONDS = 0.05  # the next frame is asked for 0.05 s after one is drawn; drawing sets the pace
KEYS = state.TRAIN_KEYS


def current_run(config=None):
    """The session's Train run (built from the defaults on the first visit), moved to ``config`` if given
    (an uploaded table when it names the CSV). A new model starts paused (this runs before the Play
    switch is drawn)."""
    run = state.TRAIN_RUN.get()
    if run is None:
        run = state.TRAIN_RUN.set(Run())
    if config is not None:
        table = state.CSV_DATASET.get() if config.dataset == experiment.CSV else None
        if run.update(config, table):
            st.session_state[KEYS.w_play] = False
    return run


def train_steps(n_steps):
    """Button callback: ``n_steps`` on the Train run (it stops by itself at a divergence)."""
    run = state.TRAIN_RUN.get()
    return None if run is None else run.train(n_steps)


def wait_while_held(run, most=runs.DOWNLOAD_HOLD_SECONDS):
    """Before a Play frame: wait (at most ``most`` seconds) while ``run`` holds its frames for a download.

    A frame's script run would end with Streamlit's sweep of files no element names, and the second
    such sweep deletes a file built for a download; on a busy browser the fetch can come after two
    frames. While this waits no run ends, so the file stays until the browser has it."""
    if run is not None:
        time.sleep(min(max(0.0, run.hold_until - time.monotonic()), most))


def reset():
    """Button callback: back to the initial weights (exactly), step 0, empty history; paused."""
    run = state.TRAIN_RUN.get()
    if run is not None:
        run.reset()
    st.session_state[KEYS.w_play] = False


def is_playing():
    """The Play switch is on (its state travels with every rerun request, so a pause is never lost)."""
    return bool(st.session_state.get(KEYS.w_play, False))


def stop_playing_if_diverged(trainer):
    """Before the Play switch is drawn: a run that diverged turns it off (its warning says why)."""
    if trainer.diverged is not None and is_playing():
        st.session_state[KEYS.w_play] = False


def chart_options():
    """``st.plotly_chart`` options for the Train page: static pictures while it plays (``plots.chart_options``)."""
    return plots.chart_options(is_playing())


def show_messages(trainer, notes=(), rewind_key=KEYS.rewind):
    """Show ``notes`` (why a configuration could not be built, what an upload said) and what training
    says now (diverged, the loss blowing up, a schedule at its end); while the run diverged or is
    blowing up, a button goes back to the last healthy step (the message names it)."""
    messages = [*notes, trainer.warning() if trainer is not None else None]
    for message in filter(None, messages):  # messages quote user-supplied names: shown as plain text
        st.warning(plain(message), icon=":material/warning:")
    if trainer is not None and trainer.in_trouble():
        step = trainer.healthy_step()
        st.button(
            f"Go back to step {step:,}",
            key=rewind_key,
            on_click=rewind,
            args=(trainer, step),
            icon=":material/undo:",
            help="The last step whose loss was still healthy; the steps after it are dropped",
        )


def rewind(trainer, step):
    """Button callback: back to ``step`` (see ``Trainer.rewind``), paused."""
    trainer.rewind(step)
    st.session_state[KEYS.w_play] = False


def long_run(n_steps, chunk=50):
    """Train ``n_steps`` in chunks under a progress bar; any click (Stop) interrupts between chunks,
    keeping every step done so far."""
    run = state.TRAIN_RUN.get()
    bar = st.progress(0.0, text=f"Training {n_steps:,} steps…")
    done = 0
    while done < n_steps:
        k = min(chunk, n_steps - done)
        result = run.train(k)
        done += k
        bar.progress(done / n_steps, text=f"Trained {done:,} of {n_steps:,} steps (step {run.trainer.step_count:,})")
        if result is not None and result.diverged:
            break
    bar.empty()
