"""Save and load a model's weights as ``.npz`` with its architecture, never unpickling anything.

The file holds one array per named model array (``W0``, ``b0``, …, ``gamma0``, ``running_var0``)
and ``architecture``: the model's config as a JSON string (a plain unicode array). Loading uses
``np.load(..., allow_pickle=False)`` and checks every name and shape before touching the model,
so a wrong file leaves the model exactly as it was.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from .model import MLP

FORMAT = "weightviz-weights/1"


class CheckpointError(ValueError):
    """A weights file that cannot be loaded; the message says why."""


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
    """(architecture dict, {name: array}) from a path, bytes or file-like; CheckpointError if unreadable."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    try:
        loaded = np.load(source, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a plain .npy holds one array, no names
            raise ValueError("it holds a single array (.npy), not named weights (.npz)")
        with loaded as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise CheckpointError(f"not a weights file (.npz) that can be read safely: {e}") from None
    if "architecture" not in arrays:
        raise CheckpointError("the file has no 'architecture' entry: it was not saved by weightviz")
    try:
        architecture = json.loads(str(arrays.pop("architecture")))
    except json.JSONDecodeError:
        raise CheckpointError("the file's architecture entry is not valid JSON") from None
    if not isinstance(architecture, dict) or architecture.get("format") != FORMAT:
        raise CheckpointError(
            f"unknown weights format {architecture.get('format') if isinstance(architecture, dict) else None!r}"
        )
    return architecture, arrays


def checked_state(model, source):
    """The arrays of ``source`` as a state for ``model`` (see ``MLP.state``), every name and shape checked."""
    _, arrays = read(source)
    expected = model.named_arrays()
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"the file does not fit this model ({model.layer_sizes}): "
            + "; ".join(
                filter(None, [missing and f"missing {', '.join(missing)}", extra and f"unexpected {', '.join(extra)}"])
            )
        )
    for name, target in expected.items():
        a = arrays[name]
        if a.shape != target.shape:
            raise CheckpointError(f"{name} has shape {a.shape} in the file but {target.shape} in the model")
        if not np.issubdtype(a.dtype, np.number) or not np.isfinite(a).all():
            raise CheckpointError(f"{name} holds values that are not finite numbers")
    return {name: arrays[name] for name in expected}


def load_into(model, source):
    """Copy the weights in ``source`` into ``model`` after checking every name and shape; returns the model."""
    model.load_state(checked_state(model, source))
    return model


def load_model(source):
    """A new MLP built from the file's architecture, with the file's weights."""
    if hasattr(source, "read"):
        source = source.read()  # read twice below
    architecture, arrays = read(source)
    sizes = architecture.get("layer_sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(isinstance(s, int) and s >= 1 for s in sizes)):
        raise CheckpointError(f"the file's layer sizes are not usable: {sizes!r}")
    for l, shape in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):  # before allocating anything
        if arrays.get(f"W{l}", np.empty(0)).shape != shape:
            raise CheckpointError(f"W{l} in the file does not have the shape {shape} its architecture says")
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
        raise CheckpointError(f"the file's architecture is not usable: {e}") from None
    model.config.update(
        {k: architecture[k] for k in ("init", "init_options", "seed", "bias_init") if k in architecture}
    )
    return load_into(model, source)
