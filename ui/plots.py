"""Charts on the page: ``st.plotly_chart`` when a person can hover and zoom, and while Play runs a chart
that Plotly *updates in place* from one frame to the next.

Why: ``st.plotly_chart`` gives a chart a new identity whenever its figure changes (the figure is part of
its element id), so every frame of Play threw the four live charts away and Plotly drew them from
nothing (``newPlot``, new DOM). The live chart here is a Streamlit component (``st.components.v2``)
keyed by name: it keeps its element across frames and calls ``Plotly.react``, which redraws the same
plot with new data. It uses the Plotly.js that Streamlit's own charts load (``window.Plotly``; every
page that draws a live chart also draws ``st.plotly_chart`` charts) and borrows their theme (the
``layout.template`` Streamlit builds from the app's theme), so both kinds of chart look alike.
Figures travel as JSON bytes without plotly.py's default template.
"""

from __future__ import annotations

import streamlit as st

from weightviz.figures.draft import spec_json

# Runs in the page (a module Streamlit imports once and calls on every update with the same element).
LIVE_JS = r"""
let theme = null;  // the template Streamlit's own charts carry: fonts, grid and axis colours

function streamlitTheme() {
  if (theme) return theme;
  const chart = document.querySelector('.stPlotlyChart .js-plotly-plot');
  const template = chart && chart.layout && chart.layout.template;
  if (template) theme = JSON.parse(JSON.stringify(template));
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
  const draw = (tries) => {
    if (plot.wvPending !== figure) return;  // a newer frame has arrived
    const Plotly = window.Plotly;
    if (!Plotly) {
      if (tries < 600) setTimeout(() => draw(tries + 1), 50);
      else plot.textContent = 'This chart needs Plotly, which has not loaded: reload the page.';
      return;
    }
    const template = streamlitTheme();
    if (template) layout.template = template;
    if (layout.title && typeof layout.title.text === 'string' && !layout.title.text.startsWith('<b>')) {
      layout.title.text = '<b>' + layout.title.text + '</b>';  // as Streamlit's theme writes titles
    }
    Plotly.react(plot, figure.data || [], layout, { staticPlot: true, responsive: true, displaylogo: false })
      .catch((error) => { plot.textContent = 'This chart could not be drawn: ' + error; });
  };
  draw(0);
}
"""

_live_chart = st.components.v2.component("weightviz_live_chart", js=LIVE_JS, isolate_styles=False)


def plot(container, fig, key, static=False, **chart):
    """Draw ``fig`` in ``container``: with ``static`` (while playing) as a picture Plotly updates in place
    (its key is ``key + "_live"``), else as an interactive ``st.plotly_chart`` with ``chart`` options."""
    if static:
        with container:
            _live_chart(data=spec_json(fig).encode(), key=f"{key}_live")
    else:
        container.plotly_chart(fig, key=key, **chart)
