"""formatting.number: what a person reads for any value a run can produce."""

import math

import pytest

from weightviz.formatting import compact, factor, number


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


@pytest.mark.parametrize(
    "value, text",
    [
        (0.8393123, "0.8393"),
        (12.3456, "12.35"),
        (1234.4, "1234"),
        (99999.9, "100000"),
        (5.638e33, "5.6e33"),
        (-3.2e33, "-3.2e33"),
        (1.23e-5, "1.2e-5"),
        (-0.0, "0.0000"),
        (math.nan, "NaN"),
    ],
)
def test_compact_fits_a_metric_card(value, text):
    assert compact(value) == text


def test_compact_is_at_most_8_characters_for_any_value():
    values = [s * m * 10.0**e for s in (1, -1) for m in (1.0, 9.99, 5.5) for e in range(-308, 308)]
    assert max(len(compact(v)) for v in values) <= 8


def test_compact_for_a_metric_card_drops_digits_to_fit():
    assert compact(-3.2e33, max_chars=6) == "-3e33" and compact(-0.28, max_chars=6) == "-0.280"
    assert compact(0.8393123, max_chars=6) == "0.8393" and compact(2.5, signed=True, max_chars=6) == "+2.500"
    values = [s * m * 10.0**e for s in (1, -1) for m in (1.0, 9.99, 5.5) for e in range(-99, 99)]
    assert max(len(compact(v, max_chars=6)) for v in values) <= 6


def test_typed_reads_like_a_setting_and_brief_like_a_note():
    from weightviz.formatting import brief, typed

    assert [typed(v) for v in (10.0, 0.003, 1e-05, 1e7)] == ["10", "0.003", "1e-05", "1e+07"]
    assert [brief(v) for v in (10111.909, 0.12345, 4.82e6, float("nan"))] == ["10112", "0.123", "4.82e+06", "NaN"]
