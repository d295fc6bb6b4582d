"""The web reader and HTTP API (``newsloom serve``); needs the ``web`` extra (FastAPI, Jinja2)."""

from .app import create_app

__all__ = ["create_app"]
