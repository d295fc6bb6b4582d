"""Extraction-quality metrics and the reference HTML flattening shared by the benchmark and the tests.

* :func:`shingle_scores` / :func:`macro_scores`: the scrapinghub article-extraction-benchmark metric (word
  4-gram shingles, per-document counts normalised by their sum, macro-averaged precision and recall, F1 of
  the two). Re-implemented here from the benchmark's description because the benchmark is data plus a
  script, not an installable library.
* :func:`flatten_html`: one fixed, deterministic way to turn an HTML page into "already flattened" text, as
  a scraper that kept everything would: every block-level element's text on its own line, in document order,
  scripts and styles removed. Text mode is evaluated on pages flattened this way.
* :func:`c4_line_filter`: the C4 corpus line rules, a well-known baseline for cleaning flattened text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Scores", "shingle_counts", "shingle_scores", "macro_scores", "flatten_html", "c4_line_filter"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingle_counts(text: str | None, n: int = 4) -> Counter:
    """Multiset of word n-gram shingles; a text shorter than n tokens gives one shorter shingle."""
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([" ".join(tokens)] if tokens else [])
    return Counter(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def shingle_scores(truth: str | None, prediction: str | None, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) of one document, normalised by their sum so that long documents do not weigh more."""
    t, p = shingle_counts(truth, n), shingle_counts(prediction, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    documents: int

    def as_dict(self, digits: int = 4) -> dict:
        return {"precision": round(self.precision, digits), "recall": round(self.recall, digits),
                "f1": round(self.f1, digits), "documents": self.documents}


def macro_scores(per_document: Iterable[tuple[float, float, float]]) -> Scores:
    """Macro-averaged precision (over documents with tp+fp > 0) and recall (tp+fn > 0); F1 of the two."""
    rows = list(per_document)
    precisions = [tp / (tp + fp) for tp, fp, fn in rows if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, fp, fn in rows if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(rows))


# --------------------------------------------------------------------------------------------------------
# Flattening

# HTML's block-level elements (plus table rows and line breaks), each of which starts a new line.
BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure "
    "footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav noframes ol p pre "
    "section summary table tbody thead tfoot tr ul caption option select textarea".split())
_CELL_TAGS = frozenset({"td", "th"})
_DROPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "math"})


def flatten_html(html: str | bytes) -> str:
    """Text of an HTML page, one line per block-level element, in document order.

    Scripts, styles, ``noscript``/``template`` and the ``head`` are removed; whitespace inside a line is
    collapsed; a ``br`` breaks the line; table cells of one row share a line, separated by `` | `` (as
    scrapers that keep tables write them). Iterative, so deep nesting cannot overflow the stack.
    """
    import lxml.html
    from lxml import etree

    if isinstance(html, str):
        html = html.encode("utf-8", "surrogatepass")
    if not html.strip():
        return ""
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    # (element, entering) pairs: on entering write its text, on leaving its tail.
    stack: list[tuple[object, bool]] = [(root, True)]
    while stack:
        node, entering = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None
        if entering:
            if tag is None or tag.lower() in _DROPPED_TAGS:
                if node.tail:
                    current.append(node.tail)
                continue
            tag = tag.lower()
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            elif tag in _CELL_TAGS and "".join(current).strip():
                current.append(" | ")
            if node.text:
                current.append(node.text)
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node))
        else:
            if tag.lower() in BLOCK_TAGS:
                flush()
            elif tag.lower() in _CELL_TAGS:
                current.append(" ")
            if node.tail:
                current.append(node.tail)
    flush()
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------
# The C4 line rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning", section 2.2)

_C4_END = ('.', '!', '?', '"', '”', "'", '’')
_C4_BAD = re.compile(r"javascript|cookie|terms of use|privacy policy|lorem ipsum|\{", re.I)


def c4_line_filter(text: str) -> str:
    """Keep lines of at least 3 words that end in terminal punctuation and carry no javascript, cookie,
    terms-of-use or privacy-policy phrase (C4's page-level rules are left out: they drop whole pages)."""
    kept = []
    for line in text.split("\n"):
        line = line.strip()
        if len(line.split()) < 3 or not line.endswith(_C4_END) or _C4_BAD.search(line):
            continue
        kept.append(line)
    return "\n".join(kept)
