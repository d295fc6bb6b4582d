"""Weekdays dated by tense (src/newsloom/facts/timex.py) against the rule they replaced, on timeline17.

    python bench/weekdays.py [--json]

Every weekday expression in timeline17's articles (shared data timeline17/*/InputDocs, publication day from the
layout) is dated twice: by timex (the tense of the nearest verb; "next"/"last" on their own) and by the old rule,
the latest such weekday up to the publication day ("next" ahead). There are no gold dates for the expressions
themselves, so the check is indirect: of the expressions the two rules date differently, how many dates each rule
gives are dates of the collection's gold timeline (timelines.jsonl), that is, days on which something happened
that the editors kept. The rules were written from the issue's examples and English grammar, not from this
data (held out). Without --json, a sample of the changed expressions is printed for reading.

The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import machine, require, shared_data, timeline17_articles  # noqa: E402


def latest_up_to(anchor: date, weekday: int, rel: str) -> str:
    """The rule timex used before tenses: the latest such weekday up to the day ("next" ahead, "last" before)."""
    if rel == "next":
        return (anchor + timedelta(days=(weekday - anchor.weekday()) % 7 or 7)).isoformat()
    back = (anchor.weekday() - weekday) % 7
    return (anchor - timedelta(days=back + (7 if rel == "last" and back == 0 else 0))).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    args = parser.parse_args()

    from newsloom.facts.timex import WEEKDAYS, find_times
    from newsloom.sentences import split_sentences

    folder = require(shared_data() / "timeline17")
    gold: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*/timelines.jsonl")):
        days = gold.setdefault(path.parent.name, set())
        for line in path.read_text(encoding="utf-8").splitlines():
            days.update(day[:10] for day, _ in json.loads(line))
    total = changed = hits_old = hits_new = ahead = 0
    samples = []
    for collection, _, day, text in timeline17_articles(folder):
        anchor = date.fromisoformat(day)
        for sentence, _ in split_sentences(text):
            for t in find_times(sentence, day):
                if t.kind != "weekday" or t.start is None:
                    continue
                total += 1
                words = t.text.lower().split()
                old = latest_up_to(anchor, WEEKDAYS[words[-1]], words[0] if len(words) > 1 else "")
                if old == t.start:
                    continue
                changed += 1
                ahead += t.start > day
                hits_old += old in gold.get(collection, ())
                hits_new += t.start in gold.get(collection, ())
                samples.append((day, old, t.start, sentence.strip()[:150]))
    if not args.json:
        for sample in random.Random(0).sample(samples, min(30, len(samples))):
            print("published %s: was %s, now %s | %s" % sample)
    print(json.dumps({"machine": machine(), "weekday_expressions": total, "weekday_changed": changed,
                      "weekday_changed_ahead": ahead, "weekday_changed_gold_days_old": hits_old,
                      "weekday_changed_gold_days_new": hits_new}))


if __name__ == "__main__":
    main()
