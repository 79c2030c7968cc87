"""weightviz.spectra against NumPy's SVD and the formulas, random matrices (what chance gives) and a trained
digits network (what training gives)."""

import numpy as np
import pytest

from weightviz import MLP, Trainer, datasets, spectra


@pytest.mark.parametrize("shape", [(8, 8), (128, 64), (64, 10), (3, 200)])
def test_the_summary_is_numpys_svd_and_the_formulas(shape):
    W = np.random.default_rng(sum(shape)).standard_t(4, size=shape)
    s = spectra.summary(W, n_shuffles=10, seed=1)
    sigma = np.linalg.svd(W, compute_uv=False)
    np.testing.assert_allclose(s.singular_values, sigma, rtol=1e-10, atol=1e-12)
    assert s.spectral_norm == pytest.approx(np.linalg.norm(W, 2), rel=1e-10)
    assert s.frobenius_norm == pytest.approx(np.linalg.norm(W), rel=1e-10)
    assert s.stable_rank == pytest.approx(np.linalg.norm(W) ** 2 / np.linalg.norm(W, 2) ** 2, rel=1e-10)
    n, m = shape
    assert s.stable_rank_random == pytest.approx(n * m / (np.sqrt(n) + np.sqrt(m)) ** 2, rel=1e-12)
    p = sigma / sigma.sum()
    assert s.effective_rank == pytest.approx(np.exp(-(p * np.log(p)).sum()), rel=1e-10)
    rng = np.random.default_rng(1)
    copies = [np.linalg.norm(rng.permutation(W.ravel()).reshape(shape), 2) for _ in range(10)]
    np.testing.assert_allclose(s.shuffled_top, copies, rtol=1e-10)
    assert s.threshold == max(s.shuffled_top)  # the ⌈0.95·11⌉ = 11th of 10: the largest
    assert s.n_outliers == int((sigma > s.threshold).sum()) and s.shape == shape


def test_the_band_top_is_the_permutation_tests_rank():
    values = np.arange(1.0, 101.0)  # 1 … 100
    assert spectra.band_top(values) == 96.0  # ⌈0.95 · 101⌉ = 96th smallest
    assert spectra.band_top(values[:20]) == 20.0 and spectra.band_top([]) == float("inf")


def test_effective_rank_of_rank_one_equal_and_zero_spectra():
    assert spectra.effective_rank([3.0, 0.0, 0.0]) == pytest.approx(1.0)
    assert spectra.effective_rank([2.0] * 7) == pytest.approx(7.0)
    assert spectra.effective_rank([0.0, 0.0]) == 0.0
    s = spectra.summary(np.zeros((4, 3)))
    assert (s.spectral_norm, s.stable_rank, s.effective_rank, s.n_outliers) == (0.0, 0.0, 0.0, 0)


def test_a_random_matrix_shows_an_outlier_about_one_time_in_21():
    """A matrix of i.i.d. entries is exchangeable with its shuffled copies: its σ_max is the largest of the 21
    with probability 1/21 ≈ 4.8 %, so 0 outliers in ≈ 95.2 % of seeds. Measured over these 2 000 seeds: 5.3 %
    (an interpolated 95th percentile, np.percentile's, lets ≈ 9.5 % through)."""
    with_outliers = [
        spectra.summary(np.random.default_rng(seed).normal(size=(8, 8))).n_outliers > 0 for seed in range(2000)
    ]
    assert 0.035 < np.mean(with_outliers) < 0.065


def test_random_128_by_64_matrices_have_no_outliers_and_the_random_stable_rank():
    """Measured 2026-11-26 over seeds 0–299: 0 outliers in 93–95 % of seeds (the 1/21 above; the issue's floor of
    95 % is the expectation, 20/21), stable rank / reference 1.04 on average, within 10 % in 92 % of seeds (the
    reference is the large-matrix limit; at 128 × 64, σ_max sits a little below √N + √M)."""
    summaries = [spectra.summary(np.random.default_rng(seed).normal(size=(128, 64))) for seed in range(300)]
    assert np.mean([s.n_outliers == 0 for s in summaries]) >= 0.92
    ratios = np.array([s.stable_rank / s.stable_rank_random for s in summaries])
    assert abs(ratios.mean() - 1) < 0.1 and np.mean(np.abs(ratios - 1) < 0.1) > 0.85


