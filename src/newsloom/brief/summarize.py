"""Extractive briefing: sentences ranked by centrality in the story, coverage of the story's facts and how many
sources state them, chosen greedily with redundancy removed (MMR, aware of near-duplicate passages) and spread
over the sources, each cited to every article that contains it; then organised into sub-topic sections, with a
timeline of the story's dated events.

Every sentence of the summary and of the timeline is an exact slice of the article it is taken from
(``article.text[span[0]:span[1]] == text``), and cites every article whose text contains it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..config import BriefConfig
from ..records import Article, Briefing, BriefSentence, Source, TimelineEntry, normalize_text
from ..represent.tfidf import story_tfidf
from ..sentences import split_sentences
from ..stages import process_cache

# Page furniture that survives extraction in single sentences: calls to action, site self-promotion, photo
# credits and captions, teaser labels.
_BOILERPLATE = re.compile(
    r"\b(click|subscribe|newsletter|cookie|sign up|all rights reserved|follow us|read more|advertisement|"
    r"terms of (use|service)|privacy policy|getty images|ap photo|photo by|file photo|image provided|"
    r"your go-to|stay connected|contact your|related (stories|articles|coverage)|additional coverage|"
    r"share this|watch:|listen:|copyright)\b", re.I)
_BULLET = re.compile(r"^[-–—•*·]\s+")

_SHORTLIST = 400
_FACT_WEIGHT = {"figure": 3.0, "event": 1.0, "claim": 1.0}


@dataclass(frozen=True)
class _Candidate:
    text: str
    article: Article
    span: tuple[int, int]
    position: int  # sentence index in its article
    norm: str


@dataclass
class _Scored:
    """What selection knows about each candidate besides its text."""

    facts: list[set] = field(default_factory=list)  # fact keys each candidate states
    passages: list[set] = field(default_factory=list)  # shared-passage keys each candidate overlaps
    carriers: list[int] = field(default_factory=list)  # lineages whose text contains it


def number_sources(articles: list[Article]) -> list[Source]:
    """Sources numbered in the order given (publication order); copies point at their canonical source."""
    numbers = {a.id: i for i, a in enumerate(articles, start=1)}
    return [Source(number=numbers[a.id], article_id=a.id, outlet=a.outlet, title=a.title, published=a.published,
                   location=a.url or a.uri,
                   copy_of=numbers.get(a.canonical_id) if a.canonical_id and a.canonical_id != a.id else None)
            for a in articles]


def usable_sentence(sentence: str, min_words: int = 8, max_words: int = 60) -> bool:
    """A sentence fit for a briefing: long enough to say something, not a question, not furniture, and the
    start of a sentence (not a fragment)."""
    words = sentence.split()
    if not min_words <= len(words) <= max_words or sentence.endswith("?") or _BOILERPLATE.search(sentence):
        return False
    return sentence[0].isupper() or sentence[0] in "\"“'‘" or sentence[0].isdigit()


def article_sentences(text: str):
    """(sentence, span, position) for an article text's sentences, with a leading list bullet left out of the
    sentence (the span moves with it, so the text stays an exact slice of the article)."""
    for position, (sentence, (start, end)) in enumerate(split_sentences(text)):
        bullet = _BULLET.match(sentence)
        if bullet:
            sentence, start = sentence[bullet.end():], start + bullet.end()
        yield sentence, (start, end), position


@process_cache(maxsize=1024)
def usable_sentences(text: str) -> tuple[tuple[str, tuple[int, int], int, str], ...]:
    """(sentence, span, position, normalised sentence) of an article text's sentences fit for a briefing.
    Cached by text: a growing story's briefing (and timeline) is written again with every batch that adds to
    it, over mostly the same articles, so each article's sentences are split and filtered once per process."""
    return tuple((sentence, span, position, normalize_text(sentence))
                 for sentence, span, position in article_sentences(text) if usable_sentence(sentence))


def candidates(articles: list[Article]) -> list[_Candidate]:
    seen, found = set(), []
    for article in articles:
        for sentence, span, position, norm in usable_sentences(article.text):
            if norm in seen:
                continue
            seen.add(norm)
            found.append(_Candidate(sentence, article, span, position, norm))
    return found


