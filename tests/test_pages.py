"""Every page through streamlit.testing.v1.AppTest, with the default settings and a spread of configurations."""

import base64
import json
import re

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import runs, sections, state
from weightviz import datasets, experiment, initializers, optimizers, sharing

APP = str(ROOT / "app.py")
TRAIN = "pages/train.py"


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    yield


def open_train(timeout=60):
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    at.switch_page(TRAIN).run()
    assert not at.exception, at.exception
    return at


def trainer_of(at):
    return at.session_state[state.TRAIN_RUN.key].trainer


def step_metric(at):
    return at.metric[0].value.replace(",", "")


def shown(elements):
    """What messages show a person: their Markdown with ui.plain's escapes and word joiners removed."""
    return [re.sub(r"\\(.)", r"\1", e.value).replace("\u2060", "") for e in elements]


def charts(at):
    """The live charts (a component updated in place, ui/plots.py), then the st.plotly_chart charts."""
    return at.get("bidi_component") + at.get("plotly_chart")


def figures(at):
    """Each chart's figure decoded from its JSON: compare values, never the text, whose escapes (× or
    \\u00d7) and spacing depend on which encoder plotly finds installed (orjson or json)."""
    return [json.loads(c.proto.bytes if c.type == "bidi_component" else c.proto.spec) for c in charts(at)]


def every_tab(at):
    """The figures of the page with each tab of the layer inspector open in turn (only the open tab is
    computed and drawn), by title; the first tab is open again afterwards."""
    found = {}
    labels = [t.label for t in at.tabs]
    assert labels, "no layer inspector tabs"
    for label in labels + labels[:1]:
        at.session_state[state.TRAIN_KEYS.w_detail] = label
        at.run()
        assert not at.exception, at.exception
        for figure in figures(at):
            found.setdefault(title(figure), figure)
    return found


def title(figure):
    return figure.get("layout", {}).get("title", {}).get("text", "")


def set_widget(at, key, value):
    """Set a widget by key and rerun; fails the test on any exception."""
    widget = (
        at.get("selectbox")
        + at.get("select_slider")
        + at.get("slider")
        + at.get("text_input")
        + at.get("checkbox")
        + at.get("radio")
        + at.get("number_input")
        + at.get("toggle")
    )
    matches = [w for w in widget if getattr(w, "key", None) == key]
    assert matches, f"no widget with key {key!r}"
    matches[0].set_value(value).run()
    assert not at.exception, at.exception
    return at


def test_train_page_default_settings_draw_everything():
    at = open_train()
    assert step_metric(at) == "0"
    assert len(charts(at)) == 5  # the live charts and the open tab's metric (no gradient before the first step)
    assert len(every_tab(at)) >= 10
    at.session_state[state.TRAIN_KEYS.w_detail] = "Over time"
    at.run()
    shown_titles = [title(f) for f in figures(at)]
    assert any("weights over time" in t for t in shown_titles) and not any("now vs" in t for t in shown_titles)
    assert not at.warning


def test_step_trains_and_reset_restores_the_initial_weights():
    at = open_train()
    initial = trainer_of(at).model.params.copy()
    at.button(key="step1").click().run()
    assert step_metric(at) == "1"
    at.button(key="step10").click().run()
    assert step_metric(at) == "11"
    assert not np.array_equal(trainer_of(at).model.params, initial)
    at.button(key="reset").click().run()
    assert step_metric(at) == "0"
    np.testing.assert_array_equal(trainer_of(at).model.params, initial)


@pytest.mark.parametrize("kind", ["linear", "network"])
@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_every_dataset_and_model_kind_trains_without_exception(name, kind):
    at = open_train()
    set_widget(at, "w_dataset", name)
    set_widget(at, "w_kind", kind)
    at.button(key="step10").click().run()
    assert not at.exception, at.exception
    assert step_metric(at) == "10"
    model = trainer_of(at).model
    ds = datasets.load(name)
    assert model.layer_sizes[0] == ds.n_features and model.task_name == ds.task
    assert (len(model.weights) == 1) == (kind == "linear")
    assert len(every_tab(at)) >= 11


@pytest.mark.parametrize(
    "hidden,activation,dropout,batch_norm",
    [
        ("4", "relu", 0.0, False),
        ("16, 8, 4", "sigmoid", 0.2, False),
        ("8,8,8,8,8,8", "gelu", 0.0, True),
        ("32 16", "leaky_relu", 0.5, True),
        ("3", "elu", 0.0, False),
    ],
)
def test_depths_and_layer_options(hidden, activation, dropout, batch_norm):
    at = open_train()
    set_widget(at, "w_hidden", hidden)
    set_widget(at, "w_activation", activation)
    set_widget(at, "w_dropout", dropout)
    set_widget(at, "w_batch_norm", batch_norm)
    at.button(key="step100").click().run()
    assert not at.exception and step_metric(at) == "100"
    model = trainer_of(at).model
    assert len(model.weights) == len(hidden.replace(",", " ").split()) + 1
    assert bool(model.batch_norms) == batch_norm
    for layer, name in enumerate(sections.layer_names(model)):  # every layer's inspector draws
        set_widget(at, "w_layer", name)
        assert f"Layer {layer + 1} in detail" in [h.value for h in at.subheader]


def test_the_layer_selector_names_the_current_models_layers_after_a_rebuild():
    """A reviewer saw "layer 1: 20 → 8" for a digits model (64 inputs) after switching data."""
    at = open_train()
    set_widget(at, "w_layer", "layer 2: 8 → 8")
    set_widget(at, "w_dataset", "iris")
    assert at.selectbox(key="w_layer").value == "layer 2: 8 → 8"  # the same layer exists: kept
    set_widget(at, "w_layer", "layer 1: 4 → 8")
    set_widget(at, "w_dataset", "digits")
    assert at.selectbox(key="w_layer").value == "layer 1: 64 → 8"
    assert at.selectbox(key="w_layer").options == ["layer 1: 64 → 8", "layer 2: 8 → 8", "layer 3: 8 → 10 (output)"]


@pytest.mark.parametrize("optimizer", list(optimizers.OPTIMIZERS))
def test_every_optimizer(optimizer):
    at = open_train()
    set_widget(at, "w_optimizer", optimizer)
    at.button(key="step10").click().run()
    assert not at.exception and trainer_of(at).optimizer_name == optimizer


@pytest.mark.parametrize("init", list(initializers.INITIALIZERS))
def test_every_initializer_and_a_schedule(init):
    at = open_train()
    set_widget(at, "w_init", init)
    set_widget(at, "w_schedule", "cosine")
    at.button(key="step10").click().run()
    assert not at.exception and trainer_of(at).model.config["init"] == init


def diverged_house_prices():
    """The Train page after 100 plain-SGD steps of y = w·x + b at learning rate 10: diverged."""
    at = open_train()
    set_widget(at, "w_dataset", "house_prices")
    set_widget(at, "w_kind", "linear")
    set_widget(at, "w_optimizer", "sgd")
    set_widget(at, "w_lr", 10.0)
    at.button(key="step100").click().run()
    return at


def test_divergence_is_reported_and_keeps_the_history():
    at = diverged_house_prices()
    assert not at.exception
    assert any("diverged at step" in w.value for w in at.warning)
    trainer = trainer_of(at)
    assert np.isfinite(trainer.model.params).all() and len(trainer.history) > 1
    assert len(every_tab(at)) >= 11


def test_live_changes_keep_the_weights_and_others_rebuild():
    at = open_train()
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    set_widget(at, "w_lr", 0.1)
    set_widget(at, "w_l2", 0.01)
    assert trainer_of(at) is trainer and trainer.lr == 0.1 and trainer.l2 == 0.01 and step_metric(at) == "10"
    set_widget(at, "w_seed", "3")
    assert trainer_of(at) is not trainer and step_metric(at) == "0"


def test_impossible_settings_are_explained_and_keep_the_model():
    at = open_train()
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    set_widget(at, "w_hidden", "8, lots")
    assert any("whole numbers" in e.value for e in at.error)
    assert trainer_of(at) is trainer
    set_widget(at, "w_batch", 1)
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    set_widget(at, "w_batch_norm", True)
    assert any("batch size of at least 2" in w.value for w in at.warning)
    assert trainer_of(at) is trainer and step_metric(at) == "10"
    set_widget(at, "w_hidden", "8, 8, 8, 8, 8, 8, 8, 8, 8")
    assert any("at most 8 hidden layers" in e.value for e in at.error)
    set_widget(at, "w_batch_norm", False)  # a configuration that builds clears the old message
    assert not at.warning and step_metric(at) == "10"  # back to the running model's settings


def test_linear_model_lists_weights_by_feature_name():
    at = open_train()
    set_widget(at, "w_dataset", "linear")
    set_widget(at, "w_kind", "linear")
    at.button(key="step10").click().run()
    by_feature = [f for t, f in every_tab(at).items() if t.startswith("Weights by feature")]
    assert len(by_feature) == 1 and "x8" in by_feature[0]["data"][0]["y"]


