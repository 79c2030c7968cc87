"""The app's one module that talks to Streamlit besides the pages: per-user state behind small functions.

It lives beside app.py, not in the ``weightviz`` package, which never imports Streamlit.

Pages read widgets (the ``*_controls`` functions here return plain values), call these, and
render. The trainer lives in ``st.session_state`` (one per browser session), never in
Streamlit's resource cache, which every visitor would share. Buttons act through ``on_click``
callbacks, so a click's effect is in place before the page draws.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import inspect
import re
import string
import time

import streamlit as st

from weightviz import activations, checkpoints, datasets, experiment, initializers, optimizers
from weightviz.model import MLP
from weightviz.trainer import Trainer

TRAINER, CONFIG, DATASET, MESSAGE, PLAY_SWITCH = "trainer", "config", "dataset", "message", "w_play"
PROBLEM = "config_problem"  # why the configuration asked for could not be built (cleared once one builds)
# MESSAGE holds what an action (a weights upload) reported; what training says is not stored at all:
# it is derived from the trainer each time (``Trainer.warning``), so it cannot go stale.
CSV_TABLE, CSV_DATASET = "csv_table", "csv_dataset"
LEARNING_RATES = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 2048)
MAX_LONG_RUN = 100_000  # steps one Train click may run
FRAME_SECONDS = 0.05  # the next frame is asked for 0.05 s after one is drawn; drawing sets the pace


# -- text -----------------------------------------------------------------------------------------
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
_NO_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"  # invisible; it stops a URL or an address from being recognised as one


def plain(text):
    """``text`` for a Markdown element (``st.warning``, ``st.error``, ``st.caption``) shown exactly as
    written: every ASCII punctuation character is backslash-escaped, so a column, class or file name
    such as ``**x**``, ``[a](b)``, ``:red[c]`` or ``$x$`` shows those characters instead of bold text, a
    link, a colour or a formula (CommonMark lets any ASCII punctuation be escaped); and an invisible word
    joiner goes before the ``:`` of ``http(s)://``, the ``.`` of ``www.`` and every ``@``, which GitHub
    Markdown would otherwise turn into links even when escaped."""
    return _NO_AUTOLINK.sub(WORD_JOINER, str(text)).translate(_MARKDOWN_ESCAPES)


# -- navigation -----------------------------------------------------------------------------------
NAVIGATED, GOTO = "_navigated", "goto"


def enter_app():
    """Called by app.py before ``st.navigation``: this session runs through the entry point."""
    st.session_state[NAVIGATED] = True
    release_closed_sessions()


GC_SECONDS = 60.0  # at most one full garbage collection a minute, on whichever rerun comes first
_last_collect = [time.monotonic()]


def release_closed_sessions(now=None):
    """Free what closed sessions held (their trainers and data), at most once every ``GC_SECONDS``.

    Streamlit drops a closed tab's session after ``server.disconnectedSessionTTL`` (120 s), but a page
    run's globals and its fragment functions reference each other, so the trainer they hold is only
    freed by Python's cyclic collector, which an idle server rarely runs (measured: 4 closed CSV
    sessions kept 1.8 GB; ``gc.collect`` freed 0.8 GB of it in ~60 ms). glibc's ``malloc_trim`` then
    hands the freed memory back to the system. Returns True when it collected."""
    now = time.monotonic() if now is None else now
    if now - _last_collect[0] < GC_SECONDS:
        return False
    _last_collect[0] = now
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the memory stays with the process
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return True


def follow_deep_link(pages):
    """After ``st.navigation``: finish a redirect from :func:`ensure_navigation` to the page asked for."""
    target = st.query_params.get(GOTO)
    if target is not None:
        del st.query_params[GOTO]
        match = [p for p in pages if p.url_path == target]
        if match:
            st.switch_page(match[0])


def ensure_navigation(url_path):
    """First line of every page. A server that has not yet run app.py serves ``pages/x.py`` straight
    from the pages folder (Streamlit's older multipage mode): bounce such a visit through app.py so
    the page gets the app's navigation and layout, and land on the page that was asked for."""
    if not st.session_state.get(NAVIGATED):
        st.switch_page("app.py", query_params={GOTO: url_path})


# -- state --------------------------------------------------------------------------------------
def current_config():
    """The configuration kept across reruns and page switches (defaults on first visit)."""
    return st.session_state.setdefault(CONFIG, experiment.Config())


def seed_widget(key, value):
    """Give a keyed widget its value from the shared config when it has none (first run, or after a page switch)."""
    if key not in st.session_state:
        st.session_state[key] = value


def get_trainer(config):
    """The session's (dataset, trainer) for ``config``.

    Live changes (learning rate, penalties) apply to the running trainer; other changes build a new
    model. A configuration that cannot be built keeps the current model and leaves a message.
    """
    state = st.session_state
    old = state.get(CONFIG)
    if state.get(TRAINER) is not None and old is not None and not config.rebuild_needed(old):
        state[PROBLEM] = None
        _apply_live(state, config)
        return state[DATASET], state[TRAINER]
    dataset = state.get(CSV_DATASET) if config.dataset == experiment.CSV else None
    try:
        if config.dataset == experiment.CSV and (dataset is None or not config.csv_id):
            raise ValueError("upload a CSV file and choose columns that make a dataset first")
        built = experiment.build(config, dataset)
    except ValueError as e:
        state[PROBLEM] = f"That configuration cannot be trained: {e}. The current model is kept."
        if state.get(TRAINER) is None:  # nothing to keep: fall back to the defaults
            state[CONFIG] = experiment.Config()
            state[DATASET], state[TRAINER] = experiment.build(state[CONFIG])
        else:  # the sliders still say what the kept model trains with: live fields apply to it
            _apply_live(state, config)
        return state[DATASET], state[TRAINER]
    state[CONFIG] = config
    state[DATASET], state[TRAINER] = built
    state[PLAY_SWITCH] = False  # called before the switch is drawn: a new model starts paused
    state[PROBLEM] = state[MESSAGE] = None  # what went wrong before no longer applies
    return built


def _apply_live(state, config):
    """Carry ``config``'s live fields (learning rate, penalties) to the running trainer and its kept config."""
    live = {field: getattr(config, field) for field in experiment.LIVE_FIELDS}
    running = state[CONFIG].replace(**live)
    if running != state[CONFIG]:
        experiment.apply_live(state[TRAINER], running)
        state[CONFIG] = running


def trainer():
    return st.session_state.get(TRAINER)


def layer_names(model):
    """ "layer 1: 2 → 8", …, "layer 3: 8 → 1 (output)": what the layer selector lists, counted from 1."""
    n_layers = len(model.weights)
    return [
        f"layer {l + 1}: {W.shape[0]} → {W.shape[1]}" + (" (output)" if l == n_layers - 1 else "")
        for l, W in enumerate(model.weights)
    ]


# -- actions (button callbacks) -------------------------------------------------------------------
def train(n_steps):
    """Run ``n_steps`` on the session's trainer (it stops by itself at a divergence)."""
    t = trainer()
    return None if t is None else t.run(n_steps)


def reset():
    """Back to the initial weights (exactly), step 0, empty history."""
    t = trainer()
    if t is not None:
        t.reset()
    st.session_state[MESSAGE] = None
    st.session_state[PLAY_SWITCH] = False


def is_playing():
    """The Play switch is on (its state travels with every rerun request, so a pause is never lost)."""
    return bool(st.session_state.get(PLAY_SWITCH, False))


def stop_playing_if_diverged():
    """Before the Play switch is drawn: a run that diverged turns it off (its warning says why)."""
    t = trainer()
    if t is not None and t.diverged is not None and is_playing():
        st.session_state[PLAY_SWITCH] = False


def chart_options():
    """``st.plotly_chart`` options: while playing, charts are static pictures (no hover layers, no mode
    bar), which halves the browser's work per frame; paused, they are interactive."""
    return {"config": {"staticPlot": True}} if is_playing() else {}


def show_messages(t, keys=(PROBLEM, MESSAGE), rewind_key="rewind"):
    """Show why a configuration could not be built, what the last upload said, and what training says
    now (diverged, the loss blowing up, a schedule at its end) for trainer ``t``; while it diverged or is
    blowing up, a button goes back to the last healthy step (the message names it)."""
    messages = [st.session_state.get(key) for key in keys] + [t.warning() if t is not None else None]
    for message in filter(None, messages):  # messages quote user-supplied names: shown as plain text
        st.warning(plain(message), icon=":material/warning:")
    if t is not None and (t.diverged is not None or t.monitor.exploding):
        step = t.healthy_step()
        st.button(
            f"Go back to step {step:,}",
            key=rewind_key,
            on_click=rewind,
            args=(t, step),
            icon=":material/undo:",
            help="The last step whose loss was still healthy; the steps after it are dropped",
        )


def rewind(t, step):
    """Button callback: back to ``step`` (see ``Trainer.rewind``), paused."""
    t.rewind(step)
    st.session_state[PLAY_SWITCH] = False


def long_run(n_steps, chunk=50):
    """Train ``n_steps`` in chunks under a progress bar; any click (Stop) interrupts between chunks,
    keeping every step done so far."""
    t = trainer()
    bar = st.progress(0.0, text=f"Training {n_steps:,} steps…")
    done = 0
    while done < n_steps:
        k = min(chunk, n_steps - done)
        result = train(k)
        done += k
        bar.progress(done / n_steps, text=f"Trained {done:,} of {n_steps:,} steps (step {t.step_count:,})")
        if result is not None and result.diverged:
            break
    bar.empty()


# -- files: weights and history ---------------------------------------------------------------------
def load_weights():
    """Uploader callback: a weights file (.npz) becomes the model's new step 0; a wrong one changes nothing."""
    upload = st.session_state.get("w_weights_file")
    t = trainer()
    if upload is None or t is None:
        return
    try:
        state = checkpoints.checked_state(t.model, upload.getvalue())
    except checkpoints.CheckpointError as e:
        st.session_state[MESSAGE] = f"{upload.name} was not loaded: {e}. The current model is unchanged."
        return
    t.start_from(state)
    st.session_state[MESSAGE] = None
    st.session_state[PLAY_SWITCH] = False


def file_controls(t):
    """Download the weights (.npz) and the history (.csv); upload weights saved from the same architecture.

    Both files are built when the button is clicked (a callable), so they hold the step the model is at
    then — also while playing, when this sidebar is not redrawn — and cost nothing on a rerun.
    """
    name = f"weightviz-{'-'.join(map(str, t.model.layer_sizes))}"
    st.download_button(
        "Weights (.npz)",
        lambda: checkpoints.save_bytes(t.model),
        f"{name}.npz",
        mime="application/octet-stream",
        key="w_download_weights",
        on_click="ignore",
        help="The weights, biases and batch-norm statistics, with the architecture, at the current step",
    )
    st.download_button(
        "History (.csv)",
        lambda: t.history.frame().to_csv().encode(),
        f"{name}-history.csv",
        mime="text/csv",
        key="w_download_history",
        on_click="ignore",
        help="Every recorded step: losses, learning rate, and per-layer norms, statistics and update ratios",
    )
    st.file_uploader(
        "Load weights (.npz) into this model",
        type=["npz"],
        key="w_weights_file",
        on_change=load_weights,
        help="They become step 0; the shapes must match this model",
    )


# -- controls (return plain values) ---------------------------------------------------------------
def data_controls(config):
    """Dataset choice (with a CSV upload) and noise. Returns the dataset name, noise and csv_id."""
    names = [*datasets.DATASETS, experiment.CSV]
    labels = {experiment.CSV: "upload a CSV…"}
    seed_widget("w_dataset", config.dataset)
    name = st.selectbox("Dataset", names, key="w_dataset", format_func=lambda n: labels.get(n, n.replace("_", " ")))
    noise, csv_id = None, ""
    if name == experiment.CSV:
        csv_id = csv_controls()
    elif name not in datasets.BUILT_IN_TABLES:
        default = _default_noise(name)
        seed_widget("w_noise", config.noise if config.noise is not None else default)
        noise = st.slider("Noise", 0.0, 1.0, step=0.01, key="w_noise")
    return name, noise, csv_id


def _default_noise(name):
    return float(inspect.signature(datasets.DATASETS[name]).parameters["noise"].default)


CSV_CHOICE = "csv_choice"  # (file id, target, features) last chosen: kept while the selectors are not drawn
CSV_DEFAULT_FEATURES = 20  # a new file starts with its first 20 numeric columns: a wide table trains at once


def csv_controls():
    """Upload, target and features. Parses once per file; errors are shown and keep the current model (csv_id "")."""
    upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="w_csv_file")
    if upload is None:
        st.caption("A table with a header row; numeric features and a target column.")
        return ""
    table = _csv_table(upload)
    if table is None:
        return ""
    file_id, df = table
    target, features = _csv_columns(file_id, df)
    drop = st.checkbox("Drop rows with missing values", key="w_csv_drop")
    if not features:
        st.error("Choose at least one feature column. The current model is kept.")
        return ""
    csv_id = f"{file_id}:{target}:{','.join(features)}:{drop}"
    cached = st.session_state.get(CSV_DATASET)
    if cached is None or cached.meta.get("csv_id") != csv_id:
        try:
            ds = datasets.from_csv(df, target=target, features=features, drop_missing=drop)
        except datasets.CSVError as e:
            st.error(plain(f"{upload.name}: {e}"))
            return ""
        ds.meta["csv_id"] = csv_id
        st.session_state[CSV_DATASET] = ds
    return csv_id


