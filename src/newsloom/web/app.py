"""The HTTP API (under /api/) and the web reader (server-rendered pages), one FastAPI app over one store.

Every reader page renders the same dict that its JSON twin under /api/ returns. News text is untrusted: the
templates autoescape everything, no page carries inline script or style (the Content-Security-Policy forbids
both), a document's URL is shown but never fetched, and request bodies are size-limited.
"""

from __future__ import annotations

import ipaddress
import secrets
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, File, Header, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from .. import __version__
from ..config import Config
from ..errors import NotFoundError
from ..store import Store
from . import queries

HERE = Path(__file__).parent
# The reader's pages: scripts and styles from this server only, nothing inline, no plugins, no framing.
READER_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# FastAPI's interactive docs load Swagger UI from its CDN and start it with an inline script; those pages show
# no news text, so they alone get this looser policy.
DOCS_CSP = ("default-src 'none'; script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
NOT_FOUND = {404: {"description": "No such story, article or thread"}}


class DocumentIn(BaseModel):
    """A document to ingest: "text" (already flattened) or "html", with optional metadata."""

    text: str | None = None
    html: str | None = None
    url: str | None = None
    title: str | None = None
    source: str | None = Field(default=None, description="The outlet's name")
    published: str | None = Field(default=None, description="ISO date or date-time")


class IngestRequest(BaseModel):
    documents: list[DocumentIn] = Field(min_length=1, max_length=1000)


class BodyLimit:
    """Refuses request bodies over a size limit with 413, whether or not the client declared their length. The
    body is read (up to the limit) before the app sees it: FastAPI turns any error raised while it reads a
    body into a 400, so the limit cannot be enforced from inside the app's reads."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_bytes:
                return await self._refuse(send)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send):
        body = b'{"detail":"request body too large"}'
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Ingestor:
    """Runs the pipeline for the ingest endpoints: one pipeline (its models loaded once), one run at a time."""

    def __init__(self, db: str, config: Config):
        self.db, self.config = db, config
        self.lock = threading.Lock()
        self.pipeline = None

    def run(self, items, inputs: list[str]) -> dict:
        from ..pipeline import Pipeline, RunReport

        with self.lock:
            if self.pipeline is None:
                self.pipeline = Pipeline(Store(self.db), self.config)
            report = RunReport(inputs=inputs)
            return self.pipeline.run_items(items, report).as_dict()


def open_store(request: Request) -> Iterator[Store]:
    """A connection per request: SQLite in WAL mode lets readers run beside an ingest's write transaction."""
    store = Store(request.app.state.db)
    try:
        yield store
    finally:
        store.close()


StoreDep = Annotated[Store, Depends(open_store)]


def story_filter(q: str | None = None, entity: str | None = None, outlet: str | None = None,
                 date_from: Annotated[date | None, Query(alias="from")] = None,
                 date_to: Annotated[date | None, Query(alias="to")] = None, headline_only: bool = False,
                 sort: Annotated[str, Query(pattern="^(size|recent)$")] = "size",
                 limit: Annotated[int, Query(ge=1, le=100)] = 20,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> queries.StoryFilter:
    return queries.StoryFilter(q=q, entity=entity, outlet=outlet,
                               date_from=date_from.isoformat() if date_from else None,
                               date_to=date_to.isoformat() if date_to else None, headline_only=headline_only,
                               sort=sort, limit=limit, offset=offset)

FilterDep = Annotated[queries.StoryFilter, Depends(story_filter)]


def create_app(db: str, config: Config | None = None, *, ingest_token: str | None = None,
               token_required: bool = False) -> FastAPI:
    """The app over the store at ``db``. Ingest needs ``Authorization: Bearer <ingest_token>`` when
    ``token_required`` (the server is bound to a non-loopback address); with no token set it is then off."""
    config = config or Config()
    Store(db).close()  # create or migrate the store once, before any request
    app = FastAPI(title="newsloom", version=__version__,
                  description="Stories, cited briefings, articles, threads and entities from a newsloom store.")
    app.state.db = db
    app.add_middleware(BodyLimit, max_bytes=config.ingest.max_bytes + 1_000_000)  # room for multipart framing
    ingestor = Ingestor(db, config)
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                            trim_blocks=True, lstrip_blocks=True)
    templates.globals.update(bars=coverage_bars, page_url=page_url, safe_href=safe_href, version=__version__)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        docs = request.url.path.startswith(DOCS_PATHS)
        response.headers["Content-Security-Policy"] = DOCS_CSP if docs else READER_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response


    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return HTMLResponse(render("error.html", title="Not found", message=str(exc), json_url=None), status_code=404)

    def render(name: str, **context: Any) -> str:
        return templates.get_template(name).render(**context)


    # -- API ------------------------------------------------------------------------------------------------
    @app.get("/api/health", tags=["api"])
    def api_health(store: StoreDep) -> dict:
        return {**queries.health(store), "version": __version__}

    @app.get("/api/stories", tags=["api"])
    def api_stories(store: StoreDep, f: FilterDep) -> dict:
        """Stories, largest first (or most recent with sort=recent); q is a full-text query, entity an entity
        key, from/to a date range that the story's span overlaps."""
        return queries.list_stories(store, f)

    @app.get("/api/stories/{story_id}", tags=["api"], responses=NOT_FOUND)
    def api_story(store: StoreDep, story_id: str) -> dict:
        """A story: its briefing in sections with resolved citations, sources, key figures, disagreements,
        timeline, entities, articles and headline records. A merged story's old id (or an id prefix) works."""
        return queries.story_detail(store, story_id)

    @app.get("/api/articles/{article_id}", tags=["api"], responses=NOT_FOUND)
    def api_article(store: StoreDep, article_id: str) -> dict:
        """An article's clean text and metadata, its story, and the furniture removed from its page."""
        return queries.article_detail(store, article_id)

    @app.get("/api/threads", tags=["api"])
    def api_threads(store: StoreDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
        return queries.list_threads(store, limit, offset)

    @app.get("/api/threads/{thread_id}", tags=["api"], responses=NOT_FOUND)
    def api_thread(store: StoreDep, thread_id: str) -> dict:
        return queries.thread_detail(store, thread_id)

    @app.get("/api/timeline", tags=["api"])
    def api_timeline(store: StoreDep, q: Annotated[str, Query(min_length=1, max_length=500)],
                     date_from: Annotated[date | None, Query(alias="from")] = None,
                     date_to: Annotated[date | None, Query(alias="to")] = None,
                     dates: Annotated[int, Query(ge=1, le=100)] = 10) -> dict:
        """The timeline of what ``q`` names: its most important dates between ``from`` and ``to``, each with
        verbatim sentences cited to their articles."""
        return queries.timeline_for_query(store, q, date_from, date_to, dates)

    @app.get("/api/entities", tags=["api"])
    def api_entities(store: StoreDep, q: str | None = None, label: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
        """Entities by the number of stories that mention them; a key filters /api/stories?entity=."""
        return queries.list_entities(store, q, label, limit, offset)

    @app.get("/api/outlets", tags=["api"])
    def api_outlets(store: StoreDep) -> list[str]:
        return queries.outlets(store)

    def check_token(authorization: str | None) -> None:
        if not token_required:
            return
        if not ingest_token:
            raise HTTPException(403, "ingest is off: the server is not bound to a loopback address and no token "
                                     "is set (start it with NEWSLOOM_TOKEN or --token)")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), ingest_token.encode()):
            raise HTTPException(401, "ingest needs the header 'Authorization: Bearer <token>'")

    auth_responses = {401: {"description": "Missing or wrong token"}, 403: {"description": "Ingest is off"},
                      413: {"description": "Request body too large"}}

    @app.post("/api/ingest", tags=["api"], responses=auth_responses)
    def api_ingest(body: IngestRequest, authorization: Annotated[str | None, Header()] = None) -> dict:
        """Run the pipeline on JSON documents; the run report says what was stored and what was refused."""
        check_token(authorization)
        from ..ingest import json_document

        def items():
            for number, doc in enumerate(body.documents, start=1):
                yield from json_document(f"api:{doc.url or number}", doc.model_dump(exclude_none=True))

        return ingestor.run(items(), [f"api:{len(body.documents)} documents"])

    @app.post("/api/ingest/files", tags=["api"], responses=auth_responses)
    def api_ingest_files(files: Annotated[list[UploadFile], File(description="Pages in any supported format")],
                         authorization: Annotated[str | None, Header()] = None) -> dict:
        """Run the pipeline on uploaded files (txt, html, jsonl, json, warc, feeds; gzip too)."""
        check_token(authorization)
        from ..ingest import read_bytes

        names = [Path(f.filename or "upload").name for f in files]

        def items():
            for name, upload in zip(names, files):
                data = upload.file.read(config.ingest.max_bytes + 1)
                yield from read_bytes(f"upload:{name}", name, data, config.ingest)

        return ingestor.run(items(), [f"upload:{n}" for n in names])

    # -- reader ---------------------------------------------------------------------------------------------
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon; answering spares every page a 404 in the browser's log

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def page_stories(request: Request, store: StoreDep, f: FilterDep) -> str:
        data = queries.list_stories(store, f)
        search = request.url.path == "/search"
        title = (f"Search: {f.q}" if f.q else "Search") if search else "Stories"
        return render("stories.html", title=title, data=data, f=f, outlets=queries.outlets(store),
                      query=dict(request.query_params), search=search,
                      json_url=page_url("/api/stories", request.query_params))

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_story(store: StoreDep, story_id: str) -> str:
        data = queries.story_detail(store, story_id)
        return render("story.html", title=data["title"], s=data, json_url=f"/api/stories/{data['id']}")

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(store: StoreDep, article_id: str,
                     s: Annotated[str | None, Query(pattern=r"^\d{1,9}-\d{1,9}$")] = None,
                     furniture: bool = False) -> str:
        highlight = tuple(int(x) for x in s.split("-")) if s else None
        data = queries.article_detail(store, article_id, highlight)
        return render("article.html", title=data["title"] or "Article", a=data, show_furniture=furniture,
                      json_url=f"/api/articles/{data['id']}")

    @app.get("/threads", response_class=HTMLResponse, include_in_schema=False)
    def page_threads(store: StoreDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     offset: Annotated[int, Query(ge=0)] = 0) -> str:
        data = queries.list_threads(store, limit, offset)
        return render("threads.html", title="Threads", data=data, json_url=page_url("/api/threads", {"limit": limit, "offset": offset}))

    @app.get("/threads/{thread_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_thread(store: StoreDep, thread_id: str) -> str:
        data = queries.thread_detail(store, thread_id)
        return render("thread.html", title=data["label"], t=data, json_url=f"/api/threads/{data['id']}")

    @app.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
    def page_timeline(request: Request, store: StoreDep, q: Annotated[str, Query(min_length=1, max_length=500)],
                      date_from: Annotated[date | None, Query(alias="from")] = None,
                      date_to: Annotated[date | None, Query(alias="to")] = None,
                      dates: Annotated[int, Query(ge=1, le=100)] = 10) -> str:
        data = queries.timeline_for_query(store, q, date_from, date_to, dates)
        return render("timeline.html", title=f"Timeline: {q}", data=data,
                      json_url=page_url("/api/timeline", request.query_params))

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def page_entities(request: Request, store: StoreDep, q: str | None = None, label: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0)] = 0) -> str:
        data = queries.list_entities(store, q, label, limit, offset)
        return render("entities.html", title="Entities", data=data, q=q or "",
                      json_url=page_url("/api/entities", request.query_params))

    return app


