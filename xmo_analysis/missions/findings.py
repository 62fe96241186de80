"""Mission 2 — interpret and action findings: gaps, segments, context, drivers, comments, conclusions.

Computations return DataFrames (tested); ``*_section`` functions return one
:class:`~xmo_analysis.present.display.Section` each, so that each notebook cell is one call. Segments,
constructs, the outcome item and the driver candidates come from params (``segments`` and
``analysis`` in ``xmo.yaml``, the instrument, the metric catalogue), never from this code.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.present import plots
from xmo_analysis.present import results
from xmo_analysis.domain.context import linked_columns, own_column, respondent_context, segment_context, short_label, outcome_label
from xmo_analysis.present.display import Section, Table, Text, fmt1, fmt2, fmt_number, fmt_p, fmt_pct, fmt_signed, label
from xmo_analysis.stats.drivers import drivers
from xmo_analysis.sources.loaders import CycleData
from xmo_analysis.privacy.suppression import hidden_groups
from xmo_analysis.domain.text import comments_frame, distinctive_terms, examples, theme_table
from xmo_analysis.domain.language import settings as language_settings, unscored_sentence
from xmo_analysis.domain.topics import NEW, discover
from xmo_analysis.core.vocabulary import AT_RISK, MET, MISSED
from xmo_analysis.domain.xla import cycle_design, cycle_points, scored_counts, xla_scores
from xmo_analysis.domain.journey import journey_table
from xmo_analysis.domain.channels import channel_mix, channel_spec, channel_table, compare_groups, mix_cost
from xmo_analysis.missions.common import journey_parts
from xmo_analysis.missions.common import missing_note
from xmo_analysis.core.memo import memo
from xmo_analysis.domain.waste import waste_by_cycle, waste_by_segment, waste_metrics


# ---------------------------------------------------------------- drivers
def driver_variables(params) -> dict[str, str]:
    """Driver column -> reader's label, from params' ``analysis.drivers`` (constructs and metrics).

    A construct ``c`` is the column ``x_c`` (its 0-100 points); a metric is the respondent's own
    value ``own_<column>`` (:func:`~xmo_analysis.domain.context.respondent_context`), or ``log_own_<column>``
    when the metric is listed in ``analysis.log_drivers``.
    """
    a = params.analysis
    constructs = params.constructs()
    out = {}
    for ref in a.drivers:
        if ref in constructs:
            out[f"x_{ref}"] = params.construct_label(ref)
            continue
        m = params.metrics[ref]
        whose = "Own last ticket" if m.source == "tickets" else "Own device"
        col = own_column(m)
        if ref in a.log_drivers:
            out[f"log_{col}"] = f"{whose}: {label(m.column)} (log)"
        else:
            out[col] = f"{whose}: {label(m.column)}"
    return out


def driver_frame(data: CycleData) -> pd.DataFrame:
    """Respondent context with the log columns the driver analysis asks for."""
    ctx = respondent_context(data)
    for ref in data.params.analysis.log_drivers:
        col = own_column(data.params.metrics[ref])
        ctx[f"log_{col}"] = np.log(ctx[col].where(ctx[col] > 0))
    return ctx


def driver_table(data: CycleData) -> pd.DataFrame:
    """Key drivers of params' outcome item from the candidate constructs and own O/T experience."""
    outcome = data.params.analysis.outcome
    if outcome is None:
        raise ValueError("params name no outcome item (analysis.outcome) and the instrument has no "
                         "happiness, NPS, CSAT or CES item to default to.")
    ctx = driver_frame(data)
    candidates = [c for c in driver_variables(data.params) if c in ctx and ctx[c].notna().any()]
    return drivers(ctx, outcome, candidates)


# ---------------------------------------------------------------- segments
def segment_gaps(data: CycleData, xla_id: str, by: str) -> pd.DataFrame:
    """One XLA by segment: the segment's score and status, and its survey (X) difference to the rest
    of the organisation with raw and Benjamini-Hochberg adjusted p-values.

    Hidden groups come from the suppression boundary (complementary suppression included) and
    are left out of the multiple-testing family. Computed once per loaded cycle (the conclusions,
    the segment sections and the results file ask for the same tables); callers get a copy.
    """
    return memo(data, ("segment_gaps", data.cycle, xla_id, by), lambda: _segment_gaps(data, xla_id, by)).copy()


def _segment_gaps(data: CycleData, xla_id: str, by: str) -> pd.DataFrame:
    design = cycle_design(data)
    hidden = hidden_groups(scored_counts(data, by), data.params.min_group_size)
    cmp = design.compare_segments(cycle_points(data, xla_id), by, skip=set(hidden[hidden].index),
                                  conf=data.params.policy.confidence)
    scores = xla_scores(data, by=by).query("xla == @xla_id").set_index("segment")
    cmp["score"] = cmp["segment"].map(scores["score"])
    cmp["status"] = cmp["segment"].map(scores["status"])
    cmp["suppressed"] = cmp["suppressed"] | cmp["segment"].map(scores["suppressed"]).fillna(True).astype(bool)
    cols = ["n", "value", "se", "ci_low", "ci_high", "score", "status", "diff", "p_value", "p_adjusted",
            "diff_ci_low", "diff_ci_high"]
    cmp[cols] = cmp[cols].astype(object)
    cmp.loc[cmp["suppressed"], cols] = np.nan
    return cmp


