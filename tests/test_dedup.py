"""Dedup: signatures, copy linking (in memory and in SQLite, incrementally), lineage merges and passages."""

from __future__ import annotations

import random

import numpy as np
import pytest

from newsloom import Config, Pipeline, Store
from newsloom.dedup.engine import Deduper
from newsloom.dedup.index import MemoryIndex, SQLiteIndex
from newsloom.dedup.minhash import DatasketchSigner, Signer, lines, shingle_strings
from newsloom.dedup.passages import passage_key, passages
from newsloom.errors import StoreError
from newsloom.records import Article

from support import EXAMPLES, EXPECTED, example_doc_uri, shared_or_skip

_VOCAB = [f"{a}{b}{c}" for a in ("ka", "mo", "ri", "te", "su", "pa", "lo", "ne") for b in ("ra", "ve", "di", "ko",
          "mu", "sa") for c in ("n", "l", "s", "t", "r", "")]


def _story(rng: random.Random, paragraphs: int = 6, words: int = 30) -> list[str]:
    return [" ".join(rng.choice(_VOCAB) for _ in range(words)).capitalize() + "." for _ in range(paragraphs)]


def _page(title: str, paragraphs: list[str]) -> str:
    return "\n\n".join([title, *paragraphs])


@pytest.fixture(scope="module")
def corpus():
    """Originals and copies of them with the transformations dedup must survive, plus unrelated stories."""
    rng = random.Random(11)
    originals = {f"o{i}": _story(rng) for i in range(30)}
    docs = [(k, _page(f"Headline {k}", p), k) for k, p in originals.items()]
    for k, p in list(originals.items())[:20]:
        edited = [" ".join(w if rng.random() > 0.03 else rng.choice(_VOCAB) for w in para.split()) for para in p]
        docs += [
            (f"{k}-teaser", _page("Another headline", p[:2]) + " ...", k),
            (f"{k}-furniture", "Home | World | Sport\n\n" + _page(f"Headline {k}", p) + "\n\nShare this article", k),
            (f"{k}-edited", _page("Rewritten headline entirely", edited), k),
            (f"{k}-reordered", _page(f"Headline {k}", [p[0], *reversed(p[1:])]), k),
            (f"{k}-dateline", _page(f"Headline {k}", [f"LONDON (Reuters) - {p[0]}", *p[1:]]), k),
        ]
    rng.shuffle(docs)
    return docs


def _run(engine: Deduper, docs, batch: int = 16, store: Store | None = None):
    links = []
    for i in range(0, len(docs), batch):
        chunk = docs[i:i + batch]
        if store is not None:
            with store.transaction():
                links += engine.add_batch([d[0] for d in chunk], [d[1] for d in chunk])
        else:
            links += engine.add_batch([d[0] for d in chunk], [d[1] for d in chunk])
    return links


def _groups(docs, links) -> tuple[dict, dict]:
    truth = {d[0]: d[2] for d in docs}
    lineage = {link.article_id: link.lineage for link in links}
    return truth, lineage


def test_signatures_estimate_jaccard_and_count_shingles():
    rng = random.Random(3)
    base = _story(rng, 8)
    texts = [_page("T", base), _page("T", base[:4]), _page("T", base[:6] + _story(rng, 2))]
    for signer in (Signer(), DatasketchSigner()):
        signed = signer.sign(texts)
        sets = [shingle_strings(lines(t), 5) for t in texts]
        assert signed.sizes.tolist() == [len(s) for s in sets]
        for j in (1, 2):
            true = len(sets[0] & sets[j]) / len(sets[0] | sets[j])
            estimate = float((signed.signatures[0] == signed.signatures[j]).mean())
            assert abs(estimate - true) < 0.12, (type(signer).__name__, estimate, true)


