"""Publishing: versioned report folders, their manifests, the lock and the portal page.

``reports/<cycle>/v<N>/`` is created by one ``os.rename`` of a fully written staging folder,
under a file lock, so a version is either complete or absent; existing versions are never
rewritten. ``reports/index.html`` is rewritten atomically (temporary file + ``os.replace``).
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from xmo_analysis.core.exceptions import LockTimeout
from xmo_analysis.pipeline import portal

VERSION_DIR = re.compile(r"^v(\d+)$")
STAGING_PID = ".pid"


VERIFICATIONS = "verifications.json"  # the outcome of `xmo verify` per version, outside the version folders


def lock(reports: Path, timeout: float = 600, on_wait=None) -> FileLock:
    """The reports folder's lock; raise :class:`LockTimeout` when it cannot be had in time.

    ``on_wait(message)`` is called only when another run holds the lock (nothing is said when
    the lock is free)."""
    reports.mkdir(parents=True, exist_ok=True)
    fl = FileLock(str(reports / ".xmo.lock"), timeout=timeout)
    try:
        try:
            fl.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait(f"Waiting for another run to release the reports lock ({reports / '.xmo.lock'})")
            fl.acquire()
    except Timeout as exc:
        raise LockTimeout(f"another run holds {reports / '.xmo.lock'} for more than {timeout:.0f} s; "
                          "try again when it has finished") from exc
    return fl


def new_staging(reports: Path, cycle: str) -> Path:
    """A private folder next to the versions (same file system, so publishing is one rename)."""
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{cycle}-", dir=reports))
    (staging / STAGING_PID).write_text(str(os.getpid()), encoding="utf-8")
    return staging


def remove_stale_staging(reports: Path) -> list[Path]:
    """Remove staging folders left by runs that died (their process no longer exists).

    Called under the lock, so no live run of this folder can be using them.
    """
    removed = []
    for folder in reports.glob(".staging-*"):
        try:
            pid = int((folder / STAGING_PID).read_text(encoding="utf-8"))
            os.kill(pid, 0)
            if pid != os.getpid():
                continue  # a live process: leave it
        except (OSError, ValueError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def checkpoint(name: str) -> None:
    """Fault-injection point for the crash tests: pause here when XMO_PAUSE_AT names this step."""
    if os.environ.get("XMO_PAUSE_AT") == name:
        import sys
        import time
        print(f"XMO_PAUSE_AT: paused at {name}", file=sys.stderr, flush=True)  # what a test waits for
        time.sleep(float(os.environ.get("XMO_PAUSE_SECONDS", "30")))


def versions(reports: Path, cycle: str) -> list[int]:
    """Published version numbers of a cycle, ascending."""
    folder = reports / cycle
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if p.is_dir() and (m := VERSION_DIR.match(p.name)))


def latest_manifest(reports: Path, cycle: str) -> dict | None:
    vs = versions(reports, cycle)
    if not vs:
        return None
    try:
        return json.loads((reports / cycle / f"v{vs[-1]}" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def publish(staging: Path, reports: Path, cycle: str, manifest: dict) -> tuple[int, Path]:
    """Move a complete staging folder to the next version of ``cycle``. Call under :func:`lock`."""
    number = (versions(reports, cycle) or [0])[-1] + 1
    manifest = {**manifest, "version": number, "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    (staging / STAGING_PID).unlink(missing_ok=True)
    write_atomic(staging / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    readable(staging)
    target = reports / cycle / f"v{number}"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, target)  # atomic on one file system; fails rather than overwrite
    write_portal(reports)
    return number, target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def readable(folder: Path) -> None:
    """Give a staged version the permissions the user's umask asks for (mkdtemp and mkstemp make
    private 0700/0600 files, which a web server, a shared folder or a colleague could not read)."""
    mask = _umask()
    for p in [folder, *folder.rglob("*")]:
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def catalogue(reports: Path) -> list[dict]:
    """Every published version, newest cycle first: cycle, version, time, renderer, files."""
    rows = []
    if not reports.is_dir():
        return rows
    for cycle_dir in sorted((p for p in reports.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                             and p.name != "failed"), key=lambda p: p.name, reverse=True):
        for v in reversed(versions(reports, cycle_dir.name)):
            folder = cycle_dir / f"v{v}"
            try:
                m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                m = {}
            rows.append({"cycle": cycle_dir.name, "version": v, "path": folder,
                         "published_at": m.get("published_at", ""), "renderer": m.get("renderer", {}).get("name", ""),
                         "status": m.get("status", "unknown"),
                         # titles come from the manifest (the params' mission registry at publish time)
                         "titles": {x["id"]: x["title"] for x in m.get("missions", []) if isinstance(x, dict)},
                         "missions": [x["id"] for x in m.get("missions", []) if isinstance(x, dict)]
                         or sorted(p.stem for p in folder.glob("*.html")),
                         "audiences": m.get("audiences") or {},
                         "changes": m.get("changes") or [],
                         "data_files": sorted(p.name for p in folder.glob("results-*.json"))})
    return rows


def write_portal(reports: Path) -> Path:
    """Rewrite ``reports/index.html``: every cycle and version with links to its reports."""
    e = html.escape
    rows = []
    try:  # written by `xmo verify` (xmo_analysis.pipeline.schedule.record_verification)
        checks = json.loads((reports / VERIFICATIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        checks = {}
    newest: set[str] = set()
    for r in catalogue(reports):
        check = checks.get(f"{r['cycle']}/v{r['version']}")
        verified = ("never" if not check else
                    f"{e(check['at'])}<br>{'identical' if check['ok'] else e(str(check['differences'])) + ' differences'}")
        latest = "" if r["cycle"] in newest else ' <span class="badge st-met">latest</span>'
        newest.add(r["cycle"])
        links = " ".join(
            f'<a href="{e(r["cycle"])}/v{r["version"]}/{e(m)}.html">{e(r["titles"].get(m, m))}</a> '
            f'(<a href="{e(r["cycle"])}/v{r["version"]}/{e(m)}.pdf">PDF</a>)<br>' for m in r["missions"])
        base = f'{e(r["cycle"])}/v{r["version"]}'
        data_links = " · ".join([f'<a href="{base}/manifest.json">manifest</a>']
                                + [f'<a href="{base}/{e(f)}">{e(f)}</a>' for f in r["data_files"]])
        why = "<br>".join(e(c) for c in r["changes"][:6]) or '<span class="muted">not recorded</span>'
        if len(r["changes"]) > 6:
            why += f'<br><span class="muted">and {len(r["changes"]) - 6} more (manifest)</span>'
        n_aud = sum(len(a.get("reports", [])) for a in r["audiences"].values())
        if n_aud:
            links += f'<span class="muted">and {n_aud} audience reports (below)</span>'
        rows.append(f"<tr><td>{e(r['cycle'])}</td><td>v{r['version']}{latest}</td><td>{e(r['published_at'])}</td>"
                    f"<td>{links}<br><small>{data_links}</small></td><td><small>{why}</small></td>"
                    f"<td>{e(r['renderer'])}</td><td>{verified}</td></tr>")
    audience_html = []
    seen_cycles = set()
    for r in catalogue(reports):  # newest version of each cycle: its audience reports
        if r["cycle"] in seen_cycles or not r["audiences"]:
            continue
        seen_cycles.add(r["cycle"])
        base = f'{e(r["cycle"])}/v{r["version"]}'
        for aid, a in r["audiences"].items():
            xlas = sorted({x for rep in a.get("reports", []) for x in rep.get("statuses", {})})
            head = "".join(f"<th>{e(x)}</th>" for x in xlas)
            body = []
            for rep in a.get("reports", []):
                cells = "".join(f'<td><span class="badge st-{e(rep["statuses"].get(x, "").replace(" ", "-"))}">'
                                f'{e(rep["statuses"].get(x, "—"))}</span></td>' for x in xlas)
                body.append(f'<tr><td><a href="{base}/{e(rep["file"])}.html">{e(rep["group"])}</a> '
                            f'(<a href="{base}/{e(rep["file"])}.pdf">PDF</a>)</td>{cells}</tr>')
            for rep in a.get("not_reported", []):
                body.append(f'<tr><td>{e(rep["group"])}</td><td colspan="{max(len(xlas), 1)}" class="muted">'
                            f'no report: {e(rep["reason"])}</td></tr>')
            audience_html.append(f'<h3>{e(a.get("title", aid))}, {e(r["cycle"])} (v{r["version"]})</h3>'
                                 f'<div class="table-wrap"><table class="audience"><thead><tr><th>Group</th>{head}'
                                 f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
    catalogue_rows = catalogue(reports)
    if audience_html:
        columns = sorted({str(a.get("column", aid)).replace("_", " ") for r in catalogue_rows[:1]
                          for aid, a in r["audiences"].items()})
        hint = e(", ".join(columns) + "…") if columns else "a group…"
        audience_html.insert(0, '<h2 id="audiences">Reports for each group</h2><p class="noprint"><label>Find a group: '
                                f'<input class="filter" type="search" placeholder="{hint}"></label></p>')
        audience_html.append(portal.FILTER_SCRIPT)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Experience reports</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 32px auto; max-width: 980px; color: #212121; }}
body {{ padding: 0 12px; }} h1 {{ color: #1565c0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10pt; }}
caption {{ text-align: left; font-weight: bold; padding: 4px 0; }}
th {{ text-align: left; border-bottom: 2px solid #212121; padding: 6px; }} th.num, td.num {{ text-align: right; }}
td {{ border-bottom: 1px solid #e0e0e0; padding: 6px; vertical-align: top; }} a {{ color: #1565c0; }}
h2 {{ color: #1565c0; font-size: 13pt; margin-top: 28px; }} h3 {{ font-size: 11pt; margin-top: 18px; }}
.muted {{ color: #616161; }} .table-wrap {{ overflow-x: auto; }} svg.spark {{ vertical-align: middle; }}
.badge {{ border-radius: 8px; padding: 1px 7px; font-size: 9pt; color: #fff; background: #616161; white-space: nowrap; }}
.st-met {{ background: #2e7d32; }} .st-at-risk {{ background: #a84300; }} .st-missed {{ background: #c62828; }}
input.filter {{ font-size: 11pt; padding: 4px 6px; min-width: 16em; }}
@media print {{ .noprint, script {{ display: none; }} body {{ margin: 0; max-width: none; }} a {{ color: #212121; }} }}
</style></head><body>
<header><h1>Experience reports</h1></header>
<main>
{portal.front(catalogue_rows)}
{''.join(audience_html)}
<h2 id="versions">All cycles and versions</h2>
<p>Every published cycle and version, newest first. Each version is immutable; a new version is
published only when its inputs, parameters or code changed.</p>
<div class="table-wrap"><table><thead><tr><th>Cycle</th><th>Version</th><th>Published (UTC)</th><th>Reports and data</th>
<th>Why this version</th><th>Renderer</th><th>Last verified (UTC)</th></tr></thead>
<tbody>{''.join(rows) or '<tr><td colspan="7">No reports yet.</td></tr>'}</tbody></table></div>
</main>
</body></html>
"""
    path = reports / "index.html"
    write_atomic(path, page)
    return path
