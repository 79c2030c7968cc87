"""An experiment's configuration: everything that decides the data, the model and the training.

``Config`` is a frozen dataclass of plain values (what a page's controls and a shared URL hold);
``build(config)`` turns it into a dataset, model and trainer. The same Config gives bit-identical
weights, because every random draw comes from its ``seed``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import datasets
from .model import MLP
from .trainer import Trainer


@dataclass(frozen=True)
class Config:
    dataset: str = "moons"
    noise: float | None = None  # None: the dataset's own default
    hidden_sizes: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    init: str = "xavier_uniform"
    optimizer: str = "adam"
    lr: float = 0.03
    schedule: str = "constant"
    batch_size: int = 32
    l1: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    batch_norm: bool = False
    seed: int = 0

    def replace(self, **changes):
        """A copy with ``changes`` applied."""
        return Config(**{**asdict(self), **changes})

    def to_dict(self):
        data = asdict(self)
        data["hidden_sizes"] = list(self.hidden_sizes)
        return data


def load_dataset(config):
    """The dataset the config names, with its noise and seed."""
    options = {"seed": config.seed}
    if config.noise is not None and config.dataset not in datasets.BUILT_IN_TABLES:
        options["noise"] = config.noise
    return datasets.load(config.dataset, **options)


def build(config, dataset=None):
    """(dataset, trainer) for ``config``; pass ``dataset`` to use another (a CSV) with the same model settings."""
    ds = dataset if dataset is not None else load_dataset(config)
    model = MLP(
        ds.layer_sizes(config.hidden_sizes),
        activation=config.activation,
        task=ds.task,
        init=config.init,
        seed=config.seed,
        dropout=config.dropout,
        batch_norm=config.batch_norm,
    )
    trainer = Trainer(
        model,
        ds.X_train,
        ds.y_train,
        optimizer=config.optimizer,
        lr=config.lr,
        batch_size=config.batch_size,
        l1=config.l1,
        l2=config.l2,
        seed=config.seed,
        X_test=ds.X_test,
        y_test=ds.y_test,
        schedule=config.schedule,
    )
    return ds, trainer
