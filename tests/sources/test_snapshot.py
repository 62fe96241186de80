"""The runner's shared snapshot: used by a notebook when it matches, ignored otherwise."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from xmo_analysis.missions.common import open_cycle
from xmo_analysis.sources import loaders, snapshot


def test_snapshot_is_used_when_present_and_the_notebook_still_runs_without_it(demo_project, monkeypatch):
    data = loaders.load_cycle(demo_project, "2026-Q4")
    with snapshot.shared(data, demo_project, "2026-Q4", "key") as path:
        assert path.is_file() and os.environ[snapshot.ENV] == str(path)
        assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
        real = loaders.load_cycle
        monkeypatch.setattr(loaders, "load_cycle", lambda *a, **k: pytest.fail("loaded despite the snapshot"))
        shared = open_cycle(demo_project, "2026-Q4")
        pd.testing.assert_frame_equal(shared.current("responses"), data.current("responses"))
        assert shared.files == data.files
        # another cycle is not in the snapshot: it is loaded from the sources
        monkeypatch.setattr(loaders, "load_cycle", real)
        other = open_cycle(demo_project, "2026-Q3")
        assert other.cycle == "2026-Q3"
    assert snapshot.ENV not in os.environ and not path.exists()
    again = open_cycle(demo_project, "2026-Q4")
    assert again.files == data.files and again is not data
