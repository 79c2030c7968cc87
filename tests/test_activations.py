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
