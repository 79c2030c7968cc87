import numpy as np
import pytest

from weightviz import MLP, Diverged, Trainer, datasets


def xor_points():
    return np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float), np.array([0, 1, 1, 0], dtype=float)


def test_house_prices_recover_least_squares_line():
    ds = datasets.house_prices(n_samples=80, seed=3)
    A = np.column_stack([ds.X_train[:, 0], np.ones(len(ds.X_train))])
    slope, intercept = np.linalg.lstsq(A, ds.y_train, rcond=None)[0]
    model = MLP([1, 1], task="regression", init="zeros")
    trainer = Trainer(model, ds.X_train, ds.y_train, optimizer="sgd", lr=0.1, batch_size=len(ds.X_train))
    trainer.run(3000)
    assert model.weights[0][0, 0] == pytest.approx(slope, rel=0.01)
    assert model.biases[0][0] == pytest.approx(intercept, rel=0.01)
    assert abs(slope - 1.5) < 0.2  # and the data were made with w = 1.5


def test_l2_converges_to_closed_form_ridge():
    ds = datasets.linear(n_samples=120, seed=2)
    X, y, lam = ds.X_train, ds.y_train, 0.5
    n = len(X)
    # Objective mean((Xw + b − y)²) + (λ/2)‖w‖², b unpenalised: centre, then (2/n XᵀX + λI) w = 2/n Xᵀy.
    Xc, yc = X - X.mean(0), y - y.mean()
    w = np.linalg.solve(2 / n * Xc.T @ Xc + lam * np.eye(X.shape[1]), 2 / n * Xc.T @ yc)
    b = y.mean() - X.mean(0) @ w
    model = MLP([X.shape[1], 1], task="regression", init="zeros")
    Trainer(model, X, y, optimizer="sgd", lr=0.05, batch_size=n, l2=lam).run(4000)
    np.testing.assert_allclose(model.weights[0][:, 0], w, atol=1e-6)
    assert model.biases[0][0] == pytest.approx(b, abs=1e-6)


@pytest.mark.parametrize("optimizer,lr,steps", [("sgd", 0.1, 1000), ("momentum", 0.02, 1500), ("adam", 0.01, 3000)])
def test_l1_gives_exact_zeros_of_the_lasso(optimizer, lr, steps):
    """With centred orthonormal features ((1/n)XᵀX = I) the lasso has a closed form:
    w_j = soft-threshold(z_j, l1/2) with z_j = (1/n)X_jᵀ(y − ȳ) (the MSE has no ½)."""
    rng = np.random.default_rng(0)
    n, d = 200, 6
    A = rng.normal(size=(n, d))
    X = np.linalg.qr(A - A.mean(0))[0] * np.sqrt(n)
    y = X @ np.array([2.0, -1.5, 0.3, 0.0, -0.1, 0.05]) + 0.7 + 0.1 * rng.normal(size=n)
    l1 = 0.4
    z = X.T @ (y - y.mean()) / n
    expected = np.sign(z) * np.maximum(np.abs(z) - l1 / 2, 0)
    model = MLP([d, 1], task="regression", init="normal", init_options={"std": 0.5}, seed=1)
    trainer = Trainer(model, X, y, optimizer=optimizer, lr=lr, batch_size=n, l1=l1)
    trainer.run(steps)
    w = model.weights[0][:, 0]
    np.testing.assert_allclose(w, expected, atol=1e-4)
    assert np.array_equal(w == 0, expected == 0)  # the weights the lasso drops are exactly zero
    assert (w == 0).sum() == 3
    assert trainer.history.column("w_zero_0")[-1] == pytest.approx(0.5)


