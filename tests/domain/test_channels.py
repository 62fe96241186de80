"""Channel assessment: planted effects found, tests against scipy/statsmodels and by hand, small channels hidden.

References: Welch's t of ``scipy.stats.ttest_ind(equal_var=False)``, the two-proportion z of
``statsmodels.stats.proportion.proportions_ztest``, the Wilson interval of statsmodels'
``proportion_confint(method="wilson")``, and the design-based SE of svyglm(y ~ digital) on a
raked design written out by hand from STATISTICS.md (calibration residuals by least squares).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from xmo_analysis.domain.channels import channel_mix, channel_table, compare_groups
from xmo_analysis.domain.xla import cycle_weights
from xmo_analysis.missions import findings
from xmo_analysis.sources.loaders import load_cycle

DIGITAL, ASSISTED = ["portal", "chat"], ["phone", "walk-in"]


def _no_weighting(project):
    path = project / "params" / "xmo.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["weighting"] = {"method": "none"}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _edit_responses(project, change):
    path = project / "data" / "demo" / "responses.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def data(demo_project):
    return load_cycle(demo_project, "2026-Q4")


def test_planted_effort_difference_and_fcr(data):
    cmp = compare_groups(data).set_index("measure")
    effort = cmp.loc[cmp.index.str.startswith("effort")].iloc[0]
    # planted: digital 0.3 below, assisted 0.2 above on CES 1-7
    assert -0.8 < effort["diff"] < -0.2 and effort["diff_ci_high"] < 0 and effort["p_value"] < 0.05
    assert effort["method"].startswith("design-based")  # the demo is weighted (raked)
    fcr = cmp.loc[cmp.index.str.startswith("first-contact")].iloc[0]
    assert fcr["diff"] < -10 and fcr["p_value"] < 1e-6
    t = channel_table(data).set_index("channel")
    assert t["kind"].to_dict() == {"portal": "digital", "chat": "digital", "phone": "assisted", "walk-in": "assisted"}
    assert t.loc["walk-in", "fcr"] > t.loc["portal", "fcr"]


def test_weighted_difference_is_design_based_as_by_hand(data):
    """svyglm(effort ~ digital) on the raked design: coefficient and linearised SE by hand."""
    resp = data.current("responses").reset_index(drop=True)
    w = np.asarray(cycle_weights(data), dtype=float)
    y = pd.to_numeric(resp["ces"], errors="coerce").to_numpy(float)
    d = resp["channel"].isin(DIGITAL).to_numpy() & np.isfinite(y)
    a = resp["channel"].isin(ASSISTED).to_numpy() & np.isfinite(y)
    yd = np.sum(w[d] * y[d]) / w[d].sum()
    ya = np.sum(w[a] * y[a]) / w[a].sum()
    u = np.zeros(len(y))
    u[d] = (y[d] - yd) / w[d].sum()
    u[a] = -(y[a] - ya) / w[a].sum()
    # calibration residuals: u on the raking margins' indicators and an intercept (equal starting weights)
    X = np.column_stack([np.ones(len(y)), pd.get_dummies(resp["department"]).to_numpy(float),
                         pd.get_dummies(resp["location"]).to_numpy(float)])
    e = u - X @ np.linalg.lstsq(X, u, rcond=None)[0]
    x = w * e
    n = len(y)
    se = np.sqrt(n / (n - 1) * np.sum((x - x.mean()) ** 2))
    row = compare_groups(data).iloc[0]
    assert row["first"] == pytest.approx(yd, rel=1e-12) and row["second"] == pytest.approx(ya, rel=1e-12)
    assert row["diff"] == pytest.approx(yd - ya, rel=1e-12)
    z = sps.norm.ppf(0.975)
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((yd - ya - z * se, yd - ya + z * se), rel=1e-8)
    assert row["p_value"] == pytest.approx(2 * sps.norm.sf(abs(yd - ya) / se), rel=1e-6)


def test_unweighted_tests_against_scipy_and_statsmodels(project):
    _no_weighting(project)
    data = load_cycle(project, "2026-Q4")
    resp = data.current("responses")
    cmp = compare_groups(data)
    ces = pd.to_numeric(resp["ces"], errors="coerce")
    a, b = ces[resp["channel"].isin(DIGITAL)].dropna(), ces[resp["channel"].isin(ASSISTED)].dropna()
    welch = sps.ttest_ind(a, b, equal_var=False)
    ci = welch.confidence_interval(0.95)
    effort = cmp.iloc[0]
    assert effort["method"] == "Welch t"
    assert effort["diff"] == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert effort["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert (effort["diff_ci_low"], effort["diff_ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    csat = pd.to_numeric(resp["csat"], errors="coerce")
    top = [(csat[resp["channel"].isin(g)].dropna() >= 4) for g in (DIGITAL, ASSISTED)]
    counts, nobs = [int(t.sum()) for t in top], [len(t) for t in top]
    _, p = proportions_ztest(counts, nobs)
    sat = cmp.iloc[1]
    p1, p2 = counts[0] / nobs[0], counts[1] / nobs[1]
    half = sps.norm.ppf(0.975) * np.sqrt(p1 * (1 - p1) / nobs[0] + p2 * (1 - p2) / nobs[1])
    assert sat["diff"] == pytest.approx(100 * (p1 - p2), rel=1e-12)
    assert sat["p_value"] == pytest.approx(p, rel=1e-9)
    assert (sat["diff_ci_low"], sat["diff_ci_high"]) == pytest.approx((100 * (p1 - p2 - half), 100 * (p1 - p2 + half)), rel=1e-9)
    # first-contact resolution from the tickets' own rows
    tk = data.current("tickets")
    flags = [tk.loc[tk["channel"].isin(g), "first_contact_resolved"].astype(bool) for g in (DIGITAL, ASSISTED)]
    _, p = proportions_ztest([int(f.sum()) for f in flags], [len(f) for f in flags])
    fcr = cmp.iloc[2]
    assert fcr["diff"] == pytest.approx(100 * (flags[0].mean() - flags[1].mean()), rel=1e-12)
    assert fcr["p_value"] == pytest.approx(p, rel=1e-9)
    # per channel: CES mean with its t interval, CSAT top-2 with Wilson, FCR with Wilson
    t = channel_table(data).set_index("channel")
    for ch in ["portal", "chat", "phone", "walk-in"]:
        c = ces[resp["channel"] == ch].dropna()
        lo, hi = sps.t.interval(0.95, len(c) - 1, loc=c.mean(), scale=c.std(ddof=1) / np.sqrt(len(c)))
        assert (t.loc[ch, "effort"], t.loc[ch, "effort_ci_low"], t.loc[ch, "effort_ci_high"]) == \
            pytest.approx((c.mean(), lo, hi), rel=1e-10)
        s = csat[resp["channel"] == ch].dropna() >= 4
        lo, hi = proportion_confint(int(s.sum()), len(s), method="wilson")
        assert (t.loc[ch, "satisfaction"], t.loc[ch, "satisfaction_ci_low"], t.loc[ch, "satisfaction_ci_high"]) == \
            pytest.approx((100 * s.mean(), 100 * lo, 100 * hi), rel=1e-10)
        f = tk.loc[tk["channel"] == ch, "first_contact_resolved"].astype(bool)
        lo, hi = proportion_confint(int(f.sum()), len(f), method="wilson")
        assert (t.loc[ch, "fcr"], t.loc[ch, "fcr_ci_low"], t.loc[ch, "fcr_ci_high"]) == \
            pytest.approx((f.mean(), lo, hi), rel=1e-10)
        assert t.loc[ch, "tickets"] == len(f)


def test_planted_channel_shift_over_cycles(data):
    mix = channel_mix(data)
    tk = data.tickets
    share = pd.crosstab(tk["cycle"], tk["channel"], normalize="index")
    walk = mix[mix["channel"] == "walk-in"].set_index("cycle")
    assert walk["share_of_tickets"].to_dict() == pytest.approx(share["walk-in"].to_dict(), rel=1e-12)
    assert (walk["change_tickets"].dropna() < 0).all()  # planted: -3 points a cycle
    assert share.loc["2026-Q1", "walk-in"] - share.loc["2026-Q4", "walk-in"] > 0.05
    counts = pd.crosstab(tk["cycle"], tk["channel"])
    x = [counts.loc["2026-Q4", "walk-in"], counts.loc["2026-Q3", "walk-in"]]
    n = [counts.loc["2026-Q4"].sum(), counts.loc["2026-Q3"].sum()]
    _, p = proportions_ztest(x, n)
    assert walk.loc["2026-Q4", "p_tickets"] == pytest.approx(p, rel=1e-9)
    assert walk.loc["2026-Q4", "change_tickets"] == pytest.approx(100 * (x[0] / n[0] - x[1] / n[1]), rel=1e-12)
    chat = mix[mix["channel"] == "chat"].set_index("cycle")
    assert chat.loc["2026-Q4", "share_of_tickets"] > chat.loc["2026-Q1", "share_of_tickets"] + 0.05


def test_small_channel_hidden_and_no_leak_by_subtraction(project):
    def thin(f):
        q4 = f["cycle"] == "2026-Q4"
        walk = f.index[q4 & (f["channel"] == "walk-in")]
        f.loc[walk[3:], "channel"] = "phone"      # 3 walk-in respondents left
        chat = f.index[q4 & (f["channel"] == "chat")]
        f.loc[chat[8:], "channel"] = "portal"     # chat becomes the next smallest: hidden as the complement
    _edit_responses(project, thin)
    data = load_cycle(project, "2026-Q4")
    t = channel_table(data).set_index("channel")
    for ch in ("walk-in", "chat"):
        assert t.loc[ch, "suppressed"] and pd.isna(t.loc[ch, "effort"]) and pd.isna(t.loc[ch, "responses"])
        assert pd.isna(t.loc[ch, "share_of_responses"])
        assert pd.notna(t.loc[ch, "fcr"]) and t.loc[ch, "tickets"] > 0  # ticket figures stay
    assert not t.loc["portal", "suppressed"] and not t.loc["phone", "suppressed"]
    # assisted minus phone would give the 3 walk-in respondents: the comparison is withheld
    cmp = compare_groups(data)
    survey = cmp[~cmp["measure"].str.startswith("first-contact")]
    assert survey["suppressed"].all() and survey["diff"].isna().all()
    mix = channel_mix(data)
    q4 = mix[mix["cycle"] == "2026-Q4"].set_index("channel")
    assert pd.isna(q4.loc["walk-in", "responses"]) and pd.isna(q4.loc["walk-in", "change_responses"])
    html = findings.channels_section(data)._repr_html_()
    assert "&lt; 5" in html and "What the contacts cost" in html  # tickets and costs stay


def test_mix_cost_by_hand_from_the_raw_files(demo_project, data):
    """Contact cost, group cost and the mix shift's saving, recomputed from tickets.parquet and
    outcomes.csv with plain pandas (the planted costs: digital far cheaper, the mix moving to it)."""
    from xmo_analysis.domain.channels import mix_cost
    raw = pd.read_parquet(demo_project / "data" / "demo" / "tickets.parquet")
    out = pd.read_csv(demo_project / "data" / "demo" / "outcomes.csv")
    price = out.dropna(subset=["channel"]).set_index(["cycle", "channel"])["cost_per_contact"]
    cycles = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    lo = {c: pd.Timestamp(f"2026-{3 * i + 1:02d}-01") for i, c in enumerate(cycles)}
    hi = {c: (lo[cycles[i + 1]] if i < 3 else pd.Timestamp("2027-01-01")) for i, c in enumerate(cycles)}
    got = mix_cost(data).set_index("cycle")
    assert list(got.index) == cycles
    shares = {}
    for c in cycles:
        t = raw[(raw["opened_at"] >= lo[c]) & (raw["opened_at"] < hi[c])]
        n = t["channel"].value_counts()
        assert set(n.index) == set(DIGITAL + ASSISTED)
        cost = sum(n[ch] * price[(c, ch)] for ch in n.index)
        assert got.loc[c, "tickets"] == n.sum()
        assert got.loc[c, "cost"] == pytest.approx(cost, rel=1e-12)
        assert got.loc[c, "cost_per_contact"] == pytest.approx(cost / n.sum(), rel=1e-12)
        for label, chans in (("digital", DIGITAL), ("assisted", ASSISTED)):
            own = sum(n[ch] * price[(c, ch)] for ch in chans) / sum(n[ch] for ch in chans)
            assert got.loc[c, f"cost_per_contact_{label}"] == pytest.approx(own, rel=1e-12)
        shares[c] = n / n.sum()
        if c == "2026-Q1":
            assert np.isnan(got.loc[c, "mix_effect"])
        else:
            prev = shares[cycles[cycles.index(c) - 1]]
            per = sum((shares[c][ch] - prev[ch]) * price[(c, ch)] for ch in n.index)
            assert got.loc[c, "mix_effect_per_contact"] == pytest.approx(per, rel=1e-12)
            assert got.loc[c, "mix_effect"] == pytest.approx(per * n.sum(), rel=1e-12)
            assert per < 0  # planted: contacts move to the cheaper digital channels
    assert (got["cost_per_contact_digital"] < got["cost_per_contact_assisted"] / 2).all()
    html = findings.channels_section(data)._repr_html_()
    assert "What the contacts cost (EUR), by cycle" in html and "saved EUR" in html


def test_one_declared_group_compares_against_every_other_channel(project):
    """Params' labels are the tables' words; with one group the rest of the channels is the other."""
    path = project / "params" / "xmo.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["analysis"]["channels"]["groups"] = {"self-service": ["portal"]}
    del doc["analysis"]["channels"]["cost"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    data = load_cycle(project, "2026-Q4")
    t = channel_table(data)
    assert dict(zip(t["channel"], t["kind"])) == {"portal": "self-service", "chat": "other channels",
                                                  "phone": "other channels", "walk-in": "other channels"}
    cmp = compare_groups(data)
    assert cmp.attrs["labels"] == ("self-service", "other channels")
    resp = data.of_cycle("responses", "2026-Q4")
    assert cmp["n_first"].iloc[0] == int((resp["channel"] == "portal").sum() - resp.loc[resp["channel"] == "portal", "ces"].isna().sum())
    html = findings.channels_section(data)._repr_html_()
    assert "Self-service (portal) against other channels (chat, phone, walk-in) channels" in html
    assert "digital" not in html.replace("Digital workplace", "")
    assert "No cost data" in html and "What the contacts cost" not in html
