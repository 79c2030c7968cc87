"""Figure builders: pure data in, plotly Figure out; checked through fig.data and fig.layout."""

import numpy as np
import plotly.graph_objects as go
import pytest

from weightviz import MLP, Trainer, datasets, figures, grids, least_squares


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
    assert trace.customdata[4][2].tolist() == ["5 (e)"]  # row 5 of 5, named; columns numbered from 1
    assert list(trace.x) == [1, 2, 3] and list(trace.y) == [1, 2, 3, 4, 5]
    big = figures.matrix_heatmap(rng.normal(size=(200, 70)), "W2")
    assert np.asarray(big.data[0].z).shape == (50, 35)
    assert big.layout.title.text == "W2 — mean of 4×2 blocks"
    assert big.layout.title.subtitle.text == "200×70 shown as 50×35"
    assert big.data[0].customdata[-1][-1].tolist() == ["197–200", "69–70"]  # pooled: the ranges, from 1


def test_is_pooled_says_exactly_when_the_heatmap_is_mean_pooled(rng):
    """README: matrices over 64 per side are mean-pooled, and the page says so: ``figures.is_pooled(W)`` tells it
    when ``matrix_heatmap`` pools, for either side."""
    assert figures.MAX_HEATMAP_SIDE == figures.matrices.MAX_SIDE == 64  # MAX_SIDE: the older name
    for shape in [(64, 64), (65, 3), (3, 65), (64, 1), (200, 70)]:
        fig = figures.matrix_heatmap(rng.normal(size=shape), "W")
        drawn = np.asarray(fig.data[0].z).shape
        assert figures.is_pooled(np.empty(shape)) == (drawn != shape) == (max(shape) > 64), shape


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
    hover = next(t for t in fig.data if t.hovertext is not None and t.hovertext[0].startswith("W1: "))
    assert len(hover.hovertext) == 2 * 8 + 8 * 6 + 6 * 1
    wide = [rng.normal(size=(64, 100)), rng.normal(size=(100, 10))]
    fig = figures.network_graph(wide, [np.zeros(100), np.zeros(10)], max_units=12)
    assert fig.layout.title.subtitle.text == "showing 12 of 64 inputs, 12 of 100 in hidden 1"


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
    points = [t for t in fig.data if t.type == "scatter"]
    symbols = {}  # part -> the symbols its points carry
    for trace in points:
        symbols.setdefault(trace.meta, set()).add(trace.marker.symbol)
        assert trace.hovertemplate.startswith("%{meta}: ")  # the hover names the set
    assert symbols == {"train": {"circle"}, "test": {"diamond-open"}}
    for part in ("train", "test"):
        n = sum(len(t.x) for t in points if t.meta == part)
        assert n == len(getattr(ds, f"X_{part}"))
    assert [t.name for t in points if t.showlegend is not False] == ds.class_names  # one legend entry per class
    for k in range(len(ds.class_names)):  # hiding a class hides its train and test points together
        assert len({t.legendgroup for t in points if t.name == ds.class_names[k]}) == 1


def test_unit_images_and_linear_weights(rng):
    fig = figures.unit_images(rng.normal(size=(64, 40)), (8, 8))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (4 * 9 - 1, 8 * 9 - 1) and "first 32 of 40" in fig.layout.title.subtitle.text
    lin = figures.linear_weights(np.array([[1.0], [-2.0]]), np.array([0.5]), ["area", "age"])
    assert list(lin.data[0].y) == ["area", "age"] and "bias b = 0.5000" in lin.layout.title.text
    multi = figures.linear_weights(rng.normal(size=(2, 3)), np.zeros(3), ["a", "b"], ["x", "y", "z"])
    assert [t.name for t in multi.data] == ["class x", "class y", "class z"]


def test_loss_surface_with_path_point_and_arrow():
    ds = datasets.house_prices()
    x, y = ds.X_train[:, 0], ds.y_train
    ws, bs = grids.grid_axes((-1, 4), (-3, 4), 30)
    S = least_squares.mse_surface(x, y, ws, bs)
    path = np.array([[0.0, 0.0], [0.5, 0.3]])
    fig = figures.loss_surface(ws, bs, S, path=path, point=(1.0, 1.0), gradient=(2.0, 1.0), best=(1.5, 0.5))
    assert [t.name for t in fig.data[1:]] == ["gradient descent", "least squares", "your (w, b)"]
    arrow = fig.layout.annotations[0]
    assert arrow.x < 1.0 and arrow.y < 1.0  # points downhill, against the gradient
    line = figures.line_fit(x, y, 1.0, 0.5, best=(1.5, 0.5))
    assert len(line.data) == 4


# -- one orientation and one numbering everywhere ---------------------------------------------------
def _nodes(fig):
    """{hover name: (x, y)} of the network graph's nodes."""
    trace = fig.data[-1]
    return {text.split("<br>")[0]: (x, y) for text, x, y in zip(trace.hovertext, trace.x, trace.y, strict=True)}


def test_network_graph_puts_unit_1_on_top_like_the_heatmap_and_counts_from_1(run):
    ds, model, _ = run
    fig = figures.network_graph(model.weights, model.biases, ds.feature_names, ds.class_names)
    nodes = _nodes(fig)
    first, second = ds.feature_names  # heatmap row 1 is at the top (y reversed); so is input 1 here
    assert nodes[first][1] > nodes[second][1]
    assert nodes["hidden 1 unit 1"][1] == max(y for name, (x, y) in nodes.items() if name.startswith("hidden 1 "))
    assert "hidden 1 unit 8" in nodes and "hidden 1 unit 0" not in nodes
    assert f"output P({ds.class_names[1]})" in nodes  # the one binary output is P(second class)
    heat = figures.matrix_heatmap(model.weights[0], "W1", row_labels=ds.feature_names)
    assert heat.layout.yaxis.autorange == "reversed" and heat.data[0].y[0] == 1
    edges = next(t for t in fig.data if t.hovertext is not None and t.hovertext[0].startswith("W1: "))
    assert edges.hovertext[0].startswith(f"W1: {first} → hidden 1 unit 1<br>w = ")


def test_history_frame_counts_layers_from_1(run):
    _, model, trainer = run
    df = trainer.history.frame()
    layers = len(model.weights)
    assert {f"w_norm_{l}" for l in range(1, layers + 1)} <= set(df.columns) and "w_norm_0" not in df.columns
    assert f"update_ratio_{layers}" in df.columns and "batch_loss" in df.columns and "test_loss" in df.columns
    np.testing.assert_array_equal(df["w_norm_1"].to_numpy(), trainer.history.column("w_norm_0"))


# -- a diverging run: 1e300, inf and NaN -----------------------------------------------------------
class FakeHistory:
    """The reading side of a History, from given arrays: steps 0..n-1, one value array per column."""

    def __init__(self, n, layers=2, bins=5, **columns):
        self.n, self.bins = n, bins
        self.values = {name: np.asarray(v, dtype=float) for name, v in columns.items()}
        self.layers = layers

    @property
    def steps(self):
        return np.arange(self.n)

    scalar_steps = histogram_steps = steps  # one thinning for all logs here

    def column(self, name):
        return self.values.get(name, np.full(self.n, 0.5))

    def eval_column(self, name):
        return self.steps, self.values.get(name, np.full(self.n, 0.5))

    def layer_stat(self, stat):
        return self.steps, self.values.get(stat, np.ones((self.n, self.layers)))

    def histograms(self, which="w"):
        counts = np.ones((self.n, self.layers, self.bins), dtype=int)
        ranges = np.tile([-1.0, 1.0], (self.n, self.layers, 1))
        ranges[-1] = [-np.inf, np.inf]
        return self.steps, counts, ranges


