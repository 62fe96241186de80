"""The ``xmo`` command line.

Exit codes: 0 success or up to date; 2 invalid input or configuration; 1 failure while
executing or rendering; 3 the reports folder is locked by another run for too long.
"""
from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from xmo_analysis.core.exceptions import InputError, XmoError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="xmo-analysis: measure, interpret and act on experience, one cycle at a time.\n\n"
                       "Exit codes: 0 success or up to date, 2 invalid input or configuration, "
                       "1 failure while executing or rendering, 3 reports folder locked.")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from xmo_analysis import __version__
        out.print(f"xmo-analysis {__version__}", markup=False)
        raise typer.Exit(0)


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """xmo-analysis: measure, interpret and act on experience, one cycle at a time."""


def _project(project: Path) -> Path:
    """The project folder: the given one or the nearest folder above it that holds
    ``params/xmo.yaml`` (as git finds its repository from any folder inside it); a one-line error
    when there is none (instead of ten missing files)."""
    start = project.resolve()
    for folder in (start, *start.parents):
        if (folder / "params" / "xmo.yaml").is_file():
            return project if folder == start else folder
    err.print(f"error: {start} is not an xmo project (no params/xmo.yaml here or in any folder above): run the "
              "command in the project folder or give it with --project PATH", markup=False)
    raise typer.Exit(2)

PROJECT = typer.Option(Path("."), "--project", "-p", help="Project folder (holds params/, notebooks/, data/, reports/).")


def _unexpected(exc: BaseException) -> None:
    """A bug, not bad input: one line, and the traceback only when XMO_DEBUG is set."""
    if os.environ.get("XMO_DEBUG"):
        raise exc
    err.print(f"error: unexpected {type(exc).__name__}: {exc} (set XMO_DEBUG=1 for the traceback; "
              "please report it)", markup=False)
    raise typer.Exit(1)


def _fail(exc: XmoError) -> None:
    if isinstance(exc, InputError):
        err.print(f"error: {exc.render(limit=200)}", markup=False)
    else:
        err.print(f"error: {exc}", markup=False)
    raise typer.Exit(exc.exit_code)


@app.command()
def demo(out_dir: Path = typer.Option(Path("data/demo"), "--out", help="Folder for the demo data."),
         seed: int = typer.Option(20261122, help="Seed: the same seed and scale give identical files."),
         scale: float = typer.Option(1.0, help="Size factor, up to 1000 (1.0: ~3,000 responses, ~20,000 tickets and ~330,000 "
                                                      "device-days per cycle; 340: ~1 M responses per cycle)."),
         qualtrics: bool = typer.Option(False, "--qualtrics", help="Also write the survey as a Qualtrics export "
                                        "(qualtrics_export.csv); see params/examples/qualtrics-source.yaml.")):
    """Generate the demo organisation's data for cycles 2026-Q1..2026-Q4.

    Example: xmo demo --out data/demo --seed 7 --scale 0.1
    """
    from xmo_analysis.pipeline.demo import generate
    try:
        with err.status("Generating demo data"):
            paths = generate(out_dir, seed=seed, scale=scale, qualtrics=qualtrics)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2)
    out.print(f"Demo data written to {out_dir} ({', '.join(sorted(paths))}).", markup=False)


@app.command()
def validate(cycle: str = typer.Option(..., "--cycle", "-c", help="Cycle id, e.g. 2026-Q4."), project: Path = PROJECT):
    """Load and validate params and every data source for a cycle; report all problems at once.

    Example: xmo validate --cycle 2026-Q4
    """
    project = _project(project)
    from xmo_analysis.sources.loaders import load_cycle
    try:
        with err.status(f"Validating {cycle}"):
            data = load_cycle(project, cycle)
    except XmoError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence of the CLI
        _unexpected(exc)
    out.print(f"{cycle}: valid — {len(data.current('responses')):,} responses, {len(data.current('tickets')):,} "
              f"tickets, {len(data.current('telemetry')):,} telemetry rows.", markup=False)
    # what loading did to each source: rows read, rows each filter removed, cells declared missing
    for name, report in data.reports.items():
        out.print(str(report), markup=False)
    for name in data.absent:
        out.print(f"{name}: no source in params/xmo.yaml (an empty table; what needs it is left out of the reports)",
                  markup=False)