def test_reordered_paragraphs_and_datelines_do_not_change_the_signature():
    rng = random.Random(4)
    p = _story(rng)
    signer = Signer()
    signed = signer.sign([_page("T", p), _page("T", [p[0], *reversed(p[1:])]),
                          _page("T", [f"PORT ANDREL (MPA) — {p[0]}", *p[1:]]), _page("T", _story(rng))])
    assert (signed.signatures[0] == signed.signatures[1]).all()
    assert signed.exact[0] == signed.exact[2] and (signed.signatures[0] == signed.signatures[2]).all()
    assert (signed.signatures[0] == signed.signatures[3]).mean() < 0.1


def test_copies_join_their_original_and_unrelated_stories_stay_apart(corpus):
    links = _run(Deduper(MemoryIndex()), corpus)
    truth, lineage = _groups(corpus, links)
    for doc_id, group in truth.items():
        members = {lineage[d] for d, g in truth.items() if g == group}
        assert len(members) == 1, f"{group}: copies split over {members}"
    assert len({lineage[d] for d in truth if "-" not in d}) == 30, "different originals were linked"
    kinds = {link.article_id: link.kind for link in links}
    assert all(kinds[d] in ("near", "exact", "original") for d in kinds)
    assert sum(k == "near" for k in kinds.values()) >= 60


def test_sqlite_index_gives_the_same_links_incrementally(tmp_path, corpus):
    memory = _run(Deduper(MemoryIndex()), corpus)
    half = len(corpus) // 2
    store = Store(tmp_path / "news.db")
    first = _run(Deduper(SQLiteIndex(store)), corpus[:half], store=store)

    class Counting(Signer):
        signed = 0

        def sign(self, texts):
            Counting.signed += len(texts)
            return super().sign(texts)

    engine = Deduper(SQLiteIndex(store), Counting())  # a new run: nothing of the first is in memory
    second = _run(engine, corpus[half:], store=store)
    assert Counting.signed == len(corpus) - half, "old signatures were recomputed"
    assert engine.index._rows == {} and engine.index._buckets == {}, "the SQLite index kept rows in memory"
    _, by_memory = _groups(corpus, memory)
    _, by_sqlite = _groups(corpus, first + second)
    assert by_sqlite == by_memory
    rows = store.db.execute("SELECT count(*), count(DISTINCT lineage) FROM dedup_signatures").fetchone()
    assert rows[0] == len(corpus) and rows[1] == 30
    # Bucket rows only for texts that are not exact copies, one per band.
    indexed = store.db.execute("SELECT count(DISTINCT sig) FROM lsh_buckets").fetchone()[0]
    assert 0 < indexed <= len(corpus)


def test_a_text_copying_two_lineages_joins_them(tmp_path):
    rng = random.Random(5)
    p = _story(rng, 8)
    first, second = _page("A", p[:4]), _page("B", p[4:])
    bridge = _page("C", p)
    store = Store(tmp_path / "news.db")
    engine = Deduper(SQLiteIndex(store))
    with store.transaction():
        a, b = engine.add_batch(["a", "b"], [first, second])
    assert a.lineage != b.lineage
    with store.transaction():
        (c,) = engine.add_batch(["c"], [bridge])
    assert c.kind == "near" and c.lineage == "a" and engine.merges == 1
    lineages = dict(store.db.execute("SELECT article_id, lineage FROM dedup_signatures"))
    assert lineages == {"a": "a", "b": "a", "c": "a"}


def test_passages_are_one_key_per_text_with_every_occurrence(tmp_path):
    repeated = "The council approved the new budget for the harbour after a long debate on Tuesday."
    a = Article(id="a1", doc_id="d1", title=None, text=f"{repeated} It was close.\nLater, {repeated.lower()}",
                paragraphs=(), source_spans=(), uri="x")
    b = Article(id="a2", doc_id="d2", title=None, text=f"Other news first, said the mayor today.\n{repeated}",
                paragraphs=(), source_spans=(), uri="y")
    rows = passages(a) + passages(b)
    key = passage_key(repeated)
    occurrences = [(r[1], r[2], r[3]) for r in rows if r[0] == key]
    assert len(occurrences) == 2, occurrences  # "Later, the council..." is a different sentence
    store = Store(tmp_path / "news.db")
    with store.transaction():
        store.save_passages(rows)
    shared = store.shared_passages(["a1"])
    assert [p["passage"] for p in shared] == [key]
    for article, (start, end) in ((a, occurrences[0][1:]), (b, occurrences[1][1:])):
        assert article.text[start:end] == repeated


