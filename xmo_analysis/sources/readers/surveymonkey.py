"""SurveyMonkey exports (``format: surveymonkey``).

Row 1 holds question titles, each spanning its answer columns with blank continuation cells;
row 2 the sub-labels (``Response``, ``Open-Ended Response``, a choice or a matrix row). Columns
are named ``Question`` or ``Question | Sub-label``. Layouts:

================  =====================================================================
``current``       ``Respondent ID``, ``Collector ID``, ``Start Date``, ``End Date``, ...
``2014``          ``RespondentID``, ``CollectorID``, ``StartDate``, ``EndDate`` (or none)
``one-header``    no sub-label row (a condensed export, or one re-saved without row 2)
================  =====================================================================

SurveyMonkey writes no completion, preview or test flag into its exports: export completed
responses only (a filter on SurveyMonkey's Analyze page), or drop incomplete rows with
``required_answers``.
"""
from __future__ import annotations

import pandas as pd

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.sources.readers import register
from xmo_analysis.sources.readers.base import Raw
from xmo_analysis.sources.readers.exportbase import ExportReader, Layout
from xmo_analysis.sources.readers.textio import Grid

_SINGLE = ("", "Response", "Open-Ended Response")


@register
class SurveyMonkeyReader(ExportReader):
    """A SurveyMonkey CSV or .xlsx export ("All individual responses")."""

    name = "surveymonkey"
    META = {"response_id": ("Respondent ID", "RespondentID"), "submitted_at": ("End Date", "EndDate")}
    layouts = ("current", "2014", "one-header")
    identifying = frozenset({"IP Address", "Email Address", "First Name", "Last Name", "FirstName", "LastName",
                             "Email", "EmailAddress"})

    def layout(self, grid: Grid, forced: str | None, label: str) -> Layout:
        rows = grid.rows
        width = len(rows[0])
        top = [str(c).strip() for c in rows[0]]
        sub = [str(c).strip() for c in (rows[1] if len(rows) > 1 else [])] + [""] * width
        sub = sub[:width]
        era = "current" if "Respondent ID" in top or "Start Date" in top else "2014"
        two = any(c in ("Response", "Open-Ended Response") for c in sub) or (
            any(not t for t in top) and not any(sub[i] for i, t in enumerate(top) if t in
                                                 ("Respondent ID", "RespondentID", "Collector ID", "CollectorID")))
        if forced == "one-header" or (forced is None and not two):
            return Layout(top, 1, "one header row (no sub-label row)")
        names, current = [], ""
        for title, label_ in zip(top, sub):
            current = title or current
            names.append(current if label_ in _SINGLE else f"{current} | {label_}")
        what = {"current": "current (Respondent ID, 2 header rows)",
                "2014": "2014 (RespondentID, 2 header rows)"}[forced or era]
        if "RespondentID" not in top and "Respondent ID" not in top:
            what = f"{forced or era} (2 header rows, no respondent id column)"
        return Layout(names, 2, what)

    def row_filters(self, raw: Raw, options: dict) -> tuple[list[tuple[str, pd.Series]], list[Problem]]:
        if options.get("only_finished"):
            only = {k: v for k, v in options.items() if k != "only_finished"}
            filters, problems = super().row_filters(raw, only)
            problems.append(Problem(file=raw.label, column="only_finished", rule="SurveyMonkey exports carry no "
                                    "completion flag: export completed responses only (Analyze > filter by "
                                    "completeness), or drop incomplete rows with `required_answers`"))
            return filters, problems
        return super().row_filters(raw, options)
