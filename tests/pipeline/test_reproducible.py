"""The same inputs, params, code and lock give the same bytes.

Two projects made from the same demo data, run apart (one in parallel on forked kernels, one
serially on kernels launched afresh), must publish byte-identical results files, Parquet
tables, HTML and PDF: no timestamp, random id, absolute path or hash-ordering in any of them.
Only what records the run itself may differ: ``manifest.json`` (timings, publication time) and
the executed ``.ipynb`` files (papermill's cell timings and paths). With ``SOURCE_DATE_EPOCH``
set, the PDF carries that date as its creation date and is still identical.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from pypdf import PdfReader

from xmo_analysis.pipeline.runner import run_cycle

from conftest import make_project

pytestmark = pytest.mark.slow
EPOCH = 1767225600  # 2026-01-01T00:00:00Z
RUN_RECORDS = {"manifest.json"}  # and every .ipynb


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    try:
        out = []
        # the first run two notebooks at a time on kernels forked from the fork server, the second
        # one at a time, each notebook on a kernel launched afresh (XMO_FRESH_KERNELS): the bytes
        # may depend neither on which notebook finished first nor on how its kernel was started
        for k, jobs in ((1, 2), (2, 1)):
            if k == 2:
                mp.setenv("XMO_FRESH_KERNELS", "1")
            project = make_project(tmp_path_factory.mktemp(f"repro{k}") / "project")
            out.append(run_cycle(project, "2026-Q1", jobs=jobs).path)
        return out
    finally:
        mp.undo()


def test_every_report_file_is_byte_identical(two_runs):
    a, b = two_runs
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    compared = [f for f in files if f.name not in RUN_RECORDS and f.suffix != ".ipynb"]
    kinds = {f.suffix for f in compared}
    assert {".html", ".pdf", ".json", ".parquet"} <= kinds
    different = [str(f) for f in compared if (a / f).read_bytes() != (b / f).read_bytes()]
    assert not different


def test_manifests_differ_only_in_what_records_the_run(two_runs):
    a, b = (json.loads((p / "manifest.json").read_text()) for p in two_runs)
    for m in (a, b):  # where each project lives is not part of its result
        assert m["parameters"].pop("project_dir")
    volatile = {"timings_s", "published_at", "git"}
    assert {k: v for k, v in a.items() if k not in volatile} == {k: v for k, v in b.items() if k not in volatile}
    assert a["environment"]["lock_sha256"] and a["fingerprint"]["lock"] == a["environment"]["lock_sha256"]


def test_reports_say_the_day_of_source_date_epoch(two_runs):
    day = dt.datetime.fromtimestamp(EPOCH, dt.timezone.utc).date().isoformat()
    assert f"published {day}" in (two_runs[0] / "2_findings.html").read_text(encoding="utf-8")


def test_pdf_is_dated_by_source_date_epoch(two_runs):
    meta = PdfReader(two_runs[0] / "1_measures.pdf").metadata
    created = meta.creation_date
    assert created is not None
    assert created.astimezone(dt.timezone.utc) == dt.datetime.fromtimestamp(EPOCH, dt.timezone.utc)
