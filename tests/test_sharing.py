"""Sharing a run: the link's trained state (step and live changes) read back with every value checked, the
replay that rebuilds the sender's weights bit for bit, what makes a run unreplayable, and configuration files."""

import json

import numpy as np
import pytest

from ui.runs import Run, RunGroup
from weightviz import checkpoints, experiment, sharing
from weightviz.sharing import Change, LinkError

SMALL = experiment.Config(dataset="moons", hidden_sizes=(6, 5), lr=0.05, batch_size=16, seed=3)


def same_state(a, b):
    """Two models' parameters, gradients and batch-norm statistics equal bit for bit."""
    sa, sb = a.trainer.model.state(), b.trainer.model.state()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


def by_hand(config, script):
    """A run driven as a person would: ("steps", n) trains, ("set", field, value) moves a control."""
    run = Run(config)
    for action in script:
        if action[0] == "steps":
            run.train(action[1])
        else:
            run.update(run.config.replace(**{action[1]: action[2]}))
    return run


def received(sender):
    """What opening the sender's link does: its configuration now, then the replay of its state."""
    text = sharing.encode_changes(sender.live_changes())
    step = sharing.parse_step(str(sender.trainer.step_count))
    run = Run(sender.config)
    run.replay(step, sharing.parse_changes(text, step))
    return run


SCRIPT = [("steps", 7), ("set", "lr", 0.2), ("steps", 30), ("set", "l2", 0.01), ("set", "l2", 0.03),
          ("steps", 1), ("set", "l1", 0.001), ("set", "lr", 0.01), ("steps", 12)]  # fmt: skip


@pytest.mark.parametrize(
    "config",
    [
        SMALL,
        SMALL.replace(optimizer="momentum", dropout=0.3),
        SMALL.replace(optimizer="adamw", batch_norm=True, weight_decay=0.1),
        SMALL.replace(optimizer="rmsprop", schedule="cosine", schedule_steps=40),
        SMALL.replace(dataset="digits", hidden_sizes=(16,), batch_size=32),
    ],
    ids=["adam", "momentum+dropout", "adamw+batchnorm", "rmsprop+cosine", "digits"],
)
def test_a_replayed_link_gives_the_senders_weights_bit_for_bit(config):
    sender = by_hand(config, SCRIPT)
    receiver = received(sender)
    assert receiver.trainer.step_count == sender.trainer.step_count == 50
    assert same_state(sender, receiver)
    assert receiver.config == sender.config and receiver.live_changes() == sender.live_changes()
    assert receiver.trainer.evaluate() == sender.trainer.evaluate()


def test_the_replay_needs_the_live_changes_and_their_steps():
    """Planted: the same steps without the changes, or a change one step late, give other weights."""
    sender = by_hand(SMALL, SCRIPT)
    plain = Run(sender.config)
    plain.replay(50, [])
    late = Run(sender.config)
    late.replay(50, [Change(c.step + (c.step > 0), c.field, c.value) for c in sender.live_changes()])
    assert not same_state(sender, plain) and not same_state(sender, late)


def test_live_changes_are_logged_from_the_start_and_compressed():
    run = by_hand(SMALL, [("set", "lr", 0.1), ("steps", 5), ("set", "lr", 0.2), ("set", "lr", 0.3), ("steps", 1)])
    assert run.start_live["lr"] == 0.1  # a change at step 0 is the configuration itself
    assert run.live_changes() == [Change(0, "lr", 0.1), Change(5, "lr", 0.3)]
    assert sharing.encode_changes(run.live_changes()) == "0-lr-0.1~5-lr-0.3"
    run.reset()
    assert run.live_changes() == [] and run.start_live["lr"] == 0.3


def test_what_makes_a_run_unreplayable_and_what_clears_it():
    run = by_hand(SMALL, [("steps", 20)])
    assert run.unreplayable() is None
    run.trainer.rewind(10)
    assert "went back from step 20 to step 10" in run.unreplayable()
    run.reset()
    assert run.unreplayable() is None
    run.trainer.start_from(checkpoints.checked_state(run.trainer.model, checkpoints.save_bytes(run.trainer.model)))
    assert "loaded from a file" in run.unreplayable()
    run.reset()
    assert "loaded from a file" in run.unreplayable()  # a reset goes back to the loaded weights
    many = Run(SMALL)
    for i in range(sharing.MAX_CHANGES + 1):
        many.train(1)
        many.update(many.config.replace(lr=0.01 + i * 1e-4))
    assert "more than 100 live changes" in many.unreplayable()


