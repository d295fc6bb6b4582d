"""Golden extraction corpus (fixtures/golden: invented pages written for these tests) and its quality gate.

Each page's labels in golden.json give the article body a perfect extractor returns, snippets that must and
must not be in the extracted text, headlines that must come back as headline records, and furniture that must
be listed as removed. The quality gate scores each mode on the corpus with the scrapinghub benchmark's metric
and fails when a score drops below its pinned figure. The HTML pages are also flattened to text
(newsloom.evaluation.flatten_html) and run through text mode, as a page scraped by someone else would be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsloom.clean import extract_page
from newsloom.evaluation import flatten_html, macro_scores, shingle_scores
from newsloom.records import Document, normalize_text

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
LABELS = json.loads((GOLDEN / "golden.json").read_text(encoding="utf-8"))["pages"]

# Pinned quality figures (benchmark metric F1 on this corpus). A lost paragraph on one page brings a mode's F1
# below these figures. The HTML pages are also flattened three ways, as other scrapers write them (issue 19):
# ours, one whitespace-joined line, and each text node on a line of its own (BeautifulSoup's get_text("\n"):
# inline tags break sentences).
# One line is cut into sentences, at separators, Title-Case leads and other stories' labels, and where the line
# model's segmenter finds a line break, and read by the line model's own model for one-line pages, but other
# stories' headlines still run into their teasers there, and such sentences are kept: that floor (0.909 measured
# with the segmenter, 0.873 before, 2026-12-04) and ONE_LINE_OPEN say how far it is from the others.
PINNED = {"html": 0.98, "text": 0.98, "flattened-html": 0.98, "one-line": 0.89, "text-nodes": 0.95}
# Pages whose one-line flattening still keeps another story's teaser (issue 19, open): strict, so that a fix
# shows up as an unexpected pass.
ONE_LINE_OPEN = {"bridge-closure-related.html"}
FLATTENINGS = {"flattened-html": flatten_html, "one-line": lambda html: " ".join(flatten_html(html).split()),
               "text-nodes": lambda html: text_nodes(html)}


def text_nodes(html: str) -> str:
    """Every text node of the page on a line of its own, as BeautifulSoup's get_text("\n") writes it (scripts,
    styles and comments left out)."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    for element in root.xpath("//script|//style|//template|//comment()"):
        element.drop_tree() if element.tag is not lxml.html.HtmlComment else element.getparent().remove(element)
    return "\n".join(root.itertext())


def document(name: str, mode: str) -> Document:
    content = (GOLDEN / name).read_text(encoding="utf-8")
    if mode in FLATTENINGS:
        return Document(id=name, uri=name, format="text", content=FLATTENINGS[mode](content))
    return Document(id=name, uri=name, format=mode, content=content)


def cases(mode: str) -> list[str]:
    source = "html" if mode in FLATTENINGS else mode
    return [name for name, labels in LABELS.items() if labels["format"] == source]


@pytest.fixture(scope="module")
def extracted():
    out = {}
    for mode in PINNED:
        for name in cases(mode):
            out[mode, name] = extract_page(document(name, mode))
    return out


def all_cases():
    return [(mode, name) for mode in PINNED for name in cases(mode)]


def snippet_cases():
    return [pytest.param(mode, name, marks=pytest.mark.xfail(strict=True, reason="teasers kept in one-line text"))
            if mode == "one-line" and name in ONE_LINE_OPEN else (mode, name) for mode, name in all_cases()]


def test_corpus_covers_both_modes():
    assert len(cases("html")) >= 3 and len(cases("text")) >= 2


@pytest.mark.parametrize("mode, name", snippet_cases())
def test_snippets(extracted, mode, name):
    page, labels = extracted[mode, name], LABELS[name]
    for snippet in labels["must_contain"]:
        assert snippet in page.text, f"{mode} {name}: missing {snippet!r}"
    for snippet in labels["must_not_contain"]:
        assert snippet not in page.text, f"{mode} {name}: furniture {snippet!r} left in"
    if mode in ("one-line", "text-nodes"):
        return  # the article's snippets only: a title, byline or list is not a line of its own there
    assert page.title == labels["title"]
    if "author" in labels and mode != "html":  # HTML authors come from metadata, checked below
        assert page.author == labels["author"]