def summarize(story_id: str, title: str, articles: list[Article], config: BriefConfig,
              key_figures=(), disagreements=(), extra=None, facts=(), passages=(), tagger=None,
              entities=()) -> Briefing:
    """The story's briefing. ``facts`` are the story's stated facts, {key, article_id, span} (figures, events,
    claims from the facts and reconcile stages): sentences that state facts not yet covered rank higher.
    ``passages`` are the store's shared passages of these articles (``Store.shared_passages``): two sentences
    overlapping one passage are near-duplicates, and only one of them is chosen. ``tagger`` (see
    ``sections.Tagger``) lets section titles be chosen among noun phrases; ``entities`` (the story's, with their
    story-wide keys) keep two section titles from naming one entity by two of its names."""
    sources = number_sources(articles)
    number_of = {s.article_id: s.number for s in sources}
    pool = candidates(articles)
    lineages = {a.lineage for a in articles}
    wanted = max(config.min_sentences, min(config.max_sentences, 3 + len(lineages)))
    containing = _Containing({a.id: a.text for a in articles}, _found_in_story(story_id))
    lineage_of = {a.id: a.lineage for a in articles}
    info = _describe(pool, containing, lineage_of, facts, passages)
    chosen = _select(pool, wanted, info)
    order = {a.id: i for i, a in enumerate(articles)}
    chosen.sort(key=lambda c: (order[c.article.id], c.position))

    def cite(text_norm: str) -> tuple[int, ...]:
        return tuple(sorted(number_of[a] for a in containing.articles(text_norm)))

    summary = tuple(BriefSentence(text=c.text, article_id=c.article.id, span=c.span, citations=cite(c.norm))
                    for c in chosen)
    from .sections import entity_names, make_sections
    from .timeline import story_timeline

    sections = make_sections([s.text for s in summary], [c.text for c in pool], config.max_sections, tagger,
                             entity_names(entities))
    timeline = tuple(
        TimelineEntry(date=t.date, mentions=t.mentions, published=t.published,
                      sentences=tuple(BriefSentence(text=s.text, article_id=s.doc_id, span=s.span,
                                                    citations=cite(normalize_text(s.text))) for s in t.sentences))
        for t in story_timeline(articles, max_dates=config.timeline_dates))
    briefing = Briefing(story_id=story_id, title=title, summary=summary, sources=tuple(sources),
                        key_figures=tuple(key_figures), disagreements=tuple(disagreements), extra=extra or {},
                        sections=sections, timeline=timeline)
    if config.abstractive:
        from .abstractive import abstract

        briefing = abstract(briefing, articles, pool_texts=[(c.text, c.article.id, c.span) for c in pool],
                            config=config, cite=lambda text: cite(normalize_text(text)))
    return briefing


_GRAM = 3  # words in a row an article must hold of a text before it is searched for the text
# Up to this many articles, every article is searched: a needle's trigrams cost as much as searching four
# articles of a timeline17 story, and the articles' trigram sets a few milliseconds more (measured).
_SEARCH_ALL = 4


class _Containing:
    """Which of a story's articles contain a normalised text (whole words).

    Only an article that holds every word trigram of the text can (three of them are checked, see _probes), so
    each article's set of trigrams picks the articles to search: searching every article for every candidate
    sentence cost a story's size squared in substring searches (a story of 200 articles, 200 x 4,000; issue 21),
    and the text's first trigram alone still let through every article opening a common phrase. The sets hold
    the trigrams' hashes (a collision only adds an article to search).

    ``found`` keeps, per text, the articles that held it and the articles searched then (one set, shared by
    every text of one briefing): a story briefed again (the next batch of a run, ``serve``) searches only its
    new articles for its old sentences. Containment depends on the article's text alone, which its id fixes, so
    the answer is the one a full search gives."""

    def __init__(self, texts: dict[str, str], found: dict | None = None):
        """``texts``: the story's article texts by article id; ``found``: what earlier briefings of the story
        found (``_found_in_story``), updated here."""
        self.texts = texts
        self.found = {} if found is None else found
        self.searched = frozenset(texts)
        self._unsearched: dict[frozenset, list[str]] = {}
        self._padded_texts: dict[str, str] = {}  # this briefing's, so that a story of over 256 articles is
        self._grams: dict[str, frozenset[int]] = {}  # padded and hashed once however the caches turn over

    def articles(self, needle: str) -> tuple[str, ...]:
        before = self.found.get(needle)
        if before is None:
            kept, searched = (), list(self.texts)
        else:
            earlier, held = before
            kept = tuple(a for a in held if a in self.texts)  # an article may have left the story since
            searched = self._unsearched.get(earlier)
            if searched is None:
                searched = self._unsearched[earlier] = [a for a in self.texts if a not in earlier]
        holding = kept + self._search(needle, searched)
        self.found[needle] = (self.searched, holding)
        return holding

    def _search(self, needle: str, articles: list[str]) -> tuple[str, ...]:
        if not articles:
            return ()
        words = needle.split()
        if len(articles) > _SEARCH_ALL and len(words) >= _GRAM:
            grams = _probes(words)
            articles = [a for a in articles if grams <= self._trigrams(a)]
        # Whole-word containment on normalised text: a sentence quoted inside another still counts.
        padded = f" {needle} "
        return tuple(a for a in articles if padded in self._padded(a))

    def _padded(self, article_id: str) -> str:
        padded = self._padded_texts.get(article_id)
        if padded is None:
            padded = self._padded_texts[article_id] = _padded_normalized(self.texts[article_id])
        return padded

    def _trigrams(self, article_id: str) -> frozenset[int]:
        grams = self._grams.get(article_id)
        if grams is None:
            grams = self._grams[article_id] = _trigram_hashes(self._padded(article_id))
        return grams


# A story of 130 articles keeps about 3.4 MB here (measured), so 32 of them at most about 110 MB; most stories
# are far smaller.
@process_cache(maxsize=32)
def _found_in_story(story_id: str) -> dict:
    """What briefings of a story found so far (see _Containing), filled as they are written."""
    return {}


