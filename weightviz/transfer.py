"""Transfer learning: pre-train a network on a source task, carry its hidden layers to a target task that has
only a few labelled examples, and compare with training from scratch on the same batches.

A :class:`Task` (registry ``TASKS``, keyed by the name the UI shows) pairs a source dataset that has plenty of
labels with a pool of target examples. ``target(task, per_class, seed)`` draws ``per_class`` training
examples of each target class from the pool with ``np.random.default_rng(seed)``; the rest of the pool is
the test set, so the test accuracy counts hundreds of examples.

``pretrain(task, hidden_sizes, steps, seed)`` trains the source network (``PRETRAIN``: He-normal weights
drawn from a stream of its own, ``pretraining_seed(seed)``, Adam at η = 0.01, batches of 32) and returns its
hidden layers as :class:`Pretrained`;
``from_model`` takes them from any network instead (a weights file). A :class:`Start` says what each hidden
layer of the target network does with them (``ACTIONS``: the layer's learning-rate multiplier):

    fine-tune          W, b copied from the pre-trained layer; trained at the base rate      (× 1)
    fine-tune slowly   copied; trained at a tenth of the base rate                           (× 0.1)
    freeze             copied; never updated, bit for bit (``Trainer(layer_lr=...)`` with 0)  (× 0)
    re-initialize      the fresh weights the run's own initializer and seed drew             (× 1)

The output layer is always new (the target has its own classes): drawn by the run's initializer from its
seed, the same draw for every run of a comparison, and trained at the base rate. Built through
``experiment.build(config, dataset, start=...)``, a run is a plain trainer with ``layer_lr`` set, so every
optimizer, penalty and schedule applies. ``pretrained(...)`` is ``pretrain`` kept per settings (at most
``limits.PRETRAINED_KEPT`` of them, shared by every session: a second visitor does not wait; the arrays
are read-only, and a run copies them).

What moved: ``moved(W, W0) = |W − W₀|`` per weight, ``relative_change(W, W0) = ‖W − W₀‖_F / ‖W₀‖_F`` per
layer, and ``steps_to_reach`` reads how many steps a run took to reach an accuracy.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import datasets, limits
from .model import MLP
from .trainer import Trainer

__all__ = [
    "TASKS",
    "ACTIONS",
    "PRETRAIN",
    "PER_CLASS",
    "Task",
    "Pretrained",
    "Start",
    "target",
    "source",
    "pretrain",
    "pretrained",
    "pretraining_seed",
    "is_pretrained",
    "from_model",
    "shifted_copies",
    "comparison_plans",
    "moved",
    "relative_change",
    "steps_to_reach",
]

ACTIONS = {"fine-tune": 1.0, "fine-tune slowly": 0.1, "freeze": 0.0, "re-initialize": 1.0}
COPIED = ("fine-tune", "fine-tune slowly", "freeze")  # the actions that start from the pre-trained weights
PRETRAIN = {"init": "he_normal", "optimizer": "adam", "lr": 0.01, "batch_size": 32}
PER_CLASS = (3, 5, 10, 30, 60)  # target training examples per class the page offers
CHUNK = 250  # pre-training steps between two progress reports
EVAL_EVERY = 5  # a target run measures its train and test accuracy every this many steps
PIXELS = tuple(f"pixel {r},{c}" for r in range(8) for c in range(8))  # the digits' feature names, row by row
NOISE_SIGMA = 0.3  # the noisy digits: N(0, 0.3²) added to pixels in 0…1, clipped back to 0…1


@dataclass(frozen=True)
class Task:
    """A source dataset with plenty of labels and a pool of target examples of a related task."""

    description: str
    make_source: Callable[[], datasets.Dataset]  # the source task, split into train and test (fixed)
    make_pool: Callable[[], tuple[str, np.ndarray, np.ndarray, list[str]]]  # target (name, X, y, class names)


# -- the digits ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _digits():
    """All 1,797 digits (pixels 0…1) in a fixed order, read-only: (X, y)."""
    ds = datasets.digits(seed=0)
    X, y = np.concatenate([ds.X_train, ds.X_test]), np.concatenate([ds.y_train, ds.y_test])
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _image_dataset(name, X, y, class_names, description):
    """A multiclass image dataset of 8×8 digits, 80 % / 20 % split by class with seed 0."""
    ds = datasets.split(
        name, "multiclass", X, y, test_fraction=0.2, seed=0, class_names=class_names, description=description,
        feature_names=list(PIXELS),
    )  # fmt: skip
    ds.input_mean, ds.input_scale = np.zeros(64), np.ones(64)
    ds.meta["image_shape"] = (8, 8)
    return ds


def _halves():
    """The digits in two disjoint halves (a fixed permutation), so no image is in both tasks."""
    X, y = _digits()
    order = np.random.default_rng(0).permutation(len(y))
    return (X[order[: len(y) // 2]], y[order[: len(y) // 2]]), (X[order[len(y) // 2 :]], y[order[len(y) // 2 :]])


def _first_five():
    X, y = _digits()
    keep = y < 5
    return _image_dataset("digits 0–4", X[keep], y[keep], list("01234"), "Handwritten 0, 1, 2, 3 and 4.")


def _last_five():
    X, y = _digits()
    keep = y >= 5
    return "digits 5–9", X[keep], y[keep] - 5, list("56789")


def _clean_half():
    X, y = _halves()[0]
    return _image_dataset("clean digits", X, y, list("0123456789"), "Half of the digits, all ten classes.")


def _noisy_half():
    X, y = _halves()[1]
    noise = np.random.default_rng(1).normal(0.0, NOISE_SIGMA, X.shape)
    return "noisy digits", np.clip(X + noise, 0.0, 1.0), y, list("0123456789")


TASKS = {
    "clean digits → noisy digits": Task(
        "Pre-train on half of the digits; the target is the same ten classes in the other half's images, "
        f"with noise of σ = {NOISE_SIGMA} added to every pixel.",
        _clean_half,
        _noisy_half,
    ),
    "digits 0–4 → digits 5–9": Task(
        "Pre-train on the digits 0 to 4; the target is new classes, 5 to 9, drawn the same way.",
        _first_five,
        _last_five,
    ),
}


def _task(name):
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown transfer task {name!r}; choose one of {', '.join(TASKS)}") from None


@functools.lru_cache(maxsize=len(TASKS))
def source(task):
    """The source task's dataset (fixed: it does not depend on any seed)."""
    return _task(task).make_source()


