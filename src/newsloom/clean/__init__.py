"""The clean stage and extraction: HTML mode (trafilatura), text mode (line classifier), one set of records."""

from .extract import FurnitureItem, HeadlineItem, PageExtraction, extract_job, extract_page

__all__ = ["extract_page", "extract_job", "PageExtraction", "HeadlineItem", "FurnitureItem"]