def test_digits_shows_unit_images_and_pooled_heatmaps():
    at = open_train(timeout=90)
    set_widget(at, "w_dataset", "digits")
    set_widget(at, "w_hidden", "100")
    at.button(key="step10").click().run()
    assert any("means of blocks" in c.value for c in at.caption)  # the open tab: the gradient's heatmap
    titles = list(every_tab(at))
    assert any(t.startswith("What each first-layer unit looks for") for t in titles)
    assert any(t.startswith("W1 at step 10") and "mean of 1×2 blocks" in t for t in titles)  # 64×100 as 64×50


def test_snapshot_scrubber_shows_an_earlier_step():
    at = open_train()
    at.button(key="step10").click().run()
    set_widget(at, "w_follow", False)
    set_widget(at, "w_snapshot", 3)
    assert any("after step 3" in c.value for c in at.caption)
    assert "W1 at step 3" in [title(f) for f in figures(at)]
    set_widget(at, "w_snapshot", 0)
    assert any("No gradient yet" in i.value for i in at.info)
    set_widget(at, "w_follow", True)
    assert not any("after step" in c.value for c in at.caption)


def test_play_switch_trains_a_frame_per_run_and_a_divergence_turns_it_off():
    at = open_train()
    set_widget(at, "w_play", True)  # AppTest has no timer: each rerun draws one frame
    assert step_metric(at) == "5" and any("Playing" in c.value for c in at.caption)
    at.run()
    assert step_metric(at) == "10"
    set_widget(at, "w_play", False)
    at.run()
    assert step_metric(at) == "10"
    set_widget(at, "w_dataset", "house_prices")
    set_widget(at, "w_kind", "linear")
    set_widget(at, "w_optimizer", "sgd")
    set_widget(at, "w_lr", 10.0)
    set_widget(at, "w_steps_per_frame", 50)
    set_widget(at, "w_play", True)
    for _ in range(4):
        at.run()
    assert not at.exception and at.session_state["w_play"] is False
    assert any("diverged at step" in w.value for w in at.warning)


def test_long_run_with_progress():
    at = open_train()
    set_widget(at, "w_long_steps", "300")
    at.button(key="long").click().run()
    assert not at.exception and step_metric(at) == "300"
    assert "stop" not in [b.key for b in at.button]  # the run is over: no Stop left on the page


def test_numbers_out_of_range_are_refused_with_a_reason_not_replaced_silently():
    """A number input turned a typed seed of 1e30 into 1, and trained 5 000 steps while showing 1e12."""
    at = open_train()
    trainer = trainer_of(at)
    set_widget(at, "w_seed", "1e30")
    assert any("seed must be a whole number from 0 to 2,147,483,647, got '1e30'" in e for e in shown(at.error))
    assert trainer_of(at) is trainer  # the seed in use (0) is kept: no rebuild
    set_widget(at, "w_long_steps", "1e12")
    assert any("number of steps must be a whole number from 1 to 100,000" in e for e in shown(at.error))
    set_widget(at, "w_long_steps", "2e2")
    at.button(key="long").click().run()
    assert step_metric(at) == "200"
    set_widget(at, "w_seed", "7")
    assert trainer_of(at) is not trainer and trainer_of(at).seed == 7 and not at.error


def test_live_changes_apply_while_an_impossible_configuration_is_pending():
    """With batch norm asked for at batch size 1 (cannot build), the rate slider said 0.3 while training used 0.03."""
    at = open_train()
    set_widget(at, "w_batch", 1)
    trainer = trainer_of(at)
    set_widget(at, "w_batch_norm", True)
    assert any("batch size of at least 2" in w.value for w in at.warning)
    set_widget(at, "w_lr", 0.3)
    set_widget(at, "w_l2", 0.01)
    assert trainer_of(at) is trainer and trainer.lr == 0.3 and trainer.l2 == 0.01
    at.button(key="step1").click().run()
    assert trainer.history.column("lr")[-1] == pytest.approx(0.3)
    assert at.metric[4].value == "0.3"


def test_csv_without_a_readable_file_keeps_the_current_model():
    at = open_train()
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    table = "a,b,label\n" + "".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 7 > 3 else 'no'}\n" for i in range(60))
    at.session_state[state.CSV_DATASET.key] = datasets.from_csv(table.encode())  # an earlier upload, now gone
    set_widget(at, "w_dataset", "csv")  # AppTest cannot upload files: the browser test does
    assert trainer_of(at) is trainer and step_metric(at) == "10"
    assert any("upload a CSV file and choose columns" in w.value for w in at.warning)


def test_lowering_the_learning_rate_goes_on_after_a_divergence():
    """README: "lowering the learning rate goes on from there" (from the kept weights or an earlier healthy step)."""
    at = diverged_house_prices()
    assert any("diverged at step" in w for w in shown(at.warning))
    trainer, stuck = trainer_of(at), int(step_metric(at))
    set_widget(at, "w_lr", 1e-4)
    assert not at.warning and trainer_of(at) is trainer
    resumed = int(step_metric(at))  # the step training goes on from
    assert resumed <= stuck
    before = trainer.model.params.copy()
    at.button(key="step10").click().run()
    assert int(step_metric(at)) == resumed + 10  # ten more steps, not stopped again at the same one
    assert not at.warning and not at.exception and trainer.diverged is None
    assert np.isfinite(trainer.model.params).all() and not np.array_equal(trainer.model.params, before)


def test_home_page_hand_set_weights_and_gradient_descent():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and at.title[0].value.startswith("weightviz")
    assert len(charts(at)) == 2
    slider_unit = "per 1000 sq ft" in at.slider(key="home_w").label
    assert slider_unit and any("price per 1000 square feet" in m.value for m in at.markdown)  # text = slider
    loss_before = at.metric[0].value
    set_widget(at, "home_w", 1.5)
    set_widget(at, "home_b", 0.5)
    assert float(at.metric[0].value) < float(loss_before)  # near the least-squares line the loss is small
    at.button(key="home_start").click().run()
    at.button(key="home_step10").click().run()
    assert any("10 steps: now w =" in c.value for c in at.caption)
    surface = next(f for f in figures(at) if title(f) == "Loss over (w, b)")
    assert {"gradient descent", "least squares"} <= {trace.get("name") for trace in surface["data"]}
    set_widget(at, "home_lr", 0.3)  # above 2/λ_max ≈ 0.17 the steps overshoot and grow
    warned = False
    for _ in range(100):  # the error grows ×2.5 a step until it overflows
        at.button(key="home_step10").click().run()
        warned = warned or any("too high" in w.value for w in at.warning)
        if any("diverged" in w.value for w in at.warning):
            break
    assert warned  # said long before it overflowed
    assert any("diverged at step" in w.value for w in at.warning)
    set_widget(at, "home_lr", 0.05)
    at.button(key="home_start").click().run()
    at.button(key="home_step1").click().run()
    assert not at.warning and not at.exception


def test_home_links_to_train():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any(link.proto.page == "pages/train.py" or "train" in link.proto.page for link in at.get("page_link"))


def test_weights_download_and_history_csv():
    at = open_train()
    at.button(key="step10").click().run()
    keys = [b.proto.id for b in at.get("download_button")]
    assert len(keys) == 3 and not at.exception  # the configuration, weights and history, each built when clicked
    assert [k.split("-")[-1] for k in keys] == ["share_train_download", "w_download_weights", "w_download_history"]


# -- CSV upload (ui.controls.csv_controls) ------------------------------------------------------------------
FLOWERS = "a,b,c,label\n" + "".join(
    f"{i % 7 / 3:.2f},{(i * 5) % 11 / 4:.2f},{(i * 3) % 5},{'big' if i % 7 > 3 else 'small'}\n" for i in range(60)
)


def upload_csv(at, content, name="data.csv"):
    """Choose the CSV dataset (once) and upload ``content`` as ``name``."""
    if at.selectbox(key="w_dataset").value != "csv":
        set_widget(at, "w_dataset", "csv")
    at.file_uploader(key="w_csv_file").set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def csv_features(at):
    return at.multiselect(key="w_csv_features").value


def test_csv_wide_file_preselects_the_first_numeric_columns_and_trains():
    at = open_train()
    header = ",".join(f"x{j}" for j in range(4999)) + ",label"
    rows = "".join(",".join(str((i * (j + 1)) % 10) for j in range(4999)) + f",{i % 2}\n" for i in range(30))
    upload_csv(at, f"{header}\n{rows}".encode())
    assert csv_features(at) == [f"x{j}" for j in range(20)]
    assert any("20 of 4,999 columns selected" in c.value for c in at.caption)
    at.button(key="step10").click().run()
    assert not at.exception and step_metric(at) == "10"
    assert trainer_of(at).model.layer_sizes[0] == 20 and not at.error


def test_csv_empty_feature_selection_is_refused_and_keeps_the_model():
    at = upload_csv(open_train(), FLOWERS.encode())
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    assert trainer.model.layer_sizes[0] == 3
    at.multiselect(key="w_csv_features").set_value([]).run()
    assert any("Choose at least one feature column" in e.value for e in at.error)
    assert trainer_of(at) is trainer and step_metric(at) == "10"


