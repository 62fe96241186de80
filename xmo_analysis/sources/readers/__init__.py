"""Readers, registered by format name: ``format:`` in params picks the class, nothing branches on it.

A new format is one :class:`~xmo_analysis.sources.readers.base.Reader` subclass in one file, decorated
with :func:`register`, imported at the bottom of this module, and its options declared in
:data:`xmo_analysis.core.schema.SOURCE_OPTIONS` (params keys are checked against them at load).

======================  ==========================================================
format                  reads
======================  ==========================================================
``csv``                 delimited text (any encoding, ``delimiter``, ``decimal``)
``excel``               a workbook sheet (``sheet``, ``header_row``)
``parquet``             a Parquet file or hive-partitioned folder
``sql``                 a query or table through SQLAlchemy (``url_env``)
``qualtrics``           current, legacy (V1..), 2016 Insights, one-header and .xlsx exports
``surveymonkey``        current (Respondent ID) and 2014 (RespondentID) exports, .xlsx too
``limesurvey``          code, "code. text" and full-text headings (English, German), R data file
======================  ==========================================================
"""
from __future__ import annotations

from pathlib import Path

from xmo_analysis.core.exceptions import InputError, Problem
from xmo_analysis.sources.readers.base import ROW, LoadReport, Raw, Reader

READERS: dict[str, type[Reader]] = {}


def register(cls: type[Reader]) -> type[Reader]:
    """Class decorator: make ``cls`` the reader of ``format: <cls.name>``."""
    if not cls.name or cls.name in READERS:
        raise ValueError(f"reader name {cls.name!r} is empty or registered twice")
    READERS[cls.name] = cls
    return cls


def guess_format(path: Path) -> str | None:
    """The format a file's suffix implies (``.csv`` -> csv, a folder -> parquet), or None."""
    if path.is_dir():
        return "parquet"
    suffix = path.suffix.lower()
    return next((name for name, cls in READERS.items() if suffix in cls.suffixes), None)


def reader_for(fmt: str | None, label: str, contract: str | None = None) -> Reader:
    """The reader of ``fmt``; an :class:`InputError` naming the formats there are otherwise."""
    if fmt not in READERS:
        raise InputError(Problem(file=label, rule=f"format must be one of {sorted(READERS)}; not {fmt!r}"))
    cls = READERS[fmt]
    if contract and cls.contracts and contract not in cls.contracts:
        raise InputError(Problem(file=label, rule=f"format {fmt!r} is for {', '.join(cls.contracts)} only"))
    return cls()


# Importing a reader module registers its classes.
from xmo_analysis.sources.readers import limesurvey, qualtrics, surveymonkey, tables  # noqa: E402,F401

__all__ = ["READERS", "register", "reader_for", "guess_format", "Reader", "Raw", "LoadReport", "ROW"]
