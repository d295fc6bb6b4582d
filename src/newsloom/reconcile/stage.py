"""Reconcile, per story: entities keyed story-wide, then claims cross-checked between independent sources.

- Figures (``figures.py``): grouped by what they count, their context and their time; each group is
  *corroborated* (2+ independent sources agree within their qualifiers' intervals), *single-source*, *conflicting*
  (intervals that do not overlap, for the same time) or an *update* (values that change over time, e.g. a toll
  rising over days, or a series of flow estimates).
- Statements (``statements.py``): sentences of different articles that say the same thing, counted by source.
Independent sources (``sources.py``): copies (one lineage) and an outlet's own articles count once.
Every claim carries its evidence: the exact sentences, with article, outlet, publication date and offsets.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

import numpy as np

from ..facts.entities import resolve_story_keys
from ..records import Article, Claim, Entity, Event, Figure, Story, content_id
from ..stages import BatchStage, Stage
from .figures import claim_status, figure_time, group_figures, quantity_key
from .sources import independent_sources, source_keys
from .statements import candidate_sentences, statement_claims

# Kept for callers of the first version.
group_quantities = group_figures


def figure_claims(story_id: str, figures: list[Figure], articles: dict[str, Article]) -> list[Claim]:
    claims = []
    source_of = source_keys(articles.values())
    for group in group_figures(figures, articles):
        status, lineages, pairs = claim_status(group, articles, source_of)
        unit = quantity_key(group[0]) or "value"
        evidence = sorted((_figure_evidence(f, articles[f.article_id]) for f in group),
                          key=lambda e: (e["date"] or "9999", e["value"], e["article_id"]))
        for a, b, kind in pairs:
            for e in evidence:
                if e["figure_id"] in (a.id, b.id):
                    e.setdefault("disagrees", []).append({"with": b.id if e["figure_id"] == a.id else a.id,
                                                         "as": kind})
        values = "; ".join(f"{e['text']} ({e['outlet'] or e['location']}{', ' + e['date'] if e['date'] else ''})"
                           for e in evidence)
        claims.append(Claim(id=content_id("cl", story_id, unit, *sorted(f.id for f in group)), story_id=story_id,
                            subject=unit, status=status, figure_ids=tuple(e["figure_id"] for e in evidence),
                            lineages=lineages, summary=f"{unit}: {values}", kind="figure", evidence=tuple(evidence)))
    return claims


def _figure_evidence(f: Figure, article: Article) -> dict:
    when = figure_time(f, article)
    return {"figure_id": f.id, "article_id": f.article_id, "lineage": article.lineage, "outlet": article.outlet,
            "location": article.url or article.uri, "published": article.published, "text": f.text,
            "value": f.value, "low": f.low, "high": f.high, "counted": f.counted, "time": f.time_text,
            "date": when[0].isoformat() if when else None, "attribution": f.attribution, "sentence": f.sentence,
            "span": list(f.span)}


def entity_keys_at(entities: Iterable[Entity], resolved: dict[tuple[str, int], str] | None = None
                   ) -> dict[str, list[tuple[int, int, str]]]:
    """Each article's entity spans with their keys (the story-wide ones where ``resolved`` gives them): what
    ``candidate_sentences`` reads."""
    keys_at: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for e in entities:
        key = resolved[(e.article_id, e.span[0])] if resolved is not None else e.key
        keys_at[e.article_id].append((e.span[0], e.span[1], key))
    return keys_at


def story_statement_claims(articles: list[Article], entities: list[Entity],
                           resolved: dict[tuple[str, int], str], events: list[Event],
                           embed: Callable[[list[str]], np.ndarray]) -> list[dict]:
    """The statement claims of one story, from its articles' entities (with their story-wide keys, ``resolved``
    by article and offset) and events."""
    keys_at = entity_keys_at(entities, resolved)
    # Events carry the keys their article gave; the story-wide keys make "Putin" and "Vladimir Putin" one actor.
    story_key = {(e.article_id, e.key): resolved[(e.article_id, e.span[0])] for e in entities}

    def story_keys(article_id: str, keys: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({story_key.get((article_id, k), k) for k in keys}))

    events = [replace(ev, actor_keys=story_keys(ev.article_id, ev.actor_keys),
                      target_keys=story_keys(ev.article_id, ev.target_keys)) for ev in events]
    return statement_claims(articles, keys_at, events, embed)


class StatementSentencesStage(BatchStage):
    """The document half's part of reconcile: the embeddings of each new article's candidate statement sentences
    (those that name an entity or hold an event), computed once per article where the models run, so that
    reconcile looks them up (by content, in the store's embedding cache) instead of running the encoder in the
    sequential half. Candidacy is the article's own: the same sentences reconcile takes from it later."""

    name = "sentences"
    consumes = (Article, Entity, Event)

    def process_batch(self, batch: list) -> Iterable:
        from ..represent.embed import cached_or_encoded

        keys_at = entity_keys_at(r for r in batch if isinstance(r, Entity))
        events: dict[str, list[Event]] = defaultdict(list)
        for record in batch:
            if isinstance(record, Event):
                events[record.article_id].append(record)
        sentences = {content_id("sen", c["sentence"]): c["sentence"] for a in batch if isinstance(a, Article)
                     for c in candidate_sentences([a], {a.id: keys_at[a.id]}, events[a.id])}
        vectors, fresh = cached_or_encoded(sentences, self.ctx.config.represent, self.ctx.cached_embeddings)
        self.ctx.sentence_vectors.update(vectors)
        self.note("sentences_embedded", len(fresh))
        return batch


class ReconcileStage(Stage):
    name = "reconcile"
    consumes = (Story,)

    def run(self, records: Iterable) -> Iterator:
        records = list(records)
        start = time.perf_counter()
        self._encode_statement_sentences([r for r in records if isinstance(r, Story)])
        self.stats.seconds += time.perf_counter() - start
        yield from super().run(records)

    def _encode_statement_sentences(self, stories: list[Story]) -> None:
        """The candidate statement sentences of every story of the batch that will be cross-checked, encoded in
        one call (those not in the cache) before any story is reconciled. Encoded story by story, each call sorts
        and pads its own few hundred sentences: on 300 five-outlet articles that padded 26% more tokens than one
        call for the batch, and the encoder is most of reconcile."""
        store = self.ctx.store
        texts: dict[str, str] = {}
        for story in stories:
            articles = store.story_articles(story.id)
            if independent_sources(articles) < 2:
                continue
            ids = [a.id for a in articles]
            for c in candidate_sentences(articles, entity_keys_at(store.entities_for(ids)), store.events_for(ids)):
                texts[content_id("sen", c["sentence"])] = c["sentence"]
        self._cached_or_encoded(texts)

    def process(self, story: Story) -> Iterable:
        store = self.ctx.store
        article_list = store.story_articles(story.id)
        articles = {a.id: a for a in article_list}
        store.clear_claims(story.id)
        ids = list(articles)
        entities = store.entities_for(ids)
        resolved = resolve_story_keys(entities)
        changed = [(resolved[(e.article_id, e.span[0])], e.article_id, e.span[0]) for e in entities
                   if resolved[(e.article_id, e.span[0])] != e.key]
        if changed:
            store.update_entity_keys(changed)
        for claim in figure_claims(story.id, store.figures_for(ids), articles):
            self.note(claim.status.replace("-", "_"))
            yield claim
        if independent_sources(article_list) > 1:  # one source: nothing to cross-check
            for c in story_statement_claims(article_list, entities, resolved, store.events_for(ids), self._embed):
                self.note(f"statement_{c['status'].replace('-', '_')}")
                ev = c["evidence"]
                yield Claim(id=content_id("cl", story.id, "statement", c["subject"],
                                          *sorted(f"{e['article_id']}:{e['span'][0]}" for e in ev)),
                            story_id=story.id, subject=c["subject"], status=c["status"], figure_ids=(),
                            lineages=c["lineages"], kind="statement", evidence=tuple(ev),
                            summary="; ".join(f"{e['outlet'] or e['article_id']}: {e['sentence']}" for e in ev)[:2000])
        yield story  # after its claims, so that the brief stage finds them written

    def _embed(self, texts: list[str]) -> np.ndarray:
        ids = [content_id("sen", t) for t in texts]
        vectors = self._cached_or_encoded(dict(zip(ids, texts)))
        return np.vstack([vectors[rid] for rid in ids]).astype(np.float32)

    def _cached_or_encoded(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """Sentence vectors by content id, from the store's cache (the document half's, or this stage's from an
        earlier batch or story); the others are encoded here and kept (see ``[executor] sentence_vectors``)."""
        from ..represent.embed import cached_or_encoded, model_key

        config = self.ctx.config.represent
        vectors, fresh = cached_or_encoded(texts, config, self.ctx.store.embeddings)
        if fresh:
            self.note("sentences_encoded", len(fresh))
            self.ctx.store.save_embeddings([(rid, model_key(config), v.astype(np.float32).tobytes())
                                            for rid, v in fresh.items()])
        return vectors
