"""The Transfer page: a network pre-trained on a source task carried to a target task that has a few labelled
examples, trained three ways side by side on the same target batches (from scratch, fine-tuned with a plan
per layer, frozen features), and which of its weights moved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from weightviz import activations, checkpoints, experiment, figures, limits, transfer

from . import controls, files, groups, plots, share, state
from .text import plain

KEYS, RUN_KEYS = state.TRANSFER_KEYS, state.TRANSFER_RUN_KEYS
CHART = state.TRANSFER_CHART_PREFIX
STEPS = f"{CHART}where"  # the container of the caption that says where each run is
LINK_CHECKS = {key: check for key, check in controls.text_checks(RUN_KEYS).items() if key != RUN_KEYS.hidden}
DEFAULT = experiment.Config(
    dataset="digits", hidden_sizes=(64,), activation="relu", init="he_normal", optimizer="adam", lr=0.01, batch_size=32
)
NETWORKS = ("32", "64", "128", "256", "64, 64", "128, 64", "128, 128, 64")  # hidden layers offered ("64, 64")
PRE_STEPS = (250, 500, 1000, 2000, 5000)
DEFAULT_PRE_STEPS = 2000
DEFAULT_PER_CLASS = 10
GOALS = (50, 60, 70, 80, 85, 90, 95)  # the test accuracy (%) whose steps to reach the table counts
DEFAULT_GOAL = 80
PLAN_KEYS = tuple(getattr(KEYS, f"plan{i}") for i in range(limits.HIDDEN_LAYERS))  # a weights file has ≤ 8
FROM_FILE = ("its pre-trained layers came from a weights file, which a link does not carry: it opens with the "
             "page's own pre-training, and the same file uploaded there gives these runs back")  # fmt: skip
UNIT_IMAGES = 8  # first-layer units drawn as 8×8 images, 2 to a line (three charts share a row at 1024 px)


@dataclass(frozen=True)
class Settings:
    """What the sidebar asked for: the task, the pre-training, the target's size, the fine-tuned run's plan
    and the training configuration every run shares."""

    task: str
    pre_steps: int
    shifted: bool
    per_class: int
    plan: tuple
    config: experiment.Config
    own: object = None  # files.Kept of a weights file (value: transfer.Pretrained), which replaces pre-training

    @property
    def pretraining(self):
        """The arguments of ``transfer.pretrained``."""
        c = self.config
        return {"task": self.task, "hidden_sizes": c.hidden_sizes, "steps": self.pre_steps, "seed": c.seed,
                "activation": c.activation, "shifted": self.shifted}  # fmt: skip

    @property
    def layers_key(self):
        """What identifies the pre-trained layers: a weights file, or the pre-training's settings."""
        return ("file", self.own.file_id) if self.own else tuple(self.pretraining.items())


def widget_keys():
    """Every widget of the page whose value should outlive another page (Streamlit drops the values of
    widgets a run does not draw)."""
    run = [RUN_KEYS.hidden, RUN_KEYS.activation, RUN_KEYS.optimizer, RUN_KEYS.lr, RUN_KEYS.schedule]
    run += [RUN_KEYS.schedule_steps, RUN_KEYS.batch, RUN_KEYS.l1, RUN_KEYS.l2, RUN_KEYS.seed]
    return [KEYS.task, KEYS.pre_steps, KEYS.shifted, KEYS.per_class, *PLAN_KEYS, KEYS.goal, KEYS.layer, *run]


def restore_widgets():
    state.restore_widgets(state.TRANSFER_WIDGETS)


def remember_widgets():
    state.remember_widgets(state.TRANSFER_WIDGETS, widget_keys())


