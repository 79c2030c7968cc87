"""One synchronized frame of the Initializers page: 4 runs of a 10 × 256 network.

    python benchmarks/initializers.py [--frames 5] [--seconds 8]

1. Server: a frame's work without Streamlit: a step on every run, a trace of every run
   (``model.trace`` on 256 rows) and every chart of the open tab built and encoded as the browser gets
   it. Goal: under 250 ms on the 2-core development machine. Then the whole page through streamlit's
   AppTest (no browser) with Play on, sidebar and widgets included (a Play frame in the app reruns the
   charts' fragment only).
2. Browser (where Debian's Chromium is installed): `streamlit run app.py` on localhost, the page at
   1400 px, Play on for ``--seconds``: the frames the browser shows per second (changes of the caption
   that says each run's step) with the browser's and the server's time per frame, measured as in
   benchmarks/dashboard.py; first for the page as it opens (3 runs of 8 × 64), then for 4 runs of
   10 × 256. Goal: at least 2 frames a second for the heavy one (its 16 charts are redrawn each frame;
   Play is for watching, and ×10 / ×100 are there for getting on).
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.dashboard import count_websocket, measure_play, wait_idle  # noqa: E402
from tests.live_app import chromium_path, launch_chromium, running_app  # noqa: E402
from ui import initializers as page_code  # noqa: E402
from ui import plots, state  # noqa: E402
from weightviz.figures.draft import spec_json  # noqa: E402

GOAL_MS = 250
GOAL_FPS_HEAVY = 2
HEAVY = ["normal", "xavier_normal", "he_normal", "lecun_normal"], 10, 256  # initializers, depth, width
WATCHED = f".st-key-{page_code.STEPS}"


def frame_work(group, names):
    """Milliseconds of one frame's work as the page does it, without Streamlit: a step on every run, then
    every figure of the open tab (traces included) and the loss overlay, encoded as the live charts send them."""
    start = time.perf_counter()
    group.train(1)
    pairs, distributions = page_code.now_figures(names, list(group))
    built = [f for pair in pairs.values() for f in pair] + list(distributions.values())
    histories = {name: run.trainer.history for name, run in zip(names, group, strict=True)}
    built.append(page_code.figures.loss_overlay(histories))
    for figure in built:
        spec_json(figure, plots.STATIC)
    return 1000 * (time.perf_counter() - start)


def open_page(context, url, heavy):
    """The Initializers page; ``heavy``: 4 runs of 10 × 256 set through the widgets, as a user would."""
    page = context.new_page()
    page.ws_counter = count_websocket(page)
    page.goto(f"{url}/initializers")
    wait_idle(page)
    if heavy:
        inits, depth, width = HEAVY
        chooser = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Initializers to compare")
        for name in inits[3:]:
            chooser.locator("input").click()
            page.get_by_role("option", name=name, exact=True).click()
            page.keyboard.press("Escape")
            wait_idle(page)
        for label, value, top in (("Hidden layers", depth, 12), ("Units per layer", width, 256)):
            thumb = page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")
            thumb.focus()
            thumb.press("End")
            for _ in range(top - value if label == "Hidden layers" else 0):
                thumb.press("ArrowLeft")
            wait_idle(page)
    page.wait_for_selector(WATCHED)
    page.wait_for_timeout(1000)
    return page


def browser_figures(seconds):
    """Play measured in Chromium for the page as it opens and for the heavy comparison."""
    from playwright.sync_api import sync_playwright

    out = {}
    with running_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        for name, heavy in (("as it opens", False), ("4 runs of 10 × 256", True)):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = open_page(context, url, heavy)
            out[name] = measure_play(page, url, seconds, watched=WATCHED)
            assert page.query_selector('[data-testid="stException"]') is None, "the page shows an exception"
            context.close()
        browser.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8, help="seconds of Play measured in the browser")
    args = parser.parse_args()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.switch_page("pages/initializers.py").run()
    at.multiselect(key=state.INIT_KEYS.inits).set_value(["normal", "xavier_normal", "he_normal", "lecun_normal"]).run()
    at.slider(key=state.INIT_KEYS.depth).set_value(10).run()
    at.select_slider(key=state.INIT_KEYS.width).set_value(256).run()
    at.toggle(key=state.INIT_KEYS.play).set_value(True).run()
    times = []
    for _ in range(args.frames):
        start = time.perf_counter()
        at.run()
        times.append(1000 * (time.perf_counter() - start))
    assert not at.exception, at.exception
    group, names = at.session_state[state.INIT_GROUP.key]
    work = [frame_work(group, names) for _ in range(args.frames)]
    median = statistics.median(work)
    verdict = "met" if median <= GOAL_MS else "MISSED"
    print(f"{len(names)} runs of {group.runs[0].config.hidden_sizes}: steps {group.step_counts}")
    print(f"one frame's work (a step each, a trace each, every chart built and encoded): median {median:.0f} ms "
          f"(all: {', '.join(f'{t:.0f}' for t in work)}); goal ≤ {GOAL_MS} ms: {verdict}")  # fmt: skip
    print(f"the whole page in AppTest with Play on (sidebar and widgets too): median {statistics.median(times):.0f} "
          f"ms (all: {', '.join(f'{t:.0f}' for t in times)})")  # fmt: skip
    if chromium_path() is None:
        print("Browser: skipped, no /usr/bin/chromium (apt-get install chromium)")
        return
    for name, p in browser_figures(args.seconds).items():
        goal = f"; goal ≥ {GOAL_FPS_HEAVY}: {'met' if p['fps'] >= GOAL_FPS_HEAVY else 'MISSED'}" if "10" in name else ""
        print(
            f"Play in Chromium, {name}: {p['fps']:.1f} frames/s shown ({p['frames']} in {p['seconds']:.1f} s, "
            f"{p['steps_per_frame_seen']:.1f} steps a frame){goal}; per frame {p['bytes_per_frame'] / 1024:.0f} kB, "
            f"{p['charts_created_per_frame']:.1f} charts created anew, browser main thread "
            f"{p['browser_task_ms']:.0f} ms (busy {100 * p['browser_busy']:.0f} %), server CPU "
            f"{p['server_cpu_ms']:.0f} ms (busy {100 * p['server_busy']:.0f} %)"
        )


if __name__ == "__main__":
    main()
