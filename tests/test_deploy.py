"""Several replicas behind nginx (deploy/): 12 browser sessions through one address, each trains, uploads
a CSV and keeps its state, and every replica serves some of them. Needs nginx (scripts/test.sh installs
Debian's nginx-light as root) and Chromium; skips, saying why, where either is missing."""

import sys
import time

import pytest

from deploy.replicas import balanced, nginx_path, sessions_per_replica
from tests.live_app import chromium_path, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.deploy]
REPLICAS, SESSIONS = 3, 12

for missing, package in ((nginx_path() is None, "nginx-light"), (chromium_path() is None, "chromium")):
    if missing:
        reason = f"no {package}: apt-get install {package} to run the load-balancer test"
        print(f"SKIP deploy tests: {reason}", file=sys.stderr)
        pytest.skip(reason, allow_module_level=True)

STEP = '[data-testid="stMetricValue"]'


def steps_shown(pg, n, timeout=60_000):
    pg.wait_for_function(f"() => document.querySelector('{STEP}')?.innerText === '{n}'", timeout=timeout)


def test_twelve_sessions_through_nginx_keep_their_own_state_on_three_replicas(tmp_path):
    from playwright.sync_api import sync_playwright

    table = tmp_path / "flowers.csv"
    rows = "".join(f"{i % 7 / 3:.2f},{(i * 5) % 11 / 4:.2f},{'big' if i % 7 > 3 else 'small'}\n" for i in range(80))
    table.write_text("petal,stem,size\n" + rows)
    with balanced(REPLICAS) as (url, ports, prefix), sync_playwright() as p:
        browser = launch_chromium(p)
        contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(SESSIONS)]
        pages = [c.new_page() for c in contexts]
        for i, pg in enumerate(pages):  # all twelve open at once; session i takes 1 + i % 3 steps first
            pg.goto(f"{url}/train")
            pg.wait_for_selector('[data-test-script-state="notRunning"]', timeout=60_000)
            for _ in range(1 + i % 3):
                pg.get_by_role("button", name="Step", exact=True).click()
                pg.wait_for_timeout(300)
        for i, pg in enumerate(pages):
            steps_shown(pg, str(1 + i % 3))  # each session kept its own count
        for pg in pages:  # then an upload, which fails (HTTP 400) on a replica that does not hold the session
            pg.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").first.click()
            pg.get_by_role("option", name="upload a CSV…", exact=True).click()
            pg.locator('[data-testid="stFileUploader"]').filter(has_text="CSV file").locator("input").set_input_files(
                str(table)
            )
        for pg in pages:
            pg.wait_for_selector("text=rows from a CSV", timeout=60_000)
            pg.get_by_role("button", name="×10", exact=True).click()
        for pg in pages:
            steps_shown(pg, "10")
            assert pg.query_selector('[data-testid="stException"]') is None
        browser.close()  # (nginx logs a WebSocket when it closes)
        time.sleep(1)
        served = sessions_per_replica(prefix)
    print(f"WebSocket sessions per replica: {served}")
    assert set(served) == set(ports) and sum(served.values()) >= SESSIONS, served
