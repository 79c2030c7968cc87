"""Property-based tests (hypothesis) of every parser a visitor's input reaches: CSV tables, weights files,
links and configuration files. Whatever the bytes or text, each either gives a value or raises its own
error with a message (CSVError, CheckpointError, LinkError) — never another exception."""

import io
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weightviz import MLP, checkpoints, datasets, sharing

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", 150))  # (HYPOTHESIS_EXAMPLES=2000 for a deeper search)
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CELL = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NaN", "inf", "-inf", "1,5", "a", "<b>x</b>", "**y**", "$z$", '"q"', "1e309", " 3 "]),
    st.text(max_size=8),
)


@st.composite
def tables(draw):
    """CSV text: a header and rows of mixed cells, with one of several delimiters, sometimes ragged."""
    n_cols = draw(st.integers(1, 6))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = [draw(st.text(min_size=0, max_size=6)) for _ in range(n_cols)]
    rows = [[draw(CELL) for _ in range(n_cols + draw(st.integers(-1, 1)))] for _ in range(draw(st.integers(0, 12)))]
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "latin-1", "utf-16"])), errors="replace")


@FAST
@given(st.one_of(tables(), st.binary(max_size=400)))
def test_any_bytes_read_as_a_table_or_are_refused_with_a_csv_error(data):
    try:
        df = datasets.read_csv(data)
    except datasets.CSVError as e:
        assert str(e)
        return
    columns = list(df.columns)
    try:
        ds = datasets.from_csv(df, target=columns[-1], features=columns[:-1] or None)
    except datasets.CSVError as e:
        assert str(e)
        return
    assert np.isfinite(ds.X_train).all() and len(ds.X_train) > 0


MODEL = MLP([2, 3, 1], seed=0)
GOOD = checkpoints.save_bytes(MODEL)


@st.composite
def weights_files(draw):
    """A valid weights file with bytes flipped, cut or appended; a zip of other members; or any bytes."""
    kind = draw(st.sampled_from(["flip", "cut", "members", "bytes"]))
    data = bytearray(GOOD)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "cut":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if kind == "members":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for name in draw(st.lists(st.sampled_from(["W0.npy", "b0.npy", "W1.npy", "x.npy", "architecture.npy"]),
                                      max_size=5)):  # fmt: skip
                z.writestr(name, draw(st.binary(max_size=200)))
        return buffer.getvalue()
    return draw(st.binary(max_size=300))


@FAST
@given(weights_files())
def test_any_bytes_load_as_weights_or_are_refused_with_a_checkpoint_error(data):
    try:
        state = checkpoints.checked_state(MODEL, data)
    except checkpoints.CheckpointError as e:
        assert str(e)
        return
    assert all(np.isfinite(v).all() for v in state.values() if np.ndim(v))


@FAST
@given(st.text(max_size=300), st.integers(0, 30_000), st.integers(1, 4))
def test_any_live_text_parses_or_is_refused_with_a_link_error(text, last_step, n_runs):
    try:
        changes = sharing.parse_changes(text, last_step, n_runs)
    except sharing.LinkError as e:
        assert str(e)
        return
    assert all(0 <= c.step <= last_step and c.field in sharing.LIVE_FIELDS for c in changes)


CHANGES = st.lists(
    st.builds(
        sharing.Change,
        step=st.integers(0, 500),
        field=st.sampled_from(sharing.LIVE_FIELDS),
        value=st.floats(1e-8, 1e3),
        run=st.one_of(st.none(), st.integers(0, 3)),
    ),
    max_size=sharing.MAX_CHANGES,
).map(lambda cs: sorted(cs, key=lambda c: c.step))


@FAST
@given(CHANGES)
def test_live_changes_round_trip_through_their_text_exactly(changes):
    assert sharing.parse_changes(sharing.encode_changes(changes), 500, n_runs=4) == changes


@FAST
@given(st.one_of(st.text(max_size=30), st.integers().map(str)))
def test_any_step_text_parses_or_is_refused(text):
    try:
        step = sharing.parse_step(text)
    except sharing.LinkError:
        return
    assert 0 <= step <= sharing.MAX_REPLAY_STEPS


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)


@FAST
@given(st.one_of(st.binary(max_size=200), JSON.map(lambda v: __import__("json").dumps(v).encode()),
                 st.dictionaries(st.text(max_size=10), JSON, max_size=6).map(
                     lambda p: sharing.config_file("train", p).encode())))  # fmt: skip
def test_any_bytes_open_as_a_configuration_or_are_refused_with_a_link_error(data):
    try:
        page, params = sharing.read_config_file(data)
    except sharing.LinkError as e:
        assert str(e)
        return
    assert isinstance(page, str)
    assert all(isinstance(v, str) or (isinstance(v, list) and all(isinstance(t, str) for t in v))
               for v in params.values())  # fmt: skip


@pytest.mark.parametrize("n", [0, 1, 7])
def test_a_configurations_params_round_trip(n):
    params = {f"k{i}": [str(i), "x"] if i % 2 else str(i) for i in range(n)}
    assert sharing.read_config_file(sharing.config_file("home", params).encode()) == ("home", params)


def test_a_lone_carriage_return_is_read_or_refused_not_a_crash():
    """(The property test's first find: csv.Error from a text reader opened without newline=''.)"""
    for data in (b"\r0", b"a,b\r1,2\r3,4\r5,6\r7,8\r", b"a;b\r\n1;\r"):
        try:
            datasets.read_csv(data)
        except datasets.CSVError:
            pass


def test_a_zip_needing_a_newer_zip_version_is_refused_with_a_checkpoint_error():
    """(Its second find: zipfile's NotImplementedError for an unknown 'version needed to extract'.)"""
    data = bytearray(GOOD)
    entry = data.index(b"PK\x01\x02")  # the central directory's first entry
    data[entry + 6 : entry + 8] = (122).to_bytes(2, "little")  # version 12.2
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.checked_state(MODEL, bytes(data))
