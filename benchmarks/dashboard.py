"""Dashboard responsiveness: server time of a Step rerun, and frames per second while playing.

    python benchmarks/dashboard.py [--seconds 10] [--reruns 10]

1. Server time: the Train page through streamlit's AppTest (no browser), default configuration,
   median wall time of a rerun caused by clicking Step. Goal: under 200 ms.
2. Play: `streamlit run app.py` on localhost driven by Debian's Chromium (Playwright); press Play
   and count how many frames (steps / steps-per-frame) arrive in the browser per second. The
   browser runs on the same machine and competes for its 2 cores, so this is a floor for a user
   with their own computer. Goal: 5 frames per second or more.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_app import chromium_path, launch_chromium, running_app  # noqa: E402


def step_rerun_ms(reruns):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    at.button(key="step10").click().run()
    times = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.button(key="step1").click().run()
        times.append(1000 * (time.perf_counter() - start))
    assert not at.exception, at.exception
    return statistics.median(times), times


def play_fps(seconds):
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/train")
        page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=60_000)
        page.wait_for_timeout(1500)

        def shown_step():
            return int(page.query_selector('[data-testid="stMetricValue"]').inner_text().replace(",", ""))

        slider = page.locator('[data-testid="stSlider"]').filter(has_text="Steps per frame")
        per_frame = int(slider.locator('[data-testid="stSliderThumbValue"]').inner_text())
        play = page.locator('[data-testid="stCheckbox"]').filter(has_text="Play").locator("label").first
        play.click()
        page.wait_for_timeout(1500)  # warm up
        first, start = shown_step(), time.perf_counter()
        page.wait_for_timeout(seconds * 1000)
        last, elapsed = shown_step(), time.perf_counter() - start
        play.click()
        browser.close()
    return (last - first) / per_frame / elapsed, per_frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--reruns", type=int, default=10)
    args = parser.parse_args()
    median, times = step_rerun_ms(args.reruns)
    print(
        f"Step rerun, server time: median {median:.0f} ms (all: {', '.join(f'{t:.0f}' for t in times)}); "
        f"goal < 200 ms: {'met' if median < 200 else 'MISSED'}"
    )
    if chromium_path() is None:
        print("Play: skipped, no /usr/bin/chromium (apt-get install chromium)")
        return
    fps, per_frame = play_fps(args.seconds)
    print(
        f"Play in headless Chromium on this machine: {fps:.1f} frames/s ({per_frame} steps per frame, "
        f"{fps * per_frame:.0f} steps/s); goal ≥ 5: {'met' if fps >= 5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
