"""The data space: decision boundaries, fitted curves and surfaces, confusion matrices, loss surfaces."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..surfaces import prediction_grid
from .style import CLASS_COLORS, TEST_COLOR, TRAIN_COLOR, layout

TRAIN_SYMBOL, TEST_SYMBOL = "circle", "diamond-open"


def data_view(model, dataset, resolution=60):
    """The best picture of what the model does: a curve (1 input), a boundary or surface (2 inputs),
    else a confusion matrix (classes) or predicted-vs-actual scatter (regression) on the test set."""
    if dataset.n_raw_inputs == 1:
        return fitted_curve(model, dataset)
    if dataset.n_raw_inputs == 2:
        return decision_boundary(model, dataset, resolution)
    if dataset.task == "regression":
        return predicted_vs_actual(model, dataset)
    return confusion_heatmap(model, dataset)


def decision_boundary(model, dataset, resolution=60):
    """Model output over the 2-D input plane with the points: train ●, test ◇ (outlined).

    Binary: P(y=1) on a diverging scale (white at ½: the boundary). Multiclass: the
    predicted class. Regression: the predicted value, points coloured by their target.
    """
    (xs, ys), values = prediction_grid(model, dataset, resolution)
    fig = go.Figure()
    task = dataset.task
    if task == "binary":
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=values.astype(np.float32),
                zmin=0,
                zmax=1,
                colorscale=[[0, CLASS_COLORS[0]], [0.5, "#ffffff"], [1, CLASS_COLORS[1]]],
                opacity=0.55,
                colorbar={"title": "P(y=1)", "thickness": 12},
                hovertemplate=f"{dataset.feature_names[0]} %{{x:.2f}}, {dataset.feature_names[1]} %{{y:.2f}}"
                "<br>P(y=1) = %{z:.3f}<extra></extra>",
            )
        )
    elif task == "multiclass":
        classes, confidence = values
        k = len(dataset.class_names)
        scale = [[i / max(k - 1, 1), CLASS_COLORS[i % len(CLASS_COLORS)]] for i in range(k)]
        fig.add_trace(
            go.Heatmap(
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
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=values.astype(np.float32),
                colorscale="Viridis",
                opacity=0.6,
                colorbar={"title": "ŷ", "thickness": 12},
                hovertemplate="ŷ = %{z:.3f}<extra></extra>",
            )
        )
    _add_points(fig, dataset)
    fig.update_xaxes(range=[xs[0], xs[-1]], constrain="domain")
    fig.update_yaxes(range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1, constrain="domain")
    names = dataset.feature_names
    return layout(fig, "What the model predicts", height=420, xaxis_title=names[0], yaxis_title=names[1])


def _add_points(fig, ds):
    for part, symbol in (("train", TRAIN_SYMBOL), ("test", TEST_SYMBOL)):
        X, y = ds.raw(getattr(ds, f"X_{part}")), getattr(ds, f"y_{part}")
        if ds.task == "regression":
            fig.add_trace(
                go.Scatter(
                    x=X[:, 0],
                    y=X[:, 1],
                    mode="markers",
                    name=part,
                    marker={
                        "symbol": symbol,
                        "size": 7,
                        "color": y,
                        "colorscale": "Viridis",
                        "line": {"width": 1, "color": "black"},
                    },
                )
            )
            continue
        for k, name in enumerate(ds.class_names or []):
            mask = y == k
            fig.add_trace(
                go.Scatter(
                    x=X[mask, 0],
                    y=X[mask, 1],
                    mode="markers",
                    name=f"{part}: {name}",
                    marker={
                        "symbol": symbol,
                        "size": 7 if part == "train" else 9,
                        "color": CLASS_COLORS[k % len(CLASS_COLORS)],
                        "line": {"width": 1.5 if part == "test" else 0.5, "color": "black"},
                    },
                )
            )


def fitted_curve(model, dataset, resolution=200):
    """One raw input: the points (train ●, test ◇) and the model's curve through them."""
    (xs,), values = prediction_grid(model, dataset, resolution)
    fig = go.Figure()
    for part, symbol, color in (("train", TRAIN_SYMBOL, TRAIN_COLOR), ("test", TEST_SYMBOL, TEST_COLOR)):
        X, y = dataset.raw(getattr(dataset, f"X_{part}")), getattr(dataset, f"y_{part}")
        fig.add_trace(
            go.Scatter(x=X[:, 0], y=y, mode="markers", name=part, marker={"symbol": symbol, "size": 8, "color": color})
        )
    if dataset.task == "regression":
        fig.add_trace(go.Scatter(x=xs, y=values, mode="lines", name="model", line={"color": "black", "width": 2}))
    else:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=values if values.ndim == 1 else values[0],
                mode="lines",
                name="P(y=1)",
                line={"color": "black", "width": 2},
            )
        )
    return layout(
        fig, "The fitted curve", height=380, xaxis_title=dataset.feature_names[0], yaxis_title=dataset.target_name
    )


