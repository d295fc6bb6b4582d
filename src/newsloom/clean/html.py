"""HTML mode: trafilatura for the article and its metadata (htmldate finds the date inside it), plus a pass
over link lists (navigation, related, most-read) that keeps other stories' headlines as headline records, and
the rest of the page, flattened to lines, kept as furniture with the reason text mode's rules give it.

trafilatura runs with ``favor_precision`` and without comments: on the scrapinghub benchmark's training half
that raised F1 from 0.962 (defaults) to 0.975, by leaving out more of the teaser, newsletter and related-link
blocks that the defaults keep. Its known failure is the opposite one, locking onto one small block (a sidebar
promotion, the first paragraph or two) while the article goes: so the precision reading is compared with the
``favor_recall`` and default readings, by words of running text, and the one that keeps far more is taken
(:func:`prefer_reading`; issue 19). Where our tree gives nothing, trafilatura reads the page as a string once
more; a page no reading finds text in is refused with the reason, never returned empty. Other second opinions
were tried and are *not* used, as none helped held out: newsloom's own line classifier (and its learned line
model) run over trafilatura's lines to drop furniture or to recover dropped paragraphs, readability and
jusText votes, and a link-density filter over trafilatura's XML (see bench/extraction.py and
docs/benchmarks.md).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from ..errors import InputRejected
from ..records import normalize_text

# Containers whose links are other stories' headlines rather than the article's own text.
_LIST_HINT = re.compile(r"nav|menu|related|teaser|more|popular|trending|most|latest|headline|promo|sidebar|rail",
                        re.I)
_LIST_TAGS = {"nav", "aside", "header", "footer", "ul", "ol"}
# How many times the chosen reading's running text another reading must keep to be taken instead (see
# prefer_reading). Chosen by five-fold cross-validation over the 181 benchmark pages (bench/extraction.py,
# `html_prefer_factor`): the smallest factor of those tried that loses no training page.
PREFER_FACTOR = 3.0


@dataclass(frozen=True)
class HtmlPage:
    title: str | None
    author: str | None
    date: str | None
    sitename: str | None
    url: str | None
    language: str | None
    paragraphs: tuple[str, ...]
    headlines: tuple[str, ...]
    furniture: tuple[tuple[str, str], ...] = ()  # (text, reason) of the page's other lines, in order
    reading: str = "precision"  # the trafilatura reading taken as the article (see prefer_reading)


def extract_html(html: str, url: str | None, *, furniture: bool = True,
                 prefer_factor: float | None = None) -> HtmlPage:
    """The article, metadata, other stories' headlines and (with ``furniture``) the rest of an HTML page.

    The article is trafilatura's ``favor_precision`` reading unless another reading keeps far more running text
    (see :func:`prefer_reading`; ``prefer_factor`` defaults to :data:`PREFER_FACTOR`). Raises InputRejected:
    'bad-html' for pages that cannot be parsed or exceed libxml2's limits (nesting deeper than 256 levels,
    huge text nodes), 'no-content' when no reading finds article text. Runs unbounded in time: the pipeline
    runs it in a document worker (newsloom.workers) that is stopped at the limit.
    """
    import trafilatura

    from .text import _analyse

    factor = PREFER_FACTOR if prefer_factor is None else prefer_factor
    tree = _parse(html)
    headlines = tuple(_list_headlines(tree))
    # trafilatura edits the tree it is given; the furniture pass and the bound below need the page as it was.
    page_lines, _ = _analyse(flatten_tree(tree))
    # htmldate's extensive search falls back to a bare year (a copyright line) read as 1 January: no date
    # is better than that one.
    dates = {"original_date": True, "extensive_search": False,
             "max_date": datetime.date.today().isoformat()}
    result = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                         include_tables=True, favor_precision=True,
                                         date_extraction_params=dates)
    precision = _reading("precision", result)
    readings = [precision]
    # A reading keeps no more running text than the page has outside its furniture (none did on the 181
    # benchmark pages), so the other readings (a parse and a trafilatura run each) run only where they could win.
    if not precision.text.strip() or factor * precision.running_words < running_words(page_lines, prose=False):
        for name, setting in (("recall", {"favor_recall": True}), ("default", {})):
            other = trafilatura.bare_extraction(_parse(html), url=url, include_comments=False,
                                                include_tables=True, **setting)
            readings.append(_reading(name, other))
    chosen = prefer_reading(readings, factor)
    if not chosen.text.strip():
        # trafilatura's own loader reads some pages (encodings, broken markup) into a tree that differs from
        # ours; when ours gives nothing, the page as a string is read once more before it is refused.
        chosen = _reading("string", trafilatura.bare_extraction(html, url=url, include_comments=False,
                                                                include_tables=True))
    if not chosen.text.strip():
        raise InputRejected("no-content", "no article text found in the HTML (trafilatura's precision, recall "
                                          "and default readings, and the page read as a string, are all empty)")
    title = ((result.title if result is not None else None) or "").strip() or None
    paragraphs, dropped = _tidy(tuple(p.strip() for p in chosen.text.split("\n") if p.strip()), title)
    if not paragraphs:
        raise InputRejected("no-content", "no article text found in the HTML (the reading kept only "
                                          + ", ".join(sorted({reason for _, reason in dropped})) + ")")
    headlines = tuple(h for h in headlines if h != title)
    removed = dropped + (_furniture(page_lines, paragraphs, headlines, title) if furniture else ())
    meta = result if result is not None else chosen.result
    return HtmlPage(title=title, author=meta.author or None, date=meta.date or None,
                    sitename=meta.sitename or None, url=meta.url or url, language=meta.language or None,
                    paragraphs=paragraphs, headlines=headlines, furniture=removed, reading=chosen.name)


@dataclass(frozen=True)
class Reading:
    """One trafilatura reading of a page: its name, text and words of running text (:func:`running_words`)."""

    name: str  # precision | recall | default | string
    text: str
    running_words: int
    result: object = field(default=None, repr=False, compare=False)  # trafilatura's Document, or None


def _reading(name: str, result) -> Reading:
    from .text import _analyse

    text = (result.text or "") if result is not None else ""
    return Reading(name, text, running_words(_analyse(text)[0]) if text.strip() else 0, result)


def running_words(lines, *, prose: bool = True) -> int:
    """Words of the lines (text mode's, with their features) that read as running text and that text mode's
    rules do not take for furniture, each distinct line counted once; with ``prose=False``, of every such line
    whatever its shape (an upper bound of any reading's running words on the same page)."""
    seen: set[str] = set()
    total = 0
    for line in lines:
        if line.reason is None and (line.prose or not prose) and line.text not in seen:
            seen.add(line.text)
            total += line.words
    return total


def prefer_reading(readings: list[Reading], factor: float) -> Reading:
    """The first reading (trafilatura's precision reading), unless another keeps more than ``factor`` times its
    running text: then the one that keeps the most. favor_precision's known failure is to lock onto one small
    block (a sidebar promotion, the first paragraph), where the recall or default reading has the whole
    article; running text, not all words, so that a reading padded with link lists or furniture does not win.
    An empty first reading gives way to any reading with text."""
    first, others = readings[0], [r for r in readings[1:] if r.text.strip()]
    if not others:
        return first
    best = max(others, key=lambda r: r.running_words)  # the first of equals: recall, then default
    if not first.text.strip() or best.running_words > factor * first.running_words:
        return best
    return first


def _parse(html: str):
    """newsloom's lxml tree of a page; refuses what cannot be parsed or what libxml2 would truncate."""
    # Comments and processing instructions go at parse time, as trafilatura's own loader does: left in, their
    # tails (the text after them) are lost with them when trafilatura prunes the tree.
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputRejected("bad-html", f"HTML cannot be parsed: {_parser_words(str(exc))}") from None
    # Without huge_tree, libxml2 stops at 256 levels of nesting (or a huge text node) and silently drops the
    # rest; refuse such pages with what really happened rather than extract from a truncated tree.
    limit = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None)
    if limit is not None:
        raise InputRejected("bad-html", f"HTML exceeds a parser limit: {_parser_words(limit.message)}")
    return tree


def _tidy(paragraphs: tuple[str, ...], title: str | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Drop what trafilatura keeps that is not article text: the title repeated as the first paragraph, and
    the labels of other-stories boxes ('Most popular', 'Related') whose links it already left out."""
    from .text import _LABEL, _OTHER_STORIES, _word_count

    kept, dropped = [], []
    title_key = normalize_text(title or "")
    for i, paragraph in enumerate(paragraphs):
        if i == 0 and title_key and normalize_text(paragraph) == title_key:
            dropped.append((paragraph, "title"))
        elif _word_count(paragraph) <= 6 and (_OTHER_STORIES.match(paragraph) or _LABEL.search(paragraph)):
            dropped.append((paragraph, "label"))
        else:
            kept.append(paragraph)
    return tuple(kept), tuple(dropped)


def _furniture(lines, paragraphs, headlines, title) -> tuple[tuple[str, str], ...]:
    """Lines of the flattened page (text mode's, analysed) that are neither the article nor a headline record,
    each with the reason text mode's rules give it (cookie, subscribe, navigation-list, ...), else
    'outside-article'."""
    kept = {normalize_text(t) for t in (*paragraphs, *headlines, title or "")}  # shown elsewhere already
    out = []
    for ln in lines:
        key = normalize_text(ln.text)
        if key and key not in kept:
            out.append((ln.text, ln.reason or "outside-article"))
    return tuple(out)


# --------------------------------------------------------------------------------------------------------
# Flattening: HTML to one line per block, as a scraper that keeps everything writes it

# HTML's block-level elements (plus table rows and line breaks), each of which starts a new line.
BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure "
    "footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav noframes ol p pre "
    "section summary table tbody thead tfoot tr ul caption option select textarea".split())
_CELL_TAGS = frozenset({"td", "th"})
_DROPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "math"})


def flatten_html(html: str | bytes) -> str:
    """Text of an HTML page, one line per block-level element, in document order.

    Scripts, styles, ``noscript``/``template``, inline SVG/MathML and the ``head`` are removed; whitespace
    inside a line is collapsed; a ``br`` breaks the line; the cells of a table row share a line, separated by
    `` | `` (as scrapers that keep tables write them). Deterministic; '' for what cannot be parsed.
    """
    if isinstance(html, str):
        html = html.encode("utf-8", "surrogatepass")
    if not html.strip():
        return ""
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    return flatten_tree(root)


def flatten_tree(root) -> str:
    """:func:`flatten_html` of a parsed tree. Iterative, so deep nesting cannot overflow the stack."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    stack: list[tuple[object, bool]] = [(root, True)]  # (element, entering): its text on entry, tail on exit
    while stack:
        node, entering = stack.pop()
        tag = node.tag.lower() if isinstance(node.tag, str) else None
        if entering:
            if tag is None or tag in _DROPPED_TAGS:  # comments, processing instructions, scripts
                if node.tail:
                    current.append(node.tail)
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            elif tag in _CELL_TAGS and "".join(current).strip():
                current.append(" | ")
            if node.text:
                current.append(node.text)
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node))
        else:
            if tag in BLOCK_TAGS:
                flush()
            elif tag in _CELL_TAGS:
                current.append(" ")
            if node.tail:
                current.append(node.tail)
    flush()
    return "\n".join(lines)


def fragment_paragraphs(html: str) -> list[str]:
    """Paragraph texts of an HTML fragment (a feed entry's content)."""
    if "<" not in html:
        return [p.strip() for p in html.split("\n") if p.strip()]
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    blocks = root.xpath(".//p|.//li|.//h1|.//h2|.//h3|.//blockquote")
    texts = [" ".join(b.text_content().split()) for b in blocks] if blocks else [" ".join(root.text_content().split())]
    return [t for t in texts if t]


def _list_headlines(tree) -> list[str]:
    seen: set[str] = set()
    found = []
    for anchor in tree.iter("a"):
        if not _in_link_list(anchor):
            continue
        text = " ".join(anchor.text_content().split())
        words = text.split()
        # Headlines are sentences of several words; menu items ("World", "Sign in") are not.
        if not 4 <= len(words) <= 30 or text in seen:
            continue
        seen.add(text)
        found.append(text)
    return found


def _in_link_list(element) -> bool:
    node = element.getparent()
    while node is not None:
        if not isinstance(node.tag, str):
            return False
        if node.tag == "article" and not _LIST_HINT.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return False
        if node.tag in _LIST_TAGS or _LIST_HINT.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
        node = node.getparent()
    return False


def _parser_words(message: str) -> str:
    """libxml2's messages in newsloom's words: its advice ("use XML_PARSE_HUGE option") is about an option of the
    parser, not something a user of newsloom can act on."""
    lower = message.lower()
    if "excessive depth" in lower:
        depth = re.search(r"depth in document: (\d+)", message)
        return f"markup nested more than {depth.group(1) if depth else 256} levels deep"
    if "huge" in lower and ("text" in lower or "node" in lower):
        return "a single run of text is larger than the parser allows"
    if "xml_parse_huge" in lower:
        return "the page is larger or deeper than the parser allows"
    return message.strip()
