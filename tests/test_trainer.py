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
    # Training moved everything reset must restore (b0 feeds batch norm, which cancels its gradient).
    changed = [name for name, a in model.named_arrays().items() if not np.array_equal(a, initial[name])]
    assert set(changed) >= {"W0", "W1", "b1", "gamma0", "beta0", "running_mean0", "running_var0"}
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
    assert calm.warning() is None and calm.loss_growth() == pytest.approx(1.0)  # at its best: growth = ŝ/best


def test_objective_is_mean_loss_plus_penalty():
    ds = datasets.linear(seed=0)
    model = MLP(ds.layer_sizes(), task="regression", init="normal", seed=1)
    trainer = Trainer(model, ds.X_train, ds.y_train, l1=0.1, l2=0.2)
    W = model.weights[0]
    mse = np.mean((ds.X_train @ W[:, 0] + model.biases[0][0] - ds.y_train) ** 2)
    assert trainer.objective() == pytest.approx(mse + 0.1 * np.abs(W).sum() + 0.1 * (W**2).sum())


def clip_problem():
    """A small tanh network on the whole linear set and its full-batch gradient at the initial weights."""
    ds = datasets.linear(n_samples=60, seed=0)
    model = MLP(ds.layer_sizes([3]), activation="tanh", task="regression", init="normal", seed=1)
    model.forward_backward(ds.X_train, ds.y_train)  # inference mode = training mode without dropout or BN
    return ds.X_train, ds.y_train, model, model.grads.copy()


def test_clip_norm_bounds_the_update_and_history_keeps_the_norm_before_clipping():
    """SGD with clip_norm = c: Δθ = −η·c·g/‖g‖ when ‖g‖ > c (so ‖Δθ‖ = η·c even at a huge η)."""
    X, y, model, g = clip_problem()
    norm = np.linalg.norm(g)
    c, lr = norm / 10, 1e3
    before = model.params.copy()
    trainer = Trainer(model, X, y, optimizer="sgd", lr=lr, batch_size=len(X), clip_norm=c)
    result = trainer.step()
    change = model.params - before
    assert np.linalg.norm(change) <= lr * c * (1 + 1e-12)
    assert np.linalg.norm(change) == pytest.approx(lr * c, rel=1e-12)
    np.testing.assert_allclose(change, -lr * c * g / norm, rtol=1e-9, atol=1e-12)
    assert result.grad_norm == pytest.approx(norm, rel=1e-12)  # before clipping
    assert trainer.history.column("grad_norm")[-1] == pytest.approx(norm, rel=1e-12)
    layers = range(len(model.weights))
    clipped = sum(trainer.history.column(f"{s}_{l}")[-1] ** 2 for s in ("g_norm", "gb_norm") for l in layers)
    assert np.sqrt(clipped) == pytest.approx(c, rel=1e-9)  # the per-layer gradients are the clipped ones