def test_csv_a_feature_chosen_as_target_leaves_the_others_selected():
    at = upload_csv(open_train(), FLOWERS.encode())
    assert csv_features(at) == ["a", "b", "c"]
    set_widget(at, "w_csv_target", "b")
    assert csv_features(at) == ["a", "c"]
    assert at.session_state[state.CSV_DATASET.key].feature_names == ["a", "c"]
    assert at.session_state[state.CSV_DATASET.key].target_name == "b"
    set_widget(at, "w_dataset", "moons")  # away and back (the uploader forgets its file): the choice is kept
    upload_csv(at, FLOWERS.encode())
    assert at.selectbox(key="w_csv_target").value == "b" and csv_features(at) == ["a", "c"]


def test_csv_the_only_feature_chosen_as_target_is_refused_not_replaced_by_every_column():
    at = upload_csv(open_train(), FLOWERS.encode())
    at.multiselect(key="w_csv_features").set_value(["b"]).run()
    trainer = trainer_of(at)
    assert trainer.model.layer_sizes[0] == 1
    set_widget(at, "w_csv_target", "b")
    assert csv_features(at) == [] and any("Choose at least one feature column" in e.value for e in at.error)
    assert trainer_of(at) is trainer


def test_csv_messages_show_file_and_column_names_as_written():
    at = open_train()
    upload_csv(at, b"a,b\n1,2\n", name="**bold**_[x](y).csv")
    assert any("**bold**_[x](y).csv" in e and "at least 4" in e for e in shown(at.error))
    assert any(r"\*\*bold\*\*\_\[x\]\(y\)\.csv" in e.value for e in at.error)  # escaped for Markdown
    table = "n,*note*,y\n" + "".join(f"{i},t{i},{i % 2}\n" for i in range(8))
    upload_csv(at, table.encode(), name="t.csv")
    at.multiselect(key="w_csv_features").set_value(["n", "*note*"]).run()
    assert any("'*note*' is not numeric" in e for e in shown(at.error))


def test_csv_too_large_a_table_is_refused_and_the_last_files_data_released(monkeypatch):
    at = upload_csv(open_train(), FLOWERS.encode())
    assert state.CSV_TABLE.key in at.session_state and state.CSV_DATASET.key in at.session_state
    monkeypatch.setattr(datasets, "MAX_CSV_CELLS", 100)
    upload_csv(at, (FLOWERS + "1,2,3,big\n").encode())  # 61 rows × 4 columns
    message = " ".join(e.value for e in at.error).replace("\\", "")
    assert "61 rows × 4 columns" in message and "at most 100 values" in message
    assert state.CSV_TABLE.key not in at.session_state and state.CSV_DATASET.key not in at.session_state


def test_csv_an_id_column_as_target_is_refused():
    table = "id,x,y\n" + "".join(f"user{i},{i % 9},{i % 2}\n" for i in range(200))
    at = upload_csv(open_train(), table.encode())
    set_widget(at, "w_csv_target", "id")
    assert any("'id' has 200 different values" in e.value.replace("\\", "") for e in at.error)


def test_going_back_to_the_last_healthy_step_after_a_divergence():
    at = diverged_house_prices()
    trainer = trainer_of(at)
    healthy = trainer.healthy_step()
    assert trainer.diverged is not None and 0 <= healthy < trainer.diverged.step
    assert at.button(key="rewind").label == f"Go back to step {healthy:,}"
    at.button(key="rewind").click().run()
    assert step_metric(at) == str(healthy) and not at.warning and trainer.diverged is None
    assert "rewind" not in [b.key for b in at.button]
    assert np.isfinite(trainer.model.params).all() and max(trainer.history.steps) == healthy


def test_a_schedule_of_a_chosen_length_says_when_it_has_stopped_training():
    at = open_train()
    assert "w_schedule_steps" not in [t.key for t in at.text_input]  # constant: no length to choose
    set_widget(at, "w_schedule", "cosine")
    set_widget(at, "w_schedule_steps", "50")
    trainer = trainer_of(at)
    assert trainer.lr_at(trainer.lr, 25) == pytest.approx(trainer.lr / 2)  # halfway down the cosine
    at.button(key="step100").click().run()
    assert any("cosine schedule ended at step 50" in w for w in shown(at.warning))
    set_widget(at, "w_schedule_steps", "0")
    assert any("schedule length must be a whole number" in e for e in shown(at.error))


def test_home_goes_back_to_the_last_healthy_step_after_a_divergence():
    at = AppTest.from_file(APP, default_timeout=60).run()
    set_widget(at, "home_lr", 0.3)
    at.button(key="home_start").click().run()
    for _ in range(20):
        at.button(key="home_step10").click().run()
        if any("diverged" in w.value for w in at.warning):
            break
    trainer = at.session_state[state.HOME_TRAINER.key]
    assert trainer.diverged is not None
    assert np.isfinite(trainer.history.parameter_path()).all()  # the path never reads -inf
    at.button(key="home_rewind").click().run()
    assert trainer.diverged is None and not at.warning and not at.exception


# -- README claims about the Train page without a test before -------------------------------------------
def test_csv_a_broken_file_gets_a_message_and_the_current_model_stays():
    """README: 'a broken file gets a message and the current model stays' (here: the model of the last good file)."""
    at = upload_csv(open_train(), FLOWERS.encode())
    at.button(key="step10").click().run()
    trainer, params = trainer_of(at), trainer_of(at).model.params.copy()
    upload_csv(at, b"only,header\n", name="broken.csv")
    assert any("broken.csv: the table has 0 data rows; at least 4 are needed" in e for e in shown(at.error))
    assert trainer_of(at) is trainer and step_metric(at) == "10"
    np.testing.assert_array_equal(trainer.model.params, params)
    at.button(key="step10").click().run()  # and it goes on training
    assert trainer_of(at) is trainer and step_metric(at) == "20"


def test_a_loss_blowing_up_is_said_before_it_overflows_with_the_go_back_button():
    """README: 'While the loss is blowing up, the page says so before it overflows, with the same button'. House
    prices, plain SGD at 0.3: the warning comes at step 6, the divergence only at step 38."""
    at = open_train()
    set_widget(at, "w_dataset", "house_prices")
    set_widget(at, "w_kind", "linear")
    set_widget(at, "w_optimizer", "sgd")
    set_widget(at, "w_lr", 0.3)
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    assert trainer.diverged is None and step_metric(at) == "10"
    warnings = shown(at.warning)
    assert any("too high" in w and "training will diverge" in w for w in warnings)
    assert not any("diverged" in w for w in warnings)
    healthy = trainer.healthy_step()
    assert at.button(key="rewind").label == f"Go back to step {healthy:,}" and healthy < 10
    at.button(key="rewind").click().run()
    assert step_metric(at) == str(healthy) and max(trainer.history.steps) == healthy


def test_the_page_says_when_losses_are_measured_on_a_sample_of_a_large_set():
    """README: train and test loss are measured on a fixed sample of 5 000 rows of a larger set, 'and the page
    says so'. 6 500 rows: 5 200 to train on, 1 300 to test."""
    table = "a,b,y\n" + "".join(f"{i % 97 / 10},{(i * 7) % 31 / 5},{i % 2}\n" for i in range(6_500))
    at = upload_csv(open_train(), table.encode())
    assert trainer_of(at).eval_rows == {"train": 5_000, "test": 1_300}
    assert any("fixed sample of 5000 of the 5200 train rows" in c.value for c in at.caption)
    set_widget(at, "w_dataset", "moons")  # a small set: every row, and nothing said
    assert not any("fixed sample" in c.value for c in at.caption)


def test_stopping_a_long_run_keeps_every_step_done(monkeypatch):
    """README: 'Train N (a long run under a progress bar; Stop keeps what was done)'. A click on Stop interrupts the
    script between chunks (Streamlit stops it at its next call); here the fourth chunk's call to train stops it."""
    from streamlit.runtime.scriptrunner import StopException

    calls, train = [], runs.Run.train

    def interrupted(run, n_steps):
        if len(calls) == 3:
            raise StopException()
        calls.append(n_steps)
        return train(run, n_steps)

    at = open_train()
    at.button(key="step10").click().run()
    monkeypatch.setattr(runs.Run, "train", interrupted)
    at.button(key="long").click().run()
    assert calls == [50, 50, 50] and not at.exception
    monkeypatch.setattr(runs.Run, "train", train)
    at.run()
    assert step_metric(at) == "160" and trainer_of(at).step_count == 160
    assert list(trainer_of(at).history.steps) == list(range(161))


