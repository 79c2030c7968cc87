import numpy as np
import pytest

from weightviz import MLP, Trainer, datasets
from weightviz.history import ThinningLog, layer_stats, segment_histograms


@pytest.fixture
def trained():
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([6, 5]), activation="tanh", task="binary", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, X_test=ds.X_test, y_test=ds.y_test, lr=0.05, l2=0.01)
    return model, trainer


def test_recorded_statistics_match_numpy(trained):
    model, trainer = trained
    trainer.run(7)
    before = [W.copy() for W in model.weights]
    trainer.step()
    history = trainer.history
    assert history.steps[-1] == 8
    for l, W in enumerate(model.weights):
        G = model.grad_weights[l]  # the gradient the optimizer used: data + l2·W
        assert history.column(f"w_norm_{l}")[-1] == pytest.approx(np.linalg.norm(W))
        assert history.column(f"w_mean_{l}")[-1] == pytest.approx(W.mean())
        assert history.column(f"w_std_{l}")[-1] == pytest.approx(W.std())
        assert history.column(f"w_min_{l}")[-1] == W.min() and history.column(f"w_max_{l}")[-1] == W.max()
        assert history.column(f"g_norm_{l}")[-1] == pytest.approx(np.linalg.norm(G))
        assert history.column(f"g_std_{l}")[-1] == pytest.approx(G.std())
        ratio = np.linalg.norm(W - before[l]) / np.linalg.norm(before[l])
        assert history.column(f"update_ratio_{l}")[-1] == pytest.approx(ratio)
        assert history.column(f"b_norm_{l}")[-1] == pytest.approx(np.linalg.norm(model.biases[l]))
        steps, counts, ranges = history.histograms("w")
        expected, _ = np.histogram(W, bins=history.bins, range=(W.min(), W.max()))
        np.testing.assert_array_equal(counts[-1, l], expected)
        np.testing.assert_allclose(ranges[-1, l], [W.min(), W.max()])
        _, g_counts, _ = history.histograms("g")
        np.testing.assert_array_equal(g_counts[-1, l], np.histogram(G, bins=history.bins, range=(G.min(), G.max()))[0])
    step, weights, grads = history.snapshot(-1)
    assert step == 8
    for W, S in zip(model.weights, weights, strict=True):
        np.testing.assert_allclose(S, W, rtol=1e-6)  # float32 copies


def test_step_zero_holds_the_initial_weights_and_no_gradient(trained):
    model, trainer = trained
    initial = [W.copy() for W in model.weights]
    trainer.run(3)
    step, weights, grads = trainer.history.snapshot(0)
    assert step == 0
    np.testing.assert_allclose(weights[0], initial[0], rtol=1e-6)
    assert np.isnan(grads[0]).all()
    assert np.isnan(trainer.history.column("g_norm_0")[0])
    _, g_counts, _ = trainer.history.histograms("g")
    assert g_counts[0].sum() == 0
    assert not np.isnan(trainer.history.eval_column("train_loss")[1][0])


def test_memory_budget_thins_evenly_and_keeps_the_whole_run():
    ds = datasets.xor(seed=0)
    model = MLP(ds.layer_sizes([8, 8]), task="binary", seed=0)
    budget_mb = 0.25
    trainer = Trainer(model, ds.X_train, ds.y_train, memory_budget_mb=budget_mb)
    trainer.run(20_000)
    h = trainer.history
    assert h.nbytes <= budget_mb * 2**20 + h._params.nbytes + h._grads.nbytes
    for log in (h.scalars, h.hists, h.snapshots):
        steps = log.steps
        assert steps[0] == 0 and steps[-1] > 20_000 - 2 * log.stride  # covers the whole run
        assert len(set(np.diff(steps))) == 1  # evenly spaced
        assert log.n <= log.capacity and log.stride > 1


