"""Crashes and concurrency: killed runs leave nothing half-published and no lock behind;
a second run waits for the lock, then gives up with exit code 3."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock


pytestmark = pytest.mark.slow


def _xmo(project: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    # one job: one warm kernel to start and kill (a second only doubled the imports a kill throws away)
    return subprocess.Popen([sys.executable, "-m", "xmo_analysis", "run", "--cycle", "2026-Q4", "--project",
                             str(project), "--jobs", "1", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})}, start_new_session=True)


def _kill_when(proc: subprocess.Popen, marker: str, timeout: float = 120) -> str:
    """Read the run's progress until ``marker`` appears, then SIGKILL its whole process group."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            time.sleep(0.5)
            os.killpg(proc.pid, signal.SIGKILL)  # the kernel dies with it
            proc.wait(30)
            return "".join(seen)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"never saw {marker!r}: {''.join(seen)}")


def test_killed_runs_leave_no_partial_version_and_next_run_succeeds(tiny_project):
    project = tiny_project
    reports = project / "reports"
    # 1. killed while executing notebooks
    _kill_when(_xmo(project), "Executed and rendered 1/")  # one notebook done, the next running
    assert not list(reports.glob("2026-Q4/v*"))
    # 2. killed while rendering (held at the render step: tiny notebooks render in well under a
    # second, so a kill timed on a progress line could come after the version is published)
    _kill_when(_xmo(project, env={"XMO_PAUSE_AT": "render", "XMO_PAUSE_SECONDS": "60"}), "paused at render")
    assert not list(reports.glob("2026-Q4/v*"))
    # 3. killed at the last moment before the version is moved into place
    _kill_when(_xmo(project, env={"XMO_PAUSE_AT": "publish", "XMO_PAUSE_SECONDS": "60"}), "paused at publish")
    assert not list(reports.glob("2026-Q4/v*"))
    assert list(reports.glob(".staging-*")), "the killed runs' staging folders are left behind"
    # the next run is not blocked by a stale lock, cleans up and publishes v1
    done = _xmo(project)
    out, _ = done.communicate(timeout=300)
    assert done.returncode == 0, out
    assert "published v1" in out
    assert not list(reports.glob(".staging-*"))
    assert sorted(p.name for p in (reports / "2026-Q4").iterdir()) == ["v1"]
    # the portal lists it
    assert "2026-Q4/v1" in (reports / "index.html").read_text()


def test_second_run_times_out_on_the_lock_with_exit_3(demo_project, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    with FileLock(str(reports / ".xmo.lock")):
        proc = subprocess.run([sys.executable, "-m", "xmo_analysis", "run", "--cycle", "2026-Q4", "--project",
                               str(demo_project), "--reports", str(reports), "--lock-timeout", "1"],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "another run holds" in proc.stderr and "Traceback" not in proc.stderr
    # nothing but the lock and the run log, whose last record is this failure
    assert sorted(p.name for p in reports.iterdir()) == [".xmo.lock", "runs.jsonl"]
    last = json.loads((reports / "runs.jsonl").read_text().splitlines()[-1])
    assert last["status"] == "failed" and "LockTimeout" in last["error"]


def _publisher(reports: str, i: int) -> int:
    from pathlib import Path as P

    from xmo_analysis.pipeline import publish
    reports_path = P(reports)
    with publish.lock(reports_path, timeout=60):
        staging = publish.new_staging(reports_path, "2026-Q4")
        (staging / "1_measures.html").write_text(f"<p>run {i}</p>")
        number, _ = publish.publish(staging, reports_path, "2026-Q4", {"status": "published", "run": i})
    return number


def test_concurrent_publishers_never_share_a_version_number(tmp_path):
    """Twelve processes publish into one reports folder at once: versions 1..12, each complete."""
    import json
    from concurrent.futures import ProcessPoolExecutor
    from html.parser import HTMLParser

    with ProcessPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(_publisher, [str(tmp_path)] * 12, range(12)))
    assert sorted(numbers) == list(range(1, 13))
    runs = set()
    for v in range(1, 13):
        manifest = json.loads((tmp_path / "2026-Q4" / f"v{v}" / "manifest.json").read_text())
        assert manifest["version"] == v
        runs.add(manifest["run"])
        assert (tmp_path / "2026-Q4" / f"v{v}" / "1_measures.html").read_text() == f"<p>run {manifest['run']}</p>"
    assert runs == set(range(12))
    portal = (tmp_path / "index.html").read_text()
    HTMLParser().feed(portal)
    assert portal.rstrip().endswith("</html>") and all(f"2026-Q4/v{v}/" in portal for v in range(1, 13))
    assert not list(tmp_path.glob(".staging-*")) and not list(tmp_path.glob(".index.html.*"))
