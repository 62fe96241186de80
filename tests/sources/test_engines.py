"""One set of ibis aggregations, many engines: DuckDB, PostgreSQL and Spark give the same numbers.

The references are independent of ibis: pandas on the raw files (groupby, ``Series.quantile``),
and the engines against each other. PostgreSQL is a real server the tests start; Spark is local
PySpark. Each skips, saying why, only where it cannot start.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_project
from xmo_analysis.core.exceptions import ConfigError, InputError
from xmo_analysis.core.params import load_params
from xmo_analysis.core.vocabulary import cycle_bounds
from xmo_analysis.domain.xla import indicator_table
from xmo_analysis.sources import engines
from xmo_analysis.sources.loaders import load_cycle

CYCLE = "2026-Q4"
FILES = {"tickets": "data/demo/tickets.parquet", "telemetry": "data/demo/telemetry"}


@pytest.fixture(scope="module")
def eng_project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("engines"))


def _summarise(project, contract, source):
    params = load_params(project / "params")
    cycles = params.cycles_up_to(CYCLE)
    people = pd.read_csv(project / "data/demo/responses.csv", usecols=["cycle", "respondent_id"])
    out, where, digest = engines.summarise(project, contract, source, params, cycles, params.segments, people)
    metrics = pd.concat([s._metrics for s in out.values()], ignore_index=True)
    own = pd.concat([s._people.assign(cycle=c) for c, s in out.items() if s._people is not None])
    return metrics, own, where, digest, out


def _raw(project, contract) -> pd.DataFrame:
    """The source's rows read by pandas alone, each given its cycle by the calendar of params."""
    params = load_params(project / "params")
    frame = pd.read_parquet(project / FILES[contract]).drop(columns=["cycle"], errors="ignore")
    stamp = engines.STAMP[contract]
    frame["cycle"] = None
    for c in params.cycles_up_to(CYCLE):
        lo, hi = cycle_bounds(params.cycles[c].start, params.cycles[c].end)
        inside = (frame[stamp] >= pd.Timestamp(lo)) & (frame[stamp] < pd.Timestamp(hi))
        frame.loc[inside, "cycle"] = c
    if contract == "tickets":
        frame["resolution_hours"] = (frame["resolved_at"] - frame["opened_at"]).dt.total_seconds() / 3600
    return frame[frame["cycle"].notna()]


def _pandas_metric(x: pd.Series, aggregation: str) -> float:
    x = pd.to_numeric(x.astype("Float64"), errors="coerce").dropna().astype(float)
    return {"mean": x.mean(), "rate": x.mean(), "median": x.quantile(0.5), "p90": x.quantile(0.9)}[aggregation]


@pytest.mark.parametrize("mode", ["exact", "histogram"])
@pytest.mark.parametrize("contract", ["tickets", "telemetry"])
def test_duckdb_equals_pandas_on_the_raw_rows(eng_project, contract, mode):
    """Exact quantiles, by the engine's quantile function or from a histogram of the values."""
    metrics, own, where, _, _ = _summarise(eng_project, contract, {"engine": "duckdb", "path": FILES[contract],
                                                                   "quantiles": mode})
    again = _summarise(eng_project, contract, {"engine": "duckdb", "path": FILES[contract], "quantiles": mode})[2]
    assert where.queries and again.queries == where.queries  # the manifest's query fingerprints are stable
    raw = _raw(eng_project, contract)
    params = load_params(eng_project / "params")
    mine = [m for m in params.metrics.values() if m.source == contract]
    assert mine and where.engine == "duckdb" and where.version == __import__("duckdb").__version__
    checked = 0
    for seg in ["all", *[s for s in params.segments if s in raw]]:
        groups = raw.groupby(["cycle"] if seg == "all" else ["cycle", seg])
        for key, rows in groups:
            cycle, level = (key[0], "all") if seg == "all" else key
            got = metrics[(metrics["cycle"] == cycle) & (metrics["by"] == seg) & (metrics["level"] == str(level))]
            assert len(got) == 1, (cycle, seg, level)
            assert got["rows"].iloc[0] == len(rows)
            for m in mine:
                assert got[m.id].iloc[0] == pytest.approx(_pandas_metric(rows[m.column], m.aggregation), rel=1e-9, abs=1e-12)
                checked += 1
    assert checked > 100
    # per respondent: the mean over their device-days, or their last ticket (latest opened_at)
    key = engines.PERSON[contract]
    people = pd.read_csv(eng_project / "data/demo/responses.csv", usecols=["cycle", "respondent_id"]).dropna()
    answered = set(zip(people["cycle"], people["respondent_id"].astype(str)))
    assert set(zip(own["cycle"], own.index)) <= answered  # only respondents come back from the engine
    raw = raw[[(c, str(p)) in answered for c, p in zip(raw["cycle"], raw[key])]]
    column = mine[0].column
    if contract == "telemetry":
        expected = raw.groupby(["cycle", key])[column].mean()
    else:
        last = raw.sort_values(["opened_at", "ticket_id"]).groupby(["cycle", key]).tail(1)
        expected = last.set_index(["cycle", key])[column].astype(float)
    got = own.reset_index().set_index(["cycle", key])[column]
    assert len(got) == len(expected) > 50
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False,
                                   check_index_type=False, rtol=1e-12)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-3, 12), min_size=1, max_size=60), q=st.sampled_from([0.0, 0.1, 0.5, 0.9, 0.99, 1.0]))