def _csv_table(upload):
    """(file id, compact DataFrame) of an upload, read once per file; None after showing why it cannot be read."""
    data = upload.getvalue()
    file_id = hashlib.sha1(data).hexdigest()[:12]
    table = st.session_state.get(CSV_TABLE)
    if table is None or table[0] != file_id:
        for key in (CSV_TABLE, CSV_DATASET):  # the last file's data goes before the next file is read
            st.session_state.pop(key, None)
        try:
            table = (file_id, datasets.compact_table(datasets.read_csv(data)))
        except datasets.CSVError as e:
            st.error(plain(f"{upload.name}: {e}"))
            return None
        st.session_state[CSV_TABLE] = table
    return table


def _csv_columns(file_id, df):
    """Target and feature selectors; returns (target, features).

    A new file starts with its last column as target and its first CSV_DEFAULT_FEATURES numeric columns
    as features. A column made the target leaves the features and the others stay: the cleaned choice is
    written back before the selector is drawn (Streamlit resets a selection holding a value that is no
    longer an option). The choice is kept for the file while the selectors are not drawn.
    """
    state = st.session_state
    columns = list(df.columns)
    kept = state.get(CSV_CHOICE)
    kept = kept if kept is not None and kept[0] == file_id else None
    if kept is None or "w_csv_target" not in state:
        state["w_csv_target"] = columns[-1] if kept is None else kept[1]
    target = st.selectbox("Target column", columns, key="w_csv_target")
    numeric = datasets.numeric_columns(df, exclude=target)
    chosen = numeric[:CSV_DEFAULT_FEATURES] if kept is None else state.get("w_csv_features", kept[2])
    state["w_csv_features"] = [c for c in chosen if c != target]
    features = st.multiselect("Feature columns", [c for c in columns if c != target], key="w_csv_features")
    state[CSV_CHOICE] = (file_id, target, features)
    first = f"; a new file starts with the first {CSV_DEFAULT_FEATURES}" if len(numeric) > CSV_DEFAULT_FEATURES else ""
    st.caption(
        f"{len(features):,} of {len(columns) - 1:,} columns selected as features ({len(numeric):,} hold numbers"
        f"{first}; at most {datasets.MAX_CSV_FEATURES:,})."
    )
    return target, features


