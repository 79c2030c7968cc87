"""ui helpers that need no page: user text shown as written, whole numbers typed by a person."""

import re
import string

import pytest

from ui import nav
from ui import text as ui_text
from weightviz import experiment

HOSTILE = [
    "**bold** __under__ *it*",
    "[link](https://example.com) <https://x.org> www.example.com me@example.com",
    ":red[red] :material/warning: :smile:",
    "$x^2$ $$\\int$$ `code` ~~gone~~",
    "# heading\n- item\n1. item | a | b |",
    "<b>html</b> &amp; \\\\ back\\slash",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_escapes_every_markdown_character_and_keeps_the_text(text):
    shown = ui_text.plain(text)
    unescaped = re.sub(r"\\(.)", r"\1", shown, flags=re.S).replace(ui_text.WORD_JOINER, "")
    assert unescaped == text  # a Markdown renderer shows exactly what was written
    bare = re.sub(r"\\.", "", shown, flags=re.S)
    assert not set(bare) & set(string.punctuation)  # no punctuation left for Markdown to act on
    assert not re.search(r"(?i)https?:|www\.|\w@", shown.replace("\\", ""))  # nothing to autolink


@pytest.mark.parametrize(
    "text, value", [("5000", 5000), ("5,000", 5000), (" 5 000 ", 5000), ("5e3", 5000), ("1", 1), ("100000", 100_000)]
)
def test_parse_count_reads_whole_numbers_as_people_type_them(text, value):
    assert experiment.parse_count(text, 1, 100_000, "number of steps") == value


@pytest.mark.parametrize("text", ["1e12", "1e30", "0", "-5", "2.5", "lots", "", "nan", "inf"])
def test_parse_count_refuses_what_it_cannot_use_and_says_the_range(text):
    with pytest.raises(ValueError, match="whole number from 1 to 100,000"):
        experiment.parse_count(text, 1, 100_000, "number of steps")


def test_closed_sessions_are_collected_at_most_once_a_minute(monkeypatch):
    """A closed session's trainer sits in a reference cycle (page globals <-> fragment functions) that
    only the cyclic collector frees; the app runs it now and then, never on every rerun."""
    import gc

    calls = []
    monkeypatch.setattr(gc, "collect", lambda: calls.append(1))
    monkeypatch.setattr(nav, "_last_collect", [1000.0])
    assert not nav.release_closed_sessions(now=1000.0 + nav.GC_SECONDS / 2)
    assert nav.release_closed_sessions(now=1000.0 + nav.GC_SECONDS + 1)
    assert not nav.release_closed_sessions(now=1000.0 + nav.GC_SECONDS + 2)
    assert calls == [1]


def test_a_trainer_in_a_page_like_cycle_is_freed_by_the_collection():
    import gc
    import weakref

    from weightviz import experiment

    gc.disable()  # no automatic collection in between
    try:
        _, trainer = experiment.build(experiment.Config())
        namespace = {"trainer": trainer}
        exec("def live_view():\n    return trainer\n", namespace)  # the function's globals hold it: a cycle
        ref = weakref.ref(trainer)
        del trainer, namespace
        assert ref() is not None  # reference counting alone does not free it
        nav.release_closed_sessions(now=nav._last_collect[0] + nav.GC_SECONDS + 1)
        assert ref() is None
    finally:
        gc.enable()


def test_the_app_uses_one_blas_thread_per_call():
    """Sessions share the server's cores; OpenBLAS's threads per call cost more than they gave (issue 8)."""
    from threadpoolctl import threadpool_info

    numpy_blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]]
    assert numpy_blas and all(n == nav.BLAS_THREADS == 1 for n in numpy_blas)  # the BLAS the engine's products use


def test_keep_valid_replaces_a_kept_value_that_no_longer_fits(monkeypatch):
    import streamlit as st

    from ui import controls

    session = {"row": 40, "method": "auto", "l1": "0.03"}
    monkeypatch.setattr(st, "session_state", session)
    controls.keep_valid("row", range(1, 31), 1)  # 40 rows before, 30 now
    controls.keep_valid("method", ["auto", "exact"], "exact")  # still fits: kept
    controls.keep_valid("l1", (0.0, 0.01, 0.03), 0.0)  # text from the browser: not an option
    controls.keep_valid("new", [1, 2], 2)  # never set
    assert session == {"row": 1, "method": "auto", "l1": 0.0, "new": 2}
