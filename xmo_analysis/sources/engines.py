"""O- and T-data aggregated where they live: one set of ibis expressions, any engine.

Ticket history and device telemetry can be billions of rows in a warehouse or a Spark lake; they
never come to this machine. Every aggregation the missions need is written here once, as an ibis
expression, and runs on the engine params name::

    sources:
      telemetry:
        engine: duckdb            # the embedded default: a Parquet folder (hive partitions) or a CSV
        path: data/telemetry
      tickets:
        engine: postgres          # the organisation's database
        url_env: XMO_OPS_URL      # environment variable holding postgresql://user:pw@host/db
        table: tickets            # or `query: SELECT ...`; `schema:` for a table outside the default
      telemetry:
        engine: spark             # Spark through PySpark
        master: local[2]          # or `master_env: XMO_SPARK_MASTER` (spark://host:7077, yarn, ...)
        path: s3a://lake/telemetry   # a Parquet folder, or `table: lake.telemetry`
      tickets:
        engine: url               # any other ibis backend (BigQuery, Snowflake, Databricks, Trino, ...)
        url_env: XMO_WAREHOUSE_URL   # e.g. snowflake://user:pw@account/db/schema?warehouse=wh
        table: TICKETS

What crosses into pandas is aggregates only: per cycle, per cycle x segment level (counts,
rates, means, exact or approximate quantiles), and per respondent for X-O-T matching. For that
matching the respondent ids go to the engine (a small table of ids joined there), never the
rows to Python: a device's mean per metric and a requester's last ticket come back only for
people who answered the survey.

Definitions (the same as :func:`xmo_analysis.sources.metric_sources.metric_value` on rows):
mean and rate are the mean of the non-missing values (a boolean as 0/1); median and p90 are the
linearly interpolated quantiles (R type 7, numpy's default: DuckDB ``quantile_cont``,
PostgreSQL ``percentile_cont``, Spark ``percentile``). With ``exact_quantiles: false`` quantiles
are the engine's approximate ones (DuckDB's t-digest, Spark's ``approx_percentile`` with its
default accuracy 10 000, i.e. a rank error of at most 1/10 000 of the rows); PostgreSQL has no
approximate quantile and stays exact. ``quantiles: histogram`` computes exact quantiles from the
count of each distinct value per group (one hash aggregate, memory in distinct values, not rows):
exact and fast for measurements with few distinct values (seconds to 0.1 s, milliseconds, counts),
refused with a clear error when a group would hold more than ``HISTOGRAM_MAX_ROWS`` of them
(``quantiles: exact | approximate | histogram``; ``exact_quantiles: false`` is the older spelling of
``approximate``). A ticket's ``resolution_hours`` is computed in the engine
as (resolved_at - opened_at) in seconds / 3600. A requester's last ticket is the latest
``opened_at``, ties broken by the largest ``ticket_id`` (the row source follows the same rule).
Rows belong to a cycle by :func:`~xmo_analysis.core.vocabulary.cycle_bounds` (``[start, end + 1 day)``).
"""
from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.core.params import Params
from xmo_analysis.core.vocabulary import ENGINE_NAMES as ENGINES, QUANTILE_MODES, cycle_bounds
from xmo_analysis.sources.metric_sources import MetricSource

# per contract: the timestamp that places a row in a cycle, the columns every row needs, the
# respondent key for matching, and what names a row in a problem (no file rows in a database)
STAMP = {"tickets": "opened_at", "telemetry": "date"}
REQUIRED = {"tickets": ("ticket_id", "opened_at"), "telemetry": ("date", "device_id")}
PERSON = {"tickets": "requester_id", "telemetry": "user_id"}
ROW_KEY = {"tickets": ("ticket_id",), "telemetry": ("device_id", "date")}
EXAMPLES = 50  # offending rows named per rule; the count says how many there are in all
# ibis' own deprecation notices about its dependencies are not the analyst's to act on, and must
# not reach a notebook's output
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ibis\.")
warnings.filterwarnings("ignore", message=r".*future\.infer_string.*", module=r"ibis\.")


def engine_of(source: dict) -> str | None:
    """The engine a source is aggregated in, or None when its rows are loaded (``aggregate: true``
    is the older spelling of ``engine: duckdb``)."""
    engine = source.get("engine")
    return str(engine) if engine else ("duckdb" if source.get("aggregate") else None)


