"""Shapley values against their definition: a textbook enumeration, the axioms (efficiency, dummy,
symmetry), the closed form for linear models, Kernel SHAP against exact, and the gradient methods."""

import itertools
from math import factorial

import numpy as np
import pytest

from weightviz import MLP, Trainer, datasets, shapley


def textbook(f, x, background):
    """φ_i by the definition, one coalition and one background row at a time (plain Python loops)."""
    d = len(x)

    def v(S):
        rows = []
        for b in background:
            row = b.copy()
            for i in S:
                row[i] = x[i]
            rows.append(f(row[None, :])[0])
        return float(np.mean(rows))

    phi = np.zeros(d)
    for i in range(d):
        others = [j for j in range(d) if j != i]
        for size in range(d):
            for S in itertools.combinations(others, size):
                weight = factorial(size) * factorial(d - size - 1) / factorial(d)
                phi[i] += weight * (v(S + (i,)) - v(S))
    return phi


def network(d, seed=0, hidden=(16, 8), task="regression"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, d))
    y = np.sin(X[:, 0]) * X[:, 1] + X[:, 2 % d] ** 2 + 0.5 * X[:, 3 % d]
    if task == "binary":
        y = (y > np.median(y)).astype(float)
    model = MLP([d, *hidden, 1], activation="tanh", task=task, seed=seed)
    Trainer(model, X, y, lr=0.01, batch_size=32, seed=seed).run(150)
    return model, X


def test_exact_equals_the_textbook_enumeration_on_four_features():
    model, X = network(4)
    f = shapley.model_output(model)
    background = X[:7]
    phi, base = shapley.exact(f, X[50:53], background)
    for row, x in zip(phi, X[50:53], strict=True):
        np.testing.assert_allclose(row, textbook(f, x, background), atol=1e-12)
    assert base == pytest.approx(float(np.mean(f(background))), abs=1e-15)


@pytest.mark.parametrize("task,probability", [("regression", False), ("binary", False), ("binary", True)])
def test_local_accuracy_of_exact_and_kernel(task, probability):
    model, X = network(6, task=task)
    f = shapley.model_output(model, probability=probability)
    explained, background = X[:20], X[100:160]
    for method in (shapley.exact, lambda f, X, b: shapley.kernel(f, X, b, n_samples=40, seed=1)):
        phi, base = method(f, explained, background)
        np.testing.assert_allclose(phi.sum(axis=1) + base, f(explained), atol=1e-9)


def test_linear_closed_form_equals_exact_and_gradient_x_input_on_a_linear_model():
    ds = datasets.load("linear")
    model = MLP(ds.layer_sizes(), task="regression", seed=0)
    Trainer(model, ds.X_train, ds.y_train, lr=0.05).run(200)
    w, b = model.weights[0][:, 0], model.biases[0]
    explained, background = ds.X_test[:10], ds.X_train[:40]
    closed, base = shapley.linear(w, b, explained, background)
    phi, exact_base = shapley.exact(shapley.model_output(model), explained, background)
    np.testing.assert_allclose(closed, phi, atol=1e-9)
    assert base == pytest.approx(exact_base, abs=1e-9)
    np.testing.assert_allclose(shapley.gradient_x_input(model, explained, background), closed, atol=1e-12)
    np.testing.assert_allclose(shapley.integrated_gradients(model, explained, background), closed, atol=1e-12)


def test_dummy_and_symmetry():
    rng = np.random.default_rng(3)

    def f(X):  # feature 3 is ignored; features 0 and 1 are interchangeable
        return (X[:, 0] + X[:, 1]) ** 2 + np.tanh(X[:, 2]) * X[:, 0] * X[:, 1]

    background = rng.normal(size=(30, 4))
    background[:, 1] = background[:, 0]  # the same distribution for the interchangeable pair
    X = rng.normal(size=(5, 4))
    X[:, 1] = X[:, 0]
    phi, _ = shapley.exact(f, X, background)
    np.testing.assert_allclose(phi[:, 3], 0.0, atol=1e-12)  # dummy
    np.testing.assert_allclose(phi[:, 0], phi[:, 1], atol=1e-12)  # symmetry
    assert np.abs(phi[:, 0]).min() > 1e-3  # (and they are not trivially zero)


def test_kernel_shap_is_exact_with_every_coalition_and_close_with_a_sample():
    model, X = network(8)
    f = shapley.model_output(model)
    explained, background = X[:10], X[100:140]
    phi, base = shapley.exact(f, explained, background)
    every, _ = shapley.kernel(f, explained, background, n_samples=254)  # all 2^8 − 2 proper coalitions
    np.testing.assert_allclose(every, phi, atol=1e-10)
    model10, X10 = network(10, seed=1)
    f10 = shapley.model_output(model10)
    phi10, _ = shapley.exact(f10, X10[:10], X10[100:140])
    sampled, _ = shapley.kernel(f10, X10[:10], X10[100:140], n_samples=1000, seed=0)  # fewer than 1 022
    assert np.abs(sampled - phi10).max() < 1e-2
    rough, _ = shapley.kernel(f10, X10[:10], X10[100:140], n_samples=60, seed=0)
    assert np.abs(rough - phi10).max() > np.abs(sampled - phi10).max()  # more samples, closer


