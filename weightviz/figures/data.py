"""The data space: decision boundaries, fitted curves and surfaces, confusion matrices, loss surfaces."""

from __future__ import annotations

import numpy as np

from ..surfaces import prediction_grid
from .draft import Draft, contour, heatmap, scatter
from .style import (
    CLASS_COLORS,
    MAX_SCATTER,
    TEST_COLOR,
    TRAIN_COLOR,
    label,
    labels,
    layout,
    sample_rows,
    scale_format,
    shown_note,
)

TRAIN_SYMBOL, TEST_SYMBOL = "circle", "diamond-open"
SYMBOLS = {"train": TRAIN_SYMBOL, "test": TEST_SYMBOL}


def data_view(model, dataset, resolution=60, max_points=MAX_SCATTER):
    """The best picture of what the model does: a curve (1 input), a boundary or surface (2 inputs),
    else a confusion matrix (classes) or predicted-vs-actual scatter (regression) on the test set.
    Scatters draw at most ``max_points`` points per set."""
    if dataset.n_raw_inputs == 1:
        return fitted_curve(model, dataset, max_points=max_points)
    if dataset.n_raw_inputs == 2:
        return decision_boundary(model, dataset, resolution, max_points=max_points)
    if dataset.task == "regression":
        return predicted_vs_actual(model, dataset, max_points=max_points)
    return confusion_heatmap(model, dataset)


def decision_boundary(model, dataset, resolution=60, max_points=MAX_SCATTER):
    """Model output over the 2-D input plane with the points: train ●, test ◇ (outlined).

    Binary: P(y=1) on a diverging scale (white at ½: the boundary). Multiclass: the
    predicted class. Regression: the predicted value, points coloured by their target on the
    same scale. At most ``max_points`` points per set are drawn (the subtitle says how many).

    The plot is a square (both inputs stretched to it, as the two may have any units) of about
    the narrowest chart's width, and the colour scale lies under it, so that at half a 1024 px
    window the picture keeps some 210 × 210 px instead of giving them to margins.
    """
    (xs, ys), values = prediction_grid(model, dataset, resolution)
    x_name, y_name = labels(dataset.feature_names[:2])
    fig = Draft()
    task = dataset.task
    value_range = None
    if task == "binary":
        fig.add_trace(
            heatmap(
                x=xs,
                y=ys,
                z=values.astype(np.float32),
                zmin=0,
                zmax=1,
                colorscale=[[0, CLASS_COLORS[0]], [0.5, "#ffffff"], [1, CLASS_COLORS[1]]],
                opacity=0.55,
                colorbar=_colorbar_below("P(y=1)"),
                hovertemplate=f"{x_name} %{{x:.2f}}, {y_name} %{{y:.2f}}<br>P(y=1) = %{{z:.3f}}<extra></extra>",
            )
        )
    elif task == "multiclass":
        classes, confidence = values
        k = len(dataset.class_names)
        scale = [[i / max(k - 1, 1), CLASS_COLORS[i % len(CLASS_COLORS)]] for i in range(k)]
        fig.add_trace(
            heatmap(
                x=xs,
                y=ys,
                z=classes,
                zmin=0,
                zmax=k - 1,
                colorscale=scale,
                showscale=False,
                opacity=0.35,
                customdata=confidence,
                hovertemplate="class %{z} (p = %{customdata:.2f})<extra></extra>",
            )
        )
    else:
        values = np.where(np.isfinite(values), values, np.nan)  # a diverged model: blank, not a broken scale
        targets = np.concatenate([dataset.y_train, dataset.y_test])
        value_range = _finite_range(values, targets)
        ticks, value_format = scale_format(max(abs(value_range[0]), abs(value_range[1])))
        fig.add_trace(
            heatmap(
                x=xs,
                y=ys,
                z=values.astype(np.float32) if np.nanmax(np.abs(values), initial=0.0) < 3e38 else values,
                zmin=value_range[0],
                zmax=value_range[1],
                colorscale="Viridis",
                opacity=0.6,
                colorbar=_colorbar_below("ŷ", **ticks),
                hovertemplate=f"ŷ = %{{z:{value_format}}}<extra></extra>",
            )
        )
    note = _add_points(fig, dataset, max_points, value_range)
    # one y unit as long on screen as (x span / y span) x units: a square plot, as large as the chart allows
    ratio = float((xs[-1] - xs[0]) / (ys[-1] - ys[0])) if ys[-1] > ys[0] and xs[-1] > xs[0] else 1.0
    fig.update_xaxes(range=[xs[0], xs[-1]], constrain="domain")
    fig.update_yaxes(range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=ratio, constrain="domain")
    names = labels(dataset.feature_names)
    title = "What the model predicts: train ●, test ◇" + note
    below = BELOW_AXIS + (COLORBAR_BELOW if task != "multiclass" else 0)
    return layout(
        fig,
        title,
        height=SQUARE + 75 + below,  # 75: the title and one legend row (more rows grow the figure)
        bottom=below,
        xaxis_title=names[0],
        yaxis_title=names[1],
    )


