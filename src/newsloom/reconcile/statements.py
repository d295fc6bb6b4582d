"""Claims beyond figures: statements of different articles that say the same thing.

Candidate sentences are those that name at least one entity or hold an event (a key predicate from the parse).
Each is split into its clauses (``clauses.py``), since outlets often repeat one statement of a longer sentence in
other words; a clause inherits its subject or speaker ("South Korea ... said it would consider ..."). Statements
are embedded with the story encoder (MiniLM by default; vectors cached in the store by content) and grouped
greedily, in publication order, with the cluster they match best on average, when the similarity (what is said,
by embedding and words, and what it is said about, by shared entities keyed story-wide, so "Seoul" and "South
Korea" count as one) reaches ``SIMILARITY`` and the statement shares an entity with the cluster. A group stated
by 2+ independent source lineages is *corroborated*; a sentence no other lineage repeats is *single-source* when
it states an event or an explicit time (the rest is commentary and is not listed). When a corroborated claim's
time ("in June 2024") is stated by one lineage only, that time is a single-source claim of its own. Evidence
stays the whole sentence (briefings cite sentences), with the clause that states the claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from ..records import Article, Event
from ..sentences import split_sentences
from ..facts.timex import find_times
from .clauses import Clause

SIMILARITY = 0.46
ENTITY_WEIGHT = 1 / 3
# A statement brings a new source into a claim only if it is this close, by embedding, to one of its members:
# sharing rare entities ("Ukrainian forces", "Russia") must not alone make two different statements agree.
MEANING_FLOOR = 0.5
MAX_SENTENCES_PER_ARTICLE = 40
MAX_SENTENCES_PER_STORY = 2000  # bounds the pairwise matrix and the encoder's work on very large stories
MAX_STATEMENTS_PER_STORY = 4000  # clauses of those sentences
MIN_WORDS, MAX_WORDS = 6, 70
MIN_CLAUSE_WORDS = 4

Splitter = Callable[[list[str]], list[list[Clause]]]


def candidate_sentences(articles: list[Article], keys_at: dict[str, list[tuple[int, int, str]]],
                        events: list[Event], clauses: Splitter | None = None) -> list[dict]:
    """Statements to group: one per clause of each sentence that names an entity or holds an event (the whole
    sentence when ``clauses`` is None). A clause's entities are those in its words and in the subject it
    inherits; a clause naming none is taken to be about those its sentence names."""
    event_spans = defaultdict(list)
    for e in events:
        event_spans[e.article_id].append(e)
    sentences = []
    for article in articles:
        spans = keys_at.get(article.id, [])
        taken = 0
        for sentence, (start, end) in split_sentences(article.text):
            words = sentence.split()
            if not MIN_WORDS <= len(words) <= MAX_WORDS or sentence.endswith("?"):
                continue
            keys = {k for s, e, k in spans if s < end and start < e}
            sentence_events = [e for e in event_spans.get(article.id, []) if e.span[0] < end and start < e.span[1]]
            if not keys and not sentence_events:
                continue
            sentences.append({"article": article, "sentence": sentence, "span": (start, end), "keys": keys,
                              "events": sentence_events})
            taken += 1
            if taken >= MAX_SENTENCES_PER_ARTICLE:
                break
        if len(sentences) >= MAX_SENTENCES_PER_STORY:
            break
    sentences = sentences[:MAX_SENTENCES_PER_STORY]
    if clauses is None:
        return [s | {"text": s["sentence"], "clause": None} for s in sentences]
    out = []
    for s, parts in zip(sentences, clauses([s["sentence"] for s in sentences])):
        if len(parts) == 1:
            out.append(s | {"text": s["sentence"], "clause": None})
            continue
        start = s["span"][0]
        spans = keys_at.get(s["article"].id, [])
        for part in parts:
            if len(part.text.split()) < MIN_CLAUSE_WORDS:
                continue
            keys = {k for b, e, k in spans for cb, ce in part.spans if b < start + ce and start + cb < e}
            out.append(s | {"text": part.text, "clause": part.text, "keys": keys or s["keys"]})
    return out[:MAX_STATEMENTS_PER_STORY]


def _lexical(candidates: list[dict]) -> np.ndarray:
    """Story-local TF-IDF cosine (unigrams and bigrams): words every article uses weigh little, so what is
    specific to a claim decides."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [c["text"] for c in candidates]
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2)).fit_transform(texts)
    except ValueError:
        return np.zeros((len(texts), len(texts)))
    return (matrix @ matrix.T).toarray()


