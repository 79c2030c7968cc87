"""Save and load a model's weights as ``.npz`` with its architecture, never unpickling anything.

The file is a zip archive of ``.npy`` members: one per named model array (``W0``, ``b0``, …,
``gamma0``, ``running_var0``) and ``architecture``, the model's config as JSON in a 0-d unicode
array. An upload is untrusted, and a few MB of zip can hold gigabytes of zeros, so reading looks
before it decompresses, in this order:

1. the archive: a zip (not empty, not a lone ``.npy``) whose end record, read before ``zipfile`` parses
   anything, lists at most ``MAX_MEMBERS`` entries in a directory of at most ``MAX_DIRECTORY_BYTES``
   (``zipfile`` would build an object for every entry the directory holds, whatever their number), and
   is not Zip64; then at most ``MAX_MEMBERS`` ``.npy`` members, each stored or deflated, unencrypted and
   named once;
2. each member's ``.npy`` header, parsed from its first ``MAX_HEADER_BYTES`` only: weights are real
   floating-point numbers (float16, float32 or float64; objects, complex numbers, text and integers
   are refused), ``architecture`` is text of at most ``MAX_ARCHITECTURE_BYTES``, and the member's
   size in the zip directory is exactly its header plus the bytes its shape and dtype promise
   (so no read ever goes past what the header says);
3. the architecture (format ``FORMAT``), compared with the model's in ``checked_state``;
4. names and shapes, exactly those the model (or the file's architecture) needs, and their total
   against a cap: the model's own size in ``checked_state``, ``MAX_WEIGHTS_BYTES`` in ``read`` and
   ``load_model``, which build from the file's architecture;
5. only then the data (``np.lib.format.read_array`` with ``allow_pickle=False``), which must be finite.

A member whose bytes fail the zip's CRC check is refused as damaged.

A wrong file raises ``CheckpointError`` saying why, and leaves any model exactly as it was.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib
from contextlib import ExitStack
from typing import NamedTuple

import numpy as np

from . import limits
from .datasets import MAX_CSV_FEATURES, counted
from .experiment import MAX_HIDDEN_LAYERS, MAX_UNITS
from .model import MLP

FORMAT = "weightviz-weights/1"
_KINDS = {"regression": "regression", "binary": "binary classification", "multiclass": "multiclass classification"}


class CheckpointError(ValueError):
    """A weights file that cannot be loaded; the message says why."""


def _array_shapes(layer_sizes, batch_norm):
    """{name: shape} of every array of ``MLP(layer_sizes, batch_norm=...)``, named as ``MLP.named_arrays``."""
    sizes = list(layer_sizes)
    shapes = {f"W{l}": (m, n) for l, (m, n) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))}
    shapes |= {f"b{l}": (n,) for l, n in enumerate(sizes[1:])}
    for l, n in enumerate(sizes[1:-1] if batch_norm else []):
        shapes |= {f"{kind}{l}": (n,) for kind in ("gamma", "beta", "running_mean", "running_var")}
    return shapes


def _float64_bytes(shapes):
    return 8 * sum(math.prod(shape) for shape in shapes.values())


# The largest model the app builds: 1000 inputs (a CSV's feature cap), 8 hidden layers of 512 units with
# batch norm, and (our choice) 1000 outputs. Its float64 arrays hold 2 880 488 numbers: 23 043 904 bytes.
MAX_OUTPUTS = limits.OUTPUTS
LARGEST_MODEL = [MAX_CSV_FEATURES, *[MAX_UNITS] * MAX_HIDDEN_LAYERS, MAX_OUTPUTS]
MAX_WEIGHTS_BYTES = _float64_bytes(_array_shapes(LARGEST_MODEL, batch_norm=True))  # 22 MiB
MAX_MEMBERS = len(_array_shapes(LARGEST_MODEL, batch_norm=True)) + 1  # 51 with the architecture
MAX_ARCHITECTURE_BYTES = limits.WEIGHTS_ARCHITECTURE_BYTES  # numpy stores text as 4 bytes a character: 16 384
# What Python's zipfile raises on a damaged or unusual archive (found by tests/test_properties.py: a negative
# seek is a ValueError; an unknown zip version a NotImplementedError and an encrypted member a RuntimeError,
# its base class).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, struct.error, OverflowError)
MAX_HEADER_BYTES = 4 * 2**10  # numpy writes .npy headers of 128 bytes or so
# The zip's central directory: 46 bytes an entry plus its name, extra fields and comment. The largest
# model's 51 entries take 2 886 bytes; 64 KiB leaves over a kilobyte an entry for names and extras.
MAX_DIRECTORY_BYTES = 64 * 2**10

# The zip "end of central directory" record: signature, this disk, the directory's disk, entries on this
# disk, entries in all, the directory's size and offset, the comment's length; a comment of at most
# 65 535 bytes follows it, so it lies in the file's last 65 557 bytes.
_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
# A Zip64 archive (which zipfile writes for more than 65 535 entries) has its own 56-byte end record
# (signature b"PK\x06\x06", total entries at offset 32 as uint64) and a 20-byte locator, just before
# the plain one, whose counts and sizes it replaces.
_ZIP64_LOCATOR, _ZIP64_LOCATOR_SIZE = b"PK\x06\x07", 20
_ZIP64_RECORD, _ZIP64_RECORD_SIZE = b"PK\x06\x06", 56


class _Member(NamedTuple):
    """A .npy member as its header describes it: ``header_size`` bytes of header, then ``nbytes`` of data."""

    zf: zipfile.ZipFile
    info: zipfile.ZipInfo
    shape: tuple
    dtype: np.dtype
    header_size: int

    @property
    def nbytes(self):
        return math.prod(self.shape) * self.dtype.itemsize


def save_bytes(model):
    """The model's arrays and architecture as the bytes of an .npz file."""
    buffer = io.BytesIO()
    meta = json.dumps({"format": FORMAT, **model.config})
    np.savez(buffer, architecture=np.array(meta), **model.named_arrays())
    return buffer.getvalue()


