"""Figures: a number, its qualifier as an interval, the thing it counts, when, and who says so.

Written by hand: NER labels a span as CARDINAL or QUANTITY but says neither what is counted nor how a
qualifier ("about", "over", "up to") widens the value, which is what cross-checking sources needs.

What counts as a figure: a number written with digits that quantifies something (a count, money, a percentage,
a measurement, a rate such as "barrels a day", an earthquake's magnitude). Not figures: dates, years, clock
times, ages, ordinals, durations ("90 days", "a 42-year rule"), identifiers ("Channel 4", "a 747"), number-noun
modifiers other than measurements ("a 10-person tent"), and spelled-out numbers (not read).
Ranges ("12,000 to 19,000 barrels a day", "between 20 and 25 degrees") are one figure whose interval is the range.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Figure, content_id
from ..sentences import split_sentences
from .attribution import Attributor
from .timex import find_times, nearest_time

_QUALIFIERS = {
    # qualifier -> (low factor, high factor) applied to the stated value
    "about": (0.95, 1.05), "around": (0.95, 1.05), "approximately": (0.95, 1.05), "roughly": (0.95, 1.05),
    "some": (0.95, 1.05), "an estimated": (0.95, 1.05), "estimated": (0.95, 1.05), "approx.": (0.95, 1.05),
    "nearly": (0.9, 1.0), "almost": (0.9, 1.0), "close to": (0.9, 1.0), "just under": (0.9, 1.0),
    "over": (1.0, 1.1), "more than": (1.0, 1.1), "just over": (1.0, 1.05), "upwards of": (1.0, 1.2),
    "in excess of": (1.0, 1.2), "above": (1.0, 1.1), "well over": (1.05, 1.5), "at least": (1.0, 1.5),
    "a minimum of": (1.0, 1.5), "up to": (0.5, 1.0), "as many as": (0.5, 1.0), "as much as": (0.5, 1.0),
    "as high as": (0.5, 1.0), "at most": (0.5, 1.0), "a maximum of": (0.5, 1.0), "fewer than": (0.5, 1.0),
    "less than": (0.5, 1.0), "under": (0.5, 1.0), "below": (0.5, 1.0),
}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "tn": 1e12}
_CURRENCIES = {"$": "dollars", "us$": "dollars", "£": "pounds", "€": "euros", "¥": "yen", "#": "pounds"}
# Words after a number that name a measurement unit (abbreviations expanded), singular or plural.
_MEASURES = {
    "ft": "feet", "feet": "feet", "foot": "feet", "in": "inches", "inch": "inches", "inches": "inches",
    "m": "metres", "metre": "metres", "metres": "metres", "meter": "metres", "meters": "metres",
    "km": "kilometres", "kilometre": "kilometres", "kilometres": "kilometres", "kilometer": "kilometres",
    "kilometers": "kilometres", "mile": "miles", "miles": "miles", "mi": "miles", "kg": "kilograms",
    "kilogram": "kilograms", "kilograms": "kilograms", "kilo": "kilograms", "kilos": "kilograms",
    "lb": "pounds weight", "lbs": "pounds weight", "tonne": "tonnes", "tonnes": "tonnes", "ton": "tons",
    "tons": "tons", "gallon": "gallons", "gallons": "gallons", "litre": "litres", "litres": "litres",
    "liter": "litres", "liters": "litres", "barrel": "barrels", "barrels": "barrels", "bbl": "barrels",
    "acre": "acres", "acres": "acres", "hectare": "hectares", "hectares": "hectares", "degree": "degrees",
    "degrees": "degrees", "mph": "miles an hour", "kph": "kilometres an hour", "km/h": "kilometres an hour",
    "p": "pence", "pence": "pence", "cent": "cents", "cents": "cents", "magnitude": "magnitude",
    "yard": "yards", "yards": "yards", "mw": "megawatts", "megawatts": "megawatts", "bpd": "barrels a day",
    "b/d": "barrels a day", "dollars": "dollars", "dollar": "dollars", "euros": "euros", "pounds": "pounds",
    "yen": "yen", "yuan": "yuan", "rupees": "rupees", "dinars": "dinars",
}
_AREA = {"miles": "square miles", "kilometres": "square kilometres", "metres": "square metres", "feet": "square feet"}
_TIME_UNITS = {"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month",
               "months", "year", "years", "decade", "decades", "century", "centuries", "night", "nights",
               "weekend", "weekends", "-year-old", "year-old", "years-old"}
_RATE_PER = {"day": "day", "week": "week", "month": "month", "year": "year", "hour": "hour", "barrel": "barrel",
             "pound": "pound", "share": "share", "gallon": "gallon", "ton": "ton", "tonne": "tonne",
             "person": "person", "head": "head", "kilogram": "kilogram", "kg": "kilogram", "litre": "litre",
             "minute": "minute", "second": "second", "night": "night", "annum": "year", "capita": "person"}
# Counted things that mean the same for cross-checking.
UNIT_SYNONYMS = {"soldier": "troops", "soldiers": "troops", "troop": "troops", "troops": "troops",
                  "servicemen": "troops", "serviceman": "troops", "person": "people", "persons": "people",
                  "dead": "deaths", "death": "deaths", "deaths": "deaths", "fatalities": "deaths"}
_IRREGULAR_PLURALS = {"people", "children", "men", "women", "police", "staff", "personnel", "cattle", "sheep",
                      "fish", "aircraft", "livestock", "troops", "crew", "dead", "wounded", "injured", "homeless",
                      "refugees", "feet", "teeth", "geese", "mice", "deer", "militia", "infantry"}
_STOP = {"the", "a", "an", "of", "to", "in", "on", "at", "and", "or", "for", "from", "by", "with", "as", "that",
         "this", "was", "were", "is", "are", "be", "been", "has", "have", "had", "will", "would", "who", "which",
         "since", "between", "after", "before", "into", "than", "per", "said", "say", "says", "last", "next",
         "each", "times", "time", "-lrb-", "-rrb-", "its", "their", "his", "her", "it", "they", "he", "she",
         "we", "but", "not", "so", "if", "when", "where", "while", "out", "up", "down", "off", "over", "under",
         "about", "around", "across", "against", "through", "during", "including", "such", "all", "both",
         "these", "those", "there", "here", "also", "already", "still", "only", "just", "even", "now", "then",
         "could", "should", "may", "might", "can", "must", "did", "do", "does", "being"}
_MODIFIERS_SKIPPABLE = {"more", "additional", "other", "extra", "further", "new", "some", "million", "billion",
                        "thousand", "of"}
_MONTH_WORDS = set("january february march april may june july august september october november december jan feb "
                   "mar apr jun jul aug sep sept oct nov dec".split())
_CLOCK = re.compile(r"^\s*(?:a\.?m\.?|p\.?m\.?|bst|gmt|est|edt|cet|cst|pst|pdt|utc|et|local time)\b", re.I)
_KILL_CUE = re.compile(r"\b(?:killed|killing|kills|kill|dead|died|die|death toll|toll|deaths of|claimed|"
                       r"wounded|injured|injuring|wounding)\b(?:\s+(?:at least|more than|over|about|around|some|"
                       r"nearly|almost|as many as|up to|an estimated|another))?\s*$", re.I)
_CHANGE_VERB = re.compile(r"\b(?:rose|rise|rises|rising|risen|raised|raise|increased|increase|increases|jumped|"
                          r"climbed|grew|fell|fall|falls|dropped|drop|cut|lowered|revised|doubled|up|down|upgraded|"
                          r"downgraded|went|soared|surged|declined|decreased|slashed|boosted)\b[^.;]{0,40}$", re.I)

_QUAL = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = re.compile(rf"(?<![\w.,/:#$£€¥-])(?:{_NUM})(?![\d])|(?<=[$£€¥#])(?:{_NUM})(?![\d])|(?<=[$£€¥#] )(?:{_NUM})(?![\d])")
_CURRENCY_BEFORE = re.compile(r"(US\$|\$|£|€|¥|#)\s?$")
_QUALIFIER_BEFORE = re.compile(rf"\b({_QUAL})\s+$", re.I)
_SCALE_AFTER = re.compile(r"^\s?(thousand|million|billion|trillion|bn|mn|tn|m|k|b)\b(?!/)", re.I)
_PERCENT_AFTER = re.compile(r"^\s?(%|per ?cent\b|percent\b|percentage points?\b)", re.I)
_RANGE_AFTER = re.compile(rf"^\s*(?:-|–|to|-\s*to|and|or)\s*(?P<cur>US\$|\$|£|€|¥|#)?\s?(?P<num>{_NUM})(?![\d])")
_WORD = re.compile(r"[A-Za-z][\w'’/.-]*")


def extract_figures(article_id: str, text: str, published: str | None = None) -> Iterator[Figure]:
    attributor = Attributor(text)
    for sentence, (s_start, _) in split_sentences(text):
        if not any(ch.isdigit() for ch in sentence):
            continue
        times = None
        previous_unit = None
        for found in sentence_figures(sentence):
            start, end, value, low, high, unit, qualifier, counted = found
            if unit in ("others", "more") and previous_unit:
                unit = previous_unit
            elif unit in ("others", "more"):
                continue
            previous_unit = unit
            if times is None:
                times = find_times(sentence, published)
            when = nearest_time(times, (start, end), sentence)
            surface = sentence[start:end]
            yield Figure(id=content_id("fig", article_id, str(s_start + start), surface), article_id=article_id,
                         text=surface, value=value, low=low, high=high, unit=unit, qualifier=qualifier,
                         sentence=sentence, span=(s_start + start, s_start + end), counted=counted,
                         time_text=when.text if when else None, time_start=when.start if when else None,
                         time_end=when.end if when else None,
                         attribution=attributor.attribution(sentence, s_start))


def sentence_figures(sentence: str) -> Iterator[tuple]:
    """(start, end, value, low, high, unit, qualifier, counted phrase) for each figure of one sentence."""
    consumed_until = -1
    for m in _NUMBER.finditer(sentence):
        if m.start() < consumed_until:
            continue
        found = _read_figure(sentence, m)
        if found is None:
            continue
        consumed_until = found[1]
        yield found


def _parse_number(raw: str) -> float:
    return float(raw.replace(",", ""))


def _read_figure(sentence: str, m: re.Match):
    raw = m.group()
    before = sentence[: m.start()]
    after = sentence[m.end():]
    lower_before = before.lower()
    if re.search(r"(?:\d[.,]?\s?|[/:])$", before) and not _CURRENCY_BEFORE.search(before):
        return None
    if re.match(r"^(?:[:/]\d|\.\d|st\b|nd\b|rd\b|th\b|s\b|'s\b)", after) or _CLOCK.match(after):
        return None  # a clock time, a ratio, an ordinal, a decade
    last_word = (_WORD.findall(lower_before[-20:]) or [""])[-1].rstrip(".")
    if last_word in _MONTH_WORDS or re.match(r"^\s*(?:" + "|".join(_MONTH_WORDS) + r")\b\.?", after.lower()):
        return None  # a day of a month
    if re.search(r"\baged?\s*$", lower_before) or re.match(r"^\s?-?\s?years?[- ]old\b", after.lower()):
        return None  # an age
    value = _parse_number(raw)
    start, end = m.start(), m.end()
    cur_match = _CURRENCY_BEFORE.search(before)
    currency = _CURRENCIES[cur_match.group(1).lower()] if cur_match else None
    if cur_match and cur_match.group(1) == "#" and not before.endswith("# "):
        return None  # "#1": a rank or hashtag, not PTB-escaped pounds
    if cur_match:
        start = cur_match.start()
    # An age between commas after a name: "Cox , 56 , a former congressman".
    if re.search(r"[A-Z][a-z]+\s?,\s?$", before) and re.match(r"^\s?,", after) and value < 120 and "." not in raw:
        return None
    scale_match = _SCALE_AFTER.match(after)
    scale = 1.0
    rest_at = end
    unit = None
    if scale_match:
        word = scale_match.group(1).lower()
        following = after[scale_match.end():]
        next_word = (_WORD.findall(following[:30]) or [""])[0]
        if word in ("m", "k", "b") and not currency and not _plural_noun(next_word):
            scale_match = None  # "1.06 m" (metres), not millions
        if scale_match:
            scale = _SCALES[word]
            rest_at = end + scale_match.end()
    value *= scale
    low = high = value
    qualifier = None
    q_match = _QUALIFIER_BEFORE.search(sentence[:start])
    if q_match:
        qualifier = q_match.group(1).lower()
        start = q_match.start()
    # A range: "12,000 to 19,000", "between 20 and 25", "200 or 300", "$ 50 million to $ 60 million".
    range_match = _RANGE_AFTER.match(sentence[rest_at:])
    is_range = False
    if range_match:
        connector = sentence[rest_at:rest_at + range_match.start("num")].strip().lower()
        second = _parse_number(range_match.group("num"))
        is_between = re.search(r"\bbetween\s+(?:US\$|\$|£|€|#)?\s?$", sentence[:m.start()].lower())
        # "rose from 5,000 to 12,000", "has risen by $7.7bn to $39.9bn": a change and a new level, not a range
        change = re.search(r"\b(?:from|by)\s+(?:US\$|\$|£|€|#)?\s?$", sentence[:m.start()].lower())
        from_change = change and _CHANGE_VERB.search(sentence[:change.start()].lower())
        ok = (connector.startswith(("and",)) and is_between) or (connector.startswith(("-", "–", "to", "or"))
                                                                  and not from_change)
        r_after = sentence[rest_at + range_match.end():]
        r_scale = _SCALE_AFTER.match(r_after)
        second_scale = _SCALES[r_scale.group(1).lower()] if r_scale and (
            currency or r_scale.group(1).lower() not in ("m", "k", "b")
            or _plural_noun((_WORD.findall(r_after[r_scale.end():][:30]) or [""])[0])) else None
        if ok and not re.match(r"^(?:[:/]\d|\.\d|st\b|nd\b|rd\b|th\b)", r_after):
            second_value = second * (second_scale or scale)
            if scale == 1.0 and second_scale and second * second_scale / value > 1000:
                value *= second_scale  # "5 to 6 million": the scale applies to both
            if second_value > value and second_value / max(value, 1e-9) < 100:
                is_range = True
                low, high = value, second_value
                if is_between and sentence[:m.start()].lower().rstrip().endswith(("between", "$", "#")):
                    start = min(start, sentence.lower().rfind("between", 0, m.start()))
                rest_at = rest_at + range_match.end() + (r_scale.end() if second_scale else 0)
                value = (low + high) / 2
    tail = sentence[rest_at:]
    counted = None
    pct = _PERCENT_AFTER.match(tail)
    if pct:
        unit = "percentage points" if "point" in pct.group(1).lower() else "percent"
        rest_at += pct.end()
    elif currency:
        unit = currency
        hyphen_rate = re.match(r"^-an?-(\w+)", tail)
        if hyphen_rate and hyphen_rate.group(1).lower() in _RATE_PER:
            unit += " a " + _RATE_PER[hyphen_rate.group(1).lower()]
            rest_at += hyphen_rate.end()
    else:
        unit, counted, used = _counted(sentence, rest_at)
        if unit is None:
            before_q = sentence[:start].lower()
            if _KILL_CUE.search(before_q) or _KILL_CUE.search(sentence[:m.start()].lower()):
                unit = "people"
            elif re.match(r"^\s*-?\s*magnitude\b", tail, re.I) or re.search(r"\bmagnitude[- ]?(?:of\s+)?$", before_q):
                unit = "magnitude"
                mm = re.match(r"^\s*-?\s*magnitude\b", tail, re.I)
                rest_at += mm.end() if mm else 0
            else:
                return None
        else:
            rest_at += used
    if unit in _TIME_UNITS:
        return None  # a duration or an age
    if not currency and unit not in ("percent", "percentage points", "magnitude") and "," not in raw \
            and "." not in raw and 1800 <= value <= 2100 and scale == 1.0 and not is_range \
            and (re.search(r"\b(?:in|since|by|during|from|until|of|the|mid-?|early|late|year)\s*$", lower_before)
                 or unit not in ("people", "troops")):
        return None  # a year
    if re.search(r"\b(?:a|an)\s+(?:US\$|\$|£|€|#)?\s?$", sentence[:m.start()].lower()) and not currency \
            and unit not in ("percent", "magnitude") and not scale_match and unit not in _MEASURES.values():
        return None  # "a 747 aircraft": a name or model, not a count
    rate = re.match(r"^\s*(?:-LRB-[^()]*?-RRB-|\([^()]*\))?\s*(?:of\s+(?:\w+\s+){0,2}?)?(?:a|an|per|each|every)\s+"
                    r"(\w+)\b|^\s*(?:-LRB-[^()]*?-RRB-|\([^()]*\))?\s*(daily|annually|a-day)\b",
                    sentence[rest_at:])
    if rate and unit not in ("percent", "percentage points"):
        per = (rate.group(1) or "").lower()
        per = {"daily": "day", "a-day": "day", "annually": "year"}.get((rate.group(2) or "").lower(), per)
        if per in _RATE_PER and " a " not in unit and not (unit == "pence" and per == "share"):
            unit = f"{unit} a {_RATE_PER[per]}"
            rest_at += rate.end()
    low_f, high_f = _QUALIFIERS.get(qualifier, (1.0, 1.0))
    if not is_range:
        low, high = value * low_f, value * high_f
    elif (low_f, high_f) != (0.95, 1.05):  # "an estimated 12,000 to 19,000" is that range; "up to" etc. widen it
        low, high = low * min(low_f, 1.0), high * max(high_f, 1.0)
    end = max(rest_at, m.end())
    surface = sentence[start:end].rstrip(" -,")
    return start, start + len(surface), value, low, high, unit, qualifier, counted


def _plural_noun(word: str) -> bool:
    lower = word.lower()
    if not lower:
        return False
    if lower in _IRREGULAR_PLURALS or lower in UNIT_SYNONYMS:
        return True
    if word[0].isupper():
        return bool(re.search(r"(?:ans|ese|is|ers)$", word)) and len(word) > 4
    return len(lower) > 3 and lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and lower not in _STOP


def _counted(sentence: str, at: int) -> tuple[str | None, str | None, int]:
    """The unit or noun a number counts, from the words after it: (unit, counted phrase, characters used)."""
    tail = sentence[at:]
    hyphen = re.match(r"^-([A-Za-z]+)\b", tail)
    if hyphen:
        word = hyphen.group(1).lower()
        if word in _MEASURES and word not in ("in", "p"):
            return _MEASURES[word], None, hyphen.end()
        return None, None, 0  # "a 10-person tent", "a 42-year rule": a modifier
    attached = re.match(r"^(ft|in|m|km|mi|kg|lb|lbs|p|mph|kph|bpd|mw|km/h)\b", tail, re.I)
    if attached:
        word = attached.group(1).lower()
        return _MEASURES[word], None, attached.end()
    words = list(_WORD.finditer(tail[:80]))
    for i, wm in enumerate(words[:5]):
        word = wm.group().rstrip(".")
        lower = word.lower()
        gap = tail[(words[i - 1].end() if i else 0):wm.start()]
        if i and re.search(r"[,;:()]|-LRB-|-RRB-", gap):
            break
        if i == 0 and lower in _MEASURES and lower not in ("in", "p", "m"):
            unit = _MEASURES[lower]
            if lower == "square" or unit in _AREA and i > 0 and words[i - 1].group().lower() == "square":
                unit = _AREA[unit]
            if unit == "barrels":
                return _barrels(tail, wm.end(), unit)
            return unit, word, wm.end()
        if lower == "square" and i + 1 < len(words) and words[i + 1].group().lower() in _MEASURES:
            unit = _AREA.get(_MEASURES[words[i + 1].group().lower()])
            if unit:
                return unit, None, words[i + 1].end()
        if lower in ("m", "in", "p") and i == 0:
            if lower == "m":
                return "metres", None, wm.end()
            return None, None, 0
        if lower in ("parts",) and re.match(r"^\s+per\s+(million|billion)", tail[wm.end():]):
            pm = re.match(r"^\s+per\s+(million|billion)", tail[wm.end():])
            return f"parts per {pm.group(1)}", None, wm.end() + pm.end()
        if lower in _TIME_UNITS:
            return lower, None, wm.end()
        if lower in ("others", "more") and (i + 1 >= len(words) or not _plural_noun(words[i + 1].group())):
            return lower, None, wm.end()
        if _plural_noun(word):
            unit = UNIT_SYNONYMS.get(lower, lower)
            counted = tail[words[0].start():wm.end()]
            if unit == "barrels":
                return _barrels(tail, wm.end(), unit)
            return unit, counted, wm.end()
        if lower in _STOP and lower not in _MODIFIERS_SKIPPABLE:
            break
        if i >= 3:
            break
    return None, None, 0


def _barrels(tail: str, at: int, unit: str) -> tuple[str, str, int]:
    rate = re.match(r"^\s*(?:-LRB-[^()]*?-RRB-\s*|\([^()]*\)\s*)?(?:of\s+(?:crude\s+|crude oil\s+|oil\s+)?)?"
                    r"(?:(?:a|per|each|every)\s+day|daily|a-day)\b", tail[at:])
    if rate:
        return "barrels a day", tail[:at + rate.end()].strip(), at + rate.end()
    return unit, tail[:at].strip(), at


# -- what a figure counts, from the dependency parse ---------------------------------------------------------------
# Hand-written over spaCy's parse: no library names the quantity a number measures ("BP spent on the response",
# "workers killed", "compensation fund"); the parse gives the pieces (the noun the number modifies, the verb and
# its subject, prepositional heads), this picks and orders them.

_UNIT_WORDS = {"$", "£", "€", "¥", "#", "us$", "m", "bn", "b", "mn", "k", "tn", "million", "billion", "thousand",
               "trillion", "percent", "%", "per", "cent", "dollars", "dollar", "pounds", "euros", "a", "an", "day",
               "week", "month", "year"} | set(_MEASURES)
_HOLDER_DEPS = ("nsubj", "nsubjpass", "agent")
_NOUN_LINKS = ("nummod", "quantmod", "compound", "nmod", "amod", "poss", "appos")
_VERB_LINKS = ("dobj", "nsubj", "nsubjpass", "attr", "npadvmod", "oprd", "conj", "appos", "advmod", "dative")
_TIME_NOUNS = _TIME_UNITS | _MONTH_WORDS | {"today", "yesterday", "week", "weekend", "morning", "evening", "night",
                                            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                            "sunday", "time", "date", "far"}
_MAX_QUANTITY_WORDS = 7


def _is(token, *tags: str) -> bool:
    """Whether the token's fine-grained (Penn Treebank) tag starts with one of ``tags``: the facts stage's pipeline
    tags and parses but leaves out the attribute ruler that would set coarse parts of speech."""
    return token.tag_.startswith(tags)


def quantity_phrase(doc, start: int, end: int) -> str | None:
    """The quantity a figure at characters ``start:end`` of a parsed ``doc`` counts, in words taken from the
    sentence in reading order: its counted noun ("workers"), the noun it sizes ("compensation fund"), or the verb
    with its subject and object ("BP spent on response"). None when the parse gives nothing but the unit."""
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return None
    ids = {t.i for t in inside}
    anchors = [t for t in inside if t.head.i not in ids or t.head.i == t.i]
    anchor = anchors[-1] if anchors else inside[-1]
    chosen: set[int] = set()

    def add_noun(token, inside_ok: bool = False) -> bool:
        if (token.i in ids and not inside_ok) or not _is(token, "NN") or token.lower_ in _TIME_NOUNS \
                or not re.fullmatch(r"[A-Za-z][A-Za-z'’.-]*", token.text) or token.text in ("-LRB-", "-RRB-") \
                or token.lower_ in _UNIT_WORDS or token.ent_type_ in ("DATE", "TIME", "CARDINAL", "MONEY",
                                                                      "QUANTITY", "PERCENT"):
            return False
        chosen.add(token.i)
        for child in token.children:
            if child.dep_ in ("compound", "amod", "poss") and child.i not in ids and not child.is_stop \
                    and re.fullmatch(r"[A-Za-z][A-Za-z'’.-]*", child.text) and not _is(child, "PRP", "WP"):
                chosen.add(child.i)
        return True

    def add_preps(token, limit: int = 1, inside_ok: bool = False) -> None:
        found = 0
        for prep in token.children:  # only after the word: "In recent developments, ..." frames, it does not name
            if prep.dep_ != "prep" or found >= limit or prep.i < token.i:
                continue
            for obj in prep.children:
                if obj.dep_ == "pobj" and add_noun(obj, inside_ok):
                    chosen.add(prep.i)
                    found += 1

    def add_verb(verb, via: str) -> None:
        if verb.lower_ in ("is", "was", "are", "were", "be", "been", "being", "'s"):
            for child in verb.children:  # "the bill could be $20bn": the subject is the thing
                if child.dep_ in _HOLDER_DEPS and child.i not in ids:
                    add_noun(child)
                    add_preps(child)
            return
        chosen.add(verb.i)
        for child in verb.children:
            if child.dep_ in _HOLDER_DEPS and child.i not in ids and add_noun(child):
                add_preps(child)  # "the death toll from the earthquake rose to 3,000"
            elif child.dep_ == "dobj" and child.i not in ids and via != "dobj":
                add_noun(child)
        add_preps(verb)

    counted = _is(anchor, "NN") and anchor.lower_ not in _UNIT_WORDS and not anchor.like_num
    if counted:
        chosen.add(anchor.i)
    for token in inside:
        add_preps(token, inside_ok=True)  # "barrels of oil", "$30 billion in assets"
    head, dep = anchor.head, anchor.dep_
    if dep == "pobj" and head.i not in ids:  # "a fund of $20bn", "as high as $20bn", "spent on ... $5m"
        head, dep = head.head, "prep"
        while _is(head, "JJ", "RB", "IN") and head.dep_ != "ROOT":  # "as high as"
            head, dep = head.head, head.dep_
    if head.i != anchor.i and head.i not in ids:
        if _is(head, "VB", "MD"):
            add_verb(head, dep)
        elif _is(head, "NN") and (dep in _NOUN_LINKS or dep == "prep" or dep in _VERB_LINKS):
            add_noun(head)
            add_preps(head)
    words = [doc[i] for i in sorted(chosen)][:_MAX_QUANTITY_WORDS]
    if not any(_is(t, "NN", "VB") for t in words):
        return None
    text = " ".join(t.text for t in words).replace(" 's", "'s").replace(" ’s", "’s")
    return text or None


def with_quantities(figures: list[Figure], doc, late: dict | None = None) -> list[Figure]:
    """The figures with ``quantity`` read from ``doc`` (the article's parse); a figure past the end of the parsed
    text is read from its sentence's parse in ``late`` (sentence -> Doc, see ``entities.parse_batch``)."""
    from dataclasses import replace

    covered = len(doc.text) if doc is not None and doc.has_annotation("DEP") else 0
    late_docs = late or {}
    out = []
    for f in figures:
        if f.span[1] <= covered:
            quantity = quantity_phrase(doc, f.span[0], f.span[1])
        elif f.sentence in late_docs:
            at = f.sentence.find(f.text)
            quantity = quantity_phrase(late_docs[f.sentence], at, at + len(f.text)) if at >= 0 else None
        else:
            quantity = None
        out.append(replace(f, quantity=quantity))
    return out
