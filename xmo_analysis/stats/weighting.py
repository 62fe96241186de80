"""Weighting by raking (iterative proportional fitting) to population margins, as R ``survey::rake``.

:func:`rake` returns :class:`Weights`: an array of final weights that also remembers its starting
weights and the margins' indicator matrix, so that :func:`~xmo_analysis.stats.estimates.mean`,
:func:`~xmo_analysis.stats.estimates.proportion` and :func:`~xmo_analysis.stats.gaps.gap` report the
calibration-aware standard error of STATISTICS.md. Written by hand because no maintained Python
library implements R's raked-design variance; the IPF loop itself is a few lines of numpy.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmo_analysis.stats.estimates import design_effect, effective_n


class RakingWarning(UserWarning):
    """Raking stopped at ``max_iter`` sweeps before every margin matched within ``tol``."""


@dataclass
class Weights:
    """Raked weights (``values_``) with what their variance estimator needs.

    Behaves as a 1-D float array (``np.asarray(w)``); ``start`` are the starting weights,
    ``codes`` each margin's level per row (``sizes`` levels each), from which :attr:`X`, the
    intercept and the margins' indicator columns, is built when asked; ``iterations`` the sweeps
    used. The indicator matrix is not kept: at a million responses it is 8 bytes x (1 + levels)
    a row (about 100 MB a cycle, in every process that holds the weights).
    """

    values_: np.ndarray
    start: np.ndarray
    codes: tuple
    sizes: tuple
    margins: dict
    iterations: int
    converged: bool
    ids: object = None  # the keys of the rows raked (a Design checks them against its rows)

    def __array__(self, dtype=None, copy=None):
        return self.values_.astype(dtype) if dtype is not None else self.values_

    def __len__(self) -> int:
        return len(self.values_)

    def __getstate__(self) -> dict:
        """Pickled without the memoised projection factors (small, rebuilt on first use)."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @property
    def X(self) -> np.ndarray:
        """The intercept and one indicator column per margin level (n x (1 + levels))."""
        return self._scaled(np.ones(len(self.values_)))

    def _blocks(self):
        """Each margin's codes with its columns in X (after the intercept, column 0)."""
        offset = 1
        for code, size in zip(self.codes, self.sizes):
            yield code, slice(offset, offset + size)
            offset += size

    def _scaled(self, s: np.ndarray) -> np.ndarray:
        """``X * s[:, None]``, built from the codes without forming X first."""
        n = len(self.values_)
        out = np.zeros((n, 1 + sum(self.sizes)))
        out[:, 0] = s
        rows = np.arange(n)
        for code, cols in self._blocks():
            out[rows, cols.start + code] = s
        return out

    def _fitted(self, coef: np.ndarray) -> np.ndarray:
        """``X @ coef`` from the codes."""
        out = np.full(len(self.values_), coef[0])
        for code, cols in self._blocks():
            out += coef[cols][code]
        return out

    def _cross(self, v: np.ndarray) -> np.ndarray:
        """``X' v`` from the codes."""
        return np.concatenate([[v.sum()]] + [np.bincount(code, weights=v, minlength=cols.stop - cols.start)
                                             for code, cols in self._blocks()])

    def residualise(self, u: np.ndarray) -> np.ndarray:
        """``u - X B`` with B the least-squares fit of u on X weighted by the starting weights.

        With ``A = X·√w0`` and its SVD ``A = U S V'`` (numpy ``lstsq``'s rank cut-off on S), the
        fitted values are ``X V S⁻² V' X' (w0 u)``: the SVD is taken once per set of weights and
        only V and S are kept (k x k), so each estimate costs two passes over the margins' codes
        and nothing of size n x k stays in memory. The residual is unique even though the
        margins' indicator columns are collinear with the intercept, and a row with a zero
        starting weight gets its residual from the others' fit (nothing is divided by √w0)."""
        factors = self.__dict__.get("_factors")
        if factors is None:
            a = self._scaled(np.sqrt(self.start))
            _, sv, vt = np.linalg.svd(a, full_matrices=False)
            keep = sv > sv.max() * max(a.shape) * np.finfo(float).eps
            del a
            factors = self.__dict__["_factors"] = vt[keep].T / sv[keep]  # V S^-1, k x rank
        coef = factors @ (factors.T @ self._cross(u * self.start))
        return u - self._fitted(coef)

    def summary(self) -> dict:
        """Design effect (Kish), effective n, min/max weight, total, sweeps."""
        w = self.values_
        return {"n": len(w), "total": float(w.sum()), "design_effect": design_effect(w),
                "effective_n": effective_n(w), "min": float(w.min()), "max": float(w.max()),
                "ratio_max_min": float(w.max() / w.min()),  # raked weights are positive
                "iterations": self.iterations, "converged": self.converged}


