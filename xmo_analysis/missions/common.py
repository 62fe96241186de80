"""What every mission report shares: its title block, and the sentence on indicators without data.

Sections live in their mission's module (``measures``, ``findings``, ``manage``); this module
holds only what more than one mission shows.
"""
from __future__ import annotations

import html

import pandas as pd

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
