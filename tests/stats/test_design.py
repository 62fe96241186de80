"""The survey design object: weights matched by key, domains that keep the whole design, svyby.

Reference values: tests/reference/rake.R (R 4.2, survey): svyby(~f, ~loc, r, svymean) on the
raked design; the unweighted domain is checked by hand (a plain mean of the domain's rows).
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from xmo_analysis import stats
from xmo_analysis.stats.design import Design

from conftest import TESTS

REF = TESTS / "reference"
MARGINS = {"loc": {"L": 300, "M": 250, "S": 450}, "dep": {"A": 200, "B": 300, "C": 250, "D": 250}}


@pytest.fixture(scope="module")
def sample():
    df = pd.read_csv(REF / "rake_data.csv")
    df["response_id"] = [f"R{i:03d}" for i in range(len(df))]
    return df, stats.rake(df, MARGINS, key="response_id")


def test_by_matches_svyby(sample):
    df, w = sample
    design = Design(df, w)
    out = design.by("loc", lambda d, _lvl: {"value": d.mean("f").value, "se": d.mean("f").se}).set_index("loc")
    # R: svyby(~f, ~loc, r, svymean)
    r = {"L": (0.503427262138101, 0.125712591193555), "M": (0.462813984404503, 0.135213524166493),
         "S": (0.596644793295609, 0.174428249929832)}
    assert list(out.index) == ["L", "M", "S"]
    for level, (value, se) in r.items():
        assert (out.loc[level, "value"], out.loc[level, "se"]) == pytest.approx((value, se), rel=1e-6)


def test_unweighted_domain_is_the_plain_estimate_of_its_rows(sample):
    df, _ = sample
    d = Design(df).subset((df["dep"] == "B").to_numpy())
    rows = df.loc[df["dep"] == "B", "y"].dropna()
    e = d.mean("y")
    assert e.value == pytest.approx(rows.mean(), rel=1e-12) and e.n == len(rows)
    assert e.se == pytest.approx(rows.std(ddof=1) / np.sqrt(len(rows)), rel=1e-12)
    assert len(d) == int((df["dep"] == "B").sum())


def test_weights_are_matched_by_key_never_by_position(sample):
    df, w = sample
    shuffled = df.sample(frac=1, random_state=3)
    with pytest.raises(ValueError, match="other responses"):
        Design(shuffled, w)
    with pytest.raises(ValueError, match="weights for"):
        Design(df.iloc[:-1], w)
    one_changed = df.copy()
    one_changed.loc[17, "response_id"] = "R999"
    with pytest.raises(ValueError, match="other responses"):
        Design(one_changed, w)
    # the keys compare by value whatever their storage (Arrow strings or Python objects)
    assert len(Design(df.astype({"response_id": object}), w)) == len(df)
    # the same rows in the same order are accepted, and a subset keeps the whole design
    d = Design(df, w).subset((df["loc"] == "S").to_numpy())
    assert d.mean("f").value == pytest.approx(stats.mean(df["f"], w, domain=df["loc"] == "S").value, rel=1e-15)


def test_gap_and_segments_go_through_the_design(sample):
    df, w = sample
    design = Design(df, w)
    g = design.subset((df["dep"] == "A").to_numpy()).gap("y", 3.0)
    e = stats.mean(df["y"], w, domain=(df["dep"] == "A").to_numpy())
    assert g.value == pytest.approx(e.value, rel=1e-15) and g.gap == pytest.approx(e.value - 3.0, rel=1e-12)
    seg = design.compare_segments("y", "dep").set_index("segment")
    assert seg.loc["A", "value"] == pytest.approx(e.value, rel=1e-15)


def test_plain_weights_and_the_confidence_level_reach_the_estimators(sample):
    """A design on plain weights (an array, no ids: linearisation without calibration) and a
    confidence level other than 95 % give what the estimators give on the same rows; an index
    that is not 0..n-1 does not move a weight."""
    df, w = sample
    plain = np.asarray(w) * 1.0
    shifted = df.set_index(pd.RangeIndex(100, 100 + len(df)))
    d = Design(shifted, plain).subset((df["loc"] == "M").to_numpy())
    e = stats.mean(df["y"], plain, conf=0.9, domain=(df["loc"] == "M").to_numpy())
    got = d.mean("y", conf=0.9)
    assert (got.value, got.se, got.ci_low, got.ci_high) == pytest.approx((e.value, e.se, e.ci_low, e.ci_high), rel=1e-15)
    assert got.ci_high - got.ci_low < d.mean("y").ci_high - d.mean("y").ci_low  # 90 % is narrower
    rows = df.loc[df["dep"] == "C", "y"].dropna()
    u = Design(shifted).subset((df["dep"] == "C").to_numpy()).mean("y", conf=0.8)
    # unweighted: the t interval of the domain's own rows, by hand
    from scipy.stats import t as student
    half = student.ppf(0.9, len(rows) - 1) * rows.std(ddof=1) / np.sqrt(len(rows))
    assert (u.ci_low, u.ci_high) == pytest.approx((rows.mean() - half, rows.mean() + half), rel=1e-12)
    assert list(Design(shifted, plain).frame.columns) == list(df.columns)


def test_every_estimator_of_a_domain_is_the_estimator_on_its_rows(sample):
    """What a design hands each estimator (values, target, confidence level, direction, minimum
    n, skipped levels), checked against the estimators called directly: unweighted on the
    domain's own rows, weighted on the whole sample with the domain's mask."""
    df, w = sample
    mask = (df["dep"] != "D").to_numpy()
    for weights in (None, w):
        d = Design(df, weights).subset(mask)
        on = (lambda fn, col, **kw: fn(df.loc[mask, col], **kw)) if weights is None else \
            (lambda fn, col, **kw: fn(df[col], weights=w, domain=mask, **kw))
        g, e = d.gap("y", 3.2, conf=0.8, higher_is_better=False), on(stats.gap, "y", target=3.2, conf=0.8,
                                                                      higher_is_better=False)
        assert (g.gap, g.ci_low, g.ci_high, g.p_value) == pytest.approx((e.gap, e.ci_low, e.ci_high, e.p_value),
                                                                       rel=1e-15) and g.status == e.status
        assert g.gap == pytest.approx(-(d.mean("y").value - 3.2), rel=1e-12)  # lower is better: flipped
        p, q = d.proportion("f", conf=0.8), on(stats.proportion, "f", conf=0.8)
        assert (p.value, p.ci_low, p.ci_high) == pytest.approx((q.value, q.ci_low, q.ci_high), rel=1e-15)
        assert p.ci_high - p.ci_low < d.proportion("f").ci_high - d.proportion("f").ci_low
    seg = Design(df, w).compare_segments("y", "loc", conf=0.8, min_n=9, skip=["M"])
    ref = stats.compare_segments(df.assign(_value=df["y"]), "_value", "loc", weights=w, conf=0.8, min_n=9, skip=["M"])
    pd.testing.assert_frame_equal(seg, ref)
    # the options changed something: S (7 respondents) is suppressed at 9, not at the estimator's default 5
    assert ref.set_index("segment").loc["S", "suppressed"]
    assert not stats.compare_segments(df.assign(_value=df["y"]), "_value", "loc", weights=w).set_index(
        "segment").loc["S", "suppressed"]


def test_compare_takes_whole_weighted_designs_or_unweighted_domains(sample):
    df, w = sample
    a, b = (df["loc"] == "L").to_numpy(), (df["loc"] == "S").to_numpy()
    c = Design(df).subset(a).compare("y", Design(df).subset(b), "y", conf=0.9)
    e = stats.compare(df.loc[a, "y"], df.loc[b, "y"], conf=0.9)
    assert (c.diff, c.ci_low, c.ci_high, c.p_value) == pytest.approx((e.diff, e.ci_low, e.ci_high, e.p_value), rel=1e-15)
    whole = Design(df, w).compare("y", Design(df), "f", conf=0.9)
    ref = stats.compare(df["y"], df["f"], weights_a=w, weights_b=np.ones(len(df)), conf=0.9)
    assert (whole.diff, whole.se, whole.ci_low) == pytest.approx((ref.diff, ref.se, ref.ci_low), rel=1e-15)
    with pytest.raises(ValueError, match="whole designs"):
        Design(df, w).subset(a).compare("y", Design(df, w), "y")


def test_by_hands_each_level_its_own_domain_in_text_order():
    frame = pd.DataFrame({"response_id": list("abcdef"), "g": [10, 9, 10, 9, 100, None], "y": [1.0, 2, 3, 4, 5, 6]})
    seen = []
    out = Design(frame).by("g", lambda d, lvl: seen.append(lvl) or {"n": len(d), "mean": d.mean("y").value})
    assert seen == [10, 100, 9]  # ordered as text, as the report lists them; the missing level left out
    assert out["g"].tolist() == seen and out["n"].tolist() == [2, 1, 2] and out["mean"].tolist()[0] == 2.0


def test_masks_values_and_keys_in_the_shapes_callers_bring(sample):
    """A 0/1 mask selects rows as a boolean one (not as row numbers); nullable integers with
    missing answers and plain lists are values; a missing key never matches."""
    df, w = sample
    d = Design(df)
    flags = (df["loc"] == "L").astype(int).to_numpy()
    assert d.subset(flags).mean("y").value == pytest.approx(df.loc[flags == 1, "y"].mean(), rel=1e-15)
    with pytest.raises(ValueError, match="rows but the design has"):
        d.subset(flags[:-1])
    nullable = df["y"].round().astype("Int64")
    e = d.mean(nullable)
    kept = nullable.dropna().astype(float)
    assert (e.value, e.n) == (pytest.approx(kept.mean(), rel=1e-15), len(kept))
    assert d.mean(df["y"].tolist()).value == pytest.approx(df["y"].mean(), rel=1e-15)
    with pytest.raises(ValueError, match="values for a design of"):
        d.mean([1.0, 2.0])
    gone = df.copy()
    gone.loc[3, "response_id"] = None
    with pytest.raises(ValueError, match="other responses"):
        Design(gone, w)
