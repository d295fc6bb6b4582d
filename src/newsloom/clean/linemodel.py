"""A small learned line classifier for text mode: is this line of a flattened page part of its article?

The hand-written passes in :mod:`newsloom.clean.text` recognise furniture from a line's shape and
vocabulary and pick the article as one maximum-sum run. On real pages the article is often split by an
inserted list ("Trending", "Read more"), and teaser pairs or a video rail can outscore it. This model takes
those passes' findings as features (each line's furniture reason, whether it is inside the rule-based run),
together with shape, stop-word ratio, position, repetition and a window of neighbouring lines, and decides
per line. It is a gradient-boosted tree ensemble (scikit-learn's HistGradientBoostingClassifier), trained by
``python bench/extraction.py --train-line-model`` on pages of the scrapinghub benchmark flattened to text,
using only the "even" half of the items (sorted ids, even index); the "odd" half is held out and reported
separately. The trees are stored as plain numbers in ``line_model.json`` and evaluated here with numpy, so
scikit-learn is needed only to train, and no pickle is ever loaded.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..records import normalize_text

MODEL_PATH = Path(__file__).with_name("line_model.json")

REASONS = ("separator", "garbage", "ticker-table", "table", "markup", "byline", "cookie", "site-blurb", "comments",
           "footer", "subscribe", "call-to-action", "label", "link", "credit", "timestamp", "navigation-list",
           "teaser-list", "repeated-paragraph")
FEATURES = ("log_words", "ends_sentence", "ends_colon", "breaks", "title_case", "bulleted", "prose", "body",
            "headline_shaped", "teaser_shaped", "position", "words_before", "stopword_ratio", "digit_ratio",
            "upper_ratio", "in_rule_run", "log_distance_to_run", "prose_near", "prose_around", "log_words_prev",
            "log_words_next", "repeated", "ends_article", "byline", "after_run", "before_run"
            ) + tuple(f"reason_{r}" for r in REASONS)
_SAMPLE = 2000  # characters of a line looked at for ratios: plenty, and keeps giant lines cheap


def line_features(lines, span) -> np.ndarray:
    """Feature matrix (one row per line) for the ``_Line`` objects of text.py after passes 1-2."""
    from .text import _STOPSETS, _WORD

    stop = frozenset().union(*_STOPSETS.values())
    n = len(lines)
    first, last = span if span else (n, -1)
    keys = [normalize_text(ln.text[:_SAMPLE]) for ln in lines]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    prose = np.array([1.0 if ln.prose else 0.0 for ln in lines])
    cumulative = np.concatenate([[0.0], np.cumsum(prose)])
    words = [ln.words for ln in lines]
    total = sum(words) or 1
    rows = []
    seen_words = 0
    for i, ln in enumerate(lines):
        sample = ln.text[:_SAMPLE]
        tokens = [t.lower() for t in _WORD.findall(sample)]
        visible = sum(not ch.isspace() for ch in sample) or 1
        in_run = first <= i <= last
        distance = 0 if in_run else min(abs(i - first), abs(i - last))

        def window(radius: int) -> float:  # share of prose lines around line i, itself excluded
            lo, hi = max(0, i - radius), min(n, i + radius + 1)
            others = hi - lo - 1
            return (cumulative[hi] - cumulative[lo] - prose[i]) / others if others else 0.0

        row = [math.log1p(ln.words), float(ln.terminal in ".!?…"), float(ln.terminal == ":"), min(ln.breaks, 10) / 10,
               float(ln.title_case), float(ln.bulleted), float(ln.prose), float(ln.body), float(ln.headline_shaped),
               float(ln.teaser_shaped), i / n, seen_words / total,
               sum(t in stop for t in tokens) / len(tokens) if tokens else 0.0,
               sum(ch.isdigit() for ch in sample) / visible, sum(ch.isupper() for ch in sample) / visible,
               float(in_run), math.log1p(distance), window(2), window(6),
               math.log1p(words[i - 1]) if i else 0.0, math.log1p(words[i + 1]) if i + 1 < n else 0.0,
               float(counts[keys[i]] > 1), float(ln.ends_article), float(ln.author is not None),
               float(last >= 0 and i > last), float(i < first)]
        row.extend(1.0 if ln.reason == r else 0.0 for r in REASONS)
        rows.append(row)
        seen_words += ln.words
    return np.array(rows, dtype=float).reshape(n, len(FEATURES))


class LineModel:
    """Boosted trees as arrays: per tree, node -> (feature, threshold, left, right, leaf value)."""

    def __init__(self, spec: dict):
        if tuple(spec["features"]) != FEATURES:
            raise ValueError("line model was trained on other features; retrain it")
        self.baseline = float(spec["baseline"])
        self.threshold = float(spec.get("threshold", 0.5))
        self.trees = [tuple(np.array(col) for col in zip(*tree)) for tree in spec["trees"]]

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        raw = np.full(len(X), self.baseline)
        if not len(X):
            return raw
        rows = np.arange(len(X))
        for feature, threshold, left, right, value in self.trees:
            node = np.zeros(len(X), dtype=int)
            while True:
                inner = left[node] >= 0
                if not inner.any():
                    break
                f = feature[node].astype(int)
                go_left = X[rows, np.where(inner, f, 0)] <= threshold[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node).astype(int)
            raw += value[node]
        return 1.0 / (1.0 + np.exp(-raw))


@lru_cache(maxsize=1)
def load_model() -> LineModel | None:
    """The shipped model, or None when the file is missing (text mode then uses the rules alone)."""
    if not MODEL_PATH.exists():
        return None
    return LineModel(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def train(samples: list[tuple[np.ndarray, np.ndarray]], threshold: float = 0.5, seed: int = 0) -> dict:
    """Fit the trees on (features, labels) pairs, one per page; returns the JSON-ready spec."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.vstack([x for x, _ in samples])
    y = np.concatenate([y for _, y in samples])
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=15,
                                           early_stopping=False, random_state=seed).fit(X, y)
    trees = []
    for (predictor,) in model._predictors:  # binary: one tree per iteration
        nodes = predictor.nodes
        trees.append([[int(nd["feature_idx"]), float(nd["num_threshold"]),
                       int(nd["left"]) if not nd["is_leaf"] else -1, int(nd["right"]) if not nd["is_leaf"] else -1,
                       round(float(nd["value"]), 6)] for nd in nodes])
    baseline = float(np.ravel(model._baseline_prediction)[0])
    return {"features": list(FEATURES), "baseline": baseline, "threshold": threshold, "trees": trees,
            "about": "HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=15) trained "
                     "by bench/extraction.py --train-line-model on the even half of the scrapinghub pages "
                     "flattened to text (labels: lines whose word 4-grams are mostly in the article body)",
            "training_lines": int(len(y)), "training_positive_share": round(float(y.mean()), 4)}


def line_labels(texts: list[str], truth: str) -> np.ndarray:
    """Training labels: 1 for a line whose word 4-grams are mostly in the hand-annotated article body (for a
    line of under four words: one that is a whole line of it)."""
    import re

    token = re.compile(r"\w+")
    body = token.findall(truth.lower())
    shingles = {" ".join(body[i:i + 4]) for i in range(len(body) - 3)}
    whole_lines = {" ".join(token.findall(x.lower())) for x in truth.split("\n")}
    labels = []
    for text in texts:
        tokens = token.findall(text.lower())
        if len(tokens) >= 4:
            grams = [" ".join(tokens[i:i + 4]) for i in range(len(tokens) - 3)]
            labels.append(1 if sum(g in shingles for g in grams) / len(grams) >= 0.5 else 0)
        else:
            labels.append(1 if tokens and " ".join(tokens) in whole_lines else 0)
    return np.array(labels, dtype=int)
