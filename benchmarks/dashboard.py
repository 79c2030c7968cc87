"""Dashboard responsiveness, for the default Train configuration and a digits network (hidden 128, 64).

    python benchmarks/dashboard.py [--seconds 10] [--clicks 5] [--reruns 10] [--only default|digits]

For each configuration:

1. Server time of a Step rerun: the Train page through streamlit's AppTest (no browser), median wall
   time of the rerun a Step click causes. Goal: ≤ 100 ms. The same for one Play frame (the page run
   once with Play on, so the live fragment trains a frame's steps and draws its charts), and the
   bytes of each chart's figure JSON in that frame (what makes a frame heavy).
2. In `streamlit run app.py` on localhost, driven by Debian's Chromium (Playwright):
   - Play: frames the browser SHOWS per second, i.e. how often the text of the Step metric changes
     (a MutationObserver in the page), not the server's step count. Goal: ≥ 10 frames/s for the
     default configuration, ≥ 5 for digits.
   - While playing: websocket bytes received per frame (Playwright's ``framereceived``), the
     browser's main-thread time per frame (Chromium's ``Performance.getMetrics`` through CDP:
     TaskDuration, ScriptDuration, Layout + RecalcStyle), and the streamlit process's CPU per frame
     (/proc/<pid>/stat), which together say where a frame's time goes.
   - Step click → page redrawn: from the click (in the page) to the last of: the Step metric
     changing, the script state back to ``notRunning``, and the end of every Plotly draw the click
     caused (``window.Plotly.newPlot``/``react`` are wrapped: Streamlit's charts and the live charts
     both draw through them), once nothing has happened for 300 ms. Median of ``--clicks`` clicks.
     Goal: ≤ 400 ms.
The browser runs on the same machine as the server and competes for its cores: these are floors for
a user with their own computer.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import statistics
import sys
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_app import chromium_path, launch_chromium, running_app  # noqa: E402

GOALS = {"play_fps": {"default": 10, "digits": 5}, "click_ms": 400, "rerun_ms": 100}
CONFIGS = {"default": None, "digits": ("digits", "128, 64")}  # (dataset, hidden layer sizes)
TICK = os.sysconf("SC_CLK_TCK")

# Installed in the page: timestamps of every change of the Step metric's text, of every
# plotly_afterplot and of every change of the script state. Re-attaches when Streamlit replaces an
# element (checked every 100 ms) and hooks charts that appear later.
PROBE = """(selector) => {
  if (window.__wv) return;
  const W = window.__wv = {changes: [], afterplots: [], states: [], draws: [], pending: 0};
  Object.assign(W, {text: null, metric: null, n: 0});
  // every Plotly draw (Streamlit's charts and ours call window.Plotly's newPlot/react): when it ends
  const wrap = () => {
    const P = window.Plotly;
    if (!P || P.__wv) return;
    P.__wv = true;
    for (const name of ['newPlot', 'react']) {
      const original = P[name];
      P[name] = function (...args) {
        W.pending++;
        const done = () => { W.pending--; W.draws.push([performance.now(), name]); };
        const result = original.apply(this, args);
        Promise.resolve(result).then(done, done);
        return result;
      };
    }
  };
  const note = (el) => {
    const t = el.innerText;
    if (t !== W.text) { W.text = t; W.changes.push([performance.now(), t]); }
  };
  const attach = () => {
    wrap();
    const el = document.querySelector(selector);
    if (el && el !== W.metric) {
      if (W.obs) W.obs.disconnect();
      W.metric = el;
      if (W.text === null) W.text = el.innerText; else note(el);
      W.obs = new MutationObserver(() => note(el));
      W.obs.observe(el, {subtree: true, childList: true, characterData: true});
    }
    document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
      if (!gd.__wv && typeof gd.on === 'function') {
        gd.__wv = ++W.n;
        gd.on('plotly_afterplot', () => W.afterplots.push([performance.now(), gd.__wv]));
      }
    });
  };
  new MutationObserver((records) => {
    for (const r of records) W.states.push([performance.now(), r.target.getAttribute('data-test-script-state')]);
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
  attach();
  setInterval(attach, 100);
}"""

CLICK_STEP = """() => {
  const W = window.__wv;
  W.changes = []; W.afterplots = []; W.states = []; W.draws = [];
  const button = [...document.querySelectorAll('button')].find((b) => b.innerText.trim() === 'Step');
  const t0 = performance.now();
  button.click();
  W.t0 = t0;
  return t0;
}"""

# Done when the metric changed, the script is not running, no Plotly draw is under way and nothing has
# happened for 300 ms (the time taken is up to the last event, not the quiet after it).
REDRAWN = """() => {
  const W = window.__wv, now = performance.now();
  if (!W.changes.length || W.pending || !document.querySelector('[data-test-script-state="notRunning"]')) return false;
  const last = Math.max(W.changes.at(-1)[0], ...W.draws.map((d) => d[0]), ...W.states.map((s) => s[0]));
  return now - last > 300;
}"""


STEP_METRIC = '[data-testid="stMetricValue"]'  # the Train page's Step metric


def step_count(text):
    """The step in the watched text: the metric's "1,234", or the first "step 1,234" of a caption."""
    found = re.search(r"step ([\d,]+)", text)
    return int((found.group(1) if found else text).replace(",", ""))


def server_pid(url):
    """The streamlit process listening on ``url``'s port (from /proc: psutil is not installed)."""
    port = str(urllib.parse.urlparse(url).port)
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(args) and port.encode() in args:
                return int(entry.name)
    raise RuntimeError(f"no streamlit process on port {port}")


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


# -- server side: AppTest ---------------------------------------------------------------------------


def apptest(config):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    if CONFIGS[config]:
        dataset, hidden = CONFIGS[config]
        at.selectbox(key="w_dataset").set_value(dataset).run()
        at.text_input(key="w_hidden").input(hidden).run()
    at.button(key="step10").click().run()
    assert not at.exception, at.exception
    return at


def server_figures(config, reruns):
    """Median Step rerun (ms), median Play-frame run (ms), and each chart's JSON bytes in a Play frame."""
    at = apptest(config)
    steps = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.button(key="step1").click().run()
        steps.append(1000 * (time.perf_counter() - start))
    at.toggle(key="w_play").set_value(True).run()
    frames = []
    for _ in range(max(3, reruns // 2)):
        start = time.perf_counter()
        at.run()
        frames.append(1000 * (time.perf_counter() - start))
    assert not at.exception, at.exception
    charts = {c.proto.id.rsplit("-", 1)[-1] or "?": len(c.proto.spec.encode()) for c in at.get("plotly_chart")}
    # the live charts (ui/plots.py): a component's element id ends with its key
    charts |= {c.proto.id.rsplit("-", 1)[-1] or "?": len(c.proto.bytes) for c in at.get("bidi_component")}
    return statistics.median(steps), steps, statistics.median(frames), charts


# -- browser side --------------------------------------------------------------------------------


def wait_idle(page, timeout=60_000):
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(400)
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=timeout)


def count_websocket(page):
    """Bytes and messages the page receives over its websockets while ``counter["on"]``."""
    counter = {"on": False, "bytes": 0, "frames": 0}

    def on_ws(ws):
        def got(payload):
            if counter["on"]:
                counter["bytes"] += len(payload)
                counter["frames"] += 1

        ws.on("framereceived", got)

    page.on("websocket", on_ws)
    return counter


def open_train(context, url, config):
    page = context.new_page()
    page.ws_counter = count_websocket(page)  # before the page opens its websocket
    page.goto(f"{url}/train")
    wait_idle(page)
    if CONFIGS[config]:
        dataset, hidden = CONFIGS[config]
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").first.click()
        page.get_by_role("option", name=dataset, exact=True).click()
        wait_idle(page)
        box = page.locator('[data-testid="stTextInput"]').filter(has_text="Hidden layer sizes").locator("input")
        box.fill(hidden)
        box.press("Enter")
        wait_idle(page)
    page.wait_for_timeout(1000)
    return page


def play_toggle(page):
    return page.locator('[data-testid="stCheckbox"]').filter(has_text="Play").locator("label").first


def measure_play(page, url, seconds, watched=STEP_METRIC):
    """Frames shown per second (changes of the text of ``watched``, a CSS selector of the element that
    shows the step), bytes per frame, browser and server time per frame."""
    received = page.ws_counter
    page.evaluate(PROBE, watched)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    pid = server_pid(url)
    play = play_toggle(page)
    per_frame = int(
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="Steps per frame")
        .locator('[data-testid="stSliderThumbValue"]')
        .inner_text()
    )
    play.click()
    page.wait_for_timeout(2000)  # warm up: the static charts replace the interactive ones
    metrics0 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    cpu0 = cpu_seconds(pid)
    start = page.evaluate("() => { window.__wv.changes = []; window.__wv.afterplots = []; return performance.now(); }")
    hooked0 = page.evaluate("() => window.__wv.n")
    received["on"] = True
    page.wait_for_timeout(seconds * 1000)
    received["on"] = False
    end = page.evaluate("() => performance.now()")
    cpu = cpu_seconds(pid) - cpu0
    metrics1 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    changes = page.evaluate("() => window.__wv.changes")
    afterplots = page.evaluate("() => window.__wv.afterplots.length")
    charts_created = page.evaluate("() => window.__wv.n") - hooked0
    play.click()
    page.wait_for_timeout(1500)
    wait_idle(page)
    frames = len(changes)
    elapsed = (end - start) / 1000
    steps = step_count(changes[-1][1]) - step_count(changes[0][1]) if frames > 1 else 0
    gaps = [b[0] - a[0] for a, b in zip(changes, changes[1:], strict=False)]
    d = {k: metrics1[k] - metrics0[k] for k in metrics1 if k.endswith("Duration")}
    per = max(frames, 1)
    return {
        "fps": frames / elapsed,
        "frames": frames,
        "seconds": elapsed,
        "per_frame": per_frame,
        "steps_per_frame_seen": steps / max(frames - 1, 1),
        "median_gap_ms": statistics.median(gaps) if gaps else float("nan"),
        "bytes_per_frame": received["bytes"] / per,
        "ws_messages_per_frame": received["frames"] / per,
        "afterplots_per_frame": afterplots / per,
        "browser_task_ms": 1000 * d["TaskDuration"] / per,
        "browser_script_ms": 1000 * d["ScriptDuration"] / per,
        "browser_layout_style_ms": 1000 * (d["LayoutDuration"] + d["RecalcStyleDuration"]) / per,
        "browser_busy": d["TaskDuration"] / elapsed,
        "charts_created_per_frame": charts_created / per,
        "browser_durations_ms_per_frame": {k: round(1000 * v / per, 1) for k, v in d.items()},
        "server_cpu_ms": 1000 * cpu / per,
        "server_busy": cpu / elapsed,
    }


def measure_clicks(page, clicks, watched=STEP_METRIC):
    page.evaluate(PROBE, watched)
    times, parts = [], []
    for _ in range(clicks + 1):  # the first click warms up (the charts leave their static Play form)
        t0 = page.evaluate(CLICK_STEP)
        page.wait_for_function(REDRAWN, polling=20, timeout=30_000)
        w = page.evaluate("() => window.__wv")
        last = max([w["changes"][-1][0]] + [d[0] for d in w["draws"]] + [s[0] for s in w["states"]])
        times.append(last - t0)
        parts.append(
            {
                "metric_changed": w["changes"][0][0] - t0,
                "not_running": max([s[0] for s in w["states"] if s[1] == "notRunning"] or [float("nan")]) - t0,
                "last_draw": max([d[0] for d in w["draws"]] or [float("nan")]) - t0,
                "draws": len(w["draws"]),
            }
        )
        page.wait_for_timeout(300)
    breakdown = {k: statistics.median([p[k] for p in parts[1:] if p[k] == p[k]] or [float("nan")]) for k in parts[0]}
    return statistics.median(times[1:]), times[1:], breakdown


def browser_figures(url, browser, config, seconds, clicks):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = open_train(context, url, config)
    play = measure_play(page, url, seconds)
    click_ms, click_all, breakdown = measure_clicks(page, clicks)
    assert page.query_selector('[data-testid="stException"]') is None, "the page shows an exception"
    context.close()
    return play, click_ms, click_all, breakdown


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="seconds of Play measured (after 2 s warm-up)")
    parser.add_argument("--clicks", type=int, default=5)
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--only", choices=list(CONFIGS))
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON")
    args = parser.parse_args()
    configs = [args.only] if args.only else list(CONFIGS)
    results = {}
    for config in configs:
        rerun, reruns, frame_ms, charts = server_figures(config, args.reruns)
        results[config] = {"rerun_ms": rerun, "reruns": reruns, "frame_run_ms": frame_ms, "chart_bytes": charts}
    if chromium_path() is not None:
        from playwright.sync_api import sync_playwright

        with running_app() as url, sync_playwright() as p:
            browser = launch_chromium(p)
            for config in configs:
                play, click_ms, clicks, breakdown = browser_figures(url, browser, config, args.seconds, args.clicks)
                results[config].update(play=play, click_ms=click_ms, clicks=clicks, click_breakdown=breakdown)
            browser.close()
    for config in configs:
        r = results[config]
        label = "default configuration" if config == "default" else f"digits, hidden {CONFIGS[config][1]}"
        print(f"== {label}")
        goal = GOALS["rerun_ms"]
        all_reruns = ", ".join(f"{t:.0f}" for t in r["reruns"])
        print(
            f"  Step rerun, server time (AppTest): median {r['rerun_ms']:.0f} ms (all: {all_reruns}); "
            f"goal ≤ {goal} ms: {verdict(r['rerun_ms'] <= goal)}"
        )
        charts = sorted(r["chart_bytes"].items(), key=lambda kv: -kv[1])
        total = sum(v for _, v in charts)
        print(
            f"  Play frame, server run of the page (AppTest, Play on): median {r['frame_run_ms']:.0f} ms; "
            f"figure JSON on the page {total / 1024:.0f} kB: " + ", ".join(f"{k} {v / 1024:.1f}" for k, v in charts)
        )
        if "play" not in r:
            print("  Browser: skipped, no /usr/bin/chromium (apt-get install chromium)")
            continue
        p = r["play"]
        goal = GOALS["play_fps"][config]
        print(
            f"  Play, frames the browser shows: {p['fps']:.1f} frames/s ({p['frames']} in {p['seconds']:.1f} s, "
            f"median gap {p['median_gap_ms']:.0f} ms, {p['steps_per_frame_seen']:.1f} steps per shown frame "
            f"at {p['per_frame']} steps per frame); goal ≥ {goal}: {verdict(p['fps'] >= goal)}"
        )
        print(
            f"  per shown frame: {p['bytes_per_frame'] / 1024:.0f} kB over the websocket "
            f"({p['ws_messages_per_frame']:.1f} messages), "
            f"{p['charts_created_per_frame']:.1f} Plotly charts created anew; "
            f"browser main thread {p['browser_task_ms']:.0f} ms (script {p['browser_script_ms']:.0f}, "
            f"layout+style {p['browser_layout_style_ms']:.0f}; busy {100 * p['browser_busy']:.0f} %), "
            f"server CPU {p['server_cpu_ms']:.0f} ms (busy {100 * p['server_busy']:.0f} %)"
        )
        goal = GOALS["click_ms"]
        print(
            f"  Step click → page redrawn in the browser: median {r['click_ms']:.0f} ms "
            f"(all: {', '.join(f'{t:.0f}' for t in r['clicks'])}); goal ≤ {goal} ms: {verdict(r['click_ms'] <= goal)}"
        )
        b = r["click_breakdown"]
        print(
            f"    (medians after the click: Step metric changed {b['metric_changed']:.0f} ms, script not running "
            f"{b['not_running']:.0f} ms, last of {b['draws']:.0f} Plotly draws ended {b['last_draw']:.0f} ms)"
        )
    if args.json:
        print(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
