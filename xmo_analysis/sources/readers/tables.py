"""Plain tables: CSV (any encoding), Excel sheets, Parquet files and folders, SQL queries.

Text cells stay text here: the shared mapping step and the contract's schema read numbers,
dates and flags, so that a cell they cannot read is reported with its row instead of turning a
whole column into something else (``"FALSE"`` read as ``True`` was such a column).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from xmo_analysis.core.exceptions import InputError, Problem
from xmo_analysis.sources.readers import register
from xmo_analysis.sources.readers.base import ROW, Raw, Reader
from xmo_analysis.sources.readers.textio import decode


def sha256_path(path: Path) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, in sorted order)."""
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(path)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    else:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _numbered(frame: pd.DataFrame, first: int) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.insert(0, ROW, np.arange(first, first + len(frame)))
    return frame


@register
class CsvReader(Reader):
    """Delimited text. ``encoding`` (detected when not set), ``delimiter`` (default ``,``),
    ``decimal`` (``,`` turns ``0,8`` into ``0.8`` in cells that are numbers)."""

    name = "csv"
    suffixes = (".csv", ".tsv", ".txt")

    def read(self, source: dict, path: Path | None, label: str) -> Raw:
        raw_bytes = path.read_bytes()
        text, encoding = decode(raw_bytes, label, source.get("encoding"))
        delimiter = str(source.get("delimiter", "\t" if path.suffix.lower() == ".tsv" else ","))
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], sep=delimiter,
                                skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise InputError(Problem(file=label, rule="is empty (no header row)")) from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputError(Problem(file=label, rule=f"cannot be read as csv: {exc}".splitlines()[0])) from None
        if frame.shape[1] == 1 and delimiter not in ";\t|":
            head = str(frame.columns[0])
            for other in (";", "\t", "|"):
                if other in head:
                    raise InputError(Problem(file=label, row=1, rule=f"has one column whose header contains {other!r}: "
                                             f"the file looks {other!r}-separated; set `delimiter` for this source in "
                                             "params/xmo.yaml"))
        decimal = str(source.get("decimal", "."))
        if decimal != ".":
            # Decimal commas: "0,8" becomes "0.8" in cells that are numbers, so the schema can read them.
            number = r"^-?\d+" + re.escape(decimal) + r"\d+$"
            for col in frame.columns:
                cells = frame[col]
                hit = cells.str.match(number, na=False)
                if hit.any():
                    frame.loc[hit, col] = cells[hit].str.replace(decimal, ".", regex=False)
        return Raw(_numbered(frame, 2), label, hashlib.sha256(raw_bytes).hexdigest(), self.name,
                   encoding=encoding, delimiter=delimiter)


@register
class ExcelReader(Reader):
    """One sheet of a workbook: ``sheet`` (name or 0-based number), ``header_row`` (0-based)."""

    name = "excel"
    suffixes = (".xlsx", ".xlsm", ".xls")

    def read(self, source: dict, path: Path | None, label: str) -> Raw:
        header_row = int(source.get("header_row", 0))
        try:
            frame = pd.read_excel(path, sheet_name=source.get("sheet", 0), header=header_row, dtype=object)
        except Exception as exc:  # openpyxl/xlrd raise many types for unreadable workbooks
            raise InputError(Problem(file=label, rule=f"cannot be read as excel: {exc}".splitlines()[0])) from None
        return Raw(_numbered(frame, header_row + 2), label, sha256_path(path), self.name,
                   layout=f"sheet {source.get('sheet', 0)!r}, header row {header_row + 1}")


@register
class ParquetReader(Reader):
    """A Parquet file, or a hive-partitioned folder of them (``cycle=2026-Q4/part-0.parquet``)."""

    name = "parquet"
    suffixes = (".parquet", ".pq")

    def read(self, source: dict, path: Path | None, label: str) -> Raw:
        import pyarrow.dataset as pds
        try:
            frame = pds.dataset(path, format="parquet", partitioning="hive").to_table().to_pandas()
        except Exception as exc:  # pyarrow raises many types for unreadable files
            raise InputError(Problem(file=label, rule=f"cannot be read as parquet: {exc}".splitlines()[0])) from None
        return Raw(_numbered(frame, 1), label, sha256_path(path), self.name)


@register
class SqlReader(Reader):
    """A database through SQLAlchemy: ``url_env`` names the environment variable that holds the
    URL (no password in a committed file), ``url`` a URL without secrets (a SQLite file), and a
    ``query`` (a SELECT) or a ``table`` (with ``schema``). Row numbers are 1-based record numbers."""

    name = "sql"
    needs_path = False

    def read(self, source: dict, path: Path | None, label: str) -> Raw:
        import sqlalchemy as sa
        url = os.environ.get(source["url_env"]) if source.get("url_env") else source.get("url")
        if not url:
            where = f"environment variable {source['url_env']}" if source.get("url_env") else "`url`"
            raise InputError(Problem(file=label, rule=f"no connection URL: set {where}"))
        if not (source.get("query") or source.get("table")):
            raise InputError(Problem(file=label, rule="give a `query` or a `table` to read"))
        try:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                if source.get("query"):
                    frame = pd.read_sql_query(sa.text(source["query"]), conn)
                else:
                    frame = pd.read_sql_table(source["table"], conn, schema=source.get("schema"))
            engine.dispose()
        except Exception as exc:  # drivers raise their own error types
            safe = sa.engine.make_url(url).render_as_string(hide_password=True) if "://" in str(url) else "?"
            raise InputError(Problem(file=label, rule=f"cannot read from {safe}: {exc}".splitlines()[0])) from None
        digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
        return Raw(_numbered(frame, 1), label, digest, self.name)
