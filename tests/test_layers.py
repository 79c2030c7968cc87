"""Dropout and batch norm against their mathematics: expectations, closed-form running averages, ε."""

import numpy as np
import pytest

from tests.conftest import numerical_gradient
from weightviz import MLP
from weightviz.layers import BatchNorm, Dense, Dropout

MOMENTUM = 0.1  # README: "batch norm keeps running statistics with momentum 0.1"
EPS = 1e-5  # PyTorch's and Keras's ε, the one the docstring's formula uses


def batch_norm(units):
    """A standalone BatchNorm with its defaults, γ = 1 and β = 0."""
    gamma, beta = np.ones(units), np.zeros(units)
    return BatchNorm(gamma, beta, np.zeros(units), np.zeros(units))


# -- dropout ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.5, 0.2])
def test_dropout_keeps_the_expected_output_equal_to_the_input(p):
    """Inverted dropout: E[mask·x] = x, each output is 0 or x/(1 − p), and a share p is dropped."""
    x = np.array([1.0, -2.0, 0.5, 3.0, -0.25, 4.0])
    draws = 20_000
    X = np.tile(x, (draws, 1))  # one row per mask
    out = Dropout(p).forward(X, training=True, rng=np.random.default_rng(0))
    kept = out != 0
    np.testing.assert_allclose(out[kept], X[kept] / (1 - p), rtol=1e-15)
    assert abs(1 - kept.mean() - p) < 5 * np.sqrt(p * (1 - p) / kept.size)
    # Each output has mean x and std |x|·√(p/(1 − p)): the average of the draws is within 5 standard errors.
    standard_error = np.abs(x) * np.sqrt(p / (1 - p) / draws)
    assert np.all(np.abs(out.mean(axis=0) - x) < 5 * standard_error)


def test_dropout_backward_uses_the_forward_mask_and_inference_is_the_identity(rng):
    layer = Dropout(0.5)
    X = rng.normal(size=(50, 7))
    out = layer.forward(X, training=True, rng=np.random.default_rng(3))
    dY = rng.normal(size=X.shape)
    np.testing.assert_allclose(layer.backward(dY), dY * out / X, rtol=1e-12)  # d(mask·x)/dx = mask
    assert layer.forward(X) is X and layer.backward(dY) is dY
    with pytest.raises(ValueError, match="rng"):
        layer.forward(X, training=True)


# -- batch norm -------------------------------------------------------------------------------------
def known_batches(rng, k=6, n=16, units=3):
    """Batches whose per-unit means and spreads differ from batch to batch."""
    return [rng.normal(loc=[i, -2.0 * i, 0.5], scale=[1.0 + i, 0.1, 3.0], size=(n, units)) for i in range(k)]


def closed_form_running(batches, init, statistic):
    """r_k = (1 − m)^k·init + Σᵢ m(1 − m)^(k−i)·stat_i, i = 1..k."""
    k = len(batches)
    total = (1 - MOMENTUM) ** k * init
    for i, B in enumerate(batches, start=1):
        total = total + MOMENTUM * (1 - MOMENTUM) ** (k - i) * statistic(B)
    return total


def test_batch_norm_running_statistics_follow_the_closed_form(rng):
    batches = known_batches(rng)
    bn = batch_norm(3)
    for B in batches:
        bn.forward(B, training=True)
    mean = closed_form_running(batches, np.zeros(3), lambda B: B.mean(axis=0))
    var = closed_form_running(batches, np.ones(3), lambda B: B.var(axis=0))  # biased: ddof = 0
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)
    unbiased = closed_form_running(batches, np.ones(3), lambda B: B.var(axis=0, ddof=1))
    assert not np.allclose(bn.running_var, unbiased, rtol=1e-3)  # the convention is visible at n = 16
    bn.forward(batches[0])  # inference leaves the running statistics alone
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12, atol=1e-12)