def settings():
    """The sidebar: task, network and pre-training, target size, the fine-tuned run's plan, training."""
    st.subheader("Task")
    tasks = list(transfer.TASKS)
    task = controls.select("Source → target", tasks, KEYS.task, tasks[0], tasks[0])
    st.caption(transfer.TASKS[task].description)
    controls.seed_widget(KEYS.per_class, DEFAULT_PER_CLASS)
    per_class = st.select_slider(
        "Labelled target examples per class", transfer.PER_CLASS, DEFAULT_PER_CLASS, key=KEYS.per_class,
        bind=state.URL, help="The rest of the target's examples are its test set",
    )  # fmt: skip
    st.subheader("Network and pre-training")
    own = own_layers()
    if own is None:
        hidden, activation, pre_steps, shifted = pretraining_controls()
    else:
        hidden, activation = own.value.hidden_sizes, own.value.activation
        pre_steps, shifted = DEFAULT_PRE_STEPS, False
        st.caption(
            plain(f"{pretraining_note(own.value)} The network's shape comes from the file; pre-training is off.")
        )
    st.subheader("The fine-tuned run, layer by layer")
    sizes = [64, *hidden]
    actions = list(transfer.ACTIONS)
    plan = tuple(
        controls.select(f"Layer {i + 1} ({sizes[i]} → {sizes[i + 1]})", actions, PLAN_KEYS[i], actions[0], actions[0])
        for i in range(len(hidden))
    )
    st.caption(
        f"Layer {len(hidden) + 1} ({hidden[-1]} → classes) is new in every run, drawn afresh: it never saw the source."
    )
    st.subheader("Training (every run)")
    training = controls.training_controls(DEFAULT, RUN_KEYS, defaults=DEFAULT)
    config = DEFAULT.replace(hidden_sizes=hidden, activation=activation, **training)
    return Settings(task, int(pre_steps), bool(shifted), int(per_class), plan, config, own)


def pretraining_controls():
    """Hidden layers, activation, pre-training steps and shifted copies: (hidden sizes, activation, steps, shifted)."""
    default_net = ", ".join(map(str, DEFAULT.hidden_sizes))
    network = controls.select("Hidden layers", list(NETWORKS), RUN_KEYS.hidden, default_net, default_net)
    names = list(activations.ACTIVATIONS)
    activation = controls.select("Activation", names, RUN_KEYS.activation, DEFAULT.activation, DEFAULT.activation)
    controls.seed_widget(KEYS.pre_steps, DEFAULT_PRE_STEPS)
    pre_steps = st.select_slider(
        "Pre-training steps", PRE_STEPS, DEFAULT_PRE_STEPS, key=KEYS.pre_steps, bind=state.URL,
        help="Adam, learning rate 0.01, batches of 32, on the source task; kept for every visitor once done",
    )  # fmt: skip
    shifted = st.checkbox(
        "Pre-train on shifted copies too", key=KEYS.shifted, bind=state.URL,
        help="Every source image and its 8 copies moved by one pixel: 9 times the examples, more general features",
    )  # fmt: skip
    return experiment.parse_hidden_sizes(network), activation, pre_steps, shifted


def own_layers():
    """A weights file (the Train page's download of a network on 64 inputs) whose hidden layers replace the
    pre-training, kept as ``files.Kept`` (value: transfer.Pretrained) until *Pre-train here instead*; None
    without one. A file that cannot be used is named with the reason, and the last usable one (or pre-training)
    stays (``files.kept_upload``)."""
    upload = st.file_uploader(
        "Or start from your own network (.npz)", type=["npz"], key=KEYS.weights_file,
        help="A weights file from the Train page (a network trained on digits: 64 inputs); its hidden layers are "
             "carried over and its output layer replaced",
    )  # fmt: skip
    forget = ("Pre-train here instead", KEYS.forget_file, state.TRANSFER_UPLOAD.clear)
    return files.kept_upload(upload, state.TRANSFER_UPLOAD, _read_layers, forget, _still)


def _still(kept):
    return f"Nothing changed: {f'the layers of {kept.name} stay' if kept else 'pre-training here goes on'}."


def _read_layers(name, data):
    """The hidden layers of a weights file for the digits (64 inputs); ValueError (CheckpointError) why not."""
    layers = transfer.from_model(checkpoints.load_model(data), f"your file {name}")
    if layers.n_inputs != 64:
        raise ValueError(f"its first layer takes {layers.n_inputs} inputs; the digits have 64 pixels")
    return layers


def pretrained(chosen):
    """The pre-trained layers for ``chosen``: a weights file's, at once when kept, else trained under a
    progress bar. Stops the page with the reason when they cannot be made."""
    if chosen.own is not None:
        return chosen.own.value
    args = chosen.pretraining
    try:
        if transfer.is_pretrained(**args):
            return transfer.pretrained(**args)
        bar = st.progress(0.0, text=f"Pre-training on {chosen.task.split(' →')[0]}…")
        made = transfer.pretrained(**args, progress=lambda done, total: bar.progress(done / total))
        bar.empty()
        return made
    except ValueError as e:
        st.error(plain(f"The network cannot be pre-trained: {e}."))
        st.stop()