SQUARE = 230  # the decision boundary's plot height (at the narrowest chart its width, ~210 px, is the limit)
BELOW_AXIS, COLORBAR_BELOW = 58, 46  # pixels under the plot: x ticks and title; a horizontal colour scale


def _colorbar_below(title, **ticks):
    """A thin horizontal colour scale under the x axis's title, its title above it (plotly draws a title on
    the "right" of a horizontal bar over its left end)."""
    return {
        "title": {"text": title, "side": "top", "font": {"size": 11}},
        "orientation": "h",
        "thickness": 8,
        "lenmode": "pixels",
        "len": 150,  # under the square whether the chart is 274 or 460 px wide
        "x": 0.5,
        "xanchor": "center",
        "y": -BELOW_AXIS / SQUARE,
        "yanchor": "top",
        "ypad": 0,
        "nticks": 6,
        **ticks,
    }


def _add_points(fig, ds, max_points=MAX_SCATTER, value_range=None):
    """Train ● and test ◇ points, at most ``max_points`` of each; returns the subtitle saying how many were
    drawn when not all (``""`` otherwise).

    Regression: one trace per set, coloured by the target. Classes: a trace per class and set, the two
    of a class in one legend group, so the legend has one entry per class and hides or shows both (the
    symbol tells the sets apart; the hover names the set).
    """
    counts, parts = [], []
    for part in ("train", "test"):
        X, y = getattr(ds, f"X_{part}"), getattr(ds, f"y_{part}")
        rows = sample_rows(len(X), max_points)
        counts.append((part, len(rows), len(X)))
        parts.append((part, ds.raw(X[rows]), y[rows]))
    if ds.task == "regression":
        cmin, cmax = value_range if value_range is not None else (None, None)
        for part, X, y in parts:
            fig.add_trace(
                scatter(
                    x=X[:, 0],
                    y=X[:, 1],
                    mode="markers",
                    name=part,
                    marker={
                        "symbol": SYMBOLS[part],
                        "size": 7,
                        "color": y,
                        "colorscale": "Viridis",
                        "cmin": cmin,
                        "cmax": cmax,
                        "line": {"width": 1, "color": "black"},
                    },
                )
            )
        return shown_note(counts)
    for k, name in enumerate(labels(ds.class_names) or []):
        for part, X, y in parts:  # one style per trace: a browser styles such a trace far faster than per point
            test = part == "test"
            fig.add_trace(
                scatter(
                    x=X[y == k, 0],
                    y=X[y == k, 1],
                    mode="markers",
                    name=str(name),
                    legendgroup=f"class {k}",
                    showlegend=not test,
                    meta=part,
                    hovertemplate=f"%{{meta}}: {name}<br>(%{{x:.3~g}}, %{{y:.3~g}})<extra></extra>",
                    marker={
                        "symbol": TEST_SYMBOL if test else TRAIN_SYMBOL,
                        "size": 9 if test else 7,
                        "color": CLASS_COLORS[k % len(CLASS_COLORS)],
                        "line": {"width": 1.5 if test else 0.5, "color": "black"},
                    },
                )
            )
    return shown_note(counts)


