"""Channel assessment: effort, satisfaction, resolution and cost per contact channel, the channel
mix over cycles, and two groups of channels compared (e.g. digital against assisted).

Params declare the channels (``analysis.channels`` in ``xmo.yaml``, see
:class:`~xmo_analysis.core.registry.Channels`): the segment column of the contact channel (on
responses and tickets) and the two groups of channels to compare, each with its label (``groups:
{digital: [portal, chat], assisted: [phone, walk-in]}``). Every label readers see comes from
params. Per channel,
:func:`channel_table` gives

- **effort**: the mean of the raw CES answer (1-7, higher = easier; STATISTICS.md), unweighted
  :math:`\\bar y` with SE :math:`s/\\sqrt n` and a t CI, weighted the domain's linearised mean
  with a normal CI;
- **satisfaction**: CSAT top-2-box, :math:`100\\,\\hat p` with :math:`\\hat p` the share of 4-5
  answers; Wilson CI unweighted, the logit CI of ``svyciprop`` weighted;
- **first-contact resolution** (FCR): the share of the channel's tickets resolved at first
  contact (params' ``resolution`` metric, a tickets ``rate``), :math:`\\hat p = x/n` with the
  Wilson interval, ``n`` the channel's tickets (exact when every ticket carries the flag);
- **cost per contact** when an outcomes source holds one by channel (``channels.cost``);
  otherwise the report says there is no cost data (:func:`cost_per_contact` is the hook);
- each channel's **share** of the cycle's responses and tickets in the declared channels.

:func:`channel_mix` gives the shares per cycle and the change against the previous cycle
(two-proportion z, independent samples). :func:`compare_groups` compares the two groups of
channels with the tests of STATISTICS.md: Welch t for effort, the two-proportion z for
satisfaction and FCR; when the survey is weighted, the two groups come from one sample and the
difference is design-based, as R ``svyglm(y ~ in_first_group, design)``
(:func:`~xmo_analysis.stats.comparisons.segment_vs_rest` with every response outside the two
groups out of the domain).

Privacy: a channel whose survey results rest on fewer than ``min_group_size`` respondents is
hidden with complementary suppression (and the cycle's published suppression of the column);
its ticket figures stay (operational records). The groups' comparison is withheld when
its group's hidden channels hold 1 to ``min_group_size - 1`` respondents: the group minus its
visible channels would reveal them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.core.params import Channels, Params
from xmo_analysis.domain.xla import cycle_design, published_columns, published_hidden
from xmo_analysis.privacy.suppression import hidden_groups
from xmo_analysis.sources.metric_sources import metric_source
from xmo_analysis.stats.comparisons import Comparison, compare, segment_vs_rest
from xmo_analysis.stats.estimates import Estimate, proportion
from xmo_analysis.stats.scores import csat_points

SURVEY = ["responses", "effort", "effort_ci_low", "effort_ci_high", "satisfaction", "satisfaction_ci_low",
          "satisfaction_ci_high", "share_of_responses"]


def channel_spec(params: Params) -> Channels:
    """Params' channels, or a clear error naming the key to add."""
    spec = params.channels
    if spec is None or not spec.groups[0][1]:
        raise ValueError("params declare no channels: add `analysis: {channels: {column: <segment column>, "
                         "groups: {<label>: [<channels>], <label>: [<channels>]}}}` to params/xmo.yaml.")
    return spec


def channel_kinds(data, cycle: str | None = None) -> dict[str, str]:
    """Channel -> the label of its group, the first group first, each in params' order; without a
    second group declared every other channel seen in the cycles so far is in it (by name)."""
    spec = channel_spec(data.params)
    (first, chans), (second, others) = spec.groups
    out = {c: first for c in chans}
    if others is not None:
        out.update({c: second for c in others})
        return out
    seen = set()
    for c in data.params.cycles_up_to(cycle or data.cycle):
        resp = data.of_cycle("responses", c)
        seen |= set(resp[spec.column].dropna().astype(str)) if spec.column in resp else set()
        seen |= set(_ticket_counts(data, c, list(seen)))
    out.update({c: second for c in sorted(seen - set(out))})
    return out


def _ticket_counts(data, cycle: str, channels: list[str]) -> dict[str, int]:
    spec = channel_spec(data.params)
    src = metric_source(data, "tickets", cycle)
    if spec.column not in src.columns:
        return {}
    return {c: src.count((spec.column, c)) for c in channels}


