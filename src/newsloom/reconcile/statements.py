"""Claims beyond figures: sentences of different articles that state the same thing.

Candidate sentences are those that name at least one entity or hold an event (a key predicate from the parse);
they are embedded with the story encoder (MiniLM by default; vectors cached in the store by sentence content) and
grouped greedily, in publication order, with the cluster whose members they match best on average, when that
reaches ``SIMILARITY`` (one sentence per lineage in a cluster). A group stated by 2+ independent sources
(``sources.py``: copies and an outlet's own articles count once) is *corroborated*; what one source alone says
is *single-source* when it states an event or an explicit time (the rest is commentary and is not listed). When
a corroborated claim's time ("in June 2024") is stated by one source only, that time is a single-source claim
of its own, and so is an event of the group (actor, action, target) that no other source reports.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from ..dates import CLOCK_TIME, WHEN_WORDS
from ..records import Article, Event
from ..sentences import split_sentences
from ..facts.timex import find_times
from .sources import source_keys

# Chosen on the dev half of bench/corroboration_labels.jsonl (hand-labelled sentence pairs): best pairwise F1
# among 0.38, 0.40 and 0.42, with and without a shared entity required; 0.42 before.
SIMILARITY = 0.40
MAX_SENTENCES_PER_ARTICLE = 40
MAX_SENTENCES_PER_STORY = 2000  # bounds the pairwise matrix and the encoder's work on very large stories
MIN_WORDS, MAX_WORDS = 6, 70
# A live blog's time stamps ("(Update 4:30 a.m. in Cairo, 9:30 p.m. ET)", "Monday in Cairo, 5:24 p.m.") come
# back in every entry and every page of the blog, so they would corroborate each other across lineages. What is
# left of such a line without its clock times, words of when and the stamp's own words is too little to state
# anything.
_CLOCK = re.compile(CLOCK_TIME, re.I)
_LETTERS = re.compile(r"[A-Za-z]+")
_STAMP_WORDS = WHEN_WORDS | {"update", "updated", "posted", "et", "lrb", "rrb"}
MIN_STATING_WORDS = 4


def candidate_sentences(articles: list[Article], keys_at: dict[str, list[tuple[int, int, str]]],
                        events: list[Event]) -> list[dict]:
    events_at: dict[tuple[str, int], list[Event]] = defaultdict(list)
    for e in events:
        events_at[(e.article_id, e.span[0])].append(e)
    event_spans = defaultdict(list)
    for e in events:
        event_spans[e.article_id].append(e)
    out = []
    for article in articles:
        spans = keys_at.get(article.id, [])
        taken = 0
        for sentence, (start, end) in split_sentences(article.text):
            words = sentence.split()
            if not MIN_WORDS <= len(words) <= MAX_WORDS or sentence.endswith("?") or _time_stamp(sentence):
                continue
            keys = sorted({k for s, e, k in spans if s < end and start < e})
            sentence_events = [e for e in event_spans.get(article.id, []) if e.span[0] < end and start < e.span[1]]
            if not keys and not sentence_events:
                continue
            out.append({"article": article, "sentence": sentence, "span": (start, end), "keys": set(keys),
                        "events": sentence_events})
            taken += 1
            if taken >= MAX_SENTENCES_PER_ARTICLE:
                break
        if len(out) >= MAX_SENTENCES_PER_STORY:
            break
    return out[:MAX_SENTENCES_PER_STORY]


def _time_stamp(sentence: str) -> bool:
    if not _CLOCK.search(sentence):
        return False
    rest = [w for w in _LETTERS.findall(_CLOCK.sub(" ", sentence)) if w.lower() not in _STAMP_WORDS]
    return len(rest) < MIN_STATING_WORDS


def _lexical(candidates: list[dict]) -> np.ndarray:
    """Story-local TF-IDF cosine (unigrams and bigrams): words every article uses weigh little, so what is
    specific to a claim decides."""
    from ..represent.tfidf import story_tfidf

    texts = [c["sentence"] for c in candidates]
    try:
        matrix = story_tfidf(ngram_range=(1, 2)).fit_transform(texts)
    except ValueError:
        return np.zeros((len(texts), len(texts)))
    return (matrix @ matrix.T).toarray()


# Same action by the same actor on the same target, e.g. "South Korea said it would consider sending weapons to
# Ukraine" and "Seoul remarked that it would reconsider supplying military aid to Kyiv": reworded so much that
# their sentence vectors barely meet, yet one claim. Moving things to someone is one action however it is worded.
EVENT_MATCH = SIMILARITY + 0.2
_ACTION = {"send": "transfer", "supply": "transfer", "deploy": "transfer"}


def _action(event: Event) -> str:
    return _ACTION.get(event.predicate, event.predicate)


def _reported(event: Event) -> bool:
    """An action with a named actor and target: what two reports can be matched on."""
    return event.predicate != "say" and bool(event.actor_keys) and bool(event.target_keys)


def _event_signatures(cand: dict) -> list[tuple]:
    return [(_action(e), frozenset(e.actor_keys), frozenset(e.target_keys), e.negated, e.time_start)
            for e in cand["events"] if _reported(e)]


def _same_event(a: tuple, b: tuple) -> bool:
    return (a[0] == b[0] and a[3] == b[3] and bool(a[1] & b[1]) and bool(a[2] & b[2])
            and (a[4] is None or b[4] is None or a[4] == b[4]))


def _event_links(candidates: list[dict]) -> list[tuple[int, int]]:
    """Pairs of sentences of different lineages that report the same event (action, actor and target keys,
    negation, and the time when both state one)."""
    by_action: dict[str, list[tuple[int, tuple]]] = defaultdict(list)
    for i, cand in enumerate(candidates):
        for sig in _event_signatures(cand):
            by_action[sig[0]].append((i, sig))
    pairs = set()
    for items in by_action.values():
        for x, (i, a) in enumerate(items):
            for j, b in items[x + 1:]:
                if i != j and candidates[i]["article"].lineage != candidates[j]["article"].lineage \
                        and _same_event(a, b):
                    pairs.add((i, j))
    return sorted(pairs)


def group_statements(candidates: list[dict], vectors: np.ndarray) -> list[list[int]]:
    """Greedy average linkage, in publication order: a sentence joins the cluster whose members it matches best
    on average (mean of embedding and lexical cosine, raised to ``EVENT_MATCH`` for two reports of the same
    event), if that reaches ``SIMILARITY``. A cluster takes one sentence per lineage: a text's own neighbouring
    sentences read alike (one subject) without being one statement, and once one of them joined, the cluster's
    average no longer matched another outlet's rewording of the first (on the labelled pairs' dev half, pairwise
    precision 0.823 -> 0.917 at recall 0.335 -> 0.343). (Also requiring a shared entity with the cluster split true
    corroborations whose sentences name their actors differently, and bought no precision on the labelled pairs.)"""
    sims = (0.5 * (vectors @ vectors.T) + 0.5 * _lexical(candidates)).astype(np.float32)
    for i, j in _event_links(candidates):
        sims[i, j] = sims[j, i] = max(sims[i, j], EVENT_MATCH)
    # totals[c, i]: the sum of item i's similarities to cluster c's members, kept up to date as clusters grow,
    # so each item scores every cluster at once instead of re-reading the members (quadratic in Python); one
    # cluster's sums are a row, so that adding a member writes one contiguous row.
    totals = np.zeros_like(sims)
    sizes: list[int] = []
    clusters: list[list[int]] = []
    held_by: dict[str, list[int]] = defaultdict(list)  # lineage -> the clusters holding one of its sentences
    for i, cand in enumerate(candidates):
        lineage = cand["article"].lineage
        best = None
        if clusters:
            scores = totals[: len(clusters), i] / np.asarray(sizes, dtype=np.float32)
            scores[held_by[lineage]] = -1.0
            top = int(np.argmax(scores))
            if scores[top] >= SIMILARITY:
                best = top
        if best is None:
            best = len(clusters)
            clusters.append([])
            sizes.append(0)
        clusters[best].append(i)
        sizes[best] += 1
        held_by[lineage].append(best)
        totals[best] += sims[:, i]
    return clusters


def statement_claims(articles: list[Article], keys_at: dict[str, list[tuple[int, int, str]]],
                     events: list[Event], embed: Callable[[list[str]], np.ndarray]) -> list[dict]:
    """Claims as dicts: subject, status, lineages, evidence (one entry per sentence)."""
    candidates = candidate_sentences(articles, keys_at, events)
    if not candidates:
        return []
    vectors = embed([c["sentence"] for c in candidates])
    source_of = source_keys(articles)
    reported = _reported_actions(events, source_of)
    listed: set[tuple] = set()  # single-source events already claimed: a source may repeat one in two groups
    claims = []
    for members in group_statements(candidates, vectors):
        cands = [candidates[i] for i in members]
        sources = {source_of[c["article"].id] for c in cands}
        evidence = [_evidence(c) for c in cands]
        if len(sources) >= 2:
            claims.append({"subject": _subject(cands), "status": "corroborated", "lineages": len(sources),
                           "evidence": evidence})
            claims.extend(_single_source_times(cands, evidence, source_of))
            claims.extend(_single_source_events(cands, evidence, source_of, reported, listed))
        elif any(e["predicate"] != "say" for c in cands for e in _events(c)) or any(e["time"] for e in evidence):
            claims.append({"subject": _subject(cands), "status": "single-source", "lineages": 1,
                           "evidence": evidence})
    return claims


def _events(cand: dict) -> list[dict]:
    return [{"predicate": e.predicate, "actor": e.actor, "target": e.target, "negated": e.negated,
             "time": e.time_text, "attribution": e.attribution} for e in cand["events"]]


def _evidence(cand: dict) -> dict:
    article = cand["article"]
    times = [t for t in find_times(cand["sentence"], article.published) if t.kind not in ("weekday", "deictic")
             or t.start]
    explicit = [t for t in times if t.kind in ("month_day_year", "day_month_year", "month_year", "month_day",
                                               "day_month", "between_months", "month")]
    return {"article_id": article.id, "lineage": article.lineage, "outlet": article.outlet,
            "published": article.published, "sentence": cand["sentence"], "span": list(cand["span"]),
            "time": explicit[0].text if explicit else None,
            "time_start": explicit[0].start if explicit else None,
            "time_end": explicit[0].end if explicit else None,
            "events": _events(cand)}


def _single_source_times(cands: list[dict], evidence: list[dict], source_of: dict[str, str]) -> list[dict]:
    # One time however it is written ("2 November", "November 2"): its resolved interval when it has one.
    def when(ev: dict) -> tuple:
        return (ev["time_start"], ev["time_end"]) if ev["time_start"] else (ev["time"].lower(),)

    by_time: dict[tuple, set[str]] = defaultdict(set)
    for ev in evidence:
        if ev["time"]:
            by_time[when(ev)].add(source_of[ev["article_id"]])
    out = []
    for time_key, sources in by_time.items():
        if len(sources) == 1:
            ev = [e for e in evidence if e["time"] and when(e) == time_key]
            out.append({"subject": f"when: {ev[0]['time']} ({_subject([c for c in cands if c['sentence'] == ev[0]['sentence']])})",
                        "status": "single-source", "lineages": 1, "evidence": ev})
    return out


def _reported_actions(events: list[Event], source_of: dict[str, str]) -> dict[str, list[tuple]]:
    """Action -> (source, actor keys, target keys, negated) of every event the story's articles report."""
    by_action: dict[str, list[tuple]] = defaultdict(list)
    for e in events:
        if e.article_id in source_of:
            by_action[_action(e)].append(
                (source_of[e.article_id], set(e.actor_keys), set(e.target_keys), e.negated))
    return by_action


