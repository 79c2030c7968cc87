import numpy as np
import pytest

from weightviz import MLP, datasets, grids, least_squares, surfaces
from weightviz.summaries import BAND_PERCENTILES, displayed_units, histogram_percentiles, pool_matrix, shared_histograms


def test_pool_matrix_means_blocks_and_leaves_small_ones(rng):
    M = rng.normal(size=(130, 10))
    pooled, factors = pool_matrix(M, max_side=64)
    assert factors == (3, 1) and pooled.shape == (44, 10)
    np.testing.assert_allclose(pooled[0], M[:3].mean(0))
    np.testing.assert_allclose(pooled[-1], M[129:].mean(0))  # the last block holds one row
    same, f = pool_matrix(M[:20], max_side=64)
    assert f == (1, 1) and same is not None and np.array_equal(same, M[:20])


def test_percentiles_from_histograms_match_numpy(rng):
    x = rng.normal(size=20_000)
    counts, edges = np.histogram(x, bins=200)
    bands = histogram_percentiles(counts[None, :], np.array([[edges[0], edges[-1]]]))[0]
    exact = np.percentile(x, BAND_PERCENTILES)
    np.testing.assert_allclose(bands, exact, atol=0.05)
    assert bands[0] == x.min() and bands[-1] == x.max()
    assert np.isnan(histogram_percentiles(np.zeros((1, 5)), np.array([[0.0, 1.0]]))).all()


def test_percentiles_never_fall_inside_a_gap():
    # half the values in [0, 1), half in [3, 4]: the 75th percentile is inside the top bin, not the gap
    p = histogram_percentiles(np.array([[5, 0, 0, 5]]), np.array([[0.0, 4.0]]), (0, 25, 50, 75, 100))[0]
    np.testing.assert_allclose(p, [0.0, 0.5, 1.0, 3.5, 4.0])


def test_shared_histograms_use_one_set_of_edges():
    (a, b), edges = shared_histograms([np.array([0.0, 1.0]), np.array([2.0, 3.0, np.nan])], bins=3)
    np.testing.assert_allclose(edges, [0, 1, 2, 3])
    assert a.tolist() == [1, 1, 0] and b.tolist() == [0, 0, 2]


def test_displayed_units_spread_evenly():
    assert displayed_units(5, 12).tolist() == [0, 1, 2, 3, 4]
    shown = displayed_units(100, 12)
    assert len(shown) == 12 and shown[0] == 0 and shown[-1] == 99


def test_mse_surface_and_gradient_match_direct_computation(rng):
    x, y = rng.normal(size=30), rng.normal(size=30)
    ws, bs = np.linspace(-2, 2, 7), np.linspace(-1, 1, 5)
    S = least_squares.mse_surface(x, y, ws, bs)
    assert S.shape == (5, 7)
    assert S[2, 3] == pytest.approx(np.mean((ws[3] * x + bs[2] - y) ** 2))
    gw, gb = least_squares.mse_gradient(x, y, 0.7, -0.2)
    h = 1e-6
    surface_at = least_squares.mse_surface
    assert gw == pytest.approx(
        (surface_at(x, y, [0.7 + h], [-0.2]) - surface_at(x, y, [0.7 - h], [-0.2]))[0, 0] / (2 * h), rel=1e-6
    )
    assert gb == pytest.approx(2 * np.mean(0.7 * x - 0.2 - y))
    w, b = least_squares.least_squares_line(x, 3 * x + 1)
    assert (w, b) == (pytest.approx(3), pytest.approx(1))


def test_prediction_grid_covers_the_data_in_raw_coordinates(rng):
    """The grid spans the raw data ± 10 %; each value is the model at the standardised grid point."""
    raw = rng.uniform([100.0, -0.05], [200.0, 0.05], size=(40, 2))  # two very different scales
    raw[30:32] = [[90.0, -0.06], [210.0, 0.06]]  # the extremes are test points: the grid covers them too
    y = (raw[:, 0] > 150).astype(float)
    mean, scale = raw[:30].mean(axis=0), raw[:30].std(axis=0)
    ds = datasets.Dataset(
        "scaled", "binary", (raw[:30] - mean) / scale, y[:30], (raw[30:] - mean) / scale, y[30:], ["a", "b"]
    )
    ds.input_mean, ds.input_scale = mean, scale
    model = MLP([2, 4, 1], activation="tanh", task="binary", init="normal", init_options={"std": 2.0}, seed=0)
    (xs, ys), P = grids.prediction_grid(model, ds, resolution=20)
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    for axis, values in enumerate((xs, ys)):
        pad = 0.1 * (hi[axis] - lo[axis])
        np.testing.assert_allclose([values[0], values[-1]], [lo[axis] - pad, hi[axis] + pad], rtol=1e-12)
    assert P.shape == (20, 20)  # rows follow ys, columns xs
    points = np.array([[xs[j], ys[i]] for i in range(20) for j in range(20)])
    np.testing.assert_allclose(P.ravel(), model.predict((points - mean) / scale), rtol=1e-12)
    assert np.ptp(P) > 0.1  # the test can see a mix-up of the axes or of the coordinates

    poly = datasets.load("polynomial")  # one raw input x, features x, x², …, x⁹
    model = MLP(poly.layer_sizes(), task="regression", init="normal", seed=1)
    (xs,), curve = grids.prediction_grid(model, poly, resolution=50)
    x_raw = np.concatenate([poly.X_train[:, 0], poly.X_test[:, 0]])
    assert xs[0] < x_raw.min() and xs[-1] > x_raw.max()
    np.testing.assert_allclose(curve, model.predict(xs[:, None] ** np.arange(1, 10)), rtol=1e-12)

    blobs = datasets.load("blobs")  # multiclass: the most probable class and its probability
    model = MLP(blobs.layer_sizes([5]), task="multiclass", init="normal", seed=2)
    (xs, ys), (classes, confidence) = grids.prediction_grid(model, blobs, resolution=12)
    probabilities = model.predict(np.array([[x, y] for y in ys for x in xs]))
    np.testing.assert_array_equal(classes.ravel(), probabilities.argmax(axis=1))
    np.testing.assert_allclose(confidence.ravel(), probabilities.max(axis=1), rtol=1e-12)


def test_surfaces_is_the_older_name_of_grids_and_least_squares():
    """``weightviz.surfaces`` was split into ``grids`` (input grids, predictions on them) and ``least_squares``
    (the line's MSE surface, gradient and fit); the old module still hands out the very same functions."""
    for name in ("input_grid", "prediction_grid", "grid_axes"):
        assert getattr(surfaces, name) is getattr(grids, name)
    for name in ("mse_surface", "mse_gradient", "least_squares_line"):
        assert getattr(surfaces, name) is getattr(least_squares, name)
