"""Acceptance on the five real seed pages (shared data; skipped when absent)."""

from __future__ import annotations

import json

import pytest

from newsloom import Config, Pipeline, Store
from newsloom.records import normalize_text
from support import shared_or_skip


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    folder = shared_or_skip("seeds")
    store = Store(tmp_path_factory.mktemp("seeds") / "news.db")
    Pipeline(store, Config()).run([str(folder)])
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    yield store, folder, gold
    store.close()


def test_all_five_pages_form_one_story(seeds):
    store, _, gold = seeds
    members = gold["story"]["members"]
    story_of = {a.uri.rsplit("/", 1)[-1]: sid for a in store.articles()
                for sid in [store.article_story()[a.id]]}
    assert set(members) <= set(story_of), f"missing articles: {set(members) - set(story_of)}"
    assert len({story_of[m] for m in members}) == 1


def test_briefing_cites_three_pages(seeds):
    store, _, gold = seeds
    story_id = store.article_story()[next(a.id for a in store.articles())]
    briefing = store.briefing(story_id)
    cited = {n for s in briefing.summary for n in s.citations}
    pages = {s.location.rsplit("/", 1)[-1] for s in briefing.sources if s.number in cited}
    assert len(pages) >= 3, pages
    assert any(d["subject"] == "troops" for d in briefing.disagreements), briefing.disagreements


@pytest.mark.parametrize("page, first, last", [("000_06ea547c931868e3.txt", 101, 116),
                                               ("000_06ea547c931868e3.txt", 132, 152),
                                               ("004_8baa719f014e5549.txt", 23, 80)])
def test_no_ticker_or_teaser_line_in_articles(seeds, page, first, last):
    store, folder, _ = seeds
    lines = (folder / page).read_text(encoding="utf-8").split("\n")[first - 1:last]
    texts = [normalize_text(a.text) for a in store.articles()]
    for line in lines:
        norm = normalize_text(line)
        if len(norm.split()) < 2:
            continue  # '-' separators, empty lines, one-word labels
        assert not any(norm in t for t in texts), f"{page}: furniture line in an article: {line[:80]!r}"