def _probes(words: list[str]) -> frozenset[int]:
    """Hashes of a text's first, middle and last word trigrams: an article lacking any of them cannot contain the
    text. Three let through as few articles to search as all of them (on timeline17's largest stories, 2% more
    searches), at a fraction of the hashing; two let through 20% more."""
    last = len(words) - _GRAM
    return frozenset(hash(tuple(words[i:i + _GRAM])) for i in (0, last // 2, last))


@process_cache(maxsize=256)  # about 180 KB an article, and cheap to recompute (under 1 ms)
def _trigram_hashes(padded: str) -> frozenset[int]:
    """Hashes of the word trigrams of an article's normalised text (_padded_normalized)."""
    words = padded.split()
    return frozenset(hash(tuple(words[i:i + _GRAM])) for i in range(len(words) - _GRAM + 1))


@process_cache(maxsize=256)
def _padded_normalized(text: str) -> str:
    return f" {normalize_text(text)} "


def _describe(pool: list[_Candidate], containing: _Containing, lineage_of: dict, facts, passages) -> _Scored:
    info = _Scored()
    by_article: dict[str, list[tuple[tuple[int, int], object]]] = {}
    for fact in facts:
        by_article.setdefault(fact["article_id"], []).append((tuple(fact["span"]), fact["key"]))
    passage_spans: dict[str, list[tuple[int, int, int]]] = {}
    for p in passages:
        for article_id, start, end in p["occurrences"]:
            passage_spans.setdefault(article_id, []).append((start, end, p["passage"]))
    for c in pool:
        start, end = c.span
        info.facts.append({key for (s, e), key in by_article.get(c.article.id, ()) if s < end and start < e})
        info.passages.append({key for s, e, key in passage_spans.get(c.article.id, ())
                              if s < end and start < e and min(e, end) - max(s, start) >= 0.5 * (end - start)})
        info.carriers.append(len({lineage_of[a] for a in containing.articles(c.norm)}))
    return info


def _select(pool: list[_Candidate], wanted: int, info: _Scored) -> list[_Candidate]:
    if not pool:
        return []
    if len(pool) == 1:
        return pool[:]
    matrix = story_tfidf().fit_transform(c.text for c in pool)
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid) or 1.0
    relevance = matrix @ (centroid / norm)
    # Leads carry the news: a mild bonus for early sentences of each article; a sentence several sources carry
    # word for word is what they agree on.
    relevance = relevance + np.array([0.05 / (1 + c.position) for c in pool])
    relevance = relevance + 0.03 * np.log1p(np.array(info.carriers, dtype=float) - 1).clip(0)
    # Only the most relevant candidates (and every one that states a fact) compete, which bounds the pairwise
    # similarity matrix on big stories.
    top = list(np.argsort(-relevance, kind="stable")[:_SHORTLIST])
    top += [i for i in range(len(pool)) if info.facts[i] and i not in set(top)][:_SHORTLIST]
    pool = [pool[i] for i in top]
    facts = [info.facts[i] for i in top]
    passages = [info.passages[i] for i in top]
    matrix, relevance = matrix[top], relevance[top]
    similarity = (matrix @ matrix.T).toarray()
    top_relevance = float(relevance.max()) or 1.0
    chosen: list[int] = []
    covered: set = set()
    covered_passages: set = set()
    per_lineage: dict[str, int] = {}
    while len(chosen) < min(wanted, len(pool)):
        best, best_score = None, -np.inf
        for i, c in enumerate(pool):
            if i in chosen or passages[i] & covered_passages:
                continue
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            if redundancy > 0.6:
                continue
            # A figure (a number and what it counts) is the most concrete fact a sentence can add.
            gain = sum(_FACT_WEIGHT.get(key[0], 1.0) for key in facts[i] - covered)
            score = (0.5 * relevance[i] / top_relevance + 0.35 * min(gain, 6.0) / 6.0 - 0.25 * redundancy
                     - 0.05 * per_lineage.get(c.article.lineage, 0))
            if score > best_score:
                best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        covered |= facts[best]
        covered_passages |= passages[best]
        per_lineage[pool[best].article.lineage] = per_lineage.get(pool[best].article.lineage, 0) + 1
    return [pool[i] for i in chosen]


def story_facts(store, story_id: str, article_ids: list[str], figures) -> list[dict]:
    """The facts the story states, as {key, article_id, span}: each figure (what is counted, and its value),
    each event (who did what to whom) and each reconciled statement, where its sentence is."""
    facts = [{"key": ("figure", f.unit or f.counted, f.value), "article_id": f.article_id, "span": f.span}
             for f in figures]
    facts += [{"key": ("event", e.predicate, e.actor_keys, e.target_keys, e.negated), "article_id": e.article_id,
               "span": e.span} for e in store.events_for(article_ids) if e.predicate != "say"]
    for claim in store.claims(story_id):
        if claim.get("kind", "figure") == "figure":
            continue
        for evidence in claim.get("evidence", ()):
            if evidence.get("span"):
                facts.append({"key": ("claim", claim["id"]), "article_id": evidence["article_id"],
                              "span": tuple(evidence["span"])})
    return facts
