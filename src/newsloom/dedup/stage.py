"""The dedup stage: exact duplicates by normalised text, near duplicates by MinHash LSH over word shingles.

Copies are kept and linked, never deleted: each article gets ``canonical_id`` (the first-seen article of its
lineage) and its estimated similarity to it. Signatures are stored, so a later run checks new articles against
everything already in the store without recomputing old signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
from datasketch import MinHash, MinHashLSH

from ..records import Article, content_id, normalize_text
from ..stages import Stage


# Stored signatures must be read back with the scheme and dtype that made them.
SCHEME = "affine32"
_DTYPE = MinHash(num_perm=1, scheme=SCHEME).hashvalues.dtype


def shingles(text: str, size: int) -> set[bytes]:
    words = normalize_text(text).split()
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


class DedupStage(Stage):
    name = "dedup"
    consumes = (Article,)

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.config.dedup
        self.num_perm = cfg.num_perm
        self.shingle_words = cfg.shingle_words
        self.lsh = MinHashLSH(threshold=cfg.near_threshold, num_perm=cfg.num_perm)
        self.lineage: dict[str, str] = {}  # article id -> canonical id
        self.minhashes: dict[str, MinHash] = {}
        self.exact: dict[str, str] = {}  # normalised-text key -> article id, for this run's new articles
        self._loaded = False

    def _load(self) -> None:
        # Old signatures come from the store, not from recomputation.
        for row in self.ctx.store.minhash_rows():
            mh = MinHash(num_perm=self.num_perm, scheme=SCHEME,
                         hashvalues=np.frombuffer(row["signature"], dtype=_DTYPE))
            self._index(row["article_id"], mh, row["canonical_id"] or row["article_id"])
        self._loaded = True

    def _index(self, article_id: str, mh: MinHash, canonical: str) -> None:
        self.lsh.insert(article_id, mh, check_duplication=False)
        self.minhashes[article_id] = mh
        self.lineage[article_id] = canonical

    def run(self, records: Iterable) -> Iterator:
        if not self._loaded:
            self._load()
        yield from super().run(records)

    def process(self, article: Article) -> Iterable:
        key = content_id("n", normalize_text(article.text))
        exact = self.exact.get(key) or self._stored_exact(key)
        mh = MinHash(num_perm=self.num_perm, scheme=SCHEME)
        mh.update_batch(list(shingles(article.text, self.shingle_words)))
        if exact:
            canonical, similarity = self.lineage.get(exact, exact), 1.0
            self.note("exact_copies")
        else:
            best, similarity = None, 0.0
            for candidate in self.lsh.query(mh):
                score = mh.jaccard(self.minhashes[candidate])
                if score > similarity:
                    best, similarity = candidate, score
            if best is not None:
                canonical = self.lineage[best]
                self.note("near_copies")
            else:
                canonical, similarity = article.id, 1.0
        self.exact.setdefault(key, article.id)
        if article.id not in self.minhashes:
            self._index(article.id, mh, canonical)
            self.ctx.store.save_minhash(article.id, mh.hashvalues.astype(_DTYPE).tobytes())
        yield replace(article, canonical_id=canonical, similarity=round(float(similarity), 4))

    def _stored_exact(self, key: str) -> str | None:
        row = self.ctx.store.article_by_norm_hash(key)
        return row["id"] if row else None