def test_clip_norm_above_the_gradient_norm_changes_nothing():
    X, y, model, g = clip_problem()
    before = model.params.copy()
    Trainer(model, X, y, optimizer="sgd", lr=0.01, batch_size=len(X), clip_norm=2 * np.linalg.norm(g)).step()
    np.testing.assert_allclose(model.params - before, -0.01 * g, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_l1_threshold_is_l1_times_the_step_the_optimizer_took_per_weight(optimizer):
    """One step by hand: θ' = θ − η_j·g_j (first steps of each optimizer), then w ← soft(w', l1·η_j).

    η_j = η (sgd), η/(1 − μ) (momentum), η/(√v + ε) per weight (rmsprop, adam; v̂ = g² at Adam's first
    step, v = (1 − ρ)g² for RMSprop). Features of very different scales give gradients of very
    different sizes, so the per-weight thresholds differ by orders of magnitude.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)) * [1.0, 0.01, 1.0, 0.01]
    y = X @ [1.0, 2.0, -1.0, 0.5] + 0.3
    model = MLP([4, 1], task="regression", init="zeros")
    model.weights[0][:, 0] = [0.3, 0.2, -0.4, -0.1]
    model.biases[0][0] = 0.1
    model.forward_backward(X, y)
    g, theta = model.grads.copy(), model.params.copy()
    lr, l1 = 0.01, 0.5
    eta = {
        "sgd": np.full_like(g, lr),
        "momentum": np.full_like(g, lr / (1 - 0.9)),
        "rmsprop": lr / (np.sqrt((1 - 0.9) * g**2) + 1e-8),
        "adam": lr / (np.sqrt((1 - 0.999) * g**2 / (1 - 0.999)) + 1e-8),
    }[optimizer]
    moved = theta - (lr * g if optimizer in ("sgd", "momentum") else eta * g)  # momentum's first v is g
    expected = moved.copy()
    expected[:4] = np.sign(moved[:4]) * np.maximum(np.abs(moved[:4]) - l1 * eta[:4], 0.0)  # the bias is not
    Trainer(model, X, y, optimizer=optimizer, lr=lr, batch_size=len(X), l1=l1).step()
    np.testing.assert_allclose(model.params, expected, rtol=1e-10, atol=1e-15)
    if optimizer in ("rmsprop", "adam"):  # the small-gradient weights are cut to exactly zero, the others not
        assert model.weights[0][:, 0].tolist()[1::2] == [0.0, 0.0] and np.all(model.weights[0][::2] != 0)


# -- divergence, health and rewinding ---------------------------------------------------------------
def house_prices_at(lr, batch_size=None, n_steps=500):
    """The Train page's linear model on house prices with SGD at ``lr``, run until it diverges."""
    from weightviz import experiment

    config = experiment.Config(dataset="house_prices", hidden_sizes=(), optimizer="sgd", lr=lr)
    _, trainer = experiment.build(config if batch_size is None else config.replace(batch_size=batch_size))
    return trainer, trainer.run(n_steps)


def test_rewinding_to_the_last_healthy_step_recovers_from_a_divergence():
    """lr 10 diverges; the kept weights are too large for any rate, the healthy ones are not."""
    trainer, result = house_prices_at(10.0)
    assert result.diverged and result.what == "loss"
    healthy = trainer.healthy_step()
    assert healthy < result.step - 1 and f"go back to step {healthy}" in result.message
    trainer.recover(lr=0.003)  # what the page does when the rate is lowered: rewind(healthy_step(), 0.003)
    assert trainer.diverged is None and trainer.step_count == healthy and trainer.lr == 0.003
    h = trainer.history
    assert h.steps[-1] == healthy and h.snapshot_steps[-1] <= healthy and h.histograms("w")[0][-1] <= healthy
    assert h.eval_column("train_loss")[0][-1] == healthy
    assert not trainer.run(3000).diverged
    A = np.column_stack([trainer.X[:, 0], np.ones(len(trainer.X))])
    best = np.mean((A @ np.linalg.lstsq(A, trainer.y, rcond=None)[0] - trainer.y) ** 2)
    assert trainer.last_eval["train_loss"] < 1.05 * best
    assert list(h.steps) == list(range(trainer.step_count + 1))  # one row per step, none left from before


def test_rewind_restores_the_exact_state_and_forgets_every_log_after_it():
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([6]), task="binary", batch_norm=True, seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, lr=0.05, eval_every=7)
    trainer.run(20)
    at_20 = model.state(), model.grads.copy()
    trainer.step()
    assert trainer.healthy_step() == 20  # its loss was measured by step 21
    trainer.rewind(20)  # from the exact float64 copy, batch-norm statistics included
    for name, a in model.named_arrays().items():
        np.testing.assert_array_equal(a, at_20[0][name])
    np.testing.assert_array_equal(model.grads, at_20[1])
    h = trainer.history
    assert trainer.step_count == 20 and h.steps[-1] == 20 and list(h.eval_column("test_loss")[0]) == [0, 7, 14, 20]
    trainer.step()
    before = h.snapshot(-2)[1]
    ratio = np.linalg.norm(model.weights[0] - before[0]) / np.linalg.norm(before[0])
    assert h.column("update_ratio_0")[-1] == pytest.approx(ratio, rel=1e-5)  # measured against step 20
    trainer.run(15)
    assert trainer.rewind(10) == 10  # no exact copy there: the step-10 snapshot, in float32
    np.testing.assert_array_equal(model.params, trainer.history.snapshot_params(-1))
    assert trainer.history.snapshot_steps[-1] == 10 and h.steps[-1] == 10
    trainer.rewind(0, lr=0.01)
    initial = MLP(ds.layer_sizes([6]), task="binary", batch_norm=True, seed=0).state()
    for name, a in model.named_arrays().items():
        np.testing.assert_array_equal(a, initial[name])
    assert trainer.lr == 0.01 and len(h) == 1 and trainer.view().grads is None
    with pytest.raises(ValueError, match="from 0 to 0"):
        trainer.rewind(5)


