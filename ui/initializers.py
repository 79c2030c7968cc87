"""The Initializers page: one network, trained from two to four initializers side by side on the same data
and the same mini-batches, and what each does to the activations and gradients layer after layer."""

from __future__ import annotations

import numpy as np
import streamlit as st

from weightviz import activations, experiment, figures, initializers, limits, propagation

from . import controls, groups, plots, state
from .text import plain

KEYS, RUN_KEYS = state.INIT_KEYS, state.INIT_RUN_KEYS
LINK_CHECKS = controls.text_checks(RUN_KEYS)  # a link's text for a field is checked before it is drawn
DEFAULT = experiment.Config(dataset="spiral", hidden_sizes=(64,) * 8, activation="tanh", lr=0.01, batch_size=64)
DEFAULT_INITS = ["normal", "xavier_normal", "he_normal"]
WIDTHS = [8, 16, 32, 64, 128, 256]
MAX_DEPTH = limits.INIT_HIDDEN_LAYERS  # hidden layers here (Train's limit is 8: its weights files are sized for that)
CHART = state.INIT_CHART_PREFIX
STEPS = f"{CHART}where"  # the container of the caption that says where each run is
TRACE_ROWS = 256  # rows of the training set every trace runs on (the same rows for every run)
OPTION_LABELS = {"std": "σ", "limit": "limit a", "value": "value", "gain": "gain"}
OPTION_RANGES = {"std": (0.0, 100.0), "limit": (0.0, 100.0), "gain": (0.0, 100.0), "value": (-100.0, 100.0)}  # (a σ
# of 1e200 overflows σ²; 100 is far past where a network blows up, enough to show it)


def network_controls(config):
    """Depth, width, activation, batch norm and gradient clipping: Config fields."""
    depth = st.slider("Hidden layers", 1, MAX_DEPTH, len(config.hidden_sizes), key=KEYS.depth, bind=state.URL)
    width = st.select_slider("Units per layer", WIDTHS, config.hidden_sizes[0], key=KEYS.width, bind=state.URL)
    names = list(activations.ACTIVATIONS)
    activation = st.selectbox(
        "Activation", names, names.index(config.activation), key=RUN_KEYS.activation, bind=state.URL
    )
    st.plotly_chart(figures.activation_shape(activation), key=f"{CHART}activation")  # (loads Plotly.js too)
    st.caption("Shaded: where a unit passes (almost) no gradient back.")
    batch_norm = st.checkbox("Batch norm (a remedy)", key=RUN_KEYS.batch_norm, bind=state.URL)
    clip = st.checkbox("Clip the gradient's norm to 1 (a remedy)", key=KEYS.clip, bind=state.URL)
    return {
        "hidden_sizes": (width,) * depth,
        "activation": activation,
        "batch_norm": batch_norm,
        "clip_norm": 1.0 if clip else None,
    }


def base_config():
    """The sidebar: data, network and training, shared by every run."""
    st.subheader("Data")
    dataset, noise, csv_id = controls.data_controls(DEFAULT, RUN_KEYS, DEFAULT)
    st.subheader("Network")
    network = network_controls(DEFAULT)
    st.subheader("Training")
    training = controls.training_controls(DEFAULT, RUN_KEYS, defaults=DEFAULT)
    return DEFAULT.replace(dataset=dataset, noise=noise, csv_id=csv_id, **network, **training)


def chosen_inits():
    """Two to four initializers with their options: [(name shown, init, options as pairs)]."""
    names = st.multiselect(
        "Initializers to compare (2 to 4)", list(initializers.INITIALIZERS), DEFAULT_INITS, key=KEYS.inits,
        max_selections=limits.SIDE_BY_SIDE_RUNS, bind=state.URL,
    )  # fmt: skip
    if len(names) < 2:
        st.info("Choose at least two initializers to compare; showing the first two of the defaults.")
        names = DEFAULT_INITS[:2]
    chosen = []
    option_cols = st.columns(len(names))
    for col, name in zip(option_cols, names, strict=True):
        opts = {}
        for option, default in initializers.options(name).items():
            label = f"{name}: {OPTION_LABELS.get(option, option)}"
            key = f"{state.INIT_OPTION}{name}_{option}"
            lo, hi = OPTION_RANGES.get(option, (-10.0, 10.0))
            opts[option] = col.number_input(label, lo, hi, float(default), key=key, bind=state.URL)
        shown = name + "".join(f" {OPTION_LABELS.get(k, k)}={v:g}" for k, v in opts.items())
        chosen.append((shown, name, tuple(opts.items())))
    return chosen


