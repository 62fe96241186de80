"""Theme discovery (NMF on TF-IDF) and comment language: reference values, the demo's planted
topic and languages recovered, determinism, the comment threshold for examples."""
from __future__ import annotations

import math
import re
import shutil

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from xmo_analysis.core.exceptions import ConfigError
from xmo_analysis.core.params import load_params
from xmo_analysis.domain import language
from xmo_analysis.domain.text import comments_frame, sentiment
from xmo_analysis.domain.topics import NEW, TopicModel, assign, corpus, discover
from xmo_analysis.missions import findings
from xmo_analysis.pipeline import demo
from xmo_analysis.sources.loaders import load_cycle

# ------------------------------------------------------------------ language: my own sentences
# Written by hand before the detector was run on any of them: IT-feedback sentences, six per language.
SENTENCES = {
    "en": ["The printer on the second floor has been broken since Monday.",
           "I waited a long time before anyone answered my request.",
           "Thanks for sorting out my account so quickly yesterday.",
           "The new headset works well but the microphone is very quiet.",
           "Nobody could tell me when my replacement phone would arrive.",
           "Great job by the service team during the office move."],
    "nl": ["De printer op de tweede verdieping is al sinds maandag kapot.",
           "Ik heb heel lang moeten wachten voordat iemand mijn vraag beantwoordde.",
           "Bedankt dat jullie mijn account gisteren zo snel hebben geregeld.",
           "De nieuwe koptelefoon werkt goed maar de microfoon is erg zacht.",
           "Niemand kon mij vertellen wanneer mijn nieuwe telefoon zou komen.",
           "Goed gedaan door het team tijdens de verhuizing van het kantoor."],
    "es": ["La impresora de la segunda planta está rota desde el lunes.",
           "Esperé mucho tiempo antes de que alguien respondiera a mi solicitud.",
           "Gracias por arreglar mi cuenta tan rápido ayer.",
           "Los nuevos auriculares funcionan bien pero el micrófono suena muy bajo.",
           "Nadie pudo decirme cuándo llegaría mi teléfono de sustitución.",
           "Muy buen trabajo del equipo de soporte durante la mudanza de la oficina."],
    "fr": ["L'imprimante du deuxième étage est en panne depuis lundi.",
           "J'ai attendu très longtemps avant que quelqu'un réponde à ma demande.",
           "Merci d'avoir réglé mon compte si rapidement hier.",
           "Le nouveau casque fonctionne bien mais le micro est très faible.",
           "Personne n'a pu me dire quand mon téléphone de remplacement arriverait.",
           "Bravo à l'équipe du support pendant le déménagement du bureau."],
    "de": ["Der Drucker im zweiten Stock ist seit Montag kaputt.",
           "Ich habe sehr lange gewartet, bis jemand auf meine Anfrage geantwortet hat.",
           "Danke, dass ihr mein Konto gestern so schnell repariert habt.",
           "Das neue Headset funktioniert gut, aber das Mikrofon ist sehr leise.",
           "Niemand konnte mir sagen, wann mein Ersatztelefon ankommt.",
           "Tolle Arbeit vom Support-Team während des Büroumzugs."],
    "pt": ["A impressora do segundo andar está avariada desde segunda-feira.",
           "Esperei muito tempo até que alguém respondesse ao meu pedido.",
           "Obrigado por resolverem a minha conta tão depressa ontem.",
           "Os auscultadores novos funcionam bem mas o microfone é muito baixo.",
           "Ninguém me soube dizer quando chegaria o meu telefone novo.",
           "Excelente trabalho da equipa de apoio durante a mudança de escritório."],
}


def test_language_detected_on_hand_written_sentences():
    texts = pd.Series([s for ss in SENTENCES.values() for s in ss])
    truth = [lang for lang, ss in SENTENCES.items() for _ in ss]
    got = language.detect(texts)
    assert got["language"].tolist() == truth  # measured: 36 of 36
    assert (got["confidence"] >= language.MIN_CONFIDENCE).all()
    # restricting the candidates changes nothing for clear sentences, and leaves the default identifier alone
    restricted = language.detect(texts, candidates=["en", "nl", "es", "fr", "de", "pt"])
    assert restricted["language"].tolist() == truth
    assert language.identifier(None) is not language.identifier(("de", "en", "es", "fr", "nl", "pt"))
    assert len(language.identifier(None).nb_classes) > 50


