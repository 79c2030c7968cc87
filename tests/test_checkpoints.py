import io
import json
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from weightviz import MLP, Trainer, checkpoints, datasets
from weightviz.checkpoints import CheckpointError


@pytest.fixture
def trained():
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([5, 4]), activation="elu", task="binary", batch_norm=True, seed=1)
    Trainer(model, ds.X_train, ds.y_train).run(30)
    return model, ds


def test_round_trip_restores_predictions_exactly(trained, tmp_path):
    model, ds = trained
    path = tmp_path / "w.npz"
    checkpoints.save(model, path)
    loaded = checkpoints.load_model(path)
    np.testing.assert_array_equal(loaded.predict(ds.X_test), model.predict(ds.X_test))
    assert loaded.config["activation"] == ["elu", "elu"] and loaded.config["seed"] == 1
    fresh = MLP(ds.layer_sizes([5, 4]), activation="elu", task="binary", batch_norm=True, seed=9)
    checkpoints.load_into(fresh, io.BytesIO(checkpoints.save_bytes(model)))
    np.testing.assert_array_equal(fresh.params, model.params)


def test_wrong_shape_is_refused_and_model_untouched(trained):
    model, _ = trained
    other = MLP([2, 7, 1], task="binary")
    before = other.params.copy()
    with pytest.raises(CheckpointError, match="does not fit|shape"):
        checkpoints.load_into(other, checkpoints.save_bytes(model))
    np.testing.assert_array_equal(other.params, before)


def test_same_names_different_shapes(trained):
    model, _ = trained
    data = dict(np.load(io.BytesIO(checkpoints.save_bytes(model))))
    data["W1"] = np.zeros((5, 3))
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    with pytest.raises(CheckpointError, match="W1"):
        checkpoints.load_into(model, buffer.getvalue())


@pytest.mark.parametrize("payload", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_garbage_is_refused(payload):
    with pytest.raises(CheckpointError):
        checkpoints.load_model(payload)


def test_pickled_objects_are_never_loaded(trained):
    model, _ = trained
    buffer = io.BytesIO()
    np.savez(buffer, architecture=np.array("{}"), W0=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="safely"):
        checkpoints.load_into(model, buffer.getvalue())


def test_nan_weights_and_missing_architecture_are_refused(trained):
    model, _ = trained
    arrays = {k: v.copy() for k, v in model.named_arrays().items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(CheckpointError, match="architecture"):
        checkpoints.load_into(model, buffer.getvalue())
    data = dict(np.load(io.BytesIO(checkpoints.save_bytes(model))))
    data["b0"] = np.full_like(data["b0"], np.nan)
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    with pytest.raises(CheckpointError, match="finite"):
        checkpoints.load_into(model, buffer.getvalue())


def test_a_single_array_npy_is_refused(trained):
    model, _ = trained
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3))
    with pytest.raises(CheckpointError, match="single array"):
        checkpoints.load_into(model, buffer.getvalue())


def test_loaded_weights_become_step_zero_and_bad_files_change_nothing(trained):
    model, ds = trained
    saved = checkpoints.save_bytes(model)
    fresh = MLP(ds.layer_sizes([5, 4]), activation="elu", task="binary", batch_norm=True, seed=7)
    trainer = Trainer(fresh, ds.X_train, ds.y_train)
    trainer.run(5)
    trainer.start_from(checkpoints.checked_state(fresh, saved))
    assert trainer.step_count == 0 and len(trainer.history) == 1
    np.testing.assert_array_equal(fresh.params, model.params)
    trainer.run(3)
    trainer.reset()  # reset now returns to the loaded weights
    np.testing.assert_array_equal(fresh.params, model.params)
    with pytest.raises(CheckpointError):
        checkpoints.checked_state(MLP([2, 3, 1], task="binary"), saved)


# -- untrusted files: look before decompressing, refuse what does not fit, speak plainly ------------
def _npy_header(shape, descr="<f8"):
    """The bytes of a .npy header (version 1.0) declaring ``shape`` and ``descr``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _npz(members, zeros=None):
    """Zip bytes of {name: array or raw .npy bytes}; ``zeros=(name, shape[, dtype])`` streams that member as
    zeros (float64 by default), deflated, so a gigabyte array costs a few MB and never sits in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, member in members.items():
            if isinstance(member, bytes):
                zf.writestr(f"{name}.npy", member)
            else:
                with zf.open(f"{name}.npy", "w") as f:
                    np.lib.format.write_array(f, np.asarray(member), allow_pickle=False)
        if zeros is not None:
            name, shape, descr = (*zeros, "<f8")[:3]
            left, chunk = np.dtype(descr).itemsize * int(np.prod(shape)), bytes(2**24)
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                f.write(_npy_header(shape, descr))
                while left:
                    f.write(chunk[: min(left, len(chunk))])
                    left -= min(left, len(chunk))
    return buffer.getvalue()


