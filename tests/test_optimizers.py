import numpy as np
import pytest

from weightviz import optimizers, regularizers


def run(name, grads_seq, lr=0.1, theta0=(1.0, -2.0), n_weights=2, **opts):
    theta = np.array(theta0)
    opt = optimizers.make(name, theta.size, n_weights, **opts)
    for g in grads_seq:
        opt.step(theta, np.array(g, dtype=float), lr)
    return theta


G = [(0.5, -1.0), (0.2, 0.4)]


def test_sgd_by_hand():
    np.testing.assert_allclose(run("sgd", G), [1 - 0.1 * 0.7, -2 - 0.1 * -0.6])


def test_momentum_by_hand():
    # v1 = g1; θ1 = θ0 − η v1; v2 = 0.9 v1 + g2; θ2 = θ1 − η v2
    v1 = np.array(G[0])
    v2 = 0.9 * v1 + np.array(G[1])
    expected = np.array([1.0, -2.0]) - 0.1 * v1 - 0.1 * v2
    np.testing.assert_allclose(run("momentum", G, momentum=0.9), expected)


def test_nesterov_by_hand():
    v1 = np.array(G[0])
    t1 = np.array([1.0, -2.0]) - 0.1 * (np.array(G[0]) + 0.9 * v1)
    v2 = 0.9 * v1 + np.array(G[1])
    t2 = t1 - 0.1 * (np.array(G[1]) + 0.9 * v2)
    np.testing.assert_allclose(run("momentum", G, momentum=0.9, nesterov=True), t2)


def test_rmsprop_by_hand():
    g1, g2 = np.array(G[0]), np.array(G[1])
    s1 = 0.1 * g1**2
    t1 = np.array([1.0, -2.0]) - 0.1 * g1 / (np.sqrt(s1) + 1e-8)
    s2 = 0.9 * s1 + 0.1 * g2**2
    t2 = t1 - 0.1 * g2 / (np.sqrt(s2) + 1e-8)
    np.testing.assert_allclose(run("rmsprop", G), t2)


def test_adam_by_hand():
    # The first Adam step moves every coordinate by η·sign(g) (m̂ = g, v̂ = g²).
    np.testing.assert_allclose(run("adam", G[:1]), [1 - 0.1, -2 + 0.1], rtol=1e-7)
    g1, g2 = np.array(G[0]), np.array(G[1])
    m = 0.9 * (0.1 * g1) + 0.1 * g2
    v = 0.999 * (0.001 * g1**2) + 0.001 * g2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    expected = np.array([0.9, -1.9]) - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(run("adam", G), expected)


def test_adamw_decays_weights_not_biases():
    # With zero gradients Adam does nothing; AdamW still shrinks the weights by (1 − η·λ) per step.
    theta = run("adamw", [(0, 0, 0)] * 3, lr=0.1, theta0=(1.0, -2.0, 5.0), n_weights=2, weight_decay=0.5)
    np.testing.assert_allclose(theta, [0.95**3, -2 * 0.95**3, 5.0])


