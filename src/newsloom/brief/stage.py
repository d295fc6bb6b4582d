"""The brief stage: a cited briefing for each story touched in this batch."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ModelMissingError
from ..records import Story
from ..stages import Stage
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
        key_figures, disagreements, statements = [], [], []
        for claim in store.claims(story.id):
            if claim.get("kind", "figure") != "figure":
                statements.append({"claim": claim["subject"], "status": claim["status"], "lineages": claim["lineages"],
                                   "sources": sorted({numbers[e["article_id"]] for e in claim["evidence"]
                                                      if e["article_id"] in numbers})})
                continue
            extra_of = {e["figure_id"]: e for e in claim.get("evidence", [])}
            values = [{"text": f.text, "value": f.value, "low": f.low, "high": f.high, "sentence": f.sentence,
                       "source": numbers[f.article_id], "outlet": by_id[f.article_id].outlet,
                       "published": by_id[f.article_id].published, "date": extra_of.get(f.id, {}).get("date"),
                       "time": f.time_text, "attribution": f.attribution}
                      for f in (figures[i] for i in claim["figure_ids"])]
            entry = {"subject": claim["subject"], "status": claim["status"], "lineages": claim["lineages"],
                     "values": values}
            if claim["status"] == "conflicting":
                disagreements.append(entry)
            if claim["lineages"] > 1 or claim["status"] == "conflicting":
                key_figures.append(entry)
        headlines = [h["text"] for h in store.story_headlines(story.id)]
        briefing = summarize(story.id, story.title, articles, self.ctx.config.brief, key_figures=key_figures,
                             disagreements=disagreements, extra={"headlines": headlines, "claims": statements},
                             facts=story_facts(store, story.id, list(by_id), figures.values()),
                             passages=store.shared_passages(list(by_id)), tagger=self._tagger())
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