def test_thinning_log_row_by_row_and_in_blocks_agree():
    one, block = (ThinningLog(10, {"v": ((), np.float64)}) for _ in range(2))
    for step in range(137):
        if one.offer():
            one.append(step, v=step * 2.0)
    for start in range(0, 137, 17):
        steps = np.arange(start, min(start + 17, 137))
        block.extend(steps, v=steps * 2.0)
    np.testing.assert_array_equal(one.steps, block.steps)
    np.testing.assert_array_equal(one["v"], block["v"])
    assert one.stride == block.stride == 16 and list(one.steps) == list(range(0, 137, 16))


def test_layer_stats_and_histograms_per_segment(rng):
    x = rng.normal(size=(3, 30))
    x[0, :4] = 0.0
    offsets = np.array([0, 10, 30])
    stats = layer_stats(x, offsets, near_zero=0.1)
    for k in range(3):
        for l, (a, b) in enumerate([(0, 10), (10, 30)]):
            seg = x[k, a:b]
            assert stats["std"][k, l] == pytest.approx(seg.std())
            assert stats["near_zero"][k, l] == pytest.approx(np.mean(np.abs(seg) < 0.1))
            assert stats["zero"][k, l] == pytest.approx(np.mean(seg == 0))
    counts = segment_histograms(x, offsets, stats["min"], stats["max"], 7)
    assert counts.shape == (3, 2, 7)
    np.testing.assert_array_equal(counts[2, 1], np.histogram(x[2, 10:], bins=7)[0])


def test_recording_off_records_nothing_but_trains_the_same():
    ds = datasets.moons(seed=0)
    a, b = (MLP(ds.layer_sizes([4]), task="binary", seed=0) for _ in range(2))
    Trainer(a, ds.X_train, ds.y_train, record=True).run(50)
    t = Trainer(b, ds.X_train, ds.y_train, record=False)
    t.run(50)
    np.testing.assert_array_equal(a.params, b.params)
    assert len(t.history) == 0


def test_near_zero_and_zero_shares_count_by_the_readme_rule():
    """README: share near zero is |w| < 1e-3 (strict) and share exactly zero is w == 0, per layer."""
    model = MLP([2, 2, 2], task="regression", init="zeros")
    model.weights[0][...] = [[1e-3, -1e-3], [0.0, 9.99e-4]]  # |w| = 1e-3 is not near zero; 0 and 9.99e-4 are
    model.weights[1][...] = [[-0.5, 0.0], [2e-4, 0.0]]
    trainer = Trainer(model, np.ones((4, 2)), np.ones((4, 2)), memory_budget_mb=1)
    h = trainer.history
    assert h.column("w_near_zero_0")[0] == 0.5 and h.column("w_zero_0")[0] == 0.25
    assert h.column("w_near_zero_1")[0] == 0.75 and h.column("w_zero_1")[0] == 0.5


def test_truncate_forgets_every_log_after_a_step_and_keeps_even_spacing():
    ds = datasets.xor(seed=0)
    model = MLP(ds.layer_sizes([8, 8]), task="binary", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, memory_budget_mb=0.25, eval_every=10)
    trainer.run(3_000)
    h = trainer.history
    assert h.snapshots.stride > 1 and h.scalars.stride > 1  # thinned
    h.truncate(1_234, params=model.params)
    for steps in (h.steps, h.histograms("g")[0], h.snapshot_steps, h.eval_column("train_loss")[0]):
        assert steps[-1] <= 1_234 and steps[-1] > 1_234 - 2 * max(h.scalars.stride, h.snapshots.stride, 64)
    for step in range(1_235, 4_000):  # recording goes on from 1235 (as after a rewind)
        h.record(step, model.params, model.grads, 0.1, 1.0, 0.0, 1.0)
    h.flush()
    for log in (h.scalars, h.hists, h.snapshots):
        steps = log.steps
        assert steps[0] == 0 and steps[-1] > 4_000 - 2 * log.stride
        assert len(set(np.diff(steps))) == 1  # still evenly spaced


