"""Mission 1 — managing experience measures: instrument quality, weighting and scoring.

Computations return DataFrames (tested); the ``*_section`` helpers wrap them for the notebook.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import plots
from .display import Cards, Table, Text, fmt1, fmt2, fmt_number, fmt_p, fmt_pct
from .validity import representativeness
from .loaders import CycleData
from .params import Params
from .reliability import cronbach_alpha
from .scores import ces, csat, happiness, likert_score, nps
from .xla import cycle_weights, indicator_table, x_points, xla_scores

ALPHA_FLOOR = 0.7


# ---------------------------------------------------------------- computations
def item_statistics(responses: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Per scored item: answers, missing share, mean, SD, and the share at each scale end."""
    rows = []
    for item in params.scored_items:
        x = responses[item.id].astype(float)
        lo, hi = item.scale
        answered = x.dropna()
        rows.append({"item": item.id, "construct": item.construct or item.type, "reverse": item.reverse,
                     "scale": f"{lo}-{hi}", "answers": len(answered), "missing": x.isna().mean(),
                     "mean": answered.mean() if len(answered) else np.nan,
                     "sd": answered.std(ddof=1) if len(answered) > 1 else np.nan,
                     "at minimum": (answered == lo).mean() if len(answered) else np.nan,
                     "at maximum": (answered == hi).mean() if len(answered) else np.nan})
    return pd.DataFrame(rows)


