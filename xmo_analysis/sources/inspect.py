"""``xmo inspect FILE``: what an export is, and a first draft of the params that load it.

:func:`inspect_file` detects the tool (Qualtrics, SurveyMonkey, LimeSurvey, a service-desk event
log, or a plain table), the layout, the encoding, the delimiter and the date format; profiles
every column (type, distinct values, missing count); and drafts a ``sources.<contract>`` block
and an instrument skeleton (items with their scales, choice sets as value maps, likely segments,
free-text columns) for a person to edit. Nothing is guessed silently: every guess is written
as a YAML comment next to the line it produced.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xmo_analysis.sources.readers import READERS, guess_format
from xmo_analysis.sources.readers.base import ROW, Raw
from xmo_analysis.sources.readers.textio import read_grid

DATE_FORMATS = ("ISO8601", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M:%S",
                "%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
MISSING_WORDS = re.compile(r"^(\?|-|n/?a|na|none|null|don'?t know|do not know|not applicable|prefer not to "
                           r"(say|answer)|keine angabe|weiß nicht|weiss nicht)$|\(n/a\)|^unfamiliar", re.I)
META = {"StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
        "DistributionChannel", "UserLanguage", "ExternalReference", "ExternalDataReference", "ResponseSet",
        "Q_RecaptchaScore", "Collector ID", "CollectorID", "Start Date", "End Date", "Custom Data 1", "Custom Data",
        "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "Date submitted", "Last page",
        "Start language", "Seed", "Date started", "Date last action", "Datum Abgeschickt", "Letzte Seite",
        "Start-Sprache", "Zufallsstartwert", "Datum gestartet", "Datum letzte Aktivität", "SC0"}
_POS = re.compile(r"\b(agree|satisf|favou?rabl|likely|good|easy|excellent|happy|useful|important)", re.I)
_NEG = re.compile(r"\b(disagree|dissatisf|unfavou?rabl|unlikely|bad|difficult|poor|unhappy|useless|unimportant)",
                  re.I)
_STRONG = re.compile(r"\b(very|strongly|extremely|completely|totally)\b", re.I)
_MILD = re.compile(r"\b(somewhat|slightly|fairly|mostly|rather)\b", re.I)
_MIDDLE = re.compile(r"\b(neither|neutral|undecided)\b", re.I)


@dataclass
class Column:
    """One column of the file as found: its kind, counts and what the draft does with it."""

    name: str
    label: str = ""
    kind: str = "text"            # empty, flag, number, date, choice, text
    distinct: int = 0
    missing: int = 0
    top: list[str] = field(default_factory=list)
    role: str = ""                # id, date, item, segment, comment, metadata, checkbox, ignored
    item: dict | None = None
    choices: dict[str, int] | None = None
    missing_tokens: list[str] = field(default_factory=list)
    date_format: str | None = None


@dataclass
class Inspection:
    """What :func:`inspect_file` found; ``str()`` is the report ``xmo inspect`` prints."""

    path: str
    tool: str
    contract: str
    raw: Raw
    columns: list[Column]
    source: list[str]             # the draft ``sources.<contract>`` YAML, line by line
    instrument: list[str]         # the draft instrument skeleton
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        r = self.raw
        head = [f"{self.path}", f"  tool: {self.tool}   layout: {r.layout or '-'}   encoding: {r.encoding or '-'}"
                f"   delimiter: {r.delimiter!r}" if r.delimiter else f"  tool: {self.tool}   layout: {r.layout or '-'}",
                f"  rows: {len(r.frame):,}   columns: {len(self.columns)}   contract: {self.contract}"]
        head += [f"  note: {n}" for n in self.notes + r.notes]
        if r.dropped:
            head.append(f"  identifying columns dropped on reading: {', '.join(r.dropped)}")
        width = min(40, max((len(c.name) for c in self.columns), default=10))
        table = [f"  {'column':<{width}}  {'kind':<7} {'distinct':>8} {'missing':>8}  role       values"]
        for c in self.columns:
            name = c.name if len(c.name) <= width else c.name[:width - 1] + "~"
            values = "; ".join(c.top)[:70]
            table.append(f"  {name:<{width}}  {c.kind:<7} {c.distinct:>8,} {c.missing:>8,}  {c.role:<10} {values}")
        return "\n".join(head + ["", "Columns:"] + table + ["", "Draft params/xmo.yaml (edit, then run "
                                                             "`xmo validate`):", "sources:"] + self.source
                         + ["", "Draft params/instrument.yaml:"] + self.instrument)


def _q(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string, quotes and all


def slug(name: str, taken: set[str]) -> str:
    """A contract id from a column name: ``Q4_1`` -> ``q4_1``, long question text shortened."""
    base = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")[:28].strip("_") or "item"
    base = base if base[0].isalpha() else f"q_{base}"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    taken.add(out)
    return out


def detect_tool(rows: list[list]) -> str:
    """qualtrics, surveymonkey, limesurvey, eventlog or table, from the first rows of cells."""
    top = [str(c).strip() for c in rows[0]]
    second = [str(c).strip() for c in rows[1]] if len(rows) > 1 else []
    third = [str(c) for c in rows[2]] if len(rows) > 2 else []
    if {"ResponseId", "ResponseID"} & set(top) or (top[:1] == ["V1"] and "ResponseID" in second) or \
            (third and "ImportId" in third[0]):
        return "qualtrics"
    if {"Respondent ID", "RespondentID", "Collector ID", "CollectorID"} & set(top) or \
            any(c in ("Response", "Open-Ended Response") for c in second):
        return "surveymonkey"
    lime = {"submitdate", "lastpage", "startlanguage", "Date submitted", "Datum Abgeschickt", "Letzte Seite"}
    if lime & set(top) or sum(bool(re.match(r"^(id|submitdate|lastpage)\. ", h)) for h in top) >= 2:
        return "limesurvey"
    return "table"


def _date_format(text: pd.Series) -> str | None:
    sample = text.dropna().head(500)
    if sample.empty:
        return None
    for fmt in DATE_FORMATS:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def _order(labels: list[str]) -> dict[str, int] | None:
    """Likert labels in scale order (1 = most negative), when every label's polarity is clear."""
    scores = {}
    for label in labels:
        if _MIDDLE.search(label):  # "Neither favorably nor unfavorably": the middle, whatever words follow
            scores[label] = 0
            continue
        sign = 1 if _POS.search(label) and not _NEG.search(label) else -1 if _NEG.search(label) else 0
        if sign == 0:
            return None
        strength = 2 if _STRONG.search(label) else 1 if _MILD.search(label) or sign else 0
        scores[label] = sign * strength if sign else 0
    if len(set(scores.values())) != len(scores):
        return None
    return {label: n for n, label in enumerate(sorted(scores, key=scores.get), start=1)}


