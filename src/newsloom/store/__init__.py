"""Storage. SQLite is the default (and for now the only) backend."""

from .sqlite import Store

__all__ = ["Store"]
