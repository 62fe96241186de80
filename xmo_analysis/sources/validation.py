"""Validation of every data contract with pandera, all problems at once.

Each contract's schema is built from params (segments, instrument scales, XLA ids), validated
lazily, and every failure becomes a :class:`SourceProblem` naming the file, the row as a person
finds it in the file, the contract's column and the file's own column, the value and the rule.
:class:`DataError` carries them all and prints a rule broken on many rows as one line with its
count and first rows, so that one kind of error never hides the others.

Yes/no columns (``sla_met``, ``reopened``) are read by :func:`parse_flags`, never by Python's
truthiness: ``"FALSE"`` and ``"0"`` are non-empty strings, and ``bool("FALSE")`` is True.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from xmo_analysis.core.exceptions import InputError, Problem
from xmo_analysis.core.params import Params
from xmo_analysis.core.vocabulary import EXPERIENCE_TYPE, EXPERIENCE_TYPES

ROW = "_row"  # the source row number, added by the loaders
BACKLOG_STATUSES = ["idea", "planned", "in progress", "released", "done", "cancelled"]
KANO = ["must-be", "performance", "attractive", "indifferent", "reverse"]


def _whole(lo: float, hi: float) -> pa.Check:
    return pa.Check(lambda s: s.isna() | ((s >= lo) & (s <= hi) & (s == s.round())),
                    element_wise=False, error=f"must be a whole number from {lo:g} to {hi:g}")


def _text(nullable: bool = False, **kw) -> pa.Column:
    return pa.Column(str, nullable=nullable, coerce=True, **kw)


def responses_schema(params: Params, dated: bool = True) -> pa.DataFrameSchema:
    """``dated=False``: a source with a fixed ``cycle`` and no date column (``submitted_at`` optional).

    The cycle column is checked by :func:`validate` itself, to show the dates found and the
    cycles defined."""
    cols: dict[str, pa.Column] = {
        "response_id": _text(unique=True),
        "respondent_id": _text(nullable=True, required=False),
        "cycle": _text(),
        "submitted_at": pa.Column("datetime64[ns]", nullable=not dated, required=dated, coerce=True),
        "comment": _text(nullable=True, required=False),
    }
    allowed = params.segment_values
    for seg in params.segments:
        levels = allowed.get(seg)
        checks = [pa.Check.isin(levels, error=f"one of {', '.join(map(str, levels))}")] if levels else []
        checks.append(pa.Check(lambda s: s.str.strip().str.len() > 0, error="a non-empty segment name"))
        cols[seg] = _text(checks=checks)
    for item in params.scored_items:
        lo, hi = item.scale
        cols[item.id] = pa.Column(float, nullable=True, coerce=True, checks=_whole(lo, hi))
    for item in params.hours_items:  # a bucketed time question: one of its answer codes
        codes = sorted(item.hour_map)
        cols[item.id] = pa.Column(float, nullable=True, coerce=True, required=False, checks=pa.Check.isin(
            [float(c) for c in codes], error=f"one of the answer codes {', '.join(map(str, codes))} "
                                             f"(hours: in params/instrument.yaml)"))
    return pa.DataFrameSchema(cols, name="responses", strict=False)


def tickets_schema(params: Params) -> pa.DataFrameSchema:
    # Segment columns are optional on tickets: an O indicator is cut by a segment only when the
    # ticketing tool knows it (otherwise the organisation's value is used, or it is unknown).
    segments = {seg: _text(nullable=True, required=False) for seg in params.segments}
    return pa.DataFrameSchema({
        **segments,
        "ticket_id": _text(unique=True),
        "opened_at": pa.Column("datetime64[ns]", coerce=True),
        "resolved_at": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        # pandas' nullable boolean: a blank stays missing instead of becoming True or False
        "sla_met": pa.Column("boolean", nullable=True, coerce=True),
        "reopened": pa.Column("boolean", nullable=True, coerce=True),
        # optional: was the ticket resolved at the first contact (the channel assessment's FCR)
        "first_contact_resolved": pa.Column("boolean", nullable=True, coerce=True, required=False),
        # waste (lean service management): optional, counted or timed by the ticketing tool or
        # from its event log (sources.eventlog: take max of a reassignment count, wait)
        "reassignments": pa.Column(float, nullable=True, coerce=True, required=False,
                                   checks=pa.Check.ge(0, error="a count of reassignments must not be negative")),
        "waiting_hours": pa.Column(float, nullable=True, coerce=True, required=False,
                                   checks=pa.Check.ge(0, error="hours waiting must not be negative")),
    }, checks=[pa.Check(lambda d: d["resolved_at"].isna() | d["opened_at"].isna() | (d["resolved_at"] >= d["opened_at"]),
                        error="resolved_at must not be before opened_at")],
        name="tickets")


def telemetry_schema(params: Params) -> pa.DataFrameSchema:
    cols = {"date": pa.Column("datetime64[ns]", coerce=True), "device_id": _text()}
    for m in params.metrics.values():
        if m.source == "telemetry":
            cols[m.column] = pa.Column(float, nullable=True, coerce=True,
                                       checks=pa.Check.ge(0, error="a metric value must not be negative"))
    return pa.DataFrameSchema(cols, name="telemetry")


def population_schema(params: Params) -> pa.DataFrameSchema:
    cols = {seg: _text() for seg in params.population_segments}
    cols["headcount"] = pa.Column(int, coerce=True, checks=pa.Check.gt(0, error="a headcount must be positive"))
    return pa.DataFrameSchema(cols, name="population", unique=params.population_segments or None)


def backlog_schema(params: Params) -> pa.DataFrameSchema:
    pos = lambda: pa.Check.gt(0, error="must be greater than 0")  # noqa: E731
    nonneg = lambda: pa.Check.ge(0, error="must not be negative")  # noqa: E731
    num = lambda *checks, nullable=False: pa.Column(float, coerce=True, nullable=nullable, checks=list(checks))  # noqa: E731
    return pa.DataFrameSchema({
        "item_id": _text(unique=True), "title": _text(),
        EXPERIENCE_TYPE: _text(checks=pa.Check.isin(list(EXPERIENCE_TYPES),
                                                      error=f"one of {', '.join(EXPERIENCE_TYPES)}")),
        "xla": _text(checks=pa.Check.isin(sorted(params.xlas), error="an XLA id of params/ambitions.yaml")),
        "owner": _text(nullable=True), "status": _text(checks=pa.Check.isin(BACKLOG_STATUSES, error=f"one of {BACKLOG_STATUSES}")),
        "created": pa.Column("datetime64[ns]", coerce=True, nullable=True),
        "released": pa.Column("datetime64[ns]", coerce=True, nullable=True),
        "reach": num(nonneg()), "impact": num(pos()),
        "confidence": num(pa.Check.in_range(0, 1, include_min=False, error="a confidence in (0, 1]")),
        "effort": num(pos()), "business_value": num(nonneg()), "time_criticality": num(nonneg()),
        "risk_reduction": num(nonneg()), "job_size": num(pos()),
        "kano": _text(checks=pa.Check.isin(KANO, error=f"one of {KANO}")),
        # optional: what one person reached gains, in hours or money (the hourly cost's unit)
        "value_per_reach": pa.Column(float, coerce=True, nullable=True, required=False, checks=[nonneg()]),
        "value_unit": _text(nullable=True, required=False,
                            checks=pa.Check.isin(list(VALUE_UNITS), error=f"one of {', '.join(VALUE_UNITS)}")),
    }, name="backlog")


SHARE_UNITS = ("share", "rate", "proportion")
VALUE_UNITS = ("hours", "money")


def outcomes_schema(params: Params) -> pa.DataFrameSchema:
    """Business outcomes per segment and cycle: ``cycle``, at most one segment column filled per
    row (all blank: the whole organisation), and one column per outcome of metrics.yaml
    (``outcomes:``), missing allowed, never negative; a share (unit share/rate/proportion) in [0, 1].
    Rows that name two segments or repeat a cycle and group are reported by :func:`validate`."""
    cycles = sorted(params.cycles)
    cols: dict[str, pa.Column] = {
        "cycle": _text(checks=pa.Check.isin(cycles, error=f"a cycle of params/cycles ({', '.join(cycles)})")),
        **{seg: _text(nullable=True, required=False) for seg in params.segments},
    }
    for o in params.outcomes.values():
        checks = [pa.Check.ge(0, error="an outcome must not be negative")]
        if o.unit.strip().lower() in SHARE_UNITS:
            checks.append(pa.Check.le(1, error=f"a {o.unit} is a number from 0 to 1"))
        cols[o.column] = pa.Column(float, nullable=True, coerce=True, checks=checks)
    return pa.DataFrameSchema(cols, name="outcomes")


SCHEMAS = {"responses": responses_schema, "tickets": tickets_schema, "telemetry": telemetry_schema,
           "population": population_schema, "backlog": backlog_schema, "outcomes": outcomes_schema}


def empty(contract: str, params: Params) -> pd.DataFrame:
    """The contract's table with no rows, every column typed as validation would give it.

    What an absent optional source reads as: every consumer sees the columns it expects.
    """
    schema = SCHEMAS[contract](params)
    kinds = {"datetime64[ns]": "datetime64[ns]", "boolean": "boolean", "float64": "float64", "int64": "int64"}
    frame = pd.DataFrame({name: pd.Series([], dtype=kinds.get(str(col.dtype), "object"))
                          for name, col in schema.columns.items()})
    frame[ROW] = pd.Series([], dtype="int64")
    return frame

# Every common spelling of yes and no, compared case-insensitively after trimming. A count such
# as 2 is not among them: a count is never read as a flag.
FLAG_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FLAG_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})
FLAG_RULE = "must be a yes/no flag: TRUE/FALSE, yes/no, Y/N, 1/0 or t/f (a count is not a flag)"


def _flag(value) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True if value == 1 else False if value == 0 else None
    text = str(value).strip().lower()
    if not text:
        return pd.NA
    return True if text in FLAG_TRUE else False if text in FLAG_FALSE else None


def parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read a yes/no column: ``(flags, bad)``.

    Parameters
    ----------
    values : text (any spelling in :data:`FLAG_TRUE` / :data:`FLAG_FALSE`, any case), numbers
        (1 and 0 only), booleans, or a mix of them (an Excel column).

    Returns
    -------
    flags : pandas' nullable ``boolean``; blanks are missing (``<NA>``).
    bad : True where a value is none of these (``"2"``, ``"maybe"``); those flags are missing.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values):
        flags = pd.Series(pd.NA, index=values.index, dtype="boolean")
        flags[values == 1] = True
        flags[values == 0] = False
        return flags, values.notna() & ~values.isin([0, 1])
    parsed = values.astype(object).map(_flag)
    bad = parsed.map(lambda v: v is None).astype(bool)
    return parsed.where(~bad, pd.NA).astype("boolean"), bad


@dataclass(frozen=True)
class SourceProblem(Problem):
    """A :class:`Problem` that also names the file's own column when params map it to another."""

    file_column: str | None = None

    def where(self) -> str:
        """File, row, contract column and file column, as the message starts."""
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
            if self.file_column and self.file_column != self.column:
                where += f" (file column '{self.file_column}')"
        return where

    def __str__(self) -> str:
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{self.where()}: {self.rule}{value}"


