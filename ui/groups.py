"""What every side-by-side page shares: its run group kept in a :class:`~ui.state.Slot` as (group, names, key),
Step / ×10 / ×100 / Play / Reset for all runs at once, and where each run is."""

from __future__ import annotations

import streamlit as st

from weightviz import experiment

from . import plots, share, state
from .actions import FRAME_SECONDS
from .runs import RunGroup
from .text import plain

STEPS_PER_FRAME = [1, 2, 5, 10, 20]


def current_group(slot, configs, names, datasets=None, starts=None, key=None):
    """The group of runs for ``configs`` named ``names``, kept in ``slot``: the same names (and ``key``) keep
    the group and move each run to its configuration (live fields apply; any other change rebuilds that
    run); other names build a new group. When some runs are rebuilt, the others go back to step 0 too, so
    every run has taken the same steps on the same batches. An uploaded table is the dataset of a
    configuration that names the CSV, unless ``datasets`` gives each run's; ``starts`` are the runs'
    starts (see ``RunGroup``) and ``key`` names what ``datasets`` and ``starts`` hold. A group that cannot
    be built is refused with the reason, and the one shown so far stays. Returns (group, names)."""
    tables = datasets or [state.CSV_DATASET.get() if c.dataset == experiment.CSV else None for c in configs]
    kept = slot.get()
    if kept is not None and kept[1] == names and kept[2] == key:
        group = kept[0]
        rebuilt = group.update(configs, tables)
        if any(rebuilt) and not all(rebuilt):  # keep the runs in step: the others start over with it
            for run, new in zip(group, rebuilt, strict=True):
                if not new:
                    run.reset()
            st.toast("A run started over with its new settings; the others did too, so all stay in step.")
    else:
        try:
            group = RunGroup(configs, datasets=tables, starts=starts)
        except ValueError as e:
            st.warning(plain(f"That comparison cannot be built: {e}."), icon=":material/warning:")
            if kept is None:
                st.stop()
            return kept[:2]  # the comparison shown so far stays
        slot.set((group, names, key))
    for name, run in zip(names, group, strict=True):
        if run.problem:
            st.warning(plain(f"{name}: {run.problem}"), icon=":material/warning:")
    return group, names


def train(slot, n_steps):
    """Button callback: ``n_steps`` on every run of the group kept in ``slot`` (a diverged run waits)."""
    kept = slot.get()
    if kept is not None:
        kept[0].train(n_steps)


def reset(slot, play_key):
    """Button callback: every run back to its initial weights, and Play off."""
    kept = slot.get()
    if kept is not None:
        kept[0].reset()
    st.session_state[play_key] = False


def step_buttons(slot, keys):
    """Step, ×10, ×100, Play, Reset for every run at once, and the steps per frame while playing; ``keys``
    has step1, step10, step100, play, reset and per_frame. Returns (whether Play is on, steps per frame)."""
    cols = st.columns(5, vertical_alignment="center")
    buttons = (("Step", 1, keys.step1), ("×10", 10, keys.step10), ("×100", 100, keys.step100))
    for col, (label, n, key) in zip(cols[:3], buttons, strict=True):
        col.button(label, on_click=train, args=(slot, n), key=key, width="stretch")
    playing = cols[3].toggle("Play", key=keys.play)
    cols[4].button(
        "Reset", on_click=reset, args=(slot, keys.play), key=keys.reset, width="stretch",
        help="Back to each run's initial weights",
    )  # fmt: skip
    per_frame = st.select_slider("Steps per frame when playing", STEPS_PER_FRAME, value=1, key=keys.per_frame)
    return playing, per_frame


def live_view(group, playing, per_frame, draw):
    """The page's charts in a fragment that, while playing, trains every run ``per_frame`` steps and calls
    ``draw()`` again every ``FRAME_SECONDS`` (only the fragment reruns, not the page)."""

    @st.fragment(run_every=FRAME_SECONDS if playing else None)
    def frame():
        if playing:
            group.train(per_frame)
            share.write_frame_step(group)  # the address bar stays a link to what is shown
        draw()

    frame()


def live_pair(figs, keys, playing):
    """Two live charts side by side (static pictures while playing)."""
    for col, fig, key in zip(st.columns(2), figs, keys, strict=True):
        plots.live_chart(col, fig, key, playing)


def where_each_run_is(names, runs, container_key, suffix=""):
    """A caption with each run's step (in a keyed container: the browser benchmark watches it), and a
    warning for each run that diverged."""
    steps = ", ".join(f"{name}: step {run.trainer.step_count:,}" for name, run in zip(names, runs, strict=True))
    st.container(key=container_key).caption(f"{steps}.{suffix}")
    going = any(run.trainer.diverged is None for run in runs)
    rest = "the others go on" if going else "every run has stopped: lower the learning rate, or Reset"
    for name, run in zip(names, runs, strict=True):
        if run.trainer.diverged is not None:
            st.warning(plain(f"{name} diverged at step {run.trainer.diverged.step:,}; {rest}."))