def current_group(base, chosen):
    """The run group for ``base`` with each chosen initializer (kept while only live fields change)."""
    configs = [base.replace(init=init, init_options=options) for _, init, options in chosen]
    return groups.current_group(state.INIT_GROUP, configs, [shown for shown, _, _ in chosen])


def traces(runs):
    """Each run's trace on the same fixed rows of the training set."""
    out = []
    for run in runs:
        X, y = run.dataset.X_train[:TRACE_ROWS], run.dataset.y_train[:TRACE_ROWS]
        with run.trainer.lock:
            out.append(run.trainer.model.trace(X, y))
    return out


def predicted_std(run):
    """The std of each hidden layer's weights that the run's initializer formula promises."""
    W = run.trainer.model.weights[:-1]
    opts = dict(run.config.init_options)
    return [float(np.sqrt(initializers.variance(run.config.init, *w.shape, **opts))) for w in W]


def pair(left_figure, right_figure, name, caption, static):
    """Two charts side by side, updated in place (static pictures while playing), and what they show."""
    left, right = st.columns(2)
    plots.live_chart(left, left_figure, f"{CHART}{name}_left", static)
    plots.live_chart(right, right_figure, f"{CHART}{name}_right", static)
    st.caption(caption)


def _each(health, stat):
    return {name: [row[stat] for row in rows] for name, rows in health.items()}


def _last_update_ratios(run):
    """‖ΔW_l‖/‖W_l‖ of the last step, per hidden layer (NaN before the first step)."""
    steps, ratios = run.trainer.history.layer_stat("update_ratio")
    return list(ratios[-1, :-1]) if len(steps) > 1 else [float("nan")] * (ratios.shape[1] - 1)


def comparison(group, names, playing=False):
    """One frame: where each run is (and the symmetry count of zeros or constant initialisation), then in
    tabs (only the open one computed) the network layer by layer now, or each layer over training time;
    the losses overlaid."""
    runs = list(group)
    groups.where_each_run_is(
        names, runs, STEPS, f" Traced on the first {TRACE_ROWS} training rows, the same for every run."
    )
    for name, run in zip(names, runs, strict=True):
        model = run.trainer.model
        if all(propagation.units_all_equal(W, b) for W, b in zip(model.weights[:-1], model.biases[:-1], strict=True)):
            st.info(plain(
                f"{name}: every hidden layer has 1 distinct unit out of {model.weights[0].shape[1]}. Units that start "
                "equal compute the same output and receive the same gradient, so they stay equal: the layer "
                "acts like one unit, however long it trains (the symmetry problem)."
            ))  # fmt: skip
    now, over_time = st.tabs(["Now, layer by layer", "Over training time"], key=KEYS.view, on_change="rerun")
    if now.open is not False:
        with now:
            layer_by_layer(names, runs, playing)
    if over_time.open is not False:
        with over_time:
            layers_over_time(names, runs, playing)
    losses = figures.loss_overlay({name: run.trainer.history for name, run in zip(names, runs, strict=True)})
    plots.live_chart(st.container(), losses, f"{CHART}loss", playing)


def layers_over_time(names, runs, playing):
    """Each run's per-layer update/weight ratios and norms over the steps so far (a column per run)."""
    rows = (
        ("Update/weight ratio of each layer", figures.update_ratios, "ratio",
         "How much each step changes a layer's weights relative to their size (log₁₀; the line at −3 is the "
         "rule of thumb). A layer far below it barely learns; far above, its weights jump around."),
        ("Weight and gradient norms of each layer", figures.layer_norms, "norms",
         "‖W‖ (solid) and ‖∂L/∂W‖ (dotted) per layer: gradients that shrink layer after layer vanish."),
    )  # fmt: skip
    for title, build, name, caption in rows:
        st.markdown(f"**{title}**")
        cols = [col for _ in range(0, len(runs), 2) for col in st.columns(2)]  # two a row: each layer's legend
        for i, (col, run_name, run) in enumerate(zip(cols, names, runs, strict=False)):
            col.caption(run_name)
            plots.live_chart(col, build(run.trainer.history), f"{CHART}{name}_{i}", playing)
        st.caption(caption)