def rate_estimate(rate: float, n: int, conf: float = 0.95) -> Estimate:
    """A rate of ``n`` records as a proportion with its Wilson interval (R ``prop.test(x, n,
    correct=FALSE)``), ``x = round(rate * n)``: what an aggregated source (a rate and a count)
    allows."""
    if n <= 0 or np.isnan(rate):
        return Estimate(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0.0, "proportion (Wilson)")
    x = int(round(rate * n))
    return proportion(np.r_[np.ones(x), np.zeros(n - x)], conf=conf)


def cost_per_contact(data, cycle: str | None = None) -> dict[str, float] | None:
    """Cost per contact by channel from the outcomes source, or None ("no cost data").

    The hook for money: params' ``channels.cost`` names the outcomes column that holds the cost
    per contact; the outcomes rows of the cycle that carry the channel column give each channel's
    mean of it. Without that key, an outcomes source, or those columns, there is no cost data.
    """
    spec = channel_spec(data.params)
    if spec.cost is None or not hasattr(data, "outcomes") or not data.has("outcomes"):
        return None
    rows = data.of_cycle("outcomes", cycle or data.cycle)
    if not isinstance(rows, pd.DataFrame) or spec.column not in rows or spec.cost not in rows:
        return None
    rows = rows.dropna(subset=[spec.column])
    values = pd.to_numeric(rows[spec.cost], errors="coerce").groupby(rows[spec.column].astype(str)).mean()
    return {str(k): float(v) for k, v in values.dropna().items()} or None


MIX_COST = ["cycle", "tickets", "cost", "cost_per_contact", "mix_effect", "mix_effect_per_contact"]


def mix_cost(data, cycle: str | None = None) -> pd.DataFrame:
    """What the cycle's contacts cost, by group of channels, and what the shift of the mix saved.

    Per cycle t up to ``cycle``, with :math:`n_{c,t}` the tickets of channel c (declared channels
    only), :math:`N_t = \\sum_c n_{c,t}`, :math:`s_{c,t} = n_{c,t} / N_t` and :math:`k_{c,t}` the
    channel's cost per contact from the outcomes (:func:`cost_per_contact`):

    - ``cost`` :math:`C_t = \\sum_c n_{c,t} k_{c,t}` and ``cost_per_contact`` :math:`C_t / N_t`;
    - per group g (params' labels, columns ``cost_per_contact_<label>``):
      :math:`\\sum_{c \\in g} n_{c,t} k_{c,t} / \\sum_{c \\in g} n_{c,t}`;
    - ``mix_effect``: what the shift of the mix since the previous cycle changed the cost, at
      this cycle's prices and volume, :math:`N_t \\sum_c (s_{c,t} - s_{c,t-1}) k_{c,t}` (negative:
      the shift saved money), and per contact :math:`\\sum_c (s_{c,t} - s_{c,t-1}) k_{c,t}`.

    Costs and ticket counts are records, not samples: no CI. A cycle where a channel with tickets
    has no cost is left out (its cost would be understated). Empty without cost data or tickets
    that know the channel.
    """
    params = data.params
    spec = channel_spec(params)
    kinds = channel_kinds(data, cycle)
    cols = MIX_COST + [f"cost_per_contact_{g}" for g in spec.labels]
    rows, prev = [], None
    for c in params.cycles_up_to(cycle or data.cycle):
        costs = cost_per_contact(data, c)
        counts = _ticket_counts(data, c, list(kinds)) if data.has("tickets") else {}
        total = sum(counts.values())
        if not costs or not total or any(n and ch not in costs for ch, n in counts.items()):
            prev = None
            continue
        share = {ch: n / total for ch, n in counts.items()}
        row = {"cycle": c, "tickets": total, "cost": sum(n * costs[ch] for ch, n in counts.items() if n)}
        row["cost_per_contact"] = row["cost"] / total
        for g in spec.labels:
            n_g = sum(n for ch, n in counts.items() if kinds[ch] == g)
            row[f"cost_per_contact_{g}"] = (sum(n * costs[ch] for ch, n in counts.items() if kinds[ch] == g and n)
                                            / n_g if n_g else np.nan)
        if prev is not None:
            moved = [ch for ch in share if share[ch] or prev.get(ch)]
            per = (sum((share[ch] - prev.get(ch, 0.0)) * costs[ch] for ch in moved)
                   if all(ch in costs for ch in moved) else np.nan)  # a channel emptied without a price: unknown
            row.update(mix_effect=per * total, mix_effect_per_contact=per)
        rows.append(row)
        prev = share
    return pd.DataFrame(rows).reindex(columns=cols)