def conclusions(data: CycleData, driver_result: pd.DataFrame | None = None) -> pd.DataFrame:
    """A ranked table of gaps: evidence, likely drivers, most affected segments, the action called for."""
    policy = data.params.policy
    scores = xla_scores(data)
    drv = driver_result if driver_result is not None else driver_table(data)
    names = driver_variables(data.params)
    rows = []
    for row in scores.itertuples():
        xla = data.params.xlas[row.xla]
        related = {f"x_{i.ref}" for i in xla.indicators if i.kind == "x"}
        for i in xla.indicators:
            if i.kind != "x":
                col = own_column(data.params.metrics[i.ref])
                related |= {col, f"log_{col}"}
        likely = [names.get(d, d) for d in drv.index if d in related and policy.significant(drv.loc[d, "p_value"])][:2]
        affected = []
        for by in data.params.segments:
            seg = segment_gaps(data, row.xla, by)
            worst = seg[(~seg["suppressed"]) & policy.significant(seg["p_adjusted"].astype(float)) & (seg["diff"].astype(float) < 0)]
            affected += [(r.diff, f"{r.segment} ({label(by)}, {r.diff:+.1f})") for r in worst.itertuples()]
        affected = [text for _, text in sorted(affected)[:3]]
        if row.status == MISSED:
            action = "Act now: a backlog item on the likely drivers, starting with the most affected segments"
        elif row.status == AT_RISK:
            action = "Targeted improvement and a close watch next cycle"
        elif affected:
            action = "Met overall: target the segments that fall behind"
        else:
            action = "Sustain: keep the practices that meet the ambition"
        rows.append({"xla": row.xla, "name": row.name, "status": row.status, "gap": row.gap,
                     "evidence": f"{row.score:.1f} vs target {row.target:.0f} ({policy.ci} {row.ci_low:.1f} to "
                                 f"{row.ci_high:.1f})",
                     "likely drivers": "; ".join(likely) or "no significant driver among the linked indicators",
                     "most affected segments": "; ".join(affected) or "none significantly below the rest",
                     "action": action})
    out = pd.DataFrame(rows).sort_values("gap", kind="stable").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


# ---------------------------------------------------------------- report sections
def conclusions_section(data: CycleData) -> Section:
    """The gaps ranked, each with its evidence, likely drivers, affected segments and action."""
    t = conclusions(data)
    return Section([Table(t.drop(columns=["gap"]), caption="Conclusions: gaps ranked, with evidence and the action each calls for",
                          note="For the experience interpretation lead to sign off. Ranked by the gap to target, "
                               "largest shortfall first.")])


def gaps_section(data: CycleData) -> Section:
    """Every XLA's score with its CI, target, gap, status and the one-sided test of meeting it."""
    s = xla_scores(data)
    policy = data.params.policy
    t = s[["xla", "name", "score", "ci_low", "ci_high", "target", "gap", "p_meets", "status", "n"]]
    return Section([Table(t, caption=f"XLA scores and gaps to target, {data.cycle}",
                          formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "target": fmt1, "gap": fmt_signed,
                                   "p_meets": fmt_p, "n": lambda v: fmt_number(v, 0)},
                          labels={**policy.ci_labels(), "p_meets": "p (meets target)"},
                          note=f"Met: the whole {policy.ci} is at or above the target; missed: the whole CI is "
                               "below it; otherwise at risk." + missing_note(s)),
                    plots.xla_scores(s, policy.ci)])


def gaps_by(data: CycleData, by: str) -> Table:
    """Each XLA's gap by segment; small groups hidden (with complementary suppression)."""
    s = xla_scores(data, by=by)
    wide = s.pivot(index="segment", columns="xla", values="gap")
    status = s.pivot(index="segment", columns="xla", values="status")
    hidden = s.groupby("segment")["suppressed"].first()
    n = s.groupby("segment")["n"].first()
    t = pd.DataFrame({by: wide.index.astype(str),
                      "n": [f"< {data.params.min_group_size}" if hidden[k] else int(v) for k, v in n.items()]})
    order = [x for x in data.params.xlas if x in wide.columns]
    for xid in order:
        t[xid] = [None if pd.isna(g) else f"{g:+.1f} ({st})" for g, st in zip(wide[xid], status[xid])]
    return Table(t, caption=f"Gap to target by {label(by)} (points; status in brackets)",
                 formats={c: (lambda v: "hidden" if v is None or pd.isna(v) else str(v)) for c in order})


