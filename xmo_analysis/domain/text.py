"""Free text: sentiment (VADER with a domain lexicon), themes from keyword rules, distinctive terms.

Comments reaching this module are already redacted by the loaders. Nothing here returns a
comment from a group smaller than params' ``min_comment_group``. The cycle's comments with
their sentiment and themes are computed once per loaded cycle (:func:`comments_frame`).
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from xmo_analysis.core.memo import memo, per_distinct
from xmo_analysis.core.params import Params
from xmo_analysis.domain import language
from xmo_analysis.privacy.suppression import visible_groups

STOPWORDS = frozenset("""a about after again all also am an and any are as at be been before being but by can could
did do does doing for from had has have having he her here his how i if in into is it its just me more most my no
not now of on once only or other our out over own same she should so some such than that the their them then there
these they this those through to too under until up very was we were what when where which while who why will with
would you your yes get got one two three every last week day days time on-the plus side""".split())
# words of any alphabet ("équipe", not "quipe"): a letter, then letters, apostrophes or hyphens
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['-]){2,}")


@lru_cache(maxsize=8)
def _analyser(lexicon_items: tuple) -> SentimentIntensityAnalyzer:
    analyser = SentimentIntensityAnalyzer()
    analyser.lexicon.update(dict(lexicon_items))
    return analyser


def analyser(params: Params) -> SentimentIntensityAnalyzer:
    """VADER with params' domain words added (``text.yaml: lexicon``)."""
    return _analyser(tuple(sorted((params.text.get("lexicon") or {}).items())))


def sentiment(comments: pd.Series, params: Params) -> pd.DataFrame:
    """VADER compound score in [-1, 1] and its label per comment (missing comments stay missing).

    Labels follow VADER's convention: positive when compound >= 0.05, negative when <= -0.05
    (thresholds from params ``text.yaml: sentiment``), neutral otherwise. Only comments in a
    language the lexicon supports are scored (:mod:`xmo_analysis.domain.language`: detected with
    py3langid; very short ones only when the lexicon knows one of their words): the others get
    a missing score (NaN, never 0) and no label. ``language`` holds each comment's language.
    """
    pos, neg = params.policy.sentiment_positive, params.policy.sentiment_negative
    a = analyser(params)
    lang = language.settings(params)

    def score(texts: pd.Series) -> pd.DataFrame:
        detected = language.detect(texts, lang["min_confidence"], lang["candidates"])["language"]
        ok = language.scorable(texts, detected, a.lexicon, lang["scored"])
        compound = pd.Series(np.nan, index=texts.index, dtype=float)
        compound[ok] = [a.polarity_scores(t)["compound"] if t.strip() else np.nan for t in texts[ok]]
        label = np.where(compound.isna(), None, np.where(compound >= pos, "positive",
                                                          np.where(compound <= neg, "negative", "neutral")))
        return pd.DataFrame({"compound": compound.astype(float), "sentiment": label, "language": detected},
                            index=texts.index)
    # each distinct comment once (detection and VADER are pure per text, and feedback repeats)
    texts = comments.where(comments.map(lambda t: isinstance(t, str)))
    out = per_distinct(texts, score)
    return out.astype({"compound": float}).assign(sentiment=out["sentiment"].where(out["sentiment"].notna(), None))


