"""Mission 3 — manage experience: trends, control charts, initiative outcomes, openness.

Computations return DataFrames (tested); ``*_section`` functions wrap them for the notebook.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from . import plots
from .comparisons import compare
from .display import Table, Text, fmt1, fmt_number, fmt_p, fmt_pct, fmt_signed
from .loaders import CycleData
from .text import examples
from .xla import cycle_points, cycle_weights, xla_scores



def points(data: CycleData, xla_id: str, cycle: str) -> pd.DataFrame:
    """The cycle's responses with the per-response XLA variable (organisation-level O/T part)."""
    resp = data.of_cycle("responses", cycle).reset_index(drop=True)
    return resp.assign(points=cycle_points(data, xla_id, cycle))


# ---------------------------------------------------------------- trends
def trend_table(data: CycleData) -> pd.DataFrame:
    """Every XLA in every cycle: score, CI, change vs the previous cycle with its test."""
    cycles = data.params.cycles_up_to(data.cycle)
    rows = []
    for xla_id in data.params.xlas:
        prev = None
        for c in cycles:
            s = xla_scores(data, cycle=c).set_index("xla").loc[xla_id]
            row = {"xla": xla_id, "cycle": c, "score": s["score"], "se": s["se"], "ci_low": s["ci_low"],
                   "ci_high": s["ci_high"], "target": s["target"], "status": s["status"], "change": np.nan,
                   "p_change": np.nan}
            if prev is not None:
                cmp = compare(points(data, xla_id, c)["points"], points(data, xla_id, prev)["points"],
                              weights_a=cycle_weights(data, c), weights_b=cycle_weights(data, prev))
                row.update(change=cmp.diff, p_change=cmp.p_value)
            rows.append(row)
            prev = c
    return pd.DataFrame(rows)


def slope(data: CycleData, xla_id: str) -> dict:
    """OLS slope of the per-response XLA variable on the cycle index, with its 95% CI (HC1 SEs)."""
    cycles = data.params.cycles_up_to(data.cycle)
    frame = pd.concat([points(data, xla_id, c).assign(t=k) for k, c in enumerate(cycles)], ignore_index=True)
    fit = smf.ols("points ~ t", data=frame.dropna(subset=["points"])).fit(cov_type="HC1")
    lo, hi = fit.conf_int().loc["t"]
    return {"xla": xla_id, "slope per cycle": float(fit.params["t"]), "ci_low": float(lo), "ci_high": float(hi),
            "p_value": float(fit.pvalues["t"]), "cycles": len(cycles), "n": int(fit.nobs)}


def control_limits(trend: pd.DataFrame) -> pd.DataFrame:
    """Control chart per XLA: centre line = mean of the cycle scores; limits = centre +/- 3 SE of each
    cycle's score (a chart with varying sample sizes, like a p-chart); points outside flagged."""
    out = trend.copy()
    out["centre"] = out.groupby("xla")["score"].transform("mean")
    out["lcl"] = out["centre"] - 3 * out["se"]
    out["ucl"] = out["centre"] + 3 * out["se"]
    out["outside"] = (out["score"] < out["lcl"]) | (out["score"] > out["ucl"])
    return out


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
    OLS ``points ~ treated * after`` with HC1 standard errors; the interaction is the effect.
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
        ba = compare(frame.loc[frame["after"] == 1, "points"], frame.loc[frame["after"] == 0, "points"])
        row.update({"before": frame.loc[frame["after"] == 0, "points"].mean(),
                    "after": frame.loc[frame["after"] == 1, "points"].mean(), "change": ba.diff,
                    "change_ci_low": ba.ci_low, "change_ci_high": ba.ci_high, "p_change": ba.p_value})
        scope = [s for s in str(item.scope or "").split(";") if s and s != "nan"]
        col = _scope_column(data, scope) if scope else None
        if col:
            frame["treated"] = frame[col].isin(scope).astype(int)
            if frame["treated"].nunique() == 2:
                fit = smf.ols("points ~ treated * after", data=frame).fit(cov_type="HC1")
                lo, hi = fit.conf_int().loc["treated:after"]
                row.update({"scope": f"{col}: {', '.join(scope)}", "did": float(fit.params["treated:after"]),
                            "did_ci_low": float(lo), "did_ci_high": float(hi),
                            "p_did": float(fit.pvalues["treated:after"])})
        rows.append(row)
    cols = ["item_id", "title", "xla", "released", "cycles before", "cycles after", "before", "after", "change",
            "change_ci_low", "change_ci_high", "p_change", "scope", "did", "did_ci_low", "did_ci_high", "p_did", "note"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- openness
def openness(data: CycleData, comments: pd.DataFrame, by: str = "channel") -> pd.DataFrame:
    """Compliments (positive comments) and complaints (negative) per segment; small groups hidden."""
    g = comments.groupby(by)
    t = pd.DataFrame({"comments": g.size(), "compliments": g["sentiment"].apply(lambda s: (s == "positive").sum()),
                      "complaints": g["sentiment"].apply(lambda s: (s == "negative").sum())}).reset_index()
    hide = t["comments"] < data.params.min_comment_group
    t.loc[hide, ["compliments", "complaints"]] = np.nan
    t["complaint share"] = t["complaints"] / t["comments"]
    return t


# ---------------------------------------------------------------- sections
def trends_section(data: CycleData) -> tuple[Table, Table, object]:
    trend = trend_table(data)
    shown = trend[trend["cycle"] != trend["cycle"].iloc[0]] if trend["cycle"].nunique() > 1 else trend
    t1 = Table(shown[["xla", "cycle", "score", "ci_low", "ci_high", "status", "change", "p_change"]],
               caption="Change from one cycle to the next",
               formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "change": fmt_signed,
                        "p_change": fmt_p},
               labels={"ci_low": "95% CI low", "ci_high": "95% CI high", "p_change": "p (change)"})
    slopes = pd.DataFrame([slope(data, x) for x in data.params.xlas])
    t2 = Table(slopes, caption="Trend over all cycles (OLS slope per cycle)", status=(),
               formats={"slope per cycle": lambda v: f"{v:+.2f}", "ci_low": lambda v: f"{v:+.2f}",
                        "ci_high": lambda v: f"{v:+.2f}", "p_value": fmt_p, "n": lambda v: fmt_number(v, 0)},
               labels={"ci_low": "95% CI low", "ci_high": "95% CI high", "p_value": "p"},
               note="Slope of the per-response XLA score on the cycle number, heteroscedasticity-robust (HC1) SEs.")
    return t1, t2, plots.control_chart(control_limits(trend))


