"""Tests for reading inputs (newsloom.ingest), refusing bad ones, and the CLI on a mixed folder.

Part 1 reads the example corpus (examples/, labelled in fixtures/examples_expected.json) in every format.
Part 2 builds bad and pathological inputs in tmp_path and checks that each is refused with a code and a
reason (or cleaned) quickly, and that good inputs beside them are still read.
Part 3 runs ``newsloom run`` on a folder of good and bad files, twice, through click's CliRunner; the
pipeline's models are loaded once per process, so the runs share them.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import pathlib
import random
import re
import shutil
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsloom.clean.stage import clean_document
from newsloom.cli import main
from newsloom.config import IngestConfig
from newsloom.errors import InputRejected
from newsloom.ingest import read_inputs
from newsloom.ingest.decode import decode, gunzip_limited
from newsloom.records import Article, Document, Rejection
from newsloom.store import Store
from newsloom.store.sqlite import TABLES

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXPECTED = json.loads((ROOT / "tests" / "fixtures" / "examples_expected.json").read_text(encoding="utf-8"))
MANIFEST = EXPECTED["documents"]
CONFIG = IngestConfig()
MIN_WORDS = 40
SLOW = 20.0  # seconds: no single bad input may take longer than this (the parse time limit is 20 s)

# Manifest format -> Document.format
FORMATS = {"text": "text", "html": "html", "html-gzip": "html", "warc": "html", "jsonl-text": "text",
           "jsonl-html": "html", "rss": "feed-entry", "atom": "feed-entry"}
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


# -- helpers ---------------------------------------------------------------------------------------------------

def read(*paths, config: IngestConfig = CONFIG, skipped: list | None = None) -> list:
    return list(read_inputs([str(p) for p in paths], config, skipped))


def docs_of(items) -> list[Document]:
    return [i for i in items if isinstance(i, Document)]


def rejections_of(items) -> list[Rejection]:
    return [i for i in items if isinstance(i, Rejection)]


def example_key(uri: str) -> str:
    """'/…/examples/herald.jsonl#1' -> 'herald.jsonl#1', the manifest's document id."""
    path, sep, fragment = uri.partition("#")
    return Path(path).resolve().relative_to(EXAMPLES).as_posix() + sep + fragment


def utc(iso: str) -> str:
    """An ISO datetime with offset as the store writes it: UTC, no offset."""
    return datetime.fromisoformat(iso).astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def words(n: int, seed: int) -> str:
    """Invented filler sentences (not from any corpus)."""
    rng = random.Random(seed)
    nouns = ["council", "harbour", "ferry", "library", "market", "bridge", "school", "bakery", "orchard", "mill"]
    verbs = ["opened", "closed", "repaired", "painted", "inspected", "visited", "extended", "cleaned"]
    out = []
    while len(" ".join(out).split()) < n:
        out.append(f"The {rng.choice(nouns)} was {rng.choice(verbs)} on {rng.choice(['Monday', 'Friday'])} "
                   f"by {rng.randint(2, 90)} volunteers from the {rng.choice(nouns)} committee.")
    return " ".join(out)


def clean_html(html: str) -> list:
    """Clean an HTML page as the pipeline does; returns records or the InputRejected raised."""
    try:
        return list(clean_document(Document(id="doc_test", uri="test.html", format="html", content=html),
                                   MIN_WORDS, CONFIG.max_text_chars))
    except InputRejected as exc:
        return [exc]


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


# Small invented news pages (about 80-90 words each).
FERRY_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lindmark ferry returns after engine repairs</title></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Lindmark ferry returns after engine repairs</h1>
<p>The ferry between Lindmark and Osterby will carry passengers again from Monday after three weeks of repairs
to its main engine, the operator said on Thursday.</p>
<p>Engineers replaced a cracked cylinder head and tested the vessel on two trial crossings this week. The operator
said timetables would return to normal, with eleven daily sailings in each direction.</p>
<p>Commuters had used a replacement bus that added almost an hour to the journey. Local shops in Osterby said trade
had fallen by a quarter while the service was suspended.</p></article>
<footer>Contact us</footer></body></html>
"""

CYCLE_TEXT = """Brenford council approves two new cycle lanes

The town council of Brenford voted on Tuesday evening to build two protected cycle lanes along the main road
between the railway station and the hospital, ending a debate that had lasted most of the year.

Work is due to start in March and should take about five months. The council said the project would cost
1.2 million crowns, most of it paid by a regional transport grant.

