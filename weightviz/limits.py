"""Every limit a visitor's session works within, in one place (the README's *Limits* table lists them).

A hosted demo is shared by strangers: nothing a visitor types, uploads or puts in a link may make the
server allocate or compute without bound. Each limit is enforced where its input is read (the module
named in :data:`LIMITS`), and a setting over it is refused or clamped with a message that names it.
The constants below are what the code uses; :data:`LIMITS` describes them for people.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 2**20

# -- models ----------------------------------------------------------------------------------------------
HIDDEN_LAYERS = 8  # hidden layers on Train and Regularization (weights files are sized for this)
INIT_HIDDEN_LAYERS = 12  # hidden layers on Initializers (its networks are at most 256 wide)
UNITS = 512  # units in one hidden layer
OUTPUTS = 1_000  # outputs (classes) of a model a weights file may hold
SIDE_BY_SIDE_RUNS = 4  # runs on a side-by-side page
PRETRAIN_STEPS = 5_000  # steps of one pre-training on the Transfer page
PRETRAIN_UNITS = 512  # hidden units (all layers) of a network pre-trained there
PRETRAINED_KEPT = 16  # pre-trained networks kept for every visitor (the page's largest, 128-128-64: 0.3 MB)

# -- data --------------------------------------------------------------------------------------------------
CSV_BYTES = 50 * MiB  # an uploaded CSV (also Streamlit's server.maxUploadSize in .streamlit/config.toml)
CSV_ROWS = 100_000
CSV_CELLS = 2_000_000  # rows × columns of an uploaded table: 16 MB of float64
CSV_FEATURES = 1_000
CSV_CLASSES = 50  # a target with more distinct values is an ID or free text, not classes

# -- training ----------------------------------------------------------------------------------------------
HISTORY_MB = 64.0  # the recorded history of one run (a side-by-side page splits it between its runs)
LONG_RUN_STEPS = 100_000  # steps one Train click may run (under a progress bar, Stop keeps them)
SCHEDULE_STEPS = 10_000_000  # a learning-rate schedule's length
REPLAY_STEPS = 20_000  # steps a link replays
REPLAY_SECONDS = 10  # … and about this long at most (estimated from the model's size: ui.share.replay_seconds)

# -- files and links ---------------------------------------------------------------------------------------
WEIGHTS_ARCHITECTURE_BYTES = 64 * 2**10  # the architecture text inside a weights file
CONFIG_FILE_BYTES = 64_000  # a configuration file (JSON)
LINK_PARAMS = 200  # parameters in a configuration file
LINK_VALUE_CHARS = 4_000  # characters of one parameter's value (100 live changes take ~2 500)
LINK_CHANGES = 100  # live changes a link carries

# -- attributions and sweeps -------------------------------------------------------------------------------
EXACT_FEATURES = 14  # features for exact Shapley values (2^14 coalitions a row)
SHAPLEY_ROWS = (5, 200)  # explained rows and background rows, the least and the most
SHAPLEY_EVALUATIONS = 20_000_000  # network rows one explanation may evaluate
SHAPLEY_WORK = 2e11  # multiply-adds one explanation may take (~7 s here)
SWEEP_WEIGHTS = 200  # weights of the linear model a λ sweep solves for
SWEEP_STEPS = 1_000  # proximal steps one classification λ takes on the page (an unconverged point is said)
INSPECT_PARAMETERS = 10_000_000  # numbers in a weights file on Inspect (kept as float32: 40 MB a session at most)
INSPECT_TENSORS = 5_000  # tensors in a weights file on Inspect
SPECTRUM_CELLS = 1_000_000  # cells of a matrix whose full spectrum Inspect computes (larger: its first rows)


@dataclass(frozen=True)
class Limit:
    value: object
    what: str
    where: str  # the module that enforces it


LIMITS = {
    "HIDDEN_LAYERS": Limit(HIDDEN_LAYERS, "hidden layers (Train, Regularization, Attributions)", "experiment"),
    "INIT_HIDDEN_LAYERS": Limit(INIT_HIDDEN_LAYERS, "hidden layers on Initializers", "ui.initializers"),
    "UNITS": Limit(UNITS, "units in a hidden layer", "experiment"),
    "OUTPUTS": Limit(OUTPUTS, "outputs of a model in a weights file", "checkpoints"),
    "SIDE_BY_SIDE_RUNS": Limit(SIDE_BY_SIDE_RUNS, "runs on a side-by-side page", "ui.initializers, ui.regularization"),
    "CSV_BYTES": Limit(CSV_BYTES, "bytes of an uploaded CSV", "datasets, .streamlit/config.toml"),
    "CSV_ROWS": Limit(CSV_ROWS, "rows of an uploaded table", "datasets"),
    "CSV_CELLS": Limit(CSV_CELLS, "rows × columns of an uploaded table", "datasets"),
    "CSV_FEATURES": Limit(CSV_FEATURES, "feature columns of an uploaded table", "datasets"),
    "CSV_CLASSES": Limit(CSV_CLASSES, "classes of an uploaded table's target", "datasets"),
    "PRETRAIN_STEPS": Limit(PRETRAIN_STEPS, "steps of a pre-training on Transfer", "transfer"),
    "PRETRAIN_UNITS": Limit(PRETRAIN_UNITS, "hidden units of a network pre-trained on Transfer", "transfer"),
    "PRETRAINED_KEPT": Limit(PRETRAINED_KEPT, "pre-trained networks kept for all visitors", "transfer"),
    "HISTORY_MB": Limit(HISTORY_MB, "MB of recorded history per run (split on side-by-side pages)", "experiment"),
    "LONG_RUN_STEPS": Limit(LONG_RUN_STEPS, "steps one Train click runs", "ui.actions"),
    "SCHEDULE_STEPS": Limit(SCHEDULE_STEPS, "steps of a learning-rate schedule", "experiment"),
    "REPLAY_STEPS": Limit(REPLAY_STEPS, "steps a link replays", "sharing"),
    "REPLAY_SECONDS": Limit(REPLAY_SECONDS, "seconds of training a link replays (estimated)", "ui.share"),
    "WEIGHTS_ARCHITECTURE_BYTES": Limit(
        WEIGHTS_ARCHITECTURE_BYTES, "bytes of a weights file's architecture text", "checkpoints"
    ),  # fmt: skip
    "CONFIG_FILE_BYTES": Limit(CONFIG_FILE_BYTES, "bytes of a configuration file", "sharing"),
    "LINK_PARAMS": Limit(LINK_PARAMS, "parameters in a configuration file", "sharing"),
    "LINK_VALUE_CHARS": Limit(LINK_VALUE_CHARS, "characters of one parameter in a configuration file", "sharing"),
    "LINK_CHANGES": Limit(LINK_CHANGES, "live changes a link carries", "sharing"),
    "EXACT_FEATURES": Limit(EXACT_FEATURES, "features for exact Shapley values", "shapley"),
    "SHAPLEY_ROWS": Limit(SHAPLEY_ROWS, "explained and background rows (least, most)", "ui.attributions"),
    "SHAPLEY_EVALUATIONS": Limit(SHAPLEY_EVALUATIONS, "network rows one explanation evaluates", "shapley"),
    "SHAPLEY_WORK": Limit(SHAPLEY_WORK, "multiply-adds one explanation takes", "shapley"),
    "SWEEP_WEIGHTS": Limit(SWEEP_WEIGHTS, "weights a λ sweep solves for", "ui.regularization"),
    "INSPECT_PARAMETERS": Limit(INSPECT_PARAMETERS, "numbers in a weights file on Inspect", "tensors"),
    "INSPECT_TENSORS": Limit(INSPECT_TENSORS, "tensors in a weights file on Inspect", "tensors"),
    "SPECTRUM_CELLS": Limit(SPECTRUM_CELLS, "cells of a matrix whose whole spectrum Inspect computes", "ui.inspect"),
    "SWEEP_STEPS": Limit(SWEEP_STEPS, "proximal steps per λ of a classification sweep", "ui.regularization"),
}


def shown(value):
    """A limit as the README's table writes it: 100,000; 50 MiB; 2e+11; (5, 200)."""
    if isinstance(value, tuple):
        return " to ".join(shown(v) for v in value)
    if isinstance(value, float) and value >= 1e6:
        return f"{value:.0e}"
    if isinstance(value, int) and value >= MiB and value % MiB == 0:
        return f"{value // MiB} MiB"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def table():
    """The README's *Limits* table (Markdown), one row per limit."""
    rows = ["| limit | value | enforced in |", "|---|---|---|"]
    rows += [f"| {limit.what} (`{name}`) | {shown(limit.value)} | `{limit.where}` |" for name, limit in LIMITS.items()]
    return "\n".join(rows)