@dataclass
class Where:
    """Where a source's numbers were computed: what the manifest and the inventory say."""

    engine: str
    version: str
    location: str                      # a path, a table or "query" (never a URL: it may hold a password)
    queries: dict[str, str] = field(default_factory=dict)   # query name -> sha256 of its SQL

    def record(self) -> dict:
        return {"engine": self.engine, "version": self.version, "where": self.location,
                "queries": dict(sorted(self.queries.items()))}


class EngineError(Exception):
    """A source that cannot be reached or read; carries the problem to report."""

    def __init__(self, problem: Problem):
        super().__init__(problem.rule)
        self.problem = problem


def _url(source: dict, label: str) -> str:
    var = source.get("url_env")
    if not var:
        raise EngineError(Problem(file=label, column="url_env", rule="name the environment variable that holds "
                                  "the connection URL (url_env: ...); a URL with a password never goes in params"))
    url = os.environ.get(str(var))
    if not url:
        raise EngineError(Problem(file=label, column="url_env", value=var,
                                  rule=f"set environment variable {var} to the connection URL"))
    return url


def _spark(source: dict, label: str):
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the `spark` extra is not installed
        raise EngineError(Problem(file=label, column="engine", value="spark",
                                  rule=f"PySpark is not installed (pip install 'xmo-analysis[spark]'): {exc}"))
    master = os.environ.get(str(source["master_env"])) if source.get("master_env") else source.get("master")
    builder = (SparkSession.builder.appName("xmo-analysis").master(str(master or "local[2]"))
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(source.get("shuffle_partitions", 8)))
               # local mode runs in the driver's JVM: exact percentiles hold a group's values there
               # (Spark's 1 GB default runs out at 10 M rows); a cluster sets its own executors' memory
               .config("spark.driver.memory", str(source.get("driver_memory", "4g"))))
    for key, value in (source.get("spark_conf") or {}).items():
        builder = builder.config(str(key), str(value))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def open_table(project: Path, contract: str, source: dict, label: str):
    """``(backend, table, Where)`` for one source, its columns already named as the contract's."""
    import ibis

    # files are read under a fixed name (ibis would pick a random one), so that the same query has
    # the same sha256 in every run's manifest
    engine = engine_of(source)
    if engine not in ENGINES:
        raise EngineError(Problem(file=label, column="engine", value=engine, rule=f"one of {', '.join(ENGINES)}"))
    path = source.get("path")
    try:
        if engine == "duckdb":
            database = source.get("database")
            con = ibis.duckdb.connect(str(project / database) if database else ":memory:",
                                      threads=int(source.get("threads", os.cpu_count() or 2)),
                                      memory_limit=str(source.get("memory_limit", "2GB")))
            con.raw_sql("SET enable_progress_bar = false")
            # every query orders its result: DuckDB need not keep the rows' order (less memory)
            con.raw_sql("SET preserve_insertion_order = false")
            if path and not source.get("table"):
                full = project / str(path)
                if not full.exists():
                    raise EngineError(Problem(file=label, rule="file is missing"))
                if full.is_dir() or str(full).endswith((".parquet", ".pq")):
                    glob = str(full / "**" / "*.parquet") if full.is_dir() else str(full)
                    # file and row of every record, so that a problem names them as for a loaded file
                    table = con.read_parquet(glob, hive_partitioning=full.is_dir(), filename=True,
                                             file_row_number=True, table_name=f"xmo_{contract}")
                else:
                    table = con.read_csv(str(full), table_name=f"xmo_{contract}")
                location = str(path)
            else:
                table, location = _named(con, source, label)
        elif engine == "spark":
            session = _spark(source, label)
            con = ibis.pyspark.connect(session)
            if path and not source.get("table"):
                table, location = con.read_parquet(str(project / str(path)) if "://" not in str(path) else str(path),
                                                   table_name=f"xmo_{contract}"), str(path)
            else:
                table, location = _named(con, source, label)
        else:
            url = _url(source, label)
            if engine == "postgres" and not url.startswith(("postgres://", "postgresql://")):
                url = "postgres://" + url.split("://", 1)[-1]  # a SQLAlchemy URL (postgresql+psycopg://) works too
            con = ibis.connect(url)
            table, location = _named(con, source, label)
    except EngineError:
        raise
    except Exception as exc:  # the engine's own error, reported as the source's problem
        why = str(exc).splitlines()[0][:300]
        if "NANOS" in why:
            why += (" (Spark reads Parquet timestamps in micro- or milliseconds: write the files with "
                    "coerce_timestamps='us', as pyarrow and most lakes do)")
        raise EngineError(Problem(file=label, rule=f"cannot read from {engine}: {why}"))
    columns = source.get("columns") or {}
    rename = {dst: src for dst, src in columns.items() if src in table.columns and dst != src}
    if rename:
        table = table.rename(rename)
    if contract == "tickets" and {"opened_at", "resolved_at"} <= set(table.columns):
        table = table.mutate(resolution_hours=(table.resolved_at.cast("timestamp").epoch_seconds()
                                               - table.opened_at.cast("timestamp").epoch_seconds()) / 3600.0)
    return con, table, Where(engine, _version(con, engine), location)


