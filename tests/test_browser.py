"""Real-browser tests: `streamlit run app.py` on localhost, driven by Debian's Chromium through Playwright.

Screenshots go to artifacts/screenshots/. Skips only where /usr/bin/chromium is missing (CI installs it).
"""

import contextlib
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("WEIGHTVIZ_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
pytestmark = pytest.mark.browser

if not pathlib.Path(CHROMIUM).exists() and not shutil.which("chromium"):
    reason = f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run browser tests"
    print(f"SKIP browser tests: {reason}", file=sys.stderr)
    pytest.skip(reason, allow_module_level=True)


def free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {proc.stdout.read()}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = CHROMIUM if pathlib.Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(server)
    wait_until_idle(pg)
    yield pg
    context.close()


def wait_until_idle(pg, timeout=30_000):
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    pg.wait_for_timeout(300)  # let a rerun that a click triggered begin
    pg.wait_for_selector('[data-test-script-state="notRunning"]', timeout=timeout)
    pg.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=timeout)


def metric_values(pg):
    return [m.inner_text() for m in pg.query_selector_all('[data-testid="stMetricValue"]')]


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"))


def test_train_page_renders_and_steps(page):
    assert page.query_selector('[data-testid="stException"]') is None
    assert metric_values(page)[0] == "0"
    shot(page, "train-step0")
    page.get_by_role("button", name="Step ×100").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText === '100'", timeout=30_000
    )
    wait_until_idle(page)
    assert page.query_selector('[data-testid="stException"]') is None
    assert len(page.query_selector_all('[data-testid="stPlotlyChart"] .main-svg')) >= 1
    shot(page, "train-step100")