def model_controls(config):
    """Model kind, hidden sizes, activation, dropout, batch norm, initializer. Returns a dict of Config fields."""
    seed_widget("w_kind", "network" if config.hidden_sizes else "linear")
    kind = st.radio(
        "Model",
        ["linear", "network"],
        key="w_kind",
        horizontal=True,
        help="Linear: y = w·x + b (linear, logistic or softmax regression, by the data's task).",
    )
    fields = {"hidden_sizes": ()}
    if kind == "network":
        seed_widget("w_hidden", ", ".join(map(str, config.hidden_sizes or (8, 8))))
        text = st.text_input("Hidden layer sizes", key="w_hidden", help="Units per hidden layer, e.g. 16, 8")
        try:
            fields["hidden_sizes"] = experiment.parse_hidden_sizes(text)
        except ValueError as e:
            st.error(plain(str(e)))
            fields["hidden_sizes"] = config.hidden_sizes or (8, 8)
        fields["activation"] = _select("Activation", list(activations.ACTIVATIONS), "w_activation", config.activation)
        seed_widget("w_dropout", config.dropout)
        fields["dropout"] = st.slider("Dropout", 0.0, 0.8, step=0.05, key="w_dropout")
        seed_widget("w_batch_norm", config.batch_norm)
        fields["batch_norm"] = st.checkbox("Batch norm", key="w_batch_norm")
    fields["init"] = _select("Initializer", list(initializers.INITIALIZERS), "w_init", config.init)
    return fields


