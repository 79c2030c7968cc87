"""Feature attributions as the ``shap`` library draws them: global importance, beeswarm, waterfall and
dependence; a linear model's weights beside its attributions; attribution maps of image inputs."""

from __future__ import annotations

import numpy as np

from .draft import Draft, bar, heatmap, scatter, trace
from .style import DIVERGING, TEST_COLOR, TRAIN_COLOR, label, layout, symmetric_range

LOW, HIGH = "#1f77b4", "#d62728"  # a feature's low values blue, high values red (as shap colours them)
TOP = 15  # features a beeswarm or importance chart shows (the rest are summed or left out, and it says so)


def _order(phi, top):
    """Feature indices by mean |φ|, largest first, at most ``top``."""
    importance = np.abs(phi).mean(axis=0)
    return np.argsort(-importance, kind="stable")[:top], importance


def importance(phi, feature_names, top=TOP, title="Which features matter: mean |attribution|"):
    """Mean |φ| per feature over the explained rows, largest on top (at most ``top``; the rest said)."""
    order, mean_abs = _order(np.asarray(phi, dtype=float), top)
    names = [label(feature_names[j]) for j in order]
    fig = Draft(
        bar(
            x=mean_abs[order][::-1], y=names[::-1], orientation="h", marker={"color": TRAIN_COLOR},
            hovertemplate="%{y}: mean |φ| %{x:.4~g}<extra></extra>",
        )
    )  # fmt: skip
    left = len(feature_names) - len(order)
    note = f"<br>{left} more features with less" if left > 0 else ""
    fig.update_xaxes(title="mean |φ| (in the model's output)")
    return layout(fig, title + note, height=max(220, 26 * len(order) + 90))