def test_adamw_by_hand_decays_first_then_takes_the_adam_step():
    """PyTorch's order: θ ← θ·(1 − η·λ) on the weights, then θ ← θ − η·m̂/(√v̂ + ε) (first step: m̂ = g, v̂ = g²)."""
    g = np.array([0.5, -1.0, 0.2])
    theta = run("adamw", [g], lr=0.1, theta0=(1.0, -2.0, 5.0), n_weights=2, weight_decay=0.5)
    decayed = np.array([1.0 * 0.95, -2.0 * 0.95, 5.0])  # the bias is not decayed
    np.testing.assert_allclose(theta, decayed - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


@pytest.mark.parametrize("name", ["adam", "rmsprop"])
def test_eps_is_added_to_the_root_and_matters_for_tiny_gradients(name):
    """η·g/(√v + ε) with ε = 1e-8 outside the root: a gradient of 1e-9 moves θ by η·1e-9/(1e-9·c + 1e-8)."""
    g = np.array([1e-6, -1e-9])
    root = np.abs(g) * (1.0 if name == "adam" else np.sqrt(0.1))  # √v̂ = |g| (Adam), √((1 − ρ)g²) (RMSprop)
    theta = run(name, [g], lr=0.1, theta0=(0.0, 0.0))
    np.testing.assert_allclose(theta, -0.1 * g / (root + 1e-8), rtol=1e-9)


def test_unknown_optimizer_and_option():
    with pytest.raises(ValueError, match="adam"):
        optimizers.make("lbfgs", 3, 3)
    with pytest.raises(ValueError, match="option"):
        optimizers.make("sgd", 3, 3, momentum=0.9)


def test_schedules():
    assert optimizers.schedule("constant")(0.1, 500) == 0.1
    step = optimizers.schedule("step", step_size=10, gamma=0.5)
    assert [step(1.0, t) for t in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    assert optimizers.schedule("exponential", decay_rate=0.5, decay_steps=10)(1.0, 20) == pytest.approx(0.25)
    cos = optimizers.schedule("cosine", total_steps=100, min_lr=0.1)
    assert cos(1.0, 0) == 1.0 and cos(1.0, 50) == pytest.approx(0.55) and cos(1.0, 100) == pytest.approx(0.1)
    assert cos(1.0, 1000) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="option"):
        optimizers.schedule("step", warmup=3)


def test_clip_by_global_norm():
    g = np.array([3.0, 4.0])
    assert optimizers.clip_by_global_norm(g, 1.0) == 5.0
    np.testing.assert_allclose(g, [0.6, 0.8])
    g = np.array([0.3, 0.4])
    assert optimizers.clip_by_global_norm(g, None) == pytest.approx(0.5)
    np.testing.assert_allclose(g, [0.3, 0.4])


def test_soft_threshold_and_penalty():
    W = np.array([0.5, -0.05, 0.02, -1.0])
    assert regularizers.penalty(W, l1=0.1, l2=2.0) == pytest.approx(0.1 * 1.57 + 1.0 * np.sum(W**2))
    regularizers.soft_threshold(W, 0.1)
    np.testing.assert_allclose(W, [0.4, 0.0, 0.0, -0.9])
    assert (W == 0).tolist() == [False, True, True, False]  # exactly zero, not merely small


def test_soft_threshold_is_the_proximal_step_of_the_l1_penalty(rng):
    """x = soft(w, t) minimises ½(x − w)² + t·|x| elementwise, for a scalar or a per-weight t (the
    trainer passes l1 times each weight's step size): x = 0 where |w| ≤ t, else x = w − t·sign(w)."""
    w = 2 * rng.normal(size=500)
    for t in (0.7, rng.uniform(0.0, 3.0, size=500)):
        x = w.copy()
        regularizers.soft_threshold(x, t)
        t = np.broadcast_to(t, w.shape)
        small = np.abs(w) <= t
        assert 0 < small.sum() < len(w)
        assert np.all(x[small] == 0)
        np.testing.assert_allclose(x[~small] - w[~small], -t[~small] * np.sign(w[~small]), rtol=1e-12, atol=1e-15)
        assert np.all(np.sign(x[~small]) == np.sign(w[~small]))  # shrinks towards 0, never across it
        best = 0.5 * (x - w) ** 2 + t * np.abs(x)
        for v in (x + 1e-4, x - 1e-4, x + 1.0, x - 1.0, np.zeros_like(w), w):  # convex: no nearby point does better
            assert np.all(best <= 0.5 * (v - w) ** 2 + t * np.abs(v) + 1e-12)


@pytest.mark.parametrize(
    "name,options",
    [
        ("cosine", {"total_steps": 0}),
        ("cosine", {"total_steps": -5}),
        ("cosine", {"total_steps": float("inf")}),
        ("cosine", {"min_lr": -0.1}),
        ("cosine", {"min_lr": float("nan")}),
        ("step", {"step_size": 0}),
        ("step", {"gamma": -0.5}),
        ("step", {"step_size": "10"}),
        ("exponential", {"decay_steps": 0}),
        ("exponential", {"decay_rate": 0}),
    ],
)
def test_schedule_options_that_cannot_work_are_refused_by_name(name, options):
    """A length of 0 used to raise ZeroDivisionError at the first step (or at construction)."""
    (option,) = options
    with pytest.raises(ValueError, match=f"{name} schedule's {option} must be"):
        optimizers.schedule(name, **options)


def test_cosine_ends_at_min_lr_and_stays_there():
    cos = optimizers.schedule("cosine", total_steps=10)
    assert [cos(0.5, t) for t in (10, 11, 10_000)] == [0.0, 0.0, 0.0]
    assert cos(0.5, 9) > 0


def test_the_registries_hold_the_readme_names_and_options():
    """README's registries table: optimizers sgd, momentum (momentum, nesterov), rmsprop, adam, adamw (weight_decay);
    schedules constant, step (step_size, gamma), exponential (decay_rate, decay_steps), cosine (total_steps, min_lr)."""
    assert set(optimizers.OPTIMIZERS) == {"sgd", "momentum", "rmsprop", "adam", "adamw"}
    optimizers.make("momentum", 2, 2, momentum=0.5, nesterov=True)
    optimizers.make("adamw", 2, 2, weight_decay=0.1)
    for name, option in [("sgd", "momentum"), ("adam", "weight_decay"), ("rmsprop", "nesterov")]:
        with pytest.raises(ValueError, match="option"):
            optimizers.make(name, 2, 2, **{option: 0.1})
    assert set(optimizers.SCHEDULES) == {"constant", "step", "exponential", "cosine"}
    for name, options in [
        ("step", {"step_size": 5, "gamma": 0.1}),
        ("exponential", {"decay_rate": 0.5, "decay_steps": 7}),
        ("cosine", {"total_steps": 9, "min_lr": 0.01}),
    ]:
        assert optimizers.schedule(name, **options)(1.0, 0) == 1.0
    with pytest.raises(ValueError, match="option"):
        optimizers.schedule("constant", gamma=0.5)


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_every_optimizer_names_all_its_per_parameter_state(name):
    """A frozen layer keeps its share of the optimizer's state (Trainer(layer_lr=...)) only if the optimizer
    names that state: every public per-parameter array must be in state_arrays()."""
    opt = optimizers.make(name, 10, 6)
    arrays = [
        v for k, v in vars(opt).items() if isinstance(v, np.ndarray) and v.shape == (10,) and not k.startswith("_")
    ]
    assert all(any(a is s for s in opt.state_arrays()) for a in arrays)
