"""Weights trained elsewhere: the tensors of a weights file, read without running anything in it, and laid out
as the matrices the rest of weightviz draws, (fan_in, fan_out).

Formats (``FORMATS``):

- ``.safetensors`` (PyTorch, Hugging Face, JAX, Keras 3 can all write it): its header (8 bytes of length, then
  JSON) is parsed and checked first — dtypes, shapes, that each tensor's byte range is exactly its shape's
  size, inside the file and not overlapping another, the count and the total against ``limits`` — before a
  single tensor is read. Only then are the tensors read, one by one, with the ``safetensors`` package's NumPy
  API (``safe_open(..., framework="numpy")``, from a temporary copy removed at once); bfloat16, which NumPy
  lacks, is widened to float32 here by shifting its 16 bits into the top of a float32 (exact).
- ``.npz`` written by weightviz (the Train page's download): read by ``checkpoints.read``, with its checks.

Refused with a reason and a one-line recipe: pickled files (``.pt``, ``.pth``, ``.bin``, ``.ckpt``, ``.pkl``:
loading a pickle can run code) and Keras ``.h5``/``.keras`` (h5py would add a C library to parse untrusted
files for one format; Keras 3 writes safetensors too).

Layout: a PyTorch ``Linear.weight`` is stored (out, in): it is transposed to (in, out), and the tensor says so
(``note``). A name ending in ``kernel`` (Keras, Flax) is already (in, out), and an embedding table (a name with
``embed``, ``wte`` or ``wpe``) is shown as stored, one row per token. A tensor with a non-finite value (a mask
buffer) is listed without a matrix. A convolution kernel is flattened
to (in·k·k, out): PyTorch's (out, in, kh, kw) and Keras's (kh, kw, in, out) alike. 1-D tensors (biases, norms)
have no matrix.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import tempfile
from dataclasses import dataclass

import numpy as np

from . import checkpoints, limits

__all__ = ["Tensor", "TensorFileError", "read", "FORMATS", "MAX_FILE_BYTES", "MAX_PARAMETERS", "MAX_TENSORS"]

FORMATS = (".safetensors", ".npz")
MAX_FILE_BYTES = limits.CSV_BYTES  # Streamlit's upload limit (server.maxUploadSize)
MAX_PARAMETERS = limits.INSPECT_PARAMETERS
MAX_TENSORS = limits.INSPECT_TENSORS
MAX_HEADER_BYTES = 2 * 2**20  # a safetensors header (JSON): MAX_TENSORS entries take well under 1 MiB
MAX_DIMENSIONS = 8  # of one tensor (a 3-D convolution kernel has 5)
DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": None}  # None: widened here
OTHER_DTYPES = {"I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3", "F8_E5M2"}
ITEM_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4,
              "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}  # fmt: skip
PICKLED = (".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle", ".joblib")
TO_SAFETENSORS = (
    'python -c "import torch; from safetensors.torch import save_file; '
    "save_file(torch.load('model.pt', weights_only=True), 'model.safetensors')\""
)


class TensorFileError(ValueError):
    """A file whose tensors cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Tensor:
    """One tensor of a file: its name, shape and dtype as stored, the array as stored (None for a dtype that
    is not floating point), and ``note``: how its matrix is laid out, or why it has none."""

    name: str
    shape: tuple
    dtype: str
    note: str
    stored: np.ndarray | None
    pytorch: bool = True  # a 2-D weight is stored (out, in), unless its name says kernel

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def has_matrix(self):
        return self.stored is not None and len(self.shape) >= 2 and self.size > 0

    @property
    def matrix_shape(self):
        """The shape ``matrix()`` returns, without reading anything: (fan_in, fan_out), or None."""
        if not self.has_matrix:
            return None
        if not self.pytorch or _is_kernel(self.name) or (len(self.shape) == 2 and _is_embedding(self.name)):
            return (self.size // self.shape[-1], self.shape[-1])
        return (self.size // self.shape[0], self.shape[0])

    def matrix(self):
        """(fan_in, fan_out) float64 (a new array each call), or None for a tensor without one."""
        if not self.has_matrix:
            return None
        return _as_matrix(self.name, np.asarray(self.stored, dtype=np.float64), self.pytorch)


def read(name, data):
    """The tensors of the file ``name`` (its extension says the format) holding ``data`` (bytes), in file order.
    TensorFileError with the reason for a file that cannot be read, and a recipe for the formats refused."""
    lower = name.lower()
    if lower.endswith(PICKLED):
        raise TensorFileError(
            "a PyTorch or pickle file can run code when it is loaded, so it is never opened here; convert it to "
            f"safetensors first: {TO_SAFETENSORS}"
        )
    if lower.endswith((".h5", ".keras", ".hdf5")):
        raise TensorFileError(
            'Keras .h5 files are not read here; save the weights as safetensors: python -c "from safetensors.numpy '
            "import save_file; save_file({w.path: w.numpy() for w in model.weights}, 'model.safetensors')\""
        )
    if len(data) > MAX_FILE_BYTES:
        raise TensorFileError(f"the file is {len(data) / 2**20:,.1f} MiB; at most {MAX_FILE_BYTES / 2**20:.0f} MiB")
    if lower.endswith(".npz"):
        return _read_npz(data)
    if lower.endswith(".safetensors"):
        return _read_safetensors(data)
    raise TensorFileError(f"its extension is not one of {', '.join(FORMATS)}")


# -- weightviz's own .npz --------------------------------------------------------------------------------------
def _read_npz(data):
    try:
        architecture, arrays = checkpoints.read(data)
    except checkpoints.CheckpointError as e:
        raise TensorFileError(str(e)) from None
    sizes = architecture["layer_sizes"]
    out = []
    for name, a in arrays.items():
        if name.startswith("W"):
            layer = int(name[1:])
            note = f"layer {layer + 1} of a weightviz network ({sizes[layer]} → {sizes[layer + 1]}), stored (in, out)"
        else:
            note = "a vector (biases or batch-norm parameters): no matrix"
        out.append(Tensor(name, tuple(a.shape), str(a.dtype), note, a, pytorch=False))
    return out


# -- safetensors ------------------------------------------------------------------------------------------------
def _read_safetensors(data):
    entries, start = _header(data)  # everything checked before a tensor is read
    from safetensors import safe_open  # imported on first use

    handle, path = tempfile.mkstemp(suffix=".safetensors")  # safe_open reads from a path
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        with safe_open(path, framework="numpy") as opened:  # once for all tensors
            return [_safetensor(data, start, opened, name, entry) for name, entry in entries]
    except TensorFileError:
        raise
    except Exception as e:  # the package's SafetensorError and OSError alike: the file is not what it says
        raise TensorFileError(f"the safetensors package cannot read it: {_clip(str(e), 120)}") from None
    finally:
        os.unlink(path)


def _safetensor(data, start, opened, name, entry):
    shape, dtype = tuple(entry["shape"]), entry["dtype"]
    if dtype not in DTYPES:
        return Tensor(name, shape, dtype, f"{dtype} values, not floating point: no matrix", None)
    if dtype == "BF16":  # NumPy has no bfloat16: its 16 bits are the top half of a float32
        begin, _ = entry["data_offsets"]
        raw = np.frombuffer(data, dtype="<u2", count=math.prod(shape), offset=start + begin)
        stored = (raw.astype(np.uint32) << 16).view(np.float32).reshape(shape)
    else:
        stored = opened.get_tensor(name)
    if not np.isfinite(stored).all():  # (a mask buffer of −∞, say): listed, with no matrix to draw
        return Tensor(name, shape, dtype, "holds values that are not finite (a mask?): no matrix", None)
    return Tensor(name, shape, dtype, _layout_note(name, shape), stored)


def _header(data):
    """[(name, {dtype, shape, data_offsets})] in file order and where the data starts, all checked."""
    if len(data) < 8:
        raise TensorFileError("not a safetensors file: it is shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(MAX_HEADER_BYTES, len(data) - 8):
        raise TensorFileError(f"not a safetensors file: its header claims {n:,} bytes")
    try:
        header = json.loads(bytes(data[8 : 8 + n]))
    except (ValueError, OverflowError, RecursionError):  # (a JSONDecodeError, bad UTF-8, a 5 000-digit number)
        raise TensorFileError("not a safetensors file: its header is not JSON") from None
    if not isinstance(header, dict):
        raise TensorFileError("not a safetensors file: its header is not a table of tensors")
    header.pop("__metadata__", None)
    if len(header) > MAX_TENSORS:
        raise TensorFileError(f"it holds {len(header):,} tensors; at most {MAX_TENSORS:,} are inspected")
    start, body = 8 + n, len(data) - 8 - n
    entries, total, ranges = [], 0, []
    for name, entry in header.items():
        shown = _clip(name)
        try:
            dtype, shape, (begin, end) = entry["dtype"], list(entry["shape"]), entry["data_offsets"]
            if not (isinstance(dtype, str) and all(_whole(v) for v in (begin, end, *shape))):
                raise TypeError
        except (TypeError, KeyError, ValueError):
            raise TensorFileError(f"{shown}: its entry in the header is not dtype, shape and data offsets") from None
        if len(shape) > MAX_DIMENSIONS:
            raise TensorFileError(f"{shown}: {len(shape)} dimensions; at most {MAX_DIMENSIONS}")
        if dtype not in ITEM_BYTES:
            raise TensorFileError(f"{shown}: unknown dtype {_clip(str(dtype))}")
        if any(s < 0 for s in shape):
            raise TensorFileError(f"{shown}: a negative size in its shape {shape}")
        size = math.prod(shape)
        if not 0 <= begin <= end <= body or end - begin != size * ITEM_BYTES[dtype]:
            raise TensorFileError(
                f"{shown}: its bytes {begin:,}–{end:,} are not the {size * ITEM_BYTES[dtype]:,} its shape "
                f"{tuple(shape)} of {dtype} needs, inside the file's {body:,}"
            )
        total += size
        if total > MAX_PARAMETERS:
            raise TensorFileError(f"it holds more than {MAX_PARAMETERS:,} numbers; at most that many are inspected")
        ranges.append((begin, end, shown))
        entries.append((str(name), {"dtype": dtype, "shape": shape, "data_offsets": (begin, end)}))
    ranges.sort()
    for (_, end, a), (begin, _, b) in zip(ranges, ranges[1:], strict=False):
        if begin < end:
            raise TensorFileError(f"{a} and {b} overlap in the file")
    entries.sort(key=lambda e: e[1]["data_offsets"][0])
    return entries, start


def _is_embedding(name):
    """PyTorch's ``nn.Embedding.weight`` (tokens, dims) is a table, not an (out, in) layer: ``embed``, ``wte``."""
    return bool(re.search(r"(embed|wte|wpe|token_emb)", name.lower()))


def _whole(v):
    """A whole number as JSON gives it: an int, never a bool or a float."""
    return type(v) is int


def _layout_note(name, shape):
    if len(shape) < 2:
        return "a vector (biases or norms): no matrix"
    if len(shape) == 2:
        if _is_embedding(name):
            return f"an embedding table {shape}, one row per token, shown as stored (He and Glorot do not apply)"
        if _is_kernel(name):
            return "stored (in, out) as Keras and Flax do"
        return f"stored (out, in) = {shape} as PyTorch does: shown transposed, ({shape[1]}, {shape[0]})"
    if _is_kernel(name):
        *window, fan_in, fan_out = shape
        return f"a convolution kernel {shape} (…, in, out): shown as ({math.prod(window) * fan_in}, {fan_out})"
    fan_out, *rest = shape
    return f"a convolution kernel {shape} (out, in, …) as PyTorch stores it: shown as ({math.prod(rest)}, {fan_out})"


def _as_matrix(name, stored, pytorch):
    """(fan_in, fan_out): see the module's layout rules."""
    if not pytorch or _is_kernel(name) or (stored.ndim == 2 and _is_embedding(name)):
        return stored.reshape(-1, stored.shape[-1])
    return stored.reshape(stored.shape[0], -1).T


def _is_kernel(name):
    """Keras and Flax name an (…, in, out) weight a kernel: ``dense/kernel``, ``kernel:0``, ``lstm/recurrent_kernel``,
    ``depthwise_kernel``."""
    last = re.split(r"[/.]", name)[-1]
    return re.sub(r"(:\d+|_\d+)$", "", last).endswith("kernel")


def _clip(text, limit=60):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
