"""Mission 1 computations and XLA scoring, checked by hand on small frames and on the demo."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xmo_analysis import stats
from xmo_analysis.missions import measures
from xmo_analysis.sources.loaders import load_cycle
from xmo_analysis.core.params import load_params
from xmo_analysis.domain.xla import attainment, cycle_weights, metric_value, x_points, xla_scores

from conftest import REPO


@pytest.fixture(scope="module")
def params():
    return load_params(REPO / "params")


@pytest.fixture(scope="module")
def data(demo_project):
    return load_cycle(demo_project, "2026-Q4")


def test_straight_lining_by_hand(params):
    likert = [i.id for i in params.scored_items if i.type == "likert"]
    frame = pd.DataFrame([[3] * len(likert), [3] * (len(likert) - 1) + [4], [5] * len(likert),
                          [np.nan] + [2] * (len(likert) - 1)], columns=likert)
    out = measures.straight_lining(frame, params).iloc[0]
    assert out["respondents with every Likert item answered"] == 3
    assert out["straight-liners"] == 2 and out["share"] == pytest.approx(2 / 3)


def test_item_statistics_by_hand(params):
    frame = pd.DataFrame({i.id: [np.nan] * 4 for i in params.scored_items})
    frame["csat"] = [1, 5, 5, np.nan]
    row = measures.item_statistics(frame, params).set_index("item").loc["csat"]
    assert row["answers"] == 3 and row["missing"] == pytest.approx(0.25)
    assert row["mean"] == pytest.approx(11 / 3) and row["at maximum"] == pytest.approx(2 / 3)


def test_x_points_rescaling(params):
    frame = pd.DataFrame({"happiness": [10, 8, 3], "csat": [5, 3, 4], "ces": [1, 7, 4],
                          "sup_1": [5, 1, 3], "sup_2": [5, 1, 3], "sup_3": [1, 5, 3]})
    assert x_points(frame, params, "happiness").tolist() == [100, 50, 0]
    assert x_points(frame, params, "csat").tolist() == [100, 0, 100]
    assert x_points(frame, params, "ces").tolist() == [0, 100, 50]
    assert x_points(frame, params, "support").tolist() == [100, 0, 50]  # sup_3 reverse-keyed


def test_attainment(params):
    lower = params.metrics["resolution_hours_median"]  # lower is better, target 6
    assert attainment(3.0, lower) == 100 and attainment(12.0, lower) == pytest.approx(50)
    higher = params.metrics["sla_met_rate"]  # higher is better, target 0.95
    assert attainment(0.475, higher) == pytest.approx(50) and attainment(0.99, higher) == 100
    p90 = params.metrics["boot_time_p90"]
    frame = pd.DataFrame({"boot_time_s": np.arange(1, 11, dtype=float)})
    assert metric_value(frame, p90) == pytest.approx(np.quantile(np.arange(1, 11), 0.9))


def test_xla_score_is_weighted_combination(data):
    comp = measures.xla_composition(data)
    scores = xla_scores(data).set_index("xla")
    assert set(comp["xla"]) == set(scores.index) and len(comp) > len(scores)
    for xid, parts in comp.groupby("xla"):
        assert parts["weight"].sum() == pytest.approx(1)
        assert parts["contribution"].sum() == pytest.approx(scores.loc[xid, "score"], abs=1e-9)  # exact decomposition


def test_weighting_corrects_under_represented_location(data):
    w = cycle_weights(data)
    resp = data.current("responses").reset_index(drop=True)
    weighted_share = pd.Series(np.asarray(w)).groupby(resp["location"].to_numpy()).sum() / np.asarray(w).sum()
    pop = data.population.groupby("location")["headcount"].sum()
    assert weighted_share.to_dict() == pytest.approx((pop / pop.sum()).to_dict(), rel=1e-6)
    raw = resp["location"].value_counts(normalize=True)
    assert raw["Singapore"] < 0.6 * weighted_share["Singapore"]
    # Singapore's digital scores are lower, so weighting lowers the digital workplace XLA
    before = xla_scores(data, weighted=False).set_index("xla").loc["XLA-DW", "score"]
    after = xla_scores(data, weighted=True).set_index("xla").loc["XLA-DW", "score"]
    assert after < before
    assert measures.representation_finding(data).sentences[0].startswith("Singapore is under-represented")


def test_segment_scores_hide_small_groups(data):
    by = xla_scores(data, by="department", min_n=10_000)
    assert by["suppressed"].all() and by["score"].isna().all()
    ops = xla_scores(data, by="department").query("segment == 'Operations' and xla == 'XLA-SD'").iloc[0]
    assert ops["status"] == "missed"


def test_reliability_uses_psych_definition(data):
    constructs, items = measures.reliability(data.current("responses"), data.params)
    assert set(constructs["construct"]) == {"support", "digital", "selfservice", "communication"}
    support = [i.id for i in data.params.constructs()["support"]]
    direct = stats.cronbach_alpha(data.current("responses")[support], reverse=["sup_3"], scale=(1, 5))
    assert constructs.set_index("construct").loc["support", "alpha"] == pytest.approx(direct.alpha)
    assert (constructs["alpha"] > 0.6).all()


def test_reliability_status_follows_the_alpha_floor(data):
    # Found in review: constructs below the floor were published as status "late" (a freshness
    # status) in results-measures.json.
    import copy
    params = copy.copy(data.params)
    resp = data.current("responses")
    alphas = measures.reliability(resp, data.params)[0].set_index("construct")["alpha"]
    assert len(alphas) >= 2
    floor = float(alphas.sort_values().iloc[len(alphas) // 2])  # half the constructs are below it
    params.settings = {**data.params.settings, "policy": {"alpha_floor": floor}}
    rel = measures.reliability(resp, params)[0].set_index("construct")
    assert (rel["status"] == np.where(alphas >= floor, "ok", "below floor")).all()
    assert {"ok", "below floor"} == set(rel["status"])


def test_composition_names_indicators_by_label_and_declares_scales(demo_project):
    """The reader sees labels, not metric ids, and is told where one measure has three scales."""
    import re
    data = load_cycle(demo_project, "2026-Q4")
    html = measures.composition_section(data)._repr_html_()
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    metric_ids = set(data.params.metrics)
    assert metric_ids and not metric_ids & set(cells)
    for m in data.params.metrics.values():
        if any(i.ref == m.id for x in data.params.xlas.values() for i in x.indicators):
            assert m.label in cells, m.label
    scored = [i for i in data.params.scored_items if i.type in ("nps", "happiness", "csat", "ces")
              and any(ind.ref == i.id for x in data.params.xlas.values() for ind in x.indicators)]
    assert scored
    for item in scored:
        assert f"{data.params.indicator_label(item.id)} is one measure on three scales" in html
