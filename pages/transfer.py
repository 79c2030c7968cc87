"""Transfer: pre-trained weights carried to a new task, fine-tuned or frozen, against training from scratch."""

import streamlit as st

from ui import groups, nav, share, state
from ui import transfer as compare

nav.ensure_navigation("transfer")
share.open_link("transfer", compare.LINK_CHECKS)
compare.restore_widgets()  # what another page made Streamlit forget

st.title("Transfer learning")
st.write(
    "Pre-trained weights are said to make a new task easier: start from a network trained on a related task with "
    "plenty of labels, replace its output layer, and train on the few labels the new task has. Below, one network "
    "is **pre-trained on the source task**, then three runs train on the **same few target examples with the same "
    "mini-batches and the same new output layer**: **from scratch** (fresh weights everywhere), **fine-tuned** "
    "(the pre-trained layers, each as you choose in the sidebar) and **frozen features** (the pre-trained layers "
    "never change; only the output layer learns). Whether the claim holds depends on the tasks: try both."
)

with st.sidebar:
    share_slot = st.container()
    chosen = compare.settings()
compare.examples(chosen)
pre = compare.pretrained(chosen)
st.caption(compare.pretraining_note(pre))
group, names = compare.current_group(chosen, pre)
replayed = share.replay_link("transfer", group, compare.why_settings_only(chosen))
playing, per_frame = groups.step_buttons(state.TRANSFER_GROUP, state.TRANSFER_KEYS)
goal, layer = compare.view_controls(len(chosen.config.hidden_sizes) + 1)
groups.live_view(group, playing, per_frame, lambda: compare.comparison(names, list(group), goal, layer, playing))
compare.remember_widgets()
share.finish("transfer", compare.shared(group, chosen), [replayed], share_slot)