def _entity_agreement(candidates: list[dict]) -> np.ndarray:
    """How much two statements agree on what they are about: the entities they share, weighted by how rare each
    is in the story (IDF over statements), as a share of all their entities (weighted Jaccard), damped when what
    they share is only the story's common actors (shared weight below ``log n``). Two clauses about "South
    Korea" and "Ukraine" agree strongly; two that share only "Russia" and "North Korea" in a story about them
    hardly do."""
    n = len(candidates)
    keys = sorted({k for c in candidates for k in c["keys"]})
    if n < 2 or not keys:
        return np.zeros((n, n), dtype=np.float32)
    index = {k: i for i, k in enumerate(keys)}
    has = np.zeros((n, len(keys)), dtype=np.float32)
    for row, c in enumerate(candidates):
        for k in c["keys"]:
            has[row, index[k]] = 1.0
    idf = np.log(n / has.sum(axis=0))
    shared = (has * idf) @ has.T
    own = has @ idf
    union = own[:, None] + own[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    return (jaccard * np.minimum(1.0, shared / np.log(n))).astype(np.float32)


def group_statements(candidates: list[dict], vectors: np.ndarray) -> list[list[int]]:
    """Greedy average linkage, in publication order: a statement joins the cluster whose members it matches best
    on average, if that reaches ``SIMILARITY``, it shares an entity, and (when it is from a source the cluster
    does not have yet) its meaning is close to one member's (``MEANING_FLOOR``). Similarity: the mean of embedding and
    lexical cosine (what is said), mixed with entity agreement (what it is said about), which carries paraphrases
    whose words differ ("consider sending weapons to Ukraine", "reconsider supplying military aid to Kyiv")."""
    meaning = (vectors @ vectors.T).astype(np.float32)
    text = 0.5 * meaning + 0.5 * _lexical(candidates)
    sims = ((1 - ENTITY_WEIGHT) * text + ENTITY_WEIGHT * _entity_agreement(candidates)).astype(np.float32)
    # totals[i, c]: the sum of item i's similarities to cluster c's members, kept up to date as clusters grow,
    # so each item scores every cluster at once instead of re-reading the members (quadratic in Python).
    totals = np.zeros_like(sims)
    closest = np.full_like(sims, -1.0)  # closest[i, c]: item i's best embedding cosine to a member of cluster c
    sizes: list[int] = []
    clusters: list[list[int]] = []
    cluster_keys: list[set[str]] = []
    cluster_lineages: list[set[str]] = []
    for i, cand in enumerate(candidates):
        best = None
        if clusters:
            scores = totals[i, : len(clusters)] / np.asarray(sizes, dtype=np.float32)
            passing = np.flatnonzero(scores >= SIMILARITY)
            for c in passing[np.argsort(-scores[passing], kind="stable")]:
                if cand["keys"] and cluster_keys[c] and not (cand["keys"] & cluster_keys[c]):
                    continue
                if closest[i, c] < MEANING_FLOOR and cand["article"].lineage not in cluster_lineages[c]:
                    continue
                best = int(c)
                break
        if best is None:
            best = len(clusters)
            clusters.append([])
            cluster_keys.append(set())
            cluster_lineages.append(set())
            sizes.append(0)
        clusters[best].append(i)
        cluster_keys[best] |= cand["keys"]
        cluster_lineages[best].add(cand["article"].lineage)
        sizes[best] += 1
        totals[:, best] += sims[:, i]
        np.maximum(closest[:, best], meaning[:, i], out=closest[:, best])
    return clusters


def statement_claims(articles: list[Article], keys_at: dict[str, list[tuple[int, int, str]]],
                     events: list[Event], embed: Callable[[list[str]], np.ndarray],
                     clauses: Splitter | None = None) -> list[dict]:
    """Claims as dicts: subject, status, lineages, evidence (one entry per sentence, with the clause that states
    the claim when it is not the whole sentence)."""
    candidates = candidate_sentences(articles, keys_at, events, clauses)
    if not candidates:
        return []
    vectors = embed([c["text"] for c in candidates])
    claims, single = [], []
    for members in group_statements(candidates, vectors):
        cands = _by_sentence([candidates[i] for i in members])
        lineages = {c["article"].lineage for c in cands}
        evidence = [_evidence(c) for c in cands]
        if len(lineages) >= 2:
            claims.append({"subject": _subject(cands), "status": "corroborated", "lineages": len(lineages),
                           "evidence": evidence})
            claims.extend(_single_source_times(cands, evidence))
        elif any(e["predicate"] != "say" for c in cands for e in _events(c)) or any(e["time"] for e in evidence):
            single.append(cands)
    # Clauses of one sentence that no other source repeats make one claim: the sentence, as when unsplit.
    by_sentences: dict[frozenset, list[list[dict]]] = defaultdict(list)
    for cands in single:
        by_sentences[frozenset((c["article"].id, c["span"]) for c in cands)].append(cands)
    for groups in by_sentences.values():
        cands = groups[0] if len(groups) == 1 else _by_sentence([c | {"clause": None, "text": c["sentence"]}
                                                                  for g in groups for c in g])
        claims.append({"subject": _subject(cands), "status": "single-source", "lineages": 1,
                       "evidence": [_evidence(c) for c in cands]})
    return claims


def _by_sentence(cands: list[dict]) -> list[dict]:
    """One statement per sentence: clauses of the same sentence in one claim are joined."""
    out: dict[tuple[str, tuple[int, int]], dict] = {}
    for c in cands:
        key = (c["article"].id, c["span"])
        if key not in out:
            out[key] = c
        elif out[key]["clause"] is not None and c["clause"] is not None and c["clause"] != out[key]["clause"]:
            joined = f"{out[key]['clause']}; {c['clause']}"
            out[key] = out[key] | {"clause": joined, "text": joined, "keys": out[key]["keys"] | c["keys"]}
    return list(out.values())


def _events(cand: dict) -> list[dict]:
    return [{"predicate": e.predicate, "actor": e.actor, "target": e.target, "negated": e.negated,
             "time": e.time_text, "attribution": e.attribution} for e in cand["events"]]


def _evidence(cand: dict) -> dict:
    article = cand["article"]
    times = [t for t in find_times(cand["text"], article.published) if t.kind not in ("weekday", "deictic")
             or t.start]
    explicit = [t for t in times if t.kind in ("month_day_year", "day_month_year", "month_year", "month_day",
                                               "day_month", "between_months", "month")]
    return {"article_id": article.id, "lineage": article.lineage, "outlet": article.outlet,
            "published": article.published, "sentence": cand["sentence"], "span": list(cand["span"]),
            "clause": cand["clause"], "time": explicit[0].text if explicit else None,
            "time_start": explicit[0].start if explicit else None,
            "events": _events(cand)}


def _single_source_times(cands: list[dict], evidence: list[dict]) -> list[dict]:
    by_time: dict[str, set[str]] = defaultdict(set)
    for ev in evidence:
        if ev["time"]:
            by_time[ev["time"].lower()].add(ev["lineage"])
    out = []
    for time_text, lineages in by_time.items():
        if len(lineages) == 1:
            ev = [e for e in evidence if e["time"] and e["time"].lower() == time_text]
            stated = [c for c in cands if (c["article"].id, list(c["span"])) == (ev[0]["article_id"], ev[0]["span"])]
            out.append({"subject": f"when: {ev[0]['time']} ({_subject(stated)})",
                        "status": "single-source", "lineages": 1, "evidence": ev})
    return out


def _subject(cands: list[dict]) -> str:
    text = min((c["text"] for c in cands), key=len)
    return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "..."
