"""Widgets → configuration fields. Each function draws one group of a run's controls and returns plain
values; ``keys`` (a ``state.Keys``) names the widgets, so a page can draw N panels with N prefixes."""

from __future__ import annotations

import hashlib
import inspect

import streamlit as st

from weightviz import activations, datasets, experiment, initializers, optimizers
from weightviz.formatting import typed

from . import state
from .text import plain

LEARNING_RATES = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 2048)
DEFAULTS = experiment.Config()  # what the Train page's widgets show on a fresh visit


def seed_widget(key, value):
    """Give a keyed widget its value from the shared config when it has none (first run, or after a page switch)."""
    if key not in st.session_state:
        st.session_state[key] = value


def data_controls(config, keys=state.TRAIN_RUN_KEYS, defaults=DEFAULTS):
    """Dataset choice (with a CSV upload) and noise. Returns the dataset name, noise and csv_id.

    ``defaults`` (a Config) is what a widget shows when nothing set it (a fresh visit): a link leaves out the
    values that equal it, so it must equal what the page seeds (``config`` on a fresh visit)."""
    names = [*datasets.DATASETS, experiment.CSV]
    labels = {experiment.CSV: "upload a CSV…"}
    seed_widget(keys.dataset, config.dataset)
    name = st.selectbox(
        "Dataset", names, index=names.index(defaults.dataset), key=keys.dataset, bind=state.URL,
        format_func=lambda n: labels.get(n, n.replace("_", " ")), on_change=_forget_noise, args=(keys,),
    )  # fmt: skip
    noise, csv_id = None, ""
    if name == experiment.CSV:
        csv_id = csv_controls(keys)
    elif name not in datasets.BUILT_IN_TABLES:
        default = _default_noise(name)
        seed_widget(keys.noise, config.noise if config.noise is not None else default)
        noise = st.slider("Noise", 0.0, 1.0, default, step=0.01, key=keys.noise, bind=state.URL)
    return name, noise, csv_id


def _forget_noise(keys):
    """Dataset callback: another dataset starts at its own default noise (0.15 suits the moons; the 1.0 of
    the sparse linear data would drown them)."""
    name = st.session_state.get(keys.dataset)
    if name in datasets.DATASETS and name not in datasets.BUILT_IN_TABLES:
        st.session_state[keys.noise] = _default_noise(name)


def _default_noise(name):
    return float(inspect.signature(datasets.DATASETS[name]).parameters["noise"].default)


CSV_DEFAULT_FEATURES = 20  # a new file starts with its first 20 numeric columns: a wide table trains at once


def csv_controls(keys=state.TRAIN_RUN_KEYS):
    """Upload, target and features. Parses once per file; errors are shown and keep the current model (csv_id "")."""
    upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key=keys.csv_file)
    if upload is None:
        st.caption("A table with a header row; numeric features and a target column.")
        return ""
    table = _csv_table(upload)
    if table is None:
        return ""
    file_id, df = table
    target, features = _csv_columns(file_id, df, keys)
    drop = st.checkbox("Drop rows with missing values", key=keys.csv_drop)
    if not features:
        st.error("Choose at least one feature column. The current model is kept.")
        return ""
    csv_id = f"{file_id}:{target}:{','.join(features)}:{drop}"
    cached = state.CSV_DATASET.get()
    if cached is None or cached.meta.get("csv_id") != csv_id:
        try:
            ds = datasets.from_csv(df, target=target, features=features, drop_missing=drop)
        except datasets.CSVError as e:
            st.error(plain(f"{upload.name}: {e}"))
            return ""
        ds.meta["csv_id"] = csv_id
        state.CSV_DATASET.set(ds)
    return csv_id


def _csv_table(upload):
    """(file id, compact DataFrame) of an upload, read once per file; None after showing why it cannot be read.

    The file id is a hash of the content (the same file uploaded again keeps its column choice); it is
    computed once per upload, not on every rerun (a 50 MB file takes ~60 ms to hash).
    """
    table = state.CSV_TABLE.get()
    upload_id = getattr(upload, "file_id", None)
    if table is not None and upload_id is not None and table[2] == upload_id:
        return table[:2]
    data = upload.getvalue()
    file_id = hashlib.sha1(data).hexdigest()[:12]
    if table is None or table[0] != file_id:
        for slot in (state.CSV_TABLE, state.CSV_DATASET):  # the last file's data goes before the next is read
            slot.clear()
        try:
            table = (file_id, datasets.compact_table(datasets.read_csv(data)), upload_id)
        except datasets.CSVError as e:
            st.error(plain(f"{upload.name}: {e}"))
            return None
        state.CSV_TABLE.set(table)
    elif table[2] != upload_id:  # the same content uploaded again
        table = state.CSV_TABLE.set((*table[:2], upload_id))
    return table[:2]


