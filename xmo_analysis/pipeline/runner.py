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
import os
import importlib.metadata as md
import platform
import re
import shutil
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import papermill as pm
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from xmo_analysis import __version__
from xmo_analysis.core.heap import give_back
from xmo_analysis.pipeline import membership, publish
from xmo_analysis.core.exceptions import ConfigError, ExecutionError, InputError, Problem
from xmo_analysis.domain.text import comments_frame
from xmo_analysis.domain.xla import published_groups, published_hidden, xla_scores
from xmo_analysis.privacy.suppression import EarlierVersionConflict
from xmo_analysis.sources import snapshot
from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.pipeline.fingerprints import (LOCK_FILE, cycle_notebooks, fingerprint, lock_digest, lock_file, quick_check, remember,
                                                what_changed)
from xmo_analysis.core.params import check_cycle_id, load_params
from xmo_analysis.pipeline.render import RenderWorkers, choose, render, renderer_version, source_date

PACKAGES = ("xmo-analysis", "pandas", "numpy", "scipy", "statsmodels", "pandera", "papermill", "nbconvert",
            "nbclient", "ipykernel", "matplotlib", "seaborn", "weasyprint", "pyarrow")


@dataclass(frozen=True)
class RunResult:
    status: str          # "published" or "up to date"
    cycle: str
    version: int
    path: Path
    seconds: float


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


class LocalKernelManager(AsyncKernelManager):
    """A kernel on Unix-domain sockets (IPC) rather than TCP on localhost: nothing listens on the
    network, and the kernel has no reason to warn that its traffic is unencrypted (the warning
    ipykernel printed three times per run)."""

    def __init__(self, **kwargs):
        if sys.platform != "win32":
            import tempfile
            import uuid
            kwargs.setdefault("transport", "ipc")
            # each kernel its own socket files (kernels run in parallel; IPC "ports" are 1, 2, ...)
            kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"xmo-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)


def execute(notebook: Path, out: Path, parameters: dict, failed_dir: Path, timeout: int = 900,
            label: str | None = None, km=None) -> None:
    """Execute one notebook with papermill; keep it under ``failed_dir`` if it fails.

    ``label`` names it in errors (the mission id, or the audience and group); ``km`` is a warm
    kernel of :class:`~xmo_analysis.pipeline.kernels.KernelPool` (None: a fresh kernel)."""
    mission = label or notebook.stem
    try:
        extra = {"km": km} if km is not None else {}
        pm.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name=kernel_for(notebook),
                            cwd=str(notebook.parent), progress_bar=False, log_output=False,
                            execution_timeout=timeout, kernel_manager_class=LocalKernelManager, **extra)
    except pm.PapermillExecutionError as exc:
        kept = _keep_failed(out, failed_dir, mission)
        cell, first_line = _failed_cell(out)
        raise ExecutionError(mission, f"{exc.ename}: {exc.evalue}", cell=cell, first_line=first_line,
                             ename=exc.ename, evalue=exc.evalue, kept=kept) from exc
    except ConfigError:
        raise
    except Exception as exc:  # dead kernel, cell timeout, papermill internals
        kept = _keep_failed(out, failed_dir, mission)
        # papermill does not record which cell was running when the kernel died or timed out
        raise ExecutionError(mission, f"{type(exc).__name__}: {exc}".splitlines()[0],
                             ename=type(exc).__name__, evalue=str(exc), kept=kept) from exc


def _failed_cell(executed: Path) -> tuple[int | None, str | None]:
    """The failing cell's position in the analyst's notebook (1 = first), not its execution count
    (the cells papermill adds, injected parameters and its error banner, are not counted), and
    the first line of its code."""
    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return None, None
    added = {"injected-parameters", "papermill-error-cell-tag"}
    position = 0
    for cell in nb.cells:
        if added & set(cell.get("metadata", {}).get("tags", [])):
            continue
        position += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            lines = [ln.strip() for ln in str(cell.get("source", "")).splitlines() if ln.strip()]
            return position, (lines[0][:80] if lines else None)
    return None, None


def _keep_failed(executed: Path, failed_dir: Path, label: str) -> str | None:
    if not executed.exists():
        return None
    failed_dir.mkdir(parents=True, exist_ok=True)
    # audience reports of different audiences may share a file name: name the copy by its label
    name = executed.name if label == executed.stem else re.sub(r"[^\w.-]+", "_", label) + ".ipynb"
    shutil.copy2(executed, failed_dir / name)
    return str(failed_dir / name)


