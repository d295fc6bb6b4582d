"""End to end on the example corpus: stories, copies, figures, idempotent and incremental runs, crashes."""

from __future__ import annotations

import shutil

import pytest

from newsloom import Config, Pipeline, Store
from newsloom.records import normalize_text
from newsloom.store.sqlite import TABLES

from support import EXAMPLES, EXPECTED, example_doc_uri


def _story_of_uri(store: Store) -> dict[str, str]:
    rows = store.db.execute(
        "SELECT a.uri, sa.story_id FROM story_articles sa JOIN articles a ON a.id=sa.article_id "
        "UNION ALL SELECT d.uri, sh.story_id FROM story_headlines sh JOIN headlines h ON h.id=sh.headline_id "
        "JOIN documents d ON d.id=h.doc_id WHERE d.format='feed-entry'")
    return {uri: story for uri, story in rows}


def test_each_event_is_one_story_and_events_stay_apart(examples_store):
    store, _ = examples_store
    story_of = _story_of_uri(store)
    event_story = {}
    for slug, event in EXPECTED["events"].items():
        stories = {story_of.get(example_doc_uri(doc)) for doc in event["documents"]}
        assert None not in stories, f"{slug}: some documents are in no story"
        assert len(stories) == 1, f"{slug}: split over {len(stories)} stories"
        event_story[slug] = stories.pop()
    assert len(set(event_story.values())) == len(event_story), "two events share a story"


def test_stories_list_has_counts(examples_store):
    store, _ = examples_store
    rows = store.stories(include_headline_only=False)
    assert {"id", "title", "articles", "outlets"} <= set(rows[0])
    assert rows[0]["articles"] >= 4 and rows[0]["outlets"] >= 4


def test_threads_are_named_by_their_largest_story(examples_store):
    store, _ = examples_store
    rows = store.db.execute("SELECT t.id, t.label, s.title, s.n_articles FROM threads t JOIN stories s"
                            " ON s.thread_id = t.id WHERE s.n_articles > 0").fetchall()
    by_thread: dict[str, list] = {}
    for row in rows:
        by_thread.setdefault(row["id"], []).append(row)
    assert by_thread
    for stories in by_thread.values():
        largest = max(s["n_articles"] for s in stories)
        assert stories[0]["label"] in {s["title"] for s in stories if s["n_articles"] == largest}


def test_syndicated_copy_is_one_lineage_with_two_outlets(examples_store):
    store, _ = examples_store
    first, second = (example_doc_uri(d) for d in EXPECTED["syndicated"][0])
    rows = {r["uri"]: r for r in store.db.execute("SELECT uri, id, canonical_id, outlet FROM articles")}
    a, b = rows[first], rows[second]
    assert (a["canonical_id"] or a["id"]) == (b["canonical_id"] or b["id"]), "copies are not linked"
    story_id = store.article_story()[a["id"]]
    briefing = store.briefing(story_id)
    numbers = {s.article_id: s for s in briefing.sources}
    assert numbers[a["id"]].copy_of or numbers[b["id"]].copy_of, "the briefing does not mark the copy"
    lineages = {x.canonical_id or x.id for x in store.story_articles(story_id)}
    assert len(lineages) == len(briefing.sources) - 1
    assert {numbers[a["id"]].outlet, numbers[b["id"]].outlet} == {a["outlet"], b["outlet"]} and \
        a["outlet"] != b["outlet"], "the story's sources do not list both outlets of the copy"


def test_conflicting_figure_is_reported(examples_store):
    store, _ = examples_store
    conflict = EXPECTED["conflicting_figure"]
    uri = example_doc_uri(conflict["values"][0]["doc"])
    article_id = store.db.execute("SELECT id FROM articles WHERE uri=?", (uri,)).fetchone()[0]
    briefing = store.briefing(store.article_story()[article_id])
    found = [d for d in briefing.disagreements if d["subject"] == conflict["unit"]]
    assert found, f"no disagreement on {conflict['unit']}: {briefing.disagreements}"
    texts = " | ".join(v["text"] for v in found[0]["values"])
    for value in conflict["values"]:
        assert value["text"] in texts


