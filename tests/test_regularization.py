"""Penalties against references: scikit-learn's Lasso, ElasticNet, Ridge and LogisticRegression for the same
objective, PyTorch's Adam (L2 as weight_decay) and AdamW recorded in tests/data/torch_adam.npz, and the
regularization path's own laws (monotone norms, the order features enter)."""

import pathlib
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge

from weightviz import MLP, Trainer, datasets, paths, regularizers

TORCH = pathlib.Path(__file__).parent / "data" / "torch_adam.npz"


def sparse():
    ds = datasets.load("sparse_linear")
    return ds, ds.X_train, ds.y_train, len(ds.X_train)


def sklearn_twin(penalty, l1, l2, n):
    """The scikit-learn estimator of the engine's objective (paths module docstring: sklearn halves it)."""
    if penalty == "l1":
        return Lasso(alpha=l1 / 2, tol=1e-12, max_iter=1_000_000)
    if penalty == "l2":
        return Ridge(alpha=n * l2 / 2)
    return ElasticNet(alpha=(l1 + l2) / 2, l1_ratio=l1 / (l1 + l2), tol=1e-12, max_iter=1_000_000)


@pytest.mark.parametrize("penalty", ["l1", "l2", "elastic_net"])
@pytest.mark.parametrize("name", ["sparse_linear", "polynomial_15", "diabetes"])
def test_every_point_of_a_path_is_scikit_learns_solution_with_its_zeros(name, penalty):
    ds = datasets.load(name)
    X, y, n = ds.X_train, ds.y_train, len(ds.X_train)
    path = paths.path(X, y, ds.task, penalty, l1_ratio=0.4)
    assert path.converged.all() and len(path.lambdas) == 30 and np.all(np.diff(path.lambdas) < 0)
    for i in (0, 7, 15, 22, 29):
        l1, l2 = path.strengths(path.lambdas[i])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            twin = sklearn_twin(penalty, l1, l2, n).fit(X, y)
        cap = twin.get_params().get("max_iter")
        if cap is not None and twin.n_iter_ >= cap:
            # scikit-learn gave up (degree-15 features are nearly collinear): ours must be at least as good
            def objective(w, b, l1=l1, l2=l2):
                return np.mean((X @ w + b - y) ** 2) + l1 * np.abs(w).sum() + l2 / 2 * (w @ w)

            ours = objective(path.coefs[i][:, 0], path.intercepts[i][0])
            assert ours <= objective(twin.coef_, twin.intercept_) * (1 + 1e-12)
            continue
        scale = max(1.0, np.abs(twin.coef_).max())
        np.testing.assert_allclose(path.coefs[i][:, 0], twin.coef_, atol=1e-7 * scale)
        assert path.intercepts[i][0] == pytest.approx(twin.intercept_, abs=1e-6 * scale)
        if penalty != "l2":
            assert np.array_equal(path.coefs[i][:, 0] == 0, twin.coef_ == 0), i  # the same weights exactly zero
    if penalty != "l2":
        assert path.nonzero[0] == 0  # the strongest λ of the grid zeroes every weight


def test_a_path_shrinks_the_weights_monotonically_and_its_losses_are_the_engines():
    ds, X, y, n = sparse()
    lasso = paths.path(X, y, "regression", "l1", X_test=ds.X_test, y_test=ds.y_test)
    ridge = paths.path(X, y, "regression", "l2", X_test=ds.X_test, y_test=ds.y_test)
    l1_norms = np.abs(lasso.coefs).sum(axis=(1, 2))
    l2_norms = np.sqrt((ridge.coefs**2).sum(axis=(1, 2)))
    assert np.all(np.diff(l1_norms) >= -1e-12) and np.all(np.diff(l2_norms) >= -1e-12)  # λ falls: norms grow
    model = MLP([X.shape[1], 1], task="regression")
    i = lasso.best
    model.weights[0][...], model.biases[0][...] = lasso.coefs[i], lasso.intercepts[i]
    assert lasso.test_loss[i] == pytest.approx(np.mean((model.predict(ds.X_test) - ds.y_test) ** 2), rel=1e-12)
    # the U: the best λ is inside the grid, better than both ends on the test set
    assert 0 < i < 29 and lasso.test_loss[i] < min(lasso.test_loss[0], lasso.test_loss[-1])
    assert lasso.train_loss[-1] < lasso.train_loss[i] < lasso.train_loss[0]  # weaker λ: closer fit to train


