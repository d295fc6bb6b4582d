"""Independent sources: who can confirm whom.

Copies of one text (a lineage: a syndicated wire story carried by several outlets) are one source, named by the
outlet of the copy that stands for the lineage (the canonical one when it is present). An outlet's articles are
one source too: an outlet repeating its own sentence in its next live-blog page or follow-up is not a second
witness. A lineage with no known outlet is a source of its own. A claim is corroborated only by 2+ sources.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..records import Article


def source_keys(articles: Iterable[Article]) -> dict[str, str]:
    """Each article id mapped to its source's key."""
    articles = sorted(articles, key=lambda a: (a.id != a.lineage, a.published or "9999", a.id))
    lineage_source: dict[str, str] = {}
    for a in articles:  # the canonical copy first, else the earliest, speaks for its lineage
        if a.lineage not in lineage_source:
            outlet = " ".join((a.outlet or "").lower().split())
            lineage_source[a.lineage] = f"outlet:{outlet}" if outlet else f"lineage:{a.lineage}"
    return {a.id: lineage_source[a.lineage] for a in articles}


def independent_sources(articles: Iterable[Article]) -> int:
    return len(set(source_keys(articles).values()))
