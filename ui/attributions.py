"""The Attributions page: which features drove each prediction of the session's model, and by how much —
Shapley values (exact where affordable) drawn as the ``shap`` library draws them, beside the gradient
methods, the weights of a linear model, and attribution maps for images."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from weightviz import datasets, experiment, figures, limits, shapley

from . import controls, share, state
from .runs import Run
from .text import plain

KEYS, CHART = state.ATTR_KEYS, state.ATTR_CHART_PREFIX
PAGE = "attributions"
TRAIN_SOURCE, OWN_SOURCE = "the Train page's model", "a model trained here"
TRAIN_STEPS = 1000  # what "Train a model here" runs
NETWORK = (16, 16)
ROWS = limits.SHAPLEY_ROWS  # explained rows and background rows: the least and the most
IMAGE_ROWS = 4  # digits drawn as attribution maps
METHODS = ["auto", "exact", "kernel"]
COALITIONS = [256, 512, 1024, 2048, 4096]


# -- the model ------------------------------------------------------------------------------------------
def own_config():
    """The configuration of a model trained here: the chosen dataset and kind."""
    name = st.session_state.get(KEYS.dataset, "diabetes")
    hidden = NETWORK if st.session_state.get(KEYS.kind, "network") == "network" else ()
    return experiment.Config(dataset=name, hidden_sizes=hidden, lr=0.01, batch_size=32)


def train_here():
    """Button callback: a model on the chosen dataset, trained for TRAIN_STEPS, kept for this page."""
    run = Run(own_config())
    run.train(TRAIN_STEPS)
    state.ATTR_RUN.set(run)
    st.session_state[KEYS.source] = OWN_SOURCE


def trainer_controls():
    """Dataset and model for a model trained here, and the button."""
    names = [n for n in datasets.DATASETS if n != "house_prices"]
    if st.session_state.get(KEYS.dataset) not in names:
        st.session_state[KEYS.dataset] = "diabetes"
    cols = st.columns([2, 2, 2], vertical_alignment="bottom")
    cols[0].selectbox(
        "Dataset", names, names.index("diabetes"), key=KEYS.dataset, format_func=lambda n: n.replace("_", " "),
        bind=state.URL,
    )  # fmt: skip
    controls.keep_valid(KEYS.kind, ["linear", "network"], "network")
    cols[1].radio("Model", ["linear", "network"], 1, key=KEYS.kind, horizontal=True, bind=state.URL)
    cols[2].button(f"Train {TRAIN_STEPS:,} steps", key=KEYS.train, on_click=train_here, width="stretch")


def chosen_run():
    """(The run to explain: the Train page's, or one trained here (the page asks when both exist), None before
    either exists; what a link's replay said.) A link to a model trained here trains it the same steps."""
    with st.expander("Train a model here", expanded=state.ATTR_RUN.get() is None and not share.link_has_step(PAGE)):
        trainer_controls()
    replayed = None
    if share.link_has_step(PAGE):  # the sender's model was trained here: so is the receiver's
        state.ATTR_RUN.set(Run(own_config()))
        st.session_state[KEYS.source] = OWN_SOURCE
        replayed = share.replay_link(PAGE, state.ATTR_RUN.get())
    sources = {TRAIN_SOURCE: state.TRAIN_RUN.get(), OWN_SOURCE: state.ATTR_RUN.get()}
    available = [name for name, run in sources.items() if run is not None]
    if not available:
        st.info("Train a model on the Train page, or here with one click, and its attributions appear.")
        return None, replayed
    if st.session_state.get(KEYS.source) not in available:
        st.session_state[KEYS.source] = available[0]
    source = st.radio("Explain", available, key=KEYS.source, horizontal=True) if len(available) > 1 else available[0]
    return sources[source], replayed


def shared(run):
    """What a link to this page carries: the model trained here (its steps replay), or, for the Train page's
    model, the settings only."""
    if run is not None and run is state.ATTR_RUN.get():
        if run.config != own_config():
            return share.ConfigOnly("the model here was trained with other settings than those shown: train it "
                                    "again to share it")  # fmt: skip
        return run
    return share.ConfigOnly("a link to this page carries a model trained here; share the Train page's model from there")


# -- what is explained ------------------------------------------------------------------------------------
def settings(run):
    """Output, method and sizes; returns the keyword arguments of ``shapley.explain``. A kept choice that does
    not fit this model (a class it lacks, a row past its rows) falls back to the first."""
    ds = run.dataset
    slots = iter(st.columns(4, vertical_alignment="bottom"))  # filled from the left with what applies
    output, probability = 0, False
    if ds.task == "multiclass":
        classes = list(range(len(ds.class_names)))
        controls.keep_valid(KEYS.output, classes, 0)
        output = next(slots).selectbox(
            "Class", classes, key=KEYS.output, format_func=lambda c: ds.class_names[c], bind=state.URL
        )
    if ds.task != "regression":
        probability = next(slots).checkbox(
            "As a probability", key=KEYS.probability, help="Otherwise the logit", bind=state.URL
        )
    d = ds.n_features
    if d <= shapley.MAX_EXACT_FEATURES:
        controls.keep_valid(KEYS.method, METHODS, "auto")
        method = next(slots).selectbox(
            "Method", METHODS, key=KEYS.method, help=f"auto: exact up to {shapley.EXACT_UP_TO} features", bind=state.URL
        )
    else:  # (no widget: the choice made for a smaller model stays for the next one)
        method = "kernel"
        next(slots).caption(f"Kernel SHAP: {d} features are too many for exact values")
    samples = 2048
    if method == "kernel" or (method == "auto" and d > shapley.EXACT_UP_TO):
        controls.keep_valid(KEYS.samples, COALITIONS, 2048)
        samples = next(slots).select_slider("Coalitions", COALITIONS, 2048, key=KEYS.samples, bind=state.URL)
    left, right = st.columns(2)
    controls.keep_valid(KEYS.rows, range(ROWS[0], ROWS[1] + 1), 50)
    controls.keep_valid(KEYS.background, range(ROWS[0], ROWS[1] + 1), 50)
    n_rows = left.slider("Rows to explain (test set)", *ROWS, 50, key=KEYS.rows, bind=state.URL)
    n_background = right.slider("Background rows (training set)", *ROWS, 50, key=KEYS.background, bind=state.URL)
    return {"n_rows": n_rows, "n_background": n_background, "output": output, "probability": probability,
            "method": method, "n_samples": samples}  # fmt: skip


WIDGETS = ("dataset", "kind", "source", "output", "probability", "method", "samples", "rows", "background",
           "row", "feature", "colour")  # fmt: skip


def restore_widgets():
    """Top of the page: the values Streamlit dropped on another page (:func:`state.restore_widgets`)."""
    state.restore_widgets(state.ATTR_WIDGETS)


def remember_widgets():
    state.remember_widgets(state.ATTR_WIDGETS, [getattr(KEYS, name) for name in WIDGETS])


def explanation(run, asked):
    """The attributions for ``asked`` on the run's model as it is now: computed under a progress bar, kept
    while the weights and the question stay the same (the key holds a hash of the weights)."""
    model = run.trainer.model
    weights = hashlib.sha256(model.params.tobytes()).hexdigest()[:16]
    key = (id(run), weights, run.config, tuple(sorted(asked.items())))
    kept = state.ATTR_RESULT.get()
    if kept is not None and kept[0] == key:
        return kept[1]
    bar = st.progress(0.0, text="Computing the attributions…")

    def report(done, total):
        bar.progress(done / max(total, 1), text=f"Coalitions evaluated: {done:,} of {total:,}")

    try:
        with run.trainer.lock:
            result = shapley.explain(model, run.dataset, progress=report, **asked)
    except ValueError as e:
        bar.empty()
        st.warning(plain(f"Not computed: {e}."), icon=":material/warning:")
        return None
    bar.empty()
    state.ATTR_RESULT.set((key, result))
    return result


# -- what is drawn --------------------------------------------------------------------------------------
def summary(run, result):
    """One paragraph: what is explained, how, and the local-accuracy check."""
    gap = float(np.abs(result.base + result.phi.sum(axis=1) - result.outputs).max())
    d = len(result.feature_names)
    how = (
        f"exact Shapley values over all {2**d:,} coalitions of the {d} features"
        if result.method == "exact"
        else f"Kernel SHAP over sampled coalitions of the {d} features"
    )
    st.markdown(
        f"Explaining the **{plain(result.output_name)}** of the model at step {run.trainer.step_count:,} on "
        f"{len(result.rows)} test rows against {result.n_background} training rows (the background: a feature "
        f"'absent' from a coalition takes their values): {how}, {result.evaluations:,} network evaluations. "
        f"The base value {result.base:.4g} is the mean output over the background; for every row the "
        f"attributions add up to its output minus the base (largest gap {gap:.1e})."
    )


def charts(run, result):
    """Importance and beeswarm; a row's waterfall and a feature's dependence; weights (linear models) or the
    gradient methods (networks); attribution maps for images."""
    names, phi = result.feature_names, result.phi
    left, right = st.columns(2)
    left.plotly_chart(figures.importance(phi, names), key=f"{CHART}importance")
    right.plotly_chart(figures.beeswarm(phi, result.values, names), key=f"{CHART}beeswarm")
    st.caption(
        "Left: how much each feature moves the output on average, either way. Right: every explained row as a "
        "dot per feature, right of the line when the feature pushed that row's output up; red dots are rows "
        "where the feature's value is high, blue where it is low."
    )
    left, right = st.columns(2)
    with left:
        controls.keep_valid(KEYS.row, range(1, len(result.rows) + 1), 1)
        row = st.number_input("Row", 1, len(result.rows), key=KEYS.row, bind=state.URL) - 1
        st.plotly_chart(figures.waterfall(phi[row], result.base, result.values[row], names), key=f"{CHART}waterfall")
    with right:
        order = [int(j) for j in np.argsort(-np.abs(phi).mean(axis=0))]
        controls.keep_valid(KEYS.feature, order, order[0])
        controls.keep_valid(KEYS.colour, [None, *order], None)
        feature = st.selectbox("Feature", order, key=KEYS.feature, format_func=lambda j: names[j])
        colour = st.selectbox("Colour by", [None, *order], key=KEYS.colour,
                              format_func=lambda j: "nothing" if j is None else names[j])  # fmt: skip
        st.plotly_chart(
            figures.dependence(
                phi[:, feature], result.values[:, feature], names[feature],
                None if colour is None else result.values[:, colour], None if colour is None else names[colour],
            ),
            key=f"{CHART}dependence",
        )  # fmt: skip
    st.caption(
        "Left: one row's output built from the base value, feature by feature (red up, blue down). Right: a "
        "feature's value against its attribution over the explained rows — a straight line for a linear model's "
        "raw output, a curve or a spread where a network or a probability bends it or mixes it with another feature."
    )
    model = run.trainer.model
    raw = result.integrated_gradients is not None  # (a probability bends even a linear model)
    if not run.config.hidden_sizes and model.layer_sizes[-1] == 1 and raw:
        st.plotly_chart(figures.weights_and_attributions(model.weights[0][:, 0], phi, names), key=f"{CHART}weights")
        st.caption(
            "In a linear model the weight is the influence per unit of a feature, and φ_i = w_i·(x_i − mean x_i): "
            "a feature's mean |φ| is its |weight| times how far its values lie from their average. The two "
            "rankings agree only when every feature has the same spread."
        )
    elif raw:
        methods = {
            "Shapley": phi, "Integrated Gradients": result.integrated_gradients,
            "gradient × input": result.gradient_x_input,
        }  # fmt: skip
        st.plotly_chart(figures.methods_compared(methods, names), key=f"{CHART}methods")
        st.caption(
            "The same rows by two cheap methods that follow the network's gradient from one point, the background's "
            "mean row: Integrated Gradients (along the straight path to the row) and gradient × input (the slope at "
            "the row only). Shapley values compare with the average output over the background rows instead, so "
            "the methods agree where the network is straight between those points and drift apart where it curves, "
            "more so where features interact."
        )
    if run.dataset.name == "digits":
        k = min(IMAGE_ROWS, len(result.rows))
        predicted = run.trainer.model.predict(result.rows[:k]).argmax(axis=1)
        captions = [f"row {i + 1}, predicted {run.dataset.class_names[p]}" for i, p in enumerate(predicted)]
        images = figures.attribution_images(phi[:k], result.values[:k], (8, 8), captions,
                                            title=f"Which pixels pushed the {result.output_name}")  # fmt: skip
        st.plotly_chart(images, key=f"{CHART}images")
        st.caption("Each digit beside its attributions: red pixels raised the output, blue ones lowered it.")
