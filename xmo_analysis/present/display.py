"""Display objects for the mission notebooks: tables, sentences and key figures as safe HTML.

Every value that comes from the data is escaped with :func:`html.escape`, so a comment, a
segment name or a backlog title is always text, never markup. Written by hand (rather than
``DataFrame.to_html``) because reports need per-cell classes for statuses and number formats.
"""
from __future__ import annotations

import base64
import functools
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

STATUS_CLASS = {"met": "st-met", "at risk": "st-risk", "missed": "st-missed", "ok": "st-met",
                "late": "st-risk", "missing": "st-missed", "suppressed": "st-muted", "below floor": "st-risk",
                "unknown": "st-muted"}


def fmt_number(value: Any, digits: int = 1) -> str:
    """Numbers with thousands separators and fixed decimals; missing as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and digits == 0):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def fmt1(value: Any) -> str:
    """A number with one decimal."""
    return fmt_number(value, 1)


def fmt2(value: Any) -> str:
    """A number with two decimals."""
    return fmt_number(value, 2)


def fmt_signed(value: Any) -> str:
    """A difference with its sign and one decimal ("+1.5", "-0.3"); missing as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    return f"{value:+.1f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage; a tiny share that is not zero reads "< 0.1%", never "0.0%"
    (one straight-liner in 2,010 is not none)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    pct = 100 * float(value)
    floor = 10 ** -digits
    if 0 < abs(pct) < floor:
        return f"< {floor:.{digits}f}%"
    if 100 - floor < pct < 100:
        return f"> {100 - floor:.{digits}f}%"
    return f"{pct:.{digits}f}%"


# How many decimals a quantity of each unit deserves: milliseconds and seconds are not measured
# to the hundredth, counts per device-day are small.
UNIT_DIGITS = {"milliseconds": 0, "ms": 0, "seconds": 1, "s": 1, "hours": 1, "minutes": 0, "days": 1}


SHARE_UNITS = ("share", "rate", "proportion", "%")


def unit_step(unit: str | None) -> tuple[float, str]:
    """A step a reader thinks in, for a slope per unit of ``unit``: 10 points of a 0-100 score,
    one percentage point of a share, one of any other unit. Returns (size, words)."""
    unit = (unit or "").strip()
    if unit.lower() == "points":
        return 10.0, "10 points"
    if unit.lower() in SHARE_UNITS:
        return 0.01, "1 percentage point"
    return 1.0, f"1 {unit}" if unit else "1 unit"


def fmt_change(value: Any, unit: str | None) -> str:
    """A change of a quantity in ``unit``, signed: shares in percentage points ("-1.57 pp"),
    scores in points (one decimal, two significant digits below one point), others with three
    significant digits (whole numbers with separators from 1,000) and their unit."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = (unit or "").strip()
    value = float(value)
    if unit.lower() in SHARE_UNITS:
        return f"{100 * value:+.2f} pp"
    if unit.lower() == "points":
        return f"{value:+.1f} points" if abs(value) >= 0.95 or value == 0 else f"{value:+.2g} points"
    number = f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.3g}"
    return number + (f" {unit}" if unit else "")


def fmt_quantity(value: Any, unit: str | None) -> str:
    """A measured value in its unit: shares as percentages, durations without spurious decimals
    ("978 ms", not "978.10"), other units with two significant decimals at most."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = (unit or "").strip()
    if unit.lower() in SHARE_UNITS:
        return fmt_pct(value)
    digits = UNIT_DIGITS.get(unit.lower(), 2 if abs(float(value)) < 10 else 1)
    return f"{float(value):,.{digits}f}" + (f" {unit}" if unit else "")


def fmt_p(value: Any) -> str:
    """A p-value as a reader expects it: '< 0.001' for tiny ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


# The A4 text block of report.css (210 mm less 2 x 16 mm margins) in points, the table's font
# sizes and its cell padding (6 px a side, 0.75 pt a px; badges 7 px a side).
PAGE_PT = 178 / 25.4 * 72
TABLE_PT, BADGE_PT, PAD, BADGE_PAD = 9.0, 8.5, 9.0, 10.5
# The estimate is a little wider than WeasyPrint's layout: measured on the demo's reports, a table
# estimated at 507 pt fitted the 504.6 pt block and one estimated at 536 pt ran 26 pt past it.
SLACK = 1.01
# A column that belongs to the one before it: a CI bound (``ci_low``, ``effort_ci_high``) or a whole
# CI written as text (``ci``, ``gap_ci``).
BOUND = re.compile(r"(^|_)((ci_)?(low|high)|ci)$")


@functools.lru_cache(maxsize=4)
def _font(bold: bool):
    """DejaVu Sans, the report's first font, from the copy matplotlib ships (a dependency already):
    text widths measured with its real advances rather than guessed per character."""
    from importlib.util import find_spec

    from PIL import ImageFont
    folder = Path(find_spec("matplotlib").submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    return ImageFont.truetype(str(folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), 100)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` set in DejaVu Sans at ``size`` points."""
    return _font(bold).getlength(text) * size / 100


