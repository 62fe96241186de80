"""Renderers: an executed notebook to a stakeholder's HTML and PDF.

Renderers are registered by name (:data:`RENDERERS`); the runner asks the registry and never
branches on the kind, so a new renderer is one class with ``available``, ``version`` and
``render``. Two are registered:

- ``nbconvert`` (default, no Quarto needed): nbconvert's ``basic`` template with code cells and
  prompts excluded, wrapped in the package's report page (``templates/report.html.j2``, inline
  CSS, images embedded as data URIs: nothing fetched from the network); the same page printed
  to A4 by WeasyPrint.
- ``quarto``: the Quarto CLI in a subprocess, ``quarto render <executed.ipynb> --to html`` and
  ``--to typst`` (PDF), run in a temporary folder; outputs are checked to exist because Quarto's
  exit code is not always reliable.
"""
from __future__ import annotations

import html
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from xmo_analysis import __version__
from xmo_analysis.core.exceptions import ConfigError, Problem, RenderError

HIDDEN_TAGS = {"parameters", "injected-parameters", "setup", "notebook-only"}


@dataclass(frozen=True)
class Rendered:
    html: Path
    pdf: Path
    renderer: str
    version: str


class NbconvertRenderer:
    """nbconvert's HTML inside the package's page, printed to A4 PDF by WeasyPrint."""

    name = "nbconvert"

    def available(self) -> bool:
        return True

    def version(self) -> str:
        # from the installed distributions' metadata: importing WeasyPrint to read its version
        # cost the runner 0.7 s of its critical path
        from importlib.metadata import version
        return f"nbconvert {version('nbconvert')}, weasyprint {version('weasyprint')}"

    def render(self, executed: Path, out_dir: Path, title: str, footer: str, portal: str = "") -> tuple[Path, Path]:
        page = html_page(nbformat.read(executed, as_version=4), title, footer, portal)
        html_path = out_dir / f"{executed.stem}.html"
        html_path.write_text(page, encoding="utf-8")
        pdf_path = out_dir / f"{executed.stem}.pdf"
        write_pdf(page, pdf_path)
        return html_path, pdf_path


class QuartoRenderer:
    """The Quarto CLI in a subprocess (see :func:`render_quarto`)."""

    name = "quarto"

    def available(self) -> bool:
        return shutil.which("quarto") is not None

    def version(self) -> str:
        try:
            out = subprocess.run(["quarto", "--version"], capture_output=True, text=True, timeout=60)
            return out.stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    def render(self, executed: Path, out_dir: Path, title: str, footer: str, portal: str = "") -> tuple[Path, Path]:
        return render_quarto(executed, out_dir)


RENDERERS = {r.name: r for r in (NbconvertRenderer(), QuartoRenderer())}
# "auto": the first available in this order of preference
PREFERENCE = ("quarto", "nbconvert")


def choose(renderer: str) -> str:
    """Resolve ``auto`` to the first available renderer of :data:`PREFERENCE` (Quarto when the
    ``quarto`` executable is on PATH, else nbconvert); check that a named one is available."""
    names = ["auto", *RENDERERS]
    if renderer not in names:
        raise ConfigError(Problem(file="--renderer", value=renderer, rule=f"must be one of {names}"))
    if renderer == "auto":
        return next(n for n in PREFERENCE if RENDERERS[n].available())
    if not RENDERERS[renderer].available():
        raise ConfigError(Problem(file="--renderer", value=renderer,
                                  rule="the quarto executable is not on PATH (install Quarto, e.g. from conda-forge, "
                                       "or use --renderer nbconvert)" if renderer == "quarto" else "not available here"))
    return renderer


def renderer_version(renderer: str) -> str:
    return RENDERERS[choose(renderer)].version()


def render(executed: Path, out_dir: Path, title: str, renderer: str = "nbconvert", footer: str = "",
           portal: str = "") -> Rendered:
    """Render one executed notebook into ``out_dir`` as ``<stem>.html`` and ``<stem>.pdf``;
    ``portal`` is the relative link back to the portal page (HTML)."""
    engine = RENDERERS[choose(renderer)]
    html_path, pdf_path = engine.render(executed, out_dir, title, footer, portal)
    return Rendered(html_path, pdf_path, engine.name, engine.version())


