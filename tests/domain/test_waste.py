"""Overhead and waste: reopen rate, reassignments and hours waiting per ticket, by segment and cycle.

The expectations are computed here from the raw ticket file with plain pandas sums and counts
(not through the package's metric functions)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from xmo_analysis.core.exceptions import ConfigError
from xmo_analysis.core.params import load_params
from xmo_analysis.domain.waste import ORGANISATION, waste_by_cycle, waste_by_segment
from xmo_analysis.missions import findings
from xmo_analysis.sources.loaders import load_cycle

CYCLE = "2026-Q4"


@pytest.fixture(scope="module")
def data(demo_project):
    return load_cycle(demo_project, CYCLE)


def _raw(project) -> pd.DataFrame:
    t = pd.read_parquet(project / "data/demo/tickets.parquet")
    quarter = {1: "Q1", 2: "Q1", 3: "Q1", 4: "Q2", 5: "Q2", 6: "Q2", 7: "Q3", 8: "Q3", 9: "Q3", 10: "Q4", 11: "Q4", 12: "Q4"}
    t["cycle"] = t["opened_at"].dt.year.astype(str) + "-" + t["opened_at"].dt.month.map(quarter)
    return t


def test_by_segment_equals_sums_and_counts_of_the_raw_tickets(data, demo_project):
    raw = _raw(demo_project)
    now, before = raw[raw["cycle"] == CYCLE], raw[raw["cycle"] == "2026-Q3"]
    by = data.params.analysis.waste_by
    got = waste_by_segment(data).set_index(by)
    assert list(got.index)[0] == ORGANISATION and len(got) == 1 + now[by].nunique()
    for level, rows in [(ORGANISATION, now), *now.groupby(by)]:
        old = before if level == ORGANISATION else before[before[by] == level]
        row = got.loc[level]
        assert row["tickets"] == len(rows)
        assert row["reopened_rate"] == pytest.approx(rows["reopened"].sum() / rows["reopened"].notna().sum(), rel=1e-12)
        assert row["reassignments_per_ticket"] == pytest.approx(rows["reassignments"].sum() / len(rows), rel=1e-12)
        assert row["waiting_hours_per_ticket"] == pytest.approx(rows["waiting_hours"].sum() / len(rows), rel=1e-12)
        assert row["Δ waiting_hours_per_ticket"] == pytest.approx(
            rows["waiting_hours"].sum() / len(rows) - old["waiting_hours"].sum() / len(old), rel=1e-9)
    trend = waste_by_cycle(data).set_index("cycle")
    assert list(trend.index) == data.params.cycles_up_to(CYCLE) == sorted(raw["cycle"].unique())
    for c, rows in raw.groupby("cycle"):
        assert trend.loc[c, "tickets"] == len(rows)
        assert trend.loc[c, "reassignments_per_ticket"] == pytest.approx(rows["reassignments"].mean(), rel=1e-12)


def test_the_planted_waste_is_found_and_said(data):
    """Demo effect 5: one department's tickets are reassigned about three times as often and wait
    about four times as long; the section names it as the worst on both."""
    seg = waste_by_segment(data).set_index(data.params.analysis.waste_by).drop(index=ORGANISATION)
    worst = seg["waiting_hours_per_ticket"].idxmax()
    assert seg["reassignments_per_ticket"].idxmax() == worst
    others = seg.drop(index=worst)
    assert seg.loc[worst, "reassignments_per_ticket"] > 2.5 * others["reassignments_per_ticket"].max()
    assert seg.loc[worst, "waiting_hours_per_ticket"] > 3 * others["waiting_hours_per_ticket"].max()
    text = findings.waste_section(data).parts[0].sentences
    assert any(line.startswith("Hours waiting per ticket") and f"worst in {worst}" in line for line in text)


def test_a_group_without_tickets_is_unknown_and_a_bad_waste_key_is_an_error(project):
    t = pd.read_parquet(project / "data/demo/tickets.parquet")
    by = load_params(project / "params").analysis.waste_by
    gone = sorted(t[by].unique())[0]
    t[t[by] != gone].to_parquet(project / "data/demo/tickets.parquet", index=False)
    data = load_cycle(project, CYCLE)
    seg = waste_by_segment(data).set_index(by)
    assert gone not in seg.index  # no row for a level the tickets do not know, never a row of zeros
    assert not (seg.drop(columns="tickets").fillna(-1) == 0).all(axis=1).any()
    path = project / "params/xmo.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["analysis"]["waste"] = ["reopened_rate", "boot_time_p90", "no_such_metric"]
    path.write_text(yaml.safe_dump(settings))
    with pytest.raises(ConfigError) as err:
        load_params(project / "params")
    bad = sorted(p.value for p in err.value.problems if p.column == "analysis.waste")
    assert bad == ["boot_time_p90", "no_such_metric"]


def test_waste_on_an_engine_equals_rows(project):
    rows = load_cycle(project, CYCLE)
    path = project / "params/xmo.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["sources"]["tickets"]["engine"] = "duckdb"
    path.write_text(yaml.safe_dump(settings))
    engine = load_cycle(project, CYCLE)
    assert "tickets" in engine.summaries and len(engine.tickets) == 0
    a, b = waste_by_segment(engine), waste_by_segment(rows)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
    assert np.isfinite(a.drop(columns=a.columns[0]).to_numpy(float)).all()
    pd.testing.assert_frame_equal(waste_by_cycle(engine), waste_by_cycle(rows), check_dtype=False, rtol=1e-9)
