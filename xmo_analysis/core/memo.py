"""The one cache of derived data of a loaded cycle (weights, XLA tables, sentiment).

Data and params are fixed once a cycle is loaded, so what is derived from them can be computed
once per loaded :class:`~xmo_analysis.sources.loaders.CycleData` and shared by every section: a key
names what was computed, e.g. ``("weights", cycle)``. Nothing else writes caches on the data.
"""
from __future__ import annotations

from typing import Any, Callable


# Memo kinds (a key's first item) whose values hold views of the data's tables: a snapshot leaves
# them out (:meth:`~xmo_analysis.sources.loaders.CycleData.__getstate__`), they are rebuilt on use.
VIEWS = frozenset({"design"})


def memo(data: Any, key: tuple, compute: Callable[[], Any]) -> Any:
    """The value of ``compute()`` for ``key`` on ``data``, computed at most once."""
    store = data.__dict__.setdefault("_memo", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def per_distinct(values, compute: Callable[[Any], Any]):
    """``compute`` on each distinct value of a Series once, spread back to every row.

    For pure per-text functions (redaction, language, sentiment, theme rules) over a column of
    comments: feedback repeats ("Thanks!", templated answers, a million-response survey's stock
    phrases), and the same text always gives the same result, so computing on the distinct texts
    gives exactly the row-by-row answer. ``compute`` takes a Series of distinct non-missing values
    (index 0..k-1) and returns a Series or DataFrame on that index; the result has ``values``'
    index, with missing values where ``values`` is missing.
    """
    import pandas as pd
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    result = compute(pd.Series(uniques, dtype=values.dtype if values.dtype == object else None))
    spread = result.take(codes) if (codes >= 0).all() else result.reindex(codes)
    spread.index = values.index
    return spread
