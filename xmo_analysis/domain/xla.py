"""XLA scoring: survey, operational and telemetry indicators combined into each ambition's score.

Every indicator is put on 0-100:

- **X** (survey): the per-response score of STATISTICS.md rescaled to 0-100 — NPS/happiness
  ``(points + 100) / 2``, CSAT top-2-box ``x 100``, CES ``100 (x - 1) / 6``, a Likert construct
  ``100 (mean - min) / (max - min)``.
- **O** and **T** (operations, telemetry): attainment of the metric's target,
  ``100 min(1, value / target)`` when higher is better, ``100 min(1, target / value)`` when lower is.

The XLA score is ``sum(weight x indicator score)``. Its uncertainty comes from the survey part:
each response's X indicators are combined into one per-response composite (weights renormalised
over the indicators it answered), so the XLA score is the mean of
``W_x * composite + sum(w_ot * attainment)`` over responses (O/T data are complete records,
treated as known), and its CI, test and status follow from :func:`~xmo_analysis.stats.gaps.gap`.

An O/T indicator with no data for a group (a segment the ticketing tool does not know, a metric
absent for the whole organisation) is **unknown**, never zero: the XLA is scored from the
indicators that exist, their weights renormalised to sum to 1, and the ``missing`` column names
the indicators left out so that the report can say so.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmo_analysis.stats.design import Design
from xmo_analysis.core.params import Metric, Params
from xmo_analysis.core.memo import memo
from xmo_analysis.sources.metric_sources import metric_source, metric_value  # noqa: F401  (metric_value: public here too)
from xmo_analysis.privacy.suppression import differencing_hidden, hidden_groups
from xmo_analysis.stats.scores import SCORE_TYPES, likert_points
from xmo_analysis.stats.weighting import rake


def x_points(responses: pd.DataFrame, params: Params, ref: str) -> np.ndarray:
    """Per-response 0-100 score of an X indicator (an item id or a construct name)."""
    constructs = params.constructs()
    if ref in constructs:
        items = constructs[ref]
        return likert_points(responses[[i.id for i in items]], items[0].scale,
                             reverse=[i.id for i in items if i.reverse])
    item = params.items[ref]
    if item.type in SCORE_TYPES:
        return SCORE_TYPES[item.type].points_0_100(responses[ref])
    # a Likert item on its own: a construct of one item (reverse keying included)
    return likert_points(responses[[ref]], item.scale, reverse=[ref] if item.reverse else [])


def attainment(value: float, metric: Metric) -> float:
    """0-100 attainment of the metric's target (100 = target met or beaten)."""
    if np.isnan(value):
        return float("nan")
    if metric.higher_is_better:
        return float(100 * min(1.0, value / metric.target))
    return float(100 * min(1.0, metric.target / value)) if value > 0 else 100.0


def indicator_table(data, params: Params, cycle: str | None = None) -> pd.DataFrame:
    """Every O/T metric of the cycle: value, unit, target, direction and attainment."""
    cycle = cycle or data.cycle
    rows = []
    for m in params.metrics.values():
        value = metric_source(data, m.source, cycle).metric(m)
        rows.append({"metric": m.id, "label": m.label, "source": m.source, "value": value, "unit": m.unit,
                     "target": m.target, "better": m.direction, "attainment": attainment(value, m)})
    return pd.DataFrame(rows, columns=["metric", "label", "source", "value", "unit", "target", "better", "attainment"])


@dataclass(frozen=True)
class OTPart:
    """The O/T indicators of one XLA for one group: ``part`` = sum of weight x attainment over
    the indicators that have data, ``weight`` = the sum of their weights, ``detail`` = each
    indicator's attainment (NaN when the group has no data for it: unknown, never zero)."""

    part: float
    weight: float
    detail: dict[str, float]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(ref for ref, a in self.detail.items() if np.isnan(a))


