"""The reader in a real browser: Playwright driving Debian's Chromium (headless) against a live server over a
store built from examples/. Screenshots are saved to test-artifacts/ (or $NEWSLOOM_TEST_ARTIFACTS).

Without Chromium these tests skip, except under CI (CI=true), where `.ci/run` installs it and a skip would
hide a failure."""

from __future__ import annotations

import html
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install 'newsloom[web]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from newsloom.web import create_app  # noqa: E402
from support import EXPECTED, ROOT  # noqa: E402
from web_support import HOSTILE_DOC, LOCAL, LiveServer, copy_store  # noqa: E402

CHROMIUM = os.environ.get("NEWSLOOM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("NEWSLOOM_TEST_ARTIFACTS", ROOT / "test-artifacts"))
REBOUND_NAME = "rebound.test"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set NEWSLOOM_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. The resolver rule
        # stands in for a DNS-rebinding attacker: their name, re-pointed at 127.0.0.1. Chromium's own Local
        # Network Access checks are off, so that the attack tests show what the server refuses by itself, as it
        # must for browsers without such checks (Firefox, Safari, older Chromium).
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", f"--host-resolver-rules=MAP {REBOUND_NAME} 127.0.0.1",
            "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessSendPreflights"])
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def server(examples_store, tmp_path_factory):
    from fastapi.testclient import TestClient

    store, _ = examples_store
    db = copy_store(store.path, tmp_path_factory.mktemp("browser") / "news.db")
    app = create_app(db)
    with TestClient(app, base_url=LOCAL) as c:  # add a document whose every field carries markup and script
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


# -- attacks from other web pages ---------------------------------------------------------------------------------

ATTACK_TEXT = ("Quorvale city council voted on Tuesday to close the Zembrik ferry landing for a month of repairs, "
               "the harbour office said, and ferries will use the north quay until the work is done.\n\n"
               "Councillors said the landing's timber piles had rotted after two wet winters and that divers found "
               "cracks in the concrete apron during an inspection last week.\n\nTraders at the Zembrik market "
               "said they feared losing passing trade while the landing stays shut. {how}")


def attack_page(target: str) -> str:
    """What a hostile page does with a server on the user's machine: simple requests, which need no CORS
    preflight and so reach the server even though their answers stay unreadable: an auto-submitted text/plain form
    whose body is JSON, a multipart form carrying a file, and the same two through fetch(no-cors)."""
    field = json.dumps({"documents": [{"text": ATTACK_TEXT.format(how="form text/plain"), "x": ""}]})[:-4]
    return f"""<!DOCTYPE html><html><body><h1>Cute cats</h1>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="plain" method="POST" action="{target}/api/ingest" enctype="text/plain" target="sink1">
<input type="hidden" name='{html.escape(field, quote=True)}' value='"}}]}}'></form>
<form id="multi" method="POST" action="{target}/api/ingest/files" enctype="multipart/form-data" target="sink2">
<input type="file" name="files" id="file"></form>
<script>
const text = {json.dumps(ATTACK_TEXT)};
const file = new DataTransfer();
file.items.add(new File([text.replace("{{how}}", "form multipart")], "attack.txt", {{type: "text/plain"}}));
document.getElementById("file").files = file.files;
document.getElementById("plain").submit();
document.getElementById("multi").submit();
const data = new FormData();
data.append("files", new Blob([text.replace("{{how}}", "fetch multipart")], {{type: "text/plain"}}), "a.txt");
fetch("{target}/api/ingest/files", {{method: "POST", mode: "no-cors", body: data}});
fetch("{target}/api/ingest", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
      body: JSON.stringify({{documents: [{{text: text.replace("{{how}}", "fetch text/plain")}}]}})}});
fetch("/api/ingest", {{method: "POST", headers: {{"Content-Type": "application/json"}},
      body: JSON.stringify({{documents: [{{text: text.replace("{{how}}", "fetch same-origin json")}}]}})}});
</script></body></html>"""


class AttackerSite:
    """A second web origin on 127.0.0.1 (another port) serving the attack page."""

    def __init__(self, target: str):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        body = attack_page(target).encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def attack_rows(db: str) -> tuple[int, int, int]:
    """Documents, articles and refusals stored, and how many of them carry the attack's text."""
    conn = sqlite3.connect(db)
    try:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        rejections = conn.execute("SELECT count(*) FROM rejections").fetchone()[0]
        planted = conn.execute("SELECT count(*) FROM articles WHERE text LIKE '%Zembrik%'").fetchone()[0]
    finally:
        conn.close()
    return documents, rejections, planted


def run_attack(page, url: str, target: str, expected_posts: int) -> list[str]:
    """Opens the attack page and waits until the browser has sent every POST to the target (answered or not)."""
    done: list[str] = []

    def finished(request):
        if request.method == "POST" and request.url.startswith(target):
            done.append(request.url)

    page.on("requestfinished", finished)
    page.on("requestfailed", finished)
    page.goto(url)
    deadline = time.monotonic() + 90
    while len(done) < expected_posts and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return done


def test_a_page_on_another_origin_cannot_ingest(server, page):
    attacker = AttackerSite(server.url)
    try:
        before = attack_rows(server.db)
        posts = run_attack(page, attacker.url, server.url, expected_posts=4)
        assert len(posts) == 4, posts  # the browser sent them all: the server had to refuse them
        assert attack_rows(server.db) == before
    finally:
        attacker.close()


def test_a_dns_rebinding_page_cannot_ingest(server, page):
    """The attack page is served under the attacker's name on the server's port; once that name resolves to
    127.0.0.1, its requests are same-origin for the browser and reach the server with the attacker's Host."""
    rebound = f"http://{REBOUND_NAME}:{server.port}"
    page.route(f"{rebound}/", lambda route: route.fulfill(status=200, content_type="text/html",
                                                          body=attack_page(rebound)))
    before = attack_rows(server.db)
    posts = run_attack(page, rebound + "/", rebound, expected_posts=5)
    assert len(posts) == 5, posts
    assert attack_rows(server.db) == before


def test_api_docs_render_offline_under_the_csp(server, page):
    """Swagger UI from the package's own files, no request leaves the server, nothing is refused by the CSP."""
    requests, console = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text))
    page.goto(server.url + "/docs")
    operations = page.locator(".swagger-ui .opblock")
    sync_api.expect(operations.first).to_be_visible(timeout=30_000)
    assert operations.count() >= 9
    for path in ("/api/health", "/api/ingest"):  # "Try it out" passes the origin check: the request is same-origin
        block = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text=path)).first
        block.locator(".opblock-summary").click()
        block.get_by_role("button", name="Try it out").click()
        block.get_by_role("button", name="Execute").click()
        sync_api.expect(block.locator(".live-responses-table .response .response-col_status").first).to_contain_text(
            "200", timeout=60_000)
    shot(page, "api-docs")
    assert all(url.startswith(server.url) for url in requests), [u for u in requests if not u.startswith(server.url)]
    assert not [m for m in console if "Content Security Policy" in m], console
    assert not page.errors, page.errors
