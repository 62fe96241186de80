"""Privacy: redaction of free text at load time and minimum group sizes for every breakdown."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Free-text redaction lives in redaction.py (rules, name lexicons, evaluation); re-exported here so
# that privacy.redact and privacy.redact_series stay the public entry points.
from xmo_analysis.privacy.redaction import find_pii, redact, redact_series  # noqa: E402,F401


def small_groups(counts: pd.Series, min_n: int) -> pd.Series:
    """Which groups must be hidden: those under ``min_n`` plus complementary suppression.

    When exactly one group is under the threshold, it could be recovered from the total and the
    other groups, so the next smallest group is hidden too.
    """
    hide = counts < min_n
    if hide.sum() == 1 and len(counts) > 1:
        hide[counts[~hide].sort_values(kind="stable").index[0]] = True
    return hide


def suppress(table: pd.DataFrame, n_col: str = "n", min_n: int = 5, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Blank every column of rows whose group is too small (see :func:`small_groups`).

    ``keep`` names columns left visible (segment labels); ``n`` is shown as "< min_n".
    Adds a boolean ``suppressed`` column.
    """
    out = table.copy()
    hide = small_groups(out[n_col], min_n).to_numpy()
    for col in out.columns:
        if col in keep or col == n_col:
            continue
        out[col] = out[col].astype(object)
        out.loc[hide, col] = np.nan
    out[n_col] = out[n_col].astype(object)
    out.loc[hide, n_col] = f"< {min_n}"
    out["suppressed"] = hide
    return out