def test_home_descends_by_full_batch_gradient_steps_from_the_sliders_point():
    """README (Home): 'the path full-batch gradient descent takes from your point': the path starts at the sliders'
    (w, b) and each step is (w, b) − η·∇L with the gradient of the MSE over every house."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    set_widget(at, "home_w", 2.5)
    set_widget(at, "home_b", -1.0)
    set_widget(at, "home_lr", 0.1)
    at.button(key="home_start").click().run()
    at.button(key="home_step1").click().run()
    at.button(key="home_step1").click().run()
    path = next(
        t
        for t in next(f for f in figures(at) if title(f) == "Loss over (w, b)")["data"]
        if t.get("name") == "gradient descent"
    )
    home = at.session_state[state.HOME_DATA.key]
    x, y = home["x"], home["y"]
    expected = [np.array([2.5, -1.0])]
    for _ in range(2):
        w, b = expected[-1]
        error = w * x + b - y
        expected.append(expected[-1] - 0.1 * np.array([2 * np.mean(error * x), 2 * np.mean(error)]))
    drawn = [np.frombuffer(base64.b64decode(path[c]["bdata"]), path[c]["dtype"]) for c in "xy"]  # plotly's typed arrays
    np.testing.assert_allclose(np.c_[drawn[0], drawn[1]], expected, rtol=1e-6)  # (float32 snapshots)


def test_csv_upload_is_hashed_once_not_on_every_rerun(monkeypatch):
    """The content hash of an upload (up to 50 MB, ~60 ms) is computed when it arrives, not on each rerun."""
    import hashlib

    from ui import controls

    at = upload_csv(open_train(), FLOWERS.encode())
    calls = []
    monkeypatch.setattr(controls.hashlib, "sha1", lambda data: calls.append(1) or hashlib.sha1(data))
    at.button(key="step1").click().run()
    at.button(key="step1").click().run()
    assert calls == [] and step_metric(at) == "2" and not at.exception


def test_the_four_live_charts_are_kept_and_updated_in_place_static_while_playing():
    at = open_train()
    live = at.get("bidi_component")
    assert [e.proto.component_name for e in live] == ["weightviz_live_chart"] * 4
    ids = [e.proto.id for e in live]
    paused = [json.loads(e.proto.bytes) for e in live]
    assert [title(f) for f in paused][::3] == ["Loss", "W1 at step 0"]
    assert all("template" not in f["layout"] for f in paused)  # the page's theme styles them
    assert all(not f["config"].get("staticPlot") for f in paused)  # paused: hover, zoom
    assert "customdata" in paused[3]["data"][0]  # the heatmap's hover says which row and column
    set_widget(at, "w_play", True)
    playing = [json.loads(e.proto.bytes) for e in at.get("bidi_component")]
    assert [e.proto.id for e in at.get("bidi_component")] == ids  # the same elements: updated, not re-created
    assert title(playing[3]) == "W1 at step 5" and all(f["config"]["staticPlot"] for f in playing)
    heat = playing[3]["data"][0]
    assert "customdata" not in heat and heat["hoverinfo"] == "skip"  # a static picture: no hover data
    detail = [json.loads(c.proto.config or "{}") for c in at.get("plotly_chart")]
    assert detail and all(c.get("staticPlot") for c in detail)  # the open tab's charts: pictures too
    at.run()  # the next frame
    assert title(json.loads(at.get("bidi_component")[3].proto.bytes)) == "W1 at step 10"
    set_widget(at, "w_play", False)
    assert [e.proto.id for e in at.get("bidi_component")] == ids


def test_the_open_inspector_tab_stays_open_when_the_tabs_change():
    """Tab labels name the metric (accuracy, R²) and digits and linear models add a tab: Streamlit gives
    such tabs a new identity, and the page reopens the tab of the same kind."""
    at = open_train()
    at.session_state[state.TRAIN_KEYS.w_detail] = "Over time"
    at.session_state[state.DETAIL_TAB.key] = {"": "over_time"}  # what choosing the tab keeps (its callback)
    at.run()
    set_widget(at, "w_dataset", "house_prices")  # R²: "Gradient and R²" instead of "Gradient and accuracy"
    at.button(key="step10").click().run()
    titles = [title(f) for f in figures(at)]
    assert any("weights over time" in t for t in titles), titles
    assert [t.label for t in at.tabs][0] == "Gradient and R²"


INITS = "pages/initializers.py"


def open_page(path):
    """The app, then the page at ``path``, without an exception."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def open_initializers():
    return open_page(INITS)


def init_group(at):
    return at.session_state[state.INIT_GROUP.key][:2]  # (group, names); the key is the third


def test_initializers_page_trains_every_run_on_the_same_batches():
    at = open_initializers()
    group, names = init_group(at)
    assert names == ["normal σ=0.05", "xavier_normal", "he_normal"] and len(at.get("bidi_component")) == 10
    assert [title(f) for f in map(json.loads, (c.proto.spec for c in at.get("plotly_chart")))] == [
        "tanh: output and slope"
    ]  # the one st.plotly_chart: the activation's shape in the sidebar
    at.button(key="i_step10").click().run()
    assert group.step_counts == [10, 10, 10]
    orders = [run.trainer.epoch_order(0) for run in group]
    assert all(np.array_equal(o, orders[0]) for o in orders)  # the same mini-batches for every run
    titles = [title(f) for f in figures(at)]
    assert "Activation spread per layer" in titles and "Train loss of each run" in titles
    assert "Last step's update / weight" in titles and "Gradient of each layer's weights" in titles
    at.session_state[state.INIT_KEYS.view] = "Over training time"  # the other tab: only it is computed
    at.run()
    over_time = [title(f) for f in figures(at)]
    assert sum("ΔW" in t or "update" in t.lower() for t in over_time) >= 3, over_time
    assert "Activation spread per layer" not in over_time and "Train loss of each run" in over_time
    at.session_state[state.INIT_KEYS.view] = "Now, layer by layer"
    at.run()
    set_widget(at, "i_play", True)  # one frame per rerun in AppTest
    assert init_group(at)[0].step_counts == [11, 11, 11]
    live = [json.loads(c.proto.bytes)["config"] for c in at.get("bidi_component")]
    assert len(live) == 10 and all(c.get("staticPlot") for c in live)
    set_widget(at, "i_play", False)
    at.button(key="i_reset").click().run()
    assert init_group(at)[0].step_counts == [0, 0, 0]


def test_initializers_controls_change_the_network_and_keep_the_same_group_for_live_fields():
    at = open_initializers()
    set_widget(at, "i_depth", 10)
    set_widget(at, "i_width", 32)
    set_widget(at, "i_activation", "relu")
    set_widget(at, "i_batch_norm", True)
    set_widget(at, "i_clip", True)
    group, _ = init_group(at)
    for run in group:
        assert run.config.hidden_sizes == (32,) * 10 and run.config.activation == "relu"
        assert run.trainer.model.batch_norms and run.trainer.clip_norm == 1.0
    at.button(key="i_step1").click().run()
    set_widget(at, "i_lr", 0.001)  # a live field: the same runs go on
    assert init_group(at)[0] is group and group.step_counts == [1, 1, 1]
    assert all(run.trainer.lr == 0.001 for run in group)


def test_initializer_options_and_the_symmetry_of_zeros_are_shown():
    at = open_initializers()
    at.multiselect(key="i_inits").set_value(["zeros", "normal"]).run()
    set_widget(at, "i_opt_normal_std", 1.0)
    group, names = init_group(at)
    assert names == ["zeros", "normal σ=1"]
    assert np.std(group.runs[1].trainer.model.weights[1]) == pytest.approx(1.0, rel=0.05)
    at.button(key="i_step10").click().run()
    assert any("zeros: every hidden layer has 1 distinct unit" in i for i in shown(at.info))
    at.multiselect(key="i_inits").set_value(["zeros"]).run()  # one is not a comparison
    assert any("at least two" in i.value for i in at.info) and not at.exception


def test_a_diverging_initializer_is_named_and_the_others_go_on():
    at = open_initializers()
    at.multiselect(key="i_inits").set_value(["normal", "he_normal"]).run()
    set_widget(at, "i_opt_normal_std", 30.0)
    set_widget(at, "i_activation", "relu")
    set_widget(at, "i_optimizer", "sgd")
    set_widget(at, "i_lr", 1.0)
    at.button(key="i_step100").click().run()
    assert not at.exception, at.exception
    group, names = init_group(at)
    diverged, healthy = group.runs
    assert diverged.trainer.diverged is not None and healthy.trainer.diverged is None
    assert any(f"{names[0]} diverged at step" in w for w in shown(at.warning))
    at.button(key="i_step10").click().run()  # the diverged run waits; the other goes on
    assert group.step_counts[1] == healthy.trainer.step_count > group.step_counts[0]
    assert not at.exception


def test_initializers_page_compares_on_an_uploaded_csv_and_keeps_its_runs_until_one_is_there():
    at = open_initializers()
    group, _ = init_group(at)
    set_widget(at, "i_dataset", "csv")  # nothing uploaded yet: the runs so far stay, and the page says why
    assert any("upload a CSV" in w.value for w in at.warning) and init_group(at)[0] is group
    assert all(run.config.dataset == "spiral" for run in group)
    at.file_uploader(key="i_csv_file").set_value(("flowers.csv", FLOWERS.encode(), "text/csv")).run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    group, names = init_group(at)
    assert [run.config.dataset for run in group] == ["csv"] * 3
    assert all(run.trainer.model.layer_sizes[0] == 3 for run in group)  # a, b, c
    at.button(key="i_step10").click().run()
    assert not at.exception and group.step_counts == [10, 10, 10]
    at.multiselect(key="i_inits").set_value(["xavier_normal", "he_normal"]).run()  # a new group, same table
    assert not at.exception and [run.config.dataset for run in init_group(at)[0]] == ["csv"] * 2


# -- the Regularization page ---------------------------------------------------------------------------------
REG = "pages/regularization.py"


def open_regularization():
    return open_page(REG)


def reg_group(at):
    return at.session_state[state.REG_GROUP.key][:2]  # (group, names); the key is the third


def live_titles(at):
    return [title(json.loads(c.proto.bytes)) for c in at.get("bidi_component")]


