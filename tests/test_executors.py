"""The two halves and the executors: the store half runs no model, and Ray stores exactly what the local
executor stores (issue 21)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest

from newsloom import Config, Pipeline, Store
from newsloom.document_half import DocumentHalf
from support import EXAMPLES, shared_or_skip

# The embedding cache is left out: where reconcile's sentences are embedded (``[executor] sentence_vectors``)
# decides which sentences it caches, not what the store says.
SKIPPED_TABLES = {"schema_version", "embeddings"}


def table_rows(path) -> dict[str, list]:
    db = sqlite3.connect(path)
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
              if name not in SKIPPED_TABLES and not name.startswith("sqlite")]
    rows = {name: sorted(map(repr, db.execute(f"SELECT * FROM {name}"))) for name in tables}
    db.close()
    return rows


def test_the_store_half_looks_up_sentence_vectors_and_runs_no_encoder(tmp_path):
    config = replace(Config(), executor=replace(Config().executor, sentence_vectors="document"))
    with Pipeline(Store(tmp_path / "news.db"), config) as pipeline:
        report = pipeline.run([str(EXAMPLES)])
    stages = {s["stage"]: s for s in report.stages}
    assert [s["stage"] for s in report.stages] == ["clean", "sign", "represent", "facts", "sentences",
                                                   "brief-sentences", "dedup", "cluster", "reconcile", "brief"]
    assert stages["sentences"]["sentences_embedded"] > 0
    assert stages["reconcile"].get("statement_corroborated", 0) > 0  # statements were cross-checked ...
    assert "sentences_encoded" not in stages["reconcile"]  # ... from the document half's vectors alone


def test_in_one_process_reconcile_embeds_only_the_sentences_it_cross_checks(examples_store):
    """``sentence_vectors = "auto"`` with the models in the pipeline's process: the store half embeds them."""
    _, report = examples_store
    stages = {s["stage"]: s for s in report.stages}
    assert "sentences" not in stages
    assert stages["reconcile"]["sentences_encoded"] > 0 and stages["reconcile"]["statement_corroborated"] > 0


def test_reconcile_encodes_a_batchs_statement_sentences_in_one_call(tmp_path, monkeypatch):
    """All the sentences of the stories a batch cross-checks go to the encoder in one call (story by story, each
    call padded its own few), and that call holds every sentence they group: no story encodes any afterwards."""
    import newsloom.represent.embed as embed
    from newsloom.reconcile.stage import ReconcileStage
    from newsloom.records import Story
    from newsloom.stages import RunContext

    store = Store(tmp_path / "news.db")
    with Pipeline(store, Config()) as pipeline:
        pipeline.run([str(EXAMPLES)])
    with store.transaction():
        store.db.execute("DELETE FROM embeddings WHERE record_id LIKE 'sen!_%' ESCAPE '!'")  # never cross-checked
    calls = []
    encode = embed.embed_texts
    monkeypatch.setattr(embed, "embed_texts", lambda texts, config: calls.append(len(texts)) or encode(texts, config))
    stage = ReconcileStage(RunContext(Config(), store))
    stories = [Story(id=s["id"], title=s["title"], article_ids=()) for s in store.stories(include_headline_only=False)]
    with store.transaction():
        claims = [r for r in stage.run(stories) if not isinstance(r, Story)]
    assert len({c.story_id for c in claims if c.kind == "statement"}) >= 2  # stories cross-checked ...
    assert [n for n in calls if n] == [stage.stats.notes["sentences_encoded"]]  # ... from one encoder call


def test_brief_takes_its_new_articles_sentences_from_the_document_half(tmp_path, monkeypatch):
    """Splitting and filtering an article's sentences (and their phrases and dates) is done in the document half;
    brief, in the store half, splits none of a batch's new articles again."""
    import newsloom.brief.summarize as summarize
    from newsloom.brief.stage import BriefStage
    from newsloom.stages import clear_process_caches

    clear_process_caches()  # nothing left from an earlier run over the same texts
    briefing, split_in_brief = [], []
    split, process = summarize.article_sentences, BriefStage.process
    monkeypatch.setattr(summarize, "article_sentences",
                        lambda text: (split_in_brief.append(1) if briefing else None) or split(text))

    def brief(stage, story):
        briefing.append(1)
        try:
            yield from process(stage, story)
        finally:
            briefing.pop()
    monkeypatch.setattr(BriefStage, "process", brief)
    with Pipeline(Store(tmp_path / "news.db"), Config()) as pipeline:
        report = pipeline.run([str(EXAMPLES)])
    stages = {s["stage"]: s for s in report.stages}
    assert stages["brief-sentences"]["in"] == stages["sign"]["in"] > 0  # every article
    assert stages["brief"]["out"] > 0 and not split_in_brief