def _survey(data, cycle: str):
    """The cycle's design, channel column as text, effort values and satisfaction flags."""
    params = data.params
    spec = channel_spec(params)
    design = cycle_design(data, cycle)
    resp = design.frame
    channel = resp[spec.column].astype("string")
    nan = np.full(len(resp), np.nan)
    effort = resp[spec.effort].to_numpy(dtype=float, na_value=np.nan) if spec.effort in resp else nan
    sat = csat_points(resp[spec.satisfaction]) if spec.satisfaction in resp else nan
    return design, channel, effort, np.asarray(sat, dtype=float)


def _hidden(data, cycle: str, channel: pd.Series, effort: np.ndarray, sat: np.ndarray,
            within: np.ndarray | None = None) -> pd.Series:
    """Channels to hide: the fewest respondents behind either survey result under the threshold,
    complementary suppression, and the cycle's published suppression of the column."""
    params = data.params
    col = channel_spec(params).column
    scope = np.ones(len(channel), dtype=bool) if within is None else within
    levels = sorted(channel[scope].dropna().unique(), key=str)
    counts = pd.Series({c: int(min((scope & (channel == c).fillna(False).to_numpy() & np.isfinite(v)).sum()
                                   for v in (effort, sat))) for c in levels}, dtype="int64")
    hidden = hidden_groups(counts, params.min_group_size) if len(counts) else pd.Series(dtype=bool)
    if within is None and col in published_columns(data, cycle):
        across = {str(lvl) for c, lvl in published_hidden(data, cycle) if c == col}
        hidden = pd.Series({c: bool(hidden[c]) or c in across for c in counts.index}, dtype=bool)
    return hidden


