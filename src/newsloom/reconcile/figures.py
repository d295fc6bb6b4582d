"""Cross-checking figures between the articles of a story.

1. Figures are bucketed by their unit (people counted with a killing verb are deaths).
2. Within a bucket, figures about the same quantity are grouped. Whether two figures count one quantity is a
   logistic model over the pair (``pair_features``): how far the quantities the parse names agree ("BP spent
   on response", facts/figures.py ``quantity_phrase``), and whether it names them alike for values of one size,
   the words around both figures, who they are attributed to, whether the values are equal and how far apart
   their days are. Its weights (``same_quantity.json``) are fitted on the hand-labelled pairs of
   bench/figure_pairs_labels.jsonl (``python bench/facts.py --fit-same-quantity``) and scored there leaving one
   topic out. Two figures stated for the same time (or both undated) whose values are more than 1.5x apart beyond
   their qualifiers are different quantities ("over 10,000 troops ... including an estimated 3,000 soldiers");
   figures of different days may differ more, which is what a series of estimates does.
3. Each group is a claim. Pairs of figures from different source lineages disagree when their intervals do not
   overlap even widened by the rounding their written digits allow ("$10bn" may be $9.5bn rounded, "3%" 2.6%)
   and their values differ by more than 2% ("$9.9 billion" and "$10 billion" agree). A disagreement is an
   *update* when the two are stated for different times, or when the lower-dated value had already been reported
   before (a recap of an earlier estimate); otherwise it is a *conflict*, unless the two are too far apart to be
   one quantity (a group joins figures through others). A figure stated as a possibility ("could be as much as")
   disagrees with nothing: it is neither a step of a series nor a dispute.
   Status: conflicting if any conflict; else update if any update; else corroborated (two independent sources
   whose values agree) or single-source. Copies (same lineage) count once, and so do an outlet's own articles
   (``sources.py``).
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

from ..facts.figures import UNIT_SYNONYMS
from ..records import Article, Figure
from ..stages import process_cache
from .sources import source_keys

SAME_QUANTITY_RATIO = 1.5  # same-time values further apart than this (beyond qualifiers) are different quantities
MODEL = Path(__file__).with_name("same_quantity.json")
_KILL = re.compile(r"\b(?:kill\w*|dead|died|die|dies|death|deaths|toll|lives|fatalit\w+|perish\w*|bodies)\b", re.I)


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


_STOP = {"the", "a", "an", "of", "to", "in", "on", "at", "and", "or", "for", "from", "by", "with", "as", "that",
         "this", "was", "were", "is", "are", "be", "been", "has", "have", "had", "will", "would", "it", "its", "their",
         "his", "her", "they", "he", "she", "said", "says", "say", "than", "more", "about", "some", "up", "so", "far",
         "lrb", "rrb", "which", "who", "after", "since", "over", "but", "not", "also", "could", "may", "least"}


def _stem(word: str) -> str:
    """A crude suffix stripper, enough for "deployed" / "deployment" / "deploys" to meet."""
    word = word.lower()
    for suffix in ("ments", "ment", "ings", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


_UNITS = {"bn", "m", "mn", "k", "million", "billion", "thousand", "trillion", "percent", "cent"}


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]", text)
            if w.lower() not in _STOP and w.lower() not in _UNITS]


def _context(figure: Figure, width: int = 8) -> set[str]:
    """The content words near the figure (stems), numbers left out."""
    sentence = figure.sentence
    at = max(0, sentence.find(figure.text))
    left = _words(sentence[:at])[-width:]
    right = _words(sentence[at + len(figure.text):])[:width]
    return set(left + right)


def _overlap(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _containment(a: set, b: set) -> float:
    """How much of the shorter set the longer holds: "people killed" is within "people killed in protests"."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _counted_words(figure: Figure) -> set[str]:
    """The counted phrase's words, synonyms of a unit made one ("soldiers" and "troops")."""
    return {_stem(UNIT_SYNONYMS.get(w, w)) for w in re.findall(r"[a-z]+", (figure.counted or "").lower())
            if w not in _STOP}


_DEATH = "death"  # the deaths bucket's word for its every way of saying "killed"