@dataclass(frozen=True)
class Job:
    """One notebook to execute and render: where its report goes and what it is called."""

    notebook: Path
    out: str             # path of the report inside the version folder, without suffix
    parameters: dict
    title: str
    label: str           # how progress and errors name it ("2_findings", "department: Legal")


def plan(project: Path, params, data, cycle: str, staging: Path) -> tuple[list[Job], dict]:
    """Every notebook of the cycle: the missions of params, then one per audience group.

    Returns the jobs and the manifest's ``audiences`` record (groups reported, with their XLA
    statuses, and groups below the threshold listed by name only, never with their count).
    """
    from xmo_analysis.missions import audience as aud_mod  # the audience module needs the analysis stack
    cyc = params.cycle(cycle)
    base = {"cycle": cycle, "project_dir": str(project), "output_dir": str(staging)}
    jobs = [Job(project / "notebooks" / m.notebook, m.id, base, f"{cyc.title} — {m.title}", m.id)
            for m in params.missions]
    audiences = {}
    for a in params.audiences:
        ok, small = aud_mod.eligible_groups(data, a)
        names = aud_mod.slugs(ok)
        states = aud_mod.statuses(data, a)
        audiences[a.id] = {"title": a.title, "column": a.column, "min_respondents": a.min_respondents,
                           "reports": [{"group": g, "file": f"{a.id}/{names[g]}", "statuses": states.get(g, {})}
                                       for g in ok],
                           "not_reported": [{"group": g, "reason": (
                               "the label of blank answers (blank_segment), not a group"
                               if g == aud_mod.blank_label(params, a.column) else
                               f"fewer than {a.min_respondents} responses, or too few to report without "
                               "revealing individuals")} for g in small]}
        for g in ok:
            jobs.append(Job(project / "notebooks" / a.notebook, f"{a.id}/{names[g]}",
                            {**base, "audience": a.id, "group": g}, f"{cyc.title} — {a.title}: {g}",
                            f"{a.id}: {g}"))
    return jobs, audiences


def _pool(jobs: int, items: list, work: Callable, say: Callable[[str], None], verb: str) -> dict:
    """Run ``work(item)`` for every item on ``jobs`` threads (the kernels and renderers do the work in
    their own processes or release the GIL); the first failure cancels what has not started and is
    raised. Progress says done/total with an estimate of the time left."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
    timings, start, done = {}, time.perf_counter(), 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        futures = {ex.submit(work, item): item for item in items}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                if f.exception() is not None:
                    for p in pending:
                        p.cancel()
                    raise f.exception()
                done += 1
                timings[futures[f].label] = f.result()
            if finished:
                left = (time.perf_counter() - start) / done * (len(items) - done)
                say(f"{verb} {done}/{len(items)}" + (f", about {left:.0f} s left" if done < len(items) else ""))
    return timings


def shared_work(data, work: list[Job], cycle: str) -> None:
    """What several of ``work``'s notebooks compute, computed once into ``data``'s memo before the
    snapshot is written: the comments with their sentiment, every segment's XLA scores, and, when
    audience reports are planned, their columns' scores in every cycle (each audience report's
    trend; in each kernel that was most of an audience notebook's time)."""
    comments_frame(data)
    for seg in data.params.segments:
        xla_scores(data, by=seg)
    reported = {j.parameters.get("audience") for j in work}
    for col in sorted({a.column for a in data.params.audiences if a.id in reported}):
        for c in data.params.cycles_up_to(cycle):
            xla_scores(data, cycle=c, by=col)


def shared_kernel(notebooks: list[Path]) -> str | None:
    """The kernel the notebooks share, when they share one and a folder (warm kernels serve them
    one after another); None otherwise, or when XMO_FRESH_KERNELS asks for a kernel per notebook."""
    names = {kernel_for(nb) for nb in notebooks}
    one = len(names) == 1 and len({nb.parent for nb in notebooks}) == 1 and not os.environ.get("XMO_FRESH_KERNELS")
    return next(iter(names)) if one else None


def fork_server(notebooks: list[Path]):
    """A :class:`~xmo_analysis.pipeline.forkserver.ForkServer` importing the notebooks' setup cells
    for their shared kernel; None when they share none or it is not ipykernel."""
    from xmo_analysis.pipeline.forkserver import ForkServer
    from xmo_analysis.pipeline.kernels import warm_code
    name = shared_kernel(notebooks)
    if name is None:
        return None
    try:
        return ForkServer(warm_code(notebooks), KernelSpecManager().get_kernel_spec(name).argv)
    except ValueError:  # a kernel that is not ipykernel: warm kernels, launched one by one
        return None