def test_a_second_evaluation_at_the_same_step_replaces_the_first():
    ds = datasets.moons(seed=0)
    trainer = Trainer(MLP(ds.layer_sizes([4]), task="binary", seed=0), ds.X_train, ds.y_train, eval_every=5)
    trainer.run(5)
    trainer.history.record_eval(5, 1.0, 2.0, 3.0, 4.0)
    steps, values = trainer.history.eval_column("test_loss")
    assert list(steps) == [0, 5] and values[-1] == 2.0


def test_every_step_records_the_readme_list_with_30_bins_and_float32_snapshots_of_everything():
    """README: per layer the gradient's mean, min and max and the biases' gradient norm; the learning rate, the
    mini-batch loss, the penalty and the global gradient norm; 30-bin histograms; float32 snapshots of *all*
    parameters (biases too) and gradients. (test_recorded_statistics_match_numpy checks the rest.)"""
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([6, 5]), activation="tanh", task="binary", seed=0)
    lr, l1, l2 = 0.05, 0.01, 0.02
    options = {"step_size": 2, "gamma": 0.5}
    trainer = Trainer(model, ds.X_train, ds.y_train, lr=lr, l1=l1, l2=l2, schedule="step", schedule_options=options)
    trainer.run(4)
    W = model.params[: model.n_weights].copy()
    probe, batches, inner = model.clone(), [], model.forward_backward
    model.forward_backward = lambda X, y, training=False, rng=None: batches.append((X, y)) or inner(X, y, training, rng)
    result = trainer.step()
    expected_loss = probe.forward_backward(*batches[-1])  # the batch's loss on the weights before the update
    h = trainer.history
    assert result.loss == pytest.approx(expected_loss, rel=1e-12)
    assert h.column("batch_loss")[-1] == result.loss and h.column("lr")[-1] == lr * 0.5**2  # step 5: t = 4
    assert h.column("penalty")[-1] == pytest.approx(l1 * np.abs(W).sum() + l2 / 2 * (W**2).sum(), rel=1e-12)
    assert h.column("grad_norm")[-1] == pytest.approx(np.linalg.norm(model.grads), rel=1e-12)
    for l, G in enumerate(model.grad_weights):
        assert h.column(f"g_mean_{l}")[-1] == pytest.approx(G.mean(), abs=1e-15)
        assert h.column(f"g_min_{l}")[-1] == G.min() and h.column(f"g_max_{l}")[-1] == G.max()
        assert h.column(f"gb_norm_{l}")[-1] == pytest.approx(np.linalg.norm(model.grad_biases[l]), rel=1e-12)
    steps, counts, _ = h.histograms("w")
    assert h.bins == 30 and counts.shape[1:] == (3, 30) and h.histograms("g")[1].shape[1:] == (3, 30)
    assert (counts.sum(axis=2) == [w.size for w in model.weights]).all()
    assert h.snapshots["params"].dtype == h.snapshots["grads"].dtype == np.float32
    np.testing.assert_array_equal(h.snapshots["params"][-1], model.params.astype(np.float32))
    np.testing.assert_array_equal(h.snapshots["grads"][-1], model.grads.astype(np.float32))
    assert list(h.snapshot_steps) == list(steps) == list(range(6))


def test_the_default_memory_budget_is_64_mb_per_trainer():
    """README: snapshots and statistics are kept under a memory budget, ``memory_budget_mb=64`` per trainer: what the
    four logs can hold when full adds up to 64 MiB (and a trainer given 8 MB gets an eighth of the rows)."""
    ds = datasets.moons(seed=0)

    def capacity_bytes(trainer):
        logs = (trainer.history.scalars, trainer.history.hists, trainer.history.evals, trainer.history.snapshots)
        return sum(log.capacity * log.nbytes / len(log.steps_buf) for log in logs)  # rows that fit × bytes a row

    model = MLP(ds.layer_sizes([32, 32]), task="binary", seed=0)
    default = Trainer(model, ds.X_train, ds.y_train)
    assert 0.99 * 64 * 2**20 < capacity_bytes(default) <= 64 * 2**20
    small = Trainer(model, ds.X_train, ds.y_train, memory_budget_mb=8)
    assert capacity_bytes(small) == pytest.approx(capacity_bytes(default) / 8, rel=0.01)