def test_histogram_quantile_is_numpys_quantile(values, q):
    """The type 7 quantile from value counts equals numpy's on the rows (values repeat, as rounded
    measurements do; one group or two)."""
    rows = pd.DataFrame({"g": [i % 2 for i in range(len(values))], "x": np.array(values, dtype=float) / 10})
    counts = rows.groupby(["g", "x"]).size().rename("xmo_n").reset_index().rename(columns={"x": "xmo_value"})
    got = engines.histogram_quantile(counts, ["g"], "m", q).set_index("g")["m"]
    expected = rows.groupby("g")["x"].apply(lambda x: float(np.quantile(x.to_numpy(), q)))
    assert list(got.index) == list(expected.index)
    for g in expected.index:
        assert got[g] == pytest.approx(expected[g], abs=1e-12)


def test_histogram_refuses_too_many_distinct_values(eng_project, monkeypatch):
    monkeypatch.setattr(engines, "HISTOGRAM_MAX_ROWS", 50)
    with pytest.raises(engines.EngineError) as err:
        _summarise(eng_project, "telemetry", {"engine": "duckdb", "path": FILES["telemetry"], "quantiles": "histogram"})
    problem = err.value.problem
    assert problem.column == "quantiles" and "more than 50 distinct" in problem.rule and "exact or approximate" in problem.rule


def test_an_unknown_quantile_mode_is_a_params_error(tmp_path):
    import shutil
    from conftest import REPO
    shutil.copytree(REPO / "params", tmp_path / "params")
    path = tmp_path / "params" / "xmo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    aggregate: false\n", "    aggregate: false\n    quantiles: tdigest\n", 1),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_params(tmp_path / "params")
    assert any(p.column == "sources.telemetry.quantiles" and p.value == "tdigest" for p in err.value.problems)


def _into_postgres(project, url: str) -> None:
    con = sa.create_engine(url)
    for contract, path in FILES.items():
        frame = pd.read_parquet(project / path).drop(columns=["cycle"], errors="ignore")
        frame.to_sql(f"eng_{contract}", con, index=False, if_exists="replace", chunksize=5000)
    con.dispose()


