"""Streaming story clustering, first version: articles in publication order join the most similar live story
(cosine to its centroid of sentence embeddings) or open a new one; headlines join a story or form
headline-only stories; new stories are linked into threads by a looser threshold. State persists in the store,
so a new run extends the stories already there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..dates import to_day
from ..records import Article, Headline, Story, Thread, content_id
from ..represent.embed import model_key
from ..stages import BatchStage
from ..store.sqlite import from_blob


@dataclass
class _Group:
    """A story or thread being built: its centroid as a running sum of unit vectors."""

    id: str
    title: str
    total: np.ndarray
    count: int
    row: int  # index in the stacked matrix of normalised centroids
    members: list[str] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    thread_id: str | None = None
    has_articles: bool = True


class _Index:
    """Groups plus a matrix of their normalised centroids, for one matrix-vector product per query."""

    def __init__(self, dim: int = 384):
        self.groups: list[_Group] = []
        self.by_id: dict[str, _Group] = {}
        self.matrix = np.zeros((64, dim), dtype=np.float32)

    def add(self, group: _Group) -> None:
        if group.row >= len(self.matrix):
            self.matrix = np.vstack([self.matrix, np.zeros_like(self.matrix)])
        self.groups.append(group)
        self.by_id[group.id] = group
        self.refresh(group)

    def refresh(self, group: _Group) -> None:
        norm = np.linalg.norm(group.total)
        self.matrix[group.row] = group.total / norm if norm else group.total

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        return self.matrix[: len(self.groups)] @ vector


class ClusterStage(BatchStage):
    name = "cluster"
    consumes = (Article, Headline)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.stories = _Index()
        self.threads = _Index()
        self.touched: set[str] = set()
        self.touched_threads: set[str] = set()
        self._loaded = False

    def _load(self) -> None:
        for row in self.ctx.store.thread_states():
            total = from_blob(row["centroid"]).copy() if row["centroid"] else np.zeros(384, np.float32)
            self.threads.add(_Group(row["id"], row["label"], total, row["n_stories"] or 0, len(self.threads.groups)))
        for row in self.ctx.store.story_states():
            total = from_blob(row["centroid"]).copy() if row["centroid"] else np.zeros(384, np.float32)
            self.stories.add(_Group(row["id"], row["title"], total, row["n_vectors"] or 0, len(self.stories.groups),
                                    first=to_day(row["first_published"]), last=to_day(row["last_published"]),
                                    thread_id=row["thread_id"], has_articles=row["n_articles"] > 0))
        for row in self.ctx.store.story_members():
            group = self.stories.by_id[row["story_id"]]
            (group.members if row["kind"] == "article" else group.headlines).append(row["member"])
        self._loaded = True

    def process_batch(self, batch: list) -> Iterable:
        if not self._loaded:
            self._load()
        self.touched, self.touched_threads = set(), set()
        cfg = self.ctx.config.cluster
        articles = sorted((r for r in batch if isinstance(r, Article)), key=lambda a: (a.published or "~", a.id))
        headlines = [r for r in batch if isinstance(r, Headline)]
        titles = {a.id: a.title for a in articles if a.title}
        for article in articles:
            vector = self.ctx.vectors[article.id]
            day = to_day(article.published)
            story = self._best(vector, day, cfg.story_threshold, articles_only=True)
            if story is None:
                story = self._new_story(article.id, article.title or _first_sentence(article.text), vector, day)
                self.note("new_stories")
            self._join(story, vector, day)
            story.members.append(article.id)
        for headline in headlines:
            vector = self.ctx.vectors[headline.id]
            day = to_day(headline.published)
            story = (self._best(vector, day, cfg.headline_threshold, articles_only=True)
                     or self._best(vector, day, cfg.headline_threshold, articles_only=False))
            if story is None:
                story = self._new_story(headline.id, headline.text, vector, day, has_articles=False)
                self.note("headline_only_stories")
            self._join(story, vector, day)
            story.headlines.append(headline.id)
        yield from batch
        yield from self._threads_for_new_stories(cfg.thread_threshold)
        for story_id in sorted(self.touched):
            group = self.stories.by_id[story_id]
            group.title = self._central_title(group, titles) or group.title
            yield Story(id=group.id, title=group.title, article_ids=tuple(group.members),
                        headline_ids=tuple(group.headlines), thread_id=group.thread_id,
                        first_published=group.first.isoformat() if group.first else None,
                        last_published=group.last.isoformat() if group.last else None)

    def finish_batch(self) -> None:
        store = self.ctx.store
        for story_id in self.touched:
            group = self.stories.by_id[story_id]
            store.save_story_centroid(group.id, group.total, group.count)
        for thread_id in self.touched_threads:
            group = self.threads.by_id[thread_id]
            store.save_thread_centroid(group.id, group.total, group.count)

    def _best(self, vector, day, threshold, articles_only: bool) -> _Group | None:
        if not self.stories.groups:
            return None
        sims = self.stories.similarities(vector)
        dormant = self.ctx.config.cluster.dormant_after_days
        for row in np.argsort(-sims):
            if sims[row] < threshold:
                return None
            group = self.stories.groups[row]
            if group.has_articles != articles_only:
                continue
            if day and group.last and group.first and not (
                    (group.first - day).days <= dormant and (day - group.last).days <= dormant):
                continue  # dormant: too far in time from the story's span
            return group
        return None

    def _new_story(self, seed_id: str, title: str, vector, day, has_articles: bool = True) -> _Group:
        group = _Group(content_id("st", seed_id), title, np.zeros_like(vector), 0, len(self.stories.groups),
                       has_articles=has_articles)
        self.stories.add(group)
        return group

    def _join(self, group: _Group, vector, day) -> None:
        group.total = group.total + vector
        group.count += 1
        if day:
            group.first = min(group.first or day, day)
            group.last = max(group.last or day, day)
        self.stories.refresh(group)
        self.touched.add(group.id)

    def _threads_for_new_stories(self, threshold: float) -> Iterable[Thread]:
        for story_id in sorted(self.touched):
            story = self.stories.by_id[story_id]
            if story.thread_id or not story.has_articles:
                continue
            unit = story.total / (np.linalg.norm(story.total) or 1.0)
            thread = None
            if self.threads.groups:
                sims = self.threads.similarities(unit)
                row = int(np.argmax(sims))
                if sims[row] >= threshold:
                    thread = self.threads.groups[row]
            if thread is None:
                thread = _Group(content_id("th", story.id), story.title, np.zeros_like(unit), 0,
                                len(self.threads.groups))
                self.threads.add(thread)
            thread.total = thread.total + unit
            thread.count += 1
            self.threads.refresh(thread)
            story.thread_id = thread.id
            self.touched_threads.add(thread.id)
        for thread_id in sorted(self.touched_threads):
            thread = self.threads.by_id[thread_id]
            yield Thread(id=thread.id, label=thread.title)

    def _central_title(self, group: _Group, titles: dict[str, str]) -> str | None:
        """The title of the member article whose embedding is closest to the story centroid."""
        if not group.members:
            return None
        store = self.ctx.store
        missing = [m for m in group.members if m not in titles]
        titles = titles | store.article_titles(missing)
        titled = [m for m in group.members if titles.get(m)]
        if not titled:
            return None
        vectors = {m: self.ctx.vectors[m] for m in titled if m in self.ctx.vectors}
        vectors |= store.embeddings([m for m in titled if m not in vectors],
                                    model_key(self.ctx.config.represent))
        centroid = group.total / (np.linalg.norm(group.total) or 1.0)
        best = max(titled, key=lambda m: float(vectors[m] @ centroid) if m in vectors else -1.0)
        return titles[best]


def _first_sentence(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."
