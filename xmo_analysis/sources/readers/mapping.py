"""From a source as read to a contract's frame: the params every format shares.

:func:`prepare` applies, in this order (each step counted in the :class:`LoadReport`):

1. row filters on the file's own columns: the tool's ``only_finished``, ``drop_preview`` and
   ``drop_test``; ``keep_rows`` / ``drop_rows`` (``{file column: [values]}``) for any format;
2. ``generate_id: true``: the contract's id from a hash of the row's content (stable across
   runs and params changes; a repeated row gets ``-2``, ``-3``);
3. ``missing_values`` given as a list (or under ``"*"``): cells meaning "no answer" in every
   column, before an event log is collapsed;
4. ``events``: an event log becomes one row per ticket (:mod:`xmo_analysis.sources.eventlog`);
5. ``columns``: contract column -> file column (an export's ``mapping`` and the tool's own id
   and date columns count too);
6. ``missing_values`` per contract column (``{q7: [0]}``: 0 means "not applicable" there);
7. ``required_answers``: ``all`` or a list of items; responses without them are incomplete;
8. ``blank_segment``: a label for blank segment values (``Unknown``), all segments or per column;
9. ``choices``: answer text -> value, per column or ``"*"`` for every scored item;
10. ``date_format``: one strftime format, or one per date column (default ISO 8601);
11. responses' ``cycle``: fixed by params (``cycle: 2026-Q4``), a column of the file, or from
    the date; ``outside_cycles`` says what a date outside every cycle is: ``error`` (default),
    ``drop`` (counted) or ``flag`` (dropped, and listed in the report).
"""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.core.memo import per_distinct
from xmo_analysis.sources.readers.base import ROW, LoadReport, Raw, Reader
from xmo_analysis.core.vocabulary import in_cycle

ID_COLUMNS = {"responses": "response_id", "tickets": "ticket_id", "backlog": "item_id"}
LEGACY_KEYS = ("response_id", "submitted_at", "respondent_id")  # an export's `mapping` names these directly
OUTSIDE = ("error", "drop", "flag")
GENERATED = "_content_id"


@dataclass
class Prepared:
    """The contract's frame and what the validation step needs to report problems once."""

    frame: pd.DataFrame
    report: LoadReport
    problems: list[Problem]
    columns: dict[str, str]                              # contract column -> file column
    skip: set[str] = field(default_factory=set)          # mapped columns the file lacks (reported)
    reported: set[tuple] = field(default_factory=set)    # (row, column) cells already reported
    dated: bool = True


def options(source: dict, label: str) -> tuple[dict, list[Problem]]:
    """A source's options with an export's ``mapping:`` block merged in (older params use it)."""
    opts = {k: v for k, v in source.items() if k != "mapping"}
    mapping = source.get("mapping") or {}
    problems: list[Problem] = []
    columns = dict(source.get("columns") or {})
    merged = {**{k: mapping[k] for k in LEGACY_KEYS if mapping.get(k)}, **(mapping.get("columns") or {})}
    for key, value in merged.items():
        if key in columns and columns[key] != value:
            problems.append(Problem(file=label, column=f"columns.{key}", rule="mapped twice, in `columns` and in "
                                    "`mapping`, to different columns"))
        columns[key] = value
    for key, value in mapping.items():
        if key in LEGACY_KEYS or key == "columns":
            continue
        if key in opts and opts[key] != value:
            problems.append(Problem(file=label, column=key, rule="set twice, on the source and in its `mapping`"))
        opts[key] = value
    opts["columns"] = columns
    return opts, problems


# YAML 1.1 reads an unquoted Yes, No, On, Off, True or False as a boolean: a choice or a missing
# value written that way in params means the word in the file, not Python's True or False.
YAML_WORDS = {True: ("true", "yes", "on"), False: ("false", "no", "off")}


