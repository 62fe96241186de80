"""Loaders: every data contract from CSV, Parquet or Excel, mapped through params and validated.

:func:`load_cycle` is the one entry point the runner and the notebooks use: it reads every
source named in ``params/xmo.yaml``, maps columns, validates with pandera, cross-checks the
contracts against each other, redacts free text, and raises one
:class:`~xmo_analysis.exceptions.InputError` listing every problem in every file.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pds

from .exceptions import InputError, Problem
from .exports import PARSERS, read_export, read_limesurvey, read_qualtrics, read_surveymonkey
from .params import Params, load_params
from .privacy import redact_series
from .telemetry import check as check_telemetry
from .telemetry import summarise as summarise_telemetry
from .validation import ROW, validate

FORMATS = ("csv", "parquet", "excel", "sql")


def read_sql(source: dict, name: str) -> pd.DataFrame:
    """Read a contract from a database through SQLAlchemy (``format: sql`` in params).

    ``url_env`` names the environment variable that holds the connection URL (so no password
    sits in a committed file); ``url`` may hold a URL without secrets (e.g. a SQLite file).
    ``query`` (a SELECT) or ``table`` says what to read. Row numbers are 1-based record numbers.
    """
    import os

    import sqlalchemy as sa
    label = f"sources.{name} (sql)"
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
        raise InputError(Problem(file=label, rule=f"cannot read from {safe}: {exc}".splitlines()[0])) from exc
    if source.get("columns"):
        frame = frame.rename(columns={src: dst for dst, src in source["columns"].items()})
    frame.insert(0, ROW, np.arange(1, len(frame) + 1))
    return frame


def read_table(path: str | Path, fmt: str | None = None, *, columns: dict[str, str] | None = None,
               sheet: str | int = 0, header_row: int = 0, delimiter: str = ",", encoding: str = "utf-8-sig",
               decimal: str = ".") -> pd.DataFrame:
    """Read one table and rename its columns to the contract's names.

    Parameters
    ----------
    path : a CSV file, a Parquet file or hive-partitioned Parquet folder, or an Excel workbook.
    fmt : ``csv``, ``parquet`` or ``excel``; guessed from the suffix when None.
    columns : contract column -> file column (params ``sources.<contract>.columns``).
    sheet, header_row : Excel sheet and the 0-based row that holds the headers.
    delimiter, encoding, decimal : CSV layout (``;`` separators, ``latin-1``, decimal commas).

    The result has a ``_row`` column: the row number a person sees in the file (CSV: the line,
    counting the header as line 1; Excel: the spreadsheet row; Parquet: 1-based record number).
    """
    path = Path(path)
    fmt = fmt or {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".xlsx": "excel", ".xls": "excel"}.get(
        path.suffix.lower(), "parquet" if path.is_dir() else None)
    if fmt not in FORMATS:
        raise InputError(Problem(file=str(path), rule=f"format must be one of {list(FORMATS)}; not {fmt!r}"))
    if not path.exists():
        raise InputError(Problem(file=str(path), rule="file is missing"))
    try:
        if fmt == "csv":
            # Everything as text first: the schema coerces and reports values it cannot read.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], sep=delimiter,
                                encoding=encoding, skipinitialspace=True)
            first = 2
        elif fmt == "excel":
            frame = pd.read_excel(path, sheet_name=sheet, header=header_row, dtype=object)
            first = header_row + 2
        else:
            table = pds.dataset(path, format="parquet", partitioning="hive").to_table()
            frame = table.to_pandas()
            first = 1
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file=str(path), rule=f"is not {encoding} text (byte {exc.start}); set "
                                 "`encoding` for this source in params/xmo.yaml, e.g. latin-1 or cp1252")) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(Problem(file=str(path), rule="is empty (no header row)")) from exc
    except Exception as exc:  # pandas/pyarrow raise many types for unreadable files
        raise InputError(Problem(file=str(path), rule=f"cannot be read as {fmt}: {exc}".splitlines()[0])) from exc
    if fmt == "csv" and frame.shape[1] == 1 and delimiter not in ";\t|":
        head = str(frame.columns[0])
        for other in (";", "\t", "|"):
            if other in head:
                raise InputError(Problem(file=str(path), row=1, rule=f"has one column whose header contains "
                                         f"{other!r}: the file looks {other!r}-separated; set `delimiter` for this "
                                         "source in params/xmo.yaml"))
    if fmt == "csv" and decimal != ".":
        # Decimal commas: turn "0,8" into "0.8" in cells that are numbers, so the schema can read them.
        number = r"^-?\d+" + re.escape(decimal) + r"\d+$"
        for col in frame.columns:
            cells = frame[col]
            hit = cells.str.match(number, na=False)
            if hit.any():
                frame.loc[hit, col] = cells[hit].str.replace(decimal, ".", regex=False)
    if columns:
        inverse = {src: dst for dst, src in columns.items()}
        frame = frame.rename(columns=inverse)
    frame.insert(0, ROW, np.arange(first, first + len(frame)))
    return frame


@dataclass
class CycleData:
    """All validated data of one cycle: the current cycle's rows and every earlier cycle's."""

    params: Params
    cycle: str
    responses: pd.DataFrame          # every cycle up to and including this one
    tickets: pd.DataFrame            # every cycle up to and including this one, with `cycle`
    telemetry: pd.DataFrame          # every cycle up to and including this one, with `cycle`
    population: pd.DataFrame
    backlog: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of every input read
    telemetry_summary: dict | None = None  # cycle -> AggregatedTelemetry when `aggregate: true`

    def current(self, name: str) -> pd.DataFrame:
        """The rows of ``name`` (responses, tickets, telemetry) for this cycle only."""
        return self.of_cycle(name, self.cycle)

    def of_cycle(self, name: str, cycle: str) -> pd.DataFrame:
        """The rows of ``name`` for ``cycle`` (cached: telemetry holds millions of rows)."""
        if name == "telemetry" and self.telemetry_summary is not None:
            return self.telemetry_summary[cycle]
        cache = self.__dict__.setdefault("_slices", {})
        if (name, cycle) not in cache:
            frame = getattr(self, name)
            cache[(name, cycle)] = frame[(frame["cycle"] == cycle).to_numpy()]
        return cache[(name, cycle)]


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


def _cycle_of(stamps: pd.Series, params: Params, cycles: list[str]) -> pd.Series:
    out = pd.Series(pd.NA, index=stamps.index, dtype="object")
    for cid in cycles:
        c = params.cycles[cid]
        inside = (stamps >= pd.Timestamp(c.start)) & (stamps < pd.Timestamp(c.end) + pd.Timedelta(days=1))
        out[inside] = cid
    return out


def load_cycle(project: str | Path, cycle: str, params: Params | None = None) -> CycleData:
    """Load, validate and cross-check every contract for ``cycle`` (and the cycles before it).

    Raises :class:`InputError` listing every problem found in every file; nothing is returned
    half-valid.
    """
    project = Path(project)
    params = params or load_params(project / "params")
    params.cycle(cycle)
    cycles = params.cycles_up_to(cycle)
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for name in ("responses", "tickets", "telemetry", "population", "backlog"):
        src = params.settings["sources"][name]
        if src.get("format") == "sql":
            try:
                raw = read_sql(src, name)
            except InputError as exc:
                problems += exc.problems
                continue
            label = f"sources.{name} (sql)"
            files[label] = hashlib.sha256(raw.drop(columns=ROW).to_csv(index=False).encode()).hexdigest()
            frame, found = validate(name, raw, params, label)
            problems += found
            frames[name] = frame
            continue
        path = project / src["path"]
        if name == "telemetry" and src.get("aggregate"):
            # Large T-data: checked and aggregated inside DuckDB, never loaded row by row.
            if not path.exists():
                problems.append(Problem(file=str(path), rule="file is missing"))
                continue
            problems += check_telemetry(path, params)
            files[str(path)] = sha256_path(path)
            frames[name] = None
            continue
        try:
            if src.get("format") in PARSERS:
                if name != "responses":
                    raise InputError(Problem(file=str(path), rule=f"format {src.get('format')!r} is for responses only"))
                raw = read_export(path, src["format"], params, src.get("mapping") or {})
            else:
                raw = read_table(path, src.get("format"), columns=src.get("columns") or None,
                                 sheet=src.get("sheet", 0), header_row=int(src.get("header_row", 0)),
                                 delimiter=src.get("delimiter", ","), encoding=src.get("encoding", "utf-8-sig"),
                                 decimal=str(src.get("decimal", ".")))
        except InputError as exc:
            problems += exc.problems
            continue
        files[str(path)] = sha256_path(path)
        if raw.empty:
            problems.append(Problem(file=str(path), rule="has a header but no data rows"))
            continue
        frame, found = validate(name, raw, params, str(path))
        problems += found
        frames[name] = frame
    if "responses" in frames and "population" in frames:
        labels = {k: (str(project / v["path"]) if v.get("format") != "sql" else f"sources.{k} (sql)")
                  for k, v in params.settings["sources"].items() if k in frames}
        problems += _cross_checks(frames, params, cycles, labels)
    if problems:
        raise InputError(problems, title=f"{len(problems)} problem(s) in the input data for {cycle}")
    responses = frames["responses"]
    responses = responses[responses["cycle"].isin(cycles)].reset_index(drop=True)
    if "comment" in responses:
        responses["comment"] = redact_series(responses["comment"])
    tickets = frames["tickets"]
    tickets["cycle"] = _cycle_of(tickets["opened_at"], params, cycles)
    tickets = tickets[tickets["cycle"].notna()].reset_index(drop=True)
    tickets["resolution_hours"] = (tickets["resolved_at"] - tickets["opened_at"]).dt.total_seconds() / 3600
    telemetry, summary = frames["telemetry"], None
    if telemetry is None:
        src = params.settings["sources"]["telemetry"]
        summary = summarise_telemetry(project / src["path"], params, cycles, params.segments,
                                      exact=bool(src.get("exact_quantiles", True)))
        telemetry = pd.DataFrame({ROW: [], "date": [], "device_id": [], "user_id": [], "cycle": []})
    else:
        telemetry["cycle"] = _cycle_of(telemetry["date"], params, cycles)
        telemetry = telemetry[telemetry["cycle"].notna()].reset_index(drop=True)
    return CycleData(params, cycle, responses.drop(columns=ROW), tickets.drop(columns=ROW),
                     telemetry.drop(columns=ROW), frames["population"].drop(columns=ROW),
                     frames["backlog"].drop(columns=ROW), files, summary)


def _cross_checks(frames, params: Params, cycles: list[str], files: dict[str, str]) -> list[Problem]:
    """Rules that span rows or contracts: responses inside their cycle, segments in the population."""
    out: list[Problem] = []
    r = frames["responses"]
    stamped = pd.api.types.is_datetime64_any_dtype(r["submitted_at"])
    for cid in sorted(set(r["cycle"]) & set(params.cycles)) if stamped else []:
        c = params.cycles[cid]
        rows = r[(r["cycle"] == cid) & ((r["submitted_at"] < pd.Timestamp(c.start))
                                        | (r["submitted_at"] >= pd.Timestamp(c.end) + pd.Timedelta(days=1)))]
        for row, stamp in zip(rows[ROW].head(200), rows["submitted_at"].head(200)):
            out.append(Problem(file=files["responses"], row=int(row), column="submitted_at",
                               value=str(stamp), rule=f"outside cycle {cid} ({c.start} to {c.end})"))
    pop = frames["population"]
    current = r[r["cycle"].isin(cycles)]
    weighting = params.settings.get("weighting") or {}
    if weighting.get("method") == "rake":
        latest = r[r["cycle"] == cycles[-1]]
        for seg in weighting.get("margins", []):
            if seg in pop and seg in latest:
                for level in sorted(set(pop[seg].dropna()) - set(latest[seg].dropna()), key=str):
                    row = int(pop.loc[pop[seg] == level, ROW].iloc[0])
                    out.append(Problem(file=files["population"], row=row, column=seg, value=level,
                                       rule=f"has a headcount but no respondent in {cycles[-1]}: raking cannot give "
                                            "its weight to anyone (merge it with another group or drop it)"))
    for seg in params.population_segments:
        if seg not in pop or seg not in current:
            continue  # the schema already reported the missing column
        known = set(pop[seg].dropna())
        for level in sorted(set(current[seg].dropna()) - known, key=str):
            row = int(current.loc[current[seg] == level, ROW].iloc[0])
            out.append(Problem(file=files["responses"], row=row, column=seg, value=level,
                               rule="segment is absent from the population frame (no headcount)"))
    return out


__all__ = ["read_table", "load_cycle", "CycleData", "sha256_path", "read_qualtrics", "read_surveymonkey",
           "read_limesurvey"]
