"""The clustering metrics, checked on cases small enough to count by hand."""

import pytest

from newsloom.evaluation import bcubed_scores, nmi, pairwise_scores


def test_perfect_clustering_scores_one():
    gold = ["a", "a", "b", "b", "b"]
    predicted = [1, 1, 2, 2, 2]
    assert pairwise_scores(gold, predicted).f1 == 1.0
    assert bcubed_scores(gold, predicted).f1 == 1.0
    assert nmi(gold, predicted) == pytest.approx(1.0)


def test_everything_in_one_cluster():
    gold = ["a", "a", "b", "b"]
    predicted = [0, 0, 0, 0]
    pair = pairwise_scores(gold, predicted)
    assert pair.precision == pytest.approx(2 / 6) and pair.recall == 1.0
    b3 = bcubed_scores(gold, predicted)
    assert b3.precision == pytest.approx(0.5) and b3.recall == 1.0
    assert nmi(gold, predicted) == pytest.approx(0.0)


def test_all_singletons():
    gold = ["a", "a", "a", "b"]
    predicted = [0, 1, 2, 3]
    pair = pairwise_scores(gold, predicted)
    assert pair.precision == 1.0 and pair.recall == 0.0 and pair.f1 == 0.0
    b3 = bcubed_scores(gold, predicted)
    # recall per item: a-items 1/3 each, b-item 1 -> (1/3 * 3 + 1) / 4
    assert b3.precision == 1.0 and b3.recall == pytest.approx(0.5)


def test_hand_counted_mixed_case():
    gold = ["a", "a", "a", "b", "b"]
    predicted = [1, 1, 2, 2, 2]
    pair = pairwise_scores(gold, predicted)
    # predicted pairs: (0,1) and 3 in cluster 2 -> 4; correct: (0,1), (3,4) -> 2; gold pairs: 3 + 1 = 4
    assert pair.precision == pytest.approx(0.5) and pair.recall == pytest.approx(0.5)
    b3 = bcubed_scores(gold, predicted)
    # precision: items 0,1 -> 1; item 2 -> 1/3; items 3,4 -> 2/3 each
    assert b3.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    # recall: items 0,1 -> 2/3; item 2 -> 1/3; items 3,4 -> 1
    assert b3.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)


def test_labels_must_align():
    with pytest.raises(ValueError):
        bcubed_scores([1, 2], [1])
