"""JupyterLab for analysts: started as `make lab` starts it, a mission notebook opened in a real
browser runs top to bottom on the demo data, on the project's own kernel, with no error output.

Skipped (with the reason) where chromium, chromedriver or selenium are missing.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import browser_missing, chrome, make_project

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(browser_missing()), reason=f"needs {', '.join(browser_missing())}")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("lab") / "project")
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    # as the Makefile's `lab` target runs it (--allow-root only when run as root), without a browser
    cmd = [str(jupyter), "lab", "--notebook-dir", str(project / "notebooks"), "--no-browser", "--ip", "127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.disable_check_xsrf=False"] + (["--allow-root"] if os.getuid() == 0 else [])
    log = open(tmp_path_factory.mktemp("lablog") / "lab.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "JUPYTER_NO_CONFIG": "1"})
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):  # noqa: S310
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start: " + Path(log.name).read_text()[-2000:])
    yield base, token, project
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_mission_notebook_runs_in_jupyterlab(lab, tmp_path):
    base, token, project = lab
    d = chrome(tmp_path / "chromium")
    try:
        d.get(f"{base}/lab/tree/2_findings.ipynb?token={token}")
        wait = time.monotonic() + 120
        while time.monotonic() < wait:  # the application and the notebook's kernel are ready
            ready = d.execute_script(
                "var app = window.jupyterapp; if (!app || !app.shell) return false;"
                "var w = app.shell.currentWidget; return !!(w && w.sessionContext && w.sessionContext.session"
                " && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle');")
            if ready:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the notebook's kernel never became idle")
        d.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
        wait = time.monotonic() + 240
        state = {}
        while time.monotonic() < wait:
            state = d.execute_script(
                "var w = window.jupyterapp.shell.currentWidget; var cells = w.content.widgets;"
                "var code = cells.filter(function (c) { return c.model.type === 'code'; });"
                "return {kernel: w.sessionContext.session.kernel.name, status: w.sessionContext.session.kernel.status,"
                " counts: code.map(function (c) { return c.model.executionCount; }),"
                " errors: code.map(function (c) { return c.model.outputs.toJSON().filter(function (o) {"
                "   return o.output_type === 'error'; }).map(function (o) { return o.ename + ': ' + o.evalue; }); })"
                "   .filter(function (e) { return e.length; }),"
                " html: document.querySelectorAll('.jp-OutputArea-output table.xmo-table').length};")
            if state["status"] == "idle" and all(c for c in state["counts"]):
                break
            time.sleep(1)
        else:
            pytest.fail(f"the notebook did not finish: {json.dumps(state)[:500]}")
        assert state["kernel"] == "xmo-analysis"  # the project's own kernel, registered in the venv
        assert not state["errors"], state["errors"]
        assert state["html"] >= 3  # the sections rendered their tables in the notebook
        titles = d.execute_script("return Array.from(document.querySelectorAll('.jp-OutputArea-output h1'))"
                                  ".map(function (h) { return h.textContent; });")
        assert len(titles) == 1, titles  # the report's title once (not twice)
        text = d.find_element("css selector", ".jp-Notebook").text
        assert "Interpret and action findings" in text
    finally:
        d.quit()
