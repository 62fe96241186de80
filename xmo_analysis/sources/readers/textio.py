"""Bytes to text to cells: encoding detection, delimiter detection and the cell grid of a file.

Exports come from many machines: UTF-8 with or without a byte-order mark, Qualtrics' UTF-16
"TSV" download, and Windows files in cp1252 (a CSV saved by Excel on a Western-European PC).
:func:`detect_encoding` names the encoding; :func:`decode` turns bytes into text and reports a
wrong encoding (set in params or guessed) as an :class:`~xmo_analysis.core.exceptions.InputError`
naming the file, never as a ``UnicodeDecodeError`` traceback.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xmo_analysis.core.exceptions import InputError, Problem

SAMPLE = 1 << 18  # bytes inspected to detect an encoding: a few thousand rows of a survey export
DELIMITERS = (",", "\t", ";", "|")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# When single-byte code pages decode a file equally well, the one Windows uses in Western Europe
# and the Americas wins: that is where the exports we meet were saved (charset-normalizer alone
# calls FiveThirtyEight's cp1252 files cp1250).
_PREFERRED = ("cp1252", "latin_1", "iso8859_15")


def detect_encoding(raw: bytes) -> str:
    """The encoding of ``raw`` (a file's bytes or their first part).

    Byte-order marks first (UTF-8, UTF-16, UTF-32), then UTF-16 without a mark (NUL bytes in
    every other position), then strict UTF-8; otherwise charset-normalizer's best guess, with
    cp1252 preferred among code pages that fit equally well.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:4096]
    if head and head.count(0) > len(head) // 4:
        odd, even = head[1::2].count(0), head[0::2].count(0)
        return "utf-16-le" if odd > even else "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=len(raw) < SAMPLE)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        return "cp1252" if _decodes(raw, "cp1252") else "latin-1"
    # Coherence (a language guess) is noise on the few accented words of an export; equal chaos
    # (how garbled the text reads) is what says two code pages fit equally well.
    tied = [m for m in matches if m.chaos <= best.chaos + 0.01]
    for name in _PREFERRED:
        if any(name in m.could_be_from_charset for m in tied):
            return name.replace("_", "-")
    return best.encoding


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def decode(raw: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` of a file's bytes; ``encoding`` from params, else detected.

    Raises :class:`InputError` naming the file when the bytes are not text in that encoding, or
    when the encoding name is unknown.
    """
    chosen = encoding or detect_encoding(raw[:SAMPLE])
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise InputError(Problem(file=file, rule=f"`encoding: {chosen}` is not an encoding Python knows; use e.g. "
                                 "utf-8, utf-16, cp1252 or latin-1")) from None
    try:
        text = raw.decode(chosen)
    except UnicodeDecodeError as exc:
        if encoding is None:  # the sample looked like one encoding, a later byte says otherwise
            return decode(raw, file, detect_encoding(raw))
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(Problem(file=file, row=line, rule=f"is not {chosen} text (byte {exc.start}, line {line}); "
                                 f"it looks like {detect_encoding(raw)}: set `encoding` for this source in "
                                 "params/xmo.yaml, or remove it to detect the encoding")) from None
    if chosen.startswith("utf-8") and text.startswith("\ufeff"):
        text = text[1:]
    if encoding is not None and _garbled(text):
        raise InputError(Problem(file=file, rule=f"reads as unreadable text in `encoding: {chosen}`; it looks like "
                                 f"{detect_encoding(raw[:SAMPLE])}: fix or remove `encoding` for this source"))
    return text, chosen


def _garbled(text: str) -> bool:
    """A wrong UTF-16 setting turns ASCII into CJK ideographs; NUL characters mean the reverse."""
    head = text[:2000]
    if "\x00" in head:
        return True
    letters = [c for c in head if not c.isspace()]
    cjk = sum(1 for c in letters if "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af")
    return bool(letters) and cjk > 0.5 * len(letters) and not any(c in head for c in ",;\t")


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most, and most regular, columns."""
    sample = text[:SAMPLE]
    best, score = ",", (-1, 0)
    for delim in DELIMITERS:
        try:
            records = []
            for rec in csv.reader(io.StringIO(sample, newline=""), delimiter=delim):
                records.append(len(rec))
                if len(records) >= 30:
                    break
        except csv.Error:
            continue
        if not records or records[0] < 2:
            continue
        regular = sum(1 for n in records if n == records[0])
        if (regular, records[0]) > score:
            best, score = delim, (regular, records[0])
    return best


@dataclass
class Grid:
    """A file as rows of cells (text, or values for a workbook) with how it was read."""

    rows: list[list]
    encoding: str | None
    delimiter: str | None
    sheet: str | None = None


def read_grid(path: Path, file: str, *, encoding: str | None = None, delimiter: str | None = None,
              sheet: str | int | None = None) -> Grid:
    """Every row of a CSV/TSV file or of one workbook sheet, as lists of cells.

    Text files give strings (``""`` for an empty cell); workbooks give strings too, except
    date-time cells, which stay :class:`pandas.Timestamp` (Excel holds them as dates, not text).
    """
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return _workbook_grid(path, file, sheet)
    text, used = decode(path.read_bytes(), file, encoding)
    delim = delimiter or detect_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        raise InputError(Problem(file=file, rule=f"is not valid delimited text: {exc}")) from None
    return Grid(rows, used, delim)


def _workbook_grid(path: Path, file: str, sheet: str | int | None) -> Grid:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object)
    except ValueError as exc:  # an unknown sheet name
        raise InputError(Problem(file=file, rule=f"cannot read sheet {sheet!r}: {exc}".splitlines()[0])) from None
    except Exception as exc:  # openpyxl/xlrd raise many types for unreadable workbooks
        raise InputError(Problem(file=file, rule=f"cannot be read as a workbook: {exc}".splitlines()[0])) from None
    rows = [[cell_text(v) for v in rec] for rec in frame.itertuples(index=False, name=None)]
    return Grid(rows, None, None, str(sheet if sheet is not None else 0))


def cell_text(value) -> object:
    """A workbook cell as the text a CSV export would hold (dates stay dates)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return pd.Timestamp(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
