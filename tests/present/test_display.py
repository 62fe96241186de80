"""Number formats: one per kind of quantity, as a reader expects them."""
from __future__ import annotations

import math

import pytest

from xmo_analysis.present.display import fmt_pct, fmt_quantity


@pytest.mark.parametrize("value, text", [
    (0.92, "92.0%"), (0.0, "0.0%"), (1.0, "100.0%"), (1 / 2010, "< 0.1%"), (0.0004, "< 0.1%"),
    (0.0005, "< 0.1%"), (0.001, "0.1%"), (0.99951, "> 99.9%"), (None, "—"), (math.nan, "—"),
])
def test_shares_are_percentages_and_tiny_is_not_zero(value, text):
    assert fmt_pct(value) == text


@pytest.mark.parametrize("value, unit, text", [
    (978.1, "milliseconds", "978 milliseconds"), (800.0, "ms", "800 ms"), (0.899, "share", "89.9%"),
    (41.26, "seconds", "41.3 seconds"), (6.04, "hours", "6.0 hours"), (0.0312, "crashes per device-day",
                                                                       "0.03 crashes per device-day"),
    (12500.0, "", "12,500.0"), (None, "hours", "—"),
])
def test_quantities_keep_their_unit_without_spurious_decimals(value, unit, text):
    assert fmt_quantity(value, unit) == text


@pytest.mark.parametrize("unit, value, step, words, text", [
    ("points", -0.16, 10.0, "10 points", "-0.2 points"),
    ("share", -0.0157, 0.01, "1 percentage point", "-1.57 pp"),
    ("rate", 0.5, 0.01, "1 percentage point", "+50.00 pp"),
    ("hours", 1.23456, 1.0, "1 hours", "+1.23 hours"),
    ("", 12345.6, 1.0, "1 unit", "+1.23e+04"),
])
def test_unit_step_and_change(unit, value, step, words, text):
    from xmo_analysis.present.display import fmt_change, unit_step
    assert unit_step(unit) == (step, words)
    assert fmt_change(value, unit) == text
    assert fmt_change(float("nan"), unit) == "—"