def _finite_points(fig):
    """Every y (or x) value a figure's traces carry, as floats."""
    values = [np.asarray(t.y if t.y is not None else [], dtype=float) for t in fig.data]
    return np.concatenate(values) if values else np.empty(0)


def test_curves_draw_only_finite_values_and_say_how_many_were_left_out():
    loss = np.array([np.nan, 1.0, 10.0, 1e150, 1e300, np.inf, np.nan])
    history = FakeHistory(7, batch_loss=loss, train_loss=loss, test_metric=[0.5, 0.4, 0, -50, -1e300, -np.inf, 0])
    fig = figures.loss_curves(history)
    y = _finite_points(fig)
    assert np.isfinite(y).all() and (y > 0).all() and y.max() == 1e300
    assert fig.layout.title.subtitle.text == "4 values left out (not finite or 0)"  # batch inf, NaN; train inf, NaN
    metric = figures.metric_curves(history, "R²")
    drawn = np.asarray(metric.data[1].y, dtype=float)
    assert np.isfinite(drawn).all() and drawn.min() == -1  # R² below −1 drawn at −1; the hover keeps the value
    assert metric.data[1].customdata[4] == "-1.000e+300"
    assert "1 values left out" in metric.layout.title.subtitle.text
    assert "lowest -1.00e+300" in metric.layout.title.subtitle.text
    norms = np.array([[1.0, 1.0], [1e300, 0.0], [np.inf, 2.0], [3.0, np.nan]])
    history = FakeHistory(4, w_norm=norms, g_norm=norms, update_ratio=norms)
    for fig in (figures.layer_norms(history), figures.update_ratios(history)):
        y = _finite_points(fig)
        assert np.isfinite(y).all() and y.size
    assert figures.layer_norms(history).layout.title.subtitle.text == "6 values left out (not finite or 0)"
    assert np.asarray(figures.update_ratios(history).data[0].y, dtype=float).max() == 300  # log₁₀ 1e300
    bands = figures.distribution_over_time(history, 1, "w")
    assert np.isfinite(_finite_points(bands)).all() and "1 steps left out" in bands.layout.title.subtitle.text


def test_heatmap_of_a_huge_weight_saturates_it_instead_of_greying_everything(rng):
    W = rng.normal(size=(4, 6))
    W[1, 3], W[2, 0], W[3, 5] = 1e154, np.nan, -np.inf
    trace = figures.matrix_heatmap(W, "W1").data[0]
    z = np.asarray(trace.z, dtype=float)
    assert trace.zmax < 10 and trace.zmin == -trace.zmax  # the scale fits the ordinary weights ...
    assert z[1, 3] >= trace.zmax and z[3, 5] <= trace.zmin  # ... and the huge ones sit at its ends
    ordinary = np.abs(W[np.isfinite(W) & (np.abs(W) < 100)])
    assert np.median(ordinary) / trace.zmax > 0.1  # ordinary weights keep visible colours
    assert np.isnan(z[2, 0])
    fig = figures.matrix_heatmap(W, "W1")
    assert fig.layout.plot_bgcolor == figures.style.NAN_COLOR  # NaN cells show the background: black
    note = fig.layout.title.subtitle.text
    assert "largest 1.00e+154" in note and "1 NaN (black)" in note and "1 infinite" in note
    custom = np.asarray(trace.customdata, dtype=object)
    assert custom[1, 3, -1] == "1.000e+154" and custom[2, 0, -1] == "NaN" and custom[3, 5, -1] == "−∞"
    # a whole matrix gone huge: scientific notation in the hover; the colourbar keeps plotly's own ticks
    # (1×10¹⁵⁰, and 0 as "0": a d3 ".2~e" format printed it "0e+0")
    blown_up = figures.matrix_heatmap(rng.normal(size=(4, 6)) * 1e150, "W1").data[0]
    assert blown_up.colorbar.tickformat is None and ":.3~e}" in blown_up.hovertemplate
    assert figures.matrix_heatmap(rng.normal(size=(3, 3)), "W").data[0].colorbar.tickformat is None


def test_symmetric_range_ignores_outliers_only_when_they_dominate():
    assert figures.style.symmetric_range(np.array([0.5, -2.0, 1.0])) == (-2.0, 2.0)
    lo, hi = figures.style.symmetric_range(np.array([0.5, -2.0, 1.0, 1e154] + [0.1] * 200))
    assert hi == -lo and 0.5 <= hi <= 2.0
    assert figures.style.symmetric_range(np.array([np.nan, 0.0, np.inf])) == (-1.0, 1.0)


def test_histograms_network_and_unit_images_survive_non_finite_values(rng):
    now = np.concatenate([rng.normal(size=100), [np.inf, -np.inf, np.nan, 1.7e308, -1.7e308]])
    fig = figures.histogram_now_vs_init(now, rng.normal(size=50), "W1")
    init, current = fig.data
    assert np.isfinite(np.asarray(current.x, dtype=float)).all() and np.isfinite(current.width)
    assert sum(current.y) == 102 and sum(init.y) == 50
    assert fig.layout.title.subtitle.text == "3 non-finite values left out"
    weights = [rng.normal(size=(2, 3)), rng.normal(size=(3, 1))]
    weights[0][0, 0], weights[0][1, 1], weights[1][2, 0] = np.inf, np.nan, 1e300
    graph = figures.network_graph(weights, [np.array([0.3, np.inf, 1e200]), np.array([np.nan])])
    marker = graph.data[-1].marker
    assert np.isfinite(np.asarray(marker.color, dtype=float)).all() and marker.cmax == 0.3  # 1e200 saturates
    assert "bias 1.000e+200" in graph.data[-1].hovertext[4] and "bias NaN" in graph.data[-1].hovertext[5]
    assert any(t.line.color == figures.network.UNDEFINED for t in graph.data if t.mode == "lines")
    big = [rng.normal(size=(6, 6)), rng.normal(size=(6, 1))]
    big[1][0, 0] = 1e300  # one huge weight: the others keep their range of widths, it gets the widest
    widths = {t.line.width for t in figures.network_graph(big, [np.zeros(6), np.zeros(1)]).data if t.mode == "lines"}
    assert len(widths) >= 4
    images = figures.unit_images(np.where(np.eye(64, 4) > 0, np.inf, rng.normal(size=(64, 4))), (8, 8))
    assert np.nanmax(np.abs(np.asarray(images.data[0].z, dtype=float))) == images.data[0].zmax


# -- ticks on small heatmaps ------------------------------------------------------------------------
def test_small_heatmaps_have_whole_number_ticks_and_feature_names(rng):
    fig = figures.matrix_heatmap(rng.normal(size=(2, 3)), "W1", row_labels=["area", "age"])
    assert list(fig.layout.yaxis.tickvals) == [1, 2] and list(fig.layout.yaxis.ticktext) == ["area", "age"]
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tick0 == 1
    plain = figures.matrix_heatmap(rng.normal(size=(2, 3)), "W2")
    assert plain.layout.yaxis.dtick == 1 and plain.layout.yaxis.tick0 == 1 and plain.data[0].customdata is None
    assert "input %{y} → unit %{x}" in plain.data[0].hovertemplate
    many = figures.matrix_heatmap(rng.normal(size=(40, 3)), "W1", row_labels=[f"f{i}" for i in range(40)])
    assert many.layout.yaxis.ticktext is None and many.data[0].customdata[39][0].tolist() == ["40 (f39)"]


