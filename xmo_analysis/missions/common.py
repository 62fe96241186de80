"""What every mission report shares: its title block, and the sentence on indicators without data.

Sections live in their mission's module (``measures``, ``findings``, ``manage``); this module
holds only what more than one mission shows.
"""
from __future__ import annotations

import html

import pandas as pd

from xmo_analysis.present.display import Table, Text, fmt1, fmt_number, fmt_p, fmt_quantity, fmt_signed, label
from xmo_analysis.sources.loaders import CycleData


def title(data: CycleData, mission: str) -> "Heading":
    """The report's title block: the mission's title (params' registry), the cycle and its period.

    ``mission`` is a mission id of params (``missions:`` in ``xmo.yaml``); any other text is
    used as the title itself (a notebook not in the registry, run by hand).
    """
    c = data.params.cycle(data.cycle)
    titles = {m.id: m.title for m in data.params.missions}
    org = data.params.settings.get("organisation", "")
    return Heading(titles.get(mission, mission), f"{c.title} · {org}".strip(" ·"),
                   f"Cycle {c.id}: {c.start:%d %B %Y} to {c.end:%d %B %Y}")


class Heading:
    def __init__(self, title: str, subtitle: str, period: str):
        self.title, self.subtitle, self.period = title, subtitle, period

    def _repr_html_(self) -> str:
        e = html.escape
        return (f'<header class="report-title"><h1>{e(self.title)}</h1><p class="subtitle">{e(self.subtitle)}</p>'
                f'<p class="period">{e(self.period)}</p></header>')

    def __repr__(self) -> str:
        return f"{self.title}\n{self.subtitle}\n{self.period}"


def missing_note(scores: pd.DataFrame) -> str:
    """A sentence naming the indicators without data, if any (they are unknown, never zero)."""
    gone = scores[scores["missing"].fillna("") != ""] if "missing" in scores else scores.iloc[:0]
    if gone.empty:
        return ""
    parts = [f"{r.xla} without {r.missing}" for r in gone.itertuples()]
    return (" Scored from the indicators with data (weights renormalised): " + "; ".join(parts) + ".")



def open_cycle(project_dir, cycle: str | None = None) -> CycleData:
    """The validated cycle for a notebook: the runner's shared snapshot when there is one for this
    project and cycle (:mod:`xmo_analysis.sources.snapshot`), else loaded from the sources.
    ``cycle`` None means the latest cycle of params (by start date), so a notebook opened by
    hand in JupyterLab runs on any project."""
    from pathlib import Path

    from xmo_analysis.core.params import load_params
    from xmo_analysis.sources import snapshot
    from xmo_analysis.sources.loaders import load_cycle
    if cycle is None:
        params = load_params(Path(project_dir) / "params")
        cycle = max(params.cycles.values(), key=lambda c: (c.start, c.id)).id
    shared = snapshot.opened(project_dir, cycle)
    return shared if shared is not None else load_cycle(project_dir, cycle)


def journey_parts(data: CycleData, t: pd.DataFrame, who: str | None = None) -> list:
    """The journey map's sentence, table and figure from :func:`~xmo_analysis.domain.journey.journey_table`
    (mission 2: the organisation; audience reports: ``who``, one group's own journey)."""
    params = data.params
    spec = params.journey
    policy = params.policy
    min_n = params.min_group_size
    where = f" in {who}" if who else ""
    w = t[t["weakest"]]
    if w.empty:
        lead = f"No stage of the journey has enough respondents{where} to show a score this cycle."
    else:
        r = w.iloc[0]
        target = "" if pd.isna(r["target"]) else f" against a target of {r['target']:.0f} ({r['status']})"
        if pd.isna(r["diff"]):
            versus = "."
        else:
            versus = (f"; {r['diff']:+.1f} points against the rest of the journey ({policy.ci} {r['diff_ci_low']:+.1f} "
                      f"to {r['diff_ci_high']:+.1f}, p (BH) {fmt_p(r['p_adjusted'])}): "
                      + ("a pain point." if t.attrs.get("pain_point") else "not significantly below the other stages."))
        lead = (f"Weakest stage{where}: {r['stage']} (stage {r['order']} of {len(t)}), {t.attrs['score']} "
                f"{r['score']:.1f} ({policy.ci} {r['ci_low']:.1f} to {r['ci_high']:.1f}){target}{versus}")
    cols = ["order", "stage", "responses", "tickets", "score", "ci_low", "ci_high", "gap", "status", "diff",
            "p_adjusted"]
    metrics = [params.metrics[m] for m in spec.metrics]
    shown = t[cols + [m.id for m in metrics]].copy()
    shown["responses"] = [f"< {min_n}" if h else v for h, v in zip(t["suppressed"], t["responses"])]
    shown.insert(2, "weakest", ["weakest" if x else "" for x in t["weakest"]])
    formats = {"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "gap": fmt_signed, "diff": fmt_signed,
               "p_adjusted": fmt_p, "tickets": lambda v: fmt_number(v, 0), "responses": lambda v: fmt_number(v, 0),
               "order": lambda v: fmt_number(v, 0)}
    for m in metrics:
        formats[m.id] = lambda v, unit=m.unit: fmt_quantity(v, unit)
    labels = {**policy.ci_labels(), "diff": "vs rest of journey", "p_adjusted": "p (BH)", "order": "#",
              "tickets": "tickets at the stage (all)" if who else "tickets", **{m.id: m.label for m in metrics}}
    undeclared = t.attrs.get("undeclared") or []
    note = (f"Stages in journey order (params). Score: {t.attrs['score']}"
            + (", its O indicators from the stage's own tickets where they know the stage" if spec.score in params.xlas else "")
            + f"; 'vs rest of journey' compares survey answers with the other stages{where} "
            f"({'weighted, design-based' if t.attrs.get('weighted') else 'Welch t'}), p adjusted over the stages shown "
            "(Benjamini-Hochberg). Weakest: the lowest score among the stages shown; a pain point when it is also "
            f"significantly below the rest. Stages with fewer than {min_n} respondents are hidden (with one more when "
            "only one is small). O indicators: over the tickets at each stage"
            + (" (every ticket at the stage, not only the group's)" if who else "")
            + "; '—' when the tickets do not record the stage."
            + (f" Responses at stages the journey does not declare are left out ({', '.join(undeclared)})."
               if undeclared else ""))
    # two tables, so that each fits the width of an A4 page: the survey side, then the O indicators
    survey = shown.drop(columns=[m.id for m in metrics])
    ops = shown[["order", "stage", "tickets", *[m.id for m in metrics]]]
    parts = [Text([lead]),
             Table(survey, caption=f"Journey map{where}: {t.attrs['score']} by {label(spec.column)}, {data.cycle}",
                   formats=formats, labels=labels, note=note)]
    if metrics:
        parts.append(Table(ops, caption=f"Operational indicators by {label(spec.column)}{where}, {data.cycle}",
                           formats=formats, labels=labels))
    from xmo_analysis.present import plots  # matplotlib, imported where drawn: the runner plans without it
    return parts + [plots.journey_map(t, policy.ci, t.attrs["score"], min_n)]
