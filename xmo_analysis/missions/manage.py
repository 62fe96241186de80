"""Mission 3 — manage experience: scorecard, summary, trends, initiative outcomes, backlog, openness.

Computations return DataFrames (tested); ``*_section`` functions return one
:class:`~xmo_analysis.present.display.Section` each, so that each notebook cell is one call.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.present import plots
from xmo_analysis.present import results
from xmo_analysis.domain.backlog import prioritise
from xmo_analysis.stats.comparisons import compare
from xmo_analysis.present.display import (Section, Table, Text, fmt1, fmt2, fmt_change, fmt_number, fmt_p, fmt_pct,
                                         fmt_signed, label, unit_step)
from xmo_analysis.sources.loaders import CycleData
from xmo_analysis.stats.regression import control_limits, did, trend as ols_trend
from xmo_analysis.privacy.suppression import suppress_rows
from xmo_analysis.domain.text import comments_frame, examples
from xmo_analysis.core.vocabulary import AT_RISK, MET, MISSED
from xmo_analysis.domain.xla import cycle_design, cycle_points, xla_scores, xla_trend


def points(data: CycleData, xla_id: str, cycle: str, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The per-response XLA variable (organisation-level O/T part) of the cycle's responses, with
    their ``columns``: only those, since the trend and the initiatives stack every cycle (a copy
    of all the responses' columns would be the largest thing in memory at a million a cycle)."""
    resp = data.of_cycle("responses", cycle)
    return pd.DataFrame({**{c: resp[c].reset_index(drop=True) for c in columns},
                         "points": cycle_points(data, xla_id, cycle)})


# ---------------------------------------------------------------- trends
def change(data: CycleData, xla_id: str, cycle: str, previous: str):
    """An XLA's change from ``previous`` to ``cycle`` with its test: two independent samples
    (Welch t unweighted; z on the linearised SEs when weighted). The one definition used by the
    scorecard and the trends; which cycle is previous is :meth:`~xmo_analysis.core.params.Params.previous_cycle`."""
    return cycle_design(data, cycle).compare(cycle_points(data, xla_id, cycle), cycle_design(data, previous),
                                             cycle_points(data, xla_id, previous), conf=data.params.policy.confidence)


def trend_table(data: CycleData) -> pd.DataFrame:
    """Every XLA in every cycle: score, CI, change vs the previous cycle with its test."""
    cycles = data.params.cycles_up_to(data.cycle)
    rows = []
    for xla_id in data.params.xlas:
        for c in cycles:
            prev = data.params.previous_cycle(c)
            s = xla_scores(data, cycle=c).set_index("xla").loc[xla_id]
            row = {"xla": xla_id, "cycle": c, "score": s["score"], "se": s["se"], "ci_low": s["ci_low"],
                   "ci_high": s["ci_high"], "target": s["target"], "status": s["status"], "change": np.nan,
                   "p_change": np.nan}
            if prev is not None:
                cmp = change(data, xla_id, c, prev)
                row.update(change=cmp.diff, p_change=cmp.p_value)
            rows.append(row)
    return pd.DataFrame(rows)


def slope(data: CycleData, xla_id: str) -> dict:
    """OLS slope of the per-response XLA variable on the cycle index with its CI
    (:func:`~xmo_analysis.stats.regression.trend`: HC1 SEs, t quantiles)."""
    cycles = data.params.cycles_up_to(data.cycle)
    frame = pd.concat([points(data, xla_id, c).assign(t=k) for k, c in enumerate(cycles)], ignore_index=True)
    fit = ols_trend(frame["points"], frame["t"], conf=data.params.policy.confidence)
    return {"xla": xla_id, "slope per cycle": fit.value, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
            "p_value": fit.p_value, "cycles": len(cycles), "n": fit.n}


# ---------------------------------------------------------------- initiatives
def _scope_column(data: CycleData, scope: list[str]) -> str | None:
    for col in data.params.segments:
        if set(scope) <= set(data.responses[col].dropna().unique()):
            return col
    return None


