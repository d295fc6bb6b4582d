#!/usr/bin/env python3
"""Rebuild the binary / specially encoded files of the newsloom example corpus.

Everything in this corpus is invented (see README.md).  Most corpus files are
edited by hand directly in ``examples/``.  The files below are *generated* from
plain UTF-8 sources under ``examples/src/`` (the ``.in`` suffix keeps those
sources out of any ``*.html`` / ``*.txt`` glob, so they are never read as
corpus documents):

    src/ledger-dock-strike.txt.in       -> ledger-dock-strike.txt       (UTF-8 with BOM)
    src/evening-post-rate-rise.txt.in   -> evening-post-rate-rise.txt   (cp1252, CRLF line ends)
    src/courier-rate-rise.html.in       -> courier-rate-rise.html.gz    (gzip, mtime=0)
    src/warc/*.html.in                  -> crawl.warc.gz                (WARC/1.0, per-record gzip)

The output is deterministic: fixed WARC-Record-IDs and WARC-Dates, fixed HTTP
dates, gzip headers with mtime=0 and no file name.  Running the script twice
gives byte-identical files.

Usage (from the repository root):

    .venv/bin/python examples/make_archives.py          # rewrite the files
    .venv/bin/python examples/make_archives.py --check  # exit 1 if any file is stale

Requires ``warcio`` for the WARC file.
"""
from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

# --------------------------------------------------------------------------
# WARC layout: one warcinfo record, then a request/response pair per page.
# --------------------------------------------------------------------------
WARC_NAME = "crawl.warc.gz"
WARCINFO = {
    "record_id": "<urn:uuid:3d0c5a1e-7b2f-4c8e-9a61-5e0f1b2c0001>",
    "date": "2026-08-04T19:00:00Z",
    "fields": [
        ("software", "newsloom example crawler 0.1 (invented)"),
        ("format", "WARC File Format 1.0"),
        ("operator", "newsloom examples"),
        ("description", "Invented example pages for the newsloom test corpus. Not real news."),
        ("robots", "obey"),
    ],
}
WARC_PAGES = [
    {
        "source": "warc/courier-strike-day-two.html.in",
        "url": "https://www.veldracourier.example/news/2026/08/04/lorry-queues-port-andrel-strike-second-day",
        "warc_date": "2026-08-04T19:02:11Z",
        "http_date": "Tue, 04 Aug 2026 19:02:11 GMT",
        "last_modified": "Tue, 04 Aug 2026 16:10:00 GMT",
        "server": "nginx",
        "request_id": "<urn:uuid:3d0c5a1e-7b2f-4c8e-9a61-5e0f1b2c0002>",
        "response_id": "<urn:uuid:3d0c5a1e-7b2f-4c8e-9a61-5e0f1b2c0003>",
    },
    {
        "source": "warc/gazette-small-firms.html.in",
        "url": "https://www.andrelgazette.example/business/2026/08/07/small-firms-rate-rise-investment",
        "warc_date": "2026-08-07T15:40:27Z",
        "http_date": "Fri, 07 Aug 2026 15:40:27 GMT",
        "last_modified": "Fri, 07 Aug 2026 09:45:00 GMT",
        "server": "Apache",
        "request_id": "<urn:uuid:3d0c5a1e-7b2f-4c8e-9a61-5e0f1b2c0004>",
        "response_id": "<urn:uuid:3d0c5a1e-7b2f-4c8e-9a61-5e0f1b2c0005>",
    },
]
USER_AGENT = "newsloom-example-crawler/0.1 (+https://newsloom.example/bot)"


def _read_source(rel: str) -> str:
    return (SRC / rel).read_text(encoding="utf-8")


def _gzip(data: bytes) -> bytes:
    # mtime=0 and no file name in the header -> deterministic bytes.
    return gzip.compress(data, compresslevel=9, mtime=0)


def build_bom_text() -> bytes:
    text = _read_source("ledger-dock-strike.txt.in")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def build_cp1252_text() -> bytes:
    text = _read_source("evening-post-rate-rise.txt.in")
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("cp1252")  # raises if a character has no cp1252 byte


def build_html_gz() -> bytes:
    return _gzip(_read_source("courier-rate-rise.html.in").encode("utf-8"))


def build_warc() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.0")

    info = "".join(f"{k}: {v}\r\n" for k, v in WARCINFO["fields"]).encode("utf-8")
    writer.write_record(
        writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(info),
            length=len(info),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": WARCINFO["record_id"],
                "WARC-Date": WARCINFO["date"],
                "WARC-Filename": WARC_NAME,
            },
        )
    )

    for page in WARC_PAGES:
        url = page["url"]
        host = url.split("/")[2]
        path = "/" + url.split("/", 3)[3]
        body = _read_source(page["source"]).encode("utf-8")

        req_http = StatusAndHeaders(
            f"GET {path} HTTP/1.1",
            [
                ("Host", host),
                ("User-Agent", USER_AGENT),
                ("Accept", "text/html,application/xhtml+xml"),
                ("Accept-Encoding", "identity"),
            ],
            is_http_request=True,
        )
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=req_http,
            warc_headers_dict={
                "WARC-Record-ID": page["request_id"],
                "WARC-Date": page["warc_date"],
                "WARC-Concurrent-To": page["response_id"],
            },
        )

        resp_http = StatusAndHeaders(
            "200 OK",
            [
                ("Date", page["http_date"]),
                ("Server", page["server"]),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Last-Modified", page["last_modified"]),
                ("Set-Cookie", "consent=pending; Path=/; SameSite=Lax"),
            ],
            protocol="HTTP/1.1",
        )
        response = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=resp_http,
            warc_headers_dict={
                "WARC-Record-ID": page["response_id"],
                "WARC-Date": page["warc_date"],
                "WARC-IP-Address": "192.0.2.10",  # TEST-NET-1, documentation range
            },
        )
        # Crawlers usually write the response first, then its request.
        writer.write_record(response)
        writer.write_record(request)

    return out.getvalue()


TARGETS = {
    "ledger-dock-strike.txt": build_bom_text,
    "evening-post-rate-rise.txt": build_cp1252_text,
    "courier-rate-rise.html.gz": build_html_gz,
    WARC_NAME: build_warc,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify that the files are up to date")
    args = parser.parse_args(argv)

    stale = []
    for name, build in TARGETS.items():
        data = build()
        path = HERE / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(HERE.parent)} ({len(data)} bytes)")
    if stale:
        print("stale generated files: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
