"""Attributions: which features drove each prediction of the session's model, and by how much."""

import streamlit as st

from ui import attributions as explain
from ui import nav, share

nav.ensure_navigation("attributions")
share.open_link("attributions")
explain.restore_widgets()  # what another page made Streamlit forget

st.title("Feature attributions")
st.write(
    "A Shapley value shares a prediction out among the features: φ_i is what feature i adds to this row's "
    "output, on average over every order in which the features could join, against a background of training "
    "rows. They add up to the output minus the average output. In a linear model each is the weight times how "
    "far the feature is from its average; in a network they depend on the other features too."
)
run, replayed = explain.chosen_run()
if run is not None:
    asked = explain.settings(run)
    result = explain.explanation(run, asked)
    if result is not None:
        explain.summary(run, result)
        explain.charts(run, result)
explain.remember_widgets()
share.finish("attributions", explain.shared(run), [replayed])
