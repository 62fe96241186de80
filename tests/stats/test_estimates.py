"""Means, proportions, gaps and comparisons against R.

Reference values were computed with R 4.2 and survey 4.1 on the data below
(script: ``tests/reference/estimates.R``); each number says which call gave it.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmo_analysis import stats

Y = np.array([3, 5, 2, 4, 4, 5, 1, 3, 4, 2, 5, 3.0])
W = np.array([1.5, 2, 1, 0.5, 3, 1, 2, 1.2, 0.8, 1, 2.5, 1.5])
G = np.array(list("aabbaccbacba"))
F = (Y >= 4).astype(float)
REL = 1e-6


def test_mean_unweighted_matches_t_test():
    e = stats.mean(Y)
    # R: t.test(y)$conf.int
    assert (e.ci_low, e.ci_high) == pytest.approx((2.58346054068925, 4.24987279264408), rel=REL)
    assert e.value == pytest.approx(41 / 12) and e.n == 12 and e.n_eff == 12


def test_mean_weighted_matches_svymean():
    e = stats.mean(Y, W)
    # R: m <- svymean(~y, svydesign(ids=~1, weights=~w)); coef(m); SE(m); confint(m)
    assert e.value == pytest.approx(3.51666666666667, rel=REL)
    assert e.se == pytest.approx(0.444131918738172, rel=REL)
    assert (e.ci_low, e.ci_high) == pytest.approx((2.64618410155518, 4.38714923177815), rel=REL)
    assert e.n_eff == pytest.approx(W.sum() ** 2 / (W ** 2).sum())


@pytest.mark.parametrize("seg,value,se", [
    # R: svyby(~y, ~g, d, svymean)
    ("a", 3.88636363636364, 0.348482195920233),
    ("b", 3.86538461538461, 0.71321979296704),
    ("c", 2.25, 0.972636996660484),
])
def test_weighted_domain_matches_svyby(seg, value, se):
    e = stats.mean(Y, W, domain=G == seg)
    assert e.value == pytest.approx(value, rel=REL)
    assert e.se == pytest.approx(se, rel=REL)
    assert e.n == int((G == seg).sum())


def test_proportion_wilson_matches_prop_test():
    e = stats.proportion(F)
    # R: prop.test(6, 12, correct=FALSE)$conf.int
    assert (e.ci_low, e.ci_high) == pytest.approx((0.253781597633706, 0.746218402366294), rel=REL)
    zero = stats.proportion(np.zeros(10))
    # R: prop.test(0, 10, correct=FALSE)$conf.int
    assert (zero.ci_low, zero.ci_high) == pytest.approx((0, 0.277532799862889), rel=REL, abs=1e-12)
    one = stats.proportion(np.ones(10))
    assert (one.ci_low, one.ci_high) == pytest.approx((1 - 0.277532799862889, 1), rel=REL)


def test_weighted_proportion_matches_svyciprop_logit():
    e = stats.proportion(F, W)
    # R: svyciprop(~f, d, method="logit"); its coef comes from an iterative glm fit (1e-9 accurate)
    assert e.value == pytest.approx(0.544444444380212, rel=REL)
    assert e.se == pytest.approx(0.163365842167706, rel=REL)
    assert (e.ci_low, e.ci_high) == pytest.approx((0.219005800699605, 0.835890806243388), rel=REL)


def test_gap_one_sided_t_matches_r():
    g = stats.gap(Y, 3)
    # R: t.test(y, mu=3, alternative="greater")
    assert g.statistic == pytest.approx(1.10066059459462, rel=REL)
    assert g.p_value == pytest.approx(0.147273528724481, rel=REL)
    assert g.gap == pytest.approx(41 / 12 - 3) and g.status == "at risk"


def test_gap_proportion_matches_prop_test_greater():
    g = stats.gap(F, 0.3, kind="proportion")
    # R: prop.test(6, 12, p=0.3, alternative="greater", correct=FALSE)$p.value
    assert g.p_value == pytest.approx(0.0652850090578681, rel=REL)


def test_gap_status_and_direction():
    high = np.r_[np.full(50, 80.0), np.full(50, 82.0)]
    assert stats.gap(high, 70).status == "met"
    assert stats.gap(high, 90).status == "missed"
    assert stats.gap(high, 81).status == "at risk"
    # lower is better: 81 against a ceiling of 90 meets it, and the gap is positive (good)
    low = stats.gap(high, 90, higher_is_better=False)
    assert low.status == "met" and low.gap == pytest.approx(9.0) and low.p_value < 1e-10
    assert stats.gap(high, 70, higher_is_better=False).status == "missed"


def test_compare_welch_matches_t_test():
    c = stats.compare(Y[G == "a"], Y[G != "a"])
    # R: t.test(y[g=="a"], y[g!="a"])
    assert c.statistic == pytest.approx(0.935211798334035, rel=REL)
    assert c.df == pytest.approx(9.46518577550547, rel=REL)
    assert c.p_value == pytest.approx(0.372924195214176, rel=REL)
    assert (c.ci_low, c.ci_high) == pytest.approx((-0.920572114315585, 2.2348578286013), rel=REL)


def test_compare_two_proportions_matches_prop_test():
    c = stats.compare(F[G == "a"], F[G != "a"], kind="proportion")
    # R: prop.test(c(4, 2), c(5, 7), correct=FALSE): p-value and conf.int
    assert c.p_value == pytest.approx(0.558184649422657, rel=REL)
    assert (c.ci_low, c.ci_high) == pytest.approx((-0.393181988316479, 0.736039131173622), rel=REL)


def test_compare_segments_bh_and_suppression():
    import pandas as pd
    from statsmodels.stats.multitest import multipletests
    frame = pd.DataFrame({"y": np.r_[Y, Y, [4, 4]], "g": np.r_[G, G, ["tiny", "tiny"]]})
    out = stats.compare_segments(frame, "y", "g", min_n=5)
    tiny = out[out.segment == "tiny"].iloc[0]
    assert bool(tiny.suppressed) and tiny.n == 2 and np.isnan(tiny.value) and np.isnan(tiny.p_value)
    shown = out[~out.suppressed]
    assert shown["p_adjusted"].tolist() == pytest.approx(multipletests(shown["p_value"], method="fdr_bh")[1].tolist())
    a = shown[shown.segment == "a"].iloc[0]
    rest = frame[(frame.g != "a")]["y"]
    assert a["diff"] == pytest.approx(stats.compare(frame[frame.g == "a"]["y"], rest).diff)


def test_margin_of_error_and_representativeness():
    assert stats.margin_of_error(1000) == pytest.approx(1.959963984540054 * np.sqrt(0.25 / 1000))
    # finite population correction: sqrt((N-n)/(N-1))
    assert stats.margin_of_error(100, 200) == pytest.approx(1.959963984540054 * 0.05 * np.sqrt(100 / 199))
    r = stats.representativeness({"x": 30, "y": 50, "z": 20}, {"x": 100, "y": 300, "z": 100})
    # R: chisq.test(c(30, 50, 20), p=c(100, 300, 100)/500)
    assert r.chi2 == pytest.approx(6.66666666666667, rel=REL)
    assert r.p_value == pytest.approx(0.0356739933472524, rel=REL)
    assert r.table.loc["x", "response_rate"] == pytest.approx(0.3)


@pytest.mark.parametrize("bad", [[], [np.nan, np.nan]])
def test_empty_input_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="no non-missing value"):
        stats.mean(bad)


def test_edge_cases():
    one = stats.mean([4.0])
    assert one.value == 4 and one.n == 1 and np.isnan(one.se)
    same = stats.mean([3.0] * 10)
    assert same.se == 0 and same.ci_low == same.ci_high == 3
    e = stats.mean([1, np.nan, 3])
    assert e.n == 2 and e.value == 2
    # a zero weight contributes nothing to the value
    assert stats.mean([1, 2, 100], [1, 1, 0]).value == pytest.approx(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        stats.mean([1, 2], [1, -1])
    with pytest.raises(ValueError, match="0/1"):
        stats.proportion([0, 2])
    with pytest.raises(ValueError, match="`kind` must be one of"):
        stats.gap([1, 2], 1, kind="median")


def test_scores():
    nps = stats.nps([10, 9, 8, 7, 6, 0, 10])
    assert nps.value == pytest.approx(100 * (3 - 2) / 7)
    assert stats.happiness([10, 0]).value == 0
    assert stats.csat([5, 4, 3, 1]).value == pytest.approx(50.0)
    assert stats.ces([1, 7, 4]).value == pytest.approx(4)
    items = {"a": [1, 5, 3], "b": [5, 1, 3]}
    # b reverse-keyed on 1..5 becomes 6 - b: every response then agrees with itself
    assert stats.likert_score(items, (1, 5), reverse=["b"]).value == pytest.approx(100 * (0 + 1 + 0.5) / 3)
    with pytest.raises(ValueError, match="whole numbers from 0 to 10"):
        stats.nps([11])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=60))
def test_unweighted_equals_linearised_with_unit_weights_up_to_df(values):
    y = np.array(values)
    plain, weighted = stats.mean(y), stats.mean(y, np.ones(len(y)))
    assert weighted.value == pytest.approx(plain.value, abs=1e-9)
    # with unit weights the linearisation SE is s/sqrt(n) exactly
    assert weighted.se == pytest.approx(plain.se, rel=1e-9, abs=1e-12)
    assert plain.ci_low <= plain.value + 1e-9 and plain.value <= plain.ci_high + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=80))
def test_wilson_interval_contains_estimate_and_stays_in_unit_interval(flags):
    e = stats.proportion(flags)
    assert 0 <= e.ci_low <= e.value + 1e-12 and e.value <= e.ci_high + 1e-12 and e.ci_high <= 1


def test_compare_welch_at_another_confidence_level():
    # R: t.test(y[g=="a"], y[g!="a"], conf.level=0.9)$conf.int
    c = stats.compare(Y[G == "a"], Y[G != "a"], conf=0.9)
    assert (c.ci_low, c.ci_high) == pytest.approx((-0.623755739843924, 1.93804145412964), rel=REL)


def test_compare_weighted_independent_samples_matches_survey():
    """Two independent weighted samples (a cycle against the one before): the difference of the
    svymean estimates, SE = sqrt(SE_a^2 + SE_b^2), normal reference (script in tests/reference/compare.R)."""
    a, b = G == "a", G != "a"
    c = stats.compare(Y[a], Y[b], weights_a=W[a], weights_b=W[b])
    assert c.diff == pytest.approx(0.723320158102767, rel=REL)
    assert c.se == pytest.approx(0.880091989790978, rel=REL)
    assert (c.ci_low, c.ci_high) == pytest.approx((-1.00162844496974, 2.44826876117528), rel=REL)
    assert c.p_value == pytest.approx(0.411151564929848, rel=REL)
    assert c.df == float("inf")


def test_compare_of_constant_groups_has_no_test():
    c = stats.compare([3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0])
    assert c.diff == 0 and c.se == 0
    assert np.isnan(c.p_value) and np.isnan(c.statistic) and np.isnan(c.df)
