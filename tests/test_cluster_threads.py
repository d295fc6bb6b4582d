"""Threads as clusters of stories, through the cluster stage on hand-made vectors: a story's thread follows the
story's aggregate (not its first article), a thread holding two large, unalike groups splits, and the
threads survive a reload from the store."""

from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from newsloom.cluster.stage import ClusterStage
from newsloom.config import Config
from newsloom.records import Article, Document
from newsloom.stages import RunContext
from newsloom.store import Store

DIM = 384


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def _word(n: int) -> str:
    """A word of letters only, distinct for each n, so that no two articles share a TF-IDF term."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters += chr(97 + r)
        if not n:
            return "zq" + letters


class Stream:
    """Feeds batches of (vector, day) articles to one cluster stage and writes what it yields to the store."""

    def __init__(self, store: Store, config: Config):
        self.store, self.config, self.n = store, config, 0
        self.stage = ClusterStage(RunContext(config, store))

    def batch(self, items: list[tuple[np.ndarray, date]]) -> list[str]:
        articles, ctx = [], self.stage.ctx
        ctx.vectors.clear()
        with self.store.transaction():
            for vector, day in items:
                self.n += 1
                doc = Document(id=f"d{self.n}", uri=f"mem:{self.n}", format="text", content=_word(self.n))
                self.store.write(doc)
                article = Article(id=f"a{self.n}", doc_id=doc.id, title=None, text=_word(self.n), paragraphs=(),
                                  source_spans=(), uri=doc.uri, published=day.isoformat())
                self.store.write(article)
                ctx.vectors[article.id] = vector
                articles.append(article)
            for record in self.stage.process_batch(articles):
                if not isinstance(record, Article):
                    self.store.write(record)
            self.stage.finish_batch()
        return [a.id for a in articles]

    def thread_of(self, article_id: str) -> str:
        return self.store.db.execute("SELECT s.thread_id FROM story_articles sa JOIN stories s ON s.id = sa.story_id"
                                     " WHERE sa.article_id = ?", (article_id,)).fetchone()[0]


def _config(**cluster) -> Config:
    config = Config()
    return replace(config, cluster=replace(config.cluster, **cluster))


def test_a_story_moves_to_the_thread_its_articles_point_to():
    """An ambiguous first article (nearer topic A) opens a story that joins thread A; when the story fills in
    with articles of topic B, the whole story moves to thread B (a thread of its first article would keep it
    in A)."""
    store = Store(":memory:")
    stream = Stream(store, Config())
    day = date(2020, 3, 1)
    old = day - timedelta(days=30)  # the two topics' first stories: dormant for stories, live for threads
    a = stream.batch([(_unit(1, 0), old)] * 3)
    b = stream.batch([(_unit(0, 1), old)] * 3)
    assert stream.thread_of(a[0]) != stream.thread_of(b[0])
    first = stream.batch([(_unit(0.75, 0.66), day)])
    assert stream.thread_of(first[0]) == stream.thread_of(a[0])
    rest = stream.batch([(_unit(0.3, 1), day)] * 5)
    assert stream.thread_of(rest[0]) == stream.thread_of(first[0])  # one story
    assert stream.thread_of(first[0]) == stream.thread_of(b[0])


def test_a_thread_holding_two_large_unalike_groups_splits():
    """With a join threshold that lets everything into one thread, two groups of 60 articles whose centroids
    are far apart end in two threads; with splitting off, in one."""
    day = date(2020, 3, 1)
    groups = [[(_unit(1, 0.2 * (k % 3)), day + timedelta(days=k % 5)) for k in range(60)],
              [(_unit(0.2 * (k % 3), 1), day + timedelta(days=k % 5)) for k in range(60)]]
    for split, apart in ((0.55, True), (None, False)):
        store = Store(":memory:")
        stream = Stream(store, _config(thread_threshold=-1.0, thread_split_threshold=split))
        ids = stream.batch(groups[0] + groups[1])
        threads = [{stream.thread_of(i) for i in ids[:60]}, {stream.thread_of(i) for i in ids[60:]}]
        assert len(threads[0]) == len(threads[1]) == 1
        assert (threads[0] != threads[1]) is apart
        stored = {r[0] for r in store.db.execute("SELECT id FROM threads")}
        assert stored == threads[0] | threads[1]


def test_threads_are_kept_across_runs():
    """A new stage on the same store (a later run) finds the threads and their stories: an article of a known
    topic joins its thread, and the thread's stories are still counted in it."""
    store = Store(":memory:")
    first = Stream(store, Config())
    day = date(2020, 3, 1)
    a = first.batch([(_unit(1, 0), day)] * 3)
    later = Stream(store, Config())
    later.n = first.n
    b = later.batch([(_unit(1, 0.1), day + timedelta(days=40))])
    assert later.thread_of(b[0]) == first.thread_of(a[0])
    thread = later.stage.threads.by_id[first.thread_of(a[0])]
    assert len(thread.members) == 2 and thread.count == 4


def test_when_two_stories_of_two_threads_merge_the_emptied_thread_goes():
    """Stories a and b (cosine 0.3) open two threads; two articles between them join b and make the stories
    alike enough to merge. The merged story keeps a's thread, and b's thread, left without stories, is gone from
    the store."""
    store = Store(":memory:")
    stream = Stream(store, Config())
    day = date(2020, 3, 1)
    a = stream.batch([(_unit(1, 0), day)])
    b = stream.batch([(_unit(0.3, np.sqrt(1 - 0.09)), day)])
    assert stream.thread_of(a[0]) != stream.thread_of(b[0])
    stream.batch([(_unit(1, 1), day)] * 2)
    assert stream.thread_of(a[0]) == stream.thread_of(b[0])
    assert [r[0] for r in store.db.execute("SELECT id FROM threads")] == [stream.thread_of(a[0])]