def _saved(model):
    """{name: array} of what ``save_bytes`` writes for ``model``, architecture included."""
    with np.load(io.BytesIO(checkpoints.save_bytes(model)), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _peak_bytes(call):
    """(exception raised by ``call()`` or None, peak bytes traced meanwhile; numpy reports its buffers)."""
    tracemalloc.start()
    try:
        call()
        raised = None
    except CheckpointError as e:
        raised = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return raised, peak


@pytest.fixture(scope="module")
def bomb():
    """A valid-looking file of MLP([2, 8, 1], relu, binary) whose W0 is 512 MiB of zeros: ~2 MB deflated."""
    members = _saved(MLP([2, 8, 1], "relu", task="binary"))
    del members["W0"]
    return _npz(members, zeros=("W0", (2**26,)))


@pytest.mark.parametrize("entry", ["checked_state", "read", "load_model"])
def test_a_zip_bomb_is_refused_before_anything_is_decompressed(bomb, entry):
    assert len(bomb) < 20 * 2**20
    calls = {
        "checked_state": lambda: checkpoints.checked_state(MLP([2, 8, 1], "relu", task="binary"), bomb),
        "read": lambda: checkpoints.read(bomb),
        "load_model": lambda: checkpoints.load_model(bomb),
    }
    raised, peak = _peak_bytes(calls[entry])
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MB"
    assert raised is not None and "W0 has shape (67108864,)" in str(raised)


def test_load_model_refuses_a_network_larger_than_the_app_builds():
    assert checkpoints.MAX_WEIGHTS_BYTES == 23_043_904  # the number the docstring gives
    big = MLP([4096, 1, 1], task="binary", init="zeros")  # 4096 → 4096 → 1, written without allocating it
    architecture = json.loads(str(_saved(big)["architecture"]))
    architecture["layer_sizes"] = [4096, 4096, 1]
    members = {"architecture": np.array(json.dumps(architecture)), "b0": np.zeros(4096), "W1": np.zeros((4096, 1))}
    members["b1"] = np.zeros(1)
    data = _npz(members, zeros=("W0", (4096, 4096)))  # 128 MiB of weights
    raised, peak = _peak_bytes(lambda: checkpoints.load_model(data))
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MB"
    assert raised is not None and "at most 22 MiB" in str(raised)
    largest = MLP(checkpoints.LARGEST_MODEL, task="multiclass", batch_norm=True, seed=0)
    np.testing.assert_array_equal(checkpoints.load_model(checkpoints.save_bytes(largest)).params, largest.params)


def test_the_architecture_entry_is_refused_above_64_kib_before_it_is_read(trained):
    model, _ = trained
    members = _saved(model)
    del members["architecture"]
    data = _npz(members, zeros=("architecture", (), "<U20000000"))  # 80 MB of text
    raised, peak = _peak_bytes(lambda: checkpoints.checked_state(model, data))
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MB"
    assert "the file's architecture entry is 80,000,000 bytes; at most 65,536" in str(raised)


def test_a_header_that_promises_other_data_than_the_member_holds(trained):
    model, _ = trained
    members = _saved(model)
    short = dict(members, b0=_npy_header((5,)) + np.zeros(3).tobytes())
    with pytest.raises(
        CheckpointError, match=r"b0 is cut short: its header promises 40 bytes of data, the file holds 24"
    ):
        checkpoints.checked_state(model, _npz(short))
    long = dict(members, b0=_npy_header((5,)) + np.zeros(6).tobytes())
    with pytest.raises(CheckpointError, match="b0 holds 8 bytes more than its header describes"):
        checkpoints.checked_state(model, _npz(long))


def test_a_file_from_another_architecture_is_refused_naming_each_difference():
    saved = checkpoints.save_bytes(MLP([2, 8, 1], "relu", seed=1))
    model = MLP([2, 8, 1], "tanh", task="binary", seed=2)
    before = model.params.copy()
    with pytest.raises(CheckpointError) as e:
        checkpoints.load_into(model, saved)
    assert "the file's network uses relu, this model uses tanh" in str(e.value)
    assert "the file's model does regression, this one does binary classification" in str(e.value)
    np.testing.assert_array_equal(model.params, before)
    with pytest.raises(CheckpointError, match="the file's network uses batch norm, this model does not"):
        checkpoints.checked_state(MLP([2, 8, 1]), checkpoints.save_bytes(MLP([2, 8, 1], batch_norm=True)))
    with pytest.raises(CheckpointError, match="uses relu, tanh, this model uses relu$"):
        checkpoints.checked_state(MLP([2, 4, 4, 1]), checkpoints.save_bytes(MLP([2, 4, 4, 1], ["relu", "tanh"])))
    with pytest.raises(CheckpointError, match="has layers 2 → 5 → 1, this model has 2 → 8 → 1$"):
        checkpoints.checked_state(MLP([2, 8, 1]), checkpoints.save_bytes(MLP([2, 5, 1])))


def test_a_different_dropout_rate_is_accepted():
    ds = datasets.moons(seed=0)
    saved = MLP([2, 8, 1], "tanh", task="binary", dropout=0.5, seed=3)
    model = MLP([2, 8, 1], "tanh", task="binary", dropout=0.0, seed=4)
    checkpoints.load_into(model, checkpoints.save_bytes(saved))
    np.testing.assert_array_equal(model.predict(ds.X_test), saved.predict(ds.X_test))


@pytest.mark.parametrize(
    ("dtype", "said"),
    [
        (np.complex128, "W0 holds complex numbers"),
        (np.complex64, "W0 holds complex numbers"),
        (np.int64, "W0 holds int64 values; weights are float16, float32 or float64"),
        (np.bool_, "W0 holds bool values"),
        (np.longdouble, "weights are float16, float32 or float64"),
        ("<U3", "W0 holds text or records"),
    ],
)
def test_weights_that_are_not_real_floating_point_numbers_are_refused(trained, dtype, said):
    model, _ = trained
    before = model.params.copy()
    members = _saved(model)
    members["W0"] = (members["W0"] + 1j if np.dtype(dtype).kind == "c" else members["W0"]).astype(dtype)
    with pytest.raises(CheckpointError, match=said):
        checkpoints.load_into(model, _npz(members))
    np.testing.assert_array_equal(model.params, before)


def _unreadable_files():
    text = b"epoch,loss\n1,0.5\n"
    npy = io.BytesIO()
    np.save(npy, np.zeros(3))
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    huge_header = b"\x93NUMPY\x02\x00" + (20_000).to_bytes(4, "little") + b" " * 20_000  # numpy's message on
    # this one tells the reader to trust the file and turn pickle loading on
    return {
        "random bytes": np.random.default_rng(0).bytes(1000),
        "text": text,
        "empty": b"",
        "npy": npy.getvalue(),
        "zip of other files": other.getvalue(),
        "oversized header": _npz({"architecture": huge_header}),
    }


@pytest.mark.parametrize("kind", list(_unreadable_files()))
@pytest.mark.parametrize("entry", ["checked_state", "load_model"])
def test_unreadable_files_get_our_message_which_never_mentions_pickle(trained, kind, entry):
    model, _ = trained
    data = _unreadable_files()[kind]
    with pytest.raises(CheckpointError) as e:
        checkpoints.checked_state(model, data) if entry == "checked_state" else checkpoints.load_model(data)
    assert "pickle" not in str(e.value).lower()
    assert str(e.value).startswith("not a weights file saved by weightviz (.npz): ")


def test_object_arrays_are_refused_without_mentioning_pickle(trained):
    model, _ = trained
    members = _saved(model)
    buffer = io.BytesIO()
    np.savez(buffer, **dict(members, W0=np.array([{"evil": 1}], dtype=object)))
    with pytest.raises(CheckpointError, match="W0 holds Python objects") as e:
        checkpoints.load_into(model, buffer.getvalue())
    assert "pickle" not in str(e.value).lower()


# -- the zip directory is sized from its end record before zipfile parses it ---------------------------
def _listing(n_entries, declared):
    """Zip bytes of ``n_entries`` empty stored members ``0.npy``, ``1.npy``, …, written record by record (local
    headers, the central directory) with a plain end record that says there are ``declared``."""
    local, central = bytearray(), bytearray()
    for i in range(n_entries):
        name = b"%d.npy" % i
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 33, 0, 0, 0, len(name), 0) + name
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 33, 0, 0, 0, len(name), 0, 0, 0, 0, 0, offset
        )
        central += name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, declared, declared, len(central), len(local), 0)
    return bytes(local + central + end)


