"""A news site written for the collector's tests, served on 127.0.0.1 by a threaded HTTP server that logs every
request (arrival, end, path, headers).

Home page linking an RSS and an Atom feed; robots.txt with a Disallow, a Crawl-delay and a Sitemap line; a sitemap
index with a news sitemap; feeds and sitemaps that answer 304 to a matching conditional request; 20 article pages,
among them one listed under two tracking parameters, one behind the Disallow, one answering 429 then 200, one
410, one reached through a 301, one of 30 MB, one on another host, one under /tag/, and one that the RSS feed
leaves undated and the news sitemap dates.
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli

CRAWL_DELAY = 0.05
TOPICS = ["harbour", "election", "drought", "railway", "vaccine", "bridge", "festival", "satellite", "wildfire",
          "orchestra", "glacier", "tariff", "museum", "ferry", "volcano", "marathon", "library", "reactor",
          "vineyard", "lighthouse"]
# What a first poll must store: listed, allowed, answering 200 with HTML (17 after its 301, 13 once).
STORED = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 19]


def article_html(n: int) -> str:
    topic = TOPICS[(n - 1) % len(TOPICS)]
    sentences = " ".join(
        f"The {topic} report number {n} describes step {k} of the {topic} affair in the town of Varnholt, where "
        f"officials counted {n * 100 + k} visitors." for k in range(1, 9))
    return (f"<!doctype html><html><head><title>Page title {n}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>The {topic} story</h1><p>{sentences}</p><p>Residents said the {topic} question "
            f"would return next week.</p></article></body></html>")


@dataclass
class Hit:
    start: float
    end: float | None  # None while it is being served
    path: str
    headers: dict
    status: int | None  # 0: the client gave up


@dataclass
class Site:
    server: ThreadingHTTPServer
    log: list[Hit] = field(default_factory=list)
    extra_items: list[int] = field(default_factory=list)  # articles added to the RSS feed later
    gone: bool = False  # the whole site answers 410
    moved_to: str | None = None  # the home page answers 301 to this URL
    broken: set[str] = field(default_factory=set)  # paths that answer 500
    bare: bool = False  # the home page announces no feed and robots.txt names no sitemap
    lock: threading.Lock = field(default_factory=threading.Lock)
    hits_429: int = 0

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        return [h.path for h in self.log]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- content ----------------------------------------------------------------------------------------------
    def rss(self) -> str:
        items = [(n, f"/news/story-{n:02d}.html") for n in range(1, 8)] + [(12, "/news/story-12.html")]
        items += [(13, "/news/story-13.html?utm_source=rss&utm_medium=feed"), (15, "/news/story-15.html"),
                  (16, "/news/story-16.html"), (17, "/news/old-17.html"), (18, "/news/huge-18.html"),
                  (20, "http://elsewhere.invalid/news/story-20.html")]
        items += [(n, f"/news/story-{n:02d}.html") for n in self.extra_items]
        entries = "".join(
            f"<item><title>Feed title {n}</title><link>{path if path.startswith('http') else self.base + path}</link>"
            + ("" if n == 12 else f"<pubDate>Mon, 0{1 + n % 9} Jun 2025 10:00:00 GMT</pubDate>") +  # dated by the sitemap
            f"<author>desk{n}@example.org (Reporter {n})"
            f"</author><description>Teaser {n}</description></item>" for n, path in items)
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Varnholt Courier - Latest</title>'
                f"<link>{self.base}/</link>{entries}</channel></rss>")

    def atom(self) -> str:
        entries = "".join(
            f"<entry><title>Atom title {n}</title><link href='{self.base}{path}'/><id>urn:{n}</id>"
            f"<updated>2025-06-0{1 + n % 9}T11:00:00Z</updated></entry>"
            for n, path in [(8, "/news/story-08.html"), (9, "/news/story-09.html"), (10, "/news/story-10.html"),
                            (13, "/news/story-13.html?utm_campaign=spring#comments")])
        return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>Varnholt Courier</title>{entries}</feed>")

    def news_sitemap(self) -> str:
        urls = [(11, "/news/story-11.html"), (12, "/news/story-12.html"), (14, "/private/story-14.html"),
                (19, "/news/story-19.html"), (1, "/news/story-01.html"), (0, "/tag/politics")]
        body = "".join(
            f"<url><loc>{self.base}{path}</loc><news:news><news:publication><news:name>Varnholt Courier</news:name>"
            f"</news:publication><news:publication_date>2025-06-1{n % 10}T09:00:00Z</news:publication_date>"
            f"<news:title>Sitemap title {n}</news:title></news:news></url>" for n, path in urls)
        return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</urlset>')


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site

    def log_message(self, *args):  # the site keeps its own log
        pass

    def do_GET(self):
        # Logged on arrival, so that a request still being served (the 30 MB page, after the client gave up) is
        # not logged among the next poll's; its end and status are filled in when it is done.
        # The status is set before the answer is written, so a client that has its answer can read it.
        self.hit = Hit(time.monotonic(), None, self.path, dict(self.headers), None)
        with self.site.lock:
            self.site.log.append(self.hit)
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            self.hit.status = 0  # the client gave up (the 30 MB page)
        finally:
            self.hit.end = time.monotonic()

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", headers=None) -> int:
        headers = dict(headers or {})
        accept = self.headers.get("Accept-Encoding", "")
        if body and "br" in accept and self.path.endswith("story-02.html"):
            body, headers["Content-Encoding"] = brotli.compress(body), "br"
        elif body and "gzip" in accept and self.path.startswith("/news/"):
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        self.hit.status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        return status

    def _conditional(self, body: str, ctype: str) -> int:
        etag = f'"v{abs(hash(body)) % 10**8}"'
        modified = "Mon, 02 Jun 2025 10:00:00 GMT"
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, headers={"ETag": etag})
        return self._send(200, body.encode(), ctype, {"ETag": etag, "Last-Modified": modified})

    def _route(self) -> int:
        site, path = self.site, self.path
        if site.gone:
            return self._send(410, b"gone")
        if path == "/":
            if site.moved_to:
                return self._send(301, headers={"Location": site.moved_to})
            if site.bare:
                return self._send(200, b"<!doctype html><html><head><title>Varnholt</title></head><body></body></html>")
            return self._send(200, (
                "<!doctype html><html><head><title>Varnholt Courier</title>"
                '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
                '<link rel="alternate" type="application/atom+xml" href="/atom.xml"></head>'
                "<body><a href='/news/story-01.html'>One</a></body></html>").encode())
        if path == "/new-home/":
            return self._send(200, b"<!doctype html><html><head>"
                              b'<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>')
        if path in site.broken:
            return self._send(500, b"server error")
        if path == "/robots.txt":
            sitemap = "" if site.bare else f"Sitemap: {site.base}/sitemap_index.xml\n"
            return self._send(200, (f"User-agent: *\nDisallow: /private/\nCrawl-delay: {CRAWL_DELAY}\n"
                                    f"{sitemap}").encode(), "text/plain")
        if path == "/rss.xml":
            return self._conditional(site.rss(), "application/rss+xml")
        if path == "/atom.xml":
            return self._conditional(site.atom(), "application/atom+xml")
        if path == "/sitemap_index.xml":
            return self._conditional(
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{site.base}/news-sitemap.xml</loc></sitemap></sitemapindex>", "application/xml")
        if path == "/news-sitemap.xml":
            return self._conditional(site.news_sitemap(), "application/xml")
        if path == "/news/story-15.html":
            with site.lock:
                site.hits_429 += 1
                first = site.hits_429 == 1
            if first:
                return self._send(429, b"slow down", headers={"Retry-After": "1"})
        if path == "/news/story-16.html":
            return self._send(410, b"gone")
        if path == "/news/old-17.html":
            return self._send(301, headers={"Location": "/news/story-17.html"})
        if path == "/news/huge-18.html":
            self.hit.status = 200
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            for _ in range(30 * 1024 * 1024 // len(chunk)):  # 30 MB, with no Content-Length to refuse it early
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return 200
        if path.startswith(("/news/story-", "/private/story-")) and path.endswith(".html"):
            n = int(path.rsplit("-", 1)[1].removesuffix(".html"))
            return self._send(200, article_html(n).encode())
        if path == "/slow":  # a byte every 0.2 s: no read times out, the whole response does
            self.hit.status = 200
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "20")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
            return 200
        if path.startswith("/redirect-out"):
            return self._send(302, headers={"Location": f"http://localhost:{site.server.server_address[1]}/news/story-01.html"})
        return self._send(404, b"not found")


def serve(host: str = "127.0.0.1") -> Site:
    server = ThreadingHTTPServer((host, 0), type("Handler", (_Handler,), {}))
    server.daemon_threads = True
    site = Site(server)
    server.RequestHandlerClass.site = site
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site
