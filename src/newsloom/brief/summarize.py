"""Extractive briefing, first version: sentences ranked by TF-IDF centrality in the story, chosen greedily
with redundancy and same-source penalties (MMR), each cited to every article that contains it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ..config import BriefConfig
from ..records import Article, Briefing, BriefSentence, Source, normalize_text
from ..sentences import split_sentences

_BOILERPLATE = re.compile(r"\b(click|subscribe|newsletter|cookie|sign up|all rights reserved|follow us|"
                          r"read more|advertisement|terms of (use|service)|privacy policy)\b", re.I)


_SHORTLIST = 400


@dataclass(frozen=True)
class _Candidate:
    text: str
    article: Article
    span: tuple[int, int]
    position: int  # sentence index in its article
    norm: str


def number_sources(articles: list[Article]) -> list[Source]:
    """Sources numbered in the order given (publication order); copies point at their canonical source."""
    numbers = {a.id: i for i, a in enumerate(articles, start=1)}
    return [Source(number=numbers[a.id], article_id=a.id, outlet=a.outlet, title=a.title, published=a.published,
                   location=a.url or a.uri,
                   copy_of=numbers.get(a.canonical_id) if a.canonical_id and a.canonical_id != a.id else None)
            for a in articles]


def candidates(articles: list[Article]) -> list[_Candidate]:
    seen, found = set(), []
    for article in articles:
        for position, (sentence, span) in enumerate(split_sentences(article.text)):
            words = sentence.split()
            if not 8 <= len(words) <= 60 or sentence.endswith("?") or _BOILERPLATE.search(sentence):
                continue
            if not sentence[0].isupper() and not sentence[0] in "\"“'‘":
                continue
            norm = normalize_text(sentence)
            if norm in seen:
                continue
            seen.add(norm)
            found.append(_Candidate(sentence, article, span, position, norm))
    return found


def summarize(story_id: str, title: str, articles: list[Article], config: BriefConfig,
              key_figures=(), disagreements=(), extra=None) -> Briefing:
    sources = number_sources(articles)
    number_of = {s.article_id: s.number for s in sources}
    pool = candidates(articles)
    lineages = {a.lineage for a in articles}
    wanted = max(config.min_sentences, min(config.max_sentences, 2 + len(lineages)))
    chosen = _select(pool, wanted)
    normalized = {a.id: normalize_text(a.text) for a in articles}
    order = {a.id: i for i, a in enumerate(articles)}
    chosen.sort(key=lambda c: (order[c.article.id], c.position))
    summary = tuple(
        BriefSentence(text=c.text, article_id=c.article.id, span=c.span,
                      citations=tuple(sorted(number_of[a] for a, norm in normalized.items()
                                             if _contains(norm, c.norm))))
        for c in chosen)
    return Briefing(story_id=story_id, title=title, summary=summary, sources=tuple(sources),
                    key_figures=tuple(key_figures), disagreements=tuple(disagreements), extra=extra or {})


def _contains(haystack: str, needle: str) -> bool:
    # Whole-word containment on normalised text: a sentence quoted inside another still counts.
    return f" {needle} " in f" {haystack} "


def _select(pool: list[_Candidate], wanted: int) -> list[_Candidate]:
    if not pool:
        return []
    if len(pool) == 1:
        return pool[:]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(c.text for c in pool)
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid) or 1.0
    relevance = matrix @ (centroid / norm)
    # Leads carry the news: a mild bonus for early sentences of each article.
    relevance = relevance + np.array([0.05 / (1 + c.position) for c in pool])
    # Only the most relevant candidates compete, which bounds the pairwise similarity matrix on big stories.
    top = np.argsort(-relevance, kind="stable")[:_SHORTLIST]
    pool, matrix, relevance = [pool[i] for i in top], matrix[top], relevance[top]
    similarity = (matrix @ matrix.T).toarray()
    chosen: list[int] = []
    per_lineage: dict[str, int] = {}
    while len(chosen) < min(wanted, len(pool)):
        best, best_score = None, -np.inf
        for i, c in enumerate(pool):
            if i in chosen:
                continue
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            if redundancy > 0.6:
                continue
            score = 0.7 * relevance[i] - 0.3 * redundancy - 0.05 * per_lineage.get(c.article.lineage, 0)
            if score > best_score:
                best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        per_lineage[pool[best].article.lineage] = per_lineage.get(pool[best].article.lineage, 0) + 1
    return [pool[i] for i in chosen]
