"""Figures: a number, its qualifier as an interval, and the thing it counts.

Written by hand: NER labels a span as CARDINAL or QUANTITY but says neither what is counted nor how a
qualifier ("about", "over", "up to") widens the value, which is what cross-checking sources needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Figure, content_id
from ..sentences import split_sentences

_QUALIFIERS = {
    # qualifier -> (low factor, high factor) applied to the stated value
    "about": (0.95, 1.05), "around": (0.95, 1.05), "approximately": (0.95, 1.05), "roughly": (0.95, 1.05),
    "some": (0.95, 1.05), "an estimated": (0.95, 1.05), "estimated": (0.95, 1.05), "nearly": (0.9, 1.0),
    "almost": (0.9, 1.0), "close to": (0.9, 1.0), "over": (1.0, 1.1), "more than": (1.0, 1.1),
    "at least": (1.0, 1.5), "up to": (0.5, 1.0), "as many as": (0.5, 1.0), "as much as": (0.5, 1.0),
    "fewer than": (0.5, 1.0), "less than": (0.5, 1.0), "under": (0.5, 1.0),
}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "tn": 1e12}
_CURRENCIES = {"$": "dollars", "us$": "dollars", "£": "pounds", "€": "euros", "¥": "yen", "#": "pounds"}
# Counted things that mean the same for cross-checking.
_UNIT_SYNONYMS = {"soldier": "troops", "soldiers": "troops", "troop": "troops", "troops": "troops", "servicemen": "troops", "serviceman": "troops",
                  "person": "people", "persons": "people", "dead": "deaths", "death": "deaths", "deaths": "deaths", "fatalities": "deaths",
                  "percent": "percent", "per cent": "percent", "%": "percent", "bbl": "barrels"}
_STOP = {"the", "a", "an", "of", "to", "in", "on", "at", "and", "or", "for", "from", "by", "with", "as", "that",
         "this", "was", "were", "is", "are", "be", "been", "has", "have", "had", "will", "would", "who", "which",
         "since", "between", "after", "before", "into", "than", "per", "said", "say", "says", "last", "this", "next",
         "each", "year", "years", "day", "days", "week", "weeks", "month", "months", "times", "time", "-lrb-",
         "-rrb-", "new", "more", "other", "its", "their", "his", "her"}
_MONTHS = ("january february march april may june july august september october november december jan feb mar "
           "apr jun jul aug sep sept oct nov dec").split()

_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_PATTERN = re.compile(
    r"(?P<qual>\b(?:" + "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True)) + r")\s+)?"
    r"(?P<cur>US\$|\$|£|€|¥|# )?\s?" + _NUMBER +
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|m|k|b)\b)?"
    r"(?P<pct>\s?%|\s+per\s?cent\b|\s+percent\b)?"
    r"(?P<rest>(?:[\s-]+[A-Za-z][\w'’-]*){0,4})",
    re.I)


def extract_figures(article_id: str, text: str) -> Iterator[Figure]:
    for sentence, (s_start, _) in split_sentences(text):
        for match in _PATTERN.finditer(sentence):
            figure = _figure(article_id, sentence, s_start, match)
            if figure:
                yield figure


def _figure(article_id: str, sentence: str, offset: int, m: re.Match) -> Figure | None:
    raw = m.group("num")
    before = sentence[: m.start("num")].rstrip().lower()
    if re.search(r"\d[.,]?$|[/:]$", before) or re.match(r"[/:.]\d", sentence[m.end("num"):m.end("num") + 2]):
        return None  # part of a date, time, ratio or a longer number
    value = float(raw.replace(",", ""))
    if m.group("scale"):
        value *= _SCALES[m.group("scale").lower()]
    unit, used_words = _counted_thing(m)
    if m.group("pct"):
        unit = "percent"
    elif m.group("cur"):
        unit = _CURRENCIES[m.group("cur").strip().lower()]
    if unit is None:
        return None  # a bare number says nothing checkable
    last_word = before.split()[-1] if before.split() else ""
    if last_word in _MONTHS or (not m.group("cur") and "," not in raw and 1800 <= value <= 2100
                                and not m.group("scale") and unit not in ("people", "troops")):
        return None  # a day of a month or a year
    qualifier = (m.group("qual") or "").strip().lower() or None
    low_f, high_f = _QUALIFIERS.get(qualifier, (1.0, 1.0))
    start = m.start("qual") if qualifier else (m.start("cur") if m.group("cur") else m.start("num"))
    end = m.start("rest") + _offset_after_words(m.group("rest"), used_words)
    end = max(end, m.end("pct") if m.group("pct") else m.end("num"))
    surface = sentence[start:end].strip()
    return Figure(id=content_id("fig", article_id, str(offset + start), surface), article_id=article_id,
                  text=surface, value=value, low=value * low_f, high=value * high_f, unit=unit, qualifier=qualifier,
                  sentence=sentence, span=(offset + start, offset + start + len(surface)))


def _counted_thing(m: re.Match) -> tuple[str | None, int]:
    """The noun a number counts: the first plural-looking word in the next few, skipping adjectives.
    Returns (unit, number of words used)."""
    words = re.findall(r"[A-Za-z][\w'’-]*", m.group("rest") or "")
    for i, word in enumerate(words[:4]):
        lower = word.lower()
        if lower in _STOP:
            break
        if lower in _UNIT_SYNONYMS:
            return _UNIT_SYNONYMS[lower], i + 1
        if lower in ("people", "children", "men", "women", "police", "staff", "personnel", "cattle"):
            return lower, i + 1
        if len(lower) > 3 and lower.endswith("s") and not lower.endswith("ss") and not word[0].isupper():
            unit = _UNIT_SYNONYMS.get(lower, lower)
            after = m.string[m.start("rest"):].lower()
            after = after[after.find(lower) + len(lower):]
            if unit == "barrels" and re.match(r"\s*(?:of (?:crude |crude oil |oil )?)?(?:a|per|each)\s+day", after):
                return "barrels a day", i + 1
            return unit, i + 1
    return None, 0


def _offset_after_words(rest: str, count: int) -> int:
    if count == 0:
        return 0
    matches = list(re.finditer(r"[A-Za-z][\w'’-]*", rest))
    return matches[count - 1].end() if len(matches) >= count else len(rest)