def test_l1_keeps_the_relevant_features_and_drops_the_irrelevant_ones():
    ds, X, y, n = sparse()
    path = paths.path(X, y, "regression", "l1")
    entry = path.entry_lambdas()
    relevant = [j for j, name in enumerate(ds.feature_names) if name.startswith("relevant")]
    irrelevant = [j for j, name in enumerate(ds.feature_names) if name.startswith("irrelevant")]
    assert len(relevant) == 5 and len(irrelevant) == 15
    assert entry[relevant].min() > np.nanmax(entry[irrelevant])  # every relevant feature enters first
    assert not any(path.exit_lambdas())  # here no feature leaves again; on collinear features some do:
    curve = datasets.load("polynomial_15")
    collinear = paths.path(curve.X_train, curve.y_train, "regression", "l1")
    active = collinear.coefs[:, :, 0] != 0
    exits = collinear.exit_lambdas()
    assert sum(map(len, exits)) >= 3
    assert sum(map(len, exits)) == int((active[:-1] & ~active[1:]).sum())  # every exit, a feature's second too
    for j, leaves in enumerate(exits):  # in at the λ before each exit, exactly zero at it
        for lam in leaves:
            i = int(np.flatnonzero(collinear.lambdas == lam)[0])
            assert active[i - 1, j] and not active[i, j]
    l1 = float(np.sqrt(entry[relevant].min() * np.nanmax(entry[irrelevant])))  # between the two groups
    model = MLP([X.shape[1], 1], task="regression", init="zeros")
    Trainer(model, X, y, optimizer="sgd", lr=0.1, batch_size=n, l1=l1).run(3000)
    w = model.weights[0][:, 0]
    assert np.all(w[relevant] != 0) and np.all(w[irrelevant] == 0)  # the trainer itself, exact zeros
    np.testing.assert_allclose(w, sklearn_twin("l1", l1, 0, n).fit(X, y).coef_, atol=1e-8)


@pytest.mark.parametrize("optimizer,lr,steps", [("sgd", 0.1, 4000), ("adam", 0.01, 6000)])
def test_the_trainer_reaches_scikit_learns_elastic_net(optimizer, lr, steps):
    ds, X, y, n = sparse()
    l1, l2 = 0.2, 0.3
    model = MLP([X.shape[1], 1], task="regression", init="zeros")
    Trainer(model, X, y, optimizer=optimizer, lr=lr, batch_size=n, l1=l1, l2=l2).run(steps)
    twin = sklearn_twin("elastic_net", l1, l2, n).fit(X, y)
    np.testing.assert_allclose(model.weights[0][:, 0], twin.coef_, atol=1e-4)
    assert np.array_equal(model.weights[0][:, 0] == 0, twin.coef_ == 0)
    assert model.biases[0][0] == pytest.approx(twin.intercept_, abs=1e-4)


def test_a_logistic_path_matches_scikit_learns_l1_logistic_regression():
    ds = datasets.load("breast_cancer")
    X, y, n = ds.X_train, ds.y_train, len(ds.X_train)
    l1 = 0.02
    path = paths.path(X, y, "binary", "l1", lambdas=[0.2, 0.05, l1], tol=1e-12, max_iter=50_000)
    assert path.converged.all()
    # scikit-learn: C·Σ log-loss + ‖w‖₁ = (n·C)·(mean log-loss + (1/(n·C))‖w‖₁), so C = 1/(n·l1)
    twin = LogisticRegression(l1_ratio=1.0, C=1 / (n * l1), solver="saga", tol=1e-12, max_iter=200_000)
    twin.fit(X, y)
    np.testing.assert_allclose(path.coefs[-1][:, 0], twin.coef_[0], atol=1e-7)  # proximal Newton: exact
    assert np.array_equal(path.coefs[-1][:, 0] == 0, twin.coef_[0] == 0)


