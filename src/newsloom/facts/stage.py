"""The facts stage: entities (spaCy), events (spaCy's parse), figures with their time and attribution, for each
new article."""

from __future__ import annotations

from collections.abc import Iterable

from ..records import Article
from ..stages import BatchStage
from .attribution import Attributor
from .entities import article_entities, load_spacy, parse_batch, sentences_past_parse
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
        figures = {a.id: list(extract_figures(a.id, a.text, a.published)) for a in batch}
        # The parser is loaded (events): what each figure counts is named from the parse, of its sentence when it
        # lies past the article's parsed text.
        late = sentences_past_parse(batch, figures, cfg.ner_max_chars) if cfg.events else []
        late_docs, parsed = parse_batch(batch, late, nlp, cfg.batch_size, cfg.ner_max_chars, cfg.n_process)
        for article, doc in parsed:
            yield article
            entities = list(article_entities(article.id, doc))
            yield from entities
            events = []
            if cfg.events:
                events = list(doc_events(article.id, doc, entities, article.published, Attributor(article.text)))
                yield from events
                figures[article.id] = with_quantities(figures[article.id], doc, late_docs)
            self.note("entities", len(entities))
            self.note("events", len(events))
            self.note("figures", len(figures[article.id]))
            yield from figures.pop(article.id)
