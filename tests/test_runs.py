"""Runs and run groups (ui/runs.py, plain Python) and the session-key registry (ui/state.py)."""

import numpy as np
import pytest

from ui import runs, state
from weightviz import datasets, experiment

SMALL = experiment.Config(dataset="moons", hidden_sizes=(4,), batch_size=16)


def test_a_run_applies_live_fields_and_rebuilds_for_others():
    run = runs.Run(SMALL)
    trainer = run.trainer
    run.train(5)
    assert run.update(SMALL.replace(lr=0.1, l2=0.01)) is False and run.trainer is trainer and trainer.lr == 0.1
    assert trainer.step_count == 5 and trainer.l2 == 0.01
    assert run.update(SMALL.replace(seed=3)) is True and run.trainer is not trainer and run.trainer.step_count == 0


def test_a_configuration_that_cannot_build_keeps_the_model_says_why_and_takes_live_fields():
    run = runs.Run(SMALL.replace(batch_size=1))
    trainer = run.trainer
    assert run.update(SMALL.replace(batch_size=1, batch_norm=True, lr=0.3)) is False
    assert run.trainer is trainer and "batch size of at least 2" in run.problem and trainer.lr == 0.3
    assert run.update(SMALL.replace(batch_size=1, lr=0.3)) is False and run.problem is None
    csv = SMALL.replace(dataset=experiment.CSV, csv_id="")
    assert run.update(csv) is False and "upload a CSV" in run.problem


def test_a_run_group_steps_in_lockstep_and_resets_together():
    configs = [SMALL.replace(init=name) for name in ("xavier_uniform", "he_normal", "zeros")]
    group = runs.RunGroup(configs)
    group.train(7)
    assert group.step_counts == [7, 7, 7]
    first = [run.trainer.model.params.copy() for run in group]
    assert not np.array_equal(first[0], first[1])  # only the initializer differs, and it shows
    group.reset()
    assert group.step_counts == [0, 0, 0]
    group.train(7)
    for run, params in zip(group, first, strict=True):
        np.testing.assert_array_equal(run.trainer.model.params, params)  # the same steps again, exactly


def test_one_run_diverging_does_not_stop_the_others():
    prices = experiment.Config(dataset="house_prices", hidden_sizes=(), optimizer="sgd")
    group = runs.RunGroup([prices.replace(lr=0.01), prices.replace(lr=10.0)])
    results = group.train(100)
    calm, wild = group.runs
    assert wild.trainer.diverged is not None and results[1].diverged
    assert calm.trainer.diverged is None and calm.trainer.step_count == 100
    group.train(10)
    assert calm.trainer.step_count == 110 and wild.trainer.step_count == wild.trainer.diverged.step - 1


def test_a_run_group_splits_its_memory_budget_and_applies_live_changes_to_each():
    group = runs.RunGroup([SMALL, SMALL.replace(seed=1), SMALL.replace(seed=2), SMALL.replace(seed=3)], 64.0)
    assert [run.memory_budget_mb for run in group] == [16.0] * 4
    whole = runs.Run(SMALL).trainer.history.snapshots.capacity  # one run alone: the whole 64 MB
    assert all(run.trainer.history.snapshots.capacity <= whole // 4 + 1 for run in group)
    group.apply_live(lr=0.2)
    assert [run.trainer.lr for run in group] == [0.2] * 4
    with pytest.raises(ValueError, match="cannot change on a running model"):
        group.apply_live(seed=5)


def test_run_group_update_rebuilds_only_what_changed():
    group = runs.RunGroup([SMALL, SMALL])
    ds = datasets.load("circles", seed=0)
    rebuilt = group.update([SMALL.replace(lr=0.1), SMALL.replace(dataset="circles")], [None, ds])
    assert rebuilt == [False, True] and group.runs[1].dataset is ds


def test_widget_keys_are_registered_names_and_panels_do_not_collide():
    keys = state.TRAIN_RUN_KEYS
    assert keys.seed == "w_seed" and keys.with_prefix("b_").seed == "b_seed"
    with pytest.raises(AttributeError, match="no widget key 'sed'"):
        keys.sed  # noqa: B018 - a typo is an error, not a new session key
    assert state.TRAIN_RUN.key == "train.run" and state.HOME_TRAINER.key == "home.trainer"
    slots = [v for v in vars(state).values() if isinstance(v, state.Slot)]
    assert len({s.key for s in slots}) == len(slots)  # no two slots share a key


def test_a_download_holds_play_frames_for_a_moment(monkeypatch):
    """Streamlit deletes a file built for a download after two script runs that do not name it: Play's
    frames wait while the browser fetches it."""
    from ui import actions

    run = runs.Run()
    slept = []
    monkeypatch.setattr(actions.time, "sleep", slept.append)
    actions.wait_while_held(run)
    run.hold_frames()
    actions.wait_while_held(run)
    assert slept[0] == 0 and 1.0 < slept[1] <= runs.DOWNLOAD_HOLD_SECONDS
