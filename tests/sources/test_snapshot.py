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


def test_cycle_slices_are_views_and_a_snapshot_holds_each_row_once(demo_project):
    """A cycle's rows are a view of the table (the loaders stack cycles one after another), the
    same rows and index as the mask would give; a snapshot leaves out the slices and the designs
    built on them (pickled, each would be one more copy of its rows in every kernel) and keeps
    the memoised results, so a kernel opening it scores exactly as the runner did."""
    import pickle

    import numpy as np

    from xmo_analysis.domain.xla import cycle_design, xla_scores
    data = loaders.load_cycle(demo_project, "2026-Q4")
    cycles = data.responses["cycle"].unique().tolist()
    num = data.responses.select_dtypes("number").columns[0]  # an item's answers
    assert len(cycles) >= 2
    for c in cycles:
        got = data.of_cycle("responses", c)
        pd.testing.assert_frame_equal(got, data.responses[data.responses["cycle"] == c])
        assert np.shares_memory(got[num].to_numpy(), data.responses[num].to_numpy())
    # rows of a cycle that are not contiguous still give the mask's rows (a copy)
    shuffled = loaders.CycleData(**{**{k: getattr(data, k) for k in ("params", "cycle", "tickets", "telemetry",
                                                                       "population", "backlog")},
                                    "responses": data.responses.sample(frac=1, random_state=3)})
    pd.testing.assert_frame_equal(shuffled.of_cycle("responses", "2026-Q4"),
                                  shuffled.responses[shuffled.responses["cycle"] == "2026-Q4"])
    scores = xla_scores(data, by=data.params.segments[0])
    cycle_design(data)
    assert data._slices and any(k[0] == "design" for k in data._memo)
    opened = pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    assert "_slices" not in opened.__dict__ and not any(k[0] == "design" for k in opened._memo)
    assert any(k[0] == "weights" for k in opened._memo)
    pd.testing.assert_frame_equal(xla_scores(opened, by=data.params.segments[0]), scores)
    pd.testing.assert_frame_equal(xla_scores(opened, by=data.params.segments[1]),
                                  xla_scores(data, by=data.params.segments[1]))
    assert np.shares_memory(cycle_design(opened).frame[num].to_numpy(), opened.responses[num].to_numpy())


def test_shared_work_leaves_audience_kernels_no_scores_to_redo(tmp_path, monkeypatch):
    """With audience reports planned, the runner scores their columns in every cycle before the
    snapshot is written: a kernel opening it builds a group's trend without scoring anything."""
    import pickle

    from conftest import make_project
    from xmo_analysis.domain import xla
    from xmo_analysis.missions import audience
    from xmo_analysis.pipeline import runner
    from xmo_analysis.present.display import Table
    project = make_project(tmp_path / "project", audiences=True)
    data = loaders.load_cycle(project, "2026-Q4")
    work, _ = runner.plan(project, data.params, data, "2026-Q4", tmp_path / "staging")
    reports = [j.parameters for j in work if "audience" in j.parameters]
    assert reports and len(data.params.cycles_up_to("2026-Q4")) >= 2
    runner.shared_work(data, work, "2026-Q4")
    opened = pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    expected = audience.trend_section(data, reports[0]["audience"], reports[0]["group"])
    monkeypatch.setattr(xla, "_xla_scores", lambda *a, **k: pytest.fail(f"scored again in a kernel: {a[2:4]}"))
    for p in (reports[0], reports[-1]):
        got = audience.trend_section(opened, p["audience"], p["group"])
        tables = [part for part in got.parts if isinstance(part, Table)]
        assert tables and tables[0].frame["cycle"].nunique() >= 2
    pd.testing.assert_frame_equal(
        next(x for x in audience.trend_section(opened, reports[0]["audience"], reports[0]["group"]).parts
             if isinstance(x, Table)).frame,
        next(x for x in expected.parts if isinstance(x, Table)).frame)
    # without audience reports planned nothing more is scored than the missions need
    plain = loaders.load_cycle(project, "2026-Q4")
    monkeypatch.undo()
    runner.shared_work(plain, [j for j in work if "audience" not in j.parameters], "2026-Q4")
    assert {k[1] for k in plain._memo if k[0] == "xla_scores"} == {"2026-Q4"}
