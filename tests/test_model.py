import itertools
import zlib

import numpy as np
import pytest

from tests.conftest import numerical_gradient, relative_error
from weightviz import MLP, activations, datasets, regularizers

TASKS = {"regression": 2, "binary": 1, "multiclass": 3}  # task -> outputs
LAYER_OPTIONS = {
    "plain": {},
    "dropout": {"dropout": 0.3},
    "batch_norm": {"batch_norm": True},
    "both": {"dropout": 0.3, "batch_norm": True},
}
PENALTIES = {"none": (0.0, 0.0), "l1": (0.05, 0.0), "l2": (0.0, 0.1), "elastic": (0.05, 0.1)}


def make_data(task, k, rng, n=7, d=3):
    X = rng.normal(size=(n, d))
    if task == "regression":
        y = rng.normal(size=(n, k))
    elif task == "binary":
        y = np.array([0, 1] * n, dtype=float)[:n]
    else:
        y = np.arange(n) % k
    return X, y


@pytest.mark.parametrize(
    "activation,task,option,penalty,training",
    list(itertools.product(activations.ACTIVATIONS, TASKS, LAYER_OPTIONS, PENALTIES, [True, False])),
)
def test_gradients_match_finite_differences(activation, task, option, penalty, training):
    """Every activation × task × layer option × penalty, in training and inference mode."""
    rng = np.random.default_rng(zlib.crc32(f"{activation}{task}{option}{penalty}".encode()))
    k = TASKS[task]
    model = MLP(
        [3, 4, 3, k],
        activation=activation,
        task=task,
        init="xavier_normal",
        seed=1,
        bias_init=0.1,
        **LAYER_OPTIONS[option],
    )
    for bn in model.batch_norms:  # non-trivial γ, β and running statistics
        bn.params["gamma"][...] = rng.uniform(0.5, 1.5, bn.params["gamma"].shape)
        bn.params["beta"][...] = rng.normal(size=bn.params["beta"].shape)
        bn.running_mean[...] = rng.normal(size=bn.running_mean.shape)
        bn.running_var[...] = rng.uniform(0.5, 2.0, bn.running_var.shape)
    X, y = make_data(task, k, rng)
    l1, l2 = PENALTIES[penalty]

    def objective():
        # A fresh rng with the same seed draws the same dropout masks on every evaluation.
        loss = model.forward_backward(X, y, training=training, rng=np.random.default_rng(5))
        return loss + regularizers.penalty(model.params[: model.n_weights], l1, l2)

    objective()
    analytic = model.grads.copy()
    analytic[: model.n_weights] += regularizers.penalty_grad(model.params[: model.n_weights], l1, l2)
    numeric = numerical_gradient(objective, model.params)
    assert relative_error(analytic, numeric) < 1e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)


def test_loss_and_grads_api_returns_copies_with_layer_shapes(rng):
    model = MLP([2, 8, 8, 1], activation="tanh", task="binary", init="xavier_uniform", seed=0)
    X, y = rng.normal(size=(10, 2)), (rng.random(10) > 0.5).astype(float)
    loss, grad_W, grad_b = model.loss_and_grads(X, y)
    assert [g.shape for g in grad_W] == [(2, 8), (8, 8), (8, 1)]
    assert [g.shape for g in grad_b] == [(8,), (8,), (1,)]
    grad_W[0][...] = 123.0
    _, again, _ = model.loss_and_grads(X, y)
    assert not np.any(again[0] == 123.0)
    assert loss == pytest.approx(model.loss_and_grads(X, y)[0])


def test_weights_are_views_of_one_flat_vector():
    model = MLP([3, 5, 2], task="multiclass")
    assert [W.shape for W in model.weights] == [(3, 5), (5, 2)]
    assert [b.shape for b in model.biases] == [(5,), (2,)]
    model.params[:] = 0.0
    assert not model.weights[1].any()
    model.weights[1][...] = 1.0
    assert model.params[15 : 15 + 10].sum() == 10  # W1 follows W0's 15 entries
    assert model.n_weights == 25 and model.n_params == 32


