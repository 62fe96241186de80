"""Scheduled generation: which cycle is due, the run log, notifications, status and verify.

A scheduler calls ``xmo run --cycle current`` or ``xmo run --pending`` and nothing else; it must
be told of a publication and of a failure (apprise, here to a webhook on 127.0.0.1 started by the
test) and never of an up-to-date run; ``xmo status`` gives a monitor its exit code and
``xmo verify`` re-executes a published version and compares it.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from xmo_analysis.core.params import load_params
from xmo_analysis.pipeline import notify, schedule
from xmo_analysis.pipeline.cli import app

from conftest import REPO

runner = CliRunner()


def _cycle_ends() -> dict[str, dt.date]:
    """The demo's cycle end dates, read from the YAML files themselves."""
    out = {}
    for f in (REPO / "params" / "cycles").glob("*.yaml"):
        doc = yaml.safe_load(f.read_text())
        out[doc.get("cycle", f.stem)] = dt.date.fromisoformat(str(doc["end"]))
    return out


@pytest.mark.parametrize("offset, grace", [(0, 7), (1, 7), (8, 7), (0, 0), (1, 0), (400, 30)])
def test_current_and_due_cycles_follow_end_plus_grace(offset, grace, tmp_path):
    params_dir = tmp_path / "params"
    import shutil
    shutil.copytree(REPO / "params", params_dir)
    with open(params_dir / "xmo.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"schedule:\n  grace_days: {grace}\n")
    params = load_params(params_dir)
    ends = _cycle_ends()
    first = min(ends.values())
    today = first + dt.timedelta(days=grace + offset)
    due = sorted((c for c, end in ends.items() if end + dt.timedelta(days=grace) < today), key=ends.get)
    assert schedule.due_cycles(params, today) == due
    if due:
        assert schedule.current_cycle(params, today) == due[-1]
    else:
        with pytest.raises(Exception, match="no cycle has ended more than"):
            schedule.current_cycle(params, today)
    # nothing published yet: every due cycle is pending, oldest first
    assert schedule.pending_cycles(params, tmp_path / "reports", today) == due


def test_grace_days_must_be_a_number_of_days(tmp_path):
    import shutil
    shutil.copytree(REPO / "params", tmp_path / "params")
    with open(tmp_path / "params" / "xmo.yaml", "a", encoding="utf-8") as fh:
        fh.write("schedule:\n  grace_days: a week\n")
    with pytest.raises(Exception, match="schedule.grace_days"):
        load_params(tmp_path / "params")


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def webhook(monkeypatch):
    """An HTTP endpoint on 127.0.0.1 that records every notification apprise posts to it."""
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(notify.ENV, f"json://127.0.0.1:{server.server_port}/xmo")
    yield _Hook.received
    server.shutdown()


def test_failure_notice_names_the_error_and_the_kept_notebook(webhook):
    assert notify.failed("2026-Q4", "ExecutionError: '2_findings', cell 7: KeyError: 'x'", "/r/failed/2_findings.ipynb")
    (msg,) = webhook
    assert "FAILED" in msg["title"] and msg["type"] == "failure"
    assert "cell 7: KeyError" in msg["message"] and "/r/failed/2_findings.ipynb" in msg["message"]


def test_no_target_no_notification(monkeypatch):
    monkeypatch.delenv(notify.ENV, raising=False)
    assert notify.targets() == [] and notify.failed("2026-Q4", "x") is False


def _runs(project: Path) -> list[dict]:
    return [json.loads(line) for line in (project / "reports" / "runs.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_a_scheduled_year(project, webhook, monkeypatch):
    """Pending, current, up to date, status, verify, a changed input and a failed run, by the CLI."""
    p = str(project)
    ends = _cycle_ends()
    first = min(ends, key=ends.get)
    monkeypatch.setenv(schedule.TODAY_ENV, (ends[first] + dt.timedelta(days=10)).isoformat())

    res = runner.invoke(app, ["run", "--pending", "--project", p, "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert f"Pending, oldest first: {first}" in res.output and f"{first}: published v1" in res.output
    (note,) = webhook
    assert note["type"] == "success" and f"{first} v1 published" in note["title"]
    scorecard = json.loads((project / "reports" / first / "v1" / "results-manage.json").read_text())["xla"]
    assert len(scorecard) >= 2
    for row in scorecard:  # every XLA's status, and the portal
        assert f"{row['xla']} {row['name']}: {row['status']}" in note["message"]
    assert "index.html" in note["message"]

    res = runner.invoke(app, ["run", "--cycle", "current", "--project", p])
    assert res.exit_code == 0 and f"Current cycle: {first}" in res.output and "up to date (v1)" in res.output
    assert len(webhook) == 1  # never a notice for "up to date"
    res = runner.invoke(app, ["run", "--pending", "--project", p])
    assert res.exit_code == 0 and "Nothing pending" in res.output
    runs = _runs(project)
    assert [(r["cycle"], r["status"], r.get("version")) for r in runs] == [(first, "published", 1),
                                                                           (first, "up to date", 1)]
    assert all(r["start"] <= r["end"] for r in runs) and "execute 1_measures" in runs[0]["timings_s"]

    res = runner.invoke(app, ["status", "--json", "--project", p])
    assert res.exit_code == 0, res.output
    state = {r["cycle"]: r for r in json.loads(res.output)["cycles"]}
    assert state[first]["state"] == "published" and state[first]["changed"] == []
    assert all(r["state"] == "not due" for c, r in state.items() if c != first)

    res = runner.invoke(app, ["verify", first, "--project", p, "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "identical" in res.output
    res = runner.invoke(app, ["status", "--json", "--project", p])
    assert json.loads(res.output)["cycles"][0]["verified_ok"] is True
    assert "identical" in (project / "reports" / "index.html").read_text()

    # a published number that the code no longer gives: verify names the file and the key
    published = project / "reports" / first / "v1" / "results-measures.json"
    doc = json.loads(published.read_text())
    doc["xla"][0]["score"] += 0.001
    published.write_text(json.dumps(doc))
    res = runner.invoke(app, ["verify", first, "--project", p, "--jobs", "1"])
    assert res.exit_code == 1, res.output
    assert "results-measures.json: xla[0].score: published" in res.output
    res = runner.invoke(app, ["status", "--project", p])
    assert res.exit_code == 2 and "DIFFERENCES" in res.output

    # a changed input: verify refuses (exit 2, naming the file); status says what changed
    responses = project / "data" / "demo" / "responses.csv"
    text = responses.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    responses.write_text("".join(lines[:-1]), encoding="utf-8")  # the last response withdrawn
    res = runner.invoke(app, ["verify", first, "--project", p])
    assert res.exit_code == 2 and "responses.csv" in res.output and "changed since it was published" in res.output
    res = runner.invoke(app, ["status", "--json", "--project", p])
    rec = json.loads(res.output)["cycles"][0]
    assert any("responses.csv changed" in c for c in rec["changed"])

    # a failed run: recorded, notified with its error line, and status exits 2
    responses.write_text("".join(lines[:1]) + "not,a,valid,row\n", encoding="utf-8")
    res = runner.invoke(app, ["run", "--cycle", first, "--project", p])
    assert res.exit_code == 2
    last = _runs(project)[-1]
    assert last["status"] == "failed" and "problem(s)" in last["error"]
    assert webhook[-1]["type"] == "failure" and first in webhook[-1]["title"]
    assert last["error"] in webhook[-1]["message"]
    res = runner.invoke(app, ["status", "--project", p])
    assert res.exit_code == 2 and "last failure" in res.output
