"""Numbers for people: every value the app prints goes through :func:`number`.

A diverging run produces weights of 1e154 and losses with 300 digits; printed raw they fill a
metric card ("9091658…") or a warning. Moderate values print in fixed point, huge and tiny ones
in scientific notation, and non-finite ones as words.
"""

from __future__ import annotations

import math

LARGE = 1e6  # from here on (in absolute value) a number prints in scientific notation
SMALL = 1e-4  # below this (and not zero) too


def number(x, digits=4, signed=False):
    """``x`` with ``digits`` decimals when 1e-4 ≤ |x| < 1e6, else ``digits - 1`` significant decimals in
    scientific notation (``1.23e+154``); ``"NaN"``, ``"∞"``, ``"−∞"`` for non-finite values.

    ``signed`` puts a ``+`` before positive values (for gradients).
    """
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    x = x + 0.0  # -0.0 (a weight the L1 step cut to zero from below) prints as 0
    sign = "+" if signed else ""
    if x != 0 and (abs(x) >= LARGE or abs(x) < SMALL):
        return f"{x:{sign}.{max(digits - 1, 0)}e}"
    return f"{x:{sign}.{digits}f}"


def typed(x):
    """A setting as a person would type it: :func:`number` without trailing zeros (``10``, ``0.003``, ``1e-05``)."""
    mantissa, e, exponent = number(x, 6).partition("e")
    return (mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa) + e + exponent


def brief(x):
    """About three significant digits, for notes on a chart: ``10112``, ``0.123``, ``4.82e+06``, ``NaN``."""
    x = float(x)
    if not math.isfinite(x) or x == 0 or not SMALL <= abs(x) < LARGE:
        return number(x, 3)
    return number(x, max(0, 2 - math.floor(math.log10(abs(x)))))


def factor(x):
    """A growth factor: ``"3.2×"``, ``"1,234×"``, ``"4.5e+12×"``."""
    x = float(x)
    if not math.isfinite(x):
        return number(x) + "×"
    if abs(x) >= LARGE:
        return f"{x:.1e}×"
    return f"{x:,.0f}×" if abs(x) >= 100 else f"{x:.2g}×"


def compact(x, signed=False, max_chars=8):
    """``x`` in at most ``max_chars`` characters (default 8; 6 fits a metric card a fifth of a 1024 px page
    wide), for numbers that must fit a small box: fixed point with up to 4 decimals and 4 significant
    digits when 1e-3 ≤ |x| < 1e5 (``0.8393``, ``12.35``, ``1235``, ``-0.280``), else two significant
    digits and a bare exponent (``5.6e33``, ``-3e33``, ``1.2e-5``); fewer digits where more would not
    fit; ``"NaN"``, ``"∞"``. ``signed`` puts a ``+`` before positive values (one more character)."""
    try:
        x = float(x) + 0.0  # -0.0 prints as 0
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(x):
        return number(x)
    sign = "+" if signed and x > 0 else ""
    limit = max_chars + len(sign)
    size = abs(x)
    if x == 0 or 1e-3 <= size < 1e5:
        whole_digits = max(1, math.floor(math.log10(size)) + 1) if size >= 1 else 1
        candidates = [f"{x:.{d}f}" for d in range(max(0, 4 - whole_digits) if size >= 1 else 4, -1, -1)]
        candidates = [c for c in candidates if float(c) or x == 0] or [f"{x:.0f}"]
    else:
        candidates = []
        for decimals in (1, 0):
            mantissa, exponent = f"{x:.{decimals}e}".split("e")
            candidates.append(f"{mantissa}e{int(exponent)}")
    fitting = [c for c in candidates if len(sign + c) <= limit]
    return sign + (fitting[0] if fitting else candidates[-1])
