"""Privacy: redaction of free text at load time and minimum group sizes for every breakdown."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Order matters: e-mails and URLs before phone numbers and digit runs, which would eat their parts.
# Each rule: placeholder, pattern, and the group to replace (0: the whole match). Regular
# expressions by hand: the PII libraries (presidio, scrubadub) pull in spaCy models that must
# be downloaded at run time, which the scheduler's machines cannot do.
_NAME = r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)"
_RULES: list[tuple[str, re.Pattern, int]] = [
    ("[email]", re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\]|\bat\b(?=\s+\w+\s+(?:dot|\(dot\)|\[dot\])))\s*[\w-]+"
                           r"(?:\s*(?:\.|\(dot\)|\[dot\]|\bdot\b)\s*[\w-]+)+", re.I), 0),
    ("[url]", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]", re.I), 0),
    ("[ip]", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), 0),
    ("[card]", re.compile(r"\b\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}\b"), 0),
    ("[id]", re.compile(r"\b(?:NI\s)?[A-Z]{2}\d{6}[A-D]\b|\b[A-Z]{1,3}\d{6,}\b"), 0),
    ("[phone]", re.compile(r"(?<![\w/])(?:\+|00)?\(?\d[\d\s().-]{6,}\d\b(?![/:])"), 0),
    ("[phone]", re.compile(r"\b(?:ext\.?|extension|x)\s?\d{3,5}\b", re.I), 0),
    ("[name]", re.compile(r"(?i:\bmy name is\s)" + _NAME), 1),
    ("[name]", re.compile(r"(?:\bI'm|\bI am|(?i:\bthis is))\s" + r"([A-Z][a-z]+[ -][A-Z][a-z]+)"), 1),
    ("[name]", re.compile(r"(?i:\b(?:kind regards|regards|thanks|thank you|cheers|best))\s*,\s*" + _NAME + r"(?=\s*$|[.!,;\n]|\s[A-Z])"), 1),
]


def redact(text: str) -> str:
    """Replace e-mail addresses (also obfuscated), URLs, IP addresses, card numbers, ID numbers,
    phone numbers and extensions, and names introduced by "my name is", "I'm", "this is" or a
    sign-off, by placeholders such as ``[email]``."""
    for token, pattern, group in _RULES:
        if group == 0:
            text = pattern.sub(token, text)
        else:
            text = pattern.sub(lambda m, g=group, t=token: m.group(0)[: m.start(g) - m.start(0)] + t
                               + m.group(0)[m.end(g) - m.start(0):], text)
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
