"""Transfer learning (``weightviz.transfer``): the tasks' data, pre-training kept per settings, where each run
starts (copied, frozen, slowed, re-initialized layers), what moved, and the margins measured on both tasks."""

import numpy as np
import pytest

from weightviz import MLP, checkpoints, experiment, limits, transfer

CONFIG = experiment.Config(
    dataset="digits", hidden_sizes=(64,), activation="relu", init="he_normal", optimizer="adam", lr=0.01, batch_size=32
)
SPLIT, NOISY = "digits 0–4 → digits 5–9", "clean digits → noisy digits"


def small_pretrained(hidden=(16, 8), seed=0, activation="relu"):
    return transfer.pretrained(SPLIT, hidden, 250, seed, activation)


SMALL = CONFIG.replace(hidden_sizes=(16, 8))


def run(start, config=SMALL, per_class=5, steps=30, **fields):
    ds = transfer.target(SPLIT, per_class, config.seed)
    _, trainer = experiment.build(config.replace(**fields), ds, start=start)
    trainer.run(steps)
    return trainer


# -- the tasks' data ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("task", list(transfer.TASKS))
def test_a_target_has_per_class_training_examples_and_tests_on_every_other_one(task):
    ds = transfer.target(task, 10, seed=3)
    assert np.array_equal(np.bincount(ds.y_train), [10] * len(ds.class_names))
    _, X_pool, _, _ = transfer._pool(task)
    assert len(ds.X_train) + len(ds.X_test) == len(X_pool)
    train_rows = {row.tobytes() for row in ds.X_train}
    assert not any(row.tobytes() in train_rows for row in ds.X_test)
    again = transfer.target(task, 10, seed=3)
    assert np.array_equal(again.X_train, ds.X_train) and np.array_equal(again.y_train, ds.y_train)
    other = transfer.target(task, 10, seed=4)
    assert not np.array_equal(other.X_train, ds.X_train)
    assert ds.meta["image_shape"] == (8, 8) and ds.n_features == 64


@pytest.mark.parametrize("per_class", [0, 1_000])
def test_a_target_size_the_pool_cannot_hold_is_refused(per_class):
    with pytest.raises(ValueError, match="examples per class"):
        transfer.target(SPLIT, per_class)


def test_no_image_is_in_both_a_source_and_its_target():
    for task in transfer.TASKS:
        source = transfer.source(task)
        _, X_pool, _, _ = transfer._pool(task)
        source_rows = {row.tobytes() for row in np.concatenate([source.X_train, source.X_test])}
        assert not any(row.tobytes() in source_rows for row in X_pool)
    assert transfer.source(SPLIT).class_names == list("01234") and transfer._pool(SPLIT)[3] == list("56789")


def test_the_noisy_targets_are_the_same_classes_with_noise_of_the_stated_size():
    _, X_noisy, y, names = transfer._pool(NOISY)
    X_clean, y_clean = transfer._halves()[1]
    assert np.array_equal(y, y_clean) and names == list("0123456789")
    assert X_noisy.min() >= 0 and X_noisy.max() <= 1
    inside = (X_clean > 0.35) & (X_clean < 0.65)  # far from the clipping at 0 and 1
    assert np.std((X_noisy - X_clean)[inside]) == pytest.approx(transfer.NOISE_SIGMA, rel=0.1)


def test_shifted_copies_move_each_image_by_one_pixel_and_fill_with_zeros():
    image = np.arange(1, 65, dtype=float).reshape(1, 64)
    copies = transfer.shifted_copies(image).reshape(9, 8, 8)
    assert np.array_equal(copies[0].ravel(), image[0])
    original = image.reshape(8, 8)
    moved = {(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)} - {(0, 0)}
    for copy in copies[1:]:
        kept = copy > 0
        found = [(dy, dx) for dy, dx in moved if np.array_equal(np.roll(original, (dy, dx), (0, 1))[kept], copy[kept])]
        assert len(found) == 1 and np.count_nonzero(copy == 0) in (8, 15)
        moved.discard(found[0])
    assert not moved


