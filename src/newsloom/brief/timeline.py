"""Timelines: the dates that matter in a set of articles, and the sentence(s) that say what happened on each.

Dates are ranked by what the articles say about them (an unsupervised take on DATEWISE, Gholipour Ghalandari &
Ifrim 2020): how many sentences refer to a day ("on Tuesday", "April 20, 2010", resolved against the publication
date by :mod:`newsloom.facts.timex`), how many distinct articles do, and how many articles were published on it.
Each chosen date gets the sentences closest to the centroid of its candidate sentences (those that refer to it,
and the leads of the articles published on it that refer to no other day), scored also against the collection's
centroid so that off-topic sentences lose, with redundancy removed (MMR). Words that only say when (weekdays,
months, "today") are left out of the vectors, since every candidate of a date shares them; time-stamped lines
(reader comments, live-blog entries, bylines) are not candidates, and conversational sentences (transcripts,
columns: a speaker label, or "I", "we", "you" outside quotation marks) rank lower than reported ones.

Every timeline sentence is taken verbatim from an article, with its offsets, so it can be cited like any other
briefing sentence. Dates at month or year precision ("June 2024", "in 1961") are used only where asked
(``precisions``): stories whose articles carry no publication date still get a timeline of what they date.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from ..dates import CLOCK_TIME, WHEN_WORDS
from ..facts.timex import find_times

_DAY_KINDS = {"month_day_year", "day_month_year", "month_day", "day_month", "weekday", "deictic"}
_MONTH_KINDS = {"month_year", "month"}
_YEAR_KINDS = {"year"}
_PTB = re.compile(r"-LRB-|-RRB-|-LSB-|-RSB-|``|''")
# Lines that are not reporting: reader comments and live-blog entries stamped with a time ("March 1, 2011 at 6:21
# pm | ..."), bylines and datelines with a pipe. They still count as references to a date.
_STAMPED = re.compile(r"\||" + CLOCK_TIME, re.I)
_SPEAKER = re.compile(r"^[A-Z][A-Z .'-]{1,30}:")
_PERSONAL = re.compile(r"\b(?:I|me|[Mm]y|[Ww]e|[Oo]ur|us|[Yy]ou|[Yy]our)\b")  # not "US"
_QUOTED = re.compile(r"``.*?''|\".*?\"|“.*?”")
_QUOTE_OPENERS = ("``", '"', "“")
@dataclass(frozen=True)
class TimelineDoc:
    """One article as the timeline sees it: an id, a publication date (ISO, or None) and its sentences with
    their offsets in the article text. ``group`` identifies copies (a lineage), so that a syndicated text counts
    once."""

    id: str
    published: str | None
    sentences: tuple[tuple[str, tuple[int, int]], ...]
    group: str | None = None


@dataclass(frozen=True)
class TimelineSentence:
    text: str
    doc_id: str
    span: tuple[int, int]
    position: int


@dataclass
class TimelineDate:
    date: str  # ISO day "2010-04-20", month "2024-06" or year "1961"
    score: float
    sentences: list[TimelineSentence] = field(default_factory=list)
    mentions: int = 0  # sentences that refer to the date
    published: int = 0  # articles published on the date


@dataclass
class _Sentence:
    text: str
    doc: int
    span: tuple[int, int]
    position: int
    dates: list[str]  # the dates it refers to (keys)
    stamped: bool = False  # a time-stamped line: counts as a reference, never shown


def _usable(text: str, min_words: int, max_words: int) -> bool:
    words = text.split()
    if not min_words <= len(words) <= max_words or text.rstrip().endswith("?"):
        return False
    first = text.lstrip("`'\"“‘( ")[:1]
    return bool(first) and (first.isupper() or first.isdigit())


def _key(start: str, end: str, precision: str) -> str | None:
    if precision == "day" and start == end:
        return start
    if precision == "month" and start[:7] == end[:7] and start[8:] == "01":
        return start[:7]
    if precision == "year" and start[:4] == end[:4] and start[5:] == "01-01" and end[5:] == "12-31":
        return start[:4]
    return None


def _references(text: str, published: str | None, precisions: tuple[str, ...]) -> list[str]:
    found = []
    for t in find_times(text, published):
        if not t.start or not t.end:
            continue
        if t.kind in _DAY_KINDS and "day" in precisions:
            key = _key(t.start, t.end, "day")
        elif t.kind in _MONTH_KINDS and "month" in precisions:
            key = _key(t.start, t.end, "month")
        elif t.kind in _YEAR_KINDS and "year" in precisions:
            key = _key(t.start, t.end, "year")
        else:
            key = None
        if key and key not in found:
            found.append(key)
    return found


def _in_range(key: str, start: date | None, end: date | None) -> bool:
    if start is None and end is None:
        return True
    first = date.fromisoformat(key + ("-01-01" if len(key) == 4 else "-01" if len(key) == 7 else ""))
    return (start is None or first >= start) and (end is None or first <= end)


def build_timeline(docs: list[TimelineDoc], n_dates: int | None = None, per_date: int = 1,
                   start: date | None = None, end: date | None = None,
                   precisions: tuple[str, ...] = ("day",), min_score: float = 0.0,
                   lead_sentences: int = 5, min_words: int = 6, max_words: int = 50,
                   weights: tuple[float, float, float] = (0.0, 1.0, 0.25), topic_weight: float = 0.5,
                   talk_penalty: float = 0.1) -> list[TimelineDate]:
    """The ``n_dates`` most important dates of ``docs`` (all dates scoring above ``min_score`` when None), each
    with up to ``per_date`` sentences, in date order.

    ``start``/``end`` bound the dates considered; ``precisions`` says which date granularities count ("day",
    "month", "year"); a publication date counts only at day precision.
    """
    sentences: list[_Sentence] = []
    published: dict[str, set[str]] = defaultdict(set)  # day -> article groups published on it
    for i, doc in enumerate(docs):
        day = doc.published[:10] if doc.published else None
        if day and "day" in precisions and _in_range(day, start, end):
            published[day].add(doc.group or doc.id)
        for position, (text, span) in enumerate(doc.sentences):
            if not _usable(text, min_words, max_words):
                continue
            refs = [k for k in _references(text, doc.published, precisions) if _in_range(k, start, end)]
            # A sentence can only report what happened by its publication day.
            if day:
                refs = [k for k in refs if k <= day[:len(k)]]
            sentences.append(_Sentence(text, i, span, position, refs, bool(_STAMPED.search(text))))
    if not sentences:
        return []

    mention_sentences: dict[str, list[int]] = defaultdict(list)
    mention_groups: dict[str, set[str]] = defaultdict(set)
    for j, s in enumerate(sentences):
        for k in s.dates:
            mention_sentences[k].append(j)
            mention_groups[k].add(docs[s.doc].group or docs[s.doc].id)

    # Candidates per date: sentences that refer to it, then the leads of articles published on it that refer to
    # no other date.
    candidates: dict[str, list[int]] = defaultdict(list)
    for k, js in mention_sentences.items():
        candidates[k].extend(js)
    for j, s in enumerate(sentences):
        day = docs[s.doc].published
        if day and "day" in precisions and s.position < lead_sentences and not s.dates:
            day = day[:10]
            if _in_range(day, start, end):
                candidates[day].append(j)

    # Date importance: sentences referring to it, distinct articles (lineages) doing so, and articles published
    # on it. The default weights count articles rather than sentences (one article repeating a date says less
    # than several articles each naming it) and give publication volume a quarter of that weight.
    scores: dict[str, float] = {}
    total_pub = sum(len(v) for v in published.values()) or 1
    total_mentions = sum(len(v) for v in mention_sentences.values()) or 1
    for k in set(candidates) | set(published):
        m = len(mention_sentences.get(k, ()))
        g = len(mention_groups.get(k, ()))
        p = len(published.get(k, ()))
        scores[k] = weights[0] * m / total_mentions + weights[1] * g / total_mentions + weights[2] * p / total_pub
    ranked = sorted((k for k in scores if candidates.get(k) and scores[k] > min_score),
                    key=lambda k: (-scores[k], k))
    chosen_dates = ranked if n_dates is None else ranked[:n_dates]

    texts = [_PTB.sub(" ", s.text) for s in sentences]
    try:
        # Words that say when are left out: every candidate of a date shares them, so they would make any
        # sentence naming the day look central ("It's already Tuesday morning here").
        vectorizer = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | WHEN_WORDS), sublinear_tf=True, min_df=1)
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [TimelineDate(k, scores[k], [_out(sentences[candidates[k][0]], docs)]) for k in sorted(chosen_dates)]
    collection_centroid = np.asarray(matrix.mean(axis=0)).ravel()
    collection_centroid /= np.linalg.norm(collection_centroid) or 1.0
    topical = matrix @ collection_centroid

    result = []
    for k in chosen_dates:
        shown = [j for j in candidates[k] if not sentences[j].stamped] or candidates[k]
        picks = _summarize_date(shown, matrix, topical, per_date, sentences, k, topic_weight, talk_penalty)
        result.append(TimelineDate(k, round(scores[k], 6), [_out(sentences[j], docs) for j in picks],
                                   mentions=len(mention_sentences.get(k, ())), published=len(published.get(k, ()))))
    result.sort(key=lambda t: t.date)
    return result


def _out(s: _Sentence, docs: list[TimelineDoc]) -> TimelineSentence:
    return TimelineSentence(s.text, docs[s.doc].id, s.span, s.position)


def _summarize_date(candidate_ids: list[int], matrix, topical: np.ndarray, per_date: int,
                    sentences: list[_Sentence], key: str, topic_weight: float, talk_penalty: float) -> list[int]:
    ids = list(dict.fromkeys(candidate_ids))
    sub = matrix[ids]
    centroid = np.asarray(sub.mean(axis=0)).ravel()
    centroid /= np.linalg.norm(centroid) or 1.0
    # Close to what the date's sentences say, on the collection's topic, and preferably naming the date itself.
    relevance = (sub @ centroid) + topic_weight * topical[ids]
    relevance = relevance + np.array([0.05 if key in sentences[j].dates else 0.0 for j in ids])
    # Reports, not talk: a timeline entry says what happened, which transcripts, comments and quotes rarely do.
    relevance = relevance - talk_penalty * np.array([_talk(sentences[j].text) for j in ids], dtype=float)
    order = np.argsort(-relevance, kind="stable")
    picked: list[int] = []
    for idx in order:
        if len(picked) >= per_date:
            break
        if picked:
            sims = (sub[idx] @ sub[[ids.index(p) for p in picked]].T).toarray().ravel()
            if sims.max() > 0.5:
                continue
        picked.append(ids[idx])
    return picked


def _talk(text: str) -> bool:
    """Spoken or conversational text rather than a report: a speaker label ("COOPER: ..."), a sentence opening
    with a quotation, or the first or second person outside quotation marks."""
    if _SPEAKER.match(text) or text.startswith(_QUOTE_OPENERS):
        return True
    return bool(_PERSONAL.search(_QUOTED.sub(" ", text)))


def date_window(dates: list[date], days: int = 0) -> tuple[date, date]:
    """The span of ``dates`` widened by ``days`` on each side."""
    return min(dates) - timedelta(days=days), max(dates) + timedelta(days=days)


def count_by_day(docs: list[TimelineDoc]) -> Counter:
    return Counter(d.published[:10] for d in docs if d.published)


def story_timeline(articles, max_dates: int = 8, precisions: tuple[str, ...] = ("day", "month", "year")
                   ) -> list[TimelineDate]:
    """The dated events of a story (or a thread's articles): up to ``max_dates`` dates, chronological, each with
    one sentence, or two where at least three sentences of the story refer to it. Sentences pass the briefing's
    furniture filter; copies of one text count once."""
    from .summarize import article_sentences, usable_sentence

    docs = [TimelineDoc(id=a.id, published=a.published, group=a.lineage,
                        sentences=tuple((s, span) for s, span, _ in article_sentences(a) if usable_sentence(s)))
            for a in articles]
    timeline = build_timeline([d for d in docs if d.sentences], n_dates=max_dates, per_date=2,
                              precisions=precisions, lead_sentences=2, min_words=8, max_words=60)
    for entry in timeline:
        if entry.mentions < 3:
            entry.sentences = entry.sentences[:1]
    return timeline


def thread_timeline(store, thread_id: str, max_dates: int = 12, max_articles: int = 300) -> list[TimelineDate]:
    """A timeline over every story of a thread. A very large thread is sampled evenly over time: the cost grows
    with every sentence's dates and vectors, and a few hundred articles already show its dates."""
    story_ids = [r[0] for r in store.db.execute("SELECT id FROM stories WHERE thread_id = ? AND n_articles > 0",
                                                (thread_id,))]
    articles = sorted((a for sid in story_ids for a in store.story_articles(sid)), key=lambda a: (a.published or "", a.id))
    if len(articles) > max_articles:
        step = len(articles) / max_articles
        articles = [articles[int(i * step)] for i in range(max_articles)]
    return story_timeline(articles, max_dates=max_dates)
