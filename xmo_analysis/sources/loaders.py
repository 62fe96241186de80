"""Loaders: every data contract from any registered format, mapped through params and validated.

:func:`load_cycle` is the one entry point the runner and the notebooks use: it reads every
source named in ``params/xmo.yaml`` with the reader its ``format`` names
(:mod:`xmo_analysis.sources.readers`), applies the params every format shares (columns, missing values,
choices, dates, filters, generated ids, cycles: :mod:`xmo_analysis.sources.readers.mapping`), validates
with pandera, cross-checks the contracts against each other, redacts free text, and raises one
:class:`~xmo_analysis.sources.validation.DataError` listing every problem in every file.

What loading did to each source (rows read, rows each filter removed, cells declared missing,
encoding and layout detected) is in ``CycleData.reports`` (one
:class:`~xmo_analysis.sources.readers.base.LoadReport` per contract, ``str()`` gives the summary) and
is logged at INFO level on the ``xmo_analysis.sources.loaders`` logger.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xmo_analysis.core.exceptions import InputError, Problem
from xmo_analysis.core.memo import VIEWS
from xmo_analysis.sources.exports import read_limesurvey, read_qualtrics, read_surveymonkey
from xmo_analysis.core.params import CONTRACTS, Params, load_params
from xmo_analysis.privacy import redact_series
from xmo_analysis.sources.readers import LoadReport, guess_format, reader_for
from xmo_analysis.sources.readers.mapping import prepare
from xmo_analysis.sources.readers.tables import sha256_path
from xmo_analysis.sources import engines
from xmo_analysis.sources.validation import ROW, DataError, empty, name_columns, validate
from xmo_analysis.core.vocabulary import in_cycle

log = logging.getLogger(__name__)


def _label(project: Path, name: str, source: dict) -> tuple[str, Path | None]:
    if source.get("path") and "://" not in str(source["path"]):
        path = project / source["path"]
        return str(path), path
    kind = source.get("format") or engines.engine_of(source) or "?"
    return (f"sources.{name} ({kind}: {source['path']})" if source.get("path") else f"sources.{name} ({kind})"), None


def read_source(project: str | Path, name: str, source: dict, params: Params):
    """Read, map and validate one source: ``(frame, report, problems, sha256)``.

    ``frame`` is None when the source could not be read at all; otherwise it carries ``_row``
    and is validated as far as its problems allow.
    """
    project = Path(project)
    label, path = _label(project, name, source)
    try:
        fmt = source.get("format") or (guess_format(path) if path else None)
        reader = reader_for(fmt, label, name)
        if reader.needs_path:
            if path is None:
                raise InputError(Problem(file=label, column="path", rule=f"format {fmt!r} needs a `path`"))
            if not path.exists():
                raise InputError(Problem(file=label, rule="file is missing"))
        raw = reader.read(source, path, label)
    except InputError as exc:
        return None, None, exc.problems, None
    if raw.frame.empty:
        return None, None, [Problem(file=label, rule="has a header but no data rows")], raw.sha256
    prep = prepare(name, raw, reader, source, params)
    if prep.frame.empty and not prep.problems:
        removed = "; ".join(f"{n:,} {why}" for why, n in prep.report.removed.items() if n) or "none"
        return None, prep.report, [Problem(file=label, rule=f"no rows are left after the filters of params "
                                           f"(removed: {removed})")], raw.sha256
    frame, found = validate(name, prep.frame, params, label, columns=prep.columns, skip=prep.skip,
                            reported=prep.reported, dated=prep.dated)
    return frame, prep.report, name_columns(prep.problems, prep.columns) + found, raw.sha256


def load_source(project: str | Path, name: str, params: Params | None = None,
                source: dict | None = None) -> tuple[pd.DataFrame, LoadReport]:
    """One contract's validated frame (without ``_row``) and its :class:`LoadReport`.

    ``source`` defaults to ``params.settings["sources"][name]``. Raises :class:`DataError`
    with every problem of the source. Free text is redacted, as in :func:`load_cycle`.
    """
    project = Path(project)
    params = params or load_params(project / "params")
    source = source if source is not None else params.settings["sources"][name]
    frame, report, problems, _ = read_source(project, name, source, params)
    if problems:
        raise DataError(problems, title=f"{len(problems)} problem(s) in sources.{name}")
    for item in params.text_items if name == "responses" else []:
        if item.id in frame:
            frame[item.id] = redact_series(frame[item.id], params.staff_names)
    return frame.drop(columns=ROW).reset_index(drop=True), report


def read_table(path: str | Path, fmt: str | None = None, *, columns: dict[str, str] | None = None,
               sheet: str | int = 0, header_row: int = 0, delimiter: str = ",", encoding: str | None = None,
               decimal: str = ".") -> pd.DataFrame:
    """Read one plain table (csv, excel, parquet) and rename its columns to the contract's names.

    ``encoding`` is detected when None. The result has a ``_row`` column: the row number a
    person sees in the file (CSV: the record, counting the header as row 1; Excel: the
    spreadsheet row; Parquet: the 1-based record number).
    """
    path = Path(path)
    fmt = fmt or guess_format(path)
    reader = reader_for(fmt, str(path))
    if not path.exists():
        raise InputError(Problem(file=str(path), rule="file is missing"))
    source = {"sheet": sheet, "header_row": header_row, "delimiter": delimiter, "encoding": encoding,
              "decimal": decimal}
    frame = reader.read(source, path, str(path)).frame
    if columns:
        frame = frame.rename(columns={src: dst for dst, src in columns.items()})
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
    summaries: dict = field(default_factory=dict)  # contract -> {cycle -> EngineSource} when aggregated in an engine
    reports: dict[str, LoadReport] = field(default_factory=dict)  # contract -> what loading it did
    absent: tuple[str, ...] = ()     # optional contracts params give no source: empty tables
    engines: dict = field(default_factory=dict)  # contract -> engines.Where: where its aggregates were computed
    # business outcomes per segment and cycle (every cycle up to this one); empty when absent
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def has(self, name: str) -> bool:
        """Whether params give ``name`` a source (an absent contract reads as an empty table)."""
        return name not in self.absent

    def current(self, name: str) -> pd.DataFrame:
        """The rows of ``name`` (responses, tickets, telemetry) for this cycle only."""
        return self.of_cycle(name, self.cycle)

    def of_cycle(self, name: str, cycle: str) -> pd.DataFrame:
        """The rows of ``name`` for ``cycle`` (cached: telemetry holds millions of rows)."""
        if name in self.summaries:
            return self.summaries[name][cycle]
        cache = self.__dict__.setdefault("_slices", {})
        if (name, cycle) not in cache:
            frame = getattr(self, name)
            rows = np.flatnonzero((frame["cycle"] == cycle).to_numpy())
            if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
                # the loaders stack cycle after cycle: a contiguous slice is a view (copy-on-write),
                # not a second copy of the cycle's rows; the same rows and index as the mask gives
                cache[(name, cycle)] = frame.iloc[rows[0]:rows[-1] + 1]
            else:
                cache[(name, cycle)] = frame.iloc[rows]
        return cache[(name, cycle)]

    def __getstate__(self) -> dict:
        """What a snapshot pickles: not the per-cycle slices, nor the memoised designs that hold
        them (views of the tables, cheap to rebuild; pickled, each would become a copy of its rows
        in every kernel that opens the snapshot). The memoised results (weights, sentiment, scores) stay."""
        state = dict(self.__dict__)
        state.pop("_slices", None)
        if "_memo" in state:
            state["_memo"] = {k: v for k, v in state["_memo"].items() if k[0] not in VIEWS}
        return state


def _cycle_of(stamps: pd.Series, params: Params, cycles: list[str]) -> pd.Series:
    out = pd.Series(pd.NA, index=stamps.index, dtype="object")
    for cid in cycles:
        c = params.cycles[cid]
        out[in_cycle(stamps, c.start, c.end).fillna(False).to_numpy()] = cid
    return out


def load_cycle(project: str | Path, cycle: str, params: Params | None = None) -> CycleData:
    """Load, validate and cross-check every contract for ``cycle`` (and the cycles before it).

    Raises :class:`DataError` listing every problem found in every file; nothing is returned
    half-valid.
    """
    project = Path(project)
    params = params or load_params(project / "params")
    params.cycle(cycle)
    cycles = params.cycles_up_to(cycle)
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    reports: dict[str, LoadReport] = {}
    labels: dict[str, str] = {}
    declared = params.settings.get("sources") or {}
    for name in CONTRACTS:
        if name not in declared:
            frames[name], labels[name] = empty(name, params), f"sources.{name} (absent)"
            continue
        src = declared[name]
        labels[name], path = _label(project, name, src)
        if name in engines.STAMP and engines.engine_of(src):
            # O/T data aggregated where it lives (DuckDB, PostgreSQL, Spark, any ibis backend):
            # checked there, never loaded row by row (the aggregates follow, once responses are known)
            found = engines.check(project, name, src, params, labels[name])
            problems += found
            if not found and path is not None and "://" not in str(src.get("path")):
                files[str(path)] = sha256_path(path)
            frames[name] = None
            continue
        frame, report, found, digest = read_source(project, name, src, params)
        problems += found
        if digest:
            files[labels[name]] = digest
        if report is not None:
            reports[name] = report
        if frame is not None:
            frames[name] = frame
    if "responses" in frames and "population" in declared and "population" in frames:
        problems += _cross_checks(frames, params, cycles, labels)
    if problems:
        raise DataError(problems, title=f"{len(problems)} problem(s) in the input data for {cycle}")
    responses = _keep(frames["responses"], frames["responses"]["cycle"].isin(cycles), reports.get("responses"),
                      f"in cycles after {cycle}")
    if "comment" in responses:
        responses["comment"] = redact_series(responses["comment"], params.staff_names)
    summaries, where = {}, {}
    people = responses[["cycle", "respondent_id"]] if "respondent_id" in responses else None
    for name in [n for n in engines.STAMP if frames.get(n) is None]:
        try:
            summaries[name], where[name], digest = engines.summarise(project, name, declared[name], params, cycles,
                                                                     params.segments, people, labels[name])
        except engines.EngineError as exc:
            raise DataError([exc.problem], title=f"sources.{name} cannot be aggregated for {cycle}") from exc
        if not any(k == str(project / str(declared[name].get("path"))) for k in files):
            files[labels[name]] = digest  # a database: what changed is what its aggregates say
        frames[name] = empty(name, params).assign(cycle=pd.Series([], dtype="object"))
        if name == "tickets":
            frames[name]["resolution_hours"] = pd.Series([], dtype="float64")
    tickets = frames["tickets"]
    if "tickets" not in summaries:
        tickets["cycle"] = _cycle_of(tickets["opened_at"], params, cycles)
        tickets = _keep(tickets, tickets["cycle"].notna(), reports.get("tickets"),
                        f"opened outside the cycles {cycles[0]} to {cycle}")
        tickets["resolution_hours"] = (tickets["resolved_at"] - tickets["opened_at"]).dt.total_seconds() / 3600
    telemetry = frames["telemetry"]
    if "telemetry" not in summaries:
        telemetry["cycle"] = _cycle_of(telemetry["date"], params, cycles)
        telemetry = _keep(telemetry, telemetry["cycle"].notna(), reports.get("telemetry"),
                          f"dated outside the cycles {cycles[0]} to {cycle}")
    for report in reports.values():
        log.info("%s", report)
    return CycleData(params, cycle, responses.drop(columns=ROW), tickets.drop(columns=ROW),
                     telemetry.drop(columns=ROW), frames["population"].drop(columns=ROW),
                     frames["backlog"].drop(columns=ROW), files, summaries, reports,
                     tuple(n for n in CONTRACTS if n not in declared), where,
                     _keep(frames["outcomes"], frames["outcomes"]["cycle"].isin(cycles), reports.get("outcomes"),
                           f"in cycles after {cycle}").drop(columns=ROW))


def _keep(frame: pd.DataFrame, keep: pd.Series, report: LoadReport | None, reason: str) -> pd.DataFrame:
    """The rows of ``frame`` in ``keep``, the others counted in the source's report."""
    keep = keep.fillna(False).astype(bool).to_numpy()
    if report is not None and (~keep).any():
        report.remove(reason, int((~keep).sum()))
        report.rows_kept = int(keep.sum())
    return frame[keep].reset_index(drop=True)


def _cross_checks(frames, params: Params, cycles: list[str], files: dict[str, str]) -> list[Problem]:
    """Rules that span rows or contracts: responses inside their cycle, segments in the population."""
    out: list[Problem] = []
    r = frames["responses"]
    stamped = "submitted_at" in r and pd.api.types.is_datetime64_any_dtype(r["submitted_at"])
    for cid in sorted(set(r["cycle"]) & set(params.cycles)) if stamped else []:
        c = params.cycles[cid]
        rows = r[(r["cycle"] == cid) & r["submitted_at"].notna() & ~in_cycle(r["submitted_at"], c.start, c.end)]
        for row, stamp in zip(rows[ROW], rows["submitted_at"]):
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


__all__ = ["read_table", "read_source", "load_source", "load_cycle", "CycleData", "sha256_path", "read_qualtrics",
           "read_surveymonkey", "read_limesurvey"]
