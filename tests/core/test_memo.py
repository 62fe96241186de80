"""per_distinct: computing a pure per-text function on the distinct texts gives the row-by-row answer."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xmo_analysis.core.memo import per_distinct

texts = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "Thanks!", "", "é x"]), st.text(max_size=5)),
                 max_size=30)


@settings(max_examples=200, deadline=None)
@given(values=texts, offset=st.integers(-5, 5))
def test_per_distinct_equals_row_by_row(values, offset):
    s = pd.Series(values, index=[3 * i + offset for i in range(len(values))], dtype=object)
    calls = []

    def compute(u: pd.Series) -> pd.DataFrame:
        calls.append(len(u))
        return pd.DataFrame({"len": u.str.len(), "upper": u.str.upper()}, index=u.index)

    got = per_distinct(s, compute)
    assert list(got.index) == list(s.index)
    for i, v in s.items():
        if v is None:
            assert pd.isna(got.loc[i, "len"]) and pd.isna(got.loc[i, "upper"])
        else:
            assert got.loc[i, "len"] == len(v) and got.loc[i, "upper"] == v.upper()
    assert calls == [len(set(v for v in values if v is not None))]  # once, on the distinct texts


def test_per_distinct_keeps_dtypes_without_missing():
    s = pd.Series(["x", "y", "x"], index=["p", "q", "r"])
    got = per_distinct(s, lambda u: pd.DataFrame({"hit": u == "x", "n": u.str.len()}, index=u.index))
    assert got["hit"].dtype == bool and got["hit"].tolist() == [True, False, True] and got["n"].tolist() == [1, 1, 1]
