"""A small learned line classifier for text mode: is this line of a flattened page part of its article?

The hand-written passes in :mod:`newsloom.clean.text` recognise furniture from a line's shape and
vocabulary and pick the article as one maximum-sum run. On real pages the article is often split by an
inserted list ("Trending", "Read more"), teaser pairs or a video rail can outscore it, and a comment thread
below it reads like prose. This model takes those passes' findings as features (each line's furniture reason,
whether it is inside the rule-based run), together with shape, stop-word ratio, position (also relative to the
page's longest line), repetition, comment-author markers ("jdoe says:"), runs of short title-case lines, the
shape of the neighbouring lines and how many of its words the rule-based run's (or the page's prose) lines also
use, and decides per line.

It is two stacked gradient-boosted tree ensembles (scikit-learn's HistGradientBoostingClassifier). The first
scores each line from its features; the second sees those features plus the first one's scores of the lines
around it (the previous and next three, and the mean over windows of 2 to 25 lines), so that a line is judged
by the company it keeps, much as a sequence smoother would. The second is trained on out-of-fold scores of the
first (pages split in four folds), so it learns how the first behaves on pages it has not seen. Both are
fitted with each line weighted by its words (``line_weights``), as the quality metric counts words.

Trained by ``python bench/extraction.py --train-line-model`` on the 181 pages of the scrapinghub benchmark
flattened to text: all of them, as more pages make a better model for pages it has not seen. The features,
hyperparameters and thresholds were chosen by cross-validation within the "even" half of the items (sorted
ids, even index; 45, 68 and 80 training pages gave text F1 0.918, 0.920 and 0.923); later rules of text.py and
the line weights were judged on held-out figures of both halves (docs/benchmarks.md says which). The held-out
figures are the bench's: five-fold cross-validation over several deals of the pages, and the cross-fitted
halves, where a model fitted on one half scores the other. The trees are stored as plain numbers in
``line_model.json`` and evaluated here with numpy, so scikit-learn is needed only to train, and no pickle is
ever loaded.

The spec also holds a model of its own for pages that came as one line (``LineModel.one_line``) and a
segmenter (:class:`Segmenter`): boosted trees over the shape of the tokens either side of each gap of a text
(``gap_features``), fitted on where the training pages flattened ours break their lines, with which text mode
cuts a page joined on one line where no punctuation or rule shows a break (other stories' headlines in sentence
case run together, a title run into the first sentence).
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..records import normalize_text

MODEL_PATH = Path(__file__).with_name("line_model.json")

REASONS = ("separator", "garbage", "ticker-table", "table", "markup", "byline", "cookie", "site-blurb", "comments",
           "footer", "subscribe", "call-to-action", "label", "link", "credit", "timestamp", "navigation-list",
           "teaser-list", "repeated-paragraph", "tags")
_NEIGHBOUR_SHAPES = ("ends_sentence", "stopword_ratio", "prose", "headline_shaped", "title_case")
FEATURES = ("log_words", "ends_sentence", "ends_colon", "breaks", "title_case", "bulleted", "prose", "body",
            "headline_shaped", "teaser_shaped", "position", "words_before", "stopword_ratio", "digit_ratio",
            "upper_ratio", "in_rule_run", "log_distance_to_run", "prose_near", "prose_around", "log_words_prev",
            "log_words_next", "repeated", "ends_article", "byline", "after_run", "before_run",
            "comment_marker", "comment_markers_near", "comment_markers_around", "after_comment_marker",
            "log_distance_to_longest", "words_from_longest", "log_short_run", "length", "cells",
            "shared_with_run", "shared_with_prose"
            ) + tuple(f"{side}_{shape}" for shape in _NEIGHBOUR_SHAPES for side in ("prev", "next")
                      ) + tuple(f"reason_{r}" for r in REASONS)
# The second stage's extra inputs: the first stage's score of the line and of the lines around it.
_OFFSETS = (-3, -2, -1, 1, 2, 3)
_WINDOWS = (2, 5, 10, 25)
CONTEXT = ("p",) + tuple(f"p_at_{o:+d}" for o in _OFFSETS) + tuple(f"p_near_{r}" for r in _WINDOWS) + (
    "p_mass_above", "p_max", "accepted_above")
_SAMPLE = 2000  # characters of a line looked at for ratios: plenty, and keeps giant lines cheap
# The line that opens a reader's comment in a thread ("jdoe says:", "Reply", "12 likes").
_COMMENT_MARKER = re.compile(r"\b(?:says|said|wrote|writes|commented)\s*:?\s*$|^reply\b|\breply$"
                             r"|^\d+\s+(?:likes?|replies)\b", re.I)
_FOLDS = 4
_CONTENT = re.compile(r"[^\W\d_]{4,}")  # words of four letters or more, the ones that carry a subject
_CHUNK = 512  # lines scored at once: keeps the (lines x trees) work arrays in cache on huge pages


def line_features(lines, span) -> np.ndarray:
    """Feature matrix (one row per line) for the ``_Line`` objects of text.py after passes 1-3."""
    from .text import _ALL_STOPWORDS as stop, _WORD

    n = len(lines)
    if not n:
        return np.zeros((0, len(FEATURES)))
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
    base = np.array(rows, dtype=float)
    index = np.arange(n)

    def near(values: np.ndarray, radius: int) -> np.ndarray:  # sum over the lines within radius, itself included
        c = np.concatenate([[0.0], np.cumsum(values)])
        return c[np.minimum(n, index + radius + 1)] - c[np.maximum(0, index - radius)]

    marker = np.array([1.0 if ln.words <= 8 and _COMMENT_MARKER.search(ln.text) else 0.0 for ln in lines])
    longest = int(np.argmax(words))
    word_mass = np.concatenate([[0.0], np.cumsum(words)])
    short = [ln.headline_shaped and not ln.prose for ln in lines]
    short_run = np.zeros(n)  # length of the run of short headline-shaped lines the line is in
    k = 0
    while k < n:
        j = k
        while j < n and short[j] == short[k]:
            j += 1
        if short[k]:
            short_run[k:j] = j - k
        k = j
    columns = [marker, near(marker, 3), near(marker, 10), (np.cumsum(marker) > 0).astype(float),
               np.sign(index - longest) * np.log1p(np.abs(index - longest)),
               (word_mass[index] - word_mass[longest]) / max(1.0, word_mass[-1]), np.log1p(short_run),
               np.array([min(len(ln.text), 5000) / 5000 for ln in lines]),
               np.array([float(ln.text.count("|") + ln.text.count("•")) for ln in lines]),
               *_cohesion(lines, [first <= i <= last for i in range(n)], [ln.prose for ln in lines], stop=stop)]
    named = {f: base[:, FEATURES.index(f)] for f in _NEIGHBOUR_SHAPES}
    for shape in _NEIGHBOUR_SHAPES:
        values = named[shape]
        columns.append(np.concatenate([[-1.0], values[:-1]]))
        columns.append(np.concatenate([values[1:], [-1.0]]))
    n_rule = 26
    return np.hstack([base[:, :n_rule], np.column_stack(columns), base[:, n_rule:]])


def _cohesion(lines, *groups, stop=frozenset()) -> list[np.ndarray]:
    """Per group of lines (a mask), each line's share of content words that other lines of the group also
    use: the article's paragraphs share its subject's words, a teaser of another story mostly does not."""
    vocab = [{t for t in (w.lower() for w in _CONTENT.findall(ln.text[:_SAMPLE])) if t not in stop}
             for ln in lines]
    out = []
    for mask in groups:
        counts: dict[str, int] = {}
        for words, member in zip(vocab, mask):
            if member:
                for w in words:
                    counts[w] = counts.get(w, 0) + 1
        out.append(np.array([sum(counts.get(w, 0) > member for w in words) / len(words) if words else 0.0
                             for words, member in zip(vocab, mask)]))
    return out


def context_features(p: np.ndarray) -> np.ndarray:
    """The second stage's extra columns (``CONTEXT``) from the first stage's per-line scores ``p``."""
    n = len(p)
    if not n:
        return np.zeros((0, len(CONTEXT)))
    pad = max(_OFFSETS)
    padded = np.concatenate([np.full(pad, -1.0), p, np.full(pad, -1.0)])  # -1: no line there
    cumulative = np.concatenate([[0.0], np.cumsum(p)])
    index = np.arange(n)
    columns = [p] + [padded[pad + o:pad + o + n] for o in _OFFSETS]
    for radius in _WINDOWS:  # mean score of the lines around, the line itself excluded
        lo, hi = np.maximum(0, index - radius), np.minimum(n, index + radius + 1)
        columns.append((cumulative[hi] - cumulative[lo] - p) / np.maximum(1, hi - lo - 1))
    accepted = (p >= 0.5).astype(float)
    columns += [cumulative[index] / max(1.0, cumulative[-1]), np.full(n, p.max()),
                np.cumsum(accepted) / max(1.0, accepted.sum())]
    return np.column_stack(columns)


class _Trees:
    """Boosted trees as arrays: per tree, node -> (feature, threshold, left, right, leaf value).

    All trees are packed into one node table, leaves pointing to themselves, so that every line walks every
    tree at once, one level per step (a few numpy operations per level instead of per tree and level). The
    walk is tree-major over feature-major values, each node's two children side by side: half the time of a
    line-major walk with separate child tables, with the same sums to the last bit.
    """

    def __init__(self, spec: dict):
        self.baseline = float(spec["baseline"])
        # Deepest trees first: at each level only a leading slice of the trees still has inner nodes to pass.
        self.trees = sorted(spec["trees"], key=_depth, reverse=True)
        depths = [_depth(tree) for tree in self.trees]
        self.depth = max(depths, default=0)
        self.active = [sum(d > level for d in depths) for level in range(self.depth)]
        nodes = [(offset, node) for offset, tree in zip(np.cumsum([0] + [len(t) for t in self.trees]), self.trees)
                 for node in tree]
        index = np.arange(len(nodes), dtype=np.int32)
        self.feature = np.array([max(node[0], 0) for _, node in nodes], dtype=np.intp)
        self.threshold = np.array([node[1] for _, node in nodes], dtype=float)
        leaf = np.array([node[2] < 0 for _, node in nodes])
        left = np.where(leaf, index, [offset + node[2] for offset, node in nodes])
        right = np.where(leaf, index, [offset + node[3] for offset, node in nodes])
        self.children = np.stack([left, right], axis=1).ravel().astype(np.intp)  # node k: 2k left, 2k + 1 right
        self.value = np.where(leaf, [node[4] for _, node in nodes], 0.0)
        self.roots = np.cumsum([0] + [len(t) for t in self.trees])[:-1].astype(np.intp)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        if not len(X) or not self.trees:
            return np.full(len(X), 1.0 / (1.0 + np.exp(-self.baseline)))
        raw = np.concatenate([self._raw(X[k:k + _CHUNK]) for k in range(0, len(X), _CHUNK)])
        return 1.0 / (1.0 + np.exp(-raw))

    def _raw(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        columns = np.ascontiguousarray(X.T).ravel()  # feature f of line i at f * n + i
        lines = np.arange(n, dtype=np.intp)
        node = np.repeat(self.roots[:, None], n, axis=1)  # tree, line -> the node the line has reached
        for active in self.active:
            at = node[:active]
            go_left = columns[self.feature[at] * n + lines] <= self.threshold[at]
            node[:active] = self.children[2 * at + ~go_left]
        # Summed line by line over the trees in their order, as the line-major walk summed them.
        return self.baseline + np.ascontiguousarray(self.value[node].T).sum(axis=1)


def _depth(tree: list) -> int:
    """Levels of inner nodes on the longest path from the root."""
    depth, level = 0, [0]
    while True:
        level = [child for k in level if tree[k][2] >= 0 for child in (tree[k][2], tree[k][3])]
        if not level:
            return depth
        depth += 1


class LineModel:
    """The two stages; :meth:`probabilities` gives each line's probability of being article text.

    ``one_line``, when the spec has one, is a second such model for pages that came as one line and were cut
    into sentences (``text.is_one_line_page``), trained on pages flattened so: there a line is a sentence, not
    a paragraph, and a model trained on both kinds of page lost on the others (see docs/benchmarks.md).
    """

    def __init__(self, spec: dict):
        if tuple(spec["features"]) != FEATURES or tuple(spec["context"]) != CONTEXT:
            raise ValueError("line model was trained on other features; retrain it")
        self.threshold = float(spec.get("threshold", 0.5))
        self.first = _Trees(spec["first"])
        self.second = _Trees(spec["second"])
        self.one_line = LineModel(spec["one_line"]) if spec.get("one_line") else None
        self.segmenter = Segmenter(spec["segmenter"]) if spec.get("segmenter") else None

    def probabilities(self, X: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Each line's probability; with ``rows`` (a boolean mask), only those lines' (the others get 0).
        The first stage scores every line either way, as its scores of the neighbours are the second's input."""
        full = np.hstack([X, context_features(self.first.probabilities(X))])
        if rows is None:
            return self.second.probabilities(full)
        out = np.zeros(len(X))
        out[rows] = self.second.probabilities(full[rows])
        return out