def test_integrated_gradients_sum_to_the_change_of_the_output_and_input_gradients_are_exact():
    model, X = network(5, hidden=(12, 12))
    background = X[100:150]
    explained = X[:8]
    ig = shapley.integrated_gradients(model, explained, background, steps=256)
    f = shapley.model_output(model)
    change = f(explained) - f(shapley.baseline_of(background)[None, :])
    np.testing.assert_allclose(ig.sum(axis=1), change, atol=1e-3)
    grads = model.input_gradients(explained)
    h = 1e-6
    for j in range(5):
        step = np.zeros(5)
        step[j] = h
        numeric = (f(explained + step) - f(explained - step)) / (2 * h)
        np.testing.assert_allclose(grads[:, j], numeric, rtol=1e-6, atol=1e-8)
    before = model.grads.copy()
    model.input_gradients(explained)
    assert np.array_equal(model.grads, before)  # the last step's gradient stays


def test_exact_refuses_too_many_features_and_points_to_kernel():
    X = np.zeros((2, 15))
    with pytest.raises(ValueError, match="use shapley.kernel"):
        shapley.exact(lambda Z: Z.sum(axis=1), X, X)
    with pytest.raises(ValueError, match="features"):
        shapley.exact(lambda Z: Z.sum(axis=1), np.zeros((2, 3)), np.zeros((2, 4)))


def test_exact_shares_work_across_chunks_without_changing_the_result():
    model, X = network(7)
    f = shapley.model_output(model)
    whole, base = shapley.exact(f, X[:6], X[100:130])
    pieces, base2 = shapley.exact(f, X[:6], X[100:130], chunk_rows=50)  # a coalition's rows split too
    np.testing.assert_allclose(pieces, whole, atol=1e-12)
    assert base == base2
    assert f.first_layer is not None  # a model's f splits at its first layer; a plain function goes row by row:
    plain, base3 = shapley.exact(lambda Z: f(Z), X[:6], X[100:130], chunk_rows=70)
    np.testing.assert_allclose(plain, whole, atol=1e-12)
    assert base3 == pytest.approx(base, abs=1e-15)


def test_model_output_is_the_models_own_logit_or_probability_of_the_chosen_class():
    ds = datasets.load("iris")
    model = MLP(ds.layer_sizes([8]), task="multiclass", seed=0)
    Trainer(model, ds.X_train, ds.y_train, lr=0.05).run(100)
    X = ds.X_test
    for k in range(3):
        np.testing.assert_allclose(shapley.model_output(model, k)(X), model.logits(X)[:, k], atol=1e-15)
        np.testing.assert_allclose(
            shapley.model_output(model, k, probability=True)(X), model.predict(X)[:, k], atol=1e-15
        )
    moons = datasets.load("moons")
    binary = MLP(moons.layer_sizes([8]), task="binary", seed=0)
    Trainer(binary, moons.X_train, moons.y_train, lr=0.05).run(100)
    np.testing.assert_allclose(
        shapley.model_output(binary, probability=True)(moons.X_test), binary.predict(moons.X_test)
    )


def test_explain_uses_training_rows_as_background_the_data_units_and_the_chosen_class_everywhere():
    ds = datasets.load("wine")
    model = MLP(ds.layer_sizes([12]), task="multiclass", seed=0)
    Trainer(model, ds.X_train, ds.y_train, lr=0.05).run(150)
    result = shapley.explain(model, ds, n_rows=10, n_background=20, output=2)
    assert result.method == "kernel" and result.output_name == f"class {ds.class_names[2]} logit"  # 13 features
    train_rows = {tuple(r) for r in ds.X_train}
    assert all(tuple(r) in train_rows for r in result.background) and len(result.background) == 20
    np.testing.assert_array_equal(result.rows, ds.X_test[:10])
    np.testing.assert_allclose(result.values, ds.raw(ds.X_test[:10]))  # labels and colours in the data's units
    np.testing.assert_allclose(result.outputs, model.logits(result.rows)[:, 2])
    np.testing.assert_allclose(result.base + result.phi.sum(axis=1), result.outputs, atol=1e-9)
    np.testing.assert_allclose(
        result.gradient_x_input, shapley.gradient_x_input(model, result.rows, result.background, output=2)
    )
    baseline = result.background.mean(axis=0)[None, :]
    change = model.logits(result.rows)[:, 2] - model.logits(baseline)[:, 2]
    np.testing.assert_allclose(result.integrated_gradients.sum(axis=1), change, rtol=5e-3)  # (256 steps, logits ~10)


def test_input_gradients_of_a_model_with_dropout_and_batch_norm_are_those_of_inference():
    model, X = network(4, hidden=(10, 10))
    rng = np.random.default_rng(0)
    y = X[:, 0] - X[:, 1]
    net = MLP([4, 10, 10, 1], activation="tanh", task="regression", dropout=0.5, batch_norm=True, seed=1)
    Trainer(net, X, y, lr=0.01, batch_size=32).run(50)
    rows = rng.normal(size=(6, 4))
    grads, h = net.input_gradients(rows), 1e-6
    for j in range(4):
        step = np.zeros(4)
        step[j] = h
        numeric = (net.logits(rows + step)[:, 0] - net.logits(rows - step)[:, 0]) / (2 * h)
        np.testing.assert_allclose(grads[:, j], numeric, rtol=1e-6, atol=1e-8)


def test_explain_refuses_work_beyond_its_budget_by_the_networks_size():
    ds = datasets.load("digits")
    big = MLP(ds.layer_sizes([256, 256]), task="multiclass", seed=0)
    with pytest.raises(ValueError, match="multiply-adds .* fewer coalitions"):
        shapley.explain(big, ds, n_rows=50, n_background=50)
    small = shapley.explain(big, ds, n_rows=5, n_background=5, n_samples=256)
    assert small.phi.shape == (5, 64)
