"""Train: pick data and a model, press Step, watch the loss and the weights."""

import streamlit as st

from weightviz import datasets, figures, initializers, optimizers, ui

st.title("Train a model step by step")
st.write(
    "Each **Step** draws a mini-batch, computes the gradient of the loss with respect to every weight, "
    "and moves the weights a little against it. The curve shows the loss falling as they learn."
)

config = ui.current_config()
with st.sidebar:
    dataset = st.selectbox("Dataset", list(datasets.DATASETS), index=list(datasets.DATASETS).index(config.dataset))
    init = st.selectbox(
        "Initializer", list(initializers.INITIALIZERS), index=list(initializers.INITIALIZERS).index(config.init)
    )
    optimizer = st.selectbox(
        "Optimizer", list(optimizers.OPTIMIZERS), index=list(optimizers.OPTIMIZERS).index(config.optimizer)
    )
    lr = st.number_input("Learning rate", min_value=1e-5, max_value=10.0, value=config.lr, format="%g")
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=config.seed, step=1)

ds, trainer = ui.get_trainer(config.replace(dataset=dataset, init=init, optimizer=optimizer, lr=lr, seed=int(seed)))

buttons = st.columns(4)
buttons[0].button("Step", on_click=ui.train, args=(1,), key="step1", width="stretch")
buttons[1].button("Step ×10", on_click=ui.train, args=(10,), key="step10", width="stretch")
buttons[2].button("Step ×100", on_click=ui.train, args=(100,), key="step100", width="stretch")
buttons[3].button("Reset", on_click=ui.reset, key="reset", width="stretch")
ui.show_message()

scores = trainer.last_eval or {}
metric = trainer.model.task.metric_name
cols = st.columns(3)
cols[0].metric("Step", trainer.step_count)
cols[1].metric("Train loss", f"{scores.get('train_loss', float('nan')):.4f}")
cols[2].metric(f"Test {metric}", f"{scores.get('test_metric', float('nan')):.3f}")
st.plotly_chart(figures.loss_curves(trainer.history), key="loss_curves", width="stretch")
st.caption(f"{ds.description} Model: {trainer.model}.")