@app.command()
def run(cycle: str = typer.Option(None, "--cycle", "-c", help="Cycle id (e.g. 2026-Q4), or 'current': the latest "
                                                              "cycle whose end plus schedule.grace_days has passed."),
        pending: bool = typer.Option(False, "--pending", help="Run every ended cycle that has no published version "
                                                               "yet, oldest first."),
        project: Path = PROJECT,
        renderer: str = typer.Option("nbconvert", help="nbconvert (HTML) + WeasyPrint (PDF), quarto, or auto "
                                                        "(quarto when it is on PATH)."),
        force: bool = typer.Option(False, "--force", help="Publish a new version even if nothing changed."),
        reports: Path = typer.Option(None, help="Reports folder (default: <project>/reports)."),
        lock_timeout: float = typer.Option(600, help="Seconds to wait for another run's lock."),
        cell_timeout: int = typer.Option(900, help="Seconds one notebook cell may run before the run fails."),
        jobs: int = typer.Option(0, "--jobs", "-j", help="Notebooks executed and rendered at once (0: one per core).")):
    """Run a reporting cycle: validate, execute the mission and audience notebooks, render HTML and PDF, publish.

    Idempotent: an unchanged cycle is "up to date" and publishes nothing. Each run is recorded in
    reports/runs.jsonl; publications and failures go to XMO_NOTIFY's targets (apprise URLs).

    Examples:
      xmo run --cycle 2026-Q4
      xmo run --cycle current          (what a scheduler calls)
      xmo run --pending
      xmo run --cycle 2026-Q4 --renderer quarto --force
    """
    project = _project(project)
    reports_dir = (reports or project.resolve() / "reports").resolve()
    try:
        if pending or cycle == "current" or cycle is None:
            if not pending and cycle is None:
                err.print("error: give --cycle ID, --cycle current or --pending (see xmo run --help)", markup=False)
                raise typer.Exit(2)
            from xmo_analysis.core.params import load_params
            from xmo_analysis.pipeline import schedule
            params = load_params(project / "params")
            if pending:
                cycles = schedule.pending_cycles(params, reports_dir)
                if not cycles:
                    out.print("Nothing pending: every ended cycle has a published version.", markup=False)
                    return
                out.print(f"Pending, oldest first: {', '.join(cycles)}", markup=False)
            else:
                cycles = [schedule.current_cycle(params)]
                out.print(f"Current cycle: {cycles[0]}", markup=False)
        else:
            cycles = [cycle]
    except XmoError as exc:
        _fail(exc)
    for c in cycles:
        _run_one(project, c, renderer, force, reports, reports_dir, lock_timeout, cell_timeout, jobs)