def test_batch_norm_running_statistics_inside_a_model(rng):
    """The model's batch norm sees Z = X·W₀ + b₀; k training-mode passes give the closed form."""
    model = MLP([4, 5, 1], activation="tanh", batch_norm=True, init="normal", seed=2, bias_init=0.3)
    batches = [rng.normal(loc=i, size=(10, 4)) for i in range(4)]
    for X in batches:
        model.forward(X, training=True, rng=np.random.default_rng(0))
    W, b = model.weights[0], model.biases[0]
    pre = [X @ W + b for X in batches]
    bn = model.batch_norms[0]
    np.testing.assert_allclose(bn.running_mean, closed_form_running(pre, np.zeros(5), lambda Z: Z.mean(0)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, closed_form_running(pre, np.ones(5), lambda Z: Z.var(0)), rtol=1e-12)


def test_batch_norm_output_uses_eps_1e_5(rng):
    """Training: (x − mean)/√(var + 1e-5) with the batch's statistics; inference: the running ones.

    A unit with variance 1e-4 makes ε visible: ε = 0 or 1e-3 would move the output by 5 % or more.
    """
    X = rng.normal(loc=[2.0, -1.0, 0.0], scale=[1e-2, 1.0, 5.0], size=(12, 3))
    bn = batch_norm(3)
    gamma, beta = np.array([1.5, 0.5, -2.0]), np.array([0.1, -0.3, 2.0])
    bn.params["gamma"][...], bn.params["beta"][...] = gamma, beta
    Y = bn.forward(X, training=True)
    x_hat = (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + EPS)
    np.testing.assert_allclose(Y, gamma * x_hat + beta, rtol=0, atol=1e-9)
    # the normalised batch has mean 0 and variance var/(var + ε), exactly
    np.testing.assert_allclose(bn.X_hat.var(axis=0), X.var(axis=0) / (X.var(axis=0) + EPS), rtol=1e-12)
    bn.running_mean[...], bn.running_var[...] = [1.9, -1.2, 0.4], [1e-4, 0.8, 20.0]
    Y = bn.forward(X)
    expected = gamma * (X - bn.running_mean) / np.sqrt(bn.running_var + EPS) + beta
    np.testing.assert_allclose(Y, expected, rtol=0, atol=1e-9)


def test_batch_norm_backward_matches_finite_differences(rng):
    """dL/dX, dγ, dβ of L = Σ R⊙BN(X) in training mode (the batch statistics depend on X)."""
    X, R = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    bn = batch_norm(3)
    bn.params["gamma"][...] = [0.7, 1.3, -0.4]

    def loss():
        return float(np.sum(R * bn.forward(X, training=True)))

    loss()
    dX = bn.backward(R)
    d_gamma, d_beta = bn.grads["gamma"].copy(), bn.grads["beta"].copy()
    for analytic, array in ((dX, X), (d_gamma, bn.params["gamma"]), (d_beta, bn.params["beta"])):
        np.testing.assert_allclose(analytic, numerical_gradient(loss, array), rtol=1e-6, atol=1e-8)


def test_dense_is_x_dot_w_plus_b_and_its_gradients(rng):
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    gW, gb = np.zeros_like(W), np.zeros_like(b)
    layer = Dense(W, b, gW, gb)
    X, dZ = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(layer.forward(X), X @ W + b)
    dX = layer.backward(dZ)
    np.testing.assert_allclose(gW, X.T @ dZ)
    np.testing.assert_allclose(gb, dZ.sum(axis=0))
    np.testing.assert_allclose(dX, dZ @ W.T)


# -- issue 7: infer() and the activation layer's name ------------------------------------------------


def test_the_activation_layer_is_named_apart_from_the_registry_pair():
    """layers.ActivationLayer wraps activations.Activation (the registry's (forward, derivative) pair); the
    old name layers.Activation still imports, as an alias."""
    from weightviz import activations, layers

    model = MLP([2, 3, 3, 1], activation="tanh")
    acts = [layer for layer in model.layers if isinstance(layer, layers.ActivationLayer)]
    assert len(acts) == 2 and all(isinstance(a.f, activations.Activation) for a in acts)
    assert layers.Activation is layers.ActivationLayer and layers.ActivationLayer is not activations.Activation


def test_each_layer_infers_what_forward_gives_at_inference_and_keeps_nothing():
    from weightviz.layers import ActivationLayer

    rng = np.random.default_rng(5)
    X = rng.normal(size=(9, 4))
    W, b = rng.normal(size=(4, 4)), rng.normal(size=4)
    bn = BatchNorm(rng.normal(size=4), rng.normal(size=4), np.zeros(4), np.zeros(4))
    bn.running_mean[...], bn.running_var[...] = rng.normal(size=4), rng.uniform(0.5, 2, size=4)
    layers = [Dense(W, b, np.zeros_like(W), np.zeros_like(b)), bn, ActivationLayer("gelu"), Dropout(0.4)]
    for layer in layers:
        layer.forward(X[:2], training=True, rng=np.random.default_rng(0))  # caches of a 2-row batch
        kept = dict(vars(layer))
        np.testing.assert_array_equal(layer.infer(X), layer.forward(X), err_msg=type(layer).__name__)
        layer.forward(X[:2], training=True, rng=np.random.default_rng(0))
        before = dict(vars(layer))
        layer.infer(X)
        assert all(vars(layer)[k] is v for k, v in before.items()) and vars(layer).keys() == kept.keys()