GROUP_AT = 5     # a rule broken on more rows than this prints as one line with its count
EXAMPLES = 5     # rows shown for such a rule


class DataError(InputError):
    """Every problem of every source, printed grouped by file, column and rule."""

    def render(self, limit: int | None = None) -> str:
        groups: dict[tuple, list[Problem]] = {}
        for p in self.problems:
            key = (p.file, p.column, getattr(p, "file_column", None), p.rule)
            groups.setdefault(key, []).append(p)
        lines = [self.title + ":"]
        rules = Counter(p.rule for p in self.problems)
        if len(rules) > 1 and len(self.problems) > GROUP_AT:
            kinds = rules.most_common()
            lines.append("  by rule: " + "; ".join(f"{n:,} x {rule}" for rule, n in kinds[:8])
                         + (f"; and {len(kinds) - 8} more rules" if len(kinds) > 8 else ""))
        for members in groups.values():
            if len(members) <= GROUP_AT:
                lines += [f"  - {p}" for p in members]
                continue
            first = members[0]
            where = SourceProblem(first.file, first.rule, None, first.column, None,
                                  getattr(first, "file_column", None)).where()
            shown = ", ".join(f"row {p.row}" + ("" if p.value is None else f" {p.value!r}")
                              for p in members[:EXAMPLES])
            lines.append(f"  - {where}: {first.rule} -- {len(members):,} rows (first: {shown})")
        if limit is not None and len(lines) > limit + 2:
            lines = lines[:limit + 2] + [f"  ... and {len(lines) - limit - 2} more lines"]
        return "\n".join(lines)


