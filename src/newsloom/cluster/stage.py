"""The cluster stage: stories and threads, built online and kept in the store between runs.

Articles, in publication order, join the most similar live story or open one (see :mod:`.online`); after
each batch, stories that have grown alike merge. Threads (topics) are clusters of stories, decided from each
story's aggregate (the sum of its members' vectors), not from its first article: after every batch, each
story that grew or merged is taken out of its thread and placed again by its centroid, so a story whose first
article was ambiguous moves to its topic's thread as it fills in. A thread is the sum of its stories' vectors;
threads whose centroids grow close merge, and a thread whose stories form two large, unalike groups (two
topics of one theme, met through ambiguous early stories) splits, after which the stories of its time choose
again between the halves. Headlines join a story with articles when close enough, else gather into
headline-only stories (which have no thread).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

import numpy as np

from ..config import ClusterConfig
from ..dates import to_day
from ..records import Article, Headline, Story, StoryMerge, Thread, content_id
from ..represent.embed import model_key, record_text
from ..stages import BatchStage
from ..store.sqlite import from_blob, to_blob
from .online import (ClusterParams, HeadlineGroups, StoryClusterer, StoryState, TermWeights, add_terms, bisect,
                     terms_from_blob, terms_to_blob)
from .threads import ThreadClusterer, ThreadModel


def story_params(cfg: ClusterConfig) -> ClusterParams:
    return ClusterParams(join_threshold=cfg.story_threshold, merge_threshold=cfg.story_merge_threshold,
                         embedding_weight=cfg.embedding_weight, dormant_after_days=cfg.dormant_after_days,
                         max_span_days=cfg.story_max_span_days, headline_join_threshold=cfg.headline_threshold,
                         headline_merge_threshold=cfg.headline_merge_threshold,
                         headline_part_threshold=cfg.headline_part_threshold)


def thread_params(cfg: ClusterConfig) -> ClusterParams:
    """Threads keep only the time window of the story parameters: joining, merging and splitting are the thread
    model's decisions (:mod:`.threads`)."""
    return ClusterParams(dormant_after_days=cfg.thread_dormant_after_days)


