"""Extraction only: one page in, its article, metadata, other stories' headlines and the furniture removed out.

:func:`extract_page` is what the clean stage builds its records from, and what ``newsloom extract`` prints;
it touches no store. The cleaner is chosen by the document's format (``html``, ``text``, ``feed-entry``) and
every mode returns the same :class:`PageExtraction`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..dates import iso_date
from ..errors import InputRejected
from ..jsonlines import json_line
from ..markdown import escape_markdown as md
from ..records import Document, Span
from .html import extract_html, fragment_paragraphs
from .text import TextPage, detect_language, split_text_page

__all__ = ["PageExtraction", "HeadlineItem", "FurnitureItem", "extract_page", "extract_job"]


@dataclass(frozen=True)
class HeadlineItem:
    """A headline of another story found on the page, with its teaser when it has one."""

    text: str
    teaser: str | None
    position: int  # order among the page's headline items, from 0
    span: Span = (0, 0)  # character offsets in the input (text mode); (0, 0) when not known
    language: str | None = None


@dataclass(frozen=True)
class FurnitureItem:
    """A block removed from the page, and why (``cookie``, ``navigation-list``, ``outside-article``, ...)."""

    text: str
    reason: str
    span: Span = (0, 0)


@dataclass(frozen=True)
class PageExtraction:
    format: str  # the cleaner used: html | text | feed-entry
    title: str | None
    text: str  # the article's paragraphs (and section headings), separated by blank lines; '' when none
    paragraphs: tuple[str, ...]
    author: str | None
    date: str | None  # ISO date or datetime
    language: str | None  # ISO 639-1
    outlet: str | None
    url: str | None
    headlines: tuple[HeadlineItem, ...] = ()
    furniture: tuple[FurnitureItem, ...] = ()
    source_spans: tuple[Span, ...] = field(default=(), repr=False)  # per paragraph, text mode only
    uri: str | None = None

    def as_dict(self, furniture: bool = False) -> dict:
        """JSON-ready: title, text, author, date, language, outlet, url, headlines (and furniture)."""
        out = {"uri": self.uri, "format": self.format, "title": self.title, "text": self.text,
               "author": self.author, "date": self.date, "language": self.language, "outlet": self.outlet,
               "url": self.url,
               "headlines": [{"text": h.text, "teaser": h.teaser, "position": h.position} for h in self.headlines]}
        if furniture:
            out["furniture"] = [{"text": f.text, "reason": f.reason} for f in self.furniture]
        return out

    def as_json(self, furniture: bool = False) -> str:
        return json_line(self.as_dict(furniture))

    def as_markdown(self, furniture: bool = False) -> str:
        """The page's text escaped (``md``): markup in the page shows as text, never as live Markdown or HTML."""
        parts = [f"# {md(self.title)}" if self.title else f"# ({md(self.uri or 'untitled')})"]
        meta = [f"{k}: {md(v)}" for k, v in (("author", self.author), ("date", self.date), ("language", self.language),
                                             ("outlet", self.outlet), ("url", self.url)) if v]
        if meta:
            parts.append("\n".join(f"- {m}" for m in meta))
        if self.paragraphs:
            parts.append("\n\n".join(md(p) for p in self.paragraphs))
        if self.headlines:
            parts.append("## Headlines\n\n" + "\n".join(f"{h.position + 1}. {md(h.text)}"
                                                          + (f" — {md(h.teaser)}" if h.teaser else "")
                                                          for h in self.headlines))
        if furniture and self.furniture:
            parts.append("## Removed\n\n" + "\n".join(f"- [{f.reason}] {md(f.text)}" for f in self.furniture))
        return "\n\n".join(parts) + "\n"

    def as_text(self, furniture: bool = False) -> str:
        parts = [self.title] if self.title else []
        meta = " | ".join(v for v in (self.author, self.date, self.outlet, self.language) if v)
        if meta:
            parts.append(meta)
        if self.text:
            parts.append(self.text)
        if self.headlines:
            parts.append("Headlines:\n" + "\n".join(
                f"  {h.text}" + (f"\n    {h.teaser}" if h.teaser else "") for h in self.headlines))
        if furniture and self.furniture:
            parts.append("Removed:\n" + "\n".join(f"  [{f.reason}] {f.text}" for f in self.furniture))
        return "\n\n".join(parts) + "\n"


def extract_page(document: Document, *, furniture: bool = True) -> PageExtraction:
    """Extract one document (see :class:`newsloom.records.Document`; ``format`` picks the cleaner).

    A text page without article text gives ``text == ''`` (its headlines, if any, are still returned). Raises
    :class:`newsloom.errors.InputRejected` ('bad-html', 'unsupported') for pages that cannot be read at all,
    and 'no-content' for an HTML page in which no reading finds article text: an empty result is never silent.
    It runs in the calling process without a time limit; to bound time and memory, run :func:`extract_job` in
    :class:`newsloom.workers.DocumentWorkers`, as the pipeline and ``newsloom extract`` do.
    """
    if document.format == "text":
        return _from_text(document)
    if document.format == "html":
        return _from_html(document, furniture)
    if document.format == "feed-entry":
        paragraphs = tuple(fragment_paragraphs(document.content))
        text = "\n\n".join(paragraphs)
        return PageExtraction("feed-entry", document.title, text, paragraphs, None, iso_date(document.published),
                              detect_language(text), _outlet(document, None, document.url), document.url,
                              uri=document.uri)
    raise InputRejected("unsupported", f"no cleaner for format {document.format!r}")