# -- pre-training ----------------------------------------------------------------------------------------------
def test_pretraining_is_seeded_learns_its_task_and_is_kept_per_settings():
    first = transfer.pretrain(SPLIT, (16,), 500, seed=2)
    again = transfer.pretrain(SPLIT, (16,), 500, seed=2)
    other = transfer.pretrain(SPLIT, (16,), 500, seed=3)
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(first.layers, again.layers, strict=True))
    assert not np.array_equal(first.layers[0][0], other.layers[0][0])
    assert first.source_accuracy > 0.95 and first.hidden_sizes == (16,) and first.n_inputs == 64
    assert not first.layers[0][0].flags.writeable  # shared by every session: nobody may write into it
    kept = transfer.pretrained(SPLIT, (16,), 500, seed=2)
    assert transfer.is_pretrained(SPLIT, (16,), 500, seed=2)
    assert transfer.pretrained(SPLIT, (16,), 500, seed=2) is kept
    assert np.array_equal(kept.layers[0][0], first.layers[0][0])
    assert not transfer.is_pretrained(SPLIT, (16,), 500, seed=2, shifted=True)


def test_the_kept_pretrainings_are_bounded_least_recently_used_first(monkeypatch):
    monkeypatch.setattr(limits, "PRETRAINED_KEPT", 2)
    monkeypatch.setattr(transfer, "_kept", type(transfer._kept)())
    for seed in (10, 11):
        transfer.pretrained(SPLIT, (4,), 10, seed)
    transfer.pretrained(SPLIT, (4,), 10, 10)  # used again: 11 is now the oldest
    transfer.pretrained(SPLIT, (4,), 10, 12)
    assert [transfer.is_pretrained(SPLIT, (4,), 10, s) for s in (10, 11, 12)] == [True, False, True]


def test_pretraining_reports_progress_and_refuses_what_is_over_its_limits():
    seen = []
    transfer.pretrain(SPLIT, (4,), 600, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(250, 600), (500, 600), (600, 600)]
    with pytest.raises(ValueError, match="at most"):
        transfer.pretrain(SPLIT, (4,), limits.PRETRAIN_STEPS + 1)
    with pytest.raises(ValueError, match="at most"):
        transfer.pretrain(SPLIT, (limits.PRETRAIN_UNITS + 1,), 10)
    with pytest.raises(ValueError, match="hidden layer"):
        transfer.pretrain(SPLIT, (), 10)
    with pytest.raises(ValueError, match="unknown transfer task"):
        transfer.pretrain("mnist → svhn", (4,), 10)


def test_layers_come_from_a_weights_file_too():
    model = MLP([64, 12, 10], "tanh", "multiclass", "he_normal", seed=5)
    loaded = checkpoints.load_model(checkpoints.save_bytes(model))
    layers = transfer.from_model(loaded, "my file")
    assert layers.activation == "tanh" and layers.hidden_sizes == (12,)
    (W, b), *_ = layers.layers
    assert np.array_equal(W, model.weights[0]) and np.array_equal(b, model.biases[0])
    with pytest.raises(ValueError, match="no hidden layer"):
        transfer.from_model(MLP([64, 10], task="multiclass"), "linear")
    with pytest.raises(ValueError, match="batch norm"):
        transfer.from_model(MLP([64, 8, 10], task="multiclass", batch_norm=True), "bn")


# -- where a run starts ------------------------------------------------------------------------------------------
def test_each_action_starts_and_trains_a_layer_as_it_says():
    pre = small_pretrained()
    plans = {"scratch": ("re-initialize",) * 2, "fine": ("fine-tune", "freeze"), "slow": ("fine-tune slowly",) * 2}
    fresh = MLP([64, 16, 8, 5], "relu", "multiclass", "he_normal", seed=0)  # what the configuration draws
    trainers = {name: run(transfer.Start(pre, plan), steps=0) for name, plan in plans.items()}
    W0 = {name: t.initial_weights for name, t in trainers.items()}
    assert np.array_equal(W0["scratch"][0], fresh.weights[0]) and np.array_equal(W0["scratch"][1], fresh.weights[1])
    assert np.array_equal(W0["fine"][0], pre.layers[0][0]) and np.array_equal(W0["fine"][1], pre.layers[1][0])
    assert np.array_equal(trainers["fine"].model.biases[1], pre.layers[1][1])
    for t in trainers.values():  # the new output layer: the same fresh draw in every run
        assert np.array_equal(t.initial_weights[2], fresh.weights[2])
    assert trainers["fine"].layer_lr == [1.0, 0.0, 1.0] and trainers["slow"].layer_lr == [0.1, 0.1, 1.0]
    assert trainers["fine"].eval_every == transfer.EVAL_EVERY
    for t in trainers.values():
        t.run(40)
    frozen = trainers["fine"].model
    assert np.array_equal(frozen.weights[1], pre.layers[1][0]) and np.array_equal(frozen.biases[1], pre.layers[1][1])
    assert not np.array_equal(frozen.weights[0], pre.layers[0][0])


