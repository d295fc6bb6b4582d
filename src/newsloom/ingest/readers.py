"""Readers: turn files, directories and stdin into :class:`Document` records (or :class:`Rejection`s).

Format comes from the file name, else from sniffing the content. Outlet and publication time come from the
input's metadata where the format carries them (JSONL fields, feed entries); pages without such metadata leave
them unknown here and the cleaner may find them on the page. Nothing is invented.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ..config import IngestConfig
from ..dates import iso_date
from ..errors import InputRejected
from ..limits import time_limit
from ..records import Document, Rejection, content_id
from .decode import check_not_binary, decode, gunzip_limited, read_limited

Item = Document | Rejection

_EXT_FORMATS = {
    ".txt": "text", ".text": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".warc": "warc", ".arc": "warc",
    ".rss": "feed", ".atom": "feed", ".xml": "feed", ".feed": "feed",
}
_SKIPPED_NAMES = {".DS_Store", "Thumbs.db"}


def make_document(uri: str, fmt: str, content: str, *, url=None, outlet=None, published=None, title=None,
                  encoding=None, author=None) -> Document:
    # The path is left out of the id on purpose: the same bytes read from another folder are the same page.
    doc_id = content_id("doc", fmt, url or "", outlet or "", published or "", content)
    return Document(id=doc_id, uri=uri, format=fmt, content=content, url=url, outlet=outlet,
                    published=published, title=title, encoding=encoding, author=author)


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def detect_format(name: str, data: bytes | None = None) -> str | None:
    lower = name.lower().removesuffix(".gz")
    if lower.endswith(".warc") or lower.endswith(".arc"):
        return "warc"
    fmt = _EXT_FORMATS.get(Path(lower).suffix)
    if fmt == "feed" and data is not None and not _looks_like_feed(data):
        return "html" if _looks_like_html(data) else None
    if fmt or data is None:
        return fmt
    return sniff_format(data)


def sniff_format(data: bytes) -> str:
    head = data[:4096].lstrip().lower()
    if head.startswith(b"warc/"):
        return "warc"
    if _looks_like_feed(data):
        return "feed"
    if _looks_like_html(data):
        return "html"
    if head.startswith(b"{"):
        return "jsonl"
    return "text"


def _looks_like_feed(data: bytes) -> bool:
    head = data[:2048].lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _looks_like_html(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<p>" in head or b"<div" in head


def read_inputs(paths: Iterable[str], config: IngestConfig, skipped: list[str] | None = None) -> Iterator[Item]:
    """Walk the given paths ('-' is stdin) and yield documents and rejections, in a stable order.

    In a directory, only files with a news format's extension are read (a README or a script beside the
    pages is not news); the others are appended to ``skipped`` so the run report can count them. A file named
    explicitly is always read, its format sniffed when the extension says nothing."""
    for raw in paths:
        if raw == "-":
            yield from read_bytes("<stdin>", "-", sys.stdin.buffer.read(config.max_bytes + 1), config)
            continue
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                # Hidden folders too (.git, .venv, .ipynb_checkpoints), not only hidden files: their .txt/.json
                # files are not news, and checkpoints are stale copies of pages.
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if hidden or child.name in _SKIPPED_NAMES:
                    continue
                if detect_format(child.name) is None:
                    if skipped is not None:
                        skipped.append(str(child))
                    continue
                yield from read_file(child, config)
        elif path.exists():
            yield from read_file(path, config)
        else:
            yield Rejection(str(path), "not-found", "no such file or directory")


def read_file(path: Path, config: IngestConfig) -> Iterator[Item]:
    uri = str(path)
    try:
        data = read_limited(path, config.max_bytes, config.max_decompressed_bytes)
    except InputRejected as exc:
        yield Rejection(uri, exc.reason_code, exc.reason)
        return
    yield from read_bytes(uri, path.name, data, config)


def read_bytes(uri: str, name: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    """Documents from bytes already in memory (a file, stdin, an upload); ``name`` gives the format."""
    try:
        if len(data) > config.max_bytes:
            raise InputRejected("too-large", f"over the {config.max_bytes:,}-byte limit")
        if data[:2] == b"\x1f\x8b":  # gzipped stdin
            data = gunzip_limited(data, config.max_decompressed_bytes)
        check_not_binary(data)
        fmt = detect_format(name, data)
        if fmt is None:
            raise InputRejected("unsupported", f"unsupported file type {Path(name).suffix!r}")
        reader = _READERS[fmt]
        yield from reader(uri, data, config)
    except InputRejected as exc:
        yield Rejection(uri, exc.reason_code, exc.reason)


def _read_text(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    text, encoding = decode(data)
    yield make_document(uri, "text", text, encoding=encoding)


def _read_html(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    html, encoding = decode(data)
    yield make_document(uri, "html", html, encoding=encoding)


def _read_jsonl(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    text, _ = decode(data)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{uri}#{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(where, "bad-json", f"line is not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        yield from json_document(where, obj)


def _read_json(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    """A .json file: one document object, or a list of them (JSON lines are read by the JSONL reader)."""
    text, _ = decode(data)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        yield from _read_jsonl(uri, data, config)
        return
    items = obj if isinstance(obj, list) else [obj]
    if not any(isinstance(i, dict) and ("text" in i or "html" in i) for i in items):
        raise InputRejected("not-news", 'JSON holds no document objects (with a "text" or "html" field)')
    for number, item in enumerate(items, start=1):
        yield from json_document(f"{uri}#{number}" if isinstance(obj, list) else uri, item)


def json_document(where: str, obj) -> Iterator[Item]:
    """One document from a JSON object with "text" or "html", and optional url, title, source, published."""
    if not isinstance(obj, dict):
        yield Rejection(where, "bad-json", "not a JSON object")
        return
    content, fmt = obj.get("html"), "html"
    if not isinstance(content, str) or not content.strip():
        content, fmt = obj.get("text"), "text"
    if not isinstance(content, str) or not content.strip():
        yield Rejection(where, "empty", 'object has no non-empty "text" or "html" field')
        return
    url = _str_or_none(obj.get("url"))
    yield make_document(where, fmt, content, url=url,
                        outlet=_str_or_none(obj.get("source")),
                        published=iso_date(_str_or_none(obj.get("published"))), title=_str_or_none(obj.get("title")))


def _read_warc(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    count = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            target = record.rec_headers.get_header("WARC-Target-URI")
            where = f"{uri}#{target}"
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
            status = record.http_headers.get_statuscode()
            payload = record.content_stream().read(config.max_bytes + 1)
            if "html" not in ctype:
                continue  # images, scripts and the like are not news pages
            count += 1
            if status and not status.startswith("2"):
                yield Rejection(where, "http-status", f"HTTP status {status}")
                continue
            if len(payload) > config.max_bytes:
                yield Rejection(where, "too-large", f"payload over the {config.max_bytes:,}-byte limit")
                continue
            # warcio does not complain when an uncompressed WARC ends inside a record: the payload just comes
            # back short and would be stored as a cut-off page. The record's reader counts down its
            # Content-Length; anything left over once the payload is read means the file ended early.
            missing = getattr(record.raw_stream, "limit", 0)
            if missing:
                yield Rejection(where, "truncated-archive",
                                f"WARC record is truncated ({missing:,} bytes of its content are missing)")
                continue
            declared = ctype.split("charset=")[1].strip() if "charset=" in ctype else None
            try:
                html, encoding = decode(payload, declared)
            except InputRejected as exc:
                yield Rejection(where, exc.reason_code, exc.reason)
                continue
            yield make_document(where, "html", html, url=target, encoding=encoding)
    # AttributeError: warcio fails so on a record whose headers are cut off or corrupt (no WARC-Target-URI);
    # it used to escape and end the whole run.
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, AttributeError) as exc:
        raise InputRejected("truncated-archive", f"WARC unreadable after {count} HTML records: {exc}") from None
    if count == 0:
        raise InputRejected("empty", "WARC has no HTML response records")


def _read_feed(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    import feedparser

    with time_limit(config.parse_timeout_s, "feed parsing"):
        feed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries:
        problem = getattr(feed, "bozo_exception", None)
        raise InputRejected("bad-feed", f"no feed entries found{f': {problem}' if problem else ''}")
    outlet = feed_outlet(_str_or_none(feed.feed.get("title"))) or outlet_from_url(feed.feed.get("link"))
    for number, entry in enumerate(feed.entries, start=1):
        link = _str_or_none(entry.get("link"))
        where = f"{uri}#{link or number}"
        content = entry.get("content")
        html = content[0].get("value") if content else entry.get("summary")
        title = _str_or_none(entry.get("title"))
        if not (html and html.strip()) and not title:
            yield Rejection(where, "empty", "feed entry has neither content nor title")
            continue
        yield make_document(where, "feed-entry", html or "", url=link, outlet=outlet,
                            published=_feed_time(entry), title=title)


# Feed titles often name the feed as well as the outlet ("Solvany Daily Ledger - Latest"); such a generic last
# part is dropped so that the outlet matches the one found on the same outlet's pages.
_FEED_TITLE_SUFFIX = re.compile(r"\s+[-|–—:]\s+(?:latest(?: news| headlines| stories)?|news|top stories|headlines|"
                                r"home(?:page)?|front page|all stories|rss(?: feed)?|feed)\s*$", re.I)


def feed_outlet(title: str | None) -> str | None:
    if not title:
        return None
    return _FEED_TITLE_SUFFIX.sub("", title).strip() or title


def _feed_time(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    # feedparser gives UTC; written like dates.iso_date writes UTC times (no offset, no "Z"), so that dates from
    # feeds, JSONL and pages are one format in the store and compare as strings.
    return time.strftime("%Y-%m-%dT%H:%M:%S", parsed) if parsed else None


def _str_or_none(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


_READERS = {"text": _read_text, "html": _read_html, "jsonl": _read_jsonl, "json": _read_json, "warc": _read_warc, "feed": _read_feed}
