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


def test_centroid_linkage_merges_two_halves_of_a_spread_topic():
    """Two threads whose members are far apart (mean pairwise similarity low) but centred on the same point:
    centroid linkage merges them, average linkage does not."""
    merged = {}
    for linkage in ("average", "centroid"):
        params = ClusterParams(join_threshold=0.9, merge_threshold=0.45, embedding_weight=1.0, linkage=linkage)
        clusterer = StoryClusterer(params)
        a = _story(clusterer, "a", _unit(0.5, 1, 0), has_articles=True)
        clusterer.join(a, _unit(0.5, -1, 0), {}, None)
        b = _story(clusterer, "b", _unit(0.5, 0, 1), has_articles=True)
        clusterer.join(b, _unit(0.5, 0, -1), {}, None)  # mean pairwise similarity 0.2, centroids equal
        merged[linkage] = len(clusterer.merge_touched({"a", "b"}))
    assert merged == {"average": 0, "centroid": 1}


def test_two_large_clusters_merge_only_above_the_large_threshold():
    """Centroid cosine 0.5: above the merge threshold (0.45), below the large one (0.55): two small clusters
    merge, two that both hold 50 items do not."""
    params = ClusterParams(join_threshold=0.9, merge_threshold=0.45, embedding_weight=1.0, linkage="centroid",
                           large_size=50, large_merge_threshold=0.55)
    pair = (_unit(1, 0), _unit(0.5, np.sqrt(0.75)))
    for size, merged in ((3, 1), (50, 0)):
        clusterer = StoryClusterer(params)
        a, b = (_story(clusterer, name, vector, True) for name, vector in zip("xy", pair))
        for story, vector in ((a, pair[0]), (b, pair[1])):
            for _ in range(size - 1):
                clusterer.join(story, vector, {}, None)
        assert len(clusterer.merge_touched({a.id, b.id})) == merged


def test_bisect_finds_the_two_groups_and_weighs_rows():
    rows = np.stack([_unit(1, 0.1), _unit(1, -0.1), _unit(0.1, 1), _unit(-0.1, 1), _unit(0.1, 1)])
    side = bisect(rows, np.ones(len(rows)))
    assert side[0] == side[1] != side[2] == side[3] == side[4]
