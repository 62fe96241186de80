"""The public statistics API: ``from xmo_analysis import stats``.

Re-exports the estimators of the smaller modules (one per statistical family) so that users
and the R cross-checks have one stable place to import from. Definitions: ``shared/STATISTICS.md``.
"""
from __future__ import annotations

from xmo_analysis.stats.comparisons import Comparison, compare, compare_segments, segment_vs_rest
from xmo_analysis.stats.design import Design
from xmo_analysis.stats.regression import Coefficient, benjamini_hochberg, control_limits, did, trend, within_slope
from xmo_analysis.stats.drivers import drivers, lmg
from xmo_analysis.stats.estimates import Estimate, design_effect, effective_n, mean, proportion
from xmo_analysis.stats.gaps import Gap, gap, status_of
from xmo_analysis.stats.weighting import RakingWarning, Weights, rake
from xmo_analysis.stats.validity import Representativeness, margin_of_error, representativeness
from xmo_analysis.stats.reliability import Reliability, cronbach_alpha
from xmo_analysis.stats.scores import ces, ces_easy, csat, happiness, likert_score, nps

__all__ = ["Estimate", "Gap", "Comparison", "mean", "proportion", "gap", "status_of", "compare",
           "compare_segments", "nps", "happiness", "csat", "ces", "likert_score", "design_effect",
           "effective_n", "margin_of_error", "representativeness", "Representativeness", "rake", "Weights",
           "RakingWarning", "cronbach_alpha", "Reliability", "ces_easy", "drivers", "lmg", "segment_vs_rest",
           "Design", "Coefficient", "did", "trend", "within_slope", "control_limits", "benjamini_hochberg"]
