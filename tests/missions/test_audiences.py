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
    pdfs = sorted((r.path / "department").glob("*.pdf"))
    assert len(pdfs) >= 2
    for pdf in pdfs:
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
    # every group's notebook fails: the first failure cancels the notebooks not started yet (one
    # job: one kernel to start; a failure with two at a time is test_runner's failing-cell test)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError(f"planted failure in {group}")'))
    nbformat.write(nb, nb_path)
    before = versions(project / "reports", "2026-Q4")
    with pytest.raises(ExecutionError) as info:
        run_cycle(project, "2026-Q4", jobs=1)
    assert "department: " in str(info.value) and "planted failure" in str(info.value)
    assert versions(project / "reports", "2026-Q4") == before
    kept = list((project / "reports" / "failed").rglob("department_*.ipynb"))
    assert kept, "the failed notebook is kept for the analyst"


# ---------------------------------------------------------------- in a real browser
# The published cycle of this module, opened as readers open it: Debian's chromium driven by
# selenium, the reports folder served on 127.0.0.1 by the test. Skipped (with the reason) where
# chromium, chromedriver or the npm package axe-core (tests/browser, `npm ci`) are missing.
import shutil  # noqa: E402
import threading  # noqa: E402
import urllib.request  # noqa: E402
from functools import partial  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urljoin, urlparse  # noqa: E402

from conftest import REPO, browser_missing, chrome  # noqa: E402

AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__import__("os").environ.get("XMO_TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"
_missing = browser_missing() + ([] if AXE.exists() else ["axe-core (cd tests/browser && npm ci)"])
browser_only = pytest.mark.skipif(bool(_missing), reason=f"real-browser tests need {', '.join(_missing)}")


@pytest.fixture(scope="module")
def served(runs):
    project = runs[0]

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(project / "reports")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    d = chrome(tmp_path_factory.mktemp("chromium"))
    yield d
    d.quit()


def _open(driver, url: str, width: int = 1280):
    driver.set_window_size(width, 1000)
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(url)
    return driver


def _requests(driver) -> list[str]:
    out = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            out.append(msg["params"]["request"]["url"])
    return out


def _axe(driver) -> list[dict]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
        "  done(r.violations.map(function (v) { return {id: v.id, impact: v.impact, help: v.help,"
        "    nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })}; })); });")


@browser_only
def test_portal_links_requests_console_and_accessibility(runs, served, driver):
    d = _open(driver, served)
    assert "Experience reports" in d.title
    links = [a.get_attribute("href") for a in d.find_elements("css selector", "a[href]")]
    assert len(links) >= 10
    for url in sorted(set(links)):
        assert url.startswith(served), f"a link leaves the reports folder: {url}"
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - our own server
            assert resp.status == 200 and resp.read(), url
    sent = _requests(d)
    assert sent and all(u.startswith(served) or u.startswith("data:") for u in sent), sent
    assert not [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    bad = [v for v in _axe(d) if v["impact"] in ("serious", "critical")]
    assert not bad, bad
    # the find box filters the audience tables
    box = d.find_element("css selector", "input.filter")
    first = d.find_element("css selector", "table.audience tbody tr td").text.split(" (")[0]
    box.send_keys(first)
    shown = [r for r in d.find_elements("css selector", "table.audience tbody tr") if r.is_displayed()]
    assert shown and all(first.lower() in r.text.lower() for r in shown)


@browser_only
@pytest.mark.parametrize("width", [1280, 390])
def test_portal_and_a_report_read_at_desktop_and_phone_width(runs, served, driver, width):
    project, parallel = runs[0], runs[1]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = urljoin(served, f"2026-Q4/v{parallel.version}/1_measures.html")
    group = json.loads((parallel.path / "manifest.json").read_text())["audiences"]["department"]["reports"][0]
    audience = urljoin(served, f"2026-Q4/v{parallel.version}/{group['file']}.html")
    for name, url in (("portal", served), ("report", report), ("audience", audience)):
        d = _open(driver, url, width)
        # nothing spills off the page sideways: wide tables scroll inside their own box
        page_width = d.execute_script("return document.documentElement.scrollWidth")
        view = d.execute_script("return window.innerWidth")
        assert page_width <= view + 1, (name, width, page_width, view)
        sent = _requests(d)
        assert sent and all(urlparse(u).netloc == urlparse(served).netloc or u.startswith("data:") for u in sent), sent
        assert not [e for e in d.get_log("browser") if e["level"] == "SEVERE"], name
        if width == 1280 and name != "portal":
            bad = [v for v in _axe(d) if v["impact"] in ("serious", "critical")]
            assert not bad, (name, bad)
        d.save_screenshot(str(ARTIFACTS / f"{name}-{width}.png"))
        assert (ARTIFACTS / f"{name}-{width}.png").stat().st_size > 10_000
