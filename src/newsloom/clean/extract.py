"""Temporary: baseline wrapper."""
from __future__ import annotations
from dataclasses import dataclass
from ..records import Document
from .html import extract_html
from .text import split_text_page

@dataclass
class PageExtraction:
    title: str | None
    text: str

def extract_page(doc: Document, timeout_s: float = 20.0) -> PageExtraction:
    if doc.format == "html":
        p = extract_html(doc.content, doc.url, timeout_s)
        return PageExtraction(p.title, "\n\n".join(p.paragraphs))
    page = split_text_page(doc.content)
    return PageExtraction(page.title, "\n\n".join(b.text for b in page.article_blocks if b.kind != "title"))
