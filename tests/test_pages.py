"""Every page through streamlit.testing.v1.AppTest, with the default settings and a spread of configurations."""

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from weightviz import datasets, initializers, optimizers

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
    return at.session_state["trainer"]


def step_metric(at):
    return at.metric[0].value.replace(",", "")


def charts(at):
    return at.get("plotly_chart")


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
    assert len(charts(at)) >= 10  # no gradient charts before the first step
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
    assert len(charts(at)) >= 9


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
    for layer in range(len(model.weights)):  # every layer's inspector draws
        set_widget(at, "w_layer", layer)


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
    assert len(charts(at)) >= 9


def test_live_changes_keep_the_weights_and_others_rebuild():
    at = open_train()
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    set_widget(at, "w_lr", 0.1)
    set_widget(at, "w_l2", 0.01)
    assert trainer_of(at) is trainer and trainer.lr == 0.1 and trainer.l2 == 0.01 and step_metric(at) == "10"
    set_widget(at, "w_seed", 3)
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
    specs = [c.proto.spec for c in charts(at)]
    assert any('"x8"' in s and "Weights by feature" in s for s in specs)


def test_digits_shows_unit_images_and_pooled_heatmaps():
    at = open_train(timeout=90)
    set_widget(at, "w_dataset", "digits")
    set_widget(at, "w_hidden", "100")
    at.button(key="step10").click().run()
    specs = [c.proto.spec for c in charts(at)]
    assert any("What each first-layer unit looks for" in s for s in specs)
    assert any("mean of 1×2 blocks" in s for s in specs)  # 64×100 drawn as 64×50
    assert any("means of blocks" in c.value for c in at.caption)


def test_snapshot_scrubber_shows_an_earlier_step():
    at = open_train()
    at.button(key="step10").click().run()
    set_widget(at, "w_follow", False)
    set_widget(at, "w_snapshot", 3)
    assert any("after step 3" in c.value for c in at.caption)
    assert any("W1 at step 3" in c.proto.spec for c in charts(at))
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
    set_widget(at, "w_long_steps", 300)
    at.button(key="long").click().run()
    assert not at.exception and step_metric(at) == "300"


def test_csv_without_a_readable_file_keeps_the_current_model():
    at = open_train()
    at.button(key="step10").click().run()
    trainer = trainer_of(at)
    table = "a,b,label\n" + "".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 7 > 3 else 'no'}\n" for i in range(60))
    at.session_state["csv_dataset"] = datasets.from_csv(table.encode())  # an earlier upload, now gone
    set_widget(at, "w_dataset", "csv")  # AppTest cannot upload files: the browser test does
    assert trainer_of(at) is trainer and step_metric(at) == "10"
    assert any("upload a CSV file" in w.value for w in at.warning)


def test_lowering_the_learning_rate_goes_on_after_a_divergence():
    at = diverged_house_prices()
    assert any("diverged at step" in w.value for w in at.warning)
    stuck = int(step_metric(at))
    set_widget(at, "w_lr", 1e-4)
    assert not at.warning
    at.button(key="step10").click().run()
    assert int(step_metric(at)) in (stuck + 10, stuck)  # goes on (or, from huge weights, says so again)
    assert not at.exception


def test_home_page_hand_set_weights_and_gradient_descent():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and at.title[0].value.startswith("weightviz")
    assert len(charts(at)) == 2
    loss_before = at.metric[0].value
    set_widget(at, "home_w", 1.5)
    set_widget(at, "home_b", 0.5)
    assert float(at.metric[0].value) < float(loss_before)  # near the least-squares line the loss is small
    at.button(key="home_start").click().run()
    at.button(key="home_step10").click().run()
    assert any("10 steps: now w =" in c.value for c in at.caption)
    surface = next(c.proto.spec for c in charts(at) if "Loss over (w, b)" in c.proto.spec)
    assert "gradient descent" in surface and "least squares" in surface
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
    assert at.get("download_button")  # the weights file is ready at once
    at.button(key="w_prepare_history").click().run()
    assert not at.exception and len(at.get("download_button")) == 2