def test_short_comments_rule():
    lexicon = SentimentIntensityAnalyzer().lexicon
    short = pd.Series(["Great!", "Mostly fine.", "Thanks", "Merci", "Gracias", "12345", "[email]", None, "   "])
    got = language.detect(short)
    assert got["language"].iloc[:7].tolist() == [language.UNDETERMINED] * 7
    assert got["language"].iloc[7:].isna().all() and got["confidence"].iloc[7:].isna().all()
    ok = language.scorable(short, got["language"], lexicon)
    # scored only when the lexicon knows one of their words ("great", "fine", "thanks")
    assert ok.tolist() == [True, True, True, False, False, False, False, False, False]


def test_sentiment_scores_english_only_and_leaves_the_rest_missing(demo_project):
    params = load_params(demo_project / "params")
    texts = pd.Series(SENTENCES["en"] + SENTENCES["nl"] + SENTENCES["es"] + ["Great!", "Gracias", None])
    s = sentiment(texts, params)
    # English: exactly VADER's compound with params' lexicon, computed here by a separate analyser
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(params.text["lexicon"])
    expected = [vader.polarity_scores(t)["compound"] for t in SENTENCES["en"]]
    assert s["compound"].iloc[:6].tolist() == expected
    assert s["compound"].iloc[:6].notna().all()
    # other languages: NaN (never 0) and no label, though VADER would give them a number
    assert s["compound"].iloc[6:18].isna().all() and s["sentiment"].iloc[6:18].isna().all()
    # where VADER alone would have called them neutral (0.0: it knows none of their words)
    assert all(vader.polarity_scores(t)["compound"] == 0 for t in SENTENCES["nl"] + SENTENCES["es"])
    assert s["language"].iloc[6:18].tolist() == ["nl"] * 6 + ["es"] * 6
    assert s["compound"].iloc[18] == vader.polarity_scores("Great!")["compound"]
    assert math.isnan(s["compound"].iloc[19]) and math.isnan(s["compound"].iloc[20])