# -- empty charts at step 0 -------------------------------------------------------------------------
def test_charts_say_why_they_are_empty_before_the_first_step():
    ds = datasets.load("moons")
    trainer = Trainer(
        MLP(ds.layer_sizes([4]), task="binary"), ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test
    )
    history = trainer.history
    charts = [
        figures.loss_curves(history),
        figures.metric_curves(history, "accuracy"),
        figures.layer_norms(history),
        figures.update_ratios(history),
        figures.distribution_over_time(history, 0, "w"),
        figures.distribution_over_time(history, 0, "g"),
    ]
    for fig in charts:
        assert figures.style.NO_STEPS in [a.text for a in fig.layout.annotations], fig.layout.title.text
    trainer.step()
    assert figures.style.NO_STEPS not in [a.text for a in figures.loss_curves(trainer.history).layout.annotations]


# -- log axes label decades, not every digit --------------------------------------------------------
def test_log_axes_label_decades_only():
    loss = np.geomspace(3.0, 0.02, 50)  # two decades: plotly alone labels every digit in between
    history = FakeHistory(50, batch_loss=loss, w_norm=np.c_[loss, loss * 10], g_norm=np.c_[loss, loss])
    for fig in (figures.loss_curves(history), figures.layer_norms(history)):
        axis = fig.layout.yaxis
        assert axis.type == "log" and axis.dtick == 1 and axis.exponentformat == "power"
        assert axis.minor.dtick == "D1"  # the digits get unlabelled minor ticks
    wide = FakeHistory(50, batch_loss=np.geomspace(1e300, 1e-3, 50))
    assert figures.loss_curves(wide).layout.yaxis.dtick == 51  # 303 decades: about six labels
    narrow = FakeHistory(50, batch_loss=np.linspace(0.6, 0.7, 50))
    assert figures.loss_curves(narrow).layout.yaxis.dtick is None  # under a decade plotly labels full values
    ratios = figures.update_ratios(FakeHistory(50, update_ratio=np.c_[loss, loss] * 1e-3))
    assert ratios.layout.yaxis.dtick == 1  # exponents: whole numbers only


# -- legends ----------------------------------------------------------------------------------------
def test_legends_sit_in_rows_above_the_plot_that_the_figure_makes_room_for(run):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = np.arange(400) % 10
    names = [f"class number {k}" for k in range(10)]
    ds = datasets.Dataset("ten", "multiclass", X[:300], y[:300], X[300:], y[300:], ["a", "b"], class_names=names)
    boundary = figures.decision_boundary(MLP(ds.layer_sizes([4]), task="multiclass"), ds)
    entries = [t for t in boundary.data if t.type == "scatter" and t.showlegend is not False]
    assert len(entries) == 10  # one per class: train and test of a class share it
    _, _, trainer = run
    figs = [boundary, figures.loss_curves(trainer.history), figures.layer_norms(trainer.history)]
    for fig in figs:
        rows = figures.style.legend_rows(fig)
        assert fig.layout.legend.orientation == "h" and fig.layout.legend.y > 1  # above the plot, horizontal
        assert fig.layout.margin.t >= 32 + figures.style.LEGEND_ROW * rows  # title, then the legend's rows
        assert fig.layout.height - fig.layout.margin.t - fig.layout.margin.b >= 230  # the plot keeps its height
    assert figures.style.legend_rows(boundary) >= 4


# -- large data -------------------------------------------------------------------------------------
def _big_dataset(n_features, task="regression", n=100_000):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_features))
    y = X @ np.arange(1, n_features + 1) if task == "regression" else (X[:, 0] > 0).astype(int)
    split = int(0.792 * n)  # 79,200 train rows, 20,800 test rows
    names = [f"x{i + 1}" for i in range(n_features)]
    classes = ["no", "yes"] if task == "binary" else None
    return datasets.Dataset("big", task, X[:split], y[:split], X[split:], y[split:], names, class_names=classes)


class CountingModel:
    """A model that remembers how many rows it was asked to predict."""

    def __init__(self, model):
        self.model, self.rows = model, []
        self.task_name = model.task_name

    def predict(self, X):
        self.rows.append(len(X))
        return self.model.predict(X)


def test_scatter_figures_draw_a_few_thousand_points_of_a_huge_dataset():
    ds = _big_dataset(3)
    model = CountingModel(MLP(ds.layer_sizes([4]), task="regression", seed=0))
    fig = figures.predicted_vs_actual(model, ds)
    assert len(fig.to_json(engine="json")) < 300_000  # one encoder on every machine (orjson's output is shorter)
    assert [len(t.x) for t in fig.data[:2]] == [2000, 2000] and max(model.rows) == 2000  # predicts drawn rows only
    assert fig.layout.title.subtitle.text == "train: 2,000 of 79,200 shown<br>test: 2,000 of 20,800 shown"
    for ds, build in (
        (_big_dataset(2, "binary"), figures.decision_boundary),
        (_big_dataset(2), figures.decision_boundary),
        (_big_dataset(1), figures.fitted_curve),
    ):
        fig = build(MLP(ds.layer_sizes([4]), task=ds.task, seed=0), ds)
        points = sum(len(t.x) for t in fig.data if t.type == "scatter" and t.mode == "markers")
        assert points == 4000 and len(fig.to_json(engine="json")) < 300_000, build.__name__
        assert "train: 2,000 of 79,200 shown" in fig.layout.title.subtitle.text
    small = datasets.load("moons")
    fig = figures.decision_boundary(MLP(small.layer_sizes([4]), task="binary"), small)
    assert fig.layout.title.subtitle.text is None  # everything drawn: nothing to say