def training_controls(config):
    """Optimizer, learning rate, schedule, batch size, L1, L2, seed. Returns a dict of Config fields."""
    fields = {"optimizer": _select("Optimizer", list(optimizers.OPTIMIZERS), "w_optimizer", config.optimizer)}
    seed_widget("w_lr", _nearest(LEARNING_RATES, config.lr))
    fields["lr"] = st.select_slider("Learning rate", LEARNING_RATES, key="w_lr", format_func=lambda v: f"{v:g}")
    fields["schedule"] = _select("Learning-rate schedule", list(optimizers.SCHEDULES), "w_schedule", config.schedule)
    if fields["schedule"] != "constant":
        seed_widget("w_schedule_steps", str(config.schedule_steps))
        text = st.text_input(
            "Schedule length (steps)",
            key="w_schedule_steps",
            help="Cosine reaches 0 at this step; step and exponential decay act every tenth of it",
        )
        longest = experiment.MAX_SCHEDULE_STEPS
        fields["schedule_steps"] = whole_number(text, 1, longest, "schedule length", config.schedule_steps)
    seed_widget("w_batch", _nearest(BATCH_SIZES, config.batch_size))
    fields["batch_size"] = st.select_slider(
        "Batch size", BATCH_SIZES, key="w_batch", help="Larger than the training set means full-batch gradient descent."
    )
    seed_widget("w_l1", _nearest(PENALTIES, config.l1))
    fields["l1"] = st.select_slider("L1 penalty  l1·Σ|w|", PENALTIES, key="w_l1", format_func=lambda v: f"{v:g}")
    seed_widget("w_l2", _nearest(PENALTIES, config.l2))
    fields["l2"] = st.select_slider("L2 penalty  (l2/2)·Σw²", PENALTIES, key="w_l2", format_func=lambda v: f"{v:g}")
    seed_widget("w_seed", str(config.seed))
    text = st.text_input("Seed", key="w_seed", help="The same seed gives the same data, weights and batches")
    fields["seed"] = whole_number(text, 0, experiment.MAX_SEED, "seed", config.seed)
    return fields


