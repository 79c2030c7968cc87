"""The Regularization page: the same model trained on the same data and mini-batches with two to four
settings of L1, L2, AdamW's weight decay and dropout, side by side; and the regularization paths of the
linear model over λ."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from weightviz import activations, experiment, figures, limits, paths, regularizers, sharing
from weightviz.formatting import typed

from . import controls, groups, plots, state
from .text import plain

KEYS, RUN_KEYS, SETTINGS = state.REG_KEYS, state.REG_RUN_KEYS, state.REG_SETTINGS
LINK_CHECKS = controls.text_checks(RUN_KEYS)  # a link's text for a field is checked before it is drawn
CHART = state.REG_CHART_PREFIX
STEPS = f"{CHART}where"  # the container of the caption that says where each run is
DEFAULT = experiment.Config(dataset="sparse_linear", hidden_sizes=(), lr=0.1, batch_size=32)
NETWORK = (32, 32)  # the hidden layers a network starts with here
LETTERS = sharing.RUN_LETTERS
DECAYS = (0.0, 1e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "rmsprop")
COUNTS = list(range(2, limits.SIDE_BY_SIDE_RUNS + 1))  # runs side by side
SETTING_FIELDS = ("optimizer", "l1", "l2", "decay", "dropout")  # what each run sets (a Setting's fields)


@dataclass(frozen=True)
class Setting:
    """What one run changes: its penalties, optimizer (AdamW's decay) and dropout."""

    l1: float = 0.0
    l2: float = 0.0
    optimizer: str = "adam"
    decay: float = 0.0
    dropout: float = 0.0

    @classmethod
    def of(cls, config):
        """The setting a run's configuration holds."""
        decay = config.weight_decay if config.optimizer == "adamw" else 0.0
        return cls(config.l1, config.l2, config.optimizer, decay, config.dropout)

    def describe(self, network):
        """ "L1 1 + L2 0.3", "AdamW decay 0.1, dropout 0.2", "no penalty"."""
        parts = [f"L1 {typed(self.l1)}"] * bool(self.l1) + [f"L2 {typed(self.l2)}"] * bool(self.l2)
        said = " + ".join(parts)
        if self.optimizer == "adamw":
            said = ", ".join([p for p in (said, f"AdamW decay {typed(self.decay)}") if p])
        elif self.optimizer != "adam":
            said = ", ".join([self.optimizer, said] if said else [self.optimizer])
        if network and self.dropout:
            said = ", ".join([p for p in (said, f"dropout {typed(self.dropout)}") if p])
        return said or "no penalty"


# preset: (runs, the shared controls it sets). A preset is where the settings start: after it, each control is
# yours, and a link holds what differs from the preset (each control states its preset's value as default).
SPARSE_LINEAR = {RUN_KEYS.dataset: "sparse_linear", RUN_KEYS.noise: 1.0, RUN_KEYS.kind: "linear"}
PRESETS = {
    "none / L1 / L2 / elastic net": (
        [Setting(), Setting(l1=1.0), Setting(l2=0.1), Setting(l1=0.3, l2=0.3)],
        SPARSE_LINEAR,
    ),
    "Adam + L2 vs AdamW": ([Setting(l2=0.1), Setting(optimizer="adamw", decay=0.1)], SPARSE_LINEAR),
    "dropout on noisy moons": (
        [Setting(), Setting(dropout=0.2), Setting(dropout=0.5)],
        {RUN_KEYS.dataset: "small_moons", RUN_KEYS.noise: 0.3, RUN_KEYS.kind: "network", RUN_KEYS.hidden: "64, 64"},
    ),
}
FIRST_PRESET = "none / L1 / L2 / elastic net"
DROPOUTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7)


def preset_values(name):
    """Every control a preset sets, {key: value}: the run count, all four runs' settings (runs past its count
    at no penalty), the data and the model."""
    runs, shared = PRESETS[name]
    values = {KEYS.runs: len(runs), RUN_KEYS.hidden: ", ".join(map(str, NETWORK)), **shared}
    for i, keys in enumerate(SETTINGS):
        setting = runs[i] if i < len(runs) else Setting()
        values.update({getattr(keys, field): getattr(setting, field) for field in SETTING_FIELDS})
    return values


def stated(key):
    """The default the control ``key`` states: the value the current preset gives it."""
    return preset_values(st.session_state.get(KEYS.preset, FIRST_PRESET))[key]


