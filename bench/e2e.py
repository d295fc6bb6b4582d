"""End-to-end throughput: the whole pipeline on the seed pages and all of timeline17, into a fresh store.

    python bench/e2e.py [--json] [--limit N] [--db FILE]

Prints one JSON object as its last line with docs, stories, seconds, docs_per_s and peak_rss_mb, plus each
stage's seconds. There is no end-to-end peer tool doing all of newsloom's stages; the per-stage benchmarks
compare with peers (trafilatura, datasketch, ...).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import emit, machine, peak_rss_mb, require, shared_data, timeline17_jsonl  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N timeline17 articles")
    parser.add_argument("--db", type=Path, default=None,
                        help="keep the store in this (new) file, e.g. for bench/web.py; default a temporary one")
    args = parser.parse_args()

    from newsloom import Config, Pipeline, Store

    seeds = require(shared_data() / "seeds")
    t17 = require(shared_data() / "timeline17")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        jsonl = inputs / "timeline17.jsonl"
        timeline17_jsonl(t17, jsonl)
        if args.limit:
            lines = jsonl.read_text(encoding="utf-8").splitlines()[: args.limit]
            jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if args.db and args.db.exists():
            sys.exit(f"{args.db} exists; the benchmark needs a fresh store")
        store = Store(args.db or Path(tmp) / "bench.db")
        start = time.perf_counter()
        report = Pipeline(store, Config()).run([str(seeds), str(jsonl)])
        seconds = time.perf_counter() - start
        counts = store.counts()
        articles_stories = len(store.stories(include_headline_only=False))
    result = {
        "docs": report.documents_new, "articles": counts["articles"], "stories": articles_stories,
        "stories_with_headline_only": counts["stories"], "threads": counts["threads"],
        "seconds": round(seconds, 1), "docs_per_s": round(report.documents_new / seconds, 2),
        "peak_rss_mb": round(peak_rss_mb()), "rejected": report.rejected_total,
        "stage_seconds": {s["stage"]: s["seconds"] for s in report.stages}, "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    emit(result, args.json)


if __name__ == "__main__":
    main()