def whole_number(text, lo, hi, what, fallback):
    """The whole number typed in a text field, or ``fallback`` with an error under the field saying why
    (a number input would silently turn "1e30" into 1, or keep 5 000 while showing 1e12)."""
    try:
        return experiment.parse_count(text, lo, hi, what)
    except ValueError as e:
        st.error(plain(f"{e}; using {fallback:,}."))
        return fallback


def _select(label, options, key, current):
    seed_widget(key, current if current in options else options[0])
    return st.selectbox(label, options, key=key)


def _nearest(options, value):
    return min(options, key=lambda o: abs(o - value))


# -- the Home page's y = w·x + b --------------------------------------------------------------------
HOME, HOME_TRAINER = "home", "home_trainer"
HOME_LEARNING_RATES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)


def home_state():
    """The house-price data of the Home page (its training set), made once per session."""
    if HOME not in st.session_state:
        ds = datasets.house_prices(n_samples=60, seed=0)
        st.session_state[HOME] = {"dataset": ds, "x": ds.X_train[:, 0], "y": ds.y_train}
    return st.session_state[HOME]


def home_start(w, b, lr):
    """Button callback: a fresh full-batch gradient-descent run of y = w·x + b starting at (w, b)."""
    data = home_state()
    model = MLP([1, 1], task="regression", init="zeros")
    model.weights[0][0, 0], model.biases[0][0] = w, b
    X = data["x"][:, None]
    st.session_state[HOME_TRAINER] = Trainer(model, X, data["y"], optimizer="sgd", lr=lr, batch_size=len(X))


def home_steps(n_steps, lr):
    """Button callback: ``n_steps`` of gradient descent (starting from the sliders if nothing has started)."""
    if st.session_state.get(HOME_TRAINER) is None:
        home_start(st.session_state.get("home_w", 0.5), st.session_state.get("home_b", 2.0), lr)
    t = st.session_state[HOME_TRAINER]
    if t.diverged is not None and lr != t.lr:
        t.recover(lr)  # back to the last healthy (w, b), at the new rate
    t.lr = lr
    t.run(n_steps)


def home_trainer():
    """The Home page's gradient-descent run, or None before the first start."""
    return st.session_state.get(HOME_TRAINER)


def home_path():
    """(steps, 2) array of (w, b) after each recorded step, or None before the first start."""
    t = home_trainer()
    if t is None:
        return None
    t.history.flush()
    return t.history.snapshots["params"][:, :2].astype(float)