def initiatives_section(data: CycleData) -> tuple[Text, Table]:
    eff = initiative_effects(data)
    sentences = []
    for r in eff.dropna(subset=["did"]).itertuples():
        verdict = "a significant" if r.p_did < 0.05 else "no significant"
        sentences.append(f"{r.item_id} {r.title} ({r.scope}) shows {verdict} effect on {r.xla}: "
                         f"{r.did:+.1f} points against untouched segments (difference-in-differences, 95% CI "
                         f"{r.did_ci_low:+.1f} to {r.did_ci_high:+.1f}, p {fmt_p(r.p_did)}).")
    ci = lambda lo, hi: "—" if pd.isna(lo) else f"{lo:+.1f} to {hi:+.1f}"  # noqa: E731
    t = eff.assign(change_ci=[ci(a, b) for a, b in zip(eff["change_ci_low"], eff["change_ci_high"])],
                   did_ci=[ci(a, b) for a, b in zip(eff["did_ci_low"], eff["did_ci_high"])])
    t = t[["item_id", "xla", "released", "before", "after", "change", "change_ci", "p_change", "scope", "did",
           "did_ci", "p_did"]]
    return (Text(sentences or ["No released initiative has a full cycle before and after it yet."]),
            Table(t, caption="Initiative outcomes on their linked XLA", status=(),
                  formats={"before": fmt1, "after": fmt1, "change": fmt_signed, "p_change": fmt_p, "did": fmt_signed, "p_did": fmt_p},
                  labels={"did": "DiD effect", "did_ci": "DiD 95% CI", "change_ci": "95% CI",
                          "p_did": "p (DiD)", "p_change": "p (change)", "item_id": "item"},
                  note="Before/after: all respondents, Welch t. DiD: in-scope segments against untouched ones, "
                       "OLS with interaction and HC1 SEs; it removes changes that happened everywhere."))


def openness_section(data: CycleData, comments: pd.DataFrame) -> tuple[Table, Table]:
    t = openness(data, comments)
    ex = pd.concat([examples(comments, data.params.min_comment_group, kind="positive", n=3).assign(kind="compliment"),
                    examples(comments, data.params.min_comment_group, kind="negative", n=3).assign(kind="complaint")],
                   ignore_index=True)
    return (Table(t, caption="Compliments and complaints by channel", status=(),
                  formats={"complaint share": lambda v: fmt_pct(v), "comments": lambda v: fmt_number(v, 0),
                           "compliments": lambda v: fmt_number(v, 0), "complaints": lambda v: fmt_number(v, 0)},
                  note=f"Counts hidden for channels with fewer than {data.params.min_comment_group} comments."),
            Table(ex[["kind", "comment"]], caption="What people wrote (redacted)", status=()))


def save_results(data: CycleData, output_dir) -> Text:
    """Mission 3's key results as results-manage.json (schema: :mod:`xmo_analysis.results`)."""
    from . import results
    from .backlog import prioritise
    from .findings import comments_frame
    from .report import scorecard_frame, summary
    card = scorecard_frame(data)
    trend = trend_table(data)
    ranked = prioritise(data.backlog, xla_status=dict(zip(card["xla"], card["status"])))
    eff = initiative_effects(data)
    payload = {"xla": results.records(card), "summary": summary(data).sentences,
               "trend": results.records(trend), "slopes": [slope(data, x) for x in data.params.xlas],
               "backlog": results.records(ranked[["rank", "item_id", "title", "xla", "status", "rice", "wsjf",
                                                  "lifted", "priority"]]),
               "initiatives": results.records(eff),
               "openness": results.records(openness(data, comments_frame(data)))}
    path = results.save(output_dir, "manage", data.cycle, payload,
                        {"scorecard": card, "backlog": ranked.drop(columns=["created", "released"]), "initiatives": eff},
                        data.params.min_group_size)
    return Text([f"Key results saved to {path.name}." if path else "No output folder: results not saved."], css="muted")
