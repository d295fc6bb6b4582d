"""The encoder's speed with OpenMP threads that spin while they wait (OMP_WAIT_POLICY=ACTIVE, torch's default
behaviour) and with threads that sleep (PASSIVE, what importing newsloom sets), on an idle machine and beside
busy processes (as spaCy's workers or the document workers keep the cores busy during a run).

    python bench/omp_wait.py [--json] [--repeats 3] [--texts 400]

Each measurement is a fresh process (OpenMP reads the policy once, when torch loads) that embeds ``--texts``
sentences with the configured encoder after a warm-up; the policies alternate, and the medians are reported.
The load is one busy process per core. Prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import machine  # noqa: E402

ENCODE = r"""
import sys, time
import newsloom
from newsloom.config import Config
from newsloom.represent.embed import embed_texts
n = int(sys.argv[1])
texts = [f"Report {i}: the spill reached the coast on day {i % 30}, officials said, and crews moved {i} booms."
         for i in range(n)]
config = Config.load().represent
embed_texts(texts[:32], config)
start = time.perf_counter()
embed_texts(texts, config)
print(time.perf_counter() - start)
"""


def _burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def encode_seconds(policy: str, texts: int) -> float:
    env = {**os.environ, "OMP_WAIT_POLICY": policy}
    out = subprocess.run([sys.executable, "-c", ENCODE, str(texts)], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(repeats: int, texts: int) -> dict[str, float]:
    runs: dict[str, list[float]] = {"ACTIVE": [], "PASSIVE": []}
    for _ in range(repeats):
        for policy in runs:
            runs[policy].append(encode_seconds(policy, texts))
    return {policy: round(statistics.median(v), 3) for policy, v in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--texts", type=int, default=400)
    args = parser.parse_args()
    idle = measure(args.repeats, args.texts)
    stop = multiprocessing.Event()
    burners = [multiprocessing.Process(target=_burn, args=(stop,), daemon=True) for _ in range(os.cpu_count() or 1)]
    for p in burners:
        p.start()
    try:
        loaded = measure(args.repeats, args.texts)
    finally:
        stop.set()
        for p in burners:
            p.join()
    result = {"idle_active_s": idle["ACTIVE"], "idle_passive_s": idle["PASSIVE"],
              "loaded_active_s": loaded["ACTIVE"], "loaded_passive_s": loaded["PASSIVE"],
              "idle_passive_speedup": round(idle["ACTIVE"] / idle["PASSIVE"], 3),
              "loaded_passive_speedup": round(loaded["ACTIVE"] / loaded["PASSIVE"], 3),
              "texts": args.texts, "repeats": args.repeats, "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    if not args.json:
        print(f"idle: active {idle['ACTIVE']} s, passive {idle['PASSIVE']} s; "
              f"loaded: active {loaded['ACTIVE']} s, passive {loaded['PASSIVE']} s", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