def test_predict_shapes_per_task(rng):
    X = rng.normal(size=(5, 4))
    assert MLP([4, 1], task="regression").predict(X).shape == (5,)
    assert MLP([4, 3], task="regression").predict(X).shape == (5, 3)
    p = MLP([4, 1], task="binary").predict(X)
    assert p.shape == (5,) and np.all((p > 0) & (p < 1))
    P = MLP([4, 6, 3], task="multiclass").predict(X)
    assert P.shape == (5, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_linear_model_is_w_dot_x_plus_b(rng):
    model = MLP([3, 1], task="regression", init="normal", seed=4)
    X = rng.normal(size=(6, 3))
    np.testing.assert_allclose(model.predict(X), X @ model.weights[0][:, 0] + model.biases[0][0])


def test_same_seed_same_weights_and_biases_start_at_zero():
    a = MLP([4, 16, 16, 2], task="multiclass", init="he_normal", seed=3)
    b = MLP([4, 16, 16, 2], task="multiclass", init="he_normal", seed=3)
    c = MLP([4, 16, 16, 2], task="multiclass", init="he_normal", seed=4)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    assert not np.concatenate(a.biases).any()


def test_bad_configurations_are_explained():
    with pytest.raises(ValueError, match="one output"):
        MLP([2, 3], task="binary")
    with pytest.raises(ValueError, match="activations"):
        MLP([2, 3, 3, 1], activation=["relu"])
    with pytest.raises(ValueError, match="unknown task"):
        MLP([2, 1], task="ranking")
    with pytest.raises(ValueError, match="shape"):
        MLP([2, 1]).predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="dropout"):
        MLP([2, 3, 1], dropout=1.0)


def test_per_layer_activations():
    model = MLP([2, 3, 3, 1], activation=["relu", "tanh"])
    outs = model.hidden_activations(np.ones((4, 2)))
    assert len(outs) == 2 and np.all(outs[0] >= 0) and np.all(np.abs(outs[1]) <= 1)


def test_dropout_is_inverted_and_off_at_inference(rng):
    """Linear network, p = 0.5: averaged over masks, the training-mode output equals the inference output.

    Z = Σⱼ mⱼhⱼW₁ⱼ + b₁ with E[mⱼ] = 1 (survivors scaled by 1/(1 − p)) and Var(mⱼ) = p/(1 − p), so the
    mean of N draws lies within 5·√(Σⱼ hⱼ²W₁ⱼ²·p/(1 − p)/N) of the inference output. Positive weights
    and inputs keep the output far from b₁, so an unscaled mask (E[Z] − b₁ halved) misses by far more.
    """
    p, draws = 0.5, 4000
    model = MLP([3, 50, 1], activation="linear", dropout=p, seed=0)
    model.weights[0][...] = rng.uniform(0.1, 1.0, size=(3, 50))
    model.weights[1][...] = rng.uniform(0.1, 1.0, size=(50, 1))
    model.biases[1][...] = 0.5
    X = rng.uniform(0.5, 2.0, size=(5, 3))
    Z_eval = model.forward(X)[:, 0]
    Z_train = model.forward(np.tile(X, (draws, 1)), training=True, rng=np.random.default_rng(0))[:, 0]
    (H,) = model.hidden_activations(X)
    standard_error = np.sqrt((H**2 * model.weights[1][:, 0] ** 2).sum(axis=1) * p / (1 - p) / draws)
    samples = Z_train.reshape(draws, 5)
    assert np.all(np.abs(samples.mean(axis=0) - Z_eval) < 5 * standard_error)
    np.testing.assert_allclose(samples.std(axis=0), standard_error * np.sqrt(draws), rtol=0.1)  # masks do vary
    assert np.all(np.abs(Z_eval - 0.5) > 100 * standard_error)
    np.testing.assert_array_equal(model.forward(X), model.forward(X))  # inference draws nothing
    np.testing.assert_allclose(Z_eval, H @ model.weights[1][:, 0] + 0.5)  # and drops nothing


def test_loss_and_grads_is_in_inference_mode_by_default(rng):
    """README: no dropout, batch norm uses (and keeps) its running statistics, so the loss is a function of
    the weights alone: the mean BCE of the inference-mode logits, the same on every call."""
    model = MLP([3, 6, 1], activation="tanh", task="binary", dropout=0.5, batch_norm=True, seed=0)
    bn = model.batch_norms[0]
    bn.running_mean[...], bn.running_var[...] = rng.normal(size=6), rng.uniform(0.5, 2.0, size=6)
    stats = (bn.running_mean.copy(), bn.running_var.copy())
    X, y = rng.normal(size=(20, 3)), (rng.random(20) > 0.5).astype(float)
    loss, grad_W, _ = model.loss_and_grads(X, y)
    p = model.predict(X)
    assert loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-12)
    again, grad_again, _ = model.loss_and_grads(X, y)
    assert again == loss and all(np.array_equal(a, b) for a, b in zip(grad_W, grad_again, strict=True))
    np.testing.assert_array_equal(bn.running_mean, stats[0])
    np.testing.assert_array_equal(bn.running_var, stats[1])
    train_loss, _, _ = model.loss_and_grads(X, y, training=True, rng=np.random.default_rng(0))
    assert train_loss != pytest.approx(loss, rel=1e-3)  # training mode is different, and only on request


