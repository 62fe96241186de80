"""Privacy: redaction of free text at load time and minimum group sizes for every breakdown."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Order matters: e-mails and URLs before phone numbers and digit runs, which would eat their parts.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("[email]", re.compile(r"\b[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+\b", re.I)),
    ("[url]", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.I)),
    ("[ip]", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("[phone]", re.compile(r"(?<![\w])(?:\+|00)?\d[\d\s().-]{6,}\d\b")),
    ("[id]", re.compile(r"\b[A-Z]{1,3}\d{5,}\b")),
    ("[name]", re.compile(r"(?<=\bmy name is )[A-Z][a-z]+(?: [A-Z][a-z]+)?", re.I)),
]


def redact(text: str) -> str:
    """Replace e-mail addresses, URLs, IP addresses, phone numbers, ID-like codes and introduced
    names by placeholders such as ``[email]``."""
    for token, pattern in _PATTERNS:
        text = pattern.sub(token, text)
    return text


def redact_series(comments: pd.Series) -> pd.Series:
    """:func:`redact` over a column of free text; missing values stay missing."""
    return comments.map(lambda t: redact(t) if isinstance(t, str) else t)


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
