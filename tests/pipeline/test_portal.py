"""The portal's front page, built from published results only."""
from __future__ import annotations

import json
import re

from xmo_analysis.pipeline import portal


def _version(folder, xla_rows, trend_rows=()):
    folder.mkdir(parents=True)
    (folder / "results-manage.json").write_text(json.dumps({"xla": xla_rows, "trend": list(trend_rows)}))
    return folder


def test_sparkline_draws_every_cycle_and_says_it_in_words():
    rows = [{"cycle": c, "score": s} for c, s in (("Q1", 70.0), ("Q2", 72.5), ("Q3", 71.25))]
    svg = portal.sparkline(rows, target=71.0)
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    assert len(points) == 3
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[1] < ys[2] < ys[0]  # higher score, higher on the page (smaller y)
    assert "Scores by cycle: Q1 70.0, Q2 72.5, Q3 71.2" in svg and 'role="img"' in svg
    assert "stroke-dasharray" in svg  # the target line
    assert "one cycle so far" in portal.sparkline(rows[:1], 71.0)


def test_what_changed_between_two_versions_in_words():
    old = [{"xla": "A", "score": 71.24, "status": "met"}, {"xla": "B", "score": 60.0, "status": "at risk"},
           {"xla": "C", "score": 50.0, "status": "missed"}]
    new = [{"xla": "A", "score": 70.91, "status": "met"}, {"xla": "B", "score": 60.02, "status": "missed"},
           {"xla": "D", "score": 80.0, "status": "met"}]
    assert portal.result_changes(new, old) == [
        "A 71.2 → 70.9, status unchanged", "B 60.0, unchanged, status at risk → missed",
        "D: new in this version (80.0, met)", "C: no longer in the scorecard"]


def test_front_page_of_the_latest_cycle(tmp_path):
    xla = [{"xla": "XLA-1", "name": "Service <desk>", "score": 71.2, "ci_low": 69.0, "ci_high": 73.4, "target": 70,
            "status": "at risk", "change": -1.5, "p_change": 0.01}]
    trend = [{"xla": "XLA-1", "cycle": "Q1", "score": 72.7}, {"xla": "XLA-1", "cycle": "Q2", "score": 71.2}]
    v2 = _version(tmp_path / "Q2" / "v2", xla, trend)
    v1 = _version(tmp_path / "Q2" / "v1", [{**xla[0], "score": 71.5}], trend)
    rows = [{"cycle": "Q2", "version": 2, "path": v2, "titles": {"m": "Mission"}, "missions": ["m"]},
            {"cycle": "Q2", "version": 1, "path": v1, "titles": {"m": "Mission"}, "missions": ["m"]}]
    page = portal.front(rows)
    assert "Where the ambitions stand: Q2 (v2)" in page
    assert "Service &lt;desk&gt;" in page and "<desk>" not in page
    assert "69.0 to 73.4" in page and "-1.5 (significant)" in page and ">at risk<" in page
    assert "Scores by cycle: Q1 72.7, Q2 71.2" in page
    assert "What changed since v1" in page and "XLA-1 71.5 → 71.2, status unchanged" in page
    assert 'href="Q2/v2/m.html"' in page and 'href="Q2/v2/m.pdf"' in page


def test_front_page_without_the_manage_report_uses_mission_1_scores(tmp_path):
    folder = tmp_path / "Q1" / "v1"
    folder.mkdir(parents=True)
    (folder / "results-measures.json").write_text(json.dumps({"xla": [
        {"xla": "XLA-1", "name": "Desk", "score": 69.7, "ci_low": 68.0, "ci_high": 71.4, "target": 71,
         "status": "at risk"}]}))
    rows = [{"cycle": "Q1", "version": 1, "path": folder, "titles": {}, "missions": ["1_measures"]}]
    page = portal.front(rows)
    assert "<td>XLA-1</td>" in page and "68.0 to 71.4" in page and ">at risk<" in page
