"""Thread decisions learned from labelled topics: does a story belong to a thread, do two threads hold one
topic, has a thread grown two topics?

One question answers all three: *are these two groups of articles one topic?* A fixed threshold on centroid
similarity does not carry across topics, because topics differ in how alike their own articles are (a war's
articles are far less alike than an oil spill's: mean pairwise cosine 0.21 against 0.45 on timeline17), so the
gap between one topic and its neighbours sits at a different height in each. The features here are measured
against the groups' own cohesion: the mean pairwise similarity *across* two groups divided by the mean pairwise
similarity *within* the larger one (shrunk towards a typical topic's cohesion while it holds few articles).
Two halves of one topic score near 1 whatever the topic; two topics of one theme (Egypt's protests, Libya's
war) near 0.6. Beside it: centroid cosines of the embeddings and of the TF-IDF words, the time between the
groups and their sizes. A logistic regression over these features gives the probability that the two groups
are one topic; a story joins the most probable live thread when that probability is at least one half (the
classes are balanced in training, so one half is the point of equal error, not a tuned threshold), two threads
merge on the same condition, and a thread whose two halves (2-means) fall below it splits.

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

from .online import ClusterParams, StoryClusterer, StoryState, _dot, add_terms

MODEL_PATH = Path(__file__).with_name("thread_model.json")
FEATURES = ("log_ratio_emb", "log_ratio_terms", "cos_emb", "cos_terms", "log_gap_days", "log_small", "log_large")
# A group's own cohesion is trusted as far as its pairs of members allow: it is shrunk towards the typical
# topic's with the weight of this many pairs (about the pairs of ten articles).
PRIOR_PAIRS = 45.0


@dataclass(frozen=True)
class ThreadModel:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    cohesion_emb: float  # a typical topic's mean pairwise similarity, embeddings
    cohesion_terms: float  # the same, TF-IDF words

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ThreadModel":
        data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"E301 thread model {path or MODEL_PATH} was fitted on other features "
                             f"({data['features']}); refit it with bench/clustering.py --fit")
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["coef"]),
                   float(data["intercept"]), float(data["cohesion_emb"]), float(data["cohesion_terms"]))

    def to_json(self, **about) -> str:
        return json.dumps({"features": list(FEATURES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                           "coef": self.coef.tolist(), "intercept": self.intercept,
                           "cohesion_emb": self.cohesion_emb, "cohesion_terms": self.cohesion_terms, **about},
                          indent=1)

    def probability(self, sums: Sums) -> float:
        x = (features(sums, self.cohesion_emb, self.cohesion_terms) - self.mean) / self.scale
        return float(1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept))))


def _square(terms: dict[int, float]) -> float:
    values = np.fromiter(terms.values(), dtype=np.float64, count=len(terms))
    return float(values @ values)


def _within(self_dot: float, n: int) -> float | None:
    """Mean pairwise similarity of the members of a sum of ``n`` unit vectors whose squared norm is
    ``self_dot``; None for a single member."""
    return (self_dot - n) / (n * (n - 1)) if n > 1 else None


def _cohesion(self_dot: float, n: int, prior: float) -> float:
    pairs = n * (n - 1) / 2
    own = _within(self_dot, n)
    value = prior if own is None else (pairs * own + PRIOR_PAIRS * prior) / (pairs + PRIOR_PAIRS)
    return max(value, 1e-3)


@dataclass(frozen=True)
class Sums:
    """What the features need of two groups: their sizes, the dot products of their vector sums (embeddings
    and TF-IDF words) with each other and with themselves, and the days between them."""

    n_a: int
    n_b: int
    emb_ab: float
    emb_aa: float
    emb_bb: float
    terms_ab: float
    terms_aa: float
    terms_bb: float
    gap_days: float

    @classmethod
    def of(cls, a: StoryState, b: StoryState, terms_aa: float | None = None,
           terms_bb: float | None = None) -> "Sums":
        """The sums of two groups; their words' squared norms may be given (they cost a pass over the words)."""
        gap = 0.0
        if a.first is not None and b.first is not None:
            gap = max((a.first - b.last).days, (b.first - a.last).days, 0)
        return cls(max(a.count, 1), max(b.count, 1), float(a.emb @ b.emb), float(a.emb @ a.emb),
                   float(b.emb @ b.emb), _dot(a.terms, b.terms),
                   _square(a.terms) if terms_aa is None else terms_aa,
                   _square(b.terms) if terms_bb is None else terms_bb, gap)


