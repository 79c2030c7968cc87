"""Initializers: the same network, the same data and mini-batches; only the starting weights differ."""

import streamlit as st

from ui import groups, nav, share, state
from ui import initializers as compare

nav.ensure_navigation("initializers")
share.open_link("initializers", compare.LINK_CHECKS)

st.title("Initializers side by side")
st.write(
    "How the first weights are drawn decides whether a deep network can learn at all. Each column below "
    "is the **same network** trained on the **same data with the same mini-batches** (one trainer seed for "
    "all); only the initializer differs. Watch how the spread of the activations and of the gradients "
    "flowing back changes from layer to layer: it shrinks to nothing (vanishing), grows without bound "
    "(exploding), piles up at ±1 (a saturated tanh), or stays about the same, which is what the formulas "
    "of LeCun (Var w = 1/fan_in), Xavier (2/(fan_in + fan_out)) and He (2/fan_in) are built for."
)

with st.sidebar:
    share_slot = st.container()
    base = compare.base_config()
chosen = compare.chosen_inits()
group, names = compare.current_group(base, chosen)
replayed = share.replay_link("initializers", group, share.config_only(base))
playing, per_frame = groups.step_buttons(state.INIT_GROUP, state.INIT_KEYS)
groups.live_view(group, playing, per_frame, lambda: compare.comparison(group, names, playing))
st.caption(
    "Activation spread: the standard deviation of each hidden layer's outputs. Gradient reaching each "
    "layer: the spread of ∂L/∂output, what backpropagation hands that layer; when it shrinks layer after "
    "layer, the first layers barely learn. The heatmaps show every layer's distribution (a row each): a "
    "thin line at 0 has vanished, bright ends at ±1 have saturated."
)
share.finish("initializers", group, [replayed], share_slot)
