"""Reconcile: figures about the same quantity grouped across sources; corroborated, single-source, conflicting
(beyond the qualifiers' intervals, same time) and updates (different times); copies count once."""

from __future__ import annotations

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
