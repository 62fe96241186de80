"""Large T-data: aggregate a hive-partitioned Parquet dataset to indicator level inside DuckDB.

Only the columns a metric needs are read, partitions and row groups outside the period are
skipped (filter push-down), and what reaches pandas is one row per cycle x segment, so memory
stays flat as the number of device-days grows.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from .params import Params

_AGG = {"mean": "avg({c})", "rate": "avg(CAST({c} AS DOUBLE))", "median": "quantile_cont({c}, 0.5)",
        "p90": "quantile_cont({c}, 0.9)"}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def aggregate(path: str | Path, params: Params, cycles: list[str], by: list[str] | None = None,
              source: str = "telemetry", exact: bool = True, threads: int = 2,
              memory_limit: str = "2GB") -> pd.DataFrame:
    """Every ``source`` metric of params per cycle (and per ``by`` segment), computed in DuckDB.

    With ``exact`` quantiles are exact (``quantile_cont``, as numpy's default linear
    interpolation), so the values equal :func:`xmo_analysis.xla.metric_value` on the same rows;
    exact quantiles hold every value of a group in memory. ``exact=False`` uses DuckDB's
    t-digest ``approx_quantile``, whose memory does not grow with rows.
    """
    metrics = [m for m in params.metrics.values() if m.source == source]
    agg = dict(_AGG) if exact else {**_AGG, "median": "approx_quantile({c}, 0.5)", "p90": "approx_quantile({c}, 0.9)"}
    by = list(by or [])
    glob = str(Path(path) / "**" / "*.parquet") if Path(path).is_dir() else str(path)
    cases = " ".join(f"WHEN date >= DATE '{params.cycles[c].start}' AND date < DATE '{params.cycles[c].end}' + 1 "
                     f"THEN '{c}'" for c in cycles)
    start = min(params.cycles[c].start for c in cycles)
    end = max(params.cycles[c].end for c in cycles)
    # "xmo_cycle": the dataset's own hive partition column may already be called "cycle"
    select = ", ".join([f"CASE {cases} END AS xmo_cycle", *map(_ident, by),
                        *(f"{agg[m.aggregation].format(c=_ident(m.column))} AS {_ident(m.id)}" for m in metrics),
                        "count(*) AS rows"])
    group = ", ".join(["xmo_cycle", *map(_ident, by)])
    sql = (f"SELECT {select} FROM read_parquet(?, hive_partitioning = true) "
           f"WHERE date >= DATE '{start}' AND date < DATE '{end}' + 1 GROUP BY {group} ORDER BY {group}")
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
    try:
        con.execute("SET enable_progress_bar = false")
        return con.execute(sql, [glob]).df().rename(columns={"xmo_cycle": "cycle"})
    finally:
        con.close()
