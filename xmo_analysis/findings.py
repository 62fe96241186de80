"""Mission 2 — interpret and action findings: sentiment, context, gaps by segment, drivers, conclusions.

Computations return DataFrames (tested); ``*_section`` functions wrap them for the notebook.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import plots
from .comparisons import compare_segments
from .context import respondent_context, segment_context, short_label
from .display import Table, Text, fmt1, fmt2, fmt_number, fmt_p, fmt_pct, fmt_signed
from .drivers import drivers
from .loaders import CycleData
from .text import distinctive_terms, examples, sentiment, themes
from .xla import cycle_points, cycle_weights, xla_scores

# O/T metric column -> the respondent's own value of it (context.respondent_context)
OWN = {"resolution_hours": "own_resolution_hours", "sla_met": "own_sla_met", "reopened": "own_reopened",
       "boot_time_s": "own_boot_time_s", "crashes": "own_crashes_per_day", "app_latency_ms": "own_app_latency_ms"}
DRIVER_LABELS = {"x_support": "Support (agent, updates)", "x_digital": "Digital workplace items",
                 "x_selfservice": "Self-service items", "x_communication": "Communication items",
                 "log_resolution_hours": "Own last ticket: resolution time (log h)",
                 "own_boot_time_s": "Own device: boot time (s)", "own_app_latency_ms": "Own device: app latency (ms)",
                 "own_sla_met": "Own last ticket met SLA"}


# ---------------------------------------------------------------- computations
def comments_frame(data: CycleData) -> pd.DataFrame:
    """The cycle's comments with sentiment and themes (comments are redacted at load)."""
    resp = data.current("responses")
    frame = resp[["response_id", *data.params.segments, "comment"]].dropna(subset=["comment"])
    return frame.join(sentiment(frame["comment"], data.params)).join(themes(frame["comment"], data.params))


def theme_table(comments: pd.DataFrame, data: CycleData) -> pd.DataFrame:
    names = list((data.params.text.get("themes") or {}))
    rows = []
    for name in names:
        f = comments[comments[name]]
        rows.append({"theme": name, "comments": len(f), "share of comments": len(f) / max(len(comments), 1),
                     "negative": (f["sentiment"] == "negative").mean() if len(f) else np.nan,
                     "mean sentiment": f["compound"].mean() if len(f) else np.nan})
    return pd.DataFrame(rows).sort_values("negative", ascending=False, kind="stable")


def driver_frame(data: CycleData) -> pd.DataFrame:
    ctx = respondent_context(data)
    ctx["log_resolution_hours"] = np.log(ctx["own_resolution_hours"].where(ctx["own_resolution_hours"] > 0))
    return ctx


def driver_table(data: CycleData, outcome: str = "happiness") -> pd.DataFrame:
    """Key drivers of overall happiness from X constructs and the respondent's own O/T experience."""
    ctx = driver_frame(data)
    candidates = [c for c in ["x_support", "x_digital", "x_selfservice", "x_communication", "log_resolution_hours",
                              "own_boot_time_s", "own_app_latency_ms"] if ctx[c].notna().any()]
    return drivers(ctx, outcome, candidates)


def segment_gaps(data: CycleData, xla_id: str, by: str) -> pd.DataFrame:
    """One XLA by segment: the segment's score and status, and its survey (X) difference to the rest
    of the organisation with raw and Benjamini-Hochberg adjusted p-values."""
    resp = data.current("responses").reset_index(drop=True)
    frame = resp.assign(points=cycle_points(data, xla_id))
    cmp = compare_segments(frame, "points", by, weights=cycle_weights(data), min_n=data.params.min_group_size)
    scores = xla_scores(data, by=by).query("xla == @xla_id").set_index("segment")
    cmp["score"] = cmp["segment"].map(scores["score"])
    cmp["status"] = cmp["segment"].map(scores["status"])
    cmp["suppressed"] = cmp["suppressed"] | cmp["segment"].map(scores["suppressed"]).fillna(True).astype(bool)
    cmp.loc[cmp["suppressed"], ["score", "status", "diff", "p_value", "p_adjusted", "diff_ci_low", "diff_ci_high"]] = np.nan
    return cmp


