"""XLA scoring when O/T data are missing: unknown is never zero (defects found on a copy of the demo).

Before the fix, a survey segment that the ticketing tool names differently scored 0 on its O
indicators (the demo's Legal: XLA-SD 68.1 "at risk" -> 30.8 "missed"), and a metric missing for
the whole organisation dragged XLA-SD from 69.7 to 54.0 while the composition table no longer
summed to the score. Expected values here are computed by hand from the per-indicator scores.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xmo_analysis.missions import measures
from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.domain.xla import attainment, metric_value, x_points, xla_scores


def _xla_with_o(params):
    xla = next(x for x in params.xlas.values() if any(i.kind == "o" for i in x.indicators))
    assert any(i.kind == "x" for i in xla.indicators)
    return xla


def _x_only_score(resp: pd.DataFrame, params, xla) -> float:
    """Mean over responses of the X indicators' weighted mean (weights over the answered ones)."""
    xs = [(i.weight, x_points(resp, params, i.ref)) for i in xla.indicators if i.kind == "x"]
    num = sum(w * np.nan_to_num(v) for w, v in xs)
    den = sum(w * ~np.isnan(v) for w, v in xs)
    per = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return float(np.nanmean(per))


def test_segment_without_tickets_is_unknown_not_zero(project):
    tickets_path = project / "data" / "demo" / "tickets.parquet"
    tickets = pd.read_parquet(tickets_path)
    victim = sorted(tickets["department"].unique())[0]
    tickets["department"] = tickets["department"].replace({victim: victim + " (ITSM name)"})
    tickets.to_parquet(tickets_path)
    data = load_cycle(project, "2026-Q4")
    params = data.params
    xla = _xla_with_o(params)
    by = xla_scores(data, by="department", weighted=False).set_index(["segment", "xla"])
    row = by.loc[(victim, xla.id)]
    resp = data.current("responses")
    resp = resp[resp["department"] == victim].reset_index(drop=True)
    assert len(resp) >= params.min_group_size and not row["suppressed"]
    assert row["score"] == pytest.approx(_x_only_score(resp, params, xla), abs=1e-9)
    o_refs = sorted(i.ref for i in xla.indicators if i.kind == "o")
    assert sorted(row["missing"].split(", ")) == o_refs
    # a segment that the tickets do know keeps every indicator
    other = sorted(set(data.current("responses")["department"]) - {victim})[0]
    assert by.loc[(other, xla.id), "missing"] == ""


def test_metric_missing_for_the_organisation(project):
    tickets_path = project / "data" / "demo" / "tickets.parquet"
    tickets = pd.read_parquet(tickets_path)
    data0 = load_cycle(project, "2026-Q4")
    params = data0.params
    xla = _xla_with_o(params)
    gone = next(i for i in xla.indicators if i.kind == "o")
    metric = params.metrics[gone.ref]
    kept = [i for i in xla.indicators if i.ref != gone.ref]
    # the metric's source column loses every value: the indicator is unknown for everyone
    sla_col = "sla_met" if metric.column == "sla_met" else None
    if sla_col is None:  # resolution time is derived from the timestamps
        tickets["resolved_at"] = pd.NaT
    else:
        tickets[sla_col] = pd.NA
    tickets.to_parquet(tickets_path)
    data = load_cycle(project, "2026-Q4")
    cur_t = data.current("tickets")
    resp = data.current("responses").reset_index(drop=True)
    # hand computation: sum over the other indicators of weight x score, divided by their weights
    total, wsum = 0.0, 0.0
    for ind in (i for i in kept if i.kind != "x"):
        m = params.metrics[ind.ref]
        src = data.current(m.source)
        total += ind.weight * attainment(metric_value(src, m), m)
        wsum += ind.weight
    xs = [i for i in kept if i.kind == "x"]
    w_x = sum(i.weight for i in xs)
    composite_mean = _x_only_score(resp, params, xla)
    expected = (w_x * composite_mean + total) / (w_x + wsum)
    assert np.isnan(metric_value(cur_t, metric))
    row = xla_scores(data, weighted=False).set_index("xla").loc[xla.id]
    assert row["score"] == pytest.approx(expected, abs=1e-9)
    assert row["missing"] == gone.ref
    comp = measures.xla_composition(data)
    comp = comp[comp["xla"] == xla.id]
    assert comp.set_index("ref").loc[gone.ref, "data"].startswith("unknown")
    assert np.isnan(comp.set_index("ref").loc[gone.ref, "contribution"])
    assert comp.set_index("ref").loc[gone.ref, "indicator"] == params.metrics[gone.ref].label  # a label, not the id
    # composition sums to the published (weighted) score
    weighted = xla_scores(data).set_index("xla").loc[xla.id, "score"]
    assert comp["contribution"].sum() == pytest.approx(weighted, abs=1e-9)


def test_a_group_whose_results_rest_on_too_few_answers_is_hidden(project):
    """The threshold counts the people whose answers make a result, not the group's size: a
    department of 12 of whom only 3 answered any survey item of the XLAs must show no score, and
    one more group is hidden with it (else its score follows by subtraction)."""
    path = project / "data" / "demo" / "responses.csv"
    resp = pd.read_csv(path)
    data0 = load_cycle(project, "2026-Q4")
    params = data0.params
    min_n = params.min_group_size
    cur = resp[resp["cycle"] == "2026-Q4"]
    sizes = cur["department"].value_counts()
    victim = sizes.index[-1]  # the smallest department, still far above the threshold
    rows = cur.index[cur["department"] == victim]
    assert len(rows) > min_n + 3
    items = [i.id for i in params.scored_items]
    resp.loc[rows[3:], items] = np.nan  # only 3 of them answered anything scored
    resp.to_csv(path, index=False)
    data = load_cycle(project, "2026-Q4")
    by = xla_scores(data, by="department")
    mine = by[by["segment"] == victim]
    assert mine["suppressed"].all() and mine["score"].isna().all()
    hidden = set(by.loc[by["suppressed"], "segment"])
    assert len(hidden) == 2  # the victim and its complement
    before = set(xla_scores(data0, by="department").query("suppressed")["segment"])
    assert before == set()


def test_a_cycles_points_are_computed_once_and_cannot_be_written(project):
    """Every section asks for the per-response XLA points (the manage mission ~100 times a run):
    one array per cycle and XLA, shared, so read-only: a caller writing to it fails at once
    instead of changing the next section's numbers."""
    from xmo_analysis.domain.xla import cycle_points
    data = load_cycle(project, "2026-Q4")
    xla = next(iter(data.params.xlas))
    first = cycle_points(data, xla)
    assert cycle_points(data, xla) is first and cycle_points(data, xla, data.cycle) is first
    assert not first.flags.writeable
    with pytest.raises(ValueError):
        first[0] = 0.0
    prev = data.params.previous_cycle(data.cycle)
    earlier = cycle_points(data, xla, prev)
    assert earlier is not first and len(earlier) == len(data.of_cycle("responses", prev))