def ot_part(sources: dict, params: Params, xla,
            segment: tuple[str, str] | None) -> OTPart:
    """Attainment of each O/T indicator of ``xla`` for the organisation or one segment.

    A source that carries the segment column is cut to the segment's rows; one that does not
    gives the organisation's value. A metric with no rows (or only missing values) there is
    unknown: it is left out of ``part`` and ``weight`` so that the XLA is scored from the
    indicators that exist (see :func:`xla_points`).
    """
    part, weight, detail = 0.0, 0.0, {}
    for ind in xla.indicators:
        if ind.kind == "x":
            continue
        m = params.metrics[ind.ref]
        a = attainment(sources[m.source].metric(m, segment), m)
        detail[ind.ref] = a
        if not np.isnan(a):
            part += ind.weight * a
            weight += ind.weight
    return OTPart(part, weight, detail)


def xla_points(responses: pd.DataFrame, params: Params, xla, ot: OTPart) -> np.ndarray:
    """Per-response variable whose mean is the XLA score (see the module docstring).

    ``(W_x * composite + sum(w_ot * attainment)) / (W_x + sum(w_ot))`` where the O/T sums run
    over the indicators with data: when every indicator has data the denominator is 1 and this
    is the plain weighted sum; a missing indicator's weight is spread over the others.
    """
    xs = [(ind.weight, x_points(responses, params, ind.ref)) for ind in xla.indicators if ind.kind == "x"]
    w_x = sum(w for w, _ in xs)
    if not xs:
        return np.full(len(responses), ot.part / ot.weight if ot.weight > 0 else np.nan)
    values = np.column_stack([v for _, v in xs])
    weights = np.array([w for w, _ in xs])
    answered = ~np.isnan(values)
    wsum = (answered * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        composite = np.where(wsum > 0, np.nansum(values * weights, axis=1) / wsum, np.nan)
    return (w_x * composite + ot.part) / (w_x + ot.weight)


SCORE_COLUMNS = ["xla", "name", "target", "n", "score", "se", "ci_low", "ci_high", "gap", "p_meets", "status",
                 "weighted", "suppressed", "missing"]


def cycle_weights(data, cycle: str | None = None):
    """Raked weights of a cycle's respondents, or None when params ask for no weighting.

    Params ``weighting: {method: rake, margins: [department, location]}`` rake the respondents
    to the population frame's headcounts on each margin (cached per cycle on ``data``).
    """
    params = data.params
    cycle = cycle or data.cycle
    spec = params.settings.get("weighting") or {}
    if spec.get("method", "none") != "rake":
        return None
    if data.population is None or len(data.population) == 0:
        return None  # no frame to weight to (a customer survey): the reports say so

    def compute():
        resp = data.of_cycle("responses", cycle)
        margins = {col: data.population.groupby(col)["headcount"].sum().to_dict() for col in spec.get("margins", [])}
        return rake(resp.reset_index(drop=True), margins, key="response_id")
    return memo(data, ("weights", cycle), compute)


def published_columns(data, cycle: str | None = None) -> list[str]:
    """Every breakdown a cycle publishes: params' segments and the audience columns."""
    params = data.params
    resp = data.of_cycle("responses", cycle or data.cycle)
    return [c for c in dict.fromkeys([*params.segments, *(a.column for a in params.audiences)]) if c in resp]


def member_key(salt: str, response_id) -> str:
    """A respondent's key in the record of what earlier versions published: a salted digest of the
    response id (the record holds no id), the same for the same response in every version."""
    return hashlib.sha256(f"{salt}\x1f{response_id}".encode("utf-8")).hexdigest()[:KEY_LENGTH]


KEY_LENGTH = 20  # hex characters of a member key
KEY_DTYPE = f"S{KEY_LENGTH}"  # a key as ASCII bytes: 20 bytes a respondent, not a ~70-byte Python str


def member_keys(salt: str, response_ids) -> np.ndarray:
    """:func:`member_key` of every response, as a fixed-width bytes array (a million respondents
    in six groups held as Python strings took about 0.5 GB of the runner while the kernels ran)."""
    return np.array([member_key(salt, r) for r in response_ids], dtype=KEY_DTYPE)


def as_keys(members) -> np.ndarray:
    """A group's member keys (a list of str from a record, or an array) as a bytes array; a key
    of another length is an error (cut to :data:`KEY_LENGTH` bytes it would match nobody, silently)."""
    if isinstance(members, np.ndarray) and members.dtype == KEY_DTYPE:
        return members
    text = np.asarray(members, dtype=str)
    if text.size and (np.char.str_len(text) != KEY_LENGTH).any():
        raise ValueError(f"member keys are {KEY_LENGTH} hexadecimal characters; this record holds others "
                         "(not written by this version of xmo-analysis, or edited)")
    return text.astype(KEY_DTYPE)


def published_hidden(data, cycle: str | None = None) -> set[tuple[str, object]]:
    """Every ``(segment column, level)`` hidden in the cycle's publications: small groups with
    their complements in each breakdown, then one group of each pair, across all breakdowns
    (params' segments and audience columns), that differ by fewer than ``min_group_size`` people,
    and every group that differs so from a group an earlier version of the same cycle published
    (``data.earlier_versions``, set by the runner: ``{"salt", "versions": [{"version", "groups":
    {name: [member keys]}}]}``)."""
    cycle = cycle or data.cycle

    def compute():
        params = data.params
        resp = data.of_cycle("responses", cycle)
        columns = published_columns(data, cycle)
        small = set()
        for c in columns:
            h = hidden_groups(scored_counts(data, c, cycle), params.min_group_size)
            small |= {(c, lvl) for lvl in h[h].index}
        record = getattr(data, "earlier_versions", None) or {}
        earlier = []
        if record.get("versions") and cycle == data.cycle:
            keys = member_keys(record["salt"], resp["response_id"])
            for v in record["versions"]:
                for name, members in v["groups"].items():
                    earlier.append((f"v{v['version']} {name}", np.isin(keys, as_keys(members)), len(members)))
        return differencing_hidden(resp, columns, params.min_group_size, small, earlier)
    return memo(data, ("hidden", cycle), compute)


def published_groups(data) -> dict[str, np.ndarray]:
    """What this version publishes, as the next version will need it: every visible group (and
    the whole organisation) with its members' keys (:func:`member_keys`, sorted bytes arrays)."""
    record = getattr(data, "earlier_versions", None) or {}
    salt = record.get("salt", "")
    resp = data.current("responses")
    keys = member_keys(salt, resp["response_id"])
    hidden = published_hidden(data)
    out = {"all": np.sort(keys)}
    for c in published_columns(data):
        for level in sorted(resp[c].dropna().unique(), key=str):
            if (c, level) not in hidden:
                out[f"{c}={level}"] = np.sort(keys[(resp[c] == level).to_numpy()])
    return out


def scored_counts(data, by: str, cycle: str | None = None) -> pd.Series:
    """Per group of ``by``: the fewest respondents whose answers are behind any of its XLA scores.

    The privacy threshold counts the people a result comes from, not the group's size: a group
    of 7 of whom 3 answered the XLA's items would otherwise publish a score of 3 people. One
    count per group (the smallest over the XLAs) keeps one suppression decision per breakdown.
    """
    cycle = cycle or data.cycle

    def compute():
        resp = data.of_cycle("responses", cycle)
        groups = resp[by].to_numpy()
        levels = sorted(pd.unique(resp[by].dropna()), key=str)
        counts = pd.Series({lvl: int((groups == lvl).sum()) for lvl in levels}, dtype="int64")
        for xla in data.params.xlas.values():
            refs = [i.ref for i in xla.indicators if i.kind == "x"]
            if not refs:  # O/T only: no respondent's answer behind it
                continue
            # the survey answers are what a small group would reveal (the O/T part is the segment's)
            scored = np.logical_or.reduce([np.isfinite(x_points(resp, data.params, r)) for r in refs])
            for lvl in levels:
                counts[lvl] = min(counts[lvl], int((scored & (groups == lvl)).sum()))
        return counts
    return memo(data, ("scored_counts", cycle, by), compute).copy()


def cycle_design(data, cycle: str | None = None, weighted: bool = True) -> Design:
    """The cycle's responses and their raked weights as one :class:`~xmo_analysis.stats.design.Design`
    (unweighted when params ask for no weighting, or when ``weighted`` is False)."""
    cycle = cycle or data.cycle
    return memo(data, ("design", cycle, weighted), lambda: Design(
        data.of_cycle("responses", cycle), cycle_weights(data, cycle) if weighted else None))


def xla_scores(data, params: Params | None = None, cycle: str | None = None, by: str | None = None,
               weighted: bool = True, min_n: int | None = None) -> pd.DataFrame:
    """Score, CI, gap and status of every XLA for a cycle, overall or by one segment column.

    With ``weighted`` (and params' ``weighting``), estimates use the cycle's raked weights with
    calibration-aware SEs; segments are domain estimates. Segments with fewer than ``min_n``
    respondents (default: params' minimum group size), and their complement when only one is
    small, keep only their name and are flagged ``suppressed``. O/T indicators use the segment's
    own tickets/telemetry when those carry the segment column, otherwise the organisation's.
    """
    cycle = cycle or data.cycle
    if params is not None and params is not data.params:  # another configuration: not cached
        return _xla_scores(data, params, cycle, by, weighted, min_n)
    # report sections ask for the same table many times
    return memo(data, ("xla_scores", cycle, by, weighted, min_n),
                     lambda: _xla_scores(data, data.params, cycle, by, weighted, min_n)).copy()


def _xla_scores(data, params: Params, cycle: str, by: str | None, weighted: bool, min_n: int | None) -> pd.DataFrame:
    min_n = params.min_group_size if min_n is None else min_n
    design = cycle_design(data, cycle, weighted)
    resp = design.frame
    levels = [None] if by is None else sorted(resp[by].dropna().unique(), key=str)
    counts = pd.Series({lvl: int((resp[by] == lvl).sum()) if by else len(resp) for lvl in levels})
    hidden = pd.Series(False, index=counts.index)
    if by is not None:  # the people behind each result, not the group's size, meet the threshold
        hidden = hidden_groups(scored_counts(data, by, cycle) if params is data.params else counts, min_n)
    if by is not None and min_n == params.min_group_size:  # the cycle's published breakdowns
        across = published_hidden(data, cycle)
        hidden = pd.Series({lvl: bool(hidden[lvl]) or (by, lvl) in across for lvl in counts.index})
    # The cycle's O/T rows, cut once: telemetry has over a million rows.
    sources = {name: metric_source(data, name, cycle) for name in ("tickets", "telemetry")}
    rows = []
    for lvl in levels:
        mask = np.ones(len(resp), dtype=bool) if by is None else (resp[by] == lvl).to_numpy()
        for xla in params.xlas.values():
            row = {"xla": xla.id, "name": xla.name, "target": xla.target, "n": int(counts[lvl])}
            if by is not None:
                row = {"segment": lvl, **row}
            if hidden[lvl]:
                rows.append({**row, "suppressed": True})
                continue
            ot = ot_part(sources, params, xla, None if by is None else (by, lvl))
            points = xla_points(resp, params, xla, ot)
            res = design.subset(mask).gap(points, xla.target, conf=params.policy.confidence)
            rows.append({**row, "score": res.value, "se": res.estimate.se, "ci_low": res.estimate.ci_low,
                         "ci_high": res.estimate.ci_high, "gap": res.gap, "p_meets": res.p_value,
                         "status": res.status, "n": res.n, "weighted": design.weighted, "suppressed": False,
                         "missing": ", ".join(ot.missing)})
    columns = (["segment"] if by is not None else []) + SCORE_COLUMNS
    return pd.DataFrame(rows, columns=columns)


def cycle_points(data, xla_id: str, cycle: str | None = None) -> np.ndarray:
    """The per-response XLA variable for a cycle's respondents, with the organisation's O/T part
    (in the order of ``data.of_cycle("responses", cycle)``)."""
    cycle = cycle or data.cycle

    def compute() -> np.ndarray:
        xla = data.params.xlas[xla_id]
        sources = {n: metric_source(data, n, cycle) for n in ("tickets", "telemetry")}
        ot = ot_part(sources, data.params, xla, None)
        points = np.asarray(xla_points(data.of_cycle("responses", cycle), data.params, xla, ot))
        points.flags.writeable = False  # shared by every caller: one that wrote to it would fail, not spread
        return points

    # once per cycle and XLA: the manage mission asked for the same points about 100 times
    return memo(data, ("cycle_points", cycle, xla_id), compute)


def xla_trend(data, params: Params | None = None) -> pd.DataFrame:
    """:func:`xla_scores` for every cycle up to the current one, oldest first, with a ``cycle`` column."""
    params = params or data.params
    frames = [xla_scores(data, params, cycle=c).assign(cycle=c) for c in params.cycles_up_to(data.cycle)]
    return pd.concat(frames, ignore_index=True)
