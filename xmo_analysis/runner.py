"""The cycle runner: validate, execute the mission notebooks, render, publish a version.

``run_cycle(project, cycle)`` is what ``xmo run --cycle <id>`` calls:

1. load params and every data contract; any problem stops the run (:class:`InputError`);
2. fingerprint inputs, params, code and renderer; if the latest version has the same
   fingerprint, report "up to date" and publish nothing (unless ``force``);
3. check each notebook's ``parameters`` cell against the parameters injected (an unknown or a
   missing parameter is an error) and execute it with papermill into a staging folder;
4. render HTML and PDF for each mission;
5. under the reports lock, move the staging folder to ``reports/<cycle>/v<N>/`` with
   ``manifest.json`` and refresh ``reports/index.html``.
A failure at any step leaves the published versions untouched; a failed notebook is kept under
``reports/failed/`` for the analyst.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata as md
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import papermill as pm
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from . import __version__, publish
from .exceptions import ConfigError, ExecutionError, Problem
from .loaders import load_cycle
from .params import check_cycle_id, load_params
from .render import choose, render, renderer_version

PACKAGES = ("xmo-analysis", "pandas", "numpy", "scipy", "statsmodels", "pandera", "papermill", "nbconvert",
            "nbclient", "ipykernel", "matplotlib", "seaborn", "weasyprint", "pyarrow")


@dataclass(frozen=True)
class RunResult:
    status: str          # "published" or "up to date"
    cycle: str
    version: int
    path: Path
    seconds: float


def _code_files(project: Path, notebooks: list[Path]) -> list[Path]:
    pkg = Path(__file__).parent
    files = sorted(p for p in pkg.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css"))
    return files + list(notebooks)


def fingerprint(inputs: dict[str, str], params_files: dict[str, str], project: Path, renderer: str,
                notebooks: list[Path]) -> dict:
    """sha256 of everything that determines a report: inputs, params, package code, notebooks, renderer."""
    code = hashlib.sha256()
    for f in _code_files(project, notebooks):
        code.update(f.name.encode())
        code.update(hashlib.sha256(f.read_bytes()).digest())
    rel = lambda d: {str(Path(k).resolve().relative_to(project.resolve())) if Path(k).resolve().is_relative_to(project.resolve())  # noqa: E731
                     else k: v for k, v in sorted(d.items())}
    parts = {"inputs": rel(inputs), "params": rel(params_files), "code": code.hexdigest(), "renderer": renderer,
             "package_version": __version__}
    parts["sha256"] = hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()
    return parts


def _git(project: Path) -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=project,
                               capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def check_parameters(notebook: Path, injected: dict) -> None:
    """The notebook's ``parameters`` cell must declare exactly the parameters the runner injects."""
    declared = set(pm.inspect_notebook(str(notebook)))
    problems = [Problem(file=str(notebook), column="parameters", value=name,
                        rule="the runner injects this parameter but the notebook's parameters cell does not declare it")
                for name in sorted(set(injected) - declared)]
    problems += [Problem(file=str(notebook), column="parameters", value=name,
                         rule="the notebook declares this parameter but the runner does not inject it")
                 for name in sorted(declared - set(injected))]
    if not declared:
        problems.append(Problem(file=str(notebook), rule="no cell is tagged 'parameters'"))
    if problems:
        raise ConfigError(problems, title=f"parameters of {notebook.name} do not match the runner")


def kernel_for(notebook: Path) -> str:
    """The notebook's kernel, which must be installed (``make install`` registers it in .venv)."""
    name = nbformat.read(notebook, as_version=4).metadata.get("kernelspec", {}).get("name", "python3")
    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel as exc:
        raise ConfigError(Problem(file=str(notebook), column="metadata.kernelspec.name", value=name,
                                  rule=f"no such Jupyter kernel; register it with `{sys.executable} -m ipykernel "
                                       f"install --sys-prefix --name {name}` (make install does)")) from exc
    return name


