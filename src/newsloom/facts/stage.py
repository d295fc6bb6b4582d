"""The facts stage: entities (spaCy) and figures for each new article."""

from __future__ import annotations

from collections.abc import Iterable

from ..records import Article
from ..stages import BatchStage
from .entities import extract_entities, load_spacy
from .figures import extract_figures


class FactsStage(BatchStage):
    name = "facts"
    consumes = (Article,)

    def process_batch(self, batch: list[Article]) -> Iterable:
        cfg = self.ctx.config.facts
        nlp = load_spacy(cfg.spacy_model) if batch else None
        entity_lists = extract_entities(batch, nlp, cfg.batch_size, cfg.ner_max_chars, cfg.n_process) if batch else iter(())
        for article, entities in zip(batch, entity_lists):
            yield article
            yield from entities
            figures = list(extract_figures(article.id, article.text))
            self.note("entities", len(entities))
            self.note("figures", len(figures))
            yield from figures
