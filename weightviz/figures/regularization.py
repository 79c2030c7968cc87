"""What penalties do, run beside run: the generalisation gap, weights with their exact zeros, sparsity and size
over training, coefficients by feature, regularization paths over λ, and Adam's L2 against AdamW's decay."""

from __future__ import annotations

import numpy as np

from .draft import Draft, bar, scatter
from .style import CLASS_COLORS, TEST_COLOR, TRAIN_COLOR, label, layout, log_axis, note_if_no_steps, thin

RUN_COLORS = CLASS_COLORS
ZERO_COLOR = "#d62728"  # the bar of weights that are exactly zero
LEGEND_FEATURES = 12  # a path with more features names them on hover only


def _rgba(hex_color, alpha):
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def generalisation_gap(history, title="Train and test loss"):
    """Train and test loss over the steps with the gap between them shaded (the test loss above the train
    loss is what the model learnt of its training set's noise); the gap now in the subtitle."""
    steps, train = history.eval_column("train_loss")
    _, test = history.eval_column("test_loss")
    steps, train, test = thin(steps, train, test)
    fig = Draft(
        scatter(x=steps, y=train, mode="lines", name="train", line={"color": TRAIN_COLOR}),
        scatter(
            x=steps, y=test, mode="lines", name="test", line={"color": TEST_COLOR}, fill="tonexty",
            fillcolor=_rgba(TEST_COLOR, 0.18),
        ),
    )  # fmt: skip
    drawn = np.concatenate([train, test])
    if not note_if_no_steps(fig, steps) and np.isfinite(test[-1]) and np.isfinite(train[-1]):
        title += f"<br>gap now {test[-1] - train[-1]:+.3g} (test − train)"
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="loss", hoverformat=".4~g", **log_axis(drawn))
    return layout(fig, title, height=260)


def weights_and_zeros(weights, title="Weights", bins=41):
    """Every weight (a list of arrays: the layers) as a histogram of the non-zero ones, and one bar for the
    weights that are exactly zero, in its own colour: L1's spike. The count is in the subtitle."""
    flat = np.concatenate([np.asarray(W, dtype=float).ravel() for W in weights])
    flat = flat[np.isfinite(flat)]
    zero = int(np.count_nonzero(flat == 0))
    nonzero = flat[flat != 0]
    top = float(np.abs(nonzero).max()) if nonzero.size else 1.0
    counts, edges = np.histogram(nonzero, bins=bins, range=(-top, top))
    width = edges[1] - edges[0]
    fig = Draft(
        bar(x=0.5 * (edges[:-1] + edges[1:]), y=counts, width=width, name="non-zero", marker={"color": TRAIN_COLOR}),
        bar(
            x=[0.0], y=[zero], width=width * 0.6, name="exactly 0", marker={"color": ZERO_COLOR},
            hovertemplate="exactly 0: %{y} weights<extra></extra>",
        ),
    )  # fmt: skip
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_xaxes(title="weight value")
    fig.update_yaxes(title="weights")
    share = zero / flat.size if flat.size else 0.0
    return layout(fig, f"{title}<br>{zero:,} of {flat.size:,} exactly 0 ({share:.0%})", height=260)


def runs_over_time(series, title, y_title, percent=False, log=False):
    """One line per run over the steps: ``series`` is {run name: (steps, values)}; ``percent`` reads values as
    shares (0–1), ``log`` draws a log y axis."""
    fig = Draft()
    drawn, every_step = [], []
    for i, (name, (steps, values)) in enumerate(series.items()):
        steps, values = thin(np.asarray(steps), np.asarray(values, dtype=float))
        y = values * (100 if percent else 1)
        drawn.append(y)
        every_step.append(steps)
        color = RUN_COLORS[i % len(RUN_COLORS)]
        fig.add_trace(scatter(x=steps, y=y, mode="lines", name=label(name), line={"color": color}))
    note_if_no_steps(fig, np.concatenate(every_step) if every_step else [])
    fig.update_xaxes(title="step")
    axis = {"title": y_title + (" (%)" if percent else "")}
    if log and drawn:
        axis |= log_axis(np.concatenate(drawn))
    if percent:  # from 0, and at least to 10 %: a flat 0 reads as none, not as a wobble on a 1 % scale
        top = max((float(np.nanmax(y)) for y in drawn if y.size and np.isfinite(y).any()), default=0.0)
        axis["range"] = [0, max(10.0, 1.05 * top)]
    fig.update_yaxes(**axis)
    return layout(fig, title, height=280)


