"""The journey map: planted weakest stage found, stage order from params, small stages hidden.

Reference values are computed here from the raw rows (pandas, scipy, statsmodels), never from
the package's own estimators: the t interval and one-sided p-value of ``scipy.stats.ttest_1samp``,
Welch's test of ``scipy.stats.ttest_ind(equal_var=False)``, statsmodels' Benjamini-Hochberg.
"""
from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from xmo_analysis.core.exceptions import ConfigError
from xmo_analysis.core.params import load_params
from xmo_analysis.domain.journey import journey_table
from xmo_analysis.domain.xla import xla_scores
from xmo_analysis.missions import audience, findings
from xmo_analysis.sources.loaders import load_cycle

from conftest import REPO

SURVEY = ["score", "ci_low", "ci_high", "gap", "status", "diff", "p_value"]


def _edit_yaml(path, change):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _edit_responses(project, change):
    path = project / "data" / "demo" / "responses.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)  # every value kept as written
    out = change(frame)  # a change edits the frame in place or returns a new one
    frame = frame if out is None else out
    frame.to_csv(path, index=False, lineterminator="\n")


def test_planted_weakest_stage_is_found_and_a_pain_point(full_project):
    data = load_cycle(full_project, "2026-Q4")
    t = journey_table(data)
    assert t["stage"].tolist() == list(data.params.journey.stages)
    assert t.attrs["weakest"] == "onboarding" and t.attrs["pain_point"]
    weak = t.set_index("stage").loc["onboarding"]
    assert weak["weakest"] and weak["status"] == "missed"
    assert weak["diff"] < -5 and weak["diff_ci_high"] < 0 and weak["p_adjusted"] < 0.001
    # its tickets are resolved at first contact far less often (planted: 0.6 times as often)
    tickets = data.current("tickets")
    fcr = tickets.groupby("journey_stage")["first_contact_resolved"].mean()
    assert t.set_index("stage")["first_contact_rate"].to_dict() == pytest.approx(fcr.to_dict(), rel=1e-12)
    assert fcr["onboarding"] < 0.75 * fcr.drop("onboarding").min()