def _named(con, source: dict, label: str):
    if source.get("query"):
        return con.sql(str(source["query"])), "query"
    if not source.get("table"):
        raise EngineError(Problem(file=label, column="table", rule="give `table:` (or `query:`, or `path:`)"))
    schema = source.get("schema")
    table = con.table(str(source["table"]), database=schema) if schema else con.table(str(source["table"]))
    return table, f"{schema}.{source['table']}" if schema else str(source["table"])


def _version(con, engine: str) -> str:
    try:
        return str(con.version)
    except Exception:  # some backends cannot say; the manifest says so
        return "unknown"


def _close(con, engine: str) -> None:
    if engine != "spark":  # the Spark session is kept for the process: starting one costs seconds
        try:
            con.disconnect()
        except Exception:
            pass


# ------------------------------------------------------------------------------------ expressions
def _in_cycles(table, stamp: str, params: Params, cycles: list[str]):
    """``table`` restricted to the cycles' period, with ``xmo_cycle`` naming each row's cycle."""
    import ibis

    bounds = {c: cycle_bounds(params.cycles[c].start, params.cycles[c].end) for c in cycles}
    ts = table[stamp].cast("timestamp")
    arms = [((ts >= ibis.timestamp(lo)) & (ts < ibis.timestamp(hi)), c) for c, (lo, hi) in bounds.items()]
    lo = min(b[0] for b in bounds.values())
    hi = max(b[1] for b in bounds.values())
    # "xmo_cycle": the dataset's own partition column may already be called "cycle"
    return table.filter(ts >= ibis.timestamp(lo), ts < ibis.timestamp(hi)).mutate(xmo_cycle=ibis.cases(*arms))


def _number(column):
    """A column as float64; a boolean through an integer (PostgreSQL casts no boolean to double)."""
    if column.type().is_boolean():
        return column.cast("int32").cast("float64")
    return column.cast("float64")


HISTOGRAM_MAX_ROWS = 5_000_000  # distinct (group, value) pairs a histogram may bring back


def quantile_mode(source: dict) -> str:
    """``quantiles:`` of a source (``exact_quantiles: false`` is the older spelling of approximate)."""
    mode = source.get("quantiles")
    if mode is None:
        return "exact" if source.get("exact_quantiles", True) else "approximate"
    if mode not in QUANTILE_MODES:
        raise EngineError(Problem(file="params/xmo.yaml", column="quantiles", value=str(mode),
                                  rule=f"one of {', '.join(QUANTILE_MODES)}"))
    return str(mode)


QUANTILES = {"median": 0.5, "p90": 0.9}


def _aggregation(column, aggregation: str, approximate: bool, engine: str):
    x = _number(column)
    if aggregation in ("mean", "rate"):
        return x.mean()
    q = QUANTILES[aggregation]
    if not approximate or engine == "postgres":
        return x.quantile(q)
    return x.approx_quantile(q)


def _scoped(table, params: Params, contract: str, cycles: list[str], by: list[str]):
    """``table``'s rows in the cycles, with ``xmo_cycle``, and a known level of every ``by`` column."""
    t = _in_cycles(table, STAMP[contract], params, cycles)
    for col in by:
        t = t.filter(t[col].notnull())
    return t


