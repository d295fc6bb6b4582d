"""The labelled figure pairs of bench/figure_pairs_labels.jsonl: how they were drawn, and a reader to label them.

    python bench/figure_pairs.py sample > candidates.jsonl   # the fixed draw (no labels)
    python bench/figure_pairs.py sample-disagreeing > more.jsonl   # the second draw (see below)
    python bench/figure_pairs.py show candidates.jsonl [FROM TO] # the two sentences of each pair, to label by eye

The draw was fixed before any same-quantity model existed and never looks at one. For each of timeline17's 7
topics (the collection's name before "_"): every pair of figures (the regex extractor, ``extract_figures``) that
share a unit (``quantity_key``), from two articles published at most 14 days apart, from two outlets where the
topic has several (bpoil, LibyaWar), else two articles of the one outlet, and not the same sentence word for word
(a copy). The pairs of a topic are banded by the TF-IDF cosine of their two sentences (numbers masked; fitted on
the topic's figure sentences): [0, .15), [.15, .3), [.3, .5), [.5, 1]; 12 pairs are drawn per band and topic with
``random.Random(20)``, so that the rare same-quantity pairs (mostly in the top bands) are well represented, and
each band's population is kept so that precision and recall can be weighed back to all the candidate pairs.

The second draw (``sample-disagreeing``, bench/figure_pairs_disagreeing_labels.jsonl) looks for conflicts, which
the first draw almost never meets (1 of its 321 pairs): the same candidates, restricted to two articles published
at most one day apart whose values disagree (``disagree``: the intervals do not overlap and the values differ
by more than 2%, the rule of reconcile.figures.agree when the draw was made) and whose sentences are alike
(cosine >= 0.3, the two upper bands); 6 pairs per band and topic with ``random.Random(21)``. Like the first, it
reads no same-quantity model. Each draw was made with the extractor of its day: the first reproduces 289 of its
321 pairs since "risen by X to Y" stopped being read as a range; the labels are offsets and stay valid.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import require, shared_data, timeline17_articles  # noqa: E402

BANDS = ((0.0, 0.15), (0.15, 0.3), (0.3, 0.5), (0.5, 1.01))
PER_BAND = 12
MAX_DAYS = 14


def band_of(cosine: float) -> str:
    for low, high in BANDS:
        if low <= cosine < high:
            return f"{low:g}-{min(high, 1):g}"
    raise ValueError(cosine)


def disagree(a, b) -> bool:
    """The second draw's disagreement, fixed with it: intervals apart by more than 2% of the larger value."""
    gap = max(a.low, b.low) - min(a.high, b.high)
    return gap > 0.02 * max(abs(a.value), abs(b.value))


def masked(sentence: str) -> str:
    return re.sub(r"\d[\d,.]*", " ", sentence)


def sample(root: Path, disagreeing: bool = False) -> tuple[dict, list[dict]]:
    """The first draw, or with ``disagreeing`` the second (the module's docstring)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from newsloom.facts.figures import extract_figures
    from newsloom.reconcile.figures import quantity_key

    max_days, per_band, seed = (1, 6, 21) if disagreeing else (MAX_DAYS, PER_BAND, 20)

    by_topic: dict[str, list[tuple]] = defaultdict(list)
    for collection, name, day, text in timeline17_articles(root):
        doc = f"{collection}/{day}/{name}"
        for f in extract_figures(doc, text, day):
            by_topic[collection.split("_")[0]].append((doc, collection, date.fromisoformat(day), f))
    population, drawn = {}, []
    for topic in sorted(by_topic):
        items = by_topic[topic]
        vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
            masked(f.sentence) for *_, f in items)
        multi_outlet = len({c for _, c, _, _ in items}) > 1
        by_unit: dict[str, list[int]] = defaultdict(list)
        for i, (*_, f) in enumerate(items):
            by_unit[quantity_key(f)].append(i)
        bands: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
        for unit in sorted(by_unit):
            members = by_unit[unit]
            sims = (vectors[members] @ vectors[members].T).toarray()
            for x, i in enumerate(members):
                doc_i, coll_i, day_i, f_i = items[i]
                for y in range(x + 1, len(members)):
                    j = members[y]
                    doc_j, coll_j, day_j, f_j = items[j]
                    if doc_i == doc_j or abs((day_i - day_j).days) > max_days or f_i.sentence == f_j.sentence:
                        continue
                    if multi_outlet and coll_i == coll_j:
                        continue
                    cosine = float(min(1.0, sims[x, y]))
                    if disagreeing and (cosine < 0.3 or not disagree(f_i, f_j)):
                        continue
                    bands[band_of(cosine)].append((i, j, cosine))
        rng = random.Random(seed)
        population[topic] = {band: len(pairs) for band, pairs in sorted(bands.items())}
        for band, pairs in sorted(bands.items()):
            for i, j, cosine in rng.sample(pairs, min(per_band, len(pairs))):
                side = [{"doc": items[k][0], "start": items[k][3].span[0], "end": items[k][3].span[1]} for k in (i, j)]
                drawn.append({"pair": len(drawn), "topic": topic, "band": band, "cosine": round(cosine, 3),
                              "unit": quantity_key(items[i][3]), "a": side[0], "b": side[1]})
    return {"bands": sorted({band for counts in population.values() for band in counts}), "per_band": per_band,
            "max_days": max_days, "band_population": population}, drawn


def sentence_at(root: Path, side: dict, width: int = 170) -> str:
    collection, day, name = side["doc"].split("/")
    text = (root / collection / "InputDocs" / day / name).read_text(encoding="utf-8", errors="replace").strip()
    start, end = side["start"], side["end"]
    return (text[max(0, start - width):start] + "[[" + text[start:end] + "]]" + text[end:end + width // 2]
            ).replace("\n", " / ")


def main() -> None:
    root = require(shared_data() / "timeline17")
    if sys.argv[1] in ("sample", "sample-disagreeing"):
        about, drawn = sample(root, disagreeing=sys.argv[1] == "sample-disagreeing")
        print(json.dumps(about))
        for pair in drawn:
            print(json.dumps(pair))
    elif sys.argv[1] == "show":
        lines = [json.loads(line) for line in Path(sys.argv[2]).read_text().splitlines()[1:]]
        low, high = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (0, len(lines))
        for pair in lines[low:high]:
            print(f"#{pair['pair']} {pair['topic']} {pair['unit']} | {pair['a']['doc'].split('/')[1]} vs "
                  f"{pair['b']['doc'].split('/')[1]}")
            print("  A:", sentence_at(root, pair["a"]))
            print("  B:", sentence_at(root, pair["b"]))


if __name__ == "__main__":
    main()
