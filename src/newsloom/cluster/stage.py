"""The cluster stage: stories and threads, built online and kept in the store between runs.

Articles, in publication order, join the most similar live story or open one (see :mod:`.online`); after
each batch, stories that have grown alike merge. Threads are the same algorithm one level up: looser
thresholds, a long dormancy and merging by centroid over the same articles, so a long-running topic (an oil
spill: the leak, the hearings, the cap) holds many stories; a story belongs to the thread of its first
article. Headlines join a story with articles when close enough, else gather into headline-only stories.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from ..config import ClusterConfig
from ..dates import to_day
from ..records import Article, Headline, Story, StoryMerge, Thread, content_id
from ..represent.embed import model_key, record_text
from ..stages import BatchStage
from ..store.sqlite import from_blob
from .online import ClusterParams, StoryClusterer, StoryState, TermWeights, terms_from_blob


def story_params(cfg: ClusterConfig) -> ClusterParams:
    return ClusterParams(join_threshold=cfg.story_threshold, merge_threshold=cfg.story_merge_threshold,
                         embedding_weight=cfg.embedding_weight, dormant_after_days=cfg.dormant_after_days,
                         max_span_days=cfg.story_max_span_days, headline_join_threshold=cfg.headline_threshold,
                         headline_merge_threshold=cfg.headline_merge_threshold)


def thread_params(cfg: ClusterConfig) -> ClusterParams:
    return ClusterParams(join_threshold=cfg.thread_threshold, merge_threshold=cfg.thread_merge_threshold,
                         embedding_weight=cfg.embedding_weight, dormant_after_days=cfg.thread_dormant_after_days,
                         linkage="centroid")


class ClusterStage(BatchStage):
    name = "cluster"
    consumes = (Article, Headline)

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.config.cluster
        self.stories = StoryClusterer(story_params(cfg))
        self.threads = StoryClusterer(thread_params(cfg))
        self.words: TermWeights | None = None
        self.touched: set[str] = set()
        self.touched_threads: set[str] = set()

    def _load(self) -> None:
        store = self.ctx.store
        df, docs = store.term_frequencies()
        self.words = TermWeights(df, docs)
        for row in store.thread_states():
            self.threads.add_story(_state(row, row["label"], row["n_stories"]))
        for row in store.story_states():
            state = _state(row, row["title"], row["n_vectors"])
            state.thread_id, state.has_articles = row["thread_id"], row["n_articles"] > 0
            self.stories.add_story(state)
        for row in store.story_members():
            story = self.stories.by_id[row["story_id"]]
            (story.members if row["kind"] == "article" else story.headlines).append(row["member"])

    def process_batch(self, batch: list) -> Iterable:
        if self.words is None:
            self._load()
        self.touched, self.touched_threads = set(), set()
        articles = sorted((r for r in batch if isinstance(r, Article)), key=lambda a: (a.published or "~", a.id))
        headlines = [r for r in batch if isinstance(r, Headline)]
        items = articles + headlines
        terms = dict(zip((r.id for r in items), self.words.add([record_text(r) for r in items])))
        vectors = self.ctx.vectors
        for article in articles:
            day = to_day(article.published)
            thread = self._place(self.threads, article.id, article.title, vectors[article.id], terms[article.id],
                                 day, self.touched_threads, prefix="th")
            story = self._place(self.stories, article.id, article.title, vectors[article.id], terms[article.id],
                                day, self.touched, prefix="st")
            story.members.append(article.id)
            story.thread_id = story.thread_id or thread.id
        for headline in headlines:
            vector, words, day = vectors[headline.id], terms[headline.id], to_day(headline.published)
            story = self.stories.place_headline(vector, words, day)
            if story is None:
                story = self.stories.add_story(_new_state("st", headline.id, headline.text, vector))
                story.has_articles = False
                self.note("headline_only_stories")
            self.stories.join(story, vector, words, day)
            story.headlines.append(headline.id)
            self.touched.add(story.id)
        merges = self.stories.merge_touched(self.touched)
        thread_merges = self.threads.merge_touched(self.touched_threads)
        self.note("story_merges", len(merges))
        self.note("thread_merges", len(thread_merges))
        for gone, kept in merges:
            self.touched.discard(gone)
            self.touched.add(kept)
        for gone, kept in thread_merges:
            self.touched_threads.discard(gone)
            for story in self.stories.stories:
                if story.thread_id == gone:
                    story.thread_id = kept
        titles = {a.id: a.title for a in articles if a.title}
        yield from batch
        yield from self._records(merges, thread_merges, titles)

    def _place(self, clusterer: StoryClusterer, item_id, title, vector, words, day, touched, prefix) -> StoryState:
        state = clusterer.best_story(vector, words, day)
        if state is None:
            state = clusterer.add_story(_new_state(prefix, item_id, title or "", vector))
            self.note("new_stories" if prefix == "st" else "new_threads")
        clusterer.join(state, vector, words, day)
        touched.add(state.id)
        return state

    def _records(self, merges, thread_merges, titles: dict[str, str]) -> Iterable:
        for story_id in self.touched:
            story = self.stories.by_id[story_id]
            story.title = self._central_title(story, titles) or story.title
        labels = self._thread_labels()
        for thread_id in sorted(self.touched_threads):
            thread = self.threads.by_id[thread_id]
            yield Thread(id=thread.id, label=labels.get(thread.id, thread.title))
        for gone, kept in thread_merges:
            yield StoryMerge(absorbed_id=gone, into_id=kept, kind="thread")
        for gone, kept in merges:
            yield StoryMerge(absorbed_id=gone, into_id=kept)
        for story_id in sorted(self.touched):
            story = self.stories.by_id[story_id]
            yield Story(id=story.id, title=story.title, article_ids=tuple(story.members),
                        headline_ids=tuple(story.headlines), thread_id=story.thread_id,
                        first_published=story.first.isoformat() if story.first else None,
                        last_published=story.last.isoformat() if story.last else None)

    def _thread_labels(self) -> dict[str, str]:
        """A touched thread is named by its largest story with articles (not by whichever article opened it,
        which may be a side story that happened to come first)."""
        best: dict[str, StoryState] = {}
        for story in self.stories.stories:
            if story.alive and story.has_articles and story.thread_id in self.touched_threads:
                held = best.get(story.thread_id)
                if held is None or (story.count, story.last or date.min) > (held.count, held.last or date.min):
                    best[story.thread_id] = story
        return {thread_id: story.title for thread_id, story in best.items() if story.title}

    def finish_batch(self) -> None:
        store = self.ctx.store
        store.save_term_frequencies(self.words.df, self.words.docs)
        for story_id in self.touched:
            story = self.stories.by_id[story_id]
            store.save_story_state(story.id, story.emb, story.count, story.terms)
        for thread_id in self.touched_threads:
            thread = self.threads.by_id[thread_id]
            store.save_thread_state(thread.id, thread.emb, thread.count, thread.terms,
                                    thread.first.isoformat() if thread.first else None,
                                    thread.last.isoformat() if thread.last else None)

    def _central_title(self, story: StoryState, batch_titles: dict[str, str]) -> str | None:
        """The title of the member article whose embedding is closest to the story's centroid."""
        if not story.members:
            return None
        store = self.ctx.store
        titles = {k: v for k, v in store.article_titles(story.members).items() if v}
        titles |= {m: batch_titles[m] for m in story.members if m in batch_titles}
        if not titles:
            return None
        vectors = {m: self.ctx.vectors[m] for m in titles if m in self.ctx.vectors}
        vectors |= store.embeddings([m for m in titles if m not in vectors], model_key(self.ctx.config.represent))
        centroid = story.emb / (np.linalg.norm(story.emb) or 1.0)
        best = max(titles, key=lambda m: float(vectors[m] @ centroid) if m in vectors else -1.0)
        return titles[best]


def _new_state(prefix: str, seed_id: str, title: str, vector: np.ndarray) -> StoryState:
    return StoryState(id=content_id(prefix, seed_id), title=title, emb=np.zeros_like(vector), terms={})


def _state(row, title: str, count: int | None) -> StoryState:
    emb = from_blob(row["centroid"]).copy() if row["centroid"] else np.zeros(384, np.float32)
    return StoryState(id=row["id"], title=title, emb=emb, terms=terms_from_blob(row["terms"]), count=count or 0,
                      first=to_day(row["first_published"]), last=to_day(row["last_published"]))
