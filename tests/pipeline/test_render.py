"""Renderers: nbconvert + WeasyPrint page, and the Quarto CLI wrapper (stand-in and real)."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from xmo_analysis.core.exceptions import ConfigError, RenderError
from xmo_analysis.pipeline.render import choose, html_page, render, render_quarto

@pytest.fixture
def executed(tmp_path) -> Path:
    nb = new_notebook(cells=[
        new_markdown_cell("## A section\n\nOne sentence of purpose."),
        new_code_cell("secret_code_marker = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("show()", outputs=[new_output("execute_result", data={
            "text/html": "<table class='xmo-table'><tr><td>&lt;script&gt;x&lt;/script&gt;</td></tr></table>",
            "text/plain": "table"}, execution_count=1)]),
    ], metadata={"kernelspec": {"name": "xmo-analysis", "display_name": "x", "language": "python"}})
    path = tmp_path / "1_measures.ipynb"
    nbformat.write(nb, path)
    return path


def test_nbconvert_page_hides_code_and_is_self_contained(executed, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    r = render(executed, out, "Report <2026-Q4>", "nbconvert", footer="footer & co")
    page = r.html.read_text()
    assert "secret_code_marker" not in page and "show()" not in page
    assert "A section" in page and "&lt;script&gt;x&lt;/script&gt;" in page and "<script" not in page
    assert "Report &lt;2026-Q4&gt;" in page and "footer &amp; co" in page
    assert "http://" not in page and "https://" not in page
    reader = PdfReader(r.pdf)
    assert len(reader.pages) >= 1
    assert "A section" in reader.pages[0].extract_text()
    assert r.renderer == "nbconvert"


def test_render_workers_give_the_bytes_of_rendering_here_and_name_a_failure(executed, tmp_path):
    """Side by side in worker processes, the same HTML and PDF as rendered in this process; a
    notebook that cannot be rendered fails naming it, and the worker goes on with the next."""
    from xmo_analysis.pipeline.render import RenderWorkers
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    a = render(executed, here, "T", "nbconvert", footer="f", portal="../index.html")
    copy = tmp_path / "2_findings.ipynb"
    shutil.copy(executed, copy)
    with RenderWorkers(2) as workers:
        b = workers.render(executed, there, "T", "nbconvert", "f", "../index.html")
        c = workers.render(copy, there, "T", "nbconvert", "f", "../index.html")
        with pytest.raises(RenderError, match="missing.ipynb"):
            workers.render(tmp_path / "missing.ipynb", there, "T", "nbconvert", "f", "")
        again = workers.render(executed, tmp_path, "T", "nbconvert", "f", "../index.html")
    assert (b.html, b.pdf, b.renderer, b.version) == (there / "1_measures.html", there / "1_measures.pdf",
                                                      a.renderer, a.version)
    assert b.html.read_bytes() == a.html.read_bytes() and b.pdf.read_bytes() == a.pdf.read_bytes()
    assert c.pdf.read_bytes() == a.pdf.read_bytes() and again.pdf.read_bytes() == a.pdf.read_bytes()


def test_auto_picks_quarto_only_when_on_path(quarto_on_path, monkeypatch):
    assert choose("auto") == "quarto"
    monkeypatch.setenv("PATH", "/nonexistent")
    assert choose("auto") == "nbconvert"
    with pytest.raises(ConfigError, match="quarto executable is not on PATH"):
        choose("quarto")
    with pytest.raises(ConfigError, match="must be one of"):
        choose("latex")


def test_quarto_wrapper_arguments_and_outputs(executed, quarto_on_path, tmp_path):
    import json
    out = tmp_path / "out"
    out.mkdir()
    r = render(executed, out, "T", "quarto")
    assert r.html == out / "1_measures.html" and r.pdf == out / "1_measures.pdf"
    assert r.pdf.read_bytes().startswith(b"%PDF") and r.version == "1.6.40"
    calls = [json.loads(line) for line in quarto_on_path.read_text().splitlines()]
    renders = [c for c in calls if c["args"][0] == "render"]
    assert [c["args"][:4] for c in renders] == [["render", "1_measures.ipynb", "--to", "html"],
                                                ["render", "1_measures.ipynb", "--to", "typst"]]
    # rendered in temporary folders, never next to the executed notebook
    assert all(Path(c["cwd"]) != executed.parent for c in renders)
    assert not (executed.parent / "1_measures.html").exists()


@pytest.mark.parametrize("mode,match", [("silent", "no .html written"), ("fail", "exit 1")])
def test_quarto_failures_are_detected(executed, quarto_on_path, tmp_path, monkeypatch, mode, match):
    monkeypatch.setenv("QUARTO_STANDIN_MODE", mode)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RenderError, match=match):
        render_quarto(executed, out)
    assert list(out.iterdir()) == []


@pytest.mark.skipif(shutil.which("quarto") is None, reason="the real quarto CLI is not installed here")
def test_real_quarto(executed, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    html_path, pdf_path = render_quarto(executed, out)
    assert "A section" in html_path.read_text()
    assert len(PdfReader(pdf_path).pages) >= 1


def test_html_page_escapes_title():
    nb = new_notebook(cells=[new_markdown_cell("text")])
    page = html_page(nb, '<img src=x onerror=alert(1)>"')
    assert "<img src=x" not in page


def _sections_notebook(titles):
    cells = []
    for t in titles:
        cells.append(new_markdown_cell(f"## {t}\n\nSome narrative."))
        cells.append(new_markdown_cell(f"### {t} detail"))
    return new_notebook(cells=cells)


def test_contents_with_anchors_and_pdf_pages(tmp_path):
    """Every section heading gets a unique anchor, a table of contents links each h2 (in the
    HTML and, with page numbers, in the PDF), and the PDF has one bookmark per section."""
    import re

    from xmo_analysis.pipeline.render import write_pdf
    titles = ["Conclusions", "The experience gap", "Gaps & risks", "Conclusions"]  # a duplicate title
    page = html_page(_sections_notebook(titles), "A report")
    ids = re.findall(r'<h2[^>]* id="([^"]+)"', page)
    assert len(ids) == len(titles) and len(set(ids)) == len(ids)
    toc = re.search(r'<nav class="toc".*?</nav>', page, flags=re.S).group(0)
    links = re.findall(r'href="#([^"]+)"', toc)
    assert links == ids
    assert "Gaps &amp; risks</a>" in toc  # heading text stays escaped
    assert page.index('<nav class="toc"') < page.index(f'id="{ids[0]}"')
    assert len(re.findall(r'<h3[^>]* id="', page)) == len(titles)
    pdf = write_pdf(page, tmp_path / "r.pdf")
    outline = [o.title for o in PdfReader(pdf).outline if not isinstance(o, list)]
    for t in ("Contents", "Conclusions", "The experience gap"):
        assert t in outline, outline
    text = PdfReader(pdf).pages[0].extract_text()
    assert re.search(r"Conclusions\s*\.{5,}\s*1", text), text  # the contents show each section's page


def test_short_report_has_no_contents():
    page = html_page(_sections_notebook(["One", "Two"]), "Short")
    assert '<nav class="toc"' not in page and 'id="one"' in page


def test_tables_scroll_on_a_phone_and_align_numbers():
    import pandas as pd

    from xmo_analysis.present.display import Table
    t = Table(pd.DataFrame({"segment": ["A", "B"], "score": [71.25, None], "n": [12, 30]}), caption="c")
    out = t._repr_html_()
    assert out.startswith('<div class="table-wrap">') and "</table></div>" in out
    import re
    heads = re.findall(r"<th([^>]*)>([^<]*)</th>", out)
    assert heads == [("", "segment"), (' class="num"', "score"), (' class="num"', "n")]


def test_a_table_caption_never_ends_a_page_without_its_table(tmp_path):
    """A caption (or header row) left at the foot of a page, its rows on the next, reads as a
    table with no data: seen on the demo's findings PDF. Filler of every length from half a page
    to a page and a half pushes a captioned table across each possible break; the caption and
    the table's first row always share a page."""
    from importlib import resources

    from xmo_analysis.pipeline.render import write_pdf
    css = (resources.files("xmo_analysis") / "templates" / "report.css").read_text(encoding="utf-8")
    rows = "".join(f"<tr><td>row{i}</td><td class='num'>{i}</td></tr>" for i in range(30))
    checked = 0
    for lines in range(28, 80, 2):
        filler = "".join(f"<p>filler line {i}</p>" for i in range(lines))
        page = (f"<html><head><style>{css}</style></head><body><main class='report'>{filler}"
                f"<table class='xmo-table'><caption>CAPTIONTEXT</caption><thead><tr><th>name</th>"
                f"<th class='num'>value</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>")
        pdf = write_pdf(page, tmp_path / f"t{lines}.pdf")
        texts = [p.extract_text() for p in PdfReader(pdf).pages]
        caption = next(i for i, t in enumerate(texts) if "CAPTIONTEXT" in t)
        first = next(i for i, t in enumerate(texts) if "row0" in t)
        assert caption == first, (lines, caption, first)
        checked += caption > 0
    assert checked, "no filler length put the table on a later page"
