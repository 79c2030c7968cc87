"""Sharing a run: the text a link or a configuration file carries, read back with every value checked.

A page's configuration travels as its widgets' URL parameters (short keys such as ``w_lr=0.1``, written
by Streamlit for widgets bound to the URL). Its trained state travels as two more parameters, because the
engine is seed-exact — the same configuration trained the same steps gives the same weights bit for bit:

- ``step=N``: the number of steps the sender had taken. Opening the link replays them, up to
  :data:`MAX_REPLAY_STEPS`; a longer run opens at step 0 with a message.
- ``live=120-lr-0.01~300-B.l2-0.1``: the live changes made between steps, in order. ``120-lr-0.01``
  means "after step 120 the learning rate became 0.01" (step ``0`` gives the value the run started
  with); ``B.`` names one run of a side-by-side page (A, B, C, D); no letter, every run. (Only
  characters a URL keeps as they are.)

A configuration file is JSON: ``{"weightviz": 1, "page": "train", "params": {key: text or [texts]}}``,
the same parameters as the link, so it is checked by the same code when it is opened.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from . import limits
from .experiment import LIVE_FIELDS  # the fields a run can change between steps: what a link's live record holds

MAX_REPLAY_STEPS = limits.REPLAY_STEPS  # a link replays at most this many steps (and ~10 s: ui.share)
MAX_CHANGES = limits.LINK_CHANGES  # live changes a link carries; a run with more is shared as its configuration only
MAX_FILE_BYTES = limits.CONFIG_FILE_BYTES  # a configuration file
MAX_PARAMS = limits.LINK_PARAMS  # parameters in a link or a file
MAX_VALUE_CHARS = limits.LINK_VALUE_CHARS  # characters in one parameter's value (100 live changes take ~2 500)
FILE_VERSION = 1
STEP, LIVE = "step", "live"  # the parameters of the trained state
RUN_LETTERS = "ABCDEFGH"[: limits.SIDE_BY_SIDE_RUNS]  # run i of a side-by-side page is RUN_LETTERS[i]


class LinkError(ValueError):
    """A link's or a file's text that cannot be used; the message says why in a few words."""


@dataclass(frozen=True)
class Change:
    """After ``step`` steps, ``field`` of run ``run`` (0-based; None: every run) became ``value``."""

    step: int
    field: str
    value: float
    run: int | None = None

    def text(self):
        letter = "" if self.run is None else f"{RUN_LETTERS[self.run]}."
        return f"{self.step}-{letter}{self.field}-{self.value!r}"


def encode_changes(changes):
    """``120-lr-0.01~300-B.l2-0.1`` (see the module's docstring); ``""`` for none."""
    return "~".join(c.text() for c in changes)


def parse_changes(text, last_step, n_runs=1):
    """The :class:`Change` list of a ``live`` parameter, checked: steps from 0 to ``last_step`` in order,
    a known live field, a finite value ≥ 0 (> 0 for the learning rate), a run letter among ``n_runs``.
    Raises :class:`LinkError` naming the first entry that is wrong."""
    if not text:
        return []
    entries = text.split("~")
    if len(entries) > MAX_CHANGES:
        raise LinkError(f"more than {MAX_CHANGES} live changes")
    changes, previous = [], 0
    for entry in entries:
        try:
            step_text, target, value_text = entry.split("-", 2)
            step, value = int(step_text), float(value_text)
        except ValueError:
            raise LinkError(f"{entry[:40]!r} is not step-field-value") from None
        run = None
        if "." in target:
            letter, target = target.split(".", 1)
            if len(letter) != 1 or letter not in RUN_LETTERS[:n_runs]:
                raise LinkError(f"{entry[:40]!r} names no run of this page")
            run = RUN_LETTERS.index(letter)
        if target not in LIVE_FIELDS:
            raise LinkError(f"{target[:20]!r} cannot change during a run")
        if not (0 <= step <= last_step) or step < previous:
            raise LinkError(f"the change at step {step} is out of order (steps 0 to {last_step}, ascending)")
        if not math.isfinite(value) or value < 0 or (target == "lr" and value == 0):
            raise LinkError(f"{target} = {value_text[:20]} is not a usable value")
        changes.append(Change(step, target, value, run))
        previous = step
    return changes


def parse_step(text, limit=MAX_REPLAY_STEPS):
    """The ``step`` parameter as a whole number from 0 to ``limit``; LinkError otherwise (a longer run
    says so: it opens at step 0)."""
    try:
        step = int(text)
    except (TypeError, ValueError):
        raise LinkError(f"step {str(text)[:20]!r} is not a whole number") from None
    if step < 0:
        raise LinkError(f"step {step} is negative")
    if step > limit:
        raise LinkError(f"step {step:,} is more than the {limit:,} steps a link replays")
    return step


def with_start(start, changes):
    """What a link carries for a run that started with the live values ``start`` ({field: value}) and then
    made ``changes``: each changed field's start value as a change at step 0, then the changes. (The link's
    configuration holds the values now; the replay needs the ones it started from.)"""
    changed = {c.field for c in changes}
    return [Change(0, f, float(v)) for f, v in start.items() if f in changed] + list(changes)


def merge_runs(per_run):
    """One list for the runs of a side-by-side page from each run's own list: when every run made the same
    changes, them once for every run; otherwise each run's changes marked with its index, in its own order
    (a run's changes at one step apply in order; different runs' never meet)."""
    if per_run and all(changes == per_run[0] for changes in per_run):
        return list(per_run[0])
    merged = [Change(c.step, c.field, c.value, i) for i, changes in enumerate(per_run) for c in changes]
    return sorted(merged, key=lambda c: (c.step, c.run))  # (stable: each run's order within a step is kept)


def for_run(changes, i):
    """The changes run ``i`` makes: those for every run and its own, as its own list."""
    return [Change(c.step, c.field, c.value) for c in changes if c.run in (None, i)]


def config_file(page, params):
    """The JSON text of a configuration file for ``page`` with its link ``params`` ({key: text or list})."""
    return json.dumps({"weightviz": FILE_VERSION, "page": page, "params": params}, indent=1, sort_keys=True)


def read_config_file(data):
    """(page, params) from a configuration file's bytes; LinkError for anything that is not one."""
    if len(data) > MAX_FILE_BYTES:
        raise LinkError(f"the file has {len(data):,} bytes; a configuration has at most {MAX_FILE_BYTES:,}")
    try:
        content = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise LinkError(f"it is not JSON text ({type(e).__name__})") from None
    if not isinstance(content, dict) or content.get("weightviz") != FILE_VERSION:
        raise LinkError(f'it is not a weightviz configuration (no "weightviz": {FILE_VERSION})')
    page, params = content.get("page"), content.get("params")
    if not isinstance(page, str) or not page or len(page) > 40:
        raise LinkError('its "page" is not a page name')
    if not isinstance(params, dict):
        raise LinkError('its "params" is not a table of parameters')
    return page, checked_params(params)


def checked_params(params):
    """``params`` ({key: text, number, bool or list of them}) as {key: text or [texts]}, within the limits of
    a link; LinkError otherwise."""
    if len(params) > MAX_PARAMS:
        raise LinkError(f"{len(params):,} parameters; at most {MAX_PARAMS}")
    clean = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key or len(key) > 40:
            raise LinkError(f"the key {str(key)[:40]!r} is not a parameter name")
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_PARAMS or not all(isinstance(v, str | int | float | bool) for v in values):
            raise LinkError(f"{key}: a value must be text, a number or a list of them")
        texts = [_text(v) for v in values]
        if any(len(t) > MAX_VALUE_CHARS for t in texts):
            raise LinkError(f"{key}: a value longer than {MAX_VALUE_CHARS} characters")
        clean[key] = texts if isinstance(value, list) else texts[0]
    return clean


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