def initiative_effects(data: CycleData) -> pd.DataFrame:
    """For each released initiative: its XLA before vs after release, and difference-in-differences.

    Before = cycles that ended before the release; after = cycles that started on or after it
    (the cycle it falls in is left out). Before/after: Welch t on the per-response XLA variable.
    Where the item's ``scope`` names segments (e.g. locations) and others were untouched:
    OLS ``points ~ treated * after`` with HC1 standard errors and t quantiles
    (:func:`~xmo_analysis.stats.regression.did`); the interaction is the effect.
    """
    rows = []
    cycles = {c: data.params.cycles[c] for c in data.params.cycles_up_to(data.cycle)}
    released = data.backlog[(data.backlog["status"].isin(["released", "done"])) & data.backlog["released"].notna()]
    for item in released.sort_values(["released", "item_id"], kind="stable").itertuples():
        when = item.released.date()
        before = [c for c, cy in cycles.items() if cy.end < when]
        after = [c for c, cy in cycles.items() if cy.start >= when]
        row = {"item_id": item.item_id, "title": item.title, "xla": item.xla, "released": when.isoformat(),
               "cycles before": len(before), "cycles after": len(after)}
        if not before or not after:
            rows.append({**row, "note": "needs at least one full cycle before and after the release"})
            continue
        scope = [s for s in str(item.scope or "").split(";") if s and s != "nan"]
        col = _scope_column(data, scope) if scope else None
        frame = pd.concat([points(data, item.xla, c, (col,) if col else ()).assign(after=int(c in after))
                           for c in before + after], ignore_index=True).dropna(subset=["points"])
        ba = compare(frame.loc[frame["after"] == 1, "points"], frame.loc[frame["after"] == 0, "points"],
                     conf=data.params.policy.confidence)
        row.update({"before": frame.loc[frame["after"] == 0, "points"].mean(),
                    "after": frame.loc[frame["after"] == 1, "points"].mean(), "change": ba.diff,
                    "change_ci_low": ba.ci_low, "change_ci_high": ba.ci_high, "p_change": ba.p_value})
        if col:
            frame["treated"] = frame[col].isin(scope).astype(int)
            if frame["treated"].nunique() == 2:
                fit = did(frame["points"], frame["treated"], frame["after"], conf=data.params.policy.confidence)
                row.update({"scope": f"{col}: {', '.join(scope)}", "did": fit.value,
                            "did_ci_low": fit.ci_low, "did_ci_high": fit.ci_high, "p_did": fit.p_value})
        rows.append(row)
    cols = ["item_id", "title", "xla", "released", "cycles before", "cycles after", "before", "after", "change",
            "change_ci_low", "change_ci_high", "p_change", "scope", "did", "did_ci_low", "did_ci_high", "p_did", "note"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- openness
def openness(data: CycleData, comments: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Compliments (positive comments) and complaints (negative) per segment (default: params'
    ``analysis.openness_by``); groups under the comment threshold hidden."""
    by = by or data.params.analysis.openness_by
    g = comments.groupby(by)
    t = pd.DataFrame({"comments": g.size(), "compliments": g["sentiment"].apply(lambda s: (s == "positive").sum()),
                      "complaints": g["sentiment"].apply(lambda s: (s == "negative").sum())}).reset_index()
    t["complaint share"] = t["complaints"] / t["comments"]
    # Counts of comments are group results: the comment threshold with complementary suppression.
    return suppress_rows(t, "comments", data.params.min_comment_group, keep=(by,))


# ---------------------------------------------------------------- sections
def summary_section(data: CycleData) -> Section:
    """The executive summary in plain sentences, generated from the scorecard."""
    return Section([summary(data)])


def scorecard_section(data: CycleData) -> Section:
    """Met, at risk or missed, with the change since the previous cycle."""
    return Section([scorecard(data)])


def trends_section(data: CycleData) -> Section:
    """Every XLA across the cycles: the trend chart, each change with its test, the slope, control limits."""
    policy = data.params.policy
    trend = trend_table(data)
    shown = trend[trend["cycle"] != trend["cycle"].iloc[0]] if trend["cycle"].nunique() > 1 else trend
    t1 = Table(shown[["xla", "cycle", "score", "ci_low", "ci_high", "status", "change", "p_change"]],
               caption="Change from one cycle to the next",
               formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "change": fmt_signed,
                        "p_change": fmt_p},
               labels={**policy.ci_labels(), "p_change": "p (change)"})
    parts = [plots.xla_trend(xla_trend(data)), t1]
    if trend["cycle"].nunique() > 1:
        slopes = pd.DataFrame([slope(data, x) for x in data.params.xlas])
        parts.append(Table(slopes, caption="Trend over all cycles (OLS slope per cycle)", status=(),
                           formats={"slope per cycle": lambda v: f"{v:+.2f}", "ci_low": lambda v: f"{v:+.2f}",
                                    "ci_high": lambda v: f"{v:+.2f}", "p_value": fmt_p, "n": lambda v: fmt_number(v, 0)},
                           labels={**policy.ci_labels(), "p_value": "p"},
                           note="Slope of the per-response XLA score on the cycle number; heteroscedasticity-robust "
                                "(HC1) SEs, t quantiles."))
        parts.append(plots.control_chart(control_limits(trend)))
    else:
        parts.append(Text(["One cycle so far: no trend or control limits yet."]))
    return Section(parts)


def initiatives_section(data: CycleData) -> Section:
    """Did released improvements move their XLA? Before/after, and against segments they did not reach."""
    policy = data.params.policy
    eff = initiative_effects(data)
    sentences = []
    for r in eff.dropna(subset=["did"]).itertuples():
        verdict = "a significant" if policy.significant(r.p_did) else "no significant"
        sentences.append(f"{r.item_id} {r.title} ({r.scope}) shows {verdict} effect on {r.xla}: "
                         f"{r.did:+.1f} points against untouched segments (difference-in-differences, {policy.ci} "
                         f"{r.did_ci_low:+.1f} to {r.did_ci_high:+.1f}, p {fmt_p(r.p_did)}).")
    ci = lambda lo, hi: "—" if pd.isna(lo) else f"{lo:+.1f} to {hi:+.1f}"  # noqa: E731
    t = eff.assign(change_ci=[ci(a, b) for a, b in zip(eff["change_ci_low"], eff["change_ci_high"])],
                   did_ci=[ci(a, b) for a, b in zip(eff["did_ci_low"], eff["did_ci_high"])])
    t = t[["item_id", "xla", "released", "before", "after", "change", "change_ci", "p_change", "scope", "did",
           "did_ci", "p_did"]]
    if t.empty:
        return Section([Text(["No released initiative has a full cycle before and after it yet."])])
    return Section([Text(sentences or ["No released initiative has a full cycle before and after it yet."]),
                    Table(t, caption="Initiative outcomes on their linked XLA", status=(),
                          formats={"before": fmt1, "after": fmt1, "change": fmt_signed, "p_change": fmt_p,
                                   "did": fmt_signed, "p_did": fmt_p},
                          labels={"did": "DiD effect", "did_ci": f"DiD {policy.ci}", "change_ci": policy.ci,
                                  "p_did": "p (DiD)", "p_change": "p (change)", "item_id": "item"},
                          note="Before/after: all respondents, Welch t. DiD: in-scope segments against untouched ones, "
                               "OLS with interaction, HC1 SEs and t quantiles; it removes changes that happened "
                               "everywhere.")])


def backlog_section(data: CycleData) -> Section:
    """The open backlog ranked by RICE with its matrix, and the top of the WSJF ranking."""
    if not data.has("backlog"):
        return Section([Text(["No improvement backlog in params (sources.backlog): nothing to rank."])])
    if data.backlog is None or len(data.backlog) == 0:
        return Section([Text(["The improvement backlog is empty."])])
    table, figure = backlog(data)
    return Section([table, figure, backlog(data, by="wsjf", top=8)[0]])


def openness_section(data: CycleData) -> Section:
    """Compliments and complaints by params' ``analysis.openness_by`` segment, with examples."""
    comments = comments_frame(data)
    if comments.empty:
        return Section([Text(["No comments this cycle (or the survey has no free-text item)."])])
    by = data.params.analysis.openness_by
    t = openness(data, comments)
    ex = pd.concat([examples(comments, data.params.min_comment_group, kind="positive", n=3).assign(kind="compliment"),
                    examples(comments, data.params.min_comment_group, kind="negative", n=3).assign(kind="complaint")],
                   ignore_index=True)
    return Section([Table(t.drop(columns="suppressed"), caption=f"Compliments and complaints by {label(by)}", status=(),
                          formats={"complaint share": lambda v: fmt_pct(v), "comments": lambda v: fmt_number(v, 0),
                                   "compliments": lambda v: fmt_number(v, 0), "complaints": lambda v: fmt_number(v, 0)},
                          note=f"Counts hidden for groups with fewer than {data.params.min_comment_group} comments "
                               "(and the next smallest, so that none can be worked out from the total)."),
                    Table(ex[["kind", "comment"]], caption="What people wrote (redacted)", status=(), wide=("comment",))])


def save_results(data: CycleData, output_dir) -> Text:
    """Mission 3's key results as results-manage.json (schema: :mod:`xmo_analysis.present.results`)."""
    card = scorecard_frame(data)
    trend = trend_table(data)
    lift = data.params.policy.backlog_lift
    ranked = prioritise(data.backlog, xla_status=dict(zip(card["xla"], card["status"])), lift=lift)
    eff = initiative_effects(data)
    comments = comments_frame(data)
    payload = {"xla": results.records(card), "summary": summary(data).sentences,
               "trend": results.records(trend),
               "slopes": [slope(data, x) for x in data.params.xlas] if trend["cycle"].nunique() > 1 else [],
               "backlog": results.records(ranked[["rank", "item_id", "title", "xla", "status", "rice", "wsjf",
                                                  "lifted", "priority"]]),
               "initiatives": results.records(eff),
               "openness": results.records(openness(data, comments)) if len(comments) else [],
               **depth_results(data)}
    path = results.save(output_dir, "manage", data.cycle, payload,
                        {"scorecard": card, "backlog": ranked.drop(columns=["created", "released"]), "initiatives": eff},
                        data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")


def depth_results(data: CycleData) -> dict:
    """What the kinds, lead-lag, outcomes and backlog-value sections show, for results-manage.json
    (each key only when params and data give that analysis)."""
    from xmo_analysis.domain.outcomes import backlog_value, cost_of_poor_experience, kinds_table, lead_lag, time_item, xla_outcome
    params = data.params
    out: dict = {"kinds": results.records(kinds_table(data)), "lead_lag": results.records(lead_lag(data))}
    if time_item(params) is not None:
        out["cost_of_poor_experience"] = results.records(cost_of_poor_experience(data))
    if data.has("outcomes") and params.outcomes:
        out["xla_outcome"] = results.records(xla_outcome(data))
    if data.has("backlog"):
        out["backlog_value"] = results.records(backlog_value(data))
    return out


# ---------------------------------------------------------------- scorecard, summary, backlog
def scorecard_frame(data: CycleData) -> pd.DataFrame:
    """Current XLA scores with the change since the previous cycle and its test.

    The change is the difference of the two cycles' (weighted) XLA scores, tested as two
    independent samples (Welch t unweighted; z on the linearised SEs when weighted).
    """
    s = xla_scores(data)
    prev = data.params.previous_cycle(data.cycle)
    changes = []
    prior = xla_scores(data, cycle=prev) if prev else None
    for xla in data.params.xlas.values():
        if prior is None:
            changes.append((np.nan, np.nan, np.nan))
            continue
        prior_score = float(prior.loc[prior.xla == xla.id, "score"].iloc[0])
        c = change(data, xla.id, data.cycle, prev)
        changes.append((prior_score, c.diff, c.p_value))
    s["previous"], s["change"], s["p_change"] = zip(*changes)
    return s


def scorecard(data: CycleData) -> Table:
    s = scorecard_frame(data)
    t = s[["xla", "name", "status", "score", "ci_low", "ci_high", "target", "previous", "change", "p_change"]]
    return Table(t, caption=f"XLA scorecard, {data.cycle}",
                 formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "target": fmt1, "previous": fmt1,
                          "change": fmt_signed, "p_change": fmt_p},
                 labels={**data.params.policy.ci_labels(), "p_change": "p (change)", "previous": "last cycle"},
                 note=("Scores weighted to the population (raking). " if cycle_design(data).weighted
                       else "Scores unweighted: every respondent counts once. ")
                      + "Change: difference to the previous cycle with its two-sample test.")


def summary(data: CycleData) -> Text:
    """The executive summary in plain sentences, generated from the scorecard."""
    s = scorecard_frame(data)
    n = len(s)
    counts = s["status"].value_counts()
    out = [f"{counts.get(MET, 0)} of {n} XLAs met their target in {data.cycle}; "
           f"{counts.get(AT_RISK, 0)} at risk and {counts.get(MISSED, 0)} missed."]
    for row in s.sort_values("gap").itertuples():
        if row.status == MET:
            continue
        out.append(f"{row.name} ({row.xla}) is {row.status}: {row.score:.1f} against a target of {row.target:.0f} "
                   f"({data.params.policy.ci} {row.ci_low:.1f} to {row.ci_high:.1f}).")
    moved = s[data.params.policy.significant(s["p_change"])]
    for row in moved.itertuples():
        direction = "rose" if row.change > 0 else "fell"
        out.append(f"{row.name} {direction} by {abs(row.change):.1f} points since the last cycle (p {fmt_p(row.p_change)}).")
    eff = initiative_effects(data).dropna(subset=["did"])
    for r in eff[data.params.policy.significant(eff["p_did"])].itertuples():
        out.append(f"Initiative {r.item_id} ({r.title}) raised {r.xla} by {r.did:.1f} points where it was rolled out "
                   f"({r.scope}), against untouched segments ({data.params.policy.ci} {r.did_ci_low:.1f} to {r.did_ci_high:.1f}).")
    return Text(out, bullets=True, css="summary")


def backlog(data: CycleData, by: str = "rice", top: int = 12) -> tuple[Table, object]:
    """The open backlog ranked by RICE (or WSJF), lifted where it serves a missed or at-risk XLA."""
    status = dict(zip(*xla_scores(data)[["xla", "status"]].T.values))
    lift = data.params.policy.backlog_lift
    ranked = prioritise(data.backlog, by=by, xla_status=status, lift=lift)
    ranked["item"] = ranked["item_id"] + " " + ranked["title"]
    ranked["created"] = ranked["created"].dt.strftime("%Y-%m-%d")
    t = ranked[["rank", "item", "xla", "kano", "status", "owner", "created", "rice", "wsjf", "lifted", "priority"]].head(top)
    fmt_score = (lambda v: fmt_number(v, 0)) if by == "rice" else fmt2
    return (Table(t, caption=f"Improvement backlog, ranked by {by.upper()} (top {min(top, len(ranked))} of {len(ranked)} open)",
                  formats={"rice": lambda v: fmt_number(v, 0), "wsjf": fmt2, "rank": lambda v: fmt_number(v, 0),
                           "priority": fmt_score},
                  status=(), labels={"lifted": "serves a gap", "priority": f"priority ({by.upper()} after lift)"},
                  wide=("item",),
                  note=f"Items linked to a missed or at-risk XLA have their {by.upper()} multiplied by {lift:g} "
                       "('serves a gap'): the priority the ranking uses, beside the raw scores."),
            plots.backlog_matrix(ranked))



# ---------------------------------------------------------------- outcomes and money, indicator kinds
NO_OUTCOMES = ("No business outcomes in params (sources.outcomes, with outcomes: in params/metrics.yaml): the cost of "
               "poor experience in money and the relation between the XLAs and outcomes such as attrition cannot be "
               "computed.")


def _money(v) -> str:
    return "—" if pd.isna(v) else f"{v:,.0f}"


def outcomes_section(data: CycleData) -> Section:
    """The cost of poor experience (hours lost to tickets, in money) and each XLA next to the outcomes
    across segments and cycles (OLS slope with HC1 SEs and t quantiles; association, not cause)."""
    from xmo_analysis.domain.outcomes import MIN_SEGMENT_CYCLES, cost_of_poor_experience, time_item, xla_outcome
    params = data.params
    policy = params.policy
    parts: list = []
    price = params.hourly_cost
    unit = price.unit if price is not None else ""
    item = time_item(params)
    if item is None:
        parts.append(Text(["The survey has no time-lost question (an item of type hours): no cost of lost time."]))
    else:
        cost = cost_of_poor_experience(data)
        if cost.empty:
            parts.append(Text(["Too few answers to the time-lost question to estimate the time lost."]))
        else:
            last = cost.iloc[-1]
            words = [f"In {last['cycle']} a ticket cost its requester {last['hours per ticket']:.2f} hours "
                     f"({policy.ci} {last['ci_low']:.2f} to {last['ci_high']:.2f})."]
            if pd.notna(last["hours lost"]):
                words.append(f"Over the cycle's {last['tickets']:,.0f} tickets that is {last['hours lost']:,.0f} hours "
                             f"({last['hours_low']:,.0f} to {last['hours_high']:,.0f})"
                             + (f", {unit} {last['cost']:,.0f} ({last['cost_low']:,.0f} to {last['cost_high']:,.0f}) "
                                "at the organisation's hourly cost." if pd.notna(last["cost"]) else
                                "; without an hourly cost from the outcomes it is not priced."))
            else:
                words.append("No tickets source: the time lost per ticket cannot be scaled to the cycle's tickets.")
            words.append("The interval covers the sampling error of the hours per ticket only: the ticket count, the "
                         "hourly cost and the hours behind each answer bucket are taken as known, and the respondents' "
                         "most recent ticket is taken as typical.")
            parts += [Text(words),
                      # the hours' interval is in the sentence above; the table keeps the cost's (A4 width)
                      Table(cost.drop(columns=[c for c in ("hours_low", "hours_high") if c in cost]),
                            caption="Cost of poor experience: productive time lost to tickets", status=(),
                            formats={"hours per ticket": fmt2, "ci_low": fmt2, "ci_high": fmt2,
                                     "tickets": lambda v: fmt_number(v, 0), "hours lost": _money, "hours_low": _money,
                                     "hours_high": _money, "hourly_cost": fmt2, "cost": _money, "cost_low": _money,
                                     "cost_high": _money, "n": lambda v: fmt_number(v, 0)},
                            labels={**policy.ci_labels(), **policy.ci_labels("hours_low", "hours_high", prefix="hours, "),
                                    **policy.ci_labels("cost_low", "cost_high", prefix="cost, "), "n": "answers",
                                    "hourly_cost": f"hourly cost ({unit})".replace(" ()", ""),
                                    "cost": f"cost ({unit})".replace(" ()", "")})]
    if not data.has("outcomes") or not params.outcomes:
        parts.append(Text([NO_OUTCOMES]))
        return Section(parts)
    rel = xla_outcome(data)
    if rel.empty:
        parts.append(Text(["The outcomes give no segment-level values to relate to the XLAs."]))
        return Section(parts)
    sentences = []
    for r in rel.dropna(subset=["slope"]).to_dict("records"):
        clear = r["ci_low"] > 0 or r["ci_high"] < 0
        sentences.append(f"Across {r['segment-cycles']} {label(r['by'])}-cycles, each XLA point of {r['xla']} goes with "
                         f"{r['slope']:+.4g} in {r['label']} ({policy.ci} {r['ci_low']:+.4g} to {r['ci_high']:+.4g})"
                         + ("." if clear else ": no clear relation."))
    sentences.append("This is an association across groups and cycles, not a cause: groups that score low may differ "
                     "in other ways (role mix, workload, pay) that drive the outcome too.")
    ci = lambda lo, hi: "—" if pd.isna(lo) else f"{lo:+.4g} to {hi:+.4g}"  # noqa: E731
    t = rel.assign(ci=[ci(a, b) for a, b in zip(rel["ci_low"], rel["ci_high"])], note=rel["note"].astype(object).fillna(""))
    parts += [Text(sentences),
              Table(t[["label", "xla", "by", "slope", "ci", "p_value", "segment-cycles", "segments", "cycles", "note"]],
                    caption="XLA scores and business outcomes across segments and cycles", status=(),
                    formats={"slope": lambda v: "—" if pd.isna(v) else f"{v:+.4g}", "p_value": fmt_p,
                             "segment-cycles": lambda v: fmt_number(v, 0), "segments": lambda v: fmt_number(v, 0),
                             "cycles": lambda v: fmt_number(v, 0)},
                    labels={"label": "outcome", "slope": "change per XLA point", "ci": policy.ci, "p_value": "p"},
                    note="OLS of the outcome on the XLA score over segment-cycles (groups hidden for privacy left out), "
                         f"HC1 SEs, t quantiles; at least {MIN_SEGMENT_CYCLES} segment-cycles.")]
    return Section(parts)


def kinds_section(data: CycleData) -> Section:
    """The scorecard's indicators grouped by kind: leading, lagging, operational, financial."""
    from xmo_analysis.core.vocabulary import INDICATOR_KINDS
    from xmo_analysis.domain.outcomes import kinds_table
    from xmo_analysis.present.display import fmt_quantity
    params = data.params
    t = kinds_table(data)

    def unit(r) -> str:
        if r.source == "x":
            return "points"
        return params.metrics[r.ref].unit if r.source in ("o", "t") else params.outcomes[r.ref].unit

    t["unit"] = [unit(r) for r in t.itertuples()]
    shown = pd.DataFrame({"kind": t["kind"], "indicator": t["label"],
                          "data": t["source"].map({"x": "X (survey)", "o": "O (operations)", "t": "T (telemetry)",
                                                   "outcome": "outcome"}),
                          "xlas": t["xlas"].replace("", "—"),
                          "this cycle": [fmt_quantity(v, u) for v, u in zip(t["value"], t["unit"])],
                          "last cycle": [fmt_quantity(v, u) for v, u in zip(t["previous"], t["unit"])],
                          "better": t["higher_is_better"].map({True: "higher", False: "lower"})})
    parts = []
    for kind in INDICATOR_KINDS:
        rows = shown[shown["kind"] == kind].drop(columns="kind")
        if len(rows):
            parts.append(Table(rows, caption=f"{kind.capitalize()} indicators", status=(), wide=("indicator",)))
    parts.append(Text([f"Kinds from params: metrics.yaml (kind; outcomes default lagging, metrics operational) and "
                       f"ambitions.yaml (indicator_kind of an X indicator; default leading). X indicators on 0-100"
                       + (", weighted to the population." if cycle_design(data).weighted else ".")
                       + ("" if data.has("outcomes") else " No outcomes source: outcomes are unknown (—).")],
                      css="muted"))
    return Section(parts)


def lead_lag_section(data: CycleData) -> Section:
    """Do the leading indicators move before the lagging ones? Leading at t-1 against lagging at t."""
    from xmo_analysis.domain.outcomes import MIN_CYCLES_LAGGED, MIN_SEGMENT_CYCLES, lead_lag
    policy = data.params.policy
    t = lead_lag(data)
    rule = (f"It needs at least {MIN_CYCLES_LAGGED} cycles and {MIN_SEGMENT_CYCLES} segment-cycles with both indicators "
            "known (groups under the minimum group size count as unknown).")
    if t.empty:
        return Section([Text(["No pair of a leading and a lagging indicator in params (kind in metrics.yaml, "
                              "indicator_kind in ambitions.yaml)" + ("" if data.has("outcomes") else
                              "; no outcomes source, so no lagging outcome") + ": nothing to test. " + rule])])
    if (t["verdict"] == "too few").all():
        r = t.iloc[0]
        return Section([Text([f"Too few cycles or segment-cycles to tell whether the leading indicators move before "
                              f"the lagging ones: {int(r['cycles'])} cycle(s), at most {int(t['segment-cycles'].max())} "
                              f"segment-cycles. " + rule])])
    parts = []
    for _, rows in t[t["verdict"] != "too few"].groupby("lag_ref", sort=False):
        parts.extend(_lead_lag_block(rows["lagging"].iloc[0], rows, policy))
    if not (t["verdict"] == "moves first").any():
        parts.insert(0, Text(["No leading indicator shows a clear lagged association with a lagging one within "
                              "segments in the stated order only."]))
    parts.append(Text(["A lagged association, not proof of cause: something else may move both. " + rule], css="muted"))
    return Section(parts)


def _lead_lag_block(lagging: str, t: pd.DataFrame, policy) -> list:
    """One lagging indicator: what moves before it, in words, and the table of its leading indicators."""
    r0 = t.iloc[0]
    by = label(r0["by"])
    lag_unit = r0["lag_unit"]
    lag_step, lag_words = unit_step(lag_unit)

    def forward(r, value):  # the lagging indicator's change a cycle after a step of the leading one
        return fmt_change(value * unit_step(r["lead_unit"])[0], lag_unit)

    def backward(r, value):  # the leading indicator's change a cycle after a step of the lagging one
        return fmt_change(value * lag_step, r["lead_unit"])

    def interval(r) -> str:
        return f"{forward(r, r['within_low'])} to {forward(r, r['within_high'])}"

    first = t[t["verdict"] == "moves first"]
    sentences = []
    if len(first):
        untested = first["p_reverse"].isna()
        sentences.append(f"{lagging} moves a cycle after, within the same {by}: " + "; ".join(
            f"{r['leading']} (a {by} {unit_step(r['lead_unit'])[1]} higher: {forward(r, r['within'])}, {policy.ci} "
            f"{interval(r)})" for _, r in first.iterrows())
            + ". " + ("None of these is associated the other way round." if not untested.any() else
                      "The other order could not be tested for " + ", ".join(first.loc[untested, "leading"])
                      + " (too few segment-cycles); " + ("the others show no association that way."
                                                         if (~untested).any() else "so their order is not checked.")))
    both = t[t["verdict"] == "both ways"]
    if len(both):
        sentences.append(f"Associated with {lagging} in both orders, so which moves first cannot be told (they may "
                         f"drift together or drive each other): " + ", ".join(both["leading"]) + ".")
    follows = t[t["verdict"] == "follows"]
    if len(follows):
        sentences.append(f"Only the other way round ({lagging} in one cycle with the indicator in the next): "
                         + ", ".join(follows["leading"]) + ".")
    opposite = t[t["verdict"] == "opposite"]
    if len(opposite):
        sentences.append("Against the expected direction: " + ", ".join(opposite["leading"]) + ".")
    steps = [unit_step(u)[1] for u in t["lead_unit"]]
    shown = pd.DataFrame({
        "leading": t["leading"],
        "verdict": t["verdict"],
        "step": steps,
        "change": [f"{forward(r, r['within'])} ({interval(r)})" for _, r in t.iterrows()],
        "p": t["p_within_bh"],
        "reverse": [backward(r, r["reverse"]) for _, r in t.iterrows()],
        "p_reverse": t["p_reverse"],
        "p_reverse_bh": t["p_reverse_bh"],
        "n": t["segment-cycles"]})
    one_step = len(set(steps)) == 1  # the step in the header rather than in every row
    if one_step:
        shown = shown.drop(columns="step")
    return [Text(sentences) if sentences else Text([f"Nothing clearly moves before {lagging}."]),
            Table(shown, caption=f"What moves before {lagging}", status=(),
                  formats={"p": fmt_p, "p_reverse": fmt_p, "p_reverse_bh": fmt_p, "n": lambda v: fmt_number(v, 0)},
                  labels={"leading": "leading indicator (t-1)", "step": "step",
                          "change": (f"change at t per {steps[0]}" if one_step else "change at t") + f" ({policy.ci})",
                          "p": "p (BH)", "reverse": f"reverse: change per {lag_words}",
                          "p_reverse": "p reverse", "p_reverse_bh": "p reverse (BH)", "n": f"{by}-cycles"},
                  note=f"Each {by}-cycle pairs the leading indicator in the previous cycle with {lagging} in the "
                       f"cycle. 'change at t' is the within-{by} slope (one intercept per {by}, so lasting "
                       f"differences between {by}s do not count) times the step; the pooled slope, with one "
                       f"intercept for all {by}s, is in the results file. The reverse pairs {lagging} in the previous "
                       "cycle with the leading indicator in the cycle: 'moves first' needs the first significant "
                       "after Benjamini-Hochberg and the reverse not significant even before it ('both ways' when "
                       "it is); 'follows' needs the reverse significant after Benjamini-Hochberg with the expected "
                       "sign and the first not. HC1 SEs, t quantiles.")]


def backlog_value_section(data: CycleData) -> Section:
    """Each open backlog item's expected value in hours or money, where its value is given so."""
    from xmo_analysis.domain.outcomes import backlog_value
    if not data.has("backlog"):
        return Section([Text(["No improvement backlog in params (sources.backlog): no expected values."])])
    t = backlog_value(data)
    if t.empty:
        return Section([Text(["No open backlog item gives its value in hours or money (value_per_reach and value_unit): "
                              "no expected values."])])
    price = data.params.hourly_cost
    unit = price.unit if price is not None else "money"
    priced = t["money"].notna() | (t["value_unit"] != "hours")
    note = ("Expected value = reach x value per person reached x confidence. Hours are priced at the organisation's "
            f"hourly cost of {data.cycle}" if priced.all() else
            "Expected value = reach x value per person reached x confidence. No hourly cost in the outcomes: hours are "
            "not priced")
    return Section([Table(t, caption="Expected value of backlog items (where their value is given in hours or money)",
                          formats={"hours": _money, "money": _money, "reach": lambda v: fmt_number(v, 0),
                                   "value_per_reach": fmt2, "confidence": fmt2},
                          labels={"item_id": "item", "value_per_reach": "value per person", "value_unit": "in",
                                  "hours": "expected hours", "money": f"expected value ({unit})"},
                          wide=("title",), note=note + "; an estimate of the item's owner, not a measurement.")])
