"""Sharing a run: the page's link (its widgets live in the URL, ``bind=state.URL``), the trained state that
travels with it (``step`` and ``live``, see ``weightviz.sharing``), the check of a link's values, the replay
when a link is opened, and the Share box with the link and a configuration file.

A page calls, in order: :func:`open_link` before its widgets; :func:`replay_link` once its run (or group)
is built; :func:`close_link` at the end (it warns about what a link asked for and did not get, and writes
the step to the URL); :func:`share_box` where the box goes.
"""

from __future__ import annotations

import math
import urllib.parse

import streamlit as st

from weightviz import limits, sharing
from weightviz.experiment import CSV
from weightviz.formatting import typed

from . import state
from .text import plain

STEP_SECONDS = 5e-5  # a small network's step, most of it Python (20 000 steps of the default run: 1.1 s)
MAC_PER_SECOND = 5e9  # … plus its multiply-adds, ~3 × batch × parameters (digits 512-512: 20 000 steps in ~100 s)


def open_link(page, checks=None):
    """Top of a page, before any widget. On the session's first page (a link opens a new session), keep the
    parameters it was opened with ({key: [texts]}), to check them after the widgets took theirs; a value
    that ``checks`` ({key: parser raising ValueError}, for text fields, which take any text) refuses is
    taken out of the URL before its field is drawn, so the field shows its default. Later pages of the
    session start from what the session holds, never from parameters another page wrote."""
    state.UNUSABLE.set([])
    opened = state.LINK_OPENED.get()
    if opened is None:
        given = {key: st.query_params.get_all(key) for key in st.query_params}
        refused = []
        for key, parse in (checks or {}).items():
            if key in given:
                try:
                    parse(given[key][-1])
                except ValueError:
                    refused.append(key)
                    del st.query_params[key]
        state.LINK_OPENED.set({page: {"given": given, "checked": False, "refused": refused}})
    visit = _visit(page)
    # where the link's warning goes: the top of the page, not below the charts (3 000 px down on Transfer)
    state.LINK_NOTICE.set(st.container() if visit["given"] and not visit["checked"] else None)


def _runs(subject):
    """The runs of ``subject``: a group's, or the run itself."""
    return getattr(subject, "runs", [subject])


def _visit(page):
    return (state.LINK_OPENED.get() or {}).get(page, {"given": {}, "checked": True})


def config_only(config):
    """Why a link to ``config`` cannot carry the trained state (an uploaded table does not travel), or None."""
    if config.dataset == CSV:
        return "an uploaded table does not travel with a link (its receiver uploads the same file)"
    return None


class ConfigOnly:
    """What a page shares when a link carries its settings only: ``why`` is said in the Share box."""

    step_counts = (0,)

    def __init__(self, why, trains=True):
        self.why = why
        self.trains = trains  # False for a page with no training (Inspect): the box then names no step

    def unreplayable(self):
        return self.why

    def live_changes(self):
        return []


def link_has_step(page):
    """Whether the link ``page`` was opened with carries a trained state not replayed yet."""
    visit = _visit(page)
    return sharing.STEP in visit["given"] and not visit.get("replayed")


def replay_link(page, subject, config_only=None):
    """After the page built its run or group (``subject``, with ``replay``/``live_changes``): the first time,
    replay the link's ``step`` with its ``live`` changes under a progress bar. A step over the cap, a
    malformed value or a configuration the link cannot rebuild (``config_only``: why) opens at step 0 with
    a warning. Returns the warning, or None."""
    visit = _visit(page)
    given = visit["given"]
    if visit.get("replayed") or sharing.STEP not in given:
        return None
    visit["replayed"] = True
    if config_only:
        return f"The link's step {plain(given[sharing.STEP][0][:12])} was not replayed: {config_only}."
    try:
        step = sharing.parse_step(given[sharing.STEP][0])
        n_runs = len(subject.runs) if hasattr(subject, "runs") else 1
        changes = sharing.parse_changes((given.get(sharing.LIVE) or [""])[0], step, n_runs)
    except sharing.LinkError as e:
        return f"The link's trained state was not used ({plain(str(e))}); the run starts at step 0."
    if step == 0:
        return None
    seconds = replay_seconds(subject, step)
    if seconds > limits.REPLAY_SECONDS:
        return (f"The link's {step:,} steps were not replayed: they would take about {seconds:,.0f} s here (a link "
                f"replays at most {limits.REPLAY_SECONDS} s of training); the run starts at step 0.")  # fmt: skip
    runs = _runs(subject)
    shown = [getattr(run, "config", None) for run in runs]  # what the link's controls asked for
    bar = st.progress(0.0, text=f"Replaying the link's {step:,} steps…")
    reached = subject.replay(step, changes, lambda done, total: bar.progress(min(1.0, done / total)))
    bar.empty()
    lagging = None if None in shown else _lagging_controls(shown, [run.config for run in runs])
    if lagging:
        return (f"The link's controls disagree with its record of changes ({lagging}; a change made while the "
                f"page was busy): the weights at step {step:,} are the sender's, and the run goes on with what "
                f"the controls show.")  # fmt: skip
    reached = max(reached) if isinstance(reached, list) else reached  # (a run may diverge early: so did the sender's)
    if reached < step:
        return f"The replay stopped at step {reached:,}: the run diverged there."
    return None