@pytest.mark.parametrize("optimizer,record", [("adam", "adam_l2"), ("adamw", "adamw")])
def test_adam_with_l2_and_adamw_step_as_pytorch_does(optimizer, record):
    """PyTorch's Adam(weight_decay=λ) adds λ·w to the gradient (our l2 penalty); AdamW decays w by η·λ·w
    apart from the gradient; both on the weights only (a parameter group for the biases without decay)."""
    ref = np.load(TORCH, allow_pickle=False)
    X, y = ref["X"], ref["y"]
    model = MLP([3, 5, 2], activation="tanh", task="regression")
    model.weights[0][...], model.biases[0][...] = ref["W1"], ref["b1"]
    model.weights[1][...], model.biases[1][...] = ref["W2"], ref["b2"]
    decay = {"optimizer_options": {"weight_decay": float(ref["decay"])}}
    options = {"l2": float(ref["l2"])} if optimizer == "adam" else decay
    trainer = Trainer(model, X, y, optimizer=optimizer, lr=float(ref["lr"]), batch_size=len(X), **options)
    for step, expected in enumerate(ref[record]):
        trainer.step()
        flat = np.concatenate([model.weights[0].ravel(), model.biases[0], model.weights[1].ravel(), model.biases[1]])
        np.testing.assert_allclose(flat, expected, rtol=1e-9, atol=1e-12, err_msg=f"step {step + 1}")


def test_under_adam_an_l2_penalty_loses_its_strength_and_adamw_does_not():
    """No data gradient (X = 0): Adam divides the penalty's gradient l2·w by its own size, so each step moves a
    weight by about η whatever l2 is; AdamW shrinks by the factor 1 − η·λ a step. The shrinkage helpers say so
    (Adam's to 2 %: it takes the penalty's share of m̂ as l2·w, which lags w by a few steps)."""
    X, y = np.zeros((8, 2)), np.zeros(8)
    decayed = {}
    for name, opts in (("adam_weak", {"l2": 0.01}), ("adam_strong", {"l2": 10.0}), ("adamw", {})):
        model = MLP([2, 1], task="regression", init="constant", init_options={"value": 10.0})
        optimizer = "adamw" if name == "adamw" else "adam"
        extra = {"optimizer_options": {"weight_decay": 0.5}} if name == "adamw" else {}
        trainer = Trainer(model, X, y, optimizer=optimizer, lr=0.01, batch_size=8, **opts, **extra)
        trainer.run(50)
        before = model.weights[0][0, 0]
        trainer.step()
        decayed[name] = model.weights[0][0, 0]
        share = 1 - decayed[name] / before
        if name == "adamw":
            assert share == pytest.approx(regularizers.adamw_shrinkage(0.01, 0.5), rel=1e-9)
        else:
            v = trainer.optimizer.v[:2]
            predicted = regularizers.adam_l2_shrinkage(v, trainer.optimizer.t, 0.01, opts["l2"])[0]
            assert share == pytest.approx(predicted, rel=0.02)
    # l2 = 0.01 and l2 = 10 (a thousand times stronger) end within 1 % of each other
    assert decayed["adam_weak"] == pytest.approx(decayed["adam_strong"], rel=0.01)
    assert decayed["adamw"] == pytest.approx(10 * (1 - 0.01 * 0.5) ** 51, rel=1e-9)


def test_penalty_mixes_and_bad_paths_are_refused():
    assert paths.mix("elastic_net", 2.0, 0.25) == (0.5, 1.5) and paths.mix("l2", 3.0) == (0.0, 3.0)
    ds, X, y, n = sparse()
    with pytest.raises(ValueError, match="unknown penalty"):
        paths.path(X, y, "regression", "l3")
    with pytest.raises(ValueError, match="λ ≥ 0"):
        paths.path(X, y, "regression", "l1", lambdas=[-1.0])
    with pytest.raises(ValueError, match="l1_ratio"):
        paths.path(X, y, "regression", "elastic_net", l1_ratio=0.0)


