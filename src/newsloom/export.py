"""Exports of the whole store: JSON lines (one story a line, with briefing and articles), Parquet (one
article a row, with its story), Markdown and HTML (every briefing)."""

from __future__ import annotations

import html
import sys
from dataclasses import asdict
from pathlib import Path

from .brief.render import page, to_html, to_markdown
from .jsonlines import json_line
from .store import Store


def export_store(store: Store, fmt: str, out_path: str | None) -> int:
    story_ids = store.briefing_ids()
    if fmt == "parquet":
        return _parquet(store, story_ids, out_path)
    if fmt == "jsonl":
        text = "".join(json_line(_story_json(store, sid)) + "\n" for sid in story_ids)
    elif fmt == "markdown":
        text = "\n---\n\n".join(to_markdown(store.briefing(sid)) for sid in story_ids)
    else:
        bodies = [to_html(store.briefing(sid), standalone=False) for sid in story_ids]
        index = "".join(f"<li><a href='#{html.escape(sid)}'>{html.escape(store.briefing(sid).title)}</a></li>"
                        for sid in story_ids)
        text = page("newsloom stories", f"<h1>Stories</h1><ol>{index}</ol>" + "\n<hr>\n".join(bodies))
    if out_path:
        Path(out_path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return len(story_ids)


def _story_json(store: Store, story_id: str) -> dict:
    briefing = store.briefing(story_id)
    articles = [{"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published, "url": a.url,
                 "uri": a.uri, "author": a.author, "canonical_id": a.canonical_id, "text": a.text}
                for a in store.story_articles(story_id)]
    return {"id": story_id, "title": briefing.title, "briefing": asdict(briefing), "articles": articles}


def _parquet(store: Store, story_ids: list[str], out_path: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for story_id in story_ids:
        title = store.briefing(story_id).title
        for a in store.story_articles(story_id):
            rows.append({"story_id": story_id, "story_title": title, "article_id": a.id, "title": a.title,
                         "outlet": a.outlet, "published": a.published, "url": a.url, "uri": a.uri,
                         "author": a.author, "language": a.language, "canonical_id": a.canonical_id,
                         "similarity": a.similarity, "text": a.text})
    pq.write_table(pa.Table.from_pylist(rows), out_path)
    return len(story_ids)
