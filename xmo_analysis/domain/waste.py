"""Overhead and waste (lean service management): reopened tickets, reassignments, time waiting.

The indicators are ticket metrics of ``metrics.yaml`` named by params (``analysis.waste``), so each
is also an O indicator that an ambition can target and that gets a gap like any other. With the
aggregations of :func:`xmo_analysis.sources.metric_sources.metric_value` (rows or an engine):

- reopen rate = (tickets reopened) / (tickets with a known reopened flag);
- reassignments per ticket = Σ reassignments / (tickets with a known count);
- hours waiting per ticket = Σ waiting_hours / (tickets with a known figure), a ticket that never
  waited counting 0 (so the figure is the waste a ticket carries on average, not the length of
  a wait).

Rows per segment level of ``analysis.waste_by`` and per cycle; a level with no ticket is unknown
(NaN), never 0. Operational data are about tickets, not respondents: no privacy threshold applies.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.sources.metric_sources import metric_source

ORGANISATION = "whole organisation"


def waste_metrics(params) -> list:
    """The waste indicators of params, in their declared order."""
    return [params.metrics[m] for m in params.analysis.waste]


def waste_by_segment(data, cycle: str | None = None, by: str | None = None) -> pd.DataFrame:
    """One row per level of ``by`` (default ``analysis.waste_by``) plus the organisation: tickets and
    each waste indicator in the cycle, with the change since the previous cycle (``Δ <id>``)."""
    params = data.params
    cycle = cycle or data.cycle
    by = by or params.analysis.waste_by
    cycles = params.cycles_up_to(cycle)
    before = cycles[-2] if len(cycles) > 1 else None
    src = metric_source(data, "tickets", cycle)
    old = metric_source(data, "tickets", before) if before else None
    levels = src.levels(by) if by else []
    rows = []
    for level in [None, *levels]:
        seg = None if level is None else (by, level)
        row = {by or "segment": ORGANISATION if level is None else level, "tickets": src.count(seg)}
        for m in waste_metrics(params):
            now = src.metric(m, seg, whole_if_absent=False)
            row[m.id] = now
            row[f"Δ {m.id}"] = now - old.metric(m, seg, whole_if_absent=False) if old is not None else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def waste_by_cycle(data) -> pd.DataFrame:
    """The organisation's waste indicators per cycle, oldest first, with the tickets behind them."""
    rows = []
    for c in data.params.cycles_up_to(data.cycle):
        src = metric_source(data, "tickets", c)
        rows.append({"cycle": c, "tickets": src.count(), **{m.id: src.metric(m) for m in waste_metrics(data.params)}})
    return pd.DataFrame(rows)
