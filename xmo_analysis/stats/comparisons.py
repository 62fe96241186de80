"""Comparisons: two groups (Welch t, two-proportion z) and every segment against the rest."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from xmo_analysis.stats.estimates import mean, prepare, proportion
from xmo_analysis.stats.regression import benjamini_hochberg


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


def segment_vs_rest(values, weights, in_segment, conf: float = 0.95) -> Comparison:
    r"""Weighted segment minus the rest of the same sample, design-based (R ``svyglm(y ~ in_segment)``).

    Notes
    -----
    The difference :math:`d = \bar y_S - \bar y_R` of the two weighted domain means is the
    coefficient of the segment indicator in ``svyglm(y ~ in_segment, design)``. Its influence
    values are :math:`u_i = 1_S(i)(y_i - \bar y_S)/\sum_S w - 1_R(i)(y_i - \bar y_R)/\sum_R w`;
    for raked weights they are replaced by their calibration residuals (the two groups are then
    coupled through the margins), and :math:`SE^2 = n/(n-1) \sum (w_i u_i - \overline{wu})^2`
    with ``n`` the whole sample (rows with a missing value included), as R's ``svyrecvar``. CI and p-value from the normal (STATISTICS.md).
    For plain weights this equals the difference of independent domain estimates.
    """
    mask = np.asarray(in_segment, dtype=bool)
    y, w, d_s = prepare(values, weights, domain=mask)
    _, _, d_r = prepare(values, weights, domain=~mask)
    parts = []
    for d in (d_s, d_r):
        wd = np.where(d, w, 0.0)
        total = wd.sum()
        m = float(np.sum(wd * y) / total)
        parts.append((m, np.where(d, (y - m) / total, 0.0)))
    (m_s, u_s), (m_r, u_r) = parts
    u = u_s - u_r
    resid = getattr(weights, "residualise", None)
    if resid is not None:
        u = resid(u)
    # n is the whole sample's size, rows with a missing value included: R's svyglm keeps them in
    # the design (with weight zero), as the domain rule of STATISTICS.md does.
    n = len(mask)
    x = w * u
    x = x - x.mean()
    se = float(np.sqrt(n / (n - 1) * np.sum(x ** 2))) if n > 1 else float("nan")
    return _z(m_s - m_r, se, se, conf, "design-based segment vs rest (svyglm, z)")


def compare_segments(frame: pd.DataFrame, value: str, by: str, weights=None, kind: str = "mean",
                     min_n: int = 5, conf: float = 0.95, skip=None) -> pd.DataFrame:
    """Each segment of ``by`` against the rest of the organisation, with BH-adjusted p-values.

    Returns one row per segment (sorted by segment) with ``segment, n, value, se, ci_low,
    ci_high, diff, diff_ci_low, diff_ci_high, p_value, p_adjusted, suppressed``. A segment with
    fewer than ``min_n`` respondents is suppressed: only ``segment`` and ``n`` are kept, and it is
    left out of the multiple-testing family, as is every segment named in ``skip`` (the caller's
    suppression decision, e.g. complementary suppression). Unweighted segments are estimated on their own rows
    (Welch t against the rest); weighted ones as domain estimates of the whole sample (R
    ``svyby``), and the difference to the rest design-based, as R ``svyglm(y ~ in_segment)``
    (:func:`segment_vs_rest`).
    Benjamini-Hochberg adjustment (:func:`~xmo_analysis.stats.regression.benjamini_hochberg`).
    """
    if kind not in ("mean", "proportion"):
        raise ValueError(f"`kind` must be one of 'mean', 'proportion'; not {kind!r}.")
    if value not in frame or by not in frame:
        missing = [c for c in (value, by) if c not in frame]
        raise ValueError(f"column(s) {missing} not in the frame; it has {list(frame.columns)}.")
    w = frame[weights].to_numpy(float) if isinstance(weights, str) else weights
    skip = set(skip or ())
    y = frame[value]
    est = mean if kind == "mean" else proportion
    rows = []
    for seg in sorted(frame[by].dropna().unique(), key=str):
        mask = (frame[by] == seg).to_numpy()
        n = int((mask & y.notna().to_numpy()).sum())
        row = {"segment": seg, "n": n, "suppressed": n < min_n or seg in skip}
        if not row["suppressed"] and n < len(y.dropna()):
            if w is None:
                e = est(y[mask], conf=conf)
                c = compare(y[mask], y[~mask], kind=kind, conf=conf)
            else:
                e = est(y, w, conf, domain=mask)
                c = segment_vs_rest(y, w, mask, conf)
            row.update(value=e.value, se=e.se, ci_low=e.ci_low, ci_high=e.ci_high, diff=c.diff,
                       diff_ci_low=c.ci_low, diff_ci_high=c.ci_high, p_value=c.p_value)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["segment", "n", "value", "se", "ci_low", "ci_high", "diff",
                                      "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted", "suppressed"])
    out["p_adjusted"] = benjamini_hochberg(out["p_value"].to_numpy(dtype=float))
    return out


__all__ = ["Comparison", "compare", "compare_segments", "segment_vs_rest", "prepare"]