@pytest.fixture(scope="module")
def listing():
    """200 000 empty entries, 19 MB, as zipfile writes them (with a Zip64 end record: over 65 535 entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(200_000):
            zf.writestr(f"{i}.npy", b"")
    return buffer.getvalue()


@pytest.mark.parametrize("entry", ["read", "checked_state"])
def test_a_zip_listing_200_000_entries_is_refused_before_its_directory_is_parsed(listing, entry):
    """zipfile builds a ZipInfo for every entry of the directory (900 000 cost a server 450 MB) before any
    count could refuse them: the end record's count is read first, from the file's last bytes."""
    calls = {
        "read": lambda: checkpoints.read(listing),
        "checked_state": lambda: checkpoints.checked_state(MLP([2, 8, 1]), io.BytesIO(listing)),
    }
    raised, peak = _peak_bytes(calls[entry])
    assert str(raised) == (
        "not a weights file saved by weightviz (.npz): it has 200,000 entries; a weightviz model has at most 51"
    )
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB"


def test_an_end_record_that_understates_its_entries_is_refused_for_the_directory_size():
    """zipfile parses the directory's bytes, whatever count the end record gives: its size is capped too."""
    data = _listing(200_000, declared=3)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # what zipfile makes of it
        assert len(zf.infolist()) == 200_000
    raised, peak = _peak_bytes(lambda: checkpoints.load_model(data))
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB"
    directory = 200_000 * 46 + sum(len(b"%d.npy" % i) for i in range(200_000))
    assert f"its zip directory is {directory:,} bytes; the 51 entries of a weightviz model need at most 65,536" in str(
        raised
    )