@functools.lru_cache(maxsize=len(TASKS))
def _pool(task):
    return _task(task).make_pool()


def target(task, per_class, seed=0):
    """The target dataset: ``per_class`` training examples of each class drawn from the task's pool with
    ``np.random.default_rng(seed)``, the rest of the pool as the test set. ValueError when a class has no
    example left to test on."""
    name, X, y, class_names = _pool(task)
    per_class = int(per_class)
    counts = np.bincount(y, minlength=len(class_names))
    if not 1 <= per_class < counts.min():
        raise ValueError(f"examples per class must be from 1 to {counts.min() - 1} for this task, got {per_class}")
    rng = np.random.default_rng(seed)
    train = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(len(counts))])
    train = rng.permutation(train)
    test = np.setdiff1d(np.arange(len(y)), train)
    ds = datasets.Dataset(
        name,
        "multiclass",
        X[train],
        y[train].astype(np.intp),
        X[test],
        y[test].astype(np.intp),
        feature_names=list(PIXELS),
        target_name="digit",
        class_names=list(class_names),
        description=f"{per_class} labelled examples of each class; the other {len(test):,} are the test set.",
        input_mean=np.zeros(64),
        input_scale=np.ones(64),
    )
    ds.meta["image_shape"] = (8, 8)
    return ds


# -- pre-training -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)  # (arrays inside: compared by identity, as the cache keeps them)
class Pretrained:
    """The hidden layers a target network starts from: ``layers[l] = (W_l, b_l)`` with W_l of shape
    (fan_in, fan_out), and how they were made (``source`` says it in words)."""

    layers: tuple
    activation: str
    source: str
    source_accuracy: float | None = None  # on the source task's test set, when pre-trained here

    @property
    def hidden_sizes(self):
        return tuple(W.shape[1] for W, _ in self.layers)

    @property
    def n_inputs(self):
        return self.layers[0][0].shape[0]


