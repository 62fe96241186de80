"""What the survey-tool readers share: the cell grid to a frame, identifying columns dropped.

Each tool's reader (Qualtrics, SurveyMonkey, LimeSurvey) works out its header rows from the
grid and says which metadata columns mean "finished", "preview" or "test"; this module turns
the result into a :class:`~xmo_analysis.sources.readers.base.Raw` frame, dropping identifying columns
(IP addresses, names, e-mails, locations) before anything else sees them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from xmo_analysis.core.exceptions import InputError, Problem
from xmo_analysis.sources.readers.base import ROW, Raw, Reader
from xmo_analysis.sources.readers.textio import Grid, read_grid


@dataclass
class Layout:
    """A tool reader's reading of the grid: column names, where data starts, what it found."""

    names: list[str]
    first: int                      # 0-based index of the first data row in the grid
    layout: str
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    missing: tuple[str, ...] = ()   # cell texts the layout itself uses for "no answer" (R's NA)


def unique(names: list) -> list[str]:
    """Column names made unique the way a person can still map them: ``Q (1)``, ``Q (2)``."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = str(name).strip()
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 0
        out.append(name)
    return out


def blank(cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


class ExportReader(Reader):
    """Base of the survey-tool readers: ``layout`` (detected when not set), ``encoding``,
    ``delimiter`` (detected), ``sheet`` (for an .xlsx download)."""

    contracts = ("responses",)
    keep_unmapped = False
    layouts: ClassVar[tuple[str, ...]] = ()
    identifying: ClassVar[frozenset[str]] = frozenset()

    def layout(self, grid: Grid, forced: str | None, label: str) -> Layout:  # pragma: no cover - abstract
        raise NotImplementedError

    def read(self, source: dict, path: Path | None, label: str) -> Raw:
        grid = read_grid(path, label, encoding=source.get("encoding"), delimiter=source.get("delimiter"),
                         sheet=source.get("sheet"))
        if not grid.rows or not any(not blank(c) for c in grid.rows[0]):
            raise InputError(Problem(file=label, rule="is empty (no header row)"))
        forced = source.get("layout")
        if forced is not None and forced not in self.layouts:
            raise InputError(Problem(file=label, column="layout", value=forced,
                                     rule=f"`layout` for {self.name} must be one of {list(self.layouts)}"))
        lay = self.layout(grid, forced, label)
        frame = to_frame(lay.names, grid.rows[lay.first:], lay.first + 1, lay.missing)
        dropped = [c for c in frame.columns if c in self.identifying]
        # a trailing delimiter on every line makes a nameless, empty column: not the export's
        nameless = [c for c in frame.columns if c != ROW and (not c or c.startswith(" (")) and frame[c].isna().all()]
        frame = frame.drop(columns=dropped + nameless)
        return Raw(frame, label, hashlib.sha256(Path(path).read_bytes()).hexdigest(), self.name, lay.layout,
                   grid.encoding, grid.delimiter, {k: v for k, v in lay.labels.items() if k in frame}, lay.notes,
                   dropped)

    # contract column -> the tool's names for it, first found wins (the export's own defaults)
    META: dict[str, tuple[str, ...]] = {}

    def defaults(self, raw: Raw) -> dict[str, str]:
        """The contract columns the tool's metadata columns give without any mapping in params."""
        out = {}
        for contract in ("response_id", "submitted_at"):
            col = self.column(raw, *self.META.get(contract, ()))
            if col:
                out[contract] = col
        return out

    def column(self, raw: Raw, *names: str) -> str | None:
        """The first of ``names`` that the export has (tools renamed metadata columns over the years)."""
        lowered = {str(c).strip().lower(): c for c in raw.frame.columns}
        return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def to_frame(names: list[str], rows: list[list], first_row: int, missing: tuple[str, ...] = ()) -> pd.DataFrame:
    """Data rows (padded or cut to the header's width) as an object frame; blank rows skipped.

    ``first_row`` is the 1-based row number of ``rows[0]`` in the file: ``_row`` counts every
    physical record, as a spreadsheet program shows them.
    """
    width = len(names)
    keep = [i for i, r in enumerate(rows) if any(not blank(c) for c in r)]
    body = [(rows[i] + [""] * (width - len(rows[i])))[:width] for i in keep]
    frame = pd.DataFrame(body, columns=unique(names), dtype=object)
    nulls = {"": np.nan, **{m: np.nan for m in missing}}
    frame = frame.apply(lambda col: col.map(lambda v: nulls.get(v.strip(), v) if isinstance(v, str) else v))
    frame.insert(0, ROW, [first_row + i for i in keep])
    return frame
