"""Figure builders: pure data in, plotly Figure out; checked through fig.data and fig.layout."""

import numpy as np
import plotly.graph_objects as go
import pytest

from weightviz import MLP, Trainer, datasets, figures, surfaces


@pytest.fixture(scope="module")
def run():
    ds = datasets.load("moons")
    model = MLP(ds.layer_sizes([8, 6]), activation="tanh", task="binary", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, lr=0.03)
    trainer.run(60)
    return ds, model, trainer


def test_loss_curves_have_batch_train_and_test(run):
    _, _, trainer = run
    fig = figures.loss_curves(trainer.history, current_step=30)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == ["mini-batch loss", "train loss", "test loss"]
    assert len(fig.data[0].x) == 60 and fig.layout.yaxis.type == "log"
    assert any(shape.x0 == 30 for shape in fig.layout.shapes)


def test_long_histories_are_thinned_before_drawing():
    ds = datasets.load("xor")
    trainer = Trainer(MLP(ds.layer_sizes([4]), task="binary"), ds.X_train, ds.y_train)
    trainer.run(3000)
    fig = figures.loss_curves(trainer.history)
    assert len(fig.data[0].x) <= 1001 and fig.data[0].x[-1] == 3000


def test_heatmap_is_symmetric_around_zero_and_says_when_pooled(rng):
    W = rng.normal(size=(5, 3))
    fig = figures.matrix_heatmap(W, "W1", row_labels=["a", "b", "c", "d", "e"])
    trace = fig.data[0]
    assert trace.zmin == -trace.zmax == -np.abs(W).max() and trace.zmid == 0
    assert trace.customdata[4][2].tolist() == ["e", "2"]
    big = figures.matrix_heatmap(rng.normal(size=(200, 70)), "W2")
    assert np.asarray(big.data[0].z).shape == (50, 35)
    assert "mean of 4×2 blocks" in big.layout.title.text


def test_histogram_now_vs_init_shares_bins(rng):
    fig = figures.histogram_now_vs_init(rng.normal(size=100), rng.normal(size=100) * 3, "h")
    init, now = fig.data
    assert list(init.x) == list(now.x) and sum(init.y) == sum(now.y) == 100


def test_distribution_bands_and_ratio_line(run):
    _, _, trainer = run
    fig = figures.distribution_over_time(trainer.history, 1, "g")
    assert len(fig.data) == 9  # 4 bands × (upper, lower) + median
    median = np.asarray(fig.data[-1].y)
    assert np.isfinite(median).all() and fig.data[-1].x[0] == 1  # gradients start at step 1
    ratios = figures.update_ratios(trainer.history)
    assert len(ratios.data) == 3 and any(s.y0 == -3 for s in ratios.layout.shapes)
    norms = figures.layer_norms(trainer.history)
    assert len(norms.data) == 6


def test_network_graph_colours_edges_by_sign_and_limits_units(run, rng):
    ds, model, _ = run
    fig = figures.network_graph(model.weights, model.biases, ds.feature_names, ds.class_names)
    edge_colors = {t.line.color for t in fig.data if t.mode == "lines"}
    assert edge_colors <= {figures.network.POSITIVE, figures.network.NEGATIVE}
    hover = next(t for t in fig.data if t.hovertext is not None and "W1[" in t.hovertext[0])
    assert len(hover.hovertext) == 2 * 8 + 8 * 6 + 6 * 1
    wide = [rng.normal(size=(64, 100)), rng.normal(size=(100, 10))]
    fig = figures.network_graph(wide, [np.zeros(100), np.zeros(10)], max_units=12)
    assert "layer 0: 12 of 64" in fig.layout.title.text and "layer 1: 12 of 100" in fig.layout.title.text


def test_data_view_picks_the_right_picture():
    for name, kind in [
        ("moons", "heatmap"),
        ("blobs", "heatmap"),
        ("plane", "heatmap"),
        ("house_prices", "scatter"),
        ("iris", "heatmap"),
        ("diabetes", "scatter"),
    ]:
        ds = datasets.load(name)
        model = MLP(ds.layer_sizes([4]), task=ds.task)
        fig = figures.data_view(model, ds)
        assert fig.data[0].type == kind, name
    iris = datasets.load("iris")
    fig = figures.data_view(MLP(iris.layer_sizes(), task="multiclass"), iris)
    assert np.asarray(fig.data[0].z).sum() == len(iris.y_test)  # confusion matrix counts the test set


def test_decision_boundary_marks_test_points_apart(run):
    ds, model, _ = run
    fig = figures.decision_boundary(model, ds)
    symbols = {t.name.split(":")[0]: t.marker.symbol for t in fig.data if t.type == "scatter"}
    assert symbols == {"train": "circle", "test": "diamond-open"}


def test_unit_images_and_linear_weights(rng):
    fig = figures.unit_images(rng.normal(size=(64, 40)), (8, 8))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (4 * 9 - 1, 8 * 9 - 1) and "first 32 of 40" in fig.layout.title.text
    lin = figures.linear_weights(np.array([[1.0], [-2.0]]), np.array([0.5]), ["area", "age"])
    assert list(lin.data[0].y) == ["area", "age"] and "bias b = 0.5" in lin.layout.title.text
    multi = figures.linear_weights(rng.normal(size=(2, 3)), np.zeros(3), ["a", "b"], ["x", "y", "z"])
    assert [t.name for t in multi.data] == ["class x", "class y", "class z"]


def test_loss_surface_with_path_point_and_arrow():
    ds = datasets.house_prices()
    x, y = ds.X_train[:, 0], ds.y_train
    ws, bs = surfaces.grid_axes((-1, 4), (-3, 4), 30)
    S = surfaces.mse_surface(x, y, ws, bs)
    path = np.array([[0.0, 0.0], [0.5, 0.3]])
    fig = figures.loss_surface(ws, bs, S, path=path, point=(1.0, 1.0), gradient=(2.0, 1.0), best=(1.5, 0.5))
    assert [t.name for t in fig.data[1:]] == ["gradient descent", "least squares", "your (w, b)"]
    arrow = fig.layout.annotations[0]
    assert arrow.x < 1.0 and arrow.y < 1.0  # points downhill, against the gradient
    line = figures.line_fit(x, y, 1.0, 0.5, best=(1.5, 0.5))
    assert len(line.data) == 4