def save(model, path):
    """Write ``save_bytes(model)`` to ``path``."""
    with open(path, "wb") as f:
        f.write(save_bytes(model))


def read(source):
    """(architecture dict, {name: array}) from a path, bytes or file-like, checked against its own architecture.

    Refuses (CheckpointError) an architecture whose arrays exceed ``MAX_WEIGHTS_BYTES``.
    """
    return _read(source, _own_shapes)


def checked_state(model, source):
    """The arrays of ``source`` as a state for ``model`` (see ``MLP.state``), refused unless they fit it.

    The file's architecture must compute what the model computes: the same layer sizes, activations,
    task and batch norm, each difference named in the message. Dropout acts only in training, so a
    file saved with another dropout rate is accepted. Then every name and shape must match, within
    the model's own size.
    """

    def model_shapes(architecture):
        differences = _differences(architecture, model.config)
        if differences:
            raise CheckpointError("the file does not fit this model: " + "; ".join(differences))
        return {name: a.shape for name, a in model.named_arrays().items()}

    _, arrays = _read(source, model_shapes)
    return arrays


def load_into(model, source):
    """Copy the weights in ``source`` into ``model`` after ``checked_state``'s checks; returns the model."""
    model.load_state(checked_state(model, source))
    return model


def load_model(source):
    """A new MLP built from the file's architecture, with the file's weights.

    The architecture may describe at most ``MAX_WEIGHTS_BYTES`` (22 MiB) of float64 arrays, the size of
    ``LARGEST_MODEL``; anything larger is refused before a byte of it is decompressed or allocated.
    """
    architecture, arrays = read(source)
    try:
        model = MLP(
            architecture["layer_sizes"],
            activation=architecture["activation"],
            task=architecture["task"],
            init="zeros",
            dropout=architecture.get("dropout", 0.0),
            batch_norm=architecture.get("batch_norm", False),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"the file's architecture is not usable: {_clip(e, 160)}") from None
    if {k: a.shape for k, a in arrays.items()} != {k: a.shape for k, a in model.named_arrays().items()}:
        raise CheckpointError("the file's arrays do not fit the model its architecture describes")
    model.config.update(
        {k: architecture[k] for k in ("init", "init_options", "seed", "bias_init") if k in architecture}
    )
    model.load_state(arrays)
    return model


