"""The ``newsloom`` command: a thin layer over the Python API. Data goes to stdout; progress, logs and
summaries go to stderr. Exit status: 0 success, 1 runtime error, 2 usage error, 3 finished but some inputs
were refused (see ``newsloom rejected``)."""

from __future__ import annotations

import csv
import io
import json
import errno
import logging
import os
import socket
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from .config import Config
from .errors import NewsloomError
from .jsonlines import json_line
from .terminal import strip_controls, terminal_safe

EXIT_REFUSED = 3
err = Console(stderr=True)
out = Console()


class MissingStore(click.ClickException):
    """A read command named a store that does not exist: a usage error, and no empty store is made."""

    exit_code = 2


def _store(db: str, create: bool = False):
    """The store at ``db``; only ``run`` and ``demo`` may create one (a mistyped --db must not make an empty
    store that then reads as "no stories")."""
    from .store import Store

    if not create and db != ":memory:" and not Path(db).exists():
        raise MissingStore(f"no store at {strip_controls(db)}; create one with `newsloom run PATHS --db "
                           f"{strip_controls(db)}`, or pass the right --db")
    return Store(db)


def _emit(rows: list[dict], fmt: str, columns: list[str], title: str | None = None) -> None:
    """The same output flags everywhere: a table for people, --json/--jsonl/--csv for programs."""
    if fmt == "json":
        click.echo(json_line(rows, indent=2))
    elif fmt == "jsonl":
        for row in rows:
            click.echo(json_line(row))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        table = Table(title=title)
        for column in columns:
            if column == "id":  # ids are copied into other commands: never wrapped or cut
                width = max((len(str(row.get(column) or "")) for row in rows), default=2)
                table.add_column(column, no_wrap=True, min_width=width)
            else:
                table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if row.get(c) is None else terminal_safe(row.get(c)) for c in columns))
        out.print(table)


def output_options(func):
    func = click.option("--csv", "fmt", flag_value="csv", help="CSV on stdout.")(func)
    func = click.option("--jsonl", "fmt", flag_value="jsonl", help="One JSON object per line on stdout.")(func)
    func = click.option("--json", "fmt", flag_value="json", help="A JSON list on stdout.")(func)
    return func


db_option = click.option("--db", default="newsloom.db", show_default=True, envvar="NEWSLOOM_DB",
                         help="SQLite store file.")


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsloomError as exc:
            err.print(f"[red]error:[/red] {terminal_safe(exc)}", markup=True, highlight=False)
            ctx.exit(1)


class _SafeFormatter(logging.Formatter):
    """Log lines name files and quote pages: no escape sequence of theirs reaches the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return strip_controls(super().format(record))


@click.group(cls=_Group)
@click.version_option(__version__)
@click.option("-v", "--verbose", is_flag=True, help="Log details to stderr.")
def main(verbose: bool) -> None:
    """newsloom: from a folder of scraped news to clean stories and cited briefings."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML configuration file.")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON on stdout.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="What runs the document half (cleaning and the models): this machine's processes, or Ray.")
@click.option("--address", help="Ray: 'auto' (the cluster this machine is in) or ray://host:10001; "
                                "default: a local Ray instance.")
@click.option("--workers", type=click.IntRange(min=1), help="Ray: actors for the document half (default: CPUs, "
                                                             "at most 16).")
