"""A poll: every source's feeds and sitemaps read (conditionally), new article URLs fetched politely, and the pages
ingested in batches.

Sources are polled by worker threads (one request at a time per host is the fetcher's business); everything they
learn comes back to the calling thread as events, which alone touches the store, in this order: a batch of pages
is ingested (committed by the pipeline), then the URLs it came from are marked seen together with the state that
was waiting (validators, queued URLs, robots.txt) in one transaction. A feed's validators are only sent once
every article it listed has been fetched or queued, so a crash or kill never leaves a 304 hiding an article; it
may at worst refetch the pages of the last batch, which the content ids then find already stored.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..config import CollectConfig
from ..errors import InputRejected, StoreError
from ..ingest.decode import decode
from ..ingest.readers import make_document
from ..records import Document, Rejection
from ..store import Store
from .discover import USUAL_PATHS, Candidate, feed_links, parse_feed, parse_sitemap, sniff
from .fetch import FetchFailed, Fetcher, FetchRefused, Response, Robots, Stopped, origin
from .sources import Source
from .state import CollectState, Pending, Resource, SourceState
from .urls import article_url

log = logging.getLogger(__name__)

# Ingests a batch of documents and rejections; returns nothing (the pipeline commits them).
Ingest = Callable[[list[Document | Rejection]], None]


@dataclass
class SourceSummary:
    source: str
    listed: int = 0  # article URLs its feeds and sitemaps list (after normalisation)
    new: int = 0  # pages stored by this poll
    seen: int = 0  # listed URLs handled by an earlier poll
    unchanged: int = 0  # feeds and sitemaps that answered 304
    queued: int = 0  # left for a later poll (--max-per-source, Ctrl-C)
    skipped: Counter = field(default_factory=Counter)  # why listed URLs were not fetched or kept
    errors: Counter = field(default_factory=Counter)
    status: str = "active"

    def as_dict(self) -> dict:
        return {"source": self.source, "status": self.status, "listed": self.listed, "new": self.new,
                "seen": self.seen, "unchanged": self.unchanged, "queued": self.queued,
                "skipped": dict(self.skipped), "errors": dict(self.errors)}


@dataclass
class PollReport:
    sources: list[SourceSummary]
    requests: int = 0
    conditional: int = 0
    not_modified: int = 0
    fetched: int = 0  # article pages fetched
    seconds: float = 0.0
    stopped: bool = False

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    def as_dict(self) -> dict:
        return {"new": self.new, "fetched": self.fetched, "requests": self.requests, "conditional": self.conditional,
                "not_modified": self.not_modified, "seconds": round(self.seconds, 2), "stopped": self.stopped,
                "sources": [s.as_dict() for s in self.sources]}


# -- events, from the workers to the calling thread -----------------------------------------------------------
@dataclass
class _Page:
    source: str
    urls: tuple[str, ...]  # the listed URL and, after redirects, where the page was
    document: Document


@dataclass
class _Mark:
    source: str
    url: str
    status: str
    reason: str | None = None
    candidate: Candidate | None = None
    attempts: int = 0


@dataclass
class _SaveResource:
    source: str
    resource: Resource
    moved_from: str | None = None
    status: str = "active"


@dataclass
class _SourceUpdate:
    source: str
    url: str | None = None
    kind: str | None = None
    status: str | None = None
    error: str | None = None
    polled: bool = False


@dataclass
class _SaveRobots:
    origin: str
    robots: Robots


@dataclass
class _Done:
    source: str


@contextmanager
def stop_on_interrupt(collector: "Collector", notice: Callable[[], None] | None = None) -> Iterator[None]:
    """The first Ctrl-C (SIGINT) asks the collector to stop after the batch in hand; a second one aborts it (the
    batch rolls back). Main thread only."""

    def on_interrupt(signum, frame):
        if collector.stop_event.is_set():
            raise KeyboardInterrupt
        if notice:
            notice()
        collector.stop()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Collector:
    def __init__(self, store: Store, config: CollectConfig, ingest: Ingest,
                 progress: Callable[[PollReport], None] | None = None):
        self.store = store
        self.config = config
        if store.path == ":memory:":
            raise StoreError("collecting needs a store file (its workers read it), not :memory:")
        self.ingest = ingest
        self.progress = progress
        self.state = CollectState(store)
        self.stop_event = threading.Event()

    def stop(self) -> None:
        """Finish the batch in hand and return (what Ctrl-C does)."""
        self.stop_event.set()

    def run(self, sources: list[Source], interval_s: float | None = None,
            on_poll: Callable[[PollReport], None] | None = None) -> list[PollReport]:
        """Poll once, or every ``interval_s`` until stopped."""
        reports = []
        while True:
            started = time.monotonic()
            reports.append(self.poll(sources))
            if on_poll:
                on_poll(reports[-1])
            if interval_s is None or self.stop_event.is_set():
                return reports
            if self.stop_event.wait(max(0.0, interval_s - (time.monotonic() - started))):
                return reports

    def poll(self, sources: list[Source]) -> PollReport:
        start = time.perf_counter()
        states = {s.url: self.state.register(s) for s in sources}
        events: queue.Queue = queue.Queue()
        fetcher = Fetcher(self.config, self.state.robots(),
                          on_robots=lambda key, robots: events.put(_SaveRobots(key, robots)), stop=self.stop_event)
        summaries = {s.url: SourceSummary(s.url, status=states[s.url].status) for s in sources}
        report = PollReport(list(summaries.values()))
        claimed: set[str] = set()  # URLs a worker has taken in this poll: two sources never fetch one page twice
        claim_lock = threading.Lock()

        def claim(url: str) -> bool:
            with claim_lock:
                if url in claimed:
                    return False
                claimed.add(url)
                return True

        def handled(urls: list[str]) -> set[str]:  # called by the workers, each on a connection of its own
            with closing(self.state.reader()) as db:
                return self.state.handled(db, urls, self.config.max_attempts)

        work = [_SourcePoll(s, states[s.url], self.state.resources(s.url),
                            self.state.pending(s.url, self.config.max_attempts), fetcher, self.config, events,
                            summaries[s.url], claim, handled, self.stop_event, report) for s in sources]
        try:
            with ThreadPoolExecutor(max_workers=max(1, min(self.config.parallel_hosts, len(work)))) as pool:
                futures = [pool.submit(w.run) for w in work]
                try:
                    self._drain(events, len(work), summaries, report, fetcher)
                except BaseException:  # an ingest error or a second Ctrl-C: the workers stop too
                    self.stop_event.set()
                    raise
                for future in futures:
                    future.result()
        finally:
            fetcher.close()
        report.requests = fetcher.stats["requests"]
        report.conditional = fetcher.stats["conditional"]
        report.not_modified = fetcher.stats["http_304"]
        report.stopped = self.stop_event.is_set()
        report.seconds = time.perf_counter() - start
        return report

    def _drain(self, events: queue.Queue, workers: int, summaries: dict[str, SourceSummary], report: PollReport,
               fetcher: Fetcher) -> None:
        pages: list[_Page] = []
        waiting: list = []
        done = 0
        while done < workers:
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, _Done):
                done += 1
            elif isinstance(event, _Page):
                pages.append(event)
            else:
                waiting.append(event)
            if len(pages) >= self.config.batch_docs or (done == workers and (pages or waiting)):
                self._commit(pages, waiting, summaries)
                pages, waiting = [], []
            if self.progress:
                report.requests = fetcher.stats["requests"]
                self.progress(report)
        while not events.empty():  # robots.txt files saved after the last worker ended
            waiting.append(events.get())
        if pages or waiting:
            self._commit(pages, waiting, summaries)

    def _commit(self, pages: list[_Page], waiting: list, summaries: dict[str, SourceSummary]) -> None:
        fresh, marks = [], []
        batch_ids: set[str] = set()
        for page in pages:
            known = page.document.id in batch_ids or self.store.has_document(page.document.id)
            batch_ids.add(page.document.id)
            status = "duplicate" if known else "ingested"
            if known:
                summaries[page.source].skipped["same-content"] += 1
            else:
                fresh.append(page.document)
                summaries[page.source].new += 1
            marks.extend((page.source, url, status, page.document.id) for url in page.urls)
        rejections = [Rejection(e.url, e.reason.split(":")[0], e.reason, "collect")
                      for e in waiting if isinstance(e, _Mark) and e.status == "refused"]
        if fresh or rejections:
            self.ingest([*fresh, *rejections])
        with self.store.transaction():
            for source, url, status, doc_id in marks:
                self.state.mark(url, source, status, doc_id=doc_id)
            for event in waiting:
                if isinstance(event, _Mark):
                    self.state.mark(event.url, event.source, event.status, reason=event.reason,
                                    candidate=event.candidate, attempts=event.attempts)
                elif isinstance(event, _SaveResource):
                    self.state.save_resource(event.source, event.resource, event.moved_from, event.status)
                elif isinstance(event, _SourceUpdate):
                    self.state.update_source(event.source, url=event.url, kind=event.kind, status=event.status,
                                             error=event.error, polled=event.polled)
                elif isinstance(event, _SaveRobots):
                    self.state.save_robots(event.origin, event.robots)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class _SourcePoll:
    """One source's poll, run in a worker thread; reports through ``events`` only."""

    def __init__(self, source: Source, state: SourceState, resources: list[Resource], pending: list[Pending],
                 fetcher: Fetcher, config: CollectConfig, events: queue.Queue, summary: SourceSummary, claim, handled,
                 stop: threading.Event, report: PollReport):
        self.source, self.state, self.known = source, state, resources
        self.pending, self.fetcher, self.config = pending, fetcher, config
        self.events, self.summary, self.claim, self.stop, self.report = events, summary, claim, stop, report
        self.handled = handled
        self.saves: list[_SaveResource] = []  # sent only once the listed articles are all handled
        # Only the hosts this source was given with may be local addresses (fetch.check_address).
        self.allowed = frozenset({_host(state.given), _host(state.url)})

    def run(self) -> None:
        try:
            if self.state.status == "retired":
                self.summary.skipped["source-retired"] += 1
                return
            candidates = self._listings()
            self._fetch_articles(candidates)
            for save in self.saves:
                self.events.put(save)
            self.events.put(_SourceUpdate(self.source.url, polled=True))
        except Stopped:
            pass
        except (FetchFailed, FetchRefused) as exc:
            self.summary.errors[exc.code] += 1
            self.events.put(_SourceUpdate(self.source.url, error=f"{exc.code}: {exc.reason}", polled=True))
        except Exception as exc:  # a parser's surprise must not end the other sources' polls
            log.exception("polling %s failed", self.source.url)
            self.summary.errors["unexpected"] += 1
            self.events.put(_SourceUpdate(self.source.url, error=f"unexpected: {type(exc).__name__}: {exc}"))
        finally:
            self.events.put(_Done(self.source.url))

    # -- feeds and sitemaps ---------------------------------------------------------------------------------
    def _listings(self) -> list[Candidate]:
        main = self.state.url
        known = {r.url: r for r in self.known}
        start = self.known or [Resource(main, "home" if self.state.kind == "site" else self.state.kind)]
        todo = [(r, False) for r in start]
        found: list[Candidate] = []  # in reading order: feeds before sitemaps (merged in _fetch_articles)
        visited: set[str] = set()
        while todo:
            resource, probe = todo.pop(0)
            if resource.url in visited:
                continue
            visited.add(resource.url)
            if (resource.kind == "home" and resource.last_fetch
                    and time.time() - resource.last_fetch < self.config.rediscover_after_s):
                continue  # read recently: its feeds and sitemaps (if any) are among the known resources
            try:
                response = self.fetcher.get(resource.url, allowed_hosts=self.allowed, etag=resource.etag,
                                            last_modified=resource.last_modified, min_delay=self.source.delay_s)
            except (FetchFailed, FetchRefused) as exc:
                if resource.url == main:
                    raise
                if not probe:
                    self.summary.errors[f"{exc.code}"] += 1
                continue
            if response.status == 304:
                self.summary.unchanged += 1
                self.saves.append(_SaveResource(self.source.url, _touched(resource)))
                continue
            if response.status == 410 or (response.status == 404 and resource.url != main and not probe):
                if resource.url == main and response.status == 410:
                    self.summary.status = "retired"
                    self.events.put(_SourceUpdate(self.source.url, status="retired", error="HTTP 410: gone"))
                    return []
                self.saves.append(_SaveResource(self.source.url, resource, status="gone"))
                continue
            if response.status != 200:
                if probe:
                    continue
                if resource.url == main:
                    raise FetchFailed(f"http-{response.status}", f"HTTP {response.status} from {main}")
                self.summary.errors[f"http-{response.status}"] += 1
                continue
            kind = resource.kind if resource.kind in ("feed", "sitemap") else sniff(response.body, response.content_type)
            if kind == "html":
                kind = "home"
            if kind is None or (probe and kind == "home"):
                continue
            source_kind = "site" if kind == "home" else kind
            if resource.url == main and (response.moved_to or source_kind != self.state.kind):
                self.events.put(_SourceUpdate(self.source.url, url=response.moved_to, kind=source_kind))
            saved = Resource(response.moved_to or resource.url, kind, response.headers.get("etag"),
                             response.headers.get("last-modified"), time.time())
            self.saves.append(_SaveResource(self.source.url, saved, moved_from=resource.url if response.moved_to else None))
            try:
                if kind == "home":
                    robots = self.fetcher.robots(response.url, self.allowed)
                    links = [(Resource(u, "feed"), False) for u in feed_links(response.body, response.url)]
                    links += [(Resource(u, "sitemap"), False) for u in robots.sitemaps()]
                    if not links and not any(r.kind in ("feed", "sitemap") for r in known.values()):
                        links = [(Resource(origin(response.url) + path, "auto"), True) for path in USUAL_PATHS]
                    todo.extend(link for link in links if link[0].url not in known)
                elif kind == "feed":
                    found.extend(parse_feed(response.body))
                else:
                    children, listed = parse_sitemap(response.body, self.config.max_bytes)
                    todo.extend((Resource(u, "sitemap"), False) for u in children if u not in known)
                    found.extend(listed)
            except InputRejected as exc:
                self.summary.errors[exc.reason_code] += 1
        listings = [r for r in [*self.known, *(save.resource for save in self.saves)] if r.kind in ("feed", "sitemap")]
        if not listings:
            self.summary.errors["no-feeds-or-sitemaps"] += 1
        return found

    # -- articles -------------------------------------------------------------------------------------------
    def _fetch_articles(self, candidates: list[Candidate]) -> None:
        todo: dict[str, Pending] = {}
        reference = self.state.url
        for pending in self.pending:
            todo.setdefault(pending.candidate.url, pending)
        for candidate in candidates:
            url, why = article_url(candidate.url, reference)
            if url is None:
                self.summary.skipped[why] += 1
                continue
            if url in todo:  # listed twice (a feed and a sitemap, tracking parameters): what one lacks, the other gives
                todo[url] = Pending(_merged(todo[url].candidate, candidate), todo[url].attempts)
                continue
            self.summary.listed += 1
            if self.source.since and candidate.published and candidate.published[:10] < self.source.since[:10]:
                self.summary.skipped["before-since"] += 1
                continue
            todo[url] = Pending(_with_url(candidate, url), 0)
        limit = self.source.max_per_source or self.config.max_per_source
        # Newest first, so a cap or a stop leaves the oldest for later; undated ones after the dated.
        ordered = sorted(todo.items(), key=lambda item: item[1].candidate.published or "", reverse=True)
        fetched = 0
        handled = self.handled([url for url, _ in ordered])
        for url, pending in ordered:
            if url in handled or not self.claim(url):
                self.summary.seen += 1
                continue
            if fetched >= limit or self.stop.is_set():
                self.summary.queued += 1
                self.events.put(_Mark(self.source.url, url, "queued", candidate=pending.candidate,
                                      attempts=pending.attempts))
                continue
            try:
                fetched += self._fetch_article(url, pending)
            except Stopped:
                self.summary.queued += 1
                self.events.put(_Mark(self.source.url, url, "queued", candidate=pending.candidate,
                                      attempts=pending.attempts))

    def _fetch_article(self, url: str, pending: Pending) -> bool:
        """Fetch one article and report what became of it; False when robots.txt kept it from being asked for
        (then it does not count against max_per_source, and is not recorded: the rules may change)."""
        candidate = pending.candidate
        try:
            response = self.fetcher.get(url, allowed_hosts=self.allowed, min_delay=self.source.delay_s)
        except FetchRefused as exc:
            if exc.code == "robots":
                self.summary.skipped["robots"] += 1
                return False
            self.summary.skipped[exc.code] += 1
            self.events.put(_Mark(self.source.url, url, "refused", reason=f"{exc.code}: {exc.reason}"))
            return True
        except FetchFailed as exc:
            self._failed(url, pending, f"{exc.code}: {exc.reason}", exc.code)
            return True
        self.report.fetched += 1
        self._outcome(url, pending, response)
        return True

    def _outcome(self, url: str, pending: Pending, response: Response) -> None:
        candidate = pending.candidate
        if response.status in (404, 410):
            self.summary.skipped[f"http-{response.status}"] += 1
            self.events.put(_Mark(self.source.url, url, "gone", reason=f"HTTP {response.status}"))
            return
        if response.status >= 500:
            self._failed(url, pending, f"HTTP {response.status}", f"http-{response.status}")
            return
        if response.status != 200:
            self.summary.skipped[f"http-{response.status}"] += 1
            self.events.put(_Mark(self.source.url, url, "refused", reason=f"http-status: HTTP {response.status}"))
            return
        document = self._document(response, candidate)
        if isinstance(document, str):
            self.summary.skipped[document.split(":")[0]] += 1
            self.events.put(_Mark(self.source.url, url, "refused", reason=document))
            return
        urls = (url,) if response.url == url else (url, response.url)
        self.events.put(_Page(self.source.url, urls, document))

    def _failed(self, url: str, pending: Pending, reason: str, code: str) -> None:
        self.summary.errors[code] += 1
        self.events.put(_Mark(self.source.url, url, "error", reason=reason, candidate=pending.candidate,
                              attempts=pending.attempts + 1))

    def _document(self, response: Response, candidate: Candidate) -> Document | str:
        """The page as a Document carrying the listing's metadata, or why it is refused."""
        if "html" not in response.content_type and sniff(response.body, response.content_type) != "html":
            return f"not-html: content type {response.content_type or 'missing'}"
        try:
            html, encoding = decode(response.body, response.charset)
        except InputRejected as exc:
            return f"{exc.reason_code}: {exc.reason}"
        return make_document(response.url, "html", html, url=response.url,
                             outlet=self.source.name or candidate.outlet, published=candidate.published,
                             title=candidate.title, encoding=encoding, author=candidate.author)


def _touched(resource: Resource) -> Resource:
    return Resource(resource.url, resource.kind, resource.etag, resource.last_modified, time.time())


def _with_url(candidate: Candidate, url: str) -> Candidate:
    return Candidate(url, candidate.title, candidate.published, candidate.author, candidate.outlet)


def _merged(first: Candidate, other: Candidate) -> Candidate:
    """The first listing's metadata, completed by another's: a feed's title, date and author are read first and
    are better than a sitemap's, but a news sitemap may date an entry its feed left undated."""
    return Candidate(first.url, first.title or other.title, first.published or other.published,
                     first.author or other.author, first.outlet or other.outlet)
