"""Missions 2 and 3: drivers against R, text, planted demo effects recovered, summary agrees."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmo_analysis import stats
from xmo_analysis.missions import findings, manage
from xmo_analysis.domain.backlog import prioritise, rice, wsjf
from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.domain.text import distinctive_terms, examples, sentiment, themes

from conftest import TESTS

REF = TESTS / "reference"


@pytest.fixture(scope="module")
def data(demo_project):
    return load_cycle(demo_project, "2026-Q4")


def test_drivers_match_r_lm_and_lmg():
    d = pd.read_csv(REF / "drivers_data.csv")
    out = stats.drivers(d, "y", ["x1", "x2", "x3"]).loc[["x1", "x2", "x3"]]
    # R: coef(lm(y ~ x1 + x2 + x3)), its SEs and p-values (tests/reference/drivers.R)
    assert out["coef"].tolist() == pytest.approx([1.9357236293068, 0.767076296462754, 0.26668911364285], rel=1e-9)
    assert out["se"].tolist() == pytest.approx([0.164411399666287, 0.193230722181519, 0.117374207860041], rel=1e-9)
    assert out["p_value"].tolist() == pytest.approx([8.88564538197457e-17, 0.000207173516994447,
                                                     0.0269390883978213], rel=1e-6)
    assert (out.attrs["r2"], out.attrs["adj_r2"]) == pytest.approx((0.796969865446123, 0.786093251095023), rel=1e-9)
    assert out.loc["x1", "vif"] == pytest.approx(1.14702468417421, rel=1e-9)
    # R: LMG by averaging R² increments over the 6 orders of entry
    assert out["importance"].tolist() == pytest.approx([0.608932750185773, 0.170546271896852,
                                                        0.0174908433634991], rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5))
def test_lmg_sums_to_r2(seed, k):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, k))
    X[:, 0] += X[:, -1]
    y = X @ rng.normal(size=k) + rng.normal(size=80)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(k)]).assign(y=y)
    out = stats.drivers(frame, "y", [f"x{i}" for i in range(k)])
    assert out["importance"].sum() == pytest.approx(out.attrs["r2"], rel=1e-9)
    assert (out["importance"] >= -1e-12).all() and out["share"].sum() == pytest.approx(1)


def test_domain_lexicon_makes_service_desk_words_negative(data):
    comments = pd.Series(["The service was slow", "The agent was unhelpful", "Still waiting",
                          "The ticket got escalated", "Great and quick help"])
    s = sentiment(comments, data.params)
    assert s["sentiment"].tolist() == ["negative"] * 4 + ["positive"]
    assert s["compound"].iloc[0] <= -0.05


def test_themes_and_distinctive_terms(data):
    comments = pd.Series(["My laptop takes ages to boot", "The portal helped", None])
    th = themes(comments, data.params)
    assert th.loc[0, "Laptop and boot"] and th.loc[1, "Self-service portal"] and not th.loc[2].any()
    texts = pd.Series(["vpn drops again"] * 12 + ["printer jammed today"] * 12)
    groups = pd.Series(["A"] * 12 + ["B"] * 12)
    terms = distinctive_terms(texts, groups, min_group=10)
    assert terms[terms.group == "A"]["term"].iloc[0] in {"vpn", "drops", "again"}
    assert distinctive_terms(texts, groups, min_group=13).empty


def test_examples_respect_comment_threshold():
    frame = pd.DataFrame({"response_id": [f"R{i}" for i in range(15)], "g": ["big"] * 11 + ["small"] * 4,
                          "comment": [f"bad {i}" for i in range(15)], "compound": [-0.5] * 15,
                          "sentiment": ["negative"] * 15})
    out = examples(frame, min_group=10, group="g", n=20)
    assert set(out["g"]) == {"big"} and len(out) == 11


@pytest.fixture(scope="module")
def full(full_project):
    return load_cycle(full_project, "2026-Q4")


def test_planted_effects_are_found(full):
    data = full
    drv = findings.driver_table(data)
    assert list(drv.index[:2]) == ["x_support", "x_digital"]
    assert drv.loc["log_own_resolution_hours", "coef"] < 0 and drv.loc["log_own_resolution_hours", "p_value"] < 0.05
    sd = findings.segment_gaps(data, "XLA-SD", "department").set_index("segment")
    assert sd.loc["Operations", "diff"] < 0 and sd.loc["Operations", "p_adjusted"] < 0.05
    assert sd["diff"].idxmin() == "Operations"
    eff = manage.initiative_effects(data).set_index("item_id")
    assert eff.loc["BL-07", "did"] > 0 and eff.loc["BL-07", "p_did"] < 0.05
    assert eff.loc["BL-07", "did_ci_low"] > 0
    conc = findings.conclusions(data)
    assert "Operations" in conc.set_index("xla").loc["XLA-SD", "most affected segments"]


def test_executive_summary_agrees_with_scorecard(data):
    card = manage.scorecard_frame(data)
    text = manage.summary(data).sentences
    counts = card["status"].value_counts()
    assert text[0].startswith(f"{counts.get('met', 0)} of {len(card)} XLAs met")
    for row in card[card["status"] != "met"].itertuples():
        assert any(f"({row.xla}) is {row.status}: {row.score:.1f}" in s for s in text)
    eff = manage.initiative_effects(data).set_index("item_id")
    assert any(f"by {eff.loc['BL-07', 'did']:.1f} points" in s for s in text)


def test_backlog_scores_and_lift():
    frame = pd.DataFrame({"item_id": ["a", "b", "c"], "status": ["idea", "planned", "released"],
                          "xla": ["X1", "X2", "X1"], "reach": [100, 50, 10], "impact": [1, 2, 3],
                          "confidence": [0.5, 1.0, 1.0], "effort": [2, 1, 1], "business_value": [3, 1, 1],
                          "time_criticality": [2, 1, 1], "risk_reduction": [1, 1, 1], "job_size": [2, 3, 1]})
    assert rice(frame).tolist() == [25, 100, 30]
    assert wsjf(frame).tolist() == [3, 1, 3]
    ranked = prioritise(frame)
    assert ranked["item_id"].tolist() == ["b", "a"]  # released items are not ranked
    lifted = prioritise(frame, xla_status={"X1": "missed", "X2": "met"}, lift=5)
    assert lifted["item_id"].tolist() == ["a", "b"] and lifted["priority"].tolist() == [125, 100]
    assert prioritise(frame, by="wsjf")["item_id"].tolist() == ["a", "b"]


def test_results_files_follow_schema_and_thresholds(data, tmp_path):
    from xmo_analysis.missions import measures
    measures.save_results(data, tmp_path)
    findings.save_results(data, tmp_path)
    manage.save_results(data, tmp_path)
    for mission in ("measures", "findings", "manage"):
        doc = json.loads((tmp_path / f"results-{mission}.json").read_text())
        assert doc["schema"] == "xmo-results/1" and doc["cycle"] == "2026-Q4" and doc["mission"] == mission
        text = json.dumps(doc)
        assert not re.search(r"\bR0\d{5}\b|\bE0\d{4}\b", text)  # no response or respondent ids
        for x in doc.get("xla", []):
            assert {"xla", "score", "ci_low", "ci_high", "status"} <= set(x)
    seg = json.loads((tmp_path / "results-findings.json").read_text())["segments"]
    assert seg and all(per_xla and all(per_xla.values()) for per_xla in seg.values())
    for per_xla in seg.values():
        for rows in per_xla.values():
            for r in rows:
                assert r["n"] >= data.params.min_group_size or set(r) <= {"segment", "n", "suppressed"}
    manage_doc = json.loads((tmp_path / "results-manage.json").read_text())
    bl07 = next(i for i in manage_doc["initiatives"] if i["item_id"] == "BL-07")
    assert bl07["did"] > 0


def test_segment_suppression_with_tiny_group(data):
    small = data.responses.copy()
    idx = small.index[(small["cycle"] == "2026-Q4")][:3]
    small.loc[idx, "channel"] = "fax"
    data2 = type(data)(data.params, data.cycle, small, data.tickets, data.telemetry, data.population, data.backlog, data.files)
    t = findings.segment_gaps(data2, "XLA-SD", "channel").set_index("segment")
    assert t.loc["fax", "suppressed"] and np.isnan(t.loc["fax", "score"])
    by = findings.gaps_by(data2, "channel").frame.set_index("channel")
    assert pd.isna(by.loc["fax", "XLA-SD"])
    # complementary suppression: a second group is hidden so 'fax' cannot be recovered by subtraction
    assert by["XLA-SD"].isna().sum() >= 2


def test_results_carry_the_depth_analyses(data, demo_project, tmp_path):
    """The journey, channels, waste, lost-time, topics, kinds, lead-lag and outcomes results reach
    the results files (so that ``xmo verify`` checks them); spot values against DuckDB on the raw files."""
    import duckdb
    findings.save_results(data, tmp_path)
    manage.save_results(data, tmp_path)
    doc = json.loads((tmp_path / "results-findings.json").read_text())
    mdoc = json.loads((tmp_path / "results-manage.json").read_text())
    assert {"journey", "channels", "waste", "lost_time", "topics"} <= set(doc)
    assert {"kinds", "lead_lag", "cost_of_poor_experience", "xla_outcome", "backlog_value"} <= set(mdoc)
    raw = demo_project / "data" / "demo"
    con = duckdb.connect()
    q4 = "opened_at >= TIMESTAMP '2026-10-01' AND opened_at < TIMESTAMP '2027-01-01'"
    tickets = f"read_parquet('{raw / 'tickets.parquet'}')"
    stages = dict(con.execute(f"SELECT journey_stage, count(*) FROM {tickets} WHERE {q4} GROUP BY 1").fetchall())
    assert [r["stage"] for r in doc["journey"]] == list(data.params.journey.stages)
    assert {r["stage"]: r["tickets"] for r in doc["journey"]} == stages
    reopened = dict(con.execute(f"SELECT department, avg(reopened::INT) FROM {tickets} WHERE {q4} GROUP BY 1").fetchall())
    rows = doc["waste"]["segments"][1:]
    assert len(rows) == len(reopened) > 1
    for r in rows:
        assert r["reopened_rate"] == pytest.approx(reopened[r["department"]], abs=1e-12)
    shares = dict(con.execute(f"SELECT channel, count(*) / sum(count(*)) OVER () FROM read_csv('{raw / 'responses.csv'}') "
                              "WHERE cycle = '2026-Q4' AND channel IS NOT NULL GROUP BY 1").fetchall())
    now = [r for r in doc["channels"]["mix"] if r["cycle"] == "2026-Q4"]
    assert len(now) == len(shares) > 1
    for r in now:
        assert r["share_of_responses"] == pytest.approx(shares[r["channel"]], abs=1e-12)
    # a hidden group keeps only its labels in every new table
    for rows in (doc["journey"], doc["channels"]["table"], doc["lost_time"]["department"]):
        assert rows
        for r in rows:
            assert not r.get("suppressed") or not ({"responses", "n", "score", "hours"} & set(r))
    assert doc["topics"]["rows"] and doc["topics"]["n_comments"] > 0
    assert [r["kind"] for r in mdoc["kinds"]] and set(r["kind"] for r in mdoc["kinds"]) <= {"leading", "lagging", "operational", "financial"}
