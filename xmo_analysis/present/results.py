"""Machine-readable results: ``results-<mission>.json`` and Parquet tables beside each report.

Schema (version 1), every mission::

    {"schema": "xmo-results/1", "mission": "measures" | "findings" | "manage", "cycle": "2026-Q4",
     "min_group_size": 5, ...mission keys...}

- measures: ``respondents``, ``population``, ``response_rate``, ``margin_of_error``,
  ``representativeness`` {segment: {chi2, df, p_value}}, ``weighting`` (design effect, effective
  n, min/max weight, sweeps), ``reliability`` [{construct, alpha, standardised alpha, ...}],
  ``survey_scores`` [{score, kind, value, ci_low, ci_high, n}], ``xla`` (see below).
- findings: ``xla``, ``segments`` {xla: {segment column: [{segment, n, score, status, diff,
  p_value, p_adjusted}]}} (suppressed groups carry only their labels), ``drivers``
  {r2, adj_r2, n, rows: [{driver, coef, se, p_value, std_coef, vif, importance, share}]},
  ``themes`` [...], ``conclusions`` [...]; when params and data give them: ``journey`` [stage rows],
  ``channels`` {table, groups, compared, mix}, ``waste`` {segments, cycles}, ``lost_time``
  {overall, <breakdown>: [...]}, ``topics`` {n_comments, unscored, note, rows, trend}.
- manage: ``xla`` with ``previous``/``change``/``p_change``, ``summary`` [sentences],
  ``trend`` [{xla, cycle, score, ci_low, ci_high, change, p_change}], ``slopes`` [...],
  ``backlog`` [{rank, item_id, rice, wsjf, lifted, priority}], ``initiatives`` [{item_id, xla,
  change, p_change, did, did_ci_low, did_ci_high, p_did, ...}], ``openness`` [...], ``kinds``
  [indicators by kind], ``lead_lag`` [pairs]; when params and data give them:
  ``cost_of_poor_experience`` [per cycle], ``xla_outcome`` [...], ``backlog_value`` [...].

``xla`` rows: {xla, name, target, n, score, se, ci_low, ci_high, gap, p_meets, status, weighted,
suppressed, missing} (``missing``: the O/T indicators without data, comma-separated).
Numbers are plain JSON numbers (NaN becomes null). No respondent-level row is ever written.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from xmo_analysis.privacy import suppression

SCHEMA = "xmo-results/1"


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) or math.isinf(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """A table as JSON-ready records; suppressed rows keep only their labels (never their n)."""
    out = []
    labels = ("segment", "xla", "by", frame.columns[0])
    for rec in frame.to_dict("records"):
        out.append(_clean(suppression.record(rec, labels)))
    return out


def save(output_dir: str | Path | None, mission: str, cycle: str, payload: dict,
         tables: dict[str, pd.DataFrame] | None = None, min_group_size: int = 5) -> Path | None:
    """Write ``results-<mission>.json`` (and each table as ``<mission>-<name>.parquet``)."""
    if not output_dir:
        return None
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"schema": SCHEMA, "mission": mission, "cycle": cycle, "min_group_size": min_group_size, **payload}
    path = out / f"results-{mission}.json"
    path.write_text(json.dumps(_clean(doc), indent=2, sort_keys=True, allow_nan=False), encoding="utf-8")
    for name, table in (tables or {}).items():
        t = table.copy()
        if "suppressed" in t and "n" in t:  # the boundary again: a hidden group's size is never written
            t = suppression.suppress_rows(t, "n", min_group_size, keep=[c for c in ("segment", "xla", "by", "name", "target") if c in t],
                                          mask=t["suppressed"].fillna(False).astype(bool).to_numpy())
            # a table keeps numbers as numbers: a hidden group's size is null (``suppressed`` says why)
            t["n"] = t["n"].where(~t["suppressed"].fillna(False).astype(bool), None)
        for col in t.columns:
            if t[col].dtype == object:
                values = t[col].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
                present = values.dropna()
                numeric = len(present) and all(isinstance(v, (int, float, np.integer, np.floating))
                                               and not isinstance(v, bool) for v in present)
                t[col] = pd.to_numeric(values, errors="raise") if numeric else values.map(
                    lambda v: None if v is None else str(v))
        t.to_parquet(out / f"{mission}-{name}.parquet", index=False)
    return path
