"""Helpers shared by the tests: repository paths, the example labels, and where the shared data lives."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXPECTED = json.loads((ROOT / "tests" / "fixtures" / "examples_expected.json").read_text(encoding="utf-8"))


def shared_data() -> Path:
    """The shared data folder: $NEWSLOOM_SHARED_DATA, else ../shared/data beside the repository."""
    override = os.environ.get("NEWSLOOM_SHARED_DATA")
    return Path(override) if override else ROOT.parent / "shared" / "data"


def shared_or_skip(*parts: str) -> Path:
    path = shared_data().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set NEWSLOOM_SHARED_DATA to the shared data folder)")
    return path


def example_doc_uri(doc: str) -> str:
    """The uri newsloom records for a document id of the labels (file, file#line, file#url)."""
    return f"{EXAMPLES}/{doc}"  # not a Path join, which would fold the "//" of a URL suffix