def test_zip64_end_records_are_refused(trained):
    model, _ = trained
    saved = checkpoints.save_bytes(model)
    at = saved.rindex(b"PK\x05\x06")
    assert len(saved) - at == 22  # numpy writes a plain end record, without a comment
    many = saved[: at + 8] + struct.pack("<2H", 0xFFFF, 0xFFFF) + saved[at + 12 :]  # "see the Zip64 record"
    locator = saved[:at] + struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1) + saved[at:]
    for data in (many, locator):
        with pytest.raises(CheckpointError, match="it is a Zip64 archive, which weightviz never writes"):
            checkpoints.checked_state(model, data)
    with_comment = saved[: at + 20] + struct.pack("<H", 5) + b"hello"  # the record is found before a comment
    np.testing.assert_array_equal(checkpoints.checked_state(model, with_comment)["W0"], model.weights[0])


@pytest.mark.parametrize("name", ["b0", "W0"])  # b0 is read whole with its header, W0 after the checks
def test_a_member_that_fails_its_crc_check_is_called_damaged(name):
    model = MLP([300, 4, 1], task="binary", seed=0)  # W0 is 9 600 bytes: more than the header's 4 KiB read
    saved = bytearray(checkpoints.save_bytes(model))
    data = model.named_arrays()[name].tobytes()
    at = saved.index(data) + len(data) - 3
    saved[at] ^= 0xFF
    with pytest.raises(CheckpointError) as e:
        checkpoints.checked_state(model, bytes(saved))
    assert str(e.value) == (
        f"not a weights file saved by weightviz (.npz): its entry {name} is damaged "
        "(CRC check failed: its bytes are not those saved)"
    )


def test_counts_in_messages_have_thousands_separators():
    big = MLP([4096, 1, 1], task="binary", init="zeros")
    architecture = json.loads(str(_saved(big)["architecture"]))
    architecture["layer_sizes"] = [4096, 4096, 1]
    data = _npz({"architecture": np.array(json.dumps(architecture))})
    with pytest.raises(CheckpointError, match="the file's network \\(4,096 → 4,096 → 1\\) has 128 MiB") as e:
        checkpoints.load_model(data)
    assert f"its largest model, 1,000 → {'512 → ' * 8}1,000)" in str(e.value)
    model = MLP([2, 3, 1])
    long = dict(_saved(model), b0=_npy_header((3,)) + np.zeros(3).tobytes() + b"x")
    with pytest.raises(CheckpointError, match="b0 holds 1 byte more than its header describes"):
        checkpoints.checked_state(model, _npz(long))