def apply_preset():
    """Preset callback: write its runs' settings and the shared controls it names into the widgets."""
    st.session_state.update(preset_values(st.session_state[KEYS.preset]))


def widget_keys():
    """Every widget of the page whose value should outlive a run that does not draw it (the other tab, a run
    hidden by a smaller count, another page): the shared controls, the preset, the count and all four runs'
    settings. (Not the CSV uploader, whose file cannot be set back, nor widgets given a default value.)"""
    shared = [getattr(RUN_KEYS, name) for name in state.RUN_WIDGETS if name != "csv_file"]
    runs = [getattr(keys, field) for keys in SETTINGS for field in SETTING_FIELDS]
    return [*shared, KEYS.preset, KEYS.runs, *runs]


def restore_widgets():
    """Top of the page, before any widget: the values Streamlit dropped (:func:`state.restore_widgets`); on
    the first visit, the first preset."""
    state.restore_widgets(state.REG_WIDGETS)
    if KEYS.preset not in st.session_state:  # a first visit: the preset a link names, else the first
        linked = st.query_params.get(KEYS.preset)
        st.session_state[KEYS.preset] = linked if linked in PRESETS else FIRST_PRESET
        apply_preset()


def kept_group():
    """The page's run group (also while the λ-sweep tab is open), or None before one was built."""
    kept = state.REG_GROUP.get()
    return None if kept is None else kept[0]


def remember_widgets():
    """End of the page: keep the value of every widget that was drawn."""
    state.remember_widgets(state.REG_WIDGETS, widget_keys())


def shared_config():
    """The sidebar: data, model and training, shared by every run."""
    st.subheader("Data")
    defaults = DEFAULT.replace(dataset=stated(RUN_KEYS.dataset))  # (its noise: the dataset's own, as the presets')
    dataset, noise, csv_id = controls.data_controls(DEFAULT, RUN_KEYS, defaults)
    st.subheader("Model")
    controls.seed_widget(RUN_KEYS.kind, "linear")
    kinds = ["linear", "network"]
    kind = st.radio("Model", kinds, kinds.index(stated(RUN_KEYS.kind)), key=RUN_KEYS.kind, horizontal=True,
                    bind=state.URL)  # fmt: skip
    model = {"hidden_sizes": ()}
    if kind == "network":
        controls.seed_widget(RUN_KEYS.hidden, ", ".join(map(str, NETWORK)))
        text = st.text_input(
            "Hidden layer sizes", stated(RUN_KEYS.hidden), key=RUN_KEYS.hidden, bind=state.URL,
            help="Units per hidden layer, e.g. 64, 64",
        )  # fmt: skip
        model["hidden_sizes"] = controls.hidden_sizes(text, NETWORK)
        model["activation"] = st.selectbox(
            "Activation", list(activations.ACTIVATIONS), key=RUN_KEYS.activation, bind=state.URL
        )
    st.subheader("Training")
    training = controls.training_controls(DEFAULT, RUN_KEYS, per_run=("optimizer", "l1", "l2"), defaults=DEFAULT)
    return DEFAULT.replace(dataset=dataset, noise=noise, csv_id=csv_id, **model, **training)


def run_settings(network):
    """The preset and, a column per run, each run's optimizer, L1, L2, AdamW decay and dropout. Returns the
    list of :class:`Setting`."""
    top = st.columns([3, 1], vertical_alignment="bottom")
    top[0].selectbox("Preset", list(PRESETS), key=KEYS.preset, on_change=apply_preset, bind=state.URL)
    n_runs = top[1].selectbox("Runs", COUNTS, stated(KEYS.runs) - 2, key=KEYS.runs, bind=state.URL)
    settings = []
    for letter, keys, col in zip(LETTERS, SETTINGS, st.columns(n_runs), strict=False):
        with col:
            st.markdown(f"**Run {letter}**")
            optimizer = controls.select("Optimizer", OPTIMIZERS, keys.optimizer, *[stated(keys.optimizer)] * 2)
            l1 = _slider("L1 λ", controls.PENALTIES, keys.l1, stated(keys.l1))
            l2 = _slider("L2 λ", controls.PENALTIES, keys.l2, stated(keys.l2))
            decay = _slider("AdamW decay", DECAYS, keys.decay, stated(keys.decay), disabled=optimizer != "adamw")
            dropout = _slider("Dropout", DROPOUTS, keys.dropout, stated(keys.dropout), disabled=not network)
            settings.append(Setting(l1, l2, optimizer, decay, dropout))
    pulls = {f"{letter}: {s.describe(network)}": (s.l1, s.l2) for letter, s in zip(LETTERS, settings, strict=False)}
    st.plotly_chart(figures.penalty_pull(pulls), key=f"{CHART}pull")  # (it also loads Plotly.js for the live charts)
    st.caption(
        "L1 pulls a weight toward 0 with the same force however small it is, so a weight whose data pull is "
        "weaker lands on exactly 0 (and stays there while it is weaker); L2's pull fades as the weight shrinks, "
        "so weights get small, never 0. (AdamW's decay and dropout act elsewhere: the decay multiplies each "
        "weight by 1 − η·λ a step.)"
    )
    return settings


