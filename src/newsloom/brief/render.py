"""Briefing renderers: Markdown, self-contained HTML (all news text escaped in both) and JSON."""

from __future__ import annotations

import html
from dataclasses import asdict

from ..jsonlines import json_line
from ..markdown import code_span, escape_markdown as md
from ..records import Briefing


def _cite(numbers) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _span(briefing: Briefing) -> str:
    dates = sorted(s.published[:10] for s in briefing.sources if s.published)
    outlets = {s.outlet for s in briefing.sources if s.outlet}
    unknown = sum(1 for s in briefing.sources if not s.outlet)
    when = f" · {dates[0]} to {dates[-1]}" if dates and dates[0] != dates[-1] else (f" · {dates[0]}" if dates else "")
    return f"{articles_from_outlets(len(briefing.sources), len(outlets), unknown)}{when}"


def articles_from_outlets(articles: int, outlets: int, unknown: int) -> str:
    """"5 articles from 2 outlets (3 of unknown outlet)": articles whose outlet is unknown are not outlets."""
    line = f"{articles} article{'s' if articles != 1 else ''}"
    if not outlets:
        return line + (", outlet unknown" if articles == 1 else ", outlets unknown")
    line += f" from {outlets} outlet{'s' if outlets != 1 else ''}"
    return line + (f" ({unknown} of unknown outlet)" if unknown else "")


def _joiner(entry: dict) -> str:
    return {"update": " → ", "conflicting": " vs "}.get(entry["status"], "; ")


def figure_steps(entry: dict) -> list[dict]:
    """The entry's distinct values in date order (``key_figures.steps``); entries stored before steps existed
    get them computed here."""
    from .key_figures import steps

    return entry.get("steps") or steps(entry["values"])


def figure_name(entry: dict) -> str:
    return entry.get("name") or entry.get("subject") or "value"


def _figure_markdown(entry: dict) -> str:
    parts = [f"{md(s['text'])} ({md(', '.join(s['outlets']))}{', ' + md(s['date']) if s['date'] else ''}) "
             f"{_cite(s['sources'])}" for s in figure_steps(entry)]
    return f"- **{md(figure_name(entry))}** ({md(entry['status'])}): {_joiner(entry).join(parts)}"


def _figure_html(entry: dict, cites) -> str:
    e = html.escape
    parts = [f"{e(s['text'])} ({e(', '.join(s['outlets']))}{e(', ' + s['date']) if s['date'] else ''}) "
             f"{cites(s['sources'])}" for s in figure_steps(entry)]
    return (f"<li><b>{e(figure_name(entry))}</b> <span class='status'>({e(entry['status'])})</span>: "
            f"{e(_joiner(entry)).join(parts)}</li>")


def sections_of(briefing: Briefing) -> list[tuple[str, list]]:
    """(title, sentences) for the summary's sections; one "Summary" section for briefings without any."""
    if not briefing.sections:
        return [("Summary", list(briefing.summary))] if briefing.summary else []
    return [(sec.title, [briefing.summary[i] for i in sec.sentences if i < len(briefing.summary)])
            for sec in briefing.sections]


def outlet_rows(briefing: Briefing) -> list[dict]:
    """Per outlet: articles, first and last publication dates, and how many of its articles are copies."""
    rows: dict[str, dict] = {}
    for s in briefing.sources:
        name = s.outlet or "unknown outlet"
        row = rows.setdefault(name, {"outlet": name, "articles": 0, "first": None, "last": None, "copies": 0,
                                     "sources": []})
        row["articles"] += 1
        row["copies"] += 1 if s.copy_of else 0
        row["sources"].append(s.number)
        day = s.published[:10] if s.published else None
        if day:
            row["first"] = min(filter(None, [row["first"], day]))
            row["last"] = max(filter(None, [row["last"], day]))
    return sorted(rows.values(), key=lambda r: (-r["articles"], r["outlet"]))


def _when(row: dict) -> str:
    if not row["first"]:
        return "date unknown"
    return row["first"] if row["first"] == row["last"] else f"{row['first']} to {row['last']}"


