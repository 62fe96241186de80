"""The experience gap: measured experience against an ambition's target, with a status."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

from xmo_analysis.stats.estimates import Estimate, mean, prepare, proportion
from xmo_analysis.core.vocabulary import AT_RISK, MET, MISSED



@dataclass(frozen=True)
class Gap:
    """Measured ``value`` vs ``target``; ``gap`` < 0 is always short of the ambition.

    ``ci_low``/``ci_high`` bound the gap; ``statistic``, ``df`` and ``p_value`` belong to the
    one-sided test whose alternative is "meets the target" (small p: the target is met).
    """

    value: float
    target: float
    gap: float
    ci_low: float
    ci_high: float
    statistic: float
    df: float
    p_value: float
    status: str
    n: int
    estimate: Estimate

    def to_dict(self) -> dict:
        out = asdict(self)
        out["estimate"] = self.estimate.to_dict()
        return out


def status_of(ci_low: float, ci_high: float, target: float, higher_is_better: bool = True) -> str:
    """``met`` when the CI's worse end meets the target, ``missed`` when its better end does not."""
    worse, better = (ci_low, ci_high) if higher_is_better else (ci_high, ci_low)
    if np.isnan(worse) or np.isnan(better):
        return AT_RISK
    meets = (lambda v: v >= target) if higher_is_better else (lambda v: v <= target)
    if meets(worse):
        return MET
    if not meets(better):
        return MISSED
    return AT_RISK


def gap(values, target: float, weights=None, higher_is_better: bool = True, kind: str = "mean",
        conf: float = 0.95, domain=None) -> Gap:
    """Gap between the measured experience and its target, with CI, test and status.

    Parameters
    ----------
    values : per-response values (``kind="mean"``) or 0/1 flags (``kind="proportion"``).
    target : the ambition, in the units of the estimate (a share in [0, 1] for proportions).
    weights : optional survey weights.
    higher_is_better : False for indicators where lower is better (the gap's sign is flipped).
    kind : ``"mean"`` or ``"proportion"``.
    domain : optional boolean mask: the gap of that segment (a domain estimate when weighted).

    Notes
    -----
    gap = measured - target (target - measured when lower is better); its CI is the estimate's
    CI shifted the same way. Status: **met** when the CI's worse end meets the target, **missed**
    when its better end does not, **at risk** otherwise.

    The one-sided test has H0 "does not meet the target". Unweighted means: one-sample t,
    :math:`t = (\\bar y - target)/SE`, n-1 df (R ``t.test(y, mu=target, alternative="greater")``).
    Unweighted proportions: score test with the null SE :math:`\\sqrt{p_0(1-p_0)/n}` (R
    ``prop.test(x, n, p=target, alternative="greater", correct=FALSE)``). Weighted: Wald z with
    the linearisation SE. For lower-is-better the alternatives are reversed.
    """
    if kind not in ("mean", "proportion"):
        raise ValueError(f"`kind` must be one of 'mean', 'proportion'; not {kind!r}.")
    est = (mean if kind == "mean" else proportion)(values, weights, conf, domain=domain)
    sign = 1.0 if higher_is_better else -1.0
    g = sign * (est.value - target)
    lo, hi = sorted((sign * (est.ci_low - target), sign * (est.ci_high - target)))
    if kind == "proportion" and weights is None:
        if not 0 < target < 1:
            raise ValueError(f"a proportion's `target` must be between 0 and 1; not {target!r}.")
        se0 = np.sqrt(target * (1 - target) / est.n)
        stat, df = g / se0, float("inf")
    else:
        stat = g / est.se if est.se > 0 else (np.inf * np.sign(g) if g else float("nan"))
        df = float(est.n - 1) if (weights is None) else float("inf")
    if np.isnan(stat):
        p = float("nan")
    elif np.isinf(df):
        p = float(sps.norm.sf(stat))
    else:
        p = float(sps.t.sf(stat, df)) if df > 0 else float("nan")
    return Gap(est.value, float(target), float(g), float(lo), float(hi), float(stat), df, p,
               status_of(est.ci_low, est.ci_high, target, higher_is_better), est.n, est)


__all__ = ["Gap", "gap", "status_of", "prepare"]
