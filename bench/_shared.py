"""Helpers for the benchmarks: where the shared data is, peak memory, and the timeline17 layout."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTLETS = {"bbc": "BBC", "cnn": "CNN", "foxnews": "Fox News", "guardian": "The Guardian", "reuters": "Reuters",
           "washingtonpost": "The Washington Post"}


def shared_data() -> Path:
    override = os.environ.get("NEWSLOOM_SHARED_DATA")
    return Path(override) if override else ROOT.parent / "shared" / "data"


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark data not found at {path}; set NEWSLOOM_SHARED_DATA to the shared data folder")
    return path


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss can report a parent's peak after fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timeline17_articles(folder: Path):
    """Yield (collection, article id, date, text) for every non-empty article under InputDocs/<date>/."""
    for collection in sorted(p for p in folder.iterdir() if (p / "InputDocs").is_dir()):
        for day in sorted((collection / "InputDocs").iterdir()):
            for path in sorted(day.iterdir()):
                text = path.read_text(encoding="utf-8", errors="replace").strip()
                if text:
                    yield collection.name, path.name, day.name, text


def timeline17_jsonl(folder: Path, out: Path) -> int:
    """Write timeline17 as newsloom JSONL input (outlet and date from the layout); returns the count."""
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for collection, name, day, text in timeline17_articles(folder):
            outlet = OUTLETS.get(collection.split("_", 1)[1].lower(), collection.split("_", 1)[1])
            handle.write(json.dumps({"text": text, "source": outlet, "published": day,
                                     "url": f"timeline17://{collection}/{day}/{name}"}) + "\n")
            count += 1
    return count


def emit(result: dict, as_json: bool) -> None:
    """Print a benchmark's result: one line per figure on stderr (unless --json), the JSON object last on stdout."""
    if not as_json:
        width = max(map(len, result)) + 2
        for key, value in result.items():
            print(f"{key:>{width}}: {value}", file=sys.stderr)
    print(json.dumps(result))
