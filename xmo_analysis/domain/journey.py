"""The journey map: where in the journey experience breaks.

Params declare the journey (``analysis.journey`` in ``xmo.yaml``, see
:class:`~xmo_analysis.core.registry.Journey`): the segment column that holds each response's
stage, the stages in journey order, the score per stage and its O indicators. Per stage, in that
order, :func:`journey_table` gives

- **volume**: the responses at the stage, and the tickets when the tickets know the stage;
- **the X score with its CI**: an XLA scored exactly as :func:`~xmo_analysis.domain.xla.xla_scores`
  scores a segment (the stage's respondents as a domain of the cycle's design, the XLA's O part
  from the stage's own tickets when they carry the stage column, otherwise the organisation's),
  or an item or construct on its 0-100 points (:func:`~xmo_analysis.domain.xla.x_points`). The
  score is a mean of a per-response variable y over the stage's respondents S:
  unweighted :math:`\\bar y_S` with SE :math:`s/\\sqrt{n}` and a t CI (n-1 df); weighted
  :math:`\\sum_S w y / \\sum_S w` with the domain's linearisation SE and a normal CI
  (STATISTICS.md, "Means");
- **the gap to target and its status**: gap = score - target, its CI the score's CI shifted by the
  target, met / at risk / missed by :func:`~xmo_analysis.stats.gaps.gap`;
- **its O indicators**: each metric of ``journey.metrics`` over the stage's tickets
  (``metric(m, (column, stage), whole_if_absent=False)``: unknown, never the organisation's
  value, when the tickets do not know the stage);
- **vs the rest of the journey**: the stage's survey answers minus those of every other declared
  stage (Welch t unweighted; design-based ``svyglm(y ~ in_stage)`` weighted), with
  Benjamini-Hochberg adjusted p-values over the stages shown.

**The weakest stage** is the stage with the lowest score among the stages shown (ties: the
earlier stage in the journey). It is called a **pain point** when it is also significantly below
the rest of the journey (BH-adjusted p below params' significance, difference negative).

Privacy: a stage whose score rests on fewer than ``min_group_size`` respondents is hidden, with
complementary suppression (:func:`~xmo_analysis.privacy.suppression.hidden_groups`); at the
organisation's level the cycle's published suppression of the stage column applies too
(:func:`~xmo_analysis.domain.xla.published_hidden`). A hidden stage keeps its name and its O
indicators (operational records, not respondents) and loses every survey result.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from xmo_analysis.core.params import Journey, Params
from xmo_analysis.domain.xla import (cycle_design, ot_part, published_columns, published_hidden, x_points,
                                     xla_points)
from xmo_analysis.privacy.suppression import hidden_groups
from xmo_analysis.sources.metric_sources import metric_source

COLUMNS = ["order", "stage", "responses", "tickets", "score", "se", "ci_low", "ci_high", "target", "gap",
           "gap_ci_low", "gap_ci_high", "p_meets", "status", "diff", "diff_ci_low", "diff_ci_high", "p_value",
           "p_adjusted", "suppressed", "weakest"]
SURVEY = ["responses", "score", "se", "ci_low", "ci_high", "gap", "gap_ci_low", "gap_ci_high", "p_meets", "status",
          "diff", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted"]


def journey_spec(params: Params) -> Journey:
    """Params' journey, or a clear error naming the key to add."""
    spec = params.journey
    if spec is None or not spec.stages:
        raise ValueError("params declare no journey: add `analysis: {journey: {column: <segment column>, "
                         "stages: [<stages in journey order>], score: <XLA id>}}` to params/xmo.yaml.")
    return spec


def score_label(params: Params, spec: Journey) -> str:
    """What the reader calls the journey's score: 'XLA-1 Service desk experience' or the indicator's label."""
    xla = params.xlas.get(spec.score)
    return f"{xla.id} {xla.name}" if xla is not None else params.indicator_label(spec.score)


