"""Audience reports: one report per group that reaches the threshold, none (and no count) below it.

Real cycles with a reduced mission list (mission 1 only) to keep the suite fast: the audience
notebook is executed, rendered and published once per group, in parallel and serially.
"""
from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from xmo_analysis.core.exceptions import ExecutionError
from xmo_analysis.missions.audience import slugs
from xmo_analysis.pipeline.publish import versions
from xmo_analysis.pipeline.runner import run_cycle

from conftest import make_project

pytestmark = pytest.mark.slow


def _configure(project, threshold: int) -> None:
    xmo = project / "params" / "xmo.yaml"
    text = xmo.read_text(encoding="utf-8")
    text = re.sub(r"missions:\n(  - .*\n)+", "missions:\n  - {id: 1_measures, notebook: 1_measures.ipynb, "
                  "title: Managing experience measures}\n", text)
    text = re.sub(r"audiences:\n(  .*\n)+", f"audiences:\n  department: {{column: department, min_respondents: "
                  f"{threshold}, title: Department report}}\n", text)
    xmo.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("aud") / "project", audiences=True)
    resp = pd.read_csv(project / "data" / "demo" / "responses.csv")
    counts = resp[resp["cycle"] == "2026-Q4"]["department"].value_counts().sort_values(kind="stable")
    # the threshold is the count of the third smallest department: it gets a report exactly at it
    at = counts.index[2]
    threshold = int(counts.iloc[2])
    below = [g for g, n in counts.items() if n < threshold]
    assert below, "the demo needs a department below the threshold"
    _configure(project, threshold)
    parallel = run_cycle(project, "2026-Q4", jobs=2)
    serial = run_cycle(project, "2026-Q4", jobs=1, force=True)
    return project, parallel, serial, at, below, counts


def test_group_at_threshold_gets_a_report_below_none(runs):
    project, r, _, at, below, counts = runs
    folder = r.path / "department"
    names = slugs(sorted(str(g) for g in counts.index))
    assert (folder / f"{names[at]}.html").is_file() and (folder / f"{names[at]}.pdf").is_file()
    html = (folder / f"{names[at]}.html").read_text(encoding="utf-8")
    assert f"Department report: {at}" in html and "all reports" in html
    for g in below:
        assert not (folder / f"{names[g]}.html").exists() and not (folder / f"{names[g]}.pdf").exists()
    manifest = json.loads((r.path / "manifest.json").read_text())
    aud = manifest["audiences"]["department"]
    assert sorted(x["group"] for x in aud["not_reported"]) == sorted(below)
    assert {x["group"] for x in aud["reports"]} == {str(g) for g, n in counts.items() if n >= counts[at]}
    assert all(set(x) == {"group", "reason"} for x in aud["not_reported"])
    portal = (project / "reports" / "index.html").read_text(encoding="utf-8")
    for g in below:
        row = re.search(rf"<tr><td>{re.escape(g)}</td>(.*?)</tr>", portal).group(1)
        # the only number in its row is the threshold, never the group's count
        assert re.findall(r"\d+", re.sub(r"<[^>]+>", " ", row)) == [str(counts[at])]
    assert f'department/{names[at]}.html' in portal


def test_published_files_are_readable_by_others(runs):
    import os
    import stat
    project, r, *_ = runs
    mask = os.umask(0)
    os.umask(mask)
    assert mask & 0o004 == 0, "this check needs a umask that lets others read (e.g. 022)"
    for p in [r.path, r.path / "department", r.path / "manifest.json", project / "reports" / "index.html",
              next((r.path / "department").glob("*.html"))]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == ((0o777 if p.is_dir() else 0o666) & ~mask), (p, oct(mode))


def test_comments_only_above_the_comment_threshold(runs):
    project, r, *_ , counts = runs
    for pdf in (r.path / "department").glob("*.pdf"):
        text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
        assert ("none are shown" in text) or ("wrote (redacted)" in text), pdf.name


def test_parallel_and_serial_runs_publish_the_same_results(runs):
    _, parallel, serial, *_ = runs
    assert serial.version == parallel.version + 1
    a = (parallel.path / "results-measures.json").read_bytes()
    b = (serial.path / "results-measures.json").read_bytes()
    assert a == b
    pa = sorted(p.relative_to(parallel.path).as_posix() for p in parallel.path.rglob("*.html"))
    pb = sorted(p.relative_to(serial.path).as_posix() for p in serial.path.rglob("*.html"))
    assert pa == pb and len(pa) > 3


def test_unchanged_rerun_is_answered_from_the_fingerprint_cache(runs, monkeypatch):
    import xmo_analysis.pipeline.runner as runner
    from xmo_analysis.pipeline.fingerprints import quick_check
    project, _, serial, *_ = runs

    def no_load(*args, **kwargs):
        raise AssertionError("an unchanged rerun must not load data")
    monkeypatch.setattr(runner, "load_cycle", no_load)
    again = run_cycle(project, "2026-Q4")
    assert again.status == "up to date" and again.version == serial.version
    # a changed input is hashed again (same size, new mtime) and is no longer up to date
    pop = project / "data" / "demo" / "population.csv"
    text = pop.read_text(encoding="utf-8")
    pop.write_text(text.replace(",1", ",2", 1), encoding="utf-8")
    assert quick_check(project, "2026-Q4", "nbconvert", project / "reports") is None
    pop.write_text(text, encoding="utf-8")
    assert quick_check(project, "2026-Q4", "nbconvert", project / "reports") == serial.version


def test_a_failing_audience_notebook_fails_the_cycle_and_names_the_group(runs):
    project, r, *_ = runs
    nb_path = project / "notebooks" / "audience.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('if group == sorted(data.current("responses")["department"].unique())[-1]:\n'
                                              '    raise RuntimeError("planted failure")'))
    nbformat.write(nb, nb_path)
    before = versions(project / "reports", "2026-Q4")
    with pytest.raises(ExecutionError) as info:
        run_cycle(project, "2026-Q4", jobs=2)
    assert "department: " in str(info.value) and "planted failure" in str(info.value)
    assert versions(project / "reports", "2026-Q4") == before
    kept = list((project / "reports" / "failed").rglob("department_*.ipynb"))
    assert kept, "the failed notebook is kept for the analyst"
