"""Headline-only stories in two levels: headlines join fine parts, and stories are the average-linkage grouping
of the live parts, redone after every batch, so a grouping can be undone; through the cluster stage, moved
headlines and emptied stories reach the store, and the parts survive a reload."""

from dataclasses import replace

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from newsloom.cluster.online import ClusterParams, HeadlineGroups, average_groups
from newsloom.cluster.stage import ClusterStage
from newsloom.config import Config
from newsloom.evaluation import nmi
from newsloom.records import Document, Headline, Story
from newsloom.stages import RunContext
from newsloom.store import Store

DIM = 384


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def _same_partition(a, b) -> bool:
    return nmi(list(a), list(b)) > 1 - 1e-9 and len(set(a)) == len(set(b))


def test_average_groups_is_average_linkage_cut_at_the_threshold():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(120, 6))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    sims = points @ points.T
    distances = np.clip(1 - sims, 0, None)
    np.fill_diagonal(distances, 0)
    tree = linkage(squareform(distances, checks=False), "average")
    for cut in (0.1, 0.3, 0.6):
        expected = fcluster(tree, 1 - cut, "distance")
        assert _same_partition(average_groups(sims, np.ones(len(points)), cut), expected)


def test_average_groups_from_a_partition_weighs_groups_by_size():
    """Starting from groups of identical points (mean similarities and sizes) gives the item-level result."""
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(40, 5))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    sizes = rng.integers(1, 6, size=40)
    items = np.repeat(centres, sizes, axis=0)
    item_sims = items @ items.T
    owner = np.repeat(np.arange(40), sizes)
    for cut in (0.2, 0.4):
        by_item = average_groups(item_sims, np.ones(len(items)), cut)
        by_group = average_groups(centres @ centres.T, sizes, cut)
        assert _same_partition(by_item, by_group[owner])


def _params() -> ClusterParams:
    # No shared words below: the combined similarity is 0.7 x the embedding cosine, as in the stage tests.
    return ClusterParams(headline_part_threshold=0.6, headline_merge_threshold=0.3)


def _feed(groups: HeadlineGroups, items, start: int = 0) -> None:
    for k, vector in enumerate(items, start):
        groups.place(vector, {}, None, f"p{k}", f"t{k}").members.append(f"h{k}")


def test_a_grouping_is_undone_when_the_parts_grow_apart():
    """Two parts grouped in one batch (mean similarity 0.5) part again once a third part that is like one of them
    and unlike the other grows large: their average linkage then falls below the cut. A merge of stories
    would have kept them together for good."""
    groups, fresh = HeadlineGroups(_params()), iter(range(100))
    a, b, c = _unit(1, 0, 0), _unit(0.5, 0.866, 0), _unit(0, 0.98, 0.2)
    _feed(groups, [a, b])
    groups.regroup(lambda part: f"s{next(fresh)}")
    assert groups.story_of["p0"] == groups.story_of["p1"]
    _feed(groups, [c] * 5, start=2)
    changed, gone = groups.regroup(lambda part: f"s{next(fresh)}")
    assert groups.story_of["p0"] != groups.story_of["p1"] == groups.story_of["p2"]
    assert not gone and len(changed) == 2


def test_a_story_whose_parts_all_move_is_reported_gone_with_its_heir():
    groups, fresh = HeadlineGroups(_params()), iter(range(100))
    a, b, a2 = _unit(1, 0, 0), _unit(0.35, 0.937, 0), _unit(0.9, 0.436, 0)
    _feed(groups, [a, b])
    groups.regroup(lambda part: f"s{next(fresh)}")
    first, second = groups.story_of["p0"], groups.story_of["p1"]
    assert first != second
    _feed(groups, [a2], start=2)  # joins the first part, which moves close enough to the second
    assert groups.story_of.get("p2") is None
    changed, gone = groups.regroup(lambda part: f"s{next(fresh)}")
    assert gone == [(second, first)] and changed == {first}
    assert groups.story_state(first).headlines == ["h0", "h2", "h1"]


