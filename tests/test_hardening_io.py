"""Issue 17 hardening: odd file names, two writers on one store, terminal output, outlet counts, the API's
per-request report and the edges a newcomer meets first."""

from __future__ import annotations

import codecs
import io
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsloom import Config, Pipeline, Store
from newsloom.cli import main
from newsloom.config import IngestConfig
from newsloom.ingest import read_inputs
from newsloom.ingest.readers import make_document, read_bytes
from newsloom.records import Article, Briefing, Document, Rejection, Source, Story
from support import EXAMPLES, ROOT, shared_or_skip

SRC = str(ROOT / "src")
FIRE = ("Firefighters in the Carden valley held the line overnight against a grass fire that had forced about "
        "300 people from their homes on Tuesday, the regional fire service said on Wednesday morning. Crews "
        "from four districts worked through the night to protect the village of Ossel, and two helicopters "
        "dropped water on the eastern flank at first light, a spokeswoman for the service told reporters.\n\n"
        "Residents were told they could return home on Thursday if the wind stayed calm, and the valley road "
        "would reopen to traffic once the power company had checked its lines along the ridge.")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": SRC, "HF_HUB_OFFLINE": "1"}


# -- 1. file names that are not UTF-8, and directory walking ----------------------------------------------------

def _bytes_path(folder: Path, name: bytes) -> bytes:
    return os.fsencode(folder) + b"/" + name


