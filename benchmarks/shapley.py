"""Exact Shapley values: weightviz against the shap library on the same function and background.

    python benchmarks/shapley.py [--repeats 3]

A 10-feature network (10-32-16-1, tanh, trained briefly), 100 background rows, 50 explained rows:
``shapley.exact`` (all 1 024 coalitions, every background row) and, when the ``shap`` package is importable
(a benchmark dependency only: pip install shap), ``shap.explainers.Exact`` on the same function with
``shap.maskers.Independent(background, max_samples=100)``. Prints both times (best of ``--repeats``), the
ratio (goal: at least 10×) and the largest difference of the values (goal: below 1e-8). Also times
``shapley.kernel`` on digits' 64 features. BLAS runs on one thread for both, as in the app (ui/nav.py): on
this shared 2-core machine OpenBLAS's threads made a (8 192 × 10)·(10 × 32) product 30× slower.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from weightviz import MLP, Trainer, datasets, shapley  # noqa: E402

GOAL_RATIO, GOAL_DIFF = 10.0, 1e-8


def best_time(run, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def ten_feature_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 10))
    y = np.sin(X[:, 0]) * X[:, 1] + X[:, 2] ** 2 - X[:, 3] * X[:, 4] + 0.3 * X[:, 5:].sum(axis=1)
    model = MLP([10, 32, 16, 1], activation="tanh", task="regression", seed=0)
    Trainer(model, X, y, lr=0.01, batch_size=32).run(300)
    return model, X


def layers_after_the_first(model, explained, background):
    """Run the network from its first layer's output on as many rows as exact values need, in the chunks
    ``shapley.exact`` uses: what is left when the first layer costs nothing (it is affine, so split)."""
    rows = len(explained) * len(background) * (2 ** explained.shape[1] - 2)
    Z1 = np.random.default_rng(1).normal(size=(shapley.FIRST_LAYER_CHUNK, model.weights[0].shape[1]))
    for start in range(0, rows, len(Z1)):
        model._infer(Z1[: rows - start], start=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):
        compare(args.repeats)


def compare(repeats):
    model, X = ten_feature_network()
    f = shapley.model_output(model)
    background, explained = X[:100], X[100:150]
    ours_s, (phi, base) = best_time(lambda: shapley.exact(f, explained, background), repeats)
    accuracy = np.abs(phi.sum(axis=1) + base - f(explained)).max()
    print(f"weightviz exact, 10 features, 100 background rows, 50 rows: {ours_s * 1000:.0f} ms "
          f"(Σφ + base − f(x): {accuracy:.1e})")  # fmt: skip
    floor_s = best_time(lambda: layers_after_the_first(model, explained, background), repeats)[0]
    rows = len(explained) * len(background) * (2 ** explained.shape[1] - 2)
    print(f"floor: the layers after the first on the {rows:,} hybrid rows any exact method evaluates: "
          f"{floor_s * 1000:.0f} ms ({floor_s / ours_s:.0%} of ours)")  # fmt: skip
    try:
        import shap
    except ImportError:
        print("shap: not installed (pip install shap), no comparison")
    else:
        masker = shap.maskers.Independent(background, max_samples=100)
        explainer = shap.explainers.Exact(f, masker)
        explainer(explained[:1], silent=True)  # (its first call builds its coalition tables)
        theirs_s, explanation = best_time(lambda: explainer(explained, silent=True), repeats)
        diff = float(np.abs(explanation.values - phi).max())
        ratio = theirs_s / ours_s
        print(f"shap {shap.__version__} Exact, same function and background: {theirs_s * 1000:.0f} ms")
        verdicts = ["met" if ratio >= GOAL_RATIO else "MISSED", "met" if diff < GOAL_DIFF else "MISSED"]
        print(f"ratio {ratio:.1f}× (goal ≥ {GOAL_RATIO:g}×: {verdicts[0]}); "
              f"largest difference {diff:.1e} (goal < {GOAL_DIFF:g}: {verdicts[1]})")  # fmt: skip
        print(f"the most any exact method could gain on shap here: {theirs_s / floor_s:.1f}× (shap ÷ floor)")
    ds = datasets.load("digits")
    digits = MLP(ds.layer_sizes([32]), activation="relu", task=ds.task, seed=0)
    Trainer(digits, ds.X_train, ds.y_train, lr=0.01, batch_size=64).run(300)
    g = shapley.model_output(digits, output=3)
    kernel_s, (phi64, base64) = best_time(lambda: shapley.kernel(g, ds.X_test[:20], ds.X_train[:50], n_samples=2048), 1)
    accuracy = np.abs(phi64.sum(axis=1) + base64 - g(ds.X_test[:20])).max()
    print(f"weightviz kernel, digits (64 features), 50 background rows, 20 rows, 2 048 coalitions: "
          f"{kernel_s:.2f} s (Σφ + base − f(x): {accuracy:.1e})")  # fmt: skip


if __name__ == "__main__":
    main()
