"""Regularization: the same model, data and mini-batches; only the penalties differ. And the paths over λ."""

import streamlit as st

from ui import groups, nav, share, state
from ui import regularization as compare

nav.ensure_navigation("regularization")
share.open_link("regularization", compare.LINK_CHECKS)
compare.restore_widgets()  # what a closed tab, a hidden run or another page made Streamlit forget

st.title("Regularization side by side")
st.write(
    "A penalty trades fitting the training data for simpler weights. Each run below trains the **same model** "
    "from the **same first weights** on the **same data with the same mini-batches**; only its penalty differs: "
    "**L1** (λ·Σ|w|) pushes weights to exactly 0 and drops features, **L2** ((λ/2)·Σw²) shrinks every weight "
    "smoothly, **elastic net** does both, **AdamW**'s weight decay shrinks each weight by the same share every "
    "step, and **dropout** (networks) switches random units off so no unit can rely on another."
)

with st.sidebar:
    share_slot = st.container()
    base = compare.shared_config()
network = bool(base.hidden_sizes)
replayed = None
side, sweep = st.tabs(["Side by side", "λ sweep (the linear model)"], key=state.REG_KEYS.view, on_change="rerun")
if side.open is not False:
    with side:
        settings = compare.run_settings(network)
        group, labels = compare.current_group(base, settings)
        replayed = share.replay_link("regularization", group, share.config_only(base))
        playing, per_frame = groups.step_buttons(state.REG_GROUP, state.REG_KEYS)
        groups.live_view(group, playing, per_frame, lambda: compare.side_by_side(labels, list(group), playing))
if sweep.open is not False:
    with sweep:
        compare.lambda_sweep(compare.dataset_for(base))
compare.remember_widgets()
if (shown := compare.kept_group()) is not None:
    share.finish("regularization", shown, [replayed], share_slot)