Shopkeepers on the route had asked for delivery bays to be kept. The plan keeps six of them, the council said,
and moves two bus stops by a few metres.
"""

LIBRARY_TEXT = ("The public library in Hadley will open on Sundays from next month, its director said on Wednesday. "
                "The change follows a survey in which most members asked for longer weekend hours. Three new "
                "part-time staff will be hired, and the reading room will stay open until six in the evening. "
                "The library also plans a weekly story hour for young children and a repair cafe on the first "
                "Sunday of every month, run by volunteers from the neighbourhood association.")


# -- part 1: every format reads --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example_items() -> list:
    return read(EXAMPLES)


@pytest.fixture(scope="module")
def examples(example_items) -> dict[str, Document]:
    return {example_key(d.uri): d for d in docs_of(example_items)}


def test_every_example_document_is_read_once(example_items, examples):
    assert rejections_of(example_items) == []
    keys = [example_key(d.uri) for d in docs_of(example_items)]
    assert len(keys) == len(set(keys)), "a document was read twice"
    assert set(keys) == set(MANIFEST)


def test_example_formats_and_encodings(examples):
    for key, label in MANIFEST.items():
        doc = examples[key]
        assert doc.format == FORMATS[label["format"]], key
        assert doc.content.strip(), key
        assert "\ufffd" not in doc.content, f"{key}: replacement characters after decoding"
        if label["format"] in ("text", "html", "html-gzip", "warc"):
            assert doc.encoding == label["encoding"], key


def test_utf8_text_page(examples):
    doc = examples["courier-kessmoor-fire.txt"]
    assert doc.content == (EXAMPLES / "courier-kessmoor-fire.txt").read_text(encoding="utf-8")
    for snippet in EXPECTED["article_snippets"]["courier-kessmoor-fire.txt"]:
        assert snippet in doc.content


def test_utf8_bom_is_not_content(examples):
    raw = (EXAMPLES / "ledger-dock-strike.txt").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)  # the fixture really has one
    doc = examples["ledger-dock-strike.txt"]
    assert doc.encoding == "utf-8-sig"
    assert "\ufeff" not in doc.content
    assert doc.content == raw[3:].decode("utf-8")


def test_cp1252_text_page(examples):
    raw = (EXAMPLES / "evening-post-rate-rise.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is not UTF-8
    doc = examples["evening-post-rate-rise.txt"]
    assert doc.encoding == "cp1252"
    assert doc.content == raw.decode("cp1252")
    for char in "€“”’–é":
        assert char in doc.content, char
    assert not re.search("[\x80-\x9f]", doc.content), "C1 control characters: decoded as the wrong codepage"


def test_cp1252_generated_text_page(tmp_path):
    text = ("Prices at the Hadley market rose by 4% to €12.50 a crate, traders said on Monday. “We can’t absorb "
            "it,” said one grocer – the third rise this year. Café owners agreed.\n") * 3
    path = tmp_path / "market.txt"
    path.write_bytes(text.encode("cp1252"))
    (doc,) = read(path)
    assert doc.encoding == "cp1252"
    assert doc.content == text


def test_latin1_label_is_read_as_cp1252(tmp_path):
    """Pages labelled ISO-8859-1 use cp1252's quotes and euro sign; browsers decode them as cp1252."""
    html = ('<html><head><meta charset="iso-8859-1"></head><body><p>“Fares rise to €3,” the operator said.</p>'
            '</body></html>')
    path = tmp_path / "fares.html"
    path.write_bytes(html.encode("cp1252"))
    (doc,) = read(path)
    assert doc.content == html
    assert doc.encoding == "cp1252"


def test_wrong_utf16_label_is_ignored(tmp_path):
    html = '<html><head><meta charset="utf-16"></head><body><p>Café opens in Hadley.</p></body></html>'
    if len(html.encode("utf-8")) % 2:
        html += "\n"  # an even length, so that decoding by the wrong label would not fail by luck
    path = tmp_path / "label.html"
    path.write_bytes(html.encode("utf-8"))
    (doc,) = read(path)
    assert doc.content == html


def test_utf16_with_bom_reads(tmp_path):
    text = "Ferry fares in Lindmark rise by 5% – “modest”, says the operator.\n" * 4
    path = tmp_path / "utf16.txt"
    path.write_bytes(text.encode("utf-16"))  # with BOM
    (doc,) = read(path)
    assert doc.content == text
    assert "\ufeff" not in doc.content


