"""Number formats: one per kind of quantity, as a reader expects them."""
from __future__ import annotations

import math

import pandas as pd
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
    ("points", -0.16, 10.0, "10 points", "-0.16 points"),
    ("points", -1.26, 10.0, "10 points", "-1.3 points"),
    ("share", -0.0157, 0.01, "1 percentage point", "-1.57 pp"),
    ("rate", 0.5, 0.01, "1 percentage point", "+50.00 pp"),
    ("hours", 1.23456, 1.0, "1 hours", "+1.23 hours"),
    ("", 12345.6, 1.0, "1 unit", "+12,346"),
    ("points", 0.04, 10.0, "10 points", "+0.04 points"),
    ("points", 0.0, 10.0, "10 points", "+0.0 points"),
    ("EUR", -0.0123456, 1.0, "1 EUR", "-0.0123 EUR"),
])
def test_unit_step_and_change(unit, value, step, words, text):
    from xmo_analysis.present.display import fmt_change, unit_step
    assert unit_step(unit) == (step, words)
    assert fmt_change(value, unit) == text
    assert fmt_change(float("nan"), unit) == "—"


def _wide_table(columns: int):
    from xmo_analysis.present.display import Table
    data = {"department": ["Customer Support", "HR"], "kind": ["digital", "assisted"]}
    for i in range(columns):
        data[f"m{i}"] = [12345.678, 2.5]
        data[f"m{i}_ci_low"] = [12000.0, 2.0]
        data[f"m{i}_ci_high"] = [12500.0, 3.0]
    return Table(pd.DataFrame(data), caption="Wide", note="The note.")


def test_a_table_that_fits_the_page_stays_whole():
    t = _wide_table(1)
    assert t.parts() == [list(t.frame.columns)]
    html = t._repr_html_()
    assert html.count("<table") == 1 and "<caption>Wide</caption>" in html and html.count("The note.") == 1


def test_a_table_wider_than_the_page_is_cut_into_parts_that_repeat_the_row_names():
    t = _wide_table(6)  # 2 + 18 columns of about 50 pt: far wider than the 504.6 pt A4 text block
    parts = t.parts()
    assert len(parts) >= 2
    assert all(p[0] == "department" for p in parts)
    rest = [c for p in parts for c in p[1:]]
    assert rest == list(t.frame.columns[1:])  # every column once, in order
    for p in parts:  # an estimate never leaves its CI bounds behind
        assert not p[1].endswith(("_low", "_high"))
    numbered = _wide_table(6)
    numbered.frame.insert(0, "order", [1, 2])  # an order number takes the name after it along
    numbered_parts = numbered.parts()
    assert len(numbered_parts) >= 2 and all(p[:2] == ["order", "department"] for p in numbered_parts)
    html = t._repr_html_()
    assert html.count("<table") == len(parts) and html.count("The note.") == 1
    assert f"<caption>Wide (1 of {len(parts)})</caption>" in html
    assert f"<caption>Wide ({len(parts)} of {len(parts)})</caption>" in html


def test_text_width_is_dejavu_sans():
    from xmo_analysis.present.display import text_width
    # DejaVu Sans advances (units per em 2048): every digit 1303, so ten digits at 10 pt are 63.6 pt
    assert text_width("0123456789", 10) == pytest.approx(10 * 1303 / 2048 * 10, rel=1e-3)
    assert text_width("0", 9, bold=True) > text_width("0", 9)


def test_parts_are_even_not_a_full_part_and_a_lone_column():
    from xmo_analysis.present.display import PAGE_PT, Table
    # eleven columns of equal width, about eight fit beside the name: two parts of five and six,
    # not eight and three
    frame = pd.DataFrame({"name": ["a"], **{f"column{i:02d}": ["x"] for i in range(11)}})
    t = Table(frame)
    one = t._width("column00", False)
    assert 7 * one < PAGE_PT - t._width("name", False) < 10 * one  # more than one part is needed
    parts = t.parts()
    sizes = sorted(len(p) - 1 for p in parts)
    assert len(parts) == 2 and sizes[-1] - sizes[0] <= 1, sizes


def test_a_ci_written_as_text_stays_with_its_estimate():
    from xmo_analysis.present.display import Table
    # three estimates each with its CI as one unbroken 20-character text: too wide for one part
    data = {"item": ["BL-01"]}
    for i in range(3):
        data[f"change{i}"] = [12345.6]
        data[f"change{i}_ci"] = ["x" * 20]
    parts = Table(pd.DataFrame(data)).parts()
    assert len(parts) >= 2
    for p in parts:  # no part opens on a CI: each follows its estimate
        assert not p[1].endswith("_ci"), p
    assert Table(pd.DataFrame({"a": [1.0], "b": [2.0], "ci": ["x"]})).parts() == [["a", "b", "ci"]]