@pytest.mark.parametrize("penalty", ["l2", "elastic_net"])
def test_logistic_l2_and_elastic_net_paths_match_scikit_learn(penalty):
    ds = datasets.load("breast_cancer")
    X, y, n = ds.X_train, ds.y_train, len(ds.X_train)
    lam = 0.05
    path = paths.path(X, y, "binary", penalty, lambdas=[1.0, 0.2, lam], l1_ratio=0.5, tol=1e-13, max_iter=100_000)
    l1, l2 = path.strengths(lam)
    # scikit-learn: C·Σ log-loss + ρ‖w‖₁ + (1 − ρ)/2·‖w‖² = (n·C)·(mean + (l1‖w‖₁ + l2/2‖w‖²)) with C = 1/(n·(l1 + l2))
    ratio = l1 / (l1 + l2)
    twin = LogisticRegression(l1_ratio=ratio, C=1 / (n * (l1 + l2)), solver="saga", tol=1e-12, max_iter=500_000).fit(
        X, y
    )
    assert path.converged.all()
    np.testing.assert_allclose(path.coefs[-1][:, 0], twin.coef_[0], atol=1e-7)


def test_a_multiclass_l1_path_matches_scikit_learns_multinomial_lasso():
    ds = datasets.load("iris")
    X, y, n = ds.X_train, ds.y_train, len(ds.X_train)
    lam = 0.02
    path = paths.path(X, y, "multiclass", "l1", lambdas=[0.5, lam], tol=1e-13, max_iter=200_000)
    twin = LogisticRegression(l1_ratio=1.0, C=1 / (n * lam), solver="saga", tol=1e-12, max_iter=500_000).fit(X, y)
    ours, theirs = path.coefs[-1], twin.coef_.T  # (the L1 penalty makes the softmax weights unique)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
    logits = X @ ours + path.intercepts[-1]
    their_logits = twin.decision_function(X)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    their = np.exp(their_logits - their_logits.max(1, keepdims=True))
    np.testing.assert_allclose(probs / probs.sum(1, keepdims=True), their / their.sum(1, keepdims=True), atol=2e-4)


def test_entry_lambdas_are_where_scikit_learn_first_gives_a_feature_a_weight_and_never_is_nan():
    ds = datasets.load("diabetes")
    X, y = ds.X_train.copy(), ds.y_train
    X[:, 4] = 0.0  # a feature that never varies: it never enters
    path = paths.path(X, y, "regression", "l1")
    in_model = np.array(
        [Lasso(alpha=lam / 2, tol=1e-12, max_iter=1_000_000).fit(X, y).coef_ != 0 for lam in path.lambdas]
    )
    first = [path.lambdas[np.argmax(col)] if col.any() else np.nan for col in in_model.T]
    np.testing.assert_array_equal(path.entry_lambdas(), first)
    assert np.isnan(path.entry_lambdas()[4])
    original = paths.path(ds.X_train, y, "regression", "l1")  # (with feature 5 back: one feature leaves again)
    lasso = [
        Lasso(alpha=lam / 2, tol=1e-12, max_iter=1_000_000).fit(ds.X_train, y).coef_ != 0 for lam in original.lambdas
    ]
    in_model = np.array(lasso)
    leaves = [list(original.lambdas[1:][col[:-1] & ~col[1:]]) for col in in_model.T]
    assert original.exit_lambdas() == leaves and sum(map(len, leaves)) >= 1  # every exit, as scikit-learn has it


def test_lambda_max_is_the_weakest_l1_that_zeroes_every_weight_and_a_capped_solver_says_so():
    ds = datasets.load("sparse_linear")
    X, y = ds.X_train, ds.y_train
    top = paths.lambda_max(X, y, "regression")
    assert np.all(paths.solve(X, y, "regression", l1=top * (1 + 1e-9))[0] == 0)
    assert np.any(paths.solve(X, y, "regression", l1=top * 0.99)[0] != 0)
    classes = datasets.load("breast_cancer")
    capped = paths.path(classes.X_train, classes.y_train, "binary", "l1", max_iter=5)
    assert not capped.converged.all() and capped.converged[0]  # the strongest λ: all zero at once


def test_adam_l2_shrinkage_corrects_v_for_its_bias():
    """At Adam's first step v = (1 − β₂)·g², so v̂ = g²: the share is η·l2/|g|."""
    g = np.array([0.5, 2.0])
    v = (1 - 0.999) * g**2
    np.testing.assert_allclose(regularizers.adam_l2_shrinkage(v, 1, 0.1, 0.3), 0.1 * 0.3 / g, rtol=1e-6)