def straight_lining(responses: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Respondents who gave the same raw answer to every Likert item (reverse-keyed ones included).

    Identical raw answers across items keyed in opposite directions contradict themselves, so
    they flag inattentive answering. Only respondents who answered every Likert item count.
    """
    likert = [i.id for i in params.scored_items if i.type == "likert"]
    complete = responses[likert].dropna()
    flat = complete.nunique(axis=1) == 1
    return pd.DataFrame([{"respondents with every Likert item answered": len(complete),
                          "straight-liners": int(flat.sum()),
                          "share": float(flat.mean()) if len(complete) else np.nan}])


def reliability(responses: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha per construct, and each item's item-rest correlation."""
    rows, items = [], []
    for construct, its in params.constructs().items():
        if len(its) < 2:
            continue
        r = cronbach_alpha(responses[[i.id for i in its]], reverse=[i.id for i in its if i.reverse],
                           scale=its[0].scale)
        rows.append({"construct": construct, "items": r.k, "complete cases": r.n, "alpha": r.alpha,
                     "standardised alpha": r.std_alpha, "lowest item-rest r": float(r.item_rest.min()),
                     "status": "ok" if r.alpha >= ALPHA_FLOOR else "late"})
        for item_id, value in r.item_rest.items():
            items.append({"construct": construct, "item": item_id, "reverse-keyed": params.items[item_id].reverse,
                          "item-rest r": float(value), "text": params.items[item_id].text})
    return pd.DataFrame(rows), pd.DataFrame(items)


def x_scores(responses: pd.DataFrame, params: Params, weights=None) -> pd.DataFrame:
    """Every survey score on its own scale (NPS-style -100..100, CSAT %, CES 1-7, constructs 0-100)."""
    rows = []
    for item in params.scored_items:
        if item.type in ("nps", "happiness", "csat", "ces"):
            fn = {"nps": nps, "happiness": happiness, "csat": csat, "ces": ces}[item.type]
            e = fn(responses[item.id], weights)
            scale = {"nps": "-100 to 100", "happiness": "-100 to 100", "csat": "% top-2-box", "ces": "1 to 7"}[item.type]
            rows.append({"score": item.id, "kind": item.type, "scale": scale, "value": e.value, "ci_low": e.ci_low,
                         "ci_high": e.ci_high, "n": e.n})
    for construct, its in params.constructs().items():
        e = likert_score(responses[[i.id for i in its]], its[0].scale, reverse=[i.id for i in its if i.reverse],
                         weights=weights)
        rows.append({"score": construct, "kind": "likert construct", "scale": "0 to 100", "value": e.value,
                     "ci_low": e.ci_low, "ci_high": e.ci_high, "n": e.n})
    return pd.DataFrame(rows)


def xla_composition(data: CycleData) -> pd.DataFrame:
    """How each XLA score is built: every indicator's 0-100 score, weight and contribution.

    The contributions sum exactly to the XLA score of :func:`~xmo_analysis.xla.xla_scores`: an
    X indicator contributes the (weighted) mean over responses of its share of each response's
    composite, ``W_x w_i x_ij / sum(w answered by j)``, divided by the weights with data
    (``W_x + sum(w_ot)``). An indicator with no data is *unknown* (score NaN, no contribution);
    ``effective weight`` = contribution / score shows how the others' weights were renormalised.
    """
    params = data.params
    resp = data.current("responses").reset_index(drop=True)
    w = cycle_weights(data)
    ww_all = np.ones(len(resp)) if w is None else np.asarray(w, dtype=float)
    ot = indicator_table(data, params).set_index("metric")
    rows = []
    for xla in params.xlas.values():
        xs = [(ind, x_points(resp, params, ind.ref)) for ind in xla.indicators if ind.kind == "x"]
        w_x = sum(ind.weight for ind, _ in xs)
        ot_known = {ind.ref: float(ot.loc[ind.ref, "attainment"]) for ind in xla.indicators if ind.kind != "x"}
        w_ot = sum(ind.weight for ind in xla.indicators if ind.kind != "x" and not np.isnan(ot_known[ind.ref]))
        if xs:
            values = np.column_stack([v for _, v in xs])
            wsum = (~np.isnan(values) * np.array([i.weight for i, _ in xs])).sum(axis=1)
            rows_ok = wsum > 0  # responses that enter the XLA estimate
        else:
            rows_ok = np.ones(len(resp), dtype=bool)
        denom = w_x + w_ot
        for ind in xla.indicators:
            if ind.kind == "x":
                pts = dict((i.ref, v) for i, v in xs)[ind.ref]
                ok = ~np.isnan(pts)
                score = float(np.sum(ww_all[ok] * pts[ok]) / np.sum(ww_all[ok])) if ok.any() else float("nan")
                share = np.where(ok & rows_ok, ind.weight * w_x * np.nan_to_num(pts) / np.where(rows_ok, wsum, 1), 0.0)
                contribution = float(np.sum(ww_all[rows_ok] * share[rows_ok]) / np.sum(ww_all[rows_ok]) / denom) \
                    if rows_ok.any() and not np.isnan(score) else float("nan")
                source = "survey"
            else:
                score = ot_known[ind.ref]
                contribution = float("nan") if np.isnan(score) else ind.weight * score / denom
                source = "tickets" if ind.kind == "o" else "telemetry"
            missing = np.isnan(score)
            rows.append({"xla": xla.id, "indicator": ind.ref, "type": ind.kind.upper(), "source": source,
                         "score (0-100)": score, "weight": ind.weight,
                         "effective weight": float("nan") if missing or score == 0 else contribution / score,
                         "contribution": contribution, "data": "unknown: no data" if missing else "ok"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- report sections
def items_section(data: CycleData) -> tuple[Table, object]:
    resp = data.current("responses")
    t = item_statistics(resp, data.params)
    pct = lambda v: fmt_pct(v)  # noqa: E731
    table = Table(t, caption="Item statistics", formats={"missing": pct, "mean": fmt2, "sd": fmt2, "at minimum": pct,
                                                          "at maximum": pct, "answers": lambda v: fmt_number(v, 0)},
                  note="Missing: share of respondents who skipped the item. Reverse-keyed items are shown as answered.")
    return table, plots.item_distributions(resp, [i for i in data.params.scored_items if i.type == "likert"])


def straight_lining_section(data: CycleData) -> Table:
    t = straight_lining(data.current("responses"), data.params)
    return Table(t, caption="Straight-lining", formats={"share": lambda v: fmt_pct(v)},
                 note="Straight-liners gave the same answer to every Likert item although some items are "
                      "reverse-keyed: their answers are kept but should be read with care.")


def reliability_section(data: CycleData) -> tuple[Table, Table]:
    constructs, items = reliability(data.current("responses"), data.params)
    constructs = constructs.assign(status=np.where(constructs["alpha"] >= ALPHA_FLOOR, "ok", "below 0.7"))
    low = constructs[constructs["alpha"] < ALPHA_FLOOR]["construct"].tolist()
    verdict = (f"Constructs under alpha {ALPHA_FLOOR}: {', '.join(low)}." if low
               else f"Every construct reaches alpha {ALPHA_FLOOR}.")
    return (Table(constructs, caption="Reliability per construct (Cronbach's alpha, complete cases)",
                  formats={"alpha": fmt2, "standardised alpha": fmt2, "lowest item-rest r": fmt2,
                           "items": lambda v: fmt_number(v, 0), "complete cases": lambda v: fmt_number(v, 0)},
                  status=(), note=verdict),
            Table(items, caption="Item-rest correlations", formats={"item-rest r": fmt2}, status=(),
                  note="Correlation of each item (after reverse-keying) with the sum of its construct's other items."))


def weighting_section(data: CycleData) -> tuple[Cards, Table, object]:
    """The raking weights: design effect, effective n, range; what changes after weighting."""
    w = cycle_weights(data)
    if w is None:
        return Cards([("Weighting", "none", "params: weighting.method is none", None)]), Table(pd.DataFrame()), None
    s = w.summary()
    cards = Cards([("Design effect", f"{s['design_effect']:.2f}", "1 + CV² of the weights", None),
                   ("Effective n", fmt_number(round(s["effective_n"]), 0), f"of {s['n']:,} respondents", None),
                   ("Weight range", f"{s['min']:.2f} to {s['max']:.2f}", f"ratio {s['ratio_max_min']:.1f}", None),
                   ("Raking", f"{s['iterations']} sweeps", "converged" if s["converged"] else "NOT converged", None)])
    before, after = xla_scores(data, weighted=False), xla_scores(data, weighted=True)
    t = pd.DataFrame({"xla": after["xla"], "name": after["name"], "unweighted": before["score"],
                      "weighted": after["score"], "change": after["score"] - before["score"],
                      "SE unweighted": before["se"], "SE weighted": after["se"],
                      "status unweighted": before["status"], "status": after["status"]})
    table = Table(t, caption="What changes after weighting",
                  formats={"unweighted": fmt1, "weighted": fmt1, "change": lambda v: f"{v:+.2f}",
                           "SE unweighted": fmt2, "SE weighted": fmt2},
                  status=("status unweighted", "status"),
                  note="Weighted: respondents raked to the population's department and location headcounts; "
                       "SEs account for the calibration.")
    resp = data.current("responses").reset_index(drop=True)
    return cards, table, plots.weights_by(resp.assign(weight=np.asarray(w)), "location")


def representation_finding(data: CycleData) -> Text:
    """Plain sentences naming the most under-represented segment and what raking does about it."""
    resp = data.current("responses").reset_index(drop=True)
    w = cycle_weights(data)
    out = []
    for seg in data.params.population_segments:
        rep = representativeness(resp[seg].value_counts(), data.population.groupby(seg)["headcount"].sum())
        t = rep.table.assign(ratio=lambda f: f["sample_share"] / f["population_share"])
        worst = t["ratio"].idxmin()
        if rep.p_value >= 0.05 or t.loc[worst, "respondents"] < data.params.min_group_size:
            continue
        sentence = (f"{worst} is under-represented: {fmt_pct(t.loc[worst, 'sample_share'])} of respondents against "
                    f"{fmt_pct(t.loc[worst, 'population_share'])} of the population (response rate "
                    f"{fmt_pct(t.loc[worst, 'response_rate'])}; chi-square p {fmt_p(rep.p_value)}).")
        if w is not None:
            ww = pd.Series(np.asarray(w)).groupby(resp[seg].to_numpy()).mean()
            sentence += (f" Raking gives each of its respondents a mean weight of {ww[worst]:.1f}, against "
                         f"{ww.drop(worst).mean():.1f} elsewhere, so its share of the weighted results matches the population.")
        out.append(sentence)
    return Text(out or ["Respondents mirror the population on every frame segment (no significant difference)."])


def scores_section(data: CycleData) -> Table:
    resp = data.current("responses").reset_index(drop=True)
    t = x_scores(resp, data.params, cycle_weights(data))
    return Table(t, caption="Survey scores (weighted), each on its own scale",
                 formats={"value": fmt1, "ci_low": fmt1, "ci_high": fmt1, "n": lambda v: fmt_number(v, 0)},
                 labels={"ci_low": "95% CI low", "ci_high": "95% CI high"},
                 note="Happiness as NPS-style points (+100 for 9-10, 0 for 7-8, -100 for 0-6); CSAT as the share "
                      "of 4-5 answers; CES as the mean of 1-7; constructs as the 0-100 mean of their items.")


def composition_section(data: CycleData) -> Table:
    t = xla_composition(data)
    return Table(t, caption="From indicators to XLA scores",
                 formats={"score (0-100)": fmt1, "weight": fmt2, "effective weight": fmt2, "contribution": fmt1},
                 status=(),
                 note="X indicators are rescaled to 0-100; O and T indicators score their attainment of the "
                      "metric's target (100 = met). An indicator without data is unknown, never zero: the "
                      "others' weights are renormalised (effective weight) and the XLA score is the sum of "
                      "the contributions.")


__all__ = ["item_statistics", "straight_lining", "reliability", "x_scores", "xla_composition"]


def save_results(data: CycleData, output_dir) -> Text:
    """Mission 1's key results as results-measures.json (schema: :mod:`xmo_analysis.results`)."""
    from . import results
    resp = data.current("responses").reset_index(drop=True)
    N = int(data.population["headcount"].sum())
    reps = {}
    for seg in data.params.population_segments:
        r = representativeness(resp[seg].value_counts(), data.population.groupby(seg)["headcount"].sum())
        reps[seg] = {"chi2": r.chi2, "df": r.df, "p_value": r.p_value}
    w = cycle_weights(data)
    rel, _ = reliability(resp, data.params)
    scores = x_scores(resp, data.params, w)
    xla = xla_scores(data)
    # Overall and by every segment: what missions 2 and 3 and the dashboards read.
    by_segment = pd.concat([xla.assign(by="all", segment="all")]
                           + [xla_scores(data, by=seg).assign(by=seg) for seg in data.params.segments],
                           ignore_index=True).astype({"segment": str})
    from .validity import margin_of_error
    payload = {"respondents": len(resp), "population": N, "response_rate": len(resp) / N,
               "margin_of_error": margin_of_error(len(resp), N), "representativeness": reps,
               "weighting": w.summary() if w is not None else None, "reliability": results.records(rel),
               "survey_scores": results.records(scores), "xla": results.records(xla)}
    path = results.save(output_dir, "measures", data.cycle, payload, {"xla": by_segment, "survey_scores": scores},
                        data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")
