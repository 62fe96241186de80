"""Outcomes and money: time lost per ticket and its cost, the XLA next to business outcomes,
indicator kinds and whether leading indicators move before lagging ones, backlog value.

Inputs: the optional ``outcomes`` contract (one row per cycle and group: at most one segment
column filled, all blank for the whole organisation; one column per outcome of ``metrics.yaml``
``outcomes:``), survey items of type ``hours`` (answer code -> hours in ``instrument.yaml``), the
indicator kinds of ``metrics.yaml`` (``kind``) and ``ambitions.yaml`` (``indicator_kind``), and
the backlog's optional ``value_per_reach`` / ``value_unit``. Nothing here names a segment,
construct or item: they all come from params.

Estimates (formulas in each function's docstring):

- lost hours per ticket: the mean of the answers' hours, SE ``s / sqrt(n)``, CI by Student t
  with n - 1 df (:func:`xmo_analysis.stats.mean`, unweighted); its cost = mean x the hourly cost;
- XLA vs outcome and the lagged association: OLS slopes with HC1 SEs and t quantiles
  (:func:`xmo_analysis.stats.regression.trend`, :func:`~xmo_analysis.stats.regression.within_slope`);
- a backlog item's expected value: ``reach x value_per_reach x confidence``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.core.memo import memo
from xmo_analysis.core.vocabulary import INDICATOR_KINDS
from xmo_analysis.domain.xla import cycle_design, published_hidden, x_points, xla_scores
from xmo_analysis.privacy.suppression import hidden_groups
from xmo_analysis.sources.metric_sources import metric_source
from xmo_analysis.stats.estimates import mean
from xmo_analysis.stats.regression import benjamini_hochberg, trend, within_slope

# Fewest segment-cycles an association across segments and cycles is estimated from, and (for
# the lagged one) fewest cycles: two lagged steps, so that one pair of cycles alone never decides.
MIN_SEGMENT_CYCLES = 10
MIN_CYCLES_LAGGED = 3
POINTS = "points"  # the unit of every survey (X) indicator: its 0-100 score


# ---------------------------------------------------------------- hours items
def hours_of(answers: pd.Series, item) -> np.ndarray:
    """Hours per response of an ``hours`` item: each answer code mapped by params (NaN stays NaN)."""
    codes = pd.to_numeric(answers, errors="coerce").astype(float)
    return codes.map({float(k): v for k, v in item.hour_map.items()}).to_numpy(dtype=float)


def time_item(params, item_id: str | None = None):
    """The ``hours`` item asked for, or the instrument's first; None when it has none."""
    items = params.hours_items
    if item_id is not None:
        return next((i for i in items if i.id == item_id), None)
    return items[0] if items else None


# ---------------------------------------------------------------- the outcomes table
def _filled(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].notna() & (frame[column].astype("string").str.strip() != "")


def outcome_columns(data) -> list[str]:
    """The segment columns the outcomes file gives groups for, in params' order."""
    o = data.outcomes
    return [s for s in data.params.segments if s in o and _filled(o, s).any()]


def outcome_values(data, outcome, by: str | None) -> pd.DataFrame:
    """``cycle``, ``level`` and ``value`` of one outcome: the rows of the groups of ``by``, or the
    organisation's rows (every segment blank) when ``by`` is None."""
    # once per column and grouping (the lead-lag tests asked for the same values 336 times a cycle)
    return memo(data, ("outcome_values", outcome.column, by), lambda: _outcome_values(data, outcome, by)).copy()


def _outcome_values(data, outcome, by: str | None) -> pd.DataFrame:
    o = data.outcomes
    if o is None or o.empty or outcome.column not in o:
        return pd.DataFrame({"cycle": [], "level": [], "value": []})
    segs = [s for s in data.params.segments if s in o]
    blank = np.logical_and.reduce([~_filled(o, s) for s in segs]) if segs else np.ones(len(o), dtype=bool)
    if by is None:
        rows = o[blank]
        level = pd.Series(None, index=rows.index, dtype=object)
    else:
        if by not in o:
            return pd.DataFrame({"cycle": [], "level": [], "value": []})
        rows = o[_filled(o, by)]
        level = rows[by].astype(str).str.strip()
    return pd.DataFrame({"cycle": rows["cycle"].astype(str).to_numpy(), "level": level.to_numpy(),
                         "value": pd.to_numeric(rows[outcome.column], errors="coerce").to_numpy(dtype=float)})


