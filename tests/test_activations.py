import numpy as np
import pytest

from weightviz import activations


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_derivative_matches_finite_differences(name, rng):
    f = activations.get(name)
    Z = rng.normal(scale=2.0, size=(50, 7))
    Z = Z[np.abs(Z) > 1e-3].reshape(-1, 1)  # stay off the kinks of relu and leaky relu
    h = 1e-6
    numeric = (f.forward(Z + h) - f.forward(Z - h)) / (2 * h)
    analytic = f.derivative(Z, f.forward(Z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_known_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(activations.relu(z), [0, 0, 3])
    np.testing.assert_allclose(activations.leaky_relu(z), [-0.02, 0, 3])
    np.testing.assert_allclose(activations.elu(z), [np.expm1(-2.0), 0, 3])
    np.testing.assert_allclose(activations.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(activations.gelu(np.array([0.0, 1.0])), [0.0, 0.8411920], rtol=1e-6)


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = activations.sigmoid(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="relu"):
        activations.get("swishy")


def test_the_registry_holds_the_readme_names():
    """README's registries table: relu, leaky_relu, elu, gelu (tanh form), tanh, sigmoid, linear, each the function
    its name says."""
    assert set(activations.ACTIVATIONS) == {"relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "linear"}
    z = np.array([-1.5, 0.5, 2.0])
    for name, expected in [
        ("relu", np.maximum(z, 0)),
        ("leaky_relu", np.where(z > 0, z, 0.01 * z)),
        ("elu", np.where(z > 0, z, np.expm1(z))),
        ("gelu", 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))),
        ("tanh", np.tanh(z)),
        ("sigmoid", 1 / (1 + np.exp(-z))),
        ("linear", z),
    ]:
        np.testing.assert_allclose(activations.get(name).forward(z), expected, rtol=1e-12, err_msg=name)