def journey_table(data, cycle: str | None = None, within: tuple[str, object] | None = None) -> pd.DataFrame:
    """The journey's stages in their declared order: volume, score with CI, gap, status, O indicators.

    Parameters
    ----------
    data : the cycle's data.
    cycle : the cycle (default: the current one).
    within : ``(segment column, group)``: the journey of one group's respondents (an audience
        report); its stages are domains of the whole cycle's design, suppression is decided on the
        group's own counts, and the O indicators stay the stage's (every ticket at the stage).

    Returns
    -------
    DataFrame with one row per declared stage (:data:`COLUMNS` plus one column per metric id of
    ``journey.metrics``). ``attrs``: ``weakest`` (stage or None), ``pain_point`` (bool),
    ``undeclared`` (stages in the data that the journey does not declare), ``score`` (its label),
    ``weighted``.

    Notes
    -----
    See the module docstring for each estimate; per stage S with target T the score is
    :math:`\\hat\\mu_S` with its CI, gap :math:`\\hat\\mu_S - T` with CI
    :math:`[lo_S - T, hi_S - T]`, and the one-sided p-value of "meets the target".
    """
    params = data.params
    spec = journey_spec(params)
    cycle = cycle or data.cycle
    policy = params.policy
    design = cycle_design(data, cycle)
    resp = design.frame
    col = spec.column
    stage = resp[col]
    scope = np.ones(len(resp), dtype=bool) if within is None else \
        (resp[within[0]].astype(str) == str(within[1])).to_numpy()
    sources = {name: metric_source(data, name, cycle) for name in ("tickets", "telemetry")}
    xla = params.xlas.get(spec.score)

    def points(segment):
        if xla is None:
            return x_points(resp, params, spec.score)
        return xla_points(resp, params, xla, ot_part(sources, params, xla, segment))

    # who stands behind each stage's score: respondents in scope with a score, every level of the column
    base = points(None)
    scored = scope & np.isfinite(base)
    levels = sorted(stage[scope].dropna().unique(), key=str)
    counts = pd.Series({lvl: int((scored & (stage == lvl).to_numpy()).sum()) for lvl in levels}, dtype="int64")
    hidden = hidden_groups(counts, params.min_group_size) if len(counts) else pd.Series(dtype=bool)
    if within is None and col in published_columns(data, cycle):
        across = published_hidden(data, cycle)
        hidden = pd.Series({lvl: bool(hidden[lvl]) or (col, lvl) in across for lvl in counts.index}, dtype=bool)
    visible = [s for s in spec.stages if s in counts.index and not hidden[s] and counts[s] > 0]

    # the stage against the rest of the journey: survey answers (the organisation's O part), in scope
    declared = scope & stage.isin(spec.stages).to_numpy()
    cmp = design.compare_segments(np.where(declared, base, np.nan), col, conf=policy.confidence, min_n=1,
                                  skip=set(levels) - set(visible)).set_index("segment")
    metrics = [params.metrics[m] for m in spec.metrics]
    rows = []
    for order, s in enumerate(spec.stages, start=1):
        tickets = sources["tickets"]
        row = {"order": order, "stage": s, "responses": int(counts.get(s, 0)),
               "tickets": tickets.count((col, s)) if col in tickets.columns else np.nan,
               "target": spec.target, "suppressed": s not in visible, "weakest": False}
        for m in metrics:
            row[m.id] = sources[m.source].metric(m, (col, s), whole_if_absent=False)
        if s in visible:
            domain = design.subset(scope & (stage == s).to_numpy())
            y = points((col, s))
            if spec.target is None:
                e = domain.mean(y, conf=policy.confidence)
                row.update(score=e.value, se=e.se, ci_low=e.ci_low, ci_high=e.ci_high)
            else:
                g = domain.gap(y, spec.target, conf=policy.confidence)
                row.update(score=g.value, se=g.estimate.se, ci_low=g.estimate.ci_low, ci_high=g.estimate.ci_high,
                           gap=g.gap, gap_ci_low=g.ci_low, gap_ci_high=g.ci_high, p_meets=g.p_value, status=g.status)
            if s in cmp.index:
                c = cmp.loc[s]
                row.update(diff=c["diff"], diff_ci_low=c["diff_ci_low"], diff_ci_high=c["diff_ci_high"],
                           p_value=c["p_value"], p_adjusted=c["p_adjusted"])
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=COLUMNS + [m.id for m in metrics])
    out[SURVEY] = out[SURVEY].astype(object)
    out.loc[out["suppressed"], SURVEY] = np.nan
    out["weakest"] = False
    shown = out[~out["suppressed"] & out["score"].notna()]
    weakest, pain = None, False
    if len(shown):
        k = shown["score"].astype(float).idxmin()  # first of equal minima: the earlier stage
        out.loc[k, "weakest"] = True
        weakest = out.loc[k, "stage"]
        p, d = out.loc[k, "p_adjusted"], out.loc[k, "diff"]
        pain = bool(pd.notna(p) and policy.significant(float(p)) and float(d) < 0)
    out.attrs.update(weakest=weakest, pain_point=pain, score=score_label(params, spec), weighted=design.weighted,
                     undeclared=sorted((str(s) for s in levels if s not in spec.stages)))
    return out


__all__ = ["COLUMNS", "journey_spec", "journey_table", "score_label"]