def _quantity_words(figure: Figure) -> set[str]:
    """The words naming the figure's quantity, less its unit and counted noun: the bucket says those already, and
    "troops deployed" must meet "soldiers deployed"."""
    unit = {_stem(w) for w in re.findall(r"[a-z]+", (figure.unit or "").lower())}
    words = set(_words(figure.quantity or "")) - unit - _counted_words(figure) - {_stem(w) for w in UNIT_SYNONYMS}
    if quantity_key(figure) == "deaths":  # "killed", "died", "death toll": the bucket's one quantity, said many ways
        words = {_DEATH if _KILL.fullmatch(w) or w in ("kill", "toll") else w for w in words}
    return words


FEATURES = ("quantity_overlap", "quantity_shared", "quantity_missing", "context_overlap", "sentence_overlap",
            "counted_overlap", "same_value", "days_apart", "quantity_within_near_value", "attribution_overlap")


@process_cache(maxsize=8192)  # about 4 KB a figure
def _view(figure: Figure) -> tuple[set, set, set, set, set]:
    """What the model compares of one figure, computed once per figure: quantity, context, sentence, counted and
    attribution words."""
    return (_quantity_words(figure), _context(figure, 8), set(_words(figure.sentence)), _counted_words(figure),
            set(_words(figure.attribution or "")))


def pair_features(a: Figure, b: Figure, time_a, time_b) -> list[float]:
    """What the same-quantity model reads of a pair of figures of one unit (``FEATURES``, in order). How far
    apart two values are is left out on purpose: one quantity reported on two days may differ as much as it
    likes (a series), and same-time values far apart are ruled out before the model (``same_quantity``); only
    whether they are of one size, with the parse naming one quantity twice ("burned" 15,000 and 12,000
    hectares), is read. Who the figures are attributed to ("Human Rights Watch said") is read too."""
    (qa, context_a, sentence_a, counted_a, by_a), (qb, context_b, sentence_b, counted_b, by_b) = _view(a), _view(b)
    days = abs((time_a[0] - time_b[0]).days) if time_a and time_b else 0
    named_alike = bool(qa and qb and (qa <= qb or qb <= qa))
    return [_containment(qa, qb), min(len(qa & qb), 4) / 4, float(not qa or not qb),
            _overlap(context_a, context_b), _overlap(sentence_a, sentence_b),
            _containment(counted_a, counted_b) if a.counted and b.counted else 1.0,
            float(abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value))), math.log1p(days),
            float(named_alike and _compatible(a, b)), _overlap(by_a, by_b)]


@cache
def _weights() -> tuple[tuple[float, ...], float, float]:
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    if tuple(model["features"]) != FEATURES:
        raise ValueError(f"{MODEL} was fitted on other features; refit it (python bench/facts.py --fit-same-quantity)")
    return tuple(model["coef"]), model["intercept"], model["threshold"]


def same_quantity_probability(features: list[float], weights=None) -> float:
    coef, intercept, _ = weights or _weights()
    z = intercept + sum(map(operator.mul, coef, features))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def group_figures(figures: list[Figure], articles: dict[str, Article], weights=None) -> list[list[Figure]]:
    """Groups of figures about the same quantity (average linkage over linkable pairs). ``weights``: a
    (coefficients, intercept, threshold) model other than the fitted one (the bench scores held-out folds)."""
    buckets: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if figure.article_id in articles:
            buckets[quantity_key(figure)].append(figure)
    groups: list[list[Figure]] = []
    for key in sorted(buckets):
        members = sorted(buckets[key], key=lambda f: (f.value, f.id))
        groups.extend(_cluster(members, articles, weights or _weights()))
    return groups


def same_quantity(a: Figure, b: Figure, time_a, time_b, weights=None) -> float:
    """The probability that two figures of one unit count one quantity; 0 where a rule says they cannot: one
    article does not contradict itself, and same-time values far apart are different things."""
    same_article = a.article_id == b.article_id
    if same_article and a.span == b.span:
        return 0.0
    overlapping = a.low <= b.high and b.low <= a.high
    if same_article and _same_time(time_a, time_b) and not overlapping:
        return 0.0
    dated_apart = time_a is not None and time_b is not None and not _same_time(time_a, time_b)
    if not (_compatible(a, b) or dated_apart):
        return 0.0
    qa, qb = _view(a)[0], _view(b)[0]
    named_alike = qa & qb - {_DEATH}  # in the deaths bucket "killed" says no more than the bucket does
    if qa and qb and (qa <= qb or qb <= qa) and (len(qa & qb) >= 2 or (named_alike and _compatible(a, b))):
        # the parse names one quantity twice ("BP spent on response"), or names it alike for values of one size
        # ("burned" 15,000 and 12,000 hectares)
        return 1.0
    return same_quantity_probability(pair_features(a, b, time_a, time_b), weights)


