"""Validity of a survey: response rates, margin of error, representativeness (mission 1)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps


def margin_of_error(n: int, population: int | None = None, p: float = 0.5, conf: float = 0.95) -> float:
    """Margin of error of a proportion, with the finite population correction when N is known.

    Notes
    -----
    .. math:: MoE = z_{1-\\alpha/2} \\sqrt{p(1-p)/n} \\sqrt{(N-n)/(N-1)}

    Examples
    --------
    >>> round(margin_of_error(1000), 4)  # the classic +/- 3.1 points
    0.031
    """
    if n < 1:
        raise ValueError(f"`n` must be at least 1; not {n!r}.")
    if not 0 <= p <= 1:
        raise ValueError(f"`p` must be between 0 and 1; not {p!r}.")
    if population is not None and population < n:
        raise ValueError(f"`population` ({population}) must be at least `n` ({n}).")
    moe = sps.norm.ppf(0.5 + conf / 2) * np.sqrt(p * (1 - p) / n)
    if population is not None:
        moe *= np.sqrt((population - n) / (population - 1)) if population > 1 else 0.0
    return float(moe)


@dataclass(frozen=True)
class Representativeness:
    """Chi-square goodness of fit of the respondents' segment counts to the population's shares."""

    chi2: float
    df: int
    p_value: float
    table: pd.DataFrame


def representativeness(sample_counts, population_counts) -> Representativeness:
    """Do respondents mirror the population? (R ``chisq.test(x, p = N / sum(N))``).

    Parameters
    ----------
    sample_counts, population_counts : mappings (or Series) segment -> count; every population
        segment must appear (a segment with no respondents counts 0).

    Returns ``chi2, df, p_value`` and ``table`` with, per segment, respondents, headcount,
    sample share, population share and response rate.
    """
    pop = pd.Series(population_counts, dtype=float)
    sample = pd.Series(sample_counts, dtype=float).reindex(pop.index, fill_value=0.0)
    extra = set(pd.Series(sample_counts).index) - set(pop.index)
    if extra:
        raise ValueError(f"segments {sorted(map(str, extra))} have respondents but no population count.")
    if (pop <= 0).any():
        raise ValueError("every population count must be positive.")
    expected = pop / pop.sum() * sample.sum()
    chi2 = float(((sample - expected) ** 2 / expected).sum())
    df = len(pop) - 1
    table = pd.DataFrame({"respondents": sample.astype(int), "headcount": pop.astype(int),
                          "sample_share": sample / sample.sum(), "population_share": pop / pop.sum(),
                          "response_rate": sample / pop})
    return Representativeness(chi2, df, float(sps.chi2.sf(chi2, df)), table)
