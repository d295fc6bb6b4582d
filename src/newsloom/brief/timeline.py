"""Timelines: the dates that matter for a topic, and the sentence(s) that say what happened on each.

A timeline is query-focused: the user (or a thread's label, or a collection's keywords) names a topic, and only
articles about it may give dates or sentences. Keyword-retrieved collections always hold off-topic articles (an
earthquake in a flu collection), so relevance is decided by content, not by the keyword alone: the articles that
match the query's words best form the topic's core, every article is compared with the core's centroid (TF-IDF),
and those far below the core (a robust outlier cut: median minus 2.5 scaled MADs, the usual rule, not tuned) are
left out. Query words are derived generically from what the user typed: "LibyaWar" is split into "libya" and
"war", "Finan" matches words it begins ("financial"), a run of letters absent from the articles is split into
words they use ("bpoil" -> "bp oil"), and an all-capitals abbreviation also matches names with those initials
("MJ" -> "Michael Jackson").

Dates are then ranked as events, not by volume (an unsupervised take on DATEWISE, Gholipour Ghalandari & Ifrim
2020): a dated event mention is a sentence with a date expression ("on Tuesday", "April 20, 2010", resolved
against the publication date by :mod:`newsloom.facts.timex`), and an event's support is how many distinct
articles (copies of one text count once) refer to its day, earlier or later, plus a share for the articles
published on it. Dates can be chosen greedily with a soft penalty for lying within a few days of a date already
chosen (MMR over time, ``spread_days``), so that a timeline spreads over a story's turning points instead of
bunching in its most heavily covered week; held out on Timeline17 the penalty did not pay (the search chose it
off for six of seven topics: journalists' timelines there often keep consecutive days), so it is off by default. Each chosen date gets the sentences closest to the centroid of its candidate
sentences (those that refer to it, and the leads of the articles published on it that refer to no other day),
scored also against the topic's core so that off-topic sentences lose, and preferring sentences that name the
date themselves, with redundancy removed (MMR). Words that only say when (weekdays, months, "today") are left out
of the vectors, since every candidate of a date shares them; time-stamped lines (reader comments, live-blog
entries, bylines) are not candidates, and conversational sentences (transcripts, columns: a speaker label, or
"I", "we", "you" outside quotation marks) rank lower than reported ones. The few weights (:class:`TimelineParams`)
are chosen leave-one-topic-out by bench/timeline.py.

Every timeline sentence is taken verbatim from an article, with its offsets, so it can be cited like any other
briefing sentence. Dates at month or year precision ("June 2024", "in 1961") are used only where asked
(``precisions``): stories whose articles carry no publication date still get a timeline of what they date.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..dates import CLOCK_TIME, WHEN_WORDS
from ..facts.timex import find_times
from ..represent.tfidf import story_tfidf
from ..stages import process_cache

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


@process_cache(maxsize=1 << 16)
def _references(text: str, published: str | None, precisions: tuple[str, ...]) -> tuple[str, ...]:
    """The dates a sentence refers to, as keys of their precision. Cached: a growing story's timeline is built
    again with every batch that adds to it, over mostly the same sentences."""
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
    return tuple(found)


def _in_range(key: str, start: date | None, end: date | None) -> bool:
    if start is None and end is None:
        return True
    first = date.fromisoformat(key + ("-01-01" if len(key) == 4 else "-01" if len(key) == 7 else ""))
    return (start is None or first >= start) and (end is None or first <= end)


@dataclass(frozen=True)
class TimelineParams:
    """The weights of date and sentence choice. bench/timeline.py chooses them leave-one-topic-out; the defaults
    are what its search chooses on all Timeline17 topics together (in-sample there)."""

    publication_weight: float = 0.25  # articles published on a day, against articles referring to it
    spread_days: float = 0.0  # > 0: a date d days from a chosen one keeps 1 - exp(-d / spread_days) of its score
    topic_weight: float = 1.0  # a sentence's closeness to the topic's core, against its date's centroid
    talk_penalty: float = 0.1  # conversational sentences rank this much lower


_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_TOKEN = re.compile(r"[^\W_]+")


def query_parts(query: str, vocabulary: Counter, names: Counter | None = None) -> list[frozenset[tuple[str, ...]]]:
    """What the articles must say to be about ``query``: one entry per concept, each a set of alternative forms
    (a form is a tuple of lowercase words, matched as consecutive words; a one-word form of a word the articles
    never use alone matches the words it begins). ``vocabulary`` counts the articles' lowercase words (in how
    many articles); ``names`` counts their runs of capitalised words (for abbreviations).

    Derived generically, never per topic: a word the articles use stands for itself; otherwise CamelCase and
    letter/digit runs are split ("LibyaWar" -> libya, war); a piece they never use but that begins words they do
    use matches those ("Finan"); a piece that is neither is split into the fewest words they use ("bpoil" -> bp
    oil); an all-capitals abbreviation of two to four letters also matches the most frequent name with those
    initials ("MJ" -> Michael Jackson).
    """
    parts: list[frozenset[tuple[str, ...]]] = []
    for token in _TOKEN.findall(query or ""):
        forms: set[tuple[str, ...]] = set()
        if token.isupper() and token.isalpha() and 2 <= len(token) <= 4 and names:
            initials = [n for n in names if len(n) == len(token) and "".join(w[0] for w in n).upper() == token]
            if initials:
                forms.add(tuple(w.lower() for w in max(initials, key=lambda n: (names[n], n))))
        whole = token.lower()
        if vocabulary.get(whole, 0) >= 2:
            parts.append(frozenset(forms | {(whole,)}))
            continue
        pieces = [p.lower() for p in _CAMEL.findall(token) if len(p) >= 2] or [whole]
        if forms:  # an abbreviation read as initials is one concept, not pieces
            parts.append(frozenset(forms))
            continue
        for piece in pieces:
            if vocabulary.get(piece, 0) or (len(piece) >= 4 and any(w.startswith(piece) for w in vocabulary)):
                parts.append(frozenset({(piece,)}))
            else:
                parts.extend(frozenset({(w,)}) for w in _segment(piece, vocabulary))
    return list(dict.fromkeys(parts))


def _segment(piece: str, vocabulary: Counter) -> list[str]:
    """``piece`` split into the fewest words of two or more letters that at least two articles use (ties: the
    more common words), or nothing when it cannot be."""
    best: list[tuple[int, float, list[str]] | None] = [None] * (len(piece) + 1)
    best[0] = (0, 0.0, [])
    for end in range(2, len(piece) + 1):
        for begin in range(0, end - 1):
            word = piece[begin:end]
            if best[begin] is None or vocabulary.get(word, 0) < 2:
                continue
            n, weight, words = best[begin]
            candidate = (n + 1, weight - math.log(vocabulary[word]), words + [word])
            if best[end] is None or candidate[:2] < best[end][:2]:
                best[end] = candidate
    return best[-1][2] if best[-1] and len(best[-1][2]) >= 2 else []


def _matches(words: list[str], form: tuple[str, ...], vocabulary: Counter) -> bool:
    if len(form) == 1:
        if vocabulary.get(form[0], 0):
            return form[0] in words
        return any(w.startswith(form[0]) for w in words)
    n = len(form)
    return any(tuple(words[i:i + n]) == form for i in range(len(words) - n + 1))


_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+")


def _robust_floor(values: np.ndarray) -> float:
    """Median minus 2.5 scaled median absolute deviations: the usual outlier rule (Leys et al. 2013)."""
    median = float(np.median(values))
    return median - 2.5 * 1.4826 * float(np.median(np.abs(values - median)))


class TimelineAnalysis:
    """What a set of articles says about dates, computed once: sentences, the dates they refer to, TF-IDF vectors
    and each article's relevance to the query. :meth:`timeline` then chooses dates and sentences for any length
    and weights, cheaply (the bench tries several weights on one analysis)."""

    def __init__(self, docs: list[TimelineDoc], query: str | None = None, start: date | None = None,
                 end: date | None = None, precisions: tuple[str, ...] = ("day",), lead_sentences: int = 5,
                 min_words: int = 6, max_words: int = 50):
        self.docs, self.precisions, self.lead_sentences = docs, precisions, lead_sentences
        self.sentences: list[_Sentence] = []
        for i, doc in enumerate(docs):
            day = doc.published[:10] if doc.published else None
            for position, (text, span) in enumerate(doc.sentences):
                if not _usable(text, min_words, max_words):
                    continue
                refs = [k for k in _references(text, doc.published, tuple(precisions)) if _in_range(k, start, end)]
                # A sentence can only report what happened by its publication day.
                if day:
                    refs = [k for k in refs if k <= day[:len(k)]]
                self.sentences.append(_Sentence(text, i, span, position, refs, bool(_STAMPED.search(text))))
        self.matrix = None
        self._event_cache = None
        self._picks: dict[tuple, list[int]] = {}
        self.relevant = np.ones(len(docs), dtype=bool)
        self.topical = np.zeros(len(self.sentences))
        self.query_parts: list = []
        if not self.sentences:
            return
        texts = [_PTB.sub(" ", s.text) for s in self.sentences]
        try:
            # Words that say when are left out: every candidate of a date shares them, so they would make any
            # sentence naming the day look central ("It's already Tuesday morning here").
            vectorizer = story_tfidf(ENGLISH_STOP_WORDS | WHEN_WORDS)
            self.matrix = vectorizer.fit_transform(texts)
        except ValueError:  # nothing but stop words
            return
        self._relevance(query, texts)
        # Dates published or referred to outside [start, end] were dropped above; publication days are kept here.
        self.published_days = [d.published[:10] if d.published and "day" in precisions
                               and _in_range(d.published[:10], start, end) else None for d in docs]

    def _relevance(self, query: str | None, texts: list[str]) -> None:
        """Marks the articles far from the topic's core as not relevant, and scores every sentence against the
        core's centroid (``topical``)."""
        n_docs = len(self.docs)
        doc_of = np.array([s.doc for s in self.sentences])
        membership = csr_matrix((np.ones(len(doc_of)), (doc_of, np.arange(len(doc_of)))), shape=(n_docs, len(doc_of)))
        doc_vectors = membership @ self.matrix
        norms = np.sqrt(np.asarray(doc_vectors.multiply(doc_vectors).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        doc_vectors = csr_matrix(doc_vectors.multiply(1.0 / norms[:, None]))
        has_text = np.asarray(membership.sum(axis=1)).ravel() > 0

        score = np.zeros(n_docs)
        if query:
            words_by_doc: list[list[str]] = [[] for _ in range(n_docs)]
            for s, text in zip(self.sentences, texts):
                words_by_doc[s.doc].extend(w.lower() for w in _TOKEN.findall(text))
            vocabulary = Counter(w for words in words_by_doc for w in set(words))
            names = Counter()
            if any(t.isupper() for t in _TOKEN.findall(query)):
                names = Counter(tuple(m.split()) for text in texts for m in _NAME.findall(text))
            self.query_parts = query_parts(query, vocabulary, names)
            for i, words in enumerate(words_by_doc):
                score[i] = sum(any(_matches(words, form, vocabulary) for form in part) for part in self.query_parts)
        core = has_text & (score == score.max()) if score.max() > 0 else has_text
        centroid = np.asarray(doc_vectors[core].mean(axis=0)).ravel()
        centroid /= np.linalg.norm(centroid) or 1.0
        closeness = doc_vectors @ centroid
        # Ten articles are about the fewest whose spread says what an outlier is; fewer are all kept.
        floor = _robust_floor(closeness[core]) if core.sum() >= 10 else -np.inf
        self.relevant = has_text & (closeness >= floor)
        self.topical = self.matrix @ centroid

    def timeline(self, n_dates: int | None = None, per_date: int = 1, params: TimelineParams = TimelineParams(),
                 min_score: float = 0.0) -> list[TimelineDate]:
        """The ``n_dates`` most important dates (all dates scoring above ``min_score`` when None), each with up
        to ``per_date`` sentences, in date order."""
        if self.matrix is None:
            return []
        published, mention_sentences, mention_groups, candidates = self._events()
        # An event's support: distinct articles (lineages) referring to its day, and a share for those published
        # on it. Articles rather than sentences: one article repeating a date says less than several naming it.
        total_pub = sum(len(v) for v in published.values()) or 1
        total_mentions = sum(len(v) for v in mention_sentences.values()) or 1
        scores = {k: len(mention_groups.get(k, ())) / total_mentions
                  + params.publication_weight * len(published.get(k, ())) / total_pub
                  for k in set(candidates) | set(published)}
        ranked = [k for k in sorted(scores, key=lambda k: (-scores[k], k)) if candidates.get(k) and scores[k] > min_score]
        result = []
        for k in _spread(ranked, scores, n_dates, params.spread_days):
            picks = self._sentences_for(k, per_date, params)
            result.append(TimelineDate(k, round(scores[k], 6), [_out(self.sentences[j], self.docs) for j in picks],
                                       mentions=len(mention_sentences.get(k, ())), published=len(published.get(k, ()))))
        result.sort(key=lambda t: t.date)
        return result

    def _events(self):
        """Per date: the relevant article groups published on it, the sentences and groups referring to it, and
        its candidate sentences (those, then the leads of articles published on it that refer to no other
        date). The same for any weights, so computed once."""
        if self._event_cache is None:
            group = [d.group or d.id for d in self.docs]
            published: dict[str, set[str]] = defaultdict(set)
            for i, day in enumerate(self.published_days):
                if day and self.relevant[i]:
                    published[day].add(group[i])
            mention_sentences: dict[str, list[int]] = defaultdict(list)
            mention_groups: dict[str, set[str]] = defaultdict(set)
            candidates: dict[str, list[int]] = defaultdict(list)
            for j, s in enumerate(self.sentences):
                if not self.relevant[s.doc]:
                    continue
                for k in s.dates:
                    mention_sentences[k].append(j)
                    mention_groups[k].add(group[s.doc])
                    candidates[k].append(j)
            for j, s in enumerate(self.sentences):
                day = self.published_days[s.doc]
                if day and self.relevant[s.doc] and s.position < self.lead_sentences and not s.dates:
                    candidates[day].append(j)
            self._event_cache = (published, mention_sentences, mention_groups, candidates)
        return self._event_cache

    def _sentences_for(self, key: str, per_date: int, params: TimelineParams) -> list[int]:
        memo = (key, per_date, params.topic_weight, params.talk_penalty)
        if memo not in self._picks:
            candidates = self._events()[3][key]
            shown = [j for j in candidates if not self.sentences[j].stamped] or candidates
            self._picks[memo] = _summarize_date(shown, self.matrix, self.topical, per_date, self.sentences, key,
                                                params)
        return self._picks[memo]


def _day_number(key: str) -> int:
    return date.fromisoformat(key + ("-01-01" if len(key) == 4 else "-01" if len(key) == 7 else "")).toordinal()


def _spread(ranked: list[str], scores: dict[str, float], n_dates: int | None, spread_days: float) -> list[str]:
    """Greedy choice of ``n_dates`` dates from ``ranked`` (best first), each candidate's score discounted by
    1 - exp(-d / spread_days), d the days to the nearest date already chosen: a soft maximal-marginal-relevance
    over time, so that one heavily covered week does not take every slot."""
    if n_dates is None or spread_days <= 0 or n_dates >= len(ranked):
        return ranked if n_dates is None else ranked[:n_dates]
    days = np.array([_day_number(k) for k in ranked], dtype=float)
    base = np.array([scores[k] for k in ranked])
    nearest = np.full(len(ranked), np.inf)
    taken = np.zeros(len(ranked), dtype=bool)
    chosen: list[str] = []
    for _ in range(n_dates):
        gain = np.where(taken, -np.inf, base * (1.0 - np.exp(-nearest / spread_days)))
        best = int(np.argmax(gain))  # the first of equals: ``ranked`` breaks ties by score, then date
        taken[best] = True
        chosen.append(ranked[best])
        nearest = np.minimum(nearest, np.abs(days - days[best]))
    return chosen


def build_timeline(docs: list[TimelineDoc], n_dates: int | None = None, per_date: int = 1, query: str | None = None,
                   start: date | None = None, end: date | None = None, precisions: tuple[str, ...] = ("day",),
                   params: TimelineParams = TimelineParams(), min_score: float = 0.0, lead_sentences: int = 5,
                   min_words: int = 6, max_words: int = 50) -> list[TimelineDate]:
    """The ``n_dates`` most important dates of ``docs`` about ``query`` (all dates scoring above ``min_score``
    when None), each with up to ``per_date`` sentences, in date order.

    ``query`` focuses the timeline (None: the articles' own common topic); ``start``/``end`` bound the dates
    considered; ``precisions`` says which date granularities count ("day", "month", "year"); a publication date
    counts only at day precision.
    """
    analysis = TimelineAnalysis(docs, query, start, end, precisions, lead_sentences, min_words, max_words)
    return analysis.timeline(n_dates, per_date, params, min_score)

def _out(s: _Sentence, docs: list[TimelineDoc]) -> TimelineSentence:
    return TimelineSentence(s.text, docs[s.doc].id, s.span, s.position)


def _summarize_date(candidate_ids: list[int], matrix, topical: np.ndarray, per_date: int,
                    sentences: list[_Sentence], key: str, params: TimelineParams) -> list[int]:
    ids = list(dict.fromkeys(candidate_ids))
    sub = matrix[ids]
    centroid = np.asarray(sub.mean(axis=0)).ravel()
    centroid /= np.linalg.norm(centroid) or 1.0
    # Close to what the date's sentences say, on the topic's core, and preferably naming the date itself.
    relevance = (sub @ centroid) + params.topic_weight * topical[ids]
    relevance = relevance + np.array([0.05 if key in sentences[j].dates else 0.0 for j in ids])
    # Reports, not talk: a timeline entry says what happened, which transcripts, comments and quotes rarely do.
    relevance = relevance - params.talk_penalty * np.array([_talk(sentences[j].text) for j in ids], dtype=float)
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


# What a story's timeline reads: dates at these precisions, in sentences of this many words (story_timeline)
STORY_PRECISIONS = ("day", "month", "year")
STORY_MIN_WORDS, STORY_MAX_WORDS = 8, 60


def story_sentence_references(sentences, published: str | None) -> list[tuple[tuple, tuple[str, ...]]]:
    """((sentence, published, precisions), dates) of each of an article's usable sentences that a story's
    timeline reads: the per-article part of :func:`story_timeline`, as the arguments and value of the cached
    ``_references`` (the document half computes it, see :mod:`newsloom.brief.prepare`)."""
    return [((text, published, STORY_PRECISIONS), _references.uncached(text, published, STORY_PRECISIONS))
            for text, *_ in sentences if _usable(text, STORY_MIN_WORDS, STORY_MAX_WORDS)]


def story_timeline(articles, max_dates: int = 8, precisions: tuple[str, ...] = STORY_PRECISIONS,
                   query: str | None = None, start: date | None = None, end: date | None = None
                   ) -> list[TimelineDate]:
    """The dated events of a story (or a thread's, or a query's articles) about ``query`` (None: their common
    topic): up to ``max_dates`` dates between ``start`` and ``end``, chronological, each with one sentence, or two
    where at least three sentences refer to it. Sentences pass the briefing's furniture filter; copies of one
    text count once."""
    from .summarize import usable_sentences

    docs = [TimelineDoc(id=a.id, published=a.published, group=a.lineage,
                        sentences=tuple((s, span) for s, span, _, _ in usable_sentences(a.text)))
            for a in articles]
    timeline = build_timeline([d for d in docs if d.sentences], n_dates=max_dates, per_date=2, query=query,
                              start=start, end=end, precisions=precisions, lead_sentences=2,
                              min_words=STORY_MIN_WORDS, max_words=STORY_MAX_WORDS)
    for entry in timeline:
        if entry.mentions < 3:
            entry.sentences = entry.sentences[:1]
    return timeline


def thread_timeline(store, thread_id: str, max_dates: int = 12, max_articles: int = 300) -> list[TimelineDate]:
    """A timeline over every story of a thread, focused by the thread's label. A very large thread is sampled
    evenly over time: the cost grows with every sentence's dates and vectors, and a few hundred articles already
    show its dates."""
    label = store.db.execute("SELECT label FROM threads WHERE id = ?", (thread_id,)).fetchone()
    story_ids = [r[0] for r in store.db.execute("SELECT id FROM stories WHERE thread_id = ? AND n_articles > 0",
                                                (thread_id,))]
    articles = sorted((a for sid in story_ids for a in store.story_articles(sid)), key=lambda a: (a.published or "", a.id))
    return story_timeline(_even_sample(articles, max_articles), max_dates=max_dates, query=label[0] if label else None)


def query_timeline(store, query: str, start: date | None = None, end: date | None = None, max_dates: int = 10,
                   max_articles: int = 400) -> list[TimelineDate]:
    """The timeline of what ``query`` names, over the store's articles: those that best match any of its words
    (or the words they begin, and the pieces of CamelCase words), published from ``start`` on (a later article
    may date an earlier event, an earlier one cannot report a later event), at most ``max_articles`` of them;
    dates between ``start`` and ``end``. Empty when no article matches."""
    match = _fts_any(query)
    if match is None:
        return []
    articles = store.matching_articles(match, since=start.isoformat() if start else None, limit=max_articles)
    return story_timeline(articles, max_dates=max_dates, query=query, start=start, end=end)


def _fts_any(query: str) -> str | None:
    """An FTS5 query matching any word of ``query`` or of its CamelCase pieces, as prefixes; it cannot be a
    syntax error (every term quoted)."""
    terms = []
    for token in _TOKEN.findall(query or ""):
        for piece in [token] + [p for p in _CAMEL.findall(token) if len(p) >= 2 and p != token]:
            if piece.lower() not in terms:
                terms.append(piece.lower())
    return " OR ".join(f'"{t}"*' for t in terms[:20]) or None


def _even_sample(items: list, limit: int) -> list:
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]