def beeswarm(phi, X, feature_names, top=TOP, seed=0, title="Every explained row, feature by feature"):
    """One dot per explained row and feature: x its attribution φ, a row per feature (largest mean |φ| on
    top, dots spread vertically where they crowd), colour the feature's value from low (blue) to high
    (red) within that feature."""
    phi, X = np.asarray(phi, dtype=float), np.asarray(X, dtype=float)
    order, _ = _order(phi, top)
    rng = np.random.default_rng(seed)
    xs, ys, colours, texts = [], [], [], []
    for rank, j in enumerate(order[::-1]):
        values = phi[:, j]
        lo, hi = np.nanpercentile(X[:, j], [5, 95]) if len(X) else (0.0, 1.0)
        scaled = np.clip((X[:, j] - lo) / (hi - lo), 0, 1) if hi > lo else np.full(len(values), 0.5)
        spread = 0.35 * _crowding(values) * rng.uniform(-1, 1, len(values))
        xs.append(values)
        ys.append(rank + spread)
        colours.append(scaled)
        texts += [f"{label(feature_names[j])} = {v:.4g}" for v in X[:, j]]
    names = [label(feature_names[j]) for j in order[::-1]]
    fig = Draft(
        scatter(
            x=np.concatenate(xs) if xs else [], y=np.concatenate(ys) if ys else [], mode="markers",
            text=texts, marker={
                "size": 5, "color": np.concatenate(colours) if colours else [], "cmin": 0, "cmax": 1,
                "colorscale": [[0, LOW], [0.5, "#a0a0a0"], [1, HIGH]],
                "colorbar": {"thickness": 8, "tickvals": [0, 1], "ticktext": ["low", "high"], "title": "value"},
            },
            hovertemplate="%{text}: φ %{x:.4~g}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_vline(0.0, line={"color": "grey", "width": 1})
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=names, range=[-0.7, len(order) - 0.3])
    fig.update_xaxes(title="attribution φ")
    return layout(fig, title, height=max(240, 28 * len(order) + 100))


def _crowding(values, bins=30):
    """How crowded each value's neighbourhood is, 0…1: dots in dense bins are spread further apart."""
    if len(values) < 2 or np.ptp(values) == 0:
        return np.ones(len(values))
    counts, edges = np.histogram(values, bins=bins)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    return counts[index] / counts.max()


def waterfall(phi_row, base, x_row, feature_names, top=10, title="How this row's output is built"):
    """From the base value (the mean output over the background) to this row's output, one bar per feature
    (largest |φ| first, at most ``top``; the rest summed in one bar): red pushes the output up, blue down."""
    phi_row, x_row = np.asarray(phi_row, dtype=float), np.asarray(x_row, dtype=float)
    order = np.argsort(-np.abs(phi_row), kind="stable")
    shown, rest = order[:top], order[top:]
    names = [f"{label(feature_names[j])} = {x_row[j]:.3g}" for j in shown]
    steps = list(phi_row[shown])
    if len(rest):
        names.append(f"{len(rest)} other features")
        steps.append(float(phi_row[rest].sum()))
    output = base + float(phi_row.sum())
    fig = Draft(
        trace(
            "waterfall", orientation="h", measure=["absolute"] + ["relative"] * len(steps) + ["total"],
            y=["base (mean output)"] + names + ["this row's output"], x=[base] + steps + [output],
            increasing={"marker": {"color": HIGH}}, decreasing={"marker": {"color": LOW}},
            totals={"marker": {"color": "#7f7f7f"}}, connector={"line": {"color": "#bbbbbb"}},
            hovertemplate="%{y}: %{x:+.4~g}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="model output")
    return layout(fig, f"{title}<br>base {base:.4g} → output {output:.4g}", height=max(260, 26 * len(steps) + 140))


def dependence(phi_col, x_col, feature_name, colour=None, colour_name=None):
    """A feature's value against its attribution, one dot per explained row (coloured by ``colour``, another
    feature's value, when given): the shape the model gives that feature, and where it interacts."""
    marker = {"size": 6, "color": TRAIN_COLOR}
    if colour is not None:
        marker = {
            "size": 6, "color": np.asarray(colour, dtype=float), "colorscale": [[0, LOW], [1, HIGH]],
            "colorbar": {"thickness": 8, "title": {"text": label(colour_name or "")}},
        }  # fmt: skip
    name = label(feature_name)
    fig = Draft(
        scatter(
            x=np.asarray(x_col, dtype=float), y=np.asarray(phi_col, dtype=float), mode="markers", marker=marker,
            hovertemplate=f"{name} = %{{x:.4~g}}: φ %{{y:.4~g}}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_hline(0.0, line={"color": "grey", "width": 1})
    fig.update_xaxes(title=f"{name} (its value)")
    fig.update_yaxes(title=f"φ of {name}")
    return layout(fig, f"{name}: value against attribution", height=300)


def weights_and_attributions(w, phi, feature_names, title="A linear model: its weights and their attributions"):
    """Each feature's weight w_i beside its mean |φ_i| = |w_i|·mean|x_i − mean x_i|: the same ranking only
    when the features have the same spread."""
    w, phi = np.asarray(w, dtype=float).ravel(), np.asarray(phi, dtype=float)
    names = [label(n) for n in feature_names]
    fig = Draft(
        bar(x=names, y=np.abs(w), name="|weight|", marker={"color": TRAIN_COLOR}),
        bar(x=names, y=np.abs(phi).mean(axis=0), name="mean |φ|", marker={"color": TEST_COLOR}),
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=-45 if len(names) > 6 else 0)
    return layout(fig, title, height=300)


def attribution_images(phi_rows, images, shape, captions, title="Which pixels pushed each prediction", per_line=2):
    """For image inputs: each explained row's image beside its attributions as a picture (red up, blue down,
    white 0), ``per_line`` such pairs on a line, each pair captioned."""
    phi_rows, images = np.asarray(phi_rows, dtype=float), np.asarray(images, dtype=float)
    k = len(phi_rows)
    lines = max(1, -(-k // per_line))
    columns = 2 * per_line
    gap_x, gap_y = 0.03, 0.12
    width = (1 - gap_x * (columns - 1)) / columns
    height = (1 - gap_y * (lines - 1)) / lines
    lo, hi = symmetric_range(phi_rows)
    fig = Draft()
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "showline": False, "ticks": ""}
    for i in range(k):
        line, place = divmod(i, per_line)
        top = 1 - line * (height + gap_y)
        for col, (z, kind) in enumerate(((images[i].reshape(shape), "image"), (phi_rows[i].reshape(shape), "φ"))):
            axis = 2 * i + col + 1
            suffix = "" if axis == 1 else str(axis)
            props = (
                {"colorscale": "Greys", "showscale": False}
                if kind == "image"
                else {"colorscale": DIVERGING, "reversescale": True, "zmin": lo, "zmax": hi, "showscale": i == 0,
                      "colorbar": {"thickness": 8, "title": {"text": "φ"}}}
            )  # fmt: skip
            fig.add_trace(
                heatmap(
                    z=z[::-1], xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                    hovertemplate=f"{kind} %{{z:.3~g}}<extra></extra>", **props,
                )
            )  # fmt: skip
            left = (2 * place + col) * (width + gap_x)
            fig.update_layout(
                **{
                    f"xaxis{suffix}": {"domain": _unit([left, left + width]), "anchor": f"y{suffix}", **hidden},
                    f"yaxis{suffix}": {"domain": _unit([top - height, top]), "anchor": f"x{suffix}", **hidden},
                }
            )  # fmt: skip
        if i < len(captions):
            fig.add_annotation(
                x=2 * place * (width + gap_x) + width + gap_x / 2, y=top, xref="paper", yref="paper", yanchor="bottom",
                text=label(captions[i]), showarrow=False, font={"size": 11},
            )  # fmt: skip
    return layout(fig, title, height=150 * lines + 30 * (lines - 1), bottom=10)


def _unit(domain):
    """A subplot's domain inside [0, 1] (sums of fractions overshoot by a rounding error, which plotly refuses)."""
    return [float(np.clip(round(v, 9), 0.0, 1.0)) for v in domain]


def methods_compared(attributions, feature_names, top=TOP, title="Shapley values against the gradient methods"):
    """Mean |attribution| per feature for each method (``attributions``: {method: (n, d)}), the features in
    the order of the first method: where the cheap methods agree with the Shapley values and where not."""
    first = next(iter(attributions.values()))
    order, _ = _order(np.asarray(first, dtype=float), top)
    names = [label(feature_names[j]) for j in order][::-1]
    fig = Draft()
    colours = (TRAIN_COLOR, TEST_COLOR, "#2ca02c", "#9467bd")
    for i, (method, values) in enumerate(attributions.items()):
        mean_abs = np.abs(np.asarray(values, dtype=float)).mean(axis=0)[order][::-1]
        fig.add_trace(
            bar(
                x=mean_abs, y=names, orientation="h", name=label(method), marker={"color": colours[i % len(colours)]},
                hovertemplate="%{y}: mean |attribution| %{x:.4~g}<extra>" + label(method) + "</extra>",
            )
        )  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="mean |attribution|")
    return layout(fig, title, height=max(260, 30 * len(order) + 110))