def _csv_columns(file_id, df, keys):
    """Target and feature selectors; returns (target, features).

    A new file starts with its last column as target and its first CSV_DEFAULT_FEATURES numeric columns
    as features. A column made the target leaves the features and the others stay: the cleaned choice is
    written back before the selector is drawn (Streamlit resets a selection holding a value that is no
    longer an option). The choice is kept for the file while the selectors are not drawn.
    """
    session = st.session_state
    columns = list(df.columns)
    kept = state.CSV_CHOICE.get()
    kept = kept if kept is not None and kept[0] == file_id else None
    if kept is None or keys.csv_target not in session:
        session[keys.csv_target] = columns[-1] if kept is None else kept[1]
    target = st.selectbox("Target column", columns, key=keys.csv_target)
    numeric = datasets.numeric_columns(df, exclude=target)
    chosen = numeric[:CSV_DEFAULT_FEATURES] if kept is None else session.get(keys.csv_features, kept[2])
    session[keys.csv_features] = [c for c in chosen if c != target]
    features = st.multiselect("Feature columns", [c for c in columns if c != target], key=keys.csv_features)
    state.CSV_CHOICE.set((file_id, target, features))
    first = f"; a new file starts with the first {CSV_DEFAULT_FEATURES}" if len(numeric) > CSV_DEFAULT_FEATURES else ""
    st.caption(
        f"{len(features):,} of {len(columns) - 1:,} columns selected as features ({len(numeric):,} hold numbers"
        f"{first}; at most {datasets.MAX_CSV_FEATURES:,})."
    )
    return target, features


def model_controls(config, keys=state.TRAIN_RUN_KEYS, defaults=DEFAULTS):
    """Model kind, hidden sizes, activation, dropout, batch norm, initializer. Returns a dict of Config fields."""
    seed_widget(keys.kind, "network" if config.hidden_sizes else "linear")
    kind = st.radio(
        "Model",
        ["linear", "network"],
        index=1 if defaults.hidden_sizes else 0,
        key=keys.kind,
        bind=state.URL,
        horizontal=True,
        help="Linear: y = w·x + b (linear, logistic or softmax regression, by the data's task).",
    )
    fields = {"hidden_sizes": ()}
    if kind == "network":
        seed_widget(keys.hidden, ", ".join(map(str, config.hidden_sizes or (8, 8))))
        text = st.text_input(
            "Hidden layer sizes",
            ", ".join(map(str, defaults.hidden_sizes or (8, 8))),
            key=keys.hidden,
            bind=state.URL,
            help="Units per hidden layer, e.g. 16, 8",
        )
        fields["hidden_sizes"] = hidden_sizes(text, config.hidden_sizes or (8, 8))
        fields["activation"] = select(
            "Activation", list(activations.ACTIVATIONS), keys.activation, config.activation, defaults.activation
        )
        seed_widget(keys.dropout, config.dropout)
        fields["dropout"] = st.slider("Dropout", 0.0, 0.8, defaults.dropout, 0.05, key=keys.dropout, bind=state.URL)
        seed_widget(keys.batch_norm, config.batch_norm)
        fields["batch_norm"] = st.checkbox("Batch norm", defaults.batch_norm, key=keys.batch_norm, bind=state.URL)
    fields["init"] = select("Initializer", list(initializers.INITIALIZERS), keys.init, config.init, defaults.init)
    return fields