def test_loss_and_grads_leaves_the_models_gradient_and_statistics(rng):
    """model.grads holds the last training step's gradient (the page shows it): a loss query keeps it."""
    model = MLP([3, 4, 2], task="multiclass", batch_norm=True, seed=0)
    X, y = rng.normal(size=(9, 3)), np.arange(9) % 2
    model.forward_backward(X, y, training=True)
    bn = model.batch_norms[0]
    grads, mean, var = model.grads.copy(), bn.running_mean.copy(), bn.running_var.copy()
    for training in (False, True):
        loss, grad_W, _ = model.loss_and_grads(X[:5], y[:5], training=training, rng=np.random.default_rng(0))
        assert not np.allclose(grad_W[0], grads[:12].reshape(3, 4))  # a different gradient was computed ...
        np.testing.assert_array_equal(model.grads, grads)  # ... and the step's one is still there
        np.testing.assert_array_equal(bn.running_mean, mean)
        np.testing.assert_array_equal(bn.running_var, var)


def test_batch_norm_refuses_a_training_batch_of_one_row():
    """One row has variance 0: x̂ = 0, so the output is β whatever the input and γ's gradient is 0."""
    model = MLP([3, 4, 1], task="binary", batch_norm=True, seed=0)
    with pytest.raises(ValueError, match="at least 2 rows"):
        model.forward(np.ones((1, 3)), training=True)
    assert model.forward(np.ones((1, 3))).shape == (1, 1)  # inference uses the running statistics: fine


@pytest.mark.parametrize("training", [False, True])
def test_loss_and_grads_returns_the_exact_gradient_of_the_loss_it_returns(training, rng):
    """README: ``loss, grad_W, grad_b = model.loss_and_grads(X, y)`` is the mean data loss and its exact gradient
    (central differences of that same loss over every weight and bias), in either mode."""
    model = MLP([3, 5, 4, 3], activation="tanh", task="multiclass", batch_norm=True, dropout=0.3, seed=1, bias_init=0.1)
    X, y = rng.normal(size=(9, 3)), np.arange(9) % 3

    def loss():  # a fresh rng with the same seed: the same dropout masks on every call
        return model.loss_and_grads(X, y, training=training, rng=np.random.default_rng(2))[0]

    _, grad_W, grad_b = model.loss_and_grads(X, y, training=training, rng=np.random.default_rng(2))
    for analytic, arrays in ((grad_W, model.weights), (grad_b, model.biases)):
        for g, array in zip(analytic, arrays, strict=True):
            assert g.shape == array.shape  # (b₀, b₁ feed batch norm in training mode: their gradient is 0)
            np.testing.assert_allclose(g, numerical_gradient(loss, array), rtol=1e-6, atol=1e-9)


def test_each_hidden_layer_is_dense_batch_norm_activation_dropout_in_that_order(rng):
    """README: Dense → [BatchNorm] → activation → [Dropout], then a Dense output producing logits.

    An identity output layer shows the hidden layer's training-mode output: each entry is 0 (dropped) or
    tanh(BN(X·W₀ + b₀))/(1 − p). Dropout before tanh would give tanh(·/(1 − p)); tanh before batch norm, or
    batch norm after dropout, other values again."""
    p = 0.5
    model = MLP([3, 6, 6], activation="tanh", task="regression", batch_norm=True, dropout=p, init="normal", seed=0)
    model.weights[0][...] = rng.normal(scale=2.0, size=(3, 6))
    model.biases[0][...] = rng.normal(size=6)
    model.weights[1][...] = np.eye(6)
    X = rng.normal(size=(40, 3))
    out = model.forward(X, training=True, rng=np.random.default_rng(0))
    Z = X @ model.weights[0] + model.biases[0]
    kept = np.tanh((Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + 1e-5)) / (1 - p)
    dropped = out == 0
    assert 0.3 < dropped.mean() < 0.7
    np.testing.assert_allclose(out[~dropped], kept[~dropped], rtol=1e-12)
    # the output layer is Dense and gives logits: a binary model's P(y=1) is σ of the last Dense layer
    binary = MLP([3, 6, 1], activation="tanh", task="binary", seed=0)
    (H,) = binary.hidden_activations(X)
    np.testing.assert_allclose(binary.forward(X)[:, 0], H @ binary.weights[1][:, 0] + binary.biases[1][0], rtol=1e-12)
    np.testing.assert_allclose(binary.predict(X), 1 / (1 + np.exp(-binary.forward(X)[:, 0])), rtol=1e-12)


