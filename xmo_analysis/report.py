"""Report sections: what each mission notebook cell shows, as tables, sentences and figures.

A notebook cell is one call to a function here; each function takes the validated
:class:`~xmo_analysis.loaders.CycleData` and returns something the notebook displays. The
numbers come from the tested statistics modules; this module only chooses, orders and words them.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from . import plots
from .backlog import prioritise
from .comparisons import compare
from .display import Cards, Table, Text, fmt1, fmt2, fmt_number, fmt_p, fmt_pct, fmt_signed
from .loaders import CycleData
from .privacy import small_groups
from .validity import margin_of_error, representativeness
from .xla import cycle_points, cycle_weights, indicator_table, xla_scores, xla_trend



def title(data: CycleData, mission: str) -> "Heading":
    """The report's title block: the mission, the cycle's title and its period."""
    c = data.params.cycle(data.cycle)
    org = data.params.settings.get("organisation", "")
    return Heading(mission, f"{c.title} · {org}".strip(" ·"), f"Cycle {c.id}: {c.start:%d %B %Y} to {c.end:%d %B %Y}")


class Heading:
    def __init__(self, title: str, subtitle: str, period: str):
        self.title, self.subtitle, self.period = title, subtitle, period

    def _repr_html_(self) -> str:
        e = html.escape
        return (f'<header class="report-title"><h1>{e(self.title)}</h1><p class="subtitle">{e(self.subtitle)}</p>'
                f'<p class="period">{e(self.period)}</p></header>')

    def __repr__(self) -> str:
        return f"{self.title}\n{self.subtitle}\n{self.period}"


# ---------------------------------------------------------------- mission 1: measures
def inventory(data: CycleData) -> Table:
    """X, O and T sources for the cycle: rows, period covered, and whether a source is late."""
    c = data.params.cycle(data.cycle)
    rows = []
    for kind, name, stamp in (("X", "responses", "submitted_at"), ("O", "tickets", "opened_at"),
                              ("T", "telemetry", "date")):
        cur = data.current(name)
        if hasattr(cur, "first"):  # aggregated telemetry
            first, last = (pd.Timestamp(cur.first), pd.Timestamp(cur.last)) if len(cur) else (None, None)
        else:
            first = cur[stamp].min() if len(cur) else None
            last = cur[stamp].max() if len(cur) else None
        # O and T data should run to the end of the period (less a week's grace); X only in its window.
        due = pd.Timestamp(c.end) - pd.Timedelta(days=7)
        status = "missing" if len(cur) == 0 else ("late" if kind != "X" and last < due else "ok")
        total = (sum(len(t) for t in data.telemetry_summary.values()) if name == "telemetry" and data.telemetry_summary
                 else len(getattr(data, name)))
        rows.append({"type": kind, "source": name, "rows in cycle": len(cur), "rows, all cycles": total,
                     "first": first.date().isoformat() if first is not None else None,
                     "last": last.date().isoformat() if last is not None else None, "status": status})
    rows.append({"type": "frame", "source": "population", "rows in cycle": len(data.population),
                 "rows, all cycles": len(data.population), "first": None, "last": None, "status": "ok"})
    rows.append({"type": "act", "source": "backlog", "rows in cycle": len(data.backlog),
                 "rows, all cycles": len(data.backlog), "first": None, "last": None, "status": "ok"})
    return Table(pd.DataFrame(rows), caption=f"Data inventory, {c.id} ({c.start} to {c.end})",
                 formats={"rows in cycle": lambda v: fmt_number(v, 0), "rows, all cycles": lambda v: fmt_number(v, 0)})


def headline(data: CycleData) -> Cards:
    """Respondents, population, response rate and the margin of error of a share."""
    n = len(data.current("responses"))
    N = int(data.population["headcount"].sum())
    moe = margin_of_error(n, N) if n else float("nan")
    return Cards([("Respondents", fmt_number(n, 0), f"cycle {data.cycle}", None),
                  ("Population", fmt_number(N, 0), "headcount in the frame", None),
                  ("Response rate", fmt_pct(n / N), "respondents / headcount", None),
                  ("Margin of error", f"± {100 * moe:.1f} pts", "95%, a share of 50%, with FPC", None)])


def response_rates(data: CycleData, by: str) -> tuple[Table, object]:
    """Response rate and sample vs population share per segment, with the representativeness test."""
    resp = data.current("responses")
    pop = data.population.groupby(by)["headcount"].sum()
    rep = representativeness(resp[by].value_counts(), pop)
    t = rep.table.rename_axis(by).reset_index()
    hide = small_groups(t["respondents"], data.params.min_group_size).to_numpy()
    for col in ("respondents", "sample_share", "response_rate"):
        t[col] = t[col].astype(object)
        t.loc[hide, col] = np.nan
    t["margin of error"] = [np.nan if h else margin_of_error(int(r), int(N)) if r else np.nan
                            for h, r, N in zip(hide, rep.table["respondents"], rep.table["headcount"])]
    verdict = ("differ from" if rep.p_value < 0.05 else "are consistent with")
    pct = lambda v: fmt_pct(v)  # noqa: E731
    table = Table(t, caption=f"Response rate by {by.replace('_', ' ')}",
                  formats={"sample_share": pct, "population_share": pct, "response_rate": pct,
                           "margin of error": lambda v: "—" if pd.isna(v) else f"± {100 * v:.1f} pts",
                           "respondents": lambda v: fmt_number(v, 0), "headcount": lambda v: fmt_number(v, 0)},
                  labels={"sample_share": "share of respondents", "population_share": "share of population",
                          "response_rate": "response rate"},
                  note=f"Respondents' shares {verdict} the population's (chi-square {rep.chi2:.1f}, "
                       f"df {rep.df}, p {fmt_p(rep.p_value)}). Groups under {data.params.min_group_size} "
                       "respondents are hidden.")
    shown = t.assign(sample_share=t["sample_share"].astype(float))
    return table, plots.response_rates(shown, by)


def indicators(data: CycleData) -> Table:
    """O and T indicators of the cycle and their attainment of target."""
    t = indicator_table(data, data.params)
    return Table(t[["label", "source", "value", "unit", "target", "better", "attainment"]],
                 caption="Operational (O) and telemetry (T) indicators", formats={"value": fmt2, "target": fmt2, "attainment": fmt1},
                 labels={"attainment": "attainment (0-100)", "better": "better when"})


# ---------------------------------------------------------------- mission 2: findings
def xla_gaps(data: CycleData) -> tuple[Table, object]:
    """Every XLA's score with its CI, target, gap, status and the one-sided test of meeting it."""
    s = xla_scores(data)
    t = s[["xla", "name", "score", "ci_low", "ci_high", "target", "gap", "p_meets", "status", "n"]]
    return (Table(t, caption=f"XLA scores and gaps to target, {data.cycle}",
                  formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "target": fmt1, "gap": lambda v: f"{v:+.1f}",
                           "p_meets": fmt_p, "n": lambda v: fmt_number(v, 0)},
                  labels={"ci_low": "95% CI low", "ci_high": "95% CI high", "p_meets": "p (meets target)"},
                  note="Met: the whole 95% CI is at or above the target; missed: the whole CI is below it; "
                       "otherwise at risk."),
            plots.xla_scores(s))