def _slider(label, options, key, default, disabled=False):
    """A select slider over ``options`` bound to the URL, showing ``default`` (the preset's) when nothing
    set it; a kept value the browser sent back as text goes to the nearest."""
    controls.keep_valid(key, options, controls.nearest(options, _number(st.session_state.get(key, default))))
    return st.select_slider(label, options, default, typed, key=key, disabled=disabled, bind=state.URL)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def configs_for(base, settings):
    """One configuration per run: the shared one with the run's optimizer, penalties, decay and dropout."""
    return [
        base.replace(
            optimizer=s.optimizer, l1=s.l1, l2=s.l2, weight_decay=s.decay if s.optimizer == "adamw" else 0.01,
            dropout=s.dropout if base.hidden_sizes else 0.0,
        )
        for s in settings
    ]  # fmt: skip


def current_group(base, settings):
    """The group of runs for these settings (kept by run letter: a run whose penalties change goes on with
    them) and each run's label, from what it actually trains with: "B: L1 1"."""
    group, names = groups.current_group(state.REG_GROUP, configs_for(base, settings), list(LETTERS[: len(settings)]))
    network = bool(base.hidden_sizes)
    labels = [f"{name}: {Setting.of(run.config).describe(network)}" for name, run in zip(names, group, strict=True)]
    return group, labels


def dataset_for(base):
    """The data the page's configuration names (an uploaded table for a CSV; None when there is none yet)."""
    if base.dataset == experiment.CSV:
        return state.CSV_DATASET.get() if base.csv_id else None
    return experiment.load_dataset(base)


# -- what is drawn ---------------------------------------------------------------------------------
def over_time(labels, runs):
    """(share of exactly-zero weights, weight norm) over the steps, one line per run."""
    zeros, norms = {}, {}
    for name, run in zip(labels, runs, strict=True):
        history, model = run.trainer.history, run.trainer.model
        sizes = np.array([W.size for W in model.weights], dtype=float)
        steps, zero_shares = history.scalar_steps, history.layer_stat("w_zero")[1]
        zeros[name] = (steps, zero_shares @ sizes / sizes.sum())
        norms[name] = (steps, np.sqrt((history.layer_stat("w_norm")[1] ** 2).sum(axis=1)))
    return (
        figures.runs_over_time(zeros, "Weights exactly 0", "share of weights", percent=True),
        figures.runs_over_time(norms, "Size of the weights ‖W‖", "‖W‖ (all layers)"),
    )


def shrinkage(labels, runs):
    """The points and lines of :func:`figures.adam_shrinkage` from each run's optimizer state now."""
    adam_l2, adamw = {}, {}
    for name, run in zip(labels, runs, strict=True):
        trainer = run.trainer
        n_w, opt = trainer.model.n_weights, trainer.optimizer
        lr = trainer.lr_at(trainer.lr, max(trainer.t - 1, 0))
        if trainer.optimizer_name == "adam" and trainer.l2 and opt.t:
            v = opt.v[:n_w]
            adam_l2[name] = (
                np.sqrt(v / (1 - opt.beta2**opt.t)),
                regularizers.adam_l2_shrinkage(v, opt.t, lr, trainer.l2),
            )
        elif trainer.optimizer_name == "adamw" and opt.weight_decay:
            adamw[name] = regularizers.adamw_shrinkage(lr, opt.weight_decay)
    return figures.adam_shrinkage(adam_l2, adamw)


