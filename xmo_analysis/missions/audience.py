"""Audience reports: one group's own report (a department head, a location manager, a service owner).

``notebooks/audience.ipynb`` is run once per group of each audience of params (``audiences:``
in ``xmo.yaml``) whose respondents reach the audience's ``min_respondents``; a smaller group
gets no report and is listed only as "fewer than N responses", never with its count. Every
section returns one :class:`~xmo_analysis.present.display.Section`. The numbers are those of the
organisation-wide reports (the same XLA scoring, design and suppression boundary), cut to
the group.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from xmo_analysis.domain.backlog import prioritise
from xmo_analysis.present.display import Section, Table, Text, fmt1, fmt2, fmt_number, fmt_signed, label
from xmo_analysis.sources.loaders import CycleData
from xmo_analysis.core.params import Audience
from xmo_analysis.core.vocabulary import SCORE_LABELS
from xmo_analysis.domain.text import comments_frame, examples
from xmo_analysis.core.vocabulary import AT_RISK, MISSED
from xmo_analysis.domain.xla import published_hidden, scored_counts, x_points, xla_scores
from xmo_analysis.missions.common import Heading, missing_note
from xmo_analysis.missions.common import journey_parts
from xmo_analysis.domain.journey import journey_table


# ---------------------------------------------------------------- who gets a report
def group_counts(data: CycleData, audience: Audience, cycle: str | None = None) -> pd.Series:
    """Respondents per group of the audience's column in the cycle."""
    resp = data.of_cycle("responses", cycle or data.cycle)
    return resp[audience.column].dropna().astype(str).value_counts().sort_index()


def eligible_groups(data: CycleData, audience: Audience) -> tuple[list[str], list[str]]:
    """(groups that get a report, groups that do not), each sorted by name.

    A group gets no report below the audience's threshold (counting the people behind its
    scores, not only those who took the survey), nor when the suppression boundary hides it (its
    respondents differ by a few people from another published group), nor when it is the label
    params give to blank segment values (``blank_segment``): no leader owns "Unknown".
    """
    counts = group_counts(data, audience)
    scored = scored_counts(data, audience.column)
    scored.index = scored.index.astype(str)
    hidden = {str(lvl) for col, lvl in published_hidden(data) if col == audience.column}
    blank = blank_label(data.params, audience.column)
    ok = sorted(g for g, n in counts.items()
                if min(n, scored.get(g, 0)) >= audience.min_respondents and g not in hidden and g != blank)
    return ok, sorted(g for g in counts.index if g not in ok)


def blank_label(params, column: str) -> str | None:
    """The label params give blank values of a segment column of the survey, if any."""
    spec = ((params.settings.get("sources") or {}).get("responses") or {}).get("blank_segment")
    spec = spec.get(column) if isinstance(spec, dict) else spec
    return None if spec is None else str(spec)


