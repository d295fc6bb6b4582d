"""Briefing renderers: Markdown, self-contained HTML (all news text escaped) and JSON."""

from __future__ import annotations

import html
import json
from dataclasses import asdict

from ..records import Briefing


def _cite(numbers) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _span(briefing: Briefing) -> str:
    dates = sorted(s.published[:10] for s in briefing.sources if s.published)
    outlets = {s.outlet or s.location for s in briefing.sources}
    when = f" · {dates[0]} to {dates[-1]}" if dates and dates[0] != dates[-1] else (f" · {dates[0]}" if dates else "")
    return f"{len(briefing.sources)} articles from {len(outlets)} sources{when}"


def _values(entry: dict) -> str:
    return "; ".join(f"{v['text']} {_cite([v['source']])}" for v in entry["values"])


def to_markdown(briefing: Briefing) -> str:
    lines = [f"# {briefing.title}", "", f"*{_span(briefing)}*", "", "## Summary", ""]
    lines += [f"{s.text} {_cite(s.citations)}" for s in briefing.summary]
    if briefing.key_figures:
        lines += ["", "## Key figures", ""]
        lines += [f"- **{e['subject']}** ({e['status']}): {_values(e)}" for e in briefing.key_figures]
    if briefing.disagreements:
        lines += ["", "## Where sources differ", ""]
        lines += [f"- **{e['subject']}**: " + "; ".join(
            f"{v['text']} ({v['outlet'] or 'unknown outlet'}{', ' + v['published'][:10] if v['published'] else ''})"
            f" {_cite([v['source']])}" for v in e["values"]) for e in briefing.disagreements]
    lines += ["", "## Sources", ""]
    for s in briefing.sources:
        copy = f" (copy of [{s.copy_of}])" if s.copy_of else ""
        lines.append(f"{s.number}. {s.outlet or 'unknown outlet'}: \"{s.title or 'untitled'}\""
                     f" ({s.published[:10] if s.published else 'date unknown'}), {s.location}{copy}")
    return "\n".join(lines) + "\n"


def to_json(briefing: Briefing) -> str:
    return json.dumps(asdict(briefing), ensure_ascii=False, indent=2)


def to_html(briefing: Briefing, standalone: bool = True) -> str:
    e = html.escape
    parts = [f"<article class='briefing' id='{e(briefing.story_id)}'>", f"<h1>{e(briefing.title)}</h1>",
             f"<p class='meta'>{e(_span(briefing))}</p>", "<h2>Summary</h2>"]
    for s in briefing.summary:
        cites = "".join(f"<a href='#{e(briefing.story_id)}-src-{n}'>[{n}]</a>" for n in s.citations)
        parts.append(f"<p>{e(s.text)} {cites}</p>")
    if briefing.key_figures:
        parts.append("<h2>Key figures</h2><ul>")
        parts += [f"<li><b>{e(k['subject'])}</b> ({e(k['status'])}): {e(_values(k))}</li>" for k in briefing.key_figures]
        parts.append("</ul>")
    if briefing.disagreements:
        parts.append("<h2>Where sources differ</h2><table><tr><th>What</th><th>Value</th><th>Outlet</th>"
                     "<th>Date</th><th>Source</th></tr>")
        for d in briefing.disagreements:
            for v in d["values"]:
                parts.append(f"<tr><td>{e(d['subject'])}</td><td>{e(v['text'])}</td><td>{e(v['outlet'] or '')}</td>"
                             f"<td>{e((v['published'] or '')[:10])}</td><td>[{v['source']}]</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Sources</h2><ol>")
    for s in briefing.sources:
        copy = f" (copy of [{s.copy_of}])" if s.copy_of else ""
        # Locations are shown as text, never as links: a document's URL is untrusted.
        parts.append(f"<li id='{e(briefing.story_id)}-src-{s.number}'>{e(s.outlet or 'unknown outlet')}: "
                     f"“{e(s.title or 'untitled')}” ({e(s.published[:10] if s.published else 'date unknown')}), "
                     f"<code>{e(s.location)}</code>{e(copy)}</li>")
    parts.append("</ol></article>")
    body = "\n".join(parts)
    return page(briefing.title, body) if standalone else body


def page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{html.escape(title)}</title><style>body{{font-family:Georgia,serif;max-width:46em;margin:2em auto;"
            "line-height:1.5;padding:0 1em}td,th{border-bottom:1px solid #ddd;padding:.2em .5em;text-align:left}"
            ".meta{color:#555}</style></head><body>" + body + "</body></html>\n")
