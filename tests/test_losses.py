import numpy as np
import pytest

from tests.conftest import numerical_gradient, relative_error
from weightviz import MLP, losses


def targets(task, rng, n, k):
    if task == "regression":
        return rng.normal(size=(n, k)) if k > 1 else rng.normal(size=n)
    if task == "binary":
        return rng.integers(0, 2, n).astype(float)
    return rng.integers(0, k, n)


@pytest.mark.parametrize("task,k", [("regression", 1), ("regression", 3), ("binary", 1), ("multiclass", 4)])
def test_loss_gradient_matches_finite_differences(task, k, rng):
    Z = rng.normal(size=(9, k))
    y = targets(task, rng, 9, k)
    fn = losses.get(task).loss_and_grad
    _, dZ = fn(Z, y)
    numeric = numerical_gradient(lambda: fn(Z, y)[0], Z)
    assert relative_error(dZ, numeric) < 1e-7


def test_values_against_direct_formulas(rng):
    Z = rng.normal(size=(6, 1))
    y = rng.normal(size=6)
    assert losses.mse(Z, y)[0] == pytest.approx(np.mean((Z[:, 0] - y) ** 2))  # no ½
    yb = np.array([0, 1, 1, 0, 1, 0.0])
    p = 1 / (1 + np.exp(-Z[:, 0]))
    bce = -np.mean(yb * np.log(p) + (1 - yb) * np.log(1 - p))
    assert losses.binary_cross_entropy(Z, yb)[0] == pytest.approx(bce)
    Zm = rng.normal(size=(6, 3))
    ym = np.array([0, 1, 2, 2, 1, 0])
    P = np.exp(Zm) / np.exp(Zm).sum(1, keepdims=True)
    assert losses.softmax_cross_entropy(Zm, ym)[0] == pytest.approx(-np.mean(np.log(P[np.arange(6), ym])))


def test_cross_entropies_are_stable_for_any_logit():
    Z = np.array([[1000.0], [-1000.0], [800.0]])
    y = np.array([0.0, 1.0, 1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dZ = losses.binary_cross_entropy(Z, y)
    assert loss == pytest.approx((1000 + 1000 + 0) / 3)
    np.testing.assert_allclose(dZ[:, 0], np.array([1, -1, 0]) / 3, atol=1e-12)
    Zm = np.array([[1000.0, -1000.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, _ = losses.softmax_cross_entropy(Zm, np.array([1]))
    assert loss == pytest.approx(2000.0)


def test_metrics():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert losses.r2_score(y.copy(), y) == 1.0
    assert losses.r2_score(np.full(4, 2.5), y) == pytest.approx(0.0)
    assert losses.binary_accuracy(np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)
    assert losses.multiclass_accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5


def test_r2_of_several_outputs_is_the_uniform_mean_of_per_output_r2(rng):
    """scikit-learn's default (multioutput="uniform_average"), as the docstring says: not the first output's
    R², nor the variance-weighted one (the outputs have different spreads and different errors)."""
    from sklearn.metrics import r2_score

    y = rng.normal(size=(40, 2)) * [1.0, 3.0] + [0.0, 5.0]
    pred = y + rng.normal(size=(40, 2)) * [0.2, 2.0]  # output 0 almost right, output 1 much less
    per_output = [1 - np.sum((y[:, j] - pred[:, j]) ** 2) / np.sum((y[:, j] - y[:, j].mean()) ** 2) for j in range(2)]
    assert per_output[0] - per_output[1] > 0.3
    assert losses.r2_score(pred, y) == pytest.approx(np.mean(per_output), rel=1e-12)
    assert losses.r2_score(pred, y) == pytest.approx(r2_score(y, pred), rel=1e-12)
    assert r2_score(y, pred, multioutput="variance_weighted") != pytest.approx(np.mean(per_output), rel=1e-3)
    X = rng.normal(size=(40, 3))  # and through the model, whose regression output is then (n, 2)
    model = MLP([3, 2], task="regression", init="normal", seed=0)
    P = model.predict(X)
    assert model.score(X, y) == pytest.approx(r2_score(y, P), rel=1e-12)


def test_r2_of_a_constant_target_is_one_when_predicted_exactly_as_in_sklearn():
    y = np.array([[2.0, 1.0], [2.0, 2.0], [2.0, 3.0]])  # first output constant
    assert losses.r2_score(y.copy(), y) == 1.0
    off = y + np.array([[0.5, 0.0]])
    assert losses.r2_score(off, y) == pytest.approx(0.5)  # (0 + 1) / 2


def test_mse_is_the_mean_over_samples_and_outputs(rng):
    """README: MSE = mean of squared errors over samples *and* outputs (n·k terms), no ½; its gradient 2(z − y)/(n·k).

    Summing over the outputs (mean over samples only) would make the loss and gradient k = 3 times larger."""
    Z, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    loss, dZ = losses.mse(Z, Y)
    assert loss == pytest.approx(np.sum((Z - Y) ** 2) / 24, rel=1e-12)
    np.testing.assert_allclose(dZ, 2 * (Z - Y) / 24, rtol=1e-12)
    model = MLP([2, 3], task="regression", init="normal", seed=0)  # and what the model and its score use
    X = rng.normal(size=(8, 2))
    assert model.loss_and_grads(X, Y)[0] == pytest.approx(np.mean((model.predict(X) - Y) ** 2), rel=1e-12)