def slugs(groups: list[str]) -> dict[str, str]:
    """Safe, unique file names for group names with spaces, accents, slashes or dots."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for g in groups:
        base = unicodedata.normalize("NFKD", str(g)).encode("ascii", "ignore").decode("ascii").lower()
        base = re.sub(r"[^a-z0-9]+", "-", base).strip("-")[:60] or "group"
        slug, k = base, 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        out[g] = slug
    return out


def _resolve(data: CycleData, audience: str | None, group: str | None) -> tuple[Audience, str]:
    if not data.params.audiences:
        raise ValueError("params define no audiences (audiences: in xmo.yaml).")
    aud = data.params.audience(audience) if audience else data.params.audiences[0]
    ok, small = eligible_groups(data, aud)
    if group is None:
        if not ok:
            raise ValueError(f"no {label(aud.column)} reaches {aud.min_respondents} respondents this cycle.")
        group = ok[0]
    if str(group) not in ok:
        raise ValueError(f"{label(aud.column)} {group!r} has no report this cycle: "
                         + (f"fewer than {aud.min_respondents} responses." if str(group) in small else "no such group."))
    return aud, str(group)


# ---------------------------------------------------------------- sections
def title(data: CycleData, audience: str | None = None, group: str | None = None) -> Heading:
    aud, group = _resolve(data, audience, group)
    c = data.params.cycle(data.cycle)
    return Heading(f"{aud.title}: {group}", f"{c.title} · {label(aud.column)} {group}",
                   f"Cycle {c.id}: {c.start:%d %B %Y} to {c.end:%d %B %Y}")


def scores_section(data: CycleData, audience: str | None = None, group: str | None = None) -> Section:
    """The group's XLA scores with CIs against the organisation and the targets, gaps and status."""
    aud, group = _resolve(data, audience, group)
    policy = data.params.policy
    org = xla_scores(data).set_index("xla")
    by = xla_scores(data, by=aud.column)
    mine = by[by["segment"].astype(str) == group].set_index("xla")
    t = pd.DataFrame({"xla": mine.index, "name": mine["name"], "score": mine["score"], "ci_low": mine["ci_low"],
                      "ci_high": mine["ci_high"], "target": mine["target"], "gap": mine["gap"],
                      "status": mine["status"], "organisation": org.loc[mine.index, "score"],
                      "vs organisation": mine["score"] - org.loc[mine.index, "score"]}).reset_index(drop=True)
    n = int(mine["n"].iloc[0]) if len(mine) else 0
    short = t[t["status"].isin([MISSED, AT_RISK])]["xla"].tolist()
    lead = (f"{n:,} people in {group} answered this cycle. "
            + (f"Short of the ambition: {', '.join(short)}." if short else "Every XLA meets its target here."))
    from xmo_analysis.present import plots  # matplotlib, imported where drawn: the runner plans without it
    return Section([Text([lead]),
                    Table(t, caption=f"XLA scores of {group} against the targets and the organisation",
                          formats={"score": fmt1, "ci_low": fmt1, "ci_high": fmt1, "target": fmt1, "gap": fmt_signed,
                                   "organisation": fmt1, "vs organisation": fmt_signed},
                          labels=policy.ci_labels(),
                          note=f"Met: the whole {policy.ci} is at or above the target; missed: the whole CI is below "
                               "it; otherwise at risk."
                          + (" Scores include the group's own O/T indicators where the operational data know "
                             "the group." if data.params.metrics else "") + missing_note(mine.reset_index())),
                    plots.xla_scores(mine.reset_index(), policy.ci)])


def items_section(data: CycleData, audience: str | None = None, group: str | None = None, top: int = 3) -> Section:
    """The group's strongest and weakest survey items and constructs (0-100), next to the organisation."""
    aud, group = _resolve(data, audience, group)
    resp = data.current("responses").reset_index(drop=True)
    mask = (resp[aud.column].astype(str) == group).to_numpy()
    # every survey measure: scored items, constructs, and Likert items that stand alone (no construct)
    refs = ([i.id for i in data.params.scored_items if i.type != "likert"] + list(data.params.constructs())
            + [i.id for i in data.params.scored_items if i.type == "likert" and not i.construct])
    rows = []
    for ref in refs:
        pts = x_points(resp, data.params, ref)
        mine = pts[mask]
        item = data.params.items.get(ref)
        name = (data.params.construct_label(ref) if ref in data.params.constructs()
                else f"{SCORE_LABELS.get(item.type, ref)}: {item.text}" if item else ref)
        rows.append({"measure": name,
                     "answers": int(np.sum(~np.isnan(mine))), "score (0-100)": float(np.nanmean(mine)),
                     "organisation": float(np.nanmean(pts))})
    t = pd.DataFrame(rows).assign(difference=lambda f: f["score (0-100)"] - f["organisation"])
    t = t[t["answers"] >= data.params.min_group_size].sort_values("score (0-100)", ascending=False, kind="stable")
    formats = {"score (0-100)": fmt1, "organisation": fmt1, "difference": fmt_signed,
               "answers": lambda v: fmt_number(v, 0)}
    note = ("Each item and construct on 0-100 (unweighted means of the group's answers); "
            f"measures with fewer than {data.params.min_group_size} answers are left out.")
    if len(t) <= 2 * top:  # too few measures to split without showing one in both tables
        return Section([Table(t, caption=f"Every survey measure in {group}, highest first", formats=formats,
                              status=(), wide=("measure",), note=note)])
    return Section([Table(t.head(top), caption=f"Strongest in {group}", formats=formats, status=(), wide=("measure",)),
                    Table(t.tail(top).iloc[::-1], caption=f"Weakest in {group}", formats=formats, status=(), wide=("measure",),
                          note=note)])


