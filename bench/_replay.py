"""Exact replays of the cluster stage over captured inputs, for protocols that run the stage many times
(leave one topic out, stream orders).

The records the cluster stage receives (articles and headlines after clean and dedup, with their embeddings)
are captured once from a real pipeline run and kept on disk, keyed by the inputs and by the code of the stages
before clustering; a replay feeds them, re-ordered and re-batched as asked, to a fresh ``ClusterStage`` over
an in-memory store, and each article's story and thread are read from it.
"""

from __future__ import annotations

import hashlib
import pickle
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsloom import Store
from newsloom.cluster.stage import ClusterStage
from newsloom.config import Config
from newsloom.records import Article, Headline
from newsloom.stages import BatchStage, RunContext

SRC = Path(__file__).resolve().parents[1] / "src" / "newsloom"


@dataclass(frozen=True)
class Item:
    record: Article | Headline
    vector: np.ndarray
    collection: str  # the input collection (timeline17: "bpoil_bbc"); its topic is the part before "_"

    @property
    def topic(self) -> str:
        return self.collection.split("_", 1)[0]

    @property
    def day(self) -> str:
        return (self.record.published or "")[:10]


class _Capture(BatchStage):
    """Keeps what reaches the cluster stage, with its vectors, and passes it on."""

    name = "capture"
    consumes = (Article, Headline)

    def __init__(self, ctx, into: list):
        super().__init__(ctx)
        self.into = into

    def process_batch(self, batch):
        self.into.extend((r, self.ctx.vectors[r.id]) for r in batch)
        return batch


def _code_key(paths: list[str]) -> str:
    digest = hashlib.sha1()
    for package in ("ingest", "clean", "dedup", "represent"):
        for path in sorted((SRC / package).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".json"}:
                digest.update(path.read_bytes())
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def capture(paths: list[str], db: Path, collection_of: Callable[[str], str], cache_dir: Path | None,
            seed_embeddings: list | None = None) -> list[Item]:
    """The cluster stage's inputs for these inputs, from a run of clean, dedup and represent into ``db``
    (or from ``cache_dir`` when the same inputs and code were captured before); ``collection_of`` names a
    record's collection from its document's URL."""
    cached = cache_dir / f"capture-{_code_key(paths)}.pkl" if cache_dir is not None else None
    if cached is not None and cached.exists():
        return pickle.loads(cached.read_bytes())
    from newsloom import Pipeline
    from newsloom.clean.stage import CleanStage
    from newsloom.dedup.stage import DedupStage, SignStage
    from newsloom.represent.embed import RepresentStage

    store = Store(db)
    if seed_embeddings:
        with store.db:
            store.save_embeddings(seed_embeddings)
    pipeline = Pipeline(store, Config.load())
    taken: list = []
    pipeline.half.stages = [cls(pipeline.half.ctx) for cls in (CleanStage, SignStage, RepresentStage)]
    pipeline.half.ctx.cached_embeddings = store.embeddings
    pipeline.store_stages = [DedupStage(pipeline.ctx), _Capture(pipeline.ctx, taken)]
    pipeline.story_stages = []
    pipeline.run(paths)
    url = dict(store.db.execute("SELECT id, url FROM documents").fetchall())
    items = [Item(r, np.asarray(v, dtype=np.float32), collection_of(url[r.doc_id] or "")) for r, v in taken]
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(items))
    return items


def ordered(items: list[Item], order: str, seed: int = 0) -> list[Item]:
    """``pooled``: all collections in publication order (stable within a day); ``by_collection``: one collection
    after another, each in publication order; ``shuffled``: publication order, shuffled within each day."""
    if order == "pooled":
        return sorted(items, key=lambda i: i.day)
    if order == "by_collection":
        return sorted(items, key=lambda i: (i.collection, i.day))
    if order == "shuffled":
        rng = random.Random(seed)
        keyed = [(i.day, rng.random(), k) for k, i in enumerate(items)]
        return [items[k] for _, _, k in sorted(keyed)]
    raise ValueError(f"unknown order {order!r}")


def batches(items: list[Item], docs: int = 500) -> list[list[Item]]:
    """Consecutive items cut into batches of ``docs`` documents, as the pipeline cuts its input."""
    out: list[list[Item]] = []
    seen: set[str] = set()
    for item in items:
        if item.record.doc_id not in seen and len(seen) % docs == 0:
            out.append([])
        seen.add(item.record.doc_id)
        out[-1].append(item)
    return out


def run_stage(items: list[Item], config: Config, batch_docs: int = 500) -> ClusterStage:
    """A fresh cluster stage run over the items, ``batch_docs`` documents at a time in the given order."""
    ctx = RunContext(config, Store(":memory:"))
    stage = ClusterStage(ctx)
    for chunk in batches(items, batch_docs):
        ctx.vectors = {i.record.id: i.vector for i in chunk}
        for _ in stage.process_batch([i.record for i in chunk]):
            pass
    return stage


def labels_of(stage: ClusterStage) -> dict[str, tuple[str, str | None]]:
    """Article id -> (story id, thread id) in a cluster stage's present state."""
    return {m: (s.id, s.thread_id) for s in stage.stories.stories if s.alive for m in s.members}


def topic_rows(items: list[Item], labels: dict[str, tuple[str, str | None]]) -> dict[str, dict]:
    """B-cubed precision, recall and F1 of each topic's articles against the threads (an article without a
    thread counts its story), with the threads taken over every article of the run: a topic's precision falls
    when its articles share threads with other topics'."""
    arts = [i for i in items if i.record.id in labels]
    cluster = [labels[i.record.id][1] or labels[i.record.id][0] for i in arts]
    mix: dict[str, dict[str, int]] = {}
    for item, c in zip(arts, cluster):
        mix.setdefault(c, {}).setdefault(item.topic, 0)
        mix[c][item.topic] += 1
    total: dict[str, int] = {}
    for item in arts:
        total[item.topic] = total.get(item.topic, 0) + 1
    sums: dict[str, list[float]] = {}
    for item, c in zip(arts, cluster):
        same = mix[c][item.topic]
        row = sums.setdefault(item.topic, [0.0, 0.0])
        row[0] += same / sum(mix[c].values())
        row[1] += same / total[item.topic]
    rows = {}
    for topic, (p, r) in sorted(sums.items()):
        p, r = p / total[topic], r / total[topic]
        rows[topic] = {"articles": total[topic], "precision": round(p, 4), "recall": round(r, 4),
                       "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}
    return rows
