"""A figure drafted as plain dicts and made a ``plotly.graph_objects.Figure`` once, at the end.

Plotly's figure objects validate and copy every property the moment it is set: building the four charts
Play redraws each frame that way took ~40 ms of a frame (``fig.update_layout`` alone ~4 ms a chart),
while ``go.Figure(data=[...], layout={...})`` from finished dicts takes ~1–3 ms and validates the
same. A :class:`Draft` offers the few ``go.Figure`` methods the figure builders use and writes into
dicts; :meth:`Draft.figure` validates once. Properties may use plotly's "magic underscores"
(``xaxis_title="step"`` is ``xaxis.title``), as with ``go.Figure``.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

# property names that hold an underscore themselves (plotly's own list, BaseFigure._valid_underscore_properties)
UNDERSCORED = (
    "error_x",
    "error_y",
    "error_z",
    "copy_xstyle",
    "copy_ystyle",
    "copy_zstyle",
    "paper_bgcolor",
    "plot_bgcolor",
)


FREE_FORM = ("meta",)  # values plotly keeps as given: their keys are not property paths


def expand(props):
    """``{"xaxis_title": "step"}`` → ``{"xaxis": {"title": "step"}}``, recursively (plotly's magic underscores;
    ``plot_bgcolor`` and the other names plotly lists with an underscore stay whole)."""
    out = {}
    for key, value in props.items():
        protected = key
        for name in UNDERSCORED:
            protected = protected.replace(name, name.replace("_", "-"))
        *parents, leaf = (part.replace("-", "_") for part in protected.split("_"))
        node = out
        for part in parents:
            if not isinstance(node.get(part), dict):  # (None or text before: the dict replaces it)
                node[part] = {} if part != "title" or not isinstance(node.get(part), str) else {"text": node[part]}
            node = node[part]
        if isinstance(value, dict) and leaf not in FREE_FORM:
            value = expand(value)
        elif leaf == "title" and isinstance(value, str):
            value = {"text": value}  # plotly's shorthand: a title given as text is its text
        if isinstance(value, dict) and isinstance(node.get(leaf), dict) and leaf not in FREE_FORM:
            merge(node[leaf], value)  # marker_line_width=2 and marker={...} in one call: both kept
        else:
            node[leaf] = value
    return out


def merge(into, props):
    """Deep-merge ``props`` (already expanded) into the dict ``into``; returns ``into``."""
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value
    return into


def trace(kind, **props):
    """A trace as a dict: ``trace("scatter", x=…, y=…)`` is ``go.Scatter(x=…, y=…)`` before validation."""
    return {"type": kind, **expand(props)}


def scatter(**props):
    return trace("scatter", **props)


def heatmap(**props):
    return trace("heatmap", **props)


def bar(**props):
    return trace("bar", **props)


def contour(**props):
    return trace("contour", **props)


class Draft:
    """The subset of ``go.Figure`` the builders use, writing into ``data`` (a list of trace dicts) and
    ``layout`` (a dict)."""

    def __init__(self, *traces):
        self.data = list(traces)
        self.layout = {}

    def add_trace(self, trace_dict):
        self.data.append(trace_dict)
        return self

    def update_layout(self, **props):
        merge(self.layout, expand(props))
        return self

    def update_xaxes(self, **props):
        merge(self.layout.setdefault("xaxis", {}), expand(props))
        return self

    def update_yaxes(self, **props):
        merge(self.layout.setdefault("yaxis", {}), expand(props))
        return self

    def add_annotation(self, **props):
        self.layout.setdefault("annotations", []).append(expand(props))
        return self

    def add_shape(self, **props):
        self.layout.setdefault("shapes", []).append(expand(props))
        return self

    def add_vline(self, x, line=None):
        """A vertical line across the plot at ``x`` (as ``go.Figure.add_vline``)."""
        return self.add_shape(type="line", xref="x", x0=x, x1=x, yref="y domain", y0=0, y1=1, line=line or {})

    def add_hline(self, y, line=None, annotation_text=None):
        """A horizontal line across the plot at ``y``, its label above its left end."""
        self.add_shape(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y, line=line or {})
        if annotation_text is not None:
            self.add_annotation(
                text=annotation_text, xref="x domain", x=0, xanchor="left", yref="y", y=y, yanchor="bottom",
                showarrow=False,
            )  # fmt: skip
        return self

    def legend_entries(self):
        """(legendgroup, name) of each trace the legend lists."""
        return [
            (t.get("legendgroup"), t["name"]) for t in self.data if t.get("name") and t.get("showlegend") is not False
        ]

    def legend_title(self):
        title = self.layout.get("legend", {}).get("title")
        return title.get("text") if isinstance(title, dict) else title

    def figure(self):
        """The finished, validated ``go.Figure``."""
        return go.Figure(data=self.data, layout=self.layout)


def spec_json(fig, config=None):
    """A figure as the JSON Plotly.js draws (``{"data", "layout"}`` and, when given, Plotly.js's
    ``config``), without plotly.py's default template (about nine tenths of a small figure's bytes; the
    page styles charts with its own theme)."""
    spec = fig.to_plotly_json()
    spec.get("layout", {}).pop("template", None)
    if config is not None:
        spec["config"] = config
    return to_json_plotly(spec)
