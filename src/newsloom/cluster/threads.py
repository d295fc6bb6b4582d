"""Thread decisions learned from labelled topics: does a story belong to a thread, do two threads hold one
topic, has a thread grown two topics?

One question answers all three: *are these two groups of articles one topic?* A fixed threshold on centroid
similarity does not carry across topics, because topics differ in how alike their own articles are (a war's
articles are far less alike than an oil spill's: mean pairwise cosine 0.21 against 0.45 on timeline17), so the
gap between one topic and its neighbours sits at a different height in each. The main feature here is measured
against the groups' own cohesion: the mean pairwise similarity *across* two groups divided by the mean pairwise
similarity *within* the larger one (shrunk towards a typical topic's cohesion while it holds few articles).
Two halves of one topic score near 1 whatever the topic; two topics of one theme (Egypt's protests, Libya's
war) near 0.6. Beside it: the cosine of the centroids, the time between the groups and their sizes. A logistic
regression over these features gives the probability that the two groups are one topic; a story joins the most
probable live thread when that probability is at least one half (the classes are balanced in training, so one
half is the point of equal error, not a tuned threshold), two threads merge on the same condition, and a thread
whose two halves (2-means) fall below it splits.

The features read the sentence embeddings only, not the TF-IDF words: words carry an outlet's boilerplate
(bylines such as "By the CNN Wire Staff" lead every article of an outlet), so two topics covered by one outlet
looked alike in words, and held out by topic the model with word features fused them (docs/benchmarks.md).

The model is fitted by :func:`fit_thread_model` on streams with topic labels (``bench/clustering.py --fit``,
which also reports it held out, topic by topic) and shipped as ``thread_model.json``; ``[cluster] thread_model``
names another file. Written here because the decision and its training pairs are specific to how newsloom's
stories and threads are kept (sums of unit vectors); scikit-learn fits the regression.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .online import ClusterParams, StoryClusterer, StoryState

MODEL_PATH = Path(__file__).with_name("thread_model.json")
# The features the shipped model reads (of FEATURE_FUNCTIONS below; docs/benchmarks.md compares other sets).
FEATURES = ("log_ratio", "cos", "log_gap_days", "log_small", "log_large")
# A group's own cohesion is trusted as far as its pairs of members allow: it is shrunk towards the typical
# topic's with the weight of this many pairs (about the pairs of ten articles).
PRIOR_PAIRS = 45.0


@dataclass(frozen=True)
class Sums:
    """What the features need of two groups: their sizes, the dot products of their embedding sums with each
    other and with themselves, and the days between them."""

    n_a: int
    n_b: int
    ab: float
    aa: float
    bb: float
    gap_days: float

    @classmethod
    def of(cls, a: StoryState, b: StoryState) -> "Sums":
        gap = 0.0
        if a.first is not None and b.first is not None:
            gap = max((a.first - b.last).days, (b.first - a.last).days, 0)
        return cls(max(a.count, 1), max(b.count, 1), float(a.emb @ b.emb), float(a.emb @ a.emb),
                   float(b.emb @ b.emb), gap)


def _within(self_dot: float, n: int) -> float | None:
    """Mean pairwise similarity of the members of a sum of ``n`` unit vectors whose squared norm is
    ``self_dot``; None for a single member."""
    return (self_dot - n) / (n * (n - 1)) if n > 1 else None


def _cohesion(self_dot: float, n: int, prior: float) -> float:
    pairs = n * (n - 1) / 2
    own = _within(self_dot, n)
    value = prior if own is None else (pairs * own + PRIOR_PAIRS * prior) / (pairs + PRIOR_PAIRS)
    return max(value, 1e-3)


def _two_sided(s: Sums, cohesion: float) -> float:
    """The across-groups mean similarity over the geometric mean of both groups' (shrunk) cohesions."""
    both = np.sqrt(_cohesion(s.aa, s.n_a, cohesion) * _cohesion(s.bb, s.n_b, cohesion))
    return float(np.log(max(s.ab / (s.n_a * s.n_b) / both, 1e-3)))


def _one_sided(s: Sums, cohesion: float) -> float:
    # The larger group's cohesion is the yardstick: a story is measured against its thread's own spread.
    n_large, own = (s.n_a, s.aa) if s.n_a >= s.n_b else (s.n_b, s.bb)
    return float(np.log(max(s.ab / (s.n_a * s.n_b) / _cohesion(own, n_large, cohesion), 1e-3)))