def examples(chosen):
    """A few source and target training images side by side (static: the page's st.plotly_chart, which also
    loads the Plotly.js the live charts use)."""
    source, target = transfer.source(chosen.task), transfer.target(chosen.task, chosen.per_class, chosen.config.seed)
    left, right = st.columns(2)
    said = {"Source": f"{len(source.X_train):,} labelled examples",
            "Target": f"{chosen.per_class} labelled per class, {len(target.X_test):,} to test on"}  # fmt: skip
    for col, ds, what in ((left, source, "Source"), (right, target, "Target")):
        labels = [ds.class_names[int(c)] for c in ds.y_train]
        fig = figures.example_images(ds.X_train, labels, (8, 8), f"{what}: {ds.name}<br><sup>{said[what]}</sup>")
        col.plotly_chart(fig, key=f"{CHART}{what.lower()}_examples")
    st.caption(
        "The first 16 training images of each task (dark is ink; hover for the label). The source has plenty of "
        "labels; the target has only the few per class chosen in the sidebar, and its other images are the test set."
    )


def pretraining_note(pre):
    """One line on where the pre-trained layers come from and how good they were at their own task."""
    sizes = " → ".join(map(str, [pre.n_inputs, *pre.hidden_sizes]))
    score = f": {pre.source_accuracy:.1%} on its test set" if pre.source_accuracy is not None else ""
    return f"Pre-trained layers ({sizes}, {pre.activation}) from {pre.source}{score}."


def current_group(chosen, pre):
    """The three runs (kept while only the training settings change) and their names."""
    target = transfer.target(chosen.task, chosen.per_class, chosen.config.seed)
    plans = transfer.comparison_plans(len(pre.layers), chosen.plan)
    starts = [transfer.Start(pre, plan) for plan in plans.values()]
    key = (chosen.task, chosen.layers_key, chosen.per_class, chosen.plan)
    configs = [chosen.config] * len(plans)
    return groups.current_group(state.TRANSFER_GROUP, configs, list(plans), [target] * len(plans), starts, key)


def why_settings_only(chosen):
    """Why a link to this page carries its settings only (layers from a file), or None."""
    return FROM_FILE if chosen.own is not None else None


def shared(group, chosen):
    """What the Share box and a link carry: the runs, or the settings only."""
    why = why_settings_only(chosen)
    return share.ConfigOnly(why) if why else group


def view_controls(n_layers):
    """Above the charts: the accuracy goal of the table and the layer whose moves the heatmaps show."""
    left, right = st.columns(2)
    controls.seed_widget(KEYS.goal, DEFAULT_GOAL)
    goal = left.select_slider(
        "Accuracy goal (%)", GOALS, DEFAULT_GOAL, key=KEYS.goal, bind=state.URL,
        help="The table counts the steps each run took to reach this test accuracy",
    )  # fmt: skip
    layers = list(range(1, n_layers + 1))
    controls.keep_valid(KEYS.layer, layers, 1)
    layer = right.selectbox(
        "Layer of the heatmaps", layers, 0, key=KEYS.layer, bind=state.URL,
        help=f"Layer {n_layers} is the new output layer",
    )  # fmt: skip
    return goal / 100, layer - 1


def layer_name(n_layers):
    return lambda layer: f"layer {layer}" + (" (new output layer)" if layer == n_layers else "")


def accuracy_table(names, runs, goal):
    """Per run: test accuracy now, the best so far and the steps it took to reach ``goal``."""
    rows = []
    for name, run in zip(names, runs, strict=True):
        steps, acc = run.trainer.history.eval_column("test_metric")
        reached = transfer.steps_to_reach(steps, acc, goal)
        rows.append({
            "run": name,
            "test accuracy now": f"{acc[-1]:.1%}" if len(acc) else "–",
            "best so far": f"{np.nanmax(acc):.1%}" if len(acc) else "–",
            f"steps to reach {goal:.0%}": f"{reached:,}" if reached is not None else "not yet",
        })  # fmt: skip
    return pd.DataFrame(rows)


def curves(names, runs):
    """Test accuracy and test loss over the steps, one line per run."""
    acc, loss = {}, {}
    for name, run in zip(names, runs, strict=True):
        history = run.trainer.history
        acc[name] = history.eval_column("test_metric")
        loss[name] = history.eval_column("test_loss")
    return (
        figures.runs_over_time(acc, "Test accuracy", "accuracy", percent=True),
        figures.runs_over_time(loss, "Test loss", "cross-entropy"),
    )


