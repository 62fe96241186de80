"""The cycle runner end to end: a real (small) demo cycle executed, rendered and published."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from xmo_analysis.core.exceptions import ConfigError, ExecutionError, InputError
from xmo_analysis.sources.loaders import sha256_path
from xmo_analysis.core.params import load_params
from xmo_analysis.pipeline.runner import run_cycle

from conftest import REPO

# the registry of params (the runner, the portal and the titles read it)
MISSIONS = tuple(m.id for m in load_params(REPO / "params").missions)

pytestmark = pytest.mark.slow


class _Refs(HTMLParser):
    """Collects every URL the page would fetch or link to, and any <script>."""

    def __init__(self):
        super().__init__()
        self.urls, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _snapshot(folder: Path) -> dict[str, str]:
    # the lock, the fingerprint cache (a folder's digests are remembered at its first quick
    # check) and the run log are bookkeeping, not reports
    return {str(p.relative_to(folder)): sha256_path(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock") and p.name not in (".fingerprints.json", "runs.jsonl")}


EVIL_DEPT = '<img src=x onerror=alert(1)>'


def _plant_hostile_markup(project: Path) -> None:
    """A comment, a segment name and a backlog title carrying markup (they must show as text)."""
    import pandas as pd
    evil_comment = 'Horrible, awful, terrible, useless service <script>alert("c")</script> so bad'
    evil_title = '<script>alert("t")</script> **bold** [link](javascript:alert(1))'
    d = project / "data/demo"
    r = pd.read_csv(d / "responses.csv", dtype=str, keep_default_na=False)
    r.loc[r["department"] == "Legal", "department"] = EVIL_DEPT
    q4 = r.index[r["cycle"] == "2026-Q4"][:12]
    r.loc[q4, "comment"] = evil_comment
    r.to_csv(d / "responses.csv", index=False)
    p = pd.read_csv(d / "population.csv")
    p.loc[p["department"] == "Legal", "department"] = EVIL_DEPT
    p.to_csv(d / "population.csv", index=False)
    t = pd.read_parquet(d / "tickets.parquet")
    t.loc[t["department"] == "Legal", "department"] = EVIL_DEPT
    t.to_parquet(d / "tickets.parquet", index=False)
    b = pd.read_csv(d / "backlog.csv")
    b.loc[b["item_id"] == "BL-25", "title"] = evil_title
    b.to_csv(d / "backlog.csv", index=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The one real end-to-end run of this module: the full notebooks, hostile markup in the data."""
    from conftest import make_project
    project = make_project(tmp_path_factory.mktemp("e2e") / "project")
    _plant_hostile_markup(project)
    first = run_cycle(project, "2026-Q4")
    return project, first


@pytest.fixture(scope="module")
def tiny_published(tmp_path_factory):
    """A published cycle of tiny notebooks, for the tests about versions rather than content."""
    from conftest import make_project
    project = make_project(tmp_path_factory.mktemp("tiny") / "project", tiny=True)
    return project, run_cycle(project, "2026-Q4")


def test_data_shown_in_html_is_escaped(published):
    """The comment, segment name and backlog title planted by the fixture show as text."""
    _, result = published
    seen = {"dept": False, "comment": False, "title": False}
    for m in MISSIONS:
        page = (result.path / f"{m}.html").read_text(encoding="utf-8")
        parser = _Tags()
        parser.feed(page)
        assert "script" not in parser.tags and "onerror" not in parser.attrs, m
        assert "javascript:" not in " ".join(a for a in parser.attrs), m
        seen["dept"] |= "&lt;img src=x onerror=alert(1)&gt;" in page
        # quotes may come back unescaped from nbconvert's serialiser: harmless in text content
        seen["comment"] |= bool(re.search(r"&lt;script&gt;alert\((&quot;|\")c(&quot;|\")\)&lt;/script&gt;", page))
        seen["title"] |= bool(re.search(r"&lt;script&gt;alert\((&quot;|\")t(&quot;|\")\)&lt;/script&gt; \*\*bold", page))
    assert all(seen.values()), seen