def training_controls(config, keys=state.TRAIN_RUN_KEYS, per_run=(), defaults=DEFAULTS):
    """Optimizer, learning rate, schedule, batch size, L1, L2, seed. Returns a dict of Config fields.

    ``per_run`` names the fields a comparison page sets per run instead ("optimizer", "l1", "l2"): they are
    not drawn here."""
    fields = {}
    if "optimizer" not in per_run:
        fields["optimizer"] = select(
            "Optimizer", list(optimizers.OPTIMIZERS), keys.optimizer, config.optimizer, defaults.optimizer
        )
    seed_widget(keys.lr, nearest(LEARNING_RATES, config.lr))
    fields["lr"] = st.select_slider(
        "Learning rate", LEARNING_RATES, nearest(LEARNING_RATES, defaults.lr), typed, key=keys.lr, bind=state.URL
    )
    fields["schedule"] = select(
        "Learning-rate schedule", list(optimizers.SCHEDULES), keys.schedule, config.schedule, defaults.schedule
    )
    if fields["schedule"] != "constant":
        fields["schedule_steps"] = _count_field(
            "Schedule length (steps)", keys.schedule_steps, config.schedule_steps, defaults.schedule_steps,
            (1, experiment.MAX_SCHEDULE_STEPS, "schedule length"),
            "Cosine reaches 0 at this step; step and exponential decay act every tenth of it",
        )  # fmt: skip
    seed_widget(keys.batch, nearest(BATCH_SIZES, config.batch_size))
    fields["batch_size"] = st.select_slider(
        "Batch size",
        BATCH_SIZES,
        nearest(BATCH_SIZES, defaults.batch_size),
        key=keys.batch,
        bind=state.URL,
        help="Larger than the training set means full-batch descent.",
    )
    if "l1" not in per_run:
        seed_widget(keys.l1, nearest(PENALTIES, config.l1))
        fields["l1"] = st.select_slider(
            "L1 penalty  l1·Σ|w|", PENALTIES, nearest(PENALTIES, defaults.l1), typed, key=keys.l1, bind=state.URL
        )
    if "l2" not in per_run:
        seed_widget(keys.l2, nearest(PENALTIES, config.l2))
        fields["l2"] = st.select_slider(
            "L2 penalty  (l2/2)·Σw²", PENALTIES, nearest(PENALTIES, defaults.l2), typed, key=keys.l2, bind=state.URL
        )
    fields["seed"] = _count_field(
        "Seed", keys.seed, config.seed, defaults.seed, (0, experiment.MAX_SEED, "seed"),
        "The same seed gives the same data, weights and batches",
    )  # fmt: skip
    return fields


def _count_field(label, key, current, default, bounds, help_text):
    """A whole number typed in a text field bound to the URL (``default`` when nothing set it), checked by
    :func:`whole_number` against ``bounds`` = (lo, hi, what); ``current`` when it is not one."""
    seed_widget(key, str(current))
    text = st.text_input(label, str(default), key=key, bind=state.URL, help=help_text)
    return whole_number(text, *bounds, current)


def whole_number(text, lo, hi, what, fallback):
    """The whole number typed in a text field, or ``fallback`` with an error under the field saying why
    (a number input would silently turn "1e30" into 1, or keep 5 000 while showing 1e12)."""
    try:
        return experiment.parse_count(text, lo, hi, what)
    except ValueError as e:
        st.error(plain(f"{e}; using {fallback:,}."))
        _unusable(what)
        return fallback


def hidden_sizes(text, fallback):
    """The hidden layer sizes typed, or ``fallback`` with an error under the field saying why."""
    try:
        return experiment.parse_hidden_sizes(text)
    except ValueError as e:
        st.error(plain(str(e)))
        _unusable("hidden layer sizes")
        return fallback


def _unusable(what):
    """A field shows text the run does not use: a link to this page then carries no trained state (whoever
    opens it would get the field's default, not the value the run kept). ``ui.share`` reads and clears it."""
    state.UNUSABLE.set([*(state.UNUSABLE.get() or []), what])


def text_checks(keys):
    """{key: parser} for the text fields of a run's controls (``keys``): a link's value for one of them is
    checked before its field is drawn (``share.open_link``)."""
    return {
        keys.hidden: experiment.parse_hidden_sizes,
        keys.seed: lambda t: experiment.parse_count(t, 0, experiment.MAX_SEED, "seed"),
        keys.schedule_steps: lambda t: experiment.parse_count(t, 1, experiment.MAX_SCHEDULE_STEPS, "schedule length"),
    }


def keep_valid(key, options, default):
    """Give the widget ``key`` ``default`` when it has no value, or a kept one that is not among ``options``
    (another model's class, a row past the rows, a value the browser kept as text)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def select(label, options, key, current, default):
    """A selectbox bound to the URL showing ``default`` when nothing set it; a kept value not among
    ``options`` becomes ``current``."""
    keep_valid(key, options, current if current in options else options[0])
    return st.selectbox(label, options, options.index(default), key=key, bind=state.URL)


def nearest(options, value):
    return min(options, key=lambda o: abs(o - value))


def run_config(config, keys=state.TRAIN_RUN_KEYS, defaults=DEFAULTS):
    """The sidebar of one run: data, model and training controls; returns the configuration asked for."""
    st.subheader("Data")
    dataset_name, noise, csv_id = data_controls(config, keys, defaults)
    st.subheader("Model")
    model_fields = model_controls(config, keys, defaults)
    st.subheader("Training")
    training_fields = training_controls(config, keys, defaults=defaults)
    return config.replace(dataset=dataset_name, noise=noise, csv_id=csv_id, **model_fields, **training_fields)
