"""Measure free-text redaction against labelled comments.

Records are JSON Lines objects ``{"id", "lang", "domain", "text", "entities": [{"type", "start",
"end", "text"}]}``. Run ``python -m xmo_analysis.privacy.redaction_eval FILE...`` to print the table.

Definitions (chosen so that a number means the same thing whatever the labelling habits):

- an entity is *caught* when every one of its non-space characters lies inside some detected span,
  whatever type the detector gave it (a name redacted as ``[id]`` still protects the person);
- *precision* is measured on characters: of the non-space characters inside detected spans, the
  share inside some labelled entity (``span_precision`` also reports the share of detected spans
  that overlap a labelled entity);
- *PII-free changed* is the share of comments without any entity in which something was detected;
- *words destroyed* is the share of ``\\w+`` tokens lying outside every labelled entity that
  overlap a detected span.
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

from xmo_analysis.privacy.redaction import find_pii

_WORD = re.compile(r"\w+")
Finder = Callable[[str], list]


def load(paths: Iterable[str | Path]) -> list[dict]:
    """Read JSON Lines records from each file, in order.

    Parameters
    ----------
    paths : iterable of str or Path
        JSON Lines files of labelled comments.

    Returns
    -------
    list of dict
        One record per non-blank line.
    """
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


def _covered(spans: list[tuple[int, int, str]], n: int) -> bytearray:
    mask = bytearray(n)
    for s, e, _ in spans:
        mask[s:e] = b"\x01" * (e - s)
    return mask


def score_record(rec: dict, finder: Finder = find_pii) -> dict:
    """Counts for one record (see the module docstring for the definitions).

    Parameters
    ----------
    rec : dict
        A labelled record.
    finder : callable, optional
        ``text -> list[(start, end, type)]``; :func:`xmo_analysis.privacy.redaction.find_pii` by default.

    Returns
    -------
    dict
        ``caught``/``missed`` (lists of entity dicts), ``det_chars``, ``det_chars_in_pii``,
        ``spans``, ``spans_on_pii``, ``words``, ``words_hit``, ``changed`` and ``spans_found``.
    """
    text = rec["text"]
    spans = finder(text)
    det = _covered(spans, len(text))
    gold = bytearray(len(text))
    for ent in rec["entities"]:
        gold[ent["start"]:ent["end"]] = b"\x01" * (ent["end"] - ent["start"])
    caught, missed = [], []
    for ent in rec["entities"]:
        ok = all(det[i] for i in range(ent["start"], ent["end"]) if not text[i].isspace())
        (caught if ok else missed).append(ent)
    det_chars = sum(1 for i, c in enumerate(text) if det[i] and not c.isspace())
    det_in = sum(1 for i, c in enumerate(text) if det[i] and gold[i] and not c.isspace())
    words = words_hit = 0
    for m in _WORD.finditer(text):
        if any(gold[m.start():m.end()]):
            continue
        words += 1
        words_hit += any(det[m.start():m.end()])
    on_pii = sum(1 for s, e, _ in spans if any(gold[s:e]))
    return {"caught": caught, "missed": missed, "det_chars": det_chars, "det_chars_in_pii": det_in,
            "spans": len(spans), "spans_on_pii": on_pii, "words": words, "words_hit": words_hit,
            "changed": bool(spans), "spans_found": spans}


def evaluate(records: Iterable[dict], finder: Finder = find_pii) -> dict:
    """Aggregate redaction quality over labelled records.

    Parameters
    ----------
    records : iterable of dict
        Labelled records (see the module docstring).
    finder : callable, optional
        The detector to measure; :func:`xmo_analysis.privacy.redaction.find_pii` by default.

    Returns
    -------
    dict
        ``n_comments``, ``n_entities``, ``recall`` (overall), ``recall_by_type`` (type ->
        ``{"recall", "n"}``), ``char_precision``, ``span_precision``, ``pii_free``,
        ``pii_free_changed`` (share), ``nonpii_words``, ``nonpii_words_destroyed`` (share), and the
        same recall per language under ``recall_by_lang``.
    """
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tot = defaultdict(int)
    n = 0
    for rec in records:
        n += 1
        r = score_record(rec, finder)
        for ent in r["caught"]:
            by_type[ent["type"]][0] += 1
        for ent in r["caught"] + r["missed"]:
            by_type[ent["type"]][1] += 1
        lang = rec.get("lang", "?")
        by_lang[lang][0] += len(r["caught"])
        by_lang[lang][1] += len(r["caught"]) + len(r["missed"])
        for k in ("det_chars", "det_chars_in_pii", "spans", "spans_on_pii", "words", "words_hit"):
            tot[k] += r[k]
        if not rec["entities"]:
            tot["pii_free"] += 1
            tot["pii_free_changed"] += r["changed"]
    caught = sum(v[0] for v in by_type.values())
    total = sum(v[1] for v in by_type.values())
    ratio = lambda a, b: a / b if b else float("nan")  # noqa: E731 - tiny local helper
    return {
        "n_comments": n, "n_entities": total, "recall": ratio(caught, total),
        "recall_by_type": {t: {"recall": ratio(*v), "n": v[1]} for t, v in sorted(by_type.items())},
        "recall_by_lang": {t: {"recall": ratio(*v), "n": v[1]} for t, v in sorted(by_lang.items())},
        "char_precision": ratio(tot["det_chars_in_pii"], tot["det_chars"]),
        "span_precision": ratio(tot["spans_on_pii"], tot["spans"]),
        "pii_free": tot["pii_free"], "pii_free_changed": ratio(tot["pii_free_changed"], tot["pii_free"]),
        "nonpii_words": tot["words"], "nonpii_words_destroyed": ratio(tot["words_hit"], tot["words"]),
    }


def format_table(result: dict) -> str:
    """A plain-text table of an :func:`evaluate` result.

    Parameters
    ----------
    result : dict
        What :func:`evaluate` returned.

    Returns
    -------
    str
        One line per figure.
    """
    lines = [f"{result['n_comments']} comments, {result['n_entities']} entities", "",
             f"{'type':<12}{'n':>6}{'recall':>9}"]
    for t, v in result["recall_by_type"].items():
        lines.append(f"{t:<12}{v['n']:>6}{v['recall']:>9.3f}")
    lines.append(f"{'ALL':<12}{result['n_entities']:>6}{result['recall']:>9.3f}")
    lines += ["", "recall by language: " + ", ".join(f"{k} {v['recall']:.3f} (n={v['n']})"
                                                    for k, v in result["recall_by_lang"].items()),
              f"precision (characters)        {result['char_precision']:.3f}",
              f"precision (spans)             {result['span_precision']:.3f}",
              f"PII-free comments changed     {result['pii_free_changed']:.3f} of {result['pii_free']}",
              f"non-PII words destroyed       {result['nonpii_words_destroyed']:.4f} of {result['nonpii_words']}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table for the JSON Lines files named on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m xmo_analysis.privacy.redaction_eval FILE.jsonl [FILE.jsonl ...]", file=sys.stderr)
        return 2
    print(format_table(evaluate(load(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