def words(value) -> tuple[str, ...]:
    """The cell texts (case-folded) a params value stands for."""
    if isinstance(value, bool):
        return YAML_WORDS[value]
    return (str(value).strip().casefold(),)


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _matches(values: pd.Series, declared) -> pd.Series:
    """Cells equal to one of ``declared``: as text (any case), or as numbers (``0`` matches ``0.0``)."""
    declared = declared if isinstance(declared, (list, tuple, set)) else [declared]
    words_ = {w for v in declared for w in words(v)}
    hit = _text(values).str.casefold().isin(words_).fillna(False).astype(bool)
    numbers = [float(v) for v in declared if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers:
        hit |= pd.to_numeric(values, errors="coerce").isin(numbers)
    return hit


def content_id(frame: pd.DataFrame) -> pd.Series:
    """``H`` + 16 hex digits of the sha256 of a row's cells; repeats of a row get ``-2``, ``-3``..."""
    cells = frame.drop(columns=[ROW]).astype("string").fillna("")
    joined = cells.apply(lambda col: col.str.replace("\x1f", " ", regex=False)).agg("\x1f".join, axis=1)
    digest = joined.map(lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()[:16])
    repeat = digest.groupby(digest).cumcount()
    return "H" + digest + repeat.map(lambda n: "" if n == 0 else f"-{n + 1}")


def _filter(frame: pd.DataFrame, filters, report: LoadReport) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    for reason, hit in filters:
        hit = hit.reindex(frame.index).fillna(False).astype(bool) & keep
        report.remove(reason, int(hit.sum()))
        keep &= ~hit
    return frame[keep.to_numpy()]


def _value_filters(frame: pd.DataFrame, opts: dict, label: str, problems: list[Problem]):
    out = []
    for key, keep in (("keep_rows", True), ("drop_rows", False)):
        for column, values in (opts.get(key) or {}).items():
            if column not in frame:
                problems.append(_unknown(label, f"{key}.{column}", column, frame))
                continue
            hit = _matches(frame[column], values)
            shown = ", ".join(map(str, values if isinstance(values, list) else [values]))
            out.append((f"{column} not in [{shown}]" if keep else f"{column} in [{shown}]", ~hit if keep else hit))
    return out


def _unknown(label: str, where: str, column: str, frame: pd.DataFrame, contract: str | None = None) -> Problem:
    names = [str(c) for c in frame.columns if c not in (ROW, GENERATED)]
    near = difflib.get_close_matches(str(column), names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else \
        f"; the file's columns: {', '.join(repr(n) for n in names[:15])}{', ...' if len(names) > 15 else ''}"
    what = f"params map '{contract}' to" if contract else f"`{where}` names"
    return Problem(file=label, column=where if not contract else contract,
                   rule=f"{what} column '{column}', which the file does not have{hint}")


def prepare(contract: str, raw: Raw, reader: Reader, source: dict, params) -> Prepared:
    """Apply the shared params (module docstring) to one source; gather every problem."""
    from xmo_analysis.sources import eventlog
    from xmo_analysis.sources.validation import SCHEMAS
    label = raw.label
    opts, problems = options(source, label)
    report = LoadReport(contract, label, raw.tool, raw.layout, raw.encoding, raw.delimiter,
                        rows_read=len(raw.frame), notes=list(raw.notes))
    if raw.dropped:
        report.notes.append(f"identifying columns dropped on reading: {', '.join(raw.dropped)}")
    filters, found = reader.row_filters(raw, opts)
    problems += found
    frame = _filter(raw.frame, filters + _value_filters(raw.frame, opts, label, problems), report)
    columns = {**reader.defaults(raw), **opts["columns"]}
    if opts.get("generate_id"):
        idcol = ID_COLUMNS.get(contract)
        if idcol is None or idcol in opts["columns"] or opts.get("events"):
            why = (f"{contract} has no id column" if idcol is None else f"'{idcol}' is already mapped in `columns`"
                   if idcol in opts["columns"] else "an event log's ticket column is the id")
            problems.append(Problem(file=label, column="generate_id", rule=f"`generate_id` cannot apply: {why}"))
        else:
            frame = frame.assign(**{GENERATED: content_id(frame)})
            columns[idcol] = GENERATED
            repeats = int(frame[GENERATED].str.contains("-", regex=False).sum())
            report.generated.append(f"{idcol} generated from a hash of each row's content"
                                    + (f" ({repeats} rows repeat an earlier row exactly)" if repeats else ""))
    spec = opts.get("missing_values")
    everywhere = spec if isinstance(spec, list) else (spec or {}).get("*") if isinstance(spec, dict) else \
        [spec] if spec is not None else None
    file_missing: dict[str, int] = {}
    if everywhere is not None:
        frame = frame.copy()
        for col in frame.columns:
            if col in (ROW, GENERATED):
                continue
            hit = _matches(frame[col], everywhere)
            if hit.any():
                frame.loc[hit.to_numpy(), col] = np.nan
                file_missing[col] = int(hit.sum())
    if opts.get("events"):
        if contract != "tickets":
            problems.append(Problem(file=label, column="events", rule="`events` turns an event log into tickets; "
                                    "it is for sources.tickets only"))
        else:
            report.events_read = len(frame)
            frame, found, notes = eventlog.collapse(frame, opts["events"], label)
            problems += found
            report.notes += notes
            report.rows_read = len(frame)
    out, skip = _map(frame, columns, reader, label, problems)
    for contract_col in out.columns:  # a plain table's unmapped columns keep their own name
        file_col = columns.get(contract_col, contract_col)
        if file_missing.get(file_col):
            report.missing[contract_col] = file_missing[file_col]
    prepared = Prepared(out, report, problems, columns, skip)
    _missing_by_column(prepared, spec if isinstance(spec, dict) else {}, label)
    if opts.get("required_answers"):
        _required(prepared, opts["required_answers"], params, label)
    _blank_segments(prepared, opts.get("blank_segment"), contract, params, label)
    _choices(prepared, opts.get("choices") or {}, contract, params, label)
    dates = [n for n, c in SCHEMAS[contract](params).columns.items() if "datetime" in str(c.dtype)]
    _dates(prepared, dates, opts.get("date_format"), label)
    if contract == "responses":
        _cycles(prepared, opts, params, label)
    elif opts.get("cycle") is not None or opts.get("outside_cycles") is not None:
        problems.append(Problem(file=label, column="cycle", rule="`cycle` and `outside_cycles` are for responses; "
                                f"{contract} take their cycle from their dates"))
    prepared.report.rows_kept = len(prepared.frame)
    return prepared


def _map(frame: pd.DataFrame, columns: dict[str, str], reader: Reader, label: str, problems: list[Problem]):
    skip = set()
    for contract_col, file_col in columns.items():
        if file_col not in frame:
            problems.append(_unknown(label, "columns", file_col, frame, contract_col))
            skip.add(contract_col)
    used = {f for f in columns.values() if f in frame}
    out = pd.DataFrame({ROW: frame[ROW]})
    if reader.keep_unmapped:  # plain tables keep every column; a mapped name shadows a file column of that name
        for col in frame.columns:
            if col not in (ROW, GENERATED) and col not in used and col not in columns:
                out[col] = frame[col]
    for contract_col, file_col in columns.items():
        if file_col in frame:
            out[contract_col] = frame[file_col]
    return out, skip


def _missing_by_column(p: Prepared, spec: dict, label: str) -> None:
    for column, declared in spec.items():
        if column == "*":
            continue
        if column not in p.frame:
            if column not in p.skip:
                p.problems.append(_unknown(label, f"missing_values.{column}", column, p.frame))
            continue
        hit = _matches(p.frame[column], declared)
        if hit.any():
            p.frame.loc[hit.to_numpy(), column] = np.nan
        p.report.missing[column] = p.report.missing.get(column, 0) + int(hit.sum())


def _blank_segments(p: Prepared, spec, contract: str, params, label: str) -> None:
    if spec is None:
        return
    segments = list(params.segments)
    if contract == "tickets":  # any descriptive column of a ticket may be a segment the tool knows
        core = {"ticket_id", "opened_at", "resolved_at", "sla_met", "reopened", "requester_id", "cycle"}
        segments += [c for c in p.frame.columns if c not in core and c not in segments and not str(c).startswith("_")
                     and (pd.api.types.is_object_dtype(p.frame[c]) or pd.api.types.is_string_dtype(p.frame[c]))]
    elif contract not in ("responses", "telemetry"):
        segments = []
    wanted = {s: spec for s in segments if s in p.frame} if isinstance(spec, str) else dict(spec)
    for column, text in wanted.items():
        if column not in p.frame:
            if column not in p.skip:
                p.problems.append(_unknown(label, f"blank_segment.{column}", column, p.frame))
            continue
        values = p.frame[column]
        blank = values.isna() | (_text(values) == "").fillna(False)
        p.frame[column] = values.astype(object).where(~blank.to_numpy(), str(text))
        p.report.filled[column] = int(blank.sum())


def _required(p: Prepared, spec, params, label: str) -> None:
    items = [i.id for i in params.scored_items if i.id in p.frame] if spec == "all" else list(spec)
    unknown = [c for c in items if c not in p.frame and c not in p.skip]
    p.problems += [_unknown(label, f"required_answers.{c}", c, p.frame) for c in unknown]
    present = [c for c in items if c in p.frame]
    if present:
        incomplete = p.frame[present].isna().any(axis=1)
        p.report.remove(f"incomplete responses (an answer of {', '.join(present)} is missing)", int(incomplete.sum()))
        p.frame = p.frame[~incomplete.to_numpy()]


def _choices(p: Prepared, choices: dict, contract: str, params, label: str) -> None:
    lower = {col: {w: v for k, v in (table or {}).items() for w in words(k)} for col, table in choices.items()}
    scored = {i.id for i in params.scored_items} if contract == "responses" else set()
    for column in choices:
        if column != "*" and column not in p.frame and column not in p.skip:
            p.problems.append(_unknown(label, f"choices.{column}", column, p.frame))
    for column in [c for c in p.frame.columns if c in scored or c in lower and c != "*"]:
        table = {**(lower.get("*", {}) if column in scored else {}), **lower.get(column, {})}
        values = p.frame[column]
        if column not in scored:
            mapped = per_distinct(values, lambda u: _text(u).str.casefold().map(table))
            p.frame[column] = values.astype(object).where(mapped.isna().to_numpy(), mapped.astype(object))
            continue

        def convert(u: pd.Series, table=table) -> pd.DataFrame:  # the distinct answers of the column
            text = _text(u)
            number = pd.to_numeric(text, errors="coerce")
            result = number.fillna(pd.to_numeric(text.str.casefold().map(table), errors="coerce"))
            if not table:  # "10 - Extremely likely": the number a tool puts before its label
                result = result.fillna(pd.to_numeric(text.str.extract(r"^(\d+)\b", expand=False), errors="coerce"))
            bad = (text.notna() & (text != "") & result.isna()).fillna(False).astype(bool)
            return pd.DataFrame({"result": result.astype(float), "bad": bad}, index=u.index)
        # a million answers hold a handful of distinct ones: each is read once
        got = per_distinct(values, convert)
        result, bad = got["result"], got["bad"].fillna(False).astype(bool)
        for idx in p.frame.index[bad.to_numpy()]:
            p.problems.append(Problem(file=label, row=int(p.frame.at[idx, ROW]), column=column,
                                      value=str(values.loc[idx]), rule=f"answer is neither a number nor one of "
                                      f"params' choices for '{column}' (add it to `choices`, or to `missing_values`"
                                      " if it means no answer)"))
        p.frame[column] = result.astype(float)


def _dates(p: Prepared, dates: list[str], spec, label: str) -> None:
    if isinstance(spec, dict):
        for column in spec:
            if column not in dates:
                p.problems.append(Problem(file=label, column=f"date_format.{column}",
                                          rule=f"not a date column of this contract ({', '.join(dates)})"))
    for column in [d for d in dates if d in p.frame]:
        values = p.frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        fmt = (spec.get(column) if isinstance(spec, dict) else spec) or "ISO8601"
        stamp = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"))
        text = _text(values.where(~stamp.to_numpy(), None))
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        except ValueError as exc:
            p.problems.append(Problem(file=label, column="date_format", value=fmt, rule=f"not a date format: {exc}"))
            continue
        if stamp.any():  # workbook cells that are dates already
            parsed = parsed.where(~stamp.to_numpy(), pd.to_datetime(values.where(stamp.to_numpy(), None)))
        bad = (text.notna() & (text != "") & parsed.isna()).fillna(False).astype(bool)
        hint = f"does not match `date_format` {fmt!r}" if fmt != "ISO8601" else \
            "is not an ISO 8601 date-time (YYYY-MM-DD HH:MM:SS); set `date_format` for this source"
        for idx in p.frame.index[bad.to_numpy()]:
            row = int(p.frame.at[idx, ROW])
            p.problems.append(Problem(file=label, row=row, column=column, value=str(values.loc[idx]), rule=hint))
            p.reported.add((row, column))
        p.frame[column] = parsed.astype("datetime64[ns]")


def _cycles(p: Prepared, opts: dict, params, label: str) -> None:
    defined = ", ".join(f"{c.id} ({c.start} to {c.end})" for c in sorted(params.cycles.values(), key=lambda c: c.start))
    fixed = opts.get("cycle")
    policy = opts.get("outside_cycles", "error")
    if policy not in OUTSIDE:
        p.problems.append(Problem(file=label, column="outside_cycles", value=policy, rule=f"must be one of {list(OUTSIDE)}"))
        policy = "error"
    if fixed is not None:
        if str(fixed) not in params.cycles:
            p.problems.append(Problem(file=label, column="cycle", value=fixed,
                                      rule=f"`cycle` is not defined in params/cycles (defined: {defined or 'none'})"))
        if "cycle" in p.frame and "cycle" in p.columns:
            p.problems.append(Problem(file=label, column="cycle", rule="the source maps a cycle column and sets a "
                                      "fixed `cycle`; keep one"))
        p.frame["cycle"] = str(fixed)
        p.dated = "submitted_at" in p.frame or "submitted_at" in p.skip
        p.report.generated.append(f"cycle fixed to {fixed} by params")
        return
    if "submitted_at" in p.skip:
        p.skip.add("cycle")  # the unmapped date column is reported; a missing cycle would say it again
    if "cycle" not in p.frame and "submitted_at" not in p.frame and "submitted_at" not in p.skip:
        p.problems.append(Problem(file=label, column="submitted_at", rule="responses need a date or a cycle: map "
                                  "`submitted_at` in `columns`, or give the source a fixed `cycle: <id>`"))
        p.skip.update({"submitted_at", "cycle"})
    if "cycle" in p.frame or "submitted_at" not in p.frame:
        return
    when = p.frame["submitted_at"]
    cycle = pd.Series(pd.NA, index=p.frame.index, dtype="object")
    for c in params.cycles.values():
        cycle[in_cycle(when, c.start, c.end).fillna(False).to_numpy()] = c.id
    outside = (cycle.isna() & when.notna()).to_numpy()
    p.frame["cycle"] = cycle
    if not outside.any():
        return
    found = when[outside]
    span = f"dated {found.min():%Y-%m-%d} to {found.max():%Y-%m-%d}"
    if policy == "error":
        rule = (f"dated outside every cycle of params/cycles (the rows outside are {span}; cycles defined: "
                f"{defined or 'none'}): add a cycle file, set `cycle:` on the source, or `outside_cycles: drop`")
        for idx in p.frame.index[outside]:
            row = int(p.frame.at[idx, ROW])
            p.problems.append(Problem(file=label, row=row, column="submitted_at", value=str(when.loc[idx]), rule=rule))
            p.reported.add((row, "cycle"))
        return
    p.report.remove(f"outside every cycle ({span})", int(outside.sum()))
    if policy == "flag":
        rows = p.frame.loc[outside, ROW].astype(int).tolist()
        p.report.flagged.append(f"{len(rows)} rows {span} fall outside every cycle: rows "
                                + ", ".join(map(str, rows[:20])) + (", ..." if len(rows) > 20 else ""))
    p.frame = p.frame[~outside]