@pytest.mark.parametrize("contract", ["tickets", "telemetry"])
def test_postgres_and_spark_give_duckdbs_numbers(eng_project, postgres_url, spark_session, monkeypatch, contract):
    _into_postgres(eng_project, postgres_url)
    monkeypatch.setenv("XMO_TEST_PG", postgres_url)
    duck = _summarise(eng_project, contract, {"engine": "duckdb", "path": FILES[contract]})
    pg = _summarise(eng_project, contract, {"engine": "postgres", "url_env": "XMO_TEST_PG", "table": f"eng_{contract}"})
    spark = _summarise(eng_project, contract, {"engine": "spark", "master": "local[2]", "path": FILES[contract]})
    # exact quantiles from value counts, on a server engine: the same numbers
    pg_hist = _summarise(eng_project, contract, {"engine": "postgres", "url_env": "XMO_TEST_PG",
                                                 "table": f"eng_{contract}", "quantiles": "histogram"})
    for other in (pg, spark, pg_hist):
        pd.testing.assert_frame_equal(other[0], duck[0], check_dtype=False, rtol=1e-9)
        pd.testing.assert_frame_equal(other[1].sort_index(), duck[1].sort_index(), check_dtype=False, rtol=1e-9)
    assert (pg[2].engine, spark[2].engine) == ("postgres", "spark")
    assert pg[2].version[0].isdigit() and spark[2].version == spark_session.version
    assert pg[2].location == f"eng_{contract}" and set(pg[2].queries) == set(duck[2].queries)
    assert all(len(v) == 64 for v in pg[2].queries.values()) and pg[2].queries != duck[2].queries  # SQL differs


def _rank_error(values: pd.Series, estimate: float, q: float) -> float:
    """How far (as a share of the rows) ``estimate`` sits from the q-th quantile's rank."""
    v = np.sort(values.dropna().to_numpy(float))
    lo, hi = np.searchsorted(v, estimate, "left") / len(v), np.searchsorted(v, estimate, "right") / len(v)
    return 0.0 if lo <= q <= hi else min(abs(lo - q), abs(hi - q))


def test_approximate_quantiles_within_their_documented_error(eng_project, spark_session):
    """DuckDB's t-digest and Spark's approx_percentile (accuracy 10 000: rank error <= 1/10 000
    of the rows) against the exact rank on the raw rows; PostgreSQL stays exact."""
    raw = _raw(eng_project, "telemetry")
    params = load_params(eng_project / "params")
    quantiles = [m for m in params.metrics.values() if m.source == "telemetry" and m.aggregation in ("median", "p90")]
    source = {"path": FILES["telemetry"], "exact_quantiles": False}
    duck = _summarise(eng_project, "telemetry", {"engine": "duckdb", **source})[0]
    spark = _summarise(eng_project, "telemetry", {"engine": "spark", **source})[0]
    worst = {"duckdb": 0.0, "spark": 0.0}
    for cycle, rows in raw.groupby("cycle"):
        for m in quantiles:
            q = 0.5 if m.aggregation == "median" else 0.9
            for name, frame in (("duckdb", duck), ("spark", spark)):
                est = frame[(frame["cycle"] == cycle) & (frame["by"] == "all")][m.id].iloc[0]
                worst[name] = max(worst[name], _rank_error(rows[m.column], est, q))
    assert worst["spark"] <= 1e-4 + 1e-9
    assert worst["duckdb"] <= 0.01  # t-digest: no hard bound; 1% of rank is its usual error at this size


def test_a_cycle_on_postgres_scores_as_from_files(eng_project, postgres_url, monkeypatch, tmp_path):
    import shutil
    project = tmp_path / "project"
    shutil.copytree(eng_project, project)
    files = load_cycle(project, CYCLE)
    _into_postgres(project, postgres_url)
    monkeypatch.setenv("XMO_TEST_PG", postgres_url)
    path = project / "params/xmo.yaml"
    settings = yaml.safe_load(path.read_text())
    for contract in FILES:
        settings["sources"][contract] = {"engine": "postgres", "url_env": "XMO_TEST_PG", "table": f"eng_{contract}"}
    path.write_text(yaml.safe_dump(settings))
    data = load_cycle(project, CYCLE)
    pd.testing.assert_frame_equal(indicator_table(data, data.params), indicator_table(files, files.params),
                                  check_exact=False, rtol=1e-9)
    assert set(data.engines) == set(FILES) and len(data.tickets) == len(data.telemetry) == 0
    assert {k for k in data.files if k.startswith("sources.")} == {"sources.tickets (postgres)",
                                                                   "sources.telemetry (postgres)"}


