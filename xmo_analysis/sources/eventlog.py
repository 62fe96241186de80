"""Event logs to tickets: one row per state change becomes one row per ticket, by params.

Service-desk tools (ServiceNow, Jira, TOPdesk) export audit logs with a row per update of a
ticket; the tickets contract wants one row per ticket. ``sources.tickets.events`` says how::

    tickets:
      path: data/incident_event_log.csv
      format: csv
      date_format: "%d-%m-%Y %H:%M"      # the tool's own date format
      missing_values: ["?"]              # ServiceNow writes ? for "no value"
      events:
        ticket: number                   # the column every event of one ticket shares
        order: sys_mod_count             # orders a ticket's events: a number or a date (default: file order)
        take: {opened_at: first}         # per column: first, last (the default), min, max
        count_flags: {reopened: reopen_count}   # a new column: True when the largest count is above 0
        take: {reassignment_count: max}  # (with columns: reassignments: reassignment_count)
        wait:                            # time a ticket spent waiting (lean service management's waste)
          state: incident_state          # the column holding the ticket's state after each event
          states: [Awaiting User Info, Awaiting Vendor, Awaiting Problem, Awaiting Evidence]
          at: sys_updated_at             # when each event happened
          at_format: "%d-%m-%Y %H:%M"
          column: waiting_hours          # the new column (default waiting_hours)
      columns: {ticket_id: number, sla_met: made_sla, channel: contact_type, department: assignment_group}

``first`` and ``last`` are the first and last *known* values in event order (a missing value
never overwrites a known one, as pandas' ``GroupBy.first``/``last``); ``min``/``max`` read the
column as numbers. So with the params above a ticket is opened when its first event says,
resolved when its last known ``resolved_at`` says, has met its SLA when its last event's
``made_sla`` says, and was reopened when its ``reopen_count`` ever exceeded 0. The ticket's
``_row`` is the file row of its first event.

Waiting time (``wait``): each event's state holds from its ``at`` until the next event's ``at``
(events in ``order``); a ticket's waiting hours are the sum of those intervals whose state is one
of ``states``. The last event has no successor, so its state adds nothing (the log ends there).
A ticket with an unreadable ``at`` on an event next to a waiting interval is an error there.
"""
from __future__ import annotations

import pandas as pd

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.sources.readers.base import ROW

TAKES = ("first", "last", "min", "max")
_ORDER = "_event_order"


def collapse(events: pd.DataFrame, spec: dict, label: str) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """One row per ticket from an event log (module docstring); ``(tickets, problems, notes)``.

    Parameters
    ----------
    events : the log as read, ``_row`` and the file's columns (missing values already blank).
    spec : params ``events`` (``ticket``, ``order``, ``order_format``, ``take``, ``count_flags``).
    label : the source, for problems.
    """
    problems: list[Problem] = []
    if not isinstance(spec, dict) or not spec.get("ticket"):
        return events.iloc[:0], [Problem(file=label, column="events.ticket", rule="`events` needs `ticket`: the "
                                         "column that every event of one ticket shares")], []
    key, order = spec["ticket"], spec.get("order")
    take, flags = dict(spec.get("take") or {}), dict(spec.get("count_flags") or {})
    wanted = [("events.ticket", key)] + ([("events.order", order)] if order else [])
    wanted += [(f"events.take.{c}", c) for c in take] + [(f"events.count_flags.{k}", c) for k, c in flags.items()]
    for where, column in wanted:
        if column not in events:
            problems.append(Problem(file=label, column=where, rule=f"the event log has no column '{column}'"))
    problems += [Problem(file=label, column=f"events.take.{c}", value=how, rule=f"must be one of {list(TAKES)}")
                 for c, how in take.items() if how not in TAKES]
    if problems:
        return events.iloc[:0], problems, []
    keyless = events[key].isna()
    problems += [Problem(file=label, row=int(r), column=key, rule="an event without a ticket id")
                 for r in events.loc[keyless, ROW]]
    frame = events[~keyless.to_numpy()]
    if order:
        sortable, found = _order_values(frame, order, spec.get("order_format"), label)
        problems += found
        frame = frame.assign(**{_ORDER: sortable}).sort_values([key, _ORDER, ROW], kind="stable", na_position="first")
    else:
        frame = frame.sort_values([key, ROW], kind="stable")
    groups = frame.groupby(key, sort=False)
    out = pd.DataFrame({ROW: groups[ROW].min()})
    for column in frame.columns:
        if column in (ROW, _ORDER, key):
            continue
        how = take.get(column, "last")
        if how in ("first", "last"):
            out[column] = getattr(groups[column], how)()
        else:
            out[column] = getattr(pd.to_numeric(frame[column], errors="coerce").groupby(frame[key], sort=False), how)()
    if spec.get("wait"):
        hours, found = _waiting(frame, key, spec["wait"], label)
        problems += found
        if hours is not None:
            out[str(spec["wait"].get("column", "waiting_hours"))] = hours
    for new, column in flags.items():
        counts = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column].notna() & (counts.isna() | (counts < 0) | (counts != counts.round()))
        problems += [Problem(file=label, row=int(r), column=column, value=v, rule="a count must be a whole number 0 or more")
                     for r, v in zip(frame.loc[bad, ROW], frame.loc[bad, column])]
        top = counts.where(~bad).groupby(frame[key], sort=False).max()
        out[new] = (top > 0).astype("boolean").where(top.notna(), pd.NA)
    out = out.reset_index().sort_values(ROW, kind="stable").reset_index(drop=True)
    note = (f"{len(events):,} events of {len(out):,} tickets collapsed (events ordered by "
            f"{order or 'file order'}; {', '.join(f'{c}: {h}' for c, h in take.items()) or 'every column: last'}"
            f"{', other columns: last' if take else ''}"
            + "".join(f"; {n} = {c} above 0" for n, c in flags.items())
            + (f"; {spec['wait'].get('column', 'waiting_hours')} = hours in {', '.join(map(str, spec['wait'].get('states', [])))}"
               if spec.get("wait") else "") + ")")
    return out, problems, [note]