def extract_job(job: tuple[Document, bool]) -> PageExtraction:
    """:func:`extract_page` of (document, furniture), for a document worker."""
    document, furniture = job
    return extract_page(document, furniture=furniture)


def _from_text(doc: Document) -> PageExtraction:
    page = split_text_page(doc.content)
    blocks = [b for b in page.article_blocks if b.kind != "title"]
    languages = Counter(b.language for b in blocks if b.language)
    headlines = tuple(HeadlineItem(h.text, t.text if t else None, i, (h.start, (t or h).end), h.language)
                      for i, (h, t) in enumerate(page.headline_items))
    removed = tuple(FurnitureItem(b.text, b.reason or b.kind, (b.start, b.end)) for b in page.blocks
                    if b.kind in ("furniture", "duplicate", "byline"))
    paragraphs = tuple(b.text for b in blocks)
    return PageExtraction("text", doc.title or page.title, "\n\n".join(paragraphs), paragraphs, page.author,
                          iso_date(doc.published), languages.most_common(1)[0][0] if languages else None,
                          _outlet(doc, masthead_outlet(page), doc.url), doc.url, headlines, removed,
                          tuple((b.start, b.end) for b in blocks), doc.uri)


def _from_html(doc: Document, furniture: bool) -> PageExtraction:
    page = extract_html(doc.content, doc.url, furniture=furniture)
    url = doc.url or page.url
    text = "\n\n".join(page.paragraphs)
    headlines = tuple(HeadlineItem(h, None, i) for i, h in enumerate(page.headlines))
    return PageExtraction("html", doc.title or page.title, text, page.paragraphs, doc.author or page.author,
                          iso_date(doc.published) or iso_date(page.date), page.language or detect_language(text),
                          _outlet(doc, page.sitename, url), url, headlines,
                          tuple(FurnitureItem(t, r) for t, r in page.furniture), uri=doc.uri)


def _outlet(doc: Document, sitename: str | None, url: str | None) -> str | None:
    from ..ingest.readers import outlet_from_url

    return doc.outlet or sitename or outlet_from_url(url)


# Words that name a newspaper or news site in its masthead ("The Veldra Courier", "Kessmoor Evening Post").
_MASTHEAD_WORDS = {
    "advertiser", "argus", "bulletin", "chronicle", "courant", "courier", "daily", "dispatch", "echo", "enquirer",
    "examiner", "express", "gazette", "globe", "guardian", "herald", "independent", "inquirer", "journal",
    "ledger", "mail", "mercury", "mirror", "monitor", "news", "observer", "post", "press", "record", "recorder",
    "register", "reporter", "review", "sentinel", "standard", "star", "telegraph", "times", "tribune", "weekly"}
# Words of section names and labels that a masthead word may come with ("Latest News", "Daily Briefing").
_GENERIC_WORDS = {"the", "of", "and", "&", "a", "latest", "top", "breaking", "local", "world", "national", "business",
                  "sport", "sports", "more", "related", "today", "this", "week", "weekly", "evening", "morning",
                  "sunday", "briefing", "digest", "alert", "alerts", "live", "updates", "fake", "all", "our"}
_READ_MORE_ON = re.compile(r"^read (?:the )?full (?:article|story) (?:on|at) ((?:[a-z0-9-]+\.)+[a-z]{2,})\W*$", re.I)


def masthead_outlet(page: TextPage) -> str | None:
    """The outlet a flattened text page names itself, where it says so plainly; else None.

    Two forms, both conservative (an article's title or a section label must not become an outlet): a masthead,
    the page's first line, taken as furniture by the line classifier, in title case, of one to six words with
    a newspaper's word in it (Courier, Post, Times...) and a word of its own name beside it; and a syndication
    line, "Read Full Article on TheEpochTimes.com"."""
    for block in page.blocks:
        if block.kind == "furniture":
            found = _READ_MORE_ON.match(block.text.strip())
            if found:
                return found.group(1)
    if not page.blocks or page.blocks[0].kind != "furniture":
        return None
    line = page.blocks[0].text.strip()
    words = line.split()
    if not 1 <= len(words) <= 6 or re.search(r"[\d.!?:;,|/]", line) or line == page.title:
        return None
    if not all(w[0].isupper() or w.lower() in ("of", "and", "&", "the") for w in words):
        return None
    lower = [w.lower() for w in words]
    has_masthead = any(w in _MASTHEAD_WORDS for w in lower)
    has_name = any(w not in _MASTHEAD_WORDS and w not in _GENERIC_WORDS for w in lower)
    return line if has_masthead and has_name else None
