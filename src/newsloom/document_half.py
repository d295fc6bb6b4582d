"""The document half: the work each document needs alone, which holds all model inference.

Cleaning (in the document workers, under the time and memory limits), MinHash signatures and passage keys,
the embeddings of articles and headlines, spaCy's entities, events and figures, (on Ray, or when configured,
see :func:`document_stages`) the embeddings of the sentences reconcile can use, and brief's work on each
article alone (:mod:`newsloom.brief.prepare`): none of it reads the store, so a batch can be prepared anywhere
(this process, a Ray actor) and in any number of copies at once. What comes out is one :class:`PreparedBatch`,
which the store half (:mod:`newsloom.pipeline`) takes in order: it matches copies against the index, places
articles in stories and threads, writes, reconciles and briefs. The models left there: brief's part-of-speech
tagger for section titles, and, unless the sentences are embedded here, reconcile's encoder for the stories it
cross-checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .brief.prepare import BriefSentencesStage
from .clean.stage import CleanStage
from .config import Config
from .errors import ConfigError
from .dedup.stage import SignStage
from .facts.stage import FactsStage
from .records import Document, Entity, Event, Figure
from .reconcile.stage import StatementSentencesStage
from .represent.embed import RepresentStage
from .stages import RunContext, Stage, StageStats

DOCUMENT_STAGES: list[type[Stage]] = [CleanStage, SignStage, RepresentStage, FactsStage, StatementSentencesStage,
                                      BriefSentencesStage]
FACT_TYPES = (Entity, Event, Figure)
SENTENCE_VECTORS = ("auto", "document", "store")


def document_stages(config: Config, scale_out: bool) -> list[type[Stage]]:
    """The document half's stages: reconcile's sentences are embedded here per ``[executor] sentence_vectors``
    (``scale_out``: whether this half runs on other machines' cores, Ray actors)."""
    mode = config.executor.sentence_vectors
    if mode not in SENTENCE_VECTORS:
        raise ConfigError(f"[executor] sentence_vectors must be one of {', '.join(SENTENCE_VECTORS)}, not {mode!r}")
    here = mode == "document" or (mode == "auto" and scale_out)
    return [stage for stage in DOCUMENT_STAGES if here or stage is not StatementSentencesStage]


@dataclass
class PreparedBatch:
    """One batch of documents through the document half, in the documents' order."""

    records: list  # documents, refusals, articles, headlines, furniture
    facts: list  # entities, events and figures of the batch's articles
    signatures: dict[str, tuple]  # article id -> dedup.stage.ArticleSignature
    vectors: dict[str, Any]  # article and headline id -> embedding
    sentence_vectors: dict[str, Any]  # content_id("sen", sentence) -> embedding
    brief_work: dict[str, Any] = field(default_factory=dict)  # article id -> brief.prepare.ArticleBriefWork
    stats: list[StageStats] = field(default_factory=list)


class DocumentHalf:
    """The document stages over one batch at a time. ``workers``: the document workers that clean under the
    limits (None: clean in this process, unbounded, as a stage built by hand does)."""

    def __init__(self, config: Config, workers=None, stages: list[type[Stage]] | None = None):
        self.config = config
        self.ctx = RunContext(config, None, workers=workers)
        self.stages = [cls(self.ctx) for cls in (stages or document_stages(config, scale_out=True))]

    def prepare(self, documents: list[Document]) -> PreparedBatch:
        self.ctx.clear_batch()
        for stage in self.stages:  # each batch reports its own counts; the pipeline adds them up
            stage.stats = StageStats(stage.name)
        records = documents
        for stage in self.stages:
            records = stage.run(records)
        records = list(records)
        return PreparedBatch(records=[r for r in records if not isinstance(r, FACT_TYPES)],
                             facts=[r for r in records if isinstance(r, FACT_TYPES)],
                             signatures=dict(self.ctx.signatures), vectors=dict(self.ctx.vectors),
                             sentence_vectors=dict(self.ctx.sentence_vectors), brief_work=dict(self.ctx.brief_work),
                             stats=[stage.stats for stage in self.stages])
