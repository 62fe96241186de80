"""Projects that are not the demo: other segment and construct names, an analyst's extra notebook.

Nothing in the package or the notebooks may name the demo's segments, constructs or items: a
project whose segments are ``team``, ``region`` and ``contact_channel`` and whose constructs are
called something else must run end to end with params alone, and a notebook added to the
mission registry of params must be executed, rendered, published and listed in the portal.
One real cycle covers both (each full cycle costs about 20 s).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from xmo_analysis.pipeline.runner import run_cycle

from conftest import make_project

pytestmark = pytest.mark.slow

SEGMENTS = {"department": "team", "location": "region", "channel": "contact_channel"}
CONSTRUCTS = {"support": "care", "digital": "tooling", "selfservice": "autonomy", "communication": "openness"}
ITEMS = {"sup": "care", "dig": "tool", "ss": "auto", "com": "open"}  # item id prefixes: sup_1 -> care_1
DEMO_WORDS = [*SEGMENTS, *CONSTRUCTS, "sup_1", "dig_1", "ss_1", "com_1"]


def _rename_words(text: str, mapping: dict[str, str]) -> str:
    for old, new in mapping.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text


def _rename_columns(frame: pd.DataFrame) -> pd.DataFrame:
    cols = {}
    for c in frame.columns:
        new = SEGMENTS.get(c, c)
        prefix = c.split("_")[0]
        if prefix in ITEMS and re.fullmatch(rf"{prefix}_\d+", c):
            new = c.replace(prefix, ITEMS[prefix], 1)
        cols[c] = new
    return frame.rename(columns=cols)


def renamed_project(root: Path) -> Path:
    """The small demo with every segment, construct and Likert item renamed, data and params alike."""
    project = make_project(root)
    data = project / "data" / "demo"
    for f in list(data.rglob("*.csv")):
        _rename_columns(pd.read_csv(f)).to_csv(f, index=False)
    for f in list(data.rglob("*.parquet")):
        if f.is_file():
            _rename_columns(pd.read_parquet(f)).to_parquet(f, index=False)
    words = {**SEGMENTS, **CONSTRUCTS, **{rf"{k}_(\d)": rf"{v}_\1" for k, v in ITEMS.items()}}
    for f in (project / "params").rglob("*.yaml"):
        text = _rename_words(f.read_text(encoding="utf-8"), words)
        f.write_text(text, encoding="utf-8")
    return project


def add_notebook(project: Path) -> None:
    """An analyst's own notebook, registered in params with one entry."""
    nb = new_notebook(metadata={"kernelspec": {"name": "xmo-analysis", "display_name": "Python (xmo-analysis)",
                                                "language": "python"}})
    nb.cells = [
        new_code_cell('cycle = None\nproject_dir = ".."\noutput_dir = None', metadata={"tags": ["parameters"]}),
        new_code_cell("from xmo_analysis.missions.common import open_cycle, title\n"
                      "from xmo_analysis.missions import findings\n\ndata = open_cycle(project_dir, cycle)",
                      metadata={"tags": ["setup"]}),
        new_code_cell('title(data, "9_deep_dive")'),
        new_markdown_cell("## Gaps by every segment\n\nThe analyst's own view."),
        new_code_cell("findings.gaps_by_segment_section(data)"),
    ]
    nbformat.write(nb, project / "notebooks" / "9_deep_dive.ipynb")
    xmo = project / "params" / "xmo.yaml"
    text = xmo.read_text(encoding="utf-8")
    text = text.replace("  - {id: 3_manage, notebook: 3_manage.ipynb, title: Manage experience}\n",
                        "  - {id: 3_manage, notebook: 3_manage.ipynb, title: Manage experience}\n"
                        "  - {id: 9_deep_dive, notebook: 9_deep_dive.ipynb, title: Segment deep dive}\n")
    assert "9_deep_dive" in text
    xmo.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    project = renamed_project(tmp_path_factory.mktemp("renamed") / "project")
    add_notebook(project)
    result = run_cycle(project, "2026-Q4")
    return project, result


def test_renamed_project_runs_end_to_end(published):
    project, result = published
    assert result.status == "published"
    for f in ("1_measures", "2_findings", "3_manage"):
        assert (result.path / f"{f}.html").stat().st_size > 10_000
    html = (result.path / "2_findings.html").read_text(encoding="utf-8")
    for new in ("team", "region", "contact channel"):
        assert f"by {new}" in html, new
    # no demo name leaks from code: every heading, caption and column header comes from params
    # (cells hold data: a comment may well say "support")
    # the channel groups' labels come from params too: the renamed "digital" group is "tooling" now
    labels = " ".join(t for t in (re.sub(r"<[^>]+>", " ", m).strip() for m in
                                  re.findall(r"<(?:caption|th|h[1-4])[^>]*>(.*?)</(?:caption|th|h[1-4])>", html,
                                             flags=re.S)))
    assert "n tooling" in labels and "tooling - assisted" in labels
    assert "contact channel" in labels
    labels = labels.replace("contact channel", "").replace("contact_channel", "")
    for old in DEMO_WORDS:
        assert not re.search(rf"\b{old}\b", labels), old
    findings = json.loads((result.path / "results-findings.json").read_text())
    assert set(next(iter(findings["segments"].values()))) == {"team", "region", "contact_channel", "journey_stage",
                                                               "experience_type"}
    drivers = {r["driver"] for r in findings["drivers"]["rows"]}
    assert {"x_care", "x_tooling", "x_autonomy", "x_openness"} <= drivers
    measures = json.loads((result.path / "results-measures.json").read_text())
    assert {r["construct"] for r in measures["reliability"]} == set(CONSTRUCTS.values())
    assert set(measures["representativeness"]) == {"team", "region"}


def test_extra_notebook_is_executed_rendered_published_and_listed(published):
    project, result = published
    assert (result.path / "9_deep_dive.html").stat().st_size > 5_000
    assert (result.path / "9_deep_dive.pdf").read_bytes()[:5] == b"%PDF-"
    html = (result.path / "9_deep_dive.html").read_text(encoding="utf-8")
    assert "Segment deep dive" in html and "Gap to target by team" in html
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert [m["id"] for m in manifest["missions"]] == ["1_measures", "2_findings", "3_manage", "9_deep_dive"]
    portal = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Segment deep dive" in portal and "9_deep_dive.html" in portal
