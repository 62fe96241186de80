"""Reliability of a construct's items: Cronbach's alpha, as R ``psych::alpha`` on complete cases."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Reliability:
    """``alpha`` (raw), ``std_alpha`` (standardised), ``item_rest`` (corrected item-total r), ``n``."""

    alpha: float
    std_alpha: float
    item_rest: pd.Series
    n: int
    k: int

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "std_alpha": self.std_alpha, "n": self.n, "k": self.k,
                "item_rest": {str(k): float(v) for k, v in self.item_rest.items()}}


def cronbach_alpha(items, reverse=(), scale: tuple[float, float] | None = None) -> Reliability:
    """Cronbach's alpha of a set of items, on complete cases after reverse-keying.

    Parameters
    ----------
    items : DataFrame (or mapping) with one column per item.
    reverse : item names scored in reverse; they become ``min + max - x``.
    scale : (min, max) of the response scale for reverse-keying; default: the observed minimum
        and maximum over all items (as ``psych::alpha`` does with ``keys``).

    Notes
    -----
    With k items, item variances :math:`s_i^2` and the variance of the total :math:`s_T^2`
    (n - 1 denominators), and :math:`\\bar r` the mean inter-item correlation:

    .. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum s_i^2}{s_T^2}\\right), \\qquad
              \\alpha_{std} = \\frac{k \\bar r}{1 + (k-1)\\bar r}

    The item-rest correlation is the Pearson correlation of an item with the sum of the other
    items (``psych::alpha``'s ``r.drop``).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16, 297-334.
    """
    frame = pd.DataFrame(items).apply(pd.to_numeric, errors="coerce").astype(float)
    k = frame.shape[1]
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items; got {k}.")
    unknown = [r for r in reverse if r not in frame.columns]
    if unknown:
        raise ValueError(f"`reverse` names items that are not columns: {unknown}.")
    complete = frame.dropna()
    n = len(complete)
    if n < 2:
        raise ValueError(f"alpha needs at least 2 complete cases; got {n}.")
    lo, hi = scale if scale is not None else (np.nanmin(complete.to_numpy()), np.nanmax(complete.to_numpy()))
    for col in reverse:
        complete[col] = lo + hi - complete[col]
    variances = complete.var(ddof=1)
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0 or (variances == 0).any():
        raise ValueError("alpha is undefined when an item or the total has no variance.")
    alpha = k / (k - 1) * (1 - variances.sum() / total_var)
    corr = complete.corr().to_numpy()
    r_bar = corr[np.triu_indices(k, 1)].mean()
    std_alpha = k * r_bar / (1 + (k - 1) * r_bar)
    total = complete.sum(axis=1)
    item_rest = pd.Series({c: np.corrcoef(complete[c], total - complete[c])[0, 1] for c in complete.columns})
    return Reliability(float(alpha), float(std_alpha), item_rest, n, k)
