"""Mission 2's lost time and mission 3's outcome sections: what they say on the demo, and on
projects without outcomes, without a time-lost question, or with too few cycles."""
from __future__ import annotations

import re

import nbformat
import pytest

from xmo_analysis.missions import findings, manage
from xmo_analysis.present.display import Table, Text
from xmo_analysis.sources.loaders import load_cycle

from conftest import REPO


@pytest.fixture(scope="module")
def data(demo_project):
    return load_cycle(demo_project, "2026-Q4")


def _text(section) -> str:
    return " ".join(" ".join(t.sentences) for t in section.find(Text))


def test_lost_time_section_states_hours_cost_and_what_the_interval_covers(data):
    s = findings.lost_time_section(data)
    tables = s.find(Table)
    assert [t.caption for t in tables] == [f"Hours lost per ticket and their cost by {b.replace('_', ' ')}"
                                           for b in data.params.analysis.breakdowns]
    assert re.search(r"lost \d+\.\d\d hours on average .*95% CI .* per ticket", _text(s))
    assert "sampling error of the hours only" in tables[0].note and "taken as known" in tables[0].note
    html = s._repr_html_()
    assert "cost per ticket (EUR)" in html


def test_outcomes_section_gives_cost_relation_and_the_caveat(data):
    s = manage.outcomes_section(data)
    text = _text(s)
    assert "not a cause" in text and "taken as known" in text
    assert re.search(r"each XLA point of \S+ goes with -", text)
    captions = [t.caption for t in s.find(Table)]
    assert captions == ["Cost of poor experience: productive time lost to tickets",
                        "XLA scores and business outcomes across segments and cycles"]
    rel = s.find(Table)[1].frame
    assert (rel["segment-cycles"] == 32).all()


def test_scorecard_by_kind_groups_every_indicator(data):
    s = manage.kinds_section(data)
    captions = [t.caption for t in s.find(Table)]
    assert captions == ["Leading indicators", "Lagging indicators", "Operational indicators", "Financial indicators"]
    rows = sum(len(t.frame) for t in s.find(Table))
    refs = {i.ref for x in data.params.xlas.values() for i in x.indicators} | set(data.params.metrics) \
        | set(data.params.outcomes)
    assert rows == len(refs)


def test_lead_lag_section_names_the_planted_leader(data):
    from xmo_analysis.domain.outcomes import lead_lag
    text = _text(manage.lead_lag_section(data))
    first = text[text.index("Staff attrition (share leaving in the cycle) moves a cycle after"):]
    first = first[:first.index("None of these is associated the other way round.")]
    # a share in percentage points per 10 points of happiness: the within slope x 10 x 100
    slope = lead_lag(data).set_index("lead_ref").loc["happiness", "within"]
    assert f"Happiness (happiness) (a department 10 points higher: {1000 * slope:+.2f} pp" in first
    assert -1.8 < 1000 * slope < -1.2  # planted: -0.0015 per point, -1.5 pp per 10 points
    assert "Digital workplace" not in first  # its forward slope is not significant
    assert "at least 3 cycles and 10 segment-cycles" in text and "not proof of cause" in text


def test_lead_lag_section_says_when_there_are_too_few_cycles(demo_project):
    d = load_cycle(demo_project, "2026-Q2")
    text = _text(manage.lead_lag_section(d))
    assert text.startswith("Too few cycles or segment-cycles to tell") and "2 cycle(s)" in text
    assert "at least 3 cycles and 10 segment-cycles" in text


def test_backlog_value_section(data):
    t = manage.backlog_value_section(data).find(Table)[0]
    assert list(t.frame["item_id"])[:2] == ["BL-22", "BL-02"] and "reach x value per person" in t.note


def test_a_project_without_outcomes_or_time_question_runs_and_says_what_is_missing(project):
    xmo = project / "params" / "xmo.yaml"
    text = xmo.read_text()
    cut = re.sub(r"(?m)^  # Optional: business outcomes.*\n  outcomes:\n(?:    .*\n)+", "", text)
    assert "outcomes.csv" not in cut
    xmo.write_text(cut)
    d = load_cycle(project, "2026-Q4")
    assert not d.has("outcomes") and d.outcomes.empty and "attrition_rate" in d.outcomes
    assert "shown without their cost" in _text(findings.lost_time_section(d))
    assert manage.NO_OUTCOMES in _text(manage.outcomes_section(d))
    assert "no outcomes source, so no lagging outcome" in _text(manage.lead_lag_section(d))
    kinds = manage.kinds_section(d)
    assert "No outcomes source" in _text(kinds)
    value = manage.backlog_value_section(d).find(Table)[0]
    hours = value.frame[value.frame["value_unit"] == "hours"]
    assert len(hours) and hours["money"].isna().all() and "No hourly cost in the outcomes" in value.note
    # and without the time-lost question
    inst = project / "params" / "instrument.yaml"
    inst.write_text(re.sub(r"(?m)^  - id: time_lost\n(?:    .*\n)+", "", inst.read_text()))
    d = load_cycle(project, "2026-Q4")
    assert "no time-lost question" in _text(findings.lost_time_section(d))
    assert "no cost of lost time" in _text(manage.outcomes_section(d))


@pytest.mark.parametrize("notebook, calls", [
    ("2_findings.ipynb", ["f.lost_time_section(data)"]),
    ("3_manage.ipynb", ["mg.outcomes_section(data)", "mg.kinds_section(data)", "mg.lead_lag_section(data)",
                        "mg.backlog_value_section(data)"]),
])
def test_each_section_is_one_cell_without_outputs(notebook, calls):
    nb = nbformat.read(REPO / "notebooks" / notebook, as_version=4)
    sources = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    assert len(nb.cells) >= len(sources) > len(calls)
    for call in calls:
        assert call in sources
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