def test_publishes_a_complete_version(published):
    project, result = published
    assert result.status == "published" and result.version == 1
    folder = project / "reports" / "2026-Q4" / "v1"
    assert result.path == folder
    for m in MISSIONS:
        for suffix in (".ipynb", ".html", ".pdf"):
            assert (folder / f"{m}{suffix}").stat().st_size > 0, (m, suffix)
    assert not list((project / "reports").glob(".staging-*"))
    # the portal's front page: each XLA of the published scorecard with its status and its trend
    # across the cycles the results hold
    portal = (project / "reports" / "index.html").read_text(encoding="utf-8")
    results = json.loads((folder / "results-manage.json").read_text())
    assert "Where the ambitions stand: 2026-Q4 (v1)" in portal
    assert len(results["xla"]) == len(load_params(project / "params").xlas)
    for row in results["xla"]:
        assert f"<td>{row['xla']}</td>" in portal and f">{row['status']}<" in portal
        cycles = [t["cycle"] for t in results["trend"] if t["xla"] == row["xla"]]
        assert len(cycles) >= 2
        assert "Scores by cycle: " + ", ".join(
            f"{t['cycle']} {t['score']:.1f}" for t in results["trend"] if t["xla"] == row["xla"]) in portal


def test_html_has_no_code_and_fetches_nothing(published):
    project, _ = published
    folder = project / "reports" / "2026-Q4" / "v1"
    for m in MISSIONS:
        page = (folder / f"{m}.html").read_text(encoding="utf-8")
        src = nbformat.read(project / "notebooks" / f"{m}.ipynb", as_version=4)
        assert sum(c.cell_type == "code" and len(c.source.strip()) >= 12 for c in src.cells) > 3
        for cell in src.cells:
            if cell.cell_type == "code":
                for line in cell.source.splitlines():
                    assert line.strip() not in page or len(line.strip()) < 12, (m, line)
        refs = _Refs()
        refs.feed(page)
        assert refs.scripts == 0, m
        # nothing fetched: images are data URIs; the only link is back to the portal of this folder
        assert all(u.startswith(("data:", "#")) or u == "../../index.html" for u in refs.urls), (m, refs.urls)
        assert "../../index.html" in refs.urls
        assert "Experience report, 2026 Q4" in page
        assert 'class="xmo-table"' in page and "data:image/png;base64," in page


def test_pdfs_have_pages_with_the_report(published):
    project, _ = published
    folder = project / "reports" / "2026-Q4" / "v1"
    expected = {"1_measures": "Data inventory", "2_findings": "experience gap", "3_manage": "Executive summary"}
    for m, text in expected.items():
        reader = PdfReader(folder / f"{m}.pdf")
        assert len(reader.pages) >= 1
        assert text in " ".join(p.extract_text() for p in reader.pages)
        assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4 portrait, in points