def test_a_group_link_replays_every_run_with_its_own_changes():
    configs = [SMALL, SMALL.replace(l1=0.01), SMALL.replace(optimizer="sgd")]
    group = RunGroup(configs)
    group.train(10)
    group.apply_live(lr=0.1)  # every run
    group.update([c.replace(lr=0.1) for c in configs[:2]] + [configs[2].replace(lr=0.1, l2=0.05)])  # run C only
    group.train(15)
    changes = group.live_changes()
    text = sharing.encode_changes(changes)
    assert "10-A.lr-0.1" in text and "10-C.l2-0.05" in text  # the runs' lists differ: each run its own
    other = RunGroup([run.config for run in group])
    other.replay(25, sharing.parse_changes(text, 25, n_runs=3))
    assert all(same_state(a, b) for a, b in zip(group, other, strict=True))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("5-lr", "is not step-field-value"),
        ("x-lr-0.1", "is not step-field-value"),
        ("5-seed-3", "cannot change during a run"),
        ("5-lr-0", "not a usable value"),
        ("5-l2--1", "not a usable value"),
        ("5-lr-nan", "not a usable value"),
        ("5-lr-inf", "not a usable value"),
        ("9-lr-0.1~5-lr-0.2", "out of order"),
        ("60-lr-0.1", "out of order"),
        ("5-E.lr-0.1", "names no run"),
        ("5-B.lr-0.1", "names no run"),  # one run only
        ("~".join(["1-lr-0.1"] * 101), "more than 100"),
    ],
)
def test_a_malformed_live_parameter_is_refused_with_the_reason(text, said):
    with pytest.raises(LinkError, match=said):
        sharing.parse_changes(text, 50)


@pytest.mark.parametrize(("text", "said"), [("-3", "negative"), ("1e3", "whole number"), ("", "whole number"),
                                            ("20001", "more than the 20,000")])  # fmt: skip
def test_a_malformed_step_is_refused(text, said):
    with pytest.raises(LinkError, match=said):
        sharing.parse_step(text)


def test_a_configuration_file_round_trips_its_parameters():
    params = {"w_lr": "0.1", "w_batch_norm": True, "w_seed": 7, "i_inits": ["normal", "he_normal"]}
    page, read = sharing.read_config_file(sharing.config_file("train", params).encode())
    assert page == "train" and read == {"w_lr": "0.1", "w_batch_norm": "true", "w_seed": "7",
                                        "i_inits": ["normal", "he_normal"]}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\xff\xfe not text", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[" * 100_000, "bytes"),
        (b"[" * 5_000 + b"]" * 5_000, "not JSON"),  # nested past Python's recursion limit
        (b'{"page": "train", "params": {}}', "not a weightviz configuration"),
        (b'{"weightviz": 2, "page": "train", "params": {}}', "not a weightviz configuration"),
        (b'{"weightviz": 1, "page": 3, "params": {}}', "not a page name"),
        (b'{"weightviz": 1, "page": "train", "params": []}', "not a table"),
        (b'{"weightviz": 1, "page": "train", "params": {"w_lr": {"a": 1}}}', "must be text"),
        (b'{"weightviz": 1, "page": "train", "params": {"w_lr": [[1]]}}', "must be text"),
        (b'{"weightviz": 1, "page": "train", "params": {"w_lr": null}}', "must be text"),
        (json.dumps({"weightviz": 1, "page": "train", "params": {"w_seed": "9" * 5000}}).encode(), "longer than"),
        (json.dumps({"weightviz": 1, "page": "train", "params": {f"k{i}": 1 for i in range(201)}}).encode(), "201"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_file_that_is_not_a_configuration_is_refused_with_the_reason(data, said):
    """(Test ids are the expected reasons: the files themselves can be 100 kB.)"""
    with pytest.raises(LinkError, match=said):
        sharing.read_config_file(data)


def test_a_group_link_keeps_each_runs_order_within_a_step():
    """(A review found the shared change moved ahead of run B's own: B's L2 ended 0.3 instead of 0.1.)"""
    configs = [SMALL, SMALL]
    group = RunGroup(configs)
    group.train(10)
    group.update([configs[0].replace(l2=0.1), configs[1]])
    group.update([configs[0].replace(l2=0.1), configs[1].replace(l2=0.3)])
    group.update([configs[0].replace(l2=0.1, lr=0.03), configs[1].replace(l2=0.3, lr=0.03)])
    group.update([configs[0].replace(l2=0.1, lr=0.03), configs[1].replace(l2=0.1, lr=0.03)])
    group.train(10)
    text = sharing.encode_changes(group.live_changes())
    other = RunGroup(configs)
    other.replay(20, sharing.parse_changes(text, 20, n_runs=2))
    assert [run.config for run in other] == [run.config for run in group]
    assert all(same_state(a, b) for a, b in zip(group, other, strict=True))
    same = RunGroup(configs)
    same.train(5)
    same.apply_live(lr=0.1)
    assert sharing.encode_changes(same.live_changes()) == "0-lr-0.05~5-lr-0.1"  # the same for all: once


def test_a_file_of_a_run_with_the_most_live_changes_opens_again():
    run = Run(SMALL)
    for i in range(sharing.MAX_CHANGES - 1):
        run.train(1)
        run.update(run.config.replace(lr=0.012345678901 + i * 1e-4))
    params = {"w_lr": "0.01", "step": str(run.trainer.step_count), "live": sharing.encode_changes(run.live_changes())}
    assert run.unreplayable() is None and len(params["live"]) > 2_000
    assert sharing.read_config_file(sharing.config_file("train", params).encode()) == ("train", params)