def conclusions(data: CycleData, driver_result: pd.DataFrame | None = None) -> pd.DataFrame:
    """A ranked table of gaps: evidence, likely drivers, most affected segments, the action called for."""
    scores = xla_scores(data)
    drv = driver_result if driver_result is not None else driver_table(data)
    rows = []
    for row in scores.itertuples():
        xla = data.params.xlas[row.xla]
        related = {f"x_{i.ref}" for i in xla.indicators if i.kind == "x"}
        for i in xla.indicators:
            if i.kind != "x":
                col = OWN.get(data.params.metrics[i.ref].column)
                related |= {col, "log_resolution_hours" if col == "own_resolution_hours" else col}
        likely = [DRIVER_LABELS.get(d, d) for d in drv.index if d in related and drv.loc[d, "p_value"] < 0.05][:2]
        affected = []
        for by in data.params.segments:
            seg = segment_gaps(data, row.xla, by)
            worst = seg[(~seg["suppressed"]) & (seg["p_adjusted"] < 0.05) & (seg["diff"] < 0)]
            affected += [(r.diff, f"{r.segment} ({by.replace('_', ' ')}, {r.diff:+.1f})") for r in worst.itertuples()]
        affected = [label for _, label in sorted(affected)[:3]]
        if row.status == "missed":
            action = "Act now: a backlog item on the likely drivers, starting with the most affected segments"
        elif row.status == "at risk":
            action = "Targeted improvement and a close watch next cycle"
        elif affected:
            action = "Met overall: target the segments that fall behind"
        else:
            action = "Sustain: keep the practices that meet the ambition"
        rows.append({"xla": row.xla, "name": row.name, "status": row.status, "gap": row.gap,
                     "evidence": f"{row.score:.1f} vs target {row.target:.0f} (95% CI {row.ci_low:.1f} to {row.ci_high:.1f})",
                     "likely drivers": "; ".join(likely) or "no significant driver among the linked indicators",
                     "most affected segments": "; ".join(affected) or "none significantly below the rest",
                     "action": action})
    out = pd.DataFrame(rows).sort_values("gap", kind="stable").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


# ---------------------------------------------------------------- report sections
def sentiment_section(data: CycleData) -> tuple[Text, Table]:
    c = comments_frame(data)
    counts = c["sentiment"].value_counts()
    n = len(c)
    lead = Text([f"{n:,} respondents left a comment ({fmt_pct(n / max(len(data.current('responses')), 1))}): "
                 f"{fmt_pct(counts.get('positive', 0) / n)} positive, {fmt_pct(counts.get('negative', 0) / n)} negative, "
                 f"{fmt_pct(counts.get('neutral', 0) / n)} neutral (VADER with the service-desk lexicon)."]) if n else \
        Text(["No comments this cycle."])
    t = theme_table(c, data)
    return lead, Table(t, caption="Themes in comments", status=(),
                       formats={"share of comments": fmt_pct, "negative": fmt_pct, "mean sentiment": fmt2,
                                "comments": lambda v: fmt_number(v, 0)},
                       note="A comment can belong to several themes (keyword rules in params/text.yaml).")


def examples_section(data: CycleData, n: int = 4) -> Table:
    c = comments_frame(data)
    ex = examples(c, data.params.min_comment_group, kind="negative", n=n)
    pos = examples(c, data.params.min_comment_group, kind="positive", n=2)
    t = pd.concat([ex.assign(tone="complaint"), pos.assign(tone="compliment")], ignore_index=True)
    return Table(t[["tone", "comment", "compound"]], caption="Example comments (redacted)", status=(),
                 formats={"compound": fmt2},
                 note=f"Shown only from groups of at least {data.params.min_comment_group} comments; e-mail "
                      "addresses, phone numbers and other identifiers were removed at load.")


def terms_section(data: CycleData, by: str = "department") -> Table:
    c = comments_frame(data)
    t = distinctive_terms(c["comment"], c[by], min_group=data.params.min_comment_group, top=4)
    wide = t.groupby("group")["term"].apply(lambda s: ", ".join(s)).rename("most distinctive words").reset_index()
    return Table(wide.rename(columns={"group": by}), caption=f"What each {by.replace('_', ' ')} writes about",
                 status=(), note="Log-odds ratio of each word against all other comments (informative Dirichlet prior).")


def context_section(data: CycleData) -> tuple[Text, Table]:
    ctx = respondent_context(data)
    sentences = []
    linked = ctx["own_sla_met"].notna()
    if linked.sum() >= 2 * data.params.min_group_size:
        met = ctx.loc[ctx["own_sla_met"] == 1, "happiness"].mean()
        missed = ctx.loc[ctx["own_sla_met"] == 0, "happiness"].mean()
        sentences.append(f"{fmt_pct(linked.mean())} of respondents could be linked to their own last ticket. Those "
                         f"whose ticket missed its SLA rated happiness {missed:.1f} out of 10, against {met:.1f} "
                         "when it was met.")
    boot = ctx["own_boot_time_s"]
    if boot.notna().sum() >= 4 * data.params.min_group_size:
        q = boot.quantile([0.25, 0.75])
        slow = ctx.loc[boot >= q[0.75], "x_digital"].mean()
        fast = ctx.loc[boot <= q[0.25], "x_digital"].mean()
        sentences.append(f"Respondents whose own device boots slowest (top quarter, >= {q[0.75]:.0f} s) score the "
                         f"digital workplace items {slow:.0f}/100, against {fast:.0f} for the fastest quarter.")
    t = segment_context(data)
    formats = {"happiness (0-10)": fmt2, "respondents": lambda v: fmt_number(v, 0), "tickets": lambda v: fmt_number(v, 0)}
    for m in data.params.metrics.values():
        formats[short_label(m)] = fmt_pct if m.unit == "share" else (fmt2 if m.unit.startswith("crashes") else fmt1)
    return Text(sentences or ["No respondent could be linked to tickets or devices."]), Table(
        t, caption="How it felt (X) next to what happened (O) and the technology (T), by department", status=(),
        formats=formats)


