"""Regularization: how fast the λ paths are solved, and a Play frame of the page.

    python benchmarks/regularization.py [--repeats 5] [--seconds 8]

1. Paths (``weightviz.paths.path``, 30 strengths, warm starts, solved from nothing each time): the L1 path
   of the linear model on the 20-feature sparse linear data (goal: under 3 s on the 2-core development
   machine), and for scale the L2 and elastic-net paths, the degree-15 polynomial (nearly collinear
   features), and an L1 logistic path on breast_cancer (30 features, FISTA). Median of ``--repeats``.
2. The page through streamlit's AppTest with Play on: a frame of the four default runs (a step each, every
   chart of the open tab built).
3. Where Debian's Chromium is installed: Play at 1400 px for ``--seconds`` as benchmarks/dashboard.py counts
   it (changes of the caption that says each run's step), for the default preset.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.dashboard import count_websocket, measure_play, wait_idle  # noqa: E402
from tests.live_app import chromium_path, launch_chromium, running_app  # noqa: E402
from ui import regularization as page_code  # noqa: E402
from ui import state  # noqa: E402
from weightviz import datasets, paths  # noqa: E402

GOAL_SECONDS = 3.0
CASES = (  # (label, dataset, penalty)
    ("L1, sparse_linear (20 features)", "sparse_linear", "l1"),
    ("L2, sparse_linear", "sparse_linear", "l2"),
    ("elastic net ρ=0.5, sparse_linear", "sparse_linear", "elastic_net"),
    ("L1, polynomial_15 (nearly collinear)", "polynomial_15", "l1"),
    ("L1 logistic, breast_cancer (30 features)", "breast_cancer", "l1"),
)


def path_seconds(name, penalty, repeats):
    ds = datasets.load(name)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        solved = paths.path(ds.X_train, ds.y_train, ds.task, penalty, X_test=ds.X_test, y_test=ds.y_test)
        times.append(time.perf_counter() - start)
    return statistics.median(times), solved


def frame_ms(frames):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.switch_page("pages/regularization.py").run()
    at.toggle(key=state.REG_KEYS.play).set_value(True).run()
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        at.run()
        times.append(1000 * (time.perf_counter() - start))
    assert not at.exception, at.exception
    return statistics.median(times), times


def browser_play(seconds):
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.ws_counter = count_websocket(page)
        page.goto(f"{url}/regularization")
        wait_idle(page)
        page.wait_for_timeout(1000)
        result = measure_play(page, url, seconds, watched=f".st-key-{page_code.STEPS}")
        assert page.query_selector('[data-testid="stException"]') is None, "the page shows an exception"
        browser.close()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    for i, (label, name, penalty) in enumerate(CASES):
        seconds, solved = path_seconds(name, penalty, args.repeats)
        goal = f"; goal < {GOAL_SECONDS:g} s: {'met' if seconds < GOAL_SECONDS else 'MISSED'}" if i == 0 else ""
        exact = "all exact" if solved.converged.all() else f"{(~solved.converged).sum()} at the step cap"
        print(f"30-λ path, {label}: {seconds * 1000:.1f} ms ({exact}; best λ {solved.lambdas[solved.best]:.3g}){goal}")
    median, times = frame_ms(args.frames)
    print(f"a Play frame of the page in AppTest (4 runs, 6 live charts): median {median:.0f} ms "
          f"(all: {', '.join(f'{t:.0f}' for t in times)})")  # fmt: skip
    if chromium_path() is None:
        print("Browser: skipped, no /usr/bin/chromium (apt-get install chromium)")
        return
    p = browser_play(args.seconds)
    print(
        f"Play in Chromium, default preset: {p['fps']:.1f} frames/s shown ({p['frames']} in {p['seconds']:.1f} s); "
        f"per frame {p['bytes_per_frame'] / 1024:.0f} kB, browser main thread {p['browser_task_ms']:.0f} ms "
        f"(busy {100 * p['browser_busy']:.0f} %), server CPU {p['server_cpu_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
