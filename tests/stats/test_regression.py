"""Regression-based estimates and the design-based segment test against R.

Reference values: tests/reference/regression.R (R 4.2.2, survey 4.1.1, sandwich 3.0.2,
lmtest 0.9.40) on tests/reference/regression_data.csv and rake_data.csv. ``coeftest`` and
``coefci`` with ``vcovHC(type = "HC1")``; ``svyglm(y ~ in_seg, design)``.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from xmo_analysis import stats
from xmo_analysis.stats.comparisons import compare_segments, segment_vs_rest
from xmo_analysis.stats.regression import benjamini_hochberg, control_limits, did, trend

from conftest import TESTS

REF = TESTS / "reference"
MARGINS = {"loc": {"L": 300, "M": 250, "S": 450}, "dep": {"A": 200, "B": 300, "C": 250, "D": 250}}


@pytest.fixture(scope="module")
def frame():
    return pd.read_csv(REF / "regression_data.csv")


def test_did_matches_r_coeftest_hc1(frame):
    r = did(frame["y"], frame["treated"], frame["post"])
    # R: coeftest(lm(y ~ treated * post), vcov. = vcovHC(fit, type = "HC1"))["treated:post", ]
    assert r.value == pytest.approx(7.08632183908046, rel=1e-12)
    assert r.se == pytest.approx(2.80151735575385, rel=1e-10)
    assert r.statistic == pytest.approx(2.52945848239217, rel=1e-10)
    assert r.p_value == pytest.approx(0.0120819142968799, rel=1e-9)
    # R: coefci(fit, vcov. = V, level = 0.95) -- t quantiles with 234 residual df, not the normal
    assert (r.ci_low, r.ci_high) == pytest.approx((1.56690221576855, 12.6057414623924), rel=1e-10)
    assert r.df == 234 and r.n == 238
    r90 = did(frame["y"], frame["treated"], frame["post"], conf=0.90)
    assert (r90.ci_low, r90.ci_high) == pytest.approx((2.45991996151346, 11.7127237166475), rel=1e-10)


def test_trend_matches_r_coeftest_hc1(frame):
    r = trend(frame["y"], frame["t"])
    # R: coeftest(lm(y ~ t), vcov. = vcovHC(fit2, type = "HC1"))["t", ], coefci(...)["t", ]
    assert r.value == pytest.approx(0.517553754266212, rel=1e-12)
    assert r.se == pytest.approx(0.642260830318673, rel=1e-10)
    assert r.p_value == pytest.approx(0.421151445884588, rel=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((-0.747743018590454, 1.78285052712288), rel=1e-10)
    assert r.df == 236


def test_hc1_by_hand(frame):
    # An independent computation of the sandwich, with numpy only:
    # V = n/(n-k) (X'X)^-1 X' diag(e^2) X (X'X)^-1
    f = frame.dropna(subset=["y"])
    X = np.column_stack([np.ones(len(f)), f["t"].to_numpy(float)])
    y = f["y"].to_numpy(float)
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    e = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    V = len(y) / (len(y) - 2) * bread @ (X.T * e ** 2) @ X @ bread
    r = trend(frame["y"], frame["t"])
    assert r.se == pytest.approx(np.sqrt(V[1, 1]), rel=1e-12)
    q = sps.t.ppf(0.975, len(y) - 2)
    assert r.ci_high == pytest.approx(beta[1] + q * np.sqrt(V[1, 1]), rel=1e-12)


@pytest.mark.parametrize("seg, plain, raked", [
    # R: svyglm(y ~ in_seg, design): coef(g)["in_seg"], SE(g)["in_seg"]
    ("A", (0.0419687980663602, 0.378421830205332), (0.0717315965712408, 0.367456676622334)),
    ("C", (-0.56855265946175, 0.424101536458909), (-0.58572882398538, 0.474087289839846)),
])
def test_segment_vs_rest_matches_svyglm(seg, plain, raked):
    df = pd.read_csv(REF / "rake_data.csv")
    mask = (df["dep"] == seg).to_numpy()
    w0 = np.resize([10.0, 20.0, 35.0], len(df))
    p = segment_vs_rest(df["y"], w0, mask)
    assert (p.diff, p.se) == pytest.approx(plain, rel=1e-10)
    w = stats.rake(df, MARGINS, tol=1e-10)  # R's rake ran with epsilon 1e-10
    r = segment_vs_rest(df["y"], w, mask)
    assert (r.diff, r.se) == pytest.approx(raked, rel=1e-8)
    # the independent-domains SE is what the design-based test replaces: on raked weights it differs
    a, b = stats.mean(df["y"], w, domain=mask), stats.mean(df["y"], w, domain=~mask)
    assert abs(np.hypot(a.se, b.se) - r.se) > 1e-3
    assert p.p_value == pytest.approx(2 * sps.norm.sf(abs(p.diff / p.se)), rel=1e-12)


def test_compare_segments_uses_the_design_based_test():
    df = pd.read_csv(REF / "rake_data.csv")
    w = stats.rake(df, MARGINS, tol=1e-10)
    out = compare_segments(df, "y", "dep", weights=w, min_n=1).set_index("segment")
    assert out.loc["A", "se"] == pytest.approx(stats.mean(df["y"], w, domain=(df["dep"] == "A").to_numpy()).se)
    assert out.loc["A", "diff"] == pytest.approx(0.0717315965712408, rel=1e-8)
    low = out.loc["A", "diff_ci_low"]
    assert low == pytest.approx(0.0717315965712408 - sps.norm.ppf(0.975) * 0.367456676622334, rel=1e-8)


def test_benjamini_hochberg_by_hand():
    # p.adjust(c(0.01, 0.04, 0.03, 0.20), "BH") = 0.04, 0.05333, 0.05333, 0.20 (sorted ranks by hand)
    p = [0.01, 0.04, 0.03, 0.20, np.nan]
    out = benjamini_hochberg(p)
    expected = [0.01 * 4 / 1, min(0.04 * 4 / 3, 0.20), min(0.03 * 4 / 2, 0.04 * 4 / 3), 0.20]
    assert out[:4] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(out[4])


def test_control_limits_by_hand():
    t = pd.DataFrame({"xla": ["X"] * 4, "score": [70.0, 72.0, 71.0, 80.0], "se": [1.0, 1.0, 2.0, 1.0]})
    out = control_limits(t)
    centre = (70 + 72 + 71 + 80) / 4
    assert out["centre"].tolist() == [centre] * 4
    assert out["ucl"].tolist() == [centre + 3, centre + 3, centre + 6, centre + 3]
    # centre 73.25: 70 is below 70.25 and 80 above 76.25; 71 is inside its wider limits (SE 2)
    assert out["outside"].tolist() == [True, False, False, True]


def test_within_slope_is_statsmodels_formula_with_group_dummies(frame):
    """An independent design: statsmodels' formula API builds the group dummies (patsy), fitted
    with HC1 and t quantiles as STATISTICS.md names them (R: coeftest(lm(y ~ t + factor(g)), vcovHC(type = "HC1")))."""
    import statsmodels.formula.api as smf
    from xmo_analysis.stats.regression import within_slope
    d = frame.assign(g=[f"g{i % 5}" for i in range(len(frame))])
    d.loc[3, "y"] = np.nan  # a missing answer and a missing predictor: complete rows only
    d.loc[7, "t"] = np.nan
    fit = smf.ols("y ~ t + C(g)", data=d.dropna()).fit(cov_type="HC1", use_t=True)
    r = within_slope(d["y"], d["t"], d["g"])
    lo, hi = fit.conf_int().loc["t"]
    assert (r.value, r.se, r.p_value, r.ci_low, r.ci_high) == pytest.approx(
        (fit.params["t"], fit.bse["t"], fit.pvalues["t"], lo, hi), rel=1e-9)
    complete = len(d.dropna())
    assert complete < len(d) - 1  # the planted gaps (and the file's own) were dropped
    assert r.n == complete and r.df == complete - 6 and r.method == "OLS slope within groups (fixed effects, HC1, t)"


def test_missing_values_anywhere_drop_only_their_rows(frame):
    """None or NaN in the outcome, NaN in the predictor: the rows go, the rest is the complete-case fit."""
    y = frame["y"].astype(object).tolist()
    t = frame["t"].astype(object).tolist()
    y[0], t[5], t[6] = None, float("nan"), None
    missing = lambda v: v is None or np.isnan(v)  # noqa: E731
    keep = [i for i in range(len(y)) if not missing(y[i]) and not missing(t[i])]
    assert not {0, 5, 6} & set(keep)
    full = trend([y[i] for i in keep], [t[i] for i in keep])
    r = trend(y, t)
    assert (r.value, r.se, r.n) == (full.value, full.se, len(keep)) and r.method == "OLS slope (HC1, t)"
    treated, post = frame["treated"].astype(object).tolist(), frame["post"].astype(object).tolist()
    post[2], treated[4] = None, None
    r = did(y, treated, post)
    rows = [i for i in range(len(y)) if not missing(y[i]) and post[i] is not None and treated[i] is not None]
    ref = did([y[i] for i in rows], [treated[i] for i in rows], [post[i] for i in rows])
    assert (r.value, r.se, r.n) == (ref.value, ref.se, len(rows))
    assert r.method == "difference-in-differences (OLS, HC1, t)"
    from xmo_analysis.stats.regression import within_slope
    g = [f"g{i % 5}" for i in range(len(y))]
    r = within_slope(y, t, g)
    ref = within_slope([y[i] for i in keep], [t[i] for i in keep], [g[i] for i in keep])
    assert (r.value, r.se, r.n, r.df) == (ref.value, ref.se, len(keep), len(keep) - 6)
    out = benjamini_hochberg([0.01, None, 0.04])
    assert np.isnan(out[1]) and out[[0, 2]] == pytest.approx([0.02, 0.04], rel=1e-12)


def test_too_few_rows_and_unequal_lengths_are_clear_errors():
    # two points for two coefficients: no residual degree of freedom, no standard error
    with pytest.raises(ValueError, match=r"OLS slope \(HC1, t\): 2 complete rows are too few for 2 coefficients"):
        trend([1.0, 2.0], [0.0, 1.0])
    assert trend([1.0, 2.0, 4.0], [0.0, 1.0, 2.0]).df == 1  # three are enough
    with pytest.raises(ValueError, match="`outcome` and `period` must have one length; got 3 and 2"):
        trend([1.0, 2.0, 3.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="`outcome`, `treated` and `post` must have one length; got 2, 3, 2"):
        did([1.0, 2.0], [0, 1, 1], [0, 1])
    from xmo_analysis.stats.regression import within_slope
    with pytest.raises(ValueError, match="`outcome`, `x` and `groups` must have one length; got 2, 2, 1"):
        within_slope([1.0, 2.0], [0.0, 1.0], ["a"])


def test_a_point_on_a_control_limit_is_not_outside():
    # centre 70.75; 73.0 is exactly centre + 3 x 0.75 and 70.0 exactly centre - 3 x 0.25 (exact in binary)
    t = pd.DataFrame({"xla": ["X"] * 4, "score": [70.0, 70.0, 70.0, 73.0], "se": [0.25, 1.0, 1.0, 0.75]})
    out = control_limits(t)
    assert out["ucl"].iloc[3] == 73.0 and out["lcl"].iloc[0] == 70.0
    assert out["outside"].tolist() == [False, False, False, False]
