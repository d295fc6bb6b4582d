"""The command line: help everywhere, exit codes, output formats, show, export and demo."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from newsloom.cli import main
from support import EXAMPLES

COMMANDS = ["run", "extract", "stories", "show", "export", "rejected", "demo", "serve", "timeline"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "news.db"
    result = CliRunner().invoke(main, ["run", str(EXAMPLES), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return str(path)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_usage_errors_exit_2():
    assert CliRunner().invoke(main, ["run"]).exit_code == 2
    assert CliRunner().invoke(main, ["export", "--format", "pdf"]).exit_code == 2
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2


def test_unknown_story_is_a_runtime_error(db):
    result = CliRunner().invoke(main, ["show", "st_doesnotexist", "--db", db])
    assert result.exit_code == 1 and "no story" in result.output


def test_stories_output_formats(db):
    runner = CliRunner()
    rows = json.loads(runner.invoke(main, ["stories", "--db", db, "--json"]).stdout)
    assert rows and {"id", "title", "articles", "outlets"} <= set(rows[0])
    assert rows[0]["articles"] >= rows[-1]["articles"]
    lines = runner.invoke(main, ["stories", "--db", db, "--jsonl"]).stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]
    table = list(csv.DictReader(io.StringIO(runner.invoke(main, ["stories", "--db", db, "--csv"]).stdout)))
    assert [r["id"] for r in table] == [r["id"] for r in rows]


def test_show_formats(db):
    runner = CliRunner()
    story = json.loads(runner.invoke(main, ["stories", "--db", db, "--json"]).stdout)[0]
    markdown = runner.invoke(main, ["show", story["id"][:8], "--db", db, "--format", "markdown"]).stdout
    assert markdown.startswith(f"# {story['title']}") and "## Sources" in markdown and "[1]" in markdown
    briefing = json.loads(runner.invoke(main, ["show", story["id"], "--db", db, "--format", "json"]).stdout)
    assert briefing["story_id"] == story["id"] and briefing["summary"]
    page = runner.invoke(main, ["show", story["id"], "--db", db, "--format", "html"]).stdout
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page


def test_export_formats(db, tmp_path):
    runner = CliRunner()
    lines = runner.invoke(main, ["export", "--db", db, "--format", "jsonl"]).stdout.splitlines()
    first = json.loads(lines[0])
    assert first["briefing"]["summary"] and first["articles"][0]["text"]
    parquet = tmp_path / "articles.parquet"
    assert runner.invoke(main, ["export", "--db", db, "--format", "parquet", "--out", str(parquet)]).exit_code == 0
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    assert {"story_id", "article_id", "outlet", "text"} <= set(table.column_names) and table.num_rows >= 10
    assert runner.invoke(main, ["export", "--db", db, "--format", "parquet"]).exit_code == 2
    markdown = runner.invoke(main, ["export", "--db", db, "--format", "markdown"]).stdout
    assert markdown.count("\n# ") + markdown.startswith("# ") == len(lines)
    page = runner.invoke(main, ["export", "--db", db, "--format", "html"]).stdout
    assert page.count("<article class='briefing'") == len(lines)


def test_hostile_page_is_inert_in_html(db):
    runner = CliRunner()
    page = runner.invoke(main, ["export", "--db", db, "--format", "html"]).stdout
    assert "<script" not in page.lower() and "onerror=" not in page and "javascript:" not in page
    assert "&lt;b&gt;hold&lt;/b&gt;" in page  # the hostile title, shown as text


def test_hostile_page_is_inert_in_markdown(db):
    """The examples' hostile page, exported as Markdown and rendered as a wiki would (raw HTML allowed): only the
    briefing's own elements, and the page's markup reads as text."""
    import html
    import re

    from markdown_it import MarkdownIt

    from support import EXPECTED

    markdown = CliRunner().invoke(main, ["export", "--db", db, "--format", "markdown"]).stdout
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    assert set(re.findall(r"<([a-zA-Z][\w-]*)", rendered)) <= {"h1", "h2", "h3", "p", "em", "strong", "ul", "ol",
                                                                "li", "code", "hr"}
    assert EXPECTED["hostile_checks"]["title"] in html.unescape(re.sub(r"<[^>]+>", "", rendered))


def test_rejected_lists_nothing_for_clean_corpus(db):
    assert json.loads(CliRunner().invoke(main, ["rejected", "--db", db, "--json"]).stdout) == []


def test_demo_runs_on_examples(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    assert "Summary" in result.stdout and "Sources" in result.stdout


def test_extract_prints_pages_without_a_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["extract", str(EXAMPLES / "ledger-dock-strike.txt"),
                                  str(EXAMPLES / "gazette-dock-strike.html"), "--format", "json", "--furniture"])
    assert result.exit_code == 0, result.output
    pages = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(pages) == 2 and not list(tmp_path.iterdir())
    for page in pages:
        assert {"title", "text", "author", "date", "language", "headlines", "furniture"} <= set(page)
        assert "3,500" in page["text"] and "Subscribe to our newsletter" not in page["text"]
    assert any(f["text"] == "Subscribe to our newsletter" for f in pages[0]["furniture"])
    markdown = runner.invoke(main, ["extract", str(EXAMPLES / "gazette-dock-strike.html"), "--format", "markdown"])
    assert markdown.stdout.startswith("# ")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert runner.invoke(main, ["extract", str(empty)]).exit_code == 3
    menu_only = tmp_path / "menu.html"  # an HTML page in which no reading finds an article: said, not silent
    menu_only.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    refused = runner.invoke(main, ["extract", str(menu_only), "--format", "json"])
    assert refused.exit_code == 3 and refused.stdout == "" and "no-content" in refused.stderr


def test_extract_json_escapes_line_and_paragraph_separators(tmp_path):
    """U+2028/U+2029 in a page's text are escaped, so a reader that splits on them (str.splitlines) still gets
    one JSON object a line, and the characters come back when the JSON is read."""
    page = tmp_path / "separators.txt"
    body = ("Dock workers in Veldra walked out on Monday\u2028after talks on pay broke down, the union said in a "
            "statement that was read out at the gates.\u2029Port managers said 3,500 containers were waiting.")
    page.write_text(f"Dock strike halts port\n\n{body}\n\n{body.replace('Monday', 'Tuesday')}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(page), str(page), "--format", "json", "--furniture"])
    assert result.exit_code == 0, result.output
    assert "\u2028" not in result.stdout and "\u2029" not in result.stdout
    assert "\\u2028" in result.stdout
    pages = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(pages) == 2
    assert "\u2028after talks" in pages[0]["text"] and "\u2029Port managers" in pages[0]["text"]


def test_json_line_escapes_separators_only_inside_json():
    from newsloom.jsonlines import json_line

    value = {"text": "a\u2028b\u2029c é", "list": ["\u2028"]}
    line = json_line(value)
    assert json.loads(line) == value and len(line.splitlines()) == 1 and "é" in line
    assert json.loads(json_line(value, indent=2)) == value