def test_dedup_writes_the_passages_the_document_half_found(tmp_path, monkeypatch):
    """Each article's passages (hashes of its sentences and paragraphs) are found in the document half; dedup, in
    the store half, only writes them."""
    import newsloom.dedup.stage as dedup

    in_dedup, found_in_dedup = [], []
    find, process = dedup.passages, dedup.DedupStage.process_batch
    monkeypatch.setattr(dedup, "passages", lambda article: (found_in_dedup.append(1) if in_dedup else None)
                        or find(article))

    def matching(stage, batch):
        in_dedup.append(1)
        try:
            return process(stage, batch)
        finally:
            in_dedup.pop()
    monkeypatch.setattr(dedup.DedupStage, "process_batch", matching)
    store = Store(tmp_path / "news.db")
    with Pipeline(store, Config()) as pipeline:
        pipeline.run([str(EXAMPLES)])
    assert store.db.execute("SELECT count(*) FROM passages").fetchone()[0] > 0 and not found_in_dedup


def test_a_seeded_process_cache_returns_the_seed_once():
    from newsloom.stages import clear_seeds, process_cache

    calls = []

    @process_cache(maxsize=2)
    def double(x):
        calls.append(x)
        return 2 * x

    double.seed(10, 5)
    double.seed(14, 7)
    assert double(5) == 10 and calls == []  # the seeded value, not computed
    double.cache_clear()
    assert double(5) == 10 and calls == [5]  # a seed is taken once
    clear_seeds()
    assert double(7) == 14 and calls == [5, 7]  # the seed no call took was dropped


def test_sentence_vectors_is_checked():
    from newsloom.errors import ConfigError

    with pytest.raises(ConfigError, match="sentence_vectors"):
        Pipeline(Store(":memory:"), Config.from_dict({"executor": {"sentence_vectors": "gpu"}}))


def test_a_document_half_needs_no_store():
    from newsloom.records import Document, content_id

    text = ("Flooding closed the main bridge into Kessmoor on Tuesday, the council said. " * 6).strip()
    doc = Document(id=content_id("doc", text), uri="memory://flood.txt", format="text", content=text)
    prepared = DocumentHalf(Config()).prepare([doc])
    (article,) = [r for r in prepared.records if type(r).__name__ == "Article"]
    assert set(prepared.signatures) == {article.id}
    assert article.id in prepared.vectors and prepared.vectors[article.id].shape == (384,)
    assert {type(f).__name__ for f in prepared.facts} >= {"Entity"}


def test_model_worker_processes_store_what_this_process_stores(tmp_path, examples_store):
    store, _ = examples_store
    config = replace(Config(), executor=replace(Config().executor, processes=2))
    assert _run(tmp_path / "processes.db", [EXAMPLES], config) == table_rows(store.path)


def test_executor_processes_is_checked():
    from newsloom.errors import ConfigError
    from newsloom.executors import model_processes

    assert model_processes(Config.from_dict({"executor": {"processes": "auto"}})) >= 1
    with pytest.raises(ConfigError, match="processes"):
        model_processes(Config.from_dict({"executor": {"processes": -1}}))


def _t17_jsonl(tmp_path, collection: str, limit: int):
    """The first ``limit`` articles of a timeline17 collection as newsloom JSONL (date and outlet from the
    layout)."""
    source = shared_or_skip("timeline17", collection, "articles.jsonl")
    out = tmp_path / f"{collection}.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        for line in source.read_text(encoding="utf-8").splitlines()[:limit]:
            row = json.loads(line)
            handle.write(json.dumps({"text": row["text"], "published": row["time"], "source": "BBC",
                                     "url": f"timeline17://{collection}/{row['id']}"}) + "\n")
    return out


def _run(db, paths, config, executor=None) -> dict:
    with Pipeline(Store(db), config, executor=executor) as pipeline:
        report = pipeline.run([str(p) for p in paths])
    assert report.documents_new > 0
    return table_rows(db)


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="Ray is part of newsloom[all]: pip install 'newsloom[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_executor_stores_what_the_local_executor_stores(tmp_path, ray_local):
    """Default configuration (so the local run embeds reconcile's sentences in the store half, and Ray in its
    actors). The examples, the seeds and 60 articles of a timeline17 collection (a whole one doubled the test suite's
    time), in batches of 25 documents and windows of two batches, so that Ray's order across actors and windows
    is exercised."""
    from newsloom.executors import RayExecutor

    inputs = [EXAMPLES, shared_or_skip("seeds"), _t17_jsonl(tmp_path, "MJ_bbc", 60)]
    config = replace(Config(), batch_docs=25)
    local = _run(tmp_path / "local.db", inputs, config)
    ray_run = _run(tmp_path / "ray.db", inputs, config,
                   RayExecutor(config, workers=2, batches_per_worker=1))
    assert {t: len(r) for t, r in ray_run.items()} == {t: len(r) for t, r in local.items()}
    assert len(local["documents"]) > 80 and len(local["stories"]) > 20 and len(local["claims"]) > 50
    differing = [t for t in local if local[t] != ray_run[t]]
    assert not differing, f"tables that differ between the executors: {differing}"