def validate(contract: str, frame: pd.DataFrame, params: Params, file: str, *,
             columns: dict[str, str] | None = None, skip: set[str] | frozenset = frozenset(),
             reported: set[tuple] | frozenset = frozenset(), dated: bool = True) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate one contract's frame; return the coerced frame and every problem found.

    Parameters
    ----------
    frame : the contract's columns and ``_row`` (the source row numbers problems cite).
    columns : contract column -> the file's column, to name both in problems.
    skip : contract columns already reported missing (by the mapping step): not reported again.
    reported : ``(row, column)`` cells already reported (e.g. an unreadable date): a "value is
        required" on the same cell would say the same thing twice.
    dated : responses only; False when the source has a fixed cycle and no dates.
    """
    schema = responses_schema(params, dated) if contract == "responses" else SCHEMAS[contract](params)
    if skip:
        schema = schema.remove_columns([c for c in skip if c in schema.columns])
    columns = columns or {}
    rows = frame[ROW] if ROW in frame else pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    frame, problems = _parse_dates(frame, schema, rows, file)
    frame, flag_problems = _parse_flag_columns(frame, schema, rows, file)
    problems += flag_problems
    if contract == "responses" and "cycle" in frame:
        problems += _check_cycles(frame, params, rows, file)
    if contract == "outcomes":
        problems += _check_outcome_rows(frame, params, rows, file)
    try:
        out = schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        out = frame
        problems += _problems(exc.failure_cases, rows, file)
    problems = [p for p in problems if not (p.rule == "a value is required" and (p.row, p.column) in reported)]
    return out, [_named(p, columns) for p in problems]


def _named(p: Problem, columns: dict[str, str]) -> Problem:
    if isinstance(p, SourceProblem) or p.column is None:
        return p
    return SourceProblem(p.file, p.rule, p.row, p.column, p.value, columns.get(p.column))


def _parse_flag_columns(frame: pd.DataFrame, schema, rows: pd.Series, file: str):
    problems: list[Problem] = []
    for name, column in schema.columns.items():
        if name not in frame or str(column.dtype) not in ("boolean", "bool"):
            continue
        flags, bad = parse_flags(frame[name])
        for idx in frame.index[bad.to_numpy()]:
            problems.append(Problem(file=file, row=int(rows.loc[idx]), column=name, value=_plain(frame.at[idx, name]),
                                    rule=FLAG_RULE))
        frame[name] = flags
    return frame, problems


def _check_cycles(frame: pd.DataFrame, params: Params, rows: pd.Series, file: str) -> list[Problem]:
    """A cycle that params do not define: one problem per row, the rule naming the dates of those
    rows and every cycle defined (what to add, or what to fix)."""
    cycle = frame["cycle"].astype("string")
    unknown = cycle.notna() & ~cycle.isin(list(params.cycles))
    defined = ", ".join(f"{c.id} ({c.start} to {c.end})" for c in sorted(params.cycles.values(), key=lambda c: c.start))
    out: list[Problem] = []
    for value in sorted(set(cycle[unknown])):
        hit = unknown & (cycle == value)
        dates = ""
        if "submitted_at" in frame and pd.api.types.is_datetime64_any_dtype(frame["submitted_at"]):
            when = frame.loc[hit, "submitted_at"].dropna()
            if len(when):
                dates = f"; these rows are dated {when.min():%Y-%m-%d} to {when.max():%Y-%m-%d}"
        rule = f"cycle '{value}' is not defined in params/cycles{dates} (defined: {defined or 'none'})"
        out += [Problem(file=file, row=int(rows.loc[i]), column="cycle", value=value, rule=rule)
                for i in frame.index[hit.to_numpy()]]
    return out


def _check_outcome_rows(frame: pd.DataFrame, params: Params, rows: pd.Series, file: str) -> list[Problem]:
    """Each outcomes row is one group in one cycle: at most one segment column filled, and no
    cycle and group twice."""
    segs = [s for s in params.segments if s in frame]
    filled = pd.DataFrame({s: frame[s].notna() & (frame[s].astype("string").str.strip() != "") for s in segs},
                          index=frame.index)
    out: list[Problem] = []
    seen: dict[tuple, int] = {}
    for idx in frame.index:
        named = [s for s in segs if bool(filled.at[idx, s])]
        row = int(rows.loc[idx])
        if len(named) > 1:
            out.append(Problem(file=file, row=row, column=named[1], value=_plain(frame.at[idx, named[1]]),
                               rule=f"a row gives one group: at most one segment column filled (this row also names "
                                    f"{named[0]}); leave all blank for the whole organisation"))
            continue
        key = (str(frame.at[idx, "cycle"]) if "cycle" in frame else None, named[0] if named else "",
               str(frame.at[idx, named[0]]).strip() if named else "")
        if key in seen:
            out.append(Problem(file=file, row=row, column=named[0] if named else "cycle",
                               value=key[2] or key[0],
                               rule=f"each cycle and group appears once (duplicate of row {seen[key]})"))
        else:
            seen[key] = row
    return out


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def _parse_dates(frame: pd.DataFrame, schema, rows: pd.Series, file: str):
    """Read date-time text as ISO 8601, cell by cell, so that one odd cell is reported with its row
    instead of failing the whole column (pandas infers one format from the first value). Sources
    with ``date_format`` are parsed before this, by the mapping step."""
    problems: list[Problem] = []
    frame = frame.copy()
    for name, column in schema.columns.items():
        if name not in frame or "datetime" not in str(column.dtype) or pd.api.types.is_datetime64_any_dtype(frame[name]):
            continue
        raw = frame[name]
        text = raw.astype("string").str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        bad = text.notna() & (text != "") & parsed.isna()
        for idx in raw.index[bad.to_numpy()]:
            problems.append(Problem(file=file, row=int(rows.loc[idx]), column=name, value=str(raw.loc[idx]),
                                    rule="must be an ISO 8601 date-time (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS); "
                                         "set `date_format` for this source when the file has another format"))
        frame[name] = parsed
    return frame, problems


FRAME_CHECKS = {"column_in_dataframe", "multiple_fields_uniqueness", "column_in_schema"}


def name_columns(problems: list[Problem], columns: dict[str, str]) -> list[Problem]:
    """Every problem as a :class:`SourceProblem` naming the file's column beside the contract's."""
    return [_named(p, columns) for p in problems]


def _problems(cases: pd.DataFrame, rows: pd.Series, file: str) -> list[Problem]:
    out: list[Problem] = []
    seen: set = set()
    for rec in cases.to_dict("records"):
        column, check, value, index = rec.get("column"), str(rec.get("check")), rec.get("failure_case"), rec.get("index")
        if column == "_row":
            continue
        row = None
        if index is not None and not (isinstance(index, float) and np.isnan(index)) and index in rows.index:
            row = int(rows.loc[index])
        if rec.get("schema_context") == "DataFrameSchema" and check not in FRAME_CHECKS:
            # a rule across columns (resolved_at >= opened_at): pandera lists every column of the
            # row; the rule names its columns, one problem per row says it once
            column, value = None, None
        if check == "column_in_dataframe":
            rule, column, value = f"required column '{value}' is missing", value, None
        elif check.startswith("coerce_dtype"):
            rule = f"cannot be read as {check[len('coerce_dtype'):].strip('()')}"
        elif check.startswith("dtype("):
            if any(k[0] == row and k[1] == column for k in seen):
                continue  # the coercion failure is already reported for this cell
            rule = f"wrong type: expected {check[6:-1]}"
        elif check == "not_nullable":
            rule, value = "a value is required", None
        elif check == "field_uniqueness":
            rule = "must be unique (duplicate)"
        elif check == "multiple_fields_uniqueness":
            rule, column = "each combination must appear once (duplicate)", None
        else:
            rule = check
        value = _plain(value)
        key = (row, column, rule, str(value))
        if key not in seen:
            seen.add(key)
            out.append(Problem(file=file, row=row, column=None if column in (None, "") else str(column),
                               value=value, rule=rule))
    out.sort(key=lambda p: (p.row is None, p.row or 0, p.column or ""))
    return out
