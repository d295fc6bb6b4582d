"""Time expressions in a sentence, resolved against the article's publication date when it is known.

Explicit dates ("June 2024", "12 January 2010", "Oct. 11, 2004", "in 2009") resolve on their own; relative ones
("on Tuesday", "yesterday", "last week", "earlier this year", "between August and January") resolve against the
publication date, and stay unresolved (``start``/``end`` None) when the date is unknown: never guessed.
Each expression resolves to a day interval [start, end] in ISO form (a month is its first to last day).

A weekday is resolved by the tense of the verb nearest to it, as HeidelTime and SUTime do: "should ease on Sunday"
and "will return on Monday" look forward, "said on Monday" looks back, and "next"/"last" decide on their own.
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
# Every pattern needs a month, a weekday, a period, a deictic day or a year: a text naming none of them (most
# sentences) is passed over after one search instead of one per pattern.
_ANY_TRIGGER = re.compile(rf"{_MONTH}|{_WEEKDAY}|week|month|year|yesterday|today|tonight|tomorrow|{_YEAR}")


@dataclass(frozen=True, slots=True)
class TimeExpr:
    text: str
    span: tuple[int, int]  # offsets in the text searched
    kind: str
    start: str | None  # ISO day, None when it cannot be resolved
    end: str | None


def find_times(text: str, published: str | None = None) -> list[TimeExpr]:
    """Non-overlapping time expressions of ``text``, earliest first, longest pattern winning."""
    if not _ANY_TRIGGER.search(text):
        return []
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
        back, ahead = (anchor.weekday() - target) % 7, (target - anchor.weekday()) % 7
        if rel == "next":
            day = anchor + timedelta(days=ahead or 7)
        elif rel == "last":
            day = anchor - timedelta(days=back or 7)
        else:
            tense = tense_near(m.string, m.start(), m.end())
            if tense == "future":
                day = anchor + timedelta(days=ahead)
            elif rel == "this" and tense is None:  # the one in the publication day's week (weeks start on Monday)
                day = anchor + timedelta(days=target - anchor.weekday())
            else:  # news reports the past: the latest such weekday up to the publication day
                day = anchor - timedelta(days=back)
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


# Tense from the words themselves: timex runs on bare sentences (figures and timelines have no parse), and the
# markers HeidelTime reads from its tagger (MD, VBD, "going to") are closed word classes, except regular past
# forms, taken as lower-case words in -ed that no auxiliary governs (in "will be closed" the auxiliary decides).
# "could not" is read as past inability ("crews could not reach the ridge on Friday"), "could" alone as ahead.
_FUTURE = re.compile(
    r"\b(?:will|shall|would|should|could(?!\s+not|n't)|may|might|must|can|wo(?=n't))\b(?!(?:\s+not|n't)?\s+have\b)"
    r"|'ll\b"
    r"|\b(?:going|due|set|expected|scheduled|planning|planned|plans?|intends?|aims?|hopes?|promised|vowed|pledged"
    r"|threatened|poised|likely|about|ready|has|have)\s+to\b"
    r"(?!\s+(?:the|a|an|his|her|their|its|our|this|that|these|those|them|him|us|me|it)\b)")
_PAST_WORDS = ("was|were|had|did|has|have|said|told|went|came|began|begun|took|made|gave|held|left|met|ran|saw|"
               "found|fell|rose|spoke|wrote|broke|brought|caught|fought|kept|lost|paid|sent|spent|stood|struck|"
               "won|burnt|knew|thought|became|drove|flew|grew|led|heard|felt|sold|built|meant|sat|shot|fled|"
               "swept|threw|woke|withdrew|overtook|forbade|sought|taught|bought|slept|hid|bit|shook|stole|tore")
_PAST = re.compile(rf"\b(?:would|should|could|may|might|must)(?:\s+not|n't)?\s+have\b|\bcould(?:\s+not|n't)"
                   rf"|\b(?:{_PAST_WORDS})\b"
                   r"|(?<!\bbe )(?<!\bbeen )(?<!\bbeing )(?<!\bis )(?<!\bare )(?<!\bam )(?<!\bget )(?<!\bgets )"
                   r"\b(?!(?:hundred|shed|naked|wicked|sacred|rugged|beloved|wretched)\b)[a-z]{2,}(?<!e)ed\b"
                   r"|\b(?:agreed|freed)\b")
# A clause ends at punctuation or a word that opens another one ("said on Friday that the road would reopen").
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s|\b(?:that|which|who|while|but|and|after|before|when|until|because)\b")


def tense_near(text: str, start: int, end: int) -> str | None:
    """"future", "past" or None: the tense marker nearest to ``text[start:end]``, looked for in its clause first,
    then in the whole sentence; a marker after the expression counts as farther than one before it."""
    clause_start = max((b.end() for b in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    following = _CLAUSE_BREAK.search(text, end)
    clause_end = following.start() if following else len(text)
    for lo, hi in ((clause_start, clause_end), (0, len(text))):
        best, best_distance = None, None
        for tense, pattern in (("past", _PAST), ("future", _FUTURE)):
            for marker in pattern.finditer(text, lo, hi):
                if marker.end() <= start:
                    distance = start - marker.end()
                elif marker.start() >= end:
                    distance = (marker.start() - end) * 1.5
                else:
                    continue
                if best_distance is None or distance < best_distance:
                    best, best_distance = tense, distance
        if best:
            return best
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
