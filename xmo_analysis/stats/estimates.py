"""Means and proportions with honest uncertainty, unweighted or weighted, overall or by domain.

Definitions follow ``shared/STATISTICS.md`` and R: ``t.test`` / ``prop.test(correct=FALSE)`` when
unweighted, ``survey::svymean`` / ``svyciprop(method="logit")`` on ``svydesign(ids=~1,
weights=~w)`` when weighted.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True)
class Estimate:
    """One estimate: ``value`` with its standard error and confidence interval.

    ``n`` counts the rows used (missing values dropped); ``n_eff`` is Kish's effective sample
    size, equal to ``n`` when unweighted; ``method`` names the estimator.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float
    method: str

    def __post_init__(self) -> None:
        # Plain Python numbers: records serialise to JSON and print cleanly.
        for name in ("value", "se", "ci_low", "ci_high", "n_eff"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "n", int(self.n))

    def scaled(self, factor: float, shift: float = 0.0) -> "Estimate":
        """The same estimate on a linear scale ``factor * x + shift`` (factor > 0)."""
        return Estimate(self.value * factor + shift, self.se * factor, self.ci_low * factor + shift,
                        self.ci_high * factor + shift, self.n, self.n_eff, self.method)

    def to_dict(self) -> dict:
        return asdict(self)


def _as_array(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype="float64") if not hasattr(values, "to_numpy") else \
        values.to_numpy(dtype="float64", na_value=np.nan)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
    return arr


def prepare(values, weights=None, domain=None, *, name: str = "values"):
    """Align values, weights and domain; drop rows whose value or weight is missing.

    Returns ``(y, w, d)``: ``w`` is None when unweighted, ``d`` a boolean mask over the kept rows.
    Raises ``ValueError`` for empty input, negative weights or mismatched lengths.
    """
    y = _as_array(values, name)
    keep = ~np.isnan(y)
    w = None
    if weights is not None:
        w = _as_array(getattr(weights, "values_", weights), "weights")
        if len(w) != len(y):
            raise ValueError(f"`weights` has {len(w)} rows but `{name}` has {len(y)}.")
        if np.any(w[~np.isnan(w)] < 0):
            raise ValueError("`weights` must be non-negative.")
        keep &= ~np.isnan(w)
    d = np.ones(len(y), dtype=bool)
    if domain is not None:
        d = np.asarray(domain, dtype=bool)
        if len(d) != len(y):
            raise ValueError(f"`domain` has {len(d)} rows but `{name}` has {len(y)}.")
    if getattr(weights, "residualise", None) is not None:
        # Calibrated weights: a missing value puts its row outside the domain, but the row stays,
        # as R's svymean(na.rm=TRUE) on a raked design (the calibration needs every row).
        d = d & keep
        y = np.where(keep, y, 0.0)
    else:
        y, d = y[keep], d[keep]
        w = w[keep] if w is not None else None
    if not np.any(d):
        raise ValueError(f"`{name}` has no non-missing value" + (" in the domain." if domain is not None else "."))
    return y, w, d


def effective_n(weights) -> float:
    """Kish's effective sample size, ``(sum w)^2 / sum w^2``."""
    w = _as_array(getattr(weights, "values_", weights), "weights")
    w = w[~np.isnan(w)]
    return float(w.sum() ** 2 / np.sum(w ** 2)) if w.size and np.sum(w ** 2) > 0 else 0.0


def design_effect(weights) -> float:
    """Kish's design effect due to unequal weights, ``1 + CV^2(w) = n * sum w^2 / (sum w)^2``."""
    w = _as_array(getattr(weights, "values_", weights), "weights")
    w = w[~np.isnan(w)]
    return float(len(w) / effective_n(w))


def _linearised(y: np.ndarray, w: np.ndarray, d: np.ndarray, resid=None) -> tuple[float, float]:
    """Weighted domain mean and its linearisation SE (R ``svymean`` / ``svyby``, ids=~1)."""
    wd = np.where(d, w, 0.0)
    total = wd.sum()
    if total <= 0:
        raise ValueError("the weights of the rows used sum to zero.")
    value = float(np.sum(wd * y) / total)
    u = np.where(d, (y - value) / total, 0.0)
    if resid is not None:  # calibrated weights: residuals of u on the calibration variables
        u = resid(u)
    n = len(y)
    x = w * u
    # Centred as R's svyrecvar does; the mean is exactly 0 unless the weights are calibrated.
    x = x - x.mean()
    se = float(np.sqrt(n / (n - 1) * np.sum(x ** 2))) if n > 1 else float("nan")
    return value, se