def fitted_curve(model, dataset, resolution=200, max_points=MAX_SCATTER):
    """One raw input: the points (train ●, test ◇; at most ``max_points`` of each) and the model's curve."""
    (xs,), values = prediction_grid(model, dataset, resolution)
    fig = Draft()
    counts = []
    for part, symbol, color in (("train", TRAIN_SYMBOL, TRAIN_COLOR), ("test", TEST_SYMBOL, TEST_COLOR)):
        X, y = getattr(dataset, f"X_{part}"), getattr(dataset, f"y_{part}")
        rows = sample_rows(len(X), max_points)
        counts.append((part, len(rows), len(X)))
        X, y = dataset.raw(X[rows]), y[rows]
        fig.add_trace(
            scatter(x=X[:, 0], y=y, mode="markers", name=part, marker={"symbol": symbol, "size": 8, "color": color})
        )
    curve = values if values.ndim == 1 else values[0]
    curve = np.where(np.isfinite(curve), curve, np.nan)  # a diverged model: a gap, not an axis without a range
    name = "model" if dataset.task == "regression" else "P(y=1)"
    fig.add_trace(scatter(x=xs, y=curve, mode="lines", name=name, line={"color": "black", "width": 2}))
    title = "The fitted curve" + shown_note(counts)
    x_name, y_name = label(dataset.feature_names[0]), label(dataset.target_name)
    return layout(fig, title, height=380, xaxis_title=x_name, yaxis_title=y_name)


def predicted_vs_actual(model, dataset, max_points=MAX_SCATTER):
    """Regression with many inputs: predicted against actual target on train and test; the diagonal is perfect.

    At most ``max_points`` rows per set are drawn, and the model predicts only those.
    """
    fig = Draft()
    lo, hi = np.inf, -np.inf
    counts, left_out = [], 0
    for part, symbol, color in (("train", TRAIN_SYMBOL, TRAIN_COLOR), ("test", TEST_SYMBOL, TEST_COLOR)):
        X, y = getattr(dataset, f"X_{part}"), getattr(dataset, f"y_{part}")
        rows = sample_rows(len(X), max_points)
        counts.append((part, len(rows), len(X)))
        y, pred = y[rows], np.asarray(model.predict(X[rows]), dtype=float).reshape(len(rows), -1)[:, 0]
        finite = np.isfinite(pred)
        left_out += int((~finite).sum())
        y, pred = y[finite], pred[finite]
        if len(y):
            lo, hi = min(lo, y.min(), pred.min()), max(hi, y.max(), pred.max())
        fig.add_trace(scatter(x=y, y=pred, mode="markers", name=part, marker={"symbol": symbol, "color": color}))
    if lo <= hi:
        fig.add_trace(
            scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect", line={"dash": "dash", "color": "grey"})
        )
    title = "Predicted vs actual" + shown_note(counts)
    if left_out:
        title += f"<br><sup>{left_out:,} non-finite predictions left out</sup>"
    fig.update_yaxes(**scale_format(max(abs(lo), abs(hi)) if lo <= hi else 0.0)[0])
    return layout(fig, title, height=380, xaxis_title="actual", yaxis_title="predicted")


