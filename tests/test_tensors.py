"""Reading weights trained elsewhere (``weightviz.tensors``): safetensors written by the package itself, bfloat16
by hand, weightviz's .npz, and every refusal with its reason."""

import json
import struct

import numpy as np
import pytest
from safetensors.numpy import save

from weightviz import MLP, checkpoints, tensors

RNG = np.random.default_rng(0)
LINEAR = RNG.normal(size=(32, 64)).astype(np.float32)  # torch.nn.Linear(64, 32).weight: (out, in)
KERNEL = RNG.normal(size=(64, 16))  # a Keras Dense kernel: (in, out), float64
CONV = RNG.normal(size=(8, 3, 3, 3)).astype(np.float16)  # torch Conv2d(3, 8, 3).weight: (out, in, kh, kw)
KERAS_CONV = RNG.normal(size=(3, 3, 3, 8)).astype(np.float32)  # Keras Conv2D kernel: (kh, kw, in, out)


def by_name(read):
    return {t.name: t for t in read}


def safetensors_file(header, body):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def test_a_safetensors_file_lays_every_weight_out_as_fan_in_by_fan_out():
    data = save({"fc.weight": LINEAR, "dense/kernel": KERNEL, "conv.weight": CONV, "keras/conv/kernel": KERAS_CONV,
                 "fc.bias": np.zeros(32, np.float32), "step": np.arange(3)})  # fmt: skip
    t = by_name(tensors.read("model.safetensors", data))
    assert np.array_equal(t["fc.weight"].matrix(), LINEAR.T.astype(float)) and "shown transposed" in t["fc.weight"].note
    assert np.array_equal(t["dense/kernel"].matrix(), KERNEL) and "(in, out)" in t["dense/kernel"].note
    assert np.array_equal(t["conv.weight"].matrix(), CONV.reshape(8, 27).T.astype(float))
    assert np.array_equal(t["keras/conv/kernel"].matrix(), KERAS_CONV.reshape(27, 8).astype(float))
    assert t["fc.weight"].dtype == "F32" and t["conv.weight"].dtype == "F16" and t["dense/kernel"].dtype == "F64"
    assert not t["fc.bias"].has_matrix and t["fc.bias"].matrix() is None
    assert not t["step"].has_matrix and "not floating point" in t["step"].note
    assert t["fc.weight"].shape == (32, 64) and t["fc.weight"].size == 2048


def test_bfloat16_is_widened_exactly():
    values = np.array([[1.0, -2.5, 3.140625], [0.0, 1e-3, -65280.0]], dtype=np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2")  # bfloat16: the top half of a float32
    data = safetensors_file({"w": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, bits.nbytes]}}, bits.tobytes())
    (w,) = tensors.read("b.safetensors", data)
    expected = (bits.astype(np.uint32) << 16).view(np.float32)
    assert np.array_equal(w.stored, expected) and w.stored[0, 0] == 1.0 and w.stored[0, 2] == 3.140625
    np.testing.assert_allclose(w.stored, values, rtol=2**-8)


def test_weightviz_npz_files_are_read_with_their_own_checks():
    model = MLP([64, 32, 10], seed=3)
    t = by_name(tensors.read("w.npz", checkpoints.save_bytes(model)))
    assert np.array_equal(t["W0"].matrix(), model.weights[0]) and "(in, out)" in t["W0"].note
    assert not t["b0"].has_matrix
    with pytest.raises(tensors.TensorFileError, match="not a zip archive"):
        tensors.read("w.npz", b"PK not really")


