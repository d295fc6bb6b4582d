"""Stage wiring: the document half through an executor, then the store half, one batch at a time.

Documents are read lazily and cut into batches. An executor (:mod:`newsloom.executors`: this process, or Ray
actors) runs each batch through the document half (:mod:`newsloom.document_half`: cleaning and all model
inference) and gives the prepared batches back in order. The store half takes each one in turn: dedup matching
and clustering (the store stages), the writes, then reconcile and brief for the stories the batch touched, all
committed in one transaction. Documents already in the store are skipped, so a rerun changes nothing.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .brief.prepare import seed_brief_work
from .brief.stage import BriefStage
from .cluster.stage import ClusterStage
from .config import Config
from .dedup.stage import DedupStage
from .document_half import DocumentHalf, PreparedBatch, document_stages
from .executors import LocalExecutor, model_processes
from .ingest import read_inputs
from .reconcile.stage import ReconcileStage
from .records import Article, Document, Rejection, Story
from .represent.embed import model_key
from .stages import RunContext, Stage, StageStats, clear_seeds
from .store import Store
from .store.lock import writer_lock
from .store.sqlite import to_blob
from .workers import DocumentWorkers

STORE_STAGES: list[type[Stage]] = [DedupStage, ClusterStage]
STORY_STAGES: list[type[Stage]] = [ReconcileStage, BriefStage]


@dataclass
class RunReport:
    inputs: list[str]
    documents_read: int = 0
    documents_new: int = 0  # stored by this run (refused ones are not)
    documents_seen: int = 0
    skipped_files: list[str] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    stages: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    store_half_seconds: float = 0.0  # the sequential half alone: matching, clustering, writes, reconcile, brief

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict:
        return {"inputs": self.inputs, "documents_read": self.documents_read, "documents_new": self.documents_new,
                "documents_already_stored": self.documents_seen,
                "skipped_files": self.skipped_files, "rejected": dict(self.rejected),
                "stages": self.stages, "store": self.counts, "seconds": round(self.seconds, 2),
                "store_half_seconds": round(self.store_half_seconds, 2)}


class Pipeline:
    """``workers``: the document workers that read and clean under the limits (default: a pool of its own,
    per ``[ingest]``, whose processes start on first use and stop with :meth:`close`). ``executor``: what runs
    the document half (default: :class:`LocalExecutor`, in this process, cleaning in ``workers``)."""

    def __init__(self, store: Store, config: Config | None = None, workers: DocumentWorkers | None = None,
                 executor=None):
        self.config = config or Config()
        self.store = store
        self.workers = workers or DocumentWorkers.from_config(self.config.ingest)
        # The pipeline's own document half: the local executor's (a Ray executor builds one per actor).
        self.half = DocumentHalf(self.config, self.workers,
                                 document_stages(self.config, scale_out=executor is not None))
        self.executor = executor or LocalExecutor(self.half, processes=model_processes(self.config))
        self.ctx = RunContext(self.config, store, workers=self.workers)
        self.store_stages = [cls(self.ctx) for cls in STORE_STAGES]
        self.story_stages = [cls(self.ctx) for cls in STORY_STAGES]
        self.document_stats: dict[str, StageStats] = {}

    def run(self, paths: Iterable[str], progress: Callable[[int], None] | None = None, *,
            wait_s: float | None = None, on_wait: Callable[[str], None] | None = None) -> RunReport:
        paths = list(paths)
        report = RunReport(inputs=paths)
        items = read_inputs(paths, self.config.ingest, report.skipped_files, self.workers)
        return self.run_items(items, report, progress, wait_s=wait_s, on_wait=on_wait)

    def close(self) -> None:
        """Stop the executor and the document workers (a pipeline nobody closes stops them when it is
        collected)."""
        self.executor.close()
        self.workers.close()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run_items(self, items: Iterable[Document | Rejection], report: RunReport,
                  progress: Callable[[int], None] | None = None, *, wait_s: float | None = None,
                  on_wait: Callable[[str], None] | None = None) -> RunReport:
        """Run documents (and rejections to record) from any source: files, uploads, JSON objects.

        The run holds the store's write lock throughout (store/lock.py): another writer's run makes this one
        wait (``on_wait`` is told once), for at most ``wait_s`` seconds (None: as long as it takes)."""
        with writer_lock(self.store.path, wait_s, on_wait):
            return self._run_items(items, report, progress)

    def _run_items(self, items: Iterable[Document | Rejection], report: RunReport,
                   progress: Callable[[int], None] | None) -> RunReport:
        start = time.perf_counter()
        # A report counts its own run only; the document half's counts come back with each prepared batch.
        self.document_stats = {s.name: StageStats(s.name) for s in self.half.stages}
        for stage in self.store_stages + self.story_stages:
            stage.stats = StageStats(stage.name)
        for prepared in self.executor.prepare(self._batches(items, report)):
            self._store_batch(prepared, report, progress)
        report.stages = [s.as_dict() for s in self.document_stats.values()]
        report.stages += [s.stats.as_dict() for s in self.store_stages + self.story_stages]
        report.counts = self.store.counts()
        report.seconds = time.perf_counter() - start
        self._log(report)
        return report

    def _batches(self, items: Iterable[Document | Rejection], report: RunReport) -> Iterator[list[Document]]:
        """The new documents, ``batch_docs`` at a time; refusals met while reading are recorded at once."""
        batch: list[Document] = []
        seen: set[str] = set()
        for item in items:
            if isinstance(item, Rejection):
                report.rejected[item.code] += 1
                with self.store.transaction():
                    self.store.write(item)
                continue
            report.documents_read += 1
            if item.id in seen or self.store.has_document(item.id):
                report.documents_seen += 1
                continue
            seen.add(item.id)
            batch.append(item)
            if len(batch) >= self.config.batch_docs:
                yield batch
                batch = []
        if batch:
            yield batch

    def _store_batch(self, prepared: PreparedBatch, report: RunReport, progress) -> None:
        """The store half of one batch, in one transaction."""
        start = time.perf_counter()
        for stats in prepared.stats:
            self.document_stats.setdefault(stats.name, StageStats(stats.name)).add(stats)
        ctx = self.ctx
        ctx.clear_batch()
        ctx.vectors.update(prepared.vectors)
        ctx.signatures.update(prepared.signatures)
        documents = 0
        with self.store.transaction():
            records: Iterable = prepared.records
            for stage in self.store_stages:
                records = stage.run(records)
            touched: list[Story] = []
            for record in records:
                self.store.write(record)
                if isinstance(record, Document):
                    documents += 1
                elif isinstance(record, Story):
                    touched.append(record)
                elif isinstance(record, Rejection):
                    report.rejected[record.code] += 1
            for record in prepared.facts:
                self.store.write(record)
            key = model_key(self.config.represent)
            self.store.save_embeddings([(rid, key, to_blob(v)) for rid, v in prepared.vectors.items()])
            # Reconcile finds its sentences' vectors here, by content (a story is reconciled again as it grows).
            self.store.save_embeddings([(rid, key, to_blob(v)) for rid, v in prepared.sentence_vectors.items()])
            for stage in self.store_stages:
                stage.finish_batch()
            self.store.refresh_story_counts([s.id for s in touched])
            # Brief looks up what the document half computed of its new articles (see brief.prepare).
            for record in prepared.records:
                if isinstance(record, Article) and record.id in prepared.brief_work:
                    seed_brief_work(record, prepared.brief_work[record.id])
            records = touched
            for stage in self.story_stages:
                records = stage.run(records)
            for record in records:
                if not isinstance(record, Story):
                    self.store.write(record)
        clear_seeds()
        report.documents_new += documents
        report.store_half_seconds += time.perf_counter() - start
        if progress:
            progress(documents + sum(isinstance(r, Rejection) for r in prepared.records))

    def _log(self, report: RunReport) -> None:
        """Append the run's counters to a JSON-lines log beside the store (kept out of the database, so that
        a rerun leaves every table unchanged)."""
        if self.store.path == ":memory:":
            return
        log = Path(self.store.path + ".runs.jsonl")
        entry = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **report.as_dict()}
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
