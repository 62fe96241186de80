"""O/T data aggregated in an engine (``engine: duckdb``, or the older ``aggregate: true``) gives the
analyses the same numbers as rows do."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from xmo_analysis.missions import findings, measures
from xmo_analysis.domain.context import respondent_context, segment_context
from xmo_analysis.core.exceptions import InputError
from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.domain.xla import indicator_table, xla_scores


def _aggregate(project, contracts=("telemetry",), **extra):
    path = project / "params" / "xmo.yaml"
    settings = yaml.safe_load(path.read_text())
    for contract in contracts:
        settings["sources"][contract].update(aggregate=True, **extra) if contract == "telemetry" else \
            settings["sources"][contract].update(engine="duckdb", **extra)
    path.write_text(yaml.safe_dump(settings))


@pytest.mark.parametrize("contracts", [("telemetry",), ("tickets", "telemetry")])
def test_aggregated_sources_equal_rows(project, contracts):
    rows = load_cycle(project, "2026-Q4")
    _aggregate(project, contracts)
    agg = load_cycle(project, "2026-Q4")
    assert set(agg.summaries) == set(contracts)
    assert all(len(getattr(agg, c)) == 0 for c in contracts)
    assert {c: agg.engines[c].engine for c in contracts} == {c: "duckdb" for c in contracts}
    pd.testing.assert_frame_equal(indicator_table(agg, agg.params), indicator_table(rows, rows.params))
    for by in (None, "department", "location", "channel"):
        pd.testing.assert_frame_equal(xla_scores(agg, by=by), xla_scores(rows, by=by), check_exact=False, rtol=1e-9)
    cols = ["own_boot_time_s", "own_crashes", "own_app_latency_ms", "own_resolution_hours", "own_sla_met",
            "own_reopened"]
    assert respondent_context(agg)[cols].notna().sum().min() > 100  # matched respondents on both sources
    pd.testing.assert_frame_equal(respondent_context(agg)[cols], respondent_context(rows)[cols], check_exact=False)
    pd.testing.assert_frame_equal(segment_context(agg), segment_context(rows), check_exact=False, rtol=1e-9)
    inv_agg, inv_rows = measures.inventory(agg).frame, measures.inventory(rows).frame
    assert inv_agg.drop(columns="computed in").equals(inv_rows.drop(columns="computed in"))
    assert set(inv_agg.loc[inv_agg["source"].isin(contracts), "computed in"]) == {f"duckdb {agg.engines[contracts[0]].version}"}
    assert set(inv_rows["computed in"]) == {"pandas"}
    assert findings.conclusions(agg).equals(findings.conclusions(rows))


def test_aggregated_telemetry_is_validated(project):
    path = project / "data/demo/telemetry/cycle=2026-Q2/part-0.parquet"
    t = pd.read_parquet(path)
    t.loc[7, "app_latency_ms"] = -3
    t.to_parquet(path, index=False)
    _aggregate(project)
    with pytest.raises(InputError) as err:
        load_cycle(project, "2026-Q4")
    p = err.value.problems[0]
    assert p.column == "app_latency_ms" and p.row == 8 and p.value == -3 and "cycle=2026-Q2" in p.file


def test_tdigest_quantiles_close_to_exact(project):
    rows = load_cycle(project, "2026-Q4")
    _aggregate(project, exact_quantiles=False)
    agg = load_cycle(project, "2026-Q4")
    a, b = indicator_table(agg, agg.params), indicator_table(rows, rows.params)
    assert a["value"].tolist() == pytest.approx(b["value"].tolist(), rel=0.03)
