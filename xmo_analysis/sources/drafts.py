"""Draft params for a file ``xmo inspect`` profiled: a ``sources.<contract>`` block and an
instrument skeleton, every guess written as a comment beside the line it produced."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from xmo_analysis.sources.inspect import Column, Inspection, _q, _role, slug
from xmo_analysis.sources.readers import READERS
from xmo_analysis.sources.readers.base import Raw

# The tickets contract's own columns; every other descriptive column is offered as a segment under
# its own name (the user keeps those that match params' segments).
TICKET_ROLES = (("ticket_id", r"^(ticket_?id|number|incident|id|key)$"), ("opened_at", r"opened|created"),
                ("resolved_at", r"resolved|closed_at|solved"), ("sla_met", r"sla"))
MAX_SEGMENT_LEVELS = 60  # more distinct values than this: a free-text or id column, not a segment


def _contract(columns: list[str], tool: str, forced: str | None) -> str:
    if forced:
        return forced
    names = {c.lower() for c in columns}
    if tool != "table":
        return "responses"
    for contract, hints in (("population", {"headcount"}), ("telemetry", {"device_id"}),
                            ("backlog", {"item_id", "kano", "wsjf"}),
                            ("tickets", {"ticket_id", "incident_state", "opened_at", "made_sla", "sla_met"})):
        if names & hints:
            return contract
    return "responses"


def _event_key(frame: pd.DataFrame, cols: list[Column]) -> str | None:
    """An event log repeats its ticket id on every event: the first id-like column with repeats."""
    for c in cols[:3]:
        values = frame[c.name].dropna()
        if len(values) and values.nunique() < 0.9 * len(values) and re.search(r"number|id|key|ticket|incident",
                                                                               c.name, re.I):
            return c.name
    return None


def _common(path: Path, fmt: str, raw: Raw, delimiter: str | None, contract: str) -> list[str]:
    out = [f"  {contract}:", f"    path: {_q(str(path))}          # EDIT: relative to the project folder",
           f"    format: {fmt}"]
    if raw.encoding and raw.encoding not in ("utf-8", "utf-8-sig", "ascii"):
        out.append(f"    encoding: {raw.encoding}          # detected (not UTF-8)")
    if fmt == "csv" and delimiter and delimiter != ",":
        out.append(f"    delimiter: {_q(delimiter)}")
    if raw.layout:
        out.append(f"    # layout detected: {raw.layout} (set `layout:` to override)")
    return out


def _dates(cols: list[Column], wanted: list[str]) -> list[str]:
    formats = {c.date_format for c in cols if c.name in wanted and c.date_format and c.date_format != "ISO8601"}
    if len(formats) == 1:
        return [f"    date_format: {_q(formats.pop())}   # detected from the values"]
    return [f"    # dates: {', '.join(sorted(formats))} found: set date_format per column"] if formats else []


def _missing(cols: list[Column], used: set[str]) -> list[str]:
    tokens = sorted({t for c in cols if c.name in used for t in c.missing_tokens})
    if not tokens:
        return []
    return [f"    missing_values: {_q(tokens)}   # answers that look like 'no answer': check each"]


def draft(path: Path, tool: str, contract: str | None, raw: Raw, cols: list[Column], notes: list[str],
          delimiter: str | None) -> Inspection:
    """The :class:`Inspection` of a profiled file, with its draft YAML."""
    frame = raw.frame
    contract = _contract([c.name for c in cols], tool, contract)
    fmt = tool if tool != "table" else (raw.tool or "csv")
    if contract == "tickets":
        return _tickets(path, fmt, raw, cols, notes, delimiter)
    lines = _common(path, fmt, raw, delimiter, contract)
    instrument: list[str] = []
    if contract != "responses":
        lines.append("    columns:   # contract column: file column")
        lines += [f"      {c.name}: {_q(c.name)}" for c in cols]
        return Inspection(str(path), tool, contract, raw, cols, lines, ["  (no instrument: not survey responses)"],
                          notes)
    reader = READERS[fmt]()
    defaults = reader.defaults(raw)
    taken: set[str] = {"response_id", "submitted_at", "respondent_id", "cycle"}
    for c in cols:
        if c.name not in defaults.values():
            _role(c, frame[c.name], len(frame), taken)
        else:
            c.role = "id" if defaults.get("response_id") == c.name else "date"
    if "response_id" not in defaults:
        ids = [c for c in cols if c.distinct == len(frame) and c.missing == 0 and re.search(r"id\b|id$", c.name, re.I)]
        if ids:
            defaults["response_id"] = ids[0].name
            ids[0].role = "id"
    if "submitted_at" not in defaults:
        dates = [c for c in cols if c.kind == "date" and re.search(r"end|submit|record|date", c.name, re.I)]
        if dates:
            defaults["submitted_at"] = dates[-1].name
            dates[-1].role = "date"
    filters, _ = reader.row_filters(raw, {"only_finished": True, "drop_preview": True, "drop_test": True})
    for reason, hit in filters:
        key = "only_finished" if "unfinished" in reason or "incomplete" in reason else \
            "drop_preview" if "preview" in reason else "drop_test"
        lines.append(f"    {key}: true   # {int(hit.fillna(False).sum()):,} of {len(frame):,} rows: {reason}")
    if defaults.get("submitted_at"):
        lines += _dates(cols, [defaults["submitted_at"]])
    items = [c for c in cols if c.role == "item"]
    segments = [c for c in cols if c.role == "segment"]
    comments = [c for c in cols if c.role == "comment"]
    lines += _missing(cols, {c.name for c in items + segments})
    if any(c.missing for c in segments):
        lines.append(f"    blank_segment: Unknown   # {sum(c.missing for c in segments):,} blank segment values")
    if "response_id" not in defaults:
        lines.append("    generate_id: true   # the file has no response id: one from a hash of each row")
    if "submitted_at" not in defaults:
        lines.append("    cycle: 2026-Q4   # EDIT: the file has no dates; the cycle these responses belong to")
    lines.append("    columns:   # contract column: file column")
    for key in ("response_id", "submitted_at"):
        if key in defaults:
            lines.append(f"      {key}: {_q(defaults[key])}   # the tool's own column (default; may be removed)"
                         if key in reader.defaults(raw) else f"      {key}: {_q(defaults[key])}   # guessed")
    seg_ids = []
    comment_taken = False
    for c in items + segments + comments:
        if c.role == "comment":
            cid = "comment" if not comment_taken else slug(c.name, taken)
            comment_taken = True
            c.item = {"id": cid, "type": "text"}
        cid = c.item["id"] if c.item else slug(c.name, taken)
        if c.role == "segment":
            seg_ids.append(cid)
        what = (f"item ({c.item['type']}{' ' + str(c.item['scale']) if 'scale' in c.item else ''})" if c.role == "item"
                else c.role)
        lines.append(f"      {cid}: {_q(c.name)}   # {what}: {'; '.join(c.top[:3])[:60]}")
    choice_cols = [c for c in items if c.choices]
    if choice_cols:
        lines.append("    choices:   # answer text -> value (check the order: 1 = most negative)")
        lines += [f"      {c.item['id']}: {_q(c.choices)}" for c in choice_cols]
    skipped = [c.name for c in cols if c.role in ("metadata", "checkbox", "ignored")]
    if skipped:
        lines.append(f"    # not mapped: {', '.join(skipped)[:300]}")
    instrument = ["items:"]
    for c in items + comments:
        entry = dict(c.item)
        entry["text"] = (c.label or c.name).replace("\n", " ").strip()[:120]
        text = _q(entry)
        for key in ("id", "type", "scale", "text"):  # flow-style YAML reads better without quoted keys
            text = text.replace(f'"{key}":', f"{key}:")
        instrument.append(f"  - {text}")
    instrument.append(f"# params/xmo.yaml: segments: {_q(seg_ids)}   # likely segments: keep the ones reports "
                      "group by (each needs a value in every response, or blank_segment)")
    return Inspection(str(path), tool, contract, raw, cols, lines, instrument, notes)


def _tickets(path: Path, fmt: str, raw: Raw, cols: list[Column], notes: list[str], delimiter) -> Inspection:
    frame = raw.frame
    lines = _common(path, fmt, raw, delimiter, "tickets")
    key = _event_key(frame, cols)
    found: dict[str, str] = {}
    for role, pattern in TICKET_ROLES:
        hit = next((c.name for c in cols if re.search(pattern, c.name, re.I) and c.name not in found.values()
                    and (role not in ("opened_at", "resolved_at") or c.kind == "date")), None)
        if role == "ticket_id" and key:
            hit = key
        if hit:
            found[role] = hit
    for c in cols:
        c.role = next((r for r, n in found.items() if n == c.name), "")
    lines += _dates(cols, [found.get("opened_at", ""), found.get("resolved_at", "")])
    lines += _missing(cols, set(found.values()))
    if key:
        n = frame[key].nunique()
        order = next((c.name for c in cols if re.search(r"mod_count|sequence|seq|updated_at|sys_updated", c.name, re.I)),
                     None)
        reopen = next((c.name for c in cols if re.search(r"reopen", c.name, re.I)), None)
        notes.append(f"event log: {len(frame):,} rows for {n:,} distinct {key}: one row per state change")
        lines.append(f"    events:   # {len(frame):,} events of {n:,} tickets")
        lines.append(f"      ticket: {_q(key)}")
        if order:
            lines.append(f"      order: {_q(order)}   # orders each ticket's events (else file order)")
        if found.get("opened_at"):
            lines.append(f"      take: {{{found['opened_at']}: first}}   # every other column: its last known value")
        if reopen:
            lines.append(f"      count_flags: {{reopened: {reopen}}}   # reopened = {reopen} above 0")
    taken = set(found.values()) | {key}
    segs = [c.name for c in cols if c.name not in taken and c.kind == "choice"
            and 1 < frame[c.name].nunique() <= MAX_SEGMENT_LEVELS]
    tokens = {t for c in cols if c.name in segs for t in c.missing_tokens}
    if tokens or any(frame[s].isna().any() for s in segs):
        lines.append("    blank_segment: Unknown   # blank (or missing-value) segment values")
    lines.append("    columns:   # contract column: file column")
    for role, _ in TICKET_ROLES:
        lines.append(f"      {role}: {_q(found[role])}" if role in found else f"      {role}: \"?\"   # EDIT: not found")
    used: set[str] = set(found)
    for name in segs:
        lines.append(f"      {slug(name, used)}: {_q(name)}   # a segment? keep it under the name params' segments use")
    return Inspection(str(path), "eventlog" if key else fmt, "tickets", raw, cols, lines,
                      ["  (no instrument: tickets are operational data)"], notes)
