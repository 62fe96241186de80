"""What each published version showed, kept so that the next version of the cycle cannot undo it.

Two versions of one cycle are two publications: if v1 showed location L (22 people) and v2, after
three late responses, shows L again (25), subtracting them reveals those three people. So each
version records which groups it published and who was in them, and the next run hides any group
within 1 to ``min_group_size - 1`` people of one of them (:func:`~xmo_analysis.domain.xla.published_hidden`).

The record is kept in the project (``.xmo/published/``), never in the reports folder that readers
are given: it holds no response id, only salted digests (the salt is the project's own, in
``.xmo/salt``), and its files are readable by their owner only.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from xmo_analysis.domain.xla import as_keys
from xmo_analysis.pipeline import publish

STATE = ".xmo"


class RecordError(ValueError):
    """A version's record that cannot be read as written: the check it serves cannot be made."""

    def __init__(self, file: Path, rule: str):
        super().__init__(f"{file}: {rule}")
        self.file, self.rule = str(file), rule


def _folder(project: Path, reports: Path, cycle: str) -> Path:
    # one record per reports folder: two folders are two independent series of versions
    stream = hashlib.sha256(str(Path(reports).resolve()).encode()).hexdigest()[:12]
    return Path(project) / STATE / "published" / stream / cycle


def salt(project: Path) -> str:
    """The project's salt for member keys, made once (owner-only file)."""
    path = Path(project) / STATE / "salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(16))
    return path.read_text().strip()


def load(project: Path, reports: Path, cycle: str, before: int | None = None) -> dict:
    """``{"salt", "versions": [{"version", "groups"}]}`` for the published versions of ``cycle``
    (those before ``before`` only, for re-executing a version as it was published)."""
    folder = _folder(project, reports, cycle)
    versions = []
    for v in publish.versions(Path(reports), cycle):
        if before is not None and v >= before:
            continue
        try:
            groups = json.loads((folder / f"v{v}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a version published before this record existed
        # bytes arrays: the record travels in the snapshot to every kernel
        try:
            keys = {name: as_keys(members) for name, members in groups.items()}
        except ValueError as exc:
            raise RecordError(folder / f"v{v}.json", str(exc)) from exc
        versions.append({"version": v, "groups": keys})
    return {"salt": salt(project), "versions": versions}


def save(project: Path, reports: Path, cycle: str, version: int, groups: dict) -> Path:
    """Record what ``version`` published (owner-only file): each group's member keys, sorted, as
    JSON lists of hex strings (:func:`~xmo_analysis.domain.xla.member_key`)."""
    folder = _folder(project, reports, cycle)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"v{version}.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({name: sorted(as_keys(keys).astype(str).tolist()) for name, keys in groups.items()}, fh,
                  sort_keys=True)
    os.replace(tmp, path)
    return path