def features(s: Sums, cohesion_emb: float, cohesion_terms: float) -> np.ndarray:
    # The larger group's cohesion is the yardstick: a story is measured against its thread's own spread.
    n_large, emb_own, terms_own = (s.n_a, s.emb_aa, s.terms_aa) if s.n_a >= s.n_b else (s.n_b, s.emb_bb, s.terms_bb)
    pairs = s.n_a * s.n_b
    ratio_emb = max(s.emb_ab / pairs / _cohesion(emb_own, n_large, cohesion_emb), 1e-3)
    ratio_terms = max(s.terms_ab / pairs / _cohesion(terms_own, n_large, cohesion_terms), 1e-3)
    return np.array([np.log(ratio_emb), np.log(ratio_terms),
                     s.emb_ab / (np.sqrt(max(s.emb_aa * s.emb_bb, 0.0)) or 1.0),
                     s.terms_ab / (np.sqrt(max(s.terms_aa * s.terms_bb, 0.0)) or 1.0),
                     np.log1p(s.gap_days), np.log(min(s.n_a, s.n_b)), np.log(max(s.n_a, s.n_b))])


class ThreadClusterer(StoryClusterer):
    """Threads as clusters of stories, joined, merged and split by the model's probability that two groups
    are one topic (at least one half), among the live threads closest by embedding."""

    def __init__(self, params: ClusterParams, model: ThreadModel, dim: int = 384):
        super().__init__(params, dim)
        self.model = model
        # Threads' squared word norms, kept up to date as words come and go: a thread's words run to tens of
        # thousands, and every decision reads the norm.
        self._terms_self: dict[str, float] = {}

    def add_terms(self, thread: StoryState, terms: dict[int, float], sign: float = 1.0) -> None:
        """Add (sign 1) or take out (sign -1) words of a thread, keeping its squared norm."""
        if thread.id in self._terms_self:
            change = 2 * sign * _dot(terms, thread.terms) + _square(terms)
            self._terms_self[thread.id] = max(self._terms_self[thread.id] + change, 0.0)
        add_terms(thread.terms, terms, sign)

    def _own_terms(self, state: StoryState) -> float | None:
        if self.by_id.get(state.id) is not state:
            return None
        if state.id not in self._terms_self:
            self._terms_self[state.id] = _square(state.terms)
        return self._terms_self[state.id]

    def probability(self, a: StoryState, b: StoryState) -> float:
        return self.model.probability(Sums.of(a, b, self._own_terms(a), self._own_terms(b)))

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

    def _absorb(self, keep: StoryState, gone: StoryState) -> None:
        if keep.id in self._terms_self:
            self._terms_self[keep.id] += 2 * _dot(gone.terms, keep.terms) + self._own_terms(gone)
        super()._absorb(keep, gone)
        self._terms_self.pop(gone.id, None)

    def _merge_threshold(self, a: StoryState, b: StoryState) -> float:
        return 0.5


class _Running:
    """A thread's running sums while stories join it."""

    def __init__(self, dim: int, n_terms: int):
        self.emb = np.zeros(dim)
        self.terms = np.zeros(n_terms)
        self.terms_self = 0.0
        self.count = 0
        self.first: date | None = None
        self.last: date | None = None

    def add(self, groups: "_Groups", k: int) -> None:
        start, end = groups.terms.indptr[k], groups.terms.indptr[k + 1]
        self.emb += groups.emb[k]
        self.terms[groups.terms.indices[start:end]] += groups.terms.data[start:end]
        self.terms_self = float(self.terms @ self.terms) if end - start else self.terms_self
        self.count += int(groups.count[k])
        if groups.first[k] is not None:
            self.first = min(self.first or groups.first[k], groups.first[k])
            self.last = max(self.last or groups.last[k], groups.last[k])

    def sums_with(self, groups: "_Groups", k: int) -> Sums:
        start, end = groups.terms.indptr[k], groups.terms.indptr[k + 1]
        row = groups.terms.data[start:end]
        gap = 0.0
        if groups.first[k] is not None and self.first is not None:
            gap = max((groups.first[k] - self.last).days, (self.first - groups.last[k]).days, 0)
        return Sums(int(groups.count[k]), self.count, float(groups.emb[k] @ self.emb),
                    float(groups.emb[k] @ groups.emb[k]), float(self.emb @ self.emb),
                    float(row @ self.terms[groups.terms.indices[start:end]]), float(row @ row), self.terms_self, gap)