def side_by_side(labels, runs, playing):
    """One frame: where each run is, zeros and norms over time, the coefficients (linear models), and per run
    in tabs (only the open one computed) the generalisation gap, the weights with their zeros, the fit, or
    the Adam + L2 against AdamW chart."""
    groups.where_each_run_is(labels, runs, STEPS, " Same data, same first weights, same mini-batches.")
    groups.live_pair(over_time(labels, runs), (f"{CHART}zeros", f"{CHART}norms"), playing)
    st.caption(
        "Left: the share of weights that are exactly 0 — L1 sets weights to 0 (a weight leaves 0 again only when "
        "a mini-batch pulls on it harder than λ, so the share wobbles); L2 and "
        "weight decay only make them small. Right: the size of all weights together; every penalty pulls it down."
    )
    ds = runs[0].dataset
    if not runs[0].config.hidden_sizes and ds.n_outputs == 1:
        coefs = {name: run.trainer.model.weights[0][:, 0] for name, run in zip(labels, runs, strict=True)}
        figure = figures.coefficients(coefs, ds.feature_names, ds.true_weights)
        plots.live_chart(st.container(), figure, f"{CHART}coefs", playing)
        st.caption(
            "Each feature's weight in each run, a 0 above a weight that is exactly zero"
            + ("; the black diamonds are the weights the data were made with." if ds.true_weights is not None else ".")
        )
    labels_of_tabs = ["Train vs test loss", "Weights and zeros", "Fit", "Adam + L2 vs AdamW"]
    tabs = st.tabs(labels_of_tabs, key=KEYS.detail, on_change="rerun")
    builders = (
        (lambda run: figures.generalisation_gap(run.trainer.history), "gap",
         "Train loss (blue) and test loss (orange) per run; the shaded gap is what the model learnt of its "
         "training set's noise (overfitting). A penalty that is too strong lifts both (underfitting)."),
        (lambda run: figures.weights_and_zeros(run.trainer.model.weights), "hist",
         "Every weight of each run; the red bar counts the weights that are exactly 0 (L1's spike)."),
        (lambda run: figures.data_view(run.trainer.model, run.dataset), "fit",
         "What each run's model predicts now: a wiggly curve or boundary that chases single points overfits."),
    )  # fmt: skip
    for tab, (build, name, caption) in zip(tabs[:3], builders, strict=True):
        if tab.open is not False:
            with tab:
                cols = [col for _ in range(0, len(runs), 2) for col in st.columns(2)]
                for i, (col, label, run) in enumerate(zip(cols, labels, runs, strict=False)):
                    col.caption(label)
                    plots.live_chart(col, build(run), f"{CHART}{name}_{i}", playing)
                st.caption(caption)
    if tabs[3].open is not False:
        with tabs[3]:
            plots.live_chart(st.container(), shrinkage(labels, runs), f"{CHART}shrink", playing)
            st.caption(
                "How much of a weight one step removes because of the penalty. Adam divides the L2 penalty's pull "
                "by the size of the weight's own gradients (√v̂), so weights with large gradients are hardly "
                "shrunk (the points fall to the right); AdamW's decay skips that division and shrinks every "
                "weight by the same share η·λ (a flat line). Preset *Adam + L2 vs AdamW* shows both."
            )


# -- the λ sweep --------------------------------------------------------------------------------------
MAX_SWEEP_WEIGHTS = limits.SWEEP_WEIGHTS  # weights of the linear model a sweep solves (digits' 640: minutes)
SWEEP_STEPS = limits.SWEEP_STEPS  # proximal steps per λ for classes (an unconverged point is said)


@st.cache_data(max_entries=96, show_spinner=False)
def solved_path(X, y, task, X_test, y_test, names, penalty, l1_ratio):
    """One regularization path of the linear model on this data (cached per data, penalty and, for elastic
    net only, ρ: the same configuration opened again, by anyone, is not solved again; it holds no one's
    model, only the data's)."""
    steps = None if task == "regression" else SWEEP_STEPS
    return paths.path(
        X, y, task, penalty, l1_ratio=l1_ratio, X_test=X_test, y_test=y_test, feature_names=names, max_iter=steps
    )


def sweep(dataset, l1_ratio):
    """{penalty: Path} for L1, L2 and elastic net, under a progress bar while they are solved."""
    ds, out = dataset, {}
    bar = st.progress(0.0, text="Solving the paths…")
    for i, penalty in enumerate(paths.PENALTIES):
        bar.progress(i / len(paths.PENALTIES), text=f"Solving the {penalty.replace('_', ' ')} path…")
        names = tuple(ds.feature_names)
        ratio = l1_ratio if penalty == "elastic_net" else 0.5  # (L1 and L2 do not depend on ρ)
        out[penalty] = solved_path(ds.X_train, ds.y_train, ds.task, ds.X_test, ds.y_test, names, penalty, ratio)
    bar.empty()
    return out