def test_xor_solved_by_2_4_1_tanh():
    X, y = xor_points()
    model = MLP([2, 4, 1], activation="tanh", task="binary", init="xavier_normal", seed=0)
    Trainer(model, X, y, optimizer="adam", lr=0.05, batch_size=4).run(1500)
    np.testing.assert_array_equal(model.predict(X) > 0.5, y > 0.5)
    ds = datasets.xor(seed=1)
    model = MLP([2, 4, 1], activation="tanh", task="binary", init="xavier_normal", seed=0)
    Trainer(model, ds.X_train, ds.y_train, optimizer="adam", lr=0.03, batch_size=16).run(2000)
    assert model.score(ds.X_test, ds.y_test) >= 0.95


def test_moons_95_percent_with_small_relu_net():
    ds = datasets.moons(n_samples=500, noise=0.15, seed=0)
    model = MLP(ds.layer_sizes([16, 16]), activation="relu", task="binary", init="he_normal", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, lr=0.01)
    trainer.run(2000)
    assert trainer.last_eval["test_metric"] >= 0.95


def test_softmax_regression_on_blobs():
    ds = datasets.blobs(n_samples=300, seed=0)
    model = MLP(ds.layer_sizes(), task="multiclass", init="zeros")
    Trainer(model, ds.X_train, ds.y_train, lr=0.1).run(500)
    assert model.score(ds.X_test, ds.y_test) >= 0.95


@pytest.mark.parametrize("options", [{}, {"dropout": 0.2}, {"batch_norm": True}])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_same_configuration_and_seed_give_bit_identical_weights(optimizer, options):
    ds = datasets.spiral(seed=0)

    def train():
        model = MLP(ds.layer_sizes([8, 8]), activation="tanh", task="binary", init="he_uniform", seed=5, **options)
        t = Trainer(
            model,
            ds.X_train,
            ds.y_train,
            optimizer=optimizer,
            lr=0.01,
            batch_size=16,
            l1=1e-3,
            l2=1e-3,
            seed=9,
            schedule="cosine",
            clip_norm=1.0,
        )
        t.run(150)
        return model.params.copy(), t.history.column("batch_loss")

    (a, la), (b, lb) = train(), train()
    assert np.array_equal(a, b) and np.array_equal(la, lb, equal_nan=True)


def test_reset_restores_initial_weights_exactly():
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([8]), task="binary", batch_norm=True, seed=2)
    initial = model.state()
    trainer = Trainer(model, ds.X_train, ds.y_train, lr=0.05)
    first = [trainer.step().loss for _ in range(20)]
    assert not np.array_equal(model.params, np.concatenate([initial["W0"].ravel(), initial["W1"].ravel()]))
    trainer.reset()
    for name, a in model.named_arrays().items():
        np.testing.assert_array_equal(a, initial[name])
    assert trainer.step_count == 0 and len(trainer.history) == 1
    assert [trainer.step().loss for _ in range(20)] == first  # and the same batches again


def test_divergence_stops_with_a_clear_result_and_keeps_weights():
    ds = datasets.house_prices(seed=0)
    model = MLP([1, 1], task="regression")
    trainer = Trainer(model, ds.X_train, ds.y_train, optimizer="sgd", lr=5.0, batch_size=8)
    result = trainer.run(500)
    assert isinstance(result, Diverged) and result.diverged
    assert 1 < result.step < 500
    assert "diverged at step" in result.message and "learning rate 5" in result.message
    assert np.isfinite(model.params).all()
    assert trainer.step_count == result.step - 1
    assert trainer.history.steps[-1] == result.step - 1  # the whole history up to the last finite step
    before = model.params.copy()
    assert trainer.step() is result and np.array_equal(model.params, before)  # stays stopped
    trainer.recover(lr=0.01)
    assert trainer.diverged is None and trainer.lr == 0.01
    trainer.reset()
    assert not trainer.run(200).diverged


