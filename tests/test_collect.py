"""`newsloom collect` against a fixture site on 127.0.0.1 (tests/collect_site.py): the right articles stored, robots.txt
and delays respected, conditional requests on the second poll, state surviving a kill -9, and the safety checks.
Most tests ingest with a documents-only step (fast); one runs the CLI with the real pipeline."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from collect_site import CRAWL_DELAY, STORED, serve
from newsloom.collect import Collector, load_sources
from newsloom.collect.fetch import FetchFailed, Fetcher, FetchRefused, check_address, retry_after
from newsloom.collect.urls import article_url
from newsloom.config import CollectConfig
from newsloom.errors import ConfigError, StoreError
from newsloom.store import Store

ROOT = Path(__file__).resolve().parents[1]
CONFIG = CollectConfig(delay_s=0.02, max_bytes=2_000_000, backoff_s=0.1, user_agent="newsloom-test/1 (tests)")


@pytest.fixture
def site():
    site = serve()
    yield site
    site.close()


def documents_only(store: Store):
    """Stores the fetched pages as documents (and refusals as rejections), without the record stages."""

    def ingest(items):
        with store.transaction():
            for item in items:
                store.write(item)

    return ingest


def collector(tmp_path, config=CONFIG, name="news.db"):
    store = Store(tmp_path / name)
    return store, Collector(store, config, documents_only(store))


def stored_urls(store: Store) -> set[str]:
    return {row[0] for row in store.db.execute("SELECT url FROM documents")}


def article_paths(site) -> list[str]:
    return [p for p in site.paths() if p.startswith(("/news/", "/private/"))]


def test_first_poll_stores_the_right_articles_politely(site, tmp_path):
    store, c = collector(tmp_path)
    report = c.poll(load_sources([site.base + "/"]))

    assert stored_urls(store) == {f"{site.base}/news/story-{n:02d}.html" for n in STORED}
    summary = report.sources[0]
    assert summary.new == len(STORED)
    assert summary.skipped["robots"] == 1 and summary.skipped["too-large"] == 1 and summary.skipped["http-410"] == 1
    assert summary.skipped["other-site"] == 1 and summary.skipped["not-article"] == 1
    paths = site.paths()
    assert not any(p.startswith("/private/") for p in paths)  # behind the Disallow: never requested
    assert not any("tag" in p for p in paths)
    # One article under two tracking parameters: fetched once, without them.
    assert [p for p in paths if "story-13" in p] == ["/news/story-13.html"]
    # Every article page requested once, except the one that answered 429 first.
    articles = article_paths(site)
    assert articles.count("/news/story-15.html") == 2 and len(articles) - len(set(articles)) == 1
    # The 429's Retry-After (1 s) was waited for.
    tries = [h for h in site.log if h.path == "/news/story-15.html"]
    assert [h.status for h in tries] == [429, 200] and tries[1].start - tries[0].start >= 1.0
    # robots.txt first, then its Crawl-delay between requests. The delay runs from the end of one request (as the
    # client sees it) to the start of the next, so the server sees starts at least that far apart; its own end
    # times are no measure (its thread may be held up after the last byte is sent).
    log = sorted(site.log, key=lambda h: h.start)
    assert log[0].path == "/robots.txt"
    gaps = [b.start - a.start for a, b in zip(log, log[1:])]
    assert min(gaps) >= CRAWL_DELAY, min(gaps)
    # An identifying User-Agent, and compressed answers accepted.
    assert all(h.headers.get("User-Agent") == CONFIG.user_agent for h in site.log)
    assert "br" in site.log[-1].headers.get("Accept-Encoding", "")
    # The feed's title, date and author travel with the page; the news sitemap's for a page only it lists.
    row = store.db.execute("SELECT title, published, author, outlet FROM documents WHERE url=?",
                           (f"{site.base}/news/story-02.html",)).fetchone()
    assert tuple(row) == ("Feed title 2", "2025-06-03T10:00:00", "Reporter 2", "Varnholt Courier")
    row = store.db.execute("SELECT title, published FROM documents WHERE url=?",
                           (f"{site.base}/news/story-19.html",)).fetchone()
    assert tuple(row) == ("Sitemap title 19", "2025-06-19T09:00:00")
    row = store.db.execute("SELECT title, published, author FROM documents WHERE url=?",
                           (f"{site.base}/news/story-12.html",)).fetchone()
    assert tuple(row) == ("Feed title 12", "2025-06-12T09:00:00", "Reporter 12")  # undated in the feed
    # The brotli- and gzip-compressed pages were decoded.
    html = store.db.execute("SELECT content FROM documents WHERE url=?", (f"{site.base}/news/story-02.html",)).fetchone()[0]
    assert "bridge" not in html and "election story" in html
    # What became of each URL is in the store; the refused page is also a rejection.
    seen = dict(store.db.execute("SELECT url, status FROM collect_seen"))
    assert seen[f"{site.base}/news/story-16.html"] == "gone"
    assert seen[f"{site.base}/news/huge-18.html"] == "refused"
    assert seen[f"{site.base}/news/old-17.html"] == seen[f"{site.base}/news/story-17.html"] == "ingested"
    assert store.db.execute("SELECT code FROM rejections WHERE uri LIKE '%huge-18%'").fetchone()[0] == "too-large"


def test_second_poll_is_conditional_and_fetches_no_article_again(site, tmp_path):
    store, c = collector(tmp_path)
    c.poll(load_sources([site.base + "/"]))
    site.log.clear()
    site.extra_items = [21]  # a new article in the RSS feed
    report = c.poll(load_sources([site.base + "/"]))
    conditional = [h for h in site.log if h.path.endswith(".xml")]
    assert {h.path for h in conditional} == {"/rss.xml", "/atom.xml", "/sitemap_index.xml", "/news-sitemap.xml"}
    assert all(h.headers.get("If-None-Match") for h in conditional)
    assert {h.path: h.status for h in conditional}["/atom.xml"] == 304
    assert {h.path: h.status for h in conditional}["/rss.xml"] == 200  # it changed
    assert article_paths(site) == ["/news/story-21.html"]  # only the new one
    assert "/robots.txt" not in site.paths() and "/" not in site.paths()  # kept in the store, found recently
    assert report.sources[0].new == 1 and report.not_modified == 3


def test_state_survives_kill_9_between_polls(site, tmp_path):
    db = tmp_path / "news.db"
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT / 'src')!r}, {str(ROOT / 'tests')!r}]
        from test_collect import CONFIG, documents_only
        from newsloom.collect import Collector, load_sources
        from newsloom.store import Store
        store = Store({str(db)!r})
        Collector(store, CONFIG, documents_only(store)).run(load_sources([{site.base + '/'!r}]), interval_s=3600)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            assert process.poll() is None, "the collector exited"
            try:
                with sqlite3.connect(db) as check:
                    if check.execute("SELECT last_poll FROM collect_sources").fetchone()[0]:
                        break
            except (sqlite3.OperationalError, TypeError):
                continue
        else:
            pytest.fail("the first poll did not finish")
        time.sleep(0.3)
        process.send_signal(signal.SIGKILL)  # during the wait for the next poll
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    first = article_paths(site)
    site.log.clear()
    store, c = collector(tmp_path)
    assert stored_urls(store) == {f"{site.base}/news/story-{n:02d}.html" for n in STORED}
    c.poll(load_sources([site.base + "/"]))
    assert len(first) == len(STORED) + 4  # and the 429's retry, the 410, the 301 and the too-large page
    assert article_paths(site) == []
    assert all(h.headers.get("If-None-Match") for h in site.log) and site.log


def test_stop_finishes_the_batch_and_queues_the_rest(site, tmp_path):
    store, c = collector(tmp_path)
    pages = []

    def stop_after_three(report):
        pages.append(report.fetched)
        if report.fetched >= 3:
            c.stop()

    c.progress = stop_after_three
    report = c.poll(load_sources([site.base + "/"]))
    assert report.stopped and 3 <= len(stored_urls(store)) < len(STORED)
    assert report.sources[0].queued > 0
    # The rest was queued in the store: the next poll fetches it (though the feeds answer 304), and nothing twice.
    first = {h.path for h in site.log if h.path.startswith("/news/") and h.status == 200}
    site.log.clear()
    store2, c2 = collector(tmp_path)
    c2.poll(load_sources([site.base + "/"]))
    assert stored_urls(store2) == {f"{site.base}/news/story-{n:02d}.html" for n in STORED}
    assert first and not first & set(article_paths(site))


def test_ctrl_c_finishes_the_batch_and_exits_cleanly(site, tmp_path):
    db = tmp_path / "news.db"
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT / 'src')!r}, {str(ROOT / 'tests')!r}]
        from dataclasses import replace
        from test_collect import CONFIG, documents_only
        from newsloom.collect import Collector, load_sources, stop_on_interrupt
        from newsloom.store import Store
        store = Store({str(db)!r})
        collector = Collector(store, replace(CONFIG, batch_docs=2), documents_only(store))
        with stop_on_interrupt(collector):
            report = collector.run(load_sources([{site.base + '/'!r}]), interval_s=3600)[-1]
        print("stopped", report.stopped, report.sources[0].queued)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(p.startswith("/news/") for p in site.paths()):
            time.sleep(0.05)
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and out.startswith("stopped True"), out
    queued = int(out.split()[-1])
    store = Store(db)
    statuses = dict(store.db.execute("SELECT status, count(*) FROM collect_seen GROUP BY status"))
    assert queued > 0 and statuses["queued"] == queued
    # Every page fetched was ingested and marked: the next poll asks only for the others (a redirect or a 429
    # cut short by the stop is asked again).
    fetched = {h.path for h in site.log if h.path.startswith("/news/") and h.status == 200}
    site.log.clear()
    c = Collector(store, CONFIG, documents_only(store))
    c.poll(load_sources([site.base + "/"]))
    assert stored_urls(store) == {f"{site.base}/news/story-{n:02d}.html" for n in STORED}
    assert fetched and not fetched & set(article_paths(site))


def test_server_errors_are_retried_at_later_polls_then_given_up(site, tmp_path):
    store, c = collector(tmp_path)
    site.extra_items, site.broken = [22], {"/news/story-22.html"}
    for poll in range(1, CONFIG.max_attempts + 2):
        site.log.clear()
        report = c.poll(load_sources([site.base + "/"]))
        asked = "/news/story-22.html" in site.paths()
        assert asked == (poll <= CONFIG.max_attempts), poll
        attempts = store.db.execute("SELECT status, attempts FROM collect_seen WHERE url LIKE '%story-22.html'").fetchone()
        assert tuple(attempts) == ("error", min(poll, CONFIG.max_attempts))
        if poll > 1:
            assert report.not_modified == 4  # the retry comes from the store, not from the feed
    assert store.db.execute("SELECT last_error FROM collect_sources").fetchone()[0] is None


def test_unreachable_robots_txt_stops_the_host_for_this_poll(site, tmp_path):
    store, c = collector(tmp_path)
    site.broken = {"/robots.txt"}
    report = c.poll(load_sources([site.base + "/"]))
    assert site.paths() == ["/robots.txt"] and report.sources[0].errors["robots"] == 1
    assert "unreachable" in store.db.execute("SELECT last_error FROM collect_sources").fetchone()[0]
    site.broken = set()
    report = c.poll(load_sources([site.base + "/"]))  # not kept: asked for again
    assert report.sources[0].new == len(STORED)


def test_a_site_that_announces_nothing_is_probed_at_the_usual_paths_once_a_day(site, tmp_path):
    store, c = collector(tmp_path)
    site.bare = True
    report = c.poll(load_sources([site.base + "/"]))
    listings = {"/rss.xml", "/atom.xml", "/sitemap_index.xml", "/news-sitemap.xml"}  # found at the usual paths
    assert listings < set(site.paths()) and {"/feed", "/sitemap.xml"} < set(site.paths())
    assert report.sources[0].new == len(STORED) and report.sources[0].errors == {}
    site.log.clear()
    report = c.poll(load_sources([site.base + "/"]))
    assert set(site.paths()) == listings and report.not_modified == 4  # no second round of probes
    site.log.clear()
    store, c = collector(tmp_path, name="nothing.db")
    site.broken = listings
    report = c.poll(load_sources([site.base + "/"]))
    assert report.sources[0].errors == {"no-feeds-or-sitemaps": 1}
    site.log.clear()
    report = c.poll(load_sources([site.base + "/"]))
    assert site.paths() == []  # the home page is read again after rediscover_after_s, not every poll


def test_max_per_source_and_since(site, tmp_path):
    store, c = collector(tmp_path)
    report = c.poll(load_sources([site.base + "/"], max_per_source=4))
    assert len(stored_urls(store)) == 4 and report.sources[0].queued > 0
    # The newest first: the news sitemap's June 1x dates.
    assert f"{site.base}/news/story-19.html" in stored_urls(store)
    handled = "SELECT count(*) FROM collect_seen WHERE status != 'queued'"
    assert store.db.execute(handled).fetchone()[0] == 4
    site.log.clear()
    report = c.poll(load_sources([site.base + "/"], max_per_source=4))
    assert report.not_modified == 4  # the queued ones come from the store
    # 18 listed URLs robots.txt allows: 4 handled per poll (a 301's target is recorded too), the rest queued.
    redirected = store.db.execute("SELECT count(*) FROM collect_seen WHERE url LIKE '%/story-17.html'").fetchone()[0]
    assert store.db.execute(handled).fetchone()[0] == 8 + redirected and report.sources[0].queued == 18 - 8

    store, c = collector(tmp_path, name="since.db")
    report = c.poll(load_sources([site.base + "/"], since="2025-06-08"))
    assert report.sources[0].skipped["before-since"] > 0
    assert all(row[0] >= "2025-06-08" for row in store.db.execute("SELECT published FROM documents"))


def test_feed_source_410_retires_and_301_moves(site, tmp_path):
    store, c = collector(tmp_path)
    c.poll(load_sources([site.base + "/rss.xml"]))
    assert store.db.execute("SELECT kind FROM collect_sources").fetchone()[0] == "feed"
    assert not any(p == "/" for p in site.paths())  # a feed source: no discovery
    site.gone = True
    report = c.poll(load_sources([site.base + "/rss.xml"]))
    assert report.sources[0].status == "retired"
    site.log.clear()
    report = c.poll(load_sources([site.base + "/rss.xml"]))
    assert site.log == [] and report.sources[0].skipped["source-retired"] == 1

    store, c = collector(tmp_path, name="moved.db")
    site.gone, site.moved_to = False, "/new-home/"
    c.poll(load_sources([site.base + "/"]))
    assert store.db.execute("SELECT url FROM collect_sources").fetchone()[0] == site.base + "/new-home/"


def test_safety_checks(site, tmp_path):
    allowed = frozenset({"127.0.0.1"})
    for url in ["ftp://127.0.0.1/x", "file:///etc/passwd", "http://10.0.0.8/", "http://169.254.169.254/latest",
                "http://[::1]:80/", "http://127.0.0.2/"]:
        with pytest.raises(FetchRefused):
            check_address(url, allowed)
    check_address("http://127.0.0.1:9/x", allowed)
    # A redirect from the given host to another loopback name is re-checked and refused.
    fetcher = Fetcher(CONFIG)
    with pytest.raises(FetchRefused) as refused:  # not given with the source's host: refused
        fetcher.get(site.base + "/news/story-01.html")
    assert refused.value.code == "unsafe-address" and site.log == []
    with pytest.raises(FetchRefused) as refused:
        fetcher.get(site.base + "/redirect-out", allowed_hosts=allowed)
    assert refused.value.code == "unsafe-address"
    assert "/news/story-01.html" not in site.paths()
    fetcher.close()


def test_whole_response_time_limit(site):
    from dataclasses import replace

    fetcher = Fetcher(replace(CONFIG, timeout_s=0.6))
    start = time.monotonic()
    with pytest.raises(FetchFailed) as failed:
        fetcher.get(site.base + "/slow", allowed_hosts=frozenset({"127.0.0.1"}))
    assert failed.value.code == "timeout" and time.monotonic() - start < 2.5
    fetcher.close()


def test_sitemap_index_as_a_source(site, tmp_path):
    store, c = collector(tmp_path)
    report = c.poll(load_sources([site.base + "/sitemap_index.xml"]))
    assert store.db.execute("SELECT kind FROM collect_sources").fetchone()[0] == "sitemap"
    assert stored_urls(store) == {f"{site.base}/news/story-{n:02d}.html" for n in (1, 11, 12, 19)}
    assert report.sources[0].skipped == {"robots": 1, "not-article": 1}


def test_urls_and_helpers():
    base = "http://127.0.0.1:8000/"
    assert article_url("http://127.0.0.1:8000/a/story.html?utm_source=x&fbclid=y#c", base) == (
        "http://127.0.0.1:8000/a/story.html", None)
    assert article_url("http://127.0.0.1:8001/a/story.html", base) == (None, "other-site")
    assert article_url("http://127.0.0.1:8000/category/world/", base) == (None, "not-article")
    assert article_url("https://news.example.com/a/story", "https://www.example.com/")[0]
    assert retry_after("7") == 7.0 and retry_after(None) is None
    with pytest.raises(StoreError, match="store file"):  # the workers read the store on connections of their own
        Collector(Store(":memory:"), CONFIG, lambda items: None)
    assert 50 < retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))) <= 60


def test_sources_file(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(textwrap.dedent("""
        [defaults]
        delay_s = 5
        [[source]]
        url = "https://www.example-news.com/"
        name = "Example News"
        [[source]]
        url = "https://www.example.org/rss/world.xml"
        kind = "feed"
        since = "2025-01-01"
    """))
    sources = load_sources([str(path), "https://www.example.org/sitemap.xml"], max_per_source=9)
    assert [(s.kind, s.delay_s, s.max_per_source, s.since) for s in sources] == [
        ("site", 5, 9, None), ("feed", 5, 9, "2025-01-01"), ("auto", None, 9, None)]
    path.write_text('[[source]]\nurl = "https://x.example/"\nspeed = 3\n')
    with pytest.raises(ConfigError, match="speed"):
        load_sources([str(path)])
    with pytest.raises(ConfigError):
        load_sources(["ftp://x.example/"])
    with pytest.raises(ConfigError, match="not a date"):
        load_sources(["https://x.example/"], since="last tuesday")


def test_cli_collect_through_the_pipeline(site, tmp_path):
    from click.testing import CliRunner

    from newsloom.cli import main

    config = tmp_path / "newsloom.toml"
    config.write_text("[collect]\ndelay_s = 0.01\nmax_bytes = 2_000_000\nbackoff_s = 0.1\n")
    db = tmp_path / "news.db"
    result = CliRunner().invoke(main, ["collect", site.base + "/", "--once", "--db", str(db), "--config", str(config),
                                       "--json"])
    assert result.exit_code == 0, result.output
    assert '"new": 16' in result.stdout
    store = Store(db)
    articles = dict(store.db.execute("SELECT url, title FROM articles"))
    assert articles[f"{site.base}/news/story-03.html"] == "Feed title 3"
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] > 0


def test_feed_and_sitemap_parsers_refuse_bad_input_clearly():
    import gzip

    from newsloom.collect.discover import feed_links, parse_feed, parse_sitemap
    from newsloom.errors import InputRejected

    for bad in (b"", b"not xml"):
        with pytest.raises(InputRejected):
            parse_sitemap(bad, 10**6)
    with pytest.raises(InputRejected, match="unreadable feed"):
        parse_feed(b"garbage <<")
    # No external entities: a sitemap cannot make the collector read local files.
    hostile = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               b"<urlset><url><loc>&e;</loc></url></urlset>")
    assert parse_sitemap(hostile, 10**6) == ([], [])
    index = gzip.compress(b"<sitemapindex><sitemap><loc>http://a.example/s1.xml</loc></sitemap></sitemapindex>")
    assert parse_sitemap(index, 10**6) == (["http://a.example/s1.xml"], [])
    page = (b'<html><head><link rel="alternate" type="application/rss+xml" href="/f.xml">'
            b'<link rel="alternate" type="text/html" href="/en/"><link rel="stylesheet" href="/s.css"></head></html>')
    assert feed_links(page, "http://h.example/x/") == ["http://h.example/f.xml"]
