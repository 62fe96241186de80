"""Survey scores: each is a mean or a proportion of a per-response variable (STATISTICS.md).

The ``*_points`` functions turn raw answers into the per-response variable (vectorised, NaN kept);
the score functions estimate it with :func:`~xmo_analysis.stats.estimates.mean` or
:func:`~xmo_analysis.stats.estimates.proportion`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from xmo_analysis.stats.estimates import Estimate, _as_array, mean, proportion
from xmo_analysis.core.vocabulary import SCORE_SCALES


def _checked(scores, lo: int, hi: int, name: str) -> np.ndarray:
    x = _as_array(scores, name)
    bad = ~np.isnan(x) & ((x < lo) | (x > hi) | (x != np.round(x)))
    if bad.any():
        raise ValueError(f"`{name}` must hold whole numbers from {lo} to {hi}; found "
                         f"{np.unique(x[bad])[:5].tolist()} at {int(bad.sum())} row(s).")
    return x


def nps_points(scores) -> np.ndarray:
    """+100 for 9-10 (promoters), 0 for 7-8 (passives), -100 for 0-6 (detractors); NaN kept."""
    x = _checked(scores, *SCORE_SCALES["nps"], "scores")
    return np.where(np.isnan(x), np.nan, np.where(x >= 9, 100.0, np.where(x >= 7, 0.0, -100.0)))


def nps(scores, weights=None, conf: float = 0.95) -> Estimate:
    """Net Promoter Score on -100..100: the mean of :func:`nps_points`.

    Notes
    -----
    NPS = %promoters - %detractors = mean of the per-response variable (+100, 0, -100); its SE
    and CI are those of that mean (t interval unweighted, linearisation when weighted).
    """
    return _named(mean(nps_points(scores), weights, conf), "NPS")


def happiness(scores, weights=None, conf: float = 0.95) -> Estimate:
    """Happiness (0-10, ITXM style): the same transformation and estimator as :func:`nps`."""
    return _named(mean(nps_points(scores), weights, conf), "happiness")


def csat_points(scores) -> np.ndarray:
    """1 for 4-5 (top-2-box) on a 1-5 scale, else 0; NaN kept."""
    x = _checked(scores, *SCORE_SCALES["csat"], "scores")
    return np.where(np.isnan(x), np.nan, (x >= 4).astype(float))


def csat(scores, weights=None, conf: float = 0.95) -> Estimate:
    """CSAT: percentage of top-2-box answers (4-5 of 1-5), a proportion x 100 (Wilson CI unweighted)."""
    return _named(proportion(csat_points(scores), weights, conf).scaled(100), "CSAT %")


def ces(scores, weights=None, conf: float = 0.95) -> Estimate:
    """Customer Effort Score: the mean of the raw 1-7 answers."""
    return _named(mean(_checked(scores, *SCORE_SCALES["ces"], "scores"), weights, conf), "CES")


def ces_easy(scores, weights=None, conf: float = 0.95) -> Estimate:
    """Share of "easy" answers (5-7 of 1-7), a proportion x 100."""
    x = _checked(scores, *SCORE_SCALES["ces"], "scores")
    return _named(proportion(np.where(np.isnan(x), np.nan, (x >= 5).astype(float)), weights, conf).scaled(100),
                  "CES % easy")


def likert_points(items, scale: tuple[int, int], reverse=()) -> np.ndarray:
    """Per-response construct score on 0-100.

    Reverse-keyed items become ``min + max - x``; the response's score is the mean of its answered
    items, rescaled ``100 * (m - min) / (max - min)``; NaN when no item is answered.
    """
    frame = pd.DataFrame(items)
    lo, hi = scale
    if not lo < hi:
        raise ValueError(f"`scale` must be (min, max) with min < max; not {scale!r}.")
    unknown = [r for r in reverse if r not in frame.columns]
    if unknown:
        raise ValueError(f"`reverse` names items that are not columns: {unknown}; columns are {list(frame.columns)}.")
    cols = []
    for col in frame.columns:
        x = _checked(frame[col], lo, hi, str(col))
        cols.append(lo + hi - x if col in reverse else x)
    if not cols:
        raise ValueError("`items` has no columns.")
    values = np.column_stack(cols)
    answered = (~np.isnan(values)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(answered > 0, np.nansum(values, axis=1) / np.maximum(answered, 1), np.nan)
    return 100 * (m - lo) / (hi - lo)


def likert_score(items, scale: tuple[int, int], reverse=(), weights=None, conf: float = 0.95) -> Estimate:
    """Likert construct score on 0-100: the mean of :func:`likert_points`."""
    return _named(mean(likert_points(items, scale, reverse), weights, conf), "Likert 0-100")


def _named(est: Estimate, what: str) -> Estimate:
    return Estimate(est.value, est.se, est.ci_low, est.ci_high, est.n, est.n_eff, f"{what}: {est.method}")


def _ces_0_100(scores) -> np.ndarray:
    lo, hi = SCORE_SCALES["ces"]
    return 100 * (_checked(scores, lo, hi, "scores") - lo) / (hi - lo)


@dataclass(frozen=True)
class ScoreType:
    """One item type: its estimator (score on its own scale), its per-response 0-100 points (what
    an XLA combines), and how a reader names its scale."""

    estimator: Callable[..., Estimate]
    points_0_100: Callable[[Any], np.ndarray]
    scale: str


# item type -> score type: the one mapping used by mission 1's scores and by XLA scoring.
SCORE_TYPES: dict[str, ScoreType] = {
    "nps": ScoreType(nps, lambda x: (nps_points(x) + 100) / 2, "-100 to 100"),
    "happiness": ScoreType(happiness, lambda x: (nps_points(x) + 100) / 2, "-100 to 100"),
    "csat": ScoreType(csat, lambda x: 100 * csat_points(x), "% top-2-box"),
    "ces": ScoreType(ces, _ces_0_100, "1 to 7"),
}