@dataclass(frozen=True)
class Histogram:
    """A quantile metric computed exactly from its values' counts (``quantiles: histogram``):
    ``expr`` gives one row per group and distinct value with its count ``xmo_n``."""

    expr: object
    metric: str
    q: float


def _histogram(table, params: Params, contract: str, cycles: list[str], by: list[str], metric: str) -> Histogram:
    m = params.metrics[metric]
    t = _scoped(table, params, contract, cycles, by)
    t = t.mutate(xmo_value=_number(t[m.column]))
    t = t.filter(t.xmo_value.notnull())
    keys = ["xmo_cycle", *by, "xmo_value"]
    expr = t.group_by(keys).aggregate(xmo_n=t.count()).order_by(keys).limit(HISTOGRAM_MAX_ROWS + 1)
    return Histogram(expr, metric, QUANTILES[m.aggregation])


def histogram_quantile(frame: pd.DataFrame, keys: list[str], metric: str, q: float) -> pd.DataFrame:
    """The type 7 quantile ``q`` (numpy's default, DuckDB's ``quantile_cont``) per group of
    ``frame`` (``keys``, ``xmo_value`` sorted within each group, ``xmo_n`` its count).

    Of N values sorted, position h = (N - 1) q (from 0); the quantile is x[floor h] + (h - floor h)
    (x[floor h + 1] - x[floor h]), where x[j] is the value whose cumulative count first exceeds j.
    Written by hand: no library takes a weighted histogram to an interpolated quantile exactly
    (numpy's weighted quantiles support only the inverted-CDF method)."""
    rows = []
    for key, g in frame.groupby(keys, sort=True, dropna=False):
        g = g.sort_values("xmo_value", kind="stable")
        values = g["xmo_value"].to_numpy(dtype=float)
        cum = np.cumsum(g["xmo_n"].to_numpy(dtype=np.int64))
        h = (cum[-1] - 1) * q
        lo = int(np.floor(h))
        x_lo = values[np.searchsorted(cum, lo, side="right")]
        x_hi = values[np.searchsorted(cum, min(lo + 1, cum[-1] - 1), side="right")]
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))), metric: x_lo + (h - lo) * (x_hi - x_lo)})
    return pd.DataFrame(rows, columns=[*keys, metric])


def metric_table(table, params: Params, contract: str, cycles: list[str], by: list[str], approximate: bool,
                 engine: str = "duckdb", only: list[str] | None = None):
    """Every ``contract`` metric of params (or those in ``only``) per cycle (and per ``by`` level),
    with ``rows``; quantiles approximate (t-digest) or exact."""
    t = _scoped(table, params, contract, cycles, by)
    aggs = {m.id: _aggregation(t[m.column], m.aggregation, approximate, engine)
            for m in params.metrics.values() if m.source == contract and m.column in t.columns
            and (only is None or m.id in only)}
    keys = ["xmo_cycle", *by]
    return t.group_by(keys).aggregate(rows=t.count(), **aggs).order_by(keys)


def metric_parts(table, params: Params, contract: str, cycles: list[str], by: list[str], mode: str,
                 engine: str = "duckdb") -> dict[str, object]:
    """The queries of :func:`metric_table`, split so that memory stays bounded (``mode``: one of
    ``QUANTILE_MODES``, see :func:`quantile_mode`): with exact quantiles every quantile metric is
    its own query (an exact quantile holds all of a group's values, so two in one query need twice
    the memory: 200 M rows x two p90 metrics do not fit 4 GB), the means and rates one more; with
    ``"histogram"`` each quantile metric is a :class:`Histogram`. Merged on the keys by
    :func:`run_parts`."""
    approximate = mode == "approximate"
    ids = [m.id for m in params.metrics.values() if m.source == contract and m.column in table.columns]
    quantiles = [] if approximate else [i for i in ids if params.metrics[i].aggregation in QUANTILES]
    rest = [i for i in ids if i not in quantiles]
    parts: dict[str, object] = {"": metric_table(table, params, contract, cycles, by, approximate, engine, only=rest)}
    for q in quantiles:
        parts[f" {q}"] = (_histogram(table, params, contract, cycles, by, q) if mode == "histogram" else
                          metric_table(table, params, contract, cycles, by, False, engine, only=[q]))
    return parts


