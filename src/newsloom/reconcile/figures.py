"""Cross-checking figures between the articles of a story.

1. Figures are bucketed by what they count (the unit; people counted with a killing verb are deaths).
2. Within a bucket, figures about the same quantity are grouped: their contexts (the words around the figure,
   numbers masked) must be alike (TF-IDF cosine), and their values must be compatible unless their times
   differ. Two figures stated for the same time (or both undated) whose values are more than 1.5x apart beyond
   their qualifiers are different quantities ("over 10,000 troops ... including an estimated 3,000 soldiers");
   figures of different days may differ more, which is what a series of estimates does.
3. Each group is a claim. Pairs of figures from different source lineages whose intervals do not overlap
   disagree; a disagreement is an *update* when the two are stated for different times, or when the lower-dated
   value had already been reported before (a recap of an earlier estimate); otherwise it is a *conflict*.
   Status: conflicting if any conflict; else update if any update; else corroborated (2+ sources) or
   single-source. Copies (same lineage) count once, and so do an outlet's own articles (``sources.py``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import numpy as np

from ..records import Article, Figure
from .sources import source_keys

SAME_QUANTITY_RATIO = 1.5  # same-time values further apart than this (beyond qualifiers) are different quantities
CONTEXT_SIMILARITY = 0.12  # TF-IDF cosine of the figures' contexts to be about the same quantity
_KILL = re.compile(r"\b(?:kill\w*|dead|died|die|dies|death|deaths|toll|lives|fatalit\w+|perish\w*|bodies)\b", re.I)
_CONTEXT_WORDS = 14


def quantity_key(figure: Figure) -> str:
    unit = figure.unit or ""
    if unit in ("people", "lives", "deaths", "dead", "bodies", "civilians"):
        window = figure.sentence
        if _KILL.search(window):
            return "deaths"
    return unit


def figure_time(figure: Figure, article: Article) -> tuple[date, date] | None:
    """The days a figure is stated for: its stated time, else the article's publication day."""
    start = figure.time_start or (article.published or "")[:10] or None
    end = figure.time_end or (article.published or "")[:10] or None
    if not start or not end:
        return None
    try:
        return date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        return None


