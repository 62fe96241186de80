"""What a scheduler needs: which cycle is due, which are pending, the run log and the status.

- :func:`current_cycle`: the latest cycle whose end plus ``schedule.grace_days`` (params, default
  7) has passed — ``xmo run --cycle current``.
- :func:`pending_cycles`: every such cycle without a published version, oldest first —
  ``xmo run --pending``.
- :func:`record_run`: one JSON line per run in ``reports/runs.jsonl`` (start, end, status,
  version, timings, error), appended under the file's own lock.
- :func:`status`: per cycle, its latest version, when it was published and verified, the last
  failure since, and what changed since publication — ``xmo status [--json]``.

Reads params, manifests and the run log only: importing it does not load the analysis stack.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from filelock import FileLock

from xmo_analysis.core.exceptions import ConfigError, Problem
from xmo_analysis.pipeline import publish
from xmo_analysis.pipeline.fingerprints import current_fingerprint, what_changed

RUNS = "runs.jsonl"
VERIFICATIONS = publish.VERIFICATIONS

# `xmo status` exit codes, as a monitor (Nagios, a CI job) reads them.
OK, ATTENTION, FAILING = 0, 1, 2


TODAY_ENV = "XMO_TODAY"  # an ISO date that stands for today (tests, and replaying a missed schedule)


def _today(today: dt.date | None) -> dt.date:
    if today:
        return today
    raw = os.environ.get(TODAY_ENV)
    if raw:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ConfigError(Problem(file=TODAY_ENV, value=raw, rule="an ISO date (YYYY-MM-DD)")) from None
    return dt.datetime.now(dt.timezone.utc).date()


def due_cycles(params, today: dt.date | None = None) -> list[str]:
    """Cycles whose end plus the grace days has passed, oldest first (by end date, then id)."""
    today = _today(today)
    grace = dt.timedelta(days=params.grace_days)
    return [c.id for c in sorted(params.cycles.values(), key=lambda c: (c.end, c.id)) if c.end + grace < today]


def current_cycle(params, today: dt.date | None = None) -> str:
    """The latest due cycle; a :class:`ConfigError` saying when the first one will be due if none is."""
    due = due_cycles(params, today)
    if due:
        return due[-1]
    first = min(params.cycles.values(), key=lambda c: c.end, default=None)
    when = (f"the first, {first.id}, is due after {first.end + dt.timedelta(days=params.grace_days)}"
            if first else "params/cycles/ holds no cycle")
    raise ConfigError(Problem(file=str(params.root / "cycles"), column="current",
                              rule=f"no cycle has ended more than {params.grace_days} grace days ago ({when})"))


def pending_cycles(params, reports: Path, today: dt.date | None = None) -> list[str]:
    """Due cycles with no published version, oldest first."""
    return [c for c in due_cycles(params, today) if not publish.versions(Path(reports), c)]


def record_run(reports: Path, record: dict) -> None:
    """Append one run's record to ``reports/runs.jsonl`` (one JSON object per line)."""
    reports = Path(reports)
    reports.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, sort_keys=True, default=str) + "\n").encode("utf-8")
    # One write to a file opened with O_APPEND: the kernel places each record at the end, whole,
    # even when two runs finish at once (a lock file would be one more file in reports/).
    fd = os.open(reports / RUNS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_runs(reports: Path) -> list[dict]:
    """Every run record, oldest first (a torn last line from a killed process is skipped)."""
    path = Path(reports) / RUNS
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def read_verifications(reports: Path) -> dict:
    """``{"<cycle>/v<N>": {"at": ..., "ok": bool, "differences": n}}``: the last check of each version."""
    try:
        return json.loads((Path(reports) / VERIFICATIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_verification(reports: Path, cycle: str, version: int, ok: bool, differences: int) -> None:
    """Remember a verification outside the version folders (published reports are never modified)."""
    reports = Path(reports)
    with FileLock(str(reports / f".{VERIFICATIONS}.lock"), timeout=60):
        doc = read_verifications(reports)
        doc[f"{cycle}/v{version}"] = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                      "ok": ok, "differences": differences}
        publish.write_atomic(reports / VERIFICATIONS, json.dumps(doc, indent=2, sort_keys=True))
    with publish.lock(reports):
        publish.write_portal(reports)  # the portal shows when each version was last verified


def status(project: Path, reports: Path, params, renderer: str = "nbconvert",
           today: dt.date | None = None) -> list[dict]:
    """One record per cycle of params, oldest first (see the module docstring)."""
    project, reports = Path(project), Path(reports)
    due = set(due_cycles(params, today))
    runs = read_runs(reports)
    checks = read_verifications(reports)
    out = []
    for c in sorted(params.cycles.values(), key=lambda c: (c.end, c.id)):
        latest = publish.latest_manifest(reports, c.id)
        rec = {"cycle": c.id, "start": c.start.isoformat(), "end": c.end.isoformat(), "due": c.id in due,
               "version": None, "published_at": None, "verified_at": None, "verified_ok": None,
               "last_failure": None, "changed": [], "state": "not due"}
        mine = [r for r in runs if r.get("cycle") == c.id]
        if latest:
            rec.update(version=latest["version"], published_at=latest.get("published_at"))
            check = checks.get(f"{c.id}/v{latest['version']}")
            if check:
                rec.update(verified_at=check["at"], verified_ok=check["ok"])
            try:
                fp = current_fingerprint(project, c.id, renderer, reports)
            except ConfigError as exc:
                fp, rec["changed"] = None, [f"params do not load: {exc}"]
            if fp is not None:
                rec["changed"] = what_changed(latest.get("fingerprint", {}), fp)
            elif not rec["changed"]:
                rec["changed"] = ["unknown (a database source or a missing file: run to find out)"]
            since = [r for r in mine if str(r.get("end", "")) > str(latest.get("published_at", ""))]
        else:
            since = mine
        failures = [r for r in since if r.get("status") == "failed"]
        if failures:
            rec["last_failure"] = {"at": failures[-1].get("end"), "error": failures[-1].get("error")}
        if rec["last_failure"] or rec["verified_ok"] is False:
            rec["state"] = "failing"
        elif latest and rec["changed"]:
            rec["state"] = "changed"
        elif latest:
            rec["state"] = "published"
        elif c.id in due:
            rec["state"] = "pending"
        out.append(rec)
    return out


def exit_code(records: list[dict]) -> int:
    """0 every due cycle published and unchanged; 1 a cycle pending or changed; 2 a failure."""
    states = {r["state"] for r in records}
    if "failing" in states:
        return FAILING
    if states & {"pending", "changed"}:
        return ATTENTION
    return OK