def run_parts(con, parts: dict[str, object], by: list[str], label: str | None = None) -> pd.DataFrame:
    """Execute the queries of :func:`metric_parts` one after another and merge them on the keys."""
    keys = ["xmo_cycle", *by]
    out = None
    for name, expr in parts.items():
        if isinstance(expr, Histogram):
            counts = con.execute(expr.expr)
            if len(counts) > HISTOGRAM_MAX_ROWS:
                raise EngineError(Problem(file=label, column="quantiles", value="histogram", rule=(
                    f"quantiles: histogram needs few distinct values, but {expr.metric} has more than "
                    f"{HISTOGRAM_MAX_ROWS:,} distinct (group, value) pairs: use quantiles: exact or approximate")))
            frame = histogram_quantile(counts, keys, expr.metric, expr.q)
        else:
            frame = con.execute(expr)
        out = frame if out is None else out.merge(frame.drop(columns="rows", errors="ignore"), on=keys, how="outer")
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def part_expr(part) -> object:
    """The ibis expression of a part of :func:`metric_parts` (a histogram's counting query)."""
    return part.expr if isinstance(part, Histogram) else part


def per_person(table, params: Params, contract: str, cycles: list[str], ids, columns: list[str]):
    """Per respondent (``ids``: a table of ``xmo_cycle``, ``person``): telemetry's mean of each
    column over their device-days, or the values on a requester's last ticket of the cycle."""
    import ibis

    t = _in_cycles(table, STAMP[contract], params, cycles)
    key = PERSON[contract]
    t = t.filter(t[key].notnull()).mutate(person=t[key].cast("string"))
    if contract == "telemetry":
        got = t.group_by(["xmo_cycle", "person"]).aggregate(**{c: _number(t[c]).mean() for c in columns})
    else:
        order = [ibis.desc(t.opened_at), ibis.desc(t.ticket_id.cast("string"))]
        ranked = t.mutate(xmo_rank=ibis.row_number().over(group_by=[t.xmo_cycle, t.person], order_by=order))
        got = ranked.filter(ranked.xmo_rank == 0).select("xmo_cycle", "person",
                                                          **{c: _number(ranked[c]) for c in columns})
    joined = got.join(ids, ["xmo_cycle", "person"], how="inner")
    return joined.select("xmo_cycle", "person", *columns).order_by(["xmo_cycle", "person"])


def _sql(expr, con, rename: dict[str, str]) -> str:
    """The SQL the engine ran, with ibis' random in-memory table names replaced by fixed ones."""
    import ibis
    try:
        text = str(ibis.to_sql(expr, dialect=con.name))
    except Exception:  # a backend without a SQL dialect: the expression's own text
        text = repr(expr)
    for old, new in rename.items():
        text = text.replace(old, new)
    return text


def _plain(value):
    """A numpy scalar as the Python value a problem shows."""
    return value.item() if hasattr(value, "item") else value


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -------------------------------------------------------------------------------------- validation
def check(project: Path, contract: str, source: dict, params: Params, label: str) -> list[Problem]:
    """The contract's rules, evaluated in the engine: required columns, no negative telemetry
    value, no ticket resolved before it was opened, unique ticket ids. Each offending row is
    named by its key (``EXAMPLES`` per rule at most, with how many there are in all)."""
    try:
        con, t, where = open_table(project, contract, source, label)
    except EngineError as exc:
        return [exc.problem]
    problems: list[Problem] = []
    try:
        metric_cols = sorted({m.column for m in params.metrics.values() if m.source == contract})
        needed = [*REQUIRED[contract], *(c for c in metric_cols if c not in REQUIRED[contract])]
        if contract == "tickets" and "resolution_hours" in metric_cols:
            needed = [c for c in needed if c != "resolution_hours"] + ["resolved_at"]
        for c in dict.fromkeys(needed):
            if c not in t.columns:
                problems.append(Problem(file=label, column=c, rule=f"required column '{c}' is missing"))
        if problems:
            return problems
        at_row = {"filename", "file_row_number"} <= set(t.columns)  # DuckDB over Parquet files
        key = ["filename", "file_row_number"] if at_row else [k for k in ROW_KEY[contract] if k in t.columns]
        rules = []
        if contract == "telemetry":
            rules += [(c, t[c] < 0, "a metric value must not be negative") for c in metric_cols if c in t.columns]
        else:
            rules.append(("resolved_at", t.resolved_at.notnull() & (t.resolved_at < t.opened_at),
                          "resolved_at must not be before opened_at"))
        for col, bad, rule in rules:
            hits = t.filter(bad)
            n = int(con.execute(hits.count()))
            if n:
                shown = con.execute(hits.select(*key, col).order_by(key).limit(EXAMPLES))
                for rec in shown.to_dict("records"):
                    file, row = ((rec["filename"], int(rec["file_row_number"]) + 1) if at_row
                                 else (label, ", ".join(f"{k}={rec[k]}" for k in key)))
                    problems.append(Problem(file=file, row=row, column=col, value=_plain(rec[col]), rule=rule))
                if n > EXAMPLES:
                    problems.append(Problem(file=label, column=col, rule=f"{rule}: {n - EXAMPLES:,} more rows like these"))
        if contract == "tickets":
            dup = t.group_by("ticket_id").aggregate(n=t.count())
            dup = dup.filter(dup.n > 1)
            for rec in con.execute(dup.order_by("ticket_id").limit(EXAMPLES)).to_dict("records"):
                problems.append(Problem(file=label, column="ticket_id", value=rec["ticket_id"],
                                        rule=f"a ticket id must be unique ({rec['n']} rows have it)"))
    except Exception as exc:
        problems.append(Problem(file=label, rule=f"cannot be checked in {where.engine}: {str(exc).splitlines()[0][:300]}"))
    finally:
        _close(con, where.engine)
    return problems