# A story's figures are compared pairwise each time the story is reconciled, which is with every batch that
# adds to it; a pair's probability depends on the two figures (and their articles' dates) alone, so it is
# computed once per process.
_same_quantity_cached = process_cache(maxsize=1 << 18)(same_quantity)


def _cluster(members: list[Figure], articles: dict[str, Article], weights) -> list[list[Figure]]:
    n = len(members)
    if n == 1:
        return [members]
    threshold = weights[2]
    times = [figure_time(f, articles[f.article_id]) for f in members]
    probability = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            probability[i, j] = probability[j, i] = _same_quantity_cached(members[i], members[j], times[i], times[j],
                                                                          weights)
    linkable = probability >= threshold
    # Average linkage on the model's decisions: repeatedly merge the two clusters with the highest mean
    # probability while at least half of the pairs between them are linked (sums kept per cluster pair).
    sim_sum = probability.copy()
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


ROUNDING = 0.02  # values this close (relative) agree: "$9.9 billion" and "$10 billion" are one amount rounded
_WRITTEN_NUMBER = re.compile(r"\d[\d,]*(?:\.(\d+))?")


def written_precision(figure: Figure) -> float:
    """Half a unit of the last digit the figure is written with, in its value's scale: "$10bn" may be any amount
    from $9.5bn to $10.5bn rounded, "$9.5 billion" one from $9.45bn to $9.55bn, "3%" 2.6%."""
    m = _WRITTEN_NUMBER.search(figure.text)
    written = float(m.group().replace(",", "")) if m else 0.0
    if not written or not figure.value:
        return 0.0
    scale = 10 ** round(math.log10(abs(figure.value) / written))  # "bn", "million": powers of ten, not fractions
    return 0.5 * 10 ** -len(m.group(1) or "") * scale


def agree(a: Figure, b: Figure) -> bool:
    """Whether two values agree: their qualifiers' intervals overlap once each is widened by the rounding its
    written digits allow (``written_precision``), or they differ by no more than 2% (``ROUNDING``)."""
    pa, pb = written_precision(a), written_precision(b)
    if a.low - pa <= b.high + pb and b.low - pb <= a.high + pa:
        return True
    gap = max(a.low, b.low) - min(a.high, b.high)
    return gap <= ROUNDING * max(abs(a.value), abs(b.value))


_MODAL = re.compile(r"\b(?:could|might|may|would)\b")  # lower case: "May 5" is a date
_CLAUSE_BREAK = re.compile(r"[,;:(]|\s--\s|-LRB-")


def hedged(figure: Figure) -> bool:
    """Whether the figure is stated as a possibility: a modal verb in its clause before it ("could be diverting as
    much as 77 percent", "would likely hit the site with winds above 40 mph")."""
    at = max(0, figure.sentence.find(figure.text))
    clause = _CLAUSE_BREAK.split(figure.sentence[:at])[-1]
    return bool(_MODAL.search(clause))


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
    corroborated = False  # two independent sources state values that agree
    for i, a in enumerate(group):
        for b in group[i + 1:]:
            if articles[a.article_id].lineage == articles[b.article_id].lineage:
                continue
            if agree(a, b):
                corroborated |= source_of[a.article_id] != source_of[b.article_id]
                continue
            if hedged(a) or hedged(b):
                continue  # "the cap could be diverting as much as 77 percent": a possibility disputes no report
            ta, tb = times[a.id], times[b.id]
            if ta is not None and tb is not None and not _same_time(ta, tb):
                kind = "update"
            elif ta is not None and tb is not None and (first_seen(a) < ta[0] or first_seen(b) < tb[0]):
                kind = "update"  # one of the two values was already reported earlier: a recap, not a dispute
            elif not _compatible(a, b):
                continue  # same-time values this far apart are two quantities, joined through others
            else:
                kind = "conflict"
            pairs.append((a, b, kind))
    if any(kind == "conflict" for _, _, kind in pairs):
        status = "conflicting"
    elif pairs:
        status = "update"
    else:
        status = "corroborated" if corroborated else "single-source"
    return status, sources, pairs