def execute_all(project: Path, data, cycle: str, work: list[Job], staging: Path, failed_dir: Path, digest: str,
                jobs: int, cell_timeout: int, say: Callable[[str], None], release: bool = False,
                then: Callable[[Job], float] | None = None, server=None) -> dict[str, float]:
    """Execute every planned notebook into ``staging`` (``jobs`` at a time), the loaded data shared
    through the snapshot; returns each notebook's seconds. Used by the runner and by ``xmo verify``.
    With ``release`` the rows of ``data`` are dropped once the snapshot holds them (the kernels
    read the snapshot; a million-response cycle would otherwise sit in memory once more).

    ``then(job)`` (the runner's rendering) runs in the same job slot as soon as that notebook is
    executed, its seconds returned as ``render <label>``: rendering in a phase of its own left a
    core idle while the last notebooks executed, and again while the last reports rendered.

    ``server`` is a fork server the caller started (and will close) for these notebooks' kernel;
    without one, one is started here when they share a kernel."""
    for nb in sorted({j.notebook for j in work}):
        check_parameters(nb, next(j.parameters for j in work if j.notebook == nb))
    for j in work:
        (staging / j.out).parent.mkdir(parents=True, exist_ok=True)

    # Warm kernels, one per job slot, started and importing while the shared work is done (one
    # kernel spec and working folder for all: notebooks of other kernels get a fresh kernel each).
    # The snapshot's path is reserved first: a kernel reads XMO_SNAPSHOT from its environment at start.
    from xmo_analysis.pipeline.forkserver import forked_manager
    from xmo_analysis.pipeline.kernels import KernelPool, warm_code
    notebooks = sorted({j.notebook for j in work})
    name = shared_kernel(notebooks)

    def run_one(j: Job) -> dict[str, float]:
        t = time.perf_counter()
        if pool is None:
            execute(j.notebook, staging / f"{j.out}.ipynb", j.parameters, failed_dir, timeout=cell_timeout,
                    label=j.label)
        else:
            with pool.kernel() as km:
                execute(j.notebook, staging / f"{j.out}.ipynb", j.parameters, failed_dir, timeout=cell_timeout,
                        label=j.label, km=km)
        seconds = {f"execute {j.label}": time.perf_counter() - t}
        if then is not None:
            seconds[f"render {j.label}"] = then(j)
        return seconds

    with snapshot.reserved() as shared:
        # the kernels are forks of one process that imports the warm code (pipeline.forkserver)
        own = pool = None
        if name is not None:
            if server is None:
                server = own = fork_server(notebooks)
            # the server's warm code when there is one (the notebooks are read once)
            pool = KernelPool(min(jobs, len(work)), name, notebooks[0].parent,
                              server.warm if server else warm_code(notebooks),
                              forked_manager(LocalKernelManager, server) if server else LocalKernelManager)
        try:
            # Work several notebooks need, done once and shared through the snapshot.
            shared_work(data, work, cycle)
            snapshot.write(shared, data, project, cycle, digest)
            if release:
                release_rows(data)
            say(f"Executing {len(work)} notebooks" + (" and rendering their reports" if then else "")
                + f" ({jobs} at a time)")
            done = _pool(jobs, work, run_one, say, "Executed and rendered" if then else "Executed")
            return {k: v for seconds in done.values() for k, v in seconds.items()}
        finally:
            try:
                if pool is not None:
                    pool.close()
            finally:
                if own is not None:
                    own.close()


def release_rows(data) -> None:
    """Empty ``data``'s tables and caches in place (what the runner still needs, ``files`` and
    ``engines``, stays): after the snapshot is written, the kernels have the rows."""
    import pandas as pd
    for name in ("responses", "tickets", "telemetry", "population", "backlog", "outcomes"):
        frame = getattr(data, name, None)
        if isinstance(frame, pd.DataFrame):
            setattr(data, name, frame.iloc[0:0].copy())
    for cache in ("_memo", "_slices"):
        data.__dict__.pop(cache, None)
    data.summaries = {}
    give_back()