def test_divergence_is_called_before_anything_recorded_overflows_float32():
    """Home: full-batch GD at lr 0.3 from (0.5, 2). The float64 weights stay finite for ~300 steps after
    their float32 snapshots (and the page) read −∞: the run stops while every value is ≤ 1e30."""
    ds = datasets.house_prices(n_samples=60, seed=0)
    model = MLP([1, 1], task="regression", init="zeros")
    model.weights[0][0, 0], model.biases[0][0] = 0.5, 2.0
    trainer = Trainer(model, ds.X_train, ds.y_train, optimizer="sgd", lr=0.3, batch_size=len(ds.X_train))
    result = trainer.run(3000)
    assert result.diverged and result.step < 60
    assert "reached" in result.message and "e+" in result.message.split("reached ")[1][:12]
    h = trainer.history
    h.flush()
    for values in (h.snapshots["params"], h.snapshots["grads"][1:], h.scalars["values"][1:]):
        assert np.isfinite(values).all() and np.abs(values).max() <= 1e30
    assert trainer.healthy_step() <= 2  # the loss grows ×6 a step from the start


def test_no_blow_up_warning_from_noisy_single_row_batches():
    """Batches of one row: the first loss is 1e-4, the next ones ~0.2. Against the first loss the
    warning fired from step 2 to the end of a healthy run; against the smoothed loss it never does."""
    from weightviz import experiment

    config = experiment.Config(dataset="linear", hidden_sizes=(), batch_size=1, seed=30, lr=0.001, optimizer="sgd")
    _, trainer = experiment.build(config)
    warned = []
    for _ in range(3000):
        trainer.step()
        warned += [trainer.step_count] if trainer.warning() else []
    assert trainer.history.column("batch_loss")[1] < 1e-3  # the lucky first batch
    assert warned == [] and trainer.loss_growth() < 10
    assert trainer.healthy_step() == trainer.step_count - 1


def test_a_blow_up_with_small_batches_is_said_before_it_diverges():
    trainer, result = house_prices_at(0.5, batch_size=4, n_steps=1)
    for _ in range(500):
        if trainer.warning() or trainer.step().diverged:
            break
    assert trainer.diverged is None and "too high" in trainer.warning()
    assert f"go back to step {trainer.healthy_step()}" in trainer.warning()
    assert trainer.run(500).diverged


def test_a_schedule_that_reaches_zero_says_so():
    ds = datasets.moons(seed=0)
    trainer = Trainer(
        MLP(ds.layer_sizes([4]), task="binary"),
        ds.X_train,
        ds.y_train,
        schedule="cosine",
        schedule_options={"total_steps": 50},
    )
    trainer.run(49)
    assert trainer.warning() is None
    trainer.step()
    assert "cosine schedule ended at step 50" in trainer.warning() and "no longer change" in trainer.warning()
    before = trainer.model.params.copy()
    trainer.run(10)
    np.testing.assert_array_equal(trainer.model.params, before)
    assert "ended at step 50" in trainer.warning()


