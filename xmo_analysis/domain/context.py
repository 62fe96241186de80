"""Context: survey answers (X) matched to what happened (O) and how the technology behaved (T).

At respondent level where the pseudonymous ``respondent_id`` is a ticket's ``requester_id`` or a
device's ``user_id``; at segment level (department x cycle) otherwise.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.sources.loaders import CycleData
from xmo_analysis.privacy.suppression import suppress_rows
from xmo_analysis.sources.metric_sources import metric_source
from xmo_analysis.domain.xla import x_points

def own_column(metric) -> str:
    """The respondent-level column of an O/T metric: ``own_<column>`` (their last ticket's value,
    or the mean over their device-days)."""
    return f"own_{metric.column}"


def linked_columns(params) -> dict[str, object]:
    """``own_<column>`` -> metric, for every O/T metric of params (one column per source column)."""
    out: dict[str, object] = {}
    for m in params.metrics.values():
        out.setdefault(own_column(m), m)
    return out


def respondent_context(data: CycleData, cycle: str | None = None) -> pd.DataFrame:
    """The cycle's responses with each respondent's own last ticket and own device metrics.

    For every O/T metric of params a column ``own_<column>``: the value on the respondent's last
    ticket opened in the cycle (tickets' ``requester_id``), or the mean over their device-days
    (telemetry's ``user_id``); and every X indicator's 0-100 points as ``x_<ref>``. Respondents
    with no ticket or device keep NaN there.
    """
    cycle = cycle or data.cycle
    params = data.params
    resp = data.of_cycle("responses", cycle).reset_index(drop=True)
    out = resp.copy()
    linked = linked_columns(params)
    if "respondent_id" in resp:
        tickets = metric_source(data, "tickets", cycle)
        tcols = [m.column for m in linked.values() if m.source == "tickets"]
        last = tickets.last_per("requester_id", "opened_at", tcols)
        dcols = [m.column for m in linked.values() if m.source == "telemetry"]
        dev = metric_source(data, "telemetry", cycle).per_user(dcols)
        ids = resp["respondent_id"].astype("string")  # an engine returns ids as text
        for own in (last, dev):
            for col in own.columns if own is not None else ():
                values = own[col].astype(float)
                values.index = values.index.astype("string")
                out[f"own_{col}"] = ids.map(values)
    for col in linked:
        if col not in out:
            out[col] = np.nan
    refs = {ind.ref for xla in params.xlas.values() for ind in xla.indicators if ind.kind == "x"}
    refs |= set(params.constructs())
    for ref in sorted(refs):
        out[f"x_{ref}"] = x_points(resp, params, ref)
    return out


def short_label(metric) -> str:
    """A column header narrow enough for an A4 table: 'boot time s (p90)'."""
    return f"{metric.column.replace('_', ' ')} ({metric.aggregation})"


def segment_context(data: CycleData, by: str | None = None, cycle: str | None = None,
                    min_n: int | None = None) -> pd.DataFrame:
    """Per segment: how it felt (the outcome item's mean, X) next to what happened (O) and the tech (T).

    ``by`` defaults to params' ``analysis.context_by``; the outcome is ``analysis.outcome``.
    Respondent counts and the outcome are hidden for small groups (the privacy boundary).
    """
    cycle = cycle or data.cycle
    by = by or data.params.analysis.context_by
    min_n = data.params.min_group_size if min_n is None else min_n
    outcome = data.params.analysis.outcome
    resp = data.of_cycle("responses", cycle)
    sources = {name: metric_source(data, name, cycle) for name in ("tickets", "telemetry")}
    groups = resp.groupby(by)
    felt = groups[outcome].mean() if outcome else pd.Series(np.nan, index=groups.size().index)
    rows = []
    for seg, n in groups.size().items():
        row = {by: seg, "respondents": int(n), outcome_label(data.params): felt[seg],
               "tickets": sources["tickets"].count((by, seg)) if by in sources["tickets"].columns else np.nan}
        for m in data.params.metrics.values():
            row[short_label(m)] = sources[m.source].metric(m, (by, seg), whole_if_absent=False)
        rows.append(row)
    frame = pd.DataFrame(rows)
    return suppress_rows(frame, "respondents", min_n, keep=(by,), hide=("respondents", outcome_label(data.params)))


def outcome_label(params) -> str:
    """Column header of the outcome item's mean: 'happiness (0-10)'."""
    item = params.items.get(params.analysis.outcome) if params.analysis.outcome else None
    if item is None:
        return "outcome"
    return f"{item.id} ({item.scale[0]}-{item.scale[1]})" if item.scale else item.id
