"""Regression-based estimates: difference-in-differences, trend slopes, control limits, BH.

Definitions: ``shared/STATISTICS.md`` ("Regression-based estimates"). OLS by statsmodels with
heteroscedasticity-robust HC1 covariance; p-values and CIs from the t distribution with the
residual degrees of freedom, as R ``lmtest::coeftest(fit, vcov = sandwich::vcovHC(fit, type =
"HC1"))`` and ``coefci``. (statsmodels' default for ``cov_type="HC1"`` is the normal, which is
why ``use_t=True`` is passed.) Pure functions of arrays and frames: nothing here reads params.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests


@dataclass(frozen=True)
class Coefficient:
    """One regression coefficient with its HC1 SE, t-based CI and two-sided p-value."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    df: float
    p_value: float
    n: int
    method: str

    def to_dict(self) -> dict:
        return asdict(self)


def _ols_hc1(y: np.ndarray, X: np.ndarray, column: int, conf: float, method: str) -> Coefficient:
    keep = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    y, X = y[keep], X[keep]
    if len(y) <= X.shape[1]:
        raise ValueError(f"{method}: {len(y)} complete rows are too few for {X.shape[1]} coefficients.")
    fit = sm.OLS(y, X).fit(cov_type="HC1", use_t=True)
    lo, hi = fit.conf_int(alpha=1 - conf)[column]
    return Coefficient(float(fit.params[column]), float(fit.bse[column]), float(lo), float(hi),
                       float(fit.tvalues[column]), float(fit.df_resid), float(fit.pvalues[column]),
                       int(fit.nobs), method)


def did(outcome, treated, post, conf: float = 0.95) -> Coefficient:
    """Difference-in-differences: the ``treated x post`` coefficient of OLS with HC1 SEs.

    Parameters
    ----------
    outcome : per-response values (NaN rows dropped).
    treated, post : 0/1 (or boolean) per response: in the initiative's scope; after its release.

    Notes
    -----
    ``y = b0 + b1 treated + b2 post + b3 treated*post + e``; the effect is ``b3`` =
    (after - before in scope) - (after - before elsewhere). SE from the HC1 sandwich
    ``n/(n-k) (X'X)^-1 X' diag(e^2) X (X'X)^-1``; CI and p from t with ``n - 4`` df, as R
    ``coeftest(lm(y ~ treated * post), vcov = vcovHC(type = "HC1"))``.
    """
    y = np.asarray(outcome, dtype=float)
    t = np.asarray(treated, dtype=float)
    p = np.asarray(post, dtype=float)
    if not (len(y) == len(t) == len(p)):
        raise ValueError(f"`outcome`, `treated` and `post` must have one length; got {len(y)}, {len(t)}, {len(p)}.")
    X = np.column_stack([np.ones_like(y), t, p, t * p])
    return _ols_hc1(y, X, 3, conf, "difference-in-differences (OLS, HC1, t)")


def trend(outcome, period, conf: float = 0.95) -> Coefficient:
    """OLS slope of the outcome per period (e.g. cycle number 0, 1, 2, ...) with HC1 SEs.

    Notes
    -----
    ``y = b0 + b1 period + e``; ``b1`` is the change per period. CI and p from t with ``n - 2``
    df, as R ``coeftest(lm(y ~ period), vcov = vcovHC(type = "HC1"))``.
    """
    y = np.asarray(outcome, dtype=float)
    t = np.asarray(period, dtype=float)
    if len(y) != len(t):
        raise ValueError(f"`outcome` and `period` must have one length; got {len(y)} and {len(t)}.")
    X = np.column_stack([np.ones_like(y), t])
    return _ols_hc1(y, X, 1, conf, "OLS slope (HC1, t)")


def control_limits(scores: pd.DataFrame, sigmas: float = 3.0, group: str = "xla") -> pd.DataFrame:
    """Control chart limits per group: centre = mean of the period scores, limits = centre +/- k SE.

    ``scores`` needs ``score`` and ``se`` per period (and ``group``). Each period's own SE sets
    its limits (a chart with varying sample sizes, like a p-chart); ``outside`` flags points
    beyond them.
    """
    out = scores.copy()
    out["centre"] = out.groupby(group)["score"].transform("mean")
    out["lcl"] = out["centre"] - sigmas * out["se"]
    out["ucl"] = out["centre"] + sigmas * out["se"]
    out["outside"] = (out["score"] < out["lcl"]) | (out["score"] > out["ucl"])
    return out


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (R ``p.adjust(method = "BH")``); NaN stays NaN.

    Notes
    -----
    Sorted ascending, ``p_(i) m / i``, made monotone from the largest down and capped at 1
    (statsmodels ``multipletests(method="fdr_bh")``).
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


def within_slope(outcome, x, groups, conf: float = 0.95) -> Coefficient:
    """OLS slope of the outcome on ``x`` within groups (group fixed effects), HC1 SEs, t quantiles.

    Notes
    -----
    ``y = b x + a_g + e`` with one intercept per group (dummies for all groups but the first,
    plus the constant): ``b`` uses only the changes within each group, so differences that stay
    the same between groups (a department that is always lower) do not count. SE from the HC1
    sandwich ``n/(n-k) (X'X)^-1 X' diag(e^2) X (X'X)^-1`` with k = 1 + number of groups; CI and p
    from t with ``n - k`` df, as R ``coeftest(lm(y ~ x + factor(g)), vcov = vcovHC(type = "HC1"))``.
    Rows with a missing ``y`` or ``x`` are dropped before the groups are counted.
    """
    y = np.asarray(outcome, dtype=float)
    v = np.asarray(x, dtype=float)
    g = np.asarray(groups, dtype=object)
    if not (len(y) == len(v) == len(g)):
        raise ValueError(f"`outcome`, `x` and `groups` must have one length; got {len(y)}, {len(v)}, {len(g)}.")
    keep = ~np.isnan(y) & ~np.isnan(v)
    y, v, g = y[keep], v[keep], g[keep]
    levels = sorted(set(g.tolist()), key=str)
    dummies = [(g == lvl).astype(float) for lvl in levels[1:]]
    X = np.column_stack([np.ones_like(y), v, *dummies])
    return _ols_hc1(y, X, 1, conf, "OLS slope within groups (fixed effects, HC1, t)")
