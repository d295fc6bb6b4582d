"""Scaling: docs/s of the whole pipeline with each executor and number of workers, on the same documents.

    python bench/scale.py [--json] [--limit N] [--local 0,1,2] [--ray 1,2] [--gpu]

Runs the seed pages and the first ``--limit`` timeline17 articles, ``--batch-docs`` a batch (each worker
prepares one batch at a time), into a fresh store once per setting: the
local executor with 0 (the models in the pipeline's own process), 1 and 2 model worker processes, and Ray with
1 and 2 actors on a local Ray instance (more where the machine has the cores: ``--ray 1,2,4,8,16``; ``--gpu``
adds a run with one GPU embedding actor). Each row gives docs/s, the store half's seconds and its ratio to the
one-worker row of its executor. ``parallel_efficiency_8`` is Ray's docs/s with 8 actors over 8 times its docs/s
with one (null when 8 was not run). The store half is sequential, so it bounds every row: its docs/s is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import emit, machine, require, shared_data, timeline17_jsonl  # noqa: E402


def _numbers(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def run(paths: list[str], db: Path, executor: str, workers: int, gpus: float, batch_docs: int) -> dict:
    from newsloom import Config, Pipeline, Store
    from newsloom.executors import RayExecutor

    config = replace(Config.load(), batch_docs=batch_docs)
    runner = None
    if executor == "local":
        config = replace(config, executor=replace(config.executor, processes=workers))
    else:
        runner = RayExecutor(config, workers=workers, gpus_per_worker=gpus)
    start = time.perf_counter()
    with Pipeline(Store(db), config, executor=runner) as pipeline:
        report = pipeline.run(paths)
    seconds = time.perf_counter() - start
    return {"executor": executor, "workers": workers, "gpus_per_worker": gpus, "docs": report.documents_new,
            "seconds": round(seconds, 1), "docs_per_s": round(report.documents_new / seconds, 2),
            "store_half_seconds": round(report.store_half_seconds, 1),
            "store_half_docs_per_s": round(report.documents_new / max(report.store_half_seconds, 1e-9), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--limit", type=int, default=400, help="timeline17 articles (default 400)")
    parser.add_argument("--local", default="0,1,2", help="model worker processes of the local executor")
    parser.add_argument("--ray", default="1,2", help="Ray actors")
    parser.add_argument("--gpu", action="store_true", help="also Ray with one GPU embedding actor")
    parser.add_argument("--batch-docs", type=int, default=100,
                        help="documents per batch (default 100: workers share a batch each, so a run needs "
                             "several batches per worker to keep them busy)")
    args = parser.parse_args()

    seeds = require(shared_data() / "seeds")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "timeline17.jsonl"
        timeline17_jsonl(require(shared_data() / "timeline17"), jsonl)
        lines = jsonl.read_text(encoding="utf-8").splitlines()[: args.limit]
        jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths = [str(seeds), str(jsonl)]
        settings = [("local", n, 0.0) for n in _numbers(args.local)] + [("ray", n, 0.0) for n in _numbers(args.ray)]
        if args.gpu:
            settings.append(("ray", 1, 1.0))
        for i, (executor, workers, gpus) in enumerate(settings):
            rows.append(run(paths, Path(tmp) / f"run{i}.db", executor, workers, gpus, args.batch_docs))
            print(rows[-1], file=sys.stderr)
    for row in rows:
        one = next((r for r in rows if r["executor"] == row["executor"] and r["workers"] == 1
                    and not r["gpus_per_worker"]), None)
        row["speedup_vs_1"] = round(row["docs_per_s"] / one["docs_per_s"], 3) if one else None
    ray = {r["workers"]: r["docs_per_s"] for r in rows if r["executor"] == "ray" and not r["gpus_per_worker"]}
    result = {"batch_docs": args.batch_docs, "rows": rows, "ray_scaling": [r for r in rows if r["executor"] == "ray"],
              "parallel_efficiency_8": round(ray[8] / (8 * ray[1]), 3) if 8 in ray and 1 in ray else None,
              "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    emit(result, args.json)


if __name__ == "__main__":
    main()
