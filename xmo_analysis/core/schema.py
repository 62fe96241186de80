"""The keys every params file may hold: one home, checked at load so a misspelt key is an error.

A misspelt key that is silently ignored is a silent wrong number (``weigthing:`` turns weighting
off, ``min_grup_size:`` puts the privacy threshold back to its default, ``reversed: true`` loses
reverse keying). :func:`unknown_keys` walks a YAML document against a shape written here and
reports each unknown key with the nearest valid one.

A shape is a ``dict`` of key -> shape (a nested mapping), :data:`ANY` (any value, not walked),
or :class:`MapOf` (a mapping whose keys are free, e.g. XLA ids, each value of one shape), or
:class:`ListOf` (a list whose items have one shape).

Source options are declared per format in :data:`SOURCE_OPTIONS`: a reader that takes a new
option declares it there (a format with no entry accepts only the common options).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from xmo_analysis.core.vocabulary import EXPERIENCE_TYPE

ANY = object()


@dataclass(frozen=True)
class MapOf:
    value: Any


@dataclass(frozen=True)
class ListOf:
    item: Any


# Options every source takes, whatever its format. `encoding` is detected when not set.
COMMON_SOURCE_OPTIONS = {"path": ANY, "format": ANY, "columns": ANY, "encoding": ANY}

# Options of the mapping step every format shares (xmo_analysis.sources.readers.mapping documents each).
MAPPING_OPTIONS = {
    "choices": ANY, "missing_values": ANY, "date_format": ANY, "keep_rows": ANY, "drop_rows": ANY,
    "required_answers": ANY, "outside_cycles": ANY, "blank_segment": ANY, "generate_id": ANY, "cycle": ANY,
    "events": {"ticket": ANY, "order": ANY, "order_format": ANY, "take": ANY, "count_flags": ANY,
               "wait": {"state": ANY, "states": ANY, "at": ANY, "at_format": ANY, "column": ANY}},
}
_EXPORT_FILTERS = {"only_finished": ANY, "drop_preview": ANY, "drop_test": ANY}
# Survey-tool exports: the layout (detected when not set), the tool's filters, and `mapping:`,
# the block older params used for the columns and options (still read).
EXPORT_OPTIONS = {**MAPPING_OPTIONS, **_EXPORT_FILTERS, "layout": ANY, "delimiter": ANY, "sheet": ANY,
                  "mapping": {"response_id": ANY, "submitted_at": ANY, "respondent_id": ANY, "columns": ANY,
                              **MAPPING_OPTIONS, **_EXPORT_FILTERS}}

# format -> the options its reader takes beyond the common ones (one entry per registered reader).
SOURCE_OPTIONS: dict[str, dict[str, Any]] = {
    "csv": {"delimiter": ANY, "decimal": ANY, "aggregate": ANY, "exact_quantiles": ANY, "quantiles": ANY, **MAPPING_OPTIONS},
    "parquet": {"aggregate": ANY, "exact_quantiles": ANY, "quantiles": ANY, **MAPPING_OPTIONS},
    "excel": {"sheet": ANY, "header_row": ANY, **MAPPING_OPTIONS},
    "sql": {"url_env": ANY, "url": ANY, "query": ANY, "table": ANY, "schema": ANY, **MAPPING_OPTIONS},
    "qualtrics": EXPORT_OPTIONS,
    "surveymonkey": EXPORT_OPTIONS,
    "limesurvey": EXPORT_OPTIONS,
}

# Sources aggregated in an engine (xmo_analysis.sources.engines documents each option).
ENGINE_OPTIONS = {"engine": ANY, "aggregate": ANY, "exact_quantiles": ANY, "quantiles": ANY, "url_env": ANY, "table": ANY,
                  "query": ANY, "schema": ANY, "database": ANY, "master": ANY, "master_env": ANY, "threads": ANY,
                  "memory_limit": ANY, "shuffle_partitions": ANY, "spark_conf": ANY,
                  "driver_memory": ANY}

XMO = {
    "organisation": ANY,
    "segments": ANY,
    "segment_values": MapOf(ANY),  # segment -> the only values it may take
    "population_segments": ANY,
    "weighting": {"method": ANY, "margins": ANY},
    "privacy": {"min_group_size": ANY, "min_comment_group": ANY, "names_file": ANY},
    "policy": {"confidence": ANY, "significance": ANY, "alpha_floor": ANY, "backlog_lift": ANY},
    "missions": ListOf({"id": ANY, "notebook": ANY, "title": ANY}),
    "audiences": MapOf({"column": ANY, "min_respondents": ANY, "title": ANY, "notebook": ANY}),
    "analysis": {"outcome": ANY, "drivers": ANY, "log_drivers": ANY, "breakdowns": ANY, "context_by": ANY,
                 "openness_by": ANY, "waste": ANY, "waste_by": ANY,
                 "journey": {"column": ANY, "stages": ANY, "score": ANY, "target": ANY, "metrics": ANY},
                 "channels": {"column": ANY, "groups": MapOf(ANY), "effort": ANY, "satisfaction": ANY,
                              "resolution": ANY, "cost": ANY}},
    "sources": MapOf(ANY),  # each source is checked against its format's options
    "schedule": {"grace_days": ANY},  # `xmo run --cycle current`: days after a cycle ends before it is due
}

INSTRUMENT = {"items": ListOf({"id": ANY, "type": ANY, "text": ANY, "scale": ANY, "construct": ANY,
                               "reverse": ANY, "hours": ANY}),  # hours: answer code -> hours (type hours)
              "constructs": MapOf(ANY)}  # construct -> the label readers see

METRICS = {"metrics": MapOf({"source": ANY, "column": ANY, "aggregation": ANY, "direction": ANY,
                             "target": ANY, "unit": ANY, "label": ANY, "kind": ANY}),
           # the optional outcomes contract's columns (per segment and cycle), each with its kind
           "outcomes": MapOf({"column": ANY, "label": ANY, "unit": ANY, "direction": ANY, "kind": ANY,
                              "role": ANY})}

AMBITIONS = {"xlas": ListOf({"id": ANY, "name": ANY, EXPERIENCE_TYPE: ANY, "target": ANY,
                             "indicators": ListOf({"kind": ANY, "ref": ANY, "weight": ANY,
                                                   "indicator_kind": ANY})})}  # x only; default leading

CYCLE = {"cycle": ANY, "start": ANY, "end": ANY, "previous": ANY, "title": ANY}

TEXT = {"lexicon": ANY, "themes": ANY, "sentiment": {"positive": ANY, "negative": ANY},
        # xmo_analysis.domain.language and xmo_analysis.domain.topics document each key
        "language": {"scored": ANY, "min_confidence": ANY, "candidates": ANY},
        "discovery": {"topics": ANY, "min_comments": ANY, "top_terms": ANY, "min_weight": ANY, "min_df": ANY,
                      "covered": ANY, "examples": ANY}}

FILES = {"xmo.yaml": XMO, "instrument.yaml": INSTRUMENT, "metrics.yaml": METRICS,
         "ambitions.yaml": AMBITIONS, "text.yaml": TEXT}


# file suffix -> format, when a source names no format
SUFFIX_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
                  ".parquet": "parquet", ".pq": "parquet"}


def source_shape(source: Any) -> dict[str, Any]:
    """The shape of one ``sources.<contract>`` block, from its ``format``."""
    if isinstance(source, dict) and (source.get("engine") or source.get("aggregate")):
        return {**COMMON_SOURCE_OPTIONS, **ENGINE_OPTIONS}
    fmt = source.get("format") if isinstance(source, dict) else None
    if fmt is None and isinstance(source, dict) and source.get("path"):
        # the format a file's suffix implies, as the loader guesses it (tests/test_layers.py checks
        # that this table and the readers' registry agree)
        suffix = "." + str(source["path"]).rsplit(".", 1)[-1].lower() if "." in str(source["path"]) else ""
        fmt = SUFFIX_FORMATS.get(suffix, "parquet" if not suffix else None)
    return {**COMMON_SOURCE_OPTIONS, **SOURCE_OPTIONS.get(str(fmt), {})}


def unknown_keys(doc: Any, shape: Any, where: str = "") -> list[tuple[str, str, str | None]]:
    """Every key of ``doc`` that ``shape`` does not allow: ``(path, key, nearest valid key)``."""
    out: list[tuple[str, str, str | None]] = []
    if shape is ANY or doc is None:
        return out
    if isinstance(shape, MapOf):
        if isinstance(doc, dict):
            for key, value in doc.items():
                out += unknown_keys(value, shape.value, f"{where}.{key}" if where else str(key))
        return out
    if isinstance(shape, ListOf):
        if isinstance(doc, list):
            for n, value in enumerate(doc, start=1):
                out += unknown_keys(value, shape.item, f"{where}[{n}]")
        return out
    if not isinstance(doc, dict):
        return out
    for key, value in doc.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in shape:
            near = difflib.get_close_matches(str(key), [str(k) for k in shape], n=1, cutoff=0.6)
            out.append((path, str(key), near[0] if near else None))
            continue
        sub = shape[key]
        if where == "" and key == "sources" and isinstance(value, dict):
            for contract, source in value.items():
                out += unknown_keys(source, source_shape(source), f"sources.{contract}")
            continue
        out += unknown_keys(value, sub, path)
    return out