# -- reading ----------------------------------------------------------------------------------------
def _read(source, expected_shapes):
    """(architecture, arrays), where ``expected_shapes(architecture)`` gives the {name: shape} required."""
    with ExitStack() as stack:
        members = _members(_open_zip(source, stack))
        if "architecture" not in members:
            raise CheckpointError("the file has no 'architecture' entry: it was not saved by weightviz")
        architecture = _architecture(members.pop("architecture"))
        expected = expected_shapes(architecture)
        missing, extra = sorted(set(expected) - set(members)), sorted(set(members) - set(expected))
        if missing or extra:
            said = [
                missing and f"missing {_clip(', '.join(missing))}",
                extra and f"unexpected {_clip(', '.join(extra))}",
            ]
            raise CheckpointError("the file's arrays do not match its architecture: " + "; ".join(filter(None, said)))
        for name, shape in expected.items():
            if members[name].shape != tuple(shape):
                raise CheckpointError(f"{name} has shape {members[name].shape}, its architecture needs {shape}")
        if sum(m.nbytes for m in members.values()) > _float64_bytes(expected):  # never, as shapes match
            raise CheckpointError("the file's arrays are larger than its architecture allows")
        arrays = {name: _data(members[name]) for name in expected}
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise CheckpointError(f"{name} holds values that are not finite numbers")
    return architecture, arrays


def _unreadable(reason):
    return CheckpointError(f"not a weights file saved by weightviz (.npz): {reason}")


def _open_zip(source, stack):
    """A ZipFile over a path, bytes or seekable file-like; recognisably wrong files get their own reason."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        f = io.BytesIO(bytes(source))
    elif hasattr(source, "read"):
        f = source if getattr(source, "seekable", lambda: False)() else io.BytesIO(source.read())
    else:
        try:
            f = stack.enter_context(open(source, "rb"))
        except OSError as e:
            raise _unreadable(f"it cannot be opened ({e.strerror})") from None
    start = f.tell()
    magic = f.read(6)
    f.seek(start)
    if not magic:
        raise _unreadable("the file is empty")
    if magic == b"\x93NUMPY":
        raise _unreadable("it holds a single array (.npy), not named weights (.npz)")
    _check_end_record(f)
    try:
        return stack.enter_context(zipfile.ZipFile(f))
    except ZIP_ERRORS:
        raise _not_a_zip() from None


def _not_a_zip():
    return _unreadable("it is not a zip archive, as every .npz file is")


def _check_end_record(f):
    """Refuse a zip whose end record lists more than MAX_MEMBERS entries, a directory larger than
    MAX_DIRECTORY_BYTES, or Zip64 structures, reading only the file's last 65 634 bytes.

    ``zipfile.ZipFile`` reads the whole central directory and builds a ZipInfo for every entry in it
    (a 45 MB file of 900 000 empty entries cost 450 MB) before ``_members`` could count them. The
    record is found as ``zipfile`` finds it, at absolute positions: the last 22 bytes when they are a
    record without a comment, else the last signature in the last 65 558 bytes; a Zip64 locator would
    be the 20 bytes before it, and the Zip64 record (read to say how many entries it lists) the 56 before.
    """
    start = f.tell()
    try:
        size = f.seek(0, io.SEEK_END)
        window = min(size, _END_RECORD.size + 2**16)  # where zipfile looks for the record
        tail_start = max(size - window - _ZIP64_LOCATOR_SIZE - _ZIP64_RECORD_SIZE, 0)
        f.seek(tail_start)
        tail = f.read(size - tail_start)
    except (OSError, ValueError):
        raise _not_a_zip() from None
    finally:
        f.seek(start)
    last = tail[-_END_RECORD.size :]
    if len(last) == _END_RECORD.size and last.startswith(_END_SIGNATURE) and last.endswith(b"\0\0"):
        at = len(tail) - _END_RECORD.size
    else:
        at = tail.rfind(_END_SIGNATURE, len(tail) - window)
    if at < 0 or len(tail) - at < _END_RECORD.size:
        raise _not_a_zip()
    _, _, _, _, entries, directory_bytes, offset, _ = _END_RECORD.unpack_from(tail, at)
    locator = tail[at - _ZIP64_LOCATOR_SIZE : at - 16] if at >= _ZIP64_LOCATOR_SIZE else b""
    zip64 = locator == _ZIP64_LOCATOR or entries == 0xFFFF or 0xFFFFFFFF in (directory_bytes, offset)
    if zip64:  # the count is in the Zip64 record, when there is one where the locator points
        record_at = at - _ZIP64_LOCATOR_SIZE - _ZIP64_RECORD_SIZE
        found = locator == _ZIP64_LOCATOR and record_at >= 0 and tail.startswith(_ZIP64_RECORD, record_at)
        entries = struct.unpack_from("<Q", tail, record_at + 32)[0] if found else None
    if entries is not None and entries > MAX_MEMBERS:
        raise _unreadable(f"it has {entries:,} entries; a weightviz model has at most {MAX_MEMBERS:,}")
    if zip64:
        raise _unreadable("it is a Zip64 archive, which weightviz never writes")
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise _unreadable(
            f"its zip directory is {directory_bytes:,} bytes; the {MAX_MEMBERS:,} entries of a weightviz "
            f"model need at most {MAX_DIRECTORY_BYTES:,}"
        )


def _members(zf):
    """{name: _Member} from the zip directory and each member's .npy header, reading no array data."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _unreadable(f"it has {len(infos):,} entries; a weightviz model has at most {MAX_MEMBERS:,}")
    members = {}
    for info in infos:
        name = info.filename.removesuffix(".npy")
        shown = _clip(name)
        if name == info.filename or info.is_dir():
            raise _unreadable(f"its entry {_clip(info.filename)} is not a NumPy array (.npy)")
        if name in members:
            raise _unreadable(f"it holds {shown} twice")
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable(f"{shown} is encrypted or compressed in a way numpy does not write")
        members[name] = member = _header(zf, info, shown)
        problem = _dtype_problem(name, member)
        if problem:
            raise CheckpointError(problem)
        promised = member.header_size + member.nbytes
        if info.file_size < promised:
            raise CheckpointError(
                f"{shown} is cut short: its header promises {member.nbytes:,} bytes of data, "
                f"the file holds {info.file_size - member.header_size:,}"
            )
        if info.file_size > promised:
            more = counted(info.file_size - promised, "byte")
            raise CheckpointError(f"{shown} holds {more} more than its header describes")
    return members


