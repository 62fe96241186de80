"""Mission 1 — managing experience measures: instrument quality, weighting and scoring.

Computations return DataFrames (tested); the ``*_section`` helpers wrap them for the notebook.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.present import plots
from xmo_analysis.present import results
from xmo_analysis.present.display import Cards, Section, Table, Text, fmt1, fmt2, fmt_number, fmt_p, fmt_pct, fmt_quantity, label
from xmo_analysis.sources.loaders import CycleData
from xmo_analysis.sources.metric_sources import RowSource, metric_source
from xmo_analysis.core.params import Params
from xmo_analysis.stats.reliability import cronbach_alpha
from xmo_analysis.stats.scores import SCORE_TYPES, likert_score
from xmo_analysis.privacy.suppression import suppress_rows
from xmo_analysis.stats.validity import margin_of_error, representativeness
from xmo_analysis.core.vocabulary import RELIABLE, UNRELIABLE
from xmo_analysis.stats.design import Design
from xmo_analysis.domain.xla import cycle_design, cycle_weights, indicator_table, x_points, xla_scores


# ---------------------------------------------------------------- computations
def item_statistics(responses: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Per scored item: answers, missing share, mean, SD, and the share at each scale end."""
    rows = []
    for item in params.scored_items:
        x = responses[item.id].astype(float)
        lo, hi = item.scale
        answered = x.dropna()
        rows.append({"item": item.id, "construct": item.construct or (item.type if item.type != "likert" else "—"), "reverse": item.reverse,
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
    """Cronbach's alpha per construct, and each item's item-rest correlation.

    ``status`` is ``ok`` when alpha reaches params' ``policy.alpha_floor``, else ``below floor``.
    """
    floor = params.policy.alpha_floor
    rows, items = [], []
    for construct, its in params.constructs().items():
        if len(its) < 2:
            continue
        r = cronbach_alpha(responses[[i.id for i in its]], reverse=[i.id for i in its if i.reverse],
                           scale=its[0].scale)
        rows.append({"construct": construct, "items": r.k, "complete cases": r.n, "alpha": r.alpha,
                     "standardised alpha": r.std_alpha, "lowest item-rest r": float(r.item_rest.min()),
                     "status": RELIABLE if r.alpha >= floor else UNRELIABLE})
        for item_id, value in r.item_rest.items():
            items.append({"construct": construct, "item": item_id, "reverse-keyed": params.items[item_id].reverse,
                          "item-rest r": float(value), "text": params.items[item_id].text})
    return pd.DataFrame(rows), pd.DataFrame(items)


def x_scores(design: Design, params: Params) -> pd.DataFrame:
    """Every survey score on its own scale (NPS-style -100..100, CSAT %, CES 1-7, constructs 0-100)."""
    conf = params.policy.confidence
    responses, weights = design.frame, design.weights
    rows = []
    for item in params.scored_items:
        if item.type in SCORE_TYPES:
            kind = SCORE_TYPES[item.type]
            e = kind.estimator(responses[item.id], weights, conf)
            rows.append({"score": item.id, "kind": item.type, "scale": kind.scale, "value": e.value, "ci_low": e.ci_low,
                         "ci_high": e.ci_high, "n": e.n})
    for construct, its in params.constructs().items():
        e = likert_score(responses[[i.id for i in its]], its[0].scale, reverse=[i.id for i in its if i.reverse],
                         weights=weights, conf=conf)
        rows.append({"score": construct, "kind": "likert construct", "scale": "0 to 100", "value": e.value,
                     "ci_low": e.ci_low, "ci_high": e.ci_high, "n": e.n})
    return pd.DataFrame(rows)


def xla_composition(data: CycleData) -> pd.DataFrame:
    """How each XLA score is built: every indicator's 0-100 score, weight and contribution.

    The contributions sum exactly to the XLA score of :func:`~xmo_analysis.domain.xla.xla_scores`: an
    X indicator contributes the (weighted) mean over responses of its share of each response's
    composite, ``W_x w_i x_ij / sum(w answered by j)``, divided by the weights with data
    (``W_x + sum(w_ot)``). An indicator with no data is *unknown* (score NaN, no contribution);
    ``effective weight`` = contribution / score shows how the others' weights were renormalised.
    """
    params = data.params
    design = cycle_design(data)
    resp = design.frame
    ww_all = design.weight_values()
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
            rows.append({"xla": xla.id, "ref": ind.ref, "indicator": params.indicator_label(ind.ref), "type": ind.kind.upper(),
                         "source": source,
                         "score (0-100)": score, "weight": ind.weight,
                         "effective weight": float("nan") if missing or score == 0 else contribution / score,
                         "contribution": contribution, "data": "unknown: no data" if missing else "ok"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- report sections
# Each returns one Section, so that each notebook cell is one call.
def inventory_section(data: CycleData) -> Section:
    """The X, O and T sources of the cycle and whether any is late or missing."""
    return Section([inventory(data)])


def respondents_section(data: CycleData) -> Section:
    """Respondents, population, response rate and margin of error."""
    return Section([headline(data)])


def response_rates_section(data: CycleData) -> Section:
    """Response rate and representativeness for every segment the population frame has."""
    if not has_population(data):
        return Section([Text(["No population frame for this survey: response rates, representativeness and "
                              "weighting are not computed."])])
    parts = []
    for by in data.params.population_segments:
        table, figure = response_rates(data, by)
        parts.append(Section([table, figure]))
    return Section(parts)


def items_section(data: CycleData) -> Section:
    """How each item was answered, and straight-lining."""
    resp = data.current("responses")
    t = item_statistics(resp, data.params)
    pct = lambda v: fmt_pct(v)  # noqa: E731
    table = Table(t, caption="Item statistics", formats={"missing": pct, "mean": fmt2, "sd": fmt2, "at minimum": pct,
                                                          "at maximum": pct, "answers": lambda v: fmt_number(v, 0)},
                  note="Missing: share of respondents who skipped the item. Reverse-keyed items are shown as answered.")
    likert = [i for i in data.params.scored_items if i.type == "likert"]
    figure = plots.item_distributions(resp, likert) if likert else None
    sl = straight_lining(resp, data.params)
    straight = Table(sl, caption="Straight-lining", formats={"share": lambda v: fmt_pct(v)},
                     note="Straight-liners gave the same answer to every Likert item although some items are "
                          "reverse-keyed: their answers are kept but should be read with care.") if likert else None
    return Section([table, figure, straight])


def reliability_section(data: CycleData) -> Section:
    """Cronbach's alpha per construct against params' floor, and item-rest correlations."""
    constructs, items = reliability(data.current("responses"), data.params)
    if constructs.empty:
        return Section([Text(["No construct has two or more items: reliability is not computed."])])
    floor = data.params.policy.alpha_floor
    low = constructs[constructs["status"] == UNRELIABLE]["construct"].tolist()
    verdict = (f"Constructs under alpha {floor:g}: {', '.join(low)}." if low
               else f"Every construct reaches alpha {floor:g}.")
    return Section([Text([f"A construct's items should measure one thing: Cronbach's alpha should reach {floor:g}. "
                          + verdict]),
                    Table(constructs, caption="Reliability per construct (Cronbach's alpha, complete cases)",
                          formats={"alpha": fmt2, "standardised alpha": fmt2, "lowest item-rest r": fmt2,
                                   "items": lambda v: fmt_number(v, 0), "complete cases": lambda v: fmt_number(v, 0)}),
                    Table(items, caption="Item-rest correlations", formats={"item-rest r": fmt2}, status=(),
                          note="Correlation of each item (after reverse-keying) with the sum of its construct's "
                               "other items.")])


def weighting_section(data: CycleData) -> Section:
    """Who is under-represented, the raking weights, and what changes after weighting."""
    w = cycle_weights(data)
    if w is None:
        why = ("no population frame" if not has_population(data) else "params' weighting.method is none")
        return Section([Text([f"Results are not weighted ({why}): every respondent counts once."])])
    s = w.summary()
    margins = list(w.margins)
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
                  note=f"Weighted: respondents raked to the population's headcounts by "
                       f"{' and '.join(label(m) for m in margins)}; SEs account for the calibration.")
    design = cycle_design(data)
    return Section([representation_finding(data), cards, table,
                    plots.weights_by(design.frame.assign(weight=design.weight_values()), margins[-1])])


def representation_finding(data: CycleData) -> Text:
    """Plain sentences naming the most under-represented segment and what raking does about it."""
    design = cycle_design(data)
    resp = design.frame
    out = []
    for seg in data.params.population_segments if has_population(data) else ():
        rep = representativeness(resp[seg].value_counts(), data.population.groupby(seg)["headcount"].sum())
        t = rep.table.assign(ratio=lambda f: f["sample_share"] / f["population_share"])
        worst = t["ratio"].idxmin()
        if not data.params.policy.significant(rep.p_value) or t.loc[worst, "respondents"] < data.params.min_group_size:
            continue
        sentence = (f"{worst} is under-represented: {fmt_pct(t.loc[worst, 'sample_share'])} of respondents against "
                    f"{fmt_pct(t.loc[worst, 'population_share'])} of the population (response rate "
                    f"{fmt_pct(t.loc[worst, 'response_rate'])}; chi-square p {fmt_p(rep.p_value)}).")
        if design.weighted:
            ww = pd.Series(design.weight_values()).groupby(resp[seg].to_numpy()).mean()
            sentence += (f" Raking gives each of its respondents a mean weight of {ww[worst]:.1f}, against "
                         f"{ww.drop(worst).mean():.1f} elsewhere, so its share of the weighted results matches the population.")
        out.append(sentence)
    return Text(out or ["Respondents mirror the population on every frame segment (no significant difference)."])


SCORE_NOTES = {"nps": "NPS items as points (+100 for 9-10, 0 for 7-8, -100 for 0-6).",
               "happiness": "Happiness as NPS-style points (+100 for 9-10, 0 for 7-8, -100 for 0-6).",
               "csat": "CSAT as the share of 4-5 answers.", "ces": "CES as the mean of 1-7.",
               "likert": "Constructs as the 0-100 mean of their items."}


def scores_section(data: CycleData) -> Section:
    """Each survey score on its own scale with its CI (weighted when params weight)."""
    design = cycle_design(data)
    t = x_scores(design, data.params)
    return Section([Table(t, caption=f"Survey scores ({'weighted' if design.weighted else 'unweighted'}), each on its "
                                     f"own scale, with {data.params.policy.ci}",
                          formats={"value": fmt1, "ci_low": fmt1, "ci_high": fmt1, "n": lambda v: fmt_number(v, 0)},
                          labels=data.params.policy.ci_labels(),
                          note=" ".join(SCORE_NOTES[t] for t in dict.fromkeys(i.type for i in data.params.scored_items)
                                        if t in SCORE_NOTES))])


def indicators_section(data: CycleData) -> Section:
    """O and T indicators of the cycle and their attainment of target."""
    if not data.params.metrics:
        return Section([Text(["No operational or telemetry metric is defined in params/metrics.yaml."])])
    return Section([indicators(data)])


def composition_section(data: CycleData) -> Section:
    """How each XLA combines its indicators with the ambition's weights."""
    t = xla_composition(data).drop(columns="ref")  # the reader sees labels, not ids
    return Section([Table(t, caption="From indicators to XLA scores",
                          formats={"score (0-100)": fmt1, "weight": fmt2, "effective weight": fmt2, "contribution": fmt1},
                          status=("data",), wide=("indicator",),
                          note="X indicators are rescaled to 0-100; O and T indicators score their attainment of the "
                               "metric's target (100 = met). An indicator without data is unknown, never zero: the "
                               "others' weights are renormalised (effective weight) and the XLA score is the sum of "
                               "the contributions." + scales_note(data.params))])


def scales_note(params) -> str:
    """Where one measure appears on more than one scale in this report, say so once."""
    parts = []
    for item in params.scored_items:
        if item.type in SCORE_TYPES and any(i.ref == item.id for x in params.xlas.values() for i in x.indicators):
            lo, hi = item.scale
            parts.append(f"{params.indicator_label(item.id)} is one measure on three scales: its answers' mean "
                         f"({lo}-{hi}) in the item statistics, its score ({SCORE_TYPES[item.type].scale}) in the "
                         "scoring table, and 0-100 here")
    return (" " + "; ".join(parts) + ".") if parts else ""


def has_population(data: CycleData) -> bool:
    """Whether the project has a population frame with headcounts (a customer survey may not)."""
    pop = getattr(data, "population", None)
    return pop is not None and len(pop) > 0 and "headcount" in pop


__all__ = ["item_statistics", "straight_lining", "reliability", "x_scores", "xla_composition"]


def save_results(data: CycleData, output_dir) -> Text:
    """Mission 1's key results as results-measures.json (schema: :mod:`xmo_analysis.present.results`)."""
    resp = data.current("responses").reset_index(drop=True)
    N = int(data.population["headcount"].sum()) if has_population(data) else None
    reps = {}
    for seg in data.params.population_segments if N else ():
        r = representativeness(resp[seg].value_counts(), data.population.groupby(seg)["headcount"].sum())
        reps[seg] = {"chi2": r.chi2, "df": r.df, "p_value": r.p_value}
    w = cycle_weights(data)
    rel, _ = reliability(resp, data.params)
    scores = x_scores(cycle_design(data), data.params)
    xla = xla_scores(data)
    # Overall and by every segment: what missions 2 and 3 and the dashboards read.
    by_segment = pd.concat([xla.assign(by="all", segment="all")]
                           + [xla_scores(data, by=seg).assign(by=seg) for seg in data.params.segments],
                           ignore_index=True).astype({"segment": str})
    payload = {"respondents": len(resp), "population": N, "response_rate": len(resp) / N if N else None,
               "margin_of_error": margin_of_error(len(resp), N, conf=data.params.policy.confidence) if len(resp) else None,
               "representativeness": reps,
               "weighting": w.summary() if w is not None else None, "reliability": results.records(rel),
               "survey_scores": results.records(scores), "xla": results.records(xla)}
    path = results.save(output_dir, "measures", data.cycle, payload, {"xla": by_segment, "survey_scores": scores},
                        data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")


# ---------------------------------------------------------------- computations shown by the sections
def inventory(data: CycleData) -> Table:
    """X, O and T sources for the cycle: rows, period covered, and whether a source is late."""
    c = data.params.cycle(data.cycle)
    rows = []
    for kind, name, stamp in (("X", "responses", "submitted_at"), ("O", "tickets", "opened_at"),
                              ("T", "telemetry", "date")):
        cur = metric_source(data, name) if name != "responses" else RowSource(data.current(name), stamp)
        first, last = (pd.Timestamp(cur.first), pd.Timestamp(cur.last)) if len(cur) else (None, None)
        first, last = (None if t is None or pd.isna(t) else t for t in (first, last))  # a survey without dates
        # O and T data should run to the end of the period (less a week's grace); X only in its window.
        due = pd.Timestamp(c.end) - pd.Timedelta(days=7)
        status = ("not in params" if not data.has(name) else "missing" if len(cur) == 0
                  else "late" if kind != "X" and last < due else "ok")
        total = (sum(len(t) for t in data.summaries[name].values()) if name in data.summaries
                 else len(getattr(data, name)))
        where = data.engines.get(name)
        rows.append({"type": kind, "source": name, "computed in": f"{where.engine} {where.version}" if where else "pandas",
                     "rows in cycle": len(cur), "rows, all cycles": total,
                     "first": first.date().isoformat() if first is not None else None,
                     "last": last.date().isoformat() if last is not None else None, "status": status})
    rows.append({"type": "frame", "source": "population", "computed in": "pandas", "rows in cycle": len(data.population),
                 "rows, all cycles": len(data.population), "first": None, "last": None,
                 "status": "ok" if data.has("population") else "not in params"})
    rows.append({"type": "act", "source": "backlog", "computed in": "pandas", "rows in cycle": len(data.backlog),
                 "rows, all cycles": len(data.backlog), "first": None, "last": None,
                 "status": "ok" if data.has("backlog") else "not in params"})
    return Table(pd.DataFrame(rows), caption=f"Data inventory, {c.id} ({c.start} to {c.end})",
                 formats={"rows in cycle": lambda v: fmt_number(v, 0), "rows, all cycles": lambda v: fmt_number(v, 0)})


def headline(data: CycleData) -> Cards:
    """Respondents, population, response rate and the margin of error of a share."""
    n = len(data.current("responses"))
    if not has_population(data):
        moe = margin_of_error(n, None, conf=data.params.policy.confidence) if n else float("nan")
        return Cards([("Respondents", fmt_number(n, 0), f"cycle {data.cycle}", None),
                      ("Margin of error", f"± {100 * moe:.1f} pts",
                       f"{100 * data.params.policy.confidence:g}%, a share of 50%, no population frame", None)])
    N = int(data.population["headcount"].sum())
    moe = margin_of_error(n, N, conf=data.params.policy.confidence) if n else float("nan")
    return Cards([("Respondents", fmt_number(n, 0), f"cycle {data.cycle}", None),
                  ("Population", fmt_number(N, 0), "headcount in the frame", None),
                  ("Response rate", fmt_pct(n / N), "respondents / headcount", None),
                  ("Margin of error", f"± {100 * moe:.1f} pts",
                   f"{100 * data.params.policy.confidence:g}%, a share of 50%, with FPC", None)])


def response_rates(data: CycleData, by: str) -> tuple[Table, object]:
    """Response rate and sample vs population share per segment, with the representativeness test."""
    resp = data.current("responses")
    pop = data.population.groupby(by)["headcount"].sum()
    rep = representativeness(resp[by].value_counts(), pop)
    t = rep.table.rename_axis(by).reset_index()
    t["margin of error"] = [margin_of_error(int(r), int(N), conf=data.params.policy.confidence) if r else np.nan
                            for r, N in zip(rep.table["respondents"], rep.table["headcount"])]
    t = suppress_rows(t, "respondents", data.params.min_group_size, keep=(by,),
                      hide=("respondents", "sample_share", "response_rate", "margin of error"))
    verdict = ("differ from" if data.params.policy.significant(rep.p_value) else "are consistent with")
    pct = lambda v: fmt_pct(v)  # noqa: E731
    table = Table(t.drop(columns="suppressed"), caption=f"Response rate by {label(by)}",
                  formats={"sample_share": pct, "population_share": pct, "response_rate": pct,
                           "margin of error": lambda v: "—" if pd.isna(v) else f"± {100 * v:.1f} pts",
                           "respondents": lambda v: fmt_number(v, 0), "headcount": lambda v: fmt_number(v, 0)},
                  labels={"sample_share": "share of respondents", "population_share": "share of population",
                          "response_rate": "response rate"},
                  note=f"Respondents' shares {verdict} the population's (chi-square {rep.chi2:.1f}, "
                       f"df {rep.df}, p {fmt_p(rep.p_value)}). Groups under {data.params.min_group_size} "
                       "respondents are hidden.")
    shown = t.drop(columns="suppressed").assign(sample_share=t["sample_share"].astype(float))
    return table, plots.response_rates(shown, by)


def indicators(data: CycleData) -> Table:
    """O and T indicators of the cycle and their attainment of target."""
    t = indicator_table(data, data.params)
    # each value in its own unit (a share as a percentage, milliseconds without decimals)
    t = t.assign(value=[fmt_quantity(v, u) for v, u in zip(t["value"], t["unit"])],
                 target=[fmt_quantity(v, u) for v, u in zip(t["target"], t["unit"])])
    return Table(t[["label", "source", "value", "target", "better", "attainment"]],
                 caption="Operational (O) and telemetry (T) indicators", formats={"attainment": fmt1},
                 labels={"attainment": "attainment (0-100)", "better": "better when"})

