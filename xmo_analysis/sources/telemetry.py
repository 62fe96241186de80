"""Large T-data: aggregate a hive-partitioned Parquet dataset to indicator level inside DuckDB.

Only the columns a metric needs are read, partitions and row groups outside the period are
skipped (filter push-down), and what reaches pandas is one row per cycle x segment, so memory
stays flat as the number of device-days grows.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from xmo_analysis.sources.metric_sources import MetricSource
from xmo_analysis.core.params import Params
from xmo_analysis.core.vocabulary import cycle_bounds

_AGG = {"mean": "avg({c})", "rate": "avg(CAST({c} AS DOUBLE))", "median": "quantile_cont({c}, 0.5)",
        "p90": "quantile_cont({c}, 0.9)"}


def _cycle_cases(params: Params, cycles: list[str]) -> str:
    """SQL CASE arms giving each row its cycle, with the one membership rule of
    :func:`~xmo_analysis.core.vocabulary.cycle_bounds` (``[start, end + 1 day)``)."""
    arms = []
    for c in cycles:
        lo, hi = cycle_bounds(params.cycles[c].start, params.cycles[c].end)
        arms.append(f"WHEN date >= TIMESTAMP '{lo}' AND date < TIMESTAMP '{hi}' THEN '{c}'")
    return " ".join(arms)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def aggregate(path: str | Path, params: Params, cycles: list[str], by: list[str] | None = None,
              source: str = "telemetry", exact: bool = True, threads: int = 2,
              memory_limit: str = "2GB") -> pd.DataFrame:
    """Every ``source`` metric of params per cycle (and per ``by`` segment), computed in DuckDB.

    With ``exact`` quantiles are exact (``quantile_cont``, as numpy's default linear
    interpolation), so the values equal :func:`xmo_analysis.domain.xla.metric_value` on the same rows;
    exact quantiles hold every value of a group in memory. ``exact=False`` uses DuckDB's
    t-digest ``approx_quantile``, whose memory does not grow with rows.
    """
    metrics = [m for m in params.metrics.values() if m.source == source]
    agg = dict(_AGG) if exact else {**_AGG, "median": "approx_quantile({c}, 0.5)", "p90": "approx_quantile({c}, 0.9)"}
    by = list(by or [])
    glob = str(Path(path) / "**" / "*.parquet") if Path(path).is_dir() else str(path)
    cases = _cycle_cases(params, cycles)
    start = min(cycle_bounds(params.cycles[c].start, params.cycles[c].end)[0] for c in cycles)
    end = max(cycle_bounds(params.cycles[c].start, params.cycles[c].end)[1] for c in cycles)
    # "xmo_cycle": the dataset's own hive partition column may already be called "cycle"
    select = ", ".join([f"CASE {cases} END AS xmo_cycle", *map(_ident, by),
                        *(f"{agg[m.aggregation].format(c=_ident(m.column))} AS {_ident(m.id)}" for m in metrics),
                        "count(*) AS rows"])
    group = ", ".join(["xmo_cycle", *map(_ident, by)])
    sql = (f"SELECT {select} FROM read_parquet(?, hive_partitioning = true) "
           f"WHERE date >= TIMESTAMP '{start}' AND date < TIMESTAMP '{end}' GROUP BY {group} ORDER BY {group}")
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
    try:
        con.execute("SET enable_progress_bar = false")
        return con.execute(sql, [glob]).df().rename(columns={"xmo_cycle": "cycle"})
    finally:
        con.close()


class AggregatedTelemetry(MetricSource):
    """One cycle's telemetry, aggregated in DuckDB, standing in for its rows in the analyses.

    ``metric(m, segment)`` gives a metric overall or for ``(column, level)``; ``per_user()`` the
    mean of every telemetry column per user (for matching respondents); ``len()`` the rows.
    """

    def __init__(self, cycle: str, metrics: pd.DataFrame, users: pd.DataFrame, rows: int, first, last):
        self.cycle, self._metrics, self._users = cycle, metrics, users
        self.rows, self.first, self.last = rows, first, last
        self.columns = ["date", "user_id", *[c for c in metrics["by"].unique() if c != "all"]]

    def __len__(self) -> int:
        return self.rows

    def _value(self, metric, segment: tuple[str, str] | None) -> float:
        by, level = segment if segment else ("all", "all")
        hit = self._metrics[(self._metrics["by"] == by) & (self._metrics["level"] == str(level))]
        return float(hit[metric.id].iloc[0]) if len(hit) and metric.id in hit else float("nan")

    def per_user(self, columns=None, key="user_id") -> pd.DataFrame | None:
        return self._users if columns is None else self._users[[c for c in columns if c in self._users]]


def check(path: str | Path, params: Params) -> list:
    """Validation of a large telemetry dataset inside DuckDB: required columns, no negative metric
    value (each offending record named by file and row), readable dates."""
    from xmo_analysis.core.exceptions import Problem
    glob = str(Path(path) / "**" / "*.parquet") if Path(path).is_dir() else str(path)
    con = duckdb.connect()
    problems = []
    try:
        cols = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true)", [glob]).fetchall()}
        needed = ["date", "device_id", *[m.column for m in params.metrics.values() if m.source == "telemetry"]]
        for c in needed:
            if c not in cols:
                problems.append(Problem(file=str(path), column=c, rule=f"required column '{c}' is missing"))
        for c in sorted({m.column for m in params.metrics.values() if m.source == "telemetry"} & cols):
            bad = con.execute(f"SELECT filename, file_row_number, {_ident(c)} FROM read_parquet(?, filename = true, "
                              f"file_row_number = true, hive_partitioning = true) WHERE {_ident(c)} < 0 LIMIT 50",
                              [glob]).fetchall()
            problems += [Problem(file=f, row=int(r) + 1, column=c, value=v, rule="a metric value must not be negative")
                         for f, r, v in bad]
    except duckdb.Error as exc:
        problems.append(Problem(file=str(path), rule=f"cannot be read as Parquet: {exc}".splitlines()[0]))
    finally:
        con.close()
    return problems


def summarise(path: str | Path, params: Params, cycles: list[str], segments: list[str],
              exact: bool = True) -> dict[str, AggregatedTelemetry]:
    """Aggregate every cycle's telemetry overall, by each segment column, and per user.

    ``exact=False`` (params ``sources.telemetry.exact_quantiles: false``) uses t-digest quantiles,
    whose memory stays flat as rows grow."""
    glob = str(Path(path) / "**" / "*.parquet") if Path(path).is_dir() else str(path)
    con = duckdb.connect()
    try:
        cols = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true)", [glob]).fetchall()}
    finally:
        con.close()
    segs = [s for s in segments if s in cols]
    frames = [aggregate(path, params, cycles, exact=exact).assign(by="all", level="all")]
    for seg in segs:
        frames.append(aggregate(path, params, cycles, by=[seg], exact=exact).rename(columns={seg: "level"})
                      .assign(by=seg))
    metrics = pd.concat(frames, ignore_index=True)
    metrics["level"] = metrics["level"].astype(str)
    columns = sorted({m.column for m in params.metrics.values() if m.source == "telemetry"})
    cases = _cycle_cases(params, cycles)
    users_sql = (f"SELECT CASE {cases} END AS xmo_cycle, user_id, "
                 + ", ".join(f"avg(CAST({_ident(c)} AS DOUBLE)) AS {_ident(c)}" for c in columns)
                 + ", count(*) AS rows, min(date) AS first, max(date) AS last "
                 "FROM read_parquet(?, hive_partitioning = true) GROUP BY xmo_cycle, user_id")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        users = con.execute(users_sql, [glob]).df() if "user_id" in cols else pd.DataFrame(columns=["xmo_cycle", "user_id"])
    finally:
        con.close()
    out = {}
    for c in cycles:
        u = users[users["xmo_cycle"] == c]
        m = metrics[metrics["cycle"] == c]
        rows = int(m.loc[m["by"] == "all", "rows"].sum())
        out[c] = AggregatedTelemetry(c, m, u.drop(columns=["xmo_cycle", "rows", "first", "last"]).set_index("user_id"),
                                     rows, u["first"].min() if len(u) else None, u["last"].max() if len(u) else None)
    return out
