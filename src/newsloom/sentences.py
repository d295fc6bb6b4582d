"""Sentence splitting with character offsets, shared by the facts and briefing stages.

A regular expression instead of spaCy's parser: the briefing needs exact, reproducible offsets into the
article text for citations, and news prose splits well on end punctuation followed by a capital, with a
short list of abbreviations that must not end a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .records import Span

_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "st",
                  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "vs",
                  "inc", "corp", "co", "ltd", "jr", "sr", "u.s", "u.k", "u.n", "e.g", "i.e", "approx", "est"}
_BOUNDARY = re.compile(r"""[.!?]["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")


def split_sentences(text: str, base: int = 0) -> Iterator[tuple[str, Span]]:
    """Yield (sentence, (start, end)) for each sentence of each paragraph of ``text``."""
    for paragraph in re.finditer(r"[^\n]+", text):
        yield from _split_paragraph(paragraph.group(), base + paragraph.start())


def _split_paragraph(paragraph: str, offset: int) -> Iterator[tuple[str, Span]]:
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        end = match.start() + 1
        word = re.search(r"([\w.]+)\.?$", paragraph[start:end])
        token = word.group(1).lower().rstrip(".") if word else ""
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            continue  # "Mr. Smith", "U.S. troops", "John F. Kennedy"
        end = match.end()
        yield from _emit(paragraph, start, end, offset)
        start = end
    yield from _emit(paragraph, start, len(paragraph), offset)


def _emit(paragraph: str, start: int, end: int, offset: int) -> Iterator[tuple[str, Span]]:
    chunk = paragraph[start:end]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        s = offset + start + lead
        yield stripped, (s, s + len(stripped))
