"""Executors run the document half (:mod:`newsloom.document_half`) over batches of documents and give the
prepared batches back in the order the batches came, for the store half to take one at a time.

- :class:`LocalExecutor`: cleaning in the pipeline's document workers (under the per-document limits); the
  models in this process, or in ``processes`` model worker processes that load them once and take whole
  batches, so that the store half of one batch runs while the next batches are prepared.
- :class:`RayExecutor`: Ray Data ``map_batches`` over a pool of actors that load the models once and clean
  in document workers of their own (the same time and memory limits), on a local Ray instance or an existing
  cluster. A batch is one row, so each batch is prepared exactly as the local executor prepares it and the
  store ends the same (ids and counts).
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice

from .clean.stage import CleanStage
from .config import Config
from .document_half import DocumentHalf, PreparedBatch, document_stages
from .errors import ConfigError, InputRejected, WorkerError
from .records import Document
from .stages import StageStats

def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def free_cores() -> int:
    """CPUs this process may use, less the ones other processes keep busy (the one-minute load average)."""
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, min(_cores(), round(_cores() - busy)))


def model_processes(config: Config) -> int:
    wanted = config.executor.processes
    if wanted == "auto":
        return free_cores()
    if not isinstance(wanted, int) or wanted < 0:
        raise ConfigError(f"[executor] processes must be a number of processes (0: none) or \"auto\", not {wanted!r}")
    return wanted


_MODEL_HALVES: dict[tuple, DocumentHalf] = {}


def prepare_cleaned(job: tuple[Config, int, list, StageStats]) -> PreparedBatch:
    """A model worker's task: the document half after cleaning, for one batch's cleaned records (with the clean
    stage's counts, passed through). Models load on the worker's first batch, with ``threads`` intra-op threads
    for torch, and stay loaded."""
    config, threads, records, clean_stats = job
    half = _MODEL_HALVES.get((config, threads))
    if half is None:
        import torch

        torch.set_num_threads(threads)
        stages = [s for s in document_stages(config, scale_out=False) if s is not CleanStage]
        half = _MODEL_HALVES[(config, threads)] = DocumentHalf(config, stages=stages)
    prepared = half.prepare(records)
    prepared.stats.insert(0, clean_stats)
    return prepared


class LocalExecutor:
    """``processes`` 0: ``half`` runs in this process; N: cleaning runs here (its stage in ``half``, with the
    pipeline's document workers), and the rest of the document half in N model worker processes, each with
    an equal share of the cores as torch threads and spaCy in one process."""

    name = "local"

    def __init__(self, half: DocumentHalf, processes: int = 0):
        self.half, self.processes = half, processes
        self._pool = None

    def prepare(self, batches: Iterable[list[Document]]) -> Iterator[PreparedBatch]:
        if not self.processes:
            for batch in batches:
                yield self.half.prepare(batch)
            return
        from .workers import DocumentWorkers

        if self._pool is None:  # no time limit per batch: cleaning, the only stage input can hang, has its own
            self._pool = DocumentWorkers(timeout_s=0, memory_mb=None, processes=self.processes)
        for prepared in self._pool.map(prepare_cleaned, self._cleaned(batches)):
            if isinstance(prepared, InputRejected):
                raise WorkerError(f"a model worker failed on a batch ({prepared.reason}); nothing of the batch "
                                  f"was stored, and running again resumes from it")
            yield prepared

    def _cleaned(self, batches: Iterable[list[Document]]) -> Iterator[tuple]:
        config = replace(self.half.config, facts=replace(self.half.config.facts, n_process=1))
        threads = max(1, _cores() // self.processes)
        (clean,) = (s for s in self.half.stages if isinstance(s, CleanStage))
        for batch in batches:
            clean.stats = StageStats(clean.name)
            records = list(clean.run(batch))
            yield config, threads, records, clean.stats

    def close(self) -> None:
        """Stops the model workers; the document workers belong to the pipeline."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class _RayDocumentHalf:
    """A Ray actor's document half: models loaded once, for every batch the actor is given."""

    def __init__(self, config: Config):
        from .workers import DocumentWorkers

        # One CPU per actor: spaCy parses in the actor's own process, not in a pool of its own.
        config = replace(config, facts=replace(config.facts, n_process=1),
                         ingest=replace(config.ingest, workers=1))
        self.half = DocumentHalf(config, DocumentWorkers.from_config(config.ingest))

    def __call__(self, rows: dict) -> dict:
        import numpy as np

        prepared = [pickle.dumps(self.half.prepare(pickle.loads(b))) for b in rows["documents"]]
        return {"prepared": np.array(prepared, dtype=object)}


class RayExecutor:
    """``address``: None starts a local Ray instance (``num_cpus`` of it, default all), ``"auto"`` joins the
    cluster this machine is part of, ``"ray://host:10001"`` a remote one through Ray Client. ``workers``:
    actors (default: the cluster's CPUs, at most 16); ``gpus_per_worker``: a GPU share per actor (its
    embeddings then run on the GPU). Batches are sent in windows of a few per actor, so a long run's
    documents are never all in memory; each window starts its actor pool afresh (models load again)."""

    name = "ray"

    def __init__(self, config: Config, *, address: str | None = None, workers: int | None = None,
                 gpus_per_worker: float = 0.0, num_cpus: int | None = None, batches_per_worker: int = 4):
        try:
            import ray  # noqa: F401
        except ImportError as exc:
            raise ConfigError("the Ray executor needs Ray: pip install 'newsloom[ray]'") from exc
        self.config, self.address, self.num_cpus = config, address, num_cpus
        self.gpus_per_worker = gpus_per_worker
        self._workers = workers
        self.batches_per_worker = batches_per_worker
        self._started_ray = False

    @property
    def workers(self) -> int:
        if self._workers is None:
            import ray

            self._workers = max(1, min(16, int(ray.cluster_resources().get("CPU", 1))))
        return self._workers

    def _start(self) -> None:
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, num_cpus=self.num_cpus if self.address is None else None,
                     include_dashboard=False, log_to_driver=False, configure_logging=False)
            self._started_ray = True
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        # Ray Data logs each window's execution plan at INFO on stderr, among newsloom's own progress lines.
        logging.getLogger("ray.data").setLevel(logging.WARNING)

    def prepare(self, batches: Iterable[list[Document]]) -> Iterator[PreparedBatch]:
        import ray

        self._start()
        batches = iter(batches)
        while window := list(islice(batches, self.workers * self.batches_per_worker)):
            rows = ray.data.from_items([{"documents": pickle.dumps(batch)} for batch in window],
                                       override_num_blocks=len(window))
            actors = ray.data.ActorPoolStrategy(size=min(self.workers, len(window)))
            prepared = rows.map_batches(_RayDocumentHalf, fn_constructor_kwargs={"config": self.config},
                                        batch_size=1, compute=actors, num_cpus=1,
                                        num_gpus=self.gpus_per_worker or None, zero_copy_batch=True)
            for row in prepared.iter_rows():
                yield pickle.loads(row["prepared"])

    def close(self) -> None:
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False