class RenderWorkers:
    """``n`` processes that render side by side (``python -m xmo_analysis.pipeline.render``, a job
    as one JSON line in, the result as one JSON line out), each taking the next job when free.

    WeasyPrint lays pages out in pure Python: in threads of the runner the GIL let one PDF be
    printed at a time, and printing is most of a cycle's rendering. Plain processes fed JSON
    rather than multiprocessing: spawned children re-import the caller's main module, so a
    script calling the runner without an ``if __name__ == "__main__"`` guard would run again in
    each (see :mod:`xmo_analysis.privacy.redaction`). A worker dies with its runner: it ends at
    the end of its input, and a killed run's process group takes it along."""

    def __init__(self, n: int):
        self._idle: queue.Queue = queue.Queue()
        self._procs = []
        for _ in range(max(1, n)):
            proc = subprocess.Popen([sys.executable, "-m", "xmo_analysis.pipeline.render"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True, encoding="utf-8")
            self._procs.append(proc)
            self._idle.put(proc)

    def render(self, executed: Path, out_dir: Path, title: str, renderer: str = "nbconvert", footer: str = "",
               portal: str = "") -> Rendered:
        """:func:`render` in the next free worker."""
        proc = self._idle.get()
        try:
            proc.stdin.write(json.dumps({"executed": str(executed), "out_dir": str(out_dir), "title": title,
                                         "renderer": renderer, "footer": footer, "portal": portal}) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        except OSError as exc:
            line, error = "", exc
        else:
            error = None
        finally:
            self._idle.put(proc)
        if not line:
            raise RenderError(f"rendering {executed.name}: the render worker stopped (exit {proc.poll()}"
                              + (f", {error}" if error else "") + ")")
        reply = json.loads(line)
        if "error" in reply:
            raise RenderError(reply["error"])
        return Rendered(Path(reply["html"]), Path(reply["pdf"]), reply["renderer"], reply["version"])

    def close(self) -> None:
        """Stop the workers. Every job has had its reply by now (the runner's pool waits for the
        jobs it started), so a worker is stopped rather than waited for: its interpreter's
        teardown took 0.4 s a worker on the runner's critical path."""
        for proc in self._procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def __enter__(self) -> "RenderWorkers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve() -> None:
    """A :class:`RenderWorkers` process: render each job read from stdin, one reply line each."""
    replies, sys.stdout = sys.stdout, sys.stderr  # nothing but replies on the channel
    for line in sys.stdin:
        job = json.loads(line)
        try:
            r = render(Path(job["executed"]), Path(job["out_dir"]), job["title"], job["renderer"], job["footer"],
                       job["portal"])
            reply = {"html": str(r.html), "pdf": str(r.pdf), "renderer": r.renderer, "version": r.version}
        except Exception as exc:  # the runner raises it, naming the notebook
            reply = {"error": str(exc) if isinstance(exc, RenderError)
                     else f"rendering {Path(job['executed']).name} failed: {type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def html_page(nb, title: str, footer: str = "", portal: str = "") -> str:
    """The stakeholder's page: outputs and narrative only, self-contained."""
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, exclude_anchor_links=True)
    remover = TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    body = with_contents(body)
    css = (resources.files("xmo_analysis") / "templates" / "report.css").read_text(encoding="utf-8")
    css = css.replace("string(doctitle)", _css_string(title))
    template = jinja2.Template((resources.files("xmo_analysis") / "templates" / "report.html.j2").read_text(encoding="utf-8"))
    # body is nbconvert's HTML of our own outputs (already escaped); title and footer are escaped here.
    return template.render(title=html.escape(title), css=css, body=body, footer=html.escape(footer),
                           version=__version__, portal=html.escape(portal), created=source_date())


def source_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) as an ISO date-time, or None when unset.

    Reports carry no timestamp of their own, so that the same inputs give the same bytes; a
    build that wants its PDFs dated sets SOURCE_DATE_EPOCH, and WeasyPrint writes it as the PDF's
    creation date (``dcterms.created``)."""
    import datetime as dt
    import os
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(raw), dt.timezone.utc).isoformat(timespec="seconds")


def with_contents(body: str, minimum: int = 3) -> str:
    """Give every section heading (h2, h3) an anchor and put a table of contents of the h2
    headings before the first one (when there are at least ``minimum``); the PDF shows each
    entry's page (CSS ``target-counter``) and WeasyPrint makes the headings PDF bookmarks."""
    import re
    used: set[str] = set()
    entries: list[tuple[str, str]] = []

    def anchor(m: re.Match) -> str:
        level, attrs, inner = m.group(1), m.group(2), m.group(3)
        if " id=" in attrs:
            return m.group(0)
        text = re.sub(r"<[^>]+>", "", inner).strip()
        base = re.sub(r"[^a-z0-9]+", "-", html.unescape(text).lower()).strip("-")[:48] or "section"
        slug, k = base, 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        if level == "2":
            entries.append((slug, text))
        return f'<h{level}{attrs} id="{slug}">{inner}</h{level}>'

    body = re.sub(r"<h([23])([^>]*)>(.*?)</h\1>", anchor, body, flags=re.S)
    if len(entries) < minimum:
        return body
    toc = ('<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>'
           + "".join(f'<li><a href="#{slug}">{text}</a></li>' for slug, text in entries) + "</ol></nav>")
    first = body.find(f'id="{entries[0][0]}"')
    start = body.rfind("<h2", 0, first)
    return body[:start] + toc + body[start:]


def _css_string(text: str) -> str:
    """A CSS string literal that cannot close the string or the <style> element it sits in."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>&\n' else ch for ch in text)
    return f'"{escaped}"'


def write_pdf(page: str, path: Path) -> Path:
    """Print the report page to an A4 PDF with WeasyPrint (no network: images are data URIs)."""
    import weasyprint

    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 66: a fetcher object with allowed protocols
        fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    else:
        def fetcher(url, *args, **kwargs):
            if url.startswith("data:"):
                return weasyprint.default_url_fetcher(url, *args, **kwargs)
            raise ValueError(f"report tried to fetch {url!r}; reports must be self-contained")

    try:
        weasyprint.HTML(string=page, url_fetcher=fetcher).write_pdf(path)
    except Exception as exc:  # WeasyPrint raises assorted errors
        raise RenderError(f"PDF rendering of {path.name} failed: {exc}") from exc
    return path


def render_quarto(executed: Path, out_dir: Path, quarto: str = "quarto", timeout: int = 600) -> tuple[Path, Path]:
    """Render with the Quarto CLI: ``quarto render <nb> --to html`` then ``--to typst`` (PDF).

    Each format is rendered in a fresh temporary folder holding a copy of the notebook, and the
    expected file (``<stem>.html`` / ``<stem>.pdf``) is checked to exist and be non-empty before
    it is moved into ``out_dir``: Quarto can exit 0 without writing its output.
    """
    results = []
    for to, suffix in (("html", ".html"), ("typst", ".pdf")):
        with tempfile.TemporaryDirectory(prefix="xmo-quarto-") as tmp:
            src = Path(tmp) / executed.name
            shutil.copy2(executed, src)
            cmd = [quarto, "render", src.name, "--to", to, "-M", "echo:false", "-M", "embed-resources:true"]
            try:
                proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=timeout,
                                      env={**os.environ, "QUARTO_PRINT_STACK": "false"})
            except (OSError, subprocess.SubprocessError) as exc:
                raise RenderError(f"quarto render {executed.name} --to {to} could not run: {exc}") from exc
            produced = Path(tmp) / f"{src.stem}{suffix}"
            if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
                detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["no output"]
                raise RenderError(f"quarto render {executed.name} --to {to} failed (exit {proc.returncode}, "
                                  f"{'no' if not produced.is_file() else 'empty'} {suffix} written): {detail[0]}")
            target = out_dir / produced.name
            shutil.move(str(produced), target)
            results.append(target)
    return results[0], results[1]


if __name__ == "__main__":  # a worker of RenderWorkers
    _serve()