def _lagging_controls(shown, replayed):
    """Where a link's controls disagree with the live values its record of changes ends at: a person's two
    quick changes inside one rerun can leave the address bar's control one value behind (three arrow presses
    on the learning rate, in Chromium), while ``live`` has the last. Never silent: said, or None."""
    said = [
        f"{field} shows {typed(getattr(a, field))} where the record ends at {typed(getattr(b, field))}"
        for a, b in zip(shown, replayed, strict=True)
        for field in sharing.LIVE_FIELDS
        if getattr(a, field) != getattr(b, field) and (field != "weight_decay" or a.optimizer == "adamw")
    ]
    return "; ".join(dict.fromkeys(said)) or None


def close_link(page, subject, problems=()):
    """End of a page: the first time, one warning naming every value of the link the page did not take
    (a widget refused or corrected it: it shows its default or the nearest allowed value instead), with
    ``problems`` (from :func:`replay_link`); then the run's step and live changes into the URL."""
    visit = _visit(page)
    if not visit["checked"]:
        visit["checked"] = True
        given = visit["given"]
        refused = [f"{key}={'/'.join(texts)}" for key, texts in given.items()
                   if key in visit.get("refused", ()) or not _taken(key, texts)]  # fmt: skip
        said = [p for p in problems if p]
        if refused:
            names = ", ".join(plain(" ".join(r[:60].split())) for r in refused[:8]) + (" …" if len(refused) > 8 else "")
            said.insert(0, f"The link's {names} could not be used; the defaults are shown instead.")
        if said:
            (state.LINK_NOTICE.get() or st.container()).warning(" ".join(said), icon=":material/link_off:")
    state.LINK_NOTICE.clear()
    write_step(subject)


def finish(page, subject, problems=(), box=None):
    """End of a page: :func:`close_link`, then the Share box in ``box`` (a container kept at the top of the
    sidebar; the sidebar's end without one)."""
    close_link(page, subject, problems)
    with box if box is not None else st.sidebar:
        share_box(page, subject)


def _taken(key, texts):
    """Whether the widget ``key`` holds what the link gave it (texts as the URL spells them)."""
    if key in (sharing.STEP, sharing.LIVE, state.GOTO) or key not in st.session_state:
        return True  # the trained state is checked by replay_link; a key no widget of this page has is ignored
    if st.query_params.get_all(key) == texts:
        return True  # Streamlit keeps a value its widget took as given, and drops or corrects any other
    value = st.session_state[key]  # (dropped: was it the widget's default, which a link leaves out?)
    values = list(value) if isinstance(value, list | tuple) else [value]
    return len(values) == len(texts) and all(_same(t, v) for t, v in zip(texts, values, strict=True))