def test_engine_problems_name_source_rule_and_rows(eng_project, postgres_url, monkeypatch, tmp_path):
    import shutil
    project = tmp_path / "project"
    shutil.copytree(eng_project, project)
    path = project / "params/xmo.yaml"
    settings = yaml.safe_load(path.read_text())
    # an unknown engine, and an engine on a contract that is read as a table: params errors
    bad = {**settings, "sources": {**settings["sources"], "telemetry": {"engine": "sparkk", "path": FILES["telemetry"]},
                                   "backlog": {**settings["sources"]["backlog"], "engine": "duckdb"}}}
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError) as err:
        load_params(project / "params")
    rules = {p.column: p.rule for p in err.value.problems}
    assert "one of duckdb, postgres, spark, url" in rules["sources.telemetry.engine"]
    assert "read as a table" in rules["sources.backlog.engine"]
    # a URL variable that is not set
    monkeypatch.delenv("XMO_TEST_UNSET", raising=False)
    settings["sources"]["tickets"] = {"engine": "postgres", "url_env": "XMO_TEST_UNSET", "table": "eng_tickets"}
    path.write_text(yaml.safe_dump(settings))
    with pytest.raises(InputError, match="set environment variable XMO_TEST_UNSET"):
        load_cycle(project, CYCLE)
    # bad rows in the database, each named by its key, with every rule at once
    frame = pd.read_parquet(project / FILES["telemetry"]).drop(columns=["cycle"])
    frame.loc[[3, 11], "crashes"] = -1
    tickets = pd.read_parquet(project / FILES["tickets"])
    tickets.loc[5, "resolved_at"] = tickets.loc[5, "opened_at"] - pd.Timedelta(hours=2)
    tickets.loc[9, "ticket_id"] = tickets.loc[8, "ticket_id"]
    con = sa.create_engine(postgres_url)
    frame.to_sql("bad_telemetry", con, index=False, if_exists="replace", chunksize=5000)
    tickets.to_sql("bad_tickets", con, index=False, if_exists="replace", chunksize=5000)
    con.dispose()
    monkeypatch.setenv("XMO_TEST_PG", postgres_url)
    settings["sources"]["tickets"] = {"engine": "postgres", "url_env": "XMO_TEST_PG", "table": "bad_tickets"}
    settings["sources"]["telemetry"] = {"engine": "postgres", "url_env": "XMO_TEST_PG", "table": "bad_telemetry"}
    path.write_text(yaml.safe_dump(settings))
    with pytest.raises(InputError) as err:
        load_cycle(project, CYCLE)
    found = {(p.file, p.column, p.rule.split(" (")[0]): p for p in err.value.problems}
    neg = [p for p in err.value.problems if p.column == "crashes"]
    assert sorted(p.row for p in neg) == sorted(f"device_id={frame.loc[i, 'device_id']}, date={frame.loc[i, 'date']}"
                                                for i in (3, 11))
    assert all(p.file == "sources.telemetry (postgres)" and p.value == -1 for p in neg)
    late = found[("sources.tickets (postgres)", "resolved_at", "resolved_at must not be before opened_at")]
    assert late.row == f"ticket_id={tickets.loc[5, 'ticket_id']}"
    dup = found[("sources.tickets (postgres)", "ticket_id", "a ticket id must be unique")]
    assert dup.value == tickets.loc[8, "ticket_id"] and "2 rows" in dup.rule


def test_spark_says_why_it_cannot_read_nanosecond_timestamps(eng_project, spark_session, tmp_path):
    params = load_params(eng_project / "params")
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pa.Table.from_pandas(pd.read_parquet(eng_project / FILES["tickets"]), preserve_index=False)
    for name in ("opened_at", "resolved_at"):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, table[name].cast(pa.timestamp("ns")))
    pq.write_table(table, tmp_path / "nanos.parquet", version="2.6")  # nanosecond timestamps, as pandas may write
    with pytest.raises(engines.EngineError, match="coerce_timestamps='us'"):
        engines.summarise(tmp_path, "tickets", {"engine": "spark", "path": "nanos.parquet"}, params,
                          params.cycles_up_to(CYCLE), params.segments)
