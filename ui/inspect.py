"""The Inspect page: the weights of a network trained anywhere (a safetensors file, or weightviz's own .npz),
tensor by tensor: where the numbers sit against a fresh layer's, and how much structure the spectrum shows
beyond what the same numbers shuffled give."""

from __future__ import annotations

import functools
import pathlib

import numpy as np
import pandas as pd
import streamlit as st

from weightviz import datasets, figures, limits, spectra, tensors

from . import files, share, state
from .text import plain

KEYS = state.INSPECT_KEYS
CHART = state.INSPECT_CHART_PREFIX
SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "weightviz" / "samples" / "digits-64-64-32-10.npz"
SOURCES = ("the sample", "your file")
SAMPLE_SAID = "a digits network trained by weightviz (64 → 64 → 32 → 10, ReLU, 100 % of its training images)"
MAX_KEPT_SPECTRA = 32  # spectra kept per session (each holds two short vectors)
TABLE_ROWS = 500  # tensors listed in the table at most
# what the uploader takes: the formats read, and those refused with a recipe (a browser filter would hide them)
UPLOAD_TYPES = ["safetensors", "npz", *(ext.lstrip(".") for ext in (*tensors.PICKLED, ".h5", ".keras", ".hdf5"))]


@functools.lru_cache(maxsize=1)
def sample_tensors():
    """The sample's tensors (read once per server: the same file for everybody, read-only arrays)."""
    read = tensors.read(SAMPLE.name, SAMPLE.read_bytes())
    for t in read:
        t.stored.flags.writeable = False
    return read


def chosen_file():
    """The sidebar: the sample or an upload. Returns (key, name, tensors), or None before a usable file. A
    file that cannot be read is named with the reason, and the last usable one stays."""
    source = st.radio("Weights", SOURCES, 0, key=KEYS.source, bind=state.URL, horizontal=True)
    if source == SOURCES[0]:
        st.caption(f"The sample: {SAMPLE_SAID}.")
        return ("sample", SAMPLE.name, sample_tensors())
    upload = st.file_uploader(
        "A weights file (.safetensors, or a weightviz .npz)", type=UPLOAD_TYPES, key=KEYS.file,
        help=f"Up to {tensors.MAX_PARAMETERS:,} numbers in {tensors.MAX_TENSORS:,} tensors; read without running "
             "anything in it",
    )  # fmt: skip
    forget = ("Forget it", KEYS.forget, forget_file)
    kept = files.kept_upload(upload, state.INSPECT_FILE, _read_tensors, forget, _still, "cannot be inspected")
    return None if kept is None else (kept.file_id, kept.name, kept.value)


def _read_tensors(name, data):
    """The tensors of a weights file with at least one matrix; ValueError (TensorFileError) why not. A new
    file's spectra are computed afresh."""
    read = tensors.read(name, data)
    if not any(t.has_matrix for t in read):
        raise ValueError("it holds no weight matrix (no floating-point tensor of two or more dimensions)")
    state.INSPECT_SPECTRA.set({})
    return read


def _still(kept):
    return f"{kept.name} stays." if kept else ""


def forget_file():
    """Button callback: let go of the uploaded file and its spectra."""
    state.INSPECT_FILE.clear()
    state.INSPECT_SPECTRA.set({})


def overview(name, read):
    """Every tensor of the file in a table: name, shape and dtype as stored, the matrix shown, and why."""
    rows = [
        {"tensor": t.name, "stored shape": " × ".join(map(str, t.shape)) or "scalar", "dtype": t.dtype,
         "numbers": t.size, "shown as": _shown_shape(t), "how": t.note}
        for t in read[:TABLE_ROWS]
    ]  # fmt: skip
    total = sum(t.size for t in read)
    st.caption(plain(f"{name}: {datasets.counted(len(read), 'tensor')}, {total:,} numbers" +
                     (f" (the first {TABLE_ROWS} listed)" if len(read) > TABLE_ROWS else "") + "."))  # fmt: skip
    narrow = {name: st.column_config.Column(width="small") for name in ("dtype", "numbers", "shown as")}
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, height=min(400, 38 + 35 * len(rows)),
        column_config={**narrow, "how": st.column_config.TextColumn(width="large")},  # (the chosen one's is below)
    )  # fmt: skip


def _shown_shape(t):
    return "–" if t.matrix_shape is None else " × ".join(map(str, t.matrix_shape))