def _same(text, value):
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, int | float):
        try:
            return math.isclose(float(text), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return text == typed(value)
    return text in (str(value), str(value).replace("_", " "))


def unusable_settings(subject):
    """Why the settings a page shows are not the ones its run trains with (a field's text it could not use,
    a configuration it could not build), or None."""
    fields = state.UNUSABLE.get() or []
    if fields:
        return f"the {' and '.join(fields)} shown cannot be used (see the field), so the run trains with another"
    runs = _runs(subject)
    if any(getattr(run, "problem", None) for run in runs):
        return "the settings shown could not be built, so the run trains with the ones before"
    return None


def trained_state(subject):
    """The parameters that carry ``subject``'s trained state: {"step": …, "live": …} (empty at step 0), or
    None when a link cannot replay it."""
    if subject.unreplayable() or unusable_settings(subject):
        return None
    step = _step(subject)
    if step == 0:
        return {}
    live = sharing.encode_changes(subject.live_changes())
    return {sharing.STEP: str(step), **({sharing.LIVE: live} if live else {})}


def _step(subject):
    return max(subject.step_counts) if hasattr(subject, "step_counts") else subject.trainer.step_count


def write_step(subject):
    """Put ``subject``'s step and live changes in the URL (and take them out at step 0 or when a link cannot
    replay it), so the address bar is a link to this state."""
    wanted = trained_state(subject) or {}
    _write(wanted, (sharing.STEP, sharing.LIVE))


def write_frame_step(subject):
    """A Play frame: only the step moves (live values change through a widget, which reruns the page and
    :func:`close_link` writes them), so the frame writes the step alone when the URL carries one."""
    if st.query_params.get(sharing.STEP) is not None or _step(subject) > 0:
        if subject.unreplayable() is None and not unusable_settings(subject):
            _write({sharing.STEP: str(_step(subject))} if _step(subject) else {}, (sharing.STEP,))


def _write(wanted, keys):
    for key in keys:
        now = st.query_params.get(key)
        if key in wanted and now != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and now is not None:
            del st.query_params[key]


def link_params(subject):
    """This page's parameters now: its widgets' (as Streamlit keeps them in the URL) and the trained state."""
    params = {key: st.query_params.get_all(key) for key in st.query_params if key not in (sharing.STEP, sharing.LIVE)}
    params = {key: texts[0] if len(texts) == 1 else texts for key, texts in params.items()}
    return {**params, **(trained_state(subject) or {})}


def page_url(params):
    """The address of the page running now with ``params`` as its query."""
    base = st.context.url.split("?", 1)[0] if st.context.url else ""
    if base and urllib.parse.urlsplit(base).path == "":
        base += "/"  # the Home page: http://host:8501/
    ordered = sorted(params.items(), key=lambda item: item[0] in (sharing.STEP, sharing.LIVE))  # settings first
    query = urllib.parse.urlencode(ordered, doseq=True, quote_via=urllib.parse.quote)
    return f"{base}?{query}" if query else base


def replay_seconds(subject, step):
    """About how long replaying ``step`` steps of ``subject`` takes: per run and step, the Python of a step
    and ~3 × batch × parameters multiply-adds (forward, backward, update)."""
    total = 0.0
    for run in _runs(subject):
        trainer = run.trainer
        work = 3.0 * trainer.batch_size * trainer.model.n_params if trainer is not None else 0.0
        total += step * (STEP_SECONDS + work / MAC_PER_SECOND)
    return total


def what_it_reproduces(subject, extra=None):
    """A sentence on what the link gives whoever opens it."""
    why_not = subject.unreplayable() or unusable_settings(subject)
    step = _step(subject)
    if not getattr(subject, "trains", True):
        said = f"These settings: {why_not}." if why_not else "These settings."
    elif why_not:
        said = f"These settings, at step 0: {why_not}." if isinstance(subject, ConfigOnly) else (
            f"These settings, at step 0: this run cannot be replayed because {why_not}.")  # fmt: skip
    elif step == 0:
        said = "These settings, at step 0."
    elif step > sharing.MAX_REPLAY_STEPS:
        said = (f"These settings, at step 0: a link replays at most {sharing.MAX_REPLAY_STEPS:,} steps, this run "
                f"took {step:,}.")  # fmt: skip
    elif (seconds := replay_seconds(subject, step)) > limits.REPLAY_SECONDS:
        said = (f"These settings, at step 0: replaying its {step:,} steps would take about {seconds:,.0f} s (a link "
                f"replays at most {limits.REPLAY_SECONDS} s of training).")  # fmt: skip
    else:
        said = (f"These settings and the trained weights: it replays the {step:,} steps (and any change of the "
                f"learning rate or penalties between them) to the same weights, bit for bit"
                f"{f', in about {seconds:.0f} s' if seconds >= 2 else ''}.")  # fmt: skip
    return " ".join(filter(None, [said, extra]))


def share_box(page, subject, extra=None):
    """The Share box: the link (with a copy button), what it reproduces, the configuration as a file, and a
    configuration file to open (in a new tab, where it is checked like a link: this tab keeps its run)."""
    params = link_params(subject)
    with st.popover("Share", icon=":material/share:", width="stretch"):
        st.caption("A link to this page as it is now:")
        st.code(page_url(params), language=None, wrap_lines=True)
        st.caption(what_it_reproduces(subject, extra))
        st.download_button(
            "Configuration (.json)", lambda: sharing.config_file(page, params), f"weightviz-{page}.json",
            mime="application/json", key=f"{state.SHARE_PREFIX}{page}_download", on_click="ignore",
            help="The same settings and step as the link, as a file to keep",
        )  # fmt: skip
        upload = st.file_uploader("Open a configuration (.json)", type=["json"], key=f"{state.SHARE_PREFIX}{page}_file")
        if upload is not None:
            _offer(page, upload)


def _offer(page, upload):
    """A configuration file: a button that opens it in a new tab, or why it cannot be opened."""
    try:
        their_page, params = sharing.read_config_file(upload.getvalue())
    except sharing.LinkError as e:
        st.error(plain(f"{upload.name} cannot be opened: {e}."))
        return
    if their_page != page:
        st.error(plain(f"{upload.name} is a configuration of the {their_page[:40]} page; open it there."))
        return
    st.link_button("Open it in a new tab", page_url(params), icon=":material/open_in_new:")
    st.caption("It opens like a link: values this page cannot take are named there, and this tab keeps its run.")
