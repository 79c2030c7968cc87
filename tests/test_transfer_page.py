"""The Transfer page through AppTest: three runs on the same target batches from the same pre-trained layers,
the fine-tuned run's plan, its charts, a link that replays bit for bit, and settings kept across pages."""

import base64

import numpy as np

from tests.test_pages import TRANSFER, figures, open_link, set_widget, shown, title
from ui import runs, state
from weightviz import MLP, checkpoints, experiment, transfer


def group_of(at):
    group, names, _ = at.session_state[state.TRANSFER_GROUP.key]
    return list(group), names


def test_the_page_trains_three_runs_from_one_pretraining_on_the_same_batches():
    at = open_link(TRANSFER, {})
    (scratch, fine, frozen), names = group_of(at)
    assert names == ["From scratch", "Fine-tuned", "Frozen features"]
    pre = transfer.pretrained(**{"task": "clean digits → noisy digits", "hidden_sizes": (64,), "steps": 2000,
                                 "seed": 0, "activation": "relu"})  # fmt: skip
    assert np.array_equal(fine.trainer.model.weights[0], pre.layers[0][0])
    assert np.array_equal(scratch.trainer.model.weights[1], fine.trainer.model.weights[1])  # one new output layer
    assert fine.dataset.n_outputs == 10 and len(fine.dataset.X_train) == 100  # 10 per class, the default
    at.button(key="t_step100").click().run()
    assert not at.exception and [r.trainer.step_count for r in (scratch, fine, frozen)] == [100] * 3
    assert all(np.array_equal(r.trainer.epoch_order(0), scratch.trainer.epoch_order(0)) for r in (fine, frozen))
    assert np.array_equal(frozen.trainer.model.weights[0], pre.layers[0][0])  # frozen: bit for bit
    assert not np.array_equal(fine.trainer.model.weights[0], pre.layers[0][0])
    table = at.dataframe[0].value
    assert list(table["run"]) == names and "steps to reach 80%" in table.columns
    titles = [title(f) for f in figures(at)]
    for wanted in ("Test accuracy", "Test loss", "How much of each layer changed", "From scratch: |W − W₀|",
                   "Frozen features: |W − W₀|", "At the start", "Now", "Change"):  # fmt: skip
        assert any(t.startswith(wanted) for t in titles), (wanted, titles)
    moved = next(f for f in figures(at) if title(f) == "How much of each layer changed")
    y = next(t for t in moved["data"] if t["name"] == "Frozen features")["y"]
    y = np.frombuffer(base64.b64decode(y["bdata"]), y["dtype"]) if isinstance(y, dict) else np.asarray(y)
    assert y[0] == 0 and y[1] > 0
    scales = {f["data"][0]["zmax"] for f in figures(at) if title(f).endswith("|W − W₀|")}
    assert len(scales) == 1 and scales.pop() > 0  # one colour scale for the three runs
    assert any("Pre-trained layers (64 → 64, relu) from clean digits" in c for c in shown(at.caption))


def test_the_plan_freezes_or_reinitializes_the_fine_tuned_runs_layers_and_live_changes_keep_the_runs():
    at = open_link(TRANSFER, {})
    set_widget(at, "t_hidden", "64, 64")
    set_widget(at, "t_plan0", "freeze")
    set_widget(at, "t_plan1", "re-initialize")
    (scratch, fine, _), _ = group_of(at)
    assert fine.trainer.layer_lr == [0.0, 1.0, 1.0]
    assert np.array_equal(fine.trainer.initial_weights[1], scratch.trainer.initial_weights[1])  # a fresh draw
    at.button(key="t_step10").click().run()
    set_widget(at, "t_lr", 0.003)  # a live change: the same runs go on
    (_, fine_after, _), _ = group_of(at)
    assert fine_after is fine and fine.trainer.lr == 0.003 and fine.trainer.step_count == 10
    assert np.array_equal(fine.trainer.model.weights[0], fine.trainer.initial_weights[0])
    set_widget(at, "t_batch", 64)  # a rebuild of every run, from the same start
    (_, fine_rebuilt, _), _ = group_of(at)
    assert fine_rebuilt.trainer.step_count == 0 and fine_rebuilt.trainer.layer_lr == [0.0, 1.0, 1.0]
    assert np.array_equal(fine_rebuilt.trainer.initial_weights[0], fine.trainer.initial_weights[0])
    fine = fine_rebuilt
    set_widget(at, "t_per_class", 30)  # another target: new runs at step 0
    (_, fine_new, _), _ = group_of(at)
    assert fine_new is not fine and len(fine_new.dataset.X_train) == 300 and fine_new.trainer.step_count == 0


