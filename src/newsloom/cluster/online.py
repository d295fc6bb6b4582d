"""Online story clustering: items (articles, headlines) arrive in time order and join the most similar live
story or open a new one; after each batch, stories that have grown alike are merged (average linkage,
computed from the stories' vector sums, over each touched story's nearest neighbours).

Similarity mixes a sentence embedding (meaning) with TF-IDF over hashed words (the names and rare words
that tell two events of one topic apart). Word statistics are kept as running document frequencies, so the
model adapts as the corpus grows and never needs a refit; a story is the running sum of its members'
unit vectors, so centroid cosine (for joining) and mean pairwise similarity (for merging) both come from sums.

Written by hand because no library offers streaming, time-aware, incrementally persisted clustering of mixed
dense and sparse vectors; sklearn supplies the hashing tokenizer.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**18


@dataclass(frozen=True)
class ClusterParams:
    join_threshold: float = 0.4  # combined centroid cosine for an item to join a story
    merge_threshold: float = 0.17  # combined mean pairwise similarity for two stories to merge
    embedding_weight: float = 0.7  # the rest goes to TF-IDF
    # Headlines (title-only items): the centroid similarity for one to join a story, and the mean pairwise
    # similarity for two headline-only stories to merge; None: the article thresholds above.
    headline_join_threshold: float | None = None
    headline_merge_threshold: float | None = None
    dormant_after_days: float = 7.0
    max_span_days: float | None = None  # a story (an event) spans at most this long; None: unbounded
    candidates: int = 20  # nearest stories (by embedding) scored in full
    # How two clusters' similarity is measured for merging: "average" (mean pairwise similarity of their
    # members, right for events, whose members are alike) or "centroid" (cosine of their centroids, right for
    # topics: their members are far apart, so the mean pairwise similarity of two halves of one topic is as low
    # as that of two topics, while their centroids are close).
    linkage: str = "average"
    # Two clusters that both hold at least ``large_size`` items merge only above ``large_merge_threshold`` (when
    # set): their centroids are settled, so a gap between them is real (threads: two topics of one theme).
    large_size: int | None = None
    large_merge_threshold: float | None = None


@dataclass
class StoryState:
    id: str
    title: str
    emb: np.ndarray  # sum of member unit embeddings
    terms: dict[int, float]  # sum of member unit TF-IDF vectors, as hashed term -> weight
    count: int = 0
    first: date | None = None
    last: date | None = None
    members: list[str] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)
    has_articles: bool = True
    thread_id: str | None = None
    alive: bool = True  # False once merged into another story


class TermWeights:
    """Hashed words with running document frequencies, giving unit TF-IDF vectors."""

    def __init__(self, df: np.ndarray | None = None, docs: int = 0):
        self.vectorizer = HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None,
                                            stop_words="english", token_pattern=r"(?u)\b[^\W\d_][\w'-]+\b")
        self.df = df if df is not None else np.zeros(N_FEATURES, dtype=np.int32)
        self.docs = docs

    def add(self, texts: list[str]) -> list[dict[int, float]]:
        """Count the texts into the frequencies, then return their unit TF-IDF vectors."""
        if not texts:
            return []
        counts = self.vectorizer.transform(texts).tocsr()
        for row in range(counts.shape[0]):
            self.df[counts.indices[counts.indptr[row]:counts.indptr[row + 1]]] += 1
        self.docs += len(texts)
        vectors = []
        for row in range(counts.shape[0]):
            start, end = counts.indptr[row], counts.indptr[row + 1]
            terms = counts.indices[start:end]
            weights = (1 + np.log(counts.data[start:end])) * self.idf(terms)
            norm = float(np.sqrt((weights ** 2).sum())) or 1.0
            vectors.append(dict(zip(terms.tolist(), (weights / norm).tolist())))
        return vectors

    def idf(self, terms: np.ndarray) -> np.ndarray:
        return np.log((self.docs + 1) / (self.df[terms] + 1)) + 1.0


def _dot(a: dict[int, float], b: dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def add_terms(into: dict[int, float], terms: dict[int, float], sign: float = 1.0) -> None:
    """Add (sign 1) or take out (sign -1) a sparse vector; a term taken out to nothing leaves the sum."""
    for t, w in terms.items():
        value = into.get(t, 0.0) + sign * w
        if sign > 0 or abs(value) > 1e-6:
            into[t] = value
        else:
            into.pop(t, None)


def terms_norm(terms: dict[int, float]) -> float:
    return float(np.sqrt(sum(w * w for w in terms.values()))) or 1.0


class StoryClusterer:
    def __init__(self, params: ClusterParams, dim: int = 384):
        self.params = params
        self.stories: list[StoryState] = []
        self.by_id: dict[str, StoryState] = {}
        self.matrix = np.zeros((256, dim), dtype=np.float32)  # unit embedding centroids, row = story index
        self.row: dict[str, int] = {}
        # Rows of stories that may still be joined: dormant ones are left out for the stream's current day,
        # which keeps each query proportional to the live stories, not to the whole history.
        self._active: list[int] = []
        self._active_day: date | None = None
        # Last day of each story as an ordinal (undated: always recent, merged away: never): which stories are
        # live on a given day, for joining and for merging after the stream's clock has moved on.
        self._last = np.zeros(256, dtype=np.float64)

    # -- state ----------------------------------------------------------------------------------------------
    def add_story(self, story: StoryState) -> StoryState:
        if len(self.stories) >= len(self.matrix):
            self.matrix = np.vstack([self.matrix, np.zeros_like(self.matrix)])
            self._last = np.concatenate([self._last, np.zeros_like(self._last)])
        self.row[story.id] = len(self.stories)
        self._active.append(len(self.stories))
        self.stories.append(story)
        self.by_id[story.id] = story
        self.refresh(story)
        return story

    def refresh(self, story: StoryState) -> None:
        norm = np.linalg.norm(story.emb)
        row = self.row[story.id]
        self.matrix[row] = story.emb / norm if norm and story.alive else 0.0
        self._last[row] = (-np.inf if not story.alive else np.inf if story.last is None
                           else story.last.toordinal())

    # -- joining --------------------------------------------------------------------------------------------
    def best_story(self, emb: np.ndarray, terms: dict[int, float], day: date | None,
                   articles_only: bool | None = True, threshold: float | None = None) -> StoryState | None:
        """The live story with the highest combined centroid cosine, if above the threshold.
        ``articles_only``: True for stories with articles, False for headline-only ones, None for both."""
        if not self.stories:
            return None
        p = self.params
        threshold = p.join_threshold if threshold is None else threshold
        rows = self._live_rows(day)
        sims = self.matrix[rows] @ emb
        best, best_score = None, threshold
        for k in np.argsort(-sims)[: p.candidates]:
            story = self.stories[rows[k]]
            if not story.alive or (articles_only is not None and story.has_articles != articles_only):
                continue
            if self._dormant(story, day):
                continue
            score = p.embedding_weight * float(sims[k]) + (1 - p.embedding_weight) * (
                _dot(terms, story.terms) / terms_norm(story.terms))
            if score >= best_score:
                best, best_score = story, score
        return best

    def place_headline(self, emb: np.ndarray, terms: dict[int, float], day: date | None) -> StoryState | None:
        """The story a headline joins: the closest story with articles if close enough, else the closest
        headline-only story; None when neither is."""
        cut = self.params.headline_join_threshold
        return (self.best_story(emb, terms, day, articles_only=True, threshold=cut)
                or self.best_story(emb, terms, day, articles_only=False, threshold=cut))

    def _merge_threshold(self, a: StoryState, b: StoryState) -> float:
        p = self.params
        if not (a.has_articles or b.has_articles) and p.headline_merge_threshold is not None:
            return p.headline_merge_threshold
        if p.large_merge_threshold is not None and min(a.count, b.count) >= p.large_size:
            return max(p.merge_threshold, p.large_merge_threshold)
        return p.merge_threshold

    def _live_rows(self, day: date | None) -> np.ndarray:
        if day is not None and day != self._active_day:
            # Recomputed from the stories' last days whenever the day changes, in either direction: a batch of
            # older items finds the stories of its own time again.
            self._active_day = day
            cutoff = day.toordinal() - self.params.dormant_after_days
            self._active = np.flatnonzero(self._last[: len(self.stories)] >= cutoff).tolist()
        return np.asarray(self._active, dtype=np.int64)

    def _dormant(self, story: StoryState, day: date | None) -> bool:
        if day is None or story.first is None:
            return False
        window, span = self.params.dormant_after_days, self.params.max_span_days
        if span is not None and max((day - story.first).days, (story.last - day).days) > span:
            return True
        return (story.first - day).days > window or (day - story.last).days > window

    def join(self, story: StoryState, emb: np.ndarray, terms: dict[int, float], day: date | None) -> None:
        story.emb = story.emb + emb
        add_terms(story.terms, terms)
        story.count += 1
        if day:
            story.first = min(story.first or day, day)
            story.last = max(story.last or day, day)
        self.refresh(story)

    # -- merging --------------------------------------------------------------------------------------------
    def linkage(self, a: StoryState, b: StoryState) -> float:
        """Combined similarity of two stories for merging: the mean pairwise similarity of their members
        (average linkage) or the cosine of their centroids, as ``params.linkage`` says."""
        p = self.params
        emb = float(a.emb @ b.emb)
        words = _dot(a.terms, b.terms)
        if p.linkage == "centroid":
            emb /= float(np.linalg.norm(a.emb) * np.linalg.norm(b.emb)) or 1.0
            words /= terms_norm(a.terms) * terms_norm(b.terms)
            return p.embedding_weight * emb + (1 - p.embedding_weight) * words
        return (p.embedding_weight * emb + (1 - p.embedding_weight) * words) / (a.count * b.count)

    def merge_touched(self, touched: set[str]) -> list[tuple[str, str]]:
        """Merge pairs of live stories (one of them touched) above the merge threshold, best pair first,
        rescoring pairs whose stories changed, until none is left. The older story absorbs the newer.
        Returns (absorbed id, surviving id) pairs."""
        heap: list[tuple[float, int, str, str]] = []
        version: dict[str, int] = {}
        firsts = [self.by_id[s].first for s in touched if self.by_id[s].first is not None]
        cutoff = min(firsts).toordinal() - self.params.dormant_after_days if firsts else -np.inf
        rows = np.flatnonzero(self._last[: len(self.stories)] >= cutoff)  # live during the touched stories' time
        for story_id in sorted(touched):
            self._push_pairs(heap, self.by_id[story_id], version, rows)
        merges: list[tuple[str, str]] = []
        while heap:
            _, stamp, a_id, b_id = heapq.heappop(heap)
            a, b = self.by_id[a_id], self.by_id[b_id]
            if not (a.alive and b.alive):
                continue
            if stamp != version.get(a_id, 0) + version.get(b_id, 0):
                score = self.linkage(a, b)  # one of them grew since: rescore
                if score >= self._merge_threshold(a, b):
                    heapq.heappush(heap, (-score, version.get(a_id, 0) + version.get(b_id, 0), a_id, b_id))
                continue
            keep, gone = (a, b) if self.row[a.id] < self.row[b.id] else (b, a)
            self._absorb(keep, gone)
            merges.append((gone.id, keep.id))
            version[keep.id] = version.get(keep.id, 0) + 1
            self._push_pairs(heap, keep, version, rows)
        return merges

    def _push_pairs(self, heap: list, story: StoryState, version: dict[str, int], rows: np.ndarray) -> None:
        p = self.params
        sims = self.matrix[rows] @ (story.emb / (np.linalg.norm(story.emb) or 1.0))
        for k in np.argsort(-sims)[: p.candidates + 1]:
            other = self.stories[rows[k]]
            if other is story or not other.alive or other.has_articles != story.has_articles:
                continue
            if not self._overlaps(story, other):
                continue
            score = self.linkage(story, other)
            if score >= self._merge_threshold(story, other):
                stamp = version.get(story.id, 0) + version.get(other.id, 0)
                heapq.heappush(heap, (-score, stamp, story.id, other.id))

    def _overlaps(self, a: StoryState, b: StoryState) -> bool:
        if a.first is None or b.first is None:
            return True
        window, span = self.params.dormant_after_days, self.params.max_span_days
        if span is not None and (max(a.last, b.last) - min(a.first, b.first)).days > span:
            return False
        return (a.first - b.last).days <= window and (b.first - a.last).days <= window

    def _absorb(self, keep: StoryState, gone: StoryState) -> None:
        keep.emb = keep.emb + gone.emb
        add_terms(keep.terms, gone.terms)
        keep.count += gone.count
        keep.members.extend(gone.members)
        keep.headlines.extend(gone.headlines)
        if gone.first:
            keep.first = min(keep.first or gone.first, gone.first)
            keep.last = max(keep.last or gone.last, gone.last)
        gone.alive = False
        gone.members, gone.headlines = [], []
        self.refresh(keep)
        self.refresh(gone)


def bisect(vectors: np.ndarray, weights: np.ndarray, rounds: int = 20) -> np.ndarray:
    """Weighted spherical 2-means over unit rows, seeded by the row farthest from the weighted centroid and the
    row farthest from that one; returns each row's side (0 or 1)."""
    centre = weights @ vectors
    a = int(np.argmin(vectors @ centre))
    b = int(np.argmin(vectors @ vectors[a]))
    centres = vectors[[a, b]]
    side = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(rounds):
        new = np.argmax(vectors @ centres.T, axis=1)
        if _ and np.array_equal(new, side):
            break
        side = new
        centres = np.stack([(weights[side == k] @ vectors[side == k]) for k in (0, 1)])
        centres /= np.linalg.norm(centres, axis=1, keepdims=True) + 1e-12
    return side


def terms_to_blob(terms: dict[int, float]) -> bytes:
    keys = np.fromiter(terms.keys(), dtype=np.int32, count=len(terms))
    values = np.fromiter(terms.values(), dtype=np.float32, count=len(terms))
    return keys.tobytes() + values.tobytes()


def terms_from_blob(blob: bytes | None) -> dict[int, float]:
    if not blob:
        return {}
    half = len(blob) // 2
    keys = np.frombuffer(blob[:half], dtype=np.int32)
    values = np.frombuffer(blob[half:], dtype=np.float32)
    return dict(zip(keys.tolist(), values.tolist()))
