"""The locked environment: every package pinned with its hashes, the lock covering pyproject.toml,
the environment that runs these tests being the locked one, and the deploy files valid.

A lock that drifts from pyproject.toml, or a venv that is not the locked one, would let next
quarter's fresh install bring other versions of pandas or statsmodels, and other numbers.
"""
from __future__ import annotations

import importlib.metadata as md
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

LOCK = REPO / "requirements.lock"


def _locked() -> list[tuple[str, str, str | None, int]]:
    """(name, version, marker, number of hashes) of every pin, read from the lock's text (a
    package may be pinned twice, with different markers)."""
    out: list[list] = []
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m:
            out.append([canonicalize_name(m.group(1)), m.group(2), m.group(3), 0])
        elif line.strip().startswith("--hash=sha256:") and out:
            out[-1][3] += 1
        elif line.strip() and not line.strip().startswith("#"):
            pytest.fail(f"requirements.lock: a line that is neither a pin, a hash nor a comment: {line!r}")
    return [tuple(x) for x in out]


def _applies(marker: str | None) -> bool:
    return marker is None or Marker(marker).evaluate()


def test_every_package_is_pinned_with_hashes():
    locked = _locked()
    assert len(locked) > 50
    for name, version, _, hashes in locked:
        assert re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version), name
        assert hashes >= 1, f"{name} has no --hash"


def test_the_lock_covers_pyproject_and_its_ranges():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    locked = _locked()
    assert len(wanted) > 20 and len(locked) > 100
    for raw in wanted:
        req = Requirement(raw)
        name = canonicalize_name(req.name)
        versions = [v for n, v, mk, _ in locked if n == name and _applies(mk)]
        assert versions, f"{req.name} of pyproject.toml is not in requirements.lock (run `make lock`)"
        assert all(req.specifier.contains(v, prereleases=True) for v in versions), (raw, versions)
    build = [Requirement(line) for line in (REPO / "requirements-build.in").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert build
    for req in build:
        assert canonicalize_name(req.name) in {n for n, *_ in locked}, req.name


def test_this_environment_is_the_locked_one():
    """The packages installed here are the lock's versions (make installs nothing else)."""
    wrong = []
    for name, version, marker, _ in _locked():
        if not _applies(marker):
            continue
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            wrong.append(f"{name}: not installed (locked {version})")
            continue
        if canonicalize_name(installed) != canonicalize_name(version) and installed != version:
            wrong.append(f"{name}: {installed} installed, {version} locked")
    assert not wrong, "the venv is not the locked environment (`make install`):\n" + "\n".join(wrong)


def test_nbformat_does_not_compile_a_grammar_at_import():
    """The lock leaves out rfc3987-syntax (Makefile, `lock`): jsonschema imports it when present and
    it builds a Lark grammar at import, 1.7 s in the runner and in every render. A lock refreshed
    without ``--no-emit-package`` would bring it back; this says so before the suite gets slower."""
    out = subprocess.run([sys.executable, "-c", "import sys, nbformat, nbconvert, papermill; "
                          "print(sorted({'rfc3987_syntax', 'lark'} & set(sys.modules)))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out
    assert "--no-emit-package rfc3987-syntax" in (REPO / "Makefile").read_text()


def test_make_and_conda_use_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes" in makefile and "-r $(LOCK)" in makefile and "LOCK   := requirements.lock" in makefile
    for target in ("report", "test", "lab"):
        assert re.search(rf"^{target}:.*", makefile, flags=re.M), target
    assert re.search(r"^lock:", makefile, flags=re.M) and "uv pip compile" in makefile
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert pip == ["-r requirements.lock"]


def test_a_run_records_the_lock(tmp_path):
    from xmo_analysis.pipeline.fingerprints import fingerprint, lock_digest
    import hashlib
    assert lock_digest() == hashlib.sha256(LOCK.read_bytes()).hexdigest()
    fp = fingerprint({}, {}, tmp_path, "nbconvert", [])
    assert fp["lock"] == lock_digest()


# ---------------------------------------------------------------- deploy/
def test_cron_line_runs_the_current_cycle():
    lines = [ln for ln in (REPO / "deploy" / "crontab").read_text().splitlines()
             if ln.strip() and not ln.startswith("#") and "=" not in ln.split()[0]]
    (line,) = lines
    fields = line.split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    assert "xmo run --cycle current" in fields[5]


def test_workflow_runs_on_a_schedule_and_keeps_the_reports():
    wf = yaml.safe_load((REPO / "deploy" / "github" / "xmo-report.yml").read_text())
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert on["schedule"][0]["cron"].count(" ") == 4
    steps = wf["jobs"]["report"]["steps"]
    run = " ".join(s.get("run", "") for s in steps)
    assert "xmo run --cycle current" in run and "xmo run --pending" in run and "make install" in run
    assert any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"].startswith("reports")
               for s in steps)


def test_deploy_commands_use_options_the_cli_has():
    from typer.testing import CliRunner
    from xmo_analysis.pipeline.cli import app
    help_text = CliRunner().invoke(app, ["run", "--help"]).output
    texts = [(REPO / "deploy" / f).read_text() for f in ("crontab", "xmo-report.service", "github/xmo-report.yml")]
    options = set(re.findall(r"xmo run ((?:--[a-z-]+)(?: [a-z0-9-]+)?)", "\n".join(texts)))
    assert options >= {"--cycle current", "--pending"}
    for opt in options:
        assert opt.split()[0] in help_text, opt


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed here")
def test_systemd_units_verify(tmp_path):
    import getpass
    user = getpass.getuser()
    for name in ("xmo-report.service", "xmo-report.timer"):
        # the commands of this installation (the venv that runs the tests), the project here
        xmo = Path(sys.executable).parent / "xmo"
        text = (REPO / "deploy" / name).read_text().replace("/srv/xmo-analysis/.venv/bin/xmo", str(xmo))
        text = text.replace("/srv/xmo-analysis", str(REPO))
        text = re.sub(r"(?m)^User=.*$", f"User={user}", text)
        text = re.sub(r"(?m)^Group=.*$", f"Group={user}", text)
        (tmp_path / name).write_text(text)
    res = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "xmo-report.service"),
                          str(tmp_path / "xmo-report.timer")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Unknown" not in res.stderr and "bad" not in res.stderr.lower(), res.stderr
