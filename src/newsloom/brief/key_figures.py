"""Key figures a person reads: a few figure claims, each named by the quantity it counts, series shown as series.

A story's figure claims (reconcile/figures.py) are ranked by how many independent sources report them, then by
how many articles do, then by how central their quantity is (its words in the story's title); claims whose
quantity the parse could name come before unnamed ones. The first ``limit`` (8 by default) are the key figures;
the rest stay available as "all figures". Each entry keeps its values and gets ``name`` (the quantity in words,
with its unit) and ``steps``: the distinct values in date order, each with its outlets, day and sources, so that
an update reads "1,000 -> 5,000 -> 35,000-60,000 barrels a day" and an agreement reads as one value.
"""

from __future__ import annotations

import re
from collections import Counter

MAX_KEY_FIGURES = 8
_WORD = re.compile(r"[A-Za-z][\w'-]*")


def claim_entries(claims: list[dict], figures: dict, numbers: dict[str, int], articles: dict) -> list[dict]:
    """The figure claims worth showing (reported by 2+ independent sources, or conflicting) as entries for
    ``rank_figures``: subject (the unit), status, lineages, values (with source number, outlet and day) and the
    quantities their figures count."""
    entries = []
    for claim in claims:
        if claim.get("kind", "figure") != "figure" or not (claim["lineages"] > 1 or claim["status"] == "conflicting"):
            continue
        date_of = {e["figure_id"]: e.get("date") for e in claim.get("evidence", [])}
        group = [figures[i] for i in claim["figure_ids"] if i in figures]
        values = [{"text": f.text, "value": f.value, "low": f.low, "high": f.high, "sentence": f.sentence,
                   "source": numbers[f.article_id], "outlet": articles[f.article_id].outlet,
                   "published": articles[f.article_id].published, "date": date_of.get(f.id), "time": f.time_text,
                   "attribution": f.attribution} for f in group]
        entries.append({"subject": claim["subject"], "status": claim["status"], "lineages": claim["lineages"],
                        "values": values, "quantities": [f.quantity for f in group]})
    return entries


def quantity_name(quantities: list[str | None], unit: str | None) -> str | None:
    """The group's quantity in words: the phrase its figures name most (ties: the one sharing most words with
    the others), with the unit when the phrase does not say it; None when no figure's quantity was named."""
    named = [q for q in quantities if q]
    if not named:
        return None
    words = [set(w.lower() for w in _WORD.findall(q)) for q in named]
    counts = Counter(named)
    best = max(range(len(named)), key=lambda i: (counts[named[i]], sum(len(words[i] & w) for w in words), -i))
    phrase = re.sub(r"^(?:of|on|in|for|at|from|to|by)\s+", "", named[best]).strip()
    if not phrase:
        return None
    unit_words = set((unit or "").lower().split())
    if unit and not unit_words <= {w.lower() for w in _WORD.findall(phrase)}:
        phrase = f"{phrase} ({unit})"
    return phrase[:1].upper() + phrase[1:]


def steps(values: list[dict]) -> list[dict]:
    """Distinct values in the order they were first reported: text, outlets, first day, sources."""
    ordered = sorted(values, key=lambda v: ((v.get("date") or v.get("published") or "9999")[:10], v["value"]))
    out: list[dict] = []
    for v in ordered:
        same = next((s for s in out if s["low"] <= v["high"] and v["low"] <= s["high"]), None)
        if same is None:
            same = {"text": v["text"], "low": v["low"], "high": v["high"], "value": v["value"], "outlets": [],
                    "date": (v.get("date") or v.get("published") or "")[:10] or None, "sources": []}
            out.append(same)
        outlet = v.get("outlet") or "unknown outlet"
        if outlet not in same["outlets"]:
            same["outlets"].append(outlet)
        if v["source"] not in same["sources"]:
            same["sources"].append(v["source"])
    return out


def rank_figures(entries: list[dict], title: str = "", limit: int = MAX_KEY_FIGURES) -> tuple[list[dict], list[dict]]:
    """(key figures, the rest): ``entries`` as the brief stage builds them (subject, status, lineages, values,
    quantities), each given ``name`` and ``steps``, ranked as the module says."""
    title_words = {w.lower() for w in _WORD.findall(title or "") if len(w) > 3}
    named = []
    for entry in entries:
        entry = dict(entry)
        quantities = entry.pop("quantities", [])
        entry["quantity"] = quantity_name(quantities, entry.get("subject"))
        entry["name"] = entry["quantity"] or (entry.get("subject") or "value")
        entry["steps"] = steps(entry["values"])
        named.append(entry)

    def rank(entry: dict) -> tuple:
        words = {w.lower() for w in _WORD.findall(entry["quantity"] or "")}
        articles = len({v["source"] for v in entry["values"]})
        return (entry["quantity"] is None, -entry["lineages"], -articles, -len(words & title_words), entry["name"])

    named.sort(key=rank)
    return named[:limit], named[limit:]


def figure_line(entry: dict) -> str:
    """One line of plain text: "Name: value (outlets, day) -> value (outlets, day)" for a series, values joined
    by "vs" for a conflict, one value with its outlets otherwise (no citations; renderers add them)."""
    joiner = " -> " if entry["status"] == "update" else (" vs " if entry["status"] == "conflicting" else "; ")
    parts = [f"{s['text']} ({', '.join(s['outlets'])}{', ' + s['date'] if s['date'] else ''})" for s in entry["steps"]]
    return f"{entry['name']}: {joiner.join(parts)}"
