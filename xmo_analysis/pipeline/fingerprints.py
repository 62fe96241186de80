"""Fingerprints of everything that determines a report, and the quick "up to date" check.

A version is up to date when the sha256 of its inputs, params, package code, notebooks and
renderer are unchanged. Hashing a large telemetry folder on every scheduled run would take
minutes, so file digests are cached in ``reports/.fingerprints.json`` keyed by path, size and
modification time: a file whose size and mtime are unchanged is not re-read; anything else is
hashed again. :func:`quick_check` answers "up to date" from params and the cache alone, without
importing the analysis stack (pandas, papermill) or loading data; when it cannot be sure
(a SQL source, a new file) it says so and the runner does the full check.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from xmo_analysis import __version__

CACHE = ".fingerprints.json"


class DigestCache:
    """sha256 of files, remembered by (path, size, mtime_ns)."""

    def __init__(self, reports: Path):
        self.path = Path(reports) / CACHE
        try:
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self.changed = False

    def file(self, path: Path) -> str:
        st = path.stat()
        key = str(path.resolve())
        hit = self.entries.get(key)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        self.entries[key] = [st.st_size, st.st_mtime_ns, h.hexdigest()]
        self.changed = True
        return h.hexdigest()

    def path_digest(self, path: Path) -> str:
        """A file's sha256, or a folder's (relative names and file digests, sorted), as the loaders do."""
        if not path.is_dir():
            return self.file(path)
        h = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(path)).encode())
            h.update(bytes.fromhex(self.file(f)))
        return h.hexdigest()

    def save(self) -> None:
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def code_digest(notebooks: list[Path]) -> str:
    """sha256 over the package's code and templates and the notebooks a cycle runs."""
    pkg = Path(__file__).resolve().parents[1]  # the whole package, every layer
    files = sorted(p for p in pkg.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css"))
    code = hashlib.sha256()
    for f in files + list(notebooks):
        code.update(f.name.encode())
        code.update(hashlib.sha256(f.read_bytes()).digest())
    return code.hexdigest()


LOCK_FILE = "requirements.lock"


def lock_file() -> Path | None:
    """The lock file of the environment this package was installed from (the source tree's
    ``requirements.lock``), or None for an installation without one."""
    path = Path(__file__).resolve().parents[2] / LOCK_FILE
    return path if path.is_file() else None


def lock_digest() -> str | None:
    """sha256 of :func:`lock_file` (a new lock may bring other numbers: it is part of the fingerprint)."""
    path = lock_file()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path else None


def fingerprint(inputs: dict[str, str], params_files: dict[str, str], project: Path, renderer: str,
                notebooks: list[Path]) -> dict:
    """sha256 of everything that determines a report: inputs, params, package code, notebooks, renderer."""
    def rel(d: dict) -> dict:
        root = project.resolve()
        return {str(Path(k).resolve().relative_to(root)) if Path(k).resolve().is_relative_to(root) else k: v
                for k, v in sorted(d.items())}
    parts = {"inputs": rel(inputs), "params": rel(params_files), "code": code_digest(notebooks),
             "renderer": renderer, "package_version": __version__, "lock": lock_digest()}
    parts["sha256"] = hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()
    return parts


def cycle_notebooks(project: Path, params) -> list[Path]:
    """Every notebook a cycle runs (the missions and audiences of params), sorted: what the
    fingerprint hashes."""
    return sorted({project / "notebooks" / m.notebook for m in params.missions}
                  | {project / "notebooks" / a.notebook for a in params.audiences})


def current_fingerprint(project: Path, cycle: str, renderer: str, reports: Path) -> dict | None:
    """The fingerprint a run of ``cycle`` would have now, from params and file digests alone
    (never loading data); None when it cannot be known without a full run (a SQL source, a
    missing file or notebook)."""
    from xmo_analysis.core.params import load_params  # light: yaml and the params schema
    params = load_params(project / "params")
    params.cycle(cycle)
    sources = params.settings.get("sources") or {}
    if any((s or {}).get("format") == "sql" or not (s or {}).get("path") for s in sources.values()):
        return None  # a database has no file to fingerprint: the full run decides
    cache = DigestCache(reports)
    inputs = {}
    for src in sources.values():
        path = project / src["path"]
        if not path.exists():
            return None
        inputs[str(path)] = cache.path_digest(path)
    engine = renderer
    if renderer == "auto":
        engine = "quarto" if shutil.which("quarto") else "nbconvert"
    notebooks = cycle_notebooks(project, params)
    if not all(nb.exists() for nb in notebooks):
        return None
    fp = fingerprint(inputs, params.files, project, engine, notebooks)
    fp["_cache"] = cache
    return fp


def quick_check(project: Path, cycle: str, renderer: str, reports: Path) -> int | None:
    """The published version that is still up to date, or None when a full run must decide.

    Reads params (YAML only) and hashes inputs through the digest cache; never loads data.
    """
    from xmo_analysis.pipeline.publish import latest_manifest
    latest = latest_manifest(reports, cycle)
    if not latest:
        return None
    fp = current_fingerprint(project, cycle, renderer, reports)
    if fp is None or latest.get("fingerprint", {}).get("sha256") != fp["sha256"]:
        return None  # the full run decides; nothing is written (a failed run leaves reports/ as it was)
    fp["_cache"].save()
    return latest["version"]


def what_changed(published: dict, current: dict) -> list[str]:
    """What differs between a published fingerprint and the current one, in words a reader
    can act on: "input data/x.csv", "params params/xmo.yaml", "package code or notebooks", ..."""
    out = []
    for kind in ("inputs", "params"):
        old, new = published.get(kind, {}), current.get(kind, {})
        noun = "input" if kind == "inputs" else "params"
        for name in sorted(set(old) | set(new)):
            if name not in new:
                out.append(f"{noun} {name} removed")
            elif name not in old:
                out.append(f"{noun} {name} added")
            elif old[name] != new[name]:
                out.append(f"{noun} {name} changed")
    if published.get("code") != current.get("code"):
        out.append("package code or notebooks changed")
    for key, what in (("renderer", "renderer"), ("package_version", "package version"), ("lock", "locked environment")):
        if published.get(key) != current.get(key):
            out.append(f"{what} changed ({published.get(key)} -> {current.get(key)})")
    return out


def remember(reports: Path, inputs: dict[str, str]) -> None:
    """After a publish: the loaders' digests of single-file inputs go into the cache, so that the
    next unchanged run does not read them again (folders are cached at their first quick check)."""
    cache = DigestCache(reports)
    for name, digest in inputs.items():
        path = Path(name)
        if path.is_file():
            st = path.stat()
            cache.entries[str(path.resolve())] = [st.st_size, st.st_mtime_ns, digest]
            cache.changed = True
    cache.save()
