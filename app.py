"""weightviz: train a model step by step and watch its weights learn. Start: streamlit run app.py"""

import streamlit as st

st.set_page_config(page_title="weightviz", layout="wide")
st.navigation([st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True)]).run()
