"""TF-IDF vectorizers whose word analysis is remembered per text.

The story stages fit a story-local TF-IDF model every time they write a story again (the briefing's ranking,
its sections and timeline; reconcile's statement grouping), and a growing story is written again with every
batch that adds to it, over mostly the same sentences. Splitting a sentence into words without stop words is
most of a fit's work, so it is done once per sentence and process; the vocabulary, weights and vectors are
scikit-learn's, exactly as with its own analyzer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from ..stages import process_cache


def story_tfidf(stop_words: Iterable[str] = ENGLISH_STOP_WORDS, ngram_range: tuple[int, int] = (1, 1)
                ) -> TfidfVectorizer:
    """``TfidfVectorizer(stop_words=stop_words, sublinear_tf=True, ngram_range=ngram_range)``, analysis cached."""
    return TfidfVectorizer(analyzer=_analyzer(frozenset(stop_words), ngram_range), sublinear_tf=True)


@functools.cache
def _analyzer(stop_words: frozenset[str], ngram_range: tuple[int, int]) -> Callable[[str], tuple[str, ...]]:
    analyze = TfidfVectorizer(stop_words=sorted(stop_words), ngram_range=ngram_range).build_analyzer()

    # About 0.8 KB a sentence for words, 2 KB with word pairs.
    @process_cache(maxsize=1 << 14)
    def words(text: str) -> tuple[str, ...]:
        return tuple(analyze(text))
    return words