PAIR_CAPTIONS = {
    "act": "Left: how spread out each layer's outputs are. Right: how large the gradient is that backpropagation "
    "hands each layer. Falling to the right (left chart) or to the left (right chart): vanishing.",
    "weights": "Left: each layer's weights now against the std its formula promises at the start. Right: outputs "
    "in a flat end of tanh or sigmoid (|a| > 0.97; their gradient is under 6 %) or ReLU units that never fire.",
    "steps": "Left: how hard the loss pulls on each layer's weights. Right: how much the last step changed them, "
    "relative to their size; around 10⁻³ is the rule of thumb, far below a layer barely learns.",
}
DISTRIBUTIONS = {
    "act": "Each layer's activations",
    "grad": "Each layer's gradient ∂L/∂output",
    "weights": "Each layer's weights",
}


def now_figures(names, runs):
    """The figures of the tab "Now, layer by layer" (no Streamlit: the benchmark times it): ``pairs`` maps a
    row of :data:`PAIR_CAPTIONS` to its (left, right) profile charts, one line per run, from each run's
    trace; ``distributions`` maps a row of :data:`DISTRIBUTIONS` to one figure with a panel per run."""
    seen = traces(runs)
    health = {
        name: propagation.layer_health(run.trainer.model, t) for name, run, t in zip(names, runs, seen, strict=True)
    }
    per_run = dict(zip(names, runs, strict=True))
    weights = {name: [float(W.std()) for W in run.trainer.model.weights[:-1]] for name, run in per_run.items()}
    predicted = {name: predicted_std(run) for name, run in per_run.items()}
    flat = {
        name: [r["saturated"] if np.isfinite(r["saturated"]) else r["dead"] for r in rows]
        for name, rows in health.items()
    }
    norms = {name: [float(np.linalg.norm(g)) for g in t.weight_grads[:-1]] for name, t in zip(names, seen, strict=True)}
    ratios = {name: _last_update_ratios(run) for name, run in per_run.items()}
    profile = figures.layer_profile
    pairs = {
        "act": (
            profile(_each(health, "std"), "Activation spread per layer", "std of outputs", log=True),
            profile(_each(health, "grad_std"), "Gradient reaching each layer", "std of ∂L/∂output", log=True),
        ),
        "weights": (
            profile(weights, "Weight spread (dashed: the formula)", "std of W", log=True, predicted=predicted),
            profile(flat, "Saturated (tanh, sigmoid) or dead units", "share", percent=True),
        ),
        "steps": (
            profile(norms, "Gradient of each layer's weights", "‖∂L/∂W‖", log=True),
            profile(ratios, "Last step's update / weight", "‖ΔW‖ / ‖W‖", log=True, reference=(1e-3, "1e-3")),
        ),
    }
    picks = {
        "act": lambda t, model: t.activations,
        "grad": lambda t, model: t.grads,
        "weights": lambda t, model: model.weights[:-1],
    }
    each = list(zip(names, seen, runs, strict=True))
    distributions = {
        row: figures.layer_distributions_side_by_side({name: pick(t, run.trainer.model) for name, t, run in each})
        for row, pick in picks.items()
    }
    return pairs, distributions


def layer_by_layer(names, runs, playing):
    """Per-layer profiles from each run's trace, and every layer's distributions (a column per run)."""
    pairs, distributions = now_figures(names, runs)
    for row, (left, right) in pairs.items():
        pair(left, right, row, PAIR_CAPTIONS[row], playing)
    for row, figure in distributions.items():
        st.markdown(
            f"**{DISTRIBUTIONS[row]}**: a row per hidden layer, its values from left to right (each run on its own "
            "scale); the colour is the share of the layer's values in each bin (log scale, from 0.01 % to all)."
        )
        plots.live_chart(st.container(), figure, f"{CHART}dist_{row}", playing)
