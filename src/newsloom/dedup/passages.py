"""Passages: the sentences and paragraphs of an article, keyed by a hash of their normalised text.

The same key in several articles (or twice in one) is one passage carried several times: a wire paragraph
pasted into several pages, or a sentence a page repeats. The store keeps every occurrence with its offsets
(table ``passages``), so later stages can cite one passage to every article that carries it.
"""

from __future__ import annotations

import hashlib

from ..records import Article, normalize_text
from ..sentences import split_sentences

MIN_WORDS = 6  # shorter sentences ("He said.", "Read more") recur by chance, not by copying


def passage_key(text: str) -> int:
    """A signed 63-bit key of the normalised text (SQLite INTEGER)."""
    digest = hashlib.blake2b(normalize_text(text).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def passages(article: Article) -> list[tuple[int, str, int, int, str]]:
    """(key, article id, start, end, kind) for each sentence and multi-sentence paragraph of the article."""
    rows, seen = [], set()
    text = article.text
    for sentence, (start, end) in split_sentences(text):
        if len(sentence.split()) >= MIN_WORDS:
            key = passage_key(sentence)
            rows.append((key, article.id, start, end, "sentence"))
            seen.add((key, start))
    for start, end in article.paragraphs or ():
        paragraph = text[start:end].strip()
        if len(paragraph.split()) < MIN_WORDS:
            continue
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        begin = start + lead
        key = passage_key(paragraph)
        if (key, begin) not in seen:  # a one-sentence paragraph is that sentence
            rows.append((key, article.id, begin, begin + len(paragraph), "paragraph"))
    return rows