def test_scores_are_the_xla_scores_of_each_stage(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    t = journey_table(data).set_index("stage")
    by = xla_scores(data, by="journey_stage").query("xla == 'XLA-SD'").set_index("segment")
    assert len(t.index) == len(data.params.journey.stages) == 4
    for s in t.index:
        assert t.loc[s, "score"] == pytest.approx(by.loc[s, "score"], rel=1e-12)
        assert (t.loc[s, "ci_low"], t.loc[s, "ci_high"]) == pytest.approx((by.loc[s, "ci_low"], by.loc[s, "ci_high"]), rel=1e-12)
        assert t.loc[s, "status"] == by.loc[s, "status"]


def test_item_score_unweighted_against_scipy_and_hand(project):
    """Score = happiness on 0-100 ((NPS points + 100) / 2) with a target of 55, no weighting."""
    xmo = project / "params" / "xmo.yaml"

    def change(doc):
        doc["weighting"] = {"method": "none"}
        doc["analysis"]["journey"].update(score="happiness", target=55)
    _edit_yaml(xmo, change)
    data = load_cycle(project, "2026-Q4")
    t = journey_table(data).set_index("stage")
    resp = data.current("responses")
    h = pd.to_numeric(resp["happiness"], errors="coerce")
    y = np.where(h >= 9, 100.0, np.where(h >= 7, 0.0, -100.0))
    y = pd.Series(np.where(h.isna(), np.nan, (y + 100) / 2), index=resp.index)
    stages = list(data.params.journey.stages)
    p_rest = []
    for s in stages:
        ys = y[resp["journey_stage"] == s].dropna().to_numpy()
        rest = y[(resp["journey_stage"] != s) & resp["journey_stage"].isin(stages)].dropna().to_numpy()
        test = sps.ttest_1samp(ys, 55, alternative="greater")
        ci = sps.ttest_1samp(ys, 55).confidence_interval(0.95)
        assert t.loc[s, "score"] == pytest.approx(ys.mean(), rel=1e-12)
        assert (t.loc[s, "ci_low"], t.loc[s, "ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
        assert t.loc[s, "gap"] == pytest.approx(ys.mean() - 55, rel=1e-12)
        assert (t.loc[s, "gap_ci_low"], t.loc[s, "gap_ci_high"]) == pytest.approx((ci.low - 55, ci.high - 55), rel=1e-10)
        assert t.loc[s, "p_meets"] == pytest.approx(test.pvalue, rel=1e-9)
        welch = sps.ttest_ind(ys, rest, equal_var=False)
        assert t.loc[s, "diff"] == pytest.approx(ys.mean() - rest.mean(), rel=1e-12)
        assert t.loc[s, "p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
        p_rest.append(welch.pvalue)
        expected = "met" if ci.low >= 55 else "missed" if ci.high < 55 else "at risk"
        assert t.loc[s, "status"] == expected
    bh = multipletests(p_rest, method="fdr_bh")[1]
    assert t.loc[stages, "p_adjusted"].astype(float).tolist() == pytest.approx(bh.tolist(), rel=1e-9)
    # weakest: the lowest score shown
    assert t.attrs["weakest"] == t["score"].astype(float).idxmin()
    # O indicators: the stage's own tickets
    tickets = data.current("tickets")
    for s in stages:
        mine = tickets[tickets["journey_stage"] == s]
        assert t.loc[s, "tickets"] == len(mine)
        assert t.loc[s, "resolution_hours_median"] == pytest.approx(mine["resolution_hours"].median(), rel=1e-12)
        assert t.loc[s, "sla_met_rate"] == pytest.approx(mine["sla_met"].astype(float).mean(), rel=1e-12)


def test_renamed_and_reordered_stages_follow_params(project):
    names = {"onboarding": "Joining", "request": "Asking", "incident": "Fixing", "change": "Moving"}
    _edit_responses(project, lambda f: f.__setitem__("journey_stage", f["journey_stage"].map(names)))
    tickets_path = project / "data" / "demo" / "tickets.parquet"
    tk = pd.read_parquet(tickets_path)
    tk["phase"] = tk.pop("journey_stage").map(names)
    tk.to_parquet(tickets_path)
    _edit_responses(project, lambda f: f.rename(columns={"journey_stage": "phase"}))

    def change(doc):
        doc["segments"] = ["phase" if s == "journey_stage" else s for s in doc["segments"]]
        doc["analysis"]["journey"].update(column="phase", stages=["Moving", "Fixing", "Asking", "Joining"])
    _edit_yaml(project / "params" / "xmo.yaml", change)
    data = load_cycle(project, "2026-Q4")
    t = journey_table(data)
    assert t["stage"].tolist() == ["Moving", "Fixing", "Asking", "Joining"]
    assert t["order"].tolist() == [1, 2, 3, 4]
    assert t.attrs["weakest"] == "Joining"  # the planted stage, under its new name and place
    assert t["tickets"].notna().all() and t["first_contact_rate"].notna().all()
    section = findings.journey_section(data)
    assert section.parts[1].frame["stage"].tolist() == ["Moving", "Fixing", "Asking", "Joining"]
    assert "Weakest stage: Joining (stage 4 of 4)" in section._repr_html_()


def test_small_stage_hidden_with_its_complement(project):
    def thin(f):
        q4 = f.index[(f["cycle"] == "2026-Q4") & (f["journey_stage"] == "change")]
        f.loc[q4[3:], "journey_stage"] = "request"  # 3 respondents left at the change stage
    _edit_responses(project, thin)
    data = load_cycle(project, "2026-Q4")
    t = journey_table(data).set_index("stage")
    resp = data.current("responses")
    counts = resp["journey_stage"].value_counts()
    assert counts["change"] == 3
    smallest_other = counts.drop("change").idxmin()
    for s in ("change", smallest_other):  # the small stage, and the next smallest so it cannot be derived
        assert t.loc[s, "suppressed"] and t.loc[s, SURVEY].isna().all() and pd.isna(t.loc[s, "responses"])
        assert not t.loc[s, "weakest"]
        assert pd.notna(t.loc[s, "resolution_hours_median"])  # operational records stay
    assert (~t.drop(["change", smallest_other])["suppressed"]).all()
    section = findings.journey_section(data)
    table = section.find(type(section.parts[1]))[0].frame.set_index("stage")
    assert table.loc["change", "responses"] == "< 5"


def test_group_journey_hides_stages_small_in_the_group(demo_project, tmp_path):
    import shutil
    project = tmp_path / "p"
    shutil.copytree(demo_project, project)
    shutil.copy(REPO / "params" / "xmo.yaml", project / "params" / "xmo.yaml")  # with its audiences
    data = load_cycle(project, "2026-Q4")
    aud = data.params.audience("department")
    group = audience.eligible_groups(data, aud)[0][0]
    t = journey_table(data, within=(aud.column, group)).set_index("stage")
    resp = data.current("responses")
    mine = resp[resp[aud.column] == group]["journey_stage"].value_counts()
    small = [s for s in t.index if 0 < mine.get(s, 0) < data.params.min_group_size]
    assert small and (~t["suppressed"]).sum() >= 1  # the demo's first department has both kinds of stage
    assert all(t.loc[s, "suppressed"] for s in small)
    for s in t.index[~t["suppressed"]]:
        assert t.loc[s, "responses"] == mine[s]
    html = audience.journey_section(data, "department", group)._repr_html_()
    assert group in html and "Journey map" in html


def test_journey_params_are_checked(tmp_path):
    import shutil
    root = tmp_path / "params"
    shutil.copytree(REPO / "params", root)

    def change(doc):
        doc["analysis"]["journey"].update(column="stage_of_life", stages=["a", "a"], score="XLA-NOPE",
                                          metrics=["no_metric"])
        doc["analysis"]["channels"]["groups"].update(assisted=["portal"])
    _edit_yaml(root / "xmo.yaml", change)
    with pytest.raises(ConfigError) as err:
        load_params(root)
    text = str(err.value)
    for key in ("analysis.journey.column", "analysis.journey.stages", "analysis.journey.score",
                "analysis.journey.metrics", "analysis.channels.groups.assisted"):
        assert key in text, key


def test_notebooks_call_the_sections_once():
    for path, call in ((REPO / "notebooks" / "2_findings.ipynb", "f.journey_section(data)"),
                       (REPO / "notebooks" / "2_findings.ipynb", "f.channels_section(data)"),
                       (REPO / "notebooks" / "audience.ipynb", "a.journey_section(data, audience, group)")):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == call]
        assert len(cells) == 1 and not cells[0].outputs, (path.name, call)