def structured_cases():
    """The cases whose lines keep the page's structure: headline records and removed blocks can be checked."""
    return [(mode, name) for mode, name in all_cases() if mode not in ("one-line", "text-nodes")]


@pytest.mark.parametrize("mode, name", structured_cases())
def test_headlines_are_kept_as_records(extracted, mode, name):
    page, labels = extracted[mode, name], LABELS[name]
    texts = [h.text for h in page.headlines]
    for headline in labels["headlines"]:
        assert headline in texts, f"{mode} {name}: headline {headline!r} not kept"
    assert [h.position for h in page.headlines] == list(range(len(texts)))
    assert not any(normalize_text(h) in normalize_text(page.text) for h in texts)  # not in the article too
    for headline, teaser in labels.get("teasers", {}).items():
        assert next(h.teaser for h in page.headlines if h.text == headline) == teaser


@pytest.mark.parametrize("mode, name", structured_cases())
def test_removed_blocks_are_shown_with_reasons(extracted, mode, name):
    page, labels = extracted[mode, name], LABELS[name]
    removed = " ".join(f.text for f in page.furniture)
    for snippet in labels["furniture"]:
        assert snippet in removed, f"{mode} {name}: {snippet!r} not listed as removed"
    assert all(f.reason for f in page.furniture)
    if labels.get("duplicates"):
        assert sum(f.reason == "repeated-paragraph" for f in page.furniture) == labels["duplicates"]


@pytest.mark.parametrize("mode", ["flattened-html", "text-nodes"])
def test_section_headings_are_decided_by_the_whole_run(mode):
    """Issue 19, item 2: the planner's Title-Case headings each over one sentence have the shape of the other
    stories' cards below it; the text-mode rules alone, before any line model, keep the run that continues
    the article as its headings and paragraphs, and the cards as headlines with their teasers."""
    from newsloom.clean.text import split_text_page

    name = "market-day-planner.html"
    page = split_text_page(FLATTENINGS[mode]((GOLDEN / name).read_text(encoding="utf-8")), use_model=False)
    kinds = {b.text: b.kind for b in page.blocks}
    body = LABELS[name]["body"]
    assert [kinds[line] for line in body[1:9]] == ["heading", "paragraph"] * 4
    assert [h.text for h, _ in page.headline_items] == ["Council Approves New Cycle Bridge Over the River",
                                                       "Library Extends Its Opening Hours for Exams",
                                                       "Hospital Car Park Charges Rise in June"]


def test_html_metadata(extracted):
    page = extracted["html", "lakeside-ferry.html"]
    assert (page.author, page.date, page.language, page.outlet) == ("Ines Marrow", "2026-04-14", "en",
                                                                     "The Orvale Herald")
    # a bare copyright year is not a publication date
    assert extracted["html", "vineyard-frost.html"].date is None


def test_block_languages(extracted):
    page = extracted["text", "grain-exports.txt"]
    assert page.language == "en"
    from newsloom.clean.text import split_text_page

    blocks = split_text_page((GOLDEN / "grain-exports.txt").read_text(encoding="utf-8")).blocks
    for snippet, language in LABELS["grain-exports.txt"]["languages"].items():
        assert next(b.language for b in blocks if b.text.startswith(snippet)) == language


@pytest.mark.parametrize("mode", list(PINNED))
def test_quality_gate(extracted, mode):
    rows = [shingle_scores("\n".join(LABELS[name]["body"]), extracted[mode, name].text) for name in cases(mode)]
    scores = macro_scores(rows)
    assert scores.f1 >= PINNED[mode], f"{mode} F1 {scores.f1:.3f} below the pinned {PINNED[mode]}: {scores}"


def test_quality_gate_can_fail():
    """The gate's metric does drop when a paragraph is lost or furniture is let in."""
    body = LABELS["mill-fire.txt"]["body"]
    assert macro_scores([shingle_scores("\n".join(body), "\n".join(body[1:]))]).f1 < PINNED["text"]
    noisy = "\n".join(body + ["Subscribe now and get your first month free with our offer today"])
    assert macro_scores([shingle_scores("\n".join(body), noisy)]).f1 < 1.0
