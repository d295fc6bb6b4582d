"""Timeline summarisation on Timeline17, scored with `tilse` as the published protocol does, held out by topic.

    python bench/timeline.py [--json] [--data DIR] [--collections A,B] [--rouge original|reimpl]

For each reference timeline of each collection (folder with InputDocs/<YYYY-MM-DD>/*.txt, timelines/*.txt and
keywords.json): the articles published within the reference's span (first to last date, as in news-tls'
evaluate.py) and the collection's keywords as the query, a timeline with the reference's number of dates and
round(mean sentences per date) sentences a date, built by newsloom.brief.timeline; scored with tilse's
TimelineRougeEvaluator (ROUGE-1/2, Perl ROUGE-1.5.5 by default, `evaluate_align_date_content_costs_many_to_one`)
and the F1 of the dates.

Leave one topic out (bpoil, LibyaWar, EgyptianProtest, Finan, IraqWar, MJ, haiti): the timeline weights
(newsloom.brief.timeline.TimelineParams, a small grid) are chosen on the other topics' timelines (the weights that
choose dates by date F1; then those that choose sentences by tilse's fast approximate ROUGE, AR1-F / 0.125 +
AR2-F / 0.04), and the held-out topic's timelines are scored with the chosen weights (``--rouge``). ``loto_*``
are means over the topics of each topic's mean; ``loto_*_timelines`` means over the timelines. ``ar1_f`` etc.
score the shipped default weights on every timeline: in-sample where the defaults are what all topics together
choose (``default_params_in_sample``). ``busiest_*``: the busiest-dates baseline (the days with most articles
published, each told by the first sentences of that day's articles), in the same run.

Needs the `tilse` package (pip install tilse==0.2.1) and Perl's XML::DOM (Debian: libxml-dom-perl).
Last line of stdout: JSON with loto_ar1_f, loto_ar2_f, loto_date_f1, loto_rows, ar1_f, ar2_f, date_f1,
busiest_*, rows, seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import machine, require, shared_data  # noqa: E402

PUBLISHED = {"DATEWISE": (0.120, 0.035, 0.544), "Martschat & Markert 2018": (0.105, 0.030, 0.544)}


def read_reference(path: Path) -> dict[date, list[str]]:
    """A timelines/*.txt file: a date line, summary sentences, a line of dashes."""
    timeline: dict[date, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        if set(line) == {"-"} and len(line) >= 10:
            current = None
            continue
        if current is None:
            try:
                current = date.fromisoformat(line[:10])
            except ValueError:
                continue
            timeline.setdefault(current, [])
            continue
        timeline[current].append(line)
    return {d: s for d, s in timeline.items() if s}


def collection_docs(folder: Path):
    """TimelineDocs for a collection: one sentence a line (the corpus is sentence-split already)."""
    from newsloom.brief.timeline import TimelineDoc

    docs = []
    for day in sorted((folder / "InputDocs").iterdir()):
        if not day.is_dir():
            continue
        for path in sorted(day.iterdir()):
            text = path.read_text(encoding="utf-8", errors="replace")
            sentences, offset = [], 0
            for line in text.split("\n"):
                stripped = line.strip()
                if stripped:
                    start = offset + line.index(stripped)
                    sentences.append((stripped, (start, start + len(stripped))))
                offset += len(line) + 1
            if sentences:
                docs.append(TimelineDoc(id=f"{day.name}/{path.name}", published=day.name, sentences=tuple(sentences)))
    return docs


def evaluate_dates(predicted: set, reference: set) -> float:
    shared = len(predicted & reference)
    if not shared:
        return 0.0
    p, r = shared / len(predicted), shared / len(reference)
    return 2 * p * r / (p + r)


def topic_of(collection: str) -> str:
    """Timeline17's topic: the collection name before the outlet ("bpoil_bbc" -> "bpoil")."""
    return collection.split("_")[0]


# The weights tried for each held-out topic (TimelineParams), few on purpose: each knob can overfit. Those that
# choose dates are judged by date F1 alone (no ROUGE needed); those that choose sentences then by the approximate
# ROUGE on the dates so chosen.
DATE_GRID = {"publication_weight": (0.0, 0.25, 0.5), "spread_days": (0.0, 1.0, 3.0)}
SENTENCE_GRID = {"topic_weight": (0.5, 1.0), "talk_penalty": (0.0, 0.1)}
TARGETS = {"ar1_f": 0.125, "ar2_f": 0.04, "date_f1": 0.55}


def points(grid: dict) -> list[dict]:
    from itertools import product

    return [dict(zip(grid, values)) for values in product(*grid.values())]


def choose(options: list, score) -> object:
    """The option with the best score; the first of equals (the grid's order)."""
    return max(options, key=lambda o: (score(o), -options.index(o)))


def busiest_dates(docs, n_dates: int, per_date: int) -> dict[date, list[str]]:
    """The baseline: the days with most articles published, each told by the first sentences of its articles."""
    by_day: dict[str, list] = {}
    for d in docs:
        by_day.setdefault(d.published, []).append(d)
    days = sorted(by_day, key=lambda k: (-len(by_day[k]), k))[:n_dates]
    return {date.fromisoformat(k): [d.sentences[0][0] for d in by_day[k][:per_date]] for k in days}


class Scorer:
    def __init__(self, rouge_module, computation: str):
        self.evaluator = rouge_module.TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"],
                                                             rouge_computation=computation)

    def __call__(self, predicted: dict[date, list[str]], reference: dict[date, list[str]]) -> dict[str, float]:
        from tilse.data.timelines import GroundTruth, Timeline

        scores = self.evaluator.evaluate_align_date_content_costs_many_to_one(
            Timeline(predicted), GroundTruth([Timeline(reference)]))
        return {"ar1_f": round(scores["rouge_1"]["f_score"], 4), "ar2_f": round(scores["rouge_2"]["f_score"], 4),
                "date_f1": round(evaluate_dates(set(predicted), set(reference)), 4)}


def predict(case: dict, params) -> dict[date, list[str]]:
    """The timeline built for a case with these weights, as tilse reads it (kept: the Perl scorer reuses it)."""
    if params not in case["predictions"]:
        timeline = case["analysis"].timeline(case["dates"], case["per_date"], params)
        case["predictions"][params] = {date.fromisoformat(t.date): [s.text for s in t.sentences] for t in timeline}
    return case["predictions"][params]


def mean_of(rows: list[dict], key: str) -> float:
    return round(sum(r[key] for r in rows) / len(rows), 4) if rows else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--data", type=Path, default=None, help="folder of collections (default: shared timeline17)")
    parser.add_argument("--collections", default=None, help="comma-separated subset of collection names")
    parser.add_argument("--rouge", choices=["original", "reimpl"], default="original",
                        help="ROUGE of the reported figures: tilse's Perl ROUGE (the protocol) or its faster "
                             "approximate reimplementation (the inner search always uses the latter)")
    args = parser.parse_args()

    try:
        from tilse.evaluation import rouge
    except ImportError:
        sys.exit("bench/timeline.py needs tilse: pip install tilse==0.2.1 (and apt-get install libxml-dom-perl)")
    from newsloom.brief.timeline import TimelineAnalysis, TimelineParams

    folder = require(args.data or shared_data() / "timeline17")
    wanted = set(args.collections.split(",")) if args.collections else None
    collections = sorted(p for p in folder.iterdir() if (p / "InputDocs").is_dir() and (p / "timelines").is_dir()
                         and (wanted is None or p.name in wanted))
    if not collections:
        sys.exit(f"no collections (InputDocs/ and timelines/) under {folder}")
    approximate = Scorer(rouge, "reimpl")
    reported = approximate if args.rouge == "reimpl" else Scorer(rouge, "original")
    date_points, sentence_points = points(DATE_GRID), points(SENTENCE_GRID)
    start_all = time.perf_counter()

    # Every timeline's analysis, and its dates' F1 under every date weight of the grid.
    cases = []
    for collection in collections:
        docs = collection_docs(collection)
        keywords = collection / "keywords.json"
        query = " ".join(json.loads(keywords.read_text())) if keywords.exists() else None
        for ref_path in sorted((collection / "timelines").glob("*.txt")):
            reference = read_reference(ref_path)
            if not reference:
                continue
            ref_dates = sorted(reference)
            n_dates = len(ref_dates)
            per_date = max(1, round(sum(len(s) for s in reference.values()) / n_dates))
            # The protocol's input: articles published within the reference timeline's span.
            span_docs = [d for d in docs if ref_dates[0].isoformat() <= d.published <= ref_dates[-1].isoformat()]
            started = time.perf_counter()
            analysis = TimelineAnalysis(span_docs, query, start=ref_dates[0], end=ref_dates[-1])
            case = {"collection": collection.name, "topic": topic_of(collection.name), "timeline": ref_path.name,
                    "docs": len(span_docs), "relevant_docs": int(analysis.relevant.sum()), "dates": n_dates,
                    "per_date": per_date, "reference": reference, "analysis": analysis, "predictions": {},
                    "busiest": busiest_dates(span_docs, n_dates, per_date)}
            case["date_f1"] = {i: evaluate_dates(set(predict(case, TimelineParams(**d))), set(reference))
                               for i, d in enumerate(date_points)}
            case["analysis_s"] = round(time.perf_counter() - started, 1)
            cases.append(case)
            if not args.json:
                print(f"{collection.name:<24} {ref_path.name:<24.24} analysed in {case['analysis_s']} s",
                      file=sys.stderr)

    approx_cache: dict[tuple, dict] = {}
    reported_cache: dict[tuple, dict] = {}

    def scored(scorer, cache, case: dict, params) -> dict:
        key = (case["collection"], case["timeline"], params)
        if key not in cache:
            cache[key] = scorer(predict(case, params), case["reference"])
        return cache[key]

    def fit(inner: list[dict]):
        """The weights chosen on ``inner``: date weights by mean date F1, then sentence weights by the approximate
        ROUGE (AR1-F / 0.125 + AR2-F / 0.04) on those dates."""
        dates = date_points[choose(list(range(len(date_points))),
                                   lambda i: sum(c["date_f1"][i] for c in inner) / len(inner))]

        def rouge_score(sentences: dict) -> float:
            runs = [scored(approximate, approx_cache, c, TimelineParams(**dates, **sentences)) for c in inner]
            return sum(r["ar1_f"] for r in runs) / len(runs) / 0.125 + sum(r["ar2_f"] for r in runs) / len(runs) / 0.04

        return TimelineParams(**dates, **choose(sentence_points, rouge_score))

    # Leave one topic out: weights chosen on the other topics, figures on the held-out one.
    topics = sorted({c["topic"] for c in cases})
    loto_rows, rows = [], []
    for topic in topics:
        inner = [c for c in cases if c["topic"] != topic] or cases  # one topic only: nothing is held out
        chosen = fit(inner)
        held = [c for c in cases if c["topic"] == topic]
        scores = [scored(reported, reported_cache, c, chosen) for c in held]
        loto_rows.append({"topic": topic, "timelines": len(held), "params": chosen.__dict__,
                          **{k: mean_of(scores, k) for k in TARGETS}})
        for c, s in zip(held, scores):
            rows.append({k: c[k] for k in ("collection", "timeline", "docs", "relevant_docs", "dates", "per_date",
                                           "analysis_s")} | {"loto_" + k: v for k, v in s.items()})
        if not args.json:
            r = loto_rows[-1]
            print(f"held out {topic:<16} ({r['timelines']} timelines) AR1-F {r['ar1_f']:.3f} AR2-F "
                  f"{r['ar2_f']:.3f} date-F1 {r['date_f1']:.3f}  {r['params']}", file=sys.stderr)
    # The shipped defaults on every timeline (in-sample where they are what all topics together choose), and the
    # busiest-dates baseline.
    default, on_all = TimelineParams(), fit(cases)
    by_case = {(c["collection"], c["timeline"]): c for c in cases}
    for row in rows:
        c = by_case[(row["collection"], row["timeline"])]
        row.update(scored(reported, reported_cache, c, default))
        row.update({"busiest_" + k: v for k, v in reported(c["busiest"], c["reference"]).items()})

    result = {**{"loto_" + k: round(sum(r[k] for r in loto_rows) / len(loto_rows), 4) for k in TARGETS},
              **{f"loto_{k}_timelines": mean_of(rows, "loto_" + k) for k in TARGETS},
              "loto_rows": loto_rows,
              **{k: mean_of(rows, k) for k in TARGETS},
              # In-sample, for seeing how much the date weights matter: mean date F1 over all timelines.
              "date_f1_by_date_weights": [{**d, "date_f1": round(sum(c["date_f1"][i] for c in cases) / len(cases), 4)}
                                          for i, d in enumerate(date_points)],
              "default_params": default.__dict__, "fit_on_all_topics": on_all.__dict__,
              "default_params_in_sample": default == on_all,
              **{"busiest_" + k: mean_of(rows, "busiest_" + k) for k in TARGETS},
              "timelines": len(rows), "collections": len(collections), "topics": len(topics), "rouge": args.rouge,
              "inner_rouge": "reimpl", "grid": {k: list(v) for k, v in {**DATE_GRID, **SENTENCE_GRID}.items()},
              "rows": rows,
              "targets": {"loto_" + k: v for k, v in TARGETS.items()},
              "published_all_19": {k: dict(zip(("ar1_f", "ar2_f", "date_f1"), v)) for k, v in PUBLISHED.items()},
              "seconds": round(time.perf_counter() - start_all, 1), "machine": machine(),
              "date": time.strftime("%Y-%m-%d"), "data": str(folder)}
    if not args.json:
        for name, prefix in (("leave one topic out", "loto_"), ("defaults, in-sample", ""),
                             ("busiest dates", "busiest_")):
            print(f"{name:<22} AR1-F {result[prefix + 'ar1_f']:.3f}  AR2-F {result[prefix + 'ar2_f']:.3f}  "
                  f"date-F1 {result[prefix + 'date_f1']:.3f}", file=sys.stderr)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
