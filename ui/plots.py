"""The live charts (loss, predictions, network, weights): Plotly charts *updated in place*.

Why: ``st.plotly_chart`` gives a chart a new identity whenever its figure changes (the figure is part of
its element id), so every Play frame threw the four live charts away and Plotly drew them from nothing
(``newPlot``, new DOM), and Streamlit draws a new chart twice (once to learn its width). The live chart
here is a Streamlit component (``st.components.v2``) keyed by name: it keeps its element across frames,
Step clicks and Play/pause, and calls ``Plotly.react``, which redraws the same plot with new data.
Paused, it is interactive (hover, zoom, Plotly's mode bar); playing, a static picture.

It uses the Plotly.js that Streamlit's own charts load (``window.Plotly``) and borrows their theme (the
``layout.template`` Streamlit builds from the app's theme), so both kinds look alike: a page that draws
live charts also draws an ``st.plotly_chart`` (the Train page's layer tabs always hold one). Figures
travel as JSON bytes without plotly.py's default template.
"""

from __future__ import annotations

import streamlit as st

from weightviz.figures.draft import spec_json

# Plotly.js options: as Streamlit's charts (no logo, no selection tools), or a static picture while playing
INTERACTIVE = {"responsive": True, "displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
STATIC = {"responsive": True, "staticPlot": True}
THEME_WAIT_MS = 3000  # how long a chart waits for a Streamlit chart to borrow the theme from

# Runs in the page: a module Streamlit imports once and calls on every update with the same element.
LIVE_JS = r"""
let theme = null, themeSource = null;  // the template Streamlit's charts carry: fonts, grid, axis colours

function streamlitTheme() {
  // Streamlit rebuilds its charts' template when the app's theme changes: copy it again then
  const chart = document.querySelector('.stPlotlyChart .js-plotly-plot');
  const template = chart && chart.layout && chart.layout.template;
  if (template && template !== themeSource) {
    theme = JSON.parse(JSON.stringify(template));
    themeSource = template;
    // a chart in the sidebar carries the sidebar's background: see through to wherever this chart is
    if (theme.layout) {
      theme.layout.paper_bgcolor = theme.layout.plot_bgcolor = 'rgba(0,0,0,0)';
      if (theme.layout.modebar) delete theme.layout.modebar.bgcolor;
    }
  }
  return theme;
}

export default function ({ parentElement, data }) {
  let plot = parentElement.querySelector(':scope > .wv-live-plot');
  if (!plot) {
    plot = document.createElement('div');
    plot.className = 'wv-live-plot';
    plot.setAttribute('data-testid', 'wvLivePlot');
    parentElement.appendChild(plot);
  }
  const figure = JSON.parse(new TextDecoder().decode(data));
  const layout = figure.layout || {};
  plot.style.height = (layout.height || 320) + 'px';
  plot.wvPending = figure;
  const started = performance.now();
  const draw = () => {
    if (plot.wvPending !== figure) return;  // a newer frame has arrived
    const Plotly = window.Plotly, template = streamlitTheme();
    const waited = performance.now() - started;
    if (!Plotly || (!template && waited < THEME_WAIT_MS)) {
      if (waited < 30000) setTimeout(draw, 50);
      else plot.textContent = 'This chart needs Plotly, which has not loaded: reload the page.';
      return;
    }
    if (template) layout.template = template;
    if (layout.title && typeof layout.title.text === 'string' && !layout.title.text.startsWith('<b>')) {
      layout.title.text = '<b>' + layout.title.text + '</b>';  // as Streamlit's theme writes titles
    }
    Plotly.react(plot, figure.data || [], layout, figure.config || {})
      .catch((error) => { plot.textContent = 'This chart could not be drawn: ' + error; });
  };
  draw();
}
""".replace("THEME_WAIT_MS", str(THEME_WAIT_MS))

_live_chart = st.components.v2.component("weightviz_live_chart", js=LIVE_JS, isolate_styles=False)


def chart_options(static):
    """``st.plotly_chart`` options: a static picture while playing (no hover layers, no mode bar: the
    browser's work per frame halves), interactive otherwise."""
    return {"config": {"staticPlot": True}} if static else {}


def live_chart(container, fig, key, static=False):
    """Draw ``fig`` in ``container`` as the live chart ``key``: interactive, or with ``static`` (while
    playing) a picture; either way updated in place from one rerun to the next."""
    payload = spec_json(fig, STATIC if static else INTERACTIVE).encode()
    with container:
        _live_chart(data=payload, key=key)
