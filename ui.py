"""The app's one module that talks to Streamlit besides the pages: per-user state behind small functions.

It lives beside app.py, not in the ``weightviz`` package, which never imports Streamlit.

Pages read widgets (the ``*_controls`` functions here return plain values), call these, and
render. The trainer lives in ``st.session_state`` (one per browser session), never in
Streamlit's resource cache, which every visitor would share. Buttons act through ``on_click``
callbacks, so a click's effect is in place before the page draws.
"""

from __future__ import annotations

import hashlib
import inspect

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
FRAME_SECONDS = 0.05  # the next frame is asked for 0.05 s after one is drawn; drawing sets the pace


# -- navigation -----------------------------------------------------------------------------------
NAVIGATED, GOTO = "_navigated", "goto"


def enter_app():
    """Called by app.py before ``st.navigation``: this session runs through the entry point."""
    st.session_state[NAVIGATED] = True


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
        if config != old:
            experiment.apply_live(state[TRAINER], config)
            state[CONFIG] = config
        return state[DATASET], state[TRAINER]
    dataset = state.get(CSV_DATASET) if config.dataset == experiment.CSV else None
    try:
        if config.dataset == experiment.CSV and (dataset is None or not config.csv_id):
            raise ValueError("upload a CSV file that reads cleanly first")
        built = experiment.build(config, dataset)
    except ValueError as e:
        state[PROBLEM] = f"That configuration cannot be trained: {e}. The current model is kept."
        if state.get(TRAINER) is None:  # nothing to keep: fall back to the defaults
            state[CONFIG] = experiment.Config()
            state[DATASET], state[TRAINER] = experiment.build(state[CONFIG])
        return state[DATASET], state[TRAINER]
    state[CONFIG] = config
    state[DATASET], state[TRAINER] = built
    state[PLAY_SWITCH] = False  # called before the switch is drawn: a new model starts paused
    state[PROBLEM] = state[MESSAGE] = None  # what went wrong before no longer applies
    return built


def trainer():
    return st.session_state.get(TRAINER)


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


def show_messages(t, keys=(PROBLEM, MESSAGE)):
    """Show why a configuration could not be built, what the last upload said, and what training says
    now (diverged, or the loss blowing up) for trainer ``t``."""
    messages = [st.session_state.get(key) for key in keys] + [t.warning() if t is not None else None]
    for message in filter(None, messages):
        st.warning(message, icon=":material/warning:")


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
    """Download the weights (.npz) and the history (.csv); upload weights saved from the same architecture."""
    name = f"weightviz-{'-'.join(map(str, t.model.layer_sizes))}-step{t.step_count}"
    st.download_button(
        "Weights (.npz)",
        checkpoints.save_bytes(t.model),
        f"{name}.npz",
        mime="application/octet-stream",
        key="w_download_weights",
        help="The weights, biases and batch-norm statistics, with the architecture",
    )
    if st.button("Prepare the history (.csv)", key="w_prepare_history"):
        csv = t.history.frame().to_csv().encode()
        st.download_button(
            f"History (.csv, {len(csv) / 1e6:.1f} MB)",
            csv,
            f"{name}-history.csv",
            mime="text/csv",
            key="w_download_history",
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


def csv_controls():
    """Upload, target and features. Parses once per file; errors are shown and keep the current model."""
    upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="w_csv_file")
    if upload is None:
        st.caption("A table with a header row; numeric features and a target column.")
        return ""
    file_id = hashlib.sha1(upload.getvalue()).hexdigest()[:12]
    table = st.session_state.get(CSV_TABLE)
    if table is None or table[0] != file_id:
        try:
            table = (file_id, datasets.read_csv(upload.getvalue()))
        except datasets.CSVError as e:
            st.error(f"{upload.name}: {e}")
            return ""
        st.session_state[CSV_TABLE] = table
    df = table[1]
    columns = list(df.columns)
    target = st.selectbox("Target column", columns, index=len(columns) - 1, key="w_csv_target")
    numeric = datasets.numeric_columns(df, exclude=target)
    features = st.multiselect(
        "Feature columns", [c for c in columns if c != target], default=numeric, key="w_csv_features"
    )
    drop = st.checkbox("Drop rows with missing values", key="w_csv_drop")
    csv_id = f"{file_id}:{target}:{','.join(features)}:{drop}"
    cached = st.session_state.get(CSV_DATASET)
    if cached is None or cached.meta.get("csv_id") != csv_id:
        try:
            ds = datasets.from_csv(df.copy(), target=target, features=features or None, drop_missing=drop)
        except datasets.CSVError as e:
            st.error(f"{upload.name}: {e}")
            return ""
        ds.meta["csv_id"] = csv_id
        st.session_state[CSV_DATASET] = ds
    return csv_id


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
            st.error(str(e))
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
    seed_widget("w_batch", _nearest(BATCH_SIZES, config.batch_size))
    fields["batch_size"] = st.select_slider(
        "Batch size", BATCH_SIZES, key="w_batch", help="Larger than the training set means full-batch gradient descent."
    )
    seed_widget("w_l1", _nearest(PENALTIES, config.l1))
    fields["l1"] = st.select_slider("L1 penalty  l1·Σ|w|", PENALTIES, key="w_l1", format_func=lambda v: f"{v:g}")
    seed_widget("w_l2", _nearest(PENALTIES, config.l2))
    fields["l2"] = st.select_slider("L2 penalty  (l2/2)·Σw²", PENALTIES, key="w_l2", format_func=lambda v: f"{v:g}")
    seed_widget("w_seed", config.seed)
    fields["seed"] = int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="w_seed"))
    return fields


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
        t.recover(lr)  # a smaller step goes on from the last finite (w, b)
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
