"""Executors run the document half (:mod:`newsloom.document_half`) over batches of documents and give the
prepared batches back in the order the batches came, for the store half to take one at a time.

- :class:`LocalExecutor`: in this process; cleaning in the pipeline's document workers, the models here.
- :class:`RayExecutor`: Ray Data ``map_batches`` over a pool of actors that load the models once and clean
  in document workers of their own (the same time and memory limits), on a local Ray instance or an existing
  cluster. A batch is one row, so each batch is prepared exactly as the local executor prepares it and the
  store ends the same (ids and counts).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice

from .config import Config
from .document_half import DocumentHalf, PreparedBatch
from .errors import ConfigError
from .records import Document

EXECUTORS = ("local", "ray")


class LocalExecutor:
    name = "local"

    def __init__(self, half: DocumentHalf):
        self.half = half

    def prepare(self, batches: Iterable[list[Document]]) -> Iterator[PreparedBatch]:
        for batch in batches:
            yield self.half.prepare(batch)

    def close(self) -> None:
        """Nothing of its own to stop: the document workers belong to the pipeline."""


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
