"""Reconcile, first version: per story, figures that count the same thing and are close in value are one
quantity; it is *corroborated* when 2+ independent source lineages agree within their qualifiers' intervals,
*single-source* when one lineage reports it, *conflicting* when intervals do not overlap, and an *update* when
the differing values come from different days (a toll rising over time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ..records import Article, Claim, Figure, Story, content_id
from ..stages import Stage

_SAME_QUANTITY_RATIO = 1.5  # values further apart than this are different quantities of the same unit


def group_quantities(figures: list[Figure]) -> list[list[Figure]]:
    by_unit: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_unit[figure.unit or ""].append(figure)
    groups = []
    for unit in sorted(by_unit):
        current: list[Figure] = []
        for figure in sorted(by_unit[unit], key=lambda f: (f.value, f.id)):
            if current and figure.value > current[0].value * _SAME_QUANTITY_RATIO:
                groups.append(current)
                current = []
            current.append(figure)
        if current:
            groups.append(current)
    return groups


def claim_status(group: list[Figure], articles: dict[str, Article]) -> tuple[str, int]:
    lineages = {articles[f.article_id].lineage for f in group}
    disagreeing = [(a, b) for i, a in enumerate(group) for b in group[i + 1:]
                   if a.high < b.low or b.high < a.low]
    if disagreeing and len(lineages) > 1:
        days = [(articles[a.article_id].published or "")[:10] != (articles[b.article_id].published or "")[:10]
                and articles[a.article_id].published and articles[b.article_id].published
                for a, b in disagreeing]
        return ("update" if all(days) else "conflicting"), len(lineages)
    return ("corroborated" if len(lineages) > 1 else "single-source"), len(lineages)


class ReconcileStage(Stage):
    name = "reconcile"
    consumes = (Story,)

    def process(self, story: Story) -> Iterable:
        store = self.ctx.store
        articles = {a.id: a for a in store.story_articles(story.id)}
        store.clear_claims(story.id)
        for group in group_quantities(store.figures_for(list(articles))):
            status, lineages = claim_status(group, articles)
            self.note(status.replace("-", "_"))
            unit = group[0].unit or "value"
            values = "; ".join(f"{f.text} ({articles[f.article_id].outlet or articles[f.article_id].uri})"
                               for f in group)
            yield Claim(id=content_id("cl", story.id, unit, *sorted(f.id for f in group)), story_id=story.id,
                        subject=unit, status=status, figure_ids=tuple(f.id for f in group), lineages=lineages,
                        summary=f"{unit}: {values}")
        yield story  # after its claims, so that the brief stage finds them written