def test_each_log_thins_on_its_own_and_is_read_against_its_own_steps():
    """Scalars, histograms, snapshots and evaluations keep different rows after a long run: each reader's rows
    line up with the steps named after its log (``steps`` is the scalar log's, under its older name)."""
    ds = datasets.xor(seed=0)
    model = MLP(ds.layer_sizes([8, 8]), task="binary", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, memory_budget_mb=0.25, eval_every=10)
    trainer.run(3_000)
    h = trainer.history
    axes = {
        "scalar": (h.scalar_steps, len(h.column("batch_loss"))),
        "histogram": (h.histogram_steps, len(h.histograms("w")[1])),
        "snapshot": (h.snapshot_steps, len(h.parameter_path(0))),
        "eval": (h.eval_steps, len(h.eval_column("test_loss")[1])),
    }
    assert len({len(steps) for steps, _ in axes.values()}) == 4  # four different thinnings
    for steps, rows in axes.values():
        assert steps[0] == 0 and len(steps) == rows
    np.testing.assert_array_equal(h.steps, h.scalar_steps)
    np.testing.assert_array_equal(h.layer_stat("w_norm")[0], h.scalar_steps)
    np.testing.assert_array_equal(h.histograms("g")[0], h.histogram_steps)
    np.testing.assert_array_equal(h.eval_column("train_loss")[0], h.eval_steps)
    assert [h.snapshot(i)[0] for i in (0, 1, -1)] == [h.snapshot_steps[i] for i in (0, 1, -1)]


def test_parameter_path_reads_the_given_parameters_of_every_kept_snapshot(trained):
    """``parameter_path(indices)``: (snapshots, k) float64 of the flat parameters at ``indices``, row i at
    ``snapshot_steps[i]``: the initial parameters first, the current ones (as float32 kept them) last."""
    model, trainer = trained
    initial = model.params.copy()
    trainer.run(5)
    h = trainer.history
    now = model.params.astype(np.float32).astype(np.float64)
    first_two = h.parameter_path(slice(0, 2))
    assert first_two.shape == (6, 2) and first_two.dtype == np.float64
    np.testing.assert_allclose(first_two[0], initial[:2], rtol=1e-6)
    np.testing.assert_array_equal(first_two[-1], now[:2])
    picked = h.parameter_path([7, model.n_weights, 3])  # any order, biases too
    np.testing.assert_array_equal(picked[-1], now[[7, model.n_weights, 3]])
    one = h.parameter_path(4)  # one index: still a column
    assert one.shape == (6, 1) and one[-1, 0] == now[4]
    everything = h.parameter_path()
    assert everything.shape == (6, model.n_params)
    for i in range(6):
        np.testing.assert_array_equal(everything[i], h.snapshot_params(i))
    with pytest.raises(IndexError):
        h.parameter_path([model.n_params])


def test_snapshot_grads_are_the_flat_gradients_with_none_at_step_0(trained):
    model, trainer = trained
    trainer.run(3)
    h = trainer.history
    grads = h.snapshot_grads(-1)
    assert grads.dtype == np.float64 and grads.shape == (model.n_params,)
    np.testing.assert_array_equal(grads, model.grads.astype(np.float32))
    assert np.isnan(h.snapshot_grads(0)).all()
    _, _, layer_grads = h.snapshot(-1)
    np.testing.assert_array_equal(grads[: layer_grads[0].size], layer_grads[0].ravel())