def test_no_furniture_in_article_text(examples_store):
    store, _ = examples_store
    texts = [a.text for a in store.articles()]
    for snippet in EXPECTED["furniture_snippets"]:
        assert not any(snippet in t for t in texts), f"furniture {snippet!r} left in an article"
    for doc, snippets in EXPECTED["article_snippets"].items():
        text = normalize_text(" ".join(a.text for a in store.articles() if a.uri == example_doc_uri(doc)))
        for snippet in snippets:
            assert normalize_text(snippet) in text, f"{doc}: missing {snippet[:60]!r}"


def test_briefings_are_cited_and_faithful(examples_store):
    """Every briefing sentence occurs verbatim in the article it came from and in every article it cites."""
    store, _ = examples_store
    ids = store.briefing_ids()
    assert ids
    for story_id in ids:
        briefing = store.briefing(story_id)
        articles = {a.id: a for a in store.story_articles(story_id)}
        by_number = {s.number: s.article_id for s in briefing.sources}
        assert 1 <= len(briefing.summary) <= 8
        for sentence in briefing.summary:
            assert sentence.citations, f"uncited sentence: {sentence.text}"
            source = articles[sentence.article_id]
            assert source.text[sentence.span[0]:sentence.span[1]] == sentence.text
            assert by_number[sentence.citations[0]] in articles
            for number in sentence.citations:
                assert normalize_text(sentence.text) in normalize_text(articles[by_number[number]].text)


def test_rerun_changes_nothing(tmp_path):
    db = tmp_path / "news.db"
    store = Store(db)
    Pipeline(store, Config()).run([str(EXAMPLES)])
    before = {t: store.ids(t) for t in TABLES}
    report = Pipeline(store, Config()).run([str(EXAMPLES)])
    assert report.documents_new == 0 and report.documents_seen == report.documents_read > 0
    assert {t: store.ids(t) for t in TABLES} == before


def test_second_run_extends_stories(tmp_path, examples_store):
    """Half the corpus, then the other half, gives the same stories as one run over all of it."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    files = sorted(p for p in EXAMPLES.iterdir() if p.is_file() and p.suffix not in (".md", ".py"))
    for i, path in enumerate(files):
        shutil.copy(path, (first if i % 2 else second) / path.name)
    store = Store(tmp_path / "news.db")
    Pipeline(store, Config()).run([str(first)])
    stories_after_first = {s["id"] for s in store.stories()}
    Pipeline(store, Config()).run([str(second)])
    full, _ = examples_store
    grown = store.stories(include_headline_only=False)
    assert [s["articles"] for s in grown] == [s["articles"] for s in full.stories(include_headline_only=False)]
    assert stories_after_first & {s["id"] for s in grown}, "the second run did not extend stored stories"


def test_crash_mid_batch_leaves_nothing(tmp_path, monkeypatch):
    from newsloom.facts.stage import FactsStage

    def explode(self, batch):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(FactsStage, "process_batch", explode)
    store = Store(tmp_path / "news.db")
    with pytest.raises(RuntimeError):
        Pipeline(store, Config()).run([str(EXAMPLES)])
    counts = store.counts()
    assert all(counts[t] == 0 for t in TABLES if t not in ("rejections", "embeddings")), counts


def test_a_short_news_item_is_kept_as_a_headline_and_a_label_is_refused(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "flash.txt").write_text("Earthquake of magnitude 6.1 strikes off the coast of northern Japan\n")
    (inputs / "items.jsonl").write_text(
        '{"title": "Dock strike ends after pay deal", "text": "Workers at Kessmoor docks voted to accept a 6 '
        'percent pay offer on Friday.", "url": "https://example.com/a", "published": "2026-11-20"}\n')
    (inputs / "label.txt").write_text("404 Not Found\n")
    store = Store(tmp_path / "news.db")
    Pipeline(store, Config()).run([str(inputs)])
    headlines = {r["text"]: r for r in store.db.execute("SELECT text, teaser, outlet, published FROM headlines")}
    assert set(headlines) == {"Earthquake of magnitude 6.1 strikes off the coast of northern Japan",
                              "Dock strike ends after pay deal"}
    dock = headlines["Dock strike ends after pay deal"]
    assert dock["teaser"].startswith("Workers at Kessmoor") and dock["outlet"] == "example.com"
    assert dock["published"].startswith("2026-11-20")
    assert [r["uri"].rsplit("/", 1)[-1] for r in store.rejections()] == ["label.txt"]
    assert len(store.ids("story_headlines")) == 2  # each is a story of its own until others join