def test_demo_languages_unscored_counted_and_english_unchanged(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    c = comments_frame(data)
    planted = {t: lang for lang, pools in demo._FOREIGN.items() for pool in pools.values() for t in pool}
    foreign = c["comment"].isin(list(planted))
    assert foreign.sum() >= 5
    assert c.loc[foreign, "compound"].isna().all()
    assert (c.loc[foreign, "language"] == c.loc[foreign, "comment"].map(planted)).all()  # every one detected
    english = c[~foreign]
    assert english["compound"].notna().mean() == 1.0  # no English demo comment lost (measured: 0 of 135)
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(data.params.text["lexicon"])
    assert english["compound"].tolist() == [vader.polarity_scores(t)["compound"] for t in english["comment"]]
    counts = language.unscored_counts(c)
    assert counts.to_dict() == c.loc[foreign, "comment"].map(planted).value_counts().to_dict()
    lead = repr(findings.comments_section(data).parts[0])
    assert f"{int(foreign.sum())} comments were not scored" in lead
    for lang, n in counts.items():
        assert f"{lang} {n}" in lead
    # the sentiment shares are of the scored comments
    pos = (english["sentiment"] == "positive").mean()
    assert f"{100 * pos:.1f}% positive" in lead


# ------------------------------------------------------------------ TF-IDF and NMF against hand values
def test_tfidf_matches_hand_computation():
    # n = 3 comments; df(wifi) = df(chair) = 1, df(room) = df(desk) = 2
    # idf = ln((1 + n) / (1 + df)) + 1: ln 2 + 1 = 1.693147, ln(4/3) + 1 = 1.287682; rows l2-normalised
    model = TopicModel(["wifi wifi room", "room desk", "desk chair"], n_topics=2, min_df=1)
    x = pd.DataFrame(model.matrix(["wifi wifi room", "room desk", "desk chair"]).toarray(), columns=model.terms)
    assert list(model.terms) == ["chair", "desk", "room", "wifi"]
    assert x.loc[0, "wifi"] == pytest.approx(0.9347019636, abs=1e-9)
    assert x.loc[0, "room"] == pytest.approx(0.3554324679, abs=1e-9)
    assert x.loc[1, "room"] == pytest.approx(0.7071067812, abs=1e-9)
    assert x.loc[2, "desk"] == pytest.approx(0.6053485081, abs=1e-9)
    assert x.loc[2, "chair"] == pytest.approx(0.7959605416, abs=1e-9)
    assert x.loc[0, ["desk", "chair"]].sum() == 0


def test_nmf_recovers_disjoint_topics_exactly():
    # two topics with no word in common: X has rank 2 and W'H' = X exactly, so each comment's
    # weight on its topic is its TF-IDF mass (row sum), the other topic's is 0, and each topic's
    # term weights are the comments' TF-IDF profile scaled to sum 1
    a, b = "wifi signal rooms wifi", "printer toner paper"
    docs = [a] * 4 + [b] * 3 + [a + " " + a]
    model = TopicModel(docs, n_topics=2, min_df=1)
    x = model.matrix(docs).toarray()
    w = model.weights(docs)
    t_a = int(np.argmax(w[0]))
    np.testing.assert_allclose(w[:, t_a], [x[i].sum() if i in (0, 1, 2, 3, 7) else 0 for i in range(8)], atol=1e-4)
    np.testing.assert_allclose(w[:, 1 - t_a], [x[i].sum() if i in (4, 5, 6) else 0 for i in range(8)], atol=1e-4)
    np.testing.assert_allclose(model.components[t_a], x[0] / x[0].sum(), atol=1e-4)
    # hand values: "wifi" twice among signal and rooms once -> 2/(2+1+1) of the topic's weight
    assert dict(zip(model.terms, model.components[t_a]))["wifi"] == pytest.approx(0.5, abs=1e-4)
    assert model.top_terms(2)[t_a] == ["wifi", "rooms"]  # tie between rooms and signal: alphabetical
    assert sorted(model.top_terms(5)[1 - t_a]) == ["paper", "printer", "toner"]


def test_assign_by_dominant_topic_with_minimum_weight():
    w = np.array([[3.0, 1.0], [1.0, 1.0], [0.0, 0.0], [0.0, 2.0], [0.5, 1.5]])
    member, share = assign(w, 0.6)
    assert member.tolist() == [0, -1, -1, 1, 1]  # 3/4, 1/2 (tie, under 0.6), none, 2/2, 1.5/2
    np.testing.assert_allclose(share, [0.75, 0.5, 0.0, 1.0, 0.75])


# ------------------------------------------------------------------ the demo's planted topic
@pytest.fixture(scope="module")
def full(full_project):
    return load_cycle(full_project, "2026-Q4")


def _wifi(texts: pd.Series) -> pd.Series:
    return texts.isin([s for s in demo._WIFI]) | texts.map(lambda t: any(s in t for s in demo._WIFI))


def test_planted_topic_found_marked_new_with_its_trend(full):
    tp = discover(full)
    t = tp.table
    assert len(t) == 6 and t["topic"].tolist() == [f"T{i}" for i in range(1, 7)]
    new = t[t["rule theme"] == NEW]
    assert len(new) == 1  # only the planted topic: every other is mostly matched by a rule
    row = new.iloc[0]
    assert "wi-fi" in row["top terms"].split(", ") and "wi-fi" in row["words no rule uses"].split(", ")
    assert row["matched by rules"] < 0.05
    assert (t.loc[t["rule theme"] != NEW, "matched by rules"] >= 0.5).all()
    # recovery against the generator's own labels (measured: recall 1.00, precision 1.00)
    docs = corpus(comments_frame(full)).set_index("response_id")
    m = tp.members.set_index("response_id")["topic"]
    planted = _wifi(docs["comment"])
    found = m == row["topic"]
    assert (found & planted).sum() / planted.sum() >= 0.95
    assert (found & planted).sum() / found.sum() >= 0.95
    assert row["comments"] == found.sum() and row["share of comments"] == pytest.approx(found.sum() / len(docs))
    # complaints: more negative than the other comments
    assert row["mean sentiment"] < docs.loc[~found.reindex(docs.index).to_numpy(), "compound"].mean() - 0.2
    # trend: the planted share grows each cycle (3 %, 10 %, 17 %, 24 % of complaints and mixed comments)
    tr = tp.trend[tp.trend["topic"] == row["topic"]].set_index("cycle")
    assert list(tr.index) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert tr["share"].is_monotonic_increasing and tr["share"].iloc[-1] > 4 * tr["share"].iloc[0]
    for c in tr.index:  # each cycle's share against the generator's truth, within 2 points
        docs_c = corpus(comments_frame(full, c))
        assert tr.loc[c, "share"] == pytest.approx(_wifi(docs_c["comment"]).mean(), abs=0.02), c
    assert tr.loc["2026-Q4", "share"] == row["share of comments"]
    # the closest rule of a covered topic is the theme matching most of its comments (recomputed here)
    themes = list(full.params.text["themes"])
    for r in t[t["rule theme"] != NEW].to_dict("records"):
        inside = docs.loc[m[m == r["topic"]].index, themes]
        assert r["rule theme"] == inside.mean().idxmax()
        assert r["matched by rules"] == pytest.approx(inside.any(axis=1).mean())


def test_topics_are_deterministic(demo_project):
    a = discover(load_cycle(demo_project, "2026-Q4"))
    b = discover(load_cycle(demo_project, "2026-Q4"))
    assert len(a.table) == 6
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.trend, b.trend, check_exact=True)
    pd.testing.assert_frame_equal(a.examples, b.examples, check_exact=True)
    pd.testing.assert_frame_equal(a.members, b.members, check_exact=True)
    # the order the comments arrive in does not matter
    frame = comments_frame(load_cycle(demo_project, "2026-Q4"))
    pd.testing.assert_frame_equal(corpus(frame.sample(frac=1, random_state=3)), corpus(frame))