def test_histogram_rows_equal_exact_histograms_at_the_steps_they_keep(monkeypatch):
    """The histogram log counts only the steps it keeps, and those exactly: after it has thinned, each kept row is
    np.histogram of that step's weights and gradients over their min–max (the step-0 gradient row counts nothing)."""
    import weightviz.history as history_module

    counted = []  # rows histogrammed, per call
    inner = history_module.segment_histograms
    monkeypatch.setattr(history_module, "segment_histograms", lambda x, *a: counted.append(len(x)) or inner(x, *a))
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([5, 4]), activation="tanh", task="binary", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, lr=0.05, batch_size=16)
    seen = {0: (model.params.copy(), None)}
    for _ in range(1_500):
        trainer.step()
        seen[trainer.t] = (model.params.copy(), model.grads.copy())
    h = trainer.history
    steps, w_counts, w_ranges = h.histograms("w")
    _, g_counts, g_ranges = h.histograms("g")
    assert h.hists.capacity == history_module.HIST_ROWS == 512 and h.hists.stride == 4
    assert list(steps) == list(range(0, 1_501, 4)) == list(h.histogram_steps)
    assert sum(counted) == 2 * (512 + 256 + len(range(1_024, 1_501, 4)))  # w and g of each row kept as it came
    for row, step in enumerate(steps):
        params, grads = seen[int(step)]
        for l, (a, b) in enumerate(zip(h.offsets[:-1], h.offsets[1:], strict=True)):
            W = params[a:b]
            np.testing.assert_array_equal(w_counts[row, l], np.histogram(W, bins=30, range=(W.min(), W.max()))[0])
            np.testing.assert_array_equal(w_ranges[row, l], [W.min(), W.max()])
            if grads is None:
                assert g_counts[row, l].sum() == 0
                continue
            G = grads[a:b]
            np.testing.assert_array_equal(g_counts[row, l], np.histogram(G, bins=30, range=(G.min(), G.max()))[0])
            np.testing.assert_array_equal(g_ranges[row, l], [G.min(), G.max()])


@pytest.mark.parametrize("capacity", [3, 7, 10])
def test_extend_due_stores_the_same_rows_as_offering_each_one(capacity):
    """``extend_due(k, ...)`` is given only the rows ``due(k)`` names (a slice); what it keeps, also when the log thins
    inside the block, is what offering the k rows one at a time keeps."""
    one, due = (ThinningLog(capacity, {"v": ((2,), np.float64)}) for _ in range(2))
    for step in range(400):
        if one.offer():
            one.append(step, v=[step, -step])
    rng = np.random.default_rng(0)
    start = 0
    while start < 400:  # blocks of 1 to 59 offers
        k = min(int(rng.integers(1, 60)), 400 - start)
        rows = due.due(k)
        steps = np.arange(start, start + k)[rows]
        due.extend_due(k, steps, v=np.stack([steps, -steps], axis=1).astype(float))
        start += k
    np.testing.assert_array_equal(one.steps, due.steps)
    np.testing.assert_array_equal(one["v"], due["v"])
    assert due.stride == one.stride == {3: 256, 7: 64, 10: 64}[capacity]


def test_snapshots_take_the_budget_the_capped_histogram_log_leaves():
    """The histogram log holds at most 512 rows; the snapshots get the rest of the budget."""
    ds = datasets.moons(seed=0)
    h = Trainer(MLP(ds.layer_sizes([32, 32]), task="binary", seed=0), ds.X_train, ds.y_train).history
    assert h.hists.capacity == 512
    used = sum(log.capacity * log.nbytes / len(log.steps_buf) for log in (h.scalars, h.hists, h.evals))
    assert 64 * 2**20 - used - (8 * h.n_params + 8) < h.snapshots.capacity * (8 * h.n_params + 8) <= 64 * 2**20 - used


def test_a_range_too_narrow_to_divide_counts_every_value_and_the_next_steps_go_on():
    """Review: a gradient of 0…1.29e-317 near a divergence made bins/(hi − lo) infinite, a NaN index crashed the
    flush, and the block left pending broke every later step."""
    x = np.array([[0.0, 1e-317, 5e-318, 1e-317]])
    counts = segment_histograms(x, [0, 4], np.array([[0.0]]), np.array([[1e-317]]), 30)
    assert counts.sum() == 4 and counts[0, 0, 0] == 1 and counts[0, 0, -1] == 3