# ------------------------------------------------------------------------------------ the sources
class EngineSource(MetricSource):
    """One cycle of a source aggregated in an engine, standing in for its rows in the analyses.

    ``metric(m, segment)`` gives a metric overall or for ``(column, level)``; ``per_user()`` the
    respondents' own values (telemetry's means over their device-days); ``last_per()`` the values
    on each respondent's last ticket; ``count(segment)`` the rows; ``len()`` the cycle's rows."""

    def __init__(self, cycle: str, metrics: pd.DataFrame, people: pd.DataFrame, rows: int, first, last,
                 columns: list[str], where: Where):
        self.cycle, self._metrics, self._people = cycle, metrics, people
        self.rows, self.first, self.last, self.where = rows, first, last, where
        self.columns = columns

    def __len__(self) -> int:
        return self.rows

    def _hit(self, segment):
        by, level = segment if segment else ("all", "all")
        return self._metrics[(self._metrics["by"] == by) & (self._metrics["level"] == str(level))]

    def _value(self, metric, segment) -> float:
        hit = self._hit(segment)
        return float(hit[metric.id].iloc[0]) if len(hit) and metric.id in hit and pd.notna(hit[metric.id].iloc[0]) \
            else float("nan")

    def count(self, segment=None) -> int:
        if segment is not None and segment[0] not in self.columns:
            return 0
        hit = self._hit(segment)
        return int(hit["rows"].iloc[0]) if len(hit) else 0

    def levels(self, column):
        return sorted(self._metrics.loc[self._metrics["by"] == column, "level"].astype(str).unique())

    def per_user(self, columns=None, key="user_id") -> pd.DataFrame | None:
        if self._people is None or key != PERSON.get("telemetry"):
            return None
        return self._people if columns is None else self._people[[c for c in columns if c in self._people]]

    def last_per(self, key: str, order: str, columns: list[str]) -> pd.DataFrame | None:
        if self._people is None or key != PERSON.get("tickets"):
            return None
        return self._people[[c for c in columns if c in self._people]]


