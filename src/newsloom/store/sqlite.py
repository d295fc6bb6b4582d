"""The embedded store: one SQLite file in WAL mode, schema versioned by ``PRAGMA user_version``.

Writes happen inside :meth:`Store.transaction`, one per batch, so a crash leaves no half-written batch.
Every insert is keyed by a content-derived id and ignores rows already present, which makes a rerun with the
same input a no-op.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import NotFoundError, StoreBusyError, StoreError
from ..records import (Article, Briefing, BriefSentence, Claim, Document, Entity, Figure, Furniture, Headline,
                       Rejection, Source, Story, StoryMerge, Thread, normalize_text, content_id, Event,
                       BriefSection, GeneratedSentence, TimelineEntry)
from ..cluster.online import terms_to_blob
from .migrations import MIGRATIONS

TABLES = ("documents", "rejections", "articles", "headlines", "furniture", "embeddings", "stories",
          "story_articles", "story_headlines", "threads", "entities", "figures", "claims", "briefings",
          "dedup_meta", "dedup_signatures", "lsh_buckets", "passages", "cluster_state", "story_aliases", "events",
          "headline_parts")


BUSY_TIMEOUT_S = 30.0


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        try:
            # Newsloom's writers take turns by the lock in store/lock.py; the busy timeout covers short waits on
            # anything else (another program's transaction, a checkpoint).
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                      timeout=BUSY_TIMEOUT_S)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}. Is it a newsloom database?") from exc

    # -- schema ---------------------------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(f"store {self.path} has schema version {version}, newer than this newsloom "
                             f"({len(MIGRATIONS)}); upgrade newsloom to read it")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";\n"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreBusyError(f"the store {self.path} is busy: another program has held a write transaction on "
                                 f"it for over {BUSY_TIMEOUT_S:g} s; try again when it has finished") from None
        # Records of a batch arrive in stream order; references are checked when the batch commits.
        self.db.execute("PRAGMA defer_foreign_keys = ON")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # -- writes ---------------------------------------------------------------------------------------------
    def write(self, record) -> None:
        writer = self._WRITERS.get(type(record))
        if writer is None:
            raise TypeError(f"the store has no table for {type(record).__name__}")
        writer(self, record)

    def _write_document(self, d: Document) -> None:
        self.db.execute("INSERT OR IGNORE INTO documents (id, uri, format, url, outlet, published, title, encoding, "
                        "content, author) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (d.id, d.uri, d.format, d.url, d.outlet, d.published, d.title, d.encoding, d.content,
                         d.author))

    def _write_rejection(self, r: Rejection) -> None:
        self.db.execute("INSERT OR IGNORE INTO rejections VALUES (?,?,?,?)", (r.uri, r.code, r.reason, r.stage))

    def _write_article(self, a: Article) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (a.id, a.doc_id, a.title, a.text, json.dumps(a.paragraphs), json.dumps(a.source_spans), a.uri, a.url,
             a.outlet, a.published, a.author, a.language, a.canonical_id, a.similarity,
             content_id("n", normalize_text(a.text))))

    def _write_headline(self, h: Headline) -> None:
        self.db.execute("INSERT OR IGNORE INTO headlines VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (h.id, h.doc_id, h.text, h.teaser, h.position, h.span[0], h.span[1], h.outlet,
                         h.published, h.language))

    def _write_furniture(self, f: Furniture) -> None:
        self.db.execute("INSERT OR IGNORE INTO furniture VALUES (?,?,?,?,?)",
                        (f.doc_id, f.span[0], f.span[1], f.reason, f.text))

    def _write_entity(self, e: Entity) -> None:
        self.db.execute("INSERT OR IGNORE INTO entities VALUES (?,?,?,?,?,?)",
                        (e.article_id, e.span[0], e.span[1], e.text, e.label, e.key))

    def _write_figure(self, f: Figure) -> None:
        self.db.execute("INSERT OR IGNORE INTO figures (id, article_id, text, value, low, high, unit, qualifier, "
                        "sentence, span_start, span_end, counted, time_text, time_start, time_end, attribution, quantity) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (f.id, f.article_id, f.text, f.value, f.low, f.high, f.unit, f.qualifier, f.sentence,
                         f.span[0], f.span[1], f.counted, f.time_text, f.time_start, f.time_end, f.attribution,
                         f.quantity))

    def _write_event(self, e: Event) -> None:
        self.db.execute("INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (e.id, e.article_id, e.predicate, e.actor, json.dumps(e.actor_keys), e.target,
                         json.dumps(e.target_keys), int(e.negated), e.time_text, e.time_start, e.time_end,
                         e.attribution, e.sentence, e.span[0], e.span[1]))

    def _write_story(self, s: Story) -> None:
        # Stories grow: the row is replaced, memberships are appended.
        self.db.execute(
            "INSERT INTO stories (id, title, thread_id, first_published, last_published) VALUES (?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET title=excluded.title, thread_id=excluded.thread_id, "
            "first_published=excluded.first_published, last_published=excluded.last_published",
            (s.id, s.title, s.thread_id, s.first_published, s.last_published))
        self.db.executemany("INSERT OR IGNORE INTO story_articles VALUES (?,?)", [(a, s.id) for a in s.article_ids])
        # A headline is in one story; two-level headline stories may move it to another (cluster/online.py).
        self.db.executemany("INSERT OR REPLACE INTO story_headlines VALUES (?,?)",
                            [(h, s.id) for h in s.headline_ids])

    def _write_thread(self, t: Thread) -> None:
        self.db.execute("INSERT INTO threads (id, label) VALUES (?,?) ON CONFLICT(id) DO UPDATE SET label=excluded.label",
                        (t.id, t.label))

    def _write_merge(self, m: StoryMerge) -> None:
        if m.kind == "thread":
            self.db.execute("UPDATE stories SET thread_id=? WHERE thread_id=?", (m.into_id, m.absorbed_id))
            self.db.execute("DELETE FROM threads WHERE id=?", (m.absorbed_id,))
            return
        for table in ("story_articles", "story_headlines"):
            self.db.execute(f"UPDATE {table} SET story_id=? WHERE story_id=?", (m.into_id, m.absorbed_id))
        self.db.execute("UPDATE story_aliases SET story_id=? WHERE story_id=?", (m.into_id, m.absorbed_id))
        self.db.execute("INSERT OR REPLACE INTO story_aliases VALUES (?,?)", (m.absorbed_id, m.into_id))
        for table in ("claims", "briefings"):
            self.db.execute(f"DELETE FROM {table} WHERE story_id=?", (m.absorbed_id,))
        self.db.execute("DELETE FROM stories WHERE id=?", (m.absorbed_id,))

    def _write_claim(self, c: Claim) -> None:
        self.db.execute("INSERT OR REPLACE INTO claims (id, story_id, subject, status, figure_ids, lineages, summary, "
                        "kind, evidence) VALUES (?,?,?,?,?,?,?,?,?)",
                        (c.id, c.story_id, c.subject, c.status, json.dumps(c.figure_ids), c.lineages, c.summary,
                         c.kind, json.dumps(c.evidence, ensure_ascii=False, sort_keys=True)))

    def _write_briefing(self, b: Briefing) -> None:
        self.db.execute("INSERT OR REPLACE INTO briefings VALUES (?,?,?)",
                        (b.story_id, b.title, json.dumps(asdict(b), ensure_ascii=False, sort_keys=True)))

    _WRITERS = {Document: _write_document, Rejection: _write_rejection, Article: _write_article,
                Headline: _write_headline, Furniture: _write_furniture, Entity: _write_entity, Figure: _write_figure, Event: _write_event,
                Story: _write_story, StoryMerge: _write_merge, Thread: _write_thread, Claim: _write_claim,
                Briefing: _write_briefing}

    def save_embeddings(self, rows: list[tuple[str, str, bytes]]) -> None:
        """(record id, model key, float32 vector bytes) rows; a cache keyed by content, so never replaced."""
        self.db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?,?,?)", rows)

    def dedup_meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT key, value FROM dedup_meta")}

    def set_dedup_meta(self, values: dict[str, str]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO dedup_meta VALUES (?,?)", list(values.items()))

    def save_dedup_entries(self, rows: list[tuple]) -> None:
        """(article id, lineage, exact key, distinct shingles, uint32 signature bytes, bucket keys or None) rows,
        one per new text; signature rows get consecutive ids and each bucket key one band-table row."""
        rows = [r for r in rows]
        if not rows:
            return
        start = self.db.execute("SELECT coalesce(max(sig), 0) FROM dedup_signatures").fetchone()[0] + 1
        self.db.executemany("INSERT INTO dedup_signatures VALUES (?,?,?,?,?,?)",
                            [(start + i, r[0], r[1], r[2], r[3], r[4]) for i, r in enumerate(rows)])
        self.db.executemany("INSERT OR IGNORE INTO lsh_buckets VALUES (?,?)",
                            [(key, start + i) for i, r in enumerate(rows) if r[5] is not None for key in r[5]])

    def dedup_known(self, article_ids: list[str]) -> dict[str, str]:
        """Article id -> lineage, for those already indexed."""
        found = {}
        for chunk in _chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(
                f"SELECT article_id, lineage FROM dedup_signatures WHERE article_id IN ({marks})", chunk).fetchall())
        return found

    def dedup_exact(self, keys: list[int]) -> dict[int, tuple[str, str]]:
        """Exact key -> (first article id, its lineage)."""
        found: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            for key, article_id, lineage in self.db.execute(
                    f"SELECT exact_key, article_id, lineage FROM dedup_signatures WHERE exact_key IN ({marks}) "
                    f"ORDER BY sig", chunk):
                found.setdefault(key, (article_id, lineage))
        return found

    def lsh_members(self, buckets: list[int], limit: int) -> dict[int, list[int]]:
        """Bucket key -> signature ids in it (the first ``limit`` of each)."""
        found: dict[int, list[int]] = {}
        for chunk in _chunks(buckets, 500):
            marks = ",".join("?" * len(chunk))
            for bucket, sig in self.db.execute(f"SELECT bucket, sig FROM lsh_buckets WHERE bucket IN ({marks})", chunk):
                members = found.setdefault(bucket, [])
                if len(members) < limit:
                    members.append(sig)
        return found

    def dedup_signature_rows(self, sigs: list[int]) -> dict[int, tuple]:
        """Signature id -> (article id, lineage, distinct shingles, signature bytes)."""
        found = {}
        for chunk in _chunks(sigs, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT sig, article_id, lineage, n_shingles, signature FROM dedup_signatures "
                                       f"WHERE sig IN ({marks})", chunk):
                found[row[0]] = tuple(row[1:])
        return found

    def dedup_position(self, article_id: str) -> int | None:
        row = self.db.execute("SELECT sig FROM dedup_signatures WHERE article_id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def merge_lineage(self, old: str, new: str) -> None:
        """Join lineage ``old`` to ``new``: a later article copies both (articles are relinked, never deleted)."""
        self.db.execute("UPDATE dedup_signatures SET lineage=? WHERE lineage=?", (new, old))
        self.db.execute("UPDATE articles SET canonical_id=? WHERE canonical_id=?", (new, old))

    def articles_without_signature(self) -> Iterator[tuple[str, str, str | None]]:
        """(id, text, canonical id) of stored articles that dedup has not indexed (stores made before
        migration 2)."""
        yield from self.db.execute("SELECT id, text, canonical_id FROM articles WHERE id NOT IN (SELECT article_id "
                                   "FROM dedup_signatures) ORDER BY rowid")

    def save_passages(self, rows: list[tuple[int, str, int, int, str]]) -> None:
        """(passage key, article id, start, end, kind) rows."""
        self.db.executemany("INSERT OR IGNORE INTO passages VALUES (?,?,?,?,?)", rows)

    def shared_passages(self, article_ids: list[str]) -> list[dict]:
        """Passages of these articles that occur more than once anywhere in the store (in several articles or
        twice in one): {passage, kind, occurrences: [(article id, start, end), ...]}, most carried first."""
        keys: set[int] = set()
        for chunk in _chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            keys.update(r[0] for r in self.db.execute(
                f"SELECT passage FROM passages WHERE article_id IN ({marks})", chunk))
        found: dict[int, dict] = {}
        for chunk in _chunks(sorted(keys), 500):
            marks = ",".join("?" * len(chunk))
            # Most passages occur once; only the others' occurrences are read.
            for key, article_id, start, end, kind in self.db.execute(
                    f"SELECT passage, article_id, span_start, span_end, kind FROM passages WHERE passage IN "
                    f"(SELECT passage FROM passages WHERE passage IN ({marks}) GROUP BY passage HAVING count(*) > 1) "
                    f"ORDER BY passage, article_id, span_start", chunk):
                entry = found.setdefault(key, {"passage": key, "kind": kind, "occurrences": []})
                entry["occurrences"].append((article_id, start, end))
        return sorted(found.values(), key=lambda p: (-len({o[0] for o in p["occurrences"]}), -len(p["occurrences"]),
                                             p["passage"]))

    def refresh_story_counts(self, story_ids: list[str]) -> None:
        """Recount a story's articles, headlines and outlets once its members are all written."""
        self.db.executemany(
            "UPDATE stories SET n_articles=(SELECT count(*) FROM story_articles WHERE story_id=:id), "
            "n_headlines=(SELECT count(*) FROM story_headlines WHERE story_id=:id), "
            "n_outlets=(SELECT count(DISTINCT a.outlet) FROM story_articles sa "  # unknown outlets: not counted
            "JOIN articles a ON a.id=sa.article_id WHERE sa.story_id=:id) WHERE id=:id",
            [{"id": i} for i in story_ids])

    def save_story_state(self, story_id: str, emb: np.ndarray, count: int, terms: dict[int, float]) -> None:
        self.db.execute("UPDATE stories SET centroid=?, n_vectors=?, terms=? WHERE id=?",
                        (to_blob(emb), count, terms_to_blob(terms), story_id))

    def save_thread_state(self, thread_id: str, emb: np.ndarray, count: int, terms: dict[int, float],
                          first: str | None, last: str | None) -> None:
        self.db.execute("UPDATE threads SET centroid=?, n_vectors=?, terms=?, first_published=?, last_published=? "
                        "WHERE id=?", (to_blob(emb), count, terms_to_blob(terms), first, last, thread_id))

    def save_headline_parts(self, rows: list[tuple]) -> None:
        """(id, story id, title, centroid, terms, count, first, last, headline ids) of parts that changed."""
        self.db.executemany(
            "INSERT INTO headline_parts VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "story_id=excluded.story_id, title=excluded.title, centroid=excluded.centroid, terms=excluded.terms, "
            "n_vectors=excluded.n_vectors, first_published=excluded.first_published, "
            "last_published=excluded.last_published, headline_ids=excluded.headline_ids", rows)

    def headline_parts(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM headline_parts ORDER BY rowid").fetchall()

    def term_frequencies(self) -> tuple[np.ndarray | None, int]:
        """Document frequencies of hashed words for clustering, and how many items they count."""
        rows = dict(self.db.execute("SELECT key, value FROM cluster_state WHERE key IN ('df', 'docs')").fetchall())
        if "df" not in rows:
            return None, 0
        return np.frombuffer(rows["df"], dtype=np.int32).copy(), int(rows["docs"])

    def save_term_frequencies(self, df: np.ndarray, docs: int) -> None:
        self.db.executemany("INSERT OR REPLACE INTO cluster_state VALUES (?,?)",
                            [("df", df.astype(np.int32).tobytes()), ("docs", str(docs))])

    def clear_claims(self, story_id: str) -> None:
        self.db.execute("DELETE FROM claims WHERE story_id=?", (story_id,))

    # -- reads ----------------------------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE id=?", (doc_id,)).fetchone() is not None

    def counts(self, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def ids(self, table: str) -> list[tuple]:
        """Every row of a table, sorted: what a rerun must leave unchanged."""
        return sorted(tuple(r) for r in self.db.execute(f"SELECT * FROM {table}"))

    def embeddings(self, record_ids: list[str], model: str) -> dict[str, np.ndarray]:
        found = {}
        for chunk in _chunks(record_ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT record_id, vector FROM embeddings WHERE model=? AND record_id IN ({marks})",
                                       [model, *chunk]):
                found[row[0]] = from_blob(row[1])
        return found

    def article_titles(self, article_ids: list[str]) -> dict[str, str]:
        found = {}
        for chunk in _chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT id, title FROM articles WHERE id IN ({marks})", chunk):
                found[row[0]] = row[1]
        return found

    def story_states(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM stories ORDER BY rowid").fetchall()

    def thread_states(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM threads ORDER BY rowid").fetchall()

    def story_members(self) -> Iterator[sqlite3.Row]:
        yield from self.db.execute("SELECT story_id, article_id AS member, 'article' AS kind FROM story_articles "
                                   "UNION ALL SELECT story_id, headline_id, 'headline' FROM story_headlines")

    def stories(self, include_headline_only: bool = True, limit: int | None = None) -> list[dict]:
        where = "" if include_headline_only else "WHERE n_articles > 0"
        sql = (f"SELECT id, title, n_articles AS articles, n_headlines AS headlines, n_outlets AS outlets, "
               f"first_published, last_published, thread_id FROM stories {where} "
               f"ORDER BY n_articles DESC, n_headlines DESC, last_published DESC, id")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [dict(r) for r in self.db.execute(sql)]

    def resolve_story_id(self, prefix: str) -> str:
        alias = self.db.execute("SELECT story_id FROM story_aliases WHERE old_id=?", (prefix,)).fetchone()
        if alias:  # the story merged into another
            return alias[0]
        # A prefix is literal: compared by substr, since LIKE would read "%" and "_" in it as wildcards.
        rows = self.db.execute("SELECT id FROM stories WHERE substr(id, 1, length(:p)) = :p LIMIT 2",
                               {"p": prefix}).fetchall()
        if not rows:
            raise NotFoundError(f"no story with id {prefix!r}; list them with `newsloom stories`")
        if len(rows) > 1:
            raise NotFoundError(f"story id prefix {prefix!r} is ambiguous; give more characters")
        return rows[0][0]

    def story_articles(self, story_id: str) -> list[Article]:
        rows = self.db.execute("SELECT a.* FROM story_articles sa JOIN articles a ON a.id=sa.article_id "
                               "WHERE sa.story_id=? ORDER BY coalesce(a.published, '9999'), a.rowid", (story_id,))
        return [_article(r) for r in rows]

    def articles(self) -> Iterator[Article]:
        for row in self.db.execute("SELECT * FROM articles ORDER BY rowid"):
            yield _article(row)

    def matching_articles(self, match: str, since: str | None = None, limit: int = 400) -> list[Article]:
        """The ``limit`` articles that best match an FTS5 query (bm25), published on or after ``since`` when given
        (articles without a publication date are kept), in publication order."""
        rows = self.db.execute(
            "SELECT a.* FROM article_search JOIN articles a ON a.rowid = article_search.rowid WHERE article_search "
            "MATCH ? AND (? IS NULL OR a.published IS NULL OR a.published >= ?) ORDER BY bm25(article_search) LIMIT ?",
            (match, since, since, limit)).fetchall()
        return sorted((_article(r) for r in rows), key=lambda a: (a.published or "", a.id))

    def article_story(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT article_id, story_id FROM story_articles")}

    def story_headlines(self, story_id: str) -> list[dict]:
        return [dict(r) for r in self.db.execute(
            "SELECT h.* FROM story_headlines sh JOIN headlines h ON h.id=sh.headline_id WHERE sh.story_id=? "
            "ORDER BY h.rowid", (story_id,))]

    def _rows_for_articles(self, table: str, article_ids: list[str]) -> Iterator[sqlite3.Row]:
        """The rows of a per-article table for these articles, in insertion order within each chunk of ids."""
        for chunk in _chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(f"SELECT * FROM {table} WHERE article_id IN ({marks}) ORDER BY rowid", chunk)

    def figures_for(self, article_ids: list[str]) -> list[Figure]:
        out = []
        for r in self._rows_for_articles("figures", article_ids):
            out.append(Figure(id=r["id"], article_id=r["article_id"], text=r["text"], value=r["value"],
                              low=r["low"], high=r["high"], unit=r["unit"], qualifier=r["qualifier"],
                              sentence=r["sentence"], span=(r["span_start"], r["span_end"]),
                              counted=r["counted"], time_text=r["time_text"], time_start=r["time_start"],
                              time_end=r["time_end"], attribution=r["attribution"], quantity=r["quantity"]))
        return out

    def entities_for(self, article_ids: list[str]) -> list[Entity]:
        out = []
        for r in self._rows_for_articles("entities", article_ids):
            out.append(Entity(r["article_id"], r["text"], r["label"], r["key"], (r["span_start"], r["span_end"])))
        return out

    def events_for(self, article_ids: list[str]) -> list[Event]:
        out = []
        for r in self._rows_for_articles("events", article_ids):
            out.append(Event(id=r["id"], article_id=r["article_id"], predicate=r["predicate"], actor=r["actor"],
                             actor_keys=tuple(json.loads(r["actor_keys"])), target=r["target"],
                             target_keys=tuple(json.loads(r["target_keys"])), negated=bool(r["negated"]),
                             time_text=r["time_text"], time_start=r["time_start"], time_end=r["time_end"],
                             attribution=r["attribution"], sentence=r["sentence"],
                             span=(r["span_start"], r["span_end"])))
        return out

    def update_entity_keys(self, rows: list[tuple[str, str, int]]) -> None:
        """(key, article id, span start) rows: story-wide keys set by the reconcile stage."""
        self.db.executemany("UPDATE entities SET key=? WHERE article_id=? AND span_start=?", rows)

    def claims(self, story_id: str) -> list[dict]:
        return [dict(r) | {"figure_ids": json.loads(r["figure_ids"]), "evidence": json.loads(r["evidence"])}
                for r in self.db.execute("SELECT * FROM claims WHERE story_id=? ORDER BY status, subject", (story_id,))]

    def briefing(self, story_id: str) -> Briefing:
        row = self.db.execute("SELECT json FROM briefings WHERE story_id=?", (story_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"story {story_id} has no briefing yet; run `newsloom run` on its inputs")
        return briefing_from_json(json.loads(row[0]))

    def briefing_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT b.story_id FROM briefings b JOIN stories s ON s.id=b.story_id "
            "ORDER BY s.n_articles DESC, s.last_published DESC, s.id")]

    def rejections(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM rejections ORDER BY uri, code")]

    def furniture_for(self, doc_id: str) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM furniture WHERE doc_id=? ORDER BY span_start", (doc_id,))]


def briefing_from_json(data: dict) -> Briefing:
    return Briefing(
        story_id=data["story_id"], title=data["title"],
        summary=tuple(BriefSentence(s["text"], tuple(s["citations"]), s["article_id"], tuple(s["span"]))
                      for s in data["summary"]),
        sources=tuple(Source(**s) for s in data["sources"]),
        key_figures=tuple(data.get("key_figures", ())), disagreements=tuple(data.get("disagreements", ())),
        extra=data.get("extra", {}),
        # Briefings written before sections, timelines and abstracts existed have none of these keys.
        sections=tuple(BriefSection(s["title"], tuple(s["sentences"])) for s in data.get("sections", ())),
        timeline=tuple(TimelineEntry(t["date"], tuple(BriefSentence(s["text"], tuple(s["citations"]), s["article_id"],
                                                                    tuple(s["span"])) for s in t["sentences"]),
                                     t.get("mentions", 0), t.get("published", 0)) for t in data.get("timeline", ())),
        abstract=tuple(GeneratedSentence(g["text"], tuple(g["citations"]), tuple(g["support"]), g["score"])
                       for g in data.get("abstract", ())))


def _article(row: sqlite3.Row) -> Article:
    return Article(id=row["id"], doc_id=row["doc_id"], title=row["title"], text=row["text"],
                   paragraphs=tuple(tuple(p) for p in json.loads(row["paragraphs"])),
                   source_spans=tuple(tuple(p) for p in json.loads(row["source_spans"])), uri=row["uri"],
                   url=row["url"], outlet=row["outlet"], published=row["published"], author=row["author"],
                   language=row["language"], canonical_id=row["canonical_id"], similarity=row["similarity"])


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