def execute(notebook: Path, out: Path, parameters: dict, failed_dir: Path, timeout: int = 900) -> None:
    """Execute one mission notebook with papermill; keep it under ``failed_dir`` if it fails."""
    mission = notebook.stem
    try:
        pm.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name=kernel_for(notebook),
                            cwd=str(notebook.parent), progress_bar=False, log_output=False,
                            execution_timeout=timeout)
    except pm.PapermillExecutionError as exc:
        _keep_failed(out, failed_dir)
        raise ExecutionError(mission, f"{exc.ename}: {exc.evalue}", cell=exc.exec_count,
                             ename=exc.ename, evalue=exc.evalue) from exc
    except ConfigError:
        raise
    except Exception as exc:  # dead kernel, cell timeout, papermill internals
        _keep_failed(out, failed_dir)
        # papermill does not record which cell was running when the kernel died or timed out
        raise ExecutionError(mission, f"{type(exc).__name__}: {exc}".splitlines()[0],
                             ename=type(exc).__name__, evalue=str(exc)) from exc


def _keep_failed(executed: Path, failed_dir: Path) -> None:
    if executed.exists():
        failed_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(executed, failed_dir / executed.name)


def run_cycle(project: str | Path, cycle: str, *, renderer: str = "nbconvert", force: bool = False,
              reports: str | Path | None = None, lock_timeout: float = 600, cell_timeout: int = 900,
              progress: Callable[[str], None] | None = None) -> RunResult:
    """Run one reporting cycle end to end and publish it (see the module docstring)."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    project = Path(project).resolve()
    check_cycle_id(cycle)
    reports = Path(reports).resolve() if reports else project / "reports"
    timings: dict[str, float] = {}

    say(f"Validating params and data for {cycle}")
    params = load_params(project / "params")
    cyc = params.cycle(cycle)
    data = load_cycle(project, cycle, params)
    timings["validate"] = time.perf_counter() - t0
    engine = choose(renderer)
    missions = {project / "notebooks" / m.notebook: m for m in params.missions}
    notebooks = list(missions)
    fp = fingerprint(data.files, params.files, project, engine, notebooks)
    missing = [Problem(file=str(nb), rule="mission notebook is missing") for nb in notebooks if not nb.exists()]
    if missing:
        raise ConfigError(missing)

    reports.mkdir(parents=True, exist_ok=True)
    say(f"Waiting for the reports lock ({reports})")
    # One run at a time per reports folder: a second run waits (up to lock_timeout), then sees
    # the first one's version and is up to date, or publishes the next number. The OS releases
    # the lock when a process dies, so a killed run never blocks the next one.
    with publish.lock(reports, lock_timeout):
        publish.remove_stale_staging(reports)
        latest = publish.latest_manifest(reports, cycle)
        if not force and latest and latest.get("fingerprint", {}).get("sha256") == fp["sha256"]:
            v = latest["version"]
            return RunResult("up to date", cycle, v, reports / cycle / f"v{v}", time.perf_counter() - t0)
        staging = publish.new_staging(reports, cycle)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        failed_dir = reports / "failed" / f"{cycle}-{stamp}"
        try:
            injected = {"cycle": cycle, "project_dir": str(project), "output_dir": str(staging)}
            for nb in notebooks:
                check_parameters(nb, injected)
            for nb in notebooks:
                say(f"Executing {nb.name}")
                t = time.perf_counter()
                execute(nb, staging / f"{missions[nb].id}.ipynb", injected, failed_dir, timeout=cell_timeout)
                timings[f"execute {missions[nb].id}"] = time.perf_counter() - t
            for nb, mission in missions.items():
                say(f"Rendering {mission.id} to HTML and PDF ({engine})")
                t = time.perf_counter()
                title = f"{cyc.title} — {mission.title}"
                footer = f"xmo-analysis {__version__} · cycle {cycle} · rendered by {engine}"
                render(staging / f"{mission.id}.ipynb", staging, title, engine, footer)
                timings[f"render {mission.id}"] = time.perf_counter() - t
            say("Publishing")
            publish.checkpoint("publish")
            timings["total"] = time.perf_counter() - t0
            manifest = {
                "cycle": cycle, "status": "published", "parameters": injected | {"output_dir": "<this folder>"},
                "fingerprint": fp, "inputs": fp["inputs"], "params": fp["params"],
                "missions": [{"id": m.id, "notebook": m.notebook, "title": m.title} for m in missions.values()],
                "packages": _versions(), "git": _git(project),
                "renderer": {"name": engine, "version": renderer_version(engine)},
                "timings_s": {k: round(v, 3) for k, v in timings.items()},
                "files": sorted(p.name for p in staging.iterdir() if p.is_file() and p.name != publish.STAGING_PID),
            }
            number, target = publish.publish(staging, reports, cycle, manifest)
            return RunResult("published", cycle, number, target, time.perf_counter() - t0)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

