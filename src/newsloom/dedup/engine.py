"""Streaming near-duplicate linking: exact keys, MinHash LSH candidates, and a containment check.

For each batch of texts, in order, each text is:

* an **exact copy** when its normalised words (datelines removed) equal those of a text already seen;
* a **near copy** when a text already seen (in the store or earlier in the batch) shares an LSH bucket with
  it and either their estimated Jaccard similarity is at least ``jaccard`` or the estimated containment of
  the shorter in the longer (share of its shingles found in the other) is at least ``containment`` and the
  shorter has at least ``min_shingles`` shingles. Containment is what makes a truncated teaser, or a copy
  wrapped in other furniture, a copy of the full text;
* otherwise an original.

A copy joins the lineage of its best match (highest containment), so the lineage is the first-seen article
of a group of copies; nothing is deleted or rewritten. The LSH uses ``bands`` bands of ``rows`` signature
values; the default 32 x 2 finds pairs with Jaccard 0.3 with probability 0.95 and 0.2 with 0.73, so that a
copy truncated to a third of its original is still found.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from .index import Entry, MemoryIndex
from .minhash import Signer, _mix


@dataclass(frozen=True)
class Link:
    article_id: str
    lineage: str  # canonical article id: itself for an original
    similarity: float  # 1.0 for originals and exact copies
    kind: str  # original | exact | near | known (already indexed)
    match: str | None = None  # the article it was matched with


def _resolve(merged: dict[str, str], lineage: str) -> str:
    while lineage in merged:
        lineage = merged[lineage]
    return lineage


class Deduper:
    def __init__(self, index, signer: Signer | None = None, bands: int = 32, rows: int = 2,
                 jaccard: float = 0.7, containment: float = 0.5, min_shingles: int = 10,
                 max_candidates: int = 64, z: float = 1.0):
        self.signer = signer or Signer()
        self.index = index
        if bands * rows > self.signer.num_perm:
            raise ValueError(f"bands x rows ({bands} x {rows}) exceeds num_perm ({self.signer.num_perm})")
        self.bands, self.rows = bands, rows
        self.jaccard, self.containment, self.min_shingles = jaccard, containment, min_shingles
        self.max_candidates = max_candidates
        self.z = z  # containment is judged on its lower bound: Jaccard estimate minus z standard errors
        self.merges = 0  # lineages joined because a new text copies both
        rng = np.random.default_rng(7)
        self._band_weights = (rng.integers(1, 2**63, size=(1, 1, rows), dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self._band_salt = rng.integers(0, 2**63, size=(1, bands), dtype=np.uint64)

    def bucket_keys(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) int64 LSH bucket keys; a key encodes its band, so one table holds every band."""
        n = len(signatures)
        bands = signatures[:, : self.bands * self.rows].astype(np.uint64).reshape(n, self.bands, self.rows)
        with np.errstate(over="ignore"):
            keys = (bands * self._band_weights).sum(axis=2, dtype=np.uint64) + self._band_salt
        return _mix(keys).view(np.int64)

    def add_batch(self, article_ids: list[str], texts: list[str], lineages: list[str | None] | None = None) -> list[Link]:
        """Link each text to a lineage, in order; ``lineages`` forces known ones (indexing stored articles)."""
        signed = self.signer.sign(texts)
        return self.add_signed(article_ids, signed, lineages)

    def add_signed(self, article_ids: list[str], signed, lineages=None) -> list[Link]:
        keys = self.bucket_keys(signed.signatures)
        self.index.prepare(article_ids, signed.exact, keys)
        streaming = getattr(self.index, "streaming", False)
        pending = None if streaming else MemoryIndex(self.signer.num_perm)
        sources = (self.index,) if streaming else (self.index, pending)
        links, entries = [], []
        merged: dict[str, str] = {}
        for i, article_id in enumerate(article_ids):
            known = next((k for k in (s.known(article_id) for s in sources) if k), None)
            if known:
                links.append(Link(article_id, known[0], known[1], "known"))
                continue
            sig, size, exact_key = signed.signatures[i], int(signed.sizes[i]), int(signed.exact[i])
            hit = next((h for h in (s.exact(exact_key) for s in sources) if h), None)
            forced = lineages[i] if lineages else None
            if forced:
                link = Link(article_id, forced, 1.0, "known")
                entry = Entry(article_id, forced, exact_key, sig, size, keys[i] if size > 0 else None, i)
            elif hit and size > 0:
                link = Link(article_id, hit[1], 1.0, "exact", hit[0])
                entry = Entry(article_id, hit[1], exact_key, sig, size, None, i)
            else:
                link, lineages_matched = self._near(i, article_id, sig, size, keys[i], sources) if size > 0 \
                    else (None, [])
                if len(lineages_matched) > 1:
                    # A text that copies two lineages joins them: they were one report all along.
                    target = min(lineages_matched, key=lambda lin: self._root_order(lin, sources))
                    for lineage in lineages_matched:
                        if lineage != target:
                            for source in sources:
                                source.merge(lineage, target)
                            merged[lineage] = target
                            self.merges += 1
                    link = Link(link.article_id, target, link.similarity, link.kind, link.match)
                if link is None:
                    link = Link(article_id, article_id, 1.0, "original")
                entry = Entry(article_id, link.lineage, exact_key, sig, size, keys[i] if size > 0 else None, i)
            links.append(link)
            if streaming:
                self.index.add([entry])
            else:
                entries.append(entry)
                pending.add([entry])
        if not streaming:
            self.index.add(entries)
        if merged:
            links = [replace(link, lineage=_resolve(merged, link.lineage)) for link in links]
        return links

    @staticmethod
    def _root_order(lineage: str, sources) -> tuple[int, int]:
        """Lineages are named by their first-seen article: stored ones before this batch's, then by age."""
        for rank, source in enumerate(sources):
            position = source.position(lineage)
            if position is not None:
                return rank, position
        return len(sources), 0

    def _near(self, position: int, article_id: str, sig: np.ndarray, size: int, keys: np.ndarray, sources):
        """The best match as a Link, and every lineage matched (best first), or (None, [])."""
        best, matched = None, {}
        for source in sources:
            refs = source.candidates(position, keys)
            if not refs:
                continue
            counts = Counter(refs)
            refs = [r for r, _ in counts.most_common(self.max_candidates)]
            sigs, sizes, ids, lineages = source.fetch(refs)
            jac = (sigs == sig).mean(axis=1)
            # Containment from the Jaccard estimate amplifies its error by (|A|+|B|)/min(|A|,|B|): a teaser
            # against a long page is judged on the estimate's lower bound, so chance agreements do not count.
            low = np.maximum(0.0, jac - self.z * np.sqrt(np.maximum(jac * (1 - jac), 1.0 / len(sig)) / len(sig)))
            smaller = np.maximum(np.minimum(sizes, size), 1)
            cont_low = np.minimum(1.0, low / (1.0 + low) * (sizes + size) / smaller)
            cont = np.minimum(1.0, jac / (1.0 + jac) * (sizes + size) / smaller)
            ok = (jac >= self.jaccard) | ((cont_low >= self.containment) & (smaller >= self.min_shingles))
            if not ok.any():
                continue
            score = np.where(ok, cont + 1e-3 * jac, -1.0)
            for j in np.flatnonzero(ok).tolist():
                matched[lineages[j]] = max(matched.get(lineages[j], -1.0), float(score[j]))
            j = int(np.argmax(score))
            if best is None or score[j] > best[0]:
                best = (float(score[j]), ids[j], lineages[j], float(cont[j]))
        if best is None:
            return None, []
        return Link(article_id, best[2], round(best[3], 4), "near", best[1]), list(matched)
