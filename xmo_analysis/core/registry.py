"""What a cycle runs and analyses, and the XMO's policy: the mission registry, audiences, mission 2's
analysis choices, and their checks at load (used by :mod:`xmo_analysis.core.params`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xmo_analysis.core.exceptions import Problem
from xmo_analysis.core.vocabulary import OTHER_CHANNELS

CYCLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Mission:
    """One notebook of the cycle: ``id`` (also the report's file stem), its notebook under
    ``notebooks/`` and the title readers see (portal, report heading, PDF running title)."""

    id: str
    notebook: str
    title: str


@dataclass(frozen=True)
class Audience:
    """Readers who get a report on their own group: every level of ``column`` (a segment) with at
    least ``min_respondents`` respondents in the cycle gets one, from ``notebook`` (default
    ``audience.ipynb``) run with the parameters ``audience`` and ``group``."""

    id: str
    column: str
    min_respondents: int
    title: str
    notebook: str = "audience.ipynb"


# The three missions of the XMO, used when params list none.
DEFAULT_MISSIONS = (Mission("1_measures", "1_measures.ipynb", "Managing experience measures"),
                    Mission("2_findings", "2_findings.ipynb", "Interpret and action findings"),
                    Mission("3_manage", "3_manage.ipynb", "Manage experience"))


@dataclass(frozen=True)
class Analysis:
    """What mission 2 analyses (``analysis:`` in ``xmo.yaml``; defaults from the instrument).

    outcome : the overall-experience item whose drivers are sought (default: the first item of
        type happiness, nps, csat or ces, in that order).
    drivers : candidate drivers: construct names and O/T metric ids (default: every construct
        and every O/T metric that is not a rate).
    log_drivers : metric ids entered as their logarithm (skewed durations).
    breakdowns : segment columns compared with the rest of the organisation (default: the
        population segments, else the first two segments).
    context_by : the segment column of the X-O-T context table (default: the first breakdown).
    openness_by : the segment column of compliments and complaints (default: the first segment
        that is not a breakdown, else the first breakdown).
    waste : ticket metric ids of the overhead and waste table (lean service management: reopens,
        reassignments, hours waiting; default: none, the table is left out).
    waste_by : the segment column of the waste table (default: ``context_by``).
    """

    outcome: str | None
    drivers: tuple[str, ...]
    log_drivers: tuple[str, ...]
    breakdowns: tuple[str, ...]
    context_by: str | None
    openness_by: str | None
    waste: tuple[str, ...] = ()
    waste_by: str | None = None


OUTCOME_TYPES = ("happiness", "nps", "csat", "ces")


def _analysis(raw: dict, items: dict, metrics: dict, segments: list, population_segments: list,
              constructs: dict) -> Analysis:
    outcome = raw.get("outcome")
    if outcome is None:
        outcome = next((i.id for t in OUTCOME_TYPES for i in items.values() if i.type == t), None)
    drivers = raw.get("drivers")
    if drivers is None:
        drivers = list(constructs) + [m for m, v in metrics.items() if v.aggregation != "rate"]
    breakdowns = raw.get("breakdowns")
    if breakdowns is None:
        breakdowns = [s for s in population_segments if s in segments] or list(segments[:2])
    context_by = raw.get("context_by") or (breakdowns[0] if breakdowns else None)
    openness_by = raw.get("openness_by") or next((s for s in segments if s not in breakdowns), context_by)
    return Analysis(outcome, tuple(drivers), tuple(raw.get("log_drivers") or ()), tuple(breakdowns), context_by,
                    openness_by, tuple(raw.get("waste") or ()), raw.get("waste_by") or context_by)


def _check_audiences(path: Path, raw: Any, segments: list, min_group: int, problems: list[Problem]) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.append(Problem(file=str(path), column="audiences", rule="a mapping of audience id -> {column, ...}"))
        return
    for aid, a in raw.items():
        a = a if isinstance(a, dict) else {}
        col = a.get("column", aid)
        if not CYCLE_ID.match(str(aid)):
            problems.append(Problem(file=str(path), column=f"audiences.{aid}", rule="an audience id is 1-64 letters, "
                                    "digits, '-' or '_' (it names the reports' folder)"))
        if col not in segments:
            problems.append(Problem(file=str(path), column=f"audiences.{aid}.column", value=col,
                                    rule=f"not a segment column (segments: {', '.join(map(str, segments))})"))
        m = a.get("min_respondents", max(10, min_group))
        if not isinstance(m, int) or m < min_group:
            problems.append(Problem(file=str(path), column=f"audiences.{aid}.min_respondents", value=m,
                                    rule=f"a whole number of at least privacy.min_group_size ({min_group})"))


def _check_segment_values(path: Path, raw: Any, segments: list, problems: list[Problem]) -> None:
    for seg, values in (raw or {}).items() if isinstance(raw, dict) else ():
        if seg not in segments:
            problems.append(Problem(file=str(path), column=f"segment_values.{seg}", value=seg,
                                    rule=f"not a segment column (segments: {', '.join(map(str, segments))})"))
        if not isinstance(values, list) or not values:
            problems.append(Problem(file=str(path), column=f"segment_values.{seg}", value=values,
                                    rule="a list of the values the segment may take"))


def _check_missions(path: Path, raw: Any, problems: list[Problem]) -> None:
    if raw is None:
        return
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(file=str(path), column="missions", rule="a list of {id, notebook, title}"))
        return
    seen = set()
    for n, m in enumerate(raw, start=1):
        mid = m.get("id") if isinstance(m, dict) else None
        if not (isinstance(mid, str) and CYCLE_ID.match(mid)) or mid in seen:
            problems.append(Problem(file=str(path), column=f"missions[{n}].id", value=mid,
                                    rule="a mission id is unique, 1-64 letters, digits, '-' or '_' (it names the report files)"))
        seen.add(mid)
        nb = m.get("notebook") if isinstance(m, dict) else None
        if nb is not None and (not str(nb).endswith(".ipynb") or "/" in str(nb) or "\\" in str(nb)):
            problems.append(Problem(file=str(path), column=f"missions[{n}].notebook", value=nb,
                                    rule="a notebook file name under notebooks/, ending in .ipynb"))


def _check_analysis(path: Path, settings: dict, items: dict, metrics: dict, constructs: set,
                    problems: list[Problem]) -> None:
    raw = settings.get("analysis") or {}
    if not isinstance(raw, dict):
        problems.append(Problem(file=str(path), column="analysis", rule="must be a mapping"))
        return
    segments = list(settings.get("segments") or [])
    out = raw.get("outcome")
    if out is not None and (out not in items or items[out].type == "text" or items[out].reverse):
        problems.append(Problem(file=str(path), column="analysis.outcome", value=out,
                                rule="the outcome is an item of the instrument, not text and not reverse-keyed "
                                     "(higher must mean better)"))
    for key in ("drivers", "log_drivers"):
        for ref in raw.get(key) or []:
            if ref not in constructs and ref not in metrics:
                problems.append(Problem(file=str(path), column=f"analysis.{key}", value=ref,
                                        rule="a driver is a construct of the instrument or a metric of metrics.yaml"))
    for ref in raw.get("waste") or []:
        if ref not in metrics or metrics[ref].source != "tickets":
            problems.append(Problem(file=str(path), column="analysis.waste", value=ref,
                                    rule="a waste indicator is a tickets metric of metrics.yaml"))
    for key in ("breakdowns", "context_by", "openness_by", "waste_by"):
        vals = raw.get(key)
        for seg in ([vals] if isinstance(vals, str) else vals or []):
            if seg not in segments:
                problems.append(Problem(file=str(path), column=f"analysis.{key}", value=seg,
                                        rule=f"not a segment column of xmo.yaml (segments: {', '.join(map(str, segments))})"))


_POLICY_RANGES = {"confidence": (0.5, 0.9999), "significance": (1e-6, 0.5), "alpha_floor": (0.0, 1.0),
                  "backlog_lift": (1.0, 100.0)}


def _check_policy(path: Path, policy: Any, problems: list[Problem]) -> None:
    for key, value in (policy or {}).items() if isinstance(policy, dict) else ():
        lo, hi = _POLICY_RANGES.get(key, (None, None))
        if lo is not None and not (isinstance(value, (int, float)) and lo <= value <= hi):
            problems.append(Problem(file=str(path), column=f"policy.{key}", value=value,
                                    rule=f"policy.{key} is a number from {lo} to {hi}"))


# ---------------------------------------------------------------- journey and channels (mission 2)
@dataclass(frozen=True)
class Journey:
    """The journey map (``analysis.journey`` in ``xmo.yaml``).

    column : the segment column that holds each response's (and ticket's) journey stage.
    stages : the stages in journey order: the map reads them left to right.
    score : what is scored per stage: an XLA id of ``ambitions.yaml`` (default: the first XLA), or
        an item or construct of the instrument on its 0-100 points.
    target : the score's target (default: the XLA's own target; an item or construct has none
        unless given, and then shows no gap or status).
    metrics : the O indicators shown per stage (default: the score XLA's O indicators, else
        every tickets metric).
    """

    column: str
    stages: tuple[str, ...]
    score: str
    target: float | None
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Channels:
    """The channel assessment (``analysis.channels`` in ``xmo.yaml``).

    column : the segment column (on responses and tickets) that holds the contact channel.
    groups : the two groups of channels compared with each other, as ``(label, channels)`` in
        params' order (``groups: {<label>: [<channels>], <label>: [<channels>]}``; e.g. digital
        against assisted). With one group declared, the second is every other channel seen in
        the data (``channels`` None) and its label :data:`~xmo_analysis.core.vocabulary.OTHER_CHANNELS`.
        The labels are the project's words: the package names no kind of channel.
    effort : the effort item (default: the instrument's first CES item).
    satisfaction : the satisfaction item (default: the instrument's first CSAT item).
    resolution : a tickets ``rate`` metric of first-contact resolution (default: none).
    cost : the column of the outcomes source that holds the cost per contact (default: none,
        the report says there is no cost data).
    """

    column: str
    groups: tuple[tuple[str, tuple[str, ...] | None], tuple[str, tuple[str, ...] | None]]
    effort: str | None
    satisfaction: str | None
    resolution: str | None
    cost: str | None

    @property
    def labels(self) -> tuple[str, str]:
        """The two groups' labels, first then second."""
        return self.groups[0][0], self.groups[1][0]

    @property
    def declared(self) -> tuple[str, ...]:
        """Every channel params name, first group first."""
        return tuple(c for _, chans in self.groups for c in (chans or ()))


def _journey(raw: Any, items: dict, metrics: dict, xlas: dict) -> Journey | None:
    if not isinstance(raw, dict) or not raw.get("column"):
        return None
    score = str(raw.get("score") or next(iter(xlas), ""))
    xla = xlas.get(score)
    target = raw.get("target", xla.target if xla is not None else None)
    refs = raw.get("metrics")
    if refs is None:
        refs = ([i.ref for i in xla.indicators if i.kind == "o"] if xla is not None
                else [m for m, v in metrics.items() if v.source == "tickets"])
    return Journey(str(raw["column"]), tuple(str(s) for s in raw.get("stages") or ()), score,
                   None if target is None else float(target), tuple(refs))


def _channels(raw: Any, items: dict) -> Channels | None:
    if not isinstance(raw, dict) or not raw.get("column"):
        return None
    first = lambda kind: next((i.id for i in items.values() if i.type == kind), None)  # noqa: E731
    declared = [(str(k), tuple(str(c) for c in v or ())) for k, v in (raw.get("groups") or {}).items()][:2]
    if not declared:
        return None
    groups = (declared[0], declared[1] if len(declared) > 1 else (OTHER_CHANNELS, None))
    return Channels(str(raw["column"]), groups, raw.get("effort") or first("ces"), raw.get("satisfaction") or first("csat"),
                    raw.get("resolution"), raw.get("cost"))


def _check_journey_channels(path: Path, settings: dict, items: dict, metrics: dict, constructs: set, xlas: dict,
                            problems: list[Problem]) -> None:
    """``analysis.journey`` and ``analysis.channels``: columns are segments, stages and channels
    are lists of distinct names, the score, items and metrics exist."""
    raw = settings.get("analysis") or {}
    if not isinstance(raw, dict):
        return
    segments = list(settings.get("segments") or [])
    allowed = (settings.get("segment_values") or {}) if isinstance(settings.get("segment_values"), dict) else {}

    def bad(key, value, rule):
        problems.append(Problem(file=str(path), column=f"analysis.{key}", value=value, rule=rule))

    def names(key, values, column, required=True):
        if values is None and not required:
            return []
        if not isinstance(values, list) or not values or len(set(map(str, values))) != len(values):
            bad(key, values, "a list of distinct names")
            return []
        if column in allowed:
            for v in values:
                if v not in allowed[column]:
                    bad(key, v, f"not a value of {column} (segment_values: {', '.join(map(str, allowed[column]))})")
        return [str(v) for v in values]

    for key in ("journey", "channels"):
        spec = raw.get(key)
        if spec is not None and not (isinstance(spec, dict) and spec.get("column") in segments):
            bad(f"{key}.column", spec.get("column") if isinstance(spec, dict) else spec,
                f"not a segment column of xmo.yaml (segments: {', '.join(map(str, segments))})")
    j = raw.get("journey")
    if isinstance(j, dict):
        names("journey.stages", j.get("stages"), j.get("column"))
        score = j.get("score")
        if score is not None and score not in xlas and score not in constructs and (
                score not in items or items[score].type not in ("nps", "happiness", "csat", "ces", "likert")):
            bad("journey.score", score, "an XLA id of ambitions.yaml, or a scored item or construct of the instrument")
        target = j.get("target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float))
                                   or not 0 <= target <= 100):
            bad("journey.target", target, "a number from 0 to 100 (the score's scale)")
        for ref in j.get("metrics") or []:
            if ref not in metrics:
                bad("journey.metrics", ref, "a metric of metrics.yaml")
    c = raw.get("channels")
    if isinstance(c, dict):
        groups = c.get("groups")
        if not isinstance(groups, dict) or not 1 <= len(groups) <= 2:
            bad("channels.groups", groups, "one or two groups of channels to compare, each a label and the channels in it "
                                           "(groups: {<label>: [<channels>], <label>: [<channels>]}); with one, the "
                                           "other group holds all the channels it does not name")
        else:
            lists = {str(k): names(f"channels.groups.{k}", v, c.get("column")) for k, v in groups.items()}
            if len(lists) == 2:
                (a, first), (b, second) = lists.items()
                for ch in sorted(set(first) & set(second)):
                    bad(f"channels.groups.{b}", ch, f"in both groups ({a} and {b}): each of the channels may be in one group only")
            if OTHER_CHANNELS in lists:
                bad("channels.groups", OTHER_CHANNELS, "a label of the package's own (the channels no group names): "
                                                       "choose another")
        for key, kind in (("effort", "ces"), ("satisfaction", "csat")):
            ref = c.get(key)
            if ref is not None and (ref not in items or items[ref].type != kind):
                bad(f"channels.{key}", ref, f"an item of type {kind} of the instrument")
        ref = c.get("resolution")
        if ref is not None and (ref not in metrics or metrics[ref].source != "tickets"
                                or metrics[ref].aggregation != "rate"):
            bad("channels.resolution", ref, "a tickets metric of metrics.yaml with aggregation: rate "
                                            "(the share of tickets resolved at first contact)")
        if c.get("cost") is not None and not isinstance(c.get("cost"), str):
            bad("channels.cost", c.get("cost"), "the name of the outcomes column that holds the cost per contact")
