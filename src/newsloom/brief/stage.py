"""The brief stage: a cited briefing for each story touched in this batch."""

from __future__ import annotations

from collections.abc import Iterable

import sklearn

from ..errors import ModelMissingError
from ..records import Story
from ..stages import Stage
from .key_figures import claim_entries, rank_figures
from .summarize import number_sources, story_facts, summarize


class BriefStage(Stage):
    name = "brief"
    consumes = (Story,)

    def process(self, story: Story) -> Iterable:
        store = self.ctx.store
        articles = store.story_articles(story.id)
        if not articles:
            self.drop("headline-only")
            return
        numbers = {s.article_id: s.number for s in number_sources(articles)}
        by_id = {a.id: a for a in articles}
        figures = {f.id: f for f in store.figures_for(list(by_id))}
        claims = store.claims(story.id)
        statements = [{"claim": c["subject"], "status": c["status"], "lineages": c["lineages"],
                       "sources": sorted({numbers[e["article_id"]] for e in c["evidence"] if e["article_id"] in numbers})}
                      for c in claims if c.get("kind", "figure") != "figure"]
        figure_claims = claim_entries(claims, figures, numbers, by_id)
        key_figures, other_figures = rank_figures(figure_claims, story.title)
        disagreements = [e for e in key_figures + other_figures if e["status"] == "conflicting"]
        headlines = [h["text"] for h in store.story_headlines(story.id)]
        # A briefing fits a few small TF-IDF models on the story's own sentences, where sklearn's checks of its
        # parameters and inputs (finite values, data frames) took a fifth of their time.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            briefing = summarize(story.id, story.title, articles, self.ctx.config.brief, key_figures=key_figures,
                                 disagreements=disagreements, extra={"headlines": headlines, "claims": statements,
                                                                "other_figures": other_figures},
                                 facts=story_facts(store, story.id, list(by_id), figures.values()),
                                 passages=store.shared_passages(list(by_id)), tagger=self._tagger(),
                                 entities=store.entities_for(list(by_id)))
        self.note("sentences", len(briefing.summary))
        yield briefing

    def _tagger(self):
        """Part-of-speech tags for section titles, from the facts stage's spaCy pipeline (already loaded when
        facts ran); without spaCy, titles fall back to word shapes."""
        from ..facts.entities import load_spacy

        try:
            nlp = load_spacy(self.ctx.config.facts.spacy_model, parse=True)
        except ModelMissingError:
            return None

        def tag(texts: list[str]) -> list[list[tuple[int, str]]]:
            with nlp.select_pipes(enable=[p for p in ("tok2vec", "tagger") if p in nlp.pipe_names]):
                return [[(t.idx, t.tag_) for t in doc] for doc in nlp.pipe(texts)]
        return tag