def _same_time(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a[0] <= b[1] and b[0] <= a[1]


def _compatible(a: Figure, b: Figure) -> bool:
    if a.low <= b.high and b.low <= a.high:
        return True
    lo, hi = (a, b) if a.high < b.low else (b, a)
    return hi.low <= lo.high * SAME_QUANTITY_RATIO


def _context(figure: Figure) -> str:
    sentence = figure.sentence
    at = sentence.find(figure.text)
    if at < 0:
        at = 0
    left = re.findall(r"[A-Za-z][\w'-]*", sentence[:at])[-_CONTEXT_WORDS:]
    right = re.findall(r"[A-Za-z][\w'-]*", sentence[at + len(figure.text):])[:_CONTEXT_WORDS]
    unit = (figure.unit or "").split()
    return " ".join(_stem(w) for w in left + unit + right)


def _stem(word: str) -> str:
    """A crude suffix stripper, enough for "deployed" / "deployment" / "deploys" to meet."""
    word = word.lower()
    for suffix in ("ments", "ment", "ings", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _similarities(figures: list[Figure]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [_context(f) for f in figures]
    if len(figures) < 2 or not any(texts):
        return np.ones((len(figures), len(figures)))
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # only stop words
        return np.ones((len(figures), len(figures)))
    return (matrix @ matrix.T).toarray()


def group_figures(figures: list[Figure], articles: dict[str, Article]) -> list[list[Figure]]:
    """Groups of figures about the same quantity (average linkage over linkable pairs)."""
    buckets: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if figure.article_id in articles:
            buckets[quantity_key(figure)].append(figure)
    groups: list[list[Figure]] = []
    for key in sorted(buckets):
        members = sorted(buckets[key], key=lambda f: (f.value, f.id))
        groups.extend(_cluster(members, articles))
    return groups


def _cluster(members: list[Figure], articles: dict[str, Article]) -> list[list[Figure]]:
    n = len(members)
    if n == 1:
        return [members]
    sims = _similarities(members)
    times = [figure_time(f, articles[f.article_id]) for f in members]
    linkable = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = members[i], members[j]
            same_article = a.article_id == b.article_id
            if same_article and a.span == b.span:
                continue
            if same_article and _same_time(times[i], times[j]) and not (a.low <= b.high and b.low <= a.high):
                continue  # one article does not contradict itself: different values there are different things
            value_ok = _compatible(a, b) or (times[i] is not None and times[j] is not None
                                             and not _same_time(times[i], times[j]))
            ok = value_ok and sims[i, j] >= CONTEXT_SIMILARITY
            linkable[i, j] = linkable[j, i] = ok
    # Average linkage: repeatedly merge the two clusters with the highest mean similarity, while at least half
    # of the pairs between them are linkable and that mean reaches the threshold (sums kept per cluster pair).
    sim_sum = np.where(np.eye(n, dtype=bool), 0.0, sims).astype(float)
    link_sum = linkable.astype(float)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members_of = {i: [i] for i in range(n)}
    while True:
        pairs = np.outer(size, size)
        mean_sim = sim_sum / pairs
        ok = (link_sum / pairs >= 0.5) & (link_sum > 0) & alive[:, None] & alive[None, :]
        np.fill_diagonal(ok, False)
        if not ok.any():
            break
        score = np.where(ok, mean_sim, -1.0)
        x, y = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[x, y] < CONTEXT_SIMILARITY:
            break
        x, y = min(x, y), max(x, y)
        sim_sum[x, :] += sim_sum[y, :]
        sim_sum[:, x] += sim_sum[:, y]
        link_sum[x, :] += link_sum[y, :]
        link_sum[:, x] += link_sum[:, y]
        sim_sum[x, x] = link_sum[x, x] = 0.0
        size[x] += size[y]
        alive[y] = False
        sim_sum[y, :] = sim_sum[:, y] = link_sum[y, :] = link_sum[:, y] = 0.0
        members_of[x] += members_of.pop(y)
    clusters = list(members_of.values())
    return [[members[i] for i in sorted(c, key=lambda i: (members[i].value, members[i].id))] for c in clusters]


def claim_status(group: list[Figure], articles: dict[str, Article],
                 source_of: dict[str, str] | None = None) -> tuple[str, int, list[tuple]]:
    """(status, independent sources, disagreeing pairs as (figure a, figure b, 'update'|'conflict')).
    ``source_of``: the story's ``sources.source_keys``, when the caller checks many groups of one story."""
    source_of = source_of or source_keys(articles.values())
    sources = len({source_of[f.article_id] for f in group})
    times = {f.id: figure_time(f, articles[f.article_id]) for f in group}
    dated = [(times[f.id][0], f) for f in group if times[f.id] is not None]

    def first_seen(f: Figure) -> date | None:
        """When a value agreeing with ``f`` (overlapping interval) was first reported in this group."""
        days = [d for d, g in dated if g.low <= f.high and f.low <= g.high]
        return min(days) if days else None

    pairs = []
    for i, a in enumerate(group):
        for b in group[i + 1:]:
            if articles[a.article_id].lineage == articles[b.article_id].lineage:
                continue
            if a.low <= b.high and b.low <= a.high:
                continue
            ta, tb = times[a.id], times[b.id]
            if ta is not None and tb is not None and not _same_time(ta, tb):
                kind = "update"
            elif ta is not None and tb is not None and (first_seen(a) < ta[0] or first_seen(b) < tb[0]):
                kind = "update"  # one of the two values was already reported earlier: a recap, not a dispute
            else:
                kind = "conflict"
            pairs.append((a, b, kind))
    if any(kind == "conflict" for _, _, kind in pairs):
        status = "conflicting"
    elif pairs:
        status = "update"
    else:
        status = "corroborated" if sources > 1 else "single-source"
    return status, sources, pairs

