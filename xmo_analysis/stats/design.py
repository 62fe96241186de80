"""The survey design: responses and their weights travelling together, in the manner of R's ``survey``.

R's ``svydesign()`` returns one object that carries the data, the weights and the calibration;
every estimator takes the design; ``subset(design, ...)`` gives a domain that keeps the whole
sample's design, and ``svyby()`` is the one per-segment loop. :class:`Design` does the same for
this package: weights are matched to responses by key (``response_id``) when the design is
built, never by row position afterwards, and every estimate of a domain goes through
:meth:`Design.subset`, so an unweighted domain is estimated on its own rows and a weighted one
as a domain of the whole sample (STATISTICS.md). Pure statistics: nothing here reads params.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from xmo_analysis.stats.comparisons import Comparison, compare, compare_segments
from xmo_analysis.stats.estimates import Estimate, mean, proportion
from xmo_analysis.stats.gaps import Gap, gap


def _same_keys(ids, keys: pd.Series) -> bool:
    """Whether ``ids`` are ``keys``, in order. Compared as pandas holds them: Arrow strings compare
    in Arrow, without a Python object per key (a million keys were two 65 MB object arrays)."""
    ids = pd.Series(ids, copy=False).reset_index(drop=True)
    return len(ids) == len(keys) and bool(ids.eq(keys.reset_index(drop=True)).fillna(False).all())


class Design:
    """Responses (one row each) with optional weights; ``domain`` marks the rows in scope (all of
    them; :meth:`subset` narrows it).

    Parameters
    ----------
    frame : the responses; its row order is the design's order.
    weights : plain weights (array) or raked :class:`~xmo_analysis.stats.weighting.Weights`. Raked
        weights must carry ``ids`` (the keys of the rows they were raked on); they are checked
        against ``frame[key]`` so that a weight can never land on another respondent's row.
    key : the column that identifies a response.
    """

    def __init__(self, frame: pd.DataFrame, weights=None, key: str = "response_id"):
        self.frame = frame.reset_index(drop=True)
        self.key = key
        if weights is not None:
            ids = getattr(weights, "ids", None)
            if len(weights) != len(self.frame):
                raise ValueError(f"{len(weights)} weights for {len(self.frame)} responses.")
            if ids is not None and not _same_keys(ids, self.frame[key]):
                raise ValueError(f"the weights were computed for other responses (or another order) than the "
                                 f"frame's `{key}`: match them by key before building the design.")
        self.weights = weights
        self.domain = np.ones(len(self.frame), dtype=bool)

    @property
    def weighted(self) -> bool:
        return self.weights is not None

    def __len__(self) -> int:
        """Rows in the domain."""
        return int(self.domain.sum())

    def weight_values(self) -> np.ndarray:
        """Each row's weight (1 when unweighted), in the frame's order."""
        return np.ones(len(self.frame)) if self.weights is None else np.asarray(self.weights, dtype=float)

    def subset(self, mask) -> "Design":
        """A domain: the same design with fewer rows in scope (R ``subset(design, ...)``)."""
        mask = np.asarray(mask, dtype=bool)
        if len(mask) != len(self.frame):
            raise ValueError(f"`mask` has {len(mask)} rows but the design has {len(self.frame)}.")
        sub = Design.__new__(Design)  # the same frame and weights: their keys were checked when built
        sub.frame, sub.key, sub.weights, sub.domain = self.frame, self.key, self.weights, self.domain & mask
        return sub

    def _values(self, values) -> np.ndarray:
        v = self.frame[values] if isinstance(values, str) else values
        arr = v.to_numpy(dtype=float, na_value=np.nan) if hasattr(v, "to_numpy") else np.asarray(v, dtype=float)
        if len(arr) != len(self.frame):
            raise ValueError(f"{len(arr)} values for a design of {len(self.frame)} rows.")
        return arr

    def mean(self, values, conf: float = 0.95) -> Estimate:
        """Mean of a column (or per-row values) over the domain (R ``svymean``; ``t.test`` unweighted)."""
        y = self._values(values)
        if self.weights is None:
            return mean(y[self.domain], conf=conf)
        return mean(y, self.weights, conf, domain=self.domain)

    def proportion(self, flags, conf: float = 0.95) -> Estimate:
        """Proportion over the domain (Wilson unweighted, ``svyciprop`` logit weighted)."""
        y = self._values(flags)
        if self.weights is None:
            return proportion(y[self.domain], conf=conf)
        return proportion(y, self.weights, conf, domain=self.domain)

    def gap(self, values, target: float, conf: float = 0.95, higher_is_better: bool = True) -> Gap:
        """The experience gap of the domain's mean against ``target`` (see :func:`~xmo_analysis.stats.gaps.gap`)."""
        y = self._values(values)
        if self.weights is None:
            return gap(y[self.domain], target, conf=conf, higher_is_better=higher_is_better)
        return gap(y, target, weights=self.weights, domain=self.domain, conf=conf, higher_is_better=higher_is_better)

    def compare(self, values, other: "Design", other_values, conf: float = 0.95) -> Comparison:
        """This domain minus another, independent sample's (e.g. the previous cycle)."""
        a, b = self._values(values), other._values(other_values)
        if self.weights is None and other.weights is None:
            return compare(a[self.domain], b[other.domain], conf=conf)
        if not (self.domain.all() and other.domain.all()):
            raise ValueError("weighted comparisons of independent samples take whole designs.")
        return compare(a, b, weights_a=self.weights if self.weights is not None else np.ones(len(a)),
                       weights_b=other.weights if other.weights is not None else np.ones(len(b)), conf=conf)

    def compare_segments(self, values, by: str, conf: float = 0.95, min_n: int = 1, skip=None) -> pd.DataFrame:
        """Every level of ``by`` against the rest (Welch unweighted; design-based when weighted)."""
        frame = self.frame.assign(_value=self._values(values))
        return compare_segments(frame, "_value", by, weights=self.weights, min_n=min_n, conf=conf, skip=skip)

    def by(self, column: str, fn: Callable[["Design", object], dict]) -> pd.DataFrame:
        """The one per-segment loop (R ``svyby``): ``fn(domain, level)`` per level, as rows."""
        rows = []
        levels = sorted(self.frame.loc[self.domain, column].dropna().unique(), key=str)
        for level in levels:
            rows.append({column: level, **fn(self.subset((self.frame[column] == level).to_numpy()), level)})
        return pd.DataFrame(rows)