def summarise(project: Path, contract: str, source: dict, params: Params, cycles: list[str],
              segments: list[str], respondents: pd.DataFrame | None = None,
              label: str | None = None) -> tuple[dict[str, EngineSource], Where, str]:
    """Aggregate every cycle of a source overall, by each segment column it has, and per
    respondent; ``(cycle -> EngineSource, Where, sha256 of the aggregates)``.

    ``respondents`` (columns ``cycle``, ``respondent_id``) are the people to match: they are sent
    to the engine as a small table; only their values come back.
    """
    import ibis

    label = label or f"sources.{contract}"
    con, t, where = open_table(project, contract, source, label)
    exact = quantile_mode(source)
    try:
        segs = [s for s in segments if s in t.columns]
        exprs, frames = {}, {}
        for name, by in [("all", []), *((f"by {s}", [s]) for s in segs)]:
            parts = metric_parts(t, params, contract, cycles, by, exact, where.engine)
            exprs.update({name + suffix: part_expr(e) for suffix, e in parts.items()})
            frames[name] = run_parts(con, parts, by, label)
        span = _in_cycles(t, STAMP[contract], params, cycles)
        exprs["period"] = span.group_by("xmo_cycle").aggregate(first=span[STAMP[contract]].min(),
                                                               last=span[STAMP[contract]].max())
        frames["period"] = con.execute(exprs["period"])
        people, memtables = None, {}
        cols = sorted({m.column for m in params.metrics.values() if m.source == contract and m.column in t.columns})
        if respondents is not None and PERSON[contract] in t.columns and cols:
            ids = respondents.dropna().drop_duplicates()
            ids = pd.DataFrame({"xmo_cycle": ids["cycle"].astype(str), "person": ids["respondent_id"].astype(str)})
            ids = ids.sort_values(["xmo_cycle", "person"], kind="stable").reset_index(drop=True)
            table = ibis.memtable(ids)
            expr = per_person(t, params, contract, cycles, table, cols)
            exprs["per respondent"] = expr
            people = con.execute(expr)
            memtables[table.op().name] = "xmo_respondents"  # ibis names it at random: not part of the query
        where.queries = {name: _digest(_sql(e, con, memtables)) for name, e in exprs.items()}
    except EngineError:
        raise
    except Exception as exc:
        raise EngineError(Problem(file=label, rule=f"cannot be aggregated in {where.engine}: "
                                                   f"{str(exc).splitlines()[0][:300]}"))
    finally:
        _close(con, where.engine)
    parts = [frames["all"].assign(by="all", level="all")]
    for s in segs:
        parts.append(frames[f"by {s}"].rename(columns={s: "level"}).assign(by=s))
    metrics = pd.concat(parts, ignore_index=True)
    metrics["level"] = metrics["level"].astype(str)
    metrics = metrics.rename(columns={"xmo_cycle": "cycle"})
    for col in metrics.columns.difference(["cycle", "by", "level", "rows"]):
        metrics[col] = pd.to_numeric(metrics[col], errors="coerce").astype(float)
    metrics["rows"] = metrics["rows"].astype("int64")
    period = frames["period"].set_index("xmo_cycle")
    columns = [c for c in t.columns if c not in ("xmo_cycle", "filename", "file_row_number")]
    out = {}
    for c in cycles:
        m = metrics[metrics["cycle"] == c].reset_index(drop=True)
        rows = int(m.loc[m["by"] == "all", "rows"].sum())
        mine = None
        if people is not None:
            p = people[people["xmo_cycle"] == c]
            mine = p.drop(columns="xmo_cycle").set_index("person").astype(float)
            mine.index.name = PERSON[contract]
        first = pd.Timestamp(period.loc[c, "first"]) if c in period.index else None
        last = pd.Timestamp(period.loc[c, "last"]) if c in period.index else None
        out[c] = EngineSource(c, m, mine, rows, first, last, columns, where)
    digest = hashlib.sha256(pd.util.hash_pandas_object(metrics.sort_values(["cycle", "by", "level"], kind="stable")
                                                       .reset_index(drop=True), index=False).to_numpy().tobytes())
    if people is not None:
        digest.update(pd.util.hash_pandas_object(people.reset_index(drop=True), index=False).to_numpy().tobytes())
    return out, where, digest.hexdigest()


def aggregate(project: Path, contract: str, source: dict, params: Params, cycles: list[str],
              by: list[str] | None = None) -> tuple[pd.DataFrame, Where]:
    """One metric table (per cycle and ``by`` level, with ``rows``) computed in the source's
    engine: what :func:`summarise` does per segment column, for benchmarks and checks."""
    label = f"sources.{contract}"
    con, t, where = open_table(project, contract, source, label)
    try:
        by = list(by or [])
        parts = metric_parts(t, params, contract, cycles, by, quantile_mode(source), where.engine)
        where.queries = {"metrics" + k: _digest(_sql(part_expr(e), con, {})) for k, e in parts.items()}
        return run_parts(con, parts, by, label).rename(columns={"xmo_cycle": "cycle"}), where
    finally:
        _close(con, where.engine)
