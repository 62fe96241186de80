"""The cycle's validated data, loaded once by the runner and shared with every notebook.

Loading and validating a cycle takes seconds; a run executes a notebook per mission and per
audience group, each in its own kernel. The runner writes the loaded
:class:`~xmo_analysis.sources.loaders.CycleData` (with what it already derived: weights, XLA
tables, sentiment) to a private temporary file and names it in ``XMO_SNAPSHOT``; a notebook's
:func:`~xmo_analysis.missions.common.open_cycle` opens it when it is for the same project,
cycle and input fingerprint, and loads from the sources otherwise (a notebook run by hand in
JupyterLab). Pickle is used because the snapshot never leaves the run that wrote it: it is
created in a folder only the running user can read and removed when the run ends.
"""
from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

ENV = "XMO_SNAPSHOT"


@contextmanager
def shared(data, project: Path, cycle: str, key: str):
    """Write the snapshot, point ``XMO_SNAPSHOT`` at it for the kernels started inside, clean up."""
    with reserved() as path:
        write(path, data, project, cycle, key)
        yield path


def write(path: Path, data, project: Path, cycle: str, key: str) -> None:
    """Write the snapshot to the path :func:`reserved` gave."""
    with open(path, "wb") as fh:
        pickle.dump({"project": str(Path(project).resolve()), "cycle": cycle, "key": key, "data": data}, fh,
                    protocol=pickle.HIGHEST_PROTOCOL)


@contextmanager
def reserved():
    """A private path for the snapshot, named in ``XMO_SNAPSHOT`` for every kernel started inside
    (kernels may start, and warm up, before the snapshot is written); removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="xmo-snapshot-"))  # 0700: private to this user
    path = folder / "cycle.pkl"
    before = os.environ.get(ENV)
    os.environ[ENV] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before
        shutil.rmtree(folder, ignore_errors=True)


def opened(project, cycle: str):
    """The shared data for ``project`` and ``cycle``, or None when there is no matching snapshot."""
    path = os.environ.get(ENV)
    if not path or not Path(path).is_file():
        return None
    with open(path, "rb") as fh:
        snap = pickle.load(fh)
    if snap.get("project") != str(Path(project).resolve()) or snap.get("cycle") != cycle:
        return None
    return snap["data"]
