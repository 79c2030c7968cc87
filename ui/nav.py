"""Entering the app: navigation, deep links, and releasing what closed sessions held."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import threading
import time

import streamlit as st
from streamlit.runtime import Runtime
from threadpoolctl import threadpool_limits

from . import state

# One BLAS thread per call: the server's sessions share two cores with each other (and, on a laptop,
# with the browser). With OpenBLAS's default of one thread per core, a small matrix product spent most
# of its time handing work between threads under load: a digits Step rerun took 233 ms with two
# threads and 147 ms with one (benchmarks/dashboard.py, issue 8). threadpoolctl comes with
# scikit-learn, which the app already needs for its built-in tables.
BLAS_THREADS = 1


def _limit_blas():
    import numpy  # noqa: F401  (loaded first: the limit reaches only a BLAS that is loaded)

    threadpool_limits(limits=BLAS_THREADS, user_api="blas")


# From a thread of its own: threadpoolctl keeps the first thread that sets OpenBLAS's limit (a class attribute,
# for ever), and a session's script thread holds that session's state — the first visitor's model was never
# freed (found by counting live trainers after every tab had closed). OpenBLAS's pool is process-wide.
_setter = threading.Thread(target=_limit_blas, name="weightviz-blas-limit")
_setter.start()
_setter.join()


def enter_app():
    """Called by app.py before ``st.navigation``: this session runs through the entry point."""
    state.NAVIGATED.set(True)
    start_collector()


GC_SECONDS = 20.0  # at most one full garbage collection every 20 s (~60 ms each, measured)
_last_collect = [time.monotonic()]
_collector = []  # the background thread, once per server process
_collector_lock = threading.Lock()  # (two first visits at once start one thread)


def start_collector():
    """A daemon thread that calls :func:`release_closed_sessions` every ``GC_SECONDS``: a closed tab's session
    is dropped by Streamlit after ``server.disconnectedSessionTTL`` (30 s here, .streamlit/config.toml), and
    when nobody else reruns afterwards nothing would collect it (measured before: a 40 MB CSV session
    still held its memory two minutes after its tab closed)."""
    with _collector_lock:
        if _collector:
            return
        thread = threading.Thread(target=_collect_forever, name="weightviz-collector", daemon=True)
        _collector.append(thread)
        thread.start()


def _collect_forever():
    while True:
        time.sleep(GC_SECONDS)
        release_closed_sessions()


def release_closed_sessions(now=None):
    """Free what closed sessions held (their trainers and data), at most once every ``GC_SECONDS``.

    Called by the collector thread (not on a visitor's rerun: ~60 ms). Streamlit drops a closed tab's
    session after ``server.disconnectedSessionTTL`` (30 s here), but a page
    run's globals and its fragment functions reference each other, so the trainer they hold is only
    freed by Python's cyclic collector, which an idle server rarely runs (measured: 4 closed CSV
    sessions kept 1.8 GB; ``gc.collect`` freed 0.8 GB of it in ~60 ms). glibc's ``malloc_trim`` then
    hands the freed memory back to the system. Returns True when it collected."""
    now = time.monotonic() if now is None else now
    if now - _last_collect[0] < GC_SECONDS:
        return False
    _last_collect[0] = now
    drop_expired_sessions()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the memory stays with the process
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return True


def drop_expired_sessions():
    """Let Streamlit forget what closed sessions left behind, now rather than at the next visitor's run:
    a closed tab's session sits in a TTL cache that drops expired entries only when it is counted, and
    download callables are dropped only when some session's script run ends. With nobody visiting after
    the last tab closed, both would keep every session's model for ever (measured: 12 trainers alive with
    no session left). Reaches into Streamlit 1.67's runtime; if that changes, nothing happens here."""
    with contextlib.suppress(Exception):
        runtime = Runtime.instance()
        len(runtime._session_mgr._session_storage._cache)  # counting a TTLCache removes its expired entries
        runtime.media_file_mgr.remove_orphaned_files()


def follow_deep_link(pages):
    """After ``st.navigation``: finish a redirect from :func:`ensure_navigation` to the page asked for."""
    target = st.query_params.get(state.GOTO)
    if target is not None:
        del st.query_params[state.GOTO]
        match = [p for p in pages if p.url_path == target]
        if match:
            st.switch_page(match[0], query_params=link_params())


def ensure_navigation(url_path):
    """First line of every page. A server that has not yet run app.py serves ``pages/x.py`` straight
    from the pages folder (Streamlit's older multipage mode): bounce such a visit through app.py so
    the page gets the app's navigation and layout, and land on the page that was asked for, with the
    link's parameters (a shared link is often a new visitor's first page)."""
    if not state.NAVIGATED.get():
        st.switch_page("app.py", query_params={**link_params(), state.GOTO: url_path})


def link_params():
    """The URL's parameters ({key: text or [texts]}): a link's settings go along with a redirect."""
    texts = {key: st.query_params.get_all(key) for key in st.query_params if key != state.GOTO}
    return {key: values[0] if len(values) == 1 else values for key, values in texts.items()}