def _strings(obj):
    """Every string in a figure's decoded JSON (titles, ticks, legend names, hover templates, text)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _strings(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _strings(value)
    elif isinstance(obj, np.ndarray) and obj.dtype == object:
        yield from _strings(obj.tolist())


HOSTILE = ["<b>bold</b>", "<a href='https://example.com'>link</a>", "a & b %{fake}"]


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_user_names_show_as_written_in_every_figure(task):
    """Plotly renders <b>, <a href>, <br> and entities in any text: a CSV column or class name must not."""
    rng = np.random.default_rng(0)
    n_classes = {"binary": 2, "multiclass": 3, "regression": 0}[task]
    rows = [f"{rng.normal():.3f},{rng.normal():.3f},{['x', 'y', 'z'][i % max(n_classes, 1)]}" for i in range(60)]
    if task == "regression":
        rows = [r.rsplit(",", 1)[0] + f",{rng.normal():.3f}" for r in rows]
    header = ",".join(f'"{h}"' for h in (HOSTILE[0], HOSTILE[1], HOSTILE[2]))
    ds = datasets.from_csv(("\n".join([header, *rows]) + "\n").encode())
    if task != "regression":  # class names are hostile too
        ds.class_names = HOSTILE[: len(ds.class_names)]
    model = MLP(ds.layer_sizes((4,)), task=ds.task, seed=0)
    linear = MLP(ds.layer_sizes(), task=ds.task, seed=0)
    figs = [
        figures.data_view(model, ds),
        figures.network_graph(model.weights, model.biases, ds.feature_names, ds.class_names),
        figures.matrix_heatmap(model.weights[0], "W1", row_labels=ds.feature_names),
        figures.linear_weights(linear.weights[0], linear.biases[0], ds.feature_names, ds.class_names),
    ]
    for fig in figs:
        texts = list(_strings(fig.to_plotly_json()))
        assert not any("<b>bold" in t or "<a href" in t or "%{fake}" in t or "a & b" in t for t in texts)
    every = [t for fig in figs for t in _strings(fig.to_plotly_json())]
    assert any("&lt;b&gt;bold&lt;/b&gt;" in t for t in every)  # shown, as written


# -- README claims about what the pictures show ------------------------------------------------------
def test_network_edges_are_coloured_by_sign_sized_by_magnitude_and_nodes_coloured_by_bias():
    """README: 'edge colour = sign, width = |w|, node colour = bias'. Every edge i → j is found by its end points
    (layer l at x = l, unit 1 on top) and must carry the colour of its weight's sign and a width that never
    shrinks as |w| grows."""
    W1 = np.array([[0.9, -0.1, 0.5], [-0.7, 0.3, -0.05]])
    W2 = np.array([[-1.0], [0.2], [0.6]])
    b1, b2 = np.array([0.4, -0.8, 0.0]), np.array([0.25])
    fig = figures.network_graph([W1, W2], [b1, b2])
    edges = {}  # ((x0, y0), (x1, y1)) -> (colour, width)
    for trace in (t for t in fig.data if t.mode == "lines"):
        xs, ys = list(trace.x), list(trace.y)
        for k in range(0, len(xs), 3):
            edges[(xs[k], ys[k]), (xs[k + 1], ys[k + 1])] = (trace.line.color, trace.line.width)

    def height(i, n):
        return 0.5 if n == 1 else 1 - i / (n - 1)

    seen = []
    for l, W in enumerate([W1, W2]):
        m, n = W.shape
        for i in range(m):
            for j in range(n):
                colour, width = edges[(l, height(i, m)), (l + 1, height(j, n))]
                assert colour == (figures.network.POSITIVE if W[i, j] > 0 else figures.network.NEGATIVE)
                seen.append((abs(W[i, j]), width))
    assert len(seen) == len(edges) == 9
    widths = [width for _, width in sorted(seen)]  # by |w|
    assert widths == sorted(widths) and widths[0] < widths[-1]
    nodes = fig.data[-1]
    assert list(nodes.marker.color) == [0.0, 0.0, 0.4, -0.8, 0.0, 0.25]  # inputs have no bias: 0 (white)
    assert nodes.marker.cmin == -nodes.marker.cmax == -0.8  # a diverging scale centred on zero


def test_home_figures_draw_each_houses_error_and_a_log_scaled_loss_surface(rng):
    """README (Home): the data plot shows your line, each house's error and the least-squares line; the loss
    surface is the log-scaled MSE over (w, b)."""
    x, y = rng.uniform(0.6, 3.5, 12), rng.normal(size=12)
    w, b = 0.8, -0.3
    fig = figures.line_fit(x, y, w, b, best=(1.5, 0.5))
    errors, houses, line, least = fig.data
    segments = np.asarray(errors.y, dtype=float).reshape(12, 3)  # (y, w·x + b, gap) per house
    np.testing.assert_allclose(np.asarray(errors.x, dtype=float).reshape(12, 3)[:, :2], np.c_[x, x])
    np.testing.assert_allclose(segments[:, :2], np.c_[y, w * x + b], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(line.y), w * np.asarray(line.x) + b, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(least.y), 1.5 * np.asarray(least.x) + 0.5, rtol=1e-12)
    assert list(houses.x) == list(x) and list(houses.y) == list(y)
    ws, bs = grids.grid_axes((-1, 4), (-3, 4), 20)
    S = least_squares.mse_surface(x, y, ws, bs)
    contour = figures.loss_surface(ws, bs, S).data[0]
    np.testing.assert_allclose(np.asarray(contour.z), np.log10(S), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(contour.customdata), S)  # the hover keeps the MSE itself


@pytest.mark.parametrize(
    "name,title,first",
    [
        ("house_prices", "The fitted curve", ("scatter", None)),
        ("polynomial", "The fitted curve", ("scatter", None)),
        ("plane", "What the model predicts", ("heatmap", "ŷ")),  # the regression surface
        ("moons", "What the model predicts", ("heatmap", "P(y=1)")),  # the decision boundary
        ("blobs", "What the model predicts", ("heatmap", None)),  # the predicted class
        ("diabetes", "Predicted vs actual", ("scatter", None)),
        ("iris", "Test confusion matrix", ("heatmap", None)),
    ],
)
def test_data_view_shows_the_picture_the_readme_names(name, title, first):
    """README: a decision boundary, fitted curve or regression surface for one or two inputs, else a confusion
    matrix (classes) or predicted-vs-actual (regression) for many inputs."""
    ds = datasets.load(name)
    fig = figures.data_view(MLP(ds.layer_sizes([4]), task=ds.task, seed=0), ds)
    assert fig.layout.title.text.startswith(title)
    trace = fig.data[0]
    colorbar = trace.colorbar.title.text if trace.type == "heatmap" and trace.showscale is not False else None
    assert (trace.type, colorbar) == first


# -- the narrowest chart: half the main column of a 1024 px window with the sidebar open (274 px) ----
# Measured in Chromium on the Train page: each chart is 274 px wide there, its plot area about 196 px
# (y axis ticks and title on the left). Text widths come from style.text_width, calibrated on the
# dashboard's font in the same browser.
PLOT_AT_1024 = 196


def _diverged_history():
    """Three layers whose norms and update ratios went to 1e300, inf and NaN (a subtitle on every curve chart)."""
    norms = np.array([[1.0, 1.0, 1.0], [1e300, 0.0, 2.0], [np.inf, 2.0, 3.0], [3.0, np.nan, 4.0]])
    loss = np.array([np.nan, 1.0, 1e300, np.inf])
    return FakeHistory(
        4,
        layers=3,
        batch_loss=loss,
        train_loss=loss,
        test_metric=[0.5, -5, -1e300, 0.1],
        **{"w_norm": norms, "g_norm": norms, "update_ratio": norms},
    )


def _title_lines(fig):
    main = fig.layout.title.text or ""
    sub = fig.layout.title.subtitle.text
    return main, (sub.split("<br>") if sub else [])


def test_the_legend_has_its_rows_between_the_subtitle_and_the_plot_at_1024_px():
    """A diverged run's notes ("8 values left out…") were drawn over the legend of the norms and update-ratio
    charts: the legend wrapped into more rows at 1024 px than the figure made room for."""
    history = _diverged_history()
    per_layer = [figures.layer_norms(history), figures.update_ratios(history)]
    for fig in [*per_layer, figures.loss_curves(history), figures.metric_curves(history, "R²")]:
        main, notes = _title_lines(fig)
        assert notes, main  # the diverged run's note is there
        rows = figures.style.legend_rows(fig, width=PLOT_AT_1024)  # rows as plotly wraps them at 1024 px
        above_legend = 32 + figures.style.SUBTITLE_LINE * len(notes)  # title, then the subtitle's lines
        assert fig.layout.margin.t >= above_legend + figures.style.LEGEND_ROW * rows + 12, main
    for fig in per_layer:  # one entry per layer under the title "layer": a single row
        assert figures.style.legend_rows(fig, width=PLOT_AT_1024) == 1, fig.layout.title.text


def test_norms_keep_one_legend_entry_per_layer_and_say_which_line_is_which(run):
    _, _, trainer = run
    fig = figures.layer_norms(trainer.history)
    shown = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in shown] == ["1", "2", "3"] and fig.layout.legend.title.text == "layer"
    assert fig.layout.legend.title.side == "left"  # beside the entries, not a row above them
    assert len({t.legendgroup for t in fig.data}) == 3  # each entry shows or hides the layer's two lines
    assert "‖∇W2‖" in next(t.hovertemplate for t in fig.data if t.line.dash == "dot" and t.legendgroup == "1")
    assert "solid" in fig.layout.title.text and "dotted" in fig.layout.title.text


def test_heatmap_column_numbers_stand_apart_in_the_narrowest_chart(rng):
    """House prices' W1 (1 × 8, its row named "area (1000 sq ft)") left ~70 px for 8 columns at 1024 px:
    the numbers 1–8 ran together as "12345678"."""
    names = ["area (1000 sq ft)"]
    narrow = figures.matrix_heatmap(rng.normal(size=(1, 8)), "W1", row_labels=names)
    assert narrow.layout.xaxis.dtick >= 2 and narrow.layout.xaxis.tick0 == 1
    wide = figures.matrix_heatmap(rng.normal(size=(1, 8)), "W1", row_labels=names, width=460)
    assert wide.layout.xaxis.dtick == 1  # a wider chart labels every column
    short_names = figures.matrix_heatmap(rng.normal(size=(2, 8)), "W1", row_labels=["x1", "x2"])
    assert short_names.layout.xaxis.dtick == 1  # moons: room for every number
    long_name = figures.matrix_heatmap(rng.normal(size=(2, 3)), "W1", row_labels=["a" * 40, "b"])
    assert long_name.layout.yaxis.ticktext[0] == "a" * 17 + "…"  # shortened on the axis ...
    assert long_name.data[0].customdata[0][0].tolist() == ["1 (" + "a" * 40 + ")"]  # ... whole in the hover


def _header_boxes(fig, width=figures.style.CHART_WIDTH):
    """(left, right) in pixels of each layer header of the network graph in a chart ``width`` px wide."""
    plot = width - fig.layout.margin.l - fig.layout.margin.r
    if fig.data[-1].marker.colorbar.orientation != "h":  # a colourbar on the right takes ~60 px
        plot -= 60
    lo, hi = fig.layout.xaxis.range
    boxes = []
    for a in fig.layout.annotations:
        centre = (a.x - lo) / (hi - lo) * plot
        half = max(figures.style.text_width(line) for line in a.text.split("<br>")) / 2
        boxes.append((centre - half, centre + half))
    return boxes


@pytest.mark.parametrize("hidden", [[8, 8], [8, 8, 8, 8], [16, 16, 16, 16, 16, 16, 16, 16]])
def test_network_layer_headers_stand_apart_in_the_narrowest_chart(rng, hidden):
    """At 1024 px the headers read "hidden 1 (8)hidden 2 (8)"."""
    sizes = [2, *hidden, 1]
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:], strict=False)]
    fig = figures.network_graph(weights, [np.zeros(b) for b in sizes[1:]])
    boxes = _header_boxes(fig)
    assert all(right + 4 <= left for (_, right), (left, _) in zip(boxes, boxes[1:], strict=False)), boxes
    assert fig.data[-1].marker.colorbar.orientation == "h"  # the bias scale lies below: the graph keeps the width
    texts = [a.text for a in fig.layout.annotations]
    assert texts[0].endswith("<br>(2)") and texts[-1].endswith("<br>(1)")  # each layer's size under its name
    if len(hidden) == 2:
        assert texts[1] == "hidden 1<br>(8)"  # full names where they fit


def _train_page_figures(rng):
    """Every figure the Train page draws in its two columns, healthy and diverged, with the longest titles
    it builds (step 100,000, a pooled matrix)."""
    ds = datasets.load("moons")
    model = MLP(ds.layer_sizes([8, 8]), task="binary", seed=0)
    history, diverged = FakeHistory(50), _diverged_history()
    huge = rng.normal(size=(1, 8)) * 1e4
    huge[0, 3] = 4.82e6
    figs = [
        figures.network_graph(model.weights, model.biases, ds.feature_names, ds.class_names),
        figures.network_graph(
            [rng.normal(size=(64, 100)), rng.normal(size=(100, 100)), rng.normal(size=(100, 10))],
            [np.zeros(100), np.zeros(100), np.zeros(10)],
        ),
        figures.matrix_heatmap(huge, "W1 at step 100,000", row_labels=["area (1000 sq ft)"]),
        figures.matrix_heatmap(rng.normal(size=(200, 130)), "∂L/∂W2 at step 100,000"),
        figures.histogram_now_vs_init(huge, rng.normal(size=8), "∂L/∂W2: now vs step 100,000", "step 100,000"),
        figures.histogram_now_vs_init(huge, rng.normal(size=8), "W2: now vs at initialisation", "step 100,000"),
    ]
    for h in (history, diverged):
        figs += [
            figures.loss_curves(h),
            figures.metric_curves(h, "accuracy"),
            figures.metric_curves(h, "R²"),
            figures.layer_norms(h),
            figures.update_ratios(h),
            figures.distribution_over_time(h, 1, "w"),
            figures.distribution_over_time(h, 1, "g"),
        ]
    for name in ("moons", "house_prices", "plane", "blobs", "iris", "diabetes"):
        data = datasets.load(name)
        figs.append(figures.data_view(MLP(data.layer_sizes([4]), task=data.task, seed=0), data))
    return figs


def test_every_title_and_subtitle_line_fits_the_narrowest_chart(rng):
    """Plotly never wraps a title: "Layer 1 weights over time (percentile bands" was cut at 1024 px."""
    room = figures.style.TITLE_ROOM
    for fig in _train_page_figures(rng):
        main, notes = _title_lines(fig)
        assert len(main) <= 40 and figures.style.text_width(main, 14, bold=True) <= room, main
        for line in notes:
            assert len(line) <= 55 and figures.style.text_width(line) <= room, line


def test_the_decision_boundary_is_a_square_with_its_colour_scale_below():
    """At 1024 px the moons plot was about 125 × 70 px: the colourbar, the legend and margins took the rest."""
    ds = datasets.load("moons")
    fig = figures.decision_boundary(MLP(ds.layer_sizes([4]), task="binary", seed=0), ds)
    heat = fig.data[0]
    assert heat.colorbar.orientation == "h" and heat.colorbar.y < 0  # under the plot, not beside it
    x, y = fig.layout.xaxis.range, fig.layout.yaxis.range
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == pytest.approx((x[1] - x[0]) / (y[1] - y[0]))  # as tall as wide
    height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    width = figures.style.CHART_WIDTH - fig.layout.margin.l - fig.layout.margin.r - 60  # the y axis' ticks, title
    assert min(height, width) >= 180  # the square at 1024 px
    assert height >= 220  # and a little more where the chart is wider
    assert figures.style.legend_rows(fig, width=PLOT_AT_1024) == 1  # "● 0 ● 1" in one row


def _ticks_and_colourbars(fig):
    """Every axis and colourbar of a figure, as plotly JSON dicts."""
    spec = fig.to_plotly_json()
    axes = [v for k, v in spec["layout"].items() if k.startswith(("xaxis", "yaxis"))]
    for trace in spec["data"]:
        for holder in (trace, trace.get("marker", {})):
            if "colorbar" in holder:
                axes.append(holder["colorbar"])
    return axes


def test_a_diverged_run_reads_short_numbers_and_a_zero_tick_reads_0(rng):
    """The W1 note read "colours saturate at ±10111.909" and ticks read "0e+0", "5e+3": a d3 ".2~e" format
    prints zero that way. Plotly's own ticks read 0, 5k, 2M, 1×10¹⁵⁴; a short colourbar gets −v, 0, v."""
    huge = np.array([[10111.909, -9000.0, 500.0, 4.82e6, 1.0, 2.0, 3.0, -4.0]])  # 4.82e6 saturates the scale
    fig = figures.matrix_heatmap(huge, "W1", row_labels=["area (1000 sq ft)"])
    note = fig.layout.title.subtitle.text
    assert "±10112" in note and "largest 4.82e+06" in note and "10111.9" not in note
    assert list(fig.data[0].colorbar.tickvals) == [-10000.0, 0.0, 10000.0]  # three labels on a 64 px bar
    tiny = figures.matrix_heatmap(rng.normal(size=(12, 12)) * 1e-6, "∂L/∂W1").data[0].colorbar
    assert tiny.exponentformat == "power" and tiny.tickvals is None  # 2×10⁻⁶, not 2μ; plotly's own steps
    ds = datasets.load("moons")
    model = MLP(ds.layer_sizes([4]), task="binary", seed=0)
    model.weights[0] *= 1e150
    figs = [
        fig,
        figures.histogram_now_vs_init(np.r_[np.zeros(20), 4.8e6], np.zeros(21), "W1"),
        figures.histogram_now_vs_init(rng.normal(size=50) * 1e150, rng.normal(size=50), "W1"),
        figures.network_graph(model.weights, [b + 1e150 for b in model.biases]),
        figures.linear_weights(np.array([[1e200], [-3.0]]), np.array([0.0]), ["a", "b"]),
        *_train_page_figures(rng),
    ]
    for f in figs:
        for axis in _ticks_and_colourbars(f):
            assert "e" not in axis.get("tickformat", ""), (f.layout.title.text, axis)


