"""Polite, guarded HTTP: robots.txt (protego), one request at a time per host with a delay between them, Retry-After
and backoff, size and time limits, and an address check on every hop of a redirect.

httpx does the HTTP (pooling, timeouts, gzip/deflate, and brotli with the brotli package). Written here, because no
maintained library does it for httpx: the per-host queueing and delays, robots.txt caching with RFC 9309's rules for
unreachable files, and the address check on redirects (httpx would follow them unchecked).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from ..config import CollectConfig

log = logging.getLogger(__name__)

PERMANENT_REDIRECTS = (301, 308)
REDIRECTS = (301, 302, 303, 307, 308)


class FetchRefused(Exception):
    """The URL is not fetched, or its response not kept, for a reason that will not change by retrying soon:
    code 'unsafe-address', 'not-http', 'robots', 'too-large', 'redirects', 'dns'."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


class FetchFailed(Exception):
    """A failure worth retrying at the next poll (5xx, 429 past the retries, timeouts, connection errors)."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


class Stopped(Exception):
    """The collector was asked to stop (Ctrl-C) while this request waited its turn."""


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes
    moved_to: str | None = None  # set when every redirect was permanent (301/308): the address to store instead

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        value = self.headers.get("content-type", "")
        return value.split("charset=")[1].strip().strip('"') if "charset=" in value else None


@dataclass
class Robots:
    status: int  # HTTP status of robots.txt; 0 when it could not be fetched
    body: str
    fetched: float  # time.time()

    def __post_init__(self):
        self.parser = Protego.parse(self.body) if 200 <= self.status < 300 else None

    def allowed(self, url: str, agent: str) -> bool:
        # RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one (5xx, network) disallows all.
        if self.parser is not None:
            return self.parser.can_fetch(url, agent)
        return 400 <= self.status < 500

    def crawl_delay(self, agent: str) -> float | None:
        return self.parser.crawl_delay(agent) if self.parser is not None else None

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float = float("-inf")  # time.monotonic() when its last request ended
    not_before: float = 0.0  # a Retry-After or backoff: no request starts before this


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def check_address(url: str, allowed_hosts: frozenset[str]) -> None:
    """Refuse anything but http(s), and hosts that resolve to private, loopback, link-local or other special
    addresses, unless the host is one a source was given with (so a collector can be pointed at a local site).
    The address is checked before the request; a host whose DNS answer changes in between could still reach an
    inner address (pinning the address would need a custom transport)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused("not-http", f"only http and https are fetched, not {parts.scheme or 'a relative URL'!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused("not-http", "URL has no host")
    if host in allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused("dns", f"cannot resolve {host}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchRefused("unsafe-address", f"{host} resolves to the non-public address {address}")


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


class Fetcher:
    """One per poll; thread-safe. ``robots`` holds robots.txt files already known (from the store); each newly
    fetched one is passed to ``on_robots`` so the caller can keep it. ``allowed_hosts``, on each call, are the
    hosts its source was given with, which may be local (see check_address)."""

    def __init__(self, config: CollectConfig, robots: dict[str, Robots] | None = None,
                 on_robots: Callable[[str, Robots], None] | None = None, stop: threading.Event | None = None):
        self.config = config
        self.stop = stop or threading.Event()
        self._robots = dict(robots or {})
        self._on_robots = on_robots
        self._hosts: dict[str, _Host] = {}
        self._origin_locks: dict[str, threading.Lock] = {}
        self._capped: set[str] = set()  # origins whose delay was capped (logged once)
        self._lock = threading.Lock()
        self.stats: Counter = Counter()  # requests, conditional, not_modified, bytes, by status
        self.client = httpx.Client(
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            timeout=httpx.Timeout(config.timeout_s), follow_redirects=False, http2=config.http2,
            limits=httpx.Limits(max_connections=max(4, config.parallel_hosts * 2), max_keepalive_connections=64),
            trust_env=False)  # a proxy from the environment would see (and could redirect) every request

    def close(self) -> None:
        self.client.close()

    # -- robots.txt -----------------------------------------------------------------------------------------
    def robots(self, url: str, allowed_hosts: frozenset[str] = frozenset()) -> Robots:
        key = origin(url)
        with self._lock:
            lock = self._origin_locks.setdefault(key, threading.Lock())
        with lock:  # one fetch of an origin's robots.txt, however many threads want it
            known = self._robots.get(key)
            if known is not None and time.time() - known.fetched < self.config.robots_ttl_s:
                return known
            try:
                response = self._get_once(key + "/robots.txt", {}, allowed_hosts, check_robots=False)
                status, body = response.status, response.body.decode("utf-8", "replace")
            except (FetchFailed, FetchRefused) as exc:
                log.info("robots.txt of %s unreachable: %s", key, exc)
                status, body = 0, ""
            robots = Robots(status, body if 200 <= status < 300 else "", time.time())
            self._robots[key] = robots
            # An unreachable robots.txt (5xx, network) is not kept: it is asked for again at the next poll.
            if 200 <= status < 500 and self._on_robots:
                self._on_robots(key, robots)
            return robots

    def host_delay(self, url: str, minimum: float | None, allowed_hosts: frozenset[str]) -> float:
        crawl_delay = self.robots(url, allowed_hosts).crawl_delay(self.config.user_agent)
        delay = max(self.config.delay_s, minimum or 0.0, crawl_delay or 0.0)
        if delay > self.config.max_delay_s and origin(url) not in self._capped:
            self._capped.add(origin(url))
            log.warning("%s asks for %g s between requests; capped at max_delay_s = %g s", origin(url), delay,
                        self.config.max_delay_s)
        return min(delay, self.config.max_delay_s)

    # -- requests -------------------------------------------------------------------------------------------
    def get(self, url: str, *, allowed_hosts: frozenset[str] = frozenset(), etag: str | None = None,
            last_modified: str | None = None, min_delay: float | None = None) -> Response:
        """GET ``url`` politely, following redirects (each hop checked). Sends If-None-Match/If-Modified-Since
        when validators are given (a 304 comes back as a Response). Raises FetchRefused, FetchFailed, Stopped."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get_once(url, headers, allowed_hosts, check_robots=True, min_delay=min_delay)

    def _get_once(self, url: str, headers: dict, allowed_hosts: frozenset[str], *, check_robots: bool,
                  min_delay: float | None = None) -> Response:
        current, permanent = url, True
        for _ in range(self.config.max_redirects + 1):
            check_address(current, allowed_hosts)
            robots = self.robots(current, allowed_hosts) if check_robots else None
            if robots is not None and not robots.allowed(current, self.config.user_agent):
                unreachable = robots.parser is None and not 400 <= robots.status < 500
                raise FetchRefused("robots", f"robots.txt of {origin(current)} unreachable: nothing is fetched there "
                                   "this poll" if unreachable else f"robots.txt disallows {current}")
            delay = (self.host_delay(current, min_delay, allowed_hosts) if check_robots
                     else max(self.config.delay_s, min_delay or 0.0))
            response = self._with_retries(current, headers, delay)
            if response.status in REDIRECTS and response.headers.get("location"):
                permanent = permanent and response.status in PERMANENT_REDIRECTS
                current = urljoin(current, response.headers["location"])
                continue
            moved = current if permanent and current != url else None
            return Response(current, response.status, response.headers, response.body, moved)
        raise FetchRefused("redirects", f"more than {self.config.max_redirects} redirects from {url}")

    def _with_retries(self, url: str, headers: dict, delay: float) -> Response:
        host = self._host(url)
        for attempt in range(self.config.max_retries + 1):
            try:
                with self._turn(host, delay):
                    response = self._request(url, headers)
                    if response.status not in (429, 503):
                        return response
                    wait = retry_after(response.headers.get("retry-after"))
                    wait = self.config.backoff_s * 2 ** attempt if wait is None else wait
                    if wait > self.config.max_retry_after_s:
                        raise FetchFailed(f"http-{response.status}",
                                          f"HTTP {response.status}, Retry-After {wait:.0f} s: left for a later poll")
                    # The whole host waits, not only this URL.
                    host.not_before = max(host.not_before, time.monotonic() + wait)
                    failure = FetchFailed(f"http-{response.status}", f"HTTP {response.status} after {attempt + 1} tries")
            except httpx.TransportError as exc:
                failure = FetchFailed("network", f"{type(exc).__name__}: {exc}")
                with self._lock:
                    host.not_before = max(host.not_before, time.monotonic() + self.config.backoff_s * 2 ** attempt)
        raise failure

    def _host(self, url: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(urlsplit(url).netloc.lower(), _Host())

    @contextmanager
    def _turn(self, host: _Host, delay: float) -> Iterator[None]:
        """At most one request at a time per host, ``delay`` seconds after the previous one ended."""
        with host.lock:
            wait = max(host.last_end + delay, host.not_before) - time.monotonic()
            if self.stop.is_set() or (wait > 0 and self.stop.wait(wait)):
                raise Stopped()
            try:
                yield
            finally:
                host.last_end = time.monotonic()

    def _request(self, url: str, headers: dict) -> Response:
        limit, deadline = self.config.max_bytes, time.monotonic() + self.config.timeout_s
        with self._lock:
            self.stats["requests"] += 1
            if headers:
                self.stats["conditional"] += 1
        with self.client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchRefused("too-large", f"{int(declared):,} bytes declared, over the {limit:,}-byte limit")
            chunks, size = [], 0
            for chunk in response.iter_bytes():  # decoded (gzip, deflate, br): the limit holds after decompression
                size += len(chunk)
                if size > limit:
                    raise FetchRefused("too-large", f"over the {limit:,}-byte limit")
                if time.monotonic() > deadline:
                    raise FetchFailed("timeout", f"response took longer than {self.config.timeout_s:g} s")
                chunks.append(chunk)
        with self._lock:
            self.stats[f"http_{response.status_code}"] += 1
            self.stats["bytes"] += size
        return Response(url, response.status_code, response.headers, b"".join(chunks))