def test_evaluation_runs_on_schedule_without_recording():
    ds = datasets.moons(seed=0)
    kept, bare = (
        Trainer(
            MLP(ds.layer_sizes([4]), task="binary"),
            ds.X_train,
            ds.y_train,
            X_test=ds.X_test,
            y_test=ds.y_test,
            eval_every=5,
            record=record,
        )
        for record in (True, False)
    )
    assert bare.last_eval == kept.last_eval  # step 0
    for _ in range(7):
        kept.step(), bare.step()
    assert bare.last_eval == kept.last_eval and kept.history.eval_column("test_loss")[0][-1] == 5
    assert len(bare.history) == 0


def test_objective_and_loss_and_grads_leave_the_last_steps_gradient():
    """The page shows model.grad_weights as the gradient of the last step: asking for a loss must not replace it."""
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([5]), task="binary", batch_norm=True, seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, lr=0.05, l2=0.01)
    trainer.run(3)
    bn = model.batch_norms[0]
    grads, stats = model.grads.copy(), (bn.running_mean.copy(), bn.running_var.copy())
    trainer.objective()
    model.loss_and_grads(ds.X_test, ds.y_test)
    model.loss_and_grads(ds.X_test, ds.y_test, training=True, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(model.grads, grads)
    np.testing.assert_array_equal(bn.running_mean, stats[0])
    np.testing.assert_array_equal(bn.running_var, stats[1])


def test_batches_never_hold_a_single_row_for_batch_norm():
    """33 rows in batches of 8: 8, 8, 8 and 9 (the lone 33rd row joins the last batch), every row once per epoch."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(33, 2)), np.arange(33) % 2
    model = MLP([2, 4, 1], task="binary", batch_norm=True, seed=0)
    trainer = Trainer(model, X, y, batch_size=8)
    epochs = [[trainer._next_batch() for _ in range(4)] for _ in range(2)]
    for batches in epochs:
        assert [len(b) for b in batches] == [8, 8, 8, 9]
        assert sorted(np.concatenate(batches)) == list(range(33))
    trainer.reset()
    trainer.run(40)
    assert model.batch_norms[0].running_var.min() > 0.05  # a one-row batch pulls it towards 0
    with pytest.raises(ValueError, match="at least 2 rows"):
        Trainer(model, X, y, batch_size=1)
    assert [len(Trainer(MLP([2, 1], task="binary"), X, y, batch_size=1)._next_batch()) for _ in range(2)] == [1, 1]


def test_evaluation_uses_a_fixed_sample_of_a_large_set():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12_000, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=12_000)
    model = MLP([3, 1], task="regression", seed=0)
    trainer = Trainer(model, X, y, X_test=X[:300], y_test=y[:300], seed=4)
    assert trainer.eval_rows == {"train": 5_000, "test": 300}
    assert "5000 of the 12000 train rows" in trainer.eval_note()
    full = np.mean((model.predict(X) - y) ** 2)
    sampled = trainer.last_eval["train_loss"]
    assert sampled != full and sampled == pytest.approx(full, rel=0.1)
    again = Trainer(MLP([3, 1], task="regression", seed=0), X, y, seed=4)
    assert again.last_eval["train_loss"] == sampled  # the same rows for the same seed
    assert Trainer(model, X[:5_000], y[:5_000]).eval_note() is None


def test_every_epoch_is_a_fresh_permutation_of_the_training_set():
    """Each epoch visits every row once, in a new shuffled order (rows are recognisable by their value)."""
    n, batch_size, epochs = 24, 8, 4
    model = MLP([1, 1], task="regression")
    seen, inner = [], model.forward_backward

    def spy(X, y, training=False, rng=None):
        if training:
            seen.append(X[:, 0].astype(int).tolist())
        return inner(X, y, training, rng)

    model.forward_backward = spy
    X = np.arange(n, dtype=float)[:, None]
    Trainer(model, X, np.zeros(n), optimizer="sgd", lr=1e-3, batch_size=batch_size, seed=0).run(epochs * 3)
    assert [len(b) for b in seen] == [batch_size] * epochs * 3
    orders = [sum(seen[3 * e : 3 * e + 3], []) for e in range(epochs)]
    assert all(sorted(order) == list(range(n)) for order in orders)
    assert len({tuple(order) for order in orders}) == epochs and list(range(n)) not in orders


def test_the_schedule_gives_the_first_update_t_0():
    """η_t with t = 0 for the first update: halving every step gives η₀, η₀/2, η₀/4, … and SGD moves by η_t·g."""
    X, y, model, g = clip_problem()
    options = {"step_size": 1, "gamma": 0.5}
    trainer = Trainer(
        model, X, y, optimizer="sgd", lr=0.1, batch_size=len(X), schedule="step", schedule_options=options
    )
    before = model.params.copy()
    assert trainer.step().lr == 0.1
    np.testing.assert_allclose(model.params - before, -0.1 * g, rtol=1e-9, atol=1e-15)
    trainer.run(3)
    np.testing.assert_allclose(trainer.history.column("lr")[1:5], [0.1, 0.05, 0.025, 0.0125])


def test_evaluation_is_inference_and_changes_nothing():
    """Whole-set scores use no dropout and the running statistics, and leave every array as it was."""
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([6]), task="binary", dropout=0.5, batch_norm=True, seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, lr=0.05)
    trainer.run(20)
    state = model.state()
    scores = trainer.evaluate()
    for name, a in model.named_arrays().items():
        np.testing.assert_array_equal(a, state[name])
    assert trainer.evaluate() == scores  # no dropout mask drawn
    assert scores["train_loss"] == pytest.approx(model.loss_and_grads(ds.X_train, ds.y_train)[0], rel=1e-12)
    assert scores["test_metric"] == pytest.approx(np.mean((model.predict(ds.X_test) >= 0.5) == ds.y_test))


# -- claims of the README without a test before ------------------------------------------------------
def test_penalties_act_on_weights_only_never_on_biases_or_batch_norm_gamma_and_beta():
    """One SGD step with l1 and l2 on a batch-norm network: biases, γ and β move by −η·g of the data loss alone;
    the weights by the L2 gradient, then the L1 soft-threshold η·l1."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), np.arange(16) % 2
    model = MLP([3, 5, 1], activation="tanh", task="binary", batch_norm=True, seed=0, bias_init=0.5)
    bn = model.batch_norms[0]
    bn.params["gamma"][...], bn.params["beta"][...] = 2.0, 1.0  # large, so a penalty on them would show
    theta, n_w = model.params.copy(), model.n_weights
    lr, l1, l2 = 0.1, 0.05, 0.5
    trainer = Trainer(model, X, y, optimizer="sgd", lr=lr, batch_size=16, l1=l1, l2=l2)
    trainer.step()
    data_grad = model.grads.copy()  # the update's gradient: data part, plus l2·W on the weights only
    data_grad[:n_w] -= l2 * theta[:n_w]
    probe = model.clone(theta)  # the data gradient at the start, computed apart
    probe.forward_backward(X, y, training=True, rng=np.random.default_rng(0))
    np.testing.assert_allclose(data_grad, probe.grads, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(model.params[n_w:], theta[n_w:] - lr * probe.grads[n_w:], rtol=1e-12)
    moved = theta[:n_w] - lr * (probe.grads[:n_w] + l2 * theta[:n_w])
    np.testing.assert_allclose(model.params[:n_w], np.sign(moved) * np.maximum(np.abs(moved) - lr * l1, 0), rtol=1e-12)
    assert trainer.history.column("penalty")[-1] == pytest.approx(
        l1 * np.abs(theta[:n_w]).sum() + l2 / 2 * (theta[:n_w] ** 2).sum(), rel=1e-12
    )


def test_a_gradient_past_1e30_or_a_nan_loss_ends_training_and_keeps_the_weights():
    """README: the loss, the *applied* gradient norm or any weight past ±1e30, or NaN, ends training with a Diverged
    naming the step and the value. Rows x = 1e25 and an error e: the loss is e² (~1e9), the gradient's norm 2e·1e25."""
    X, y = np.array([[1e25], [1e25]]), np.zeros(2)

    def trainer(gradient_norm, clip_norm=None):
        model = MLP([1, 1], task="regression", init="zeros")
        model.weights[0][0, 0] = gradient_norm / 2e25 / 1e25  # the error e = gradient_norm / 2e25
        return Trainer(model, X, y, optimizer="sgd", lr=1e-3, batch_size=2, clip_norm=clip_norm)

    assert not trainer(0.9e30).step().diverged  # under the bound: an ordinary (if huge) step
    t = trainer(1.1e30)
    before = t.model.params.copy()
    result = t.step()
    assert result.diverged and result.what == "gradient" and result.step == 1
    assert result.value == pytest.approx(1.1e30, rel=1e-9) and "the gradient's norm reached 1.100e+30" in result.message
    np.testing.assert_array_equal(t.model.params, before)
    assert t.step_count == 0 and list(t.history.steps) == [0]
    assert not trainer(1.1e30, clip_norm=1.0).step().diverged  # clipped to 1 before it is applied
    nan = MLP([1, 1], task="regression")
    nan.weights[0][0, 0] = np.nan
    result = Trainer(nan, np.ones((4, 1)), np.zeros(4), optimizer="sgd").step()
    assert result.diverged and result.what == "loss" and np.isnan(result.value) and "became NaN" in result.message


def test_a_lone_last_row_joins_the_batch_before_it_for_every_model():
    """README: 'a lone last row joins the batch before it, for every model', not only with batch norm."""
    X, y = np.random.default_rng(0).normal(size=(17, 2)), np.arange(17) % 2
    for model in (MLP([2, 1], task="binary"), MLP([2, 4, 1], task="binary", dropout=0.2)):
        trainer = Trainer(model, X, y, batch_size=4)
        for _ in range(2):  # two epochs
            batches = [trainer._next_batch() for _ in range(4)]
            assert [len(b) for b in batches] == [4, 4, 4, 5]
            assert sorted(np.concatenate(batches)) == list(range(17))


def test_evaluation_by_default_about_every_4n_over_batch_steps_at_most_every_100():
    """README: train and test loss every ~4·n/batch steps (n the rows evaluated), and at the end of every run()."""
    ds = datasets.moons(seed=0)  # 240 + 60 rows: ⌈4·300/32⌉ = 38
    trainer = Trainer(
        MLP(ds.layer_sizes([4]), task="binary"), ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test
    )
    assert trainer.eval_every == 38
    trainer.run(100)  # 38, 76, and 100: the end of the run
    assert list(trainer.history.eval_column("test_loss")[0]) == [0, 38, 76, 100]
    full = Trainer(MLP(ds.layer_sizes([4]), task="binary"), ds.X_train, ds.y_train, batch_size=240)
    assert full.eval_every == 4  # ⌈4·240/240⌉
    big = datasets.load("digits")  # 1797 rows at batch 32: ⌈224.6⌉, capped at 100
    capped = Trainer(
        MLP(big.layer_sizes(), task="multiclass"), big.X_train, big.y_train, X_test=big.X_test, y_test=big.y_test
    )
    assert capped.eval_every == 100


def test_home_gradient_descent_diverges_above_about_0_17():
    """README (Home): full-batch gradient descent on the house prices 'above about 0.17 diverges'. The MSE's
    Hessian is H = (2/n)·AᵀA with A = [x 1]; gradient descent converges iff η < 2/λ_max(H) ≈ 0.172."""
    ds = datasets.house_prices(n_samples=60, seed=0)  # the Home page's data (ui.home_state)
    x, y = ds.X_train[:, 0], ds.y_train
    A = np.column_stack([x, np.ones_like(x)])
    threshold = 2 / np.linalg.eigvalsh(2 / len(x) * A.T @ A).max()
    assert 0.16 < threshold < 0.18

    def run(lr):
        model = MLP([1, 1], task="regression", init="zeros")
        model.weights[0][0, 0], model.biases[0][0] = 0.5, 2.0  # the sliders' starting point
        return Trainer(model, x[:, None], y, optimizer="sgd", lr=lr, batch_size=len(x)).run(3000)

    assert not run(0.97 * threshold).diverged and run(1.03 * threshold).diverged


# -- issue 7: independent random streams, cache-free evaluation, clear names --------------------------


def _recorded_batches(model, X, y, steps, **options):
    """The row indices of every mini-batch the trainer really trains on (read back from X's first column)."""
    trainer = Trainer(model, X, y, seed=4, batch_size=8, **options)
    seen, real = [], model.forward_backward

    def spy(X_batch, y_batch, training=False, rng=None):
        seen.append(X_batch[:, 0].astype(int))
        return real(X_batch, y_batch, training, rng)

    model.forward_backward = spy
    trainer.run(steps)
    return trainer, seen


BATCH_VARIANTS = {
    "base": ({}, {}),
    "initializer": ({"init": "orthogonal", "seed": 11}, {}),
    "l1": ({}, {"l1": 0.01}),
    "l2": ({}, {"l2": 0.1}),
    "dropout": ({"dropout": 0.5}, {}),
    "optimizer": ({}, {"optimizer": "momentum", "optimizer_options": {"nesterov": True}}),
    "batch_norm, clip, schedule": ({"batch_norm": True}, {"clip_norm": 0.5, "schedule": "cosine"}),
}


def test_mini_batches_depend_only_on_seed_rows_and_batch_size():
    """Issue 7: dropout draws from its own stream, so trainers that differ in initializer, penalty, dropout or
    optimizer train on bit-identical batches, epoch after epoch (dropout used to shift them from epoch 2)."""
    n = 50  # 7 batches per epoch at batch 8: 6 × 8 + 2
    X = np.column_stack([np.arange(n), np.random.default_rng(1).normal(size=n)])  # column 0 names the row
    y = (X[:, 1] > 0).astype(float)
    runs = {}
    for name, (model_options, trainer_options) in BATCH_VARIANTS.items():
        model = MLP([2, 6, 1], activation="tanh", task="binary", **model_options)
        runs[name] = _recorded_batches(model, X, y, 21, **trainer_options)  # 3 epochs
    base_trainer, base = runs["base"]
    assert len(base) == 21
    for name, (_, seen) in runs.items():
        assert len(seen) == len(base) and all(np.array_equal(a, b) for a, b in zip(seen, base, strict=True)), name
    # ... and they are the documented ones: epoch e's permutation of default_rng(seed), cut into batches.
    for epoch in range(3):
        order = np.concatenate(base[7 * epoch : 7 * epoch + 7])
        np.testing.assert_array_equal(order, base_trainer.epoch_order(epoch))
        np.testing.assert_array_equal(order, _nth_permutation(np.random.default_rng(4), n, epoch))
    assert base_trainer.epoch == 3


def _nth_permutation(rng, n, k):
    for _ in range(k):
        rng.permutation(n)
    return rng.permutation(n)


def test_dropout_masks_draw_from_their_own_stream():
    """The masks come from child 2 of SeedSequence(seed), not from the batches' default_rng(seed)."""
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    model = MLP([3, 5, 1], task="binary", dropout=0.5)
    trainer = Trainer(model, X, y, seed=7, batch_size=20)
    trainer.step()
    dropout = next(layer for layer in model.layers if hasattr(layer, "rate"))
    mask = np.random.default_rng(np.random.SeedSequence(7).spawn(3)[2]).random((20, 5)) >= 0.5
    np.testing.assert_array_equal(dropout.mask > 0, mask)


def test_reset_restores_the_batch_and_the_dropout_streams():
    """Same config and seed after reset(): the same batches and masks, so bit-identical weights (with dropout)."""
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([8]), task="binary", dropout=0.3, seed=2)
    trainer = Trainer(model, ds.X_train, ds.y_train, lr=0.05, batch_size=16)
    trainer.run(40)  # past the first epoch (15 batches)
    first = model.params.copy()
    trainer.reset()
    assert trainer.epoch == 0
    trainer.run(40)
    np.testing.assert_array_equal(model.params, first)


def test_evaluation_leaves_no_activations_on_the_layers():
    """evaluate() and objective() go through the cache-free model.logits: the layers keep only the last batch."""
    ds = datasets.load("digits")
    model = MLP(ds.layer_sizes([32]), task="multiclass", batch_norm=True, dropout=0.1)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, batch_size=16)
    trainer.step()
    trainer.evaluate()
    trainer.objective()
    rows = [len(a) for layer in model.layers for a in vars(layer).values() if isinstance(a, np.ndarray) and a.ndim == 2]
    assert rows and max(rows) == 16  # the training batch's caches, never an evaluation set's