@lru_cache(maxsize=1)
def load_model() -> LineModel | None:
    """The shipped model, or None when the file is missing (text mode then uses the rules alone)."""
    if not MODEL_PATH.exists():
        return None
    return LineModel(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


# Chosen by two-fold cross-validation within the even half (text F1 of the whole text mode, 0.897 with
# 200 x 0.1 x 15 leaves, 0.905 with these): slower learning and larger leaves generalise better. Re-checked
# by four-fold cross-validation with the cohesion features: 0.920; 15 leaves of at least 100 lines 0.915;
# each split seeing half the features 0.919 and 0.914 (two seeds), three such ensembles averaged 0.916.
_PARAMS = {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 31, "l2_regularization": 1.0,
           "min_samples_leaf": 60}


def fit_trees(X: np.ndarray, y: np.ndarray, seed: int = 0, iterations: int = _PARAMS["max_iter"],
              weights: np.ndarray | None = None) -> dict:
    """One boosted ensemble, exported as plain numbers (the spec :class:`_Trees` reads)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    params = {**_PARAMS, "max_iter": iterations}
    # One OpenMP thread: the fits are small (tens of thousands of lines), and on a busy two-core machine two
    # threads wait on each other (a fit of 17k lines took 18-33 s with two, 6 s with one).
    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingClassifier(**params, early_stopping=False, random_state=seed).fit(
            X, y, sample_weight=weights)
    trees = []
    for (predictor,) in model._predictors:  # binary: one tree per iteration
        trees.append([[int(nd["feature_idx"]), float(nd["num_threshold"]),
                       int(nd["left"]) if not nd["is_leaf"] else -1, int(nd["right"]) if not nd["is_leaf"] else -1,
                       round(float(nd["value"]), 6)] for nd in predictor.nodes])
    return {"baseline": float(np.ravel(model._baseline_prediction)[0]), "trees": trees}


def line_weights(X: np.ndarray) -> np.ndarray:
    """Training weights of one page's lines: their words (capped), scaled so that the page's lines still
    weigh as many as they are. The benchmark's metric counts words, not lines, so a missed 80-word paragraph
    costs far more than a missed 3-word label; unweighted, the model spent itself on the many short lines.
    (Held out, mean over five deals of the pages into five folds: 0.9141 unweighted, 0.9165 weighted by the
    square root of the words, 0.9193 by the words scaled per page as here.)"""
    words = np.clip(np.expm1(X[:, FEATURES.index("log_words")]), 1.0, _WEIGHT_CAP)
    return words * (len(words) / words.sum()) if len(words) else words


_WEIGHT_CAP = 200.0  # words: one giant line should not outweigh its page


def train(samples: list[tuple[np.ndarray, np.ndarray]], threshold: float = 0.5, seed: int = 0,
          iterations: int = _PARAMS["max_iter"]) -> dict:
    """Fit both stages on (features, labels) pairs, one per page; returns the JSON-ready spec.

    The second stage learns from out-of-fold first-stage scores: page k's scores come from a first stage
    fitted without the pages of its fold (k mod 4), as the shipped first stage will score unseen pages.
    Lines are weighted by their words (``line_weights``).
    """
    X = np.vstack([x for x, _ in samples])
    y = np.concatenate([y for _, y in samples])
    weights = [line_weights(x) for x, _ in samples]
    w = np.concatenate(weights)
    out_of_fold = []
    folds = min(_FOLDS, len(samples))
    for k in range(folds):
        held = [i for i in range(len(samples)) if i % folds == k]
        rest = [i for i in range(len(samples)) if i % folds != k] or held
        stage = _Trees(fit_trees(np.vstack([samples[i][0] for i in rest]),
                                 np.concatenate([samples[i][1] for i in rest]), seed, iterations,
                                 np.concatenate([weights[i] for i in rest])))
        out_of_fold += [(i, context_features(stage.probabilities(samples[i][0]))) for i in held]
    context = np.vstack([c for _, c in sorted(out_of_fold, key=lambda pair: pair[0])])
    return {"features": list(FEATURES), "context": list(CONTEXT), "threshold": threshold,
            "first": fit_trees(X, y, seed, iterations, w),
            "second": fit_trees(np.hstack([X, context]), y, seed, iterations, w),
            "about": "two stacked HistGradientBoostingClassifier("
                     + ", ".join(f"{k}={v}" for k, v in {**_PARAMS, "max_iter": iterations}.items()) + ")"
                     " trained by bench/extraction.py --train-line-model on scrapinghub pages "
                     "flattened to text (labels: lines whose word 4-grams are mostly in the article body; lines "
                     "weighted by their words); the "
                     f"second on out-of-fold ({folds} folds) scores of the first",
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


# --------------------------------------------------------------------------------------------------------
# Where a page joined on one line was broken into lines (the segmenter)

GAP_FEATURES = ("a_ends_sentence", "a_ends_colon", "a_ends_comma", "a_closes", "a_capital", "a_lower", "a_digit",
                "a_upper", "a_stopword", "a_separator", "a_letters", "a_length", "b_capital", "b_lower",
                "b_digit", "b_upper", "b_stopword", "b_opener", "b_opens_quote", "b_separator", "b_length",
                "before_capital", "after_capital", "capitals_before", "capitals_after", "since_sentence_end",
                "to_sentence_end", "b_lower_elsewhere", "capitals_before_wide", "capitals_after_wide")
# Tokens each side whose capitals tell a Title-Case run (a menu, headlines) from prose: four (about a short
# headline's words) and three times that. Set by hand, not tuned.
_CASE_WINDOW = 4
# Trees of the segmenter: set by hand (not tuned), fewer than the line model's 300 for its 30 features and to
# keep the fit of a fold to a few seconds.
_SEGMENTER_ITERATIONS = 100


def gap_features(tokens: list[str]) -> np.ndarray:
    """One row per gap between two consecutive whitespace tokens of a text (``GAP_FEATURES``): the shape of
    the tokens either side (case, final punctuation, stop word, a separator such as "|"), how Title-Case the
    tokens around are, how far the gap is from the sentence ends before and after it, and whether the word
    after it, capitalised, is one the page also writes in lower case."""
    from .text import _ALL_STOPWORDS as stop, _CLOSERS, _SENTENCE_OPENERS, _SEPARATOR_TOKEN

    n = len(tokens)
    if n < 2:
        return np.zeros((0, len(GAP_FEATURES)))
    core = [t.strip("\"'“”‘’()[]«»") or t for t in tokens]
    capital = np.array([c[:1].isupper() for c in core], dtype=float)
    ends = [t.rstrip(_CLOSERS)[-1:] in (".", "!", "?", "…") for t in tokens]
    since = np.zeros(n)  # tokens since the last one that ends a sentence (that one included)
    count = 0.0
    for i in range(n):
        count = 0.0 if i and ends[i - 1] else count + 1
        since[i] = count
    until = np.zeros(n)  # tokens up to the next one that ends a sentence
    count = 0.0
    for i in range(n - 1, -1, -1):
        count = 1.0 if ends[i] else count + 1
        until[i] = count
    near_before, near_after = _shares_around(capital, _CASE_WINDOW)
    wide_before, wide_after = _shares_around(capital, 3 * _CASE_WINDOW)
    # A capitalised word that the page also writes in lower case starts a sentence or a line here; one it
    # never does is a name, which prose runs on through.
    lower = {c for c in core if c[:1].islower()}

    def shape(k: int) -> list[float]:  # capital, lower, digit, upper, stop word, separator, letters, length
        t, c = tokens[k], core[k]
        return [float(c[:1].isupper()), float(c[:1].islower()), float(c[:1].isdigit()),
                float(len(c) > 1 and c.isupper()), float(t.lower() in stop), float(bool(_SEPARATOR_TOKEN.match(t))),
                float(any(ch.isalpha() for ch in t)), min(len(t), 20) / 20]

    rows = []
    for i in range(n - 1):
        a, b, following = tokens[i], tokens[i + 1], core[i + 1]
        bare = a.rstrip(_CLOSERS)
        b_shape = shape(i + 1)
        capitalised = bool(b_shape[0])
        rows.append([float(ends[i]), float(bare[-1:] == ":"), float(bare[-1:] in ",;"), float(a != bare)]
                    + shape(i)
                    + b_shape[:5] + [float(capitalised and following.lower() in _SENTENCE_OPENERS),
                                     float(b[:1] in "\"'“‘(["), b_shape[5], b_shape[7]]
                    + [capital[i - 1] if i else -1.0, capital[i + 2] if i + 2 < n else -1.0,
                       near_before[i], near_after[i], math.log1p(since[i]), math.log1p(until[i + 1]),
                       float(capitalised and following.lower() in lower), wide_before[i], wide_after[i]])
    return np.array(rows, dtype=float)


def _shares_around(values: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """For each gap after token i: the mean of ``values`` over tokens i-radius+1 .. i, and over i+1 .. i+radius
    (a token beyond the text counts 0)."""
    padded = np.concatenate([np.zeros(radius), values, np.zeros(radius)])
    cumulative = np.concatenate([[0.0], np.cumsum(padded)])
    i = np.arange(len(values))
    before = (cumulative[i + 1 + radius] - cumulative[i + 1]) / radius
    after = (cumulative[i + 1 + 2 * radius] - cumulative[i + 1 + radius]) / radius
    return before, after


def gap_labels(text: str) -> tuple[list[str], np.ndarray]:
    """A flattened page's whitespace tokens, and for each gap between two of them 1 where the page breaks a
    line there: what the segmenter learns to find again once the page is joined on one line."""
    tokens: list[str] = []
    breaks: list[int] = []
    for line in text.split("\n"):
        words = line.split()
        if words:
            if tokens:
                breaks[-1] = 1
            tokens += words
            breaks += [0] * len(words)
    return tokens, np.array(breaks[:-1], dtype=int)


def train_segmenter(texts: list[str], seed: int = 0) -> dict:
    """Boosted trees over ``gap_features`` that find a page's line breaks from its tokens alone, fitted on
    pages flattened with their breaks (ours)."""
    pairs = [gap_labels(text) for text in texts]
    pairs = [(gap_features(tokens), labels) for tokens, labels in pairs if len(tokens) > 1]
    spec = fit_trees(np.vstack([x for x, _ in pairs]), np.concatenate([y for _, y in pairs]), seed,
                     _SEGMENTER_ITERATIONS)
    return {**spec, "features": list(GAP_FEATURES)}


class Segmenter:
    """The segmenter's trees; :meth:`breaks` says after which tokens a line was broken."""

    def __init__(self, spec: dict):
        if tuple(spec["features"]) != GAP_FEATURES:
            raise ValueError("segmenter was trained on other features; retrain it")
        self.trees = _Trees(spec)

    def breaks(self, tokens: list[str]) -> np.ndarray:
        """For each gap between consecutive tokens, whether a line break was more likely there than not (the
        natural bar of a probability; not tuned)."""
        return self.trees.probabilities(gap_features(tokens)) >= 0.5
