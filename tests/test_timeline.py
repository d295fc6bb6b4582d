"""Query-focused timelines: query words, relevance, dates by support and spread over time, determinism, and the
`newsloom timeline` command, /api/timeline and the /timeline page."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from newsloom.brief.timeline import TimelineDoc, TimelineParams, build_timeline, query_parts
from newsloom.cli import main
from web_support import copy_store

SPILL = ["Engineers at the leaking {well} well said on {when} that the oil spill spread toward the marshes.",
         "The oil company lowered a containment dome over the {well} well on {when} to slow the spill.",
         "Crews burned oil from the spill near the {well} rig on {when}, the coast guard said.",
         "Fishermen said the oil spill from the {well} well closed their waters on {when}."]
QUAKE = ["A magnitude 7 earthquake struck the mountain province on {when}, toppling houses and schools.",
         "Rescuers searched collapsed schools after the earthquake on {when} in the mountain province.",
         "Aftershocks of the earthquake rattled the mountain province again on {when}, officials said."]


def spoken(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def doc(i: int, published: date, templates: list[str], when: date) -> TimelineDoc:
    sentences = tuple((t.format(well="Macondo", when=spoken(when)), (0, 1)) for t in templates)
    return TimelineDoc(f"d{i:03d}", published.isoformat(), sentences)


def spill_collection() -> list[TimelineDoc]:
    """Twenty articles on an oil spill naming six days, and three on an earthquake that all name one day: the
    earthquake's day has the most support of any, but it is not the spill's."""
    start = date(2010, 4, 20)
    days = [start + timedelta(days=d) for d in (0, 0, 0, 0, 5, 5, 5, 12, 12, 12, 20, 20, 20, 30, 30, 30, 41, 41,
                                                41, 41)]
    docs = [doc(i, day + timedelta(days=1), SPILL[i % 2:] + SPILL[:i % 2], day) for i, day in enumerate(days)]
    quake_day = date(2010, 5, 25)
    docs += [doc(100 + i, quake_day + timedelta(days=1), QUAKE, quake_day) for i in range(5)]
    return docs


def test_query_words_are_derived_generically():
    vocabulary = Counter({"libya": 40, "war": 30, "bp": 50, "oil": 60, "financial": 20, "finance": 9, "jackson": 9})
    assert query_parts("LibyaWar", vocabulary) == [frozenset({("libya",)}), frozenset({("war",)})]
    assert query_parts("bpoil", vocabulary) == [frozenset({("bp",)}), frozenset({("oil",)})]
    assert query_parts("Finan", vocabulary) == [frozenset({("finan",)})]  # matches the words it begins
    names = Counter({("Michael", "Jackson"): 12, ("Mary", "Jones"): 2, ("Barack", "Obama"): 20})
    assert query_parts("MJ", vocabulary, names) == [frozenset({("michael", "jackson")})]
    assert query_parts("", vocabulary) == []


def test_an_off_topic_articles_dates_are_not_chosen():
    docs = spill_collection()
    quake = "2010-05-25"
    spill = [t.date for t in build_timeline(docs, n_dates=6, query="oil spill")]
    assert quake not in spill and len(spill) == 6
    # The same articles asked about the earthquake give its day: the query, not the data, decided.
    assert quake in [t.date for t in build_timeline(docs, n_dates=2, query="earthquake")]
    for entry in build_timeline(docs, n_dates=6, query="oil spill"):
        assert all("earthquake" not in s.text for s in entry.sentences)


def test_dates_spread_over_the_span():
    start = date(2011, 2, 1)
    # A heavily covered week (days 0 to 3, five articles each) and a turning point a month later (four).
    days = [start + timedelta(days=d) for d in (0, 1, 2, 3) for _ in range(5)] + [start + timedelta(days=30)] * 4
    docs = [doc(i, day, SPILL, day) for i, day in enumerate(days)]
    late = (start + timedelta(days=30)).isoformat()
    bunched = [t.date for t in build_timeline(docs, n_dates=2, params=TimelineParams(spread_days=0.0))]
    spread = [t.date for t in build_timeline(docs, n_dates=2, params=TimelineParams(spread_days=3.0))]
    assert late not in bunched and late in spread


def test_timeline_is_deterministic_and_independent_of_article_order():
    docs = spill_collection()
    first = build_timeline(docs, n_dates=5, per_date=2, query="oil spill")
    assert build_timeline(docs, n_dates=5, per_date=2, query="oil spill") == first
    shuffled = docs[:]
    random.Random(7).shuffle(shuffled)
    assert [t.date for t in build_timeline(shuffled, n_dates=5, query="oil spill")] == [t.date for t in first]


@pytest.fixture(scope="module")
def db(examples_store, tmp_path_factory):
    store, _ = examples_store
    return copy_store(store.path, tmp_path_factory.mktemp("timeline") / "news.db")


def article_texts(db: str) -> dict[str, str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, text FROM articles"))


def test_timeline_command_cites_verbatim_slices(db):
    result = CliRunner().invoke(main, ["timeline", "--query", "Kessmoor fire", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "Kessmoor fire" and data["dates"]
    texts = article_texts(db)
    for entry in data["dates"]:
        for s in entry["sentences"]:
            start, end = s["citations"][0]["span"]
            assert texts[s["citations"][0]["article_id"]][start:end] == s["text"]
    assert [d["date"] for d in data["dates"]] == sorted(d["date"] for d in data["dates"])
    text = CliRunner().invoke(main, ["timeline", "-q", "Kessmoor fire", "--db", db])
    assert text.exit_code == 0 and data["dates"][0]["date"] in text.output
    rows = CliRunner().invoke(main, ["timeline", "-q", "Kessmoor fire", "--db", db, "--jsonl"]).output.splitlines()
    assert {json.loads(r)["date"] for r in rows} == {d["date"] for d in data["dates"]}


def test_timeline_command_escapes_markdown_and_refuses_bad_input(db, tmp_path):
    md = CliRunner().invoke(main, ["timeline", "-q", "Kessmoor fire", "--db", db, "--markdown"])
    assert md.exit_code == 0 and md.output.startswith("# Timeline: Kessmoor fire")
    assert "<script>" not in md.output and "<img" not in md.output and "](" not in md.output
    missing = tmp_path / "none.db"
    refused = CliRunner().invoke(main, ["timeline", "-q", "fire", "--db", str(missing)])
    assert refused.exit_code == 1 and "no store" in refused.output and not missing.exists()
    assert CliRunner().invoke(main, ["timeline", "-q", "fire", "--db", db, "--from", "last week"]).exit_code == 2
    none = CliRunner().invoke(main, ["timeline", "-q", "zebra", "--db", db, "--json"])
    assert none.exit_code == 0 and json.loads(none.output)["dates"] == []


def test_api_and_page_give_the_same_timeline(db):
    pytest.importorskip("fastapi", reason="the web extra is not installed (pip install 'newsloom[web]')")
    from fastapi.testclient import TestClient

    from newsloom.web import create_app

    cli = json.loads(CliRunner().invoke(main, ["timeline", "-q", "Kessmoor fire", "--db", db, "--json"]).output)
    with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
        api = client.get("/api/timeline", params={"q": "Kessmoor fire"})
        assert api.status_code == 200 and api.json() == cli
        page = client.get("/timeline", params={"q": "Kessmoor fire"})
        assert page.status_code == 200 and "/api/timeline?q=Kessmoor+fire" in page.text
        for entry in cli["dates"]:
            assert entry["date"] in page.text
        assert "<script>alert" not in page.text
        assert client.get("/api/timeline", params={"q": "fire", "from": "soon"}).status_code == 422
        empty = client.get("/api/timeline", params={"q": "fire", "from": "2026-09-01", "to": "2026-08-01"})
        assert empty.status_code == 200 and empty.json()["dates"] == []
        assert client.get("/api/timeline").status_code == 422
        window = client.get("/api/timeline", params={"q": "Kessmoor fire", "from": cli["dates"][-1]["date"]}).json()
        assert all(d["date"] >= cli["dates"][-1]["date"] for d in window["dates"])