GOOD = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("model.pt", b"\x80\x02}q\x00.", "can run code when it is loaded"),
        ("model.bin", b"", "safetensors.torch import save_file"),
        ("model.weights.h5", b"\x89HDF", "Keras .h5 files are not read here"),
        ("model.onnx", b"", "not one of .safetensors, .npz"),
        ("m.safetensors", b"\x01\x02", "shorter than its 8-byte header length"),
        ("m.safetensors", struct.pack("<Q", 2**62) + b"{}", "its header claims"),
        ("m.safetensors", struct.pack("<Q", 3) + b"{{{", "header is not JSON"),
        ("m.safetensors", safetensors_file([1, 2], b""), "not a table of tensors"),
        ("m.safetensors", safetensors_file({"w": {"dtype": "F32"}}, b""), "not dtype, shape and data offsets"),
        ("m.safetensors", safetensors_file({"w": {**GOOD["w"], "dtype": "Q7"}}, bytes(16)), "unknown dtype"),
        ("m.safetensors", safetensors_file({"w": {**GOOD["w"], "shape": [-2, -2]}}, bytes(16)), "negative size"),
        ("m.safetensors", safetensors_file(GOOD, bytes(12)), "are not the 16 its shape"),
        ("m.safetensors", safetensors_file({"w": {**GOOD["w"], "data_offsets": [0, 12]}}, bytes(16)), "are not the 16"),
        ("m.safetensors", safetensors_file({**GOOD, "v": GOOD["w"]}, bytes(16)), "overlap"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(name, data, said):
    with pytest.raises(tensors.TensorFileError, match=said.replace("(", r"\(").replace(".", r"\.")):
        tensors.read(name, data)


def test_files_over_the_limits_are_refused_before_any_tensor_is_read(monkeypatch):
    data = save({f"t{i}": np.ones((3, 3), np.float32) for i in range(5)})
    monkeypatch.setattr(tensors, "MAX_TENSORS", 4)
    with pytest.raises(tensors.TensorFileError, match="5 tensors; at most 4"):
        tensors.read("m.safetensors", data)
    monkeypatch.setattr(tensors, "MAX_TENSORS", 10)
    monkeypatch.setattr(tensors, "MAX_PARAMETERS", 40)
    with pytest.raises(tensors.TensorFileError, match="more than 40 numbers"):
        tensors.read("m.safetensors", data)
    monkeypatch.setattr(tensors, "MAX_FILE_BYTES", 100)
    with pytest.raises(tensors.TensorFileError, match="at most"):
        tensors.read("m.safetensors", data)


@pytest.mark.parametrize(
    "entry",
    [
        {"dtype": ["F32"], "shape": [2, 2], "data_offsets": [0, 16]},
        {"dtype": {}, "shape": [2, 2], "data_offsets": [0, 16]},
        {"dtype": "F32", "shape": [2.0, 2], "data_offsets": [0, 16]},
        {"dtype": "F32", "shape": ["2", "2"], "data_offsets": [0, 16]},
        {"dtype": "F32", "shape": [True, 4], "data_offsets": [0, 16]},
        {"dtype": "F32", "shape": [2, 2], "data_offsets": [0.0, 16]},
        {"dtype": "BF16", "shape": [0, 2**70], "data_offsets": [0, 0]},
        {"dtype": "BF16", "shape": [True, 4], "data_offsets": [0, 8]},  # (BF16 is read here, not by the package)
        {"dtype": "BF16", "shape": [1] * 70, "data_offsets": [0, 2]},
    ],
)  # fmt: skip
def test_hostile_header_entries_are_refused_not_crashed_on(entry):
    """Review: these raised TypeError, OverflowError or NumPy's ValueError instead of a message."""
    with pytest.raises(tensors.TensorFileError):
        tensors.read("h.safetensors", safetensors_file({"w": entry}, bytes(16)))


def test_a_header_number_too_long_for_python_is_not_json_here():
    text = b'{"w": {"dtype": "F32", "shape": [' + b"9" * 5000 + b'], "data_offsets": [0, 16]}}'
    with pytest.raises(tensors.TensorFileError, match="not JSON"):
        tensors.read("h.safetensors", struct.pack("<Q", len(text)) + text + bytes(16))


def test_keras_and_flax_kernels_keep_their_layout_and_the_shown_shape_is_the_matrix():
    data = save({"dense/kernel": np.ones((3, 5), np.float32), "lstm/recurrent_kernel": np.ones((4, 16), np.float32),
                 "layer.kernel:0": np.ones((2, 7), np.float32), "fc.weight": np.ones((6, 9), np.float32),
                 "dw/depthwise_kernel": np.ones((3, 3, 4, 1), np.float32)})  # fmt: skip
    for t in tensors.read("k.safetensors", data):
        assert t.matrix_shape == t.matrix().shape, t.name
    shapes = {t.name: t.matrix_shape for t in tensors.read("k.safetensors", data)}
    assert shapes == {"dense/kernel": (3, 5), "lstm/recurrent_kernel": (4, 16), "layer.kernel:0": (2, 7),
                      "fc.weight": (9, 6), "dw/depthwise_kernel": (36, 1)}  # fmt: skip


def test_the_package_opens_the_file_once_for_all_its_tensors(monkeypatch):
    """Review: one safe_open per tensor made 5 000 tensors take 22 s."""
    import safetensors

    opened, real = [], safetensors.safe_open

    def counting(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(safetensors, "safe_open", counting)
    read = tensors.read("m.safetensors", save({f"t{i}": np.ones((2, 2), np.float32) for i in range(50)}))
    assert len(read) == 50 and len(opened) == 1


def test_a_tensor_with_non_finite_values_is_listed_without_a_matrix_and_the_others_are_read():
    """Hostile review: one −∞ in a mask buffer refused the whole file; real checkpoints hold such buffers."""
    data = save({"mask": np.array([[0, -np.inf], [0, 0]], np.float32), "fc.weight": np.ones((3, 4), np.float32)})
    t = by_name(tensors.read("m.safetensors", data))
    assert not t["mask"].has_matrix and "not finite" in t["mask"].note
    assert t["fc.weight"].matrix_shape == (4, 3)


def test_an_embedding_table_is_shown_as_stored_one_row_per_token():
    """Hostile review: a (1000, 32) embed.weight was transposed as if it were an (out, in) layer."""
    t = by_name(tensors.read("e.safetensors", save({"model.embed_tokens.weight": np.ones((100, 8), np.float32)})))
    table = t["model.embed_tokens.weight"]
    assert table.matrix_shape == table.matrix().shape == (100, 8) and "embedding table" in table.note