def test_html_page(examples):
    doc = examples["gazette-dock-strike.html"]
    assert doc.content == (EXAMPLES / "gazette-dock-strike.html").read_text(encoding="utf-8")
    assert "</html>" in doc.content.lower()


def test_gzipped_html_page(examples):
    raw = (EXAMPLES / "courier-rate-rise.html.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    doc = examples["courier-rate-rise.html.gz"]
    assert doc.format == "html"
    assert doc.content == gzip.decompress(raw).decode("utf-8")


def test_jsonl_metadata(examples):
    lines = (EXAMPLES / "herald.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        key = f"herald.jsonl#{number}"
        obj, doc, label = json.loads(line), examples[key], MANIFEST[key]
        assert doc.outlet == obj["source"] == label["outlet"]
        assert doc.published == utc(label["published"]), key
        assert doc.title == label["title"]
        assert doc.url == obj["url"]
        assert doc.content == (obj.get("html") or obj["text"])


def test_jsonl_dates_are_normalised_and_never_invented(tmp_path):
    rows = [("2026-01-02T03:04:05+01:00", "2026-01-02T02:04:05"),
            ("Fri, 02 Jan 2026 03:04:05 +0100", "2026-01-02T02:04:05"),
            ("2026-01-02T02:04:05Z", "2026-01-02T02:04:05"),
            ("2026-01-02", "2026-01-02"),
            ("sometime last week", None),
            (None, None)]
    path = tmp_path / "dates.jsonl"
    path.write_text("\n".join(json.dumps({"text": f"Story {i}. " + words(50, i), "published": given})
                              for i, (given, _) in enumerate(rows)), encoding="utf-8")
    docs = docs_of(read(path))
    assert [d.published for d in docs] == [want for _, want in rows]


def test_warc_records(examples):
    from warcio.archiveiterator import ArchiveIterator

    with open(EXAMPLES / "crawl.warc.gz", "rb") as f:
        targets = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(f)
                   if r.rec_type == "response"]
    warc_docs = [d for k, d in examples.items() if k.startswith("crawl.warc.gz#")]
    assert len(warc_docs) == 2 == len(targets)
    assert sorted(d.url for d in warc_docs) == sorted(targets)
    for doc in warc_docs:
        assert doc.uri.endswith("#" + doc.url)
        assert "<html" in doc.content.lower() and "HTTP/1.1" not in doc.content  # payload, not headers


@pytest.mark.parametrize("feed", ["ledger.rss", "evening-post.atom"])
def test_feed_entries(examples, feed):
    keys = [k for k in MANIFEST if k.startswith(feed + "#")]
    assert keys
    assert {k for k in examples if k.startswith(feed + "#")} == set(keys)
    for key in keys:
        doc, label = examples[key], MANIFEST[key]
        assert doc.format == "feed-entry"
        assert doc.outlet == label["outlet"], "outlet is the feed's title (without a generic ' - Latest')"
        assert doc.published == utc(label["published"])
        assert doc.title == label["title"]
        assert doc.url == key.partition("#")[2]


def test_published_has_one_format(examples):
    """Dates from JSONL and from feeds are written alike, so they compare as strings in the store."""
    published = [d.published for d in examples.values() if d.published]
    assert len(published) == sum(1 for label in MANIFEST.values()
                                 if label["published"] and label["format"] in ("rss", "atom", "jsonl-text",
                                                                               "jsonl-html"))
    assert all(ISO_UTC.match(p) for p in published), published


def test_pages_carry_no_invented_metadata(examples):
    for key, label in MANIFEST.items():
        if label["format"] in ("text", "html", "html-gzip"):
            doc = examples[key]
            assert doc.published is None and doc.outlet is None and doc.url is None, key


def test_directory_is_walked_recursively_in_a_stable_order(tmp_path):
    files = {"b/z.txt": "Zed page. " + words(30, 1), "a/deep/er/x.html": f"<p>{words(30, 2)}</p>",
             "m.txt": "Em page. " + words(30, 3), "a/y.jsonl": json.dumps({"text": words(30, 4)}),
             "README.md": "not news", "tools/script.py": "print(1)", ".dot.txt": "hidden file",
             ".git/notes.txt": "hidden folder", "a/.ipynb_checkpoints/x-checkpoint.html": "<p>stale copy</p>"}
    for name in random.Random(7).sample(sorted(files), len(files)):  # created out of order
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(files[name], encoding="utf-8")
    skipped: list[str] = []
    items = read(tmp_path, skipped=skipped)
    uris = [Path(i.uri.partition("#")[0]).relative_to(tmp_path).as_posix() for i in items]
    assert uris == ["a/deep/er/x.html", "a/y.jsonl", "b/z.txt", "m.txt"]
    assert all(isinstance(i, Document) for i in items)
    assert sorted(Path(s).relative_to(tmp_path).as_posix() for s in skipped) == ["README.md", "tools/script.py"]
    again = read(tmp_path)
    assert [(i.uri, i.id) for i in again] == [(i.uri, i.id) for i in items]


def test_examples_read_in_the_same_order_twice(example_items):
    assert [(i.uri, i.id) for i in read(EXAMPLES)] == [(i.uri, i.id) for i in example_items]


@pytest.mark.parametrize("name", ["gazette-dock-strike.html", "ledger-dock-strike.txt", "courier-rate-rise.html.gz",
                                  "herald.jsonl", "crawl.warc.gz", "ledger.rss"])
def test_ids_are_derived_from_content_not_path(tmp_path, examples, name):
    first, second = read(EXAMPLES / name), read(EXAMPLES / name)
    copy = tmp_path / "elsewhere" / ("renamed-" + name)
    copy.parent.mkdir()
    shutil.copyfile(EXAMPLES / name, copy)
    moved = read(copy)
    assert [d.id for d in first] == [d.id for d in second] == [d.id for d in moved]
    assert all(d.id.startswith("doc_") for d in first)
    assert len({d.id for d in first}) == len(first)
    assert [d.uri for d in moved] != [d.uri for d in first]


def test_changed_content_changes_the_id(tmp_path):
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text(CYCLE_TEXT, encoding="utf-8")
    two.write_text(CYCLE_TEXT.replace("Tuesday", "Wednesday"), encoding="utf-8")
    assert read(one)[0].id != read(two)[0].id


@pytest.mark.parametrize("payload, fmt", [(FERRY_HTML.encode(), "html"), (CYCLE_TEXT.encode(), "text"),
                                          (gzip.compress(FERRY_HTML.encode()), "html")])
def test_stdin_is_read_and_sniffed(monkeypatch, payload, fmt):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    (doc,) = read("-")
    assert doc.uri == "<stdin>" and doc.format == fmt
    assert "Lindmark" in doc.content or "Brenford" in doc.content


# -- part 2: bad input is refused, the rest goes on ------------------------------------------------------------

def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _noise() -> bytes:
    rng = random.Random(1234)
    return bytes(rng.randrange(0x80, 0x100) for _ in range(4000))


def _corrupt_gzip() -> bytes:
    good = gzip.compress(FERRY_HTML.encode() * 20)
    return good[:10] + bytes(random.Random(5).randrange(256) for _ in range(len(good) - 10))


BAD_FILES = {
    # name: (bytes builder, expected code)
    "photo.html": (_png, "binary"),
    "nul.txt": (lambda: b"Ferry news\x00\x00\x00" * 50, "binary"),
    "empty.txt": (lambda: b"", "empty"),
    "blank.html": (lambda: b" \n\t\r\n   \n", "empty"),
    "cut.html.gz": (lambda: _half(gzip.compress(FERRY_HTML.encode())), "truncated-gzip"),
    "corrupt.html.gz": (_corrupt_gzip, "corrupt-gzip"),
    "noise.txt": (_noise, "undecodable"),
    "settings.json": (lambda: json.dumps({"theme": "dark", "retries": 3}).encode(), "not-news"),
    "numbers.json": (lambda: b"[1, 2, 3]", "not-news"),
    "nothing.rss": (lambda: b'<?xml version="1.0"?><rss version="2.0"><channel><title>Hadley Times</title>'
                            b'<link>https://hadley.example/</link></channel></rss>', "bad-feed"),
    "nothing.atom": (lambda: b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                             b'<title>Hadley Times</title></feed>', "bad-feed"),
    "cut.warc.gz": (lambda: _half((EXAMPLES / "crawl.warc.gz").read_bytes()), "truncated-gzip"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_with_code_and_reason(tmp_path, name):
    build, code = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(build())
    items, seconds = timed(read, path)
    assert len(items) == 1 and isinstance(items[0], Rejection), items
    rejection = items[0]
    assert (rejection.uri, rejection.code, rejection.stage) == (str(path), code, "ingest")
    assert len(rejection.reason) > 10
    assert seconds < 5


def test_bad_files_do_not_stop_the_good_ones(tmp_path):
    for name, (build, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(build())
    (tmp_path / "ferry.html").write_text(FERRY_HTML, encoding="utf-8")
    (tmp_path / "cycle.txt").write_text(CYCLE_TEXT, encoding="utf-8")
    items = read(tmp_path)
    assert sorted(Path(d.uri).name for d in docs_of(items)) == ["cycle.txt", "ferry.html"]
    assert {Path(r.uri).name: r.code for r in rejections_of(items)} == {n: c for n, (_, c) in BAD_FILES.items()}


def test_undecodable_bytes(tmp_path):
    with pytest.raises(InputRejected) as exc:
        decode(_noise())
    assert exc.value.reason_code == "undecodable"


def test_missing_path_is_refused(tmp_path):
    (rejection,) = read(tmp_path / "no-such-file.html")
    assert rejection.code == "not-found"


def test_huge_file_is_refused_by_size_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.html"
    with open(path, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk space used
    real_read_bytes, real_open = pathlib.Path.read_bytes, pathlib.Path.open

    def guard(method):
        def wrapper(self, *args, **kwargs):
            assert Path(self) != path, "the oversized file was opened"
            return method(self, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(pathlib.Path, "read_bytes", guard(real_read_bytes))
    monkeypatch.setattr(pathlib.Path, "open", guard(real_open))
    items, seconds = timed(read, path)
    assert seconds < 2
    assert [(r.uri, r.code) for r in items] == [(str(path), "too-large")]
    assert "209,715,200" in items[0].reason
    items, seconds = timed(read, tmp_path)  # also when met in a folder
    assert seconds < 2 and [r.code for r in items] == ["too-large"]


def test_file_over_a_lowered_size_limit(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(CYCLE_TEXT, encoding="utf-8")
    (rejection,) = read(path, config=IngestConfig(max_bytes=100))
    assert rejection.code == "too-large"
    (doc,) = read(path, config=IngestConfig(max_bytes=len(CYCLE_TEXT.encode())))
    assert doc.content == CYCLE_TEXT


def test_gzip_bomb_is_refused(tmp_path):
    limit = 1_000_000
    bomb = gzip.compress(b"<p>" + b"boom " * 2_000_000 + b"</p>")  # 10 MB of HTML
    assert len(bomb) < 50_000
    path = tmp_path / "bomb.html.gz"
    path.write_bytes(bomb)
    items, seconds = timed(read, path, config=IngestConfig(max_decompressed_bytes=limit))
    assert [r.code for r in items] == ["too-large"] and isinstance(items[0], Rejection)
    assert f"{limit:,}" in items[0].reason
    assert seconds < 2


def test_gzip_limit_is_exact():
    payload = b"a" * 1000
    assert gunzip_limited(gzip.compress(payload), 1000) == payload
    with pytest.raises(InputRejected) as exc:
        gunzip_limited(gzip.compress(payload), 999)
    assert exc.value.reason_code == "too-large"
    two_members = gzip.compress(payload) + gzip.compress(payload)
    assert gunzip_limited(two_members, 2000) == payload * 2
    with pytest.raises(InputRejected):
        gunzip_limited(two_members, 1999)  # the limit counts all members together


def test_gzipped_stdin_bomb_is_refused(monkeypatch):
    bomb = gzip.compress(b"boom " * 400_000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(bomb)))
    (rejection,) = read("-", config=IngestConfig(max_decompressed_bytes=100_000))
    assert (rejection.uri, rejection.code) == ("<stdin>", "too-large")


def _plain_warc() -> bytes:
    return gunzip_limited((EXAMPLES / "crawl.warc.gz").read_bytes(), 10_000_000)


def test_truncated_plain_warc_keeps_whole_records_only(tmp_path, examples):
    raw = _plain_warc()
    complete = {d.url: d.content for k, d in examples.items() if k.startswith("crawl.warc.gz#")}
    # Cut inside the second response's payload: the first page is whole, the second is not.
    second_url = [u for u in complete if u in raw.decode("utf-8", "replace")][-1]
    cut = raw.index(complete[second_url][200:260].encode("utf-8"))
    path = tmp_path / "cut.warc"
    path.write_bytes(raw[:cut])
    items = read(path)
    docs = docs_of(items)
    for doc in docs:
        assert doc.content == complete[doc.url], "a cut-off page was read as a document"
    assert len(docs) == 1
    (rejection,) = rejections_of(items)
    assert rejection.code == "truncated-archive" and rejection.uri.endswith("#" + second_url)


def test_warc_cut_anywhere_never_crashes(tmp_path):
    raw = _plain_warc()
    path = tmp_path / "cut.warc"
    for n in range(0, len(raw), 97):
        path.write_bytes(raw[:n] or b"WARC/1.0\r\n")
        items = read(path)  # must not raise
        for item in items:
            assert isinstance(item, (Document, Rejection))
            if isinstance(item, Document):
                assert item.content.rstrip().lower().endswith("</html>"), f"cut at {n}: partial page"


def test_malformed_jsonl_lines_are_refused_alone(tmp_path):
    lines = [json.dumps({"text": LIBRARY_TEXT, "source": "Hadley Post", "published": "2026-03-01"}),
             '{"text": "unterminated',
             json.dumps({"text": CYCLE_TEXT, "source": "Brenford Echo"}),
             "",
             "[1, 2]",
             json.dumps({"title": "A title without any text"}),
             json.dumps({"html": FERRY_HTML, "url": "https://lindmark.example/ferry"})]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read(path)
    docs = docs_of(items)
    assert [d.uri.rpartition("#")[2] for d in docs] == ["1", "3", "7"]
    assert [d.content for d in docs] == [LIBRARY_TEXT, CYCLE_TEXT, FERRY_HTML]
    assert [d.format for d in docs] == ["text", "text", "html"]
    assert docs[0].outlet == "Hadley Post" and docs[0].published == "2026-03-01"
    assert {r.uri.rpartition("#")[2]: r.code for r in rejections_of(items)} == {"2": "bad-json", "5": "bad-json",
                                                                                  "6": "empty"}
    assert all(r.reason for r in rejections_of(items))


def test_feed_entry_without_anything_is_refused_alone(tmp_path):
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Hadley Times - Latest</title>'
            b'<item><link>https://hadley.example/a</link></item>'
            b'<item><title>Hadley library to open on Sundays</title><link>https://hadley.example/b</link>'
            b'<pubDate>Wed, 04 Mar 2026 09:30:00 +0100</pubDate><description>' + LIBRARY_TEXT.encode()
            + b'</description></item></channel></rss>')
    path = tmp_path / "hadley.rss"
    path.write_bytes(feed)
    items = read(path)
    (doc,) = docs_of(items)
    assert (doc.outlet, doc.url, doc.published) == ("Hadley Times", "https://hadley.example/b", "2026-03-04T08:30:00")
    assert [(r.uri, r.code) for r in rejections_of(items)] == [(f"{path}#https://hadley.example/a", "empty")]


def test_broken_html_is_still_cleaned(tmp_path):
    """Unclosed tags are what real pages look like: the text is kept, not refused."""
    text = ("The Hadley council voted on Tuesday to close the old stone bridge to lorries after engineers found "
            "cracks in two of its piers. ") * 4
    path = tmp_path / "broken.html"
    path.write_text(f"<html><body><div><p>{text}<p>unclosed", encoding="utf-8")
    (doc,) = read(path)
    records, seconds = timed(clean_html, doc.content)
    (article,) = [r for r in records if isinstance(r, Article)]
    assert "engineers found cracks in two of its piers" in article.text
    assert seconds < SLOW


@pytest.mark.parametrize("html", [
    "<html><head><title>Hadley Times</title></head></html>",
    "<html><head><title>Hadley Times</title></head><body></body></html>",
    "<html><body><script>var x = 1;</script><nav><a href='/'>Home</a></nav></body></html>",
], ids=["no-body", "empty-body", "script-only"])
def test_html_without_text_is_refused(html):
    (result,) = clean_html(html)
    assert isinstance(result, InputRejected) and result.reason_code == "no-content"
    assert result.reason


def test_pathological_deep_nesting(tmp_path):
    html = "<html><body>" + "<div>" * 100_000 + "Deep text. " * 60 + "</div>" * 100_000 + "</body></html>"
    path = tmp_path / "deep.html"
    path.write_text(html, encoding="utf-8")
    (doc,) = read(path)
    (result,), seconds = timed(clean_html, doc.content)
    assert seconds < SLOW
    assert isinstance(result, InputRejected) and result.reason_code == "bad-html"
    assert "depth" in result.reason.lower() or "nest" in result.reason.lower()


def test_pathological_deep_inline_nesting():
    (result,), seconds = timed(clean_html, "<html><body><p>" + "<b><i>" * 60_000 + words(80, 9))
    assert seconds < SLOW
    assert isinstance(result, InputRejected) and result.reason_code == "bad-html"


def test_pathological_megabyte_line(tmp_path):
    sentence = "The harbour master said on Monday that nine ships were waiting to unload their cargo. "
    body = sentence * (1_000_000 // len(sentence) + 1)
    path = tmp_path / "line.html"
    path.write_text(f"<html><body><p>{body}</p></body></html>", encoding="utf-8")
    (doc,) = read(path)
    records, seconds = timed(clean_html, doc.content)
    assert seconds < SLOW
    # Either outcome is fine, but it must be one of them, quickly.
    if isinstance(records[0], InputRejected):
        assert records[0].reason_code in ("too-long", "bad-html", "no-content")
    else:
        (article,) = [r for r in records if isinstance(r, Article)]
        assert len(article.text) > 900_000 and sentence.strip() in article.text


def test_pathological_page_without_body_tag():
    html = "<title>Bridge closes</title><p>" + words(90, 11) + "<p>" + words(60, 12)
    records, seconds = timed(clean_html, html)
    assert seconds < SLOW
    (article,) = [r for r in records if isinstance(r, Article)]
    assert words(90, 11)[:60] in article.text


# -- part 3: the CLI on a folder of good and bad files ---------------------------------------------------------

def _deep_html() -> bytes:
    return ("<html><body>" + "<div>" * 100_000 + words(80, 3) + "</body></html>").encode()


E2E_BAD = {
    # name: (bytes builder, code, stage)
    "photo.html": (_png, "binary", "ingest"),
    "nul.txt": (lambda: b"Ferry news\x00\x00\x00" * 50, "binary", "ingest"),
    "empty.txt": (lambda: b"", "empty", "ingest"),
    "blank.txt": (lambda: b"  \n \n\t", "empty", "ingest"),
    "cut.html.gz": (lambda: _half(gzip.compress(FERRY_HTML.encode())), "truncated-gzip", "ingest"),
    "corrupt.html.gz": (_corrupt_gzip, "corrupt-gzip", "ingest"),
    "bomb.html.gz": (lambda: gzip.compress(b"<p>" + b"boom " * 1_000_000), "too-large", "ingest"),
    "noise.txt": (_noise, "undecodable", "ingest"),
    "settings.json": (lambda: b'{"theme": "dark"}', "not-news", "ingest"),
    "nothing.rss": (BAD_FILES["nothing.rss"][0], "bad-feed", "ingest"),
    "cut.warc.gz": (BAD_FILES["cut.warc.gz"][0], "truncated-gzip", "ingest"),
    "sub/deep.html": (_deep_html, "bad-html", "clean"),
    "sub/nobody.html": (lambda: b"<html><head><title>Hadley Times</title></head></html>", "no-content", "clean"),
}


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    inbox = root / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "ferry.html").write_text(FERRY_HTML, encoding="utf-8")
    (inbox / "sub" / "cycle.txt").write_text(CYCLE_TEXT, encoding="utf-8")
    (inbox / "lines.jsonl").write_text(
        json.dumps({"text": LIBRARY_TEXT, "source": "Hadley Post", "url": "https://hadley.example/library"})
        + "\n{not json\n", encoding="utf-8")
    for name, (build, _, _) in E2E_BAD.items():
        (inbox / name).write_bytes(build())
    with open(inbox / "huge.html", "wb") as f:
        f.truncate(200 * 1024 * 1024)
    config = root / "newsloom.toml"
    config.write_text("[ingest]\nmax_decompressed_bytes = 1_000_000\n", encoding="utf-8")
    db = root / "store.db"
    args = ["run", str(inbox), "--db", str(db), "--config", str(config), "--json"]
    runner = CliRunner()

    def snapshot():
        store = Store(db)
        try:
            return {t: store.ids(t) for t in TABLES}, store.counts()
        finally:
            store.close()

    first = runner.invoke(main, args)
    tables, counts = snapshot()
    listed = runner.invoke(main, ["rejected", "--db", str(db), "--json"])
    second = runner.invoke(main, args)
    tables2, counts2 = snapshot()
    listed2 = runner.invoke(main, ["rejected", "--db", str(db), "--json"])
    return dict(inbox=inbox, db=db, first=first, second=second, tables=tables, tables2=tables2, counts=counts,
                counts2=counts2, listed=listed, listed2=listed2)


def _expected_rejections(inbox: Path) -> dict[str, tuple[str, str]]:
    expected = {str(inbox / name): (code, stage) for name, (_, code, stage) in E2E_BAD.items()}
    expected[str(inbox / "huge.html")] = ("too-large", "ingest")
    expected[f"{inbox / 'lines.jsonl'}#2"] = ("bad-json", "ingest")
    return expected


def test_cli_run_exits_3_when_inputs_are_refused(e2e):
    first = e2e["first"]
    assert first.exception is None or isinstance(first.exception, SystemExit), first.exception
    assert first.exit_code == 3, first.output
    report = json.loads(first.stdout)
    assert report["documents_read"] == 5  # 3 good + 2 refused by the cleaner
    assert sum(report["rejected"].values()) == len(_expected_rejections(e2e["inbox"]))


def test_cli_rejected_lists_every_bad_file_with_its_code(e2e):
    assert e2e["listed"].exit_code == 0
    rows = json.loads(e2e["listed"].stdout)
    got = {row["uri"]: (row["code"], row["stage"]) for row in rows}
    assert got == _expected_rejections(e2e["inbox"])
    assert all(row["reason"] and len(row["reason"]) > 10 for row in rows)


def test_cli_good_documents_are_stored(e2e):
    inbox, counts = e2e["inbox"], e2e["counts"]
    good = {str(inbox / "ferry.html"), str(inbox / "sub" / "cycle.txt"), f"{inbox / 'lines.jsonl'}#1"}
    store = Store(e2e["db"])
    try:
        article_uris = {r[0] for r in store.db.execute("SELECT uri FROM articles")}
        doc_uris = {r[0] for r in store.db.execute("SELECT uri FROM documents")}
        refused_with_rows = [r[0] for r in store.db.execute(
            "SELECT r.uri FROM rejections r JOIN articles a ON a.uri = r.uri UNION "
            "SELECT r.uri FROM rejections r JOIN documents d ON d.uri = r.uri WHERE r.stage = 'ingest'")]
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        library = store.db.execute("SELECT outlet, url FROM articles WHERE uri LIKE '%lines.jsonl#1'").fetchone()
    finally:
        store.close()
    assert article_uris == good
    assert good <= doc_uris
    # Refused at ingest or by the cleaner: no row anywhere but rejections (a rerun meets them again).
    assert refused_with_rows == []
    assert doc_uris == good
    assert counts["articles"] == 3 and counts["documents"] == 3
    assert tuple(library) == ("Hadley Post", "https://hadley.example/library")


def test_cli_rerun_changes_nothing(e2e):
    second = e2e["second"]
    assert second.exit_code == 3, second.output
    report = json.loads(second.stdout)
    assert report["documents_new"] == 0
    assert e2e["counts2"] == e2e["counts"]
    for table in TABLES:
        assert e2e["tables2"][table] == e2e["tables"][table], table
    assert json.loads(e2e["listed2"].stdout) == json.loads(e2e["listed"].stdout)


def test_cli_reads_stdin(tmp_path):
    db = tmp_path / "stdin.db"
    result = CliRunner().invoke(main, ["run", "-", "--db", str(db), "--json"], input=CYCLE_TEXT.encode("utf-8"))
    assert result.exit_code == 0, result.output
    store = Store(db)
    try:
        docs = store.db.execute("SELECT uri, format, content FROM documents").fetchall()
        articles = store.db.execute("SELECT uri, text FROM articles").fetchall()
    finally:
        store.close()
    assert [tuple(d) for d in docs] == [("<stdin>", "text", CYCLE_TEXT)]
    assert len(articles) == 1 and "protected cycle lanes" in articles[0][1]


def test_cli_unreadable_store_is_a_runtime_error(tmp_path):
    bad_db = tmp_path / "not-a-db.db"
    bad_db.write_bytes(b"this is not sqlite" * 100)
    (tmp_path / "page.txt").write_text(CYCLE_TEXT, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "page.txt"), "--db", str(bad_db)])
    assert result.exit_code == 1


def test_cli_without_paths_is_a_usage_error():
    assert CliRunner().invoke(main, ["run"]).exit_code == 2
