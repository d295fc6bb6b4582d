"""The dedup stage: exact and near duplicates linked to a canonical article, and passages shared by articles.

Copies are kept and linked, never deleted: each article gets ``canonical_id`` (the first-seen article of its
lineage; itself for an original) and its similarity to the article it matched (estimated containment of the
shorter text in the longer; 1.0 for exact copies). Later stages count lineages, not articles, as independent
sources, and still list every article and outlet.

The work is streaming and incremental: each batch is signed at once (:mod:`.minhash`; in the document half, by
:class:`SignStage`, since a signature needs the text alone), checked against the store's LSH band table and the batch's own earlier articles (:mod:`.engine`), and its signatures, buckets and
passages are written in the batch's transaction (:mod:`.index`, :mod:`.passages`). Old signatures are never
recomputed and nothing is held in memory between batches, so memory stays bounded as the store grows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from ..errors import StoreError
from ..records import Article
from ..stages import BatchStage
from .engine import Deduper
from .index import SQLiteIndex
from .minhash import Signed, Signer
from .passages import passages

_BACKFILL_BATCH = 500


class ArticleSignature(NamedTuple):
    """What the document half finds of an article for dedup (:class:`SignStage`), for the store half to match
    and write."""

    minhash: np.ndarray  # the MinHash signature row
    shingles: int  # its shingle count
    exact: int  # the exact-copy key
    passages: list  # rows of its sentences' and paragraphs' keys (passages.passages)


def signer_of(ctx) -> Signer:
    cfg = ctx.config.dedup
    return Signer(num_perm=cfg.num_perm, shingle_words=cfg.shingle_words)


class SignStage(BatchStage):
    """The document half's part of dedup: each article's MinHash signature, for the store half to match, and its
    passages (each sentence's and paragraph's key), for the store half to write: hashing their normalised text was
    four fifths of dedup's store-half time."""

    name = "sign"
    consumes = (Article,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.signer = signer_of(ctx)

    def process_batch(self, batch: list[Article]) -> Iterable:
        if batch:
            signed = self.signer.sign([a.text for a in batch])
            for i, article in enumerate(batch):
                self.ctx.signatures[article.id] = ArticleSignature(signed.signatures[i], int(signed.sizes[i]),
                                                                   int(signed.exact[i]), passages(article))
        return batch


class DedupStage(BatchStage):
    name = "dedup"
    consumes = (Article,)

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.config.dedup
        self.signer = signer_of(ctx)
        # near_threshold is the estimated Jaccard that makes a near copy; the containment rule (a truncated or
        # re-wrapped copy: at least half of the shorter text in the longer) keeps the engine's default.
        self.engine = Deduper(SQLiteIndex(ctx.store, num_perm=cfg.num_perm), self.signer,
                              jaccard=cfg.near_threshold)
        self._ready = False

    def _prepare(self) -> None:
        """Check that stored signatures were made the same way; index articles stored before migration 2."""
        store = self.ctx.store
        meta = store.dedup_meta()
        wanted = {"scheme": self.signer.describe(), "lsh": f"bands={self.engine.bands} rows={self.engine.rows}"}
        if meta and meta != wanted:
            raise StoreError(f"store {store.path} holds dedup signatures made with {meta}, but this configuration "
                             f"makes {wanted}; use the store's [dedup] settings or a new store")
        if not meta:
            store.set_dedup_meta(wanted)
        pending = list(store.articles_without_signature())
        for i in range(0, len(pending), _BACKFILL_BATCH):
            chunk = pending[i:i + _BACKFILL_BATCH]
            self.engine.add_batch([r[0] for r in chunk], [r[1] for r in chunk], [r[2] for r in chunk])
            self.note("backfilled", len(chunk))
        self._ready = True

    def process_batch(self, batch: list[Article]) -> Iterable:
        if not batch:
            return []
        if not self._ready:
            self._prepare()
        merges = self.engine.merges
        ids = [a.id for a in batch]
        signed = [self.ctx.signatures.get(i) for i in ids]
        if all(signed):  # signed in the document half
            links = self.engine.add_signed(ids, Signed(np.stack([s.minhash for s in signed]),
                                                       np.array([s.shingles for s in signed], dtype=np.int64),
                                                       np.array([s.exact for s in signed], dtype=np.int64)))
        else:
            links = self.engine.add_batch(ids, [a.text for a in batch])
        if self.engine.merges > merges:
            self.note("lineages_joined", self.engine.merges - merges)
        rows = []
        out = []
        for article, link, signature in zip(batch, links, signed):
            if link.kind in ("exact", "near"):
                self.note(f"{link.kind}_copies")
            rows.extend(signature.passages if signature else passages(article))
            out.append(replace(article, canonical_id=link.lineage, similarity=link.similarity))
        self.ctx.store.save_passages(rows)
        return out
