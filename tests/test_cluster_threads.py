"""Threads as clusters of stories, through the cluster stage on hand-made vectors: a story's thread follows the
story's aggregate (not its first article), a thread whose halves the model takes for two topics splits, and the
threads survive a reload from the store. The stage runs with a small thread model written here (one topic when
the across-groups similarity is at least 0.8 of the larger group's own), so that the expected decisions can be
worked out by hand."""

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from newsloom.cluster.stage import ClusterStage
from newsloom.cluster.threads import FEATURES, ThreadModel
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


def _model(path, intercept: float, ratio_weight: float = 0.0) -> str:
    coef = [0.0] * len(FEATURES)
    coef[FEATURES.index("log_ratio")] = ratio_weight
    path.write_text(json.dumps({"features": list(FEATURES), "mean": [0.0] * len(FEATURES),
                                "scale": [1.0] * len(FEATURES), "coef": coef, "intercept": intercept,
                                "cohesion": 0.5}))
    return str(path)


@pytest.fixture
def ratio_model(tmp_path) -> str:
    """One topic (p >= 0.5) exactly when the across-groups similarity is at least 0.8 of the larger group's own."""
    return _model(tmp_path / "ratio.json", -4 * np.log(0.8), ratio_weight=4.0)


def _config(thread_model: str, **cluster) -> Config:
    config = Config()
    return replace(config, cluster=replace(config.cluster, thread_model=thread_model, **cluster))


def test_a_story_moves_to_the_thread_its_articles_point_to(ratio_model):
    """An ambiguous first article (nearer topic A) opens a story that joins thread A; when the story fills in
    with articles of topic B, the whole story moves to thread B (a thread of its first article would keep it
    in A)."""
    store = Store(":memory:")
    stream = Stream(store, _config(ratio_model))
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


def test_a_thread_whose_halves_are_two_topics_splits(tmp_path):
    """Two groups of 60 articles far apart, let into one thread by a model that takes everything for one topic.
    Checked again by a model that takes nothing for one topic, the thread splits in two, each group whole in its
    own thread; with splitting off, it stays one."""
    day = date(2020, 3, 1)
    groups = [[(_unit(1, 0.2 * (k % 3)), day + timedelta(days=k % 5)) for k in range(60)],
              [(_unit(0.2 * (k % 3), 1), day + timedelta(days=k % 5)) for k in range(60)]]
    one, two = _model(tmp_path / "one.json", 20.0), _model(tmp_path / "two.json", -20.0)
    for split, apart in ((True, True), (False, False)):
        stream = Stream(Store(":memory:"), _config(one, thread_split=split))
        ids = stream.batch(groups[0] + groups[1])
        assert len({stream.thread_of(i) for i in ids}) == 1
        stage = stream.stage
        stage.threads.model = ThreadModel.load(two)
        stage.touched, stage.touched_threads = set(), {stream.thread_of(ids[0])}
        stage._split_threads()
        story_of = {m: s for s in stage.stories.stories if s.alive for m in s.members}
        threads = [{story_of[i].thread_id for i in ids[:60]}, {story_of[i].thread_id for i in ids[60:]}]
        assert len(threads[0]) == len(threads[1]) == 1
        assert (threads[0] != threads[1]) is apart


def test_threads_are_kept_across_runs(ratio_model):
    """A new stage on the same store (a later run) finds the threads and their stories: an article of a known
    topic joins its thread, and the thread's stories are still counted in it."""
    store = Store(":memory:")
    first = Stream(store, _config(ratio_model))
    day = date(2020, 3, 1)
    a = first.batch([(_unit(1, 0), day)] * 3)
    later = Stream(store, _config(ratio_model))
    later.n = first.n
    b = later.batch([(_unit(1, 0.1), day + timedelta(days=40))])
    assert later.thread_of(b[0]) == first.thread_of(a[0])
    thread = later.stage.threads.by_id[first.thread_of(a[0])]
    assert len(thread.members) == 2 and thread.count == 4


def test_when_two_stories_of_two_threads_merge_the_emptied_thread_goes(ratio_model):
    """Stories a and b (cosine 0.3) open two threads; two articles between them join b and make the stories
    alike enough to merge. The merged story keeps a's thread, and b's thread, left without stories, is gone from
    the store."""
    store = Store(":memory:")
    stream = Stream(store, _config(ratio_model))
    day = date(2020, 3, 1)
    a = stream.batch([(_unit(1, 0), day)])
    b = stream.batch([(_unit(0.3, np.sqrt(1 - 0.09)), day)])
    assert stream.thread_of(a[0]) != stream.thread_of(b[0])
    stream.batch([(_unit(1, 1), day)] * 2)
    assert stream.thread_of(a[0]) == stream.thread_of(b[0])
    assert [r[0] for r in store.db.execute("SELECT id FROM threads")] == [stream.thread_of(a[0])]


