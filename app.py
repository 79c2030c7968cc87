"""weightviz: train a model step by step and watch its weights learn. Start: streamlit run app.py"""

import streamlit as st

from ui import nav

st.set_page_config(page_title="weightviz", page_icon=":material/neurology:", layout="wide")
nav.enter_app()
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/initializers.py", title="Initializers", icon=":material/compare:"),
    st.Page("pages/regularization.py", title="Regularization", icon=":material/compress:"),
    st.Page("pages/attributions.py", title="Attributions", icon=":material/insights:"),
    st.Page("pages/transfer.py", title="Transfer", icon=":material/move_up:"),
    st.Page("pages/inspect.py", title="Inspect", icon=":material/search:"),
]
navigation = st.navigation(pages)
nav.follow_deep_link(pages)
navigation.run()
