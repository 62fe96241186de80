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
from xmo_analysis.present.display import Section, Table, Text, fmt1, fmt2, fmt_number, fmt_p, fmt_pct, fmt_signed, label
from xmo_analysis.sources.loaders import CycleData
from xmo_analysis.stats.regression import control_limits, did, trend as ols_trend
from xmo_analysis.privacy.suppression import suppress_rows
from xmo_analysis.domain.text import comments_frame, examples
from xmo_analysis.core.vocabulary import AT_RISK, MET, MISSED
from xmo_analysis.domain.xla import cycle_design, cycle_points, xla_scores, xla_trend


def points(data: CycleData, xla_id: str, cycle: str) -> pd.DataFrame:
    """The cycle's responses with the per-response XLA variable (organisation-level O/T part)."""
    resp = data.of_cycle("responses", cycle).reset_index(drop=True)
    return resp.assign(points=cycle_points(data, xla_id, cycle))


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
        frame = pd.concat([points(data, item.xla, c).assign(after=int(c in after)) for c in before + after],
                          ignore_index=True).dropna(subset=["points"])
        ba = compare(frame.loc[frame["after"] == 1, "points"], frame.loc[frame["after"] == 0, "points"],
                     conf=data.params.policy.confidence)
        row.update({"before": frame.loc[frame["after"] == 0, "points"].mean(),
                    "after": frame.loc[frame["after"] == 1, "points"].mean(), "change": ba.diff,
                    "change_ci_low": ba.ci_low, "change_ci_high": ba.ci_high, "p_change": ba.p_value})
        scope = [s for s in str(item.scope or "").split(";") if s and s != "nan"]
        col = _scope_column(data, scope) if scope else None
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
               "openness": results.records(openness(data, comments)) if len(comments) else []}
    path = results.save(output_dir, "manage", data.cycle, payload,
                        {"scorecard": card, "backlog": ranked.drop(columns=["created", "released"]), "initiatives": eff},
                        data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")


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

