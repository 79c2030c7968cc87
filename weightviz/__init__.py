"""weightviz: train linear models and networks step by step in NumPy and record what the weights do.

>>> from weightviz import MLP, Trainer, datasets, initializers
>>> model = MLP([2, 8, 8, 1], activation="tanh", task="binary", init="xavier_uniform", seed=0)
"""

from . import activations, datasets, initializers, losses, optimizers, propagation, regularizers
from .history import History
from .model import MLP, Trace
from .trainer import Diverged, StepResult, Trainer

__all__ = [
    "MLP",
    "Trace",
    "Trainer",
    "History",
    "Diverged",
    "StepResult",
    "activations",
    "datasets",
    "initializers",
    "losses",
    "optimizers",
    "propagation",
    "regularizers",
]