# Every feature a model may read, by name; a model file lists those it was fitted on.
FEATURE_FUNCTIONS = {
    "log_ratio": _one_sided,
    "log_ratio_two_sided": _two_sided,
    "cos": lambda s, c: s.ab / (np.sqrt(max(s.aa * s.bb, 0.0)) or 1.0),
    "log_gap_days": lambda s, c: np.log1p(s.gap_days),
    "log_small": lambda s, c: np.log(min(s.n_a, s.n_b)),
    "log_large": lambda s, c: np.log(max(s.n_a, s.n_b)),
}


def features(s: Sums, cohesion: float, names: tuple[str, ...] = FEATURES) -> np.ndarray:
    return np.array([FEATURE_FUNCTIONS[name](s, cohesion) for name in names])


@dataclass(frozen=True)
class ThreadModel:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    cohesion: float  # a typical topic's mean pairwise similarity
    names: tuple[str, ...] = FEATURES

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ThreadModel":
        data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
        unknown = [name for name in data["features"] if name not in FEATURE_FUNCTIONS]
        if unknown:
            raise ValueError(f"E301 thread model {path or MODEL_PATH} reads features this version does not "
                             f"compute ({unknown}); refit it with bench/clustering.py --fit")
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["coef"]),
                   float(data["intercept"]), float(data["cohesion"]), tuple(data["features"]))

    def to_json(self, **about) -> str:
        return json.dumps({"features": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                           "coef": self.coef.tolist(), "intercept": self.intercept, "cohesion": self.cohesion,
                           **about}, indent=1)

    def probability(self, sums: Sums) -> float:
        x = (features(sums, self.cohesion, self.names) - self.mean) / self.scale
        return float(1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept))))


class ThreadClusterer(StoryClusterer):
    """Threads as clusters of stories, joined, merged and split by the model's probability that two groups
    are one topic (at least one half), among the live threads closest by embedding."""

    def __init__(self, params: ClusterParams, model: ThreadModel, dim: int = 384):
        super().__init__(params, dim)
        self.model = model

    def probability(self, a: StoryState, b: StoryState) -> float:
        return self.model.probability(Sums.of(a, b))

    def best_story(self, emb: np.ndarray, terms: dict[int, float], day: date | None,
                   articles_only: bool | None = True, threshold: float | None = None,
                   group: StoryState | None = None) -> StoryState | None:
        """The live thread most probably of the same topic as ``group`` (a story), if at least one half."""
        if not self.stories or group is None:
            return None
        rows = self._live_rows(day)
        sims = self.matrix[rows] @ emb
        best, best_p = None, 0.5
        for k in np.argsort(-sims)[: self.params.candidates]:
            thread = self.stories[rows[k]]
            if not thread.alive or thread.count == 0 or self._dormant(thread, day):
                continue
            p = self.probability(group, thread)
            if p >= best_p:
                best, best_p = thread, p
        return best

    def linkage(self, a: StoryState, b: StoryState) -> float:
        return self.probability(a, b)

    def _merge_threshold(self, a: StoryState, b: StoryState) -> float:
        return 0.5


class _Groups:
    """Stories as rows of an embedding matrix, so that the sums of any group of them cost one reduction."""

    def __init__(self, stories: list[StoryState]):
        self.emb = np.stack([s.emb for s in stories]).astype(np.float64)
        self.count = np.array([max(s.count, 1) for s in stories])
        self.first = [s.first for s in stories]
        self.last = [s.last for s in stories]

    def sums(self, a: list[int], b: list[int]) -> Sums:
        ea, eb = self.emb[a].sum(axis=0), self.emb[b].sum(axis=0)
        gap = 0.0
        days_a = [d for k in a for d in (self.first[k], self.last[k]) if d is not None]
        days_b = [d for k in b for d in (self.first[k], self.last[k]) if d is not None]
        if days_a and days_b:
            gap = max((min(days_a) - max(days_b)).days, (min(days_b) - max(days_a)).days, 0)
        return Sums(int(self.count[a].sum()), int(self.count[b].sum()), float(ea @ eb), float(ea @ ea),
                    float(eb @ eb), gap)

    def cohesion(self, members: list[int]) -> float | None:
        e = self.emb[members].sum(axis=0)
        return _within(float(e @ e), int(self.count[members].sum()))


