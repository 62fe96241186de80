"""Comment language: detected with py3langid, so that only the lexicon's languages are scored.

The sentiment lexicon (VADER, :mod:`xmo_analysis.domain.text`) is English: its words, boosters,
negations and "but" rule are English ones. Scoring a Dutch or Spanish comment with it gives a
number that looks like a measurement and is not (most words are unknown to it, so it reads as
neutral, and a few false friends, "no", "super", "fatal", move it). So each comment's language
is detected first, and a comment is scored only when its language is one the lexicon supports
(:data:`LEXICON_LANGUAGES`, or params' ``text.yaml: language.scored``). The others keep a
missing score (NaN, never 0) and are counted per language, so reports can say what was left
unscored.

Detection: py3langid (the maintained fork of langid.py, BSD; its naive-Bayes model over byte
n-grams ships in the wheel, 97 languages, nothing is downloaded). With normalised
probabilities, the model's posterior of language ``l`` given the text's byte n-gram counts
``c_f`` is

    p(l | text) = softmax_l( (log P(l) + sum_f log(1 + c_f) * log P(f | l)) / sqrt(bytes) )

(the square-root temperature is py3langid's calibration across lengths). The detected language
is the arg-max when its probability is at least ``min_confidence`` (default
:data:`MIN_CONFIDENCE`), else :data:`UNDETERMINED`. ``candidates`` in params restricts the model
to the languages an organisation's comments may be in (fewer confusions between close languages).

The rule for very short comments ("Great!", "Thanks", "ok", "Merci"): a few letters do not
identify a language (py3langid gives them probabilities of 0.01 to 0.15), so they come out
:data:`UNDETERMINED`. An undetermined comment is scored only when at least one of its words is
in the sentiment lexicon (VADER's own words plus params' ``lexicon``): then the lexicon
recognises what it scores ("Great!", "Mostly fine."), and a word it knows carries the same
sentiment in whatever language the rest is in. Otherwise ("Merci", "Gracias", a bare ticket
number) it is unscored and counted as undetermined. A comment with no letter at all is
undetermined and unscored.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from xmo_analysis.core.params import Params

LEXICON_LANGUAGES = ("en",)  # VADER's lexicon and rules are English
UNDETERMINED = "und"  # ISO 639-2 code for "undetermined"
MIN_CONFIDENCE = 0.5
_WORDS = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Placeholders the redaction leaves ("[email]", "[name]") are English words the model would read.
_PLACEHOLDER = re.compile(r"\[[a-z]+\]")


@lru_cache(maxsize=4)
def identifier(candidates: tuple[str, ...] | None = None):
    """A py3langid identifier with normalised probabilities, loaded once per process (about 2 s).

    Its own instance, never the module-level one of py3langid: restricting the languages there
    would change every other caller's results."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if candidates:
        ident.set_languages(list(candidates))
    return ident


def settings(params: Params | None) -> dict:
    """``text.yaml: language``: ``scored`` (languages the lexicon supports), ``min_confidence``,
    ``candidates`` (languages the detector may answer; default all of py3langid's)."""
    raw = ((params.text if params is not None else {}) or {}).get("language") or {}
    cands = raw.get("candidates")
    return {"scored": tuple(str(x) for x in (raw.get("scored") or LEXICON_LANGUAGES)),
            "min_confidence": float(raw.get("min_confidence", MIN_CONFIDENCE)),
            "candidates": tuple(sorted(str(x) for x in cands)) if cands else None}


def detect(comments: pd.Series, min_confidence: float = MIN_CONFIDENCE,
           candidates: Iterable[str] | None = None) -> pd.DataFrame:
    """Each comment's language and the detector's probability of it (see the module docstring).

    Returns ``language`` (ISO 639-1 code, :data:`UNDETERMINED` when the top probability is under
    ``min_confidence`` or the text has no letter; missing for a missing comment) and
    ``confidence`` (that probability; NaN for a missing comment), on the comments' index.
    """
    ident = identifier(tuple(sorted(candidates)) if candidates else None)
    langs: list[object] = []
    conf: list[float] = []
    for text in comments:
        if not isinstance(text, str) or not text.strip():
            langs.append(None)
            conf.append(np.nan)
            continue
        clean = _PLACEHOLDER.sub(" ", text)
        if not _LETTER.search(clean):
            langs.append(UNDETERMINED)
            conf.append(0.0)
            continue
        lang, p = ident.classify(clean)
        langs.append(lang if p >= min_confidence else UNDETERMINED)
        conf.append(float(p))
    return pd.DataFrame({"language": pd.Series(langs, index=comments.index, dtype=object),
                         "confidence": pd.Series(conf, index=comments.index, dtype=float)})


def knows_a_word(text: str, lexicon) -> bool:
    """Whether one of the text's words is in the sentiment lexicon (the short-comment rule)."""
    return any(w in lexicon for w in _WORDS.findall(_PLACEHOLDER.sub(" ", text.lower())))


def scorable(comments: pd.Series, languages: pd.Series, lexicon, scored: Iterable[str] = LEXICON_LANGUAGES) -> pd.Series:
    """Which comments the lexicon may score: their language is one it supports, or it is
    undetermined and one of the comment's words is in the lexicon. Missing comments: False."""
    scored = set(scored)
    ok = []
    for text, lang in zip(comments, languages):
        if not isinstance(text, str) or lang is None:
            ok.append(False)
        elif lang == UNDETERMINED:
            ok.append(knows_a_word(text, lexicon))
        else:
            ok.append(lang in scored)
    return pd.Series(ok, index=comments.index, dtype=bool)


def unscored_counts(frame: pd.DataFrame) -> pd.Series:
    """Comments left unscored, per language (most first, then by code): ``frame`` needs
    ``comment``, ``compound`` and ``language`` (as :func:`xmo_analysis.domain.text.comments_frame`)."""
    if "language" not in frame or frame.empty:
        return pd.Series(dtype=int)
    f = frame[frame["comment"].notna() & frame["compound"].isna()]
    counts = f["language"].fillna(UNDETERMINED).value_counts()
    order = sorted(counts.index, key=lambda lang: (-int(counts[lang]), str(lang)))
    return counts.reindex(order).astype(int)


def unscored_sentence(frame: pd.DataFrame, scored: Iterable[str] = LEXICON_LANGUAGES) -> str | None:
    """"12 comments were not scored for sentiment (the lexicon is for en only): fr 7, es 3,
    too short to tell 2." — or None when every comment was scored."""
    counts = unscored_counts(frame)
    if counts.empty:
        return None
    parts = ", ".join(f"{'too short to tell' if lang == UNDETERMINED else lang} {n:,}" for lang, n in counts.items())
    total = int(counts.sum())
    return (f"{total:,} comment{'s were' if total != 1 else ' was'} not scored for sentiment (the lexicon is for "
            f"{', '.join(scored)} only): {parts}.")
