"""Comparisons: two groups (Welch t, two-proportion z) and every segment against the rest."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from .estimates import mean, prepare, proportion


@dataclass(frozen=True)
class Comparison:
    """``a - b``: difference, its SE and CI, the test statistic, its df and two-sided p-value."""

    diff: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    df: float
    p_value: float
    method: str

    def __post_init__(self) -> None:
        for name in ("diff", "se", "ci_low", "ci_high", "statistic", "df", "p_value"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def to_dict(self) -> dict:
        return asdict(self)


def compare(a, b, weights_a=None, weights_b=None, kind: str = "mean", conf: float = 0.95) -> Comparison:
    """Compare two independent groups, ``a - b``.

    Notes
    -----
    Means: Welch's t, :math:`SE = \\sqrt{s_a^2/n_a + s_b^2/n_b}` with Welch-Satterthwaite df
    (R ``t.test(a, b)``). Proportions: two-proportion z with the pooled SE for the test and the
    unpooled SE for the CI (R ``prop.test(c(xa, xb), c(na, nb), correct=FALSE)``: same p-value,
    the same Wald interval). Weighted: the difference of independent linearised estimates,
    :math:`SE = \\sqrt{SE_a^2 + SE_b^2}`, normal reference.
    """
    if kind not in ("mean", "proportion"):
        raise ValueError(f"`kind` must be one of 'mean', 'proportion'; not {kind!r}.")
    est = mean if kind == "mean" else proportion
    ea, eb = est(a, weights_a, conf), est(b, weights_b, conf)
    diff = ea.value - eb.value
    weighted = weights_a is not None or weights_b is not None
    if weighted:
        se = float(np.hypot(ea.se, eb.se))
        return _z(diff, se, se, conf, "difference of linearised estimates (z)")
    if kind == "mean":
        va, vb = ea.se ** 2, eb.se ** 2
        se = float(np.sqrt(va + vb))
        df = float((va + vb) ** 2 / (va ** 2 / (ea.n - 1) + vb ** 2 / (eb.n - 1))) if se > 0 else float("nan")
        stat = diff / se if se > 0 else float("nan")
        q = sps.t.ppf(0.5 + conf / 2, df) if se > 0 else float("nan")
        p = float(2 * sps.t.sf(abs(stat), df)) if se > 0 else float("nan")
        return Comparison(float(diff), se, diff - q * se, diff + q * se, float(stat), df, p, "Welch t")
    pooled = (ea.value * ea.n + eb.value * eb.n) / (ea.n + eb.n)
    se0 = float(np.sqrt(pooled * (1 - pooled) * (1 / ea.n + 1 / eb.n)))
    se = float(np.hypot(ea.se, eb.se))
    return _z(diff, se, se0, conf, "two-proportion z")


def _z(diff: float, se: float, se_test: float, conf: float, method: str) -> Comparison:
    z = sps.norm.ppf(0.5 + conf / 2)
    stat = diff / se_test if se_test > 0 else float("nan")
    p = float(2 * sps.norm.sf(abs(stat))) if se_test > 0 else float("nan")
    return Comparison(float(diff), se, diff - z * se, diff + z * se, float(stat), float("inf"), p, method)


def compare_segments(frame: pd.DataFrame, value: str, by: str, weights=None, kind: str = "mean",
                     min_n: int = 5, conf: float = 0.95) -> pd.DataFrame:
    """Each segment of ``by`` against the rest of the organisation, with BH-adjusted p-values.

    Returns one row per segment (sorted by segment) with ``segment, n, value, se, ci_low,
    ci_high, diff, diff_ci_low, diff_ci_high, p_value, p_adjusted, suppressed``. A segment with
    fewer than ``min_n`` respondents is suppressed: only ``segment`` and ``n`` are kept, and it is
    left out of the multiple-testing family. Unweighted segments are estimated on their own rows;
    weighted ones as domain estimates of the whole sample (R ``svyby``), and the difference to
    the rest as the difference of the two domain estimates.
    Benjamini-Hochberg adjustment via statsmodels ``multipletests(method="fdr_bh")``.
    """
    if kind not in ("mean", "proportion"):
        raise ValueError(f"`kind` must be one of 'mean', 'proportion'; not {kind!r}.")
    if value not in frame or by not in frame:
        missing = [c for c in (value, by) if c not in frame]
        raise ValueError(f"column(s) {missing} not in the frame; it has {list(frame.columns)}.")
    w = frame[weights].to_numpy(float) if isinstance(weights, str) else weights
    y = frame[value]
    est = mean if kind == "mean" else proportion
    rows = []
    for seg in sorted(frame[by].dropna().unique(), key=str):
        mask = (frame[by] == seg).to_numpy()
        n = int((mask & y.notna().to_numpy()).sum())
        row = {"segment": seg, "n": n, "suppressed": n < min_n}
        if not row["suppressed"] and n < len(y.dropna()):
            if w is None:
                e = est(y[mask], conf=conf)
                c = compare(y[mask], y[~mask], kind=kind, conf=conf)
            else:
                e = est(y, w, conf, domain=mask)
                rest = est(y, w, conf, domain=~mask)
                diff, se = e.value - rest.value, float(np.hypot(e.se, rest.se))
                c = _z(diff, se, se, conf, "difference of domain estimates (z)")
            row.update(value=e.value, se=e.se, ci_low=e.ci_low, ci_high=e.ci_high, diff=c.diff,
                       diff_ci_low=c.ci_low, diff_ci_high=c.ci_high, p_value=c.p_value)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["segment", "n", "value", "se", "ci_low", "ci_high", "diff",
                                      "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted", "suppressed"])
    tested = out["p_value"].notna()
    if tested.any():
        out.loc[tested, "p_adjusted"] = multipletests(out.loc[tested, "p_value"], method="fdr_bh")[1]
    return out


__all__ = ["Comparison", "compare", "compare_segments", "prepare"]