def test_examples_only_from_groups_at_the_comment_threshold(demo_project):
    params = load_params(demo_project / "params")
    threshold = 15
    params.settings["privacy"]["min_comment_group"] = threshold
    data = load_cycle(demo_project, "2026-Q4", params)
    tp = discover(data)
    docs = corpus(comments_frame(data)).set_index("response_id")
    segs = [s for s in params.segments if s in docs]
    assert len(segs) >= 3
    sizes = {s: docs[s].value_counts() for s in segs}
    small = pd.Series(False, index=docs.index)
    for s in segs:
        small |= docs[s].map(sizes[s]).fillna(0) < threshold
    assert small.any()  # some commenters are in a group under the threshold
    m = tp.members.set_index("response_id")["topic"]
    shown = set(tp.examples["topic"])
    # the filter bites: a topic that shows examples has members from a small group
    assert any((small & (m == topic)).any() for topic in shown)
    assert len(tp.examples) > 0
    for rid in tp.examples["response_id"]:
        assert not small[rid], rid
        for s in segs:
            assert sizes[s][docs.loc[rid, s]] >= threshold
    # a topic under the threshold shows no example
    tiny = tp.table.loc[tp.table["comments"] < threshold, "topic"]
    assert not set(tiny) & shown
    assert set(tp.table.loc[tp.table["comments"] >= threshold, "topic"]) >= shown
    # the examples are members of their topic, the most typical first
    for topic, f in tp.examples.groupby("topic"):
        assert (m[f["response_id"]] == topic).all()
        assert f["weight"].is_monotonic_decreasing
    html = findings.topics_section(data)._repr_html_()
    for text in docs.loc[small, "comment"]:
        if text not in set(docs.loc[~small, "comment"]):
            assert text not in html


def test_too_few_comments_no_topics(demo_project):
    params = load_params(demo_project / "params")
    params.text["discovery"] = {"min_comments": 100000}
    data = load_cycle(demo_project, "2026-Q4", params)
    tp = discover(data)
    assert tp.table.empty and "at least 100,000 are needed" in tp.note
    assert "at least 100,000 are needed" in repr(findings.topics_section(data))


def test_topics_section_and_notebook_cell(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    section = findings.topics_section(data)
    text = repr(section)
    assert "is new" in text and "wi-fi" in text
    assert "comments in languages other than the lexicon's are not in the topic model" in text
    nb = nbformat.read(REPO / "notebooks" / "2_findings.ipynb", as_version=4)
    src = [c.source.strip() for c in nb.cells]
    i = src.index("f.topics_section(data)")
    assert src.index("f.comments_section(data)") == i - 2 and nb.cells[i].cell_type == "code" and not nb.cells[i].outputs
    # a section of its own: an h2 heading, so that the report's contents list it
    assert nb.cells[i - 1].cell_type == "markdown" and src[i - 1].startswith("## Topics beyond the rules")


def test_discovery_keys_are_checked(tmp_path):
    shutil.copytree(REPO / "params", tmp_path / "params")
    path = tmp_path / "params" / "text.yaml"
    path.write_text(re.sub(r"(?m)^  topics: 6", "  topcs: 6", path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError, match="topcs") as err:
        load_params(tmp_path / "params")
    assert "topics" in str(err.value)