def _single_source_events(cands: list[dict], evidence: list[dict], source_of: dict[str, str],
                          reported: dict[str, list[tuple]], listed: set[tuple]) -> list[dict]:
    """Sentences grouped as one statement may still report an event that only one of their sources reports:
    "North Korea has ratified the pact" reads like another outlet's "the pact harks back to a 1961 treaty",
    but no other source says that North Korea ratified anything. Such an event (actor and target named) is a
    single-source claim of its own, as a time that one source alone gives is. Another source's event of the
    same action with a shared actor or target counts as reporting it, so rewordings the parse reads a little
    differently are not split off."""
    out = []
    for cand, ev in zip(cands, evidence):
        source = source_of[cand["article"].id]
        for e in cand["events"]:
            if not _reported(e):
                continue
            action = _action(e)
            actors, targets = set(e.actor_keys), set(e.target_keys)
            signature = (source, action, e.actor_keys, e.target_keys, e.negated)
            if signature in listed or any(other != source and negated == e.negated and (actors & a or targets & t)
                                          for other, a, t, negated in reported.get(action, ())):
                continue
            listed.add(signature)
            out.append({"subject": f"event: {e.actor} ({e.predicate}) {e.target} ({_subject([cand])})",
                        "status": "single-source", "lineages": 1, "evidence": [ev]})
    return out


def _subject(cands: list[dict]) -> str:
    text = min((c["sentence"] for c in cands), key=len)
    return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "..."
