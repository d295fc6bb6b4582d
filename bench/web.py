"""Reader and API latency: requests against the app over a store, in process (FastAPI's test client, so the
figures are the app's own time: routing, SQLite reads, rendering; no network).

    python bench/web.py [--json] [--db FILE] [--repeat N]

With no --db, the store is built from examples/ (small); for real figures pass the store that
`bench/e2e.py --db FILE` keeps (the seeds and all of timeline17). Prints one JSON object as its last line with
median and 95th-percentile milliseconds per kind of request. There is no peer reader to run side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import emit, machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {"n": len(ms), "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--db", type=Path, default=None, help="store to read (default: one built from examples/)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the request set")
    parser.add_argument("--stories", type=int, default=30, help="story, article and thread pages per pass")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from newsloom import Config, Pipeline, Store
    from newsloom.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "examples.db"
            Pipeline(Store(db), Config()).run([str(ROOT / "examples")])
        client = TestClient(create_app(str(db)), base_url="http://127.0.0.1")  # the app answers loopback names only
        listing = client.get("/api/stories", params={"limit": args.stories}).json()
        stories = [s["id"] for s in listing["items"]]
        details = [client.get(f"/api/stories/{sid}").json() for sid in stories]
        articles = [d["article_list"][0]["id"] for d in details if d["article_list"]]
        threads = [t["id"] for t in client.get("/api/threads", params={"limit": 10}).json()["items"]]
        words = [d["title"].split()[0] for d in details[:10]] or ["news"]
        requests = {
            "story_list_page": ["/", "/?sort=recent", "/?offset=20"],
            "story_list_api": ["/api/stories", "/api/stories?sort=recent&limit=50"],
            "search_page": [f"/search?q={w}" for w in words],
            "story_page": [f"/stories/{sid}" for sid in stories],
            "story_api": [f"/api/stories/{sid}" for sid in stories],
            "article_page": [f"/articles/{aid}" for aid in articles],
            "thread_page": [f"/threads/{tid}" for tid in threads],
            "entities_api": ["/api/entities"],
        }
        timings: dict[str, list[float]] = {kind: [] for kind in requests}
        for _ in range(args.repeat):
            for kind, urls in requests.items():
                timings[kind] += [timed(client, url) for url in urls]
        health = client.get("/api/health").json()["counts"]
    result = {"store": {k: health[k] for k in ("articles", "stories", "threads")},
              **{kind: summary(ms) for kind, ms in timings.items()},
              "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    emit(result, args.json)


if __name__ == "__main__":
    main()
