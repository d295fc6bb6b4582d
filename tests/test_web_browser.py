"""The reader in a real browser: Playwright driving Debian's Chromium (headless) against a live server over a
store built from examples/. Screenshots are saved to test-artifacts/ (or $NEWSLOOM_TEST_ARTIFACTS).

Without Chromium these tests skip, except under CI (CI=true), where `.ci/run` installs it and a skip would
hide a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install 'newsloom[web]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from newsloom.web import create_app  # noqa: E402
from support import EXPECTED, ROOT  # noqa: E402
from web_support import HOSTILE_DOC, LiveServer, copy_store  # noqa: E402

CHROMIUM = os.environ.get("NEWSLOOM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("NEWSLOOM_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set NEWSLOOM_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def server(examples_store, tmp_path_factory):
    from fastapi.testclient import TestClient

    store, _ = examples_store
    db = copy_store(store.path, tmp_path_factory.mktemp("browser") / "news.db")
    app = create_app(db)
    with TestClient(app) as c:  # add a document whose every field carries markup and script
        assert c.post("/api/ingest", json={"documents": [HOSTILE_DOC]}).json()["documents_new"] == 1
    with LiveServer(app) as live:
        live.db = db
        yield live


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.dialogs, page.errors = dialogs, errors
    yield page
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_click_a_citation_and_see_the_sentence_highlighted(server, page):
    page.goto(server.url + "/")
    rows = page.locator("table.stories tbody tr")
    assert rows.count() >= 3
    assert page.locator("svg.coverage rect").count() >= 3  # the coverage charts are drawn
    page.locator("a.story-link").first.click()
    page.wait_for_url("**/stories/**")
    assert page.locator("section.briefing h3").count() >= 1
    assert page.locator("section.sources li").count() >= 2

    sentence = page.locator("section.briefing p.sentence").nth(1)
    sentence_text = sentence.evaluate("p => p.firstChild.textContent").strip()
    shot(page, "story")
    sentence.locator("a.cite").first.click()
    page.wait_for_url("**/articles/**")
    mark = page.locator("mark#cited")
    sync_api.expect(mark).to_be_visible()
    sync_api.expect(mark).to_be_in_viewport()
    assert mark.inner_text().strip() == sentence_text
    assert "flash" in mark.get_attribute("class")  # the script ran under the Content-Security-Policy
    background = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    path = shot(page, "cited-sentence")
    assert path.stat().st_size > 10_000
    assert not page.errors and not page.dialogs


def test_disagreement_citation_opens_the_value_sentence(server, page):
    conflict = EXPECTED["conflicting_figure"]
    page.goto(server.url + f"/search?q={conflict['unit']}")
    page.locator("a.story-link").first.click()
    table = page.locator("section.disagreements table")
    sync_api.expect(table).to_contain_text(conflict["unit"])
    table.locator("a.cite").first.click()
    mark = page.locator("mark#cited")
    sync_api.expect(mark).to_be_visible()
    assert conflict["unit"] in mark.inner_text()


def test_furniture_is_shown_on_request(server, page):
    page.goto(server.url + "/")
    page.locator("a.story-link").first.click()
    page.locator("section.sources li a").first.click()
    details = page.locator("details.furniture")
    assert details.get_attribute("open") is None
    details.locator("summary").click()
    assert details.get_attribute("open") is not None


def test_hostile_text_renders_inert(server, page):
    """The example page with <script>, onerror= and javascript: links, and an ingested document carrying them
    in its text, title, outlet and URL: nothing runs, no element is injected, the markup shows as text."""
    import sqlite3

    db = sqlite3.connect(server.db)
    example = db.execute("SELECT id, title FROM articles WHERE uri LIKE ?", (f"%{EXPECTED['hostile']}",)).fetchone()
    ingested = db.execute("SELECT id FROM articles WHERE title = ?", (HOSTILE_DOC["title"],)).fetchone()[0]
    stories = [r[0] for r in db.execute("SELECT story_id FROM story_articles WHERE article_id IN (?, ?)",
                                        (example[0], ingested))]
    threads = [r[0] for r in db.execute(f"SELECT thread_id FROM stories WHERE id IN ({','.join('?' * len(stories))})"
                                        " AND thread_id IS NOT NULL", stories)]
    db.close()
    pages = ["/", "/?headline_only=true&limit=100", "/search?q=north+ridge", "/search?q=governor+statement",
             "/entities", "/threads", f"/articles/{example[0]}?furniture=true", f"/articles/{ingested}?furniture=true",
             *(f"/stories/{s}" for s in stories), *(f"/threads/{t}" for t in threads)]
    for path in pages:
        page.goto(server.url + path)
        assert page.locator("script:not([src='/static/reader.js'])").count() == 0, path
        assert page.locator("[onerror], [onload], [onclick], [onmouseover]").count() == 0, path
        assert page.locator("a[href^='javascript:' i]").count() == 0, path
        assert page.locator("main img, main b:not(li b), main iframe, main object, main embed").count() == 0, path

    page.goto(server.url + f"/articles/{example[0]}")
    assert page.locator("h1").inner_text() == EXPECTED["hostile_checks"]["title"] == example[1]
    page.goto(server.url + f"/articles/{ingested}")
    assert page.locator("h1").inner_text() == HOSTILE_DOC["title"]
    body = page.locator("main").inner_text()
    assert "<script>alert('text')</script>" in body
    assert "onerror=\"alert('img')\"" in body
    assert "javascript:alert('url')" in body  # shown as text, never as a link
    shot(page, "hostile-document")
    assert not page.dialogs, page.dialogs
    assert not page.errors, page.errors
