"""Many visitors at once on one server: 8 Chromium sessions on different pages train, play and draw at the
same time; every one stays responsive, none shows an error, and none sees another's run."""

import time

import pytest

from tests.live_app import chromium_path, launch_chromium, running_app

pytestmark = pytest.mark.browser
if chromium_path() is None:
    pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

TIMEOUT = 90_000  # ms: eight sessions share two cores
METRIC = '[data-testid="stMetricValue"]'


def idle(pg):
    pg.wait_for_timeout(300)
    pg.wait_for_selector('[data-test-script-state="notRunning"]', timeout=TIMEOUT)


def click(pg, name):
    pg.get_by_role("button", name=name, exact=True).click()


def toggle_play(pg):
    pg.locator('[data-testid="stCheckbox"]').filter(has_text="Play").locator("label").first.click()


def first_metric(pg):
    return pg.evaluate(f"() => document.querySelector('{METRIC}')?.innerText")


SESSIONS = [  # (path, what it does, the text that proves it was done)
    ("train?w_dataset=circles", lambda pg: click(pg, "×10"), ("metric", "10")),
    ("train", lambda pg: click(pg, "×100"), ("metric", "100")),
    ("initializers", lambda pg: click(pg, "×10"), ("text", "step 10")),
    ("initializers?i_depth=4", lambda pg: click(pg, "×100"), ("text", "step 100")),
    ("regularization", lambda pg: click(pg, "×10"), ("text", "step 10")),
    ("regularization?rp_preset=Adam%20%2B%20L2%20vs%20AdamW", lambda pg: click(pg, "×100"), ("text", "step 100")),
    ("", lambda pg: click(pg, "10 steps"), ("text", "10 steps: now w")),
    ("attributions", lambda pg: click(pg, "Train 1,000 steps"), ("text", "largest gap")),
]


def done(pg, proof):
    kind, text = proof
    if kind == "metric":
        pg.wait_for_function(f"() => document.querySelector('{METRIC}')?.innerText === '{text}'", timeout=TIMEOUT)
    else:
        pg.wait_for_selector(f"text={text}", timeout=TIMEOUT)


def test_eight_sessions_at_once_train_play_and_draw_on_their_own():
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in SESSIONS]
        pages = [c.new_page() for c in contexts]
        for pg, (path, _, _) in zip(pages, SESSIONS, strict=True):
            pg.goto(f"{url}/{path}")
        for pg in pages:
            idle(pg)
        start = time.monotonic()
        for pg, (_, act, _) in zip(pages, SESSIONS, strict=True):
            act(pg)  # all at once: no waiting between sessions
        for pg, (_, _, proof) in zip(pages, SESSIONS, strict=True):
            done(pg, proof)
        print(f"8 sessions' actions (1 000 steps + an explanation among them) all answered in "
              f"{time.monotonic() - start:.1f} s")  # fmt: skip
        players = [pages[0], pages[2], pages[4]]  # Train, Initializers, Regularization play together
        for pg in players:
            toggle_play(pg)
        pages[0].wait_for_function(f"() => parseInt(document.querySelector('{METRIC}')?.innerText) >= 30",
                                   timeout=TIMEOUT)  # fmt: skip
        for pg in players:
            toggle_play(pg)
        for pg in pages:
            idle(pg)
            assert pg.query_selector('[data-testid="stException"]') is None, pg.url
        assert first_metric(pages[1]) == "100"  # nobody else's steps
        assert pages[6].locator(METRIC).nth(3).inner_text() == "10"  # Home: its descent steps
        legends = [
            pg.evaluate("() => [...document.querySelectorAll('.legendtext')].map(t => t.textContent)")
            for pg in pages[:2]
        ]  # circles: outer and inner
        assert "outer" in legends[0] and "outer" not in legends[1], legends
        browser.close()
