"""The document half's part of brief: the work a briefing does on each article alone, done once per new article
where the models run (in parallel: model worker processes, Ray actors) instead of in the sequential store half.

A briefing reads every sentence of its story's articles: which are usable (``usable_sentences``), the phrases
each holds (for section titles' document frequencies, ``sections._phrase_set``) and the dates each refers to
(the timeline's ``_references``). All three are pure functions of an article's text (and publication date), kept
in per-process caches; on a fresh store they were a quarter of brief's time. :class:`BriefSentencesStage`
computes them for a batch's new articles and :func:`seed_brief_work` hands them to the caches of the process
that briefs, so the store half looks them up: the values are the functions' own, and a story's older articles
(not in the batch) are computed as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..records import Article
from ..stages import Stage
from .sections import _phrase_set
from .summarize import usable_sentences
from .timeline import _references, story_sentence_references


@dataclass(frozen=True)
class ArticleBriefWork:
    """An article's usable sentences, each one's phrases, and the dates its timeline sentences refer to, as
    arguments and values of the caches they go to."""

    sentences: tuple  # usable_sentences(text)
    phrases: tuple[tuple[str, frozenset[str]], ...]  # (sentence, _phrase_set(sentence))
    references: tuple  # ((sentence, published, precisions), dates), see story_sentence_references


def article_brief_work(article: Article) -> ArticleBriefWork:
    sentences = usable_sentences.uncached(article.text)
    return ArticleBriefWork(
        sentences=sentences,
        phrases=tuple((s, _phrase_set.uncached(s)) for s, *_ in sentences),
        references=tuple(story_sentence_references(sentences, article.published)))


def seed_brief_work(article: Article, work: ArticleBriefWork) -> None:
    """Hands an article's precomputed work to this process's caches (see ``stages.process_cache``)."""
    usable_sentences.seed(work.sentences, article.text)
    for sentence, phrases in work.phrases:
        _phrase_set.seed(phrases, sentence)
    for args, dates in work.references:
        _references.seed(dates, *args)


class BriefSentencesStage(Stage):
    """:func:`article_brief_work` of each new article, into the batch's ``brief_work``."""

    name = "brief-sentences"
    consumes = (Article,)

    def process(self, article: Article) -> Iterable:
        self.ctx.brief_work[article.id] = article_brief_work(article)
        yield article
