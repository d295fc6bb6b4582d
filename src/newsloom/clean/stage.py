"""The clean stage: one Document in; its Article (if any), Headline records of other stories, and the
Furniture removed, out. The cleaner is chosen by the document's format; both modes give the same records."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator

from ..errors import InputRejected
from ..ingest.readers import outlet_from_url
from ..records import Article, Document, Furniture, Headline, Rejection, content_id
from ..stages import Stage
from ..workers import STOPPED_CODES
from .extract import extract_page
from .html import fragment_paragraphs


MIN_BRIEF_ITEM_WORDS = 5  # fewer words than this is a label or an error message, not a news item


class CleanStage(Stage):
    """Each document is cleaned in a document worker (``ctx.workers``), stopped at the per-document time and
    memory limits; without workers (a stage built by hand) in this process, unbounded."""

    name = "clean"
    consumes = (Document,)

    def run(self, records: Iterable) -> Iterator:
        records = list(records)  # the batch's documents: the workers clean the next ones while these go on
        config = self.ctx.config
        jobs = ((r, config.clean.min_article_words, config.ingest.max_text_chars)
                for r in records if isinstance(r, Document))
        outcomes = self.ctx.workers.map(clean_job, jobs) if self.ctx.workers else map(_outcome, jobs)
        for record in records:
            if not isinstance(record, Document):
                yield record
                continue
            start = time.perf_counter()
            outcome = next(outcomes)
            self.stats.seconds += time.perf_counter() - start
            self.stats.records_in += 1
            outputs = list(self._records(record, outcome))
            self.stats.records_out += len(outputs)
            yield from outputs

    def _records(self, doc: Document, outcome: list | InputRejected) -> Iterator:
        if isinstance(outcome, InputRejected):
            # The refused document is not stored, so a rerun meets (and reports) it again.
            self.drop(outcome.reason_code)
            yield Rejection(doc.uri, outcome.reason_code, _cleaning(outcome), stage=self.name)
            return
        yield doc
        kinds = Counter(type(r).__name__ for r in outcome)
        if not kinds["Article"]:
            self.drop("no-article")
        self.note("furniture_blocks", kinds["Furniture"])
        self.note("headlines", kinds["Headline"])
        yield from outcome


def _cleaning(refused: InputRejected) -> str:
    return f"cleaning it {refused.reason}" if refused.reason_code in STOPPED_CODES else refused.reason


def clean_job(job: tuple[Document, int, int]) -> list[Article | Headline | Furniture]:
    """The records of one document (min article words, max text characters), for a document worker."""
    doc, min_words, max_chars = job
    return list(clean_document(doc, min_words, max_chars))


def warm_up() -> None:
    """Load what cleaning loads once (the line model), in a document worker before its first page."""
    from .linemodel import load_model

    load_model()


def _outcome(job: tuple[Document, int, int]) -> list | InputRejected:
    try:
        return clean_job(job)
    except InputRejected as exc:
        return exc


def clean_document(doc: Document, min_words: int, max_chars: int) -> Iterator[Article | Headline | Furniture]:
    """Refuses (InputRejected 'too-long') an article text over ``max_chars``: the readers refuse long text
    documents before parsing; this catches the text that an HTML page or a feed entry gives."""
    if doc.format == "feed-entry":
        yield from _clean_feed_entry(doc, min_words, max_chars)
        return
    page = extract_page(doc)  # picks the cleaner by format; raises for unsupported ones
    _check_length(page.text, max_chars)
    article = _article(doc, page.title, list(page.paragraphs), page.source_spans, author=page.author,
                       language=page.language, outlet=page.outlet, published=page.date, url=page.url,
                       min_words=min_words)
    if article:
        yield article
    for item in page.headlines:
        # Ids from content: text-mode headlines by their offset in the page; HTML ones (no offsets) by position and text
        key = (str(item.span[0]),) if page.format == "text" else (str(item.position), item.text)
        yield Headline(id=content_id("hl", doc.id, *key), doc_id=doc.id, text=item.text, position=item.position,
                       span=item.span, outlet=doc.outlet if page.format == "text" else page.outlet,
                       published=page.date, teaser=item.teaser, language=item.language)
    for item in page.furniture:
        yield Furniture(doc.id, item.text, item.reason, item.span)
    if article is None and not page.headlines:
        # A news item given as a short text (a flash, a wire brief, a JSONL row with a title and one sentence) is
        # too short for an article, yet news: it is kept as a headline of its own story, the way a feed item with
        # a one-line summary is, so it still joins the story it belongs to. A line or two that the cleaner left
        # out only for lack of an article around them is such an item; a cookie notice or a menu is not.
        body = list(page.paragraphs)
        if not body and 0 < len(page.furniture) <= 3 and all(f.reason == "outside-article" for f in page.furniture):
            body = [f.text for f in page.furniture]
        if page.format == "text" and len(f"{page.title or ''} {' '.join(body)}".split()) >= MIN_BRIEF_ITEM_WORDS:
            yield _brief_item(doc, page.title, body, outlet=page.outlet, published=page.date, language=page.language)
            return
        if page.format == "html" and page.text:
            raise InputRejected("no-content", "the page's main text is too short to be an article")
        raise InputRejected("no-content", "no article text or headlines found on the page")


def _check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise InputRejected("too-long", f"{len(text):,} characters of article text is far longer than a news "
                                        f"article (limit {max_chars:,})")


def _clean_feed_entry(doc: Document, min_words: int, max_chars: int) -> Iterator:
    paragraphs = fragment_paragraphs(doc.content)
    _check_length("\n\n".join(paragraphs), max_chars)
    article = _article(doc, doc.title, paragraphs, (), author=None, language=None,
                       outlet=doc.outlet or outlet_from_url(doc.url),
                       published=doc.published, url=doc.url, min_words=min_words)
    if article:
        yield article
        return
    # A feed item with a title and a one-line summary is a headline with its teaser.
    yield _brief_item(doc, doc.title, paragraphs, outlet=doc.outlet, published=doc.published, language=None)


def _brief_item(doc: Document, title: str | None, paragraphs: list[str], *, outlet, published, language) -> Headline:
    """A short item as a headline: its title (else its first paragraph), with the text as its teaser."""
    teaser = " ".join(paragraphs) or None
    text = title or teaser
    return Headline(id=content_id("hl", doc.id, "0", text), doc_id=doc.id, text=text, position=0, span=(0, 0),
                    outlet=outlet, published=published, teaser=teaser if title else None, language=language)


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