def run_cycle(project: str | Path, cycle: str, *, renderer: str = "nbconvert", force: bool = False,
              reports: str | Path | None = None, lock_timeout: float = 600, cell_timeout: int = 900,
              progress: Callable[[str], None] | None = None, jobs: int | None = None) -> RunResult:
    """Run one reporting cycle end to end and publish it (see the module docstring).

    ``jobs`` notebooks are executed and rendered at once (default: the number of cores). Every
    run appends its record to ``reports/runs.jsonl``; a publication and a failure are notified
    to ``XMO_NOTIFY``'s targets (:mod:`xmo_analysis.pipeline.notify`), an up-to-date run is not.
    """
    from xmo_analysis.pipeline import notify, schedule
    reports_dir = Path(reports).resolve() if reports else Path(project).resolve() / "reports"
    started = dt.datetime.now(dt.timezone.utc)
    record = {"cycle": cycle, "start": started.isoformat(timespec="seconds"), "force": force}
    try:
        result = _run_cycle(project, cycle, renderer=renderer, force=force, reports=reports, lock_timeout=lock_timeout,
                            cell_timeout=cell_timeout, progress=progress, jobs=jobs, record=record)
    except BaseException as exc:
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems = getattr(exc, "problems", None)
        if problems:  # the log line says where: the first problem, and how many more
            error += f" {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        record.update(status="failed", error=f"{type(exc).__name__}: {error}",
                      end=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        try:
            schedule.record_run(reports_dir, record)
        finally:
            if not isinstance(exc, KeyboardInterrupt):
                notify.failed(cycle, record["error"], getattr(exc, "kept", None))
        raise
    record.update(status=result.status, version=result.version, seconds=round(result.seconds, 3),
                  end=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    schedule.record_run(reports_dir, record)
    if result.status == "published":
        notify.published(cycle, result.version, result.path, reports_dir)
    return result


def _run_cycle(project: str | Path, cycle: str, *, renderer: str, force: bool, reports: str | Path | None,
               lock_timeout: float, cell_timeout: int, progress: Callable[[str], None] | None, jobs: int | None,
               record: dict) -> RunResult:
    """:func:`run_cycle` without its run record and notifications; fills ``record["timings_s"]``."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    jobs = jobs or os.cpu_count() or 1
    project = Path(project).resolve()
    check_cycle_id(cycle)
    reports = Path(reports).resolve() if reports else project / "reports"

    if not force:
        # Unchanged inputs (size and mtime, else their sha256), params, code and notebooks: answer
        # from the fingerprint cache without loading data or starting a kernel.
        v = quick_check(project, cycle, renderer, reports)
        if v is not None:
            return RunResult("up to date", cycle, v, reports / cycle / f"v{v}", time.perf_counter() - t0)
    say(f"Validating params and data for {cycle}")
    params = load_params(project / "params")
    params.cycle(cycle)
    # the kernels' fork server imports the analysis stack on the other core while this one
    # validates the data (started later, the first notebooks waited ~2 s for their kernels)
    server = early_fork_server(project, params)
    try:
        return _run_loaded(project, cycle, params, renderer=renderer, force=force, reports=reports,
                           lock_timeout=lock_timeout, cell_timeout=cell_timeout, say=say, jobs=jobs, record=record,
                           t0=t0, server=server)
    finally:
        if server is not None:
            server.close()


def early_fork_server(project: Path, params):
    """The fork server for a cycle's notebooks, started before its data are loaded; None when they
    share no kernel, or a notebook or kernel is missing (the run reports that in its own order)."""
    notebooks = cycle_notebooks(project, params)
    if not notebooks or not all(nb.exists() for nb in notebooks):
        return None
    try:
        return fork_server(notebooks)
    except ConfigError:
        return None


def _run_loaded(project: Path, cycle: str, params, *, renderer: str, force: bool, reports: Path,
                lock_timeout: float, cell_timeout: int, say: Callable[[str], None], jobs: int, record: dict,
                t0: float, server) -> RunResult:
    """:func:`_run_cycle` once params are loaded: validate the data, execute, render, publish."""
    timings: dict[str, float] = {}
    data = load_cycle(project, cycle, params)
    timings["validate"] = time.perf_counter() - t0
    engine = choose(renderer)
    notebooks = cycle_notebooks(project, params)
    missing = [Problem(file=str(nb), rule="notebook is missing (params' missions or audiences name it)")
               for nb in notebooks if not nb.exists()]
    if missing:
        raise ConfigError(missing)
    fp = fingerprint(data.files, params.files, project, engine, notebooks)

    reports.mkdir(parents=True, exist_ok=True)
    # One run at a time per reports folder: a second run waits (up to lock_timeout), then sees
    # the first one's version and is up to date, or publishes the next number. The OS releases
    # the lock when a process dies, so a killed run never blocks the next one.
    with publish.lock(reports, lock_timeout, on_wait=say):
        publish.remove_stale_staging(reports)
        latest = publish.latest_manifest(reports, cycle)
        if not force and latest and latest.get("fingerprint", {}).get("sha256") == fp["sha256"]:
            v = latest["version"]
            return RunResult("up to date", cycle, v, reports / cycle / f"v{v}", time.perf_counter() - t0)
        staging = publish.new_staging(reports, cycle)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        failed_dir = reports / "failed" / f"{cycle}-{stamp}"
        number = (publish.versions(reports, cycle) or [0])[-1] + 1  # under the lock: the version this run publishes
        # what earlier versions of this cycle published: no group of this one may differ from
        # one of theirs by a few people (the groups to hide are decided once, for every notebook)
        try:
            data.earlier_versions = membership.load(project, reports, cycle)
        except membership.RecordError as exc:  # a record that cannot be trusted: never publish past it
            raise InputError(Problem(file=exc.file, rule=exc.rule)) from exc
        try:
            published_hidden(data)
        except EarlierVersionConflict as exc:
            raise InputError(Problem(file=str(reports / cycle), rule=f"v{number} cannot be published: {exc}")) from exc
        published_on = (source_date() or dt.datetime.now(dt.timezone.utc).isoformat())[:10]
        git = _git(project)
        if latest:
            changes = what_changed(latest.get("fingerprint", {}), fp) or ["nothing changed (published with --force)"]
        else:
            changes = ["first version of the cycle"]
        try:
            work, audiences = plan(project, params, data, cycle, staging)
            groups = published_groups(data)  # for the next version's check, before the rows are released

            def render_one(j: Job) -> float:
                publish.checkpoint("render")  # fault injection: a run killed while rendering
                t = time.perf_counter()
                # what ties a forwarded PDF to its version: the portal and manifest give its date and reasons
                # The day, not the time: two runs of the same inputs on one day give the same bytes, and
                # SOURCE_DATE_EPOCH (reproducible builds) fixes it altogether.
                footer = (f"xmo-analysis {__version__} · cycle {cycle} · version {number} · published {published_on}"
                          f" · fingerprint {fp['sha256'][:12]}" + (" · uncommitted changes" if git.get("dirty") else "")
                          + f" · rendered by {engine}")
                portal = "../" * (2 + j.out.count("/")) + "index.html"
                (workers.render if workers else render)(staging / f"{j.out}.ipynb", (staging / j.out).parent,
                                                        j.title, engine, footer, portal)
                return time.perf_counter() - t

            # Each notebook is rendered in its job slot once executed; nbconvert and WeasyPrint in
            # worker processes, one per job: in this process's threads the GIL let one PDF be
            # printed at a time (Quarto renders in its own processes already).
            side_by_side = engine == "nbconvert" and min(jobs, len(work)) > 1
            with (RenderWorkers(min(jobs, len(work))) if side_by_side else nullcontext()) as workers:
                timings.update(execute_all(project, data, cycle, work, staging, failed_dir, fp["sha256"], jobs,
                                           cell_timeout, say, release=True, then=render_one, server=server))
            say("Publishing")
            publish.checkpoint("publish")
            timings["total"] = time.perf_counter() - t0
            manifest = {
                "cycle": cycle, "status": "published", "parameters": {**work[0].parameters, "output_dir": "<this folder>"},
                "fingerprint": fp, "inputs": fp["inputs"], "params": fp["params"],
                "missions": [{"id": m.id, "notebook": m.notebook, "title": m.title} for m in params.missions],
                "audiences": audiences,
                "changes": changes, "packages": _versions(), "git": git,
                "renderer": {"name": engine, "version": renderer_version(engine)},
                # where O/T aggregates were computed: engine, its version, the query fingerprints
                "engines": {c: w.record() for c, w in sorted(data.engines.items())},
                "environment": {"lock_file": LOCK_FILE if lock_file() else None, "lock_sha256": lock_digest(),
                                "python": platform.python_version()},
                "timings_s": {k: round(v, 3) for k, v in timings.items()},
                "files": sorted(str(p.relative_to(staging)) for p in staging.rglob("*")
                                if p.is_file() and p.name != publish.STAGING_PID),
            }
            record["timings_s"] = manifest["timings_s"]
            published, target = publish.publish(staging, reports, cycle, manifest)
            assert published == number, (published, number)  # the lock is held: nobody published in between
            membership.save(project, reports, cycle, number, groups)
            remember(reports, data.files)
            return RunResult("published", cycle, number, target, time.perf_counter() - t0)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
