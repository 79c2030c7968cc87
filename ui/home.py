"""The Home page's y = w·x + b on house prices: its data and its full-batch gradient-descent run."""

from __future__ import annotations

import streamlit as st

from weightviz import datasets
from weightviz.model import MLP
from weightviz.trainer import Trainer

from . import state

KEYS = state.HOME_KEYS
LEARNING_RATES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)


def data():
    """The house-price data of the Home page (its training set), made once per session."""
    if state.HOME_DATA.get() is None:
        ds = datasets.house_prices(n_samples=60, seed=0)
        state.HOME_DATA.set({"dataset": ds, "x": ds.X_train[:, 0], "y": ds.y_train})
    return state.HOME_DATA.get()


def start(w, b, lr):
    """Button callback: a fresh full-batch gradient-descent run of y = w·x + b starting at (w, b)."""
    home = data()
    model = MLP([1, 1], task="regression", init="zeros")
    model.weights[0][0, 0], model.biases[0][0] = w, b
    X = home["x"][:, None]
    t = state.HOME_TRAINER.set(Trainer(model, X, home["y"], optimizer="sgd", lr=lr, batch_size=len(X)))
    t.start_point, t.rates = (w, b), {lr}  # what a link needs to know (Descent)


def steps(n_steps, lr):
    """Button callback: ``n_steps`` of gradient descent (starting from the sliders if nothing has started)."""
    if state.HOME_TRAINER.get() is None:
        start(st.session_state.get(KEYS.w, 0.5), st.session_state.get(KEYS.b, 2.0), lr)
    t = state.HOME_TRAINER.get()
    if t.diverged is not None and lr != t.lr:
        t.recover(lr)  # back to the last healthy (w, b), at the new rate
    t.lr = lr
    t.rates.add(lr)
    t.run(n_steps)


class Descent:
    """The Home page's descent as a link sees it (``ui.share``): a link carries its steps when it started
    from the (w, b) the sliders show and took every step at the learning rate they show."""

    def __init__(self, t, w, b, lr):
        self.trainer, self.now = t, (w, b, lr)

    def unreplayable(self):
        t, (w, b, lr) = self.trainer, self.now
        if t is None:
            return None
        if t.start_point != (w, b):
            return "the descent started from another (w, b) than the sliders show"
        if t.rates != {lr}:
            return "its learning rate changed between steps"
        return t.unreplayable

    def live_changes(self):
        return []

    def replay(self, step, changes, progress=None):
        """Restart from the sliders and take ``step`` steps at their rate (``changes`` is empty here)."""
        w, b, lr = self.now
        start(w, b, lr)
        self.trainer = state.HOME_TRAINER.get()
        self.trainer.run(step)
        return self.trainer.step_count

    @property
    def step_counts(self):
        return [0 if self.trainer is None else self.trainer.step_count]


def trainer():
    """The Home page's gradient-descent run, or None before the first start."""
    return state.HOME_TRAINER.get()


def path():
    """(steps, 2) array of (w, b) after each recorded step, or None before the first start."""
    t = trainer()
    if t is None:
        return None
    return t.history.parameter_path(slice(0, 2))


FURTHER = (  # (page, label, icon)
    ("pages/train.py", "Train: networks layer by layer — weights, gradients, histograms, Play",
     ":material/model_training:"),
    ("pages/initializers.py", "Initializers side by side: vanishing, exploding and healthy signals",
     ":material/compare:"),
    ("pages/regularization.py", "Regularization side by side: L1's exact zeros, L2, weight decay, dropout, λ paths",
     ":material/compress:"),
    ("pages/attributions.py", "Attributions: exact Shapley values of your model, drawn as shap draws them",
     ":material/insights:"),
)  # fmt: skip


def go_further():
    """Links to the pages that take the home page's one weight further."""
    for page, label, icon in FURTHER:
        st.page_link(page, label=label, icon=icon)