def shifted_copies(X, image_shape=(8, 8)):
    """Each image of ``X`` (rows of pixels) and its 8 copies moved by one pixel (left/right, up/down, and
    both), the pixels moved in at the border 0: 9·n rows, the unshifted ones first."""
    h, w = image_shape
    images = np.asarray(X).reshape(-1, h, w)
    out = []
    for dy, dx in [(0, 0), *[(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]]:
        moved = np.zeros_like(images)
        moved[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
            :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
        out.append(moved.reshape(len(images), -1))
    return np.concatenate(out)


def pretraining_seed(seed):
    """The seed pre-training draws its weights and batches from: a stream of its own, apart from ``seed``'s.

    The target runs draw their fresh layers from ``seed``; had pre-training drawn from it too, a new output layer
    of the source's shape would be the very draw the pre-trained layers grew up with (a hostile review measured
    61.5 % on noisy digits at step 0, before any target training, against 12 % for an unrelated draw)."""
    return int(np.random.SeedSequence([int(seed), 1]).generate_state(1)[0])


def pretrain(task, hidden_sizes=(64,), steps=2000, seed=0, activation="relu", progress=None, shifted=False):
    """Train a ``[64, *hidden_sizes, n_source_classes]`` network on the source task for ``steps`` steps
    (``PRETRAIN``: He-normal weights and batch order from :func:`pretraining_seed` of ``seed``, Adam η = 0.01,
    batches of 32) and
    return its hidden layers. ``shifted`` trains on every source image and its 8 one-pixel shifts
    (:func:`shifted_copies`, a classic augmentation). ``progress(done, steps)`` is called every ``CHUNK``
    steps."""
    if not hidden_sizes:
        raise ValueError("transfer needs at least one hidden layer to carry over")
    if not 1 <= steps <= limits.PRETRAIN_STEPS or sum(hidden_sizes) > limits.PRETRAIN_UNITS:
        raise ValueError(
            f"pre-training here takes at most {limits.PRETRAIN_STEPS:,} steps and {limits.PRETRAIN_UNITS} hidden units"
        )
    ds = source(task)
    own_seed = pretraining_seed(seed)
    model = MLP(ds.layer_sizes(hidden_sizes), activation, ds.task, PRETRAIN["init"], own_seed)
    X, y = (shifted_copies(ds.X_train), np.tile(ds.y_train, 9)) if shifted else (ds.X_train, ds.y_train)
    trainer = Trainer(
        model, X, y, PRETRAIN["optimizer"], PRETRAIN["lr"], PRETRAIN["batch_size"],
        seed=own_seed, record=False, eval_every=10**9,
    )  # fmt: skip
    while trainer.step_count < steps:
        result = trainer.run(min(CHUNK, steps - trainer.step_count))
        if getattr(result, "diverged", False):
            raise ValueError(f"pre-training diverged at step {trainer.step_count:,}")
        if progress is not None:
            progress(trainer.step_count, steps)
    said = f"{ds.name}{' and their one-pixel shifts' if shifted else ''}, {steps:,} steps"
    return from_model(model, said, model.score(ds.X_test, ds.y_test))


_kept = OrderedDict()  # (task, hidden_sizes, steps, seed, activation, shifted) -> Pretrained, least recent first
_kept_lock = threading.Lock()
_training = {}  # key -> threading.Event of a pre-training under way (set when it ends, however)


def _key(task, hidden_sizes, steps, seed, activation, shifted):
    return (task, tuple(int(h) for h in hidden_sizes), int(steps), int(seed), activation, bool(shifted))


def is_pretrained(task, hidden_sizes=(64,), steps=2000, seed=0, activation="relu", shifted=False):
    """Whether ``pretrained`` with these settings returns at once (kept from an earlier call)."""
    with _kept_lock:
        return _key(task, hidden_sizes, steps, seed, activation, shifted) in _kept


def pretrained(task, hidden_sizes=(64,), steps=2000, seed=0, activation="relu", progress=None, shifted=False):
    """:func:`pretrain`, kept per settings: the same settings return the same (read-only) layers. Two sessions
    asking for the same settings at once train them once: the second waits for the first (and trains them
    itself if the first fails or is stopped)."""
    key = _key(task, hidden_sizes, steps, seed, activation, shifted)
    while True:
        with _kept_lock:
            if key in _kept:
                _kept.move_to_end(key)
                return _kept[key]
            running = _training.get(key)
            if running is None:
                running = _training[key] = threading.Event()
                break
        running.wait()  # another session trains these settings: take its result (or train them if it failed)
    try:
        made = pretrain(task, hidden_sizes, steps, seed, activation, progress, shifted)
        with _kept_lock:
            _kept[key] = made
            while len(_kept) > limits.PRETRAINED_KEPT:
                _kept.popitem(last=False)
        return made
    finally:  # also when the caller's rerun stops it midway (a BaseException): the waiters then try themselves
        with _kept_lock:
            _training.pop(key, None)
        running.set()


def from_model(model, source_name, source_accuracy=None):
    """The hidden layers of ``model`` (copies) as :class:`Pretrained`; ValueError for a model without hidden
    layers or with batch norm (its normalisation would not come along)."""
    if len(model.weights) < 2:
        raise ValueError("the model has no hidden layer to carry over (it is a linear model)")
    if model.batch_norms:
        raise ValueError("the model uses batch norm, whose statistics a transferred layer cannot carry")
    acts = model.config["activation"]
    if len(set(acts)) != 1:
        raise ValueError(f"the model's hidden layers use different activations ({', '.join(acts)})")
    layers = tuple((W.copy(), b.copy()) for W, b in zip(model.weights[:-1], model.biases[:-1], strict=True))
    for W, b in layers:
        W.flags.writeable = b.flags.writeable = False
    return Pretrained(layers, acts[0], source_name, source_accuracy)


# -- where a target run starts --------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Start:
    """``pretrained`` layers and ``plan``: one of ``ACTIONS`` per hidden layer."""

    pretrained: Pretrained
    plan: tuple

    def __post_init__(self):
        if len(self.plan) != len(self.pretrained.layers):
            raise ValueError(f"the plan needs one action per hidden layer ({len(self.pretrained.layers)})")
        unknown = [a for a in self.plan if a not in ACTIONS]
        if unknown:
            raise ValueError(f"unknown action {unknown[0]!r}; choose one of {', '.join(ACTIONS)}")

    @property
    def layer_lr(self):
        """The learning-rate multiplier of every layer, the new output layer's (1) last."""
        return [ACTIONS[a] for a in self.plan] + [1.0]

    def apply_to(self, model):
        """Copy the pre-trained weights into the layers the plan keeps (the others keep ``model``'s fresh
        draw) and return the trainer's options: ``layer_lr``, and ``eval_every`` = ``EVAL_EVERY`` (a target's
        test set is a few hundred rows: its accuracy curve can afford a point every few steps). ValueError
        when ``model``'s hidden layers do not have the pre-trained shapes or activation."""
        shapes = [W.shape for W in model.weights[:-1]]
        wanted = [W.shape for W, _ in self.pretrained.layers]
        if shapes != wanted:
            raise ValueError(f"the network's hidden layers {shapes} do not match the pre-trained ones {wanted}")
        if model.batch_norms:
            raise ValueError("batch norm is off for transfer: the pre-trained layers were trained without it")
        if set(model.config["activation"]) != {self.pretrained.activation}:
            raise ValueError(f"the pre-trained layers use {self.pretrained.activation}; the network must too")
        for layer, action in enumerate(self.plan):
            if action in COPIED:
                W, b = self.pretrained.layers[layer]
                model.weights[layer][...] = W
                model.biases[layer][...] = b
        return {"layer_lr": self.layer_lr, "eval_every": EVAL_EVERY}


def comparison_plans(n_hidden, plan=None):
    """The three runs of a comparison: {name: plan}. From scratch re-initializes every layer; the fine-tuned
    run follows ``plan`` (default: fine-tune every layer); frozen features freezes every hidden layer."""
    return {
        "From scratch": ("re-initialize",) * n_hidden,
        "Fine-tuned": tuple(plan) if plan is not None else ("fine-tune",) * n_hidden,
        "Frozen features": ("freeze",) * n_hidden,
    }


# -- what moved -------------------------------------------------------------------------------------------------
def moved(W, W0):
    """|W − W₀|, weight by weight."""
    return np.abs(np.asarray(W, dtype=float) - np.asarray(W0, dtype=float))


def relative_change(W, W0):
    """‖W − W₀‖_F / ‖W₀‖_F: the share of the layer's norm that changed (inf when W₀ = 0 and W ≠ 0)."""
    W, W0 = np.asarray(W, dtype=float), np.asarray(W0, dtype=float)
    change, start = np.linalg.norm(W - W0), np.linalg.norm(W0)
    if start == 0.0:
        return 0.0 if change == 0.0 else float("inf")
    return float(change / start)


def steps_to_reach(steps, values, threshold):
    """The first of ``steps`` whose value is ≥ ``threshold`` (the evaluations of a run), or None."""
    reached = np.flatnonzero(np.asarray(values, dtype=float) >= threshold)
    return int(np.asarray(steps)[reached[0]]) if reached.size else None