def test_from_scratch_is_the_plain_trainer_bit_for_bit_and_one_sgd_step_scales_with_the_action():
    pre = small_pretrained()
    ds = transfer.target(SPLIT, 5, 0)
    config = CONFIG.replace(hidden_sizes=(16, 8), optimizer="sgd", lr=0.1)
    _, plain = experiment.build(config, ds)
    scratch = run(transfer.Start(pre, ("re-initialize",) * 2), config, steps=0)
    plain.run(25)
    scratch.run(25)
    assert np.array_equal(plain.model.params, scratch.model.params)
    fast, slow = (run(transfer.Start(pre, (a, "freeze")), config, steps=1) for a in ("fine-tune", "fine-tune slowly"))
    step_fast, step_slow = fast.model.weights[0] - pre.layers[0][0], slow.model.weights[0] - pre.layers[0][0]
    assert np.abs(step_fast).max() > 0
    np.testing.assert_allclose(step_slow, 0.1 * step_fast, rtol=1e-12, atol=1e-15)


def test_a_start_that_does_not_fit_is_refused_with_the_reason():
    pre = small_pretrained()
    with pytest.raises(ValueError, match="one action per hidden layer"):
        transfer.Start(pre, ("freeze",))
    with pytest.raises(ValueError, match="unknown action"):
        transfer.Start(pre, ("freeze", "melt"))
    start = transfer.Start(pre, ("freeze", "freeze"))
    with pytest.raises(ValueError, match="do not match"):
        run(start, CONFIG.replace(hidden_sizes=(16, 9)))
    with pytest.raises(ValueError, match="use relu"):
        run(start, CONFIG.replace(hidden_sizes=(16, 8), activation="tanh"))
    with pytest.raises(ValueError, match="batch norm"):
        run(start, CONFIG.replace(hidden_sizes=(16, 8), batch_norm=True))


def test_comparison_plans_name_the_three_runs():
    assert transfer.comparison_plans(2) == {
        "From scratch": ("re-initialize", "re-initialize"),
        "Fine-tuned": ("fine-tune", "fine-tune"),
        "Frozen features": ("freeze", "freeze"),
    }
    assert transfer.comparison_plans(2, ["freeze", "fine-tune slowly"])["Fine-tuned"] == ("freeze", "fine-tune slowly")


# -- what moved ----------------------------------------------------------------------------------------------------
def test_what_moved_is_measured_by_the_formulas():
    W0 = np.array([[3.0, 0.0], [0.0, 4.0]])
    W = np.array([[3.0, 1.0], [0.0, 4.0]])
    assert np.array_equal(transfer.moved(W, W0), [[0, 1], [0, 0]])
    assert transfer.relative_change(W, W0) == pytest.approx(1 / 5)
    assert transfer.relative_change(W0, W0) == 0.0
    assert transfer.relative_change(np.zeros(2), np.zeros(2)) == 0.0
    assert transfer.relative_change(np.ones(2), np.zeros(2)) == float("inf")
    assert transfer.steps_to_reach([0, 5, 10, 15], [0.1, 0.79, 0.8, 0.9], 0.8) == 10
    assert transfer.steps_to_reach([0, 5], [0.1, 0.2], 0.8) is None


