"""HTML mode: trafilatura for the article and its metadata (htmldate finds the date inside it), plus a pass
over link lists (navigation, related, most-read) that keeps other stories' headlines as headline records."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from ..errors import InputRejected
from ..limits import time_limit

# Containers whose links are other stories' headlines rather than the article's own text.
_LIST_HINT = re.compile(r"nav|menu|related|teaser|more|popular|trending|most|latest|headline|promo|sidebar|rail",
                        re.I)
_LIST_TAGS = {"nav", "aside", "header", "footer", "ul", "ol"}


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


def extract_html(html: str, url: str | None, timeout_s: float) -> HtmlPage:
    import trafilatura

    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=False)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputRejected("bad-html", f"HTML cannot be parsed: {exc}") from None
    # Without huge_tree, libxml2 stops at 256 levels of nesting (or a huge text node) and silently drops the
    # rest; refuse such pages with what really happened rather than extract from a truncated tree.
    limit = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None)
    if limit is not None:
        raise InputRejected("bad-html", f"HTML exceeds a parser limit: {limit.message.strip()}")
    with time_limit(timeout_s, "HTML extraction"):
        headlines = tuple(_list_headlines(tree))
        result = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                             include_tables=False)
    if result is None or not (result.text or "").strip():
        raise InputRejected("no-content", "no article text found in the HTML")
    paragraphs = tuple(p.strip() for p in result.text.split("\n") if p.strip())
    title = (result.title or "").strip() or None
    return HtmlPage(title=title, author=result.author or None, date=result.date or None,
                    sitename=result.sitename or None, url=result.url or url, language=result.language or None,
                    paragraphs=paragraphs, headlines=tuple(h for h in headlines if h != title))


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