def coefficients(coefs, feature_names, true_weights=None, title="Weight of each feature"):
    """A linear model's weight on each feature, one bar per run (``coefs`` is {run name: weights (d,)}); a
    weight that is exactly zero is labelled 0 on the axis line; ``true_weights`` (the data's own, where
    they are known) as black diamonds."""
    names = [label(n) for n in feature_names]
    fig = Draft()
    for i, (run, w) in enumerate(coefs.items()):
        w = np.asarray(w, dtype=float).ravel()
        fig.add_trace(
            bar(
                x=names, y=w, name=label(run), marker={"color": RUN_COLORS[i % len(RUN_COLORS)]},
                text=["0" if v == 0 else "" for v in w], textposition="outside", cliponaxis=False,
                hovertemplate="%{x}: %{y:.4~g}<extra>" + label(run) + "</extra>",
            )
        )  # fmt: skip
    if true_weights is not None:
        fig.add_trace(
            scatter(
                x=names, y=np.asarray(true_weights, dtype=float), mode="markers", name="true weight",
                marker={"symbol": "diamond", "color": "black", "size": 7},
            )
        )  # fmt: skip
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(tickangle=-45 if len(names) > 6 else 0)
    fig.update_yaxes(title="weight", zeroline=True)
    return layout(fig, title, height=320)


