"""A real `streamlit run app.py` on a free localhost port, and Debian's Chromium to look at it.

Shared by the browser tests and benchmarks/dashboard.py.
"""

from __future__ import annotations

import contextlib
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy import replicas  # noqa: E402
from deploy.replicas import free_port  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path(preferred="/usr/bin/chromium"):
    """Debian's Chromium, or None where it is not installed."""
    return preferred if pathlib.Path(preferred).exists() else shutil.which("chromium")


@contextlib.contextmanager
def running_app(timeout=60):
    """Start the app headless on 127.0.0.1 (as ``deploy/replicas.py`` starts a replica), wait for its health
    check, yield its URL, stop it."""
    port = free_port()
    proc = replicas.start_streamlit(port)
    url = f"http://127.0.0.1:{port}"
    try:
        replicas.wait_healthy(url, proc, timeout)
        yield url
    finally:
        replicas.stop(proc)


def launch_chromium(playwright):
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