def _header(zf, info, shown):
    """The member's .npy header, parsed from at most MAX_HEADER_BYTES of it (numpy's own reader would
    read a header of any declared length, and its messages talk about unpickling)."""
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    try:
        with zf.open(info) as fp:  # a member shorter than MAX_HEADER_BYTES is read whole: its CRC is checked
            head = io.BytesIO(fp.read(MAX_HEADER_BYTES))
    except ZIP_ERRORS as e:
        raise _damaged(shown, e) from None
    try:
        shape, _, dtype = readers[np.lib.format.read_magic(head)](head)  # fortran order: read_array handles it
    except (EOFError, ValueError, TypeError, KeyError, SyntaxError):
        raise _unreadable(f"its entry {shown} is not a NumPy array with a readable header") from None
    if any(n < 0 for n in shape):
        raise _unreadable(f"its entry {shown} declares a negative size")
    return _Member(zf, info, tuple(shape), dtype, head.tell())


def _dtype_problem(name, member):
    """Why the member's dtype cannot be loaded (None when it can)."""
    dtype = member.dtype
    if name == "architecture":
        if dtype.kind != "U" or member.shape != ():
            return "the file's architecture entry is not a piece of text"
        if dtype.itemsize > MAX_ARCHITECTURE_BYTES:
            return f"the file's architecture entry is {dtype.itemsize:,} bytes; at most {MAX_ARCHITECTURE_BYTES:,}"
        return None
    name = _clip(name)
    if dtype.hasobject:
        return f"{name} holds Python objects, not numbers; objects cannot be read safely, so they are never loaded"
    if dtype.kind == "c":
        return f"{name} holds complex numbers; weights are real, and dropping the imaginary part would change them"
    if dtype.kind in "USV":
        return f"{name} holds text or records, not numbers"
    if dtype.kind != "f" or dtype.itemsize > 8:
        return f"{name} holds {dtype.name} values; weights are float16, float32 or float64 numbers"
    return None