def profile(name: str, values: pd.Series, label: str = "") -> Column:
    """Kind, counts and top values of one column."""
    stamps = values.map(lambda v: isinstance(v, pd.Timestamp))
    text = values.where(~stamps).astype("string").str.strip().replace("", pd.NA)
    col = Column(name, label, missing=int((text.isna() & ~stamps).sum()))
    known = text.dropna()
    counts = known.value_counts()
    col.distinct = int(len(counts) + stamps.any())
    col.top = [f"{v} ({n})" for v, n in counts.head(6).items()]
    col.missing_tokens = [str(v) for v in counts.index if MISSING_WORDS.search(str(v))]
    real = known[~known.isin(col.missing_tokens)]
    if stamps.all() or (not known.empty and stamps.any()):
        col.kind = "date"
    elif real.empty:
        col.kind = "empty"
    elif set(real.str.lower()) <= {"true", "false", "yes", "no", "y", "n", "t", "f"}:
        col.kind = "flag"
    elif pd.to_numeric(real, errors="coerce").notna().all():
        col.kind = "number"
    elif (fmt := _date_format(real)) is not None:
        col.kind, col.date_format = "date", fmt
    elif real.nunique() <= 12 and real.str.len().mean() < 60:
        col.kind = "choice"
    return col


def _role(col: Column, values: pd.Series, rows: int, taken: set[str]) -> None:
    """What the draft does with a column: an item (with scale or choices), a segment, a comment."""
    real = values.astype("string").str.strip()
    real = real[real.notna() & (real != "") & ~real.isin(col.missing_tokens)]
    number = pd.to_numeric(real, errors="coerce")
    if col.name in META or col.kind in ("empty", "date"):
        col.role = "metadata" if col.kind != "empty" else "ignored"
        return
    if col.kind == "number":
        whole = (number == number.round()).all()
        lo, hi = (int(number.min()), int(number.max())) if whole else (0, 0)
        if whole and number.nunique() == 1 and col.missing:  # 1 or nothing: a ticked box
            col.role = "checkbox"
            return
        if whole and 0 <= lo and hi <= 10 and number.nunique() <= 11:
            kind = "nps" if (lo, hi) == (0, 10) or hi > 7 else "csat" if (lo >= 1 and hi == 5) else "likert"
            col.role = "item"
            col.item = {"id": slug(col.name, taken), "type": kind if kind != "likert" else "likert"}
            if kind == "likert":
                col.item["scale"] = [min(lo, 1), max(hi, 2)]
            return
        col.role = "ignored" if number.nunique() > 0.5 * max(rows, 1) else "segment"
        return
    if col.kind == "choice":
        labels = list(real.value_counts().index)
        if len(labels) == 1 and col.missing:  # one label or nothing: a ticked box of a multiple choice
            col.role = "checkbox"
            return
        if len(labels) == 1:
            col.role = "comment" if len(labels[0]) >= 10 else "segment"
            return
        order = _order(labels)
        if order:
            col.role, col.choices = "item", order
            col.item = {"id": slug(col.name, taken), "type": "likert", "scale": [1, len(order)]}
        else:
            col.role = "segment"
        return
    if col.kind == "flag":  # a yes/no question: an item scored 0/1 (its mean is the share of yes)
        labels = sorted(set(real), key=lambda v: v.lower() in ("yes", "y", "true", "t"))
        col.role, col.choices = "item", {v: int(v.lower() in ("yes", "y", "true", "t")) for v in labels}
        col.item = {"id": slug(col.name, taken), "type": "likert", "scale": [0, 1]}
        return
    long = real.str.len().mean() if len(real) else 0
    col.role = "comment" if long >= 15 and real.nunique() > 0.3 * max(len(real), 1) else "segment"


def inspect_file(path: str | Path, *, encoding: str | None = None, sheet: str | int | None = None,
                 contract: str | None = None) -> Inspection:
    """Detect, profile and draft params for one file (module docstring)."""
    path = Path(path)
    grid = read_grid(path, str(path), encoding=encoding, sheet=sheet)
    tool = detect_tool(grid.rows)
    notes: list[str] = []
    source = {"encoding": encoding or grid.encoding, "sheet": sheet, "delimiter": grid.delimiter}
    if tool == "table":
        fmt = guess_format(path) or "csv"
        raw = READERS[fmt]().read({k: v for k, v in source.items() if v is not None}, path, str(path))
        raw.delimiter = raw.delimiter or grid.delimiter
    else:
        raw = READERS[tool]().read({k: v for k, v in source.items() if v is not None}, path, str(path))
    frame = raw.frame
    from xmo_analysis.sources.drafts import draft  # the YAML writer: kept apart so each module stays one thing
    columns = [profile(c, frame[c], raw.labels.get(c, "")) for c in frame.columns if c != ROW]
    return draft(path, tool, contract, raw, columns, notes, grid.delimiter)


__all__ = ["inspect_file", "Inspection", "Column", "profile", "detect_tool", "slug"]
