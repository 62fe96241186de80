"""An O/T metric over a cycle's rows, overall and by segment, computed by hand.

The segment's rows are chosen on the segment column alone (missing levels are in no segment),
the metric's column is read as numbers (text that is not a number is missing), and a level
without rows, or a column the rows lack, is unknown (NaN), never 0.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from xmo_analysis.sources.metric_sources import RowSource


def _rows(dtype: str | None) -> pd.DataFrame:
    return pd.DataFrame({
        "department": pd.Series(["A", "A", "B", "A", None, "B", "A", "A"], dtype=dtype),
        "hours": ["1", "2", "3", "4", "100", "x", "10", None],  # "x" and None are missing
        "note": ["a long text that the metric never needs"] * 8,
    })


@pytest.mark.parametrize("dtype", [None, "string[pyarrow]", "str"], ids=["object", "arrow", "str"])
def test_a_metric_by_segment_reads_its_column_on_the_segments_rows(dtype):
    src = RowSource(_rows(dtype))
    mean = SimpleNamespace(column="hours", aggregation="mean")
    median = SimpleNamespace(column="hours", aggregation="median")
    p90 = SimpleNamespace(column="hours", aggregation="p90")
    # A: 1, 2, 4, 10 (its sixth row is missing); B: 3 ("x" is not a number); the blank row in none
    assert src.metric(mean, ("department", "A")) == 17 / 4
    assert src.metric(median, ("department", "A")) == 3.0
    # p90 of 1, 2, 4, 10 (linear, R type 7): position 0.9 * 3 = 2.7, 4 + 0.7 * (10 - 4)
    assert src.metric(p90, ("department", "A")) == pytest.approx(8.2, abs=1e-12)
    assert src.metric(mean, ("department", "B")) == 3.0
    assert math.isnan(src.metric(mean, ("department", "C")))
    # overall: every row with a number, the blank department's included
    assert src.metric(mean) == (1 + 2 + 3 + 4 + 100 + 10) / 6
    # a column the rows lack: unknown; a segment column they lack: the whole, unless asked not to
    assert math.isnan(src.metric(SimpleNamespace(column="minutes", aggregation="mean"), ("department", "A")))
    assert src.metric(mean, ("site", "X")) == src.metric(mean)
    assert math.isnan(src.metric(mean, ("site", "X"), whole_if_absent=False))
