"""Bytes in, text out: size limits, gzip, binary detection and encoding detection."""

from __future__ import annotations

import codecs
import re
import zlib
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import InputRejected

_MAGIC = {
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"PK\x03\x04": "ZIP archive",
    b"\x7fELF": "executable",
    b"SQLite format 3": "SQLite database",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Latin single-byte guesses that charset detection confuses with each other on mostly-ASCII news text (a few
# curly quotes and accents are not enough evidence); cp1252 is by far the most common of them on the web, so
# it wins whenever the text is Latin-script and cp1252 decodes it.
# The names are normalised with codecs.lookup() because decode() compares against codecs' canonical names
# ("iso8859-1", "mac-roman"); the raw spellings never matched. The DOS/Mac/Baltic pages are in the family too:
# charset_normalizer guessed cp775 for a cp1252 page with curly quotes and a euro sign (examples/).
_LATIN_FAMILY = {codecs.lookup(name).name for name in (
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman", "cp850", "cp437", "cp1254",
    "cp775", "cp852", "cp857", "cp858", "cp1257", "cp1258", "iso8859_4", "iso8859_9", "iso8859_13",
    "mac_latin2", "mac_iceland", "mac_turkish")}


def read_limited(path: Path, max_bytes: int, max_decompressed: int) -> bytes:
    """Read a file, gunzipping it when it is gzip, refusing what is too large or truncated."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputRejected("unreadable", f"cannot stat file: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise InputRejected("too-large", f"{size:,} bytes is over the {max_bytes:,}-byte limit")
    try:
        # Never more than the limit, whatever the size said: a device or a file that grows while it is read
        # (a symlink to /dev/zero has size 0) would otherwise be read without end.
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputRejected("unreadable", f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputRejected("too-large", f"more than the {max_bytes:,}-byte limit to read (its size said {size:,})")
    return gunzip_limited(data, max_decompressed) if data[:2] == b"\x1f\x8b" else data


def gunzip_limited(data: bytes, max_decompressed: int) -> bytes:
    """Gunzip all members (WARC files are one gzip member per record) without exceeding the limit."""
    parts, total, rest = [], 0, data
    while rest:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = decompressor.decompress(rest, max_decompressed - total + 1)
        except zlib.error as exc:
            raise InputRejected("corrupt-gzip", f"gzip data is corrupt: {exc}") from None
        total += len(out)
        if total > max_decompressed:
            raise InputRejected("too-large", f"decompresses to over {max_decompressed:,} bytes")
        if not decompressor.eof:
            raise InputRejected("truncated-gzip", "gzip stream is truncated (ends before its end marker)")
        parts.append(out)
        rest = decompressor.unused_data
    return b"".join(parts)


def check_not_binary(data: bytes) -> None:
    if not data.strip():
        raise InputRejected("empty", "file is empty or whitespace only")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise InputRejected("binary", f"binary file ({kind}), not a text or markup format")
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(data):
        return
    if b"\x00" in head:
        raise InputRejected("binary", "binary file (contains NUL bytes)")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if controls > len(head) * 0.02:
        raise InputRejected("binary", f"binary file ({controls} control bytes in the first {len(head)})")


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for UTF-16 text written without a byte order mark (Windows tools do), else None.

    NUL bytes alone would call it binary. The test is strict, so that binary data is not read as text: the NUL
    bytes of the first 8 KB sit on one side of the 16-bit units (the high byte of Latin letters, digits, spaces
    and punctuation), at least four times as often as on the other, and the head decodes in that byte order
    into text with no NUL and no control character other than whitespace."""
    head = data[:8192]
    if b"\x00" not in head or len(data) % 2:
        return None
    head = head[:len(head) - len(head) % 2]
    high_first, high_last = head[0::2].count(0), head[1::2].count(0)
    if high_last >= 4 * high_first and _plain_text(head, "utf-16-le"):
        return "utf-16-le"
    if high_first >= 4 * high_last and _plain_text(head, "utf-16-be"):
        return "utf-16-be"
    return None


def _plain_text(head: bytes, name: str) -> bool:
    try:
        text = head.decode(name)
    except UnicodeDecodeError:
        # A cut in the middle of a surrogate pair at the end of the head is still UTF-16.
        try:
            text = head[:-2].decode(name)
        except UnicodeDecodeError:
            return False
    return bool(text.strip()) and not any((ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7f <= ord(ch) < 0xa0
                                          or 0xe000 <= ord(ch) < 0xf900 for ch in text)


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding). Tries BOMs, the declared charset, UTF-8, then
    detection. Refuses text that no encoding explains, and text that is only whitespace once decoded (a
    byte-order mark alone passed the check on bytes and came out as an empty document)."""
    text, encoding = _decode(data, declared)
    if not text.strip():
        raise InputRejected("empty", f"file holds no text ({len(data)} bytes of {encoding}, whitespace only)")
    return text, encoding


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    check_not_binary(data)
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, name), name
    utf16 = utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16), utf16
    candidates = []
    if declared:
        candidates.append(declared)
    match = _META_CHARSET.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for name in candidates:
        try:
            canonical = codecs.lookup(name).name
            if canonical.startswith(("utf-16", "utf-32")):
                # A UTF-16/32 label on bytes without a BOM is a wrong label (real UTF-16 has NUL bytes and was
                # refused as binary above); decoding by it turned ASCII pages into CJK soup. WHATWG ignores it too.
                continue
            if canonical == "iso8859-1":
                # Pages labelled ISO-8859-1 are cp1252 in practice (browsers decode them so, per WHATWG);
                # strict latin-1 would turn curly quotes and the euro sign into C1 control characters.
                try:
                    return data.decode("cp1252"), "cp1252"
                except UnicodeDecodeError:
                    pass
            return data.decode(name), canonical
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(data).best()
    if best is None:
        raise InputRejected("undecodable", "bytes match no known text encoding")
    encoding = codecs.lookup(best.encoding).name
    text = str(best)
    if encoding in _LATIN_FAMILY or _mostly_latin(text):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    bad = text.count("\ufffd") + sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if bad > max(3, len(text[:20000]) * 0.01):
        raise InputRejected("undecodable", f"text decodes as {encoding} only with {bad} invalid characters")
    return text, encoding


def _mostly_latin(text: str) -> bool:
    """True when the detected text's non-ASCII letters are Latin (so the guess was among Latin codepages)."""
    letters = [ch for ch in text[:20000] if ord(ch) > 127 and ch.isalpha()]
    return sum(ord(ch) < 0x250 for ch in letters) >= 0.8 * len(letters)


def _strict(data: bytes, name: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise InputRejected("undecodable", f"invalid {name} at byte {exc.start}") from None