def test_step_result_names_the_scheduled_rate():
    """StepResult.scheduled_lr is the rate the update used (lr_at(lr, t)), unlike Trainer.lr, the base rate;
    .lr stays as a read-only alias."""
    X, y = xor_points()
    trainer = Trainer(
        MLP([2, 1], task="binary"),
        X,
        y,
        optimizer="sgd",
        lr=0.1,
        schedule="step",
        schedule_options={"step_size": 1, "gamma": 0.5},
    )
    trainer.step()
    result = trainer.step()  # the second update: t = 1, 0.1 · 0.5
    assert result.scheduled_lr == pytest.approx(0.05) and trainer.lr == 0.1
    assert result.lr == result.scheduled_lr
    with pytest.raises(AttributeError):
        result.lr = 1.0


def test_model_at_snapshot_takes_an_index_and_model_at_is_its_alias():
    X, y = xor_points()
    trainer = Trainer(MLP([2, 3, 1], task="binary"), X, y, lr=0.1)
    trainer.run(5)
    steps = list(trainer.history.snapshot_steps)
    index = steps.index(3)
    np.testing.assert_array_equal(trainer.model_at_snapshot(index).params, trainer.history.snapshot_params(index))
    np.testing.assert_array_equal(trainer.model_at(index).params, trainer.model_at_snapshot(index).params)
    np.testing.assert_array_equal(trainer.view(3).model.params, trainer.model_at_snapshot(index).params)


