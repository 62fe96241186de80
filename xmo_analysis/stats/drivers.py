"""Key drivers: OLS of an outcome on candidate drivers, with relative importance (LMG).

``drivers(frame, outcome, drivers)`` returns one row per driver with the OLS coefficient, its SE
and p-value (statsmodels), the standardised coefficient, the VIF, and the LMG relative
importance: the driver's share of R² averaged over every order of entry (Lindeman, Merenda and
Gold 1980; R ``relaimpo::calc.relimp(type="lmg")``). The importances sum to R².
"""
from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

MAX_LMG = 14  # 2^14 sub-models of the few-thousand-row frames this runs on: still a second or two


def _r2(y: np.ndarray, X: np.ndarray) -> float:
    if X.shape[1] == 0:
        return 0.0
    A = np.column_stack([np.ones(len(y)), X])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    return float(1 - resid @ resid / np.sum((y - y.mean()) ** 2))


def lmg(y, X) -> np.ndarray:
    """LMG (Shapley) decomposition of R² among the columns of X; sums to the full model's R²."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    k = X.shape[1]
    if k > MAX_LMG:
        raise ValueError(f"LMG needs 2^k sub-models; use at most {MAX_LMG} drivers, not {k}.")
    r2 = {(): 0.0}
    for size in range(1, k + 1):
        for subset in combinations(range(k), size):
            r2[subset] = _r2(y, X[:, subset])
    out = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in combinations(others, size):
                with_j = tuple(sorted(subset + (j,)))
                out[j] += weight * (r2[with_j] - r2[subset])
    return out


def drivers(frame: pd.DataFrame, outcome: str, drivers: list[str]) -> pd.DataFrame:
    """Key-driver analysis of ``outcome`` on ``drivers`` (complete cases).

    Returns
    -------
    DataFrame indexed by driver with ``coef, se, p_value, std_coef, vif, importance, share``;
    ``importance`` (LMG) sums to R²; ``share`` is importance / R². ``.attrs`` holds ``r2``,
    ``adj_r2``, ``n`` and ``outcome``. Rows are ordered by importance, largest first.

    Notes
    -----
    std_coef = coef x sd(driver) / sd(outcome). VIF_j = 1 / (1 - R²_j), R²_j from regressing
    driver j on the others (statsmodels ``variance_inflation_factor`` with a constant).
    """
    missing = [c for c in [outcome, *drivers] if c not in frame]
    if missing:
        raise ValueError(f"columns {missing} are not in the frame.")
    if len(drivers) < 1:
        raise ValueError("`drivers` must name at least one column.")
    data = frame[[outcome, *drivers]].apply(pd.to_numeric, errors="coerce").dropna()
    n = len(data)
    if n <= len(drivers) + 1:
        raise ValueError(f"{n} complete rows are too few for {len(drivers)} drivers.")
    constant = [d for d in drivers if data[d].std() == 0]
    if constant:
        raise ValueError(f"drivers without variation cannot be estimated: {constant}.")
    y = data[outcome].to_numpy(float)
    X = data[drivers].to_numpy(float)
    exog = sm.add_constant(X, has_constant="add")
    fit = sm.OLS(y, exog).fit()
    sd_x, sd_y = X.std(ddof=1, axis=0), y.std(ddof=1)
    vif = [variance_inflation_factor(exog, j + 1) for j in range(len(drivers))] if len(drivers) > 1 else [1.0]
    importance = lmg(y, X)
    out = pd.DataFrame({"coef": fit.params[1:], "se": fit.bse[1:], "p_value": fit.pvalues[1:],
                        "std_coef": fit.params[1:] * sd_x / sd_y, "vif": vif, "importance": importance,
                        "share": importance / fit.rsquared if fit.rsquared > 0 else np.nan}, index=drivers)
    out.index.name = "driver"
    out = out.sort_values("importance", ascending=False, kind="stable")
    out.attrs.update(r2=float(fit.rsquared), adj_r2=float(fit.rsquared_adj), n=n, outcome=outcome)
    return out
