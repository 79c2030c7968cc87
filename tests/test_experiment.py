import numpy as np
import pytest

from weightviz import experiment
from weightviz.experiment import Config


def test_same_config_same_weights_and_live_fields():
    _, a = experiment.build(Config())
    _, b = experiment.build(Config())
    a.run(20)
    b.run(20)
    np.testing.assert_array_equal(a.model.params, b.model.params)
    base = Config()
    assert not base.replace(lr=0.1, l1=0.01, l2=0.1).rebuild_needed(base)
    assert base.replace(seed=1).rebuild_needed(base) and base.replace(hidden_sizes=(4,)).rebuild_needed(base)
    experiment.apply_live(a, base.replace(lr=0.5, l2=0.2))
    assert a.lr == 0.5 and a.l2 == 0.2


@pytest.mark.parametrize("text,sizes", [("8, 8", (8, 8)), ("16 8 4", (16, 8, 4)), ("3;2", (3, 2)), (" 5 ", (5,))])
def test_parse_hidden_sizes(text, sizes):
    assert experiment.parse_hidden_sizes(text) == sizes


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "at least one"),
        ("8, x", "whole numbers"),
        ("0", "1 to 512"),
        ("1000", "1 to 512"),
        (",".join(["4"] * 9), "at most 8"),
    ],
)
def test_bad_hidden_sizes_are_explained(text, message):
    with pytest.raises(ValueError, match=message):
        experiment.parse_hidden_sizes(text)


def test_linear_model_and_impossible_combinations():
    ds, trainer = experiment.build(Config(dataset="iris", hidden_sizes=(), dropout=0.5, batch_norm=True))
    assert trainer.model.layer_sizes == [4, 3] and not trainer.model.batch_norms
    assert experiment.notes(Config(hidden_sizes=(), dropout=0.5))
    assert not experiment.notes(Config())
    with pytest.raises(ValueError, match="batch size of at least 2"):
        experiment.build(Config(batch_norm=True, batch_size=1))


@pytest.mark.parametrize(
    "schedule,option,at_1000",
    [("cosine", "total_steps", 1000), ("step", "step_size", 100), ("exponential", "decay_steps", 100)],
)
def test_schedule_steps_sets_the_schedules_length(schedule, option, at_1000):
    """S = schedule_steps: cosine reaches 0 at step S; step and exponential decay act every S/10 steps;
    the default S = 1000 keeps the engine's own defaults (the same rates as before the field existed)."""
    _, trainer = experiment.build(Config(schedule=schedule))
    assert trainer.schedule_options == {option: at_1000}
    _, short = experiment.build(Config(schedule=schedule, schedule_steps=50))
    assert short.schedule_options == {option: 50 if schedule == "cosine" else 5}
    assert Config(schedule_steps=50).rebuild_needed(Config())
    if schedule == "cosine":
        assert short.lr_at(0.03, 25) == pytest.approx(0.015) and short.lr_at(0.03, 50) == 0.0


@pytest.mark.parametrize("steps", [0, -3, 2.5, "100"])
def test_a_schedule_length_that_is_not_a_whole_number_of_steps_is_refused(steps):
    with pytest.raises(ValueError, match="schedule's length"):
        experiment.build(Config(schedule="cosine", schedule_steps=steps))


def test_lowering_the_rate_after_a_divergence_goes_back_to_the_last_healthy_step():
    config = Config(dataset="house_prices", hidden_sizes=(), optimizer="sgd", lr=10)
    _, trainer = experiment.build(config)
    diverged = trainer.run(500)
    assert diverged.diverged
    healthy = trainer.healthy_step()
    experiment.apply_live(trainer, config.replace(lr=0.003))
    assert trainer.diverged is None and trainer.step_count == healthy and trainer.lr == 0.003
    assert not trainer.run(1000).diverged and trainer.warning() is None


def test_adamw_weight_decay_is_a_config_field_that_changes_live():
    config = experiment.Config(dataset="moons", optimizer="adamw", weight_decay=0.1)
    _, trainer = experiment.build(config)
    assert trainer.optimizer.weight_decay == 0.1
    trainer.run(5)
    moments = trainer.optimizer.m.copy()
    assert not config.replace(weight_decay=0.5).rebuild_needed(config)
    experiment.apply_live(trainer, config.replace(weight_decay=0.5))
    assert trainer.optimizer.weight_decay == 0.5 and np.array_equal(trainer.optimizer.m, moments)  # kept state
    trainer.reset()
    assert trainer.optimizer.weight_decay == 0.5  # a fresh optimizer keeps the decay
    with pytest.raises(ValueError, match="weight decay must be ≥ 0"):
        experiment.build(config.replace(weight_decay=-1.0))
    _, adam = experiment.build(config.replace(optimizer="adam"))
    experiment.apply_live(adam, config.replace(optimizer="adam", weight_decay=0.7))  # no decay to set: ignored
    with pytest.raises(ValueError, match="no decoupled weight decay"):
        adam.set_weight_decay(0.1)