def trend_section(data: CycleData, audience: str | None = None, group: str | None = None) -> Section:
    """The group's XLA scores across the cycles it has (cycles where it reached the threshold)."""
    aud, group = _resolve(data, audience, group)
    frames = []
    for c in data.params.cycles_up_to(data.cycle):
        if group_counts(data, aud, c).get(group, 0) < aud.min_respondents:
            continue
        s = xla_scores(data, cycle=c, by=aud.column)
        frames.append(s[(s["segment"].astype(str) == group) & ~s["suppressed"]].assign(cycle=c))
    if len(frames) < 2:
        return Section([Text([f"{group} has results for one cycle so far: no trend yet."])])
    t = pd.concat(frames, ignore_index=True)
    table = t[["xla", "cycle", "score", "ci_low", "ci_high", "status"]]
    from xmo_analysis.present import plots  # matplotlib, imported where drawn: the runner plans without it
    return Section([plots.xla_trend(t),
                    Table(table, caption=f"{group} across cycles", formats={"score": fmt1, "ci_low": fmt1,
                                                                            "ci_high": fmt1},
                          labels=data.params.policy.ci_labels(),
                          note=f"Cycles where {group} had fewer than {aud.min_respondents} responses are left out.")])


def comments_section(data: CycleData, audience: str | None = None, group: str | None = None) -> Section:
    """Example comments of the group (redacted), only when it reaches the comment threshold."""
    aud, group = _resolve(data, audience, group)
    c = comments_frame(data)
    if c.empty or aud.column not in c:
        return Section([Text(["No comments this cycle (or the survey has no free-text item)."])])
    mine = c[c[aud.column].astype(str) == group]
    need = data.params.min_comment_group
    if len(mine) < need:
        return Section([Text([f"Fewer than {need} comments from {group}: none are shown, so that no one can be "
                              "recognised by what they wrote."])])
    ex = pd.concat([examples(mine, need, kind="negative", n=3).assign(tone="complaint"),
                    examples(mine, need, kind="positive", n=2).assign(tone="compliment")], ignore_index=True)
    share = (mine["sentiment"] == "negative").mean()
    return Section([Text([f"{len(mine):,} comments from {group}; {100 * share:.0f}% negative."]),
                    Table(ex[["tone", "comment", "compound"]], caption=f"What people in {group} wrote (redacted)",
                          formats={"compound": fmt2}, status=(), wide=("comment",))])


def backlog_section(data: CycleData, audience: str | None = None, group: str | None = None) -> Section:
    """Open backlog items linked to the XLAs that the group misses or is at risk on."""
    aud, group = _resolve(data, audience, group)
    s = xla_scores(data, by=aud.column)
    mine = s[(s["segment"].astype(str) == group) & ~s["suppressed"]]
    status = dict(zip(mine["xla"], mine["status"]))
    short = [x for x, st in status.items() if st in (MISSED, AT_RISK)]
    if not data.has("backlog"):
        return Section([Text(["No improvement backlog in params (sources.backlog)."])])
    if data.backlog is None or len(data.backlog) == 0 or not short:
        return Section([Text(["No open backlog item serves a gap of this group."
                              if short else f"{group} meets every target: no gap for the backlog to close."])])
    ranked = prioritise(data.backlog, xla_status=status, lift=data.params.policy.backlog_lift)
    ranked = ranked[ranked["xla"].isin(short)]
    if ranked.empty:
        return Section([Text([f"No open backlog item is linked to {', '.join(short)} yet."])])
    ranked = ranked.assign(item=ranked["item_id"] + " " + ranked["title"])
    return Section([Table(ranked[["item", "xla", "status", "owner", "rice", "wsjf"]].head(8),
                          caption=f"Backlog items that serve the gaps of {group}", status=(), wide=("item",),
                          formats={"rice": lambda v: fmt_number(v, 0), "wsjf": fmt2})])


def journey_section(data: CycleData, audience: str | None = None, group: str | None = None) -> Section:
    """The group's own journey: its respondents' score at each stage in journey order, with CIs,
    gaps and the weakest stage marked; stages with too few of the group's respondents hidden."""
    aud, group = _resolve(data, audience, group)
    if data.params.journey is None:
        return Section([Text(["Params declare no journey (analysis.journey in xmo.yaml): no journey map."])])
    return Section(journey_parts(data, journey_table(data, within=(aud.column, group)), who=group))


def statuses(data: CycleData, audience: Audience) -> dict[str, dict[str, str]]:
    """Group -> {XLA: status} for every group that gets a report (the portal's table)."""
    ok, _ = eligible_groups(data, audience)
    s = xla_scores(data, by=audience.column)
    s = s[s["segment"].astype(str).isin(ok) & ~s["suppressed"]]
    return {g: dict(zip(f["xla"], f["status"])) for g, f in s.groupby(s["segment"].astype(str))}


__all__ = ["eligible_groups", "slugs", "statuses", "title", "scores_section", "items_section", "trend_section",
           "comments_section", "backlog_section", "journey_section"]
