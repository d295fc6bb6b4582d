"""Untrusted text (from pages) made inert in Markdown output: shown as written, never as HTML, links, emphasis,
headings or lists, by CommonMark renderers and the older Markdown.pl-style ones that wikis use.

Written here because no maintained library escapes text *into* Markdown (they render Markdown into HTML). Raw HTML
is written as entities rather than backslash escapes, since not every renderer honours a backslash before "<".
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")  # newlines would end our line structure; control codes show nothing
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&amp;" in a page stays "&amp;", not "&"
_ACTIVE = re.compile(r"[\\`*_\[\]|~]")  # emphasis, code, links and images, GFM tables and strikethrough
_LINE_START = re.compile(r"^(?:[#>+=-]|\d+(?=[.)]))")  # headings, quotes, lists, setext underlines


def escape_markdown(text: str) -> str:
    """``text`` on one line, every Markdown-active character escaped."""
    text = _SPACE.sub(" ", text).strip()
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _ACTIVE.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0), text)


def code_span(text: str) -> str:
    """``text`` as an inline code span (shown verbatim), fenced by more backticks than it contains."""
    text = _SPACE.sub(" ", text).strip()
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