def test_a_heatmap_without_hover_sends_no_per_cell_hover_data(rng):
    """While playing the charts are static pictures: the digits W1 heatmap's hover text was 140 kB a frame."""
    W = rng.normal(size=(64, 128))
    with_hover = figures.matrix_heatmap(W, "W1", row_labels=[f"pixel {i}" for i in range(64)])
    without = figures.matrix_heatmap(W, "W1", row_labels=[f"pixel {i}" for i in range(64)], hover=False)
    assert with_hover.data[0].customdata is not None and without.data[0].customdata is None
    assert without.data[0].hoverinfo == "skip"
    np.testing.assert_array_equal(with_hover.data[0].z, without.data[0].z)  # the picture is the same
    assert len(without.to_json(engine="json")) < len(with_hover.to_json(engine="json")) / 3


def _without_template(fig):
    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)
    return spec


def test_a_draft_builds_the_figure_go_figure_would():
    """The builders draft figures as dicts (ui speed, issue 8): every method they use writes what
    ``go.Figure``'s method of the same name writes, magic underscores and underscored names included."""
    from weightviz.figures.draft import Draft, heatmap, scatter

    steps = np.arange(5)
    drafted, built = Draft(), go.Figure()
    for fig, Scatter in ((drafted, scatter), (built, go.Scatter)):
        fig.add_trace(Scatter(x=steps, y=steps**2, mode="lines", name="loss", line={"color": "#123456", "width": 1}))
        fig.update_layout(plot_bgcolor="#000000", legend_title={"text": "layer", "side": "left"}, xaxis_title="step")
        fig.update_layout(legend={"orientation": "h"}, margin={"l": 10})
        fig.update_xaxes(range=[0, 4], title_font_size=9)
        fig.update_yaxes(type="log", exponentformat="power", minor={"dtick": "D1"})
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", text="note", showarrow=False)
        fig.add_vline(x=3, line={"color": "rgba(0,0,0,0.35)", "width": 1})
    assert _without_template(drafted.figure()) == _without_template(built)
    shaped = Draft().add_hline(y=-3, line={"dash": "dash"}, annotation_text="1e-3").figure()
    line = go.Figure().add_hline(y=-3, line={"dash": "dash"}).layout.shapes[0]
    assert shaped.layout.shapes[0] == line and shaped.layout.annotations[0].text == "1e-3"
    # a nested property given twice in one call, a title after None or as text first, free-form meta
    for props in (
        {"x": [1], "y": [2], "marker_line_width": 2, "marker": {"size": 3}},
        {"x": [1], "y": [2], "meta": {"a_b": 1}},
    ):
        one = _without_template(Draft(scatter(**props)).figure())
        assert one == _without_template(go.Figure(go.Scatter(**props))), props
    for calls in (
        [{"xaxis_title": "x", "xaxis": {"range": [0, 1]}}],
        [{"title": None, "title_x": 0.5}],
        [{"title": "a"}, {"title_font_size": 9}],
    ):
        drafted, built = Draft(), go.Figure()
        for call in calls:
            drafted.update_layout(**call)
            built.update_layout(**call)
        assert _without_template(drafted.figure()) == _without_template(built), calls
    # a trace of the wrong kind of value is refused when the figure is made, as go.Figure would
    with pytest.raises(ValueError):
        Draft(heatmap(z=[[1]], colorscale="not a scale")).figure()


