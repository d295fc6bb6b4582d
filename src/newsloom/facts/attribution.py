"""Attribution: who makes a claim, read from the sentence ("according to X", "X said", "said X", "state media
reported") and, failing that, from an agency dateline ("MOSCOW (AP) —", "WASHINGTON (Reuters) -") that opens the
paragraph or the article (a wire report speaks for the agency)."""

from __future__ import annotations

import re

_AGENCIES = r"AP|Reuters|AFP|Xinhua|Yonhap|KCNA|TASS|Interfax|Bloomberg|dpa|ANSA|EFE|PTI|IANS|UPI|CNN|BBC"
_DATELINE = re.compile(rf"^\s*(?P<place>[A-Z][A-Z .,'/-]{{1,40}}?)\s*(?:\(|-LRB-\s*)(?P<agency>{_AGENCIES})"
                       rf"(?:\)|\s*-RRB-)\s*(?:—|–|-{{1,2}}|:)", re.M)
_SPEECH = r"(?:said|says|say|told|reported|reports|announced|stated|estimated|estimates|confirmed|claimed|added|" \
          r"warned|insisted|denied|noted|wrote|predicted|calculated)"
_NAME = r"(?:[A-Z][\w.'’-]*(?:\s+(?:of\s+|the\s+|de\s+|al-)?[A-Z][\w.'’-]*){0,5})"
_GROUP = r"(?:(?:the\s+|a\s+|an\s+)?(?:[A-Z][\w.'’-]*\s+)*(?:state\s+|local\s+|official\s+|government\s+|" \
         r"military\s+|U\.S\.\s+|US\s+|western\s+)?(?i:media|officials?|sources?|agency|ministry|government|" \
         r"spokes(?:man|woman|person)|police|authorities|analysts?|experts?|scientists?|researchers|estimates?|" \
         r"data|reports?|figures|statement|company|military|army|survey|study|witnesses|residents|diplomats?|" \
         r"agencies|department|commission|coast guard|team|group|organi[sz]ation|tv|television|newspaper)\b)"
_PATTERNS = [
    re.compile(rf"\baccording to\s+(?P<who>{_GROUP}(?:\s+(?:of|in|at|from)\s+{_NAME})?|{_NAME}(?:\s*,\s*[^,]{{3,60}}?)?)"
               rf"(?=\s*[,.;]|\s+(?:on|in|at|who|which|that)\b|\s*$)"),
    re.compile(rf"(?P<who>{_GROUP}|{_NAME})(?:\s*,\s*[^,]{{3,80}},)?\s+(?:has\s+|have\s+|had\s+|also\s+|later\s+)?"
               rf"{_SPEECH}\b"),
    re.compile(rf"\b{_SPEECH}\s+(?P<who>{_GROUP}|{_NAME})(?=\s*[,.;]|\s*$|\s+(?:on|in|at|who|which|that)\b)"),
]
_NOT_SPEAKERS = {"it", "he", "she", "they", "this", "that", "which", "who", "the", "a", "an", "there", "i", "we",
                 "but", "and", "however", "in", "on", "the report", "reports", "report"}


def find_attribution(sentence: str) -> str | None:
    """The speaker or source a sentence attributes its content to, as written; None when it states none."""
    for pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            who = " ".join(m.group("who").split()).strip(" ,")
            who = re.sub(r"^(?:But|And|However|Meanwhile|Yet|Also)\s+", "", who)
            if who.lower() in _NOT_SPEAKERS or len(who) < 2:
                continue
            if who.split()[0] in ("The", "A", "An") and len(who.split()) == 1:
                continue
            return who
    return None


class Attributor:
    """Attribution for the sentences of one article: the sentence's own, else the paragraph's (or the
    article's) agency dateline."""

    def __init__(self, text: str):
        self.datelines: list[tuple[int, int, str]] = []  # (paragraph start, paragraph end, agency)
        self.dateline_spans: list[tuple[int, int]] = []  # the datelines' own characters ("MOSCOW (AP) —")
        article_agency = None
        paragraphs = list(re.finditer(r"[^\n]+", text))
        for index, paragraph in enumerate(paragraphs):
            m = _DATELINE.match(paragraph.group())
            if m:
                agency = f"{m.group('agency')} ({m.group('place').strip().title()} dateline)"
                self.datelines.append((paragraph.start(), paragraph.end(), agency))
                self.dateline_spans.append((paragraph.start() + m.start(), paragraph.start() + m.end()))
                # A dateline opening the article (after at most a title line) speaks for all of it.
                if article_agency is None and (index == 0 or (index == 1 and len(paragraphs[0].group()) < 120)):
                    article_agency = agency
        self.article_agency = article_agency

    def in_dateline(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.dateline_spans)

    def attribution(self, sentence: str, offset: int) -> str | None:
        own = find_attribution(sentence)
        if own:
            return own
        for start, end, agency in self.datelines:
            if start <= offset < end:
                return agency
        return self.article_agency
