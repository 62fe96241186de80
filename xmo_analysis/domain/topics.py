"""Theme discovery: topics found in the cycle's comments, beside the keyword rules of params.

The rules of ``text.yaml: themes`` only find what someone thought of. Topics are found in the
(already redacted) comments of the current cycle by non-negative matrix factorisation of their
TF-IDF matrix (scikit-learn), and each is set beside the rules: the rule theme that matches most
of its comments, or **new** when the rules miss most of them, with the words no rule uses yet,
so that an analyst can promote a new topic to a rule.

Definitions (``text.yaml: discovery`` sets the numbers; :class:`Discovery` holds the defaults):

- **Corpus**: the cycle's comments that have a sentiment score, i.e. those in a language the
  lexicon supports (:mod:`xmo_analysis.domain.language`): the stop words and the rules are
  English, and topics of another language's function words would say nothing. Sorted by
  response id, so the same comments give the same matrix whatever order they came in.
  Redaction placeholders (``[email]``) are removed; words are those of
  :func:`xmo_analysis.domain.text.tokens` (lower case, three letters or more, no stop words).
- **TF-IDF** (scikit-learn's ``TfidfVectorizer`` defaults): for comment ``d`` and term ``t``
  with raw count ``tf(t, d)``, ``n`` comments and ``df(t)`` comments containing ``t``,
  ``x(d, t) = tf(t, d) * (ln((1 + n) / (1 + df(t))) + 1)``, each row then divided by its
  Euclidean norm. Terms in fewer than ``min_df`` comments (default 2) are dropped.
- **NMF**: ``X ~ W H`` with ``W, H >= 0`` minimising ``||X - W H||_F^2 / 2`` (coordinate
  descent, NNDSVDa start with ``random_state=0``: the same matrix gives the same topics).
  Each topic's term weights are rescaled to sum to 1, ``H'(k, t) = H(k, t) / s_k`` with
  ``s_k = sum_t H(k, t)``, and the comment weights the other way, ``W'(d, k) = W(d, k) s_k``
  (``W' H' = W H``): then ``W'(d, k)`` is the TF-IDF mass of comment ``d`` that topic ``k``
  carries, and a topic's **top terms** are its largest ``H'`` (ties by the term).
- **Weights of any comment** (this cycle's or an earlier one's): ``W = argmin_{W >= 0}
  ||X - W H||`` with ``H`` fixed (``NMF.transform``), ``X`` built with the current cycle's
  vocabulary and IDF. The current cycle's comments are weighted the same way, so every cycle's
  numbers follow one definition.
- **Membership**: comment ``d`` belongs to its dominant topic ``k = argmax_k W'(d, k)`` when
  that topic holds at least ``min_weight`` of its weight, ``W'(d, k) / sum_j W'(d, j) >=
  min_weight`` (default 0.4); otherwise (mixed, or no word of the vocabulary) to none.
  **Size** = members; **share** = members / corpus comments of the cycle; **trend** = the share
  in each cycle the data hold, oldest first; **mean sentiment** = the mean VADER compound of
  the members, **negative** = their share with a negative label.
- **Rules**: the rule coverage of topic ``k`` is the share of its members that at least one
  rule theme matches; the **closest rule** is the theme matching most members (ties: params'
  order). A topic is **new** when the coverage is under ``covered`` (default 0.5).
- **Examples**: the members with the largest share ``W'(d, k) / sum_j W'(d, j)`` (then the
  largest ``W'(d, k)``, then response id), distinct texts, ``examples`` per topic (default 2).
  Only from a topic of at least ``min_comment_group`` comments, and only comments whose every
  segment group (each segment column of params) has at least ``min_comment_group`` scored
  comments this cycle: the comment threshold of :func:`xmo_analysis.privacy.suppression.visible_groups`.

Too few comments (under ``min_comments``, default 30), or no term in two comments: no topics,
and :attr:`Topics.note` says why.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xmo_analysis.core.memo import memo
from xmo_analysis.core.params import Params
from xmo_analysis.domain.text import comments_frame, tokens
from xmo_analysis.privacy.suppression import visible_groups

NEW = "new"
RANDOM_STATE = 0
_PLACEHOLDER = re.compile(r"\[[a-z]+\]")


@dataclass(frozen=True)
class Discovery:
    """``text.yaml: discovery`` (see the module docstring for what each number does)."""

    topics: int = 6
    min_comments: int = 30
    top_terms: int = 6
    min_weight: float = 0.4
    min_df: int = 2
    covered: float = 0.5
    examples: int = 2


def discovery_settings(params: Params | None) -> Discovery:
    raw = ((params.text if params is not None else {}) or {}).get("discovery") or {}
    base = Discovery()
    return Discovery(**{k: type(getattr(base, k))(raw.get(k, getattr(base, k))) for k in base.__dataclass_fields__})


def clean(texts) -> list[str]:
    """Comments as the topic model reads them: redaction placeholders removed."""
    return [_PLACEHOLDER.sub(" ", str(t)) for t in texts]


class TopicModel:
    """TF-IDF and NMF fitted on one corpus; weights of any comments on its topics."""

    def __init__(self, texts, n_topics: int, min_df: int = 2, random_state: int = RANDOM_STATE,
                 max_iter: int = 2000):
        from sklearn.decomposition import NMF
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, min_df=min_df)
        x = self.vectorizer.fit_transform(clean(texts))
        self.terms = np.asarray(self.vectorizer.get_feature_names_out(), dtype=object)
        k = int(min(n_topics, x.shape[0], x.shape[1]))
        self.nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=max_iter, tol=1e-6)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            self.nmf.fit(x)
        self.converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        h = self.nmf.components_
        self.scale = h.sum(axis=1)
        self.scale[self.scale == 0] = 1.0
        self.order = np.arange(k)

    @property
    def k(self) -> int:
        return len(self.order)

    @property
    def components(self) -> np.ndarray:
        """H' (topics x terms): each topic's term weights, summing to 1, in :attr:`order`."""
        return (self.nmf.components_ / self.scale[:, None])[self.order]

    def matrix(self, texts):
        """The TF-IDF matrix of ``texts`` with the fitted vocabulary and IDF."""
        return self.vectorizer.transform(clean(texts))

    def weights(self, texts) -> np.ndarray:
        """W' (comments x topics), in :attr:`order` (see the module docstring)."""
        if len(texts) == 0:
            return np.zeros((0, self.k))
        w = self.nmf.transform(self.matrix(texts)) * self.scale[None, :]
        return w[:, self.order]

    def top_terms(self, n: int) -> list[list[str]]:
        """Each topic's ``n`` heaviest terms (ties broken by the term, alphabetically)."""
        out = []
        for row in self.components:
            idx = np.lexsort((self.terms, -row))  # last key first: weight down, then term
            out.append([str(self.terms[i]) for i in idx[:n] if row[i] > 0])
        return out


