"""Timeline summarisation on Timeline17, scored with `tilse` as the published protocol does.

    python bench/timeline.py [--json] [--data DIR] [--collections A,B] [--rouge original|reimpl]

For each reference timeline of each collection (folder with InputDocs/<YYYY-MM-DD>/*.txt and timelines/*.txt):
the articles published within the reference's span (first to last date, as in news-tls' evaluate.py), a timeline
with the reference's number of dates and round(mean sentences per date) sentences a date, built by
newsloom.brief.timeline; scored with tilse's TimelineRougeEvaluator (ROUGE-1/2, Perl ROUGE-1.5.5 by default,
`evaluate_align_date_content_costs_many_to_one`) and the F1 of the dates. Means are over timelines.

Needs the `tilse` package (pip install tilse==0.2.1) and Perl's XML::DOM (Debian: libxml-dom-perl).
Last line of stdout: JSON with ar1_f, ar2_f, date_f1, timelines, per-collection rows, seconds.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--data", type=Path, default=None, help="folder of collections (default: shared timeline17)")
    parser.add_argument("--collections", default=None, help="comma-separated subset of collection names")
    parser.add_argument("--rouge", choices=["original", "reimpl"], default="original",
                        help="tilse's Perl ROUGE (the protocol) or its faster approximate reimplementation")
    args = parser.parse_args()

    try:
        from tilse.data.timelines import GroundTruth as TilseGroundTruth
        from tilse.data.timelines import Timeline as TilseTimeline
        from tilse.evaluation import rouge
    except ImportError:
        sys.exit("bench/timeline.py needs tilse: pip install tilse==0.2.1 (and apt-get install libxml-dom-perl)")
    from newsloom.brief.timeline import build_timeline

    folder = require(args.data or shared_data() / "timeline17")
    wanted = set(args.collections.split(",")) if args.collections else None
    collections = sorted(p for p in folder.iterdir() if (p / "InputDocs").is_dir() and (p / "timelines").is_dir()
                         and (wanted is None or p.name in wanted))
    if not collections:
        sys.exit(f"no collections (InputDocs/ and timelines/) under {folder}")
    evaluator = rouge.TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"], rouge_computation=args.rouge)
    rows = []
    start_all = time.perf_counter()
    for collection in collections:
        docs = collection_docs(collection)
        for ref_path in sorted((collection / "timelines").glob("*.txt")):
            reference = read_reference(ref_path)
            if not reference:
                continue
            ref_dates = sorted(reference)
            n_dates = len(ref_dates)
            per_date = max(1, round(sum(len(s) for s in reference.values()) / n_dates))
            started = time.perf_counter()
            # The protocol's input: articles published within the reference timeline's span.
            span_docs = [d for d in docs if ref_dates[0].isoformat() <= d.published <= ref_dates[-1].isoformat()]
            predicted = build_timeline(span_docs, n_dates=n_dates, per_date=per_date,
                                       start=ref_dates[0], end=ref_dates[-1])
            built = time.perf_counter() - started
            pred = {date.fromisoformat(t.date): [s.text for s in t.sentences] for t in predicted}
            pred_tl = TilseTimeline(pred)
            truth = TilseGroundTruth([TilseTimeline(reference)])
            scores = evaluator.evaluate_align_date_content_costs_many_to_one(pred_tl, truth)
            rows.append({"collection": collection.name, "timeline": ref_path.name, "docs": len(span_docs),
                         "dates": n_dates, "per_date": per_date,
                         "ar1_f": round(scores["rouge_1"]["f_score"], 4),
                         "ar2_f": round(scores["rouge_2"]["f_score"], 4),
                         "date_f1": round(evaluate_dates(set(pred), set(reference)), 4),
                         "build_s": round(built, 2)})
            if not args.json:
                r = rows[-1]
                print(f"{r['collection']:<24} {r['timeline']:<50.50} dates {n_dates:>3} x{per_date} "
                      f"AR1-F {r['ar1_f']:.3f} AR2-F {r['ar2_f']:.3f} date-F1 {r['date_f1']:.3f}", file=sys.stderr)

    def mean(key: str) -> float:
        return round(sum(r[key] for r in rows) / len(rows), 4) if rows else 0.0

    result = {"ar1_f": mean("ar1_f"), "ar2_f": mean("ar2_f"), "date_f1": mean("date_f1"), "timelines": len(rows),
              "collections": len(collections), "rouge": args.rouge, "rows": rows,
              "targets": {"ar1_f": 0.13, "ar2_f": 0.04, "date_f1": 0.56},
              "published_all_19": {k: dict(zip(("ar1_f", "ar2_f", "date_f1"), v)) for k, v in PUBLISHED.items()},
              "seconds": round(time.perf_counter() - start_all, 1), "machine": machine(),
              "date": time.strftime("%Y-%m-%d"), "data": str(folder)}
    if not args.json:
        print(f"mean over {len(rows)} timelines: AR1-F {result['ar1_f']:.3f}  AR2-F {result['ar2_f']:.3f}  "
              f"date-F1 {result['date_f1']:.3f}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
