"""Raking and reliability against R (survey::rake + svymean/svyby/svyciprop, psych::alpha).

Data and scripts: tests/reference/rake.R, rake_data.csv, alpha.R, alpha_data.csv (R 4.2,
survey 4.1, psych 2.2). R's rake was run with epsilon=1e-10; ours stops at 1e-7 relative, so
the comparisons allow 1e-6 relative.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmo_analysis import stats

from conftest import TESTS

REF = TESTS / "reference"
MARGINS = {"loc": {"L": 300, "M": 250, "S": 450}, "dep": {"A": 200, "B": 300, "C": 250, "D": 250}}


@pytest.fixture(scope="module")
def raked():
    df = pd.read_csv(REF / "rake_data.csv")
    return df, stats.rake(df, MARGINS)


def test_raked_weights_match_r(raked):
    df, w = raked
    # R: weights(rake(d0, list(~loc, ~dep), list(pl, pd)))[1:6]
    assert np.asarray(w)[:6] == pytest.approx([15.5050730855978, 19.0795586605914, 15.884605158631,
                                                15.884605158631, 15.5050730855978, 19.0795586605914], rel=1e-6)
    assert np.asarray(w).sum() == pytest.approx(1000)
    for col, target in MARGINS.items():
        got = pd.Series(np.asarray(w)).groupby(df[col].to_numpy()).sum()
        assert got.to_dict() == pytest.approx(target, rel=1e-7)


def test_calibrated_se_matches_r(raked):
    df, w = raked
    m = stats.mean(df["y"], w)
    # R: svymean(~y, r, na.rm=TRUE): 3.44617527997227, SE 0.199765961610951
    assert m.value == pytest.approx(3.44617527997227, rel=1e-6)
    assert m.se == pytest.approx(0.199765961610951, rel=1e-6)
    assert m.n == 38
    p = stats.mean(df["f"], w)
    # R: svymean(~f, r): 0.535221831725582, SE 0.0929584690999615
    assert (p.value, p.se) == pytest.approx((0.535221831725582, 0.0929584690999615), rel=1e-6)
    ci = stats.proportion(df["f"], w)
    # R: confint(svyciprop(~f, r, method="logit"))
    assert (ci.ci_low, ci.ci_high) == pytest.approx((0.350979899854859, 0.710327850766503), rel=1e-6)


@pytest.mark.parametrize("level,value,se", [
    # R: svyby(~f, ~loc, r, svymean)
    ("L", 0.503427262138101, 0.125712591193555),
    ("M", 0.462813984404503, 0.135213524166493),
    ("S", 0.596644793295609, 0.174428249929832),
])
def test_calibrated_domain_matches_svyby(raked, level, value, se):
    df, w = raked
    e = stats.mean(df["f"], w, domain=df["loc"] == level)
    assert (e.value, e.se) == pytest.approx((value, se), rel=1e-6)


def test_plain_array_of_raked_weights_ignores_calibration(raked):
    df, w = raked
    plain = stats.mean(df["f"], np.asarray(w))
    assert plain.value == pytest.approx(stats.mean(df["f"], w).value)
    assert plain.se != pytest.approx(stats.mean(df["f"], w).se, rel=1e-6)


def test_design_effect_and_effective_n(raked):
    _, w = raked
    arr = np.asarray(w)
    assert stats.effective_n(w) == pytest.approx(arr.sum() ** 2 / (arr ** 2).sum())
    assert stats.design_effect(w) == pytest.approx(1 + arr.std() ** 2 / arr.mean() ** 2)  # 1 + CV^2 (population CV)
    assert stats.design_effect(np.ones(7)) == pytest.approx(1.0)


def test_rake_errors():
    df = pd.DataFrame({"a": ["x", "y", "x"]})
    with pytest.raises(ValueError, match="no respondent"):
        stats.rake(df, {"a": {"x": 5, "y": 5, "z": 5}})
    with pytest.raises(ValueError, match="no population count"):
        stats.rake(df, {"a": {"x": 5}})
    with pytest.raises(ValueError, match="same total"):
        stats.rake(df.assign(b="u"), {"a": {"x": 5, "y": 5}, "b": {"u": 11}})


def test_rake_warns_when_not_converged():
    df = pd.DataFrame({"a": list("xxyy"), "b": list("uvuv")})
    df = pd.concat([df, pd.DataFrame({"a": ["x"] * 5, "b": ["u"] * 5})], ignore_index=True)
    with pytest.warns(stats.RakingWarning):
        stats.rake(df, {"a": {"x": 60, "y": 40}, "b": {"u": 10, "v": 90}}, max_iter=2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from("uvw")), min_size=12, max_size=80),
       st.integers(50, 500), st.integers(50, 500))
def test_raked_margins_match_property(rows, na, nb):
    df = pd.DataFrame(rows, columns=["g", "h"])
    if df["g"].nunique() < 2 or df["h"].nunique() < 3:
        return
    total = na + nb
    margins = {"g": {"a": na, "b": nb}, "h": {"u": total / 3, "v": total / 3, "w": total / 3}}
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.RakingWarning)
        w = stats.rake(df, margins, max_iter=2000)
    if not w.converged:
        return  # some cell patterns have no exact solution; IPF then only approaches one
    for col, target in margins.items():
        got = pd.Series(np.asarray(w)).groupby(df[col].to_numpy()).sum().to_dict()
        assert got == pytest.approx(target, rel=1e-6)


def test_cronbach_alpha_matches_psych():
    d = pd.read_csv(REF / "alpha_data.csv")
    r = stats.cronbach_alpha(d, reverse=["c"])
    # R: psych::alpha(cd, keys=c("c")) on complete cases
    assert r.alpha == pytest.approx(0.953789279112754, rel=1e-9)
    assert r.std_alpha == pytest.approx(0.954468724018682, rel=1e-9)
    assert r.item_rest.tolist() == pytest.approx([0.943330217087016, 0.861782892082698,
                                                  0.957694847877806, 0.800554388614947], rel=1e-9)
    assert r.n == 11
    r3 = stats.cronbach_alpha(d[["a", "b", "d"]])
    assert (r3.alpha, r3.std_alpha) == pytest.approx((0.917710196779964, 0.918945672121591), rel=1e-9)


def test_cronbach_alpha_errors():
    with pytest.raises(ValueError, match="at least 2 items"):
        stats.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(ValueError, match="no variance"):
        stats.cronbach_alpha(pd.DataFrame({"a": [1, 1, 1], "b": [1, 2, 3]}))


@pytest.mark.parametrize("zero_start", [False, True])
def test_residualise_is_the_weighted_least_squares_residual(zero_start):
    """The calibration residual against statsmodels' WLS (patsy's own dummies), with positive
    starting weights and with a zero one (that row's residual comes from the others' fit)."""
    import statsmodels.formula.api as smf
    gen = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame({"a": gen.choice(list("xyz"), n, p=[0.6, 0.3, 0.1]), "b": gen.choice(list("uv"), n),
                       "c": gen.choice(list("pqrs"), n), "u": gen.normal(3, 2, n)})
    start = gen.uniform(0.5, 3, n)
    if zero_start:
        start[7] = 0.0
    margins = {col: {lvl: 1000 * k / n for lvl, k in df[col].value_counts().sort_index().items()}
               for col in ("a", "b", "c")}
    w = stats.rake(df, margins, weights=np.where(start > 0, start, 1.0))
    w.start = start
    fit = smf.wls("u ~ C(a) + C(b) + C(c)", data=df, weights=start).fit()
    expected = df["u"] - fit.fittedvalues
    assert w.residualise(df["u"].to_numpy()) == pytest.approx(expected.to_numpy(), abs=1e-10)
    # a second estimate reuses the factors and gives the same residual for another variable
    v = gen.normal(0, 1, n)
    other = v - smf.wls("v ~ C(a) + C(b) + C(c)", data=df.assign(v=v), weights=start).fit().fittedvalues
    assert w.residualise(v) == pytest.approx(other.to_numpy(), abs=1e-10)


def test_weights_keep_nothing_of_size_rows_by_levels():
    """What raked weights hold (and pickle into the runner's snapshot) grows with the rows, never
    with rows x levels: the indicator matrix is rebuilt from the codes when asked."""
    import pickle
    gen = np.random.default_rng(9)
    n = 20_000
    df = pd.DataFrame({"a": gen.choice([f"a{i}" for i in range(12)], n), "b": gen.choice([f"b{i}" for i in range(9)], n),
                       "response_id": [f"R{i:06d}" for i in range(n)]})
    margins = {col: {lvl: k for lvl, k in df[col].value_counts().sort_index().items()} for col in ("a", "b")}
    w = stats.rake(df, margins, key="response_id")
    stats.mean(gen.normal(size=n), w)  # builds and memoises the projection factors
    arrays = [v for v in vars(w).values() if isinstance(v, np.ndarray)] + [c for c in w.codes]
    assert arrays and all(a.ndim == 1 or a.shape[0] <= 1 + 12 + 9 for a in arrays), [a.shape for a in arrays]
    assert w.X.shape == (n, 1 + 12 + 9) and (w.X[:, 1:13].sum(axis=1) == 1).all()
    # values, start (8 bytes each), two 1-byte codes, keys of 7 characters: about 35 bytes a row
    assert len(pickle.dumps(w, protocol=pickle.HIGHEST_PROTOCOL)) < 40 * n
    again = pickle.loads(pickle.dumps(w))
    assert "_factors" not in vars(again) and again.residualise(np.arange(n, dtype=float)) == pytest.approx(
        w.residualise(np.arange(n, dtype=float)), abs=1e-9)


def test_weights_summary_by_hand(raked):
    _, w = raked
    arr = np.asarray(w)
    s = w.summary()
    kish = len(arr) * (arr ** 2).sum() / arr.sum() ** 2  # Kish's design effect, n sum(w^2) / (sum w)^2
    assert s["n"] == len(arr) == 40 and s["total"] == pytest.approx(1000, rel=1e-12)
    assert s["design_effect"] == pytest.approx(kish, rel=1e-12)
    assert s["effective_n"] == pytest.approx(len(arr) / kish, rel=1e-12)
    assert (s["min"], s["max"]) == (arr.min(), arr.max()) and s["ratio_max_min"] == pytest.approx(arr.max() / arr.min())
    assert s["converged"] is True and 1 <= s["iterations"] < 100


def test_projection_factors_are_computed_once_and_codes_are_narrow(monkeypatch):
    """One SVD per set of weights, however many estimates use them; a margin's codes take the
    narrowest integer type (256 levels fit one byte, 257 need two)."""
    gen = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame({"a": np.arange(n) % 256, "b": np.arange(n) % 257})
    margins = {col: {lvl: float(k) for lvl, k in df[col].value_counts().sort_index().items()} for col in ("a", "b")}
    w = stats.rake(df, margins)
    assert [c.dtype for c in w.codes] == [np.uint8, np.uint16]
    calls = []
    real = np.linalg.svd
    monkeypatch.setattr(np.linalg, "svd", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = w.residualise(gen.normal(size=n))
    w.residualise(gen.normal(size=n))
    assert len(calls) == 1 and first.shape == (n,)
