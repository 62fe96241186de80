"""Context: survey answers (X) matched to what happened (O) and how the technology behaved (T).

At respondent level where the pseudonymous ``respondent_id`` is a ticket's ``requester_id`` or a
device's ``user_id``; at segment level (department x cycle) otherwise.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .loaders import CycleData
from .privacy import small_groups
from .xla import metric_value, x_points

LINKED = ["own_resolution_hours", "own_sla_met", "own_reopened", "own_boot_time_s", "own_crashes_per_day",
          "own_app_latency_ms"]


def respondent_context(data: CycleData, cycle: str | None = None) -> pd.DataFrame:
    """The cycle's responses with each respondent's own last ticket and own device metrics.

    Columns added: ``own_resolution_hours``, ``own_sla_met``, ``own_reopened`` (their last ticket
    opened in the cycle), ``own_boot_time_s``, ``own_crashes_per_day``, ``own_app_latency_ms``
    (means over their device-days in the cycle), and every X indicator's 0-100 points.
    Respondents with no ticket or device keep NaN there.
    """
    cycle = cycle or data.cycle
    resp = data.of_cycle("responses", cycle).reset_index(drop=True)
    out = resp.copy()
    if "respondent_id" in resp:
        t = data.of_cycle("tickets", cycle)
        if "requester_id" in t:
            last = t.sort_values("opened_at", kind="stable").groupby("requester_id").tail(1).set_index("requester_id")
            out["own_resolution_hours"] = resp["respondent_id"].map(last["resolution_hours"])
            out["own_sla_met"] = resp["respondent_id"].map(last["sla_met"].astype(float))
            out["own_reopened"] = resp["respondent_id"].map(last["reopened"].astype(float))
        tel = data.of_cycle("telemetry", cycle)
        if hasattr(tel, "per_user"):  # aggregated telemetry: per-user means computed in DuckDB
            dev = tel.per_user().rename(columns={"boot_time_s": "boot", "crashes": "crashes",
                                                 "app_latency_ms": "latency"})
        elif "user_id" in tel:
            dev = tel.groupby("user_id").agg(boot=("boot_time_s", "mean"), crashes=("crashes", "mean"),
                                             latency=("app_latency_ms", "mean"))
        else:
            dev = None
        if dev is not None and {"boot", "crashes", "latency"} <= set(dev.columns):
            out["own_boot_time_s"] = resp["respondent_id"].map(dev["boot"])
            out["own_crashes_per_day"] = resp["respondent_id"].map(dev["crashes"])
            out["own_app_latency_ms"] = resp["respondent_id"].map(dev["latency"])
    for col in LINKED:
        if col not in out:
            out[col] = np.nan
    refs = {ind.ref for xla in data.params.xlas.values() for ind in xla.indicators if ind.kind == "x"}
    for ref in sorted(refs):
        out[f"x_{ref}"] = x_points(resp, data.params, ref)
    return out


def short_label(metric) -> str:
    """A column header narrow enough for an A4 table: 'boot time s (p90)'."""
    return f"{metric.column.replace('_', ' ')} ({metric.aggregation})"


def segment_context(data: CycleData, by: str = "department", cycle: str | None = None,
                    min_n: int | None = None) -> pd.DataFrame:
    """Per segment: how it felt (happiness points, X) next to what happened (O) and the tech (T)."""
    cycle = cycle or data.cycle
    min_n = data.params.min_group_size if min_n is None else min_n
    resp = data.of_cycle("responses", cycle)
    tickets = data.of_cycle("tickets", cycle)
    tel = data.of_cycle("telemetry", cycle)
    happy = resp.groupby(by)["happiness"].agg(["size", "mean"])
    hidden = small_groups(happy["size"], min_n)
    rows = []
    for seg, (n, mean_happy) in happy.iterrows():
        row = {by: seg, "respondents": int(n), "happiness (0-10)": np.nan if hidden[seg] else mean_happy,
               "tickets": int((tickets[by] == seg).sum()) if by in tickets else np.nan}
        for m in data.params.metrics.values():
            src = tickets if m.source == "tickets" else tel
            if hasattr(src, "metric"):
                value = src.metric(m, (by, seg) if by in src.columns else None)
            else:
                value = metric_value(src[src[by] == seg] if by in src else src.iloc[0:0], m)
            row[short_label(m)] = value
        rows.append(row)
    return pd.DataFrame(rows)
