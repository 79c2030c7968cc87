"""formatting.number: what a person reads for any value a run can produce."""

import math

import pytest

from weightviz.formatting import factor, number


@pytest.mark.parametrize(
    "value, text",
    [
        (0.123456, "0.1235"),
        (123456.7, "123456.7000"),
        (1e6, "1.000e+06"),
        (9.091658e306, "9.092e+306"),
        (-3e-7, "-3.000e-07"),
        (0.0, "0.0000"),
        (-0.0, "0.0000"),
        (math.nan, "NaN"),
        (math.inf, "∞"),
        (-math.inf, "−∞"),
    ],
)
def test_number_is_short_for_every_value(value, text):
    assert number(value) == text
    assert len(number(value)) <= 12  # a 300-digit loss used to fill the metric card


def test_signed_and_factor():
    assert number(0.25, 3, signed=True) == "+0.250" and number(-2e9, 3, signed=True) == "-2.00e+09"
    assert factor(3.2) == "3.2×" and factor(1234.5) == "1,234×" and factor(4.5e12) == "4.5e+12×"
