"""Per-layer statistics of what flows through a network (weightviz.propagation), against direct counts."""

import numpy as np
import pytest

from weightviz import MLP, Trainer, datasets, propagation


def test_layer_health_counts_saturation_dead_units_and_the_update_scale():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 20)), rng.standard_normal(200)
    tanh = MLP([20, 30, 30, 1], activation="tanh", init="normal", init_options={"std": 1.0}, seed=0)
    trace = tanh.trace(X, y)
    rows = propagation.layer_health(tanh, trace)
    assert len(rows) == 2
    a = trace.activations[1]
    assert rows[1]["saturated"] == pytest.approx(np.mean(np.abs(a) > 0.97)) and rows[1]["saturated"] > 0.5
    assert rows[1]["std"] == pytest.approx(a.std()) and rows[1]["grad_std"] == pytest.approx(trace.grads[1].std())
    _, grad_W, _ = tanh.loss_and_grads(X, y)
    assert rows[0]["update_scale"] == pytest.approx(grad_W[0].std() / tanh.weights[0].std())
    relu = MLP([20, 30, 1], activation="relu", seed=0)
    relu.biases[0][:5] = -100.0  # five units that never fire
    health = propagation.layer_health(relu, relu.trace(X, y))[0]
    assert health["dead"] == pytest.approx(5 / 30) and np.isnan(health["saturated"])


def test_sigmoid_saturation_is_at_both_flat_ends():
    a = np.array([0.01, 0.5, 0.99, 0.96])
    assert propagation.saturated_share(a, "sigmoid") == 0.5


@pytest.mark.parametrize("init,options", [("zeros", {}), ("constant", {"value": 0.3})])
def test_symmetric_initialisation_keeps_one_distinct_unit_per_layer_after_training(init, options):
    """The symmetry problem: units that start equal get equal gradients and stay equal."""
    ds = datasets.load("moons")
    model = MLP(ds.layer_sizes([6, 6]), activation="tanh", task="binary", init=init, init_options=options, seed=0)
    Trainer(model, ds.X_train, ds.y_train, lr=0.05).run(50)
    assert [propagation.distinct_units(W, b) for W, b in zip(model.weights[:-1], model.biases[:-1], strict=True)] == [
        1,
        1,
    ]
    assert all(propagation.units_all_equal(W, b) for W, b in zip(model.weights[:-1], model.biases[:-1], strict=True))
    assert not np.allclose(model.params, model.params[0])  # it did train
    other = MLP(ds.layer_sizes([6, 6]), activation="tanh", task="binary", seed=0)
    assert propagation.distinct_units(other.weights[0], other.biases[0]) == 6
    assert not propagation.units_all_equal(other.weights[0], other.biases[0])
    W, b = np.ones((3, 4)), np.zeros(4)
    b[2] = 1e-6  # one unit apart by its bias alone
    assert propagation.distinct_units(W, b) == 2 and not propagation.units_all_equal(W, b)


def test_runs_that_differ_only_in_their_initializer_see_bit_identical_batches():
    ds = datasets.load("moons")
    trainers = [
        Trainer(MLP(ds.layer_sizes([8]), task="binary", init=init, seed=0), ds.X_train, ds.y_train, seed=5)
        for init in ("zeros", "he_normal", "xavier_uniform")
    ]
    for _ in range(40):
        batches = [t._next_batch() for t in trainers]
        for batch in batches[1:]:
            np.testing.assert_array_equal(batch, batches[0])
