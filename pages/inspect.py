"""Inspect: the weights of a network trained anywhere, tensor by tensor, against a random matrix's."""

import streamlit as st

from ui import inspect as look
from ui import nav, share

nav.ensure_navigation("inspect")
share.open_link("inspect")

st.title("Inspect weights")
st.write(
    "Drop in the weights of a network trained anywhere — PyTorch, Keras, JAX (as **safetensors**), or weightviz "
    "itself (the Train page's **.npz**) — and see, tensor by tensor, what training changed: where the numbers sit "
    "against the formulas a fresh layer is drawn from, and which directions of the matrix stand above what the "
    "very same numbers, shuffled, give by chance. Nothing in the file is run: only numbers are read."
)
with st.sidebar:
    share_slot = st.container()
    chosen = look.chosen_file()
if chosen is None:
    st.info("Upload a weights file in the sidebar, or pick the sample.")
    st.stop()
key, name, read = chosen
look.overview(name, read)
tensor = look.pick(read)
look.views(key, tensor)
share.finish("inspect", look.shared(key), box=share_slot)