def gaps_by(data: CycleData, by: str) -> Table:
    """Each XLA's gap by segment; small groups hidden (with complementary suppression)."""
    s = xla_scores(data, by=by)
    wide = s.pivot(index="segment", columns="xla", values="gap")
    n = s.groupby("segment")["n"].first()
    status = s.pivot(index="segment", columns="xla", values="status")
    t = pd.DataFrame({by: wide.index.astype(str), "n": [int(v) if not s.loc[s.segment == k, "suppressed"].iloc[0]
                                                        else f"< {data.params.min_group_size}" for k, v in n.items()]})
    order = [x for x in data.params.xlas if x in wide.columns]
    wide = wide[order]
    for xid in order:
        t[xid] = [None if pd.isna(g) else f"{g:+.1f} ({st})" for g, st in zip(wide[xid], status[xid])]
    return Table(t, caption=f"Gap to target by {by.replace('_', ' ')} (points; status in brackets)",
                 formats={c: (lambda v: "hidden" if v is None else str(v)) for c in wide.columns})


# ---------------------------------------------------------------- mission 3: manage
def scorecard_frame(data: CycleData) -> pd.DataFrame:
    """Current XLA scores with the change since the previous cycle and its test.

    The change is the difference of the two cycles' (weighted) XLA scores, tested as two
    independent samples (Welch t unweighted; z on the linearised SEs when weighted).
    """
    s = xla_scores(data)
    prev = data.params.cycle(data.cycle).previous
    changes = []
    prior = xla_scores(data, cycle=prev) if prev and prev in data.params.cycles else None
    for xla in data.params.xlas.values():
        if prior is None:
            changes.append((np.nan, np.nan, np.nan))
            continue
        prior_score = float(prior.loc[prior.xla == xla.id, "score"].iloc[0])
        c = compare(cycle_points(data, xla.id, data.cycle), cycle_points(data, xla.id, prev),
                    weights_a=cycle_weights(data, data.cycle), weights_b=cycle_weights(data, prev))
        changes.append((prior_score, c.diff, c.p_value))
    s["previous"], s["change"], s["p_change"] = zip(*changes)
    return s