def segment_section(data: CycleData, xla_id: str, by: str) -> Table:
    t = segment_gaps(data, xla_id, by)
    t = t[["segment", "n", "score", "status", "diff", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted"]]
    xla = data.params.xlas[xla_id]
    return Table(t.rename(columns={"segment": by}), caption=f"{xla.id} {xla.name} by {by.replace('_', ' ')}",
                 formats={"score": fmt1, "diff": fmt_signed, "diff_ci_low": fmt1,
                          "diff_ci_high": fmt1, "p_value": fmt_p, "p_adjusted": fmt_p,
                          "n": lambda v: fmt_number(v, 0)},
                 labels={"diff": "vs rest", "diff_ci_low": "95% CI low", "diff_ci_high": "95% CI high",
                         "p_value": "p", "p_adjusted": "p (BH)"},
                 note=f"Score includes the segment's own O/T indicators; 'vs rest' compares survey answers with the "
                      f"rest of the organisation (weighted), p adjusted for {t['p_value'].notna().sum()} segments "
                      f"(Benjamini-Hochberg). Groups under {data.params.min_group_size} hidden.")


def drivers_section(data: CycleData) -> tuple[Text, Table, object]:
    d = driver_table(data)
    top = [DRIVER_LABELS.get(i, i) for i in d.index[:2]]
    lead = Text([f"Overall happiness (0-10) is explained to {100 * d.attrs['r2']:.0f}% (R²) by these drivers "
                 f"(n = {d.attrs['n']:,} respondents linked to a ticket and a device). The strongest: "
                 f"{top[0]}, then {top[1]}."])
    t = d.reset_index().assign(driver=lambda f: f["driver"].map(lambda x: DRIVER_LABELS.get(x, x)))
    table = Table(t, caption="Key drivers of happiness (OLS, relative importance by LMG)", status=(),
                  formats={"coef": lambda v: f"{v:.4f}", "se": lambda v: f"{v:.4f}", "p_value": fmt_p, "std_coef": fmt2,
                           "vif": fmt2, "importance": lambda v: f"{v:.3f}", "share": fmt_pct},
                  labels={"std_coef": "standardised", "p_value": "p", "share": "share of R²"},
                  note=f"R² {d.attrs['r2']:.3f}, adjusted {d.attrs['adj_r2']:.3f}. Importance splits R² among the "
                       "drivers (average over all orders of entry) and sums to it.")
    return lead, table, plots.driver_importance(t)


def conclusions_section(data: CycleData) -> Table:
    t = conclusions(data)
    return Table(t.drop(columns=["gap"]), caption="Conclusions: gaps ranked, with evidence and the action each calls for",
                 note="For the experience interpretation lead to sign off. Ranked by the gap to target, largest shortfall first.")


def save_results(data: CycleData, output_dir) -> Text:
    """Mission 2's key results as results-findings.json (schema: :mod:`xmo_analysis.results`)."""
    from . import results
    drv = driver_table(data)
    segs = {x: {by: results.records(segment_gaps(data, x, by)[["segment", "n", "score", "status", "diff", "p_value",
                                                               "p_adjusted", "suppressed"]])
                for by in data.params.segments} for x in data.params.xlas}
    conc = conclusions(data, drv)
    payload = {"xla": results.records(xla_scores(data)), "segments": segs,
               "drivers": {**drv.attrs, "rows": results.records(drv.reset_index())},
               "themes": results.records(theme_table(comments_frame(data), data)),
               "conclusions": results.records(conc)}
    path = results.save(output_dir, "findings", data.cycle, payload,
                        {"drivers": drv.reset_index(), "conclusions": conc}, data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")


class Sections:
    """Several tables shown as one output (HTML concatenation of escaped tables)."""

    def __init__(self, parts):
        self.parts = parts

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self.parts)

    def __repr__(self) -> str:
        return "\n\n".join(repr(p) for p in self.parts)


def segment_sections(data: CycleData, by: tuple[str, ...] = ("department", "location"),
                     every: bool = False) -> Sections:
    """Segment-vs-rest tables for every XLA that is missed or at risk (``every``: for all XLAs)."""
    scores = xla_scores(data)
    short = scores["xla"].tolist() if every else scores.query("status != 'met'")["xla"].tolist()
    if not short:
        return Sections([Text(["Every XLA meets its target: no segment analysis needed."])])
    return Sections([segment_section(data, x, b) for x in short for b in by])
