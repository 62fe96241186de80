"""LimeSurvey exports (``format: limesurvey``), whatever "Export questions as" was set to.

=============  ==========================================================================
``code``       headings are question codes: ``id``, ``submitdate``, ``Q4[SQ001]``
``code-text``  "code. text" headings (``Q4[SQ001]. The person who helped me...``), cut to
               the code
``text``       full question text, kept as it is; the metadata columns in English
               (``Response ID``, ``Date submitted``, ``Last page``) or German (``Antwort
               ID``, ``Datum Abgeschickt``, ``Letzte Seite``)
``r``          the data file of the "R (data file)" export: code headings with ``_`` for
               brackets (``Q4_SQ001``) and ``NA`` for a missing value
=============  ==========================================================================

``only_finished`` keeps responses with a submit date (LimeSurvey writes one only when the
respondent presses Submit); without that column, responses that reached the last page seen in
the file.
"""
from __future__ import annotations

import re

import pandas as pd

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.sources.readers import register
from xmo_analysis.sources.readers.base import Raw
from xmo_analysis.sources.readers.exportbase import ExportReader, Layout
from xmo_analysis.sources.readers.textio import Grid

_CODE = r"[A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])?"
_CODE_ONLY = re.compile(rf"^{_CODE}$")
_CODE_TEXT = re.compile(rf"^({_CODE})\.\s")
META = {"response_id": ("id", "Response ID", "Antwort ID"),
        "submitted_at": ("submitdate", "Date submitted", "Datum Abgeschickt"),
        "lastpage": ("lastpage", "Last page", "Letzte Seite")}


@register
class LimeSurveyReader(ExportReader):
    """A LimeSurvey CSV (or .xlsx) export of responses."""

    name = "limesurvey"
    META = META
    layouts = ("code", "code-text", "text", "r")
    identifying = frozenset({"ipaddr", "email", "firstname", "lastname", "token", "refurl", "IP address",
                             "IP-Adresse", "Referrer URL", "Referrer-URL", "Access code", "Zugangsschlüssel",
                             "Zugangscode", "Token", "Email address", "E-Mail-Adresse", "E-Mail", "First name",
                             "Vorname", "Last name", "Nachname"})

    def layout(self, grid: Grid, forced: str | None, label: str) -> Layout:
        top = [str(c).strip() for c in grid.rows[0]]
        filled = [h for h in top if h]
        coded = sum(bool(_CODE_TEXT.match(h)) for h in filled)
        if forced == "code-text" or (forced is None and coded >= 0.8 * len(filled)):
            names = [m.group(1) if (m := _CODE_TEXT.match(h)) else h for h in top]
            labels = {n: h[len(n) + 2:].strip() for n, h in zip(names, top) if h.startswith(n + ".")}
            return Layout(names, 1, "code. text headings", labels)
        codes = forced in ("code", "r") or (forced is None and all(_CODE_ONLY.match(h) for h in filled))
        if not codes:
            return Layout(top, 1, "full question text headings")
        r_file = forced == "r" or (forced is None and self._r_data(top, grid.rows[1:], label))
        if r_file:
            return Layout(top, 1, "R data file (NA is missing)", missing=("NA",))
        return Layout(top, 1, "question code headings")

    @staticmethod
    def _r_data(top: list[str], body: list[list], label: str) -> bool:
        """The R export writes NA where a response has no submit date; the CSV export writes nothing."""
        if re.search(r"_R_data_file", label):
            return True
        if "submitdate" not in top:
            return False
        i = top.index("submitdate")
        return any(len(r) > i and r[i] == "NA" for r in body)

    def row_filters(self, raw: Raw, options: dict) -> tuple[list[tuple[str, pd.Series]], list[Problem]]:
        only = {k: v for k, v in options.items() if k != "only_finished"}
        filters, problems = super().row_filters(raw, only)
        if not options.get("only_finished"):
            return filters, problems
        frame = raw.frame
        submit = self.column(raw, *META["submitted_at"])
        last = self.column(raw, *META["lastpage"])
        if submit:
            filters.append(("incomplete responses (no submit date)", frame[submit].isna()))
        elif last:
            page = pd.to_numeric(frame[last], errors="coerce")
            filters.append((f"incomplete responses (last page below {page.max():g})", ~(page == page.max())))
        else:
            problems.append(Problem(file=raw.label, column="only_finished", rule="the export has neither a submit "
                                    "date nor a last-page column; export them (Export > Response ID, Date "
                                    "submitted, Last page)"))
        return filters, problems