def test_spec_json_is_the_figure_without_plotlys_default_template(run):
    import base64
    import json

    from weightviz.figures.draft import spec_json

    fig = figures.loss_curves(run[2].history)
    spec = json.loads(spec_json(fig))
    assert "template" not in spec["layout"] and len(spec_json(fig)) < 0.6 * len(fig.to_json())
    assert spec["layout"]["title"]["text"] == fig.layout.title.text
    assert [t["name"] for t in spec["data"]] == [t.name for t in fig.data]
    y = spec["data"][0]["y"]  # numbers travel as Plotly.js typed arrays: base64 of their bytes
    y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]) if isinstance(y, dict) else np.array(y)
    np.testing.assert_allclose(y, fig.data[0].y)


def test_curves_mark_a_few_measurements_and_draw_many_as_lines():
    """Hundreds of markers along a line add nothing but SVG elements to restyle every Play frame."""
    ds = datasets.load("moons")
    trainer = Trainer(
        MLP(ds.layer_sizes([4]), task="binary", seed=0), ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test
    )
    modes = []
    for _ in range(2):
        for _ in range(40):
            trainer.run(2)
            trainer.evaluate()
        fig = figures.loss_curves(trainer.history)
        modes.append({t.name: t.mode for t in fig.data})
        assert figures.metric_curves(trainer.history, "accuracy").data[0].mode == modes[-1]["train loss"]
    assert modes[0]["train loss"] == modes[0]["test loss"] == "lines+markers"  # 41 measurements
    assert modes[1]["train loss"] == modes[1]["test loss"] == "lines"  # 81


def test_comparison_figures_draw_one_line_per_run_and_each_layers_distribution(run):
    ds, _, trainer = run
    profile = figures.layer_profile(
        {"a": [1.0, 0.1, 0.0], "b": [1.0, 1.0, 1.0]}, "t", "std", log=True, predicted={"a": [1, 1, 1]}
    )
    lines = [t for t in profile.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["a", "b"] and list(lines[0].y) == [1.0, 0.1]  # 0 left out of a log axis
    assert profile.layout.yaxis.type == "log" and profile.data[1].line.dash == "dash"
    rng = np.random.default_rng(0)
    layers = [rng.standard_normal(500), 1e-6 * rng.standard_normal(500), np.tanh(5 * rng.standard_normal(500))]
    heat = figures.layer_distributions(layers, "activations").data[0]
    shares = 10 ** np.nan_to_num(np.asarray(heat.z, dtype=float), nan=-np.inf)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-5)  # each row: all of the layer's values
    middle = len(heat.x) // 2
    assert shares[1, middle] == pytest.approx(1.0)  # the vanished layer: all at 0
    top = max(np.abs(a).max() for a in layers)
    counted = np.histogram(layers[2], np.linspace(-top, top, len(heat.x) + 1))[0] / 500
    np.testing.assert_allclose(shares[2], counted, rtol=1e-5)  # as np.histogram counts
    ruled = figures.layer_profile({"a": [1e-2, 1e-4]}, "t", "r", log=True, reference=(1e-3, "1e-3"))
    assert ruled.layout.shapes[0].y0 == 1e-3 and ruled.layout.annotations[0].text == "1e-3"
    overlay = figures.loss_overlay({"one": trainer.history, "two": trainer.history})
    assert [t.name for t in overlay.data] == ["one", "two"] and overlay.layout.yaxis.type == "log"


