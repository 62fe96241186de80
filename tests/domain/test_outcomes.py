"""Outcomes and money: lost hours and their cost, XLA vs outcome, indicator kinds, lead-lag, backlog value.

Every reference value is computed here independently of the package: means and t quantiles by
hand with scipy, OLS slopes and HC1 sandwiches with numpy, expected values by hand from the
demo files as written.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from xmo_analysis.core.exceptions import ConfigError
from xmo_analysis.core.params import load_params
from xmo_analysis.domain import outcomes as oc
from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.sources.validation import DataError
from xmo_analysis.stats.regression import trend, within_slope

from conftest import REPO

HOURS = {1: 0.0, 2: 0.25, 3: 0.75, 4: 1.5, 5: 3.0, 6: 6.0}  # params/instrument.yaml, written out again


@pytest.fixture(scope="module")
def data(demo_project):
    return load_cycle(demo_project, "2026-Q4")


def _raw(project, name):
    return pd.read_csv(project / "data" / "demo" / name)


def _hc1(y, X, column):
    """OLS coefficient, HC1 SE and t-based 95% CI by hand: (X'X)^-1 X' diag(e^2) X (X'X)^-1 n/(n-k)."""
    n, k = X.shape
    xtx = np.linalg.inv(X.T @ X)
    beta = xtx @ X.T @ y
    e = y - X @ beta
    cov = xtx @ (X.T * e ** 2) @ X @ xtx * n / (n - k)
    se = np.sqrt(cov[column, column])
    q = sps.t.ppf(0.975, n - k)
    return beta[column], se, beta[column] - q * se, beta[column] + q * se


# ---------------------------------------------------------------- regression helpers against a by-hand sandwich
def test_within_slope_matches_a_hand_sandwich_with_group_dummies(rng):
    g = np.repeat(["a", "b", "c", "d"], 6)
    x = rng.normal(size=24)
    y = 2.0 - 0.7 * x + np.repeat([0.0, 1.5, -1.0, 3.0], 6) + rng.normal(0, 0.3 + 0.3 * np.abs(x), 24)
    X = np.column_stack([np.ones(24), x] + [(g == lvl).astype(float) for lvl in "bcd"])
    b, se, lo, hi = _hc1(y, X, 1)
    fit = within_slope(y, x, g)
    assert (fit.value, fit.se, fit.ci_low, fit.ci_high) == pytest.approx((b, se, lo, hi), rel=1e-9)
    assert fit.df == 24 - 5 and fit.n == 24
    # the group intercepts matter: the pooled slope differs
    assert trend(y, x).value != pytest.approx(fit.value, rel=1e-3)


def test_within_slope_drops_missing_rows_before_counting_groups():
    y = np.array([1.0, 2.0, 3.0, np.nan, 2.0, 3.5, 5.0, 1.0])
    x = np.array([0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, np.nan])
    g = np.array(list("aaaabbbc"))  # group c has no complete row
    fit = within_slope(y, x, g)
    keep = ~np.isnan(y) & ~np.isnan(x)
    X = np.column_stack([np.ones(keep.sum()), x[keep], (g[keep] == "b").astype(float)])
    assert fit.value == pytest.approx(_hc1(y[keep], X, 1)[0], rel=1e-12)
    assert fit.df == keep.sum() - 3


# ---------------------------------------------------------------- lost hours and their cost
def test_lost_hours_by_segment_against_hand_t_interval(data, demo_project):
    r = _raw(demo_project, "responses.csv")
    r = r[r["cycle"] == "2026-Q4"]
    h = r["time_lost"].map(HOURS).dropna()
    ops = r.loc[h.index, "department"] == "Operations"
    y = h[ops].to_numpy()
    n, m, s = len(y), y.mean(), y.std(ddof=1)
    half = sps.t.ppf(0.975, n - 1) * s / np.sqrt(n)
    o = _raw(demo_project, "outcomes.csv")
    price = o[(o["cycle"] == "2026-Q4") & (o["department"] == "Operations")]["hourly_cost"].iloc[0]
    t = oc.lost_hours(data, by="department").set_index("segment").loc["Operations"]
    assert t["n"] == n
    assert (t["hours"], t["ci_low"], t["ci_high"]) == pytest.approx((m, m - half, m + half), rel=1e-12)
    assert t["cost_from"] == "segment" and t["hourly_cost"] == pytest.approx(price)
    assert (t["cost"], t["cost_low"], t["cost_high"]) == pytest.approx((m * price, (m - half) * price,
                                                                         (m + half) * price), rel=1e-12)


def test_a_segment_without_its_own_hourly_cost_takes_the_organisations(data, demo_project):
    o = _raw(demo_project, "outcomes.csv")
    org = o[(o["cycle"] == "2026-Q4") & o["department"].isna() & o["channel"].isna()]["hourly_cost"].iloc[0]
    t = oc.lost_hours(data, by="location")
    assert (t["cost_from"] == "organisation").all() and t["hourly_cost"].eq(org).all()


def test_planted_operations_loses_the_most_time(data):
    t = oc.lost_hours(data, by="department").set_index("segment")
    assert t["hours"].idxmax() == "Operations"
    # and by more than the sampling error: its CI lies above the organisation's mean
    assert t.loc["Operations", "ci_low"] > oc.lost_hours(data).iloc[0]["hours"]


def test_cost_of_poor_experience_scales_the_mean_by_the_tickets(data, demo_project):
    r = _raw(demo_project, "responses.csv")
    h = r[r["cycle"] == "2026-Q4"]["time_lost"].map(HOURS).dropna()
    tickets = pd.read_parquet(demo_project / "data" / "demo" / "tickets.parquet")
    n_tickets = int(((tickets["opened_at"] >= "2026-10-01") & (tickets["opened_at"] < "2027-01-01")).sum())
    o = _raw(demo_project, "outcomes.csv")
    price = o[(o["cycle"] == "2026-Q4") & o["department"].isna() & o["channel"].isna()]["hourly_cost"].iloc[0]
    row = oc.cost_of_poor_experience(data).set_index("cycle").loc["2026-Q4"]
    assert row["tickets"] == n_tickets
    assert row["hours lost"] == pytest.approx(h.mean() * n_tickets, rel=1e-12)
    assert row["cost"] == pytest.approx(h.mean() * n_tickets * price, rel=1e-12)
    half = sps.t.ppf(0.975, len(h) - 1) * h.std(ddof=1) / np.sqrt(len(h))
    assert row["cost_high"] - row["cost"] == pytest.approx(half * n_tickets * price, rel=1e-9)


def test_small_groups_are_hidden(project):
    xmo = project / "params" / "xmo.yaml"
    xmo.write_text(xmo.read_text().replace("min_group_size: 5 ", "min_group_size: 40 "))
    d = load_cycle(project, "2026-Q4")
    t = oc.lost_hours(d, by="department")
    r = _raw(project, "responses.csv")
    answers = r[(r["cycle"] == "2026-Q4") & r["time_lost"].notna()].groupby("department").size()
    small = set(answers[answers < 40].index)
    assert small and set(t.loc[t["suppressed"], "segment"]) >= small
    hidden = t[t["suppressed"]]
    assert hidden["hours"].isna().all() and hidden["cost"].isna().all() and (hidden["n"] == "< 40").all()


# ---------------------------------------------------------------- XLA vs outcome, lead-lag
def test_xla_outcome_slope_is_ols_with_hc1_on_the_segment_cycles(data, demo_project):
    o = _raw(demo_project, "outcomes.csv").dropna(subset=["department"])
    pts = oc.xla_outcome_points(data, "XLA-SD", data.params.outcomes["attrition_rate"], "department")
    # the outcome side is the file as written
    merged = pts.merge(o, left_on=["cycle", "segment"], right_on=["cycle", "department"])
    assert len(merged) == len(pts) == 32 and np.allclose(merged["outcome"], merged["attrition_rate"])
    X = np.column_stack([np.ones(len(pts)), pts["score"]])
    b, se, lo, hi = _hc1(pts["outcome"].to_numpy(), X, 1)
    row = oc.xla_outcome(data).set_index("xla").loc["XLA-SD"]
    assert (row["slope"], row["se"], row["ci_low"], row["ci_high"]) == pytest.approx((b, se, lo, hi), rel=1e-9)
    assert row["segment-cycles"] == 32 and row["segments"] == 8 and row["cycles"] == 4


def test_planted_attrition_rises_as_the_xla_falls(data):
    rel = oc.xla_outcome(data).set_index("xla")
    assert (rel["ci_high"] < 0).all()


def test_planted_happiness_moves_one_cycle_before_attrition(data, demo_project):
    t = oc.lead_lag(data).set_index("lead_ref")
    row = t.loc["happiness"]
    assert row["lag_ref"] == "attrition_rate" and row["by"] == "department"
    assert row["verdict"] == "moves first" and row["within_high"] < 0 and row["segment-cycles"] == 24
    # by hand: each department's mean happiness (0/50/100) in the previous cycle vs its attrition
    r = _raw(demo_project, "responses.csv")
    pts = np.where(r["happiness"] >= 9, 100.0, np.where(r["happiness"] >= 7, 50.0, 0.0))
    h = pd.Series(np.where(r["happiness"].isna(), np.nan, pts)).groupby([r["department"], r["cycle"]]).mean()
    o = _raw(demo_project, "outcomes.csv").dropna(subset=["department"])
    prev = {"2026-Q2": "2026-Q1", "2026-Q3": "2026-Q2", "2026-Q4": "2026-Q3"}
    o = o[o["cycle"].isin(prev)].sort_values(["department", "cycle"])
    lead = np.array([h[(d, prev[c])] for d, c in zip(o["department"], o["cycle"])])
    groups = sorted(o["department"].unique())
    X = np.column_stack([np.ones(len(o)), lead] + [(o["department"] == g).to_numpy(float) for g in groups[1:]])
    b, se, lo, hi = _hc1(o["attrition_rate"].to_numpy(), X, 1)
    assert (row["within"], row["within_low"], row["within_high"]) == pytest.approx((b, lo, hi), rel=1e-9)
    # the planted coefficient (-0.0015 per point; noise SD 0.002 on 24 department-cycles) is recovered
    assert b == pytest.approx(-0.0015, rel=0.15) and hi < 0


def test_reverse_order_is_the_same_slope_with_the_roles_swapped(data, demo_project):
    """Attrition in the previous cycle against happiness in the cycle, one intercept per department,
    by hand; the planted order (happiness drives next cycle's attrition, nothing drives happiness
    from attrition) gives no reverse association, so the verdict stays "moves first"."""
    row = oc.lead_lag(data).set_index("lead_ref").loc["happiness"]
    r = _raw(demo_project, "responses.csv")
    pts = np.where(r["happiness"] >= 9, 100.0, np.where(r["happiness"] >= 7, 50.0, 0.0))
    h = pd.Series(np.where(r["happiness"].isna(), np.nan, pts)).groupby([r["department"], r["cycle"]]).mean()
    o = _raw(demo_project, "outcomes.csv").dropna(subset=["department"]).set_index(["department", "cycle"])
    prev = {"2026-Q2": "2026-Q1", "2026-Q3": "2026-Q2", "2026-Q4": "2026-Q3"}
    keys = [(d, c) for d in sorted(o.index.get_level_values(0).unique()) for c in prev]
    att_before = np.array([o.loc[(d, prev[c]), "attrition_rate"] for d, c in keys])
    happy_now = np.array([h[(d, c)] for d, c in keys])
    groups = sorted({d for d, _ in keys})
    X = np.column_stack([np.ones(len(keys)), att_before] + [np.array([d == g for d, _ in keys], float)
                                                             for g in groups[1:]])
    b, se, lo, hi = _hc1(happy_now, X, 1)
    assert len(keys) == 24
    assert (row["reverse"], row["reverse_low"], row["reverse_high"]) == pytest.approx((b, lo, hi), rel=1e-9)
    assert row["p_reverse"] >= 0.05 and row["verdict"] == "moves first"
    # p_reverse_bh is R's p.adjust(method = "BH") over the pairs, here by hand
    t = oc.lead_lag(data)
    p = t["p_reverse"].to_numpy(float)
    order = np.argsort(p)
    adj = np.minimum.accumulate((p[order] * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1]
    expected = np.empty_like(p)
    expected[order] = np.minimum(adj, 1)
    assert len(p) == 7 and t["p_reverse_bh"].to_numpy(float) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("within, p_bh, rev, p_rev, p_rev_bh, verdict", [
    (-0.002, 0.001, -50, 0.40, 0.60, "moves first"),     # forward significant, expected sign, no reverse
    (-0.002, 0.001, -50, 0.04, 0.20, "both ways"),       # any reverse sign (unadjusted) withdraws the order
    (-0.002, 0.001, +50, 0.04, 0.20, "both ways"),       # ... whatever its sign
    (-0.002, 0.001, np.nan, np.nan, np.nan, "moves first"),  # reverse not estimable: the forward claim stands
    (+0.002, 0.001, -50, 0.40, 0.60, "opposite"),        # significant with the other sign
    (-0.002, 0.30, -50, 0.01, 0.02, "follows"),          # only the reverse, after adjustment, expected sign
    (-0.002, 0.30, +50, 0.001, 0.005, "unclear"),        # only the reverse, but with the other sign
    (-0.002, 0.30, -50, 0.01, 0.07, "unclear"),          # the reverse before adjustment only: no claim
    (-0.002, 0.05, -50, 0.40, 0.60, "unclear"),          # p = the significance level is not below it
])
def test_order_verdicts(within, p_bh, rev, p_rev, p_rev_bh, verdict):
    t = pd.DataFrame({"verdict": [np.nan], "within": [within], "expected": [-1.0], "p_within_bh": [p_bh],
                      "reverse": [rev], "p_reverse": [p_rev], "p_reverse_bh": [p_rev_bh]})
    assert oc.order_verdicts(t, lambda p: p < 0.05) == [verdict]
    assert oc.order_verdicts(t.assign(verdict="too few"), lambda p: p < 0.05) == ["too few"]


def test_too_few_cycles_to_tell(demo_project):
    d = load_cycle(demo_project, "2026-Q2")
    t = oc.lead_lag(d)
    assert len(t) and (t["verdict"] == "too few").all() and t["slope"].isna().all()
    assert oc.MIN_CYCLES_LAGGED == 3


# ---------------------------------------------------------------- kinds and backlog value
def test_every_indicator_has_its_declared_kind(data):
    t = oc.indicators(data.params).set_index("ref")
    assert t.loc["happiness", "kind"] == "leading"            # X indicator: the default
    assert t.loc["attrition_rate", "kind"] == "lagging" and t.loc["hourly_cost", "kind"] == "financial"
    assert t.loc["sla_met_rate", "xlas"] == "XLA-SD, XLA-TRUST" and t.loc["sla_met_rate", "kind"] == "operational"
    kinds = list(dict.fromkeys(t["kind"]))
    assert kinds == sorted(kinds, key=["leading", "lagging", "operational", "financial"].index)


def test_backlog_expected_value_by_hand(data, demo_project):
    b = _raw(demo_project, "backlog.csv").set_index("item_id")
    o = _raw(demo_project, "outcomes.csv")
    price = o[(o["cycle"] == "2026-Q4") & o["department"].isna() & o["channel"].isna()]["hourly_cost"].iloc[0]
    t = oc.backlog_value(data).set_index("item_id")
    hours = b.loc["BL-02", "reach"] * b.loc["BL-02", "value_per_reach"] * b.loc["BL-02", "confidence"]
    assert t.loc["BL-02", "hours"] == pytest.approx(hours) and t.loc["BL-02", "money"] == pytest.approx(hours * price)
    money = b.loc["BL-24", "reach"] * b.loc["BL-24", "value_per_reach"] * b.loc["BL-24", "confidence"]
    assert np.isnan(t.loc["BL-24", "hours"]) and t.loc["BL-24", "money"] == pytest.approx(money)
    given = b[b["value_per_reach"].notna() & ~b["status"].isin(["released", "done", "cancelled"])]
    assert set(t.index) == set(given.index)


# ---------------------------------------------------------------- params and validation
@pytest.fixture
def params_dir(tmp_path):
    d = tmp_path / "params"
    shutil.copytree(REPO / "params", d)
    return d


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, fragment", [
    ("instrument.yaml", "hours: {1: 0, 2: 0.25,", "hours: {1: -1, 2: 0.25,", "maps each answer code"),
    ("instrument.yaml", "    hours: {1: 0,", "    hour: {1: 0,", "unknown key 'hour'; did you mean 'hours'"),
    ("metrics.yaml", "    kind: lagging", "    kind: lagged", "kind must be one of leading, lagging"),
    ("metrics.yaml", "    role: hourly_cost", "    role: wage", "role must be one of hourly_cost"),
    ("ambitions.yaml", "{kind: x, ref: happiness, weight: 0.30}",
     "{kind: x, ref: happiness, weight: 0.30, indicator_kind: early}", "indicators[1].indicator_kind"),
    ("ambitions.yaml", "{kind: x, ref: happiness, weight: 0.30}", "{kind: x, ref: time_lost, weight: 0.30}",
     "unknown x indicator"),
])
def test_params_of_outcomes_and_kinds_are_checked(params_dir, file, old, new, fragment):
    _edit(params_dir / file, old, new)
    with pytest.raises(ConfigError) as err:
        load_params(params_dir)
    assert fragment in str(err.value)


def test_hours_item_maps_codes_and_is_not_a_score(params_dir):
    p = load_params(params_dir)
    item = oc.time_item(p)
    assert item.hour_map == HOURS and item.scale == (1, 6)
    assert item.id not in {i.id for i in p.scored_items}
    assert oc.hours_of(pd.Series([1, 6, None, 3]), item).tolist()[:2] == [0.0, 6.0]


def test_bad_outcomes_rows_name_file_row_column_and_rule(project):
    path = project / "data" / "demo" / "outcomes.csv"
    o = pd.read_csv(path, dtype=str)
    o.loc[0, "attrition_rate"] = "-0.1"       # file row 2
    o.loc[1, "attrition_rate"] = "1.7"        # row 3: a share above 1
    o.loc[2, "cycle"] = "2027-Q1"             # row 4: no such cycle
    o.loc[3, "hourly_cost"] = "cheap"         # row 5
    o["location"] = None
    o.loc[4, "location"] = "London"           # row 6: two segments on one row
    o = pd.concat([o, o.iloc[[5]]], ignore_index=True)  # a duplicate of row 7 at the end
    o.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_cycle(project, "2026-Q4")
    text = str(err.value)
    last = len(o) + 1
    for fragment in (f"{path}, row 2, column 'attrition_rate': an outcome must not be negative",
                     f"{path}, row 3, column 'attrition_rate': a share is a number from 0 to 1",
                     f"{path}, row 4, column 'cycle': a cycle of params/cycles",
                     f"{path}, row 5, column 'hourly_cost'",
                     f"{path}, row 6, column 'location': a row gives one group",
                     f"{path}, row {last}, column 'department': each cycle and group appears once (duplicate of row 7)"):
        assert fragment in text, (fragment, text)


def test_a_bad_time_lost_answer_is_an_error(project):
    path = project / "data" / "demo" / "responses.csv"
    r = pd.read_csv(path, dtype=str, keep_default_na=False)
    r.loc[0, "time_lost"] = "7"
    r.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_cycle(project, "2026-Q4")
    assert f"{path}, row 2, column 'time_lost': one of the answer codes 1, 2, 3, 4, 5, 6" in str(err.value)


def test_a_slope_that_cannot_be_estimated_is_none_not_an_error():
    """Ten segments seen once each: ten segment-cycles, but eleven coefficients (the reverse order
    of a sparse panel crashed the whole lead-lag table before)."""
    once = pd.DataFrame({"segment": [f"s{i}" for i in range(10)], "lead": np.arange(10.0), "lag": np.arange(10.0) ** 2})
    assert oc._fit_within(once, 0.95) is None
    twice = pd.concat([once, once.assign(lead=once["lead"] + 1, lag=once["lag"] * 2)], ignore_index=True)
    fit = oc._fit_within(twice, 0.95)
    assert fit is not None and fit.n == 20 and fit.df == 20 - 11
    # too few segment-cycles, or a single segment, is None too
    assert oc._fit_within(twice.head(9), 0.95) is None
    assert oc._fit_within(twice.assign(segment="s0"), 0.95) is None


def test_lead_lag_callers_get_their_own_copy(data):
    t = oc.lead_lag(data)
    t.loc[:, "verdict"] = "edited"
    assert "edited" not in set(oc.lead_lag(data)["verdict"])


def test_outcome_values_are_read_once_and_a_caller_cannot_change_them(data):
    """The lead-lag tests ask for the same outcome's values hundreds of times a cycle: they are
    read once per outcome column and grouping; each caller gets its own copy to filter or edit."""
    outcome = next(iter(data.params.outcomes.values()))
    by = oc.outcome_columns(data)[0]
    first = oc.outcome_values(data, outcome, by)
    assert len(first) and set(first.columns) == {"cycle", "level", "value"}
    first["value"] = -1.0
    again = oc.outcome_values(data, outcome, by)
    assert (again["value"] != -1.0).any() and again is not first
    assert ("outcome_values", outcome.column, by) in data.__dict__["_memo"]
    org = oc.outcome_values(data, outcome, None)
    assert org["level"].isna().all()