def test_another_thread_reads_whole_steps_under_the_trainers_lock():
    """A download built while Play trains reads the model and its history from another thread."""
    import threading

    ds = datasets.load("moons")
    trainer = Trainer(MLP(ds.layer_sizes([16, 16]), task="binary", seed=0), ds.X_train, ds.y_train, lr=0.01)
    done = threading.Event()

    errors = []

    def train():  # as Play: a few steps, then the page reads the history without the lock
        try:
            for _ in range(600):
                trainer.run(5)
                trainer.history.column("batch_loss")
                trainer.history.histograms("w")
        except Exception as error:  # handed to the test's thread
            errors.append(error)
        done.set()

    worker = threading.Thread(target=train)
    worker.start()
    seen = []
    while not done.is_set():
        with trainer.lock:
            step = trainer.step_count
            frame = trainer.history.frame()
            params = trainer.model.params.copy()
            assert frame.index[-1] == step  # every step up to now, no step half recorded
            np.testing.assert_array_equal(params, trainer.model.params)  # nothing moved while held
        seen.append(step)
    worker.join()
    assert not errors, errors
    assert len(set(seen)) > 3 and trainer.step_count == 3000
    np.testing.assert_array_equal(trainer.history.scalar_steps, np.arange(3001))  # no step lost or twice


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_a_float32_trainer_keeps_single_precision_and_reruns_bit_identically(optimizer):
    ds = datasets.load("moons")

    def train():
        model = MLP(ds.layer_sizes([8, 8]), activation="tanh", task="binary", seed=2, dtype="float32")
        trainer = Trainer(
            model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, optimizer=optimizer, lr=0.05
        )
        trainer.run(300)
        return trainer

    a, b = train(), train()
    np.testing.assert_array_equal(a.model.params, b.model.params)
    assert a.model.params.dtype == a.X.dtype == a.y.dtype == np.float32
    assert all(v.dtype == np.float32 for v in vars(a.optimizer).values() if isinstance(v, np.ndarray))
    assert a.last_eval["test_metric"] > 0.85  # it learns
    huge = np.full_like(ds.X_train, 1e39)
    with pytest.raises(ValueError, match="too large for float32"):
        Trainer(a.model, huge, ds.y_train)
