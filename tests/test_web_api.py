"""The HTTP API and the reader's pages, through FastAPI's test client, over a copy of the examples store."""

from __future__ import annotations

import re
import sqlite3

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install 'newsloom[web]')")

from fastapi.testclient import TestClient  # noqa: E402

from newsloom.web import create_app  # noqa: E402
from support import EXPECTED  # noqa: E402
from web_support import HOSTILE_DOC, LOCAL, copy_store  # noqa: E402


@pytest.fixture(scope="module")
def client(examples_store, tmp_path_factory):
    store, _ = examples_store
    db = copy_store(store.path, tmp_path_factory.mktemp("web") / "read.db")
    with TestClient(create_app(db), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def stories(client):
    return client.get("/api/stories", params={"limit": 100}).json()


def biggest(stories: dict) -> dict:
    return stories["items"][0]


def test_health_reports_counts(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["schema_version"] >= 5
    assert body["counts"]["articles"] > 0 and body["counts"]["stories"] > 0


def test_story_list_pages_and_sorts(client, stories):
    assert stories["total"] == len(stories["items"]) >= 3
    assert all(s["articles"] > 0 for s in stories["items"])  # headline-only stories only on request
    sizes = [s["articles"] for s in stories["items"]]
    assert sizes == sorted(sizes, reverse=True)
    page = client.get("/api/stories", params={"limit": 2, "offset": 1}).json()
    assert [s["id"] for s in page["items"]] == [s["id"] for s in stories["items"][1:3]]
    everything = client.get("/api/stories", params={"headline_only": True, "limit": 100}).json()
    assert everything["total"] > stories["total"]
    recent = client.get("/api/stories", params={"sort": "recent", "limit": 100}).json()["items"]
    dates = [s["last_published"] or "" for s in recent]
    assert dates == sorted(dates, reverse=True)


def test_full_text_search_finds_the_event_and_survives_odd_queries(client):
    fire = client.get("/api/stories", params={"q": "wildfire hectares"}).json()
    assert fire["total"] >= 1
    assert "Kessmoor" in fire["items"][0]["title"] or "fire" in fire["items"][0]["title"].lower()
    assert client.get("/api/stories", params={"q": "zzqx nonexistent"}).json()["total"] == 0
    for odd in ['"', "AND OR NOT", "*", "title:(", "'; DROP TABLE stories; --", "NEAR(a b"]:
        response = client.get("/api/stories", params={"q": odd})
        assert response.status_code == 200, odd
    assert client.get("/api/health").json()["counts"]["stories"] > 0


def test_filters_by_outlet_entity_and_dates(client, stories):
    story = biggest(stories)
    outlet = story["outlet_names"][0]
    by_outlet = client.get("/api/stories", params={"outlet": outlet, "limit": 100}).json()["items"]
    assert story["id"] in [s["id"] for s in by_outlet]
    assert all(outlet in s["outlet_names"] for s in by_outlet)
    assert client.get("/api/stories", params={"outlet": "No Such Outlet"}).json()["total"] == 0

    entity = client.get(f"/api/stories/{story['id']}").json()["entities"][0]["key"]
    by_entity = client.get("/api/stories", params={"entity": entity}).json()["items"]
    assert story["id"] in [s["id"] for s in by_entity]

    day = story["last_published"][:10]
    inside = client.get("/api/stories", params={"from": day, "to": day, "limit": 100}).json()["items"]
    assert story["id"] in [s["id"] for s in inside]
    after = client.get("/api/stories", params={"from": "2030-01-01", "limit": 100}).json()
    assert after["total"] == 0
    assert client.get("/api/stories", params={"from": "not-a-date"}).status_code == 422


def test_story_detail_resolves_every_citation_to_its_sentence(client, stories):
    checked = 0
    for item in stories["items"]:
        story = client.get(f"/api/stories/{item['id']}").json()
        assert story["sources"] and story["sections"]
        texts = {}
        for section in story["sections"]:
            for sentence in section["sentences"]:
                assert sentence["citations"], sentence["text"]
                for cite in sentence["citations"]:
                    if cite["article_id"] not in texts:
                        texts[cite["article_id"]] = client.get(f"/api/articles/{cite['article_id']}").json()["text"]
                    start, end = cite["span"]
                    assert texts[cite["article_id"]][start:end] == sentence["text"]
                    checked += 1
    assert checked >= 10


def test_story_detail_has_the_conflicting_figure_and_timeline(client):
    conflict = EXPECTED["conflicting_figure"]
    fire = client.get("/api/stories", params={"q": conflict["unit"]}).json()["items"][0]
    story = client.get(f"/api/stories/{fire['id']}").json()
    subjects = {d["subject"] for d in story["disagreements"]}
    assert conflict["unit"] in subjects
    values = [v["text"] for d in story["disagreements"] for v in d["values"]]
    assert len(values) >= 2
    assert story["timeline"] and all(t["sentences"] for t in story["timeline"])
    assert story["entities"] and story["thread"]


def test_story_prefix_and_missing_ids(client, stories):
    story = biggest(stories)
    assert client.get(f"/api/stories/{story['id'][:10]}").json()["id"] == story["id"]
    assert client.get("/api/stories/st_nope").status_code == 404
    assert client.get("/api/articles/art_nope").status_code == 404
    assert client.get("/api/threads/th_nope").status_code == 404
    page = client.get("/stories/st_nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def test_article_has_text_metadata_and_furniture(client):
    with_furniture = None
    for story in client.get("/api/stories", params={"limit": 100}).json()["items"]:
        for article in client.get(f"/api/stories/{story['id']}").json()["article_list"]:
            detail = client.get(f"/api/articles/{article['id']}").json()
            assert detail["text"] and detail["paragraphs"]
            if detail["furniture"]:
                with_furniture = detail
                break
        if with_furniture:
            break
    assert with_furniture, "some example page has furniture removed"
    reasons = {f["reason"] for f in with_furniture["furniture"]}
    assert reasons and all(f["text"] for f in with_furniture["furniture"])
    page = client.get(f"/articles/{with_furniture['id']}", params={"furniture": "true"}).text
    assert "<details class=\"furniture\" open>" in page
    assert any(r in page for r in reasons)


def test_article_page_highlights_a_span(client, stories):
    story = client.get(f"/api/stories/{biggest(stories)['id']}").json()
    sentence = story["sections"][0]["sentences"][0]
    cite = sentence["citations"][0]
    page = client.get(f"/articles/{cite['article_id']}", params={"s": f"{cite['span'][0]}-{cite['span'][1]}"}).text
    marked = re.search(r'<mark id="cited">(.*?)</mark>', page, re.S)
    assert marked and marked.group(1) == _escaped(sentence["text"])
    # A span outside the text, or a malformed one, is ignored or refused, never an error page.
    assert client.get(f"/articles/{cite['article_id']}", params={"s": "999999-9999999"}).status_code == 200
    assert client.get(f"/articles/{cite['article_id']}", params={"s": "x"}).status_code == 422


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def test_threads_and_entities(client):
    threads = client.get("/api/threads").json()
    assert threads["total"] >= 1
    thread = client.get(f"/api/threads/{threads['items'][0]['id']}").json()
    assert thread["stories"] and thread["label"] and thread["coverage"]
    assert thread["timeline"]
    for entry in thread["timeline"]:
        for sentence in entry["sentences"]:
            cite = sentence["citations"][0]
            start, end = cite["span"]
            assert client.get(f"/api/articles/{cite['article_id']}").json()["text"][start:end] == sentence["text"]
    entities = client.get("/api/entities", params={"limit": 10}).json()
    assert entities["items"] and all(e["key"] and e["name"] for e in entities["items"])
    named = client.get("/api/entities", params={"q": entities["items"][0]["name"][:5]}).json()
    assert entities["items"][0]["key"] in [e["key"] for e in named["items"]]
    assert client.get("/api/entities", params={"q": "%_\\"}).status_code == 200


def test_every_page_has_a_json_twin_and_security_headers(client, stories):
    story = biggest(stories)
    article = client.get(f"/api/stories/{story['id']}").json()["article_list"][0]["id"]
    thread = client.get("/api/threads").json()["items"][0]["id"]
    for path in ["/", "/search?q=strike", f"/stories/{story['id']}", f"/articles/{article}", "/threads",
                 f"/threads/{thread}", "/entities"]:
        page = client.get(path)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', page.text).group(1)
        data = client.get(twin.replace("&amp;", "&"))
        assert data.status_code == 200 and data.headers["content-type"].startswith("application/json"), twin
        assert "style=" not in page.text and "<script>" not in page.text  # nothing inline: the CSP forbids it


def test_openapi_documents_the_api(client):
    schema = client.get("/openapi.json").json()
    for path in ["/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}", "/api/threads",
                 "/api/threads/{thread_id}", "/api/entities", "/api/ingest", "/api/ingest/files", "/api/health"]:
        assert path in schema["paths"], path
    assert not any(p.startswith(("/stories", "/articles")) for p in schema["paths"])  # pages stay out


# -- ingest -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ingest_db(examples_store, tmp_path_factory):
    store, _ = examples_store
    return copy_store(store.path, tmp_path_factory.mktemp("web") / "ingest.db")


def test_ingest_json_documents_is_idempotent(ingest_db):
    with TestClient(create_app(ingest_db), base_url=LOCAL) as c:
        before = c.get("/api/health").json()["counts"]
        report = c.post("/api/ingest", json={"documents": [HOSTILE_DOC, {"text": "   "}]}).json()
        assert report["documents_new"] == 1 and report["rejected"] == {"empty": 1}
        after = c.get("/api/health").json()["counts"]
        assert after["articles"] == before["articles"] + 1
        again = c.post("/api/ingest", json={"documents": [HOSTILE_DOC]}).json()
        assert again["documents_new"] == 0 and again["documents_already_stored"] == 1
        assert c.get("/api/health").json()["counts"]["articles"] == after["articles"]
        found = c.get("/api/stories", params={"q": "governor statement Emberlee"}).json()
        assert found["total"] >= 1
        untitled = {"text": "Harbour pilots in Port Andrel began a two-day stoppage on Friday over rosters, the pilots' "
                            "association said, and ships were told to wait at anchor outside the breakwater.\n\nThe harbour "
                            "master said that two ferries would still sail under escort, and that talks with the "
                            "association would resume on Monday morning at the port authority."}
        assert c.post("/api/ingest", json={"documents": [untitled]}).json()["documents_new"] == 1
        story = c.get("/api/stories", params={"q": "pilots rosters breakwater"}).json()["items"][0]
        if story["articles"] == 1:  # a story of its own, named by its only (untitled) article
            assert story["title"].startswith("Harbour pilots in Port Andrel") and story["title_from_text"]
        assert story["title"].strip()
        assert c.post("/api/ingest", json={"documents": []}).status_code == 422


def test_ingest_files_reads_each_format(ingest_db, tmp_path):
    page = ("<html><head><title>Carden ferry resumes crossings</title></head><body><article><h1>Carden ferry "
            "resumes crossings</h1><p>The Carden ferry resumed its crossings on Tuesday after a week of repairs to "
            "its landing stage, the harbour office said.</p><p>Ferry operators said the first crossing carried 140 "
            "passengers and that timetables would return to normal by the weekend.</p></article></body></html>")
    with TestClient(create_app(ingest_db), base_url=LOCAL) as c:
        files = [("files", ("ferry.html", page.encode(), "text/html")),
                 ("files", ("blob.bin", bytes(range(256)) * 8, "application/octet-stream"))]
        report = c.post("/api/ingest/files", files=files).json()
        assert report["documents_new"] == 1
        assert sum(report["rejected"].values()) == 1
        assert c.get("/api/stories", params={"q": "ferry crossings"}).json()["total"] >= 1


def test_ingest_needs_a_token_off_loopback(ingest_db):
    exposed = create_app(ingest_db, token_required=True, ingest_token="s3cret")
    with TestClient(exposed, base_url=LOCAL) as c:
        doc = {"documents": [{"text": "A short note about the Carden library opening hours."}]}
        assert c.post("/api/ingest", json=doc).status_code == 401
        assert c.post("/api/ingest", json=doc, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.post("/api/ingest", json=doc, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/stories").status_code == 200  # reading needs no token
    with TestClient(create_app(ingest_db, token_required=True), base_url=LOCAL) as c:
        assert c.post("/api/ingest", json={"documents": [{"text": "x"}]}).status_code == 403


def test_oversized_request_bodies_are_refused(ingest_db):
    from dataclasses import replace

    from newsloom.config import Config

    config = Config()
    config = replace(config, ingest=replace(config.ingest, max_bytes=10_000))
    with TestClient(create_app(ingest_db, config), base_url=LOCAL) as c:
        big = {"documents": [{"text": "word " * 400_000}]}
        response = c.post("/api/ingest", json=big)
        assert response.status_code == 413

        def chunks():  # no Content-Length: the limit still holds while the body streams in
            for _ in range(2_000):
                yield b"x" * 1_000

        streamed = c.post("/api/ingest", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413


def test_serve_command_starts_the_app(examples_store, tmp_path):
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from web_support import free_port

    store, _ = examples_store
    db = copy_store(store.path, tmp_path / "serve.db")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "newsloom.cli", "serve", "--db", db, "--port", str(port)],
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "NEWSLOOM_TOKEN": ""})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                    assert json_of(response)["counts"]["stories"] > 0
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "newsloom serve did not answer within 60 s"
                time.sleep(0.3)
        rebound = urllib.request.Request(f"http://127.0.0.1:{port}/api/health", headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=5)
        assert refused.value.code == 400  # serve answers only to the loopback names it is bound to
    finally:
        server.terminate()
        server.wait(timeout=20)


def json_of(response):
    import json

    return json.loads(response.read())


def test_headline_only_story_and_list_paging_pages(client):
    everything = client.get("/api/stories", params={"headline_only": True, "limit": 100}).json()["items"]
    headline_only = next(s for s in everything if s["articles"] == 0)
    story = client.get(f"/api/stories/{headline_only['id']}").json()
    assert story["briefing"] is None and story["headline_records"]
    page = client.get(f"/stories/{headline_only['id']}").text
    assert "only headline records" in page
    first = client.get("/", params={"limit": 2}).text
    assert 'rel="next" href="/?limit=2&amp;offset=2"' in first and 'rel="prev"' not in first
    second = client.get("/", params={"limit": 2, "offset": 2}).text
    assert 'rel="prev"' in second


def test_generated_sentences_show_with_their_supporting_citations(examples_store, tmp_path):
    from dataclasses import replace

    from newsloom.records import GeneratedSentence
    from newsloom.store import Store

    store, _ = examples_store
    db = copy_store(store.path, tmp_path / "abstract.db")
    copy = Store(db)
    story_id = copy.briefing_ids()[0]
    briefing = copy.briefing(story_id)
    first = briefing.summary[0]
    generated = GeneratedSentence(text="A generated line <i>with markup</i>.", citations=first.citations, score=1.0,
                                  support=({"article_id": first.article_id, "span": list(first.span),
                                            "text": first.text},))
    with copy.transaction():
        copy.write(replace(briefing, abstract=(generated,)))
    copy.close()
    with TestClient(create_app(db), base_url=LOCAL) as c:
        (line,) = c.get(f"/api/stories/{story_id}").json()["abstract"]
        assert line["citations"] == [{"source": first.citations[0], "article_id": first.article_id,
                                      "span": list(first.span)}]
        page = c.get(f"/stories/{story_id}").text
        assert "In brief" in page and "A generated line &lt;i&gt;with markup&lt;/i&gt;." in page


# -- cross-origin and DNS-rebinding ingest, offline docs ----------------------------------------------------------

ORIGIN = "http://127.0.0.1:8000"
ATTACK = {"documents": [{"text": "Quorvale city council voted on Tuesday to close the Zembrik ferry landing for "
                                 "a month of repairs, the harbour office said, and ferries will use the north quay."}]}


def stored_documents(db: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]


def test_ingest_refuses_cross_origin_requests(ingest_db):
    """What a browser says of a request's origin is checked before anything is read: a foreign Origin, Referer or
    Sec-Fetch-Site is refused whatever the body's type (JSON, text/plain and multipart forms alike); a request
    from the server's own pages, or one without those headers (curl, scripts), is served."""
    with TestClient(create_app(ingest_db), base_url=ORIGIN) as c:
        before = stored_documents(ingest_db)
        files = [("files", ("attack.txt", ATTACK["documents"][0]["text"].encode(), "text/plain"))]
        form_json = '{"documents": [{"text": "' + ATTACK["documents"][0]["text"] + '", "x": "="}]}'
        foreign = [{"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": "http://127.0.0.1:9999"},
                   {"Origin": "http://localhost:8000"}, {"Sec-Fetch-Site": "cross-site"},
                   {"Sec-Fetch-Site": "same-site"}, {"Referer": "http://evil.example/page.html"},
                   {"Sec-Fetch-Site": "cross-site", "Origin": ORIGIN}]
        for headers in foreign:
            responses = [c.post("/api/ingest", json=ATTACK, headers=headers),
                         c.post("/api/ingest", content=form_json, headers={**headers, "Content-Type": "text/plain"}),
                         c.post("/api/ingest/files", files=files, headers=headers)]
            assert [r.status_code for r in responses] == [403, 403, 403], headers
            assert "cross-origin" in responses[0].json()["detail"]
        assert stored_documents(ingest_db) == before
        same = {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}
        assert c.post("/api/ingest", json=ATTACK, headers=same).json()["documents_new"] == 1
        # Swagger UI's "Try it out" under Referrer-Policy no-referrer: Origin null, but the browser vouches.
        again = c.post("/api/ingest", json=ATTACK, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
        assert again.status_code == 200
        assert c.post("/api/ingest", json=ATTACK).status_code == 200  # no browser headers: a script or curl
        assert stored_documents(ingest_db) == before + 1


def test_unknown_host_headers_are_refused(ingest_db):
    """DNS rebinding: a page on a name the attacker controls, re-pointed at 127.0.0.1, sends that name as Host."""
    with TestClient(create_app(ingest_db), base_url=ORIGIN) as c:
        before = stored_documents(ingest_db)
        for host in ["evil.example", "evil.example:8000", "127.0.0.1.evil.example:8000", "localhost.evil.example"]:
            assert c.get("/api/health", headers={"Host": host}).status_code == 400, host
            assert c.get("/", headers={"Host": host}).status_code == 400, host
            # Same-origin for the browser (the page is on the rebound name), so only the Host check stops it.
            response = c.post("/api/ingest", json=ATTACK, headers={"Host": host, "Origin": f"http://{host}",
                                                                   "Sec-Fetch-Site": "same-origin"})
            assert response.status_code == 400, host
        assert stored_documents(ingest_db) == before
        for host in ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"]:
            assert c.get("/api/health", headers={"Host": host}).status_code == 200, host
    named = create_app(ingest_db, allowed_hosts=["news.example.org"])
    with TestClient(named, base_url="http://news.example.org") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"Host": "127.0.0.1:8000"}).status_code == 400


def test_serve_allows_the_host_it_is_bound_to():
    from newsloom.web.app import allowed_hosts_for

    assert set(allowed_hosts_for("127.0.0.1")) == set(allowed_hosts_for("::1")) == {"127.0.0.1", "localhost", "[::1]"}
    assert "192.168.1.20" in allowed_hosts_for("192.168.1.20")
    assert allowed_hosts_for("0.0.0.0") == ["*"]  # any name reaches it; ingest then needs the token


def test_docs_work_offline_under_the_strict_csp(client):
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp and "default-src 'none'" in csp
    assert "<script>" not in page.text and "style=" not in page.text and "<style" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset  # same origin, no CDN
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 200, asset
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript",
                                                                 "text/css"), asset
    assert client.get("/openapi.json").status_code == 200


def test_ingest_stops_a_slow_page_at_the_limit(ingest_db):
    """The server runs ingest in a worker thread, where the old signal-based limit was not enforced: the page
    that needs seconds to clean is stopped at the limit and refused with the reason; the other file is stored."""
    from newsloom.config import Config

    config = Config.from_dict({"ingest": {"parse_timeout_s": 0.5}})
    slow = "<html><body><p>" + "The harbour master said that nine ships were waiting to unload. " * 42_000
    good = ("Carden library reopens\n\nThe Carden library reopened on Monday after a year of repairs to its roof, "
            "the town council said, and its opening hours will return to normal from next week.\n\nLibrarians said "
            "that the reading room would host an exhibition of old harbour maps through the whole of the summer.")
    with TestClient(create_app(ingest_db, config), base_url=LOCAL) as c:
        c.post("/api/ingest", json={"documents": [{"text": good.replace("Carden", "Marrick")}]})  # workers started
        files = [("files", ("slow.html", slow.encode(), "text/html")),
                 ("files", ("library.txt", good.encode(), "text/plain"))]
        report = c.post("/api/ingest/files", files=files).json()
        assert report["rejected"] == {"timeout": 1} and report["documents_new"] == 1
    with sqlite3.connect(ingest_db) as con:
        (reason,) = con.execute("SELECT reason FROM rejections WHERE uri = 'upload:slow.html'").fetchone()
    assert reason == "cleaning it took longer than the 0.5 s limit (stopped)"