def test_a_transfer_link_replays_to_the_senders_weights_bit_for_bit():
    params = {"t_task": "digits 0–4 → digits 5–9", "t_hidden": "32", "t_pre_steps": "500", "t_per_class": "5",
              "t_plan0": "fine-tune slowly", "t_seed": "3", "t_lr": "0.03", "step": "40",
              "live": "0-lr-0.01~15-lr-0.03"}  # fmt: skip
    at = open_link(TRANSFER, params)
    assert not [w for w in shown(at.warning) if "link" in w]
    (_, fine, _), _ = group_of(at)
    config = experiment.Config(dataset="digits", hidden_sizes=(32,), activation="relu", init="he_normal",
                               optimizer="adam", lr=0.01, batch_size=32, seed=3)  # fmt: skip
    pre = transfer.pretrain("digits 0–4 → digits 5–9", (32,), 500, 3)
    by_hand = runs.Run(config, dataset=transfer.target("digits 0–4 → digits 5–9", 5, 3),
                       start=transfer.Start(pre, ("fine-tune slowly",)))  # fmt: skip
    by_hand.train(15)
    by_hand.update(config.replace(lr=0.03), by_hand.dataset)
    by_hand.train(25)
    got, expected = fine.trainer.model.state(), by_hand.trainer.model.state()
    assert fine.trainer.step_count == 40 and all(np.array_equal(got[k], expected[k]) for k in expected)


def test_a_garbage_link_shows_the_defaults_and_says_which_values_it_refused():
    params = {"t_task": "mnist → svhn", "t_per_class": "9999", "t_pre_steps": "1e9", "t_plan0": "melt",
              "t_hidden": "4096", "t_seed": "-1", "step": "5"}  # fmt: skip
    at = open_link(TRANSFER, params)
    (warning,) = [w for w in shown(at.warning) if "link" in w]
    for said in ("t_task=mnist → svhn", "t_per_class=9999", "t_pre_steps=1e9", "t_plan0=melt", "t_hidden=4096"):
        assert said in warning, warning
    (scratch, _, _), _ = group_of(at)
    assert scratch.config.hidden_sizes == (64,) and len(scratch.dataset.X_train) == 100


def test_settings_and_runs_survive_another_page():
    at = open_link(TRANSFER, {})
    set_widget(at, "t_task", "digits 0–4 → digits 5–9")
    set_widget(at, "t_plan0", "freeze")
    at.button(key="t_step10").click().run()
    (_, fine, _), _ = group_of(at)
    at.switch_page("pages/home.py").run()
    at.switch_page(TRANSFER).run()
    assert not at.exception
    (_, fine_back, _), _ = group_of(at)
    assert fine_back is fine and fine.trainer.step_count == 10
    assert at.selectbox(key="t_plan0").value == "freeze" and at.selectbox(key="t_task").value.startswith("digits 0")


def upload_weights(at, content, name="weightviz-64-32-10.npz"):
    at.file_uploader(key="t_weights_file").set_value((name, content, "application/octet-stream")).run()
    assert not at.exception, at.exception


def test_a_weights_file_replaces_pretraining_and_a_wrong_one_is_explained_and_changes_nothing():
    at = open_link(TRANSFER, {})
    own = MLP([64, 32, 16, 10], "tanh", "multiclass", "he_normal", seed=9)
    upload_weights(at, checkpoints.save_bytes(own))
    (scratch, fine, frozen), _ = group_of(at)
    assert fine.config.hidden_sizes == (32, 16) and fine.config.activation == "tanh"
    assert np.array_equal(fine.trainer.initial_weights[0], own.weights[0])
    assert np.array_equal(frozen.trainer.initial_weights[1], own.weights[1])
    assert not np.array_equal(scratch.trainer.initial_weights[0], own.weights[0])
    assert at.selectbox(key="t_plan1")  # a plan for each of the file's hidden layers
    assert "weights file, which a link does not carry" in " ".join(shown(at.caption))
    at.button(key="t_step10").click().run()
    for content, said in (
        (b"not a zip", "cannot be used"),
        (checkpoints.save_bytes(MLP([2, 8, 1], seed=1)), "takes 2 inputs; the digits have 64 pixels"),
        (checkpoints.save_bytes(MLP([64, 10], task="multiclass")), "no hidden layer"),
    ):
        upload_weights(at, content, "bad.npz")
        assert any(e.startswith("bad.npz cannot be used") and said in e for e in shown(at.error)), shown(at.error)
        assert "the layers of weightviz-64-32-10.npz stay" in " ".join(shown(at.error))
        (_, still, _), _ = group_of(at)
        assert still is fine and fine.trainer.step_count == 10
    upload_weights(at, checkpoints.save_bytes(own))  # the good file again; then another page and back
    (_, fine, _), _ = group_of(at)
    at.button(key="t_step10").click().run()
    at.switch_page("pages/home.py").run()
    at.switch_page(TRANSFER).run()
    (_, back, _), _ = group_of(at)
    assert back is fine and fine.trainer.step_count == 10 and not at.exception
    assert "In use: weightviz-64-32-10.npz, uploaded earlier." in shown(at.caption)
    at.button(key="t_forget_file").click().run()  # back to pre-training here
    (_, own_gone, _), _ = group_of(at)
    assert own_gone.config.hidden_sizes == (64,)
    upload_weights(at, checkpoints.save_bytes(own))
    at.file_uploader(key="t_weights_file").set_value(None).run()  # emptied (a browser replacing a file does
    (_, still_own, _), _ = group_of(at)  # that in between): the file stays in use until it is forgotten
    assert still_own.config.hidden_sizes == (32, 16)
    at.button(key="t_forget_file").click().run()
    (_, back, _), _ = group_of(at)
    assert back.config.hidden_sizes == (64,) and back.config.activation == "relu"