def test_activation_shape_shades_where_a_unit_passes_no_gradient():
    def shaded(name):
        return [(s.x0, s.x1) for s in figures.activation_shape(name).layout.shapes]

    edge = np.arctanh(0.97)  # |tanh z| > 0.97 beyond z ≈ ±2.09
    [(a0, a1), (b0, b1)] = shaded("tanh")
    assert (a0, b1) == (-4, 4) and a1 == pytest.approx(-edge, abs=0.02) and b0 == pytest.approx(edge, abs=0.02)
    [(_, s1), (s0, _)] = shaded("sigmoid")  # σ(z) > 0.97 beyond z = ln(0.97 / 0.03) ≈ 3.48
    assert s1 == pytest.approx(-np.log(0.97 / 0.03), abs=0.02) and s0 == pytest.approx(np.log(0.97 / 0.03), abs=0.02)
    assert shaded("relu") == [(-4, 0.0)] and shaded("gelu") == []
    fig = figures.activation_shape("tanh")
    z, a, slope = fig.data[0].x, fig.data[0].y, fig.data[1].y
    np.testing.assert_allclose(a, np.tanh(z)) and np.testing.assert_allclose(slope, 1 - np.tanh(z) ** 2)


def test_regularization_figures_count_exact_zeros_shade_the_gap_and_mark_the_best_lambda():
    from weightviz import paths

    W = [np.array([[0.0, 0.5], [0.0, -1.0]]), np.array([[0.0], [2.0]])]
    hist = figures.weights_and_zeros(W, "B")
    assert hist.data[1].name == "exactly 0" and list(hist.data[1].y) == [3]
    assert sum(hist.data[0].y) == 3 and "3 of 6 exactly 0 (50%)" in hist.layout.title.subtitle.text
    ds = datasets.load("sparse_linear")
    model = MLP(ds.layer_sizes(), task=ds.task, seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, l1=1.0)
    trainer.run(50)
    gap = figures.generalisation_gap(trainer.history)
    assert gap.data[1].fill == "tonexty" and gap.data[1].name == "test" and gap.data[0].name == "train"
    steps, train = trainer.history.eval_column("train_loss")
    test = trainer.history.eval_column("test_loss")[1]
    assert f"{test[-1] - train[-1]:+.3g}" in gap.layout.title.subtitle.text
    bars = figures.coefficients({"L1": model.weights[0][:, 0]}, ds.feature_names, ds.true_weights)
    zero = model.weights[0][:, 0] == 0
    assert zero.any() and [t == "0" for t in bars.data[0].text] == list(zero)
    assert bars.data[1].name == "true weight" and list(bars.data[0].x) == ds.feature_names
    path = paths.path(ds.X_train, ds.y_train, ds.task, "l1", X_test=ds.X_test, y_test=ds.y_test)
    drawn = figures.coefficient_path(path)
    best = [t for t in drawn.data if t.name.startswith("best λ")][0]
    assert best.x[0] == path.lambdas[path.best] and drawn.layout.xaxis.autorange == "reversed"
    assert len(drawn.data) == 21 and all(t.showlegend is False for t in drawn.data[:20])  # 20 features: hover only
    losses = figures.path_losses({"L1": path})
    star = losses.data[2]
    assert star.x[0] == path.lambdas[path.best] and star.y[0] == path.test_loss.min()
    pull = figures.penalty_pull({"L1": (1.0, 0.0), "L2": (0.0, 0.5)})
    w, l1_pull, l2_pull = np.asarray(pull.data[0].x), np.asarray(pull.data[0].y), np.asarray(pull.data[1].y)
    assert np.all(l1_pull[w > 0] == -1.0) and np.all(l1_pull[w < 0] == 1.0)  # the same force however small w is
    np.testing.assert_allclose(l2_pull, -0.5 * w)  # fading with w
    shrink = figures.adam_shrinkage({"adam": ([0.1, 1.0], [0.01, 0.001])}, {"adamw": 0.003})
    assert list(shrink.data[1].y) == [0.003, 0.003] and list(shrink.data[1].x) == [0.1, 1.0]
    assert figures.adam_shrinkage({}, {}).layout.annotations[0].text.startswith("No run uses")


def test_attribution_figures_rank_features_build_the_output_and_colour_by_value():
    phi = np.array([[1.0, -3.0, 0.5], [-1.0, 2.0, 0.1], [2.0, -1.0, 0.0]])
    X = np.array([[0.0, 5.0, 1.0], [1.0, 6.0, 2.0], [2.0, 7.0, 3.0]])
    names = ["a", "b", "c"]
    bars = figures.importance(phi, names, top=2)
    assert list(bars.data[0].y) == ["a", "b"] and list(bars.data[0].x) == [pytest.approx(4 / 3), 2.0]  # b on top
    assert "1 more features" in bars.layout.title.subtitle.text
    swarm = figures.beeswarm(phi, X, names)
    assert list(swarm.layout.yaxis.ticktext) == ["c", "a", "b"]  # the largest mean |φ| on top
    dots = swarm.data[0]
    assert sorted(np.round(dots.x, 12)) == sorted(phi.ravel())
    assert min(dots.marker.color) == 0 and max(dots.marker.color) == 1  # each feature's own low and high
    fall = figures.waterfall(phi[0], 0.25, X[0], names, top=2)
    steps = list(fall.data[0].x)
    assert steps[0] == 0.25 and steps[1:3] == [-3.0, 1.0] and steps[3] == 0.5  # largest |φ| first, the rest summed
    assert steps[-1] == pytest.approx(0.25 + phi[0].sum()) and "1 other features" in fall.data[0].y
    dep = figures.dependence(phi[:, 1], X[:, 1], "b", colour=X[:, 0], colour_name="a")
    assert list(dep.data[0].x) == [5.0, 6.0, 7.0] and list(dep.data[0].y) == [-3.0, 2.0, -1.0]
    both = figures.weights_and_attributions([2.0, -1.0, 0.5], phi, names)
    assert list(both.data[0].y) == [2.0, 1.0, 0.5] and list(both.data[1].y) == list(np.abs(phi).mean(axis=0))
    maps = figures.attribution_images(np.arange(8.0).reshape(2, 4), np.ones((2, 4)), (2, 2), ["one", "two"])
    assert len(maps.data) == 4 and [a.text for a in maps.layout.annotations] == ["one", "two"]


