"""The HTTP API (under /api/) and the web reader (server-rendered pages), one FastAPI app over one store.

Every reader page renders the same dict that its JSON twin under /api/ returns. News text is untrusted: the
templates autoescape everything, no page carries inline script or style (the Content-Security-Policy forbids
both; the API docs at /docs too, Swagger UI served from the swagger-ui-bundle package), a document's URL is shown
but never fetched, and request bodies are size-limited. Other web pages cannot use the server through the user's
browser: requests under an unknown Host name are refused (DNS rebinding), and so are writes that the browser
says come from another origin.
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
from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from swagger_ui_bundle import swagger_ui_path

from .. import __version__
from ..brief.render import articles_from_outlets
from ..config import Config
from ..errors import NotFoundError, StoreBusyError
from ..store import Store
from ..workers import DocumentWorkers
from . import queries

HERE = Path(__file__).parent
# Every page, the API docs included: scripts and styles from this server only, nothing inline, no plugins, no
# framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# The names a loopback server answers to (as Host headers carry them: IPv6 in brackets).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
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


class SameOriginWrites:
    """Refuses (403) a request that can change the store when the browser that sent it says it comes from another
    origin. Any web page can make the user's browser send a form (text/plain or multipart) or a no-cors fetch to
    127.0.0.1 without a CORS preflight; the answer stays unreadable to the page, but the write would be done.

    The rule is that of Go's http.CrossOriginProtection (written here: no maintained Python middleware checks
    origins without cookies or tokens): Sec-Fetch-Site, sent by every current browser and not settable by pages,
    decides when present ('same-origin' and 'none', a user's own navigation, pass); without it, Origin must name
    this server as the request reached it (its Host header), and without Origin, so must Referer. A request with
    none of them does not come from a browser (curl, scripts) and is served."""

    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in self.SAFE_METHODS:
            refused = cross_origin(Headers(scope=scope))
            if refused:
                response = JSONResponse({"detail": f"cross-origin request refused: {refused}"}, status_code=403)
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def cross_origin(headers: Headers) -> str | None:
    """Why the request is cross-origin, or None when nothing says so."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"Sec-Fetch-Site is {site}"
    host = headers.get("host", "").lower()
    for name in ("origin", "referer"):
        value = headers.get(name)
        if value is not None:
            try:
                netloc = urlsplit(value).netloc.lower()
            except ValueError:
                netloc = ""
            return None if netloc == host else f"{name.title()} {value!r} is not this server"
    return None


def allowed_hosts_for(bind_host: str) -> list[str]:
    """The Host names a server bound to ``bind_host`` answers to: the loopback names on a loopback address, else
    that address (or name); any name on a wildcard address, where ingest needs the token anyway."""
    if is_loopback(bind_host):
        return list(LOOPBACK_HOSTS)
    if bind_host in ("0.0.0.0", "::", ""):
        return ["*"]
    return [f"[{bind_host}]" if ":" in bind_host else bind_host]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Ingestor:
    """Runs the pipeline for the ingest endpoints: one pipeline (its models loaded once), one run at a time.
    A request waits at most ``wait_s`` for the store (another request, or another process writing to it), then
    is answered 503 with Retry-After."""

    def __init__(self, db: str, config: Config, wait_s: float):
        self.db, self.config, self.wait_s = db, config, wait_s
        self.lock = threading.Lock()
        self.pipeline = None
        self.data_version = None
        self.workers = DocumentWorkers.from_config(config.ingest)  # uploads are read in them too

    def run(self, items, inputs: list[str]) -> dict:
        from ..pipeline import Pipeline, RunReport

        if not self.lock.acquire(timeout=self.wait_s):
            raise StoreBusyError(f"the store is busy with another ingest request (waited {self.wait_s:g} s)")
        try:
            if self.pipeline is not None and self._version() != self.data_version:
                # Another process wrote to the store since this pipeline's last run: its stages' state (clusters,
                # word counts) is stale. A new pipeline reloads it; the models stay loaded (once per process).
                self.pipeline.store.close()
                self.pipeline = None
            if self.pipeline is None:
                self.pipeline = Pipeline(Store(self.db), self.config, self.workers)
            report = self.pipeline.run_items(items, RunReport(inputs=inputs), wait_s=self.wait_s).as_dict()
            self.data_version = self._version()
            return report
        finally:
            self.lock.release()

    def _version(self) -> int:
        # Changes when another connection commits to the store, not when this one does (SQLite's data_version).
        return self.pipeline.store.db.execute("PRAGMA data_version").fetchone()[0]


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
               token_required: bool = False, ingest_wait_s: float = 10.0,
               allowed_hosts: list[str] | tuple[str, ...] = LOOPBACK_HOSTS) -> FastAPI:
    """The app over the store at ``db``. Ingest needs ``Authorization: Bearer <ingest_token>`` when
    ``token_required`` (the server is bound to a non-loopback address); with no token set it is then off.
    An ingest request waits at most ``ingest_wait_s`` for the store, else it is answered 503. Requests whose
    Host is not in ``allowed_hosts`` (names, any port; "*" for any) are refused with 400."""
    config = config or Config()
    Store(db).close()  # create or migrate the store once, before any request
    # FastAPI's own /docs and /redoc load their scripts from a CDN and start them inline: /docs is served below.
    app = FastAPI(title="newsloom", version=__version__, docs_url=None, redoc_url=None,
                  description="Stories, cited briefings, articles, threads and entities from a newsloom store.")
    app.state.db = db
    app.add_middleware(BodyLimit, max_bytes=config.ingest.max_bytes + 1_000_000)  # room for multipart framing
    app.add_middleware(SameOriginWrites)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False)
    ingestor = Ingestor(db, config, ingest_wait_s)
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                            trim_blocks=True, lstrip_blocks=True)
    templates.globals.update(bars=coverage_bars, page_url=page_url, safe_href=safe_href, version=__version__,
                             articles_from_outlets=articles_from_outlets)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response


    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return HTMLResponse(render("error.html", title="Not found", message=str(exc), json_url=None), status_code=404)

    @app.exception_handler(StoreBusyError)
    async def store_busy(request: Request, exc: StoreBusyError):
        return JSONResponse({"detail": str(exc)}, status_code=503,
                            headers={"Retry-After": str(max(1, round(ingest_wait_s * 3)))})

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

    auth_responses = {401: {"description": "Missing or wrong token"},
                      403: {"description": "Ingest is off, or a browser sent the request from another origin"},
                      413: {"description": "Request body too large"},
                      503: {"description": "The store is busy with another writer; retry after Retry-After seconds"}}

    @app.post("/api/ingest", tags=["api"], responses=auth_responses)
    def api_ingest(body: IngestRequest, authorization: Annotated[str | None, Header()] = None) -> dict:
        """Run the pipeline on JSON documents; the run report says what was stored and what was refused."""
        check_token(authorization)
        from ..ingest import json_document

        def items():
            for number, doc in enumerate(body.documents, start=1):
                yield from json_document(f"api:{doc.url or number}", doc.model_dump(exclude_none=True),
                                         config.ingest)

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
                yield from read_bytes(f"upload:{name}", name, data, config.ingest, ingestor.workers)

        return ingestor.run(items(), [f"upload:{n}" for n in names])

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs() -> str:
        """Swagger UI over /openapi.json, started by /static/docs.js."""
        return render("docs.html", openapi_url=app.openapi_url)

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