def hourly_cost(data, cycle: str, segment: tuple[str, object] | None = None) -> tuple[float, str | None]:
    """The hourly cost for a cycle: ``(value, where)``, ``where`` = "segment" when the outcomes give
    the segment's own, "organisation" when only the organisation's, None (value NaN) otherwise."""
    role = data.params.hourly_cost
    if role is None or not data.has("outcomes"):
        return float("nan"), None
    if segment is not None:
        own = outcome_values(data, role, segment[0])
        hit = own[(own["cycle"] == cycle) & (own["level"] == str(segment[1]))]["value"].dropna()
        if len(hit):
            return float(hit.iloc[0]), "segment"
    org = outcome_values(data, role, None)
    hit = org[org["cycle"] == cycle]["value"].dropna()
    return (float(hit.iloc[0]), "organisation") if len(hit) else (float("nan"), None)


# ---------------------------------------------------------------- lost hours and their cost (mission 2)
LOST_COLUMNS = ["segment", "n", "hours", "se", "ci_low", "ci_high", "hourly_cost", "cost_from", "cost", "cost_low",
                "cost_high", "suppressed"]


def lost_hours(data, item=None, by: str | None = None, cycle: str | None = None) -> pd.DataFrame:
    """Hours lost per ticket, overall (``by`` None) or per segment, and their cost.

    Per group: ``hours`` = mean of the answers' hours (answer codes mapped by params; missing
    answers dropped, ``n`` counts the others), SE ``s / sqrt(n)`` with s on n - 1 df, CI
    ``mean +/- t(n-1, 1 - alpha/2) SE`` (STATISTICS.md, unweighted mean). ``cost`` = hours x the
    group's hourly cost from the outcomes (its own, else the organisation's: ``cost_from``), and
    its CI = the hours' CI x that cost: it covers the sampling error of the mean hours only; the
    hourly cost and the hours each answer bucket stands for are taken as known.

    Groups with fewer than ``min_group_size`` answers are hidden, with their complement, and so is
    any group the cycle's publications hide (differencing across breakdowns).
    """
    params = data.params
    cycle = cycle or data.cycle
    item = item or time_item(params)
    resp = data.of_cycle("responses", cycle).reset_index(drop=True)
    if item is None or item.id not in resp:
        return pd.DataFrame(columns=LOST_COLUMNS)
    hours = hours_of(resp[item.id], item)
    conf = params.policy.confidence
    levels = [None] if by is None else sorted(resp[by].dropna().unique(), key=str)
    answered = ~np.isnan(hours)
    counts = pd.Series({lvl: int((answered & ((resp[by] == lvl).to_numpy() if by else True)).sum()) for lvl in levels})
    hidden = pd.Series(False, index=counts.index)
    if by is not None:
        hidden = hidden_groups(counts, params.min_group_size)
        across = published_hidden(data, cycle)
        hidden = pd.Series({lvl: bool(hidden[lvl]) or (by, lvl) in across for lvl in counts.index})
    elif counts.iloc[0] < params.min_group_size:
        hidden[:] = True
    rows = []
    for lvl in levels:
        row = {"segment": lvl}
        if hidden[lvl] or counts[lvl] < 2:
            rows.append({**row, "n": f"< {params.min_group_size}" if hidden[lvl] else counts[lvl], "suppressed": bool(hidden[lvl])})
            continue
        mask = np.ones(len(resp), dtype=bool) if by is None else (resp[by] == lvl).to_numpy()
        e = mean(hours[mask], conf=conf)
        price, where = hourly_cost(data, cycle, None if by is None else (by, lvl))
        rows.append({**row, "n": e.n, "hours": e.value, "se": e.se, "ci_low": e.ci_low, "ci_high": e.ci_high,
                     "hourly_cost": price, "cost_from": where, "cost": e.value * price, "cost_low": e.ci_low * price,
                     "cost_high": e.ci_high * price, "suppressed": False})
    return pd.DataFrame(rows, columns=LOST_COLUMNS)


