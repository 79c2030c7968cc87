"""Per-layer learning-rate multipliers (``Trainer(..., layer_lr=[...])``): 0 freezes a layer bit for bit with
every optimizer, penalty and batch norm, its optimizer state untouched; 1 everywhere is the plain trainer
exactly; m scales that layer's SGD update by m."""

import numpy as np
import pytest

from weightviz import MLP, Trainer, datasets, optimizers

DS = datasets.load("moons", seed=0)
STATE = ("velocity", "square_avg", "m", "v")


def trained(layer_lr=None, optimizer="adam", steps=40, **options):
    model = MLP([2, 8, 6, 1], seed=1, batch_norm=options.pop("batch_norm", False))
    trainer = Trainer(model, DS.X_train, DS.y_train, optimizer=optimizer, lr=0.05, batch_size=16, layer_lr=layer_lr,
                      **options)  # fmt: skip
    trainer.run(steps)
    return trainer


def layer_slice(model, layer):
    """The flat indices of layer ``layer``'s W and b."""
    W, b = model.weights[layer], model.biases[layer]
    start_W = np.shares_memory(model.params, W) and (W.ctypes.data - model.params.ctypes.data) // model.params.itemsize
    start_b = (b.ctypes.data - model.params.ctypes.data) // model.params.itemsize
    return np.r_[start_W : start_W + W.size, start_b : start_b + b.size]


@pytest.mark.parametrize("optimizer", list(optimizers.OPTIMIZERS))
@pytest.mark.parametrize("options", [{}, {"l1": 0.01, "l2": 0.01}, {"batch_norm": True, "l2": 0.1}],
                         ids=["plain", "penalties", "batch norm"])  # fmt: skip
def test_a_frozen_layer_stays_bit_for_bit_with_its_optimizer_state_untouched(optimizer, options):
    before = MLP([2, 8, 6, 1], seed=1, batch_norm=options.get("batch_norm", False))
    trainer = trained([1, 0, 0.5], optimizer, **dict(options))
    model = trainer.model
    assert np.array_equal(model.weights[1], before.weights[1]) and np.array_equal(model.biases[1], before.biases[1])
    if options.get("batch_norm"):
        assert all(
            np.array_equal(a, b) for a, b in zip(model.batch_norm_params(1), before.batch_norm_params(1), strict=True)
        )
    assert not np.array_equal(model.weights[0], before.weights[0])  # the others learn
    frozen = layer_slice(model, 1)
    for name in STATE:
        state = getattr(trainer.optimizer, name, None)
        if isinstance(state, np.ndarray):
            assert not state[frozen].any(), name  # as it started: zeros


@pytest.mark.parametrize("optimizer", list(optimizers.OPTIMIZERS))
def test_multipliers_of_one_are_the_plain_trainer_exactly(optimizer):
    plain, ones = trained(None, optimizer), trained([1, 1, 1], optimizer)
    assert np.array_equal(plain.model.params, ones.model.params)


def test_a_multiplier_scales_that_layers_sgd_update():
    plain, scaled = trained(None, "sgd", steps=1), trained([1, 0.25, 3], "sgd", steps=1)
    start = MLP([2, 8, 6, 1], seed=1)
    for layer, m in enumerate([1, 0.25, 3]):
        moved = scaled.model.weights[layer] - start.weights[layer]
        expected = m * (plain.model.weights[layer] - start.weights[layer])
        np.testing.assert_allclose(moved, expected, rtol=1e-12, atol=1e-15)  # (w − η·m·g) − w: 1 ulp of w


@pytest.mark.parametrize("layer_lr", [[1, 1], [1, -1, 1], [1, float("nan"), 1], [1, float("inf"), 1]])
def test_a_wrong_multiplier_list_is_refused(layer_lr):
    with pytest.raises(ValueError, match="layer_lr"):
        trained(layer_lr, steps=0)