def assign(w: np.ndarray, min_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Each comment's dominant topic (``-1`` for none) and the share of its weight it holds."""
    if w.shape[0] == 0:
        return np.zeros(0, dtype=int), np.zeros(0)
    total = w.sum(axis=1)
    best = np.argmax(w, axis=1)
    share = np.divide(w[np.arange(len(w)), best], total, out=np.zeros(len(w)), where=total > 0)
    return np.where((total > 0) & (share >= min_weight), best, -1), share


def corpus(frame: pd.DataFrame) -> pd.DataFrame:
    """The comments topics are found in: scored ones, sorted by response id."""
    if frame.empty or "compound" not in frame:
        return frame.iloc[0:0]
    f = frame[frame["comment"].notna() & frame["compound"].notna()]
    return f.sort_values("response_id", kind="stable").reset_index(drop=True)


@dataclass
class Topics:
    """What :func:`discover` found: one row per topic, their shares per cycle, their examples."""

    table: pd.DataFrame
    trend: pd.DataFrame
    examples: pd.DataFrame
    n_comments: int
    settings: Discovery
    note: str | None = None
    unscored: int = 0
    cycles: list[str] = field(default_factory=list)
    # per corpus comment: response_id, its topic (None when none) and the share of its weight the
    # topic holds; respondent-level, for checks and analysts, never shown in a report
    members: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["response_id", "topic", "share"]))


TABLE_COLUMNS = ["topic", "top terms", "comments", "share of comments", "negative", "mean sentiment", "trend",
                 "rule theme", "matched by rules", "words no rule uses"]


def rule_words(params: Params) -> set[str]:
    """Every word of every rule's keywords (phrases split), lower case."""
    return {w for words in (params.text.get("themes") or {}).values() for kw in words for w in str(kw).lower().split()}


def discover(data, cycle: str | None = None) -> Topics:
    """Topics in ``cycle``'s comments (default the loaded cycle), once per loaded cycle."""
    cycle = cycle or data.cycle
    return memo(data, ("topics", cycle), lambda: _discover(data, cycle))


