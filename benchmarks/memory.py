"""Server memory per session: RSS of the `streamlit run app.py` process as sessions open, play and train.

    python benchmarks/memory.py [--sessions 3] [--seconds 20] [--long 20000]

Starts the app, visits the Train page once (so imports and caches are paid before measuring), then
opens ``--sessions`` browser contexts (Debian's Chromium) on the default configuration, plays all of
them at once for ``--seconds``, then has each train ``--long`` more steps with "Train N steps".
Prints the process's VmRSS (/proc/<pid>/status; psutil is not installed) after each stage and the
growth per session. Sessions playing together on 2 cores reach only a few hundred steps each, hence
the long runs. Then, in this process, the history's own size (``History.nbytes``) of one default run
after 1 000 … 100 000 steps, which extrapolates a session to steps no browser session reached here
(each history is capped by its memory budget, 64 MB by default).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from dashboard import open_train, play_toggle, rss_mb, server_pid, step_count, wait_idle  # noqa: E402

from tests.live_app import launch_chromium, running_app  # noqa: E402


def shown_step(page):
    return step_count(page.query_selector('[data-testid="stMetricValue"]').inner_text())


def long_run(page, n):
    before = shown_step(page)
    box = page.locator('[data-testid="stTextInput"] input[aria-label="Steps to train"]')
    box.fill(str(n))
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name=f"Train {n:,} steps", exact=True).click()
    shown = "parseInt(document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText.replace(/,/g, ''))"
    page.wait_for_function(f"() => {shown} >= {before + n}", timeout=300_000)
    wait_idle(page)


def history_sizes(steps=(1_000, 5_000, 20_000, 100_000)):
    """MB of one default run's history after each of ``steps`` (trained here, without a browser)."""
    from weightviz import experiment

    _, trainer = experiment.build(experiment.Config())
    sizes, done = {}, 0
    for n in steps:
        trainer.run(n - done)
        done = n
        sizes[n] = trainer.history.nbytes / 2**20
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--long", type=int, default=20_000, help="steps each session then trains (0: none)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    stages = []
    with running_app() as url, sync_playwright() as p:
        pid = server_pid(url)
        stages.append(("server started", rss_mb(pid), 0))
        browser = launch_chromium(p)
        warm = browser.new_context(viewport={"width": 1400, "height": 1000})
        open_train(warm, url, "default")
        warm.close()
        stages.append(("after one visit (imports, caches)", rss_mb(pid), 0))
        contexts, pages = [], []
        for i in range(args.sessions):
            contexts.append(browser.new_context(viewport={"width": 1400, "height": 1000}))
            pages.append(open_train(contexts[-1], url, "default"))
            stages.append((f"{i + 1} session(s) open", rss_mb(pid), 0))
        for page in pages:
            play_toggle(page).click()
        pages[0].wait_for_timeout(args.seconds * 1000)
        for page in pages:
            play_toggle(page).click()
        for page in pages:
            page.wait_for_timeout(1000)
            wait_idle(page)
        steps = [shown_step(pg) for pg in pages]
        stages.append((f"all played {args.seconds:g} s together", rss_mb(pid), min(steps)))
        if args.long:
            for i, page in enumerate(pages):
                long_run(page, args.long)
                stages.append((f"session {i + 1} trained {args.long:,} more", rss_mb(pid), shown_step(page)))
        steps = [shown_step(pg) for pg in pages]
        for context in contexts:
            context.close()
        browser.close()
    print(f"Server RSS (VmRSS of the streamlit process), {args.sessions} sessions, default configuration:")
    for name, mb, step in stages:
        print(f"  {name:<40} {mb:7.1f} MB" + (f"   (step {step:,})" if step else ""))
    base = stages[1][1]
    opened = stages[1 + args.sessions][1]
    print(
        f"  per session: {(opened - base) / args.sessions:.1f} MB when opened, "
        f"{(stages[-1][1] - base) / args.sessions:.1f} MB at the end (steps {', '.join(f'{s:,}' for s in steps)})"
    )
    sizes = history_sizes()
    print(
        "History.nbytes of one default run (trained in this process): "
        + ", ".join(f"{n:,} steps {mb:.1f} MB" for n, mb in sizes.items())
        + "; capped by the 64 MB budget, so a session's history never passes it"
    )


if __name__ == "__main__":
    main()
