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


def factor(x):
    """A growth factor: ``"3.2×"``, ``"1,234×"``, ``"4.5e+12×"``."""
    x = float(x)
    if not math.isfinite(x):
        return number(x) + "×"
    if abs(x) >= LARGE:
        return f"{x:.1e}×"
    return f"{x:,.0f}×" if abs(x) >= 100 else f"{x:.2g}×"