def predicted_vs_actual(model, dataset):
    """Regression with many inputs: predicted against actual target on train and test; the diagonal is perfect."""
    fig = go.Figure()
    lo, hi = np.inf, -np.inf
    for part, symbol, color in (("train", TRAIN_SYMBOL, TRAIN_COLOR), ("test", TEST_SYMBOL, TEST_COLOR)):
        X, y = getattr(dataset, f"X_{part}"), getattr(dataset, f"y_{part}")
        pred = model.predict(X)
        lo, hi = min(lo, y.min(), pred.min()), max(hi, y.max(), pred.max())
        fig.add_trace(go.Scatter(x=y, y=pred, mode="markers", name=part, marker={"symbol": symbol, "color": color}))
    fig.add_trace(
        go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect", line={"dash": "dash", "color": "grey"})
    )
    return layout(fig, "Predicted vs actual", height=380, xaxis_title="actual", yaxis_title="predicted")


def confusion_heatmap(model, dataset):
    """Classification with many inputs: the test set's confusion matrix (rows true, columns predicted)."""
    names = dataset.class_names or ["0", "1"]
    k = len(names)
    pred = model.predict(dataset.X_test)
    predicted = pred.argmax(axis=1) if pred.ndim == 2 else (pred >= 0.5).astype(int)
    true = dataset.y_test.astype(int)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (true, predicted), 1)
    fig = go.Figure(
        go.Heatmap(
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
    return layout(fig, f"Test confusion matrix (accuracy {accuracy:.1%})", height=min(480, 200 + 28 * k))


def loss_surface(w_values, b_values, surface, path=None, point=None, gradient=None, best=None):
    """Contours of log₁₀ of the loss over (w, b), the descent path so far, a hand-set point and its gradient.

    ``path`` is (steps, 2) of (w, b); ``gradient`` (∂L/∂w, ∂L/∂b) is drawn as an arrow pointing
    downhill (−gradient), scaled to a tenth of the view.
    """
    fig = go.Figure(
        go.Contour(
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
            go.Scatter(
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
            go.Scatter(
                x=[best[0]],
                y=[best[1]],
                mode="markers",
                name="least squares",
                marker={"symbol": "star", "size": 14, "color": "gold", "line": {"width": 1}},
            )
        )
    if point is not None:
        fig.add_trace(
            go.Scatter(
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
    fig = go.Figure()
    residual_x = np.column_stack([x, x, np.full_like(x, np.nan)]).ravel()
    residual_y = np.column_stack([y, w * x + b, np.full_like(x, np.nan)]).ravel()
    fig.add_trace(
        go.Scatter(
            x=residual_x,
            y=residual_y,
            mode="lines",
            name="errors (residuals)",
            line={"color": "rgba(214,39,40,0.5)", "width": 1},
            hoverinfo="skip",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="houses", marker={"color": TRAIN_COLOR, "size": 7}))
    fig.add_trace(
        go.Scatter(
            x=xs, y=w * xs + b, mode="lines", name=f"y = {w:.2f}·x + {b:.2f}", line={"color": TEST_COLOR, "width": 3}
        )
    )
    if best is not None:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=best[0] * xs + best[1],
                mode="lines",
                name="least squares",
                line={"color": "grey", "dash": "dash"},
            )
        )
    return layout(fig, "The data and your line", height=440, xaxis_title=x_name, yaxis_title=y_name)
