"""One home for the XMO's words and policy values: statuses, score types, the cycle rule, thresholds.

Everything a section decides with ("is this significant?", "is alpha good enough?", "how much
does serving a gap lift a backlog item?") and every label that depends on it ("95% CI low") is
defined here once. The values an XMO sets live in params (``policy`` in ``xmo.yaml``,
``sentiment`` in ``text.yaml``) and are read through :func:`policy_of`; the defaults below apply
when params are silent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# XLA and gap statuses, best first.
MET, AT_RISK, MISSED = "met", "at risk", "missed"
STATUSES = (MET, AT_RISK, MISSED)
# Reliability of a construct.
RELIABLE, UNRELIABLE = "ok", "below floor"

# Score types of the instrument: 0-100 rescaling lives in xla.x_points, estimators in scores.
SCORE_SCALES = {"nps": (0, 10), "happiness": (0, 10), "csat": (1, 5), "ces": (1, 7)}
SCORE_LABELS = {"nps": "NPS", "happiness": "Happiness", "csat": "CSAT (top-2-box)", "ces": "CES",
                "likert": "Likert construct"}
# "hours": a bucketed time question (e.g. time lost per ticket); each answer code maps to hours in
# params (``hours:`` in instrument.yaml). It is not a score: no XLA, reliability or driver uses it.
ITEM_TYPES = frozenset(SCORE_SCALES) | {"likert", "text", "hours"}
# What an indicator is for (metrics.yaml ``kind``, ambitions.yaml ``indicator_kind`` on X indicators):
# leading ones are expected to move before lagging ones. Defaults: X indicators leading, O/T
# metrics operational, outcomes lagging.
INDICATOR_KINDS = ("leading", "lagging", "operational", "financial")
EXPERIENCE_TYPES = ("CX", "EX", "UX", "PX")
# The channel assessment compares two groups of channels that params name (``analysis.channels.groups``,
# e.g. digital and assisted); with one group declared, the other is every other channel, called this.
OTHER_CHANNELS = "other channels"
# The field of the ambitions (each XLA) and the backlog (each item) that holds one of them
# (DESIGN.md's contracts): one home for its name, so that no module spells a column out.
EXPERIENCE_TYPE = "experience_type"


@dataclass(frozen=True)
class Policy:
    """The decision values of one XMO (``policy:`` in ``params/xmo.yaml``).

    confidence : level of every confidence interval (default 0.95).
    significance : a p-value below this is called significant (default 0.05).
    alpha_floor : Cronbach's alpha a construct must reach to be trusted (default 0.7).
    backlog_lift : multiplier of a backlog item's RICE/WSJF score when it serves a missed or
        at-risk XLA (default 1.5).
    sentiment_positive, sentiment_negative : VADER compound cut-offs (``text.yaml``
        ``sentiment``; VADER's own convention 0.05 / -0.05 by default).
    """

    confidence: float = 0.95
    significance: float = 0.05
    alpha_floor: float = 0.7
    backlog_lift: float = 1.5
    sentiment_positive: float = 0.05
    sentiment_negative: float = -0.05

    @property
    def ci(self) -> str:
        """The CI's label at this level: "95% CI", "90% CI", "99.5% CI"."""
        pct = 100 * self.confidence
        return f"{pct:.0f}% CI" if abs(pct - round(pct)) < 1e-9 else f"{pct:g}% CI"

    def ci_labels(self, low: str = "ci_low", high: str = "ci_high", prefix: str = "") -> dict[str, str]:
        """Column labels for a CI's two ends: ``{"ci_low": "95% CI low", ...}``."""
        return {low: f"{prefix}{self.ci} low", high: f"{prefix}{self.ci} high"}

    def significant(self, p: Any) -> Any:
        """``p < significance`` (element-wise for arrays and Series)."""
        return p < self.significance


def policy_of(settings: dict, text: dict | None = None) -> Policy:
    """The policy from params' ``xmo.yaml`` settings and ``text.yaml`` (checked by params)."""
    raw = settings.get("policy") or {}
    senti = (text or {}).get("sentiment") or {}
    base = Policy()
    return Policy(confidence=float(raw.get("confidence", base.confidence)),
                  significance=float(raw.get("significance", base.significance)),
                  alpha_floor=float(raw.get("alpha_floor", base.alpha_floor)),
                  backlog_lift=float(raw.get("backlog_lift", base.backlog_lift)),
                  sentiment_positive=float(senti.get("positive", base.sentiment_positive)),
                  sentiment_negative=float(senti.get("negative", base.sentiment_negative)))


def cycle_bounds(start: dt.date, end: dt.date):
    """A cycle covers ``[start, end + 1 day)``: every moment of its last day belongs to it
    (two ``pandas.Timestamp``; pandas is imported here so that reading params stays light)."""
    import pandas as pd
    return pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)


def in_cycle(stamps, start: dt.date, end: dt.date):
    """Which timestamps fall in the cycle (see :func:`cycle_bounds`); missing ones do not."""
    lo, hi = cycle_bounds(start, end)
    return (stamps >= lo) & (stamps < hi)

# Engines O/T data may be aggregated in (xmo_analysis.sources.engines), and the contracts that can be.
ENGINE_NAMES = ("duckdb", "postgres", "spark", "url")
# how an engine computes medians and p90s (sources.<contract>.quantiles)
QUANTILE_MODES = ("exact", "approximate", "histogram")
ENGINE_CONTRACTS = ("tickets", "telemetry")
