"""What a site offers and what its feeds and sitemaps list: feed links in a home page, RSS/Atom entries
(feedparser), and sitemaps (index, news sitemap, plain urlset).

Sitemaps are parsed here with lxml rather than with trafilatura's sitemap module or usp, because both fetch the
sitemaps themselves, outside the politeness, conditional requests and state of the collector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from ..dates import iso_date
from ..errors import InputRejected
from ..ingest.decode import gunzip_limited
from ..ingest.readers import feed_outlet

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# Asked for only when neither the home page nor robots.txt names a feed or sitemap.
USUAL_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/news-sitemap.xml",
               "/sitemap_news.xml", "/sitemap.xml", "/sitemap_index.xml")


@dataclass(frozen=True)
class Candidate:
    """An article URL listed by a feed or sitemap, with the metadata the listing gives."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO
    author: str | None = None
    outlet: str | None = None


def sniff(body: bytes, content_type: str = "") -> str | None:
    """'feed', 'sitemap', 'html' or None, from the content (content types are too often wrong)."""
    if body[:2] == b"\x1f\x8b":
        return "sitemap"  # gzipped XML: sitemaps are the XML usually served so
    head = body[:4096].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if b"<html" in head or b"<!doctype html" in head or "html" in content_type:
        return "html"
    return None


def feed_links(html: bytes, base_url: str) -> list[str]:
    """Feeds a page announces with <link rel="alternate" type="application/rss+xml" href="...">."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    links = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower().strip() in FEED_TYPES and link.get("href"):
            url = urljoin(base_url, link.get("href").strip())
            if url not in links:
                links.append(url)
    return links


def parse_feed(body: bytes) -> list[Candidate]:
    """Entries with a link. Runs in the collector's worker threads, where limits.time_limit cannot act; the
    response size limit bounds the work instead."""
    import feedparser

    feed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries and getattr(feed, "bozo", False):
        raise InputRejected("bad-feed", f"unreadable feed: {getattr(feed, 'bozo_exception', 'no entries')}")
    outlet = feed_outlet(_text(feed.feed.get("title")))
    candidates = []
    for entry in feed.entries:
        link = _text(entry.get("link"))
        if not link:
            continue
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        candidates.append(Candidate(link, _text(entry.get("title")),
                                    time.strftime("%Y-%m-%dT%H:%M:%S", parsed) if parsed else None,
                                    _text((entry.get("author_detail") or {}).get("name")) or _text(entry.get("author")),
                                    outlet))
    return candidates


def parse_sitemap(body: bytes, max_bytes: int) -> tuple[list[str], list[Candidate]]:
    """(child sitemaps of an index, article candidates of a urlset). News sitemaps give title and date."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip_limited(body, max_bytes)
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise InputRejected("bad-sitemap", f"unreadable sitemap: {exc}") from None
    if root is None:
        raise InputRejected("bad-sitemap", "empty sitemap")
    children, candidates = [], []
    kind = lxml.etree.QName(root).localname
    for item in root:
        if not isinstance(item.tag, str):
            continue
        fields = {lxml.etree.QName(e).localname: (e.text or "").strip() for e in item.iter() if isinstance(e.tag, str)}
        loc = fields.get("loc")
        if not loc:
            continue
        if kind == "sitemapindex":
            children.append(loc)
        else:
            published = iso_date(fields.get("publication_date") or fields.get("lastmod"))
            candidates.append(Candidate(loc, fields.get("title") or None, published, None, fields.get("name") or None))
    return children, candidates


def _text(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
