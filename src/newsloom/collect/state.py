"""The collector's state in the store (migration 9): sources, their feeds and sitemaps with validators, every article
URL met, and robots.txt files. Read and written only by the collector's main thread."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..store import Store
from .discover import Candidate
from .fetch import Robots
from .sources import Source

# An article URL with one of these is never fetched again; 'queued' and 'error' wait for a later poll.
FINAL = ("ingested", "duplicate", "gone", "refused")


@dataclass(frozen=True)
class SourceState:
    given: str
    url: str  # where it lives now (after permanent redirects)
    kind: str
    status: str  # active | retired


@dataclass(frozen=True)
class Resource:
    """A home page, feed or sitemap of a source, with the validators its last answer gave."""

    url: str
    kind: str  # home | feed | sitemap | auto
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: float | None = None


@dataclass(frozen=True)
class Pending:
    candidate: Candidate
    attempts: int


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


class CollectState:
    def __init__(self, store: Store):
        self.store = store
        self.db = store.db

    def register(self, source: Source) -> SourceState:
        with self.store.transaction():
            self.db.execute("INSERT OR IGNORE INTO collect_sources (given, url, kind, name, added) VALUES (?,?,?,?,?)",
                            (source.url, source.url, source.kind, source.name, _now()))
        row = self.db.execute("SELECT given, url, kind, status FROM collect_sources WHERE given=?",
                              (source.url,)).fetchone()
        return SourceState(*row)

    def resources(self, given: str) -> list[Resource]:
        rows = self.db.execute("SELECT url, kind, etag, last_modified, last_fetch FROM collect_resources "
                               "WHERE source=? AND status='active' ORDER BY rowid", (given,))
        return [Resource(*row) for row in rows]

    def reader(self) -> sqlite3.Connection:
        """A read-only connection for a worker thread: WAL lets it read while the main thread writes."""
        return sqlite3.connect(Path(self.store.path).resolve().as_uri() + "?mode=ro", uri=True)

    @staticmethod
    def handled(db: sqlite3.Connection, urls: list[str], max_attempts: int) -> set[str]:
        """Those of ``urls`` handled for good by earlier polls (looked up, not loaded: a store keeps millions)."""
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            rows = db.execute(f"SELECT url FROM collect_seen WHERE url IN ({','.join('?' * len(chunk))}) AND "
                              f"(status IN ({','.join('?' * len(FINAL))}) OR (status='error' AND attempts >= ?))",
                              (*chunk, *FINAL, max_attempts))
            found.update(row[0] for row in rows)
        return found

    def pending(self, given: str, max_attempts: int) -> list[Pending]:
        rows = self.db.execute("SELECT listing, attempts FROM collect_seen WHERE source=? AND "
                               "(status='queued' OR (status='error' AND attempts < ?))", (given, max_attempts))
        return [Pending(Candidate(**json.loads(listing)), attempts) for listing, attempts in rows]

    def robots(self) -> dict[str, Robots]:
        return {origin: Robots(status, body, fetched)
                for origin, status, body, fetched in self.db.execute("SELECT * FROM collect_robots")}

    # -- writes, inside the caller's transaction -------------------------------------------------------------
    def mark(self, url: str, source: str, status: str, *, doc_id: str | None = None, reason: str | None = None,
             candidate: Candidate | None = None, attempts: int = 0) -> None:
        listing = json.dumps(asdict(candidate), ensure_ascii=False) if candidate is not None else None
        self.db.execute("INSERT OR REPLACE INTO collect_seen VALUES (?,?,?,?,?,?,?,?)",
                        (url, source, status, doc_id, reason, _now(), attempts, listing))

    def save_resource(self, given: str, resource: Resource, moved_from: str | None = None,
                      status: str = "active") -> None:
        if moved_from:
            self.db.execute("DELETE FROM collect_resources WHERE url=?", (moved_from,))
        self.db.execute("INSERT OR REPLACE INTO collect_resources VALUES (?,?,?,?,?,?,?)",
                        (resource.url, given, resource.kind, resource.etag, resource.last_modified,
                         resource.last_fetch, status))

    def save_robots(self, origin: str, robots: Robots) -> None:
        self.db.execute("INSERT OR REPLACE INTO collect_robots VALUES (?,?,?,?)",
                        (origin, robots.status, robots.body, robots.fetched))

    def update_source(self, given: str, *, url: str | None = None, kind: str | None = None,
                      status: str | None = None, error: str | None = None, polled: bool = False) -> None:
        if url:
            self.db.execute("UPDATE collect_sources SET url=? WHERE given=?", (url, given))
        if kind:
            self.db.execute("UPDATE collect_sources SET kind=? WHERE given=?", (kind, given))
        if status:
            self.db.execute("UPDATE collect_sources SET status=? WHERE given=?", (status, given))
        if error:
            self.db.execute("UPDATE collect_sources SET last_error=?, errors=errors+1 WHERE given=?", (error, given))
        if polled:
            self.db.execute("UPDATE collect_sources SET last_poll=? WHERE given=?", (_now(), given))

    def sources(self) -> list[dict]:
        return [dict(row) for row in self.db.execute("SELECT * FROM collect_sources ORDER BY added, given")]