def test_the_thread_features_measure_groups_against_their_own_spread():
    """Two halves of one topic are as alike as the topic's own members, whether the topic is spread out
    (members far apart) or tight: ratio near 1 for both. Two tight topics at cosine 0.6 are far less alike than
    their own members: ratio well below 1, though their across-groups similarity (0.6) is above the spread
    topic's (0.5)."""
    from newsloom.cluster.online import StoryState
    from newsloom.cluster.threads import Sums, features

    def group(*vectors):
        return StoryState(id="", title="", emb=sum(vectors), terms={}, count=len(vectors))

    spread = [_unit(1, 1, 0), _unit(1, -1, 0), _unit(1, 0, 1), _unit(1, 0, -1)] * 10
    tight = [_unit(1, 0)] * 40
    ratio = FEATURES.index("log_ratio")

    def ratio_of(a, b):
        return float(np.exp(features(Sums.of(group(*a), group(*b)), 0.4)[ratio]))

    assert ratio_of(spread[:20], spread[20:]) > 0.9
    assert ratio_of(tight[:20], tight[20:]) > 0.9
    assert ratio_of(tight[:20], [_unit(0.6, 0.8)] * 20) < 0.75


def test_a_fitted_thread_model_tells_topics_apart_on_topics_it_did_not_see():
    """Synthetic topics of different spreads: fitted on four, the model joins stories of two unseen topics to
    their own topic's thread and not to each other's."""
    from newsloom.cluster.online import StoryState
    from newsloom.cluster.threads import Sums, fit_thread_model

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, DIM))

    def stories(topic: int, n: int, spread: float, start: date):
        out = []
        for k in range(n):
            vectors = [centres[topic] + spread * rng.normal(size=DIM) for _ in range(3)]
            vectors = [v / np.linalg.norm(v) for v in vectors]
            out.append(StoryState(id=f"t{topic}s{k}", title="", emb=sum(vectors), terms={}, count=3,
                                  first=start + timedelta(days=k), last=start + timedelta(days=k + 1)))
        return out

    day = date(2021, 1, 1)
    train = [(s, t) for t, spread in enumerate((0.05, 0.08, 0.1, 0.06)) for s in stories(t, 40, spread, day)]
    model = fit_thread_model([s for s, _ in train], [str(t) for _, t in train], 120.0)
    unseen = {t: stories(t, 30, spread, day) for t, spread in ((4, 0.07), (5, 0.09))}

    def whole(group):
        return StoryState(id="", title="", emb=sum(s.emb for s in group), terms={},
                          count=sum(s.count for s in group), first=day, last=day + timedelta(days=30))

    threads = {t: whole(group[:-1]) for t, group in unseen.items()}
    for t, group in unseen.items():
        other = 9 - t
        assert model.probability(Sums.of(group[-1], threads[t])) >= 0.5
        assert model.probability(Sums.of(group[-1], threads[other])) < 0.5


def test_a_thread_model_fitted_on_other_features_is_refused(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"features": ["cos_emb"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0,
                                "cohesion": 0.4}))
    with pytest.raises(ValueError, match="E301"):
        ThreadModel.load(path)


def test_a_thread_model_reads_the_features_its_file_names(tmp_path):
    """A model fitted on a subset of the features (bench/clustering.py compares such sets) reads only those, in
    its file's order: here the two-sided ratio alone, so the sizes and the gap change nothing."""
    from newsloom.cluster.threads import Sums

    path = tmp_path / "two_sided.json"
    path.write_text(json.dumps({"features": ["log_ratio_two_sided"], "mean": [0.0], "scale": [1.0], "coef": [4.0],
                                "intercept": -4 * float(np.log(0.8)), "cohesion": 0.5}))
    model = ThreadModel.load(path)
    assert model.names == ("log_ratio_two_sided",)
    # Both groups as cohesive as each other and as alike across: one topic, however large or far apart.
    for n, gap in ((2, 0), (40, 0), (40, 300)):
        alike = Sums(n, n, ab=0.5 * n * n, aa=n + 0.5 * n * (n - 1), bb=n + 0.5 * n * (n - 1), gap_days=gap)
        assert model.probability(alike) > 0.5
    apart = Sums(40, 40, ab=0.2 * 1600, aa=40 + 0.5 * 1560, bb=40 + 0.5 * 1560, gap_days=0)
    assert model.probability(apart) < 0.5
    assert json.loads(model.to_json())["features"] == ["log_ratio_two_sided"]
