"""Survey-tool exports (Qualtrics, SurveyMonkey, LimeSurvey) read into the responses contract.

The readers live in :mod:`xmo_analysis.sources.readers` (one module per tool, every layout each tool
has written over the years); this module keeps the short functions notebooks and scripts call.
Identifying columns (IP address, names, e-mails, locations) are dropped on reading, before
anything else sees them. Params (``sources.responses`` in ``params/xmo.yaml``)::

    format: qualtrics            # or surveymonkey, limesurvey
    path: data/survey/export.csv
    encoding: cp1252             # optional: detected (UTF-8 with or without BOM, UTF-16, cp1252)
    columns: {happiness: Q1, csat: Q2, sup_1: Q4_1, department: Q10, comment: Q20}
    choices:                     # choice text -> value, per contract column ("*": every item)
      csat: {Very dissatisfied: 1, Dissatisfied: 2, Neutral: 3, Satisfied: 4, Very satisfied: 5}
    missing_values: ["Don't know", "N/A"]   # or per column: {q7: [0]}
    only_finished: true          # Qualtrics Finished, LimeSurvey submit date
    drop_preview: true           # Qualtrics preview responses
    drop_test: true              # Qualtrics test responses
    date_format: "%m/%d/%Y %I:%M:%S %p"   # when the export's dates are not ISO 8601

The response id and date default to the tool's own columns (Qualtrics ``ResponseId`` /
``RecordedDate``, SurveyMonkey ``Respondent ID`` / ``End Date``, LimeSurvey ``id`` /
``submitdate``); ``columns`` overrides them. Older params put ``response_id``,
``submitted_at``, ``respondent_id``, ``columns``, ``choices``, ``only_finished`` and
``date_format`` under ``mapping:``; that still works. Every option is described in
:mod:`xmo_analysis.sources.readers.mapping`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from xmo_analysis.core.exceptions import InputError, Problem
from xmo_analysis.privacy import redact_series
from xmo_analysis.sources.readers import READERS, reader_for
from xmo_analysis.sources.readers.mapping import prepare
from xmo_analysis.sources.validation import ROW, DataError, name_columns, validate

TOOLS = ("qualtrics", "surveymonkey", "limesurvey")


def _parse(tool: str, path: str | Path, **source) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(Problem(file=str(path), rule="file is missing"))
    return READERS[tool]().read(source, path, str(path)).frame


def parse_qualtrics(path: str | Path, **source) -> pd.DataFrame:
    """A Qualtrics export as a frame named by its short column names (row 1; legacy: row 2)."""
    return _parse("qualtrics", path, **source)


def parse_surveymonkey(path: str | Path, **source) -> pd.DataFrame:
    """A SurveyMonkey export, columns named ``Question`` or ``Question | Sub-label``."""
    return _parse("surveymonkey", path, **source)


def parse_limesurvey(path: str | Path, **source) -> pd.DataFrame:
    """A LimeSurvey export, "code. text" headings cut to their code (``Q4[SQ001]``)."""
    return _parse("limesurvey", path, **source)


PARSERS = {"qualtrics": parse_qualtrics, "surveymonkey": parse_surveymonkey, "limesurvey": parse_limesurvey}


def read_export(path: str | Path, tool: str, params, mapping: dict | None = None, **options) -> pd.DataFrame:
    """Read a survey tool's export into the validated responses contract (with ``_row``).

    ``mapping`` is the export's ``mapping`` block (or None for params' own source); further
    source options (``missing_values``, ``drop_test``, ...) may be passed as keywords. The
    frame's ``attrs["load_report"]`` holds the :class:`~xmo_analysis.sources.readers.base.LoadReport`.
    Raises :class:`~xmo_analysis.sources.validation.DataError` with every problem found.
    """
    label = str(path)
    if tool not in TOOLS:
        raise InputError(Problem(file=label, rule=f"format must be one of {list(TOOLS)}; not {tool!r}"))
    if not Path(path).exists():
        raise InputError(Problem(file=label, rule="file is missing"))
    if mapping is None:
        source = dict(params.settings["sources"]["responses"])
    else:
        source = {"mapping": mapping}
    source.update(options, format=tool)
    reader = reader_for(tool, label, "responses")
    raw = reader.read(source, Path(path), label)
    prep = prepare("responses", raw, reader, source, params)
    # A helper for one export: instrument items the export does not map are not required here
    # (load_cycle requires every item).
    unmapped = {i.id for i in params.items.values() if i.id not in prep.frame}
    frame, found = validate("responses", prep.frame, params, label, columns=prep.columns,
                            skip=prep.skip | unmapped, reported=prep.reported, dated=prep.dated)
    problems = name_columns(prep.problems, prep.columns) + found
    if problems:
        raise DataError(problems, title=f"{len(problems)} problem(s) in {label}")
    for item in params.text_items:  # free text is redacted before anything else sees it
        if item.id in frame:
            frame[item.id] = redact_series(frame[item.id])
    frame = frame.reset_index(drop=True)
    frame.attrs["load_report"] = prep.report
    return frame


def read_qualtrics(path: str | Path, instrument, mapping: dict | None = None, **options) -> pd.DataFrame:
    """Qualtrics export -> tidy responses (``instrument``: the loaded :class:`~xmo_analysis.core.params.Params`)."""
    return read_export(path, "qualtrics", instrument, mapping, **options).drop(columns=ROW)


def read_surveymonkey(path: str | Path, instrument, mapping: dict | None = None, **options) -> pd.DataFrame:
    """SurveyMonkey export -> tidy responses."""
    return read_export(path, "surveymonkey", instrument, mapping, **options).drop(columns=ROW)


def read_limesurvey(path: str | Path, instrument, mapping: dict | None = None, **options) -> pd.DataFrame:
    """LimeSurvey export -> tidy responses."""
    return read_export(path, "limesurvey", instrument, mapping, **options).drop(columns=ROW)
