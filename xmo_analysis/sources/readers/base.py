"""What every reader returns, what a load reports, and the reader base class.

A reader turns one source (a file, a folder, a database query) into a :class:`Raw` table: the
source's own column names, a ``_row`` column with the row number a person finds in the file,
and how the file was read (tool, layout, encoding, delimiter, question texts). Everything after
that (column mapping, missing values, choices, dates, filters, ids, cycles) is shared by every
format and lives in :mod:`xmo_analysis.sources.readers.mapping`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from xmo_analysis.core.exceptions import Problem

ROW = "_row"  # the source row number (also xmo_analysis.sources.validation.ROW)


@dataclass
class Raw:
    """One source as read, before any params mapping."""

    frame: pd.DataFrame                # ``_row`` + the source's columns
    label: str                         # how problems name the source: its path, or "sources.<contract> (sql)"
    sha256: str                        # of the file (or folder, or query result): the run's fingerprint
    tool: str                          # the format name
    layout: str | None = None          # e.g. "current (3 header rows)", "legacy (V1.. names)"
    encoding: str | None = None
    delimiter: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # column -> question text, where the export has it
    notes: list[str] = field(default_factory=list)        # what a person should know (time zone, ...)
    dropped: list[str] = field(default_factory=list)      # identifying columns removed on reading


@dataclass
class LoadReport:
    """What loading one source did: how it was read and how many rows each rule removed.

    ``removed`` maps each filter, in the order applied, to the rows it removed; ``missing`` each
    contract column to the cells that params declared missing ("Don't know", "N/A", ...);
    ``filled`` each segment column to the blanks given params' label. ``rows_kept`` rows reach
    validation. ``str(report)`` is the summary the runner and mission 1 show.
    """

    contract: str
    source: str
    format: str
    layout: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    rows_read: int = 0
    events_read: int | None = None     # event logs: state changes read, before one row per ticket
    removed: dict[str, int] = field(default_factory=dict)
    flagged: list[str] = field(default_factory=list)
    missing: dict[str, int] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    generated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_kept: int = 0

    def remove(self, reason: str, n: int) -> None:
        """Count ``n`` rows removed by ``reason`` (reasons with no row removed are kept, as 0)."""
        self.removed[reason] = self.removed.get(reason, 0) + int(n)

    def as_dict(self) -> dict:
        """A JSON-ready record (for manifests and results files)."""
        return {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items()}

    def __str__(self) -> str:
        how = ", ".join(x for x in (self.format, self.layout, self.encoding,
                                    f"delimiter {self.delimiter!r}" if self.delimiter else None) if x)
        lines = [f"{self.contract}: {self.source} ({how})"]
        if self.events_read is not None:
            lines.append(f"  {self.events_read:,} events read -> {self.rows_read:,} tickets")
        else:
            lines.append(f"  {self.rows_read:,} rows read")
        lines += [f"  - {n:,} removed: {reason}" for reason, n in self.removed.items()]
        lines += [f"  ! {text}" for text in self.flagged]
        cells = "events' cells" if self.events_read is not None else "cells"  # counted before collapsing
        lines += [f"  {n:,} {cells} of '{col}' declared missing" for col, n in self.missing.items() if n]
        lines += [f"  {n:,} blank '{col}' labelled" for col, n in self.filled.items() if n]
        lines += [f"  {text}" for text in self.generated + self.notes]
        lines.append(f"  {self.rows_kept:,} rows kept")
        return "\n".join(lines)


class Reader:
    """Base of every reader: a format name, the contracts it serves, and :meth:`read`.

    Subclasses set ``name`` and implement :meth:`read`; survey-tool readers also implement
    :meth:`defaults` (the export's id and date columns, so params need not name them) and
    :meth:`row_filters` (finished, preview and test responses, in the tool's own coding).
    """

    name: ClassVar[str] = ""
    contracts: ClassVar[tuple[str, ...] | None] = None   # None: any contract
    suffixes: ClassVar[tuple[str, ...]] = ()             # file suffixes that imply this format
    keep_unmapped: ClassVar[bool] = True                 # exports keep only mapped columns (privacy)
    needs_path: ClassVar[bool] = True

    def read(self, source: dict, path: Path | None, label: str) -> Raw:  # pragma: no cover - abstract
        raise NotImplementedError

    def defaults(self, raw: Raw) -> dict[str, str]:
        """Contract column -> export column used when params do not map it."""
        return {}

    def row_filters(self, raw: Raw, options: dict) -> tuple[list[tuple[str, pd.Series]], list[Problem]]:
        """``[(reason, rows to remove)]`` for the tool's filter options set in params.

        The base class knows no completion, preview or test flag: asking for one is a problem.
        """
        problems = [Problem(file=raw.label, column=key, rule=f"format {self.name!r} has no {what}; remove `{key}` "
                            "or filter with `keep_rows` / `drop_rows` on a column of the file")
                    for key, what in (("only_finished", "completion flag"), ("drop_preview", "preview flag"),
                                      ("drop_test", "test-response flag")) if options.get(key)]
        return [], problems
