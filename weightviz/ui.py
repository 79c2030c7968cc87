"""The one package module that talks to Streamlit: per-user state behind small functions.

Pages read widgets, call these, and render. The trainer lives in ``st.session_state`` (one per
browser session), never in ``st.cache_resource``, which every visitor would share.
"""

from __future__ import annotations

import streamlit as st

from . import experiment

TRAINER_KEY = "trainer"
CONFIG_KEY = "config"
DATASET_KEY = "dataset"
MESSAGE_KEY = "message"


def current_config():
    """The configuration kept across reruns and page switches (defaults on first visit)."""
    return st.session_state.setdefault(CONFIG_KEY, experiment.Config())


def get_trainer(config):
    """The session's trainer for ``config``: rebuilt when the configuration changed, else reused.

    A configuration that cannot be built keeps the current trainer and leaves a message.
    """
    state = st.session_state
    if state.get(TRAINER_KEY) is None or state.get(CONFIG_KEY) != config:
        try:
            dataset, trainer = experiment.build(config)
        except ValueError as e:
            state[MESSAGE_KEY] = f"That configuration cannot be trained: {e}"
            if state.get(TRAINER_KEY) is None:  # nothing to keep: fall back to the defaults
                config = experiment.Config()
                state[CONFIG_KEY] = config
                state[DATASET_KEY], state[TRAINER_KEY] = experiment.build(config)
            return state[DATASET_KEY], state[TRAINER_KEY]
        state[CONFIG_KEY], state[DATASET_KEY], state[TRAINER_KEY] = config, dataset, trainer
    return state[DATASET_KEY], state[TRAINER_KEY]


def train(n_steps):
    """Button callback: run ``n_steps`` on the session's trainer and keep what it said."""
    trainer = st.session_state.get(TRAINER_KEY)
    if trainer is None:
        return
    result = trainer.run(n_steps)
    st.session_state[MESSAGE_KEY] = result.message if result is not None and result.diverged else None


def reset():
    """Button callback: back to the initial weights."""
    trainer = st.session_state.get(TRAINER_KEY)
    if trainer is not None:
        trainer.reset()
    st.session_state[MESSAGE_KEY] = None


def show_message():
    """Show (once) what the last action reported: a divergence or a configuration that failed."""
    message = st.session_state.get(MESSAGE_KEY)
    if message:
        st.warning(message)
