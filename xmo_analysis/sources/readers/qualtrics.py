"""Qualtrics exports, every layout met in the wild (``format: qualtrics``).

=================  =======================================================================
layout             what the file looks like
=================  =======================================================================
``current``        row 1 short names (``ResponseId``, ``Q1``), row 2 question text, row 3
                   ``{"ImportId": ...}`` (with the time zone of the date columns); 2017 on
``insights``       the 2016 "Insights" platform: ``ResponseID``, row 3 ``{'ImportId': ...}``
``legacy``         before 2017: row 1 ``V1``..``V10`` then ``Q1``.., row 2 ``ResponseID``..
                   and the question text; the V-columns take their row-2 names
``two-header``     row 1 names, row 2 question text, no ImportId row (the .xlsx download)
``one-header``     row 1 names, data from row 2 (an export re-saved by Excel, rows 2-3 deleted)
=================  =======================================================================

Filters (params): ``only_finished`` keeps ``Finished`` = 1/True; ``drop_preview`` drops
``Status`` "Survey Preview" (1) and ``DistributionChannel`` "preview"; ``drop_test`` drops
``Status`` "Survey Test" (2) and ``DistributionChannel`` "test".
"""
from __future__ import annotations

import ast
import json
import re

import pandas as pd

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.sources.readers import register
from xmo_analysis.sources.readers.base import Raw
from xmo_analysis.sources.readers.exportbase import ExportReader, Layout
from xmo_analysis.sources.readers.textio import Grid

_IMPORT = re.compile(r"""^\s*\{\s*(["'])ImportId\1""")
_V = re.compile(r"^V\d+$")


def _cells(row: list, width: int) -> list[str]:
    return [str(c).strip() if not isinstance(c, pd.Timestamp) else str(c) for c in row] + [""] * (width - len(row))


def _is_import_row(row: list) -> bool:
    return bool(row) and isinstance(row[0], str) and bool(_IMPORT.match(row[0]))


def _time_zones(row: list) -> set[str]:
    zones = set()
    for cell in row:
        try:
            meta = json.loads(cell)
        except (TypeError, ValueError):
            try:
                meta = ast.literal_eval(cell)  # 2016 exports quote the ImportId dict with single quotes
            except (ValueError, SyntaxError):
                continue
        if isinstance(meta, dict) and meta.get("timeZone"):
            zones.add(str(meta["timeZone"]))
    return zones


@register
class QualtricsReader(ExportReader):
    """A Qualtrics CSV, TSV (UTF-16) or .xlsx export."""

    name = "qualtrics"
    META = {"response_id": ("ResponseId", "ResponseID", "Response ID"),
            "submitted_at": ("RecordedDate", "Recorded Date", "EndDate", "End Date")}
    layouts = ("current", "insights", "legacy", "two-header", "one-header")
    identifying = frozenset({"IPAddress", "IP Address", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                             "LocationLatitude", "LocationLongitude", "LocationAccuracy", "Location Latitude",
                             "Location Longitude", "EmailAddress", "Name"})

    def layout(self, grid: Grid, forced: str | None, label: str) -> Layout:
        rows = grid.rows
        width = len(rows[0])
        top = _cells(rows[0], width)
        second = _cells(rows[1], width) if len(rows) > 1 else [""] * width
        third = rows[2] if len(rows) > 2 else []
        if forced == "legacy" or (forced is None and top[0] == "V1" and "ResponseID" in second):
            names = [s if _V.match(t) and s else t for t, s in zip(top, second)]
            return Layout(names, 2, "legacy (V1.. names, question text in row 2)", dict(zip(names, second)))
        if forced in ("current", "insights") or (forced is None and _is_import_row(third)):
            single = isinstance(third[0], str) and third[0].lstrip().startswith("{'") if third else False
            kind = "insights" if forced == "insights" or (forced is None and single) else "current"
            zones = _time_zones(third)
            notes = [f"dates are local times in {', '.join(sorted(zones))} (ImportId row)"] if zones else []
            what = "2016 Insights (ResponseID, single-quoted ImportId row)" if kind == "insights" else \
                "current (3 header rows)"
            return Layout(top, 3, what, dict(zip(top, second)), notes)
        if forced == "one-header" or (forced is None and self._is_data(top, second)):
            return Layout(top, 1, "one header row (re-saved export)")
        return Layout(top, 2, "two header rows (no ImportId row)", dict(zip(top, second)))

    @staticmethod
    def _is_data(top: list[str], row: list[str]) -> bool:
        """Row 2 is a response (not question text) when its response id looks like one."""
        for name in ("ResponseId", "ResponseID"):
            if name in top:
                return row[top.index(name)].startswith("R_")
        for name in ("StartDate", "EndDate", "RecordedDate"):
            if name in top:
                return not pd.isna(pd.to_datetime(row[top.index(name)], errors="coerce", format="mixed"))
        return True

    def row_filters(self, raw: Raw, options: dict) -> tuple[list[tuple[str, pd.Series]], list[Problem]]:
        from xmo_analysis.sources.validation import parse_flags
        out: list[tuple[str, pd.Series]] = []
        problems: list[Problem] = []
        frame = raw.frame
        status_col = self.column(raw, "Status", "Response Type")
        channel_col = self.column(raw, "DistributionChannel", "Distribution Channel")
        status = frame[status_col].astype("string").str.strip().str.lower() if status_col else None
        channel = frame[channel_col].astype("string").str.strip().str.lower() if channel_col else None
        for key, words, code, reason in (("drop_preview", "survey preview", "1", "preview responses (Qualtrics)"),
                                         ("drop_test", "survey test", "2", "test responses (Qualtrics)")):
            if not options.get(key):
                continue
            if status is None and channel is None:
                problems.append(Problem(file=raw.label, column=key, rule="the export has no Status or "
                                        "DistributionChannel column to find these responses by"))
                continue
            hit = pd.Series(False, index=frame.index)
            if status is not None:
                numeric = status.dropna().str.fullmatch(r"\d+").all()
                hit |= (status == (code if numeric else words)).fillna(False)
            if channel is not None:
                hit |= (channel == words.split()[-1]).fillna(False)
            out.append((reason, hit))
        if options.get("only_finished"):
            col = self.column(raw, "Finished")
            if col is None:
                problems.append(Problem(file=raw.label, column="only_finished", rule="the export has no Finished "
                                        "column; export it, or filter with `keep_rows` (e.g. on Progress)"))
            else:
                flags, bad = parse_flags(frame[col])
                problems += [Problem(file=raw.label, row=int(frame.at[i, "_row"]), column=col, value=frame.at[i, col],
                                     rule="Finished must be a yes/no flag (1/0, True/False)")
                             for i in frame.index[bad.to_numpy()]]
                out.append(("unfinished responses (Finished is not 1/True)", ~flags.fillna(False).astype(bool)
                            & ~bad))
        return out, problems