def themes(comments: pd.Series, params: Params) -> pd.DataFrame:
    """One boolean column per theme of params: does the comment use one of its keywords?"""
    rules = {theme: r"\b(?:" + "|".join(re.escape(str(w).lower()) for w in words) + r")\b"
             for theme, words in (params.text.get("themes") or {}).items()}

    def match(texts: pd.Series) -> pd.DataFrame:
        text = texts.str.lower()
        return pd.DataFrame({theme: text.str.contains(p, regex=True) for theme, p in rules.items()}, index=texts.index)
    # each distinct comment once; a missing comment matches no theme
    texts = comments.where(comments.map(lambda t: isinstance(t, str)), "")
    return per_distinct(texts.astype(object), match).astype(bool)


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def distinctive_terms(comments: pd.Series, groups: pd.Series, min_group: int = 10, top: int = 5,
                      prior: float = 0.01) -> pd.DataFrame:
    """The words most distinctive of each group's comments against everyone else's.

    Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008), as a
    z-score; groups with fewer than ``min_group`` comments are skipped. Written by hand: it is a
    few vectorised lines and no maintained library implements it.
    """
    frame = pd.DataFrame({"text": comments, "group": groups}).dropna()
    counts = frame.groupby("group")["text"].size()
    bags = {g: pd.Series([t for text in f["text"] for t in tokens(text)]).value_counts()
            for g, f in frame.groupby("group")}
    if not bags:
        return pd.DataFrame(columns=["group", "term", "z", "count"])
    total = pd.concat(bags.values(), axis=1).fillna(0).sum(axis=1)
    alpha = prior * total / total.sum() * len(total)
    a0 = alpha.sum()
    rows = []
    for g, bag in bags.items():
        if counts[g] < min_group:
            continue
        y_i = bag.reindex(total.index, fill_value=0)
        y_j = total - y_i
        n_i, n_j = y_i.sum(), y_j.sum()
        delta = (np.log((y_i + alpha) / (n_i + a0 - y_i - alpha)) - np.log((y_j + alpha) / (n_j + a0 - y_j - alpha)))
        z = delta / np.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
        best = z[y_i >= 3].sort_values(ascending=False, kind="stable").head(top)
        rows += [{"group": g, "term": term, "z": float(v), "count": int(y_i[term])} for term, v in best.items()]
    return pd.DataFrame(rows, columns=["group", "term", "z", "count"])


def examples(frame: pd.DataFrame, min_group: int, group: str | None = None, kind: str = "negative",
             n: int = 3) -> pd.DataFrame:
    """Example comments (already redacted), only from groups with at least ``min_group`` comments.

    ``frame`` needs ``comment``, ``compound``, ``sentiment`` and ``response_id``; the most negative (or positive)
    comments come first, ties broken by response id, so the same data give the same examples.
    """
    f = frame.dropna(subset=["comment", "compound"])
    if group is None:
        f = f.assign(_group="all")
        group = "_group"
    f = f[visible_groups(f.groupby(group)["comment"].transform("size"), min_group)]
    ascending = kind == "negative"
    f = f.sort_values(["compound", "response_id"], ascending=[ascending, True], kind="stable")
    f = f[f["sentiment"] == kind]  # labelled by :func:`sentiment` with params' cut-offs
    f = f.drop_duplicates(subset=[group, "comment"])  # templated feedback repeats; show distinct texts
    out = f.groupby(group, sort=True).head(n)
    return out[[c for c in (group, "comment", "compound") if c != "_group"]].reset_index(drop=True)


def comment_column(params: Params) -> str | None:
    """The free-text item of the instrument that holds comments (the first ``text`` item), if any."""
    return params.text_items[0].id if params.text_items else None


def comments_frame(data, cycle: str | None = None) -> pd.DataFrame:
    """The cycle's comments with sentiment and themes, once per loaded cycle (VADER is slow).

    Columns: ``response_id``, every segment column, ``comment`` (the instrument's free-text
    item, already redacted), ``compound``, ``sentiment`` (missing for a comment in a language
    the lexicon does not support), ``language`` and one boolean column per theme.
    Empty when the survey has no free-text item.
    """
    cycle = cycle or data.cycle

    def compute():
        col = comment_column(data.params)
        resp = data.of_cycle("responses", cycle)
        segs = [s for s in data.params.segments if s in resp]
        if col is None or col not in resp:
            return pd.DataFrame(columns=["response_id", *segs, "comment", "compound", "sentiment"])
        frame = resp[["response_id", *segs, col]].rename(columns={col: "comment"}).dropna(subset=["comment"])
        return frame.join(sentiment(frame["comment"], data.params)).join(themes(frame["comment"], data.params))
    return memo(data, ("comments", cycle), compute)


def theme_table(comments: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Per theme of params: comments, share of all comments, share negative, mean sentiment."""
    rows = []
    for name in (params.text.get("themes") or {}):
        f = comments[comments[name]] if name in comments else comments.iloc[0:0]
        rows.append({"theme": name, "comments": len(f), "share of comments": len(f) / max(len(comments), 1),
                     # over the scored comments: an unscored one is not "not negative"
                     "negative": (f["sentiment"].dropna() == "negative").mean() if f["sentiment"].notna().any() else np.nan,
                     "mean sentiment": f["compound"].mean() if len(f) else np.nan})
    out = pd.DataFrame(rows, columns=["theme", "comments", "share of comments", "negative", "mean sentiment"])
    return out.sort_values("negative", ascending=False, kind="stable")