def test_a_digits_network_trained_to_every_training_image_has_outliers_in_its_first_layer():
    """Measured 2026-11-26: 64-32-10 ReLU, He normal seed 0, Adam η = 0.01, batches of 32, 1 000 steps (100 %
    train accuracy): 5 outliers in layer 1 (stable rank 5.2 against 11.0 for random), 0 at initialisation."""
    ds = datasets.load("digits", seed=0)
    model = MLP(ds.layer_sizes((32,)), "relu", "multiclass", "he_normal", seed=0)
    assert [spectra.summary(W).n_outliers for W in model.weights] == [0, 0]
    Trainer(model, ds.X_train, ds.y_train, "adam", 0.01, 32, seed=0, record=False).run(1000)
    assert model.score(ds.X_train, ds.y_train) == 1.0
    first = spectra.summary(model.weights[0])
    assert first.n_outliers >= 4 and first.stable_rank < 0.6 * first.stable_rank_random
    assert "directions stand above the shuffled band" in spectra.describe(first)
    assert "no direction beyond chance" in spectra.describe(
        spectra.summary(np.random.default_rng(0).normal(size=(64, 32)))
    )


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((2, 2, 2)), np.zeros((0, 3)), np.array([[1.0, np.nan]])])
def test_what_is_not_a_finite_matrix_is_refused(bad):
    with pytest.raises(ValueError, match="spectrum needs"):
        spectra.summary(bad)


def test_over_training_spreads_its_snapshots_from_the_first_to_the_last():
    ds = datasets.load("moons", seed=0)
    model = MLP(ds.layer_sizes((16, 8)), "tanh", "binary", seed=0)
    trainer = Trainer(model, ds.X_train, ds.y_train, "adam", 0.01, 16, seed=0)
    trainer.run(300)
    kept = trainer.history.snapshot_steps
    steps, sigmas = spectra.over_training(trainer.history, 1, max_points=10)
    assert len(kept) > 10 and len(steps) == 10 and steps[0] == 0 and steps[-1] == kept[-1]
    assert np.all(np.diff(steps) > 0) and sigmas.shape == (10, 8)
    index = list(kept).index(steps[4])
    np.testing.assert_allclose(sigmas[4], spectra.singular_values(trainer.history.snapshot(index)[1][1]))
    np.testing.assert_allclose(sigmas[-1], spectra.singular_values(model.weights[1]), rtol=1e-6)  # float32 snapshot


def test_tiny_and_huge_entries_give_the_same_spectrum_scaled():
    """Review: entries of 1e-170 made σ² underflow (a division by zero), 1e200 overflow."""
    W = np.random.default_rng(3).normal(size=(12, 7))
    base = spectra.summary(W)
    for scale in (1e-170, 1e200):
        s = spectra.summary(W * scale)
        np.testing.assert_allclose(s.singular_values, base.singular_values * scale, rtol=1e-12)
        assert s.stable_rank == pytest.approx(base.stable_rank, rel=1e-12) and s.n_outliers == base.n_outliers
        assert s.frobenius_norm == pytest.approx(base.frobenius_norm * scale, rel=1e-12)


def test_a_single_row_or_column_has_no_outlier_and_costs_no_shuffled_svd():
    row = np.random.default_rng(23).normal(size=(1, 50))  # review: rounding gave 1 outlier at 8.9e-16 above
    s = spectra.summary(row)
    assert s.n_outliers == 0 and np.allclose(s.shuffled_top, np.linalg.norm(row))
    assert spectra.summary(row.T).n_outliers == 0


def test_a_zero_matrix_is_described_as_such():
    assert spectra.describe(spectra.summary(np.zeros((5, 4)))).startswith("Every weight is 0")