# -- issue 7: the cache-free inference path ------------------------------------------------------------


def _with_running_statistics(model, seed=0):
    """Give every batch norm non-trivial running statistics, γ and β, and every bias a value, so inference uses them."""
    rng = np.random.default_rng(seed)
    for bn in model.batch_norms:
        bn.running_mean[...] = rng.normal(size=bn.running_mean.shape)
        bn.running_var[...] = rng.uniform(0.3, 3.0, size=bn.running_var.shape)
        bn.params["gamma"][...] = rng.uniform(0.5, 2.0, size=bn.params["gamma"].shape)
        bn.params["beta"][...] = rng.normal(size=bn.params["beta"].shape)
    for b in model.biases:
        b[...] = rng.normal(size=b.shape)
    return model


@pytest.mark.parametrize("options", list(LAYER_OPTIONS.values()), ids=list(LAYER_OPTIONS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_logits_equal_forward_at_inference(activation, options):
    """logits(X) is forward(X) in inference mode: bit-identical in one chunk, within 1e-12 in many."""
    model = _with_running_statistics(MLP([3, 6, 5, 4], activation, "multiclass", seed=3, **options))
    X = np.random.default_rng(1).normal(size=(50, 3))
    expected = model.forward(X)
    np.testing.assert_array_equal(model.logits(X), expected)
    for chunk_rows in (1, 7, 49):  # rows in a new order each time: a chunk left unwritten cannot pass as right
        order = np.random.default_rng(chunk_rows).permutation(len(X))
        np.testing.assert_allclose(model.logits(X[order], chunk_rows), expected[order], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.predict(X, chunk_rows=7), model.task.predict(model.logits(X, 7)))
    assert model.logits(X[:0]).shape == (0, 4)


def test_logits_keep_nothing_on_the_layers():
    """After logits(), predict(), score() and hidden_activations() every layer holds exactly what the last
    forward pass left (here a 4-row training batch): nothing of the 3 000 rows inferred stays referenced."""
    model = _with_running_statistics(MLP([3, 8, 8, 2], "tanh", "multiclass", dropout=0.2, batch_norm=True))
    model.forward_backward(np.ones((4, 3)), np.array([0, 1, 0, 1]), training=True, rng=np.random.default_rng(0))
    before = [dict(vars(layer)) for layer in model.layers]
    X = np.random.default_rng(2).normal(size=(3_000, 3))
    model.logits(X, chunk_rows=1_000)
    model.predict(X)
    model.score(X, np.zeros(3_000, dtype=int))
    model.hidden_activations(X)
    for layer, kept in zip(model.layers, before, strict=True):
        assert vars(layer).keys() == kept.keys(), type(layer).__name__
        assert all(vars(layer)[k] is v for k, v in kept.items()), type(layer).__name__


def test_logits_peak_memory_is_one_chunk_not_the_whole_input():
    """100 000 × 64 rows (digits-sized network): forward() peaks over 500 MB and keeps ~470 MB on the layers;
    logits() peaks at the result plus a few chunk-sized arrays and keeps nothing but its result."""
    import tracemalloc

    model = MLP([64, 128, 64, 10], "relu", "multiclass", batch_norm=True, dropout=0.2, seed=1)
    X = np.random.default_rng(0).normal(size=(100_000, 64))
    chunk = 8_192 * 128 * 8  # one chunk of the widest layer, in bytes
    result = 100_000 * 10 * 8
    tracemalloc.start()
    try:
        Z = model.logits(X)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert Z.shape == (100_000, 10)
    assert peak <= result + 3 * chunk  # measured: result + 2 chunks (16.8 MB), forward(): 512 MB
    assert kept <= result + 64_000


def test_logits_check_their_arguments():
    model = MLP([2, 1])
    with pytest.raises(ValueError, match="chunk_rows"):
        model.logits(np.ones((3, 2)), chunk_rows=0)
    with pytest.raises(ValueError, match="shape"):
        model.logits(np.ones((3, 5)))


@pytest.mark.parametrize(
    "task,hidden,batch_norm", [("regression", [], False), ("binary", [8, 8], True), ("multiclass", [16], False)]
)
def test_a_float32_model_computes_in_float32_and_agrees_with_float64(task, hidden, batch_norm):
    """``dtype="float32"``: every array of a step is single precision (no silent float64), and the loss and
    gradients are those of the float64 model to single precision."""
    ds = {
        "regression": datasets.load("house_prices"),
        "binary": datasets.load("moons"),
        "multiclass": datasets.load("iris"),
    }[task]
    models = [
        MLP(ds.layer_sizes(hidden), activation="tanh", task=task, seed=4, batch_norm=batch_norm, dtype=dtype)
        for dtype in ("float64", "float32")
    ]
    X, y = ds.X_train[:40], ds.y_train[:40]
    exact, single = (m.loss_and_grads(X, y, training=True, rng=np.random.default_rng(0)) for m in models)
    np.testing.assert_allclose(single[0], exact[0], rtol=1e-5)
    scale = max(np.abs(g).max() for g in exact[1] + exact[2])  # (a bias before batch norm has gradient 0)
    for a, b in zip(single[1] + single[2], exact[1] + exact[2], strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5 * scale)
    m = models[1]
    assert m.params.dtype == m.grads.dtype == m.forward(X).dtype == m.logits(X).dtype == np.float32
    with pytest.raises(ValueError, match="float64 or float32"):
        MLP([2, 1], dtype="float16")


@pytest.fixture(scope="module")
def deep_input():
    """Issue 9's setting: 1000 rows of 500 N(0, 1) inputs, a target to take a loss against."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((1000, 500)), rng.standard_normal(1000)


def _deep(init, activation, **init_options):
    return MLP([500] * 11 + [1], activation=activation, init=init, init_options=init_options, seed=1)


def _saturated(a):
    return float(np.mean(np.abs(a) > 0.97))


def test_trace_shows_activations_vanish_under_tiny_weights(deep_input):
    trace = _deep("normal", "tanh", std=0.01).trace(*deep_input)
    assert len(trace.activations) == len(trace.grads) == 10
    assert trace.activations[-1].std() < 1e-5  # each layer multiplies the spread by ~0.01·√500 ≈ 0.22


def test_trace_shows_tanh_saturating_under_unit_weights(deep_input):
    trace = _deep("normal", "tanh", std=1.0).trace(*deep_input)
    assert _saturated(trace.activations[-1]) > 0.8


@pytest.mark.parametrize("init", ["lecun_normal", "xavier_normal"])
def test_trace_shows_lecun_and_xavier_keeping_tanh_alive_decaying_slowly(deep_input, init):
    trace = _deep(init, "tanh").trace(*deep_input)
    stds = [a.std() for a in trace.activations]
    assert 0.1 < stds[-1] < 0.5 and stds[-1] < stds[0]


def test_trace_shows_he_keeping_relu_activations_steady(deep_input):
    trace = _deep("he_normal", "relu").trace(*deep_input)
    first, last = trace.activations[0].std(), trace.activations[-1].std()
    assert 0.5 < last / first < 2.0


@pytest.mark.parametrize("batch_norm,dropout", [(False, 0.0), (True, 0.0), (False, 0.3)])
def test_trace_grads_are_the_loss_gradient_with_respect_to_each_activation(batch_norm, dropout):
    """Perturb one activation output, run the rest of the network forward, difference the loss."""
    rng = np.random.default_rng(3)
    model = MLP([4, 6, 5, 2], activation="tanh", task="multiclass", seed=2, batch_norm=batch_norm, dropout=dropout)
    X, y = rng.standard_normal((9, 4)), rng.integers(0, 2, 9)
    kept_grads = model.grads.copy()
    trace = model.trace(X, y)
    np.testing.assert_array_equal(model.grads, kept_grads)  # left as it was
    assert trace.loss == pytest.approx(model.loss_and_grads(X, y)[0])
    acts = [i for i, layer in enumerate(model.layers) if type(layer).__name__ == "ActivationLayer"]

    def loss_from(layer_index, A):
        for layer in model.layers[layer_index + 1 :]:
            A = layer.infer(A)
        return model.task.loss_and_grad(A, y)[0]

    for l, index in enumerate(acts):
        A, dA, h = trace.activations[l], trace.grads[l], 1e-6
        for cell in [(0, 0), (4, 2), (8, len(A[0]) - 1)]:
            up, down = A.copy(), A.copy()
            up[cell] += h
            down[cell] -= h
            numeric = (loss_from(index, up) - loss_from(index, down)) / (2 * h)
            assert dA[cell] == pytest.approx(numeric, rel=1e-6, abs=1e-10)
