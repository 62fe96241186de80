"""Redaction of personal data in free-text comments, applied when comments are loaded.

:func:`find_pii` returns the spans; :func:`redact` replaces each by a placeholder such as
``[name]``, ``[email]``, ``[phone]``, ``[address]``, ``[id]``, ``[dob]``, ``[url]``, ``[ip]``,
``[card]`` or ``[username]``; :func:`redact_series` does it over a column.

Rules, not a statistical model: the named-entity models that would help (spaCy, Flair, GLiNER)
download their weights at run time or from outside PyPI, which the scheduler's machines cannot
do, and run at a few thousand words a second, too slow for 100k comments a cycle. The rules are
measured on labelled comments by :mod:`xmo_analysis.privacy.redaction_eval`.

The families: :mod:`~xmo_analysis.privacy.redaction_patterns` (shapes right after a keyword, e-mails,
phones, cards, IPs), :mod:`~xmo_analysis.privacy.redaction_keyed` (ids, birth dates and logins a few
words after their keyword, national numbers by check digit), :mod:`~xmo_analysis.privacy.redaction_address`
and :mod:`~xmo_analysis.privacy.redaction_names`.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from xmo_analysis.core.memo import per_distinct
from xmo_analysis.privacy import redaction_keyed as keyed
from xmo_analysis.privacy import redaction_patterns as pat
from xmo_analysis.privacy.redaction_address import addresses
from xmo_analysis.privacy.redaction_lexicon import faker_names
from xmo_analysis.privacy.redaction_names import find_names

# When detections overlap they are merged and the merged span takes the type of the most
# specific detector: an e-mail inside a URL is part of the URL, a phone-shaped run inside an
# address is the address.
PRIORITY = {"url": 9, "email": 8, "card": 7, "ip": 7, "id": 6, "dob": 6, "username": 5, "address": 4,
            "phone": 3, "name": 2}


def _dotted_logins(text: str):
    return keyed.dotted_logins(text, faker_names()[0])


def _structured(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    # Every family but logins and e-mails needs a digit: most comments have none, so skip them.
    digits = any(c.isdigit() for c in text)
    families = (pat.contact, pat.numbers, pat.identifiers, pat.birth_dates, pat.logins, addresses, pat.phones,
                keyed.ids, keyed.birth_dates, keyed.logins, keyed.short_phones, _dotted_logins) if digits \
        else (pat.contact, pat.logins, addresses, keyed.birth_dates, keyed.logins, _dotted_logins)
    for family in families:
        spans.extend(s for s in family(text) if s[1] > s[0])
    return spans


def _resolve(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Merge overlapping spans (and same-type spans one space apart) into sorted disjoint spans."""
    out: list[list] = []
    for s, e, t in sorted(spans):
        if out and (s < out[-1][1] or (t == out[-1][2] and text[out[-1][1]:s] in (" ", ""))):
            last = out[-1]
            last[1] = max(last[1], e)
            if PRIORITY[t] > PRIORITY[last[2]]:
                last[2] = t
        else:
            out.append([s, e, t])
    return [(s, e, t) for s, e, t in out]


def find_pii(text: str, extra_names: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """Find personal data in a comment.

    Parameters
    ----------
    text : str
        The comment.
    extra_names : iterable of str, optional
        The organisation's own names (staff directory, ticket assignees), found as whole names and
        as lexicon entries; the ``privacy.names`` setting is meant to be passed here.

    Returns
    -------
    list of (int, int, str)
        ``(start, end, type)``, sorted and non-overlapping; ``type`` is one of ``name``,
        ``email``, ``phone``, ``address``, ``id``, ``dob``, ``url``, ``ip``, ``card``,
        ``username``. The same text always gives the same spans.
    """
    if not text:
        return []
    spans = _structured(text)
    blocked = bytearray(len(text))
    for s, e, _ in spans:
        blocked[s:e] = b"\x01" * (e - s)
    spans += [(s, e, "name") for s, e in find_names(text, tuple(extra_names), blocked)]
    return _resolve(spans, text)


def redact(text: str, extra_names: Iterable[str] = ()) -> str:
    """Replace personal data by placeholders such as ``[name]`` or ``[email]``.

    Parameters
    ----------
    text : str
        The comment.
    extra_names : iterable of str, optional
        See :func:`find_pii`.

    Returns
    -------
    str
        The comment with each span of :func:`find_pii` replaced by ``[type]``.

    Examples
    --------
    >>> redact("Thanks to Priya, call me on 07700 900123")
    'Thanks to [name], call me on [phone]'
    """
    names = tuple(extra_names)
    parts, pos = [], 0
    for s, e, t in find_pii(text, names):
        parts += [text[pos:s], f"[{t}]"]
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def redact_series(comments: pd.Series, extra_names: Iterable[str] = ()) -> pd.Series:
    """:func:`redact` over a column of free text; missing values stay missing.

    Parameters
    ----------
    comments : pandas.Series
        Free-text comments.
    extra_names : iterable of str, optional
        See :func:`find_pii`.

    Returns
    -------
    pandas.Series
        Same index; strings redacted, other values unchanged.
    """
    names = tuple(extra_names)
    texts = comments.map(lambda t: t if isinstance(t, str) else None)
    # each distinct text once: redaction is pure and costly (~0.7 ms a comment), and feedback repeats
    redacted = per_distinct(texts, lambda u: _redact_many(u, names))
    return redacted.where(texts.notna(), comments)


PARALLEL_FROM = 20_000  # distinct comments: below this, starting workers (~2 s) costs more than it saves


def _redact_many(texts: pd.Series, names: tuple[str, ...]) -> pd.Series:
    """:func:`redact` over distinct texts, in one worker process per core when there are many (the
    function is pure, so the workers give exactly the serial result, in order).

    The workers are ``python -m xmo_analysis.privacy.redaction`` fed JSON on stdin, not
    multiprocessing: its spawn and forkserver children re-import the caller's main module, so an
    analyst's script without an ``if __name__ == "__main__"`` guard would run again in each worker;
    fork would copy threads (DuckDB's, a kernel's) mid-state."""
    import json
    import os
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor
    jobs = min(os.cpu_count() or 1, 8)
    if len(texts) < PARALLEL_FROM or jobs < 2:
        return texts.map(lambda t: redact(t, names))
    values = texts.tolist()
    step = -(-len(values) // jobs)
    chunks = [values[i:i + step] for i in range(0, len(values), step)]

    def work(chunk: list[str]) -> list[str]:
        out = subprocess.run([sys.executable, "-m", "xmo_analysis.privacy.redaction"],
                             input=json.dumps({"names": list(names), "texts": chunk}).encode("utf-8"),
                             capture_output=True)
        if out.returncode:
            raise RuntimeError("a redaction worker failed: " + out.stderr.decode("utf-8", "replace")[-2000:])
        return json.loads(out.stdout.decode("utf-8"))
    with ThreadPoolExecutor(len(chunks)) as pool:
        done = [t for part in pool.map(work, chunks) for t in part]
    return pd.Series(done, index=texts.index)


if __name__ == "__main__":  # a worker of _redact_many: JSON {"names", "texts"} in, redacted texts out
    import json
    import sys
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdout.buffer.write(json.dumps([redact(t, tuple(job["names"])) for t in job["texts"]]).encode("utf-8"))