class _Groups:
    """Stories as rows of an embedding matrix and a sparse TF-IDF matrix, so that the sums of any group of them
    (and the dot products the features need) cost one matrix reduction."""

    def __init__(self, stories: list[StoryState]):
        from .online import _sparse

        self.emb = np.stack([s.emb for s in stories]).astype(np.float64)
        self.terms = _sparse([s.terms for s in stories])
        self.count = np.array([max(s.count, 1) for s in stories])
        self.first = [s.first for s in stories]
        self.last = [s.last for s in stories]

    def sums(self, a: list[int], b: list[int]) -> Sums:
        ea, eb = self.emb[a].sum(axis=0), self.emb[b].sum(axis=0)
        ta, tb = np.asarray(self.terms[a].sum(axis=0)).ravel(), np.asarray(self.terms[b].sum(axis=0)).ravel()
        gap = 0.0
        days_a = [d for k in a for d in (self.first[k], self.last[k]) if d is not None]
        days_b = [d for k in b for d in (self.first[k], self.last[k]) if d is not None]
        if days_a and days_b:
            gap = max((min(days_a) - max(days_b)).days, (min(days_b) - max(days_a)).days, 0)
        return Sums(int(self.count[a].sum()), int(self.count[b].sum()), float(ea @ eb), float(ea @ ea),
                    float(eb @ eb), float(ta @ tb), float(ta @ ta), float(tb @ tb), gap)

    def cohesion(self, members: list[int]) -> tuple[float | None, float | None]:
        e = self.emb[members].sum(axis=0)
        t = np.asarray(self.terms[members].sum(axis=0)).ravel()
        n = int(self.count[members].sum())
        return _within(float(e @ e), n), _within(float(t @ t), n)


def training_pairs(stories: list[StoryState], topics: list[str], dormant_after_days: float, seed: int = 0,
                   checkpoint_every: int = 50) -> tuple[_Groups, list, list[int]]:
    """Pairs of groups with labels (1: one topic) from stories with known topics, as the stream meets them.

    Stories are taken in order of their first day; each topic's thread is the sum of its stories so far (a
    topic quiet for longer than the dormancy window starts a new one, as threads do). Each story is paired with
    every live thread (joining); every ``checkpoint_every`` stories, each live thread is cut in two, at a random
    point in time and by a random draw of its stories (one topic: merging, and not splitting), and random parts
    of it are paired with random parts of every other live thread (two topics). Returns the stories as groups
    and the pairs, each as its sums or as two lists of story indices, with their labels."""
    rng = random.Random(seed)
    order = sorted(range(len(stories)), key=lambda k: (stories[k].first or date.min, stories[k].id))
    groups = _Groups(stories)
    live: dict[tuple[str, int], list[int]] = {}
    running: dict[tuple[str, int], _Running] = {}  # each live thread's sums, kept as stories join it
    era: dict[str, int] = {}
    pairs: list[Sums | tuple[list[int], list[int]]] = []
    labels: list[int] = []
    for step, k in enumerate(order):
        day, topic = stories[k].first, topics[k]
        for key in list(live):
            last = max((stories[m].last for m in live[key] if stories[m].last), default=None)
            if day is not None and last is not None and (day - last).days > dormant_after_days:
                del live[key], running[key]
                era[key[0]] = key[1] + 1
        for key in live:
            pairs.append(running[key].sums_with(groups, k))
            labels.append(int(key[0] == topic))
        key = (topic, era.get(topic, 0))
        running.setdefault(key, _Running(groups.emb.shape[1], groups.terms.shape[1])).add(groups, k)
        live.setdefault(key, []).append(k)
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
    return groups, pairs, labels


def fit_thread_model(stories: list[StoryState], topics: list[str], dormant_after_days: float,
                     seed: int = 0) -> ThreadModel:
    """Fit the same-topic model on stories with known topics (see :func:`training_pairs`)."""
    from sklearn.linear_model import LogisticRegression

    groups, pairs, labels = training_pairs(stories, topics, dormant_after_days, seed)
    whole = [groups.cohesion([k for k, t in enumerate(topics) if t == topic]) for topic in sorted(set(topics))]
    cohesion_emb = float(np.median([e for e, _ in whole if e is not None]))
    cohesion_terms = float(np.median([t for _, t in whole if t is not None]))
    x = np.stack([features(p if isinstance(p, Sums) else groups.sums(*p), cohesion_emb, cohesion_terms)
                  for p in pairs])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    fit = LogisticRegression(class_weight="balanced", max_iter=1000).fit((x - mean) / scale, labels)
    return ThreadModel(mean, scale, fit.coef_[0], float(fit.intercept_[0]), cohesion_emb, cohesion_terms)
