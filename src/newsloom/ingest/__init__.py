"""Readers for text, HTML, JSONL, WARC, RSS/Atom feeds, directories and stdin."""

from .readers import Item, read_inputs

__all__ = ["Item", "read_inputs"]