def coefficient_path(path, title=None):
    """Every weight of a linear model against the penalty's strength λ (log axis, strongest on the left, so
    features enter from left to right), the best λ (lowest test loss) marked."""
    lambdas = path.lambdas
    W = path.coefs.reshape(len(lambdas), -1)
    k = path.coefs.shape[2]
    fig = Draft()
    entry = path.entry_lambdas()
    many = W.shape[1] > LEGEND_FEATURES
    for j in range(W.shape[1]):
        feature = path.feature_names[j // k] if k == 1 else f"{path.feature_names[j // k]} → {j % k}"
        enters = entry[j // k]
        where = f"enters at λ = {enters:.3g}" if np.isfinite(enters) else "never enters"
        fig.add_trace(
            scatter(
                x=lambdas, y=W[:, j], mode="lines", name=label(feature), showlegend=not many,
                line={"color": RUN_COLORS[j % len(RUN_COLORS)], "width": 1.5},
                hovertemplate=f"{label(feature)}: %{{y:.4~g}} at λ = %{{x:.3g}} ({where})<extra></extra>",
            )
        )  # fmt: skip
    top, bottom = float(np.nanmax(W, initial=0.0)), float(np.nanmin(W, initial=0.0))
    best = lambdas[path.best]
    fig.add_trace(
        scatter(
            x=[best, best], y=[bottom, top], mode="lines", name=f"best λ {best:.3g}",
            line={"color": "grey", "dash": "dash"}, hovertemplate="best λ (lowest test loss): %{x:.3g}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title="λ (strong → weak)", type="log", autorange="reversed", exponentformat="power")
    fig.update_yaxes(title="weight")
    names = {"l1": "L1", "l2": "L2", "elastic_net": f"Elastic net (ρ = {path.l1_ratio:g})"}
    note = "<br>hover a line for its feature" if many else ""
    return layout(fig, (title or f"{names[path.penalty]} path: every weight against λ") + note, height=340)


def path_losses(paths, title="Loss against λ: under- and overfitting"):
    """Train (dotted) and test (solid) loss against λ for each path ({name: Path}), the best λ of each marked:
    strong λ on the left underfits (both high), weak λ on the right overfits (train low, test up)."""
    fig = Draft()
    drawn = []
    for i, (name, path) in enumerate(paths.items()):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        fig.add_trace(
            scatter(
                x=path.lambdas, y=path.train_loss, mode="lines", name=f"{label(name)} train", legendgroup=name,
                line={"color": color, "dash": "dot"},
            )
        )  # fmt: skip
        fig.add_trace(
            scatter(
                x=path.lambdas, y=path.test_loss, mode="lines", name=f"{label(name)} test", legendgroup=name,
                line={"color": color},
            )
        )  # fmt: skip
        b = path.best
        best_loss = path.test_loss[b] if np.isfinite(path.test_loss[b]) else path.train_loss[b]
        fig.add_trace(
            scatter(
                x=[path.lambdas[b]], y=[best_loss], mode="markers", name=f"{label(name)} best λ {path.lambdas[b]:.3g}",
                legendgroup=name, marker={"color": color, "size": 11, "symbol": "star"},
            )
        )  # fmt: skip
        drawn += [path.train_loss, path.test_loss]
    fig.update_xaxes(title="λ (strong → weak)", type="log", autorange="reversed", exponentformat="power")
    fig.update_yaxes(title="loss", **log_axis(np.concatenate(drawn) if drawn else []))
    return layout(fig, title, height=340)


def adam_shrinkage(adam_l2, adamw):
    """How much of each weight one step removes because of the penalty: for Adam with an L2 penalty one point
    per weight against the size of its gradients √v̂ (``adam_l2``: {run name: (√v̂, shrinkage)}), falling as
    1/√v̂; for AdamW a flat line (``adamw``: {run name: shrinkage}), the same for every weight."""
    fig = Draft()
    xs = [np.asarray(x, dtype=float) for x, _ in adam_l2.values()]
    everything = np.concatenate(xs) if xs else np.array([1e-3, 1.0])
    everything = everything[np.isfinite(everything) & (everything > 0)]
    span = (float(everything.min()), float(everything.max())) if everything.size else (1e-3, 1.0)
    drawn = []
    for i, (name, (x, y)) in enumerate(adam_l2.items()):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        drawn.append(y[keep])
        fig.add_trace(
            scatter(
                x=x[keep], y=y[keep], mode="markers", name=f"{label(name)}: Adam + L2, a point per weight",
                marker={"color": RUN_COLORS[i % len(RUN_COLORS)], "size": 5, "opacity": 0.6},
                hovertemplate="gradient size √v̂ %{x:.3g}: %{y:.3g} of the weight a step<extra></extra>",
            )
        )  # fmt: skip
    for j, (name, value) in enumerate(adamw.items(), start=len(adam_l2)):
        drawn.append(np.array([value]))
        fig.add_trace(
            scatter(
                x=list(span), y=[value, value], mode="lines", name=f"{label(name)}: AdamW, every weight",
                line={"color": RUN_COLORS[j % len(RUN_COLORS)], "width": 3},
                hovertemplate="AdamW: %{y:.3g} of every weight a step<extra></extra>",
            )
        )  # fmt: skip
    if not drawn:
        fig.add_annotation(
            x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 13, "color": "grey"},
            text="No run uses Adam with an L2 penalty or AdamW's decay",
        )  # fmt: skip
    fig.update_xaxes(title="size of the weight's gradients √v̂", type="log", exponentformat="power")
    fig.update_yaxes(title="share of the weight removed a step", **log_axis(np.concatenate(drawn) if drawn else []))
    return layout(fig, "Shrinkage per step: Adam + L2 against AdamW", height=320)


def penalty_pull(strengths, reach=2.0):
    """The pull of each run's penalty on one weight w: −∂/∂w [l1·|w| + (l2/2)·w²] = −l1·sign(w) − l2·w, over
    w in [−reach, reach] (``strengths`` is {run name: (l1, l2)}). L1 pulls with the same force however small
    the weight (so it reaches 0 and stays); L2's pull fades with the weight (it gets small, never 0)."""
    w = np.linspace(-reach, reach, 401)
    w = np.insert(w, np.searchsorted(w, 0.0), [-1e-9, 0.0, 1e-9])  # the jump of sign(w) at 0, drawn sharp
    fig = Draft()
    for i, (name, (l1, l2)) in enumerate(strengths.items()):
        pull = -l1 * np.sign(w) - l2 * w
        fig.add_trace(
            scatter(
                x=w, y=pull, mode="lines", name=label(name), line={"color": RUN_COLORS[i % len(RUN_COLORS)]},
                hovertemplate="w = %{x:.2f}: pull %{y:.3g}<extra>" + label(name) + "</extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(title="weight w", zeroline=True)
    fig.update_yaxes(title="pull on w", zeroline=True)
    return layout(fig, "The pull of each run's penalty on a weight", height=240)