def gaps_by_segment_section(data: CycleData) -> Section:
    """Each segment's distance to every target, for every segment column of params."""
    return Section([gaps_by(data, by) for by in data.params.segments])


def segment_section(data: CycleData, xla_id: str, by: str) -> Table:
    t = segment_gaps(data, xla_id, by)
    t = t[["segment", "n", "score", "status", "diff", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted"]]
    t = t.assign(n=[f"< {data.params.min_group_size}" if pd.isna(v) else v for v in t["n"]])
    xla = data.params.xlas[xla_id]
    weighted = cycle_design(data).weighted
    return Table(t.rename(columns={"segment": by}), caption=f"{xla.id} {xla.name} by {label(by)}",
                 formats={"score": fmt1, "diff": fmt_signed, "diff_ci_low": fmt1,
                          "diff_ci_high": fmt1, "p_value": fmt_p, "p_adjusted": fmt_p,
                          "n": lambda v: fmt_number(v, 0)},
                 labels={"diff": "vs rest", **data.params.policy.ci_labels("diff_ci_low", "diff_ci_high", prefix="vs rest, "),
                         "p_value": "p", "p_adjusted": "p (BH)"},
                 note=("Score includes the segment's own O/T indicators; " if data.params.metrics else "")
                      + f"'vs rest' compares survey answers with the rest of the organisation ({'weighted, design-based' if weighted else 'Welch t'}), p adjusted "
                      f"for {t['p_value'].notna().sum()} segments (Benjamini-Hochberg). Groups under "
                      f"{data.params.min_group_size} hidden.")


def segment_sections(data: CycleData, by: tuple[str, ...] | None = None, every: bool = False) -> Section:
    """Segment-vs-rest tables for every XLA that is missed or at risk (``every``: for all XLAs),
    over params' ``analysis.breakdowns`` (or the columns given)."""
    by = tuple(by or data.params.analysis.breakdowns)
    scores = xla_scores(data)
    short = scores["xla"].tolist() if every else scores[scores["status"] != MET]["xla"].tolist()
    if not short:
        return Section([Text(["Every XLA meets its target: no segment analysis needed."])])
    return Section([segment_section(data, x, b) for x in short for b in by])


def appendix_section(data: CycleData) -> Section:
    """Every XLA by every segment column, with CIs and adjusted p-values."""
    return segment_sections(data, by=tuple(data.params.segments), every=True)


def context_section(data: CycleData) -> Section:
    """Survey answers next to each respondent's own tickets and devices, and by segment."""
    if not (data.has("tickets") or data.has("telemetry")):
        return Section([Text(["No operational (tickets) or telemetry source in params: the survey results stand "
                              "without their operational context this cycle."])])
    ctx = respondent_context(data)
    outcome = data.params.analysis.outcome
    min_n = data.params.min_group_size
    sentences = []
    for col, m in linked_columns(data.params).items() if outcome else ():
        own = ctx[col]
        linked = own.notna()
        if linked.sum() < 4 * min_n:
            continue
        if m.aggregation == "rate":  # a 0/1 flag: those for whom it held against those for whom it did not
            yes, no = ctx.loc[own == 1, outcome], ctx.loc[own == 0, outcome]
            if min(yes.notna().sum(), no.notna().sum()) < 2 * min_n:
                continue
            sentences.append(f"{m.label}: respondents for whom it held on their own record rated {outcome} "
                             f"{yes.mean():.1f}, against {no.mean():.1f} when it did not "
                             f"({fmt_pct(linked.mean())} of respondents linked).")
        else:  # worst quarter against best quarter of their own value
            q = own.quantile([0.25, 0.75])
            worst = own >= q[0.75] if m.direction == "lower" else own <= q[0.25]
            best = own <= q[0.25] if m.direction == "lower" else own >= q[0.75]
            sentences.append(f"{m.label} (each respondent's own {label(m.column)}): the worst quarter rated "
                             f"{outcome} {ctx.loc[worst, outcome].mean():.1f}, against "
                             f"{ctx.loc[best, outcome].mean():.1f} in the best quarter.")
    t = segment_context(data)
    by = data.params.analysis.context_by
    formats = {outcome_label(data.params): fmt2, "respondents": lambda v: fmt_number(v, 0),
               "tickets": lambda v: fmt_number(v, 0)}
    for m in data.params.metrics.values():
        formats[short_label(m)] = fmt_pct if m.aggregation == "rate" else fmt2
    return Section([Text(sentences or ["No respondent could be linked to tickets or devices."], bullets=bool(sentences)),
                    Table(t.drop(columns="suppressed"), status=(), formats=formats,
                          caption=f"How it felt (X) next to what happened (O) and the technology (T), by {label(by)}",
                          note=f"Groups under {min_n} respondents show no survey result.")])


def drivers_section(data: CycleData) -> Section:
    """Which experiences explain the outcome item, and how much of it each explains."""
    d = driver_table(data)
    names = driver_variables(data.params)
    outcome = data.params.analysis.outcome
    top = [names.get(i, i) for i in d.index[:2]]
    lead = Text([f"Overall {outcome} is explained to {100 * d.attrs['r2']:.0f}% (R²) by these drivers "
                 f"(n = {d.attrs['n']:,} respondents with every driver known). The strongest: "
                 + ", then ".join(top) + "."])
    t = d.reset_index().assign(driver=lambda f: f["driver"].map(lambda x: names.get(x, x)))
    table = Table(t, caption=f"Key drivers of {outcome} (OLS, relative importance by LMG)", status=(),
                  formats={"coef": lambda v: f"{v:.4f}", "se": lambda v: f"{v:.4f}", "p_value": fmt_p, "std_coef": fmt2,
                           "vif": fmt2, "importance": lambda v: f"{v:.3f}", "share": fmt_pct},
                  labels={"std_coef": "standardised", "p_value": "p", "share": "share of R²"},
                  note=f"R² {d.attrs['r2']:.3f}, adjusted {d.attrs['adj_r2']:.3f}. Importance splits R² among the "
                       "drivers (average over all orders of entry) and sums to it.")
    return Section([lead, table, plots.driver_importance(t, outcome, data.params.policy.significance)])


def comments_section(data: CycleData, n: int = 4) -> Section:
    """Sentiment and themes of the free-text comments, distinctive words and example comments."""
    c = comments_frame(data)
    total = len(data.current("responses"))
    if c.empty:
        return Section([Text(["No comments this cycle (or the survey has no free-text item)."])])
    counts = c["sentiment"].value_counts()
    k = len(c)
    scored = max(int(c["compound"].notna().sum()), 1)  # shares of the scored comments (other languages are not)
    lead = Text([f"{k:,} respondents left a comment ({fmt_pct(k / max(total, 1))}): "
                 f"{fmt_pct(counts.get('positive', 0) / scored)} positive, {fmt_pct(counts.get('negative', 0) / scored)} negative, "
                 f"{fmt_pct(counts.get('neutral', 0) / scored)} neutral (VADER with the lexicon of params/text.yaml)."]
                + [x for x in [unscored_sentence(c, language_settings(data.params)["scored"])] if x])
    themes = theme_table(c, data.params)
    parts = [lead]
    if len(themes):
        parts.append(Table(themes, caption="Themes in comments", status=(),
                           formats={"share of comments": fmt_pct, "negative": fmt_pct, "mean sentiment": fmt2,
                                    "comments": lambda v: fmt_number(v, 0)},
                           note="A comment can belong to several themes (keyword rules in params/text.yaml)."))
    by = data.params.analysis.context_by
    if by:
        terms = distinctive_terms(c["comment"], c[by], min_group=data.params.min_comment_group, top=4)
        if len(terms):
            wide = terms.groupby("group")["term"].apply(lambda s: ", ".join(s)).rename("most distinctive words")
            parts.append(Table(wide.reset_index().rename(columns={"group": by}), status=(),
                               caption=f"What each {label(by)} writes about",
                               note="Log-odds ratio of each word against all other comments (informative Dirichlet "
                                    "prior); only groups with enough comments."))
    ex = examples(c, data.params.min_comment_group, kind="negative", n=n)
    pos = examples(c, data.params.min_comment_group, kind="positive", n=2)
    shown = pd.concat([ex.assign(tone="complaint"), pos.assign(tone="compliment")], ignore_index=True)
    parts.append(Table(shown[["tone", "comment", "compound"]], caption="Example comments (redacted)", status=(),
                       formats={"compound": fmt2}, wide=("comment",),
                       note=f"Shown only from groups of at least {data.params.min_comment_group} comments; "
                            "names, e-mail addresses, phone numbers and other identifiers were removed at load."))
    return Section(parts)


def save_results(data: CycleData, output_dir) -> Text:
    """Mission 2's key results as results-findings.json (schema: :mod:`xmo_analysis.present.results`)."""
    drv = driver_table(data)
    cols = ["segment", "n", "score", "status", "diff", "p_value", "p_adjusted", "suppressed"]
    segs = {x: {by: results.records(segment_gaps(data, x, by)[cols]) for by in data.params.segments}
            for x in data.params.xlas}
    conc = conclusions(data, drv)
    payload = {"xla": results.records(xla_scores(data)), "segments": segs,
               "drivers": {**drv.attrs, "rows": results.records(drv.reset_index())},
               "themes": results.records(theme_table(comments_frame(data), data.params)),
               "conclusions": results.records(conc), **depth_results(data)}
    path = results.save(output_dir, "findings", data.cycle, payload,
                        {"drivers": drv.reset_index(), "conclusions": conc}, data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")


def depth_results(data: CycleData) -> dict:
    """What the journey, channels, waste, lost-time and topics sections show, for results-findings.json
    (each key only when params and data give that analysis; suppressed rows keep their labels only)."""
    from xmo_analysis.domain.outcomes import lost_hours, time_item
    params = data.params
    out: dict = {}
    if params.journey is not None:
        out["journey"] = results.records(journey_table(data))
    if params.channels is not None:
        table = channel_table(data)
        out["channels"] = {"table": results.records(table), "groups": _group_channels(data, table),
                           "compared": results.records(compare_groups(data)),
                           "cost": results.records(mix_cost(data)) if table.attrs.get("cost") else [],
                           "mix": results.records(channel_mix(data))}
    if waste_metrics(params) and data.has("tickets"):
        out["waste"] = {"segments": results.records(waste_by_segment(data)),
                        "cycles": results.records(waste_by_cycle(data))}
    item = time_item(params)
    if item is not None and item.id in data.current("responses"):
        out["lost_time"] = {"overall": results.records(lost_hours(data, item)),
                            **{by: results.records(lost_hours(data, item, by)) for by in params.analysis.breakdowns}}
    tp = discover(data)
    out["topics"] = {"n_comments": tp.n_comments, "unscored": tp.unscored, "note": tp.note,
                     "rows": results.records(tp.table), "trend": results.records(tp.trend)}
    return out


# ---------------------------------------------------------------- overhead and waste
def waste_section(data: CycleData) -> Section:
    """Reopened tickets, reassignments and hours waiting per segment (this cycle, change since the
    last) and for the organisation per cycle: the waste of lean service management, as O
    indicators with their targets (``analysis.waste``)."""
    metrics = waste_metrics(data.params)
    if not metrics:
        return Section([Text(["No waste indicators in params (analysis.waste): reopens, reassignments and hours "
                              "waiting are not analysed."])])
    if not data.has("tickets"):
        return Section([Text(["No tickets source in params: overhead and waste cannot be measured this cycle."])])
    seg = waste_by_segment(data)
    by = data.params.analysis.waste_by or "segment"
    fmt = {m.id: (fmt_pct if m.aggregation == "rate" else fmt2) for m in metrics}
    delta = {f"Δ {m.id}": ((lambda v: fmt_signed(100 * v) + " pts") if m.aggregation == "rate"
                           else (lambda v: "—" if pd.isna(v) else f"{v:+.2f}")) for m in metrics}
    names = {m.id: m.label for m in metrics} | {f"Δ {m.id}": f"change in {m.label.lower()}" for m in metrics}
    org = seg.iloc[0]
    rows = seg.iloc[1:]
    lines = []
    for m in metrics:
        known = rows[rows[m.id].notna()]
        if known.empty:
            continue
        worst = known.loc[known[m.id].idxmax() if m.direction == "lower" else known[m.id].idxmin()]
        meets = org[m.id] <= m.target if m.direction == "lower" else org[m.id] >= m.target
        shown = fmt[m.id]
        lines.append(f"{m.label}: {shown(org[m.id])} across the organisation (target {shown(m.target)}, "
                     f"{'met' if meets else 'not met'}); worst in {worst[by]} at {shown(worst[m.id])}.")
    trend = waste_by_cycle(data)
    return Section([
        Text(lines or ["No ticket carries the waste indicators' columns this cycle."], bullets=bool(lines)),
        Table(seg.rename(columns=names), status=(), caption=f"Overhead and waste by {label(by)}, {data.cycle}",
              formats={"tickets": lambda v: fmt_number(v, 0), **{names[k]: f for k, f in {**fmt, **delta}.items()}},
              note="Hours waiting per ticket count a ticket that never waited as 0. A group without tickets is "
                   "unknown (—), never 0. Operational data: no respondent threshold applies."),
        Table(trend.rename(columns=names), status=(), caption="Overhead and waste across the organisation, by cycle",
              formats={"tickets": lambda v: fmt_number(v, 0), **{names[k]: f for k, f in fmt.items()}}),
    ])


# ---------------------------------------------------------------- time lost and its cost
def lost_time_section(data: CycleData) -> Section:
    """Hours lost per ticket (the survey's ``hours`` item) and their cost, overall and by breakdown."""
    from xmo_analysis.domain.outcomes import lost_hours, time_item
    params = data.params
    item = time_item(params)
    if item is None or item.id not in data.current("responses"):
        return Section([Text(["The survey has no time-lost question (an item of type hours in params/instrument.yaml) "
                              "answered this cycle: no lost hours or their cost."])])
    policy = params.policy
    price = params.hourly_cost
    unit = price.unit if price is not None else ""
    overall = lost_hours(data, item)
    r = overall.iloc[0]
    if bool(r["suppressed"]) or pd.isna(r["hours"]):
        return Section([Text([f"Fewer than {params.min_group_size} respondents answered the time-lost question: "
                              "nothing is shown."])])
    lead = [f"Respondents lost {r['hours']:.2f} hours on average to their most recent IT issue ({policy.ci} "
            f"{r['ci_low']:.2f} to {r['ci_high']:.2f}; {int(r['n']):,} answers)."]
    if pd.notna(r["cost"]):
        lead.append(f"At the organisation's hourly cost of {unit} {r['hourly_cost']:,.2f} that is {unit} {r['cost']:,.0f} "
                    f"per ticket ({policy.ci} {r['cost_low']:,.0f} to {r['cost_high']:,.0f}).")
    elif not data.has("outcomes") or price is None:
        lead.append("No hourly cost (an outcome with role hourly_cost in params/metrics.yaml, given by sources.outcomes): "
                    "hours are shown without their cost.")
    else:
        lead.append("The outcomes give no hourly cost for this cycle: hours are shown without their cost.")
    parts = [Text(lead)]
    money = (lambda v: "—" if pd.isna(v) else f"{v:,.0f}")  # noqa: E731
    for by in params.analysis.breakdowns:
        t = lost_hours(data, item, by)
        t = t.assign(cost_from=t["cost_from"].fillna("—"))
        t = t[["segment", "n", "hours", "ci_low", "ci_high", "hourly_cost", "cost_from", "cost", "cost_low", "cost_high"]]
        parts.append(Table(t.rename(columns={"segment": by}), status=(),
                           caption=f"Hours lost per ticket and their cost by {label(by)}",
                           formats={"hours": fmt2, "ci_low": fmt2, "ci_high": fmt2, "hourly_cost": fmt2, "cost": money,
                                    "cost_low": money, "cost_high": money, "n": lambda v: fmt_number(v, 0)},
                           labels={**policy.ci_labels(), "hourly_cost": f"hourly cost ({unit})".replace(" ()", ""),
                                   "cost_from": "cost of", "cost": f"cost per ticket ({unit})".replace(" ()", ""),
                                   **policy.ci_labels("cost_low", "cost_high", prefix="cost, "), "n": "answers"},
                           note=f"Mean of the hours each answer stands for (params), Student t {policy.ci}. The cost is "
                                "the hours times the group's hourly cost from the outcomes (its own, else the "
                                "organisation's: 'cost of'); its CI covers the sampling error of the hours only: the "
                                "hourly cost and the hours behind each answer are taken as known. Groups under "
                                f"{params.min_group_size} answers hidden (with their complement)."))
    return Section(parts)


# ---------------------------------------------------------------- topics beyond the rules
def topics_section(data: CycleData) -> Section:
    """Topics found in the cycle's comments (NMF on TF-IDF, :mod:`xmo_analysis.domain.topics`)
    beside the rule themes: size, sentiment, trend over cycles, the closest rule or "new" with
    the words to promote it, and redacted examples from groups at the comment threshold."""
    tp = discover(data)
    if tp.table.empty:
        return Section([Text([tp.note or "No comments this cycle: no topics."])])
    t = tp.table
    lines = [f"{len(t)} topics found in the {tp.n_comments:,} scored comments of {data.cycle} (NMF on TF-IDF, "
             f"settings in params/text.yaml: discovery); a comment counts towards its dominant topic when that "
             f"topic holds at least {fmt_pct(tp.settings.min_weight)} of its weight."]
    new = t[t["rule theme"] == NEW]
    for row in new.to_dict("records"):
        words = row["words no rule uses"] or row["top terms"]
        lines.append(f"{row['topic']} ({row['top terms']}) is new: the theme rules match "
                     f"{fmt_pct(row['matched by rules'])} of its {row['comments']:,} comments "
                     f"(share by cycle {row['trend']}); to follow it, add a theme to params/text.yaml with keywords "
                     f"such as {words}.")
    if new.empty:
        lines.append(f"Every topic is mostly matched by a theme rule (at least {fmt_pct(tp.settings.covered)} of its comments).")
    if tp.unscored:
        lines.append(f"{tp.unscored:,} comments in languages other than the lexicon's are not in the topic model.")
    if tp.note:
        lines.append(tp.note)
    cycles = [c for c in tp.cycles if c in set(tp.trend["cycle"])]
    # to fit an A4 page: the words to promote a new topic are in the sentences above, this cycle's
    # share is the trend's last value, and the trend reads as one token ("3%→8%→12%") rather than
    # wrapping at every arrow
    shown = t.drop(columns=[c for c in ("words no rule uses", "share of comments") if c in t]).assign(
        trend=t["trend"].astype(str).str.replace(" → ", "→", regex=False))
    parts = [Text(lines),
             Table(shown, caption=f"Topics in the comments, {data.cycle}", status=(),
                   formats={"comments": lambda v: fmt_number(v, 0), "share of comments": fmt_pct, "negative": fmt_pct,
                            "mean sentiment": fmt2, "matched by rules": fmt_pct},
                   labels={"trend": "share by cycle", "rule theme": "closest rule"},
                   note=f"Share by cycle: {' → '.join(cycles)} (the last is this cycle), the topic's share of each "
                        "cycle's scored comments "
                        "(earlier cycles weighted on this cycle's topics). Closest rule: the theme matching most of "
                        f"the topic's comments; new when the rules match fewer than {fmt_pct(tp.settings.covered)}.")]
    if len(tp.examples):
        parts.append(Table(tp.examples[["topic", "comment"]], caption="Example comments per topic (redacted)",
                           status=(), wide=("comment",),
                           note=f"Only from topics of at least {data.params.min_comment_group} comments, and only "
                                f"comments whose every segment group has at least {data.params.min_comment_group}."))
    return Section(parts)


# ---------------------------------------------------------------- journey map and channels
def journey_section(data: CycleData) -> Section:
    """The journey map: each stage in journey order with its volume, score and CI, gap and status,
    O indicators and difference to the rest of the journey; the weakest stage marked."""
    if data.params.journey is None:
        return Section([Text(["Params declare no journey (analysis.journey in xmo.yaml): no journey map."])])
    return Section(journey_parts(data, journey_table(data)))


def _group_channels(data: CycleData, table: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Each of params' two channel groups' label -> its channels (the second may be every other one)."""
    spec = channel_spec(data.params)
    t = channel_table(data) if table is None else table
    return {g: [c for c, k in zip(t[spec.column], t["kind"]) if k == g] for g in spec.labels}


def channels_section(data: CycleData) -> Section:
    """Per channel: effort, satisfaction, first-contact resolution, cost and share; params' two groups
    of channels (e.g. digital against assisted) compared with a test; the mix of channels over cycles."""
    params = data.params
    if params.channels is None:
        return Section([Text(["Params declare no channels (analysis.channels in xmo.yaml): no assessment of channels."])])
    spec = channel_spec(params)
    policy = params.policy
    min_n = params.min_group_size
    t = channel_table(data)
    cmp = compare_groups(data)
    mix = channel_mix(data)
    col = spec.column
    first, second = spec.labels
    members = _group_channels(data, t)
    dig, ass = (", ".join(members[g]) for g in (first, second))
    sentences = []
    for r in cmp.itertuples():
        if r.suppressed or pd.isna(r.diff):
            sentences.append(f"{r.measure[0].upper() + r.measure[1:]}: too few respondents in one group to compare.")
            continue
        word = "significant" if policy.significant(r.p_value) else "not significant"
        sentences.append(f"{r.measure[0].upper() + r.measure[1:]}: {first} ({dig}) {r.first:.2f} against {second} ({ass}) "
                         f"{r.second:.2f}, a difference of {r.diff:+.2f} ({policy.ci} {r.diff_ci_low:+.2f} to "
                         f"{r.diff_ci_high:+.2f}; p {fmt_p(r.p_value)}, {r.method}): {word}.")
    prev = params.previous_cycle(data.cycle)
    now = mix[(mix["cycle"] == data.cycle)]
    what = "tickets" if now["change_tickets"].notna().any() else "responses"
    moved = now.dropna(subset=[f"change_{what}"])
    if prev and len(moved):
        top = moved.loc[moved[f"change_{what}"].abs().idxmax()]
        sentences.append(f"Since {prev}, the mix of {what} across channels moved most in {top[col]} "
                         f"({top[f'change_{what}']:+.1f} points to {fmt_pct(top[f'share_of_{what}'])}, "
                         f"p {fmt_p(top[f'p_{what}'])}).")
    costs = mix_cost(data) if t.attrs.get("cost") else pd.DataFrame()
    priced = next((o for o in params.outcomes.values() if o.column == spec.cost), None)
    unit = priced.unit if priced is not None else ""
    money = f"{unit} " if unit else ""
    if not t.attrs.get("cost"):
        sentences.append("No cost data: cost per contact needs an outcomes source that holds it for each of the channels "
                         "(channels.cost in params/xmo.yaml names its column).")
    elif costs.empty or costs["cycle"].iloc[-1] != data.cycle:
        sentences.append(f"No cost of the cycle's contacts: one of the channels with tickets in {data.cycle} has no cost per "
                         "contact in the outcomes.")
    else:
        r = costs.iloc[-1]
        g1, g2 = (r[f"cost_per_contact_{g}"] for g in (first, second))
        sentences.append(f"The cycle's {int(r['tickets']):,} contacts cost {money}{r['cost']:,.0f}, "
                         f"{money}{r['cost_per_contact']:,.2f} each: {first} {money}{g1:,.2f} and {second} "
                         f"{money}{g2:,.2f} per contact.")
        if pd.notna(r["mix_effect"]):
            sentences.append(f"The shift of contacts between channels since {prev} "
                             f"{'saved' if r['mix_effect'] < 0 else 'added'} {money}{abs(r['mix_effect']):,.0f} "
                             f"({money}{r['mix_effect_per_contact']:+,.2f} per contact) at this cycle's costs "
                             "and volume.")
    shown = t.copy()
    shown["responses"] = [f"< {min_n}" if h else v for h, v in zip(t["suppressed"], t["responses"])]
    keep = [col, "kind", "responses", "effort", "effort_ci_low", "effort_ci_high", "satisfaction",
            "satisfaction_ci_low", "satisfaction_ci_high", "tickets", "fcr", "fcr_ci_low", "fcr_ci_high",
            ] + (["cost_per_contact"] if t.attrs.get("cost") else [])  # the shares: in the channel mix table
    ci = policy.ci
    table = Table(shown[keep], caption=f"Channels, {data.cycle}: effort, satisfaction, first-contact resolution",
                  formats={"effort": fmt2, "effort_ci_low": fmt2, "effort_ci_high": fmt2, "satisfaction": fmt1,
                           "satisfaction_ci_low": fmt1, "satisfaction_ci_high": fmt1, "fcr": fmt_pct,
                           "fcr_ci_low": fmt_pct, "fcr_ci_high": fmt_pct, "share_of_responses": fmt_pct,
                           "share_of_tickets": fmt_pct, "cost_per_contact": fmt2,
                           "tickets": lambda v: fmt_number(v, 0), "responses": lambda v: fmt_number(v, 0)},
                  labels={"effort": "effort (CES 1-7)", "effort_ci_low": f"{ci} low", "effort_ci_high": f"{ci} high",
                          "satisfaction": "CSAT % top-2", "satisfaction_ci_low": f"{ci} low",
                          "satisfaction_ci_high": f"{ci} high", "fcr": "first-contact resolution",
                          "fcr_ci_low": f"{ci} low", "fcr_ci_high": f"{ci} high",
                          "share_of_responses": "share of responses", "share_of_tickets": "share of tickets",
                          "cost_per_contact": "cost per contact"}, status=(),
                  note=f"Effort: mean CES (higher = easier); satisfaction: share of 4-5 answers; both "
                       f"{'weighted' if t.attrs.get('weighted') else 'unweighted'}. First-contact resolution over the "
                       f"tickets of each of the channels (Wilson {ci}). Channels with fewer than {min_n} respondents show no survey "
                       "result (with one more when only one is small); their ticket figures stay.")
    versus = Table(cmp.drop(columns=["suppressed"]), caption=f"{first[0].upper() + first[1:]} ({dig}) against {second} ({ass}) channels",
                   formats={"first": fmt2, "second": fmt2, "diff": fmt2, "diff_ci_low": fmt2, "diff_ci_high": fmt2,
                            "p_value": fmt_p, "n_first": lambda v: fmt_number(v, 0),
                            "n_second": lambda v: fmt_number(v, 0)},
                   labels={"first": first, "second": second, "diff": f"{first} - {second}",
                           **policy.ci_labels("diff_ci_low", "diff_ci_high"),
                           "p_value": "p", "n_first": f"n {first}", "n_second": f"n {second}"}, status=(),
                   note="Welch t for effort, two-proportion z for satisfaction and first-contact resolution; "
                        "design-based (svyglm) when the survey is weighted.")
    cols = [col, "kind", "share_of_responses", "change_responses", "p_responses", "share_of_tickets",
            "change_tickets", "p_tickets"]
    shift = Table(now[cols], caption=f"Channel mix, {data.cycle} against {prev or 'no previous cycle'}", status=(),
                  formats={"share_of_responses": fmt_pct, "share_of_tickets": fmt_pct, "change_responses": fmt_signed,
                           "change_tickets": fmt_signed, "p_responses": fmt_p, "p_tickets": fmt_p},
                  labels={"share_of_responses": "share of responses", "change_responses": "change (points)",
                          "p_responses": "p", "share_of_tickets": "share of tickets",
                          "change_tickets": "change (points)", "p_tickets": "p"},
                  note="Shares of the contacts in the declared channels; change against the previous cycle with "
                       "the two-proportion z-test. Channels hidden in a cycle's responses show no share there.")
    parts = [Text(sentences, bullets=True), table, versus, shift]
    if not costs.empty:
        each = {f"cost_per_contact_{g}": f"{g}, per contact" for g in (first, second)}
        parts.append(Table(costs, caption=f"What the contacts cost{f' ({unit})' if unit else ''}, by cycle", status=(),
                           formats={"tickets": lambda v: fmt_number(v, 0), "cost": lambda v: fmt_number(v, 0),
                                    "cost_per_contact": fmt2, "mix_effect": lambda v: "—" if pd.isna(v) else f"{v:+,.0f}",
                                    "mix_effect_per_contact": lambda v: "—" if pd.isna(v) else f"{v:+.2f}",
                                    **{k: fmt2 for k in each}},
                           labels={"cost_per_contact": "per contact", "mix_effect": "mix shift",
                                   "mix_effect_per_contact": "mix shift, per contact", **each},
                           note="Cost = the tickets of each of the channels x its cost per contact (outcomes). Mix shift = the "
                                "change of each one's share of tickets since the previous cycle x this cycle's "
                                "cost per contact x this cycle's tickets: what moving contacts between channels "
                                "saved (negative) or added. Records, not samples: no CI."))
    parts.append(plots.channel_view(t, mix, ci, col, spec.labels))
    return Section(parts)

