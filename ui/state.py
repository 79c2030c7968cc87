"""Every key this app keeps in ``st.session_state``, in one place; a test holds that no other module of
``ui/`` or ``pages/`` writes a literal key.

* A :class:`Slot` is a value a page keeps across reruns (a run, the uploaded table), stored under
  ``"page.name"``.
* Widget keys come from :class:`Keys`: a panel of run controls takes its keys from one ``Keys`` object,
  so a page can draw N panels of the same controls with N prefixes. A ``Keys`` only hands out the
  names it was made with: a typo is an error, not a new session key.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from weightviz import limits


@dataclass(frozen=True)
class Slot:
    """A value kept for one page across reruns and page switches."""

    page: str
    name: str
    default: object = None

    @property
    def key(self):
        return f"{self.page}.{self.name}"

    def get(self):
        return st.session_state.get(self.key, self.default)

    def set(self, value):
        st.session_state[self.key] = value
        return value

    def clear(self):
        st.session_state.pop(self.key, None)

    def is_set(self):
        return self.key in st.session_state


def restore_widgets(slot):
    """Top of a page, before any widget: give back the values (kept in ``slot`` by :func:`remember_widgets`)
    that Streamlit dropped because their widgets were not drawn in a run — a closed tab, a hidden panel,
    another page."""
    for key, value in (slot.get() or {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def remember_widgets(slot, keys):
    """End of a page: keep in ``slot`` the value of each of ``keys`` that was drawn. (Widgets given a default
    value in their call must not be listed: Streamlit refuses a value set both ways.)"""
    kept = dict(slot.get() or {})
    kept.update({key: st.session_state[key] for key in keys if key in st.session_state})
    slot.set(kept)


class Keys:
    """Widget keys ``prefix + name`` for a fixed set of names: ``keys.seed`` is ``"w_seed"`` for prefix ``"w_"``."""

    def __init__(self, prefix, names):
        self._prefix, self._names = prefix, frozenset(names)

    def __getattr__(self, name):
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"no widget key {name!r} (known: {', '.join(sorted(self._names))})")
        return self._prefix + name

    def with_prefix(self, prefix):
        """The same widgets for another panel (``Keys("a_", …)`` and ``Keys("b_", …)`` never collide)."""
        return Keys(prefix, self._names)


URL = "query-params"  # ``bind=state.URL``: a widget that is part of a page's configuration lives in the URL

# -- the controls of one run (Train's sidebar; a comparison page draws one panel per run) -----------
RUN_WIDGETS = (
    "dataset",
    "noise",
    "csv_file",
    "csv_target",
    "csv_features",
    "csv_drop",
    "kind",
    "hidden",
    "activation",
    "dropout",
    "batch_norm",
    "init",
    "optimizer",
    "lr",
    "schedule",
    "schedule_steps",
    "batch",
    "l1",
    "l2",
    "seed",
)
TRAIN_RUN_KEYS = Keys("w_", RUN_WIDGETS)

# -- the Train page --------------------------------------------------------------------------------
TRAIN_KEYS = Keys(
    "",
    (
        "w_play",
        "w_steps_per_frame",
        "w_long_steps",
        "w_layer",
        "w_detail",
        "w_follow",
        "w_snapshot",
        "w_weights_file",
        "w_download_weights",
        "w_download_history",
        "step1",
        "step10",
        "step100",
        "reset",
        "long",
        "stop",
        "rewind",
    ),
)
TRAIN_RUN = Slot("train", "run")  # runs.Run: configuration, dataset, trainer, problems
CSV_TABLE = Slot("train", "csv_table")  # (content id, compact DataFrame, upload id) of the last upload
CSV_DATASET = Slot("train", "csv_dataset")  # the Dataset made from it for the chosen columns
CSV_CHOICE = Slot("train", "csv_choice")  # (file id, target, features) last chosen
LAYER_SPECTRA = Slot("train", "layer_spectra")  # {(trainer, step, layer, …): spectra} (ui.sections.layer_spectra)
DETAIL_TAB = Slot("train", "detail_tab")  # {panel prefix: kind of the layer inspector's open tab}

# -- the Home page -----------------------------------------------------------------------------------
HOME_KEYS = Keys("home_", ("w", "b", "lr", "start", "step1", "step10", "rewind", "fit", "surface"))
INIT_GROUP = Slot("initializers", "group")  # (runs.RunGroup, run names, key) of the Initializers page
INIT_RUN_KEYS = TRAIN_RUN_KEYS.with_prefix("i_")  # the shared data and training controls, apart from Train's
INIT_KEYS = Keys(
    "i_", ("inits", "depth", "width", "clip", "play", "per_frame", "view", "step1", "step10", "step100", "reset")
)
INIT_OPTION = "i_opt_"  # + initializer + "_" + option: the option's field (e.g. i_opt_normal_std)
INIT_CHART_PREFIX = "i_chart_"  # + the chart's name: the keys of the page's charts

# -- the Regularization page -------------------------------------------------------------------------
REG_GROUP = Slot("regularization", "group")  # (runs.RunGroup, run names, key) of the Regularization page
REG_RUN_KEYS = TRAIN_RUN_KEYS.with_prefix("r_")  # the shared data, model and training controls
REG_KEYS = Keys("rp_", ("preset", "runs", "play", "per_frame", "view", "detail", "step1", "step10", "step100", "reset"))
REG_SETTINGS = tuple(
    Keys(f"r{i + 1}_", ("optimizer", "l1", "l2", "decay", "dropout")) for i in range(limits.SIDE_BY_SIDE_RUNS)
)
REG_CHART_PREFIX = "rp_chart_"  # + the chart's name: the keys of the page's charts
REG_WIDGETS = Slot("regularization", "widgets")  # {widget key: value} last drawn (Streamlit drops hidden ones)

# -- the Attributions page ----------------------------------------------------------------------------
ATTR_RUN = Slot("attributions", "run")  # runs.Run trained on the Attributions page itself
ATTR_RESULT = Slot("attributions", "result")  # (what was explained: a key, shapley.Explanation)
ATTR_KEYS = Keys(
    "a_",
    ("source", "dataset", "kind", "train", "output", "probability", "method", "rows", "background", "samples",
     "row", "feature", "colour"),
)  # fmt: skip
ATTR_CHART_PREFIX = "a_chart_"  # + the chart's name
ATTR_WIDGETS = Slot("attributions", "widgets")  # {widget key: value} last drawn

# -- the Transfer page -------------------------------------------------------------------------------------
TRANSFER_GROUP = Slot("transfer", "group")  # (runs.RunGroup, run names, key) of the Transfer page
TRANSFER_RUN_KEYS = TRAIN_RUN_KEYS.with_prefix("t_")  # the network and training controls
TRANSFER_KEYS = Keys(
    "t_",
    ("task", "pre_steps", "shifted", "per_class", "weights_file", "forget_file", "goal", "layer", "play",
     "per_frame", "step1", "step10", "step100", "reset", *(f"plan{i}" for i in range(8))),
)  # fmt: skip
TRANSFER_CHART_PREFIX = "t_chart_"  # + the chart's name
TRANSFER_WIDGETS = Slot("transfer", "widgets")  # {widget key: value} last drawn
TRANSFER_UPLOAD = Slot("transfer", "upload")  # (file id, transfer.Pretrained, name) of the last usable weights file

# -- the Inspect page -----------------------------------------------------------------------------------------
INSPECT_KEYS = Keys("x_", ("source", "file", "forget", "tensor"))
INSPECT_FILE = Slot("inspect", "file")  # (file id, file name, [tensors.Tensor]) of the last usable upload
INSPECT_SPECTRA = Slot("inspect", "spectra")  # {(file id, tensor name): (spectra.Summary, random's Summary)}
INSPECT_CHART_PREFIX = "x_chart_"

HOME_DATA = Slot("home", "data")  # the house prices: dataset, x, y
HOME_TRAINER = Slot("home", "trainer")  # the gradient-descent run, None before the first start

# -- sharing -----------------------------------------------------------------------------------------------
LINK_OPENED = Slot("share", "opened")  # {page: what its link gave, whether checked and replayed} (ui/share.py)
LINK_NOTICE = Slot("share", "notice")  # this run's container at the top of the page for a link's warning, or None
UNUSABLE = Slot("share", "unusable")  # fields of this page run whose text the run does not use (ui.controls)
SHARE_PREFIX = "share_"  # + page + "_download" / "_file": the Share box's widgets

# -- navigation --------------------------------------------------------------------------------------
NAVIGATED = Slot("app", "navigated", False)  # this session ran through app.py
GOTO = "goto"  # the URL parameter that carries a deep link through app.py