def changes(names, runs):
    """{run: ‖W − W₀‖ / ‖W₀‖ per layer}, W₀ each run's own step 0."""
    out = {}
    for name, run in zip(names, runs, strict=True):
        trainer = run.trainer
        with trainer.lock:
            pairs = zip(trainer.model.weights, trainer.initial_weights, strict=True)
            out[name] = [transfer.relative_change(W, W0) for W, W0 in pairs]
    return out


def comparison(names, runs, goal, layer, playing):
    """One frame: where the runs are, accuracy and loss, the steps-to-goal table, how much each layer changed,
    |W − W₀| of one layer per run, and (digits) the fine-tuned run's first-layer units before and after."""
    groups.where_each_run_is(names, runs, STEPS, " Same target examples, same mini-batches, same new output layer.")
    groups.live_pair(curves(names, runs), (f"{CHART}accuracy", f"{CHART}loss"), playing)
    st.caption(
        "Accuracy and loss on the target's test set (every target example not used for training), measured every "
        f"{transfer.EVAL_EVERY} steps. Where the fine-tuned line starts higher or climbs faster, the pre-trained "
        "weights helped; where *from scratch* catches up and passes it, the pre-trained features did not fit the "
        "new task."
    )
    st.dataframe(accuracy_table(names, runs, goal), hide_index=True)
    n_layers = len(runs[0].trainer.model.weights)
    layer_names = [layer_name(n_layers)(i + 1) for i in range(n_layers)]
    plots.live_chart(st.container(), figures.layer_changes(changes(names, runs), layer_names), f"{CHART}moved", playing)
    st.caption(
        "How far each layer moved from where its run started, as a share of its starting size ‖W₀‖. A frozen layer "
        "stays at 0; a fine-tuned layer that moves much less than the same layer from scratch kept what "
        "pre-training found."
    )
    moved = []
    for run in runs:
        with run.trainer.lock:
            moved.append(transfer.moved(run.trainer.model.weights[layer], run.trainer.initial_weights[layer]))
    top = max(float(m.max(initial=0.0)) for m in moved)  # one scale for the three: white is 0 in each
    for i, (col, name, M) in enumerate(zip(st.columns(len(runs)), names, moved, strict=True)):
        fig = figures.matrix_heatmap(M, f"{name}: |W − W₀|", magnitude=True, zmax=top)
        plots.live_chart(col, fig, f"{CHART}heat_{i}", playing)
    st.caption(
        f"How far every weight of {layer_names[layer]} moved from its start (rows: its inputs, columns: its units), "
        "on one colour scale for the three runs; white did not move. W₀ is the pre-trained weight where a run copied "
        "it, and the run's fresh draw where it started from scratch. Large matrices are shown as means of blocks "
        "(the title says so)."
    )
    unit_images(names, runs, playing)


def unit_images(names, runs, playing):
    """Digits: the fine-tuned run's first-layer units as 8×8 images at its start, now, and the change."""
    fine = runs[list(names).index("Fine-tuned")]
    shape = fine.dataset.meta.get("image_shape")
    if not shape:
        return
    with fine.trainer.lock:
        W, W0 = fine.trainer.model.weights[0].copy(), fine.trainer.initial_weights[0]
    cols = st.columns(3)
    parts = (("At the start", W0), ("Now", W), ("Change", W - W0))
    shared = max(float(np.abs(M[:, :UNIT_IMAGES]).max(initial=0.0)) for M in (W0, W))  # start and now: one scale
    for i, (col, (title, M)) in enumerate(zip(cols, parts, strict=True)):
        scale = shared if i < 2 else None  # the change on its own, finer scale
        fig = figures.unit_images(M[:, :UNIT_IMAGES], shape, UNIT_IMAGES, 2, title, zmax=scale)
        plots.live_chart(col, fig, f"{CHART}units_{i}", playing)
    action = fine.start.plan[0]
    start = "the pre-trained weights" if action in transfer.COPIED else "a fresh draw (the plan re-initializes it)"
    st.caption(
        f"The fine-tuned run's first {UNIT_IMAGES} units of layer 1 (it is set to {action}), each unit's 64 incoming "
        f"weights drawn as the 8×8 image it responds to (blue: a dark-on-light pixel there raises the unit). At the "
        f"start they are {start}; start and now share one colour scale, the change has its own, finer one. A blank "
        "tile under Change is a unit whose weights did not move: frozen, or (ReLU) a unit that never fired on the "
        "target's examples and so got no gradient."
    )