def _finite_range(*arrays):
    """(min, max) over the finite values of the arrays; (0, 1) when there are none."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def confusion_heatmap(model, dataset):
    """Classification with many inputs: the test set's confusion matrix (rows true, columns predicted)."""
    names = labels(dataset.class_names) or ["0", "1"]
    k = len(names)
    pred = model.predict(dataset.X_test)
    predicted = pred.argmax(axis=1) if pred.ndim == 2 else (pred >= 0.5).astype(int)
    true = dataset.y_test.astype(int)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (true, predicted), 1)
    fig = Draft(
        heatmap(
            z=counts,
            x=names,
            y=names,
            colorscale="Blues",
            text=counts,
            texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_yaxes(autorange="reversed", title="true class", type="category")
    fig.update_xaxes(title="predicted class", type="category")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    title = f"Test confusion matrix<br><sup>accuracy {accuracy:.1%}</sup>"
    return layout(fig, title, height=min(480, 200 + 28 * k))


def loss_surface(w_values, b_values, surface, path=None, point=None, gradient=None, best=None):
    """Contours of log₁₀ of the loss over (w, b), the descent path so far, a hand-set point and its gradient.

    ``path`` is (steps, 2) of (w, b); ``gradient`` (∂L/∂w, ∂L/∂b) is drawn as an arrow pointing
    downhill (−gradient), scaled to a tenth of the view.
    """
    fig = Draft(
        contour(
            x=w_values,
            y=b_values,
            z=np.log10(surface),
            customdata=surface,
            colorscale="Viridis",
            ncontours=30,
            contours={"coloring": "heatmap"},
            colorbar={"title": "log₁₀ MSE", "thickness": 12},
            hovertemplate="w %{x:.3f}, b %{y:.3f}<br>MSE %{customdata:.4f}<extra></extra>",
        )
    )
    if path is not None and len(path):
        fig.add_trace(
            scatter(
                x=path[:, 0],
                y=path[:, 1],
                mode="lines+markers",
                name="gradient descent",
                line={"color": "white", "width": 2},
                marker={"size": 4, "color": "white"},
            )
        )
    if best is not None:
        fig.add_trace(
            scatter(
                x=[best[0]],
                y=[best[1]],
                mode="markers",
                name="least squares",
                marker={"symbol": "star", "size": 14, "color": "gold", "line": {"width": 1}},
            )
        )
    if point is not None:
        fig.add_trace(
            scatter(
                x=[point[0]],
                y=[point[1]],
                mode="markers",
                name="your (w, b)",
                marker={"size": 12, "color": TEST_COLOR, "line": {"width": 2, "color": "white"}},
            )
        )
        if gradient is not None and np.hypot(*gradient) > 0:
            span = 0.1 * np.hypot(w_values[-1] - w_values[0], b_values[-1] - b_values[0])
            step = -np.asarray(gradient) / np.hypot(*gradient) * span
            fig.add_annotation(
                x=point[0] + step[0],
                y=point[1] + step[1],
                ax=point[0],
                ay=point[1],
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=3,
                arrowwidth=2,
                arrowcolor=TEST_COLOR,
                text="",
            )
    fig.update_xaxes(range=[w_values[0], w_values[-1]])
    fig.update_yaxes(range=[b_values[0], b_values[-1]])
    return layout(fig, "Loss over (w, b)", height=440, xaxis_title="w (weight)", yaxis_title="b (bias)")


def line_fit(x, y, w, b, best=None, x_name="x", y_name="y"):
    """Points, the line y = w·x + b with each point's residual drawn, and (dashed) the least-squares line."""
    x, y = np.ravel(x), np.ravel(y)
    xs = np.array([x.min(), x.max()])
    fig = Draft()
    residual_x = np.column_stack([x, x, np.full_like(x, np.nan)]).ravel()
    residual_y = np.column_stack([y, w * x + b, np.full_like(x, np.nan)]).ravel()
    fig.add_trace(
        scatter(
            x=residual_x,
            y=residual_y,
            mode="lines",
            name="errors (residuals)",
            line={"color": "rgba(214,39,40,0.5)", "width": 1},
            hoverinfo="skip",
        )
    )
    fig.add_trace(scatter(x=x, y=y, mode="markers", name="houses", marker={"color": TRAIN_COLOR, "size": 7}))
    fig.add_trace(
        scatter(
            x=xs, y=w * xs + b, mode="lines", name=f"y = {w:.2f}·x + {b:.2f}", line={"color": TEST_COLOR, "width": 3}
        )
    )
    if best is not None:
        fig.add_trace(
            scatter(
                x=xs,
                y=best[0] * xs + best[1],
                mode="lines",
                name="least squares",
                line={"color": "grey", "dash": "dash"},
            )
        )
    return layout(fig, "The data and your line", height=440, xaxis_title=x_name, yaxis_title=y_name)