def channel_table(data, cycle: str | None = None) -> pd.DataFrame:
    """Per channel (the first group first, params' order): effort, satisfaction, FCR, cost, shares.

    Returns one row per channel with ``channel, kind, responses, effort (+ CI), satisfaction
    (+ CI), tickets, fcr (+ CI), cost_per_contact, share_of_responses, share_of_tickets,
    suppressed``; ``attrs["cost"]`` is False when there is no cost data. Formulas: module docstring.
    """
    params = data.params
    spec = channel_spec(params)
    cycle = cycle or data.cycle
    conf = params.policy.confidence
    kinds = channel_kinds(data, cycle)
    design, channel, effort, sat = _survey(data, cycle)
    hidden = _hidden(data, cycle, channel, effort, sat)
    tickets = metric_source(data, "tickets", cycle)
    knows = spec.column in tickets.columns
    fcr_metric = params.metrics.get(spec.resolution) if spec.resolution else None
    counts = _ticket_counts(data, cycle, list(kinds))
    declared = int(channel.isin(list(kinds)).fillna(False).sum())
    costs = cost_per_contact(data, cycle)
    rows = []
    for c, kind in kinds.items():
        mask = (channel == c).fillna(False).to_numpy()
        row = {spec.column: c, "kind": kind, "responses": int(mask.sum()), "tickets": counts.get(c, np.nan),
               "share_of_responses": mask.sum() / declared if declared else np.nan,
               "share_of_tickets": counts[c] / sum(counts.values()) if knows and sum(counts.values()) else np.nan,
               "cost_per_contact": (costs or {}).get(c, np.nan),
               "suppressed": bool(hidden.get(c, mask.sum() > 0))}
        if fcr_metric is not None and knows:
            e = rate_estimate(tickets.metric(fcr_metric, (spec.column, c), whole_if_absent=False), counts[c], conf)
            row.update(fcr=e.value, fcr_ci_low=e.ci_low, fcr_ci_high=e.ci_high)
        if not row["suppressed"] and mask.any():
            domain = design.subset(mask)
            if np.isfinite(effort[mask]).any():
                e = domain.mean(effort, conf=conf)
                row.update(effort=e.value, effort_ci_low=e.ci_low, effort_ci_high=e.ci_high)
            if np.isfinite(sat[mask]).any():
                e = domain.proportion(sat, conf=conf).scaled(100)
                row.update(satisfaction=e.value, satisfaction_ci_low=e.ci_low, satisfaction_ci_high=e.ci_high)
        rows.append(row)
    cols = [spec.column, "kind", "responses", "effort", "effort_ci_low", "effort_ci_high", "satisfaction",
            "satisfaction_ci_low", "satisfaction_ci_high", "tickets", "fcr", "fcr_ci_low", "fcr_ci_high",
            "cost_per_contact", "share_of_responses", "share_of_tickets", "suppressed"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out[SURVEY] = out[SURVEY].astype(object)
    out.loc[out["suppressed"], SURVEY] = np.nan
    out.attrs.update(cost=costs is not None, weighted=design.weighted, fcr=fcr_metric is not None and knows)
    return out


def _scaled(c: Comparison, factor: float) -> Comparison:
    return Comparison(c.diff * factor, c.se * factor, c.ci_low * factor, c.ci_high * factor, c.statistic, c.df,
                      c.p_value, c.method)


def compare_groups(data, cycle: str | None = None) -> pd.DataFrame:
    """The first group of channels minus the second on effort, satisfaction and first-contact resolution.

    Returns one row per measure with ``measure, first, second, diff, diff_ci_low, diff_ci_high,
    p_value, method, n_first, n_second, suppressed``; ``attrs["labels"]`` holds the two groups'
    labels from params (e.g. ``("digital", "assisted")``).

    Notes
    -----
    Effort (a mean): Welch's t, :math:`d = \\bar y_1 - \\bar y_2`,
    :math:`SE = \\sqrt{s_1^2/n_1 + s_2^2/n_2}`, Welch-Satterthwaite df (R ``t.test``).
    Satisfaction (CSAT top-2-box, points) and FCR (tickets): two-proportion z, pooled SE for
    the test, unpooled for the CI (R ``prop.test(correct=FALSE)``), x 100 for satisfaction.
    Weighted survey: the design-based coefficient of ``svyglm(y ~ in_first)`` over the responses
    of the two groups (:func:`~xmo_analysis.stats.comparisons.segment_vs_rest`), normal reference.
    """
    params = data.params
    cycle = cycle or data.cycle
    conf = params.policy.confidence
    min_n = params.min_group_size
    spec = channel_spec(params)
    kinds = channel_kinds(data, cycle)
    design, channel, effort, sat = _survey(data, cycle)
    hidden = _hidden(data, cycle, channel, effort, sat)
    group = channel.map(kinds).to_numpy(dtype=object, na_value=None)
    labels = spec.labels
    dig, ass = group == labels[0], group == labels[1]
    rows = []
    for measure, y, kind, factor in (("effort (CES mean, 1-7)", effort, "mean", 1.0),
                                     ("satisfaction (CSAT top-2-box, %)", sat, "proportion", 100.0)):
        ok = np.isfinite(y)
        n_d, n_a = int((dig & ok).sum()), int((ass & ok).sum())
        # a group's hidden channels must not be recoverable as the group minus its visible channels
        leak = any(0 < sum(int(((channel == c).fillna(False).to_numpy() & ok).sum())
                           for c, k in kinds.items() if k == g and hidden.get(c, False)) < min_n
                   for g in labels)
        row = {"measure": measure, "n_first": n_d, "n_second": n_a,
               "suppressed": min(n_d, n_a) < min_n or leak}
        if not row["suppressed"]:
            if design.weighted:
                yy = np.where(dig | ass, y, np.nan)
                c = _scaled(segment_vs_rest(yy, design.weights, dig, conf), factor)
                a, b = (getattr(design.subset(m), kind)(yy, conf) for m in (dig, ass))
                row.update(first=a.value * factor, second=b.value * factor)
            else:
                c = _scaled(compare(y[dig & ok], y[ass & ok], kind=kind, conf=conf), factor)
                row.update(first=float(np.mean(y[dig & ok])) * factor, second=float(np.mean(y[ass & ok])) * factor)
            row.update(diff=c.diff, diff_ci_low=c.ci_low, diff_ci_high=c.ci_high, p_value=c.p_value, method=c.method)
        rows.append(row)
    tickets = metric_source(data, "tickets", cycle)
    fcr_metric = params.metrics.get(spec.resolution) if spec.resolution else None
    if fcr_metric is not None and spec.column in tickets.columns:
        flags = {}
        for g in labels:
            parts = []
            for c, k in kinds.items():
                if k == g:
                    n = tickets.count((spec.column, c))
                    rate = tickets.metric(fcr_metric, (spec.column, c), whole_if_absent=False)
                    x = 0 if n == 0 or np.isnan(rate) else int(round(rate * n))
                    parts.append(np.r_[np.ones(x), np.zeros(n - x if n and not np.isnan(rate) else 0)])
            flags[g] = np.concatenate(parts) if parts else np.zeros(0)
        f1, f2 = flags[labels[0]], flags[labels[1]]
        row = {"measure": "first-contact resolution (tickets, %)", "n_first": len(f1), "n_second": len(f2),
               "suppressed": min(len(f1), len(f2)) == 0}
        if not row["suppressed"]:
            c = _scaled(compare(f1, f2, kind="proportion", conf=conf), 100.0)
            row.update(first=100 * f1.mean(), second=100 * f2.mean(), diff=c.diff,
                       diff_ci_low=c.ci_low, diff_ci_high=c.ci_high, p_value=c.p_value, method=c.method)
        rows.append(row)
    cols = ["measure", "first", "second", "diff", "diff_ci_low", "diff_ci_high", "p_value", "method",
            "n_first", "n_second", "suppressed"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out.attrs["labels"] = labels
    return out


def channel_mix(data, cycle: str | None = None) -> pd.DataFrame:
    """Each channel's share of responses and of tickets per cycle, and the change vs the previous cycle.

    Returns one row per (cycle, channel) with ``cycle, channel, kind, responses, share_of_responses,
    change_responses, p_responses, tickets, share_of_tickets, change_tickets, p_tickets``.

    Notes
    -----
    Share :math:`\\hat p_{c,t} = n_{c,t} / n_t` over the cycle's responses (tickets) in the
    declared channels; change :math:`\\hat p_{c,t} - \\hat p_{c,t-1}` in percentage points with the
    two-proportion z-test (independent samples; R ``prop.test(c(x1, x0), c(n1, n0),
    correct=FALSE)``). Volumes, unweighted. A channel hidden in a cycle's responses shows no
    response share there, nor a change to or from it.
    """
    params = data.params
    spec = channel_spec(params)
    kinds = channel_kinds(data, cycle)
    conf = params.policy.confidence
    cycles = params.cycles_up_to(cycle or data.cycle)
    rows, prev = [], None
    for c in cycles:
        resp = data.of_cycle("responses", c)
        channel = resp[spec.column].astype("string")
        levels = sorted(channel.dropna().unique(), key=str)
        counts = pd.Series({lvl: int((channel == lvl).sum()) for lvl in levels}, dtype="int64")
        hidden = hidden_groups(counts, params.min_group_size) if len(counts) else pd.Series(dtype=bool)
        if spec.column in published_columns(data, c):
            across = {str(lvl) for col, lvl in published_hidden(data, c) if col == spec.column}
            hidden = pd.Series({k: bool(hidden[k]) or k in across for k in counts.index}, dtype=bool)
        tickets = _ticket_counts(data, c, list(kinds))
        own = counts.reindex(list(kinds), fill_value=0)
        now = {"responses": (own, int(own.sum()), hidden),
               "tickets": (pd.Series(tickets, dtype="int64").reindex(list(kinds), fill_value=0) if tickets else None,
                           sum(tickets.values()) if tickets else 0, None)}
        for ch, kind in kinds.items():
            row = {"cycle": c, spec.column: ch, "kind": kind}
            for what, (cnt, total, hid) in now.items():
                if cnt is None or total == 0 or (hid is not None and bool(hid.get(ch, False))):
                    continue
                row[what] = int(cnt[ch])
                row[f"share_of_{what}"] = cnt[ch] / total
                before = prev.get(what) if prev else None
                if before is not None and before[0] is not None and before[1] > 0 and not (
                        before[2] is not None and bool(before[2].get(ch, False))):
                    x0, n0 = int(before[0][ch]), before[1]
                    x1, n1 = int(cnt[ch]), total
                    d = compare(np.r_[np.ones(x1), np.zeros(n1 - x1)], np.r_[np.ones(x0), np.zeros(n0 - x0)],
                                kind="proportion", conf=conf)
                    row[f"change_{what}"] = 100 * d.diff
                    row[f"p_{what}"] = d.p_value
            rows.append(row)
        prev = now
    cols = ["cycle", spec.column, "kind", "responses", "share_of_responses", "change_responses", "p_responses",
            "tickets", "share_of_tickets", "change_tickets", "p_tickets"]
    return pd.DataFrame(rows).reindex(columns=cols)


__all__ = ["channel_kinds", "channel_mix", "channel_spec", "channel_table", "compare_groups", "cost_per_contact",
           "mix_cost", "rate_estimate"]
