"""Home: what a weight, a bias and a gradient are, on the one-feature model y = w·x + b."""

import streamlit as st

from ui import actions, nav, share, state
from ui import home as home_run
from weightviz import figures, grids, least_squares
from weightviz.formatting import compact, number

KEYS = state.HOME_KEYS
nav.ensure_navigation("")
share.open_link("home")

st.title("weightviz: watch weights learn")
st.write(
    "A model is a function with knobs. The simplest one predicts a house's price from its floor area: "
    "**price = w · area + b**. The **weight** w is the price per 1000 square feet, the **bias** b the price of "
    "an empty plot. Set them by hand below and watch the error. The **loss** (mean squared error) is one "
    "number for the whole data set; its **gradient** (∂L/∂w, ∂L/∂b) points uphill on the loss surface, so "
    "**gradient descent** steps the other way: w ← w − η·∂L/∂w, b ← b − η·∂L/∂b."
)

home = home_run.data()
ds, x, y = home["dataset"], home["x"], home["y"]
best = least_squares.least_squares_line(x, y)
W_RANGE, B_RANGE = (-1.0, 4.0), (-3.0, 4.0)

left, right = st.columns(2)
with left:
    w = st.slider(
        "w (weight: price per 1000 sq ft, in $100k)", *W_RANGE, value=0.5, step=0.05, key=KEYS.w, bind=state.URL
    )
    b = st.slider("b (bias: price at zero area, in $100k)", *B_RANGE, 2.0, 0.05, key=KEYS.b, bind=state.URL)
with right:
    st.markdown("**Gradient descent** from your (w, b), one full-batch step at a time:")
    lr = st.select_slider(
        "Learning rate η",
        home_run.LEARNING_RATES,
        value=0.05,
        key=KEYS.lr,
        bind=state.URL,
        help="Above about 0.17 the steps overshoot further each time and diverge.",
    )
    buttons = st.columns(3)
    buttons[0].button(
        "Restart",
        on_click=home_run.start,
        args=(w, b, lr),
        key=KEYS.start,
        width="stretch",
        help="Start gradient descent again from the (w, b) the sliders set",
    )
    buttons[1].button("1 step", on_click=home_run.steps, args=(1, lr), key=KEYS.step1, width="stretch")
    buttons[2].button("10 steps", on_click=home_run.steps, args=(10, lr), key=KEYS.step10, width="stretch")

descent = home_run.Descent(home_run.trainer(), w, b, lr)
replayed = share.replay_link("home", descent)
loss = float(least_squares.mse_surface(x, y, [w], [b])[0, 0])
grad = least_squares.mse_gradient(x, y, w, b)
t = home_run.trainer()
cols = st.columns(4)  # across the page: a metric card in half a column would cut its number at 1024 px
cols[0].metric("Loss (MSE)", compact(loss, max_chars=6), help="At your (w, b): mean over houses of (w·x + b − price)²")
cols[1].metric("∂L/∂w", compact(grad[0], signed=True, max_chars=6), help="At your (w, b)")
cols[2].metric("∂L/∂b", compact(grad[1], signed=True, max_chars=6), help="At your (w, b)")
cols[3].metric("Descent steps", f"{t.step_count:,}" if t is not None else "–")
actions.show_messages(t, rewind_key=KEYS.rewind)

left, right = st.columns(2)
left.plotly_chart(figures.line_fit(x, y, w, b, best, ds.feature_names[0], ds.target_name), key=KEYS.fit)
path = home_run.path()
ws, bs = grids.grid_axes(W_RANGE, B_RANGE, 80)
surface = least_squares.mse_surface(x, y, ws, bs)
right.plotly_chart(
    figures.loss_surface(ws, bs, surface, path=path, point=(w, b), gradient=grad, best=best), key=KEYS.surface
)
if path is not None and len(path) > 1:
    steps = t.step_count
    right.caption(
        f"{steps:,} step{'s' if steps != 1 else ''}: now w = {number(path[-1, 0], 3)}, "
        f"b = {number(path[-1, 1], 3)} (least squares: w = {number(best[0], 3)}, b = {number(best[1], 3)})."
    )

st.subheader("Go further")
home_run.go_further()
share.finish("home", descent, [replayed])
