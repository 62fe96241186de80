"""O- and T-data behind one interface: row-level frames and engine-aggregated summaries alike.

The analyses ask a cycle's source for a metric overall or for a segment, for per-user values
(to match respondents) and for the period its data cover; they never ask what kind of source
it is. :class:`RowSource` wraps the rows pandas holds; a source aggregated in an engine
(:class:`~xmo_analysis.sources.engines.EngineSource`: DuckDB, PostgreSQL, Spark or any ibis
backend) implements the same :class:`MetricSource`.

The segment rule lives here once: a source that carries the segment column is cut to the
segment (no rows there: the metric is unknown, NaN); a source without that column gives the
organisation's value when ``whole_if_absent`` (XLA scoring: "use what the organisation has")
and NaN otherwise (a by-segment table must not repeat the organisation's value in every row).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


class MetricSource:
    """What every O/T source of a cycle answers."""

    columns: list[str]
    first = None  # earliest timestamp in the cycle (or None)
    last = None   # latest timestamp in the cycle (or None)

    def __len__(self) -> int:  # rows behind the source
        raise NotImplementedError

    def _value(self, metric, segment: tuple[str, str] | None) -> float:
        raise NotImplementedError

    def per_user(self, columns: list[str], key: str = "user_id") -> pd.DataFrame | None:
        """Mean of each column per ``key`` (None when the source has no such key)."""
        raise NotImplementedError

    def last_per(self, key: str, order: str, columns: list[str]) -> pd.DataFrame | None:
        """The values on the last row per ``key`` by ``order`` (e.g. each requester's last ticket),
        ties broken by the largest ``ticket_id``; None when the source has no such key."""
        return None

    def count(self, segment: tuple[str, str] | None = None) -> int:
        """Rows overall or for ``(column, level)`` (0 when the source has no such column)."""
        raise NotImplementedError

    def levels(self, column: str) -> list[str]:
        """The levels of a segment column that have rows, sorted (none without the column)."""
        raise NotImplementedError

    def metric(self, metric, segment: tuple[str, str] | None = None, *, whole_if_absent: bool = True) -> float:
        """The metric overall (``segment`` None) or for ``(column, level)`` (see the module rule)."""
        if segment is not None and segment[0] not in self.columns:
            if not whole_if_absent:
                return float("nan")
            segment = None
        return self._value(metric, segment)


def metric_value(frame: pd.DataFrame, metric) -> float:
    """Aggregate one O/T metric over the rows given (mean, median, p90 or rate)."""
    x = pd.to_numeric(frame[metric.column], errors="coerce").astype(float).dropna()
    if x.empty:
        return float("nan")
    if metric.aggregation in ("mean", "rate"):
        return float(x.mean())
    if metric.aggregation == "median":
        return float(x.median())
    return float(np.quantile(x, 0.9))  # p90, numpy's default linear interpolation (R type 7)


class RowSource(MetricSource):
    """A cycle's rows held by pandas (tickets, or telemetry that is not aggregated)."""

    def __init__(self, frame: pd.DataFrame, stamp: str | None = None):
        self.frame = frame
        self.columns = list(frame.columns)
        if stamp and stamp in frame and len(frame):
            self.first, self.last = frame[stamp].min(), frame[stamp].max()

    def __len__(self) -> int:
        return len(self.frame)

    def _value(self, metric, segment):
        if metric.column not in self.frame:
            return float("nan")
        # the segment's rows of the metric's column only: filtering every column of the frame
        # (its Arrow strings above all) was most of the XLA scores' time by segment
        rows = self.frame[[metric.column]]
        if segment is not None:
            rows = rows[(self.frame[segment[0]] == segment[1]).to_numpy(dtype=bool, na_value=False)]
        return metric_value(rows, metric)

    def per_user(self, columns, key="user_id"):
        cols = [c for c in columns if c in self.frame]
        if key not in self.frame or not cols:
            return None
        return self.frame.groupby(key)[cols].mean()

    def last_per(self, key: str, order: str, columns: list[str]) -> pd.DataFrame | None:
        cols = [c for c in columns if c in self.frame]
        if key not in self.frame or order not in self.frame or not cols:
            return None
        ties = ["ticket_id"] if "ticket_id" in self.frame else []
        frame = self.frame.assign(_tie=self.frame[ties[0]].astype(str)) if ties else self.frame
        last = frame.sort_values([order, *(["_tie"] if ties else [])], kind="stable").groupby(key).tail(1)
        return last.set_index(key)[cols]

    def levels(self, column):
        return sorted(map(str, self.frame[column].dropna().unique())) if column in self.frame else []

    def count(self, segment=None) -> int:
        if segment is None:
            return len(self.frame)
        return int((self.frame[segment[0]] == segment[1]).sum()) if segment[0] in self.frame else 0


STAMPS = {"tickets": "opened_at", "telemetry": "date", "responses": "submitted_at"}


def metric_source(data, name: str, cycle: str | None = None) -> MetricSource:
    """The cycle's ``name`` source (tickets or telemetry) as a :class:`MetricSource`."""
    cycle = cycle or data.cycle
    rows = data.of_cycle(name, cycle)
    return rows if isinstance(rows, MetricSource) else RowSource(rows, STAMPS.get(name))
