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
