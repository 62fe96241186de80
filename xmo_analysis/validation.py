"""Validation of every data contract with pandera, all problems at once.

Each contract's schema is built from params (segments, instrument scales, XLA ids), validated
lazily, and every failure becomes a :class:`~xmo_analysis.exceptions.Problem` naming the file,
the row as a person finds it in the file, the column, the value and the rule.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .exceptions import Problem
from .params import Params

ROW = "_row"  # the source row number, added by the loaders
EXPERIENCE_TYPES = ["CX", "EX", "UX", "PX"]
BACKLOG_STATUSES = ["idea", "planned", "in progress", "released", "done", "cancelled"]
KANO = ["must-be", "performance", "attractive", "indifferent", "reverse"]


def _whole(lo: float, hi: float) -> pa.Check:
    return pa.Check(lambda s: s.isna() | ((s >= lo) & (s <= hi) & (s == s.round())),
                    element_wise=False, error=f"must be a whole number from {lo:g} to {hi:g}")


def _text(nullable: bool = False, **kw) -> pa.Column:
    return pa.Column(str, nullable=nullable, coerce=True, **kw)


def responses_schema(params: Params) -> pa.DataFrameSchema:
    cols: dict[str, pa.Column] = {
        "response_id": _text(unique=True),
        "respondent_id": _text(nullable=True, required=False),
        "cycle": _text(checks=pa.Check.isin(sorted(params.cycles), error="a cycle of params/cycles")),
        "submitted_at": pa.Column("datetime64[ns]", nullable=False, coerce=True),
        "comment": _text(nullable=True, required=False),
    }
    for seg in params.segments:
        checks = [pa.Check.isin(EXPERIENCE_TYPES, error="one of CX, EX, UX, PX")] if seg == "experience_type" else []
        checks.append(pa.Check(lambda s: s.str.strip().str.len() > 0, error="a non-empty segment name"))
        cols[seg] = _text(checks=checks)
    for item in params.scored_items:
        lo, hi = item.scale
        cols[item.id] = pa.Column(float, nullable=True, coerce=True, checks=_whole(lo, hi))
    return pa.DataFrameSchema(cols, name="responses", strict=False)


def tickets_schema(params: Params) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "ticket_id": _text(unique=True),
        "opened_at": pa.Column("datetime64[ns]", coerce=True),
        "resolved_at": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        "sla_met": pa.Column(bool, nullable=True, coerce=True),
        "reopened": pa.Column(bool, nullable=True, coerce=True),
        "channel": _text(), "department": _text(), "location": _text(),
    }, checks=[pa.Check(lambda d: d["resolved_at"].isna() | (d["resolved_at"] >= d["opened_at"]),
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
        "experience_type": _text(checks=pa.Check.isin(EXPERIENCE_TYPES, error="one of CX, EX, UX, PX")),
        "xla": _text(checks=pa.Check.isin(sorted(params.xlas), error="an XLA id of params/ambitions.yaml")),
        "owner": _text(nullable=True), "status": _text(checks=pa.Check.isin(BACKLOG_STATUSES, error=f"one of {BACKLOG_STATUSES}")),
        "created": pa.Column("datetime64[ns]", coerce=True, nullable=True),
        "released": pa.Column("datetime64[ns]", coerce=True, nullable=True),
        "reach": num(nonneg()), "impact": num(pos()),
        "confidence": num(pa.Check.in_range(0, 1, include_min=False, error="a confidence in (0, 1]")),
        "effort": num(pos()), "business_value": num(nonneg()), "time_criticality": num(nonneg()),
        "risk_reduction": num(nonneg()), "job_size": num(pos()),
        "kano": _text(checks=pa.Check.isin(KANO, error=f"one of {KANO}")),
    }, name="backlog")


SCHEMAS = {"responses": responses_schema, "tickets": tickets_schema, "telemetry": telemetry_schema,
           "population": population_schema, "backlog": backlog_schema}


def validate(contract: str, frame: pd.DataFrame, params: Params, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate one contract's frame; return the coerced frame and every problem found.

    The frame carries the source row numbers in ``_row``; problems cite them.
    """
    schema = SCHEMAS[contract](params)
    rows = frame[ROW] if ROW in frame else pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    frame, problems = _parse_dates(frame, schema, rows, file)
    try:
        return schema.validate(frame, lazy=True), problems
    except SchemaErrors as exc:
        return frame, problems + _problems(exc.failure_cases, rows, file)


def _parse_dates(frame: pd.DataFrame, schema, rows: pd.Series, file: str):
    """Read date-time text as ISO 8601, cell by cell, so that one odd cell is reported with its row
    instead of failing the whole column (pandas infers one format from the first value)."""
    problems: list[Problem] = []
    frame = frame.copy()
    for name, column in schema.columns.items():
        if name not in frame or "datetime" not in str(column.dtype) or pd.api.types.is_datetime64_any_dtype(frame[name]):
            continue
        raw = frame[name]
        text = raw.astype("string").str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        bad = text.notna() & (text != "") & parsed.isna()
        for idx in raw.index[bad.to_numpy()][:200]:
            problems.append(Problem(file=file, row=int(rows.loc[idx]), column=name, value=str(raw.loc[idx]),
                                    rule="must be an ISO 8601 date-time (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"))
        frame[name] = parsed
    return frame, problems


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
        if isinstance(value, (np.generic,)):
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        key = (row, column, rule, str(value))
        if key not in seen:
            seen.add(key)
            out.append(Problem(file=file, row=row, column=None if column in (None, "") else str(column),
                               value=value, rule=rule))
    out.sort(key=lambda p: (p.row is None, p.row or 0, p.column or ""))
    return out
