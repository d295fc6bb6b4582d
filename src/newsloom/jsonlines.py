"""JSON text for line-oriented readers: one object a line, nothing inside that a reader could split on.

``json.dumps(..., ensure_ascii=False)`` keeps U+2028 (line separator) and U+2029 (paragraph separator) raw, as
JSON allows; but Python's ``str.splitlines()`` and JavaScript before ES2019 take them as line ends, so a news text
that carries one would cut a JSON line in two. They are written as ``\\u2028`` and ``\\u2029`` escapes instead,
which every JSON reader decodes back to the same characters.
"""

from __future__ import annotations

import json


def json_line(value: object, *, indent: int | None = None) -> str:
    """``value`` as JSON (UTF-8 text kept readable), with U+2028/U+2029 escaped; one line unless ``indent``."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if "\u2028" in text or "\u2029" in text:
        # Inside JSON these characters can only occur in strings, where the escape means the same character.
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text