def test_step_result_and_eval_every():
    ds = datasets.moons(seed=0)
    trainer = Trainer(
        MLP(ds.layer_sizes([4]), task="binary"),
        ds.X_train,
        ds.y_train,
        X_test=ds.X_test,
        y_test=ds.y_test,
        eval_every=5,
    )
    r = trainer.step()
    assert r.step == 1 and r.lr == 0.01 and r.loss > 0 and not r.diverged
    trainer.run(9)
    steps, _ = trainer.history.eval_column("test_loss")
    assert list(steps) == [0, 5, 10]
    df = trainer.history.frame()
    assert {"batch_loss", "w_norm_1", "update_ratio_2", "train_loss", "test_metric"} <= set(df.columns)
    assert list(df.index) == list(range(11))


def test_bad_inputs_are_explained():
    model = MLP([2, 1], task="binary")
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="0 and 1"):
        Trainer(model, X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="shape"):
        Trainer(model, np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="rows"):
        Trainer(model, X, np.zeros(3))
    with pytest.raises(ValueError, match="learning rate"):
        Trainer(model, X, np.zeros(4), lr=-1)
    with pytest.raises(ValueError, match="NaN"):
        Trainer(model, np.full((4, 2), np.nan), np.zeros(4))
    with pytest.raises(ValueError, match="labels"):
        Trainer(MLP([2, 3], task="multiclass"), X, np.array([0, 1, 3, 0]))


def test_a_diverged_step_is_undone_whole_and_lowering_lr_goes_on():
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([6]), task="binary", batch_norm=True, seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, optimizer="sgd", lr=0.05)
    trainer.run(5)
    params, grads = model.params.copy(), model.grads.copy()
    stats = (model.batch_norms[0].running_mean.copy(), model.batch_norms[0].running_var.copy())
    trainer.lr = np.inf  # the next update overflows
    result = trainer.step()
    assert result.diverged and result.what == "weights"
    np.testing.assert_array_equal(model.params, params)
    np.testing.assert_array_equal(model.grads, grads)
    np.testing.assert_array_equal(model.batch_norms[0].running_mean, stats[0])
    np.testing.assert_array_equal(model.batch_norms[0].running_var, stats[1])
    trainer.recover(lr=0.05)
    assert not trainer.run(10).diverged and trainer.step_count == 15


def test_view_by_step_survives_thinning():
    ds = datasets.xor(seed=0)
    trainer = Trainer(MLP(ds.layer_sizes([30, 30]), task="binary"), ds.X_train, ds.y_train, memory_budget_mb=0.05)
    trainer.run(40)
    before = trainer.view(at_step=5)
    trainer.run(400)  # thins the snapshots several times
    after = trainer.view(at_step=5)
    assert after.step <= 5 and not after.live
    assert after.step in trainer.history.snapshot_steps
    assert before.step <= 5
    assert trainer.view().live and trainer.view().step == 440


def test_a_loss_blowing_up_is_said_before_it_overflows():
    ds = datasets.house_prices(seed=0)
    trainer = Trainer(
        MLP([1, 1], task="regression"), ds.X_train, ds.y_train, optimizer="sgd", lr=0.3, batch_size=len(ds.X_train)
    )
    assert trainer.warning() is None
    trainer.run(30)  # the error grows about ×2.5 a step: far from overflow, far past 1000×
    assert not trainer.diverged and trainer.loss_growth() > 1e3
    assert "too high" in trainer.warning()
    calm = Trainer(
        MLP([1, 1], task="regression"), ds.X_train, ds.y_train, optimizer="sgd", lr=0.05, batch_size=len(ds.X_train)
    )
    calm.run(30)
    assert calm.warning() is None and calm.loss_growth() < 1


def test_objective_is_mean_loss_plus_penalty():
    ds = datasets.linear(seed=0)
    model = MLP(ds.layer_sizes(), task="regression", init="normal", seed=1)
    trainer = Trainer(model, ds.X_train, ds.y_train, l1=0.1, l2=0.2)
    W = model.weights[0]
    mse = np.mean((ds.X_train @ W[:, 0] + model.biases[0][0] - ds.y_train) ** 2)
    assert trainer.objective() == pytest.approx(mse + 0.1 * np.abs(W).sum() + 0.1 * (W**2).sum())
