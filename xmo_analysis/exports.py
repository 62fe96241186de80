"""Survey-tool exports (Qualtrics, SurveyMonkey, LimeSurvey) read into the responses contract.

Each reader parses the tool's own layout (its header rows, metadata columns and answer coding),
drops identifying columns (IP address, names, e-mails, locations) before anything else sees
them, maps the export's columns to contract columns through params, turns choice text into
values, and returns the tidy responses frame with ``_row`` (the row number in the file) for
validation. Params (``sources.responses`` in ``params/xmo.yaml``)::

    format: qualtrics            # or surveymonkey, limesurvey
    path: data/survey/export.csv
    mapping:
      response_id: ResponseId    # contract column: export column (as the reader names it)
      submitted_at: RecordedDate
      respondent_id: ExternalReference
      columns: {happiness: Q1, csat: Q2, sup_1: Q4_1, department: Q10, comment: Q20}
      choices:                   # choice text -> value, per contract column ("*": every item)
        csat: {Very dissatisfied: 1, Dissatisfied: 2, Neutral: 3, Satisfied: 4, Very satisfied: 5}
      only_finished: true        # Qualtrics: keep Finished = 1 only
      date_format: "%m/%d/%Y %I:%M:%S %p"   # when the export's dates are not ISO 8601

SurveyMonkey columns are named ``Question`` or ``Question | Sub-label`` (its two header rows
joined); LimeSurvey columns by their question code (``Q4[SQ001]``), whether the export has code
headings or "code. text" headings.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import InputError, Problem
from .privacy import redact_series
from .validation import ROW

IDENTIFYING = {
    "qualtrics": {"IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "LocationLatitude",
                  "LocationLongitude", "IP Address"},
    "surveymonkey": {"IP Address", "Email Address", "First Name", "Last Name"},
    "limesurvey": {"ipaddr", "email", "firstname", "lastname", "token", "refurl"},
}


def _text(path: Path) -> str:
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = raw.decode(encoding)
            if "\x00" not in text:
                return text
        except UnicodeDecodeError:
            continue
    raise InputError(Problem(file=str(path), rule="is neither UTF-8 nor UTF-16 text"))


def _rows(path: Path) -> list[list[str]]:
    text = _text(path)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _frame(header: list[str], rows: list[list[str]], first_row: int, tool: str) -> pd.DataFrame:
    width = len(header)
    body = [r + [""] * (width - len(r)) if len(r) < width else r[:width] for r in rows if any(c.strip() for c in r)]
    numbers = [first_row + i for i, r in enumerate(rows) if any(c.strip() for c in r)]
    frame = pd.DataFrame(body, columns=_unique(header), dtype=object).replace({"": np.nan})
    frame = frame.drop(columns=[c for c in frame.columns if c in IDENTIFYING[tool]])
    frame.insert(0, ROW, numbers)
    return frame


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name.strip()
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 0
        out.append(name)
    return out


def parse_qualtrics(path: str | Path) -> pd.DataFrame:
    """A Qualtrics CSV/TSV export as a frame named by its short column names (row 1).

    Row 2 (question text) and row 3 (``{"ImportId": ...}``) are skipped when present.
    """
    rows = _rows(Path(path))
    if not rows:
        raise InputError(Problem(file=str(path), rule="is empty"))
    header, body, first = rows[0], rows[1:], 2
    if body and not _looks_like_data(body[0], header):  # question text row
        body, first = body[1:], first + 1
    if body and body[0] and body[0][0].lstrip().startswith('{"ImportId"'):
        body, first = body[1:], first + 1
    return _frame(header, body, first, "qualtrics")


def _looks_like_data(row: list[str], header: list[str]) -> bool:
    if "ResponseId" in header:
        value = row[header.index("ResponseId")] if header.index("ResponseId") < len(row) else ""
        return value.startswith("R_")
    return True


def parse_surveymonkey(path: str | Path) -> pd.DataFrame:
    """A SurveyMonkey export: two header rows joined as ``Question`` or ``Question | Sub-label``.

    Question titles span their answer columns with blank continuation cells; sub-labels
    "Response" and "Open-Ended Response" name the question's single column.
    """
    rows = _rows(Path(path))
    if len(rows) < 2:
        raise InputError(Problem(file=str(path), rule="needs SurveyMonkey's two header rows"))
    top, sub = rows[0], rows[1] + [""] * (len(rows[0]) - len(rows[1]))
    names, current = [], ""
    for title, label in zip(top, sub):
        current = title.strip() or current
        label = label.strip()
        names.append(current if label in ("", "Response", "Open-Ended Response") or not title.strip() and not label
                     else f"{current} | {label}")
    return _frame(names, rows[2:], 3, "surveymonkey")


_LIME_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])?)(?:[.:]\s|\s|$)")


def parse_limesurvey(path: str | Path) -> pd.DataFrame:
    """A LimeSurvey CSV export; "code. text" headings are cut to their code (``Q4[SQ001]``)."""
    rows = _rows(Path(path))
    if not rows:
        raise InputError(Problem(file=str(path), rule="is empty"))
    header = []
    for h in rows[0]:
        m = _LIME_CODE.match(h.strip())
        header.append(m.group(1) if m else h.strip())
    return _frame(header, rows[1:], 2, "limesurvey")


def to_contract(export: pd.DataFrame, mapping: dict, params, file: str) -> pd.DataFrame:
    """Rename export columns to contract columns and turn choice text into values.

    Raises :class:`InputError` naming every mapped export column that is missing and every
    answer that is neither a number nor a known choice.
    """
    problems: list[Problem] = []
    cols = {"response_id": mapping.get("response_id"), "submitted_at": mapping.get("submitted_at"),
            "respondent_id": mapping.get("respondent_id"), **(mapping.get("columns") or {})}
    cols = {k: v for k, v in cols.items() if v}
    for contract, source in cols.items():
        if source not in export:
            problems.append(Problem(file=file, column=source, rule=f"export column mapped to '{contract}' is missing "
                                    f"(columns: {', '.join(map(str, list(export.columns)[1:12]))}, ...)"))
    if problems:
        raise InputError(problems, title=f"{len(problems)} mapping problem(s) in {file}")
    frame = pd.DataFrame({ROW: export[ROW]})
    for contract, source in cols.items():
        frame[contract] = export[source]
    if mapping.get("only_finished") and "Finished" in export:
        frame = frame[export["Finished"].astype(str).str.strip().str.lower().isin(["1", "true"])]
    choices = mapping.get("choices") or {}
    for item in params.scored_items:
        if item.id not in frame:
            continue
        table = {**{str(k).strip().lower(): v for k, v in (choices.get("*") or {}).items()},
                 **{str(k).strip().lower(): v for k, v in (choices.get(item.id) or {}).items()}}
        values = frame[item.id]
        text = values.astype("string").str.strip()
        number = pd.to_numeric(text, errors="coerce")
        lead = pd.to_numeric(text.str.extract(r"^(\d+)\b", expand=False), errors="coerce")  # "10 - Extremely likely"
        mapped = text.str.lower().map(table)
        result = number.fillna(mapped.astype(float)).fillna(lead if not table else np.nan)
        bad = text.notna() & result.isna()
        for idx in frame.index[bad.to_numpy()][:50]:
            problems.append(Problem(file=file, row=int(frame.loc[idx, ROW]), column=cols[item.id],
                                    value=str(values.loc[idx]),
                                    rule=f"answer is not a number nor a choice of params' choices for '{item.id}'"))
        frame[item.id] = result
    if problems:
        raise InputError(problems, title=f"{len(problems)} answer(s) in {file} could not be mapped")
    if "submitted_at" in frame:
        fmt = mapping.get("date_format") or "ISO8601"
        text = frame["submitted_at"].astype("string").str.strip()
        when = pd.to_datetime(text, format=fmt, errors="coerce")
        bad = text.notna() & when.isna()
        for idx in frame.index[bad.to_numpy()][:50]:
            problems.append(Problem(file=file, row=int(frame.loc[idx, ROW]), column=cols["submitted_at"],
                                    value=str(text.loc[idx]), rule=f"date-time does not match {fmt!r} "
                                    "(set mapping.date_format)"))
        frame["submitted_at"] = when
    if problems:
        raise InputError(problems, title=f"{len(problems)} value(s) in {file} could not be read")
    if "cycle" not in frame:
        frame["cycle"] = _cycles(frame["submitted_at"], params)
    for item in params.text_items:  # free text is redacted before anything else sees it
        if item.id in frame:
            frame[item.id] = redact_series(frame[item.id])
    return frame.reset_index(drop=True)


def _cycles(when: pd.Series, params) -> pd.Series:
    out = pd.Series("unknown", index=when.index, dtype=object)
    for c in params.cycles.values():
        inside = (when >= pd.Timestamp(c.start)) & (when < pd.Timestamp(c.end) + pd.Timedelta(days=1))
        out[inside.fillna(False).to_numpy()] = c.id
    return out


PARSERS = {"qualtrics": parse_qualtrics, "surveymonkey": parse_surveymonkey, "limesurvey": parse_limesurvey}


def read_export(path: str | Path, tool: str, params, mapping: dict | None = None) -> pd.DataFrame:
    """Read a survey tool's export into the responses contract (with ``_row``)."""
    if tool not in PARSERS:
        raise InputError(Problem(file=str(path), rule=f"format must be one of {sorted(PARSERS)}; not {tool!r}"))
    if not Path(path).exists():
        raise InputError(Problem(file=str(path), rule="file is missing"))
    mapping = mapping if mapping is not None else (params.settings["sources"]["responses"].get("mapping") or {})
    return to_contract(PARSERS[tool](path), mapping, params, str(path))


def read_qualtrics(path: str | Path, instrument, mapping: dict | None = None) -> pd.DataFrame:
    """Qualtrics export -> tidy responses (``instrument``: the loaded :class:`~xmo_analysis.params.Params`)."""
    return read_export(path, "qualtrics", instrument, mapping).drop(columns=ROW)


def read_surveymonkey(path: str | Path, instrument, mapping: dict | None = None) -> pd.DataFrame:
    """SurveyMonkey export -> tidy responses."""
    return read_export(path, "surveymonkey", instrument, mapping).drop(columns=ROW)


def read_limesurvey(path: str | Path, instrument, mapping: dict | None = None) -> pd.DataFrame:
    """LimeSurvey export -> tidy responses."""
    return read_export(path, "limesurvey", instrument, mapping).drop(columns=ROW)