class ClusterStage(BatchStage):
    name = "cluster"
    consumes = (Article, Headline)

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.config.cluster
        self.stories = StoryClusterer(story_params(cfg))
        self.threads = ThreadClusterer(thread_params(cfg), ThreadModel.load(cfg.thread_model))
        # Headline-only stories in two levels, when configured (else they are clustered as stories are).
        self.groups = HeadlineGroups(story_params(cfg)) if cfg.headline_part_threshold is not None else None
        self.words: TermWeights | None = None
        self.touched: set[str] = set()
        self.touched_threads: set[str] = set()

    def _load(self) -> None:
        store = self.ctx.store
        df, docs = store.term_frequencies()
        self.words = TermWeights(df, docs)
        for row in store.thread_states():
            self.threads.add_story(_state(row, row["label"], row["n_vectors"]))
        for row in store.story_states():
            state = _state(row, row["title"], row["n_vectors"])
            state.thread_id, state.has_articles = row["thread_id"], row["n_articles"] > 0
            self.stories.add_story(state)
        for story in self.stories.stories:
            if story.thread_id in self.threads.by_id:
                self.threads.by_id[story.thread_id].members.append(story.id)
        for row in store.story_members():
            story = self.stories.by_id[row["story_id"]]
            (story.members if row["kind"] == "article" else story.headlines).append(row["member"])
        if self.groups is not None:
            for row in store.headline_parts():
                part = _state(row, row["title"], row["n_vectors"])
                part.members, part.has_articles = json.loads(row["headline_ids"]), False
                self.groups.add_part(part, row["story_id"])

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
            story = self._place(self.stories, article.id, article.title, vectors[article.id], terms[article.id],
                                day, self.touched, prefix="st")
            story.members.append(article.id)
            self._thread_add(story, vectors[article.id], terms[article.id])
        for headline in headlines:
            vector, words, day = vectors[headline.id], terms[headline.id], to_day(headline.published)
            if self.groups is not None:
                story = self.stories.best_story(vector, words, day, articles_only=True,
                                                threshold=self.stories.params.headline_join_threshold)
                if story is None:  # a headline-only story: its part now, its story after the batch
                    part = self.groups.place(vector, words, day, content_id("hp", headline.id), headline.text)
                    part.members.append(headline.id)
                    continue
            else:
                story = self.stories.place_headline(vector, words, day)
            if story is None:
                story = self.stories.add_story(_new_state("st", headline.id, headline.text, vector))
                story.has_articles = False
                self.note("headline_only_stories")
            self.stories.join(story, vector, words, day)
            story.headlines.append(headline.id)
            self.touched.add(story.id)
            self._thread_add(story, vector, words)
        merges = self.stories.merge_touched(self.touched)
        self.note("story_merges", len(merges))
        emptied: list[tuple[str, str]] = []  # (thread left without stories, the thread they went to)
        for gone, kept in merges:
            self.touched.discard(gone)
            self.touched.add(kept)
            # The absorbed story's vectors leave its thread for the surviving story's; a survivor without a
            # thread yet takes the absorbed one's.
            absorbed, survivor = self.stories.by_id[gone], self.stories.by_id[kept]
            old = absorbed.thread_id
            self._thread_move(absorbed, None)
            if survivor.thread_id is None:
                self._thread_move(survivor, old)
            else:
                self._thread_add(survivor, absorbed.emb, absorbed.terms)
                if old is not None and not self.threads.by_id[old].members:
                    self.threads.by_id[old].alive = False
                    self.threads.refresh(self.threads.by_id[old])
                    emptied.append((old, survivor.thread_id))
        if self.groups is not None:
            merges += self._regroup_headlines()
        self._place_threads(self.touched)
        spans = self._split_threads()
        if spans:
            # Stories of the split threads' time, in any thread, choose again now that the two halves exist.
            again = {s.id for s in self.stories.stories if s.alive and s.has_articles and s.first
                     and any(s.first <= last and s.last >= first for first, last in spans)}
            before = {s: self.stories.by_id[s].thread_id for s in again}
            self._place_threads(self.touched | again)
            self.touched |= {s for s in again if self.stories.by_id[s].thread_id != before[s]}
        thread_merges = emptied + self.threads.merge_touched(self.touched_threads)
        self.note("thread_merges", len(thread_merges))
        for gone, kept in thread_merges:
            self.touched_threads.discard(gone)
            self.touched_threads.add(kept)
        for thread_id in self.touched_threads:
            for story_id in self.threads.by_id[thread_id].members:
                self.stories.by_id[story_id].thread_id = thread_id
        titles = {a.id: a.title for a in articles if a.title}
        yield from batch
        yield from self._records(merges, thread_merges, titles)

    def _regroup_headlines(self) -> list[tuple[str, str]]:
        """Regroup the live parts into headline-only stories; a story whose parts changed is emitted again with
        its headlines (which moves them in the store), a story left without parts is merged into the one that took
        most of its headlines. Returns those (gone, heir) pairs."""
        changed, gone = self.groups.regroup(self._headline_story_id)
        for story_id in sorted(changed):
            state = self.groups.story_state(story_id)
            held = self.stories.by_id.get(story_id)
            if held is None:
                held = self.stories.add_story(state)
                self.note("headline_only_stories")
            held.title, held.emb, held.terms, held.count = state.title, state.emb, state.terms, state.count
            held.first, held.last, held.headlines, held.has_articles = state.first, state.last, state.headlines, False
            self.stories.refresh(held)
            self.touched.add(story_id)
        for story_id, _ in gone:
            story = self.stories.by_id[story_id]
            story.alive, story.headlines = False, []
            self.stories.refresh(story)
            self.touched.discard(story_id)
        self.note("story_merges", len(gone))
        return gone

    def _headline_story_id(self, part: StoryState) -> str:
        """A new headline-only story's id, from its largest part's first headline, made unique (a story of that
        headline may exist from an earlier grouping)."""
        seed, k = part.members[0], 1
        while content_id("st", seed) in self.stories.by_id or content_id("st", seed) in self.groups.story_parts:
            seed, k = f"{part.members[0]}#{k}", k + 1
        return content_id("st", seed)

    def _place(self, clusterer: StoryClusterer, item_id, title, vector, words, day, touched, prefix) -> StoryState:
        state = clusterer.best_story(vector, words, day)
        if state is None:
            state = clusterer.add_story(_new_state(prefix, item_id, title or "", vector))
            self.note("new_stories" if prefix == "st" else "new_threads")
        clusterer.join(state, vector, words, day)
        touched.add(state.id)
        return state

    # -- threads --------------------------------------------------------------------------------------------
    def _split_threads(self) -> list[tuple[date, date]]:
        """Split each touched thread whose stories form two large groups that the thread model does not take for
        one topic (two topics of one theme that met through an ambiguous early story): the smaller group moves
        to a new thread. Returns the time spans of the threads that split."""
        cfg = self.ctx.config.cluster
        spans = []
        if not cfg.thread_split:
            return spans
        for thread_id in sorted(self.touched_threads):
            thread = self.threads.by_id[thread_id]
            stories = [self.stories.by_id[s] for s in thread.members]
            if not thread.alive or sum(s.count for s in stories) < 2 * cfg.thread_split_min_articles:
                continue
            side = bisect(np.stack([s.emb / (np.linalg.norm(s.emb) or 1.0) for s in stories]),
                          np.array([s.count for s in stories], dtype=np.float64))
            groups = [[s for s, k in zip(stories, side) if k == g] for g in (0, 1)]
            sizes = [sum(s.count for s in g) for g in groups]
            if min(sizes) < cfg.thread_split_min_articles:
                continue
            halves = [_sum_state(g) for g in groups]
            if self.threads.linkage(*halves) >= 0.5:
                continue
            smaller = groups[int(sizes[1] < sizes[0])]
            first = min(smaller, key=lambda s: (s.first or date.min, s.id))
            new = self._new_thread(first)
            for story in smaller:
                self._thread_move(story, new.id)
                self.touched.add(story.id)
            self.note("thread_splits")
            days = [d for t in (thread, new) for d in (t.first, t.last) if d is not None]
            if days:
                spans.append((min(days), max(days)))
        return spans

    def _thread_add(self, story: StoryState, emb: np.ndarray, terms: dict[int, float], sign: float = 1.0) -> None:
        """Keep a story's thread the sum of its stories: add (or take out) vectors that joined the story."""
        if story.thread_id is None:
            return
        thread = self.threads.by_id[story.thread_id]
        thread.emb = thread.emb + sign * emb
        add_terms(thread.terms, terms, sign)
        self.touched_threads.add(thread.id)

    def _thread_move(self, story: StoryState, thread_id: str | None) -> None:
        """Take a story out of its thread and put its vectors into ``thread_id`` (None: into none)."""
        old = story.thread_id
        if old is not None:
            self._thread_add(story, story.emb, story.terms, -1.0)
            thread = self.threads.by_id[old]
            thread.members.remove(story.id)
            self._thread_dates(thread)
        story.thread_id = thread_id
        if thread_id is not None:
            self._thread_add(story, story.emb, story.terms)
            thread = self.threads.by_id[thread_id]
            thread.members.append(story.id)
            self._thread_dates(thread)

    def _thread_dates(self, thread: StoryState) -> None:
        members = [self.stories.by_id[s] for s in thread.members]
        days = [d for s in members for d in (s.first, s.last) if d is not None]
        thread.first, thread.last = (min(days), max(days)) if days else (None, None)
        thread.count = sum(s.count for s in members)
        self.threads.refresh(thread)

    def _new_thread(self, story: StoryState) -> StoryState:
        """A new, empty thread named after the story; its id comes from the story's first article, made unique
        (a story that moves between threads may open another one later)."""
        seed, k = story.members[0], 1
        while content_id("th", seed) in self.threads.by_id:
            seed, k = f"{story.members[0]}#{k}", k + 1
        self.note("new_threads")
        return self.threads.add_story(_new_state("th", seed, story.title, story.emb))

    def _place_threads(self, story_ids: set[str]) -> None:
        """Place each of these stories with articles in the live thread most probably of its topic (the thread
        model's decision), or in a new thread. A story alone in its thread stays: threads meet by merging."""
        stories = [self.stories.by_id[s] for s in story_ids]
        for story in sorted((s for s in stories if s.alive and s.has_articles),
                            key=lambda s: (s.first or date.min, s.id)):
            thread = self.threads.by_id.get(story.thread_id)
            if thread is not None and thread.members == [story.id]:
                self._thread_dates(thread)
                continue
            self._thread_move(story, None)
            best = self.threads.best_story(story.emb / (np.linalg.norm(story.emb) or 1.0), story.terms,
                                           story.first, group=story)
            self._thread_move(story, (best or self._new_thread(story)).id)

    def _records(self, merges, thread_merges, titles: dict[str, str]) -> Iterable:
        for story_id in self.touched:
            story = self.stories.by_id[story_id]
            story.title = self._central_title(story, titles) or story.title
        labels = self._thread_labels()
        for thread_id in sorted(self.touched_threads):
            thread = self.threads.by_id[thread_id]
            if not thread.alive:
                continue
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
        if self.groups is not None:
            store.save_headline_parts([
                (part.id, self.groups.story_of[part.id], part.title, to_blob(part.emb), terms_to_blob(part.terms),
                 part.count, part.first.isoformat() if part.first else None,
                 part.last.isoformat() if part.last else None, json.dumps(part.members))
                for part in (self.groups.parts.by_id[k] for k in sorted(self.groups.take_unsaved()))])
        for thread_id in self.touched_threads:
            thread = self.threads.by_id[thread_id]
            if not thread.alive:
                continue
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


def _sum_state(stories: list[StoryState]) -> StoryState:
    terms: dict[int, float] = {}
    for story in stories:
        add_terms(terms, story.terms)
    days = [d for s in stories for d in (s.first, s.last) if d is not None]
    return StoryState(id="", title="", emb=sum(s.emb for s in stories), terms=terms,
                      count=sum(s.count for s in stories), first=min(days) if days else None,
                      last=max(days) if days else None)


def _new_state(prefix: str, seed_id: str, title: str, vector: np.ndarray) -> StoryState:
    return StoryState(id=content_id(prefix, seed_id), title=title, emb=np.zeros_like(vector), terms={})


def _state(row, title: str, count: int | None) -> StoryState:
    emb = from_blob(row["centroid"]).copy() if row["centroid"] else np.zeros(384, np.float32)
    return StoryState(id=row["id"], title=title, emb=emb, terms=terms_from_blob(row["terms"]), count=count or 0,
                      first=to_day(row["first_published"]), last=to_day(row["last_published"]))
