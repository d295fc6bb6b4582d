"""Readers for text, HTML, JSONL, WARC, RSS/Atom feeds, directories and stdin."""

from .readers import Item, json_document, read_bytes, read_inputs

__all__ = ["Item", "json_document", "read_bytes", "read_inputs"]