def test_non_utf8_file_names_are_stored_losslessly_and_cost_no_other_input(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.txt").write_text(FIRE, encoding="utf-8")
    with open(_bytes_path(pages, b"caf\xe9 \\ fire.txt"), "wb") as handle:  # latin-1 name, and a backslash
        handle.write(FIRE.replace("Carden", "Ostrel").encode())
    with open(_bytes_path(pages, b"empty\xff.txt"), "wb"):
        pass
    store = Store(tmp_path / "news.db")
    report = Pipeline(store, Config()).run([str(pages)])
    assert report.documents_new == 2 and report.rejected == {"empty": 1}
    from newsloom.ingest.readers import path_from_uri

    uris = sorted(r[0] for r in store.db.execute("SELECT uri FROM documents"))
    odd = next(u for u in uris if "caf" in u)
    assert odd.endswith("caf\\xe9 \\\\ fire.txt"), odd  # undecodable bytes as \xNN, a backslash doubled
    assert path_from_uri(odd) == _bytes_path(pages, b"caf\xe9 \\ fire.txt")  # lossless: back to the bytes
    assert os.path.exists(path_from_uri(odd))
    refused = store.rejections()[0]["uri"]
    assert refused.endswith("empty\\xff.txt") and path_from_uri(refused) == _bytes_path(pages, b"empty\xff.txt")
    assert all(u.encode("utf-8") for u in uris)  # storable as text: no lone surrogates left
    store.close()


def test_directory_walk_follows_links_once_and_survives_loops_and_broken_links(tmp_path):
    pages, elsewhere = tmp_path / "pages", tmp_path / "elsewhere"
    pages.mkdir()
    elsewhere.mkdir()
    (pages / "a.txt").write_text(FIRE, encoding="utf-8")
    (elsewhere / "b.txt").write_text(FIRE + " More.", encoding="utf-8")
    os.symlink(elsewhere, pages / "linked")  # a folder linked into the crawl is read
    os.symlink(pages, pages / "loop")  # a link back up is not walked forever
    os.symlink(tmp_path / "missing.txt", pages / "broken.txt")
    items = list(read_inputs([str(pages)], IngestConfig()))
    docs = sorted(Path(i.uri).name for i in items if isinstance(i, Document))
    assert docs == ["a.txt", "b.txt"]
    refused = {Path(i.uri).name: i.code for i in items if isinstance(i, Rejection)}
    assert refused == {"broken.txt": "not-found"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_folder_are_refused_and_the_rest_read(tmp_path):
    pages = tmp_path / "pages"
    (pages / "locked").mkdir(parents=True)
    (pages / "locked" / "x.txt").write_text(FIRE, encoding="utf-8")
    (pages / "secret.txt").write_text(FIRE, encoding="utf-8")
    (pages / "open.txt").write_text(FIRE + " Open.", encoding="utf-8")
    os.chmod(pages / "secret.txt", 0)
    os.chmod(pages / "locked", 0)
    try:
        items = list(read_inputs([str(pages)], IngestConfig()))
    finally:
        os.chmod(pages / "locked", 0o755)
    assert [Path(i.uri).name for i in items if isinstance(i, Document)] == ["open.txt"]
    assert {Path(i.uri).name: i.code for i in items if isinstance(i, Rejection)} == {
        "locked": "unreadable", "secret.txt": "unreadable"}


def test_lone_surrogates_in_json_fields_do_not_cost_the_batch(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "odd.jsonl").write_text('{"text": "%s \\ud800 end.", "title": "T\\udfff", "source": "Ossel \\udc80 Post"}\n'
                                     % FIRE.replace("\n", " "), encoding="utf-8")
    (pages / "good.txt").write_text(FIRE.replace("Carden", "Lindholt"), encoding="utf-8")
    store = Store(tmp_path / "news.db")
    report = Pipeline(store, Config()).run([str(pages)])
    assert report.documents_new == 2
    outlet = store.db.execute("SELECT outlet FROM documents WHERE outlet IS NOT NULL").fetchone()[0]
    assert outlet == "Ossel \ufffd Post"
    store.close()


# -- 2. two writers on one store --------------------------------------------------------------------------------

HOLDER = textwrap.dedent("""
    import fcntl, os, sqlite3, sys, time
    db, release, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    # What a running `newsloom run` holds mid-batch: the store's writer lock file and a write transaction.
    lock = open(db + ".lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO rejections VALUES ('holder', 'test', 'held the store', 'ingest')")
    print("holding", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not os.path.exists(release):
        time.sleep(0.05)
    con.execute("COMMIT")
""")


def _hold_store(db: str, seconds: float, release: str = "") -> subprocess.Popen:
    """Another process that holds the store for ``seconds``, or until the file ``release`` exists."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db, release or db + ".never", str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_second_writer_waits_for_the_store_and_finishes(tmp_path):
    db = str(tmp_path / "news.db")
    Store(db).close()
    page = tmp_path / "fire.txt"
    page.write_text(FIRE, encoding="utf-8")
    release = tmp_path / "release"
    holder = _hold_store(db, 180, str(release))
    second = subprocess.Popen([sys.executable, "-m", "newsloom.cli", "run", str(page), "--db", db],
                              stderr=subprocess.PIPE, text=True, env=_env())
    lines = []
    try:
        # The store stays held until the second writer says that it waits (or gives up: it must not).
        for line in second.stderr:
            lines.append(line)
            if "waiting for the store" in line:
                break
        release.touch()
        lines += second.stderr.readlines()
        second.wait(timeout=300)
    finally:
        release.touch()
        holder.wait(timeout=30)
    stderr = "".join(lines)
    assert second.returncode == 0, stderr
    assert "waiting for the store" in stderr and "Traceback" not in stderr
    store = Store(db)
    assert store.counts(("documents", "rejections")) == {"documents": 1, "rejections": 1}
    store.close()


def test_api_ingest_answers_503_with_retry_after_when_the_store_is_busy(tmp_path):
    from fastapi.testclient import TestClient

    from newsloom.web import create_app

    db = str(tmp_path / "news.db")
    Store(db).close()
    app = create_app(db, ingest_wait_s=1.0)
    holder = _hold_store(db, 8)
    try:
        with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
            response = client.post("/api/ingest", json={"documents": [{"text": FIRE}]})
    finally:
        holder.wait(timeout=30)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0 and "store" in response.json()["detail"]


# -- 3. untrusted text on a terminal ----------------------------------------------------------------------------

HOSTILE_TITLE = "[/] Port [bold red]alert[/bold red] \x1b[2J\x1b]0;owned\x07 end\x9b31m"


def test_terminal_safe_strips_escapes_and_escapes_markup():
    from rich.console import Console

    from newsloom.terminal import terminal_safe

    safe = terminal_safe(HOSTILE_TITLE)
    assert "\x1b" not in safe and "\x07" not in safe and "\x9b" not in safe and "owned" not in safe
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(safe)
    assert console.file.getvalue().strip() == "[/] Port [bold red]alert[/bold red]  end"


@pytest.fixture()
def hostile_db(tmp_path):
    db = str(tmp_path / "hostile.db")
    store = Store(db)
    with store.transaction():
        store.db.execute("INSERT INTO stories (id, title, n_articles) VALUES ('st_hostile', ?, 1)", (HOSTILE_TITLE,))
        store.write(Rejection("pages/\x1b[31mred[/].txt", "empty", "file is empty [bold]"))
    store.close()
    return db


def test_stories_and_rejected_show_hostile_text_literally(hostile_db, monkeypatch):
    from rich.console import Console

    from newsloom import cli

    monkeypatch.setattr(cli, "out", Console(width=250))  # wide enough that no cell is folded
    runner = CliRunner()
    for command in (["stories", "--all"], ["rejected"]):
        result = runner.invoke(main, [*command, "--db", hostile_db])
        assert result.exit_code == 0, (command, result.output, result.exception)
        assert "\x1b" not in result.output and "\x07" not in result.output
    stories = runner.invoke(main, ["stories", "--all", "--db", hostile_db]).output
    assert "[/]" in stories and "[bold red]alert" in stories
    rejected = runner.invoke(main, ["rejected", "--db", hostile_db]).output
    assert "red[/].txt" in rejected and "[bold]" in rejected


def test_error_messages_with_markup_and_escapes_are_printed_safely(hostile_db):
    result = CliRunner().invoke(main, ["show", "[/]\x1b[2J", "--db", hostile_db])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "no story" in result.output and "[/]" in result.output and "\x1b" not in result.output


def test_show_terminal_strips_escapes_from_the_briefing(tmp_path):
    db = str(tmp_path / "b.db")
    store = Store(db)
    source = Source(1, "ar_1", "Post \x1b[31m", "t", None, "x.txt")
    with store.transaction():
        store.db.execute("INSERT INTO stories (id, title, n_articles) VALUES ('st_b', 't', 1)")
        store.write(Briefing("st_b", HOSTILE_TITLE, (), (source,)))
    store.close()
    result = CliRunner().invoke(main, ["show", "st_b", "--db", db])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "[bold red]alert" in result.output


# -- 9. outlet counts -------------------------------------------------------------------------------------------

def _story_with_outlets(store: Store, story_id: str, outlets: list[str | None]) -> None:
    ids = []
    with store.transaction():
        for i, outlet in enumerate(outlets):
            doc = make_document(f"{story_id}-{i}.txt", "text", f"{story_id} text {i}")
            store.write(doc)
            article = Article(f"ar_{story_id}_{i}", doc.id, "t", "text", ((0, 4),), ((0, 4),), doc.uri, outlet=outlet)
            store.write(article)
            ids.append(article.id)
        store.write(Story(story_id, "t", tuple(ids)))
        store.refresh_story_counts([story_id])


def test_unknown_outlets_are_not_distinct_outlets(tmp_path):
    store = Store(tmp_path / "news.db")
    _story_with_outlets(store, "st_unknown", [None] * 5)
    _story_with_outlets(store, "st_mixed", ["Ossel Post", "Carden Times", None, None, "Ossel Post"])
    counts = {r["id"]: r["outlets"] for r in store.stories()}
    assert counts == {"st_unknown": 0, "st_mixed": 2}
    from newsloom.web import queries

    detail = queries.story_detail(store, "st_unknown")
    assert detail["outlets"] == 0 and detail["unknown_outlet_articles"] == 5
    store.close()


def test_briefing_line_does_not_count_unknown_outlets():
    from newsloom.brief.render import to_markdown

    unknown = tuple(Source(i, f"ar_{i}", None, "t", None, f"p{i}.txt") for i in range(1, 6))
    line = to_markdown(Briefing("st_x", "T", (), unknown)).splitlines()[2]
    assert "5 sources" not in line and "5 outlets" not in line and "unknown" in line
    mixed = unknown[:3] + (Source(4, "ar_4", "Ossel Post", "t", None, "a"), Source(5, "ar_5", "Ossel Post", "t", None, "b"))
    line = to_markdown(Briefing("st_x", "T", (), mixed)).splitlines()[2]
    assert "from 1 outlet" in line and "3" in line


@pytest.mark.parametrize("name, outlet", [("courier-kessmoor-fire.txt", "The Veldra Courier"),
                                          ("ledger-dock-strike.txt", "Solvany Daily Ledger"),
                                          ("evening-post-rate-rise.txt", "Kessmoor Evening Post")])
def test_text_pages_take_their_outlet_from_the_masthead(name, outlet):
    from newsloom.clean import extract_page

    doc = next(i for i in read_inputs([str(EXAMPLES / name)], IngestConfig()) if isinstance(i, Document))
    assert extract_page(doc).outlet == outlet


def test_masthead_outlets_on_the_seeds_are_conservative():
    from newsloom.clean import extract_page

    seeds = shared_or_skip("seeds")
    found = {}
    for item in read_inputs([str(seeds)], IngestConfig()):
        if isinstance(item, Document):
            found[Path(item.uri).name[:3]] = extract_page(item).outlet
    assert found["004"] == "TheEpochTimes.com"  # "Read Full Article on TheEpochTimes.com"
    assert all(found[k] is None for k in ("000", "001", "002", "003")), found


def test_a_text_page_opening_with_its_headline_gets_no_outlet():
    from newsloom.clean import extract_page

    text = "Carden Post Office to close on Friday\n\n" + FIRE
    assert extract_page(make_document("p.txt", "text", text)).outlet is None


# -- 10. the API report counts its own request ------------------------------------------------------------------

def test_api_ingest_report_counts_only_its_own_request(tmp_path):
    from fastapi.testclient import TestClient

    from newsloom.web import create_app

    db = str(tmp_path / "news.db")
    Store(db).close()
    with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
        for place in ("Ossel", "Lindholt", "Tarsk"):
            report = client.post("/api/ingest", json={"documents": [{"text": FIRE.replace("Carden", place)}]}).json()
            clean = next(s for s in report["stages"] if s["stage"] == "clean")
            assert clean["in"] == 1, report["stages"]
            assert report["documents_new"] == 1


def test_api_ingest_sees_what_another_process_wrote_between_requests(tmp_path):
    from fastapi.testclient import TestClient

    from newsloom.web import create_app

    db = str(tmp_path / "news.db")
    Store(db).close()
    with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
        client.post("/api/ingest", json={"documents": [{"text": FIRE}]})
        other = Store(db)  # another writer adds the same event's copy in between
        Pipeline(other, Config()).run_items([make_document("cli.txt", "text", FIRE + " Later.")],
                                            __import__("newsloom.pipeline").pipeline.RunReport(inputs=[]))
        other.close()
        client.post("/api/ingest", json={"documents": [{"text": FIRE + " Even later."}]})
    store = Store(db)
    # The API's clusterer reloaded what the other writer stored: its word counts cover all three articles
    # (a stale one overwrote them with its own two).
    assert store.counts(("articles",))["articles"] == 3
    assert store.term_frequencies()[1] == 3
    store.close()


# -- 11. newcomer edges -----------------------------------------------------------------------------------------

def test_readme_python_snippet_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"From Python:\s*```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "pages").mkdir()
    for name in ("courier-kessmoor-fire.txt", "gazette-dock-strike.html"):
        (tmp_path / "pages" / name).write_bytes((EXAMPLES / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "README.md", "exec"), {})


@pytest.mark.parametrize("command", [["stories"], ["show", "st_1"], ["export", "--format", "jsonl"], ["rejected"],
                                     ["serve"]])
def test_read_commands_refuse_a_missing_store(tmp_path, command):
    db = tmp_path / "typo.db"
    result = CliRunner().invoke(main, [*command, "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "no store" in result.output and str(db) in result.output
    assert not db.exists()


def test_export_into_a_missing_folder_is_a_clear_error(hostile_db, tmp_path):
    target = tmp_path / "no" / "such" / "out.jsonl"
    result = CliRunner().invoke(main, ["export", "--db", hostile_db, "--format", "jsonl", "--out", str(target)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "does not exist" in result.output


def test_port_in_use_is_a_clear_runtime_error(hostile_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--db", hostile_db, "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert "already in use" in result.output


def test_story_ids_are_not_wrapped_in_a_narrow_terminal(tmp_path, monkeypatch):
    from rich.console import Console

    from newsloom import cli

    db = str(tmp_path / "ids.db")
    store = Store(db)
    long_id = "st_0123456789abcdef0123"
    with store.transaction():
        store.db.execute("INSERT INTO stories (id, title, n_articles) VALUES (?, ?, 3)",
                         (long_id, "A long title that has to give way to the id in a narrow terminal " * 2))
    store.close()
    monkeypatch.setattr(cli, "out", Console(width=50))
    output = CliRunner().invoke(main, ["stories", "--db", db]).output
    assert long_id in output, output


def test_garbage_warc_gets_a_readable_reason():
    data = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 20\r\n\r\nHTTP/1.1 200 OK\r\nxx\r\n\r\n"
    (refusal,) = read_bytes("x.warc", "x.warc", data, IngestConfig())
    assert isinstance(refusal, Rejection) and "WARC" in refusal.reason
    assert "NoneType" not in refusal.reason and "attribute" not in refusal.reason


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_bom_is_read(encoding):
    text = FIRE + "\n\nZürich, €5 — «quoted»."
    (doc,) = read_bytes("u.txt", "u.txt", text.encode(encoding), IngestConfig())
    assert isinstance(doc, Document), doc
    assert doc.content == text
    (refusal,) = read_bytes("b.txt", "b.txt", bytes(range(256)) * 8, IngestConfig())
    assert isinstance(refusal, Rejection) and refusal.code == "binary"


def test_lxml_limits_are_reported_in_our_words():
    from newsloom.clean import extract_page
    from newsloom.errors import InputRejected

    html = "<html><body>" + "<div>" * 3000 + "<p>" + "word " * 100 + "</p>" + "</div>" * 3000 + "</body></html>"
    with pytest.raises(InputRejected) as caught:
        extract_page(make_document("deep.html", "html", html))
    assert "XML_PARSE_HUGE" not in caught.value.reason and "nested" in caught.value.reason


def test_story_id_prefixes_are_literal(tmp_path):
    from newsloom.errors import NotFoundError

    store = Store(tmp_path / "p.db")
    with store.transaction():
        store.db.executemany("INSERT INTO stories (id, title) VALUES (?, 't')", [("st_aaa",), ("stxbbb",)])
    assert store.resolve_story_id("st_") == "st_aaa"
    with pytest.raises(NotFoundError, match="no story"):
        store.resolve_story_id("%")
    store.close()
