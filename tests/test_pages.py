"""Every page through streamlit.testing.v1.AppTest: it runs, Step trains, Reset restores."""

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from weightviz import datasets

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    yield


def trainer_of(at):
    return at.session_state["trainer"]


def test_app_starts_on_train_page_with_the_default_model():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert len(at.get("plotly_chart")) >= 1


def test_step_trains_and_reset_restores_the_initial_weights():
    at = AppTest.from_file(APP, default_timeout=30).run()
    initial = trainer_of(at).model.params.copy()
    at.button(key="step1").click().run()
    assert at.metric[0].value == "1"
    at.button(key="step10").click().run()
    assert at.metric[0].value == "11"
    assert not np.array_equal(trainer_of(at).model.params, initial)
    at.button(key="reset").click().run()
    assert at.metric[0].value == "0"
    np.testing.assert_array_equal(trainer_of(at).model.params, initial)


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_every_dataset_trains_without_exception(name):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox[0].select(name).run()
    at.button(key="step10").click().run()
    assert not at.exception
    assert at.metric[0].value == "10"
    assert trainer_of(at).model.layer_sizes[0] == datasets.load(name).n_features


def test_divergence_is_reported_not_raised():
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.selectbox[0].select("house_prices").run()
    at.selectbox[2].select("sgd").run()
    at.number_input[0].set_value(10.0).run()
    at.button(key="step100").click().run()
    assert not at.exception
    assert any("diverged" in w.value for w in at.warning)
    assert np.isfinite(trainer_of(at).model.params).all()
