"""Collecting: `newsloom collect`'s fetching against a local fixture site of 2,000 articles on 20 hosts
(127.0.0.2 to 127.0.0.21, served by a separate process), with a per-host delay.

    python bench/collect.py [--json] [--hosts 20] [--articles 100] [--delay 0.2] [--new 5]

Each host has a robots.txt (a Disallow with pages behind it listed in its sitemap), a home page announcing an
RSS feed, the feed (ETag, 304 on a match) and a news sitemap listing the same articles, some under tracking
parameters. First poll: every host's articles; then ``--new`` articles per host appear in its feed and a second
poll runs. Fetching is measured on its own: pages are stored as documents, not run through the pipeline
(which is the slow part: see "End to end" in docs/benchmarks.md).

Keys: articles_per_s (first poll), politeness_limit_articles_per_s (articles over the least time the per-host
delays allow: the busiest host's requests less one, times the delay) and articles_per_s_ratio (target >= 0.8);
requests_per_new_article and articles_refetched on the second poll (target 0 refetched); robots_violations
(requests for disallowed paths, target 0); duplicate_fetches (article URLs requested twice, target 0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import ROOT, emit, machine  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))
WORDS = ("council budget river port strike court vote storm school clinic rail wage fire trade bridge farm mine "
         "museum ferry market").split()


def article(host: int, n: int) -> bytes:
    words = [WORDS[(host * 7 + n * k) % len(WORDS)] for k in range(1, 60)]
    text = " ".join(f"{w} {host}-{n}-{i}" for i, w in enumerate(words))
    return (f"<!doctype html><html><head><title>Story {n} of host {host}</title></head><body><article>"
            f"<h1>Story {n} of host {host}</h1><p>{text}.</p></article></body></html>").encode()


def serve_sites(hosts: int, articles: int, new: int, port: int, log_path: str, ready, advance) -> None:
    """Runs in its own process. ``advance`` set: each feed gains its new articles (the second poll's)."""
    lock = threading.Lock()
    log = open(log_path, "a", encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            host = int(self.server.server_address[0].rsplit(".", 1)[1]) - 1
            base = f"http://{self.server.server_address[0]}:{port}"
            with lock:
                log.write(f"{time.monotonic():.4f} {host} {self.path}\n")
                log.flush()
            count = articles + (new if advance.is_set() else 0)
            path = self.path
            if path == "/robots.txt":
                return self.send(b"User-agent: *\nDisallow: /private/\nSitemap: " + f"{base}/news.xml\n".encode(),
                                 "text/plain")
            if path == "/":
                return self.send(b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
                                 b'href="/feed.xml"></head><body>home</body></html>')
            if path in ("/feed.xml", "/news.xml"):
                etag = f'"{count if path == "/feed.xml" else articles}"'
                if self.headers.get("If-None-Match") == etag:
                    return self.send(b"", status=304, extra={"ETag": etag})
                if path == "/feed.xml":
                    items = "".join(f"<item><title>Story {n} of host {host}</title><link>{base}/a/{n}.html</link>"
                                    f"<pubDate>Mon, 02 Jun 2025 10:{n % 60:02d}:00 GMT</pubDate></item>"
                                    for n in range(count))
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Host {host}</title>{items}</channel></rss>'
                else:  # the same articles (some under tracking parameters), and three behind the Disallow
                    urls = [f"{base}/a/{n}.html" + ("?utm_source=sitemap" if n % 10 == 0 else "") for n in range(articles)]
                    urls += [f"{base}/private/{n}.html" for n in range(3)]
                    body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                            + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>")
                return self.send(body.encode(), "application/xml", extra={"ETag": etag})
            if path.startswith(("/a/", "/private/")):
                return self.send(article(host, int(path.rsplit("/", 1)[1].split(".")[0])))
            return self.send(b"not found", status=404)

        def send(self, body: bytes, ctype: str = "text/html; charset=utf-8", status: int = 200, extra=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    servers = []
    for h in range(hosts):
        server = ThreadingHTTPServer((f"127.0.0.{h + 2}", port), Handler)
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    while True:
        time.sleep(1)


def read_log(path: Path) -> list[tuple[float, int, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        at, host, url = line.split(" ", 2)
        rows.append((float(at), int(host), url))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--articles", type=int, default=100, help="articles per host")
    parser.add_argument("--delay", type=float, default=0.2, help="per-host delay in seconds")
    parser.add_argument("--new", type=int, default=5, help="articles per host added before the second poll")
    parser.add_argument("--port", type=int, default=18422)
    args = parser.parse_args()

    from newsloom.collect import Collector, load_sources
    from newsloom.config import CollectConfig
    from newsloom.store import Store

    work = Path(tempfile.mkdtemp(prefix="newsloom-collect-bench-"))
    log_path = work / "requests.log"
    log_path.touch()
    ready, advance = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve_sites, daemon=True,
                                     args=(args.hosts, args.articles, args.new, args.port, str(log_path), ready, advance))
    server.start()
    if not ready.wait(30):
        sys.exit("the fixture sites did not start")
    try:
        store = Store(work / "news.db")

        def documents_only(items):
            with store.transaction():
                for item in items:
                    store.write(item)

        config = CollectConfig(delay_s=args.delay, parallel_hosts=args.hosts, max_per_source=10 * args.articles)
        sources = load_sources([f"http://127.0.0.{h + 2}:{args.port}/" for h in range(args.hosts)])
        collector = Collector(store, config, documents_only)
        first = collector.poll(sources)
        first_log = read_log(log_path)
        advance.set()
        second = collector.poll(sources)
        full_log = read_log(log_path)
    finally:
        server.terminate()
    second_log = full_log[len(first_log):]
    per_host = Counter(host for _, host, _ in first_log)
    least_time = (max(per_host.values()) - 1) * args.delay
    limit = first.new / least_time if least_time > 0 else float("inf")
    rate = first.new / first.seconds
    articles_first = {(host, url) for _, host, url in first_log if url.startswith("/a/")}
    article_requests = Counter((host, url) for _, host, url in full_log if url.startswith(("/a/", "/private/")))
    refetched = sum(1 for _, host, url in second_log if url.startswith("/a/") and (host, url) in
                    {(h, u) for _, h, u in first_log})
    result = {
        "hosts": args.hosts, "articles_per_host": args.articles, "delay_s": args.delay,
        "ingest": "documents only (fetching measured without the pipeline)",
        "first_poll_new": first.new, "first_poll_requests": first.requests,
        "first_poll_seconds": round(first.seconds, 2),
        "articles_per_s": round(rate, 1),
        "politeness_limit_articles_per_s": round(limit, 1),
        "articles_per_s_ratio": round(rate / limit, 3),
        "second_poll_new": second.new, "second_poll_requests": second.requests,
        "second_poll_not_modified": second.not_modified,
        "requests_per_new_article": round(second.requests / second.new, 3) if second.new else None,
        "articles_refetched": refetched,
        "robots_violations": sum(1 for _, _, url in full_log if url.startswith("/private/")),
        "duplicate_fetches": sum(n - 1 for n in article_requests.values() if n > 1),
        "article_urls_first_poll": len(articles_first),
        "machine": machine(),
    }
    emit(result, args.json)


if __name__ == "__main__":
    main()