def rake(frame: pd.DataFrame, margins: dict[str, dict], weights=None, tol: float = 1e-7,
         max_iter: int = 100, key: str | None = None) -> Weights:
    """Rake weights so that each margin's weighted counts equal the population's.

    Parameters
    ----------
    frame : the respondents, with one column per margin.
    margins : column -> {level: population count}. Every margin must have the same total.
    key : a column identifying each row (e.g. ``response_id``): its values travel with the
        weights as ``ids``, so that a :class:`~xmo_analysis.stats.design.Design` can check them.
    weights : starting weights (default: all equal to N / n).
    tol : stop when every margin's weighted count is within ``tol`` (relative) of its target.
    max_iter : maximum number of sweeps over the margins; reaching it warns (:class:`RakingWarning`).

    Returns
    -------
    Weights
        Final weights summing to the population size.

    Notes
    -----
    Iterative proportional fitting: each sweep multiplies, margin by margin, the weights of every
    level by ``target / current weighted count`` (Deming and Stephan 1940; R ``survey::rake``).
    Standard errors of estimates with these weights use the residuals of the influence values on
    the margins (STATISTICS.md), as R does for a raked design.

    References
    ----------
    Deming, W. E. and Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
    table when the expected marginal totals are known. *Ann. Math. Statist.* 11, 427-444.
    """
    if not margins:
        raise ValueError("`margins` must name at least one column.")
    n = len(frame)
    if n == 0:
        raise ValueError("`frame` has no rows to weight.")
    totals = {col: float(sum(m.values())) for col, m in margins.items()}
    grand = next(iter(totals.values()))
    if any(abs(t - grand) > 1e-9 * grand for t in totals.values()):
        raise ValueError(f"every margin must have the same total; got {totals}.")
    codes = []
    for col, target in margins.items():
        if col not in frame:
            raise ValueError(f"margin column '{col}' is not in the frame; it has {list(frame.columns)}.")
        values = frame[col]
        if values.isna().any():
            raise ValueError(f"margin column '{col}' has missing values in {int(values.isna().sum())} row(s).")
        levels = list(target)
        code = pd.Index(levels).get_indexer(values)
        if (code < 0).any():
            unknown = sorted(set(values[code < 0]), key=str)
            raise ValueError(f"margin '{col}' has no population count for levels {unknown}.")
        present = np.bincount(code, minlength=len(levels))
        absent = [lvl for lvl, k in zip(levels, present) if k == 0]
        if absent:
            raise ValueError(f"margin '{col}' has levels with no respondent to carry their weight: {absent}.")
        if any(t <= 0 for t in target.values()):
            raise ValueError(f"margin '{col}' has a population count that is not positive.")
        codes.append((code, np.array([target[lvl] for lvl in levels], dtype=float)))
    start = np.full(n, grand / n) if weights is None else np.asarray(weights, dtype=float).copy()
    if len(start) != n or np.any(~np.isfinite(start)) or np.any(start <= 0):
        raise ValueError("starting `weights` must be positive and finite, one per row.")
    w = start.copy()
    converged, sweeps = False, 0
    for sweeps in range(1, max_iter + 1):
        for code, target in codes:
            current = np.bincount(code, weights=w, minlength=len(target))
            w = w * (target / current)[code]
        worst = max(np.max(np.abs(np.bincount(c, weights=w, minlength=len(t)) / t - 1)) for c, t in codes)
        if worst <= tol:
            converged = True
            break
    if not converged:
        warnings.warn(f"raking did not converge in {max_iter} sweeps (largest relative margin error {worst:.2e}).",
                      RakingWarning, stacklevel=2)
    # the keys as the frame holds them (an Arrow string array is ~12 bytes a key, where a NumPy
    # array of Python str is ~65)
    ids = frame[key].array.copy() if key is not None else None
    return Weights(w, start, tuple(_small(c, len(t)) for c, t in codes), tuple(len(t) for _, t in codes), margins,
                   sweeps, converged, ids)


def _small(code: np.ndarray, levels: int) -> np.ndarray:
    """A margin's codes in the narrowest integer type that holds its levels."""
    return code.astype(np.min_scalar_type(max(levels - 1, 0)))