@dataclass
class Table:
    """A report table: a caption, columns with labels and formats, escaped cells.

    ``formats`` maps a column to a function value -> text; ``labels`` renames columns for the
    reader; ``status`` names columns whose values get a coloured badge.
    """

    frame: pd.DataFrame
    caption: str | None = None
    formats: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    status: tuple[str, ...] = ("status",)
    note: str | None = None
    wide: tuple[str, ...] = ()  # free-text columns that get room before the others

    def _cell(self, col: str, value: Any, numeric_col: bool = False) -> str:
        text = self.formats.get(col, fmt_number)(value)
        safe = html.escape(text)
        if col in self.status and isinstance(value, str) and value in STATUS_CLASS:
            return f'<td><span class="badge {STATUS_CLASS[value]}">{safe}</span></td>'
        missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        # a missing value sits where the column's values sit (a dash in a date column stays left)
        numeric = numeric_col if missing else isinstance(value, (int, float)) and not isinstance(value, bool)
        if col in self.wide:
            return f'<td class="wide">{safe}</td>'
        if numeric:
            return f'<td class="num">{safe}</td>'
        # Short codes (ids, statuses) never wrap, leaving the width to titles and names.
        return f'<td class="nw">{safe}</td>' if len(text) <= 10 else f"<td>{safe}</td>"

    def _numeric(self, col: str) -> bool:
        """A column of numbers (its header is aligned with them, on the right)."""
        values = [v for v in self.frame[col] if not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))]
        return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)

    def _width(self, col: str, numeric: bool) -> float:
        """The narrowest the column can be laid out, in points: its header wraps between words,
        numbers, badges and short codes never wrap, other text wraps between words, a ``wide``
        column takes 15 em (report.css)."""
        def longest_word(text: str, size: float, bold: bool = False) -> float:
            return max((text_width(w, size, bold) for w in str(text).split()), default=0.0)

        header = longest_word(self.labels.get(col, col), TABLE_PT, bold=True)
        if col in self.wide:
            return PAD + max(header, 15 * TABLE_PT)
        cells = 0.0
        for text, v in {self.formats.get(col, fmt_number)(v): v for v in self.frame[col]}.items():
            if col in self.status and isinstance(v, str) and v in STATUS_CLASS:
                cells = max(cells, text_width(text, BADGE_PT, bold=True) + BADGE_PAD)
            elif numeric or len(text) <= 10:
                cells = max(cells, text_width(text, TABLE_PT))
            else:
                cells = max(cells, longest_word(text, TABLE_PT))
        return PAD + max(header, cells)

    def parts(self, budget: float = PAGE_PT * SLACK) -> list[list[str]]:
        """The columns of each printed part. A table whose narrowest layout is wider than the A4
        text block (``budget`` points) is cut into several tables, each repeating the column that
        names its rows (the first, or a leading number and the text column after it) and
        keeping a value with its CI bounds; a browser could scroll a wide table, a PDF cuts it off
        at the page edge."""
        cols = list(self.frame.columns)
        numeric = {c: self._numeric(c) and c not in self.wide for c in cols}
        width = {c: self._width(c, numeric[c]) for c in cols}
        if sum(width.values()) <= budget or len(cols) < 3:
            return [cols]
        keys = cols[:1]  # the row's name; an order number takes the text column after it along
        if numeric[cols[0]] and not numeric[cols[1]]:
            keys.append(cols[1])
        groups: list[list[str]] = []
        for c in cols[len(keys):]:
            if groups and BOUND.search(str(c)):
                groups[-1].append(c)  # a CI bound stays with its estimate
            else:
                groups.append([c])
        sizes = [sum(width[c] for c in g) for g in groups]

        def pack(room: float) -> list[list[str]]:  # in order, a new part when the next group does not fit
            out: list[list[str]] = [[]]
            used = 0.0
            for g, w in zip(groups, sizes):
                if out[-1] and used + w > room:
                    out.append([])
                    used = 0.0
                out[-1].extend(g)
                used += w
            return out

        room = budget - sum(width[c] for c in keys)
        fewest = len(pack(room))
        # as many parts as needed, as even as they can be: the narrowest room that still needs no
        # more parts (a last part holding one column reads as an afterthought)
        lo, hi = max(max(sizes), sum(sizes) / fewest), room
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if len(pack(mid)) <= fewest else (mid, hi)
        return [keys + part for part in pack(hi)]

    def _repr_html_(self) -> str:
        parts = self.parts()
        html_parts = []
        for i, cols in enumerate(parts):
            numeric = {c: self._numeric(c) for c in cols}
            head = "".join(('<th class="num">' if numeric[c] and c not in self.wide else "<th>")
                           + f"{html.escape(str(self.labels.get(c, c)))}</th>" for c in cols)
            frame = self.frame[cols]
            body = "".join("<tr>" + "".join(self._cell(c, v, numeric[c]) for c, v in zip(cols, row)) + "</tr>"
                           for row in frame.itertuples(index=False, name=None))
            caption = self.caption
            if caption and len(parts) > 1:
                caption = f"{caption} ({i + 1} of {len(parts)})"
            cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
            # the wrapper scrolls sideways on a narrow screen instead of spilling off the page
            html_parts.append(f'<div class="table-wrap"><table class="xmo-table">{cap}<thead><tr>{head}</tr>'
                              f'</thead><tbody>{body}</tbody></table></div>')
        note = f'<p class="table-note">{html.escape(self.note)}</p>' if self.note else ""
        return "".join(html_parts) + note

    def __repr__(self) -> str:  # plain-text fallback (terminals, tests)
        return (self.caption + "\n" if self.caption else "") + self.frame.to_string(index=False)


