"""Where signatures live between batches: an LSH band table in memory or in the SQLite store.

Both indexes hold, per text: its article id, its lineage (the canonical article of its copies), an exact key,
its MinHash signature and its number of distinct shingles; and a band table from LSH bucket keys to texts.
:class:`SQLiteIndex` keeps all of that in the store (tables ``dedup_signatures`` and ``lsh_buckets``, indexed by
bucket), so memory does not grow with the store: each batch reads only the buckets its texts fall in and the
signatures of the texts found there, with a few set-based queries per batch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np


@dataclass
class Entry:
    article_id: str
    lineage: str
    exact: int
    signature: np.ndarray  # uint32 (num_perm,)
    size: int
    buckets: np.ndarray | None  # int64 (bands,), None for exact copies (their signature is already indexed)
    position: int = -1  # index of the text in its batch


class _BucketLookup:
    """Candidate lookup shared by both indexes: every text that shares an LSH bucket with the query."""

    _buckets: dict[int, list[int]]

    def candidates(self, position: int, bucket_keys: np.ndarray) -> list[int]:
        found: list[int] = []
        get = self._buckets.get
        for key in bucket_keys.tolist():
            members = get(key)
            if members:
                found.extend(members)
        return found


class MemoryIndex(_BucketLookup):
    """Everything in Python dicts and numpy arrays: fast, but memory grows with the number of texts."""

    streaming = True  # entries added one by one are visible to the next query at once

    def __init__(self, num_perm: int = 128):
        self.num_perm = num_perm
        self._buckets: dict[int, list[int]] = defaultdict(list)
        self._exact: dict[int, int] = {}
        self._ids: list[str] = []
        self._lineages: list[str] = []
        self._sizes: list[int] = []
        self._sigs = np.zeros((1024, num_perm), dtype=np.uint32)  # grown by doubling; rows [0, len) are used
        self._by_id: dict[str, int] = {}
        self._members: dict[str, list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._ids)

    def prepare(self, article_ids: list[str], exact_keys: np.ndarray, bucket_keys: np.ndarray) -> None:
        pass

    def known(self, article_id: str) -> tuple[str, float] | None:
        i = self._by_id.get(article_id)
        return (self._lineages[i], 1.0) if i is not None else None

    def exact(self, key: int) -> tuple[str, str] | None:
        i = self._exact.get(key)
        return (self._ids[i], self._lineages[i]) if i is not None else None

    def position(self, article_id: str) -> int | None:
        return self._by_id.get(article_id)

    def merge(self, old: str, new: str) -> None:
        """Every text of lineage ``old`` now belongs to lineage ``new``."""
        members = self._members.pop(old, [])
        for i in members:
            self._lineages[i] = new
        self._members[new].extend(members)

    def fetch(self, refs: list[int]) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
        idx = np.asarray(refs, dtype=np.int64)
        return (self._sigs[idx], np.asarray([self._sizes[i] for i in refs], dtype=np.int64),
                [self._ids[i] for i in refs], [self._lineages[i] for i in refs])

    def add(self, entries: list[Entry]) -> None:
        need = len(self._ids) + len(entries)
        if need > len(self._sigs):
            grown = np.zeros((max(need, 2 * len(self._sigs)), self.num_perm), dtype=np.uint32)
            grown[: len(self._ids)] = self._sigs[: len(self._ids)]
            self._sigs = grown
        for entry in entries:
            i = len(self._ids)
            self._sigs[i] = entry.signature
            self._ids.append(entry.article_id)
            self._lineages.append(entry.lineage)
            self._sizes.append(entry.size)
            self._by_id[entry.article_id] = i
            self._members[entry.lineage].append(i)
            self._exact.setdefault(entry.exact, i)
            if entry.buckets is not None:
                for key in entry.buckets.tolist():
                    self._buckets[key].append(i)


class SQLiteIndex(_BucketLookup):
    """The band table and signatures in the store; per batch, only what the batch's buckets touch is read."""

    streaming = False  # written once per batch; the engine keeps the batch's own texts in memory meanwhile

    def __init__(self, store, num_perm: int = 128, max_bucket: int = 200):
        self.store = store
        self.num_perm = num_perm
        self.max_bucket = max_bucket  # members read per bucket: a bucket this full is boilerplate, not copies
        self._known: dict[str, str] = {}
        self._exact: dict[int, tuple[str, str]] = {}
        self._buckets: dict[int, list[int]] = {}
        self._rows: dict[int, tuple] = {}

    def prepare(self, article_ids: list[str], exact_keys: np.ndarray, bucket_keys: np.ndarray) -> None:
        store = self.store
        self._known = store.dedup_known(article_ids)
        self._exact = store.dedup_exact(sorted(set(exact_keys.tolist())))
        self._buckets = store.lsh_members(sorted(set(bucket_keys.ravel().tolist())), self.max_bucket)
        refs = sorted({r for members in self._buckets.values() for r in members})
        self._rows = store.dedup_signature_rows(refs)

    def known(self, article_id: str) -> tuple[str, float] | None:
        lineage = self._known.get(article_id)
        return (lineage, 1.0) if lineage is not None else None

    def exact(self, key: int) -> tuple[str, str] | None:
        return self._exact.get(key)

    def position(self, article_id: str) -> int | None:
        return self.store.dedup_position(article_id)

    def merge(self, old: str, new: str) -> None:
        """Relink lineage ``old`` to ``new`` in the store (signatures and articles) and in this batch's reads."""
        self.store.merge_lineage(old, new)
        self._known = {k: (new if v == old else v) for k, v in self._known.items()}
        self._exact = {k: (v[0], new if v[1] == old else v[1]) for k, v in self._exact.items()}
        self._rows = {k: (v[0], new if v[1] == old else v[1], *v[2:]) for k, v in self._rows.items()}

    def fetch(self, refs: list[int]) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
        rows = [self._rows[r] for r in refs]
        sigs = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.uint32).reshape(len(rows), self.num_perm)
        return (sigs, np.asarray([r[2] for r in rows], dtype=np.int64), [r[0] for r in rows],
                [r[1] for r in rows])

    def add(self, entries: list[Entry]) -> None:
        self.store.save_dedup_entries(
            [(e.article_id, e.lineage, int(e.exact), int(e.size), np.ascontiguousarray(e.signature, np.uint32).tobytes(),
              None if e.buckets is None else e.buckets.tolist()) for e in entries])
        self._known, self._exact, self._buckets, self._rows = {}, {}, {}, {}
