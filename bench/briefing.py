"""The seed story's briefing against the hand labels in seeds/gold.json.

    python bench/briefing.py [--json]

Runs the pipeline on the five seed pages, takes the briefing of the story holding most of them, and reports:
- seeds_facts_stated: how many of gold.json's facts the briefing states. A fact counts as stated when one text of
  the briefing (a summary or timeline sentence, or a key-figure or disagreement entry with its sentence) is
  close to the fact's claim: MiniLM cosine >= 0.6, or at least half of the claim's content words; a fact with
  figure values also needs one of its numbers in that text. Without --json each fact's best match is printed,
  so the count can be checked by eye.
- seeds_troop_disagreement: "Where sources differ" has the troops figure with at least two of its values.
- seeds_uncited_sentences: summary, timeline and generated sentences without a citation.
- seeds_furniture_sentences: briefing sentences found on a line gold.json does not mark as the page's article
  (navigation, tickers, teasers, self-promotion, bylines).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import machine, require, shared_data  # noqa: E402

_STOP = set("the a an of to in on and or for with by at as is are was were be been has have had that this it its "
            "from which who their they he she his her also than but after before into over about may would".split())


def _content(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))
    return {w[:6] for w in words if w not in _STOP and len(w) > 1}


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d+(?:[.,]\d+)*", text)}


def main_lines(page: dict) -> set[int]:
    return {n for a, b in page.get("main", []) for n in range(a, b + 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    args = parser.parse_args()

    from newsloom import Config, Pipeline, Store
    from newsloom.brief.render import to_markdown
    from newsloom.records import normalize_text
    from newsloom.represent.embed import embed_texts

    folder = require(shared_data() / "seeds")
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "seeds.db")
        config = Config()
        Pipeline(store, config).run([str(folder)])
        story_of = store.article_story()
        page_story = {a.uri.rsplit("/", 1)[-1]: story_of.get(a.id) for a in store.articles()}
        members = [page_story.get(m) for m in gold["story"]["members"]]
        story_id = max(set(filter(None, members)), key=members.count)
        briefing = store.briefing(story_id)
        seconds = time.perf_counter() - started
        store.close()

    sentences = list(briefing.summary) + [s for t in briefing.timeline for s in t.sentences]
    texts = [s.text for s in sentences] + [g.text for g in briefing.abstract]
    texts += [f"{e['subject']}: " + "; ".join(f"{v['text']} ({v.get('sentence') or ''})" for v in e["values"])
              for e in list(briefing.key_figures) + list(briefing.disagreements)]
    facts = gold["facts"]["items"]
    claim_vectors = embed_texts([f["claim"] for f in facts], config.represent)
    text_vectors = embed_texts(texts, config.represent)
    similarity = claim_vectors @ text_vectors.T if len(texts) else None
    stated, report = 0, []
    for i, fact in enumerate(facts):
        numbers = {n for v in fact.get("values", []) for n in _numbers(v["value"])}
        claim_words = _content(fact["claim"])
        best = (0.0, "")
        for j, text in enumerate(texts):
            if numbers and not numbers & _numbers(text):
                continue
            lexical = len(claim_words & _content(text)) / max(len(claim_words), 1)
            score = max(float(similarity[i, j]) / 0.6, lexical / 0.5)
            if score > best[0]:
                best = (score, text)
        ok = best[0] >= 1.0
        stated += ok
        report.append((ok, fact["claim"], best[1]))

    troops = [d for d in briefing.disagreements if d["subject"] in ("troops", "soldiers")]
    troop_disagreement = bool(troops) and len({v["text"] for v in troops[0]["values"]}) >= 2
    uncited = sum(1 for s in sentences if not s.citations) + sum(1 for g in briefing.abstract if not g.citations)

    furniture = []
    for s in sentences:
        norm = normalize_text(s.text)
        found_main = found_other = False
        for name, page in gold["pages"].items():
            lines = (folder / name).read_text(encoding="utf-8").split("\n")
            keep = main_lines(page) - set(page.get("section_headings", []))
            for number, line in enumerate(lines, start=1):
                if norm and norm in normalize_text(line):
                    if number in keep:
                        found_main = True
                    else:
                        found_other = True
        if found_other and not found_main:
            furniture.append(s.text)

    result = {"seeds_facts_stated": stated, "seeds_facts_total": len(facts),
              "seeds_troop_disagreement": troop_disagreement, "seeds_uncited_sentences": uncited,
              "seeds_furniture_sentences": len(furniture), "summary_sentences": len(briefing.summary),
              "sections": [s.title for s in briefing.sections], "timeline_dates": [t.date for t in briefing.timeline],
              "seconds": round(seconds, 1), "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    if not args.json:
        print(to_markdown(briefing), file=sys.stderr)
        for ok, claim, match in report:
            print(f"{'STATED ' if ok else 'missing'} {claim}\n        best: {match[:160]}", file=sys.stderr)
        for text in furniture:
            print(f"furniture: {text[:120]}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