def _run_one(project: Path, cycle: str, renderer: str, force: bool, reports: Path | None, reports_dir: Path,
             lock_timeout: float, cell_timeout: int, jobs: int) -> None:
    try:
        if not force:
            # The scheduler's common case, answered without importing the analysis stack.
            import datetime as dt

            from xmo_analysis.core.params import check_cycle_id
            from xmo_analysis.pipeline.fingerprints import quick_check
            from xmo_analysis.pipeline.schedule import record_run
            start = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            v = quick_check(project.resolve(), check_cycle_id(cycle), renderer, reports_dir)
            if v is not None:
                record_run(reports_dir, {"cycle": cycle, "start": start, "status": "up to date", "version": v,
                                         "force": False,
                                         "end": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
                out.print(f"{cycle}: up to date (v{v}) — nothing changed since it was published.", markup=False)
                return
    except XmoError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence of the CLI
        _unexpected(exc)
    from xmo_analysis.pipeline.runner import run_cycle
    try:
        with err.status("Starting") as status:
            result = run_cycle(project, cycle, renderer=renderer, force=force, reports=reports,
                               lock_timeout=lock_timeout, cell_timeout=cell_timeout, jobs=jobs or None,
                               progress=lambda m: (status.update(m), err.print(f"· {m}", markup=False)))
    except XmoError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence of the CLI
        _unexpected(exc)
    if result.status == "up to date":
        out.print(f"{cycle}: up to date (v{result.version}) — nothing changed since it was published.", markup=False)
    else:
        out.print(f"{cycle}: published v{result.version} in {result.seconds:.1f} s", markup=False)
    out.print(f"Reports: {result.path}", markup=False)
    out.print(f"Portal:  {result.path.parent.parent / 'index.html'}", markup=False)


@app.command()
def verify(cycle: str = typer.Argument(..., help="The cycle id of a published version."),
           version: int = typer.Option(None, "--version", "-v", help="The version to verify (default: the latest)."),
           project: Path = PROJECT,
           reports: Path = typer.Option(None, help="Reports folder (default: <project>/reports)."),
           jobs: int = typer.Option(0, "--jobs", "-j", help="Notebooks executed at once (0: one per core).")):
    """Re-execute a published version from its manifest and compare its results with the published ones.

    Exit codes: 0 identical (numbers to 1e-9, text exactly); 1 differences (each printed);
    2 an input or params file changed since publication (named), or no such version.

    Examples:
      xmo verify 2026-Q4
      xmo verify 2026-Q4 --version 3
    """
    project = _project(project)
    from xmo_analysis.pipeline.verify import verify as run_verify
    try:
        with err.status("Verifying") as state:
            result = run_verify(project, cycle, version, reports=reports, jobs=jobs or None,
                                progress=lambda m: (state.update(m), err.print(f"· {m}", markup=False)))
    except XmoError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence of the CLI
        _unexpected(exc)
    if result.identical:
        out.print(f"{cycle} v{result.version}: identical — {len(result.compared)} results files and tables "
                  "computed again match the published ones.", markup=False)
        return
    out.print(f"{cycle} v{result.version}: {len(result.differences)} difference(s):", markup=False)
    for line in result.differences:
        out.print(f"  - {line}", markup=False)
    raise typer.Exit(1)


@app.command(name="new-notebook")
def new_notebook(name: str = typer.Argument(..., help="File name of the notebook and id of its report, e.g. 4_channels."),
                 title: str = typer.Option(None, "--title", help="The report's title (default: from the name)."),
                 project: Path = PROJECT):
    """Create an analysis notebook from the template and register it in params/xmo.yaml.

    The next `xmo run` executes, renders, publishes and lists it like the mission reports.

    Example: xmo new-notebook 4_channels --title "Channel assessment"
    """
    project = _project(project)
    from xmo_analysis.core.params import load_params
    from xmo_analysis.pipeline.newnotebook import create
    try:
        path, xmo = create(project, name, title)
        load_params(project / "params")  # the registry still loads (and names the new mission)
    except XmoError as exc:
        _fail(exc)
    out.print(f"Created {path} and registered it in {xmo}; `make lab` opens it, the next `xmo run` publishes it.",
              markup=False)


@app.command()
def status(project: Path = PROJECT, reports: Path = typer.Option(None, help="Reports folder (default: <project>/reports)."),
           as_json: bool = typer.Option(False, "--json", help="One JSON document, for a monitor.")):
    """Each cycle's latest version, when it was published and verified, the last failure, and what
    changed since publication.

    Exit codes (for a monitor): 0 every ended cycle published and unchanged; 1 a cycle is pending
    or its inputs, params or code changed since publication; 2 the last run of a cycle failed or
    its verification found differences.

    Examples:
      xmo status
      xmo status --json
    """
    import json

    project = _project(project)
    from xmo_analysis.core.params import load_params
    from xmo_analysis.pipeline import schedule
    try:
        params = load_params(project / "params")
        records = schedule.status(project.resolve(), (reports or project.resolve() / "reports").resolve(), params)
    except XmoError as exc:
        _fail(exc)
    code = schedule.exit_code(records)
    if as_json:
        out.print(json.dumps({"cycles": records, "exit_code": code}, indent=2), markup=False)
        raise typer.Exit(code)
    for r in records:
        line = f"{r['cycle']}  {r['state']:<9}"
        if r["version"]:
            line += f"  v{r['version']} published {r['published_at']}"
            line += (f", verified {r['verified_at']} ({'identical' if r['verified_ok'] else 'DIFFERENCES'})"
                     if r["verified_at"] else ", never verified")
        elif r["due"]:
            line += "  ended, no version published yet"
        else:
            line += f"  ends {r['end']}"
        out.print(line, markup=False)
        for what in r["changed"]:
            out.print(f"    since publication: {what}", markup=False)
        if r["last_failure"]:
            out.print(f"    last failure {r['last_failure']['at']}: {r['last_failure']['error']}", markup=False)
    raise typer.Exit(code)


@app.command(name="list")
def list_(project: Path = PROJECT, reports: Path = typer.Option(None, help="Reports folder (default: <project>/reports).")):
    """List published cycles and versions.

    Example: xmo list
    """
    project = _project(project)
    from xmo_analysis.pipeline.publish import catalogue
    rows = catalogue(reports or project / "reports")
    if not rows:
        out.print("No reports published yet.")
        return
    for r in rows:
        out.print(f"{r['cycle']}  v{r['version']}  {r['published_at']}  {r['renderer']}  {r['path']}", markup=False)



@app.command(name="inspect")
def inspect_(file: Path = typer.Argument(..., help="An export or table to onboard (CSV, TSV, .xlsx)."),
             contract: str = typer.Option(None, help="responses, tickets, telemetry, population or backlog "
                                                     "(guessed from the columns when not given)."),
             encoding: str = typer.Option(None, help="Read the file in this encoding (detected when not given)."),
             sheet: str = typer.Option(None, help="Workbook sheet (name or 0-based number).")):
    """Detect a file's tool, layout, encoding, delimiter and date format, profile its columns,
    and print a draft `sources.<contract>` block and instrument skeleton to edit.

    Examples:
      xmo inspect data/survey/export.csv
      xmo inspect data/tickets/incident_event_log.csv --contract tickets
    """
    from xmo_analysis.sources.inspect import inspect_file
    if not file.exists():
        err.print(f"error: {file}: file is missing", markup=False)
        raise typer.Exit(2)
    try:
        found = inspect_file(file, encoding=encoding, contract=contract,
                             sheet=int(sheet) if sheet is not None and sheet.isdigit() else sheet)
    except XmoError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence of the CLI
        _unexpected(exc)
    out.print(str(found), markup=False)


def console() -> None:
    """The ``xmo`` command (and ``python -m xmo_analysis``): the app, then a quick exit.

    Once the command has returned, its output is flushed and the atexit handlers have run (logging,
    temporary folders, weakref finalizers), the process ends with ``os._exit``: Python's teardown of
    every module and object the analysis stack and the kernels' clients left took 0.6-0.9 s after
    each ``xmo run``, a wait for nothing. An uncaught exception still ends the usual way."""
    import atexit
    import sys
    try:
        app(prog_name="xmo")
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed, exit status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