def test_attribution_colours_follow_the_values_and_methods_compare_sizes():
    phi = np.array([[0.5, 1.0], [0.1, -1.0], [-0.2, 0.3], [0.0, 0.2]])
    X = np.array([[3.0, 10.0], [1.0, 30.0], [2.0, 20.0], [0.0, 40.0]])
    dots = figures.beeswarm(phi, X, ["a", "b"]).data[0]
    colours = np.asarray(dots.marker.color)
    for j, block in ((0, slice(0, 4)), (1, slice(4, 8))):  # drawn from the least important feature (a) up
        order = np.argsort(X[:, j])
        assert np.all(np.diff(colours[block][order]) >= 0)  # a higher value, a redder dot
    assert (
        dots.marker.colorscale[0][1] == figures.attributions.LOW
        and dots.marker.colorscale[-1][1] == figures.attributions.HIGH
    )
    dep = figures.dependence(phi[:, 0], X[:, 0], "a", colour=X[:, 1], colour_name="b")
    assert list(dep.data[0].marker.color) == list(X[:, 1]) and dep.data[0].marker.colorbar.title.text == "b"
    scale = dep.data[0].marker.colorscale
    assert scale[0][1] == figures.attributions.LOW and scale[-1][1] == figures.attributions.HIGH  # low blue
    for k in range(1, 6):  # one to five pairs on lines of two: every domain inside [0, 1]
        grid = figures.attribution_images(np.ones((k, 64)), np.ones((k, 64)), (8, 8), [str(i) for i in range(k)])
        assert len(grid.data) == 2 * k and len(grid.layout.annotations) == k
    maps = figures.attribution_images(phi[:2], np.ones((2, 2)), (1, 2), ["one", "two"])
    assert maps.data[0].hovertemplate.startswith("image") and maps.data[1].hovertemplate.startswith("φ")
    np.testing.assert_array_equal(np.asarray(maps.data[1].z), phi[0].reshape(1, 2)[::-1])  # each row's own φ
    assert maps.data[1].reversescale is True  # RdBu reversed: positive φ red, negative blue
    compared = figures.methods_compared({"Shapley": phi, "IG": -phi}, ["a", "b"])
    np.testing.assert_allclose(compared.data[1].x, compared.data[0].x)  # mean |·|: signs do not cancel


def test_distributions_side_by_side_are_each_runs_own_heatmap_in_one_figure():
    rng = np.random.default_rng(0)
    runs = {
        "a": [rng.standard_normal(300), 1e-6 * rng.standard_normal(300)],
        "b": [np.tanh(5 * rng.standard_normal(300))] * 2,
    }
    joined = figures.layer_distributions_side_by_side(runs)
    assert [t.xaxis for t in joined.data] == ["x", "x2"] and all(t.yaxis == "y" for t in joined.data)
    for trace, (name, arrays) in zip(joined.data, runs.items(), strict=True):
        alone = figures.layer_distributions(arrays, name).data[0]
        np.testing.assert_array_equal(np.asarray(trace.z, dtype=float), np.asarray(alone.z, dtype=float))
        np.testing.assert_allclose(trace.x, alone.x)  # each run on its own scale
    assert [t.showscale for t in joined.data] == [False, True]  # one colour bar
    assert joined.layout.xaxis.title.text == "a" and joined.layout.xaxis2.domain[1] == 1.0


def test_a_share_over_time_starts_at_zero_and_shows_at_least_ten_percent():
    flat = figures.runs_over_time({"a": (np.arange(3), np.zeros(3))}, "t", "share", percent=True)
    assert list(flat.layout.yaxis.range) == [0, 10.0]
    high = figures.runs_over_time({"a": (np.arange(3), np.array([0.2, 0.5, 0.75]))}, "t", "share", percent=True)
    assert list(high.layout.yaxis.range) == [0, pytest.approx(78.75)]


def test_layer_changes_draw_a_bar_per_run_and_layer_in_percent():
    fig = figures.layer_changes({"A": [0.5, 1.2], "B": [0.0, float("inf")]}, ["layer 1", "layer 2"])
    a, b = fig.data
    assert (a.name, list(a.x), list(a.y)) == ("A", ["layer 1", "layer 2"], [50.0, 120.0])
    assert b.y[0] == 0 and np.isnan(b.y[1])  # ∞ (a start of 0) is left out, not drawn off the scale
    assert fig.layout.barmode == "group" and fig.layout.yaxis.range[1] == pytest.approx(1.08 * 120)


def test_example_images_tile_the_rows_in_grey_with_their_labels():
    X = np.linspace(0, 1, 3 * 64).reshape(3, 64)
    fig = figures.example_images(X, ["a", "b", "c"], (8, 8), "Examples", columns=2)
    (heat,) = fig.data
    z = np.asarray(heat.z, dtype=float)
    assert z.shape == (2 * 9 - 1, 2 * 9 - 1) and (heat.zmin, heat.zmax) == (0.0, 1.0)
    assert np.array_equal(z[:8, 9:], X[1].reshape(8, 8)) and np.isnan(z[9:, 9:]).all()
    assert heat.customdata[9][0] == "c"


def test_a_magnitude_heatmap_runs_from_zero_on_a_scale_it_may_share():
    M = np.abs(np.random.default_rng(0).normal(size=(5, 4)))
    own = figures.matrix_heatmap(M, "moved", magnitude=True)
    shared = figures.matrix_heatmap(M, "moved", magnitude=True, zmax=10.0)
    assert own.data[0].zmin == 0 and own.data[0].zmax == pytest.approx(M.max()) and own.data[0].zmid is None
    assert (
        shared.data[0].zmax == 10.0 and shared.data[0].colorscale != figures.matrix_heatmap(M, "w").data[0].colorscale
    )


def test_spectra_figures_draw_the_band_the_outliers_the_spectrogram_and_the_reference():
    from weightviz import spectra

    W = np.random.default_rng(0).normal(size=(20, 10))
    W[:, 0] += 5.0  # one strong direction
    now, start = spectra.summary(W), spectra.singular_values(np.random.default_rng(1).normal(size=(20, 10)))
    fig = figures.scree(now, start, "S", "a random matrix")
    band, reference, line, outliers = fig.data
    assert max(band.y) == now.threshold and min(band.y) == pytest.approx(now.shuffled_top.min())
    assert reference.name == "a random matrix" and list(line.y) == pytest.approx(list(now.singular_values))
    assert now.n_outliers == 1 and list(outliers.x) == [1] and fig.layout.xaxis.dtick == 1
    steps, sigmas = np.array([0, 5, 10]), np.array([[3.0, 1.0], [4.0, 1.0], [5.0, 0.5]])
    heat = figures.spectrogram(steps, sigmas).data[0]
    assert np.asarray(heat.z).shape == (2, 3) and list(heat.y) == [1, 2]
    ranks = figures.stable_rank_over_training(steps, sigmas, 1.5).data
    assert list(ranks[0].y) == pytest.approx([(9 + 1) / 9, (16 + 1) / 16, (25 + 0.25) / 25])
    assert list(ranks[1].y) == [1.5, 1.5]


def test_a_histogram_against_references_draws_he_and_glorot_for_its_fan_in():
    W = np.random.default_rng(0).normal(0, np.sqrt(2 / 100), size=(100, 50))
    fig = figures.histogram_against_references(W, "W")
    bars, he, glorot = fig.data
    width = bars.x[1] - bars.x[0]
    assert sum(bars.y) * width == pytest.approx(1.0)  # a density
    x = np.asarray(he.x)
    assert max(he.y) == pytest.approx(1 / np.sqrt(2 * np.pi * 2 / 100), rel=1e-3)
    assert max(glorot.y) == pytest.approx(1 / np.sqrt(2 * np.pi * 2 / 150), rel=1e-3) and x.min() < 0 < x.max()
    assert "He's 0.141" in fig.layout.title.subtitle.text