@dataclass
class Text:
    """A paragraph (or a bulleted list) of plain sentences, escaped."""

    sentences: list[str]
    bullets: bool = False
    css: str = "lead"

    def _repr_html_(self) -> str:
        items = [html.escape(s) for s in self.sentences]
        if self.bullets:
            return f'<ul class="{self.css}">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        return f'<p class="{self.css}">' + " ".join(items) + "</p>"

    def __repr__(self) -> str:
        return "\n".join(self.sentences)


@dataclass
class Cards:
    """Key figures as cards: (label, value, detail, status or None)."""

    cards: list[tuple[str, str, str, str | None]]

    def _repr_html_(self) -> str:
        out = []
        for label, value, detail, status in self.cards:
            cls = STATUS_CLASS.get(status or "", "")
            out.append(f'<div class="card {cls}"><div class="card-label">{html.escape(label)}</div>'
                       f'<div class="card-value">{html.escape(value)}</div>'
                       f'<div class="card-detail">{html.escape(detail)}</div></div>')
        return '<div class="cards">' + "".join(out) + "</div>"

    def __repr__(self) -> str:
        return "\n".join(f"{label}: {value} ({detail})" for label, value, detail, _ in self.cards)


def _part_html(part: Any) -> str:
    if hasattr(part, "_repr_html_"):
        return part._repr_html_()
    if hasattr(part, "_repr_png_"):  # a figure: inline, with its title as alternative text
        data = base64.b64encode(part._repr_png_()).decode("ascii")
        alt = html.escape(getattr(part, "alt", "") or "Figure")
        return f'<figure class="xmo-figure"><img src="data:image/png;base64,{data}" alt="{alt}"></figure>'
    return f"<p>{html.escape(str(part))}</p>"


@dataclass
class Section:
    """What one notebook cell shows: an optional heading, then sentences, tables and figures.

    Every mission section returns one of these, so that each cell of a notebook is one call.
    ``parts`` may hold :class:`Text`, :class:`Table`, :class:`Cards`, figures (objects with
    ``_repr_png_``) and nested sections; ``None`` parts are skipped.
    """

    parts: list[Any]
    heading: str | None = None
    level: int = 3

    def __post_init__(self) -> None:
        self.parts = [p for p in self.parts if p is not None]

    def _repr_html_(self) -> str:
        head = f"<h{self.level}>{html.escape(self.heading)}</h{self.level}>" if self.heading else ""
        return '<div class="xmo-section">' + head + "".join(_part_html(p) for p in self.parts) + "</div>"

    def __repr__(self) -> str:
        return "\n\n".join(([self.heading] if self.heading else []) + [repr(p) for p in self.parts])

    def find(self, kind: type) -> list[Any]:
        """Every part of this type, nested sections included (for tests and callers)."""
        out = []
        for p in self.parts:
            if isinstance(p, kind):
                out.append(p)
            if isinstance(p, Section):
                out += p.find(kind)
        return out


def label(column: str) -> str:
    """A column or segment name as a reader reads it: ``journey_stage`` -> "journey stage"."""
    return str(column).replace("_", " ")
