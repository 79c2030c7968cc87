"""Shared look: colours, margins, legends, axes for huge or empty data, and thinning before a browser sees data."""

from __future__ import annotations

import html
import math
import re

import numpy as np

from .draft import Draft

TRAIN_COLOR, TEST_COLOR, BATCH_COLOR = "#1f77b4", "#ff7f0e", "rgba(31,119,180,0.25)"
INIT_COLOR = "rgba(120,120,120,0.45)"
DIVERGING = "RdBu"  # negative red, positive blue, zero white
MAGNITUDE = "Blues"  # sizes ≥ 0 (|W − W₀|): white at 0, dark blue at the largest
NAN_COLOR = "#000000"  # NaN cells of a heatmap: a colour the diverging scale never uses
CLASS_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
LAYER_COLORS = CLASS_COLORS
MAX_POINTS = 1000  # a line chart never carries more points than this per trace
MAX_SCATTER = 2000  # a scatter never draws more data points than this per set (train, test)
HUGE = 1e4  # from here on (in absolute value) hovers use scientific notation
TINY = 1e-3  # below this (and not zero) too, and tick labels powers of ten (2×10⁻⁵)
NO_STEPS = "No steps yet: press Step or Play"

# The narrowest a chart gets: half the main column of a 1024 px window with the sidebar open (274 px).
# Titles, subtitles, legends, heatmap ticks and network headers are laid out to fit it.
CHART_WIDTH = 274
TITLE_SIZE, NOTE_SIZE = 14, 11  # font sizes of the title (bold) and of the subtitle, legend and notes
TITLE_ROOM = CHART_WIDTH - 20  # what a title line or a subtitle line may take: plotly cuts, never wraps it

# Width of a character in em of the dashboard's font (Source Sans, bold 14 px as measured in Chromium;
# regular text is about 5 % narrower). Anything not listed counts as 0.56 em.
_EM = {
    **dict.fromkeys("ijlI.,:;'|!", 0.3),
    **dict.fromkeys("frt()[]/", 0.4),
    **dict.fromkeys("mwMW∇", 0.86),
    **dict.fromkeys("ABCDEFGHJKLNOPQRSTUVXYZ", 0.66),
    " ": 0.2,
}


