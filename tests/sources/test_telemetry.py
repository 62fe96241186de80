"""Large T-data aggregated in DuckDB equals the pandas metric on the same rows."""
from __future__ import annotations

import pytest

from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.sources.telemetry import aggregate
from xmo_analysis.domain.xla import metric_value


def test_duckdb_aggregation_matches_pandas(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    cycles = data.params.cycles_up_to("2026-Q4")
    exact = aggregate(demo_project / "data/demo/telemetry", data.params, cycles, by=["department"])
    approx = aggregate(demo_project / "data/demo/telemetry", data.params, cycles, by=["department"], exact=False)
    assert set(exact["cycle"]) == set(cycles)
    metrics = [m for m in data.params.metrics.values() if m.source == "telemetry"]
    for c in cycles:
        rows = data.of_cycle("telemetry", c)
        for dept, group in rows.groupby("department"):
            got = exact[(exact["cycle"] == c) & (exact["department"] == dept)].iloc[0]
            rough = approx[(approx["cycle"] == c) & (approx["department"] == dept)].iloc[0]
            assert got["rows"] == len(group)
            for m in metrics:
                assert got[m.id] == pytest.approx(metric_value(group, m), rel=1e-9), (c, dept, m.id)
                assert rough[m.id] == pytest.approx(metric_value(group, m), rel=0.03), (c, dept, m.id)