def test_regularization_page_trains_four_penalties_on_the_same_batches_and_l1_makes_exact_zeros():
    at = open_regularization()
    group, names = reg_group(at)
    assert names == ["A", "B", "C", "D"] and not at.warning
    assert [(r.config.l1, r.config.l2) for r in group] == [(0, 0), (1.0, 0), (0, 0.1), (0.3, 0.3)]
    first = group.runs[0].trainer.model.params.copy()
    assert all(np.array_equal(r.trainer.model.params, first) for r in group)  # the same first weights
    at.button(key="rp_step100").click().run()
    assert not at.exception and group.step_counts == [100] * 4
    orders = [run.trainer.epoch_order(0) for run in group]
    assert all(np.array_equal(o, orders[0]) for o in orders)  # the same mini-batches
    zeros = [int((run.trainer.model.weights[0] == 0).sum()) for run in group]
    assert zeros[0] == zeros[2] == 0 and zeros[1] >= 10 and zeros[3] > 0  # L1 and elastic net: exact zeros
    titles = live_titles(at)
    assert "Weights exactly 0" in titles and "Weight of each feature" in titles
    assert sum(t.startswith("Train and test loss") for t in titles) == 4  # the open tab only
    assert any("A: no penalty: step 100" in c.value for c in at.caption)
    pull = [title(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]
    assert pull == ["The pull of each run's penalty on a weight"]
    tabs = (("Weights and zeros", "Weights"), ("Fit", "Predicted"), ("Adam + L2 vs AdamW", "Shrinkage"))
    for tab, expected in tabs:
        at.session_state[state.REG_KEYS.detail] = tab
        at.run()
        assert not at.exception and any(expected in t for t in live_titles(at)), (tab, live_titles(at))
    set_widget(at, "r2_l1", 0.0)  # a live change: run B goes on from where it is, without its penalty
    assert reg_group(at)[0] is group and group.step_counts == [100] * 4 and group.runs[1].config.l1 == 0
    assert any("B: no penalty" in c.value for c in at.caption)


def test_regularization_presets_adam_l2_against_adamw_and_dropout_on_a_network():
    at = open_regularization()
    set_widget(at, "rp_preset", "Adam + L2 vs AdamW")
    group, names = reg_group(at)
    assert names == ["A", "B"] and [r.config.optimizer for r in group] == ["adam", "adamw"]
    assert group.runs[1].trainer.optimizer.weight_decay == 0.1 and group.runs[0].config.l2 == 0.1
    at.session_state[state.REG_KEYS.detail] = "Adam + L2 vs AdamW"
    at.button(key="rp_step10").click().run()
    shrink = [f for f in map(json.loads, (c.proto.bytes for c in at.get("bidi_component"))) if "Shrinkage" in title(f)]
    traces = shrink[0]["data"]
    x = np.frombuffer(base64.b64decode(traces[0]["x"]["bdata"]), traces[0]["x"]["dtype"])  # plotly's typed arrays
    assert len(shrink) == 1 and len(x) == 20 and traces[1]["y"] == [0.1 * 0.1] * 2  # a point per weight; η·λ
    set_widget(at, "rp_preset", "dropout on noisy moons")
    group, names = reg_group(at)
    assert names == ["A", "B", "C"] and [r.config.dropout for r in group] == [0.0, 0.2, 0.5]
    assert all(r.config.dataset == "small_moons" and r.config.hidden_sizes == (64, 64) for r in group)
    assert all(r.config.noise == 0.3 for r in group)
    at.button(key="rp_step10").click().run()
    orders = [run.trainer.epoch_order(0) for run in group]
    assert all(np.array_equal(o, orders[0]) for o in orders)  # dropout does not change the batches
    assert not at.exception and group.step_counts == [10] * 3
    set_widget(at, "rp_play", True)  # one frame per rerun in AppTest; static pictures while playing
    assert reg_group(at)[0].step_counts == [11] * 3
    assert all(json.loads(c.proto.bytes)["config"].get("staticPlot") for c in at.get("bidi_component"))
    set_widget(at, "rp_play", False)
    set_widget(at, "r3_optimizer", "sgd")  # not live: run C is rebuilt, and the others start over with it
    assert not at.exception and reg_group(at)[0].step_counts == [0] * 3
    at.button(key="rp_reset").click().run()
    assert reg_group(at)[0].step_counts == [0] * 3


def test_regularization_sweep_tab_solves_the_paths_once_and_names_where_features_enter():
    at = open_regularization()
    at.session_state[state.REG_KEYS.view] = "λ sweep (the linear model)"
    at.run()
    assert not at.exception
    titles = [title(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]
    assert titles[:2] == ["L1 path: every weight against λ", "L2 path: every weight against λ"]
    assert "Loss against λ: under- and overfitting" in titles
    table = at.dataframe[0].value
    first_five = list(table["feature"][:5])
    assert sorted(first_five) == [f"relevant {i}" for i in range(1, 6)]  # the relevant features enter first
    assert not at.get("bidi_component")  # the side-by-side tab is closed: nothing of it is drawn
    set_widget(at, "r_dataset", "polynomial_15")  # another dataset: another path, no exception
    assert not at.exception and at.dataframe[0].value["feature"].iloc[0].startswith("x")


def test_another_dataset_starts_at_its_own_default_noise():
    at = open_train()
    set_widget(at, "w_noise", 0.9)
    assert trainer_of(at) is not None and at.slider(key="w_noise").value == 0.9
    set_widget(at, "w_dataset", "circles")
    assert at.slider(key="w_noise").value == 0.1 and not at.exception  # circles' own default, not 0.9


def test_regularization_runs_keep_their_settings_after_a_preset_and_read_values_kept_as_text():
    at = open_regularization()
    assert [(r.config.l1, r.config.l2) for r in reg_group(at)[0]] == [(0, 0), (1.0, 0), (0, 0.1), (0.3, 0.3)]
    set_widget(at, "rp_runs", 2)  # a preset is where settings start: after it, each control is yours
    group, names = reg_group(at)
    assert names == ["A", "B"] and len(group) == 2
    at.session_state["r2_l1"] = "0.03"  # a value the browser kept as text
    at.run()
    assert not at.exception and reg_group(at)[0].runs[1].config.l1 == 0.03
    set_widget(at, "r1_optimizer", "adamw")
    assert reg_group(at)[0].runs[0].trainer.optimizer_name == "adamw" and not at.exception


# -- the Attributions page -----------------------------------------------------------------------------------
ATTR = "pages/attributions.py"


def open_attributions():
    return open_page(ATTR)


def spec_titles(at):
    return [title(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]


@pytest.mark.parametrize("name", [n for n in datasets.DATASETS if n != "house_prices"])  # all that it offers
def test_attributions_page_explains_a_model_trained_there_on_each_dataset_with_feature_names(name):
    at = open_attributions()
    assert any("Train a model" in i.value for i in at.info) and not at.get("plotly_chart")
    set_widget(at, "a_dataset", name)
    at.button(key="a_train").click().run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    run = at.session_state[state.ATTR_RUN.key]
    key, result = at.session_state[state.ATTR_RESULT.key]
    n_rows = min(50, len(run.dataset.X_test))
    assert run.trainer.step_count == 1000 and result.phi.shape == (n_rows, run.dataset.n_features)
    np.testing.assert_allclose(result.base + result.phi.sum(axis=1), result.outputs, atol=1e-9)
    assert result.method == ("exact" if run.dataset.n_features <= 12 else "kernel")
    titles = spec_titles(at)
    assert titles[:2] == ["Which features matter: mean |attribution|", "Every explained row, feature by feature"]
    assert "How this row's output is built" in titles and "Shapley values against the gradient methods" in titles
    assert ("Which pixels pushed the class 0 logit" in titles) == (name == "digits")
    summary = [m.value for m in at.markdown if "Explaining the" in m.value][0]
    assert "largest gap" in summary and ("exact Shapley values" in summary) == (result.method == "exact")


WEIGHTS_CHART = "A linear model: its weights and their attributions"


def attributions_of_a_linear_model(dataset):
    """The Attributions page with a linear model trained there on ``dataset``, its weights chart drawn."""
    at = open_attributions()
    set_widget(at, "a_dataset", dataset)
    set_widget(at, "a_kind", "linear")
    at.button(key="a_train").click().run()
    assert WEIGHTS_CHART in spec_titles(at)
    return at


def test_attributions_of_a_linear_model_show_its_weights_and_are_kept_until_the_weights_change():
    at = attributions_of_a_linear_model("sparse_linear")
    run = at.session_state[state.ATTR_RUN.key]
    key, result = at.session_state[state.ATTR_RESULT.key]
    assert result.method == "kernel"  # 20 features: Kernel SHAP
    set_widget(at, "a_row", 3)  # another row: the same attributions, not recomputed
    assert at.session_state[state.ATTR_RESULT.key][1] is result
    run.train(10)  # the weights moved: computed again
    at.run()
    assert at.session_state[state.ATTR_RESULT.key][1] is not result and not at.exception
    set_widget(at, "a_dataset", "breast_cancer")
    at.button(key="a_train").click().run()
    set_widget(at, "a_background", 200)
    set_widget(at, "a_rows", 200)  # 113 test rows × 200 × 2 048 coalitions: over the limit
    assert any("at most 20,000,000" in w and "fewer coalitions" in w for w in shown(at.warning))
    assert not at.exception
    set_widget(at, "a_samples", 512)  # 113 × 200 × 512: within it
    assert not at.warning and at.session_state[state.ATTR_RESULT.key][1].phi.shape == (113, 30)


def test_attributions_explain_the_train_pages_model_and_a_class_as_a_probability():
    at = open_train()
    set_widget(at, "w_dataset", "iris")
    at.button(key="step100").click().run()
    at.switch_page(ATTR).run()
    assert not at.exception and state.ATTR_RUN.key not in at.session_state
    result = at.session_state[state.ATTR_RESULT.key][1]
    assert result.output_name == "class setosa logit"
    set_widget(at, "a_output", 2)
    set_widget(at, "a_probability", True)
    result = at.session_state[state.ATTR_RESULT.key][1]
    assert result.output_name.endswith("probability") and result.integrated_gradients is None
    assert np.all((result.outputs >= 0) & (result.outputs <= 1))
    assert "Shapley values against the gradient methods" not in spec_titles(at)  # they explain logits only


def test_regularization_keeps_runs_and_settings_across_the_sweep_tab_another_page_and_hidden_runs():
    at = open_regularization()
    set_widget(at, "rp_preset", "Adam + L2 vs AdamW")
    set_widget(at, "r2_decay", 0.3)  # AdamW's decay slider reaches the run
    set_widget(at, "r1_l1", 0.03)
    group, _ = reg_group(at)
    assert group.runs[1].trainer.optimizer.weight_decay == 0.3 and group.runs[0].config.l1 == 0.03
    at.button(key="rp_step10").click().run()
    at.session_state[state.REG_KEYS.view] = "λ sweep (the linear model)"
    at.run()
    at.session_state[state.REG_KEYS.view] = "Side by side"
    at.run()  # back: the same two runs, at step 10, with their settings
    assert not at.exception and reg_group(at)[0] is group and group.step_counts == [10, 10]
    assert at.selectbox(key="rp_preset").value == "Adam + L2 vs AdamW" and at.select_slider(key="r2_decay").value == 0.3
    at.switch_page("pages/train.py").run()
    at.switch_page(REG).run()  # another page and back: the same
    assert not at.exception and reg_group(at)[0] is group and group.step_counts == [10, 10]
    assert at.select_slider(key="r1_l1").value == 0.03
    set_widget(at, "rp_runs", 4)
    set_widget(at, "r4_l2", 3.0)
    set_widget(at, "rp_runs", 2)
    set_widget(at, "rp_runs", 4)  # run D was hidden a while: it keeps its L2
    assert at.select_slider(key="r4_l2").value == 3.0 and reg_group(at)[0].runs[3].config.l2 == 3.0
    set_widget(at, "rp_preset", "dropout on noisy moons")
    set_widget(at, "rp_preset", "none / L1 / L2 / elastic net")  # back to the data and model it is made for
    assert [r.config.dataset for r in reg_group(at)[0]] == ["sparse_linear"] * 4
    assert all(r.config.hidden_sizes == () for r in reg_group(at)[0])


def test_regularization_sweep_solves_each_path_once_refuses_too_many_weights_and_reads_the_best_lambda(monkeypatch):
    from weightviz import paths

    solved = []
    real = paths.path
    monkeypatch.setattr(paths, "path", lambda *a, **k: solved.append(a[3]) or real(*a, **k))
    at = open_regularization()
    set_widget(at, "r_seed", "17")  # data no earlier test has solved
    at.session_state[state.REG_KEYS.view] = "λ sweep (the linear model)"
    at.run()
    assert sorted(solved) == ["elastic_net", "l1", "l2"]
    set_widget(at, f"{state.REG_CHART_PREFIX}ratio", 0.8)  # ρ changes the elastic net only
    assert sorted(solved) == ["elastic_net", "elastic_net", "l1", "l2"] and not at.exception
    table = at.dataframe[0].value
    ds = datasets.load("sparse_linear", noise=1.0, seed=17)
    lasso = real(ds.X_train, ds.y_train, "regression", "l1", X_test=ds.X_test, y_test=ds.y_test)
    best = [c for c in table.columns if c.startswith("L1 weight at best")][0]
    by_name = dict(zip(table["feature"], table[best], strict=True))
    np.testing.assert_allclose([by_name[n] for n in ds.feature_names], lasso.coefs[lasso.best, :, 0])
    set_widget(at, "r_dataset", "digits")
    assert any("at most 200" in i.value for i in at.info) and not at.exception  # 640 weights: refused


def test_regularization_charts_count_zeros_over_all_layers_and_shrink_by_each_runs_own_l2():
    at = open_regularization()
    set_widget(at, "rp_preset", "dropout on noisy moons")
    set_widget(at, "r1_l1", 0.1)  # a network with L1: zeros in every layer
    at.button(key="rp_step100").click().run()
    run = reg_group(at)[0].runs[0]
    weights = run.trainer.model.weights
    share = sum(int((W == 0).sum()) for W in weights) / sum(W.size for W in weights)
    zeros = [
        json.loads(c.proto.bytes)
        for c in at.get("bidi_component")
        if title(json.loads(c.proto.bytes)) == "Weights exactly 0"
    ]
    y = zeros[0]["data"][0]["y"]
    y = np.frombuffer(base64.b64decode(y["bdata"]), y["dtype"]) if isinstance(y, dict) else np.asarray(y)
    assert share > 0 and y[-1] == pytest.approx(100 * share)
    set_widget(at, "r2_l2", 0.3)
    at.session_state[state.REG_KEYS.detail] = "Adam + L2 vs AdamW"
    at.button(key="rp_step10").click().run()
    shrink = [
        json.loads(c.proto.bytes) for c in at.get("bidi_component") if "Shrinkage" in title(json.loads(c.proto.bytes))
    ]
    points = shrink[0]["data"][0]
    ys = np.frombuffer(base64.b64decode(points["y"]["bdata"]), points["y"]["dtype"])
    opt = reg_group(at)[0].runs[1].trainer.optimizer
    from weightviz import regularizers

    expected = regularizers.adam_l2_shrinkage(
        opt.v[: reg_group(at)[0].runs[1].trainer.model.n_weights], opt.t, 0.1, 0.3
    )
    np.testing.assert_allclose(np.sort(ys), np.sort(expected[expected > 0]), rtol=1e-12)


def test_attributions_draw_the_chosen_row_and_colour_and_keep_settings_across_pages():
    at = open_attributions()
    set_widget(at, "a_dataset", "diabetes")
    at.button(key="a_train").click().run()
    result = at.session_state[state.ATTR_RESULT.key][1]
    gap = float(np.abs(result.base + result.phi.sum(axis=1) - result.outputs).max())
    assert any(f"largest gap {gap:.1e}" in m.value for m in at.markdown)
    at.number_input(key="a_row").set_value(3).run()
    falls = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    fall = [f for f in falls if title(f) == "How this row's output is built"][0]["data"][0]
    steps = fall["x"][1:-1]
    top = np.sort(np.abs(result.phi[2]))[::-1][: len(steps) - 1]
    np.testing.assert_allclose(np.sort(np.abs(steps[:-1]))[::-1], top)  # row 3's largest attributions
    bmi = result.feature_names.index("bmi")
    set_widget(at, "a_colour", bmi)
    dep = [f for f in map(json.loads, (c.proto.spec for c in at.get("plotly_chart"))) if "value against" in title(f)]
    colour = dep[0]["data"][0]["marker"]["color"]
    colour = np.frombuffer(base64.b64decode(colour["bdata"]), colour["dtype"]) if isinstance(colour, dict) else colour
    np.testing.assert_allclose(colour, result.values[:, bmi])
    set_widget(at, "a_method", "exact")
    set_widget(at, "a_background", 20)
    at.switch_page("pages/train.py").run()
    at.switch_page(ATTR).run()  # another page and back: the same settings, the same result
    assert not at.exception and at.slider(key="a_background").value == 20
    assert at.selectbox(key="a_method").value == "exact" and at.number_input(key="a_row").value == 3
    assert at.session_state[state.ATTR_RESULT.key][1].n_background == 20
    set_widget(at, "a_dataset", "sparse_linear")
    at.button(key="a_train").click().run()  # 20 features: Kernel SHAP, and no method widget to overwrite
    set_widget(at, "a_dataset", "iris")
    at.button(key="a_train").click().run()
    assert at.selectbox(key="a_method").value == "exact"  # the choice made for iris-sized models stays
    assert at.session_state[state.ATTR_RESULT.key][1].method == "exact"


def test_attributions_of_a_probability_do_not_claim_the_linear_formula_and_big_networks_are_refused():
    at = attributions_of_a_linear_model("moons")
    set_widget(at, "a_probability", True)  # the sigmoid bends it: φ is no longer w·(x − mean)
    assert WEIGHTS_CHART not in spec_titles(at) and not at.exception
    at.switch_page("pages/train.py").run()
    set_widget(at, "w_dataset", "digits")
    at.text_input(key="w_hidden").input("512, 512").run()
    at.switch_page(ATTR).run()
    set_widget(at, "a_source", "the Train page's model")
    assert any("multiply-adds" in w for w in shown(at.warning)) and not at.exception


# -- links (ui/share.py) -----------------------------------------------------------------------------------------
def open_link(path, params, timeout=60):
    """A new session opening ``path`` with the URL parameters ``params``."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(params)
    at.switch_page(path).run()  # (a first run of the default page would take the link as its own)
    assert not at.exception, at.exception
    return at


def link_warnings(at):
    return [w for w in shown(at.warning) if "link" in w]


LIVE = "0-lr-0.3~25-lr-0.1"


def test_a_train_link_sets_every_control_and_replays_to_the_senders_weights():
    params = {"w_dataset": "circles", "w_noise": "0.2", "w_hidden": "5, 3", "w_activation": "relu",
              "w_init": "he_normal", "w_optimizer": "momentum", "w_lr": "0.1", "w_batch": "16", "w_l2": "0.001",
              "w_seed": "7", "w_dropout": "0.1", "step": "60", "live": LIVE}  # fmt: skip
    at = open_link(TRAIN, params)
    run = at.session_state[state.TRAIN_RUN.key]
    assert run.config == experiment.Config(dataset="circles", noise=0.2, hidden_sizes=(5, 3), activation="relu",
                                           init="he_normal", optimizer="momentum", lr=0.1, batch_size=16, l2=0.001,
                                           seed=7, dropout=0.1)  # fmt: skip
    assert step_metric(at) == "60" and not link_warnings(at)
    by_hand = runs.Run(run.config.replace(lr=0.3))
    by_hand.train(25)
    by_hand.update(by_hand.config.replace(lr=0.1))
    by_hand.train(35)
    got, expected = run.trainer.model.state(), by_hand.trainer.model.state()
    assert all(np.array_equal(got[k], expected[k]) for k in expected)
    assert at.query_params["step"] in ("60", ["60"]) and at.query_params["live"] in (LIVE, [LIVE])


def test_a_link_with_garbage_shows_the_defaults_and_one_warning_naming_each_value():
    params = {"w_dataset": "<script>", "w_lr": "fast", "w_batch": "-4", "w_batch_norm": "maybe", "w_l1": "1e999",
              "unknown": "x", "step": "12", "live": "3-seed-4"}  # fmt: skip
    at = open_link(TRAIN, params)
    run = at.session_state[state.TRAIN_RUN.key]
    assert run.config.replace(noise=None) == experiment.Config() and step_metric(at) == "0"
    (warning,) = link_warnings(at)
    for said in ("w_dataset=<script>", "w_lr=fast", "w_batch=-4", "w_batch_norm=maybe", "w_l1=1e999",
                 "seed", "cannot change during a run"):  # fmt: skip
        assert said in warning, warning
    assert "unknown" not in warning  # a key no widget has is ignored


def test_a_link_past_the_replay_cap_opens_at_step_0_and_says_why():
    at = open_link(TRAIN, {"w_lr": "0.1", "step": "25000"})
    (warning,) = link_warnings(at)
    assert "25,000 is more than the 20,000 steps a link replays" in warning and step_metric(at) == "0"


def at_stated_default(w):
    """Whether widget ``w`` shows the default its call states (what a link leaves out of the URL)."""
    default, options = w.proto.default, list(getattr(w.proto, "options", []))
    if w.type in ("selectbox", "radio"):
        return options[default] == w.format_func(w.value)
    if w.type == "select_slider":
        return [options.index(w.format_func(w.value))] == [int(d) for d in default]
    if w.type == "multiselect":
        return list(w.indices) == list(default)
    if w.type == "slider":
        return [w.value] == list(default)
    return w.value == default  # text, number, checkbox


TRANSFER = "pages/transfer.py"
INSPECT = "pages/inspect.py"


@pytest.mark.parametrize("path", ["pages/home.py", TRAIN, INITS, REG, ATTR, TRANSFER, INSPECT])
def test_a_fresh_visit_shows_every_control_at_its_stated_default(path):
    """A link leaves out every value equal to the widget's stated default, so whoever opens it must see the
    stated default where the sender saw it: a fresh visit seeds exactly those values."""
    at = open_link(path, {})
    if path == ATTR:
        at.button(key="a_train").click().run()
    kinds = ("selectbox", "radio", "select_slider", "multiselect", "slider", "text_input", "number_input", "checkbox")
    widgets = [w for kind in kinds for w in at.get(kind) if w.key]
    assert len(widgets) >= (2 if path == INSPECT else 3) and not at.exception  # (Inspect: source and tensor)
    assert [w.key for w in widgets if not at_stated_default(w)] == []


LINKS = {
    "pages/home.py": {"home_w": "1.5", "home_b": "-0.5", "home_lr": "0.1", "step": "7"},
    INITS: {"i_dataset": "moons", "i_depth": "4", "i_width": "32", "i_activation": "relu", "i_clip": "true",
           "i_inits": ["normal", "orthogonal", "zeros"], "i_opt_normal_std": "0.5", "i_lr": "0.1",
           "step": "20"},
    REG: {"rp_preset": "Adam + L2 vs AdamW", "rp_runs": "3", "r1_l1": "0.01", "r2_optimizer": "adamw",
          "r2_decay": "0.3", "r2_l2": "0.1", "r_dataset": "polynomial 15", "r_lr": "0.3", "step": "30",
          "live": "10-lr-0.3~20-B.l2-0.1"},
    ATTR: {"a_dataset": "wine", "a_kind": "linear", "a_method": "kernel", "a_samples": "512", "a_rows": "20",
           "a_background": "30", "a_output": "class_1", "a_probability": "true", "step": "40"},
    TRANSFER: {"t_task": "digits 0–4 → digits 5–9", "t_per_class": "5", "t_hidden": "32", "t_pre_steps": "500",
               "t_shifted": "true", "t_plan0": "fine-tune slowly", "t_goal": "90", "t_layer": "2", "t_lr": "0.01",
               "t_optimizer": "momentum", "t_seed": "4", "step": "30", "live": "10-lr-0.03~20-lr-0.01"},
    INSPECT: {"x_source": "the sample", "x_tensor": "W1", "step": "0"},
}  # fmt: skip


@pytest.mark.parametrize("path", list(LINKS))
def test_every_page_takes_a_links_controls_and_step(path):
    at = open_link(path, LINKS[path])
    assert not [w for w in shown(at.warning) if "link" in w or "replay" in w], shown(at.warning)
    kinds = ("selectbox", "radio", "select_slider", "multiselect", "slider", "text_input", "number_input", "checkbox")
    shown_as = {w.key: w.format_func(w.value) if hasattr(w, "format_func") and not isinstance(w.value, list)
                else w.value for kind in kinds for w in at.get(kind) if w.key}  # fmt: skip
    for key, text in LINKS[path].items():
        if key not in ("step", "live"):  # (the URL holds what a selection shows, e.g. "polynomial 15")
            value = shown_as[key]
            expected = (
                text if isinstance(text, list) else type(value)(text == "true" if isinstance(value, bool) else text)
            )
            assert value == expected, (key, value, text)
    step = int(LINKS[path]["step"])
    if path == "pages/home.py":
        assert at.session_state[state.HOME_TRAINER.key].step_count == step
    elif path == ATTR:
        assert at.session_state[state.ATTR_RUN.key].trainer.step_count == step
    elif path == INSPECT:
        assert at.metric[0].value == "64×32"  # W1 of the sample: nothing trains here
    else:
        slot = {INITS: state.INIT_GROUP, REG: state.REG_GROUP, TRANSFER: state.TRANSFER_GROUP}[path]
        group = at.session_state[slot.key][0]
        assert group.step_counts == [step] * len(group)


def upload_configuration(at, content, name="weightviz-train.json"):
    at.file_uploader(key="share_train_file").set_value((name, content, "application/json")).run()
    assert not at.exception, at.exception
    return at


def test_a_configuration_file_opens_in_a_new_tab_and_this_one_keeps_its_run():
    at = open_train()
    at.button(key="step10").click().run()
    params = {"w_dataset": "spiral", "w_lr": "0.1", "step": "40"}
    upload_configuration(at, sharing.config_file("train", params).encode())
    (button,) = at.get("link_button")
    assert button.proto.url.endswith("?w_dataset=spiral&w_lr=0.1&step=40") and not at.error
    assert step_metric(at) == "10" and trainer_of(at).step_count == 10  # nothing here changed


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "cannot be opened: it is not JSON text"),
        (b'{"weightviz": 1, "page": "train", "params": {"w_lr": {"nested": 1}}}', "a value must be text"),
        (json.dumps({"weightviz": 1, "page": "train", "params": {"w_seed": "1" * 5000}}).encode(), "longer than 4000"),
        (b'{"page": "train"}', "not a weightviz configuration"),
        (sharing.config_file("initializers", {"i_depth": "3"}).encode(), "a configuration of the initializers page"),
    ],
    ids=["binary", "nested", "huge value", "not ours", "other page"],
)
def test_a_configuration_file_that_cannot_be_opened_says_why_and_keeps_the_run(content, said):
    at = open_train()
    at.button(key="step10").click().run()
    upload_configuration(at, content, name="<b>c</b>.json")
    errors = shown(at.error)
    assert any(said in e and "<b>c</b>.json" in e for e in errors), errors
    assert not at.get("link_button") and trainer_of(at).step_count == 10


def share_caption(at):
    return " ".join(c.value for c in at.caption if "These settings" in c.value)


def test_a_field_the_run_cannot_use_makes_the_link_carry_the_settings_only():
    """(A review: after "abc" in Hidden layer sizes, the link carried step 20 and the receiver replayed 8-8
    instead of the 16 the sender kept.)"""
    at = open_train()
    at.button(key="step10").click().run()
    assert at.query_params.get("step") in ("10", ["10"])
    set_widget(at, "w_hidden", "abc")
    assert "step" not in at.query_params and trainer_of(at).step_count == 10
    assert "hidden layer sizes shown cannot be used" in share_caption(at)
    set_widget(at, "w_hidden", "8, 8")
    assert at.query_params.get("step") in ("10", ["10"]) and "bit for bit" in share_caption(at)


def test_a_configuration_that_cannot_build_makes_the_link_carry_the_settings_only():
    at = open_train()
    set_widget(at, "w_batch", 1)
    at.button(key="step10").click().run()
    set_widget(at, "w_batch_norm", True)  # batch norm needs batches of 2: refused, the model kept
    assert "could not be built" in share_caption(at) and "step" not in at.query_params


def test_an_attributions_model_trained_with_other_settings_is_shared_as_settings_only():
    at = open_link(ATTR, {})
    at.button(key="a_train").click().run()
    assert "bit for bit" in share_caption(at)
    set_widget(at, "a_kind", "linear")  # the model shown is still the network
    assert "trained with other settings" in share_caption(at)


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        (INITS, {"i_opt_normal_std": "1e200"}, "i_opt_normal_std=1e200"),
        (INITS, {"i_inits": ["uniform", "he_normal"], "i_opt_uniform_limit": "-1"}, "i_opt_uniform_limit=-1"),
        (TRAIN, {"w_seed": "-1", "w_hidden": "**bold**", "w_schedule": "cosine", "w_schedule_steps": "0"}, "w_seed=-1"),
        (REG, {"r_hidden": "0, 0", "r_kind": "network", "r_seed": "99999999999999999999999"}, "r_hidden=0, 0"),
    ],
    ids=["overflowing sigma", "negative limit", "text fields", "regularization text"],
)
def test_a_links_unusable_values_are_named_and_leave_the_address(path, params, named):
    at = open_link(path, params)
    (warning,) = link_warnings(at)
    assert named in warning and not at.exception
    refused = [key for key in params if key in warning]
    assert all(key not in at.query_params for key in refused if key.endswith(("seed", "hidden", "steps")))


def test_a_links_values_are_shown_as_text_not_markdown():
    at = open_link(TRAIN, {"w_dataset": "x\n\n# BIG\n\n[click](http://evil.example)"})
    (element,) = [w for w in at.warning if "link" in w.value]
    assert "\\[click\\]" in element.value and "\\# BIG" in element.value and "\n" not in element.value
    assert "# BIG [click](http://evil.example)" in shown([element])[0]  # the text itself, on one line


def test_a_link_whose_replay_would_take_too_long_opens_at_step_0():
    at = open_link(TRAIN, {"w_dataset": "digits", "w_hidden": "512, 512", "step": "20000"})
    (warning,) = link_warnings(at)
    assert "would take about" in warning and "at most 10 s" in warning and step_metric(at) == "0"


# -- isolation ------------------------------------------------------------------------------------------------
def test_two_sessions_never_see_each_others_model_data_uploads_or_history():
    first, second = open_train(), open_train()
    set_widget(first, "w_dataset", "circles")
    upload_csv(first, FLOWERS.encode(), name="mine.csv")
    first.button(key="step10").click().run()
    second.button(key="step1").click().run()
    one, two = trainer_of(first), trainer_of(second)
    assert one is not two and one.model is not two.model and one.history is not two.history
    assert (one.step_count, two.step_count) == (10, 1)
    assert second.session_state[state.TRAIN_RUN.key].config.dataset == "moons"
    assert state.CSV_TABLE.key not in second.session_state and state.CSV_DATASET.key not in second.session_state
    assert state.CSV_TABLE.key in first.session_state and "w_csv_file" not in second.session_state


# -- hostile input on every page with data controls -------------------------------------------------------------
BAD_CSVS = {
    "empty": b"",
    "header only": b"a,b,label\n",
    "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "not UTF-8": "a;b;label\n1,5;caf\xe9;x\n".encode("latin-1") * 10,
    "NaN and inf": b"a,b,label\n" + b"nan,inf,1\n-inf,1,0\n" * 20,
    "text in numbers": b"a,b,label\n" + b"1,two,0\n3,4,1\n" * 20,
    "one class": b"a,b,label\n" + b"1,2,x\n3,4,x\n" * 20,
    "constant target": b"a,b,y\n" + b"1,2,5.0\n3,4,5.0\n" * 20,
    "5 000 columns": (
        ",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("1" for _ in range(5000)) + "\n"
    ).encode(),
    "names as markup": b"<script>alert(1)</script>,**b**,$x^2$,[l](http://e.x)\n" + b"1,2,3,a\n4,5,6,b\n" * 20,
}
DATA_PAGES = {TRAIN: ("w_", state.TRAIN_RUN), INITS: ("i_", state.INIT_GROUP), REG: ("r_", state.REG_GROUP)}


REFUSED = [
    "empty",
    "header only",
    "binary",
    "not UTF-8",
    "NaN and inf",
    "one class",
    "constant target",
    "5 000 columns",
]


def trainers_of(at, slot):
    kept = at.session_state[slot.key]
    runs = [kept] if slot is state.TRAIN_RUN else list(kept[0])
    return [(run.trainer, run.trainer.step_count) for run in runs]


@pytest.mark.parametrize("path", list(DATA_PAGES))
def test_every_bad_table_on_every_page_is_explained_and_the_runs_stay(path):
    """Each refused table names itself and why; every run keeps its model and steps; tables that can train
    (a text column left out, names that are markup) do, and their names stay text."""
    prefix, slot = DATA_PAGES[path]
    at = open_page(path)
    set_widget(at, f"{prefix}dataset", "csv")
    for name, content in BAD_CSVS.items():
        before = trainers_of(at, slot) if slot.key in at.session_state else None
        at.file_uploader(key=f"{prefix}csv_file").set_value((f"{name}.csv", content, "text/csv")).run()
        assert not at.exception, (name, at.exception)
        if name in REFUSED:
            assert any(e.startswith(f"{name}.csv: ") for e in shown(at.error)), (name, shown(at.error))
            assert before is None or trainers_of(at, slot) == before, name
        else:
            assert not at.error and trainers_of(at, slot)[0][0].model.layer_sizes[0] >= 1, name
    raw = [e.value for e in at.get("multiselect")] + [w.value for w in at.get("selectbox")]
    assert any("<script>alert(1)</script>" in str(v) for v in raw)  # a column name, as written
    assert not any("<script>" in e.value for e in [*at.markdown, *at.caption])  # never into Markdown raw


def test_a_link_whose_control_lags_its_live_record_says_so():
    """Chromium, three quick arrow presses on the learning rate: the address bar kept w_lr=0.1 while its live
    record ended at 1. The weights at the step are the sender's; the page says the control disagrees."""
    at = open_link(TRAIN, {"w_lr": "0.1", "step": "10", "live": "0-lr-0.03~10-lr-1.0"})
    (warning,) = link_warnings(at)
    assert "controls disagree with its record of changes (lr shows 0.1 where the record ends at 1;" in warning
    assert step_metric(at) == "10"
    by_hand = runs.Run(experiment.Config(lr=0.03))
    by_hand.train(10)
    got, expected = trainer_of(at).model.state(), by_hand.trainer.model.state()
    assert all(np.array_equal(got[k], expected[k]) for k in expected)
    consistent = open_link(TRAIN, {"w_lr": "1", "step": "10", "live": "0-lr-0.03~10-lr-1.0"})
    assert not link_warnings(consistent)


def test_a_group_link_whose_run_diverged_for_the_sender_too_replays_without_a_false_warning():
    """(A review: the receiver reached [100, 15] as the sender had, and was told the replay stopped.)"""
    at = open_link(INITS, {"i_inits": ["normal", "he_normal"], "i_opt_normal_std": "30", "i_activation": "relu",
                           "i_optimizer": "sgd", "i_lr": "1", "step": "100"})  # fmt: skip
    group, _ = init_group(at)
    assert group.runs[0].trainer.diverged is not None and max(group.step_counts) == 100
    assert not [w for w in shown(at.warning) if "link" in w or "replay" in w], shown(at.warning)


def test_a_links_warning_is_drawn_at_the_top_of_the_page():
    """Hostile session: the warning naming a link's refused values sat below every chart (3 000 px down on
    Transfer), so a visitor saw other settings and never learnt why."""
    at = open_link(TRANSFER, {"t_task": "zzz", "t_per_class": "5"})
    order = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) in ("warning", "title"):
                order.append(child.type)
            walk(child)

    walk(at.main)
    assert order[:2] == ["warning", "title"], order
    assert "t_task=zzz" in shown(at.warning)[0]