def _waiting(frame: pd.DataFrame, key: str, wait: dict, label: str):
    """Hours each ticket spent in the waiting states (module docstring); ``(series by ticket, problems)``.

    ``frame`` holds the events already in order within each ticket."""
    where = "events.wait"
    state, at, states = wait.get("state"), wait.get("at"), [str(s) for s in (wait.get("states") or [])]
    problems = [Problem(file=label, column=f"{where}.{k}", rule=f"`wait` needs `{k}`")
                for k, v in (("state", state), ("at", at), ("states", states)) if not v]
    problems += [Problem(file=label, column=f"{where}.{k}", value=c, rule=f"the event log has no column '{c}'")
                 for k, c in (("state", state), ("at", at)) if c and c not in frame]
    if problems:
        return None, problems
    when = pd.to_datetime(frame[at].astype("string").str.strip(), format=wait.get("at_format") or "ISO8601",
                          errors="coerce")
    nxt = when.groupby(frame[key], sort=False).shift(-1)
    waiting = frame[state].astype("string").str.strip().isin(states).fillna(False).to_numpy()
    span = (nxt - when).dt.total_seconds() / 3600
    bad = waiting & nxt.notna().to_numpy() & span.isna().to_numpy() | (waiting & (span < 0).fillna(False).to_numpy())
    problems += [Problem(file=label, row=int(r), column=at, value=v,
                         rule="a waiting interval needs readable, ordered event times "
                              f"({wait.get('at_format') or 'ISO 8601'}; set `events.wait.at_format`)")
                 for r, v in zip(frame.loc[bad, ROW], frame.loc[bad, at])]
    hours = span.where(waiting & ~bad, 0.0).fillna(0.0)
    return hours.groupby(frame[key], sort=False).sum(), problems


def _order_values(frame: pd.DataFrame, order: str, fmt: str | None, label: str):
    """The order column as numbers, else as date-times (``order_format``, default ISO 8601)."""
    values = frame[order]
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == values.notna().sum():
        return numbers, []
    when = pd.to_datetime(values.astype("string").str.strip(), format=fmt or "ISO8601", errors="coerce")
    bad = values.notna() & when.isna()
    return when, [Problem(file=label, row=int(r), column=order, value=v,
                          rule=f"cannot order events by this value: not a number, nor a date-time "
                               f"({fmt or 'ISO 8601'}; set `events.order_format`)")
                  for r, v in zip(frame.loc[bad, ROW], frame.loc[bad, order])]
