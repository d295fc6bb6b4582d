"""Untrusted text (titles, file names, reasons, page text) made safe to print on a terminal through Rich.

News text and file names can hold ANSI escape sequences (which move the cursor, clear the screen or retitle the
window) and square brackets that Rich would read as its markup (``[/]`` raises, ``[bold red]`` vanishes). Every
such string goes through :func:`terminal_safe` before it reaches a Rich console; it is the one place for it.
"""

from __future__ import annotations

import re

from rich.markup import escape

# ANSI/ECMA-48 sequences: CSI (ESC [ or the 8-bit CSI), OSC (ESC ] ... BEL or ST, as a window-title change), and
# the other two-character ESC sequences. They are removed whole, so no stray parameters are left behind.
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
                      r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|\x1b[ -/]*[0-~]")
# Control characters (C0 but tab and newline, DEL, C1) and the bidirectional overrides and isolates that can make
# a line read differently from what it holds.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: object) -> str:
    """``text`` as a string without escape sequences and control characters (tabs and newlines stay)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", str(text)))


def terminal_safe(text: object) -> str:
    """``text`` stripped of control characters and escaped for Rich markup: it prints literally."""
    return escape(strip_controls(text))