def scorecard(data: CycleData) -> Table:
    s = scorecard_frame(data)
    t = s[["xla", "name", "status", "score", "ci_low", "ci_high", "target", "previous", "change", "p_change"]]
    return Table(t, caption=f"XLA scorecard, {data.cycle}",
                 formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "target": fmt1, "previous": fmt1,
                          "change": fmt_signed, "p_change": fmt_p},
                 labels={"ci_low": "95% CI low", "ci_high": "95% CI high", "p_change": "p (change)",
                         "previous": "last cycle"},
                 note="Scores weighted to the population (raking). Change: difference to the previous cycle "
                      "with its two-sample test.")


def summary(data: CycleData) -> Text:
    """The executive summary in plain sentences, generated from the scorecard."""
    s = scorecard_frame(data)
    n = len(s)
    counts = s["status"].value_counts()
    out = [f"{counts.get('met', 0)} of {n} XLAs met their target in {data.cycle}; "
           f"{counts.get('at risk', 0)} at risk and {counts.get('missed', 0)} missed."]
    for row in s.sort_values("gap").itertuples():
        if row.status == "met":
            continue
        out.append(f"{row.name} ({row.xla}) is {row.status}: {row.score:.1f} against a target of {row.target:.0f} "
                   f"(95% CI {row.ci_low:.1f} to {row.ci_high:.1f}).")
    moved = s[(s["p_change"] < 0.05)]
    for row in moved.itertuples():
        direction = "rose" if row.change > 0 else "fell"
        out.append(f"{row.name} {direction} by {abs(row.change):.1f} points since the last cycle (p {fmt_p(row.p_change)}).")
    from .manage import initiative_effects
    eff = initiative_effects(data).dropna(subset=["did"])
    for r in eff[eff["p_did"] < 0.05].itertuples():
        out.append(f"Initiative {r.item_id} ({r.title}) raised {r.xla} by {r.did:.1f} points where it was rolled out "
                   f"({r.scope}), against untouched segments (95% CI {r.did_ci_low:.1f} to {r.did_ci_high:.1f}).")
    return Text(out, bullets=True, css="summary")


def trend(data: CycleData):
    return plots.xla_trend(xla_trend(data))


def backlog(data: CycleData, by: str = "rice", top: int = 12) -> tuple[Table, object]:
    """The open backlog ranked by RICE (or WSJF), lifted where it serves a missed or at-risk XLA."""
    status = dict(zip(*xla_scores(data)[["xla", "status"]].T.values))
    ranked = prioritise(data.backlog, by=by, xla_status=status)
    ranked["item"] = ranked["item_id"] + " " + ranked["title"]
    ranked["created"] = ranked["created"].dt.strftime("%Y-%m-%d")
    t = ranked[["rank", "item", "xla", "kano", "status", "owner", "created", "rice", "wsjf", "lifted"]].head(top)
    return (Table(t, caption=f"Improvement backlog, ranked by {by.upper()} (top {min(top, len(ranked))} of {len(ranked)} open)",
                  formats={"rice": lambda v: fmt_number(v, 0), "wsjf": fmt2, "rank": lambda v: fmt_number(v, 0)},
                  status=(), labels={"lifted": "serves a gap"}, wide=("item",),
                  note="Items linked to a missed or at-risk XLA have their score multiplied by 1.5 ('serves a gap')."),
            plots.backlog_matrix(ranked))