def _discover(data, cycle: str) -> Topics:
    params = data.params
    s = discovery_settings(params)
    frame = comments_frame(data, cycle)
    docs = corpus(frame)
    unscored = int(frame["comment"].notna().sum() - len(docs)) if len(frame) else 0
    cycles = [c for c in params.cycles_up_to(cycle)]
    empty = Topics(pd.DataFrame(columns=TABLE_COLUMNS), pd.DataFrame(columns=["cycle", "topic", "comments", "share"]),
                   pd.DataFrame(columns=["topic", "comment", "weight", "response_id"]), len(docs), s,
                   unscored=unscored, cycles=cycles)
    if len(docs) < s.min_comments:
        empty.note = (f"Only {len(docs):,} scored comments this cycle: at least {s.min_comments:,} are needed to "
                      "find topics (text.yaml: discovery.min_comments). No topics are shown.")
        return empty
    try:
        model = TopicModel(docs["comment"].tolist(), s.topics, min_df=s.min_df)
    except ValueError:  # no term left after min_df
        empty.note = f"No word occurs in {s.min_df} comments or more this cycle: no topics can be found."
        return empty
    w = model.weights(docs["comment"].tolist())
    member, share = assign(w, s.min_weight)
    terms = model.top_terms(s.top_terms)
    sizes = np.bincount(member[member >= 0], minlength=model.k)
    # topics by size (largest first), then by their terms: a stable order for the same data
    model.order = np.array(sorted(range(model.k), key=lambda j: (-sizes[j], terms[j])))
    w, terms = w[:, model.order], [terms[j] for j in model.order]
    member, share = assign(w, s.min_weight)
    sizes = np.bincount(member[member >= 0], minlength=model.k)
    names = [f"T{j + 1}" for j in range(model.k)]

    trend_rows = []
    for c in cycles:
        docs_c = docs if c == cycle else corpus(comments_frame(data, c))
        if docs_c.empty:
            continue
        m_c = member if c == cycle else assign(model.weights(docs_c["comment"].tolist()), s.min_weight)[0]
        counts = np.bincount(m_c[m_c >= 0], minlength=model.k)
        trend_rows += [{"cycle": c, "topic": names[j], "comments": int(counts[j]), "corpus": len(docs_c),
                        "share": counts[j] / len(docs_c)} for j in range(model.k)]
    trend = pd.DataFrame(trend_rows, columns=["cycle", "topic", "comments", "corpus", "share"])

    themes = list(params.text.get("themes") or {})
    known = rule_words(params)
    matched = docs[themes].to_numpy(dtype=bool) if themes and all(t in docs for t in themes) else np.zeros((len(docs), 0), bool)
    rows = []
    for j, name in enumerate(names):
        inside = member == j
        f = docs[inside]
        cover = matched[inside]
        any_rule = float(cover.any(axis=1).mean()) if len(f) and cover.shape[1] else 0.0
        per_rule = cover.mean(axis=0) if len(f) and cover.shape[1] else np.zeros(len(themes))
        best = themes[int(np.argmax(per_rule))] if len(themes) and per_rule.max() > 0 else None
        shares = trend[trend["topic"] == name]["share"]
        rows.append({"topic": name, "top terms": ", ".join(terms[j]), "comments": int(sizes[j]),
                     "share of comments": sizes[j] / len(docs),
                     "negative": float((f["sentiment"] == "negative").mean()) if len(f) else np.nan,
                     "mean sentiment": float(f["compound"].mean()) if len(f) else np.nan,
                     "trend": " → ".join(f"{100 * v:.0f}%" for v in shares),
                     "rule theme": best if (best is not None and any_rule >= s.covered) else NEW,
                     "matched by rules": any_rule if len(f) else np.nan,
                     "words no rule uses": ", ".join(t for t in terms[j] if not set(t.split()) & known)})
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    ex = _examples(docs, w, member, share, names, params, s)
    note = None if model.converged else "The topic model did not fully converge: treat the topics as indicative."
    members = pd.DataFrame({"response_id": docs["response_id"].to_numpy(),
                            "topic": [names[m] if m >= 0 else None for m in member], "share": share})
    return Topics(table, trend, ex, len(docs), s, note=note, unscored=unscored, cycles=cycles, members=members)


def _examples(docs: pd.DataFrame, w: np.ndarray, member: np.ndarray, share: np.ndarray, names: list[str],
              params: Params, s: Discovery) -> pd.DataFrame:
    """Example comments per topic (module docstring: only from groups at the comment threshold)."""
    min_group = params.min_comment_group
    ok = np.ones(len(docs), dtype=bool)
    for seg in params.segments:
        if seg in docs:
            key = docs[seg].astype(object).where(docs[seg].notna(), "\x00missing")
            ok &= visible_groups(key.map(key.value_counts()), min_group).to_numpy()
    rows = []
    for j, name in enumerate(names):
        inside = member == j
        if inside.sum() < min_group:
            continue
        f = pd.DataFrame({"comment": docs["comment"], "response_id": docs["response_id"], "share": share,
                          "weight": w[:, j] if w.shape[0] else []})[inside & ok]
        f = f.sort_values(["share", "weight", "response_id"], ascending=[False, False, True], kind="stable")
        f = f.drop_duplicates(subset=["comment"]).head(s.examples)
        rows += [{"topic": name, "comment": r.comment, "weight": float(r.share), "response_id": r.response_id}
                 for r in f.itertuples()]
    return pd.DataFrame(rows, columns=["topic", "comment", "weight", "response_id"])
