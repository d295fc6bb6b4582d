"""Immutable records that flow between the pipeline stages.

Every id is derived from content (see :func:`content_id`), so ingesting the same page twice yields the same
records and the store can treat a rerun as a no-op. Every derived record keeps its provenance: the document
it came from and the character offsets it covers.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

Span = tuple[int, int]


def content_id(prefix: str, *parts: str) -> str:
    """A short stable id: prefix + 16 hex chars of the SHA-256 of the parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}_{digest[:16]}"


def normalize_text(text: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form used for exact-duplicate keys."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = [ch if ch.isalnum() else " " for ch in text]
    return " ".join("".join(kept).split())


@dataclass(frozen=True, slots=True)
class Document:
    """One input page as read, before cleaning. ``content`` is text or HTML according to ``format``."""

    id: str
    uri: str  # path, path#line for JSONL, or URL for WARC/feeds
    format: str  # text | html | feed-entry
    content: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO date or datetime, from input metadata; None when unknown
    title: str | None = None
    encoding: str | None = None
    author: str | None = None  # from input metadata (a feed entry's author); the page's own is used when None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input (or part of one) that was refused, with a machine-readable code and a human reason."""

    uri: str
    code: str
    reason: str
    stage: str = "ingest"


@dataclass(frozen=True, slots=True)
class Furniture:
    """A block removed from a page, kept so users can see what was dropped and why."""

    doc_id: str
    text: str
    reason: str
    span: Span


@dataclass(frozen=True, slots=True)
class Headline:
    """A headline (with optional teaser) of another story, found on a page or in a feed."""

    id: str
    doc_id: str
    text: str
    position: int  # order of the item on its page
    span: Span
    outlet: str | None = None
    published: str | None = None
    teaser: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A page's own article: clean text plus metadata. ``paragraphs`` are offsets into ``text``;
    ``source_spans`` are the matching offsets into the document's content."""

    id: str
    doc_id: str
    title: str | None
    text: str
    paragraphs: tuple[Span, ...]
    source_spans: tuple[Span, ...]
    uri: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    author: str | None = None
    language: str | None = None
    # Filled by dedup: the canonical article this one copies (itself when original) and the similarity.
    canonical_id: str | None = None
    similarity: float = 1.0

    @property
    def lineage(self) -> str:
        return self.canonical_id or self.id


@dataclass(frozen=True, slots=True)
class Entity:
    """A named-entity mention, normalised to ``key`` so that variants of one name share it."""

    article_id: str
    text: str
    label: str
    key: str
    span: Span


@dataclass(frozen=True, slots=True)
class Figure:
    """A number reported in an article: value interval, what it counts, and the sentence that says it."""

    id: str
    article_id: str
    text: str  # the figure as written, e.g. "about 11,000 soldiers"
    value: float
    low: float
    high: float
    unit: str | None  # the counted thing, normalised (e.g. "troops")
    qualifier: str | None
    sentence: str
    span: Span  # offsets of ``text`` in the article text
    counted: str | None = None  # the counted phrase as written, e.g. "North Korean troops", "barrels of oil a day"
    time_text: str | None = None  # the time the sentence states for it, e.g. "between August and January"
    time_start: str | None = None  # that time as ISO days, resolved against the publication date; None when
    time_end: str | None = None  # not stated, or relative and the publication date is unknown
    attribution: str | None = None  # who says it: "the U.S. State Department", "AP (Moscow dateline)"
    # what it counts, in words from the sentence's parse: "BP spent on response", "workers killed", "compensation fund"
    quantity: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """Who did what to whom, when, for a key predicate (sign, ratify, deploy, send, supply, attack, kill, warn,
    deny, say), read from the dependency parse of one sentence."""

    id: str
    article_id: str
    predicate: str  # normalised lemma: sign, ratify, deploy, ...
    actor: str | None  # subject as written (the agent of a passive)
    actor_keys: tuple[str, ...]  # entity keys in the actor
    target: str | None  # object / recipient as written
    target_keys: tuple[str, ...]
    negated: bool
    time_text: str | None
    time_start: str | None
    time_end: str | None
    attribution: str | None
    sentence: str
    span: Span  # offsets of the sentence in the article text


@dataclass(frozen=True, slots=True)
class Claim:
    """A reconciled statement about one counted thing in one story, across sources."""

    id: str
    story_id: str
    subject: str
    status: str  # corroborated | single-source | conflicting | update
    figure_ids: tuple[str, ...]
    lineages: int  # independent sources behind it (reconcile/sources.py: copies and an outlet count once)
    summary: str
    kind: str = "figure"  # figure | event | statement
    # One entry per supporting sentence: article_id, lineage, outlet, published, sentence, span, and for figures
    # text/value/low/high/time, for events predicate/actor/target/time; sorted by date then source.
    evidence: tuple[dict, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    title: str
    article_ids: tuple[str, ...]
    headline_ids: tuple[str, ...] = ()
    thread_id: str | None = None
    first_published: str | None = None
    last_published: str | None = None


@dataclass(frozen=True, slots=True)
class StoryMerge:
    """Two stories (or threads) found to be one: the absorbed one's members and aliases move to the other."""

    absorbed_id: str
    into_id: str
    kind: str = "story"  # story | thread


@dataclass(frozen=True, slots=True)
class Thread:
    """A long-running topic; its stories point at it with ``Story.thread_id``."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class BriefSentence:
    text: str
    citations: tuple[int, ...]  # source numbers (1-based) in Briefing.sources
    article_id: str  # the article it was taken from
    span: Span  # offsets in that article's text


@dataclass(frozen=True, slots=True)
class Source:
    number: int
    article_id: str
    outlet: str | None
    title: str | None
    published: str | None
    location: str  # URL when known, else the input path
    copy_of: int | None = None  # number of the source this one copies


@dataclass(frozen=True, slots=True)
class BriefSection:
    """A sub-topic of a briefing: a short title from its key phrases and its sentences (indices in
    ``Briefing.summary``)."""

    title: str
    sentences: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A dated event: the date (ISO day, ``YYYY-MM`` or ``YYYY``) and one or two cited sentences saying it."""

    date: str
    sentences: tuple[BriefSentence, ...]
    mentions: int = 0  # sentences of the story that refer to the date
    published: int = 0  # articles (lineages) published on it


@dataclass(frozen=True, slots=True)
class GeneratedSentence:
    """A sentence written by the optional abstractive step, kept only when its cited source sentences support
    it: ``support`` lists them ({article_id, span, text}); ``citations`` are source numbers."""

    text: str
    citations: tuple[int, ...]
    support: tuple[dict, ...]
    score: float  # share of its content words found in the supporting sentences


@dataclass(frozen=True, slots=True)
class Briefing:
    story_id: str
    title: str
    summary: tuple[BriefSentence, ...]
    sources: tuple[Source, ...]
    key_figures: tuple[dict, ...] = ()
    disagreements: tuple[dict, ...] = ()
    extra: dict = field(default_factory=dict)
    sections: tuple[BriefSection, ...] = ()  # the summary organised by sub-topic
    timeline: tuple[TimelineEntry, ...] = ()
    abstract: tuple[GeneratedSentence, ...] = ()  # empty unless the abstractive option is on
