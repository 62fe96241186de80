"""The public statistics API: ``from xmo_analysis import stats``.

Re-exports the estimators of the smaller modules (one per statistical family) so that users
and the R cross-checks have one stable place to import from. Definitions: ``shared/STATISTICS.md``.
"""
from __future__ import annotations

from .comparisons import Comparison, compare, compare_segments
from .drivers import drivers, lmg
from .estimates import Estimate, design_effect, effective_n, mean, proportion
from .gaps import Gap, gap, status_of
from .weighting import RakingWarning, Weights, rake
from .validity import Representativeness, margin_of_error, representativeness
from .reliability import Reliability, cronbach_alpha
from .scores import ces, ces_easy, csat, happiness, likert_score, nps

__all__ = ["Estimate", "Gap", "Comparison", "mean", "proportion", "gap", "status_of", "compare",
           "compare_segments", "nps", "happiness", "csat", "ces", "likert_score", "design_effect",
           "effective_n", "margin_of_error", "representativeness", "Representativeness", "rake", "Weights",
           "RakingWarning", "cronbach_alpha", "Reliability", "ces_easy", "drivers", "lmg"]
