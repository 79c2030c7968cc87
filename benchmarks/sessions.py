"""Many visitors, one server: its memory as 30 sessions open, train and close, and how soon it comes back.

    python benchmarks/sessions.py [--sessions 30] [--batch 6] [--csv-mb 5]

Starts the app, warms it with one visit (imports and caches are paid once per server), closes that
visit and waits until the server's memory settles: the baseline. Then opens ``--sessions`` browser
contexts (Debian's Chromium) ``--batch`` at a time: each opens the Train page and trains 100 steps, and
every third one first uploads a CSV of about ``--csv-mb`` MB and trains on it. A batch is closed before
the next opens. Prints the server's resident memory (VmRSS) at the baseline, with each batch open, and
every 15 s for 90 s after the last tab closed — Streamlit drops a closed tab's session after
``server.disconnectedSessionTTL`` (30 s, .streamlit/config.toml) and ui/nav.py's collector frees it
within 20 s more — and the growth per open session.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from dashboard import rss_mb, server_pid  # noqa: E402

from tests.live_app import launch_chromium, running_app  # noqa: E402

STEP = '[data-testid="stMetricValue"]'


def idle(page, timeout=60_000):
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=timeout)


def visit(context, url, csv=None):
    """A session: the Train page (a CSV first when given), then 100 steps; returns the page."""
    page = context.new_page()
    page.goto(f"{url}/train")
    idle(page)
    if csv is not None:
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").first.click()
        page.get_by_role("option", name="upload a CSV…", exact=True).click()
        idle(page)
        page.locator('[data-testid="stFileUploader"]').filter(has_text="CSV file").locator("input").set_input_files(csv)
        page.wait_for_selector("text=rows from a CSV", timeout=120_000)
    page.get_by_role("button", name="×100", exact=True).click()
    page.wait_for_function(f"() => document.querySelector('{STEP}')?.innerText === '100'", timeout=120_000)
    return page


def settle(pid, seconds=90, every=15):
    """RSS every ``every`` s for ``seconds`` s: [(seconds since, MB)]."""
    start, readings = time.monotonic(), []
    while True:
        elapsed = time.monotonic() - start
        readings.append((round(elapsed), rss_mb(pid)))
        if elapsed >= seconds:
            return readings
        time.sleep(every)


def write_csv(path, mb):
    rows = int(mb * 2**20 / 60)
    with open(path, "w") as f:
        f.write("a,b,c,d,e,label\n")
        for i in range(rows):
            f.write(f"{i % 97 / 7:.6f},{i % 89 / 3:.6f},{i % 83 / 11:.6f},{i % 79 / 13:.6f},{i % 7},{i % 3}\n")
    return str(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--csv-mb", type=float, default=5)  # ~87 000 rows (the limit is 100 000)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    csv = write_csv(pathlib.Path(tempfile.mkdtemp()) / "big.csv", args.csv_mb)
    with running_app() as url, sync_playwright() as p:
        pid = server_pid(url)
        browser = launch_chromium(p)
        warm = browser.new_context()
        visit(warm, url, csv)
        warm.close()
        print("warmed up; waiting for the warm-up session to be dropped and collected…")
        baseline = settle(pid, seconds=60)[-1][1]
        print(f"baseline: {baseline:.0f} MB")
        peaks, opened = [], 0
        while opened < args.sessions:
            n = min(args.batch, args.sessions - opened)
            contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(n)]
            for i, ctx in enumerate(contexts):
                visit(ctx, url, csv if (opened + i) % 3 == 0 else None)
            peaks.append((n, rss_mb(pid)))
            print(f"sessions {opened + 1}–{opened + n} open: {peaks[-1][1]:.0f} MB")
            for ctx in contexts:
                ctx.close()
            opened += n
        print("all tabs closed; the server's memory from then on:")
        after = settle(pid)
        for seconds, mb in after:
            print(f"  +{seconds:3d} s: {mb:.0f} MB")
        browser.close()
    per_session = max((mb - baseline) / n for n, mb in peaks)
    print(f"\nbaseline {baseline:.0f} MB; at most {per_session:.1f} MB per open session (a third with a "
          f"{args.csv_mb:g} MB CSV); {after[-1][1] - baseline:+.0f} MB from the baseline 90 s after the last tab "
          f"closed ({next((s for s, mb in after if mb - baseline < 0.1 * baseline + 20), 'never')} s to within "
          f"10 % + 20 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
