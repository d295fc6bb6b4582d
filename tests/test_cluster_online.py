"""The online clusterer on hand-made vectors: how headlines join stories and when headline-only stories merge."""

from datetime import date

import numpy as np

from newsloom.cluster.online import ClusterParams, StoryClusterer, StoryState, bisect


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def _story(clusterer: StoryClusterer, name: str, vector: np.ndarray, has_articles: bool) -> StoryState:
    story = clusterer.add_story(StoryState(id=name, title=name, emb=np.zeros_like(vector), terms={},
                                           has_articles=has_articles))
    clusterer.join(story, vector, {}, None)
    return story


PARAMS = ClusterParams(join_threshold=0.5, merge_threshold=0.3, embedding_weight=1.0,
                       headline_join_threshold=0.45, headline_merge_threshold=0.6)


def test_headline_prefers_a_close_story_with_articles():
    clusterer = StoryClusterer(PARAMS)
    article_story = _story(clusterer, "a", _unit(1, 0.6), has_articles=True)
    _story(clusterer, "h", _unit(1, 0.1), has_articles=False)  # closer, but only headlines
    assert clusterer.place_headline(_unit(1, 0.2), {}, None) is article_story


def test_headline_below_the_headline_threshold_stays_alone():
    clusterer = StoryClusterer(PARAMS)
    _story(clusterer, "a", _unit(1, 0), has_articles=True)
    # cosine 0.4: above nothing (headline threshold 0.45)
    assert clusterer.place_headline(_unit(0.4, np.sqrt(1 - 0.16)), {}, None) is None


def test_headline_only_stories_merge_at_their_own_threshold():
    """Similarity 0.5 is above the article merge threshold (0.3) but below the headline one (0.6): two
    story-with-articles merge, two headline-only stories do not."""
    pair = (_unit(1, 0), _unit(0.5, np.sqrt(0.75)))
    for has_articles, merged in ((True, 1), (False, 0)):
        clusterer = StoryClusterer(PARAMS)
        a = _story(clusterer, "x", pair[0], has_articles)
        b = _story(clusterer, "y", pair[1], has_articles)
        assert len(clusterer.merge_touched({a.id, b.id})) == merged


def test_without_headline_thresholds_the_article_ones_apply():
    params = ClusterParams(join_threshold=0.5, merge_threshold=0.3, embedding_weight=1.0)
    clusterer = StoryClusterer(params)
    a = _story(clusterer, "x", _unit(1, 0), has_articles=False)
    b = _story(clusterer, "y", _unit(0.5, np.sqrt(0.75)), has_articles=False)
    assert clusterer.merge_touched({a.id, b.id}) == [("y", "x")]


def test_a_batch_of_older_items_finds_the_stories_of_its_time():
    """Once the stream has moved on, a story is dormant for new items; an older item (a late batch) still
    joins the story of its own days."""
    clusterer = StoryClusterer(ClusterParams(join_threshold=0.5, merge_threshold=0.3, embedding_weight=1.0))
    old = _story(clusterer, "old", _unit(1, 0), has_articles=True)
    clusterer.join(old, _unit(1, 0), {}, date(2020, 1, 1))
    later = _story(clusterer, "later", _unit(0, 1), has_articles=True)
    clusterer.join(later, _unit(0, 1), {}, date(2020, 6, 1))
    assert clusterer.best_story(_unit(1, 0.1), {}, date(2020, 6, 2)) is None  # dormant by June
    assert clusterer.best_story(_unit(1, 0.1), {}, date(2020, 1, 2)) is old


def test_merging_sees_the_touched_stories_own_time():
    """Two alike stories of January merge after the batch even when the batch ended in June."""
    clusterer = StoryClusterer(ClusterParams(join_threshold=0.9, merge_threshold=0.3, embedding_weight=1.0))
    a = _story(clusterer, "a", _unit(1, 0), has_articles=True)
    clusterer.join(a, _unit(1, 0), {}, date(2020, 1, 1))
    b = _story(clusterer, "b", _unit(1, 0.5), has_articles=True)
    clusterer.join(b, _unit(1, 0.5), {}, date(2020, 1, 2))
    june = _story(clusterer, "june", _unit(0, 1), has_articles=True)
    clusterer.join(june, _unit(0, 1), {}, date(2020, 6, 1))
    clusterer.best_story(_unit(0, 1), {}, date(2020, 6, 1))  # the stream's clock moves to June
    assert clusterer.merge_touched({"a", "b", "june"}) == [("b", "a")]


def test_bisect_finds_the_two_groups_and_weighs_rows():
    rows = np.stack([_unit(1, 0.1), _unit(1, -0.1), _unit(0.1, 1), _unit(-0.1, 1), _unit(0.1, 1)])
    side = bisect(rows, np.ones(len(rows)))
    assert side[0] == side[1] != side[2] == side[3] == side[4]