@click.option("--gpus-per-worker", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Ray: GPU share per actor (embeddings on the GPU).")
def run(paths: tuple[str, ...], db: str, config_path: str | None, as_json: bool, executor: str,
        address: str | None, workers: int | None, gpus_per_worker: float) -> None:
    """Read PATHS (files, directories, or - for stdin) and update the store: clean, dedup, cluster,
    extract facts, reconcile and brief."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .pipeline import Pipeline

    config = Config.load(config_path)
    if executor == "local" and (address or workers or gpus_per_worker):
        raise click.UsageError("--address, --workers and --gpus-per-worker are for --executor ray")
    store = _store(db, create=True)
    document_executor = None
    if executor == "ray":
        from .executors import RayExecutor

        document_executor = RayExecutor(config, address=address, workers=workers, gpus_per_worker=gpus_per_worker)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress, \
            Pipeline(store, config, executor=document_executor) as pipeline:
        task = progress.add_task("documents", total=None)
        report = pipeline.run(paths, progress=lambda n: progress.advance(task, n),
                              on_wait=lambda message: progress.console.print(terminal_safe(message)))
    _print_report(report)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    store.close()
    if report.rejected_total:
        sys.exit(EXIT_REFUSED)


def _print_report(report) -> None:
    table = Table(title=f"newsloom run: {report.documents_new} new documents in {report.seconds:.1f} s",
                  title_justify="left")
    for column in ("stage", "in", "out", "dropped / notes", "seconds"):
        table.add_column(column)
    for stage in report.stages:
        notes = {k: v for k, v in stage.items() if k not in ("stage", "in", "out", "dropped", "seconds") and v}
        detail = ", ".join(f"{k} {v}" for k, v in {**stage["dropped"], **notes}.items())
        table.add_row(terminal_safe(stage["stage"]), str(stage["in"]), str(stage["out"]), terminal_safe(detail),
                      f"{stage['seconds']:.2f}")
    err.print(table)
    c = report.counts
    err.print(f"read {report.documents_read} documents ({report.documents_seen} already stored), "
              f"refused {report.rejected_total}, skipped {len(report.skipped_files)} files of other types; store now holds {c.get('articles', 0)} articles, "
              f"{c.get('headlines', 0)} headlines, {c.get('stories', 0)} stories, {c.get('threads', 0)} threads")
    if report.rejected_total:
        reasons = terminal_safe(", ".join(f"{k} {v}" for k, v in sorted(report.rejected.items())))
        err.print(f"[yellow]some inputs were refused ({reasons}); see `newsloom rejected`[/yellow]")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="json: one JSON object per page, a line each.")
@click.option("--furniture", is_flag=True, help="Also print what was removed from each page, and why.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML configuration file.")
def extract(paths: tuple[str, ...], fmt: str, furniture: bool, config_path: str | None) -> None:
    """Print each page's article, metadata and headline records, without touching a store."""
    from .clean import extract_job
    from .errors import InputRejected
    from .ingest import read_inputs
    from .records import Rejection
    from .workers import DocumentWorkers

    config = Config.load(config_path)
    refused = 0
    workers = DocumentWorkers.from_config(config.ingest)  # reads and extracts under the per-document limits
    for item in read_inputs(paths, config.ingest, workers=workers):
        if isinstance(item, Rejection):
            refused += 1
            err.print(f"[yellow]refused[/yellow] {terminal_safe(f'{item.uri}: {item.reason} ({item.code})')}",
                      highlight=False)
            continue
        try:
            page = workers.call(extract_job, (item, furniture))
        except InputRejected as exc:
            refused += 1
            err.print(f"[yellow]refused[/yellow] {terminal_safe(f'{item.uri}: {exc.reason} ({exc.reason_code})')}",
                      highlight=False)
            continue
        render = {"text": page.as_text, "markdown": page.as_markdown, "json": page.as_json}[fmt]
        click.echo(render(furniture))
    if refused:
        sys.exit(EXIT_REFUSED)


@main.command()
@db_option
@click.option("--all", "include_all", is_flag=True, help="Include headline-only stories.")
@click.option("--limit", type=int, default=None, help="At most this many stories.")
@output_options
def stories(db: str, include_all: bool, limit: int | None, fmt: str | None) -> None:
    """List stories, largest first."""
    rows = _store(db).stories(include_headline_only=include_all, limit=limit)
    _emit(rows, fmt, ["id", "title", "articles", "headlines", "outlets", "first_published", "last_published"],
          title="stories")


@main.command()
@click.argument("story_id")
@db_option
@click.option("--format", "fmt", type=click.Choice(["terminal", "markdown", "json", "html"]), default="terminal",
              show_default=True)
def show(story_id: str, db: str, fmt: str) -> None:
    """Show a story's briefing (STORY_ID may be a unique prefix)."""
    from rich.markdown import Markdown

    from .brief.render import to_html, to_json, to_markdown

    store = _store(db)
    briefing = store.briefing(store.resolve_story_id(story_id))
    if fmt == "terminal":
        out.print(Markdown(strip_controls(to_markdown(briefing))))  # Markdown reads no Rich markup
    else:
        click.echo({"markdown": to_markdown, "json": to_json, "html": to_html}[fmt](briefing))


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet", "markdown", "html"]), required=True)
@click.option("--out", "out_path", type=click.Path(), help="Output file (required for parquet); default stdout.")
def export(db: str, fmt: str, out_path: str | None) -> None:
    """Export stories with their briefings and articles."""
    from .export import export_store

    if fmt == "parquet" and not out_path:
        raise click.UsageError("--format parquet needs --out FILE")
    store = _store(db)
    if out_path and not Path(out_path).absolute().parent.is_dir():
        raise click.BadParameter(f"folder {strip_controls(Path(out_path).absolute().parent)} does not exist",
                                 param_hint="--out")
    count = export_store(store, fmt, out_path)
    err.print(terminal_safe(f"exported {count} stories as {fmt}{f' to {out_path}' if out_path else ''}"))


@main.command()
@db_option
@output_options
def rejected(db: str, fmt: str | None) -> None:
    """Inputs that were refused, and why."""
    _emit(_store(db).rejections(), fmt, ["uri", "code", "reason", "stage"], title="rejected inputs")


@main.command()
@click.option("--query", "-q", required=True, help="What the timeline is about, in a few words.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
@click.option("--dates", type=click.IntRange(1, 100), default=10, show_default=True, help="At most this many dates.")
@db_option
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown on stdout.")
@output_options
def timeline(query: str, date_from, date_to, dates: int, db: str, fmt: str | None) -> None:
    """The timeline of a topic: its most important dates, each told by sentences quoted from the articles."""
    from .web.queries import timeline_for_query

    if not Path(db).is_file():
        raise click.ClickException(f"no store at {db}: build one with `newsloom run PATHS --db {db}`")
    data = timeline_for_query(_store(db), query, date_from and date_from.date(), date_to and date_to.date(), dates)
    rows = [{"date": d["date"], "text": s["text"], "article_id": c["article_id"], "span": c["span"],
             "outlet": c["outlet"], "title": c["title"]}
            for d in data["dates"] for s in d["sentences"] for c in s["citations"]]
    if fmt == "json":
        click.echo(json_line(data, indent=2))
    elif fmt in ("jsonl", "csv"):
        _emit(rows, fmt, ["date", "text", "article_id", "span", "outlet", "title"])
    elif fmt == "markdown":
        click.echo(_timeline_markdown(data))
    else:
        if not rows:
            err.print(f"no dated events found for {query!r}")
        for d in data["dates"]:
            click.echo(d["date"])
            for s in d["sentences"]:
                source = s["citations"][0]
                click.echo(f"  {strip_controls(s['text'])} [{strip_controls(source['outlet'] or source['article_id'])}]")


def _timeline_markdown(data: dict) -> str:
    """A timeline as Markdown, news text escaped (markdown.py) so that it cannot add links, images, HTML or
    formatting."""
    from .markdown import code_span, escape_markdown as md

    lines = [f"# Timeline: {md(data['query'])}", ""]
    for d in data["dates"]:
        lines.append(f"- **{d['date']}**: " + " ".join(
            f"{md(s['text'])} ({md(s['citations'][0]['outlet'] or 'unknown outlet')}, article "
            f"{code_span(s['citations'][0]['article_id'])})" for s in d["sentences"]))
    return "\n".join(lines) + "\n"


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback needs a token for ingest.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="NEWSLOOM_TOKEN", default=None,
              help="Bearer token for the ingest endpoints (env NEWSLOOM_TOKEN).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML configuration file.")
def serve(db: str, host: str, port: int, token: str | None, config_path: str | None) -> None:
    """Serve the web reader at / and the HTTP API at /api/ (OpenAPI docs at /docs)."""
    try:
        import uvicorn

        from .web import create_app
    except ImportError as exc:
        raise click.ClickException(f"serve needs the web extra: pip install 'newsloom[web]' ({exc})") from exc
    from .web.app import allowed_hosts_for, is_loopback

    _store(db).close()
    exposed = not is_loopback(host)
    if exposed and not token:
        err.print(f"[yellow]bound to {terminal_safe(host)}: ingest is off until a token is set (--token or "
                  f"NEWSLOOM_TOKEN)[/yellow]")
    app = create_app(db, Config.load(config_path), ingest_token=token, token_required=exposed,
                     allowed_hosts=allowed_hosts_for(host))
    # The socket is bound here, not by uvicorn, so that a port in use is a clear runtime error (exit 1); uvicorn
    # exits 3 then, which newsloom's exit codes reserve for refused inputs.
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} on {strip_controls(host)} is already in use (another "
                                       f"server?); choose another with --port") from None
        raise click.ClickException(f"cannot listen on {strip_controls(host)}:{port}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    err.print(terminal_safe(f"newsloom reader on http://{host}:{port}/ (API docs at /docs), store {db}"))
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return float(text[:-1]) * units[text[-1]] if text[-1:] in units else float(text)
    except (ValueError, KeyError):
        raise click.BadParameter(f"{text!r} is not a duration such as 90s, 15m, 2h") from None


@main.command()
@click.argument("sources", nargs=-1, required=True)
@db_option
@click.option("--once", is_flag=True, help="Poll every source once, ingest what is new, and exit.")
@click.option("--interval", default="15m", show_default=True, help="Time between polls without --once (90s, 15m, 2h).")
@click.option("--max-per-source", type=click.IntRange(min=1), default=None,
              help="New articles fetched per source per poll (the rest wait for the next poll).")
@click.option("--since", default=None, help="Skip listed articles published before this date (YYYY-MM-DD).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML configuration file.")
@output_options
def collect(sources: tuple[str, ...], db: str, once: bool, interval: str, max_per_source: int | None,
            since: str | None, config_path: str | None, fmt: str | None) -> None:
    """Collect news from SOURCES (site URLs, feed URLs, sitemap URLs, or TOML files listing sources): find
    their feeds and sitemaps, fetch new articles politely (robots.txt, per-host delays) and ingest them.
    Ctrl-C finishes the batch in hand and exits."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .collect import Collector, load_sources, pipeline_ingest, stop_on_interrupt
    from .pipeline import Pipeline

    interval_s = None if once else _duration(interval)
    config = Config.load(config_path)
    listed = load_sources(list(sources), since=since, max_per_source=max_per_source)
    store = _store(db, create=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=True) as progress:
        task = progress.add_task("collecting", total=None)
        collector = Collector(store, config.collect, pipeline_ingest(Pipeline(store, config)),
                              progress=lambda r: progress.update(task, description=(
                                  f"collecting: {r.requests} requests, {r.fetched} pages, {r.new} new")))

        def notice() -> None:
            err.print("[yellow]stopping: finishing the batch in hand (Ctrl-C again to abort)[/yellow]")

        with stop_on_interrupt(collector, notice):
            reports = collector.run(listed, interval_s, on_poll=lambda r: _print_poll(r, fmt))
    store.close()
    if all(s.errors and not s.new for s in reports[-1].sources):
        sys.exit(1)


def _print_poll(report, fmt: str | None) -> None:
    from rich.markup import escape

    rows = [{**s.as_dict(), "skipped": ", ".join(f"{k} {v}" for k, v in sorted(s.skipped.items())),
             "errors": ", ".join(f"{k} {v}" for k, v in sorted(s.errors.items()))} for s in report.sources]
    columns = ["source", "status", "listed", "new", "seen", "unchanged", "queued", "skipped", "errors"]
    if fmt:
        _emit([s.as_dict() for s in report.sources] if fmt != "csv" else rows, fmt, columns)
        return
    table = Table(title=f"newsloom collect: {report.new} new articles, {report.requests} requests "
                        f"({report.not_modified} not modified) in {report.seconds:.1f} s", title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(row[c])) for c in columns))
    err.print(table)


@main.command()
@db_option
@click.option("--examples", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of example inputs (default: the repository's examples/).")
def demo(db: str, examples: str | None) -> None:
    """Run the pipeline on the bundled example corpus and show its stories."""
    folder = Path(examples) if examples else _examples_dir()
    ctx = click.get_current_context()
    code = 0
    try:
        ctx.invoke(run, paths=(str(folder),), db=db, config_path=None, as_json=False)
    except SystemExit as exc:  # refused inputs are part of the demo corpus' traps
        code = exc.code or 0
    ctx.invoke(stories, db=db, include_all=False, limit=None, fmt=None)
    store = _store(db)
    top = store.briefing_ids()
    if top:
        ctx.invoke(show, story_id=top[0], db=db, fmt="terminal")
    err.print(terminal_safe(f"Read every story in a browser: newsloom serve --db {db}  (then open "
                            f"http://127.0.0.1:8000/)"), highlight=False)
    if code not in (0, EXIT_REFUSED):
        sys.exit(code)


def _examples_dir() -> Path:
    env = os.environ.get("NEWSLOOM_EXAMPLES")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2] / "examples", Path.cwd() / "examples"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise click.UsageError("cannot find the examples/ folder; pass --examples DIR")


if __name__ == "__main__":
    main()
