import numpy as np
import pytest

from weightviz import initializers

RANDOM = [n for n in initializers.INITIALIZERS if n not in ("zeros", "constant")]


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("shape", [(1000, 1000), (1000, 500)])
def test_sample_variance_matches_formula(name, shape):
    W = initializers.get(name)(*shape, np.random.default_rng(0))
    assert W.shape == shape
    expected = initializers.variance(name, *shape)
    assert abs(W.var() / expected - 1) < 0.03
    assert abs(W.mean()) < 0.01 * np.sqrt(expected) * 10


@pytest.mark.parametrize("name", ["xavier_uniform", "he_uniform", "lecun_uniform", "uniform"])
def test_uniform_bounds(name):
    fan_in, fan_out = 300, 200
    W = initializers.get(name)(fan_in, fan_out, np.random.default_rng(1))
    limit = np.sqrt(3 * initializers.variance(name, fan_in, fan_out))  # U(−a, a) has variance a²/3
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (50, 50)])
def test_orthogonal_is_orthogonal(shape):
    W = initializers.get("orthogonal", gain=2.0)(*shape, np.random.default_rng(2))
    small = min(shape)
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-10)


def test_zeros_and_constant():
    assert not initializers.get("zeros")(3, 4, None).any()
    np.testing.assert_array_equal(initializers.get("constant", value=0.3)(2, 2, None), np.full((2, 2), 0.3))


def test_options_are_bound_and_checked():
    W = initializers.get("normal", std=2.0)(500, 500, np.random.default_rng(3))
    assert abs(W.std() / 2.0 - 1) < 0.02
    assert initializers.options("uniform") == {"limit": 0.05}
    with pytest.raises(ValueError, match="no option"):
        initializers.get("he_normal", std=1.0)
    with pytest.raises(ValueError, match="xavier_uniform"):
        initializers.get("glorious")


@pytest.mark.parametrize("name", list(initializers.INITIALIZERS))
def test_same_seed_same_weights(name):
    a = initializers.get(name)(20, 10, np.random.default_rng(7))
    b = initializers.get(name)(20, 10, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_the_registry_holds_the_readme_names_and_options():
    """README's registries table: the eleven initializers, and the options constant (value), normal (std),
    uniform (limit) and orthogonal (gain); the others take none."""
    assert set(initializers.INITIALIZERS) == {
        "zeros",
        "constant",
        "normal",
        "uniform",
        "xavier_uniform",
        "xavier_normal",
        "he_uniform",
        "he_normal",
        "lecun_uniform",
        "lecun_normal",
        "orthogonal",
    }
    options = {name: list(initializers.options(name)) for name in initializers.INITIALIZERS}
    assert {name: o for name, o in options.items() if o} == {
        "constant": ["value"],
        "normal": ["std"],
        "uniform": ["limit"],
        "orthogonal": ["gain"],
    }
