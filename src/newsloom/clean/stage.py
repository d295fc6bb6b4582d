"""The clean stage: one Document in; its Article (if any), Headline records of other stories, and the
Furniture removed, out. The cleaner is chosen by the document's format; both modes give the same records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from ..dates import iso_date
from ..errors import InputRejected
from ..ingest.readers import outlet_from_url
from ..records import Article, Document, Furniture, Headline, Rejection, content_id
from ..stages import Stage
from .html import extract_html, fragment_paragraphs
from .text import split_text_page


class CleanStage(Stage):
    name = "clean"
    consumes = (Document,)

    def process(self, doc: Document) -> Iterable:
        try:
            records = list(clean_document(doc, self.ctx.config.ingest.parse_timeout_s,
                                          self.ctx.config.clean.min_article_words))
        except InputRejected as exc:
            # The refused document is not stored, so a rerun meets (and reports) it again.
            self.drop(exc.reason_code)
            yield Rejection(doc.uri, exc.reason_code, exc.reason, stage=self.name)
            return
        yield doc
        kinds = Counter(type(r).__name__ for r in records)
        if not kinds["Article"]:
            self.drop("no-article")
        self.note("furniture_blocks", kinds["Furniture"])
        self.note("headlines", kinds["Headline"])
        yield from records


def clean_document(doc: Document, timeout_s: float, min_words: int) -> Iterator[Article | Headline | Furniture]:
    if doc.format == "text":
        yield from _clean_text(doc, min_words)
    elif doc.format == "html":
        yield from _clean_html(doc, timeout_s, min_words)
    elif doc.format == "feed-entry":
        yield from _clean_feed_entry(doc, min_words)
    else:
        raise InputRejected("unsupported", f"no cleaner for format {doc.format!r}")


def _clean_text(doc: Document, min_words: int) -> Iterator:
    page = split_text_page(doc.content)
    blocks = [b for b in page.article_blocks if b.kind != "title"]
    languages = Counter(b.language for b in blocks if b.language)
    language = languages.most_common(1)[0][0] if languages else None
    title = doc.title or page.title
    article = _article(doc, title, [b.text for b in blocks], tuple((b.start, b.end) for b in blocks),
                       author=page.author, language=language, outlet=doc.outlet or outlet_from_url(doc.url),
                       published=doc.published,
                       url=doc.url, min_words=min_words)
    if article:
        yield article
    for position, (headline, teaser) in enumerate(page.headline_items):
        yield Headline(id=content_id("hl", doc.id, str(headline.start)), doc_id=doc.id, text=headline.text,
                       position=position, span=(headline.start, (teaser or headline).end), outlet=doc.outlet,
                       published=doc.published, teaser=teaser.text if teaser else None, language=headline.language)
    for block in page.blocks:
        if block.kind in ("furniture", "duplicate", "byline"):
            yield Furniture(doc.id, block.text, block.reason or block.kind, (block.start, block.end))
    if article is None and not page.headline_items:
        raise InputRejected("no-content", "no article text or headlines found on the page")


def _clean_html(doc: Document, timeout_s: float, min_words: int) -> Iterator:
    page = extract_html(doc.content, doc.url, timeout_s)
    url = doc.url or page.url
    outlet = doc.outlet or page.sitename or outlet_from_url(url)
    published = doc.published or iso_date(page.date)
    article = _article(doc, doc.title or page.title, list(page.paragraphs), (), author=page.author,
                       language=page.language, outlet=outlet, published=published, url=url, min_words=min_words)
    if article:
        yield article
    for position, text in enumerate(page.headlines):
        yield Headline(id=content_id("hl", doc.id, str(position), text), doc_id=doc.id, text=text,
                       position=position, span=(0, 0), outlet=outlet, published=published)
    if article is None and not page.headlines:
        raise InputRejected("no-content", "the page's main text is too short to be an article")


def _clean_feed_entry(doc: Document, min_words: int) -> Iterator:
    paragraphs = fragment_paragraphs(doc.content)
    article = _article(doc, doc.title, paragraphs, (), author=None, language=None,
                       outlet=doc.outlet or outlet_from_url(doc.url),
                       published=doc.published, url=doc.url, min_words=min_words)
    if article:
        yield article
        return
    # A feed item with a title and a one-line summary is a headline with its teaser.
    teaser = " ".join(paragraphs) or None
    text = doc.title or teaser
    yield Headline(id=content_id("hl", doc.id, "0", text), doc_id=doc.id, text=text, position=0, span=(0, 0),
                   outlet=doc.outlet, published=doc.published, teaser=teaser if doc.title else None)


def _article(doc: Document, title: str | None, paragraphs: list[str], source_spans: tuple, *, author, language,
             outlet, published, url, min_words: int) -> Article | None:
    text_parts, spans, offset = [], [], 0
    for paragraph in paragraphs:
        spans.append((offset, offset + len(paragraph)))
        text_parts.append(paragraph)
        offset += len(paragraph) + 2
    text = "\n\n".join(text_parts)
    if len(text.split()) < min_words:
        return None
    return Article(id=content_id("art", doc.id, text), doc_id=doc.id, title=title, text=text,
                   paragraphs=tuple(spans), source_spans=source_spans, uri=doc.uri, url=url, outlet=outlet,
                   published=published, author=author, language=language)
