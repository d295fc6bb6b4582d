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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    # Headline-only stories in two levels (None: one level): headlines join fine parts by centroid at this
    # threshold, and the stories are the average-linkage grouping of the live parts at
    # headline_merge_threshold, redone after every batch (see HeadlineGroups).
    headline_part_threshold: float | None = None
    dormant_after_days: float = 7.0
    max_span_days: float | None = None  # a story (an event) spans at most this long; None: unbounded
    candidates: int = 20  # nearest stories (by embedding) scored in full


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
    # Only shared terms count; the key intersection runs in C, which matters for large (thread) sums.
    return sum(a[t] * b[t] for t in a.keys() & b.keys())


def add_terms(into: dict[int, float], terms: dict[int, float], sign: float = 1.0) -> None:
    """Add (sign 1) or take out (sign -1) a sparse vector; a term taken out to nothing leaves the sum."""
    for t, w in terms.items():
        value = into.get(t, 0.0) + sign * w
        if sign > 0 or abs(value) > 1e-6:
            into[t] = value
        else:
            into.pop(t, None)


def terms_norm(terms: dict[int, float]) -> float:
    values = np.fromiter(terms.values(), dtype=np.float64, count=len(terms))
    return float(np.sqrt(values @ values)) or 1.0


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
        n = len(self.stories)
        # Gathering most rows of the matrix costs more than scoring them all (many live stories or parts).
        sims = (self.matrix[:n] @ emb)[rows] if 2 * len(rows) > n else self.matrix[rows] @ emb
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
        (average linkage, right for events, whose members are alike)."""
        p = self.params
        emb = float(a.emb @ b.emb)
        words = _dot(a.terms, b.terms)
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


def average_groups(sims: np.ndarray, sizes: np.ndarray, cut: float) -> np.ndarray:
    """Average linkage (UPGMA) started from a partition: ``sims`` holds the mean pairwise similarity of the
    members of every two groups, ``sizes`` their member counts; groups merge while the best pair's mean is at
    least ``cut``. Returns, for each group, the index of the group it ended in. Nearest-neighbour chains with the
    Lance-Williams update: O(n^2) time, one n x n matrix."""
    n = len(sizes)
    a_ = np.array(sims, dtype=np.float64)
    np.fill_diagonal(a_, -np.inf)
    size = np.asarray(sizes, dtype=np.float64).copy()
    into = np.arange(n)
    open_ = np.ones(n, dtype=bool)  # not merged away and not yet final
    chain: list[int] = []
    again: list[int] = []  # groups formed by a merge, to be chained again
    start = 0
    while True:
        if not chain:
            while again and not open_[again[-1]]:
                again.pop()
            if again:
                chain.append(again.pop())
            else:
                while start < n and not open_[start]:
                    start += 1
                if start == n:
                    break
                chain.append(start)
        top = chain[-1]
        row = a_[top]
        near = int(np.argmax(row))
        if len(chain) > 1 and row[chain[-2]] >= row[near]:
            near = chain[-2]
        if row[near] < cut:
            # Similarities rise along a chain, so no group on it has a pair at the cut: all are final (and stay
            # so, since average linkage never raises a similarity above both of its parts').
            for k in chain:
                open_[k] = False
                a_[k, :] = a_[:, k] = -np.inf
            chain = []
        elif len(chain) > 1 and near == chain[-2]:
            a, b = chain.pop(), chain.pop()
            merged = (size[a] * a_[a] + size[b] * a_[b]) / (size[a] + size[b])
            merged[a] = -np.inf
            a_[a], a_[:, a] = merged, merged
            a_[b, :] = a_[:, b] = -np.inf
            size[a] += size[b]
            open_[b], into[b] = False, a
            again.append(a)
        else:
            chain.append(near)
    for k in range(n):  # follow each group to the one it ended in
        root = k
        while into[root] != root:
            root = into[root]
        into[k] = root
    return into


class HeadlineGroups:
    """Headline-only stories in two levels, as in stream clusterers such as CluStream: a headline joins the
    closest fine *part* by centroid (a high threshold, so parts are nearly pure and never wrong for long), and the
    stories are the average-linkage grouping of the live parts, redone after every batch. So two parts grouped
    early can part again once more headlines show them apart, which a merge cannot; a grouping of the parts
    approximates the batch average linkage of the headlines themselves. A regrouped story keeps the id of the
    previous story it shares the most headlines with; parts no longer live (dormant) keep their story.
    Each regrouping costs O(live parts^2) time and memory: dated streams are bounded by the dormancy window, but
    in an undated one every part stays live (3.9k parts for news-titles' 11k titles, about 0.3 s a batch)."""

    def __init__(self, params: ClusterParams, dim: int = 384):
        self.params = params
        self.parts = StoryClusterer(replace(params, join_threshold=params.headline_part_threshold), dim)
        self.story_of: dict[str, str] = {}  # part id -> story id
        self.story_parts: dict[str, list[str]] = {}  # story id -> part ids
        self.grown: set[str] = set()  # parts that took headlines since the last regrouping
        self.unsaved: set[str] = set()  # parts that grew or moved since the last take_unsaved()

    def add_part(self, part: StoryState, story_id: str) -> None:
        self.parts.add_story(part)
        self.story_of[part.id] = story_id
        self.story_parts.setdefault(story_id, []).append(part.id)

    def place(self, emb: np.ndarray, terms: dict[int, float], day: date | None, new_id: str,
              title: str) -> StoryState:
        """Join the headline to its part (or a new part, id ``new_id``); its story is decided by regroup()."""
        part = self.parts.best_story(emb, terms, day, articles_only=None)
        if part is None:
            part = self.parts.add_story(StoryState(id=new_id, title=title, emb=np.zeros_like(emb), terms={},
                                                   has_articles=False))
        self.parts.join(part, emb, terms, day)
        self.grown.add(part.id)
        return part

    def regroup(self, new_story_id: Callable[[StoryState], str]) -> tuple[set[str], list[tuple[str, str]]]:
        """Group the parts live in the time of the parts that grew; each group takes the id of the story it
        shares the most headlines with (one group per story) or a new id from its largest part. Returns the
        stories whose parts changed or grew, and (story left without parts, story that took most of its
        headlines) pairs."""
        p = self.params
        if not self.grown:
            return set(), []
        grown = [self.parts.by_id[k] for k in self.grown]
        firsts = [s.first for s in grown if s.first is not None]
        cutoff = min(firsts).toordinal() - p.dormant_after_days if len(firsts) == len(grown) else -np.inf
        rows = np.flatnonzero(self.parts._last[: len(self.parts.stories)] >= cutoff)
        live = [self.parts.stories[r] for r in rows]
        emb = np.stack([s.emb for s in live])
        size = np.array([s.count for s in live], dtype=np.float64)
        words = _sparse([s.terms for s in live])
        sims = (p.embedding_weight * (emb @ emb.T) + (1 - p.embedding_weight) * (words @ words.T).toarray())
        sims /= np.outer(size, size)
        dated = [k for k, s in enumerate(live) if s.first is not None]
        if dated:
            # Parts too far apart in time for one story never group (as stories that do not overlap never merge);
            # -inf carries over to every group either joins.
            first = np.array([live[k].first.toordinal() for k in dated], dtype=np.float64)
            last = np.array([live[k].last.toordinal() for k in dated], dtype=np.float64)
            apart = ((first[:, None] - last[None, :] > p.dormant_after_days)
                     | (first[None, :] - last[:, None] > p.dormant_after_days))
            if p.max_span_days is not None:
                apart |= np.maximum(last[:, None], last[None, :]) - np.minimum(first[:, None], first[None, :]) \
                    > p.max_span_days
            sims[np.ix_(dated, dated)] = np.where(apart, -np.inf, sims[np.ix_(dated, dated)])
        groups: dict[int, list[StoryState]] = {}
        for part, root in zip(live, average_groups(sims, size, p.headline_merge_threshold)):
            groups.setdefault(int(root), []).append(part)
        # Each group takes the previous story it shares the most headlines with, largest overlaps first.
        overlaps = []
        for root, parts in groups.items():
            shared: dict[str, int] = {}
            for part in parts:
                if part.id in self.story_of:
                    shared[self.story_of[part.id]] = shared.get(self.story_of[part.id], 0) + part.count
            overlaps += [(-n, root, story_id) for story_id, n in shared.items()]
        named: dict[int, str] = {}
        for _, root, story_id in sorted(overlaps):
            if root not in named and story_id not in named.values():
                named[root] = story_id
        changed: set[str] = set()
        before = {part.id: self.story_of.get(part.id) for part in live}
        for root, parts in groups.items():
            story_id = named.get(root) or new_story_id(max(parts, key=lambda s: (s.count, -self.parts.row[s.id])))
            for part in parts:
                old = before[part.id]
                if old != story_id:
                    if old is not None:
                        changed.add(old)
                        self.story_parts[old].remove(part.id)
                    self.story_parts.setdefault(story_id, []).append(part.id)
                    self.story_of[part.id] = story_id
                if old != story_id or part.id in self.grown:
                    changed.add(story_id)
                    self.unsaved.add(part.id)
        gone = []
        for story_id in sorted(changed):
            if not self.story_parts.get(story_id):
                self.story_parts.pop(story_id, None)
                heirs: dict[str, int] = {}
                for part in live:
                    if before[part.id] == story_id:
                        heirs[self.story_of[part.id]] = heirs.get(self.story_of[part.id], 0) + part.count
                gone.append((story_id, max(sorted(heirs), key=heirs.get)))
        self.grown = set()
        return changed - {g for g, _ in gone}, gone

    def take_unsaved(self) -> set[str]:
        unsaved, self.unsaved = self.unsaved, set()
        return unsaved

    def story_state(self, story_id: str) -> StoryState:
        """A story as the sum of its parts; its title is its largest part's."""
        parts = [self.parts.by_id[k] for k in self.story_parts[story_id]]
        state = StoryState(id=story_id, title=max(parts, key=lambda s: s.count).title, emb=sum(s.emb for s in parts),
                           terms={}, count=sum(s.count for s in parts), has_articles=False)
        for part in parts:
            add_terms(state.terms, part.terms)
            state.headlines.extend(part.members)
        days = [d for s in parts for d in (s.first, s.last) if d is not None]
        state.first, state.last = (min(days), max(days)) if days else (None, None)
        return state


def _sparse(terms: list[dict[int, float]]):
    from scipy.sparse import csr_matrix

    rows = np.repeat(np.arange(len(terms)), [len(t) for t in terms])
    cols = np.fromiter((k for t in terms for k in t), dtype=np.int64, count=len(rows))
    vals = np.fromiter((v for t in terms for v in t.values()), dtype=np.float64, count=len(rows))
    return csr_matrix((vals, (rows, cols)), shape=(len(terms), N_FEATURES))


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
