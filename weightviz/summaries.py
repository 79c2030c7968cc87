"""Reductions that make recorded arrays drawable: pooled matrices, percentile bands, shared bins.

NumPy only; the figure builders draw what these return.
"""

from __future__ import annotations

import math

import numpy as np

# TensorBoard's distribution bands: min, ±1.5σ, ±1σ, ±0.5σ of a normal, median, max (in %).
BAND_PERCENTILES = (0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0)


def pool_matrix(M, max_side=64):
    """Mean-pool M so neither side exceeds ``max_side``: returns (pooled, (rows per cell, cols per cell)).

    A cell of the result is the mean of an fr×fc block (the last block may be smaller). A matrix
    that already fits comes back unchanged with factors (1, 1).
    """
    M = np.asarray(M, dtype=float)
    rows, cols = M.shape
    fr, fc = math.ceil(rows / max_side), math.ceil(cols / max_side)
    if fr == 1 and fc == 1:
        return M, (1, 1)
    out_r, out_c = math.ceil(rows / fr), math.ceil(cols / fc)
    padded = np.full((out_r * fr, out_c * fc), np.nan)
    padded[:rows, :cols] = M
    blocks = padded.reshape(out_r, fr, out_c, fc)
    return np.nanmean(blocks, axis=(1, 3)), (fr, fc)


def histogram_percentiles(counts, ranges, percentiles=BAND_PERCENTILES):
    """Percentiles of binned data, interpolating linearly inside the bin that holds each: (rows, len(percentiles)).

    ``counts`` is (rows, bins) over equal-width bins spanning ``ranges`` (rows, 2), whose ends are
    the exact min and max (so 0 and 100 are exact). Empty bins get no share: a percentile never
    falls inside a gap. Rows with no counts give NaN.
    """
    counts = np.asarray(counts, dtype=float)
    rows, bins = counts.shape
    q = np.asarray(percentiles, dtype=float) / 100.0
    out = np.full((rows, len(q)), np.nan)
    for r in range(rows):
        total = counts[r].sum()
        if total == 0:
            continue
        cdf = np.concatenate([[0.0], np.cumsum(counts[r]) / total])  # cdf[k] = share below bin k
        lo, hi = ranges[r]
        width = (hi - lo) / bins
        k = np.clip(np.searchsorted(cdf, q, side="left") - 1, 0, bins - 1)  # the bin where cdf crosses q
        inside = np.where(counts[r, k] > 0, (q - cdf[k]) / np.maximum(cdf[k + 1] - cdf[k], 1e-300), 0.0)
        out[r] = lo + (k + np.clip(inside, 0.0, 1.0)) * width
        out[r, q <= 0] = lo
        out[r, q >= 1] = hi
    return out


def shared_histograms(arrays, bins=30):
    """Histograms of several arrays over one set of equal-width edges: (counts list, edges)."""
    finite = [np.asarray(a, dtype=float).ravel() for a in arrays]
    finite = [a[np.isfinite(a)] for a in finite]
    values = np.concatenate(finite) if finite else np.empty(0)
    lo, hi = (values.min(), values.max()) if values.size else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    return [np.histogram(a, bins=edges)[0] for a in finite], edges


def displayed_units(n_units, max_units=12):
    """Which unit indices a graph draws when a layer has more than ``max_units``: evenly spread, ends kept."""
    if n_units <= max_units:
        return np.arange(n_units)
    return np.unique(np.round(np.linspace(0, n_units - 1, max_units)).astype(int))
