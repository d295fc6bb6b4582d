"""The facts stage: entities (spaCy), events (spaCy's parse), figures with their time and attribution, for each
new article."""

from __future__ import annotations

from collections.abc import Iterable

from ..records import Article
from ..stages import BatchStage
from .attribution import Attributor
from .entities import article_entities, load_spacy, parse_articles
from .events import doc_events
from .figures import extract_figures, with_quantities


class FactsStage(BatchStage):
    name = "facts"
    consumes = (Article,)

    def process_batch(self, batch: list[Article]) -> Iterable:
        if not batch:
            return
        cfg = self.ctx.config.facts
        nlp = load_spacy(cfg.spacy_model, parse=cfg.events)
        for article, doc in parse_articles(batch, nlp, cfg.batch_size, cfg.ner_max_chars, cfg.n_process):
            yield article
            entities = list(article_entities(article.id, doc))
            yield from entities
            events = []
            if cfg.events:
                events = list(doc_events(article.id, doc, entities, article.published, Attributor(article.text)))
                yield from events
            figures = list(extract_figures(article.id, article.text, article.published))
            if cfg.events:  # the parser is loaded: name what each figure counts
                figures = with_quantities(figures, doc, nlp)
            self.note("entities", len(entities))
            self.note("events", len(events))
            self.note("figures", len(figures))
            yield from figures
