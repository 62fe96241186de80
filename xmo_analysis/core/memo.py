"""The one cache of derived data of a loaded cycle (weights, XLA tables, sentiment).

Data and params are fixed once a cycle is loaded, so what is derived from them can be computed
once per loaded :class:`~xmo_analysis.sources.loaders.CycleData` and shared by every section: a key
names what was computed, e.g. ``("weights", cycle)``. Nothing else writes caches on the data.
"""
from __future__ import annotations

from typing import Any, Callable


def memo(data: Any, key: tuple, compute: Callable[[], Any]) -> Any:
    """The value of ``compute()`` for ``key`` on ``data``, computed at most once."""
    store = data.__dict__.setdefault("_memo", {})
    if key not in store:
        store[key] = compute()
    return store[key]