def to_markdown(briefing: Briefing) -> str:
    """Every text from the pages is escaped (``md``): pasted into a wiki, the briefing carries no live markup."""
    lines = [f"# {md(briefing.title)}", "", f"*{md(_span(briefing))}*"]
    if briefing.summary:
        lines += ["", "## Summary"]
    for title, sentences in sections_of(briefing):
        if briefing.sections:
            lines += ["", f"### {md(title)}"]
        lines += [""] + [f"{md(s.text)} {_cite(s.citations)}" for s in sentences]
    if briefing.abstract:
        lines += ["", "## In brief (generated, each sentence checked against its sources)", ""]
        lines += [f"{md(g.text)} {_cite(g.citations)}" for g in briefing.abstract]
    if briefing.key_figures:
        lines += ["", "## Key figures", ""]
        lines += [_figure_markdown(e) for e in briefing.key_figures]
        others = briefing.extra.get("other_figures") or []
        if others:
            lines += ["", f"### All figures ({len(others)} more)", ""]
            lines += [_figure_markdown(e) for e in others]
    if briefing.disagreements:
        lines += ["", "## Where sources differ", ""]
        lines += [f"- **{md(figure_name(e))}**: " + "; ".join(
            f"{md(v['text'])} ({md(v['outlet'] or 'unknown outlet')}"
            f"{', ' + md(v['published'][:10]) if v['published'] else ''}) {_cite([v['source']])}"
            for v in e["values"]) for e in briefing.disagreements]
    if briefing.timeline:
        lines += ["", "## Timeline", ""]
        for entry in briefing.timeline:
            lines.append(f"- **{md(entry.date)}**: "
                         + " ".join(f"{md(s.text)} {_cite(s.citations)}" for s in entry.sentences))
    lines += ["", "## Sources", ""]
    for row in outlet_rows(briefing):
        copies = f", {row['copies']} of them copies" if row["copies"] else ""
        lines.append(f"- {md(row['outlet'])}: {row['articles']} article{'s' if row['articles'] != 1 else ''}"
                     f" ({md(_when(row))}){copies} {_cite(row['sources'])}")
    lines.append("")
    for s in briefing.sources:
        copy = f" (copy of [{s.copy_of}])" if s.copy_of else ""
        lines.append(f"{s.number}. {md(s.outlet or 'unknown outlet')}: \"{md(s.title or 'untitled')}\""
                     f" ({md(s.published[:10]) if s.published else 'date unknown'}), {code_span(s.location)}{copy}")
    return "\n".join(lines) + "\n"


def to_json(briefing: Briefing) -> str:
    data = asdict(briefing)
    data["outlets"] = outlet_rows(briefing)
    return json_line(data, indent=2)


def to_html(briefing: Briefing, standalone: bool = True) -> str:
    e = html.escape
    parts = [f"<article class='briefing' id='{e(briefing.story_id)}'>", f"<h1>{e(briefing.title)}</h1>",
             f"<p class='meta'>{e(_span(briefing))}</p>"]

    def cites(numbers) -> str:
        return "".join(f"<a href='#{e(briefing.story_id)}-src-{n}'>[{n}]</a>" for n in numbers)

    if briefing.summary:
        parts.append("<h2>Summary</h2>")
    for title, sentences in sections_of(briefing):
        if briefing.sections:
            parts.append(f"<h3>{e(title)}</h3>")
        parts += [f"<p>{e(s.text)} {cites(s.citations)}</p>" for s in sentences]
    if briefing.abstract:
        parts.append("<h2>In brief <small>(generated, each sentence checked against its sources)</small></h2>")
        parts += [f"<p>{e(g.text)} {cites(g.citations)}</p>" for g in briefing.abstract]
    if briefing.key_figures:
        parts.append("<h2>Key figures</h2><ul>")
        parts += [_figure_html(k, cites) for k in briefing.key_figures]
        parts.append("</ul>")
        others = briefing.extra.get("other_figures") or []
        if others:
            parts.append(f"<details><summary>All figures ({len(others)} more)</summary><ul>")
            parts += [_figure_html(k, cites) for k in others]
            parts.append("</ul></details>")
    if briefing.disagreements:
        parts.append("<h2>Where sources differ</h2><table><tr><th>What</th><th>Value</th><th>Outlet</th>"
                     "<th>Date</th><th>Source</th></tr>")
        for d in briefing.disagreements:
            for v in d["values"]:
                parts.append(f"<tr><td>{e(figure_name(d))}</td><td>{e(v['text'])}</td><td>{e(v['outlet'] or '')}</td>"
                             f"<td>{e((v['published'] or '')[:10])}</td><td>[{v['source']}]</td></tr>")
        parts.append("</table>")
    if briefing.timeline:
        parts.append("<h2>Timeline</h2><dl class='timeline'>")
        for entry in briefing.timeline:
            parts.append(f"<dt>{e(entry.date)}</dt><dd>"
                         + " ".join(f"{e(s.text)} {cites(s.citations)}" for s in entry.sentences) + "</dd>")
        parts.append("</dl>")
    parts.append("<h2>Sources</h2><table><tr><th>Outlet</th><th>Articles</th><th>Dates</th><th>Copies</th>"
                 "<th>Sources</th></tr>")
    for row in outlet_rows(briefing):
        parts.append(f"<tr><td>{e(row['outlet'])}</td><td>{row['articles']}</td><td>{e(_when(row))}</td>"
                     f"<td>{row['copies']}</td><td>{cites(row['sources'])}</td></tr>")
    parts.append("</table><ol>")
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
            ".meta{color:#555}dt{font-weight:bold}dd{margin:0 0 .6em 1.5em}</style></head><body>" + body + "</body></html>\n")