class Stream:
    """Feeds batches of headline vectors to one cluster stage and writes what it yields, as the pipeline does."""

    def __init__(self, store: Store, config: Config, start: int = 0):
        self.store, self.n = store, start
        self.stage = ClusterStage(RunContext(config, store))

    def batch(self, vectors: list[np.ndarray]) -> list[str]:
        ctx, headlines = self.stage.ctx, []
        ctx.vectors.clear()
        with self.store.transaction():
            for vector in vectors:
                self.n += 1
                doc = Document(id=f"d{self.n}", uri=f"mem:{self.n}", format="text", content="x")
                self.store.write(doc)
                # Letters only and distinct per headline: no two share a TF-IDF term.
                word = "zq" + "".join(chr(97 + int(d)) for d in str(self.n))
                headline = Headline(id=f"h{self.n}", doc_id=doc.id, text=word, position=0, span=(0, 1))
                self.store.write(headline)
                ctx.vectors[headline.id] = vector
                headlines.append(headline)
            stories = []
            for record in self.stage.process_batch(headlines):
                if not isinstance(record, Headline):
                    self.store.write(record)
                if isinstance(record, Story):
                    stories.append(record.id)
            self.stage.finish_batch()
            self.store.refresh_story_counts(stories)
        return [h.id for h in headlines]

    def story_of(self, headline_id: str) -> str:
        return self.store.db.execute("SELECT story_id FROM story_headlines WHERE headline_id=?",
                                     (headline_id,)).fetchone()[0]


def _config() -> Config:
    config = Config()
    # Combined similarity is 0.7 x the embedding cosine here (no shared words).
    return replace(config, cluster=replace(config.cluster, headline_threshold=0.3, headline_merge_threshold=0.3,
                                           headline_part_threshold=0.6))


def _consistent(store: Store) -> None:
    rows = store.db.execute("SELECT s.id, s.n_headlines, count(sh.headline_id) FROM stories s "
                            "LEFT JOIN story_headlines sh ON sh.story_id = s.id GROUP BY s.id").fetchall()
    assert all(n == held and n > 0 for _, n, held in rows), rows
    orphans = store.db.execute("SELECT count(*) FROM story_headlines WHERE story_id NOT IN "
                               "(SELECT id FROM stories)").fetchone()[0]
    assert orphans == 0


def test_the_stage_moves_headlines_between_stories_in_the_store():
    store = Store(":memory:")
    stream = Stream(store, _config())
    a, b, c = _unit(1, 0, 0), _unit(0.5, 0.866, 0), _unit(0, 0.98, 0.2)
    x, y = stream.batch([a, b])
    assert stream.story_of(x) == stream.story_of(y)
    later = stream.batch([c] * 5)
    assert stream.story_of(x) != stream.story_of(y) == stream.story_of(later[0])
    _consistent(store)
    # One level (no parts): the first batch's merge stands.
    one = Stream(Store(":memory:"), replace(_config(), cluster=replace(_config().cluster,
                                                                       headline_part_threshold=None)))
    x, y = one.batch([a, b])
    one.batch([c] * 5)
    assert one.story_of(x) == one.story_of(y)


def test_an_emptied_story_is_merged_away_and_parts_survive_a_reload():
    store = Store(":memory:")
    stream = Stream(store, _config())
    a, b, a2 = _unit(1, 0, 0), _unit(0.35, 0.937, 0), _unit(0.9, 0.436, 0)
    x, y = stream.batch([a, b])
    first, second = stream.story_of(x), stream.story_of(y)
    assert first != second
    # A new stage on the same store (a later run) reads the parts back and regroups them.
    again = Stream(store, _config(), start=stream.n)
    (z,) = again.batch([a2])
    assert stream.story_of(x) == stream.story_of(y) == stream.story_of(z) == first
    assert store.db.execute("SELECT count(*) FROM stories WHERE id=?", (second,)).fetchone()[0] == 0
    assert store.resolve_story_id(second) == first
    _consistent(store)
    parts = {row["id"]: row["story_id"] for row in store.headline_parts()}
    assert len(parts) == 2 and set(parts.values()) == {first}
