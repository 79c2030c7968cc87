"""The Inspect page through AppTest: the sample, a safetensors upload laid out as (fan_in, fan_out), refusals
that keep what was shown, a large matrix's spectrum of its first rows, and the Train page's Spectrum tab."""

import numpy as np
from safetensors.numpy import save

from tests.test_pages import INSPECT, figures, open_link, open_train, shown, title
from ui import state
from weightviz import limits


def metrics(at):
    return {m.label: m.value for m in at.metric}


def upload(at, name, content):
    at.file_uploader(key="x_file").set_value((name, content, "application/octet-stream")).run()
    assert not at.exception, at.exception


def test_the_sample_shows_each_weight_matrix_against_chance():
    at = open_link(INSPECT, {})
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["tensor"]) == ["W0", "W1", "W2", "b0", "b1", "b2"]
    assert metrics(at)["fan_in × fan_out"] == "64×64" and int(metrics(at)["Outliers"]) >= 3
    titles = [title(f) for f in figures(at)]
    assert titles == ["W0", "W0: its values", "W0: singular values"]
    scree = next(f for f in figures(at) if title(f) == "W0: singular values")
    assert [t["name"] for t in scree["data"]] == ["σ_max of shuffled copies", "a random He-normal matrix", "now",
                                                  "above the band"]  # fmt: skip
    assert any("directions stand above the shuffled band" in m for m in shown(at.markdown))
    at.selectbox(key="x_tensor").set_value("W2").run()
    assert metrics(at)["fan_in × fan_out"] == "32×10" and not at.exception


def test_a_safetensors_upload_is_laid_out_and_a_bad_file_keeps_what_was_shown():
    at = open_link(INSPECT, {})
    at.radio(key="x_source").set_value("your file").run()
    assert "Upload a weights file" in " ".join(shown(at.info))
    weight = np.random.default_rng(1).normal(size=(16, 48)).astype(np.float32)  # torch Linear(48, 16)
    upload(at, "tiny.safetensors", save({"layer.weight": weight, "layer.bias": np.zeros(16, np.float32)}))
    assert metrics(at)["fan_in × fan_out"] == "48×16"
    assert any("as PyTorch does: shown transposed" in c for c in shown(at.caption))
    for name, content, said in (("model.pt", b"\x80\x02", "can run code"), ("x.safetensors", b"\x00" * 4, "shorter")):
        upload(at, name, content)
        (error,) = shown(at.error)
        assert error.startswith(f"{name} cannot be inspected") and said in error and "tiny.safetensors stays" in error
        assert metrics(at)["fan_in × fan_out"] == "48×16"
    upload(at, "biases.safetensors", save({"b": np.zeros(4, np.float32)}))
    assert "holds no weight matrix" in shown(at.error)[0]
    kept = at.session_state[state.INSPECT_FILE.key]
    assert kept[1] == "tiny.safetensors"
    assert "These settings: a weights file does not travel with a link" in " ".join(shown(at.caption))
    at.file_uploader(key="x_file").set_value(None).run()  # emptied: still in use until forgotten
    assert metrics(at)["fan_in × fan_out"] == "48×16" and "In use: tiny.safetensors" in " ".join(shown(at.caption))
    at.button(key="x_forget").click().run()
    assert state.INSPECT_FILE.key not in at.session_state and not at.exception


def test_a_single_long_row_is_capped_too(monkeypatch):
    """Review: a (12 000 000, 1) PyTorch tensor became one row of 12 million columns, past the cap: 30 s, 4 GB."""
    at = open_link(INSPECT, {"x_source": "your file"})
    upload(at, "long.safetensors", save({"long.weight": np.ones((limits.SPECTRUM_CELLS + 5, 1), np.float32)}))
    said = " ".join(shown(at.info))
    assert f"and {limits.SPECTRUM_CELLS:,} of {limits.SPECTRUM_CELLS + 5:,} columns" in said and not at.exception


def test_a_large_matrix_gets_the_spectrum_of_its_first_rows_and_says_so():
    at = open_link(INSPECT, {"x_source": "your file"})
    big = np.random.default_rng(2).normal(size=(1500, 1000)).astype(np.float32)  # (out, in): 1 000 × 1 500 shown
    upload(at, "big.safetensors", save({"big.weight": big}))
    rows = limits.SPECTRUM_CELLS // 1500
    assert f"The spectrum and its numbers below are of the first {rows:,} of 1,000 rows" in " ".join(shown(at.info))
    scree = next(f for f in figures(at) if title(f).endswith("singular values"))
    random = next(t for t in scree["data"] if t["name"] == "a random He-normal matrix")
    top = random["y"][0] if isinstance(random["y"], list) else None
    if top is None:  # plotly's typed array
        import base64

        top = np.frombuffer(base64.b64decode(random["y"]["bdata"]), random["y"]["dtype"])[0]
    # He for the whole matrix's 1 000 inputs: σ_max ≈ √(2/1000)·(√666 + √1500) ≈ 2.9 (with 666 inputs: 3.5)
    assert 2.6 < top < 3.1
    assert metrics(at)["fan_in × fan_out"] == "1,000×1,500" and not at.exception
    heat = next(f for f in figures(at) if title(f).startswith("big.weight"))
    assert len(heat["data"][0]["z"]) <= 64  # drawn pooled


def test_the_train_pages_spectrum_tab_compares_with_the_start_and_over_training():
    at = open_train()
    at.button(key="step100").click().run()
    at.session_state[state.TRAIN_KEYS.w_detail] = "Spectrum"
    at.run()
    assert not at.exception
    titles = [title(f) for f in figures(at)]
    for wanted in ("Singular values of W1: step 100 vs the start", "Singular values over training", "Stable rank"):
        assert any(t.startswith(wanted) for t in titles), titles
    assert any("Why no power-law exponent" in c for c in shown(at.caption))


def test_an_upload_is_read_once_not_on_every_rerun(monkeypatch):
    from weightviz import tensors

    at = open_link(INSPECT, {"x_source": "your file"})
    weights = {"a.weight": np.ones((4, 6), np.float32), "b.weight": np.ones((3, 4), np.float32)}
    upload(at, "two.safetensors", save(weights))

    def not_again(*_):
        raise AssertionError("read again")

    monkeypatch.setattr(tensors, "read", not_again)
    at.selectbox(key="x_tensor").set_value("b.weight").run()
    assert not at.exception and metrics(at)["fan_in × fan_out"] == "4×3"