def cost_of_poor_experience(data, item=None) -> pd.DataFrame:
    """Per cycle: hours lost per ticket (mean, t CI), tickets in the cycle, the hours all those
    tickets cost (``mean x tickets``, CI = the mean's CI x tickets) and their cost (x the
    organisation's hourly cost). The ticket count and the hourly cost are taken as known; the
    respondents' most recent ticket is taken as typical of the cycle's tickets."""
    item = item or time_item(data.params)
    rows = []
    for c in data.params.cycles_up_to(data.cycle):
        t = lost_hours(data, item, None, c)
        if t.empty or bool(t["suppressed"].iloc[0]) or pd.isna(t["hours"].iloc[0]):
            continue
        r = t.iloc[0]
        tickets = float(len(metric_source(data, "tickets", c))) if data.has("tickets") else float("nan")
        rows.append({"cycle": c, "n": r["n"], "hours per ticket": r["hours"], "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"], "tickets": tickets, "hours lost": r["hours"] * tickets,
                     "hours_low": r["ci_low"] * tickets, "hours_high": r["ci_high"] * tickets,
                     "hourly_cost": r["hourly_cost"], "cost": r["hours"] * tickets * r["hourly_cost"],
                     "cost_low": r["ci_low"] * tickets * r["hourly_cost"],
                     "cost_high": r["ci_high"] * tickets * r["hourly_cost"]})
    cols = ["cycle", "n", "hours per ticket", "ci_low", "ci_high", "tickets", "hours lost", "hours_low", "hours_high",
            "hourly_cost", "cost", "cost_low", "cost_high"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- XLA vs outcome (mission 3)
def _result(fit, n_segments: int, n_cycles: int) -> dict:
    return {"slope": fit.value, "se": fit.se, "ci_low": fit.ci_low, "ci_high": fit.ci_high, "p_value": fit.p_value,
            "segment-cycles": fit.n, "segments": n_segments, "cycles": n_cycles}


def xla_outcome_points(data, xla_id: str, outcome, by: str) -> pd.DataFrame:
    """Every segment-cycle of ``by`` with both the XLA's score (shown, not suppressed) and the outcome."""
    vals = outcome_values(data, outcome, by)
    rows = []
    for c in data.params.cycles_up_to(data.cycle):
        s = xla_scores(data, cycle=c, by=by)
        s = s[(s["xla"] == xla_id) & ~s["suppressed"].fillna(False).astype(bool)]
        mine = vals[vals["cycle"] == c].set_index("level")["value"]
        for r in s.itertuples():
            v = mine.get(str(r.segment), np.nan)
            if pd.notna(r.score) and pd.notna(v):
                rows.append({"cycle": c, "segment": str(r.segment), "score": float(r.score), "outcome": float(v)})
    return pd.DataFrame(rows, columns=["cycle", "segment", "score", "outcome"])


def xla_outcome(data) -> pd.DataFrame:
    """The relation between each XLA and each outcome (none with a role, nor the channels' cost per
    contact) across segment-cycles.

    For every segment column the outcomes give the outcome's values for: OLS ``outcome = a + b score + e`` over
    the segment-cycles where both are known (the XLA score as the reports show it; hidden groups
    left out), ``b`` the change of the outcome per XLA point, HC1 SE, CI and p from t with n - 2
    df (:func:`~xmo_analysis.stats.regression.trend`). An association across groups and time,
    not a cause. Fewer than :data:`MIN_SEGMENT_CYCLES` segment-cycles: no slope, a note instead.
    """
    conf = data.params.policy.confidence
    channels = data.params.channels
    priced = channels.cost if channels is not None else None  # the channels' unit cost: the channel assessment's
    rows = []
    for o in [o for o in data.params.outcomes.values() if o.role is None and o.column != priced]:
        for by in outcome_columns(data):
            if not outcome_values(data, o, by)["value"].notna().any():  # the outcome is not given by this column
                continue
            for xla_id in data.params.xlas:
                pts = xla_outcome_points(data, xla_id, o, by)
                row = {"outcome": o.id, "label": o.label, "unit": o.unit, "xla": xla_id, "by": by,
                       "segment-cycles": len(pts), "segments": pts["segment"].nunique(), "cycles": pts["cycle"].nunique()}
                if len(pts) < MIN_SEGMENT_CYCLES:
                    rows.append({**row, "note": f"too few segment-cycles ({len(pts)}; at least {MIN_SEGMENT_CYCLES})"})
                    continue
                fit = trend(pts["outcome"], pts["score"], conf=conf)
                rows.append({**row, **_result(fit, row["segments"], row["cycles"])})
    cols = ["outcome", "label", "unit", "xla", "by", "slope", "se", "ci_low", "ci_high", "p_value", "segment-cycles",
            "segments", "cycles", "note"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- indicator kinds
def indicators(params) -> pd.DataFrame:
    """Every indicator with its kind: X and O/T indicators of the XLAs (one row per measure, the
    XLAs it feeds listed) and the outcomes. Columns: ``ref``, ``source`` (x, o, t or outcome),
    ``kind``, ``label``, ``xlas``, ``higher_is_better``, ``unit`` (:data:`POINTS` for survey
    indicators, params' unit for metrics and outcomes)."""
    rows: dict[tuple[str, str], dict] = {}
    for xla in params.xlas.values():
        for ind in xla.indicators:
            key = (ind.ref, ind.indicator_kind)
            higher = True if ind.kind == "x" else params.metrics[ind.ref].higher_is_better
            unit = POINTS if ind.kind == "x" else params.metrics[ind.ref].unit
            rec = rows.setdefault(key, {"ref": ind.ref, "source": ind.kind, "kind": ind.indicator_kind,
                                        "label": params.indicator_label(ind.ref), "xlas": [], "higher_is_better": higher,
                                        "unit": unit})
            rec["xlas"].append(xla.id)
    for m in params.metrics.values():  # a metric no XLA uses still has a kind
        if not any(k[0] == m.id for k in rows):
            rows[(m.id, m.kind)] = {"ref": m.id, "source": "o" if m.source == "tickets" else "t", "kind": m.kind,
                                   "label": m.label, "xlas": [], "higher_is_better": m.higher_is_better,
                                   "unit": m.unit}
    for o in params.outcomes.values():
        rows[(o.id, o.kind)] = {"ref": o.id, "source": "outcome", "kind": o.kind, "label": o.label, "xlas": [],
                                "higher_is_better": o.higher_is_better, "unit": o.unit}
    out = pd.DataFrame(list(rows.values()),
                       columns=["ref", "source", "kind", "label", "xlas", "higher_is_better", "unit"])
    out["xlas"] = out["xlas"].map(", ".join)
    order = {k: i for i, k in enumerate(INDICATOR_KINDS)}
    return out.sort_values("kind", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def indicator_value(data, ref: str, source: str, cycle: str, segment: tuple[str, object] | None = None) -> float:
    """One indicator's value for a cycle (organisation, or one segment): X on 0-100 (the mean of
    the per-response points; weighted as the reports are when overall, unweighted per segment),
    O/T the metric's value, an outcome its row. NaN when unknown; a segment with fewer than
    ``min_group_size`` answers is unknown."""
    params = data.params
    if source == "x":
        resp = data.of_cycle("responses", cycle).reset_index(drop=True)
        if segment is None:
            pts = x_points(resp, params, ref)
            ok = ~np.isnan(pts)
            return float(cycle_design(data, cycle).mean(pts).value) if ok.sum() >= params.min_group_size else float("nan")
        if segment[0] not in resp:
            return float("nan")
        # every level's mean once per indicator, cycle and column: the lagged tests ask for every
        # segment of every cycle, in both orders (a scan of a million responses per segment otherwise)
        means = memo(data, ("x_by", ref, cycle, segment[0]), lambda: _x_means(resp, params, ref, segment[0]))
        return means.get(segment[1], float("nan"))
    if source in ("o", "t"):
        m = params.metrics[ref]
        if not data.has(m.source):
            return float("nan")
        return float(metric_source(data, m.source, cycle).metric(m, segment, whole_if_absent=False)) if segment \
            else float(metric_source(data, m.source, cycle).metric(m))
    vals = outcome_values(data, params.outcomes[ref], None if segment is None else segment[0])
    hit = vals[(vals["cycle"] == cycle) & ((vals["level"] == str(segment[1])) if segment else True)]["value"].dropna()
    return float(hit.iloc[0]) if len(hit) else float("nan")


def _x_means(resp: pd.DataFrame, params, ref: str, column: str) -> dict:
    """Per level of ``column``: the mean of the indicator's points over the level's answers, only
    for levels with at least ``min_group_size`` of them (others are unknown)."""
    pts = x_points(resp, params, ref)
    out = {}
    for level in resp[column].dropna().unique():
        mine = pts[(resp[column] == level).to_numpy()]
        mine = mine[~np.isnan(mine)]
        if len(mine) >= params.min_group_size:
            out[level] = float(mine.mean())
    return out


def kinds_table(data) -> pd.DataFrame:
    """Every indicator grouped by kind (leading, lagging, operational, financial) with its value
    this cycle and the previous one, and the change (organisation level)."""
    prev = data.params.previous_cycle(data.cycle)
    t = indicators(data.params)
    t["value"] = [indicator_value(data, r.ref, r.source, data.cycle) for r in t.itertuples()]
    t["previous"] = [indicator_value(data, r.ref, r.source, prev) if prev else np.nan for r in t.itertuples()]
    t["change"] = t["value"] - t["previous"]
    return t


# ---------------------------------------------------------------- do leading indicators move first?
def lagged_points(data, lead: pd.Series, lag: pd.Series, by: str) -> pd.DataFrame:
    """Segment-cycles of ``by``: the leading indicator in the previous cycle next to the lagging
    one in the cycle (both known)."""
    rows = []
    levels = set()
    resp = data.responses
    if by in resp:
        levels |= {str(v) for v in resp[by].dropna().unique()}
    for frame in (data.outcomes,):
        if frame is not None and by in frame:
            levels |= {str(v).strip() for v in frame[by].dropna().unique() if str(v).strip()}
    for c in data.params.cycles_up_to(data.cycle):
        prev = data.params.previous_cycle(c)
        if prev is None:
            continue
        for lvl in sorted(levels):
            seg = (by, lvl)
            x = indicator_value(data, lead.ref, lead.source, prev, seg)
            y = indicator_value(data, lag.ref, lag.source, c, seg)
            if np.isfinite(x) and np.isfinite(y):
                rows.append({"cycle": c, "segment": lvl, "lead": x, "lag": y})
    return pd.DataFrame(rows, columns=["cycle", "segment", "lead", "lag"])


def _fit_within(pts: pd.DataFrame, conf: float):
    """The within-segment slope of ``lag`` on ``lead`` over ``pts`` (segment-cycles), or None when
    it cannot be estimated: fewer than :data:`MIN_SEGMENT_CYCLES` segment-cycles, fewer than two
    segments, no segment seen in two cycles (a segment seen once only fits its own intercept), or
    no residual degree of freedom (n - segments - 1 < 1)."""
    sizes = pts["segment"].value_counts()
    if len(pts) < MIN_SEGMENT_CYCLES or len(sizes) < 2 or not (sizes >= 2).any() or len(pts) - len(sizes) - 1 < 1:
        return None
    return within_slope(pts["lag"], pts["lead"], pts["segment"], conf=conf)


def order_verdicts(t: pd.DataFrame, significant) -> list[str]:
    """The ``verdict`` of each row of :func:`lead_lag` (its docstring gives the rules) from
    ``within``, ``expected``, ``p_within_bh``, ``reverse``, ``p_reverse``, ``p_reverse_bh`` and
    an already set "too few"; ``significant(p)`` is params' ``p < significance``."""
    out = []
    for v, b, e, p, r, pr, prb in zip(t["verdict"], t["within"], t["expected"], t["p_within_bh"], t["reverse"],
                                      t["p_reverse"], t["p_reverse_bh"]):
        if v == "too few":
            out.append(v)
        elif pd.notna(p) and significant(p):
            out.append("opposite" if np.sign(b) != e else
                       "both ways" if pd.notna(pr) and significant(pr) else "moves first")
        else:
            out.append("follows" if pd.notna(prb) and significant(prb) and np.sign(r) == e else "unclear")
    return out


def lead_lag(data, by: str | None = None) -> pd.DataFrame:
    """:func:`_lead_lag`, computed once per loaded cycle and ``by``."""
    return memo(data, ("lead_lag", data.cycle, by), lambda: _lead_lag(data, by)).copy()  # callers may edit theirs


def _lead_lag(data, by: str | None = None) -> pd.DataFrame:
    """For each leading and lagging indicator pair: the lagged association across segment-cycles.

    Each segment-cycle pairs the leading indicator in cycle t-1 with the lagging one in cycle t
    (t-1 = params' previous cycle), for the groups of ``by`` (default: the first segment column
    the outcomes give groups for, else the first of ``analysis.breakdowns``).

    - pooled: OLS ``lag_t = a + b lead_(t-1) + e`` over all segment-cycles, HC1, t with n - 2 df;
    - within segments: ``lag_t = a_s + b lead_(t-1) + e`` with one intercept per segment
      (:func:`~xmo_analysis.stats.regression.within_slope`), t with n - 1 - S df: only the
      cycle-to-cycle movement inside each segment counts, not lasting differences between them.

    - the reverse order, the same within-segment slope with the roles swapped:
      ``lead_t = a_s + r lag_(t-1) + e`` (``reverse``, ``reverse_low``/``_high``, ``p_reverse``).
      A lagged association alone does not say which moves first: two indicators that drift
      together, or a lagging one that drives the leading one, show it too. Only an association
      in the stated order and none in the reverse one says "moves first".

    ``expected`` is the sign a leading indicator that drives the lagging one would give (negative
    when one is better higher and the other better lower). The forward and the reverse p-values
    are each adjusted by Benjamini-Hochberg over the pairs (``p_within_bh``, ``p_reverse_bh``).
    ``verdict``, with "significant" meaning below params' significance level:

    - "moves first": the forward slope is significant (BH) with the expected sign, and the reverse
      one is not significant even before adjustment (or has too few segment-cycles to be
      estimated): a claim of order is withdrawn at any sign of the reverse association;
    - "both ways": the forward slope is significant (BH) with the expected sign and the reverse
      one is significant before adjustment (feedback or a common drift: the order cannot be told);
    - "opposite": the forward slope is significant (BH) with the other sign;
    - "follows": the forward slope is not significant and the reverse one is (BH), with the
      expected sign: the "lagging" indicator moves first;
    - "unclear": neither;
    - "too few": fewer than :data:`MIN_CYCLES_LAGGED` cycles, or a forward slope that cannot be
      estimated (:func:`_fit_within`: fewer than :data:`MIN_SEGMENT_CYCLES` segment-cycles, ...).
    """
    params = data.params
    conf = params.policy.confidence
    ind = indicators(params)
    if not data.has("outcomes"):  # outcomes without a source are unknown everywhere: no pair to test
        ind = ind[ind["source"] != "outcome"]
    leads = ind[ind["kind"] == "leading"]
    lags = ind[ind["kind"] == "lagging"]
    if by is None:
        cols = outcome_columns(data) + list(params.analysis.breakdowns) + params.segments
        by = cols[0] if cols else None
    n_cycles = len(params.cycles_up_to(data.cycle))
    rows = []
    for lag in lags.itertuples():
        for lead in leads.itertuples():
            if lead.ref == lag.ref or by is None:
                continue
            pts = lagged_points(data, pd.Series(lead._asdict()), pd.Series(lag._asdict()), by)
            expected = 1.0 if bool(lead.higher_is_better) == bool(lag.higher_is_better) else -1.0
            row = {"leading": lead.label, "lagging": lag.label, "lead_ref": lead.ref, "lag_ref": lag.ref, "by": by,
                   "lead_unit": lead.unit, "lag_unit": lag.unit,
                   "expected": expected, "segment-cycles": len(pts), "segments": pts["segment"].nunique(),
                   "cycles": n_cycles}
            within = _fit_within(pts, conf) if n_cycles >= MIN_CYCLES_LAGGED else None
            if within is None:
                rows.append({**row, "verdict": "too few"})
                continue
            pooled = trend(pts["lag"], pts["lead"], conf=conf)
            # the same test in the other order: the leading indicator at t against the lagging one at t-1
            reverse = _fit_within(lagged_points(data, pd.Series(lag._asdict()), pd.Series(lead._asdict()), by), conf)
            rows.append({**row, "slope": pooled.value, "ci_low": pooled.ci_low, "ci_high": pooled.ci_high,
                         "p_value": pooled.p_value, "within": within.value, "within_low": within.ci_low,
                         "within_high": within.ci_high, "p_within": within.p_value,
                         **({"reverse": reverse.value, "reverse_low": reverse.ci_low, "reverse_high": reverse.ci_high,
                             "p_reverse": reverse.p_value} if reverse is not None else {})})
    cols = ["leading", "lagging", "lead_ref", "lag_ref", "by", "lead_unit", "lag_unit", "expected", "slope", "ci_low",
            "ci_high", "p_value", "within", "within_low", "within_high", "p_within", "p_within_bh", "reverse",
            "reverse_low", "reverse_high", "p_reverse", "p_reverse_bh", "segment-cycles", "segments", "cycles", "verdict"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out["p_within_bh"] = benjamini_hochberg(out["p_within"].astype(float))
        out["p_reverse_bh"] = benjamini_hochberg(out["p_reverse"].astype(float))
        out["verdict"] = order_verdicts(out, params.policy.significant)
    return out


# ---------------------------------------------------------------- backlog value
def backlog_value(data, backlog: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open backlog items whose value is given in hours or money: expected value =
    ``reach x value_per_reach x confidence`` (the RICE reading: people reached, what each gains,
    how sure we are), in the item's unit; an item in hours is also priced at the organisation's
    hourly cost of the current cycle (``money``), when the outcomes give one."""
    b = data.backlog if backlog is None else backlog
    cols = ["item_id", "title", "xla", "status", "reach", "value_per_reach", "value_unit", "confidence", "hours", "money"]
    if b is None or b.empty or "value_per_reach" not in b or "value_unit" not in b:
        return pd.DataFrame(columns=cols)
    b = b[~b["status"].isin(["released", "done", "cancelled"]) & b["value_per_reach"].notna() & b["value_unit"].notna()]
    price, _ = hourly_cost(data, data.cycle)
    ev = b["reach"] * b["value_per_reach"] * b["confidence"]
    out = b.assign(hours=np.where(b["value_unit"] == "hours", ev, np.nan),
                   money=np.where(b["value_unit"] == "hours", ev * price, np.where(b["value_unit"] == "money", ev, np.nan)))
    return out[cols].sort_values(["money", "hours", "item_id"], ascending=[False, False, True], kind="stable",
                                 na_position="last").reset_index(drop=True)
