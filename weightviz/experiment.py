"""An experiment's configuration: everything that decides the data, the model and the training.

``Config`` is a frozen dataclass of plain values (what a page's controls and a shared URL hold);
``build(config)`` turns it into a dataset and a trainer. The same Config gives bit-identical
weights, because every random draw comes from its ``seed``. The fields in ``LIVE_FIELDS`` can
change on a running trainer without starting over (as TensorFlow Playground lets the learning
rate and regularisation change mid-run); any other change builds a new model.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass

from . import datasets, limits
from .formatting import typed
from .model import MLP
from .trainer import Trainer

MAX_HIDDEN_LAYERS = limits.HIDDEN_LAYERS
MAX_UNITS = limits.UNITS
LIVE_FIELDS = ("lr", "l1", "l2", "weight_decay")
CSV = "csv"  # the dataset name of an uploaded table
MAX_SCHEDULE_STEPS = limits.SCHEDULE_STEPS
# The options Config.schedule_steps = S gives each schedule: cosine reaches its minimum (0) at step S;
# step decay halves the rate every S/10 steps and exponential decay multiplies it by 0.96 every S/10
# steps (ten times over S). S = 1000 gives the engine's defaults: total_steps 1000, 100 and 100.
SCHEDULE_LENGTH = {
    "constant": lambda S: {},
    "step": lambda S: {"step_size": max(1, S // 10)},
    "exponential": lambda S: {"decay_steps": max(1, S // 10)},
    "cosine": lambda S: {"total_steps": S},
}


@dataclass(frozen=True)
class Config:
    dataset: str = "moons"
    noise: float | None = None  # None: the dataset's own default
    hidden_sizes: tuple[int, ...] = (8, 8)  # () is a linear model: linear, logistic or softmax regression
    activation: str = "tanh"
    init: str = "xavier_uniform"
    init_options: tuple = ()  # (name, value) pairs: σ for normal, limit for uniform, value, gain
    optimizer: str = "adam"
    lr: float = 0.03
    schedule: str = "constant"
    schedule_steps: int = 1000  # the schedule's length S, see SCHEDULE_LENGTH (changing it builds a new run)
    batch_size: int = 32
    l1: float = 0.0
    l2: float = 0.0
    weight_decay: float = 0.01  # AdamW's decoupled decay λ (w ← w − η·λ·w); only the optimizer "adamw" uses it
    dropout: float = 0.0
    batch_norm: bool = False
    clip_norm: float | None = None  # clip the gradient's global norm to this (None: no clipping)
    seed: int = 0
    csv_id: str = ""  # identifies an uploaded table and its column choice

    def replace(self, **changes):
        """A copy with ``changes`` applied."""
        return Config(**{**asdict(self), **changes})

    def rebuild_needed(self, other):
        """True when going from ``other`` to this config needs a new model (not only live changes)."""
        mine = {k: v for k, v in asdict(self).items() if k not in LIVE_FIELDS}
        theirs = {k: v for k, v in asdict(other).items() if k not in LIVE_FIELDS}
        return mine != theirs


def parse_hidden_sizes(text):
    """ "8, 8" -> (8, 8); ValueError with a readable reason for anything else."""
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"hidden layer sizes must be whole numbers separated by commas, like 8, 8 — got {text!r}"
        ) from None
    if not sizes:
        raise ValueError("a network needs at least one hidden layer, like 8 (or choose the linear model)")
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(sizes)}")
    if min(sizes) < 1 or max(sizes) > MAX_UNITS:
        raise ValueError(f"each hidden layer needs 1 to {MAX_UNITS} units, got {', '.join(map(str, sizes))}")
    return sizes


MAX_SEED = 2**31 - 1


def parse_count(text, lo, hi, what):
    """A whole number typed by a person, ``lo ≤ n ≤ hi``: "5000", "5,000", "5 000" and "5e3" are 5000.

    Anything else (text, a fraction, a number out of range such as "1e30") is a ValueError that says
    what is allowed, so the page can show it instead of silently using another number.
    """
    cleaned = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"the {what} must be a whole number from {lo:,} to {hi:,}, got {str(text)!r}") from None
    if not value.is_integer() or not lo <= value <= hi:
        raise ValueError(f"the {what} must be a whole number from {lo:,} to {hi:,}, got {str(text)!r}")
    return int(value)


def notes(config):
    """Settings that have no effect in this configuration, said plainly (empty when all apply)."""
    said = []
    if not config.hidden_sizes and (config.dropout or config.batch_norm):
        said.append("Dropout and batch norm act on hidden layers; a linear model has none, so they are off.")
    return said


def load_dataset(config):
    """The dataset the config names, with its noise and seed."""
    options = {"seed": config.seed}
    if config.noise is not None and config.dataset not in datasets.BUILT_IN_TABLES:
        options["noise"] = config.noise
    return datasets.load(config.dataset, **options)


MEMORY_BUDGET_MB = limits.HISTORY_MB  # history memory of one run; a run group splits it between its runs


def build(config, dataset=None, memory_budget_mb=MEMORY_BUDGET_MB, start=None):
    """(dataset, trainer) for ``config``; ``dataset`` overrides the named one (an uploaded CSV, a transfer
    target); ``memory_budget_mb`` bounds what the trainer's history keeps (see ``History``); ``start`` (a
    ``transfer.Start``) copies pre-trained layers into the new model and gives the trainer its options
    (``layer_lr``, ``eval_every``).

    Raises ValueError, with a reason a user can act on, for a configuration that cannot train.
    """
    if config.batch_norm and config.hidden_sizes and config.batch_size < 2:
        raise ValueError("batch norm normalises over a batch: use a batch size of at least 2")
    steps = config.schedule_steps
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not 1 <= steps <= MAX_SCHEDULE_STEPS:
        shown = typed(steps) if isinstance(steps, numbers.Real) else repr(steps)
        raise ValueError(
            f"the schedule's length must be a whole number of steps from 1 to {typed(MAX_SCHEDULE_STEPS)}, got {shown}"
        )
    if config.schedule not in SCHEDULE_LENGTH:
        raise ValueError(f"unknown schedule {config.schedule!r}; choose one of {', '.join(SCHEDULE_LENGTH)}")
    ds = dataset if dataset is not None else load_dataset(config)
    hidden = config.hidden_sizes
    model = MLP(
        ds.layer_sizes(hidden),
        activation=config.activation,
        task=ds.task,
        init=config.init,
        init_options=dict(config.init_options),
        seed=config.seed,
        dropout=config.dropout if hidden else 0.0,
        batch_norm=config.batch_norm and bool(hidden),
    )
    options = start.apply_to(model) if start is not None else {}
    trainer = Trainer(
        model,
        ds.X_train,
        ds.y_train,
        optimizer=config.optimizer,
        lr=config.lr,
        batch_size=config.batch_size,
        l1=config.l1,
        l2=config.l2,
        optimizer_options={"weight_decay": config.weight_decay} if config.optimizer == "adamw" else None,
        seed=config.seed,
        X_test=ds.X_test,
        y_test=ds.y_test,
        schedule=config.schedule,
        schedule_options=SCHEDULE_LENGTH[config.schedule](int(steps)),
        memory_budget_mb=memory_budget_mb,
        clip_norm=config.clip_norm,
        **options,
    )
    return ds, trainer


def apply_live(trainer, config):
    """Carry the live fields (learning rate, penalties) of ``config`` over to a running trainer.

    A run that diverged goes back to its last healthy step (``Trainer.recover``: the steps after it are
    dropped) and on from there once the learning rate changes.
    """
    if trainer.diverged is not None and float(config.lr) != trainer.lr:
        trainer.recover(config.lr)
    trainer.lr, trainer.l1, trainer.l2 = float(config.lr), float(config.l1), float(config.l2)
    if trainer.optimizer_name == "adamw":
        trainer.set_weight_decay(config.weight_decay)
