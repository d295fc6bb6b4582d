"""Stage base classes. A stage has a name and one ``run(records) -> records`` generator; the base class owns
the loop and the counters (records in, out, dropped and why, seconds), which the run report collects."""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Config
    from .store import Store
    from .workers import DocumentWorkers


@dataclass
class StageStats:
    name: str
    records_in: int = 0
    records_out: int = 0
    dropped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)  # other counts worth reporting (copies linked, ...)
    seconds: float = 0.0

    def add(self, other: "StageStats") -> None:
        """Counts of the same stage from another batch or another process (the document half's workers)."""
        self.records_in += other.records_in
        self.records_out += other.records_out
        self.dropped.update(other.dropped)
        self.notes.update(other.notes)
        self.seconds += other.seconds

    def as_dict(self) -> dict:
        return {"stage": self.name, "in": self.records_in, "out": self.records_out,
                "dropped": dict(self.dropped), **dict(self.notes), "seconds": round(self.seconds, 3)}


@dataclass
class RunContext:
    """What stages share during one run: configuration, the store (None in the document half, which works
    without one), and per-batch scratch data: what the document half computed and the store half uses."""

    config: "Config"
    store: "Store | None"
    vectors: dict[str, Any] = field(default_factory=dict)  # record id -> embedding, for the current batch
    workers: "DocumentWorkers | None" = None  # per-document work under time and memory limits (newsloom.workers)
    signatures: dict[str, tuple] = field(default_factory=dict)  # article id -> dedup.stage.ArticleSignature
    sentence_vectors: dict[str, Any] = field(default_factory=dict)  # content_id("sen", sentence) -> embedding
    brief_work: dict[str, Any] = field(default_factory=dict)  # article id -> brief.prepare.ArticleBriefWork
    # Embeddings computed before (record ids, model key) -> {id: vector}, or None: the benchmarks replay
    # corpora with a cache; a pipeline run embeds only new documents, so it has nothing to look up.
    cached_embeddings: Callable[[list[str], str], dict] | None = None

    def clear_batch(self) -> None:
        self.vectors.clear()
        self.signatures.clear()
        self.sentence_vectors.clear()
        self.brief_work.clear()


class Stage:
    """Per-record stage: ``process`` handles records of the ``consumes`` types; others pass through."""

    name = "stage"
    consumes: tuple[type, ...] = ()

    def __init__(self, ctx: RunContext):
        self.ctx = ctx
        self.stats = StageStats(self.name)

    def run(self, records: Iterable) -> Iterator:
        for record in records:
            if not isinstance(record, self.consumes):
                yield record
                continue
            self.stats.records_in += 1
            start = time.perf_counter()
            outputs = list(self.process(record))
            self.stats.seconds += time.perf_counter() - start
            self.stats.records_out += len(outputs)
            yield from outputs

    def process(self, record) -> Iterable:
        raise NotImplementedError

    def finish_batch(self) -> None:
        """Called after the batch's records are written, inside its transaction."""

    def drop(self, reason: str) -> None:
        self.stats.dropped[reason] += 1

    def note(self, what: str, count: int = 1) -> None:
        self.stats.notes[what] += count


class BatchStage(Stage):
    """Stage that needs the whole batch at once (embedding in batches, ordering by time, per-story work)."""

    def run(self, records: Iterable) -> Iterator:
        batch, others = [], []
        for record in records:
            (batch if isinstance(record, self.consumes) else others).append(record)
        self.stats.records_in += len(batch)
        start = time.perf_counter()
        outputs = list(self.process_batch(batch))
        self.stats.seconds += time.perf_counter() - start
        self.stats.records_out += len(outputs)
        yield from others
        yield from outputs

    def process_batch(self, batch: list) -> Iterable:
        raise NotImplementedError


_PROCESS_CACHES: list = []
_UNSEEDED = object()


def process_cache(maxsize: int) -> Callable:
    """``functools.lru_cache`` for the pure per-text or per-pair work of the story stages (a growing story is
    reconciled and briefed again with every batch, over mostly the same articles), registered so that
    :func:`clear_process_caches` finds every one. ``maxsize`` bounds its memory: all of them together, full, hold
    about 300 MB (measured per entry), and brief's per-story memo of what it found (``summarize._found_in_story``)
    up to about 110 MB more, so a long ``serve`` or a full run stays within its memory budget.

    The document half computes some of this work for its new articles (``function.uncached``, in parallel,
    where the models run) and the store half hands the values over with ``function.seed(value, *args)``: the
    next call with those arguments takes the value instead of computing it (once; :func:`clear_seeds` drops the
    ones no call took), so the result is the function's own either way."""
    def wrap(function: Callable) -> Callable:
        seeds: dict = {}

        def compute(*args, **kwargs):
            value = seeds.pop(args, _UNSEEDED) if seeds and not kwargs else _UNSEEDED
            return function(*args, **kwargs) if value is _UNSEEDED else value

        cached = functools.lru_cache(maxsize=maxsize)(functools.wraps(function)(compute))
        cached.uncached = function
        cached.seed = lambda value, *args: seeds.__setitem__(args, value)
        cached.seeds = seeds
        _PROCESS_CACHES.append(cached)
        return cached
    return wrap


def clear_seeds() -> None:
    """Drop the seeded values no call took (a batch's, once its stories are done), so that they cannot pile up."""
    for cached in _PROCESS_CACHES:
        cached.seeds.clear()


def clear_process_caches() -> None:
    """Empty every :func:`process_cache`, leaving the process as a new one would find them (benchmarks, tests)."""
    for cached in _PROCESS_CACHES:
        cached.cache_clear()
        cached.seeds.clear()