def pick(read):
    """The tensor to look at (those with a matrix)."""
    names = [t.name for t in read if t.has_matrix]
    if st.session_state.get(KEYS.tensor) not in names:
        st.session_state[KEYS.tensor] = names[0]
    name = st.selectbox("Tensor", names, names.index(names[0]), key=KEYS.tensor, bind=state.URL)
    return next(t for t in read if t.name == name)


def spectrum_of(key, tensor, W, fan_in):
    """(summary of W, singular values of a He-normal matrix of its shape for a layer of ``fan_in`` inputs: W may
    be the first rows of a larger matrix), kept per file and tensor in the session."""
    kept = state.INSPECT_SPECTRA.get() or {}
    if (key, tensor.name) not in kept:
        with st.spinner(f"Singular values of {tensor.name} and of 20 shuffled copies…"):
            random = np.random.default_rng(0).normal(0.0, np.sqrt(2.0 / fan_in), W.shape)  # He normal
            kept = dict(list(kept.items())[-(MAX_KEPT_SPECTRA - 1) :])
            kept[(key, tensor.name)] = (spectra.summary(W), spectra.singular_values(random))
        state.INSPECT_SPECTRA.set(kept)
    return kept[(key, tensor.name)]


def views(key, tensor):
    """The chosen tensor: numbers, heatmap, histogram against He and Glorot, spectrum against shuffled copies
    and a random matrix of its shape, and what they say."""
    W = tensor.matrix()
    st.caption(plain(f"{tensor.name}: {tensor.note}."))
    cols_kept = min(W.shape[1], limits.SPECTRUM_CELLS)
    rows = min(W.shape[0], max(1, limits.SPECTRUM_CELLS // cols_kept))
    part = W[:rows, :cols_kept]
    try:
        now, random = spectrum_of(key, tensor, part, fan_in=W.shape[0])
    except (ValueError, np.linalg.LinAlgError) as e:
        st.error(plain(f"The spectrum of {tensor.name} cannot be computed: {e}."))
        return
    if part.shape != W.shape:
        st.info(plain(f"The spectrum and its numbers below are of the first {rows:,} of {W.shape[0]:,} rows"
                      + (f" and {cols_kept:,} of {W.shape[1]:,} columns" if cols_kept < W.shape[1] else "")
                      + f": a whole spectrum is computed up to {limits.SPECTRUM_CELLS:,} numbers."))  # fmt: skip
    cols = st.columns(4)
    cols[0].metric("fan_in × fan_out", f"{W.shape[0]:,}×{W.shape[1]:,}", help="The matrix as shown: rows are inputs")
    cols[1].metric("σ_max", f"{now.spectral_norm:.3g}")
    cols[2].metric("Stable rank", f"{now.stable_rank:.1f}",
                   help=f"‖W‖²_F / σ²_max; a random matrix of this shape: {now.stable_rank_random:.1f}")  # fmt: skip
    cols[3].metric("Outliers", f"{now.n_outliers}", help="Singular values above the band of 20 shuffled copies")
    st.markdown(plain(spectra.describe(now)))
    left, right = st.columns(2)
    left.plotly_chart(figures.matrix_heatmap(W, tensor.name, row_name="input", col_name="unit"), key=f"{CHART}heat")
    hist = figures.histogram_against_references(W, f"{tensor.name}: its values")
    right.plotly_chart(hist, key=f"{CHART}hist")
    left, right = st.columns(2)
    scree = figures.scree(now, random, f"{tensor.name}: singular values", "a random He-normal matrix")
    left.plotly_chart(scree, key=f"{CHART}scree")
    with right:
        st.caption(
            "Heatmap: every weight (rows: inputs, columns: units; means of blocks when large, as the title says). "
            "Histogram: the weights as a density against the two formulas a fresh layer of this shape is drawn "
            "from; trained weights that stay near them moved little. Singular values: shaded, the largest "
            "singular value of 20 copies of these same numbers shuffled; a singular value above the band (red) "
            "is structure training put in. The dashed line is a random matrix of this shape drawn as He would."
        )
        st.caption(
            "No power-law exponent α: a fitted tail exponent measures a small matrix's shape, not its training "
            "(WeightWatcher labels every random 8×8 matrix over-trained); the shuffled band asks directly."
        )


def shared(key):
    """What a link carries: the sample and the tensor (a file does not travel)."""
    why = None if key == "sample" else "a weights file does not travel with a link (its receiver uploads the same file)"
    return share.ConfigOnly(why, trains=False)