def page_url(path: str, params) -> str:
    """``path`` with the given query parameters (empty ones left out)."""
    kept = [(k, v) for k, v in dict(params).items() if v not in (None, "")]
    return path + ("?" + urlencode(kept) if kept else "")


def safe_href(url: str | None) -> str | None:
    """A document's URL as a link target only when it is plain http(s); anything else (javascript:, data:)
    is shown as text."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def coverage_bars(coverage: list[dict], width: int = 120, height: int = 24, max_days: int = 60) -> dict:
    """Articles per day as SVG bars over the covered days (at most ``max_days``, the latest ones): drawn as SVG
    attributes, since the CSP allows no inline style."""
    if not coverage:
        return {"width": width, "height": height, "bars": []}
    counts = {c["date"]: c["articles"] for c in coverage}
    try:
        first, last = date.fromisoformat(coverage[0]["date"]), date.fromisoformat(coverage[-1]["date"])
    except ValueError:
        return {"width": width, "height": height, "bars": []}
    days = max(1, min((last - first).days + 1, max_days))
    start = last - timedelta(days=days - 1)
    peak = max(counts.values())
    step = width / days
    bars = []
    for i in range(days):
        day = (start + timedelta(days=i)).isoformat()
        n = counts.get(day, 0)
        if n:
            h = max(2.0, height * n / peak)
            bars.append({"x": round(i * step, 2), "y": round(height - h, 2), "w": round(max(1.0, step - 1), 2),
                         "h": round(h, 2), "label": f"{day}: {n} article{'s' if n != 1 else ''}"})
    return {"width": width, "height": height, "bars": bars}