def training_pairs(stories: list[StoryState], topics: list[str], dormant_after_days: float, seed: int = 0,
                   checkpoint_every: int = 50) -> tuple[_Groups, list[tuple[list[int], list[int]]], list[int]]:
    """Pairs of groups with labels (1: one topic) from stories with known topics, as the stream meets them.

    Stories are taken in order of their first day; each topic's thread is the sum of its stories so far (a
    topic quiet for longer than the dormancy window starts a new one, as threads do). Each story is paired with
    every live thread (joining); every ``checkpoint_every`` stories, each live thread is cut in two, at a random
    point in time and by a random draw of its stories (one topic: merging, and not splitting), and random parts
    of it are paired with random parts of every other live thread (two topics). Returns the stories as groups
    and the pairs as two lists of story indices, with their labels."""
    rng = random.Random(seed)
    order = sorted(range(len(stories)), key=lambda k: (stories[k].first or date.min, stories[k].id))
    live: dict[tuple[str, int], list[int]] = {}
    era: dict[str, int] = {}
    pairs: list[tuple[list[int], list[int]]] = []
    labels: list[int] = []
    for step, k in enumerate(order):
        day, topic = stories[k].first, topics[k]
        for key in list(live):
            last = max((stories[m].last for m in live[key] if stories[m].last), default=None)
            if day is not None and last is not None and (day - last).days > dormant_after_days:
                del live[key]
                era[key[0]] = key[1] + 1
        for key, members in live.items():
            pairs.append(([k], list(members)))
            labels.append(int(key[0] == topic))
        live.setdefault((topic, era.get(topic, 0)), []).append(k)
        if step % checkpoint_every != checkpoint_every - 1:
            continue
        grown = [(t, m) for (t, _), m in live.items() if len(m) >= 2]
        for topic_a, members in grown:
            cut = rng.randrange(1, len(members))
            pairs.append((members[:cut], members[cut:]))
            labels.append(1)
            draw = [rng.random() < 0.5 for _ in members]
            drawn = [m for m, d in zip(members, draw) if d]
            rest = [m for m, d in zip(members, draw) if not d]
            if drawn and rest:
                pairs.append((drawn, rest))
                labels.append(1)
            for topic_b, others in grown:
                if topic_b != topic_a:
                    part_a = [m for m in members if rng.random() < 0.7] or members[:1]
                    part_b = [m for m in others if rng.random() < 0.7] or others[:1]
                    pairs.append((part_a, part_b))
                    labels.append(0)
    return _Groups(stories), pairs, labels


# Sparse coverage, simulated: besides the stream as it is, the model trains on streams that keep only this share of
# each topic's stories (see fit_thread_model).
SPARSE_SHARES = (0.25, 0.1)


def fit_thread_model(stories: list[StoryState], topics: list[str], dormant_after_days: float, seed: int = 0,
                     sparse_shares: tuple[float, ...] = SPARSE_SHARES,
                     names: tuple[str, ...] = FEATURES) -> ThreadModel:
    """Fit the same-topic model on stories with known topics (see :func:`training_pairs`).

    A labelled collection covers its topics densely, so there a topic's next story almost always comes within
    days of its last, and the time gap and group sizes separate topics better than content does. A topic that
    an outlet covers now and then (a celebrity's death, then months later a trial) is news too, and a model that
    never saw one splits it at every pause. So the pairs are also drawn from thinned copies of the stream, each
    keeping a random ``sparse_shares`` of every topic's stories: the same topics, covered sparsely. ``names``: the
    features to read (bench/clustering.py compares sets of them held out)."""
    from sklearn.linear_model import LogisticRegression

    whole = _Groups(stories)
    cohesions = [whole.cohesion([k for k, t in enumerate(topics) if t == topic]) for topic in sorted(set(topics))]
    cohesion = float(np.median([c for c in cohesions if c is not None]))
    rng = random.Random(seed)
    rows, labels = [], []
    for share in (1.0, *sparse_shares):
        kept = [k for k in range(len(stories)) if share == 1.0 or rng.random() < share]
        groups, pairs, found = training_pairs([stories[k] for k in kept], [topics[k] for k in kept],
                                              dormant_after_days, seed)
        rows.extend(features(groups.sums(a, b), cohesion, names) for a, b in pairs)
        labels.extend(found)
    x = np.stack(rows)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    fit = LogisticRegression(class_weight="balanced", max_iter=1000).fit((x - mean) / scale, labels)
    return ThreadModel(mean, scale, fit.coef_[0], float(fit.intercept_[0]), cohesion, names)