def text_width(text, size=NOTE_SIZE, bold=False):
    """About how many pixels ``text`` takes in the dashboard's font (erring wide): tags and entities count
    as what they show."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", str(text)))
    return size * (1.0 if bold else 0.95) * sum(_EM.get(ch, 0.56) for ch in plain)


def fits(text, size=NOTE_SIZE, bold=False, room=TITLE_ROOM):
    """Whether ``text`` fits on one line of ``room`` pixels."""
    return text_width(text, size, bold) <= room


def wrap(parts, separator=", ", size=NOTE_SIZE, room=TITLE_ROOM):
    """Parts joined by ``separator`` into lines (joined by ``<br>``) that fit in ``room`` pixels each."""
    lines = []
    for part in parts:
        if lines and fits(lines[-1] + separator + part, size, room=room):
            lines[-1] += separator + part
        else:
            lines.append(part)
    return "<br>".join(lines)


def label(name):
    """A user-supplied name (CSV column, class) as Plotly text that shows exactly as written: Plotly renders
    tags such as ``<b>``, ``<a href>`` and ``<br>`` and entities such as ``&amp;`` in every title, tick, legend
    and hover, so ``&``, ``<`` and ``>`` become entities; ``%{`` would be read as a hover placeholder."""
    return html.escape(str(name), quote=False).replace("%{", "%\u200b{")


def labels(names):
    """:func:`label` for each name (``None`` stays ``None``)."""
    return None if names is None else [label(n) for n in names]


# The legend sits in rows between the title and the plot; plotly wraps it at the plot area's width, which
# in the narrowest chart (CHART_WIDTH, less the y axis's ticks and title and the margins) is about 200 px.
# Rows are counted for that width so the figure grows by them instead of the legend covering the subtitle.
LEGEND_WIDTH, LEGEND_ROW, SUBTITLE_LINE = 200, 22, 14
LEGEND_ITEM = 44  # a legend entry's symbol and gaps, in pixels, besides its text


def layout(fig, title=None, height=320, bottom=10, **extra):
    """Apply the common layout (compact margins, horizontal legend above the plot) and return the figure.

    Whatever follows the first ``<br>`` of ``title`` becomes its subtitle (notes such as "2,000 of
    79,200 points shown"; plotly cuts off a title of several lines anchored at the top). The top
    margin holds the title, the subtitle's lines and the legend's rows; the figure grows by what
    they take beyond one title line and one legend row, so the plot keeps its height. ``bottom`` is the
    bottom margin (room for a horizontal colourbar below the plot).
    No template: Streamlit's own chart theme styles the figures in the app, and a template costs ~6 ms.
    ``fig`` may be a ``go.Figure`` or a :class:`~weightviz.figures.draft.Draft`; a draft is returned as the
    finished ``go.Figure``.
    """
    main, _, note = (title or "").partition("<br>")
    note = note.replace("<sup>", "").replace("</sup>", "")
    rows = legend_rows(fig, extra.get("showlegend"))
    top = (32 + SUBTITLE_LINE * (note.count("<br>") + 1 if note else 0) if main else 10) + (
        LEGEND_ROW * rows + 12 if rows else 0
    )
    base_top = 75 if main else 40  # what one title line and one legend row used to take
    title_layout = None
    if main:
        title_layout = {"text": main, "font": {"size": 14}, "y": 0.98, "yanchor": "top"}
        if note:
            title_layout["subtitle"] = {"text": note, "font": {"size": 11}}
    fig.update_layout(
        title=title_layout,
        height=height + max(0, top - base_top),
        margin={"l": 10, "r": 10, "t": max(top, base_top), "b": bottom},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "font": {"size": 11},
        },
        **extra,
    )
    return fig.figure() if isinstance(fig, Draft) else fig


def legend_rows(fig, showlegend=None, width=LEGEND_WIDTH):
    """How many rows the horizontal legend takes in a chart ``width`` px wide (0 when there is none).

    Entries fill rows left to right; entries sharing a ``legendgroup`` stack in a column of their
    own (plotly's layout of groups in a horizontal legend), so a row of groups is as tall as its
    largest group.
    """
    if showlegend is False:
        return 0
    if isinstance(fig, Draft):
        entries, title = fig.legend_entries(), fig.legend_title()
    else:
        entries = [(t.legendgroup, t.name) for t in fig.data if t.name and t.showlegend is not False]
        title = fig.layout.legend.title.text
    if not entries or (len(entries) == 1 and showlegend is not True):  # plotly hides a one-entry legend
        return 0
    groups = {}  # group -> names; ungrouped entries are groups of one
    for i, (group, name) in enumerate(entries):
        groups.setdefault(group if group else f"#{i}", []).append(name)
    rows, used, tallest = 0, (text_width(title) + 8 if title else 0.0), 0  # a title sits left of the first row
    for names in groups.values():
        item = LEGEND_ITEM + max(text_width(name) for name in names)
        if used and used + item > width:
            rows, used, tallest = rows + tallest, 0.0, 0
        used, tallest = used + item, max(tallest, len(names))
    return rows + tallest


def thin(steps, *columns, max_points=MAX_POINTS):
    """Every k-th row so at most ``max_points`` remain (the last row always kept)."""
    n = len(steps)
    if n <= max_points:
        return (steps, *columns)
    index = np.unique(np.append(np.arange(0, n, int(np.ceil(n / max_points))), n - 1))
    return (steps[index], *(c[index] for c in columns))


def sample_rows(n, max_points=MAX_SCATTER, seed=0):
    """Indices of at most ``max_points`` of ``n`` rows: all of them, or a seeded random subset in order."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def shown_note(parts):
    """A subtitle line ``"train: 2,000 of 79,200 shown"`` for each (name, shown, total) subsampled, or ``""``."""
    cut = [f"{name}: {shown:,} of {total:,} shown" for name, shown, total in parts if shown < total]
    return ("<br><sup>" + "<br>".join(cut) + "</sup>") if cut else ""


def symmetric_range(M, percentile=99.0, spread=100.0):
    """(−m, m) for a diverging scale centred on zero (zero stays white).

    m = max |M| over finite values, unless that maximum is more than ``spread`` times the
    ``percentile`` of the nonzero |M| (one weight of 1e154 among weights near 1): then m is that
    percentile and the extreme values saturate at the ends of the scale instead of turning every
    other cell white. (−1, 1) when nothing is finite and nonzero.
    """
    a = np.abs(np.asarray(M, dtype=float)).ravel()
    a = a[np.isfinite(a) & (a > 0)]
    if not a.size:
        return (-1.0, 1.0)
    m = float(a.max())
    robust = float(np.percentile(a, percentile, method="lower"))
    if m > spread * robust:
        m = robust
    return (-m, m)


def scale_format(m):
    """(tick properties, hover format) for a colourbar or axis over values up to ``m`` in size.

    Ticks are plotly's own (its choice of step keeps labels distinct, and 0 reads "0"): 5k, 2M, 20T,
    then 1×10¹⁵⁴ for huge values; tiny ones as powers of ten (2×10⁻⁵), not SI prefixes (20μ). A d3
    format such as ".2~e" would print the zero tick as "0e+0". Hovers use scientific notation when
    values are huge or tiny.
    """
    if 0 < m < TINY:
        return {"exponentformat": "power"}, ".3~e"
    return {}, (".3~e" if m >= HUGE else ".4~g")


def log_axis(values):
    """Properties of a log y axis over ``values`` (finite, positive ones) that labels decades only.

    Over a decade or more, one label per decade (every k-th decade past six), written as powers of
    ten, with unlabelled minor ticks at 2…9 up to six decades (beyond, they would merge into a bar);
    plotly's own choice there labels every digit ("1 9 8 7 6 …"). Under a decade plotly's
    full-value linear ticks are kept.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    axis = {"type": "log", "exponentformat": "power"}
    if v.size:
        span = math.log10(v.max()) - math.log10(v.min())
        if span >= 1:
            axis |= {"dtick": max(1, math.ceil(span / 6)), "tick0": 0}
            if span <= 6:
                axis["minor"] = {"dtick": "D1", "ticks": "inside"}
    return axis


def note_if_no_steps(fig, steps):
    """Say in the middle of an empty chart why it is empty (no step beyond 0 recorded yet)."""
    if len(steps) == 0 or int(np.max(steps)) <= 0:
        fig.add_annotation(
            x=0.5, y=0.5, xref="paper", yref="paper", text=NO_STEPS, showarrow=False, font={"size": 13, "color": "grey"}
        )
        fig.update_xaxes(range=[0, 10])
        return True
    return False
