"""Evaluation metrics shared by the benchmarks and the tests: extraction quality, and clustering quality.

* :func:`shingle_scores` / :func:`macro_scores`: the scrapinghub article-extraction-benchmark metric (word
  4-gram shingles, per-document counts normalised by their sum, macro-averaged precision and recall, F1 of
  the two). Re-implemented here from the benchmark's description because the benchmark is data plus a
  script, not an installable library.
* :func:`flatten_html`: one fixed, deterministic way to turn an HTML page into "already flattened" text, as
  a scraper that kept everything would: every block-level element's text on its own line, in document order,
  scripts and styles removed. Text mode is evaluated on pages flattened this way.
* :func:`c4_line_filter`: the C4 corpus line rules, a well-known baseline for cleaning flattened text.
* :func:`pairwise_scores`, :func:`bcubed_scores`, :func:`nmi`: clustering against gold labels.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .clean.html import flatten_html  # the one flattening, shared with HTML mode's furniture pass

__all__ = ["Scores", "shingle_counts", "shingle_scores", "macro_scores", "flatten_html", "c4_line_filter"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingle_counts(text: str | None, n: int = 4) -> Counter:
    """Multiset of word n-gram shingles; a text shorter than n tokens gives one shorter shingle."""
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([" ".join(tokens)] if tokens else [])
    return Counter(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def shingle_scores(truth: str | None, prediction: str | None, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) of one document, normalised by their sum so that long documents do not weigh more."""
    t, p = shingle_counts(truth, n), shingle_counts(prediction, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    documents: int

    def as_dict(self, digits: int = 4) -> dict:
        return {"precision": round(self.precision, digits), "recall": round(self.recall, digits),
                "f1": round(self.f1, digits), "documents": self.documents}


def macro_scores(per_document: Iterable[tuple[float, float, float]]) -> Scores:
    """Macro-averaged precision (over documents with tp+fp > 0) and recall (tp+fn > 0); F1 of the two."""
    rows = list(per_document)
    precisions = [tp / (tp + fp) for tp, fp, fn in rows if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, fp, fn in rows if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(rows))


# --------------------------------------------------------------------------------------------------------
# The C4 line rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning", section 2.2)

_C4_END = ('.', '!', '?', '"', '”', "'", '’')
_C4_BAD = re.compile(r"javascript|cookie|terms of use|privacy policy|lorem ipsum|\{", re.I)


def c4_line_filter(text: str) -> str:
    """Keep lines of at least 3 words that end in terminal punctuation and carry no javascript, cookie,
    terms-of-use or privacy-policy phrase (C4's page-level rules are left out: they drop whole pages)."""
    kept = []
    for line in text.split("\n"):
        line = line.strip()
        if len(line.split()) < 3 or not line.endswith(_C4_END) or _C4_BAD.search(line):
            continue
        kept.append(line)
    return "\n".join(kept)


# -- clustering ---------------------------------------------------------------------------------------------
# Pairwise and B-cubed scores are a few lines each on a contingency table; NMI comes from scikit-learn.


@dataclass(frozen=True)
class ClusterScores:
    precision: float
    recall: float
    f1: float


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _contingency(gold: list, predicted: list) -> tuple[Counter, Counter, Counter]:
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted labels differ in length")
    return Counter(zip(gold, predicted)), Counter(gold), Counter(predicted)


def pairwise_scores(gold: list, predicted: list) -> ClusterScores:
    """Precision and recall over item pairs put together (predicted) or belonging together (gold)."""
    both, by_gold, by_pred = _contingency(gold, predicted)
    pairs = lambda n: n * (n - 1) / 2  # noqa: E731
    together = sum(pairs(n) for n in both.values())
    predicted_pairs = sum(pairs(n) for n in by_pred.values())
    gold_pairs = sum(pairs(n) for n in by_gold.values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return ClusterScores(precision, recall, _f1(precision, recall))


def bcubed_scores(gold: list, predicted: list) -> ClusterScores:
    """B-cubed: per item, the share of its predicted cluster in its gold class (precision) and the share of its
    gold class in its predicted cluster (recall), averaged over items."""
    both, by_gold, by_pred = _contingency(gold, predicted)
    total = len(gold)
    if not total:
        return ClusterScores(1.0, 1.0, 1.0)
    precision = sum(n * n / by_pred[p] for (g, p), n in both.items()) / total
    recall = sum(n * n / by_gold[g] for (g, p), n in both.items()) / total
    return ClusterScores(precision, recall, _f1(precision, recall))


def nmi(gold: list, predicted: list) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(gold, predicted))