def _past_the_right_edge(pdf: Path, margin_mm: float = 16) -> list[tuple[int, int, str]]:
    """Text set past the right edge of the A4 text block (report.css' 16 mm margin): each chunk's
    start from the PDF's text matrix plus its width in DejaVu Sans (PIL, at the chunk's size)."""
    from importlib.util import find_spec

    from PIL import ImageFont
    fonts = Path(find_spec("matplotlib").submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    face = {b: ImageFont.truetype(str(fonts / ("DejaVuSans-Bold.ttf" if b else "DejaVuSans.ttf")), 100)
            for b in (False, True)}
    hits = []
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        edge = float(page.mediabox.width) - margin_mm / 25.4 * 72

        def visit(text, cm, tm, font, size, number=number, edge=edge):
            t = text.strip()
            if not t or t.startswith("."):  # the contents' dot leaders run on and are clipped by design
                return
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            end = x + face[bold].getlength(t) * size * scale / 100
            if end > edge + 4:  # 4 pt: kerning and rounding, far below a cut-off column
                hits.append((number, round(end), t[:30]))
        page.extract_text(visitor_text=visit)
    return hits


def test_nothing_runs_off_the_pdf_page(published, tmp_path):
    """Every word of every mission PDF lies inside the page's text block: a table wider than A4
    is cut into parts (a browser scrolls a wide table, a PDF cuts it off at the edge)."""
    project, _ = published
    folder = project / "reports" / "2026-Q4" / "v1"
    for m in ("1_measures", "2_findings", "3_manage"):
        assert _past_the_right_edge(folder / f"{m}.pdf") == [], m
    # the check sees a cut-off table: a 14-column table printed by WeasyPrint the way the reports are
    from importlib import resources

    import weasyprint
    css = (resources.files("xmo_analysis") / "templates" / "report.css").read_text(encoding="utf-8")
    wide = "".join(f"<th>column{i}</th>" for i in range(14))
    html = (f"<html><body><main class='report'><table class='xmo-table'><tr>{wide}</tr>"
            f"<tr>{'<td>12,345.6</td>' * 14}</tr></table></main></body></html>")
    weasyprint.HTML(string=html).write_pdf(tmp_path / "wide.pdf", stylesheets=[weasyprint.CSS(string=css)])
    assert _past_the_right_edge(tmp_path / "wide.pdf")


def test_manifest_hashes_match_inputs(published):
    project, _ = published
    manifest = json.loads((project / "reports" / "2026-Q4" / "v1" / "manifest.json").read_text())
    assert manifest["status"] == "published" and manifest["version"] == 1 and manifest["cycle"] == "2026-Q4"
    import yaml
    declared = yaml.safe_load((project / "params/xmo.yaml").read_text())["sources"]
    assert set(manifest["inputs"]) == {s["path"] for s in declared.values()} >= {
        "data/demo/responses.csv", "data/demo/tickets.parquet", "data/demo/telemetry"}
    assert manifest["engines"] == {}  # every source read as rows: no engine aggregated any
    for rel, digest in manifest["inputs"].items():
        assert sha256_path(project / rel) == digest, rel
    for rel, digest in manifest["params"].items():
        assert sha256_path(project / rel) == digest, rel
    assert "params/ambitions.yaml" in manifest["params"]
    assert manifest["parameters"]["cycle"] == "2026-Q4"
    assert manifest["renderer"]["name"] == "nbconvert" and "weasyprint" in manifest["renderer"]["version"]
    assert {"pandas", "papermill", "xmo-analysis"} <= set(manifest["packages"])
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert all(v >= 0 for v in manifest["timings_s"].values())


def test_executed_notebooks_hold_no_respondent_rows(published):
    project, _ = published
    for m in MISSIONS:
        text = (project / "reports" / "2026-Q4" / "v1" / f"{m}.ipynb").read_text()
        assert not re.search(r"\bR0\d{5}\b", text), m  # response ids
        assert not re.search(r"\bE0\d{4}\b", text), m  # respondent ids


def test_second_run_is_up_to_date_and_force_publishes(tiny_published):
    project, _ = tiny_published
    reports = project / "reports"
    before = _snapshot(reports)
    again = run_cycle(project, "2026-Q4")
    assert again.status == "up to date" and again.version == 1
    assert _snapshot(reports) == before
    forced = run_cycle(project, "2026-Q4", force=True)
    assert forced.status == "published" and forced.version == 2
    after = _snapshot(reports)
    # v1 untouched, byte for byte
    assert {k: v for k, v in after.items() if k.startswith("2026-Q4/v1/")} == \
           {k: v for k, v in before.items() if k.startswith("2026-Q4/v1/")}
    assert "2026-Q4/v2" in (reports / "index.html").read_text()


def test_changed_input_publishes_new_version(tiny_published):
    project, _ = tiny_published
    before = run_cycle(project, "2026-Q4")
    assert before.status == "up to date"
    path = project / "data/demo/backlog.csv"
    path.write_text(path.read_text().replace("Survey results shared back", "Results shared back"))
    after = run_cycle(project, "2026-Q4")
    assert (after.status, after.version) == ("published", before.version + 1)
    # the new version says why it exists, by name, in its manifest and on the portal
    manifest = json.loads((after.path / "manifest.json").read_text())
    assert manifest["changes"] == ["input data/demo/backlog.csv changed"]
    portal = (project / "reports" / "index.html").read_text()
    assert "input data/demo/backlog.csv changed" in portal and f"2026-Q4/v{after.version}/manifest.json" in portal
    # and every report names its version and fingerprint (a forwarded PDF can be traced)
    stamp = (f"version {after.version} · published {manifest['published_at'][:10]} · fingerprint "
             f"{manifest['fingerprint']['sha256'][:12]}")
    assert stamp in (after.path / "3_manage.html").read_text(encoding="utf-8")
    text = "".join(page.extract_text() for page in PdfReader(after.path / "3_manage.pdf").pages)
    assert f"version {after.version}" in text and manifest["fingerprint"]["sha256"][:12] in text


def test_invalid_input_publishes_nothing(project):
    path = project / "data/demo/population.csv"
    path.write_text(path.read_text().replace(",", ";"))
    with pytest.raises(InputError) as err:
        run_cycle(project, "2026-Q4")
    assert err.value.exit_code == 2 and "population.csv" in str(err.value)
    # no report, no version: only the run log, whose record says why
    reports = project / "reports"
    assert [p.name for p in reports.iterdir()] == ["runs.jsonl"]
    (record,) = [json.loads(line) for line in (reports / "runs.jsonl").read_text().splitlines()]
    assert record["status"] == "failed" and "population.csv" in record["error"]


def test_parameter_mismatch_is_an_error(project):
    path = project / "notebooks" / "2_findings.ipynb"
    nb = nbformat.read(path, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace('output_dir = None', 'output_dir = None\nthreshold = 3').replace(
        'project_dir = ".."\n', "")
    nbformat.write(nb, path)
    with pytest.raises(ConfigError) as err:
        run_cycle(project, "2026-Q4")
    text = str(err.value)
    assert "threshold" in text and "project_dir" in text and err.value.exit_code == 2
    assert not list((project / "reports").glob("2026-Q4/v*"))


def test_failing_cell_keeps_failed_notebook_and_publishes_nothing(tiny_project):
    project = tiny_project
    path = project / "notebooks" / "1_measures.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(5, nbformat.v4.new_code_cell('raise RuntimeError("boom in mission 1")'))
    nbformat.write(nb, path)
    with pytest.raises(ExecutionError) as err:
        run_cycle(project, "2026-Q4")
    assert err.value.exit_code == 1 and err.value.mission == "1_measures"
    assert "RuntimeError" in str(err.value) and "boom in mission 1" in str(err.value)
    # the cell's position in the analyst's notebook (inserted at index 5: the 6th cell), not its
    # execution count, and where the executed notebook is kept
    assert err.value.cell == 6 and "cell 6 of the notebook" in str(err.value)
    assert 'raise RuntimeError("boom in mission 1")' in str(err.value)  # its first line, to find it by
    failed = list((project / "reports" / "failed").glob("2026-Q4-*/1_measures.ipynb"))
    assert len(failed) == 1 and str(failed[0]) in str(err.value)
    assert not list((project / "reports").glob("2026-Q4/v*"))
    assert not list((project / "reports").glob(".staging-*"))


def test_quarto_renderer_through_the_runner(tiny_project, quarto_on_path):
    project = tiny_project
    result = run_cycle(project, "2026-Q4", renderer="auto")
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["renderer"] == {"name": "quarto", "version": "1.6.40"}
    for m in MISSIONS:
        assert (result.path / f"{m}.html").read_text().startswith("<html>")
        assert (result.path / f"{m}.pdf").read_bytes().startswith(b"%PDF")
    calls = [json.loads(line)["args"] for line in quarto_on_path.read_text().splitlines()]
    assert sum(c[0] == "render" for c in calls) == 2 * len(MISSIONS)


def test_notebook_runs_with_its_default_parameters(demo_project, tmp_path):
    """As in JupyterLab: no parameters injected, working directory notebooks/."""
    import papermill as pm
    out = tmp_path / "2_findings.ipynb"
    pm.execute_notebook(str(demo_project / "notebooks" / "2_findings.ipynb"), str(out),
                        cwd=str(demo_project / "notebooks"), progress_bar=False, kernel_name="xmo-analysis")
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert any("XLA scores and gaps" in str(o.get("data", {})) for c in nb.cells for o in c.get("outputs", []))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


@pytest.mark.parametrize("source,timeout,expect", [
    ("import os\nos._exit(1)", 900, "DeadKernelError"),
    ("import time\ntime.sleep(60)", 3, "CellTimeoutError"),
])
def test_dead_kernel_and_cell_timeout_are_reported(tiny_project, source, timeout, expect):
    project = tiny_project
    path = project / "notebooks" / "1_measures.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(5, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)
    with pytest.raises(ExecutionError) as err:
        run_cycle(project, "2026-Q4", cell_timeout=timeout, jobs=1)  # serial: only the planted cell may time out
    assert err.value.mission == "1_measures" and expect in str(err.value) and err.value.ename == expect
    assert len(list((project / "reports" / "failed").glob("2026-Q4-*/1_measures.ipynb"))) == 1
    assert not list((project / "reports").glob("2026-Q4/v*"))