def _architecture(member):
    """The architecture dict in the (already size-checked) 'architecture' member."""
    try:
        architecture = json.loads(str(_data(member)[()]))
    except (json.JSONDecodeError, RecursionError):
        raise CheckpointError("the file's architecture entry is not valid JSON") from None
    if not isinstance(architecture, dict) or architecture.get("format") != FORMAT:
        found = architecture.get("format") if isinstance(architecture, dict) else None
        raise CheckpointError(f"unknown weights format {_clip(repr(found))}; weightviz writes {FORMAT!r}")
    return architecture


def _data(member):
    """The member's array; its size was checked against the header and the caps before this."""
    try:
        with member.zf.open(member.info) as fp:
            return np.lib.format.read_array(fp, allow_pickle=False)
    except ZIP_ERRORS as e:
        raise _damaged(_clip(member.info.filename.removesuffix(".npy")), e) from None


def _damaged(shown, error):
    """The message for a member whose bytes cannot be read back as they were written."""
    if isinstance(error, zipfile.BadZipFile) and "CRC" in str(error):
        return _unreadable(f"its entry {shown} is damaged (CRC check failed: its bytes are not those saved)")
    return _unreadable(f"its entry {shown} is damaged (its data cannot be read back)")


def _own_shapes(architecture):
    """{name: shape} the file's architecture needs, refused above ``MAX_WEIGHTS_BYTES``."""
    sizes = architecture.get("layer_sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(_is_count(s) for s in sizes)):
        raise CheckpointError(f"the file's layer sizes are not usable: {_clip(repr(sizes))}")
    shapes = _array_shapes(sizes, architecture.get("batch_norm", False) is True)
    if _float64_bytes(shapes) > MAX_WEIGHTS_BYTES:
        raise CheckpointError(
            f"the file's network ({_layers(sizes)}) has {_float64_bytes(shapes) / 2**20:,.0f} MiB of weights; "
            f"weightviz loads at most {MAX_WEIGHTS_BYTES / 2**20:.0f} MiB (its largest model, {_layers(LARGEST_MODEL)})"
        )
    return shapes


def _differences(architecture, config):
    """What the file's network computes differently from a model with ``config``, in plain words."""
    said = []
    file_sizes, sizes = architecture.get("layer_sizes"), config["layer_sizes"]
    if file_sizes != sizes:
        said.append(f"the file's network has layers {_layers(file_sizes)}, this model has {_layers(sizes)}")
    file_acts, acts = architecture.get("activation"), config["activation"]
    theirs, ours = _activations(file_acts), _activations(acts)
    if file_acts != acts and file_sizes == sizes and theirs == ours:  # a list too short or too long
        theirs, ours = _clip(repr(file_acts)), _clip(repr(acts))
    if theirs != ours and (file_sizes == sizes or (file_acts and acts)):  # else the layer sizes said it
        said.append(f"the file's network uses {theirs}, this model uses {ours}")
    file_task, task = architecture.get("task"), config["task"]
    if file_task != task:
        theirs = _KINDS.get(file_task, "an unknown task") if isinstance(file_task, str) else "an unknown task"
        said.append(f"the file's model does {theirs}, this one does {_KINDS[task]}")
    file_bn = architecture.get("batch_norm", False) is True and isinstance(file_sizes, list) and len(file_sizes) > 2
    bn = config["batch_norm"] and len(sizes) > 2  # without hidden layers batch norm has nothing to act on
    if file_bn != bn:
        said.append(
            "the file's network uses batch norm, this model does not"
            if file_bn
            else "the file's network has no batch norm, this model uses it"
        )
    return said


def _layers(sizes):
    """[2, 8, 1] -> "2 → 8 → 1"."""
    if isinstance(sizes, list) and all(_is_count(s) for s in sizes):
        return _clip(" → ".join(f"{n:,}" for n in sizes), 80)  # LARGEST_MODEL takes 61 characters
    return _clip(repr(sizes))


def _activations(acts):
    """ "relu" when every hidden layer uses it, else "relu, tanh" layer by layer."""
    if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
        return _clip(repr(acts))
    return _clip(", ".join(sorted(set(acts)) if len(set(acts)) == 1 else acts) or "no activation")


def _is_count(n):
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def _clip(text, limit=60):
    """Text from the file, cut short enough for a message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