def test_store_refuses_signatures_made_another_way(tmp_path):
    store = Store(tmp_path / "news.db")
    Pipeline(store, Config()).run([str(EXAMPLES / "herald.jsonl")])
    other = Config.from_dict({"dedup": {"num_perm": 64}})
    with pytest.raises(StoreError, match="dedup signatures"):
        Pipeline(store, other).run([str(EXAMPLES / "ledger.rss")])


def test_articles_stored_before_the_index_are_backfilled(tmp_path):
    store = Store(tmp_path / "news.db")
    Pipeline(store, Config()).run([str(EXAMPLES / "ledger-dock-strike.txt")])
    with store.transaction():  # a store from before migration 2: articles, no dedup index
        for table in ("dedup_signatures", "lsh_buckets", "dedup_meta"):
            store.db.execute(f"DELETE FROM {table}")
    report = Pipeline(store, Config()).run([str(EXAMPLES / "gazette-dock-strike.html")])
    dedup = next(s for s in report.stages if s["stage"] == "dedup")
    assert dedup["backfilled"] == 1 and dedup.get("near_copies") == 1
    rows = dict(store.db.execute("SELECT uri, canonical_id FROM articles"))
    assert len(set(rows.values())) == 1, rows


def test_syndicated_copy_is_one_lineage_carried_by_two_outlets(examples_store):
    store, _ = examples_store
    first, second = (example_doc_uri(d) for d in EXPECTED["syndicated"][0])
    rows = {r["uri"]: r for r in store.db.execute("SELECT uri, id, canonical_id, outlet, similarity FROM articles")}
    a, b = rows[first], rows[second]
    assert a["canonical_id"] == b["canonical_id"]
    assert a["outlet"] != b["outlet"]
    assert min(a["similarity"], b["similarity"]) >= 0.5  # near copy: other furniture, last line dropped
    briefing = store.briefing(store.article_story()[a["id"]])
    sources = {s.article_id: s for s in briefing.sources}
    assert {sources[a["id"]].outlet, sources[b["id"]].outlet} == {a["outlet"], b["outlet"]}
    lineages = {x.lineage for x in store.story_articles(store.article_story()[a["id"]])}
    assert len(lineages) == len(briefing.sources) - 1
    # The wire text's sentences are passages carried by both articles.
    shared = store.shared_passages([a["id"]])
    assert any({o[0] for o in p["occurrences"]} == {a["id"], b["id"]} for p in shared)


def test_seed_page_003_repeated_sentence_is_one_passage(tmp_path):
    folder = shared_or_skip("seeds")
    page = folder / "003_9fa44bf1c286dfc4.txt"
    sentence = page.read_text(encoding="utf-8").split("\n")[1].strip()
    assert page.read_text(encoding="utf-8").split("\n")[3].strip() == sentence
    store = Store(tmp_path / "news.db")
    Pipeline(store, Config()).run([str(page)])
    keys = {r[0] for r in store.db.execute("SELECT passage FROM passages")}
    key = passage_key(sentence)
    assert key in keys
    occurrences = store.db.execute("SELECT article_id, span_start, span_end FROM passages WHERE passage=?",
                                   (key,)).fetchall()
    (article,) = [a for a in store.articles()]
    for article_id, start, end in occurrences:
        assert article.text[start:end] == sentence
    # One key, with every place the article text carries the sentence (the cleaner keeps it once and records
    # the repeat as furniture; were both kept, both would be occurrences of this one passage).
    assert len(occurrences) == article.text.count(sentence) >= 1
