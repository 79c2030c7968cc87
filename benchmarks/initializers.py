"""One synchronized frame of the Initializers page: 4 runs of a 10 × 256 network.

    python benchmarks/initializers.py [--frames 5]

The page through streamlit's AppTest (no browser) with Play on: each rerun trains one step on every
run, traces every run (``model.trace`` on 256 rows) and builds every chart. Prints the median time of
a frame. Goal: under 250 ms on the 2-core development machine.
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

from ui import state  # noqa: E402

GOAL_MS = 250


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5)
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
    median = statistics.median(times)
    verdict = "met" if median <= GOAL_MS else "MISSED"
    print(f"{len(names)} runs of {group.runs[0].config.hidden_sizes}: steps {group.step_counts}")
    print(f"one frame (a step each, a trace each, every chart): median {median:.0f} ms "
          f"(all: {', '.join(f'{t:.0f}' for t in times)}); goal ≤ {GOAL_MS} ms: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
