"""Time expressions in a sentence, resolved against the article's publication date when it is known.

Explicit dates ("June 2024", "12 January 2010", "Oct. 11, 2004", "in 2009") resolve on their own; relative ones
("on Tuesday", "yesterday", "last week", "earlier this year", "between August and January") resolve against the
publication date, and stay unresolved (``start``/``end`` None) when the date is unknown: never guessed.
Each expression resolves to a day interval [start, end] in ISO form (a month is its first to last day).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_PATTERNS = [
    ("between_months", rf"\bbetween\s+(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?\s+and\s+(?P<m2>{_MONTH})(?:\s+(?P<y2>{_YEAR}))?"),
    ("month_day_year", rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(?P<y>{_YEAR})\b"),
    ("day_month_year", rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH})\s*,?\s+(?P<y>{_YEAR})\b"),
    ("month_day", rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*,?\s*\d)"),
    ("day_month", rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH})\b"),
    ("month_year", rf"\b(?P<m>{_MONTH})\s+(?:of\s+)?(?P<y>{_YEAR})\b"),
    ("relative_period", r"\b(?P<rel>last|this|next|earlier this|later this|early this|late last|earlier last)\s+"
                        r"(?P<unit>week|month|year|weekend)\b"),
    ("weekday", rf"\b(?:(?P<rel>last|next|this|on|early|late)\s+)?(?P<wd>{_WEEKDAY})\b"),
    ("deictic", r"\b(?P<word>yesterday|today|tonight|tomorrow)\b"),
    ("year", rf"\b(?:in|since|by|during|of|from|until)\s+(?P<y>{_YEAR})\b(?!\s*-)"),
    ("month", rf"\b(?:in|since|by|during|from|until|last|this|early|late|mid-?)\s+(?P<m>January|February|March|April|"
              rf"June|July|August|September|October|November|December)\b"),
]
_COMPILED = [(name, re.compile(pattern)) for name, pattern in _PATTERNS]


@dataclass(frozen=True, slots=True)
class TimeExpr:
    text: str
    span: tuple[int, int]  # offsets in the text searched
    kind: str
    start: str | None  # ISO day, None when it cannot be resolved
    end: str | None


def find_times(text: str, published: str | None = None) -> list[TimeExpr]:
    """Non-overlapping time expressions of ``text``, earliest first, longest pattern winning."""
    anchor = _day(published)
    taken: list[tuple[int, int]] = []
    found = []
    for kind, pattern in _COMPILED:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            start, end = _resolve(kind, m, anchor)
            if kind == "month_day" and not _valid_day(m):
                continue
            taken.append((m.start(), m.end()))
            found.append(TimeExpr(m.group(0), (m.start(), m.end()), kind, start, end))
    return sorted(found, key=lambda t: t.span)


def _valid_day(m: re.Match) -> bool:
    return 1 <= int(m.group("d")) <= 31


def _day(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _iso(span) -> tuple[str | None, str | None]:
    if span is None:
        return None, None
    return span[0].isoformat(), span[1].isoformat()


def _resolve(kind: str, m: re.Match, anchor: date | None) -> tuple[str | None, str | None]:
    try:
        return _iso(_resolve_span(kind, m, anchor))
    except (ValueError, KeyError):
        return None, None


def _latest_year_for(month: int, anchor: date) -> int:
    """A month named without a year: the latest such month not after the publication date."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _resolve_span(kind: str, m: re.Match, anchor: date | None):
    g = m.groupdict()
    if kind in ("month_day_year", "day_month_year"):
        day = date(int(g["y"]), _month(g["m"]), int(g["d"]))
        return day, day
    if kind == "month_year":
        return _month_span(int(g["y"]), _month(g["m"]))
    if kind == "year":
        y = int(g["y"])
        return date(y, 1, 1), date(y, 12, 31)
    if anchor is None:
        return None
    if kind in ("month_day", "day_month"):
        month = _month(g["m"])
        year = _latest_year_for(month, anchor)
        day = date(year, month, int(g["d"]))
        if day > anchor + timedelta(days=31):
            day = date(year - 1, month, int(g["d"]))
        return day, day
    if kind == "month":
        month = _month(g["m"])
        return _month_span(_latest_year_for(month, anchor), month)
    if kind == "between_months":
        m1, m2 = _month(g["m1"]), _month(g["m2"])
        y2 = int(g["y2"]) if g.get("y2") else _latest_year_for(m2, anchor)
        y1 = int(g["y1"]) if g.get("y1") else (y2 if m1 <= m2 else y2 - 1)
        return _month_span(y1, m1)[0], _month_span(y2, m2)[1]
    if kind == "deictic":
        offset = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[g["word"]]
        day = anchor + timedelta(days=offset)
        return day, day
    if kind == "weekday":
        target = WEEKDAYS[g["wd"].lower()]
        rel = (g.get("rel") or "").lower()
        back = (anchor.weekday() - target) % 7
        if rel == "next":
            ahead = (target - anchor.weekday()) % 7 or 7
            day = anchor + timedelta(days=ahead)
        else:  # news reports the past: the latest such weekday up to the publication day
            day = anchor - timedelta(days=back + (7 if rel == "last" and back == 0 else 0))
        return day, day
    if kind == "relative_period":
        rel, unit = g["rel"].lower(), g["unit"]
        shift = -1 if "last" in rel else (1 if rel == "next" else 0)
        if unit in ("week", "weekend"):
            monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=shift)
            return monday, monday + timedelta(days=6)
        if unit == "month":
            month_index = anchor.year * 12 + anchor.month - 1 + shift
            return _month_span(month_index // 12, month_index % 12 + 1)
        year = anchor.year + shift
        start, end = date(year, 1, 1), date(year, 12, 31)
        if rel.startswith("earlier") and shift == 0:
            end = anchor
        return start, end
    return None


def nearest_time(times: list[TimeExpr], span: tuple[int, int], text: str | None = None) -> TimeExpr | None:
    """The time expression closest to ``span`` (same sentence ``text``), preferring one that follows it. With
    ``text``, an expression in another clause (a comma, semicolon or dash between) is passed over unless it
    opens the sentence ("On Tuesday, ...")."""
    best, best_distance = None, None
    for t in times:
        if t.kind == "year" and t.span[0] <= span[0] <= t.span[1]:
            continue
        if text is not None:
            between = text[span[1]:t.span[0]] if t.span[0] >= span[1] else text[t.span[1]:span[0]]
            if re.search(r"[,;—–]|\s-\s|-LRB-", between) and not (t.span[0] < span[0] and t.span[0] <= 3):
                continue
        distance = t.span[0] - span[1] if t.span[0] >= span[1] else (span[0] - t.span[1]) * 1.5
        if distance < 0:
            continue
        if best_distance is None or distance < best_distance:
            best, best_distance = t, distance
    return best
