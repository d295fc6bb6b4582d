"""The clean stage and extraction: HTML mode (trafilatura), text mode (line classifier), one set of records."""

from .extract import FurnitureItem, HeadlineItem, PageExtraction, extract_page

__all__ = ["extract_page", "PageExtraction", "HeadlineItem", "FurnitureItem"]