def lambda_sweep(dataset):
    """The regularization paths of the linear model on the page's data, under a progress bar the first time."""
    if dataset is None:
        st.info("Upload a CSV file and choose its columns in the sidebar first.")
        return
    n_weights = dataset.n_features * dataset.n_outputs
    if n_weights > MAX_SWEEP_WEIGHTS:
        st.info(
            f"The sweep solves the linear model for at most {MAX_SWEEP_WEIGHTS} weights; this data gives it "
            f"{n_weights:,} ({dataset.n_features:,} features × {dataset.n_outputs} outputs). Choose fewer columns "
            "of a CSV, or another dataset."
        )
        return
    exactly = "exactly" if dataset.task == "regression" else f"to a tolerance (at most {SWEEP_STEPS:,} steps each)"
    st.markdown(
        f"The **linear model** on this data solved {exactly} at 30 strengths λ of each penalty, from one that "
        "zeroes every weight to one that barely acts (each λ starts from the solution of the one before)."
    )
    ratio = st.slider("Elastic net's L1 share ρ", 0.1, 0.9, 0.5, 0.1, key=f"{CHART}ratio")
    try:
        solved = sweep(dataset, ratio)
    except ValueError as e:
        st.warning(plain(f"No path for this data: {e}."))
        return
    lasso, ridge, net = solved["l1"], solved["l2"], solved["elastic_net"]
    left, right = st.columns(2)
    left.plotly_chart(figures.coefficient_path(lasso), key=f"{CHART}path_l1")
    right.plotly_chart(figures.coefficient_path(ridge), key=f"{CHART}path_l2")
    st.caption(
        "Each line is one feature's weight as the penalty weakens from left to right. Under L1 weights are "
        "exactly 0 until their feature *enters* the model, one after another (the strongest signals first); "
        "under L2 every weight moves smoothly away from 0 as λ weakens (it may cross 0 on the way) and none is "
        "exactly 0 unless its feature never varies."
    )
    left, right = st.columns(2)
    losses = figures.path_losses({"L1": lasso, "L2": ridge, f"elastic net ρ={ratio:g}": net})
    left.plotly_chart(losses, key=f"{CHART}path_losses")
    right.plotly_chart(figures.coefficient_path(net), key=f"{CHART}path_net")
    st.caption(
        "Left: train (dotted) and test (solid) loss against λ. Strong λ (left) underfits: both losses are high. "
        "Weak λ (right) overfits: the train loss keeps falling while the test loss turns up. The star is the λ "
        "with the lowest test loss. Right: elastic net, between the two."
    )
    if not (lasso.converged.all() and net.converged.all() and ridge.converged.all()):
        stopped = int((~lasso.converged).sum() + (~net.converged).sum() + (~ridge.converged).sum())
        st.info(f"{stopped} of the 90 points stopped at the solver's step limit: close to the solution, not exact.")
    st.dataframe(entry_table(lasso, ridge), hide_index=True)
    st.caption(
        "Features in the order they enter the L1 model as λ weakens (the strongest signal first), where a "
        "feature leaves again (it can give way to a correlated one), and each feature's weight at the best λ "
        "of L1 and of L2: L1 sets the weights of features that have not entered to exactly 0."
    )


def entry_table(lasso, ridge):
    """Per feature: the λ at which it enters the L1 model, and its weight at the best λ of L1 and of L2."""
    import pandas as pd

    entry = lasso.entry_lambdas()

    def weight(path):  # one weight per feature (over the classes: their norm)
        w = path.coefs[path.best]
        return w[:, 0] if w.shape[1] == 1 else np.linalg.norm(w, axis=1)

    return pd.DataFrame(
        {
            "feature": lasso.feature_names,
            "enters the L1 model at λ": [f"{e:.3g}" if np.isfinite(e) else "never" for e in entry],
            "leaves it again at λ": [", ".join(f"{x:.3g}" for x in out) or "—" for out in lasso.exit_lambdas()],
            f"L1 weight at best λ {lasso.lambdas[lasso.best]:.3g}": weight(lasso),
            f"L2 weight at best λ {ridge.lambdas[ridge.best]:.3g}": weight(ridge),
        }
    ).sort_values("enters the L1 model at λ", key=lambda s: -pd.to_numeric(s, errors="coerce").fillna(-1))
