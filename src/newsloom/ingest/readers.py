"""Readers: turn files, directories and stdin into :class:`Document` records (or :class:`Rejection`s).

Format comes from the file name, else from sniffing the content. Outlet and publication time come from the
input's metadata where the format carries them (JSONL fields, feed entries); pages without such metadata leave
them unknown here and the cleaner may find them on the page. Nothing is invented.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ..config import IngestConfig
from ..dates import iso_date
from ..errors import InputRejected
from ..records import Document, Rejection, content_id
from ..workers import STOPPED_CODES, DocumentWorkers
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


def path_uri(path: str | os.PathLike) -> str:
    """A file path as newsloom records it (a document's or a rejection's uri): the path's bytes read as UTF-8,
    each byte that is not UTF-8 written ``\\xNN`` and a backslash doubled, so that the form is lossless
    (:func:`path_from_uri` gives the bytes back) and storable as text. Crawls hold file names in other
    encodings; Python hands them over with lone surrogates, which SQLite and JSON refuse."""
    return os.fsencode(path).replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def path_from_uri(uri: str) -> bytes:
    """The file path's bytes back from :func:`path_uri`'s form (for a container's document, the part before
    the "#")."""
    return re.sub(rb"\\(\\|x[0-9a-f]{2})", lambda m: b"\\" if m[1] == b"\\" else bytes([int(m[1][1:], 16)]),
                  uri.encode("utf-8"))


def read_inputs(paths: Iterable[str], config: IngestConfig, skipped: list[str] | None = None,
                workers: DocumentWorkers | None = None) -> Iterator[Item]:
    """Walk the given paths ('-' is stdin) and yield documents and rejections, in a stable order.

    In a directory, only files with a news format's extension are read (a README or a script beside the
    pages is not news); the others are appended to ``skipped`` so the run report can count them. A file named
    explicitly is always read, its format sniffed when the extension says nothing. With ``workers``, each file
    is read in a document worker under its time and memory limits (see :mod:`newsloom.workers`)."""
    for raw in paths:
        if raw == "-":
            yield from read_bytes("<stdin>", "-", sys.stdin.buffer.read(config.max_bytes + 1), config, workers)
            continue
        path = Path(raw)
        if path.is_dir():
            for child in _walk(path, skipped):
                if isinstance(child, Rejection):
                    yield child
                else:
                    yield from read_file(child, config, workers)
        elif path.exists():
            yield from read_file(path, config, workers)
        else:
            yield Rejection(path_uri(path), "not-found", "no such file or directory")


def _walk(root: Path, skipped: list[str] | None) -> list[Path | Rejection]:
    """The news files under ``root`` (sorted as paths), and rejections for what cannot be read: folders that
    cannot be listed, links to nothing. Linked folders are followed, each real folder walked once (a link back
    up is a loop, not an endless walk)."""
    found: list[tuple[Path, Path | Rejection]] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename)
        found.append((where, Rejection(path_uri(where), "unreadable",
                                       f"cannot read folder: {exc.strerror or exc}")))

    walked: set[tuple[int, int]] = set()
    for folder, folders, files in os.walk(root, onerror=unreadable, followlinks=True):
        try:
            info = os.stat(folder)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in walked:
            folders[:] = []
            continue
        walked.add((info.st_dev, info.st_ino))
        # Hidden folders too (.git, .venv, .ipynb_checkpoints), not only hidden files: their .txt/.json files
        # are not news, and checkpoints are stale copies of pages.
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            child = Path(folder, name)
            if name.startswith(".") or name in _SKIPPED_NAMES:
                continue
            if not child.exists():
                found.append((child, Rejection(path_uri(child), "not-found", "a link to a file that does not exist")))
            elif not child.is_file() or detect_format(name) is None:  # pipes and sockets are not pages either
                if skipped is not None:
                    skipped.append(path_uri(child))
            else:
                found.append((child, child))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def read_file(path: Path, config: IngestConfig, workers: DocumentWorkers | None = None) -> Iterator[Item]:
    uri = path_uri(path)
    if workers is not None:
        yield from _in_worker(workers, _read_file_job, (path, config), uri)
        return
    try:
        data = read_limited(path, config.max_bytes, config.max_decompressed_bytes)
    except InputRejected as exc:
        yield Rejection(uri, exc.reason_code, exc.reason)
        return
    yield from read_bytes(uri, path.name, data, config)


def read_bytes(uri: str, name: str, data: bytes, config: IngestConfig,
               workers: DocumentWorkers | None = None) -> Iterator[Item]:
    """Documents from bytes already in memory (a file, stdin, an upload); ``name`` gives the format."""
    if workers is not None:
        yield from _in_worker(workers, _read_bytes_job, (uri, name, data, config), uri)
        return
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


def _in_worker(workers: DocumentWorkers, job, argument, uri: str) -> Iterator[Item]:
    try:
        yield from workers.call(job, argument)
    except InputRejected as exc:
        yield Rejection(uri, exc.reason_code, f"reading it {exc.reason}" if exc.reason_code in STOPPED_CODES else exc.reason)


def _read_file_job(argument: tuple[Path, IngestConfig]) -> list[Item]:
    return list(read_file(*argument))


def _read_bytes_job(argument: tuple[str, str, bytes, IngestConfig]) -> list[Item]:
    return list(read_bytes(*argument))


def check_text_length(text: str, config: IngestConfig) -> None:
    """Refuse a text far longer than any news article (a dump, a book, a log) instead of storing it as one."""
    if len(text) > config.max_text_chars:
        raise InputRejected("too-long", f"{len(text):,} characters of text is far longer than a news article "
                                        f"(limit {config.max_text_chars:,}); give one article per document")


def _read_text(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    text, encoding = decode(data)
    check_text_length(text, config)
    yield make_document(uri, "text", text, encoding=encoding)


def _read_html(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    html, encoding = decode(data)
    yield make_document(uri, "html", html, encoding=encoding)


_TOO_DEEP = "JSON nested too deeply to be a document (Python's JSON parser stops at about 1,000 levels)"


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
        except RecursionError:
            yield Rejection(where, "bad-json", _TOO_DEEP)
            continue
        yield from json_document(where, obj, config)


def _read_json(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    """A .json file: one document object, or a list of them (JSON lines are read by the JSONL reader)."""
    text, _ = decode(data)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        yield from _read_jsonl(uri, data, config)
        return
    except RecursionError:
        raise InputRejected("bad-json", _TOO_DEEP) from None
    items = obj if isinstance(obj, list) else [obj]
    if not any(isinstance(i, dict) and ("text" in i or "html" in i) for i in items):
        raise InputRejected("not-news", 'JSON holds no document objects (with a "text" or "html" field)')
    for number, item in enumerate(items, start=1):
        yield from json_document(f"{uri}#{number}" if isinstance(obj, list) else uri, item, config)


def json_document(where: str, obj, config: IngestConfig | None = None) -> Iterator[Item]:
    """One document from a JSON object with "text" or "html", and optional url, title, source, published."""
    if not isinstance(obj, dict):
        yield Rejection(where, "bad-json", "not a JSON object")
        return
    content, fmt = _unicode(obj.get("html")), "html"
    if not isinstance(content, str) or not content.strip():
        content, fmt = _unicode(obj.get("text")), "text"
    if not isinstance(content, str) or not content.strip():
        yield Rejection(where, "empty", 'object has no non-empty "text" or "html" field')
        return
    if fmt == "text":
        try:
            check_text_length(content, config or IngestConfig())
        except InputRejected as exc:
            yield Rejection(where, exc.reason_code, exc.reason)
            return
    url = _str_or_none(obj.get("url"))
    yield make_document(where, fmt, _unicode(content), url=url,
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
    except ArchiveLoadFailed:
        raise InputRejected("bad-warc", f"not a WARC file: a record does not start with a WARC header "
                                        f"(after {count} HTML records)") from None
    except (EOFError, OSError):
        raise InputRejected("truncated-archive", f"WARC ends inside a record (after {count} HTML records)") from None
    # AttributeError, TypeError, ValueError: warcio fails so, with Python's own wording, on a record whose
    # headers are cut off or corrupt (no WARC-Target-URI, no HTTP status line); it used to end the whole run.
    except (ValueError, AttributeError, TypeError):
        raise InputRejected("bad-warc", f"WARC record headers are missing or corrupt (after {count} HTML "
                                        f"records)") from None
    if count == 0:
        raise InputRejected("empty", "WARC has no HTML response records")


def _read_feed(uri: str, data: bytes, config: IngestConfig) -> Iterator[Item]:
    import feedparser

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
    return _unicode(value).strip() or None if isinstance(value, str) else None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode(value):
    """A JSON string can escape a lone surrogate ("\\ud800"), which no text encoding can store: it becomes U+FFFD,
    as a browser shows it (it stopped the whole run at the store before)."""
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


_READERS = {"text": _read_text, "html": _read_html, "jsonl": _read_jsonl, "json": _read_json, "warc": _read_warc, "feed": _read_feed}