# -- the margins, measured (README: "Transfer learning") -------------------------------------------------------------
def margins(task, per_class=30, budget=100, seeds=(0, 1, 2)):
    """Mean test accuracy of the three runs after ``budget`` steps, over ``seeds``, with the page's defaults
    (64 ReLU units pre-trained 2,000 steps, Adam η = 0.01, batches of 32)."""
    scores = {}
    for seed in seeds:
        pre = transfer.pretrained(task, (64,), 2000, seed)
        ds = transfer.target(task, per_class, seed)
        for name, plan in transfer.comparison_plans(1).items():
            _, trainer = experiment.build(CONFIG.replace(seed=seed), ds, start=transfer.Start(pre, plan))
            trainer.run(budget)
            scores.setdefault(name, []).append(trainer.model.score(ds.X_test, ds.y_test))
    return {name: float(np.mean(s)) for name, s in scores.items()}


def test_on_noisy_digits_fine_tuning_beats_training_from_scratch_by_the_margin_measured():
    at_30, at_5 = margins(NOISY, 30), margins(NOISY, 5)
    # measured 2026-11-26 (17:20, pre-training on its own seed stream): 30 per class 82.1 % vs 79.6 % (+2.6
    # points); 5 per class 72.1 % vs 66.9 % (+5.3), frozen features 72.6 %
    assert at_30["Fine-tuned"] - at_30["From scratch"] > 0.015
    assert at_5["Fine-tuned"] - at_5["From scratch"] > 0.035
    assert at_5["Frozen features"] - at_5["From scratch"] > 0.04


def test_on_digits_0_to_4_then_5_to_9_training_from_scratch_is_ahead_as_measured():
    at_30 = margins(SPLIT, 30)
    # measured 2026-11-26 (17:20): from scratch 96.2 %, fine-tuned 95.7 % (−0.5 points), frozen features 88.5 %;
    # the claim that pre-training helps does not hold here (README: "Transfer")
    assert -0.015 < at_30["Fine-tuned"] - at_30["From scratch"] < 0
    assert at_30["Frozen features"] < at_30["From scratch"] - 0.04


def test_momentum_at_rate_10_trains_frozen_features_through_a_gradient_of_1e_317():
    """Review: on noisy digits, seed 0, 10 per class, momentum at η = 10 with the page's history budget, frozen
    features reached a gradient range of 0…1.29e-317 at step 107; its histogram crashed the step, and every
    later step (the recorded block was left pending)."""
    pre = transfer.pretrained(NOISY, (64,), 2000, 0)
    ds = transfer.target(NOISY, 10, 0)
    config = CONFIG.replace(optimizer="momentum", lr=10.0)
    _, trainer = experiment.build(config, ds, memory_budget_mb=64 / 3, start=transfer.Start(pre, ("freeze",)))
    trainer.run(300)
    assert trainer.step_count == 300 or trainer.diverged is not None
    trainer.history.histograms("g")  # everything recorded can be read


def test_sessions_asking_for_the_same_pretraining_at_once_train_it_once(monkeypatch):
    import threading
    import time

    calls, real = [], transfer.pretrain

    def counted(*args):
        calls.append(args)
        time.sleep(0.2)  # long enough for the others to arrive while it runs
        return real(*args)

    monkeypatch.setattr(transfer, "pretrain", counted)
    monkeypatch.setattr(transfer, "_kept", type(transfer._kept)())
    got = []
    threads = [threading.Thread(target=lambda: got.append(transfer.pretrained(SPLIT, (4,), 20, 77))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 4 and all(g is got[0] for g in got)
    monkeypatch.setattr(transfer, "pretrain", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):  # stopped midway: nothing is left waiting
        transfer.pretrained(SPLIT, (4,), 20, 78)
    assert not transfer._training


def test_pretraining_draws_from_a_stream_of_its_own_so_the_new_output_layer_knows_nothing():
    """Hostile review: pre-training drew its weights from the runs' own seed, so the target's new output layer
    was the draw the pre-trained layers grew up with, and fine-tuned runs read 61.5 % at step 0 on noisy digits."""
    assert transfer.pretraining_seed(0) != 0 and transfer.pretraining_seed(0) == transfer.pretraining_seed(0)
    at_start = margins(NOISY, 10, budget=0)
    assert all(0.05 < accuracy < 0.2 for accuracy in at_start.values()), at_start  # chance is 10 %