def mean(values, weights=None, conf: float = 0.95, domain=None) -> Estimate:
    """Mean with its standard error and confidence interval.

    Parameters
    ----------
    values : array-like of numbers; NaN are dropped (``n`` says how many remained).
    weights : optional survey weights (plain array, or the result of :func:`xmo_analysis.stats.weighting.rake`).
    conf : confidence level.
    domain : optional boolean mask: the estimate for that segment (a domain estimate when weighted).

    Returns
    -------
    Estimate

    Notes
    -----
    Unweighted: :math:`\\bar y`, :math:`SE = s/\\sqrt n` (s with n-1), CI by Student t with n-1 df,
    computed on the domain's rows.

    Weighted: :math:`\\hat\\mu = \\sum w y / \\sum w` over the domain, and

    .. math:: SE^2 = \\frac{n}{n-1} \\sum_i \\left[ w_i (y_i - \\hat\\mu) \\right]^2 / (\\sum w)^2

    with the sums over the domain but n the whole sample's size (R ``svyby``); CI by the normal
    quantile (R ``confint`` on ``svymean``); ``n_eff = (sum w)^2 / sum w^2`` over the domain.
    Raked weights add calibration: see :mod:`xmo_analysis.stats.weighting`.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.

    Examples
    --------
    >>> round(mean([1, 2, 3, 4]).ci_high, 4)
    4.5541
    """
    _check_conf(conf)
    y, w, d = prepare(values, weights, domain)
    if w is None:
        yd = y[d]
        n = len(yd)
        value = float(yd.mean())
        if n < 2:
            return Estimate(value, float("nan"), float("nan"), float("nan"), n, float(n), "mean (t)")
        se = float(yd.std(ddof=1) / np.sqrt(n))
        q = sps.t.ppf(0.5 + conf / 2, n - 1)
        return Estimate(value, se, value - q * se, value + q * se, n, float(n), "mean (t)")
    value, se = _linearised(y, w, d, _calibration(weights))
    q = sps.norm.ppf(0.5 + conf / 2)
    method = "weighted mean (linearisation" + (", calibrated)" if _calibration(weights) else ")")
    return Estimate(value, se, value - q * se, value + q * se, int(d.sum()), effective_n(w[d]), method)


def proportion(flags, weights=None, conf: float = 0.95, domain=None) -> Estimate:
    """Proportion of true flags, with its standard error and confidence interval.

    Notes
    -----
    Unweighted: :math:`\\hat p = x/n`, :math:`SE = \\sqrt{\\hat p(1-\\hat p)/n}`, Wilson score
    interval without continuity correction (R ``prop.test(x, n, correct=FALSE)$conf.int``):

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Weighted: value and SE as :func:`mean` of the 0/1 variable; CI by the logit method of R
    ``svyciprop(method="logit")``: :math:`\\text{logit}(\\hat p) \\pm t_{n-1} SE / (\\hat p(1-\\hat p))`
    transformed back (at :math:`\\hat p` = 0 or 1 the interval collapses to the point).

    References
    ----------
    Wilson, E. B. (1927). Probable inference... JASA 22, 209-212.
    """
    _check_conf(conf)
    y, w, d = prepare(flags, weights, domain, name="flags")
    if not np.all(np.isin(y, (0.0, 1.0))):
        bad = np.unique(y[~np.isin(y, (0.0, 1.0))])[:5]
        raise ValueError(f"`flags` must be 0/1 or boolean; found {bad.tolist()}.")
    if w is None:
        yd = y[d]
        n = len(yd)
        p = float(yd.mean())
        z = sps.norm.ppf(0.5 + conf / 2)
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        se = float(np.sqrt(p * (1 - p) / n))
        return Estimate(p, se, float(centre - half), float(centre + half), n, float(n), "proportion (Wilson)")
    resid = _calibration(weights)
    p, se = _linearised(y, w, d, resid)
    n = len(y)
    if 0 < p < 1 and n > 1:
        q = sps.t.ppf(0.5 + conf / 2, n - 1)
        logit = np.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        lo, hi = 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half)))
    else:
        lo = hi = p
    return Estimate(p, se, float(lo), float(hi), int(d.sum()), effective_n(w[d]),
                    "weighted proportion (logit" + (", calibrated)" if resid else ")"))


def _calibration(weights):
    """The residualiser of calibrated (raked) weights, or None for plain weights."""
    return getattr(weights, "residualise", None)


def _check_conf(conf: float) -> None:
    if not 0 < conf < 1:
        raise ValueError(f"`conf` must be between 0 and 1; not {conf!r}.")
