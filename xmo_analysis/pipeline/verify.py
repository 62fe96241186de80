"""``xmo verify``: does a published version still come out the same?

:func:`verify` re-executes a published version from its manifest in a temporary folder and
compares what it computes with what was published:

1. the inputs and params must still hash as the manifest says (else :class:`InputsChanged`,
   exit 2, naming each file that changed: a verification of other data proves nothing);
2. every notebook of the version (missions and audience reports) is executed again with the
   same parameters, on the current code and environment;
3. every ``results-*.json`` and Parquet table is compared with the published one: numbers to
   1e-9 (relative or absolute), text and structure exactly. Each difference is reported with its
   file and where in it.

The published version is never touched; the outcome is remembered in
``reports/verifications.json`` for ``xmo status`` and the portal.
"""
from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from xmo_analysis.core.exceptions import ConfigError, InputError, Problem
from xmo_analysis.pipeline import publish

TOLERANCE = 1e-9


class InputsChanged(InputError):
    """The data or params of a published version no longer hash as its manifest says."""


@dataclass
class Verification:
    cycle: str
    version: int
    compared: list[str] = field(default_factory=list)     # files compared
    differences: list[str] = field(default_factory=list)  # one line each

    @property
    def identical(self) -> bool:
        return not self.differences


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def compare_json(published: Any, fresh: Any, where: str = "") -> list[str]:
    """Every difference between two JSON documents: numbers to 1e-9, everything else exactly."""
    if isinstance(published, dict) and isinstance(fresh, dict):
        out = []
        for key in sorted(set(published) | set(fresh), key=str):
            here = f"{where}.{key}" if where else str(key)
            if key not in fresh:
                out.append(f"{here}: published, not computed again")
            elif key not in published:
                out.append(f"{here}: computed again, not in the published version")
            else:
                out += compare_json(published[key], fresh[key], here)
        return out
    if isinstance(published, list) and isinstance(fresh, list):
        if len(published) != len(fresh):
            return [f"{where}: {len(published)} entries published, {len(fresh)} now"]
        out = []
        for i, (a, b) in enumerate(zip(published, fresh)):
            out += compare_json(a, b, f"{where}[{i}]")
        return out
    if not _same(published, fresh):
        return [f"{where}: published {published!r}, now {fresh!r}"]
    return []


def compare_table(published: Path, fresh: Path) -> list[str]:
    """Differences between two Parquet tables: columns, rows, then each cell (numbers to 1e-9)."""
    import numpy as np
    import pandas as pd
    a, b = pd.read_parquet(published), pd.read_parquet(fresh)
    if list(a.columns) != list(b.columns):
        return [f"columns: published {list(a.columns)}, now {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{len(a)} rows published, {len(b)} now"]
    out = []
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(x):
            xv, yv = x.to_numpy(dtype=float, na_value=np.nan), y.to_numpy(dtype=float, na_value=np.nan)
            bad = ~(np.isclose(xv, yv, rtol=TOLERANCE, atol=TOLERANCE) | (np.isnan(xv) & np.isnan(yv)))
        else:
            bad = ~((x.astype(object) == y.astype(object)) | (x.isna() & y.isna())).to_numpy()
        for i in np.flatnonzero(bad)[:5]:
            out.append(f"row {i + 1}, column {col!r}: published {x.iloc[i]!r}, now {y.iloc[i]!r}")
        if bad.sum() > 5:
            out.append(f"column {col!r}: {int(bad.sum()) - 5} more rows differ")
    return out


def _compared_files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and (p.suffix == ".parquet" or (p.name.startswith("results-") and p.suffix == ".json")))


def check_inputs(manifest: dict, fresh_fp: dict, where: str) -> None:
    """Raise :class:`InputsChanged` naming every input or params file whose digest differs."""
    problems = []
    for kind in ("inputs", "params"):
        old, new = manifest.get("fingerprint", {}).get(kind, {}), fresh_fp.get(kind, {})
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                state = ("is gone" if name not in new else "is new" if name not in old else
                         f"changed since it was published (sha256 {old[name][:12]}… then, {new[name][:12]}… now)")
                problems.append(Problem(file=name, rule=f"{state}: the version cannot be re-executed on the same "
                                                         f"{'data' if kind == 'inputs' else 'params'}"))
    if problems:
        raise InputsChanged(problems, title=f"{len(problems)} input(s) of {where} changed")


def verify(project: str | Path, cycle: str, version: int | None = None, *, reports: str | Path | None = None,
           jobs: int | None = None, cell_timeout: int = 900,
           progress: Callable[[str], None] | None = None) -> Verification:
    """Re-execute a published version and compare (see the module docstring)."""
    import os

    from xmo_analysis.core.params import load_params
    from xmo_analysis.pipeline.fingerprints import cycle_notebooks, fingerprint
    from xmo_analysis.pipeline.runner import execute_all, plan
    from xmo_analysis.pipeline.schedule import record_verification
    from xmo_analysis.sources.loaders import load_cycle

    say = progress or (lambda _m: None)
    project = Path(project).resolve()
    reports = Path(reports).resolve() if reports else project / "reports"
    versions = publish.versions(reports, cycle)
    if not versions:
        raise ConfigError(Problem(file=str(reports / cycle), rule=f"no published version of {cycle} to verify"))
    version = version or versions[-1]
    folder = reports / cycle / f"v{version}"
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = ", ".join(f"v{v}" for v in versions)
        raise ConfigError(Problem(file=str(folder / "manifest.json"),
                                  rule=f"no such published version (published: {known})")) from None
    say(f"Loading the inputs of {cycle} v{version}")
    params = load_params(project / "params")
    data = load_cycle(project, cycle, params)
    fp = fingerprint(data.files, params.files, project, manifest.get("fingerprint", {}).get("renderer", "nbconvert"),
                     cycle_notebooks(project, params))
    check_inputs(manifest, fp, f"{cycle} v{version}")
    from xmo_analysis.pipeline import membership
    data.earlier_versions = membership.load(project, reports, cycle, before=version)  # as it was published
    result = Verification(cycle, version)
    tmp = Path(tempfile.mkdtemp(prefix=f"xmo-verify-{cycle}-"))
    try:
        work, _ = plan(project, params, data, cycle, tmp)
        execute_all(project, data, cycle, work, tmp, tmp / "failed", fp["sha256"], jobs or os.cpu_count() or 1,
                    cell_timeout, say)
        published_files, fresh_files = set(_compared_files(folder)), set(_compared_files(tmp))
        for rel in sorted(published_files | fresh_files):
            if rel not in fresh_files:
                result.differences.append(f"{rel}: published, not produced again")
                continue
            if rel not in published_files:
                result.differences.append(f"{rel}: produced again, not in the published version")
                continue
            result.compared.append(str(rel))
            if rel.suffix == ".json":
                found = compare_json(json.loads((folder / rel).read_text(encoding="utf-8")),
                                     json.loads((tmp / rel).read_text(encoding="utf-8")))
            else:
                found = compare_table(folder / rel, tmp / rel)
            result.differences += [f"{rel}: {d}" for d in found]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    record_verification(reports, cycle, version, result.identical, len(result.differences))
    return result
