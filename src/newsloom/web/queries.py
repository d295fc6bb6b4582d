"""What the reader and the HTTP API show, read from the store: story lists with filters and full-text search,
story, article, thread and entity details. Every function returns plain JSON-ready data; the HTML pages and
the JSON API render the same dicts, so each page has an exact JSON twin."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from ..brief.render import figure_name, figure_steps, outlet_rows, sections_of
from ..brief.timeline import query_timeline, thread_timeline
from ..errors import NotFoundError
from ..store import Store

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class StoryFilter:
    q: str | None = None  # full text, over article titles and text and headline records
    entity: str | None = None  # an entity key, as /api/entities lists them
    outlet: str | None = None
    date_from: str | None = None  # ISO dates; a story matches when its span overlaps the range
    date_to: str | None = None
    headline_only: bool = False  # also list stories that hold only headline records
    sort: str = "size"  # size | recent
    limit: int = 20
    offset: int = 0


def fts_query(text: str) -> str | None:
    """A user's words as an FTS5 query that cannot be a syntax error: every word quoted, all required."""
    words = _WORD.findall(text or "")
    return " ".join(f'"{w}"' for w in words[:20]) or None


def list_stories(store: Store, f: StoryFilter) -> dict:
    where, params = [], []
    if not f.headline_only:
        where.append("s.n_articles > 0")
    query = fts_query(f.q) if f.q else None
    if f.q and not query:
        return {"total": 0, "limit": f.limit, "offset": f.offset, "items": []}
    if query:
        where.append("s.id IN (SELECT sa.story_id FROM article_search JOIN articles a ON a.rowid = article_search.rowid"
                     " JOIN story_articles sa ON sa.article_id = a.id WHERE article_search MATCH ?"
                     " UNION SELECT sh.story_id FROM headline_search JOIN headlines h ON h.rowid = headline_search.rowid"
                     " JOIN story_headlines sh ON sh.headline_id = h.id WHERE headline_search MATCH ?)")
        params += [query, query]
    if f.entity:
        where.append("s.id IN (SELECT sa.story_id FROM entities e JOIN story_articles sa ON sa.article_id = e.article_id"
                     " WHERE e.key = ?)")
        params.append(f.entity)
    if f.outlet:
        where.append("s.id IN (SELECT sa.story_id FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
                     " WHERE a.outlet = ? UNION SELECT sh.story_id FROM headlines h"
                     " JOIN story_headlines sh ON sh.headline_id = h.id WHERE h.outlet = ?)")
        params += [f.outlet, f.outlet]
    if f.date_from:
        where.append("coalesce(s.last_published, s.first_published) >= ?")
        params.append(f.date_from[:10])
    if f.date_to:
        where.append("s.first_published <= ?")
        params.append(f.date_to[:10] + "\uffff")  # the whole last day, whatever follows the date
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    order = ("coalesce(s.last_published, '') DESC, s.n_articles DESC, s.id" if f.sort == "recent"
             else "s.n_articles DESC, s.n_outlets DESC, coalesce(s.last_published, '') DESC, s.id")
    total = store.db.execute(f"SELECT count(*) FROM stories s {clause}", params).fetchone()[0]
    rows = store.db.execute(
        f"SELECT s.id, s.title, s.n_articles AS articles, s.n_headlines AS headlines, s.n_outlets AS outlets,"
        f" s.first_published, s.last_published, s.thread_id, t.label AS thread_label FROM stories s"
        f" LEFT JOIN threads t ON t.id = s.thread_id {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, f.limit, f.offset]).fetchall()
    items = [dict(r) for r in rows]
    _add_outlets_and_coverage(store, items)
    _fill_missing_titles(store, items)
    return {"total": total, "limit": f.limit, "offset": f.offset, "items": items}


def _fill_missing_titles(store: Store, items: list[dict]) -> None:
    """Stories of untitled articles (plain-text inputs, feeds without titles) are named by the opening words of
    their earliest article, so that the reader never shows an empty link; ``title_from_text`` says so."""
    missing = [i for i in items if not (i.get("title") or "").strip()]
    if not missing:
        return
    marks = ",".join("?" * len(missing))
    openings: dict[str, str] = {}
    for row in store.db.execute(
            f"SELECT sa.story_id, substr(a.text, 1, 200) AS opening FROM story_articles sa JOIN articles a"
            f" ON a.id = sa.article_id WHERE sa.story_id IN ({marks}) ORDER BY coalesce(a.published, '9999'), a.rowid",
            [i["id"] for i in missing]):
        openings.setdefault(row["story_id"], row["opening"])
    for item in missing:
        words = (openings.get(item["id"]) or "").split()
        item["title"] = " ".join(words[:12]) + ("…" if len(words) > 12 else "") if words else "Untitled story"
        item["title_from_text"] = True


def _add_outlets_and_coverage(store: Store, items: list[dict]) -> None:
    """Each story's outlet names and its articles per day (the list page's small coverage chart)."""
    if not items:
        return
    ids = [i["id"] for i in items]
    marks = ",".join("?" * len(ids))
    outlets: dict[str, Counter] = defaultdict(Counter)
    coverage: dict[str, Counter] = defaultdict(Counter)
    for row in store.db.execute(
            f"SELECT sa.story_id, a.outlet, substr(a.published, 1, 10) AS day FROM story_articles sa"
            f" JOIN articles a ON a.id = sa.article_id WHERE sa.story_id IN ({marks})", ids):
        if row["outlet"]:
            outlets[row["story_id"]][row["outlet"]] += 1
        if row["day"]:
            coverage[row["story_id"]][row["day"]] += 1
    for row in store.db.execute(
            f"SELECT sh.story_id, h.outlet FROM story_headlines sh JOIN headlines h ON h.id = sh.headline_id"
            f" WHERE sh.story_id IN ({marks}) AND h.outlet IS NOT NULL", ids):
        outlets[row["story_id"]].setdefault(row["outlet"], 0)
    for item in items:
        item["outlet_names"] = [name for name, _ in outlets[item["id"]].most_common()]
        item["coverage"] = [{"date": day, "articles": n} for day, n in sorted(coverage[item["id"]].items())]


def story_detail(store: Store, story_id: str) -> dict:
    story_id = store.resolve_story_id(story_id)
    row = store.db.execute("SELECT s.*, t.label AS thread_label FROM stories s LEFT JOIN threads t"
                           " ON t.id = s.thread_id WHERE s.id = ?", (story_id,)).fetchone()
    articles = store.story_articles(story_id)
    texts = {a.id: a.text for a in articles}
    try:
        briefing = store.briefing(story_id)
    except NotFoundError:  # a headline-only story has no briefing
        briefing = None
    data = {
        "id": story_id, "title": row["title"], "title_from_text": False, "articles": row["n_articles"], "headlines": row["n_headlines"],
        "outlets": row["n_outlets"], "unknown_outlet_articles": sum(1 for a in articles if not a.outlet),
        "first_published": row["first_published"],
        "last_published": row["last_published"],
        "thread": {"id": row["thread_id"], "label": row["thread_label"]} if row["thread_id"] else None,
        "briefing": None, "sections": [], "abstract": [], "sources": [], "figures": [], "disagreements": [], "timeline": [],
        "entities": story_entities(store, [a.id for a in articles]),
        "headline_records": [{k: h[k] for k in ("id", "text", "teaser", "outlet", "published", "doc_id")}
                             for h in store.story_headlines(story_id)],
        "article_list": [{"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published,
                          "copy_of": a.canonical_id} for a in articles],
    }
    _fill_missing_titles(store, [data])
    if briefing is None:
        return data
    sources = {s.number: s for s in briefing.sources}

    def cite(numbers, text: str, article_id: str | None = None, span=None) -> list[dict]:
        """Each citation with a link target: the source article and where the cited sentence sits in it."""
        out = []
        for n in numbers:
            source = sources.get(n)
            if source is None:
                continue
            where = list(span) if span and source.article_id == article_id else _find(texts.get(source.article_id), text)
            out.append({"source": n, "article_id": source.article_id, "span": where})
        return out

    def sentence(s) -> dict:
        return {"text": s.text, "article_id": s.article_id, "span": list(s.span),
                "citations": cite(s.citations, s.text, s.article_id, s.span)}

    data["briefing"] = json.loads(json.dumps(asdict(briefing)))
    data["sections"] = [{"title": title, "sentences": [sentence(s) for s in sents]}
                        for title, sents in sections_of(briefing)]
    data["sources"] = [asdict(s) for s in briefing.sources]
    data["outlet_summary"] = outlet_rows(briefing)
    data["figures"] = [_figure_entry(e, cite) for e in briefing.key_figures]
    data["other_figures"] = [_figure_entry(e, cite) for e in briefing.extra.get("other_figures") or ()]
    data["disagreements"] = [_figure_entry(e, cite) for e in briefing.disagreements]
    data["timeline"] = [{"date": t.date, "sentences": [sentence(s) for s in t.sentences]} for t in briefing.timeline]
    data["claims"] = briefing.extra.get("claims", [])
    number_of = {s.article_id: s.number for s in briefing.sources}
    # The optional abstractive sentences cite the source sentences that passed their support check.
    data["abstract"] = [{"text": g.text, "citations": [{"source": number_of.get(sup["article_id"]),
                                                        "article_id": sup["article_id"], "span": list(sup["span"])}
                                                       for sup in g.support]} for g in briefing.abstract]
    return data


def _figure_entry(entry: dict, cite) -> dict:
    values = []
    for v in entry.get("values", ()):
        values.append({**v, "citations": cite([v["source"]], v.get("sentence") or "")})
    sentence_of = {v["source"]: v.get("sentence") or "" for v in values}
    steps = [{**s, "citations": [c for n in s["sources"] for c in cite([n], sentence_of.get(n, ""))]}
             for s in figure_steps(entry)]
    return {**entry, "name": figure_name(entry), "values": values, "steps": steps}


def _find(text: str | None, sentence: str) -> list[int] | None:
    if not text or not sentence:
        return None
    at = text.find(sentence)
    return [at, at + len(sentence)] if at >= 0 else None


def story_entities(store: Store, article_ids: list[str], limit: int = 25) -> list[dict]:
    mentions: Counter = Counter()
    articles: dict[str, set] = defaultdict(set)
    names: dict[str, Counter] = defaultdict(Counter)
    labels: dict[str, Counter] = defaultdict(Counter)
    for e in store.entities_for(article_ids):
        mentions[e.key] += 1
        articles[e.key].add(e.article_id)
        names[e.key][e.text] += 1
        labels[e.key][e.label] += 1
    ranked = sorted(mentions, key=lambda k: (-len(articles[k]), -mentions[k], k))[:limit]
    return [{"key": k, "name": names[k].most_common(1)[0][0], "label": labels[k].most_common(1)[0][0],
             "articles": len(articles[k]), "mentions": mentions[k]} for k in ranked]


def article_detail(store: Store, article_id: str, highlight: tuple[int, int] | None = None) -> dict:
    row = store.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no article with id {article_id!r}")
    story = store.db.execute("SELECT s.id, s.title FROM story_articles sa JOIN stories s ON s.id = sa.story_id"
                             " WHERE sa.article_id = ?", (article_id,)).fetchone()
    copies = [r[0] for r in store.db.execute("SELECT id FROM articles WHERE canonical_id = ? AND id != ?",
                                             (article_id, article_id))]
    text = row["text"]
    if highlight and not (0 <= highlight[0] < highlight[1] <= len(text)):
        highlight = None
    return {
        "id": row["id"], "title": row["title"], "text": text, "outlet": row["outlet"], "url": row["url"],
        "published": row["published"], "author": row["author"], "language": row["language"], "uri": row["uri"],
        "doc_id": row["doc_id"], "copy_of": row["canonical_id"] if row["canonical_id"] != row["id"] else None,
        "copies": copies, "story": dict(story) if story else None,
        "paragraphs": [_marked(text, tuple(p), highlight) for p in json.loads(row["paragraphs"])],
        "highlight": list(highlight) if highlight else None,
        "furniture": [{k: f[k] for k in ("span_start", "span_end", "reason", "text")}
                      for f in store.furniture_for(row["doc_id"])],
        "headline_records": [dict(r) for r in store.db.execute(
            "SELECT id, text, teaser, position, outlet FROM headlines WHERE doc_id = ? ORDER BY position",
            (row["doc_id"],))],
    }


def _marked(text: str, paragraph: tuple[int, int], highlight: tuple[int, int] | None) -> dict:
    """A paragraph as runs of text, the part inside the highlighted span flagged, so templates can wrap it in
    <mark> without building HTML from strings."""
    start, end = paragraph[0], paragraph[1]
    if not highlight or highlight[1] <= start or highlight[0] >= end:
        return {"span": [start, end], "runs": [{"text": text[start:end], "mark": False}]}
    lo, hi = max(start, highlight[0]), min(end, highlight[1])
    runs = [{"text": text[start:lo], "mark": False}, {"text": text[lo:hi], "mark": True},
            {"text": text[hi:end], "mark": False}]
    return {"span": [start, end], "runs": [r for r in runs if r["text"]]}


def list_threads(store: Store, limit: int = 50, offset: int = 0) -> dict:
    total = store.db.execute("SELECT count(*) FROM threads").fetchone()[0]
    rows = store.db.execute(
        "SELECT t.id, t.label, t.first_published, t.last_published, count(s.id) AS stories,"
        " coalesce(sum(s.n_articles), 0) AS articles FROM threads t LEFT JOIN stories s ON s.thread_id = t.id"
        " GROUP BY t.id ORDER BY articles DESC, t.id LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    items = [dict(r) for r in rows]
    for item in items:
        item["label"] = item["label"] or "Untitled thread"
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def thread_detail(store: Store, thread_id: str) -> dict:
    row = store.db.execute("SELECT * FROM threads WHERE id = ?", (thread_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no thread with id {thread_id!r}")
    stories = [dict(r) for r in store.db.execute(
        "SELECT id, title, n_articles AS articles, n_headlines AS headlines, n_outlets AS outlets, first_published,"
        " last_published FROM stories WHERE thread_id = ? ORDER BY coalesce(first_published, '9999'), id",
        (thread_id,))]
    _add_outlets_and_coverage(store, stories)
    _fill_missing_titles(store, stories)
    coverage: Counter = Counter()
    for s in stories:
        for point in s["coverage"]:
            coverage[point["date"]] += point["articles"]
    return {"id": row["id"], "label": row["label"] or "Untitled thread", "first_published": row["first_published"],
            "last_published": row["last_published"], "stories": stories,
            "coverage": [{"date": d, "articles": n} for d, n in sorted(coverage.items())],
            "timeline": _cached_thread_timeline(store, row["id"], stories)}


def timeline_for_query(store: Store, q: str, date_from: date | None = None, date_to: date | None = None,
                       dates: int = 10) -> dict:
    """The timeline of what ``q`` names (brief.timeline.query_timeline): its dates from ``date_from`` to
    ``date_to`` (none when the range is empty), each with verbatim sentences cited to their articles."""
    empty = date_from is not None and date_to is not None and date_from > date_to
    timeline = [] if empty else query_timeline(store, q, date_from, date_to, max_dates=dates)
    ids = list({s.doc_id for d in timeline for s in d.sentences})
    rows = {r["id"]: r for r in store.db.execute(
        f"SELECT id, title, outlet, published FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids)}
    return {"query": q, "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None, "dates": [
        {"date": d.date, "sentences": [
            {"text": s.text, "citations": [{"source": None, "article_id": s.doc_id, "span": list(s.span),
                                            "title": rows[s.doc_id]["title"], "outlet": rows[s.doc_id]["outlet"],
                                            "published": rows[s.doc_id]["published"]}]}
            for s in d.sentences]} for d in timeline]}


_TIMELINES: dict[tuple, list[dict]] = {}


def _cached_thread_timeline(store: Store, thread_id: str, stories: list[dict]) -> list[dict]:
    """A thread's timeline takes seconds for a large thread (every sentence's dates and vectors), so it is kept
    per process until the thread changes (new stories or articles)."""
    key = (store.path, thread_id, len(stories), sum(s["articles"] for s in stories),
           max((s["last_published"] or "" for s in stories), default=""))
    if key not in _TIMELINES:
        if len(_TIMELINES) >= 64:
            _TIMELINES.pop(next(iter(_TIMELINES)))
        _TIMELINES[key] = [{"date": d.date, "sentences": [
            {"text": s.text, "citations": [{"source": None, "article_id": s.doc_id, "span": list(s.span)}]}
            for s in d.sentences]} for d in thread_timeline(store, thread_id)]
    return _TIMELINES[key]


def list_entities(store: Store, q: str | None = None, label: str | None = None, limit: int = 50,
                  offset: int = 0) -> dict:
    where, params = [], []
    if q:
        where.append("(e.text LIKE ? ESCAPE '\\' OR e.key LIKE ? ESCAPE '\\')")
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [like, like]
    if label:
        where.append("e.label = ?")
        params.append(label)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = store.db.execute(f"SELECT count(DISTINCT e.key) FROM entities e {clause}", params).fetchone()[0]
    rows = store.db.execute(
        f"SELECT e.key, max(e.label) AS label, count(*) AS mentions, count(DISTINCT e.article_id) AS articles,"
        f" count(DISTINCT sa.story_id) AS stories FROM entities e LEFT JOIN story_articles sa"
        f" ON sa.article_id = e.article_id {clause} GROUP BY e.key ORDER BY stories DESC, articles DESC, e.key"
        f" LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
    items = [dict(r) for r in rows]
    forms: dict[str, Counter] = defaultdict(Counter)  # the most frequent surface form names the entity
    if items:
        keys = [i["key"] for i in items]
        for r in store.db.execute(f"SELECT key, text, count(*) AS n FROM entities WHERE key IN"
                                  f" ({','.join('?' * len(keys))}) GROUP BY key, text", keys):
            forms[r["key"]][r["text"]] = r["n"]
    for item in items:
        item["name"] = min(forms[item["key"]].items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def outlets(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute(
        "SELECT outlet FROM articles WHERE outlet IS NOT NULL GROUP BY outlet ORDER BY count(*) DESC, outlet")]


def health(store: Store) -> dict:
    counts = store.counts(("documents", "articles", "headlines", "stories", "threads", "rejections"))
    return {"status": "ok", "schema_version": store.schema_version, "counts": counts}
