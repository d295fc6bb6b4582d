"""End-to-end throughput: the whole pipeline on the seed pages and all of timeline17, into a fresh store.

    python bench/e2e.py [--json] [--limit N] [--db FILE] [--processes N] [--executor local|ray] [--no-ceiling]
    python bench/e2e.py --growth [--json]      # the same 300 articles into a fresh and into a grown store
    python bench/e2e.py --busy [--json]        # idle, then beside a process that keeps one core busy

Prints one JSON object as its last line: docs, stories, seconds, docs_per_s, peak_rss_mb, each stage's
seconds, ``store_half_docs_per_s`` (the sequential half alone: matching, clustering, writes, reconcile,
brief) and ``ceiling_ratio``: the run's docs/s over the models' own docs/s, where the models alone are MiniLM
on every text the run embedded (articles, headlines, reconcile's candidate sentences) and spaCy on every text it
parsed, run again after the pipeline on the same documents in the same process. There is no end-to-end peer
tool doing all of newsloom's stages; the per-stage benchmarks compare with peers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import emit, machine, peak_rss_mb, require, shared_data, timeline17_jsonl  # noqa: E402

GROWTH_TOPIC = "bpoil"  # five outlets on one long story, densest in May-June 2010
# Of the first 1,000 bpoil articles in publication order, every 10th, 10th+3 and 10th+6 (300) are held back
# and run last, so that they join the stories the other 700 grew (up to 100-140 articles), as a day's news
# joins live stories. (The 300 after the first 700 in time mostly start stories of their own: joined stories
# held 45 articles at most.)
GROWTH_OLD, GROWTH_NEW = 700, 300
_HELD_BACK = (1, 4, 7)


def _config(args):
    from newsloom import Config

    config = Config.load()
    if args.processes is not None:
        config = replace(config, executor=replace(config.executor, processes=args.processes))
    return config


def _executor(args, config):
    if args.executor != "ray":
        return None
    from newsloom.executors import RayExecutor

    return RayExecutor(config, workers=args.workers)


def run_once(paths: list[str], db: Path, args) -> tuple:
    from newsloom import Pipeline, Store

    config = _config(args)
    store = Store(db)
    start = time.perf_counter()
    with Pipeline(store, config, executor=_executor(args, config)) as pipeline:
        report = pipeline.run(paths)
    return store, report, time.perf_counter() - start


def model_ceiling_seconds(store, config) -> dict:
    """The models alone on the texts the run gave them: MiniLM on article and headline texts and on reconcile's
    candidate sentences, spaCy (as the facts stage loads it) on the articles' texts and on the sentences of
    figures past their parsed text."""
    from newsloom.facts.entities import load_spacy, parse_batch, sentences_past_parse
    from newsloom.facts.figures import extract_figures
    from newsloom.records import Headline, content_id
    from newsloom.reconcile.statements import candidate_sentences
    from newsloom.represent.embed import embed_texts, record_text

    articles = list(store.articles())
    headlines = [Headline(id=r["id"], doc_id=r["doc_id"], text=r["text"], position=0, span=(0, 0),
                          teaser=r["teaser"])
                 for r in store.db.execute("SELECT id, doc_id, text, teaser FROM headlines")]
    ids = [a.id for a in articles]
    spans, events = {}, {}
    for e in store.entities_for(ids):
        spans.setdefault(e.article_id, []).append((e.span[0], e.span[1], e.key))
    for e in store.events_for(ids):
        events.setdefault(e.article_id, []).append(e)
    # Those the run embedded: all candidates where the document half embeds them, else the cross-checked stories'.
    embedded = {row[0] for row in store.db.execute("SELECT record_id FROM embeddings")}
    sentences = [t for t in dict.fromkeys(c["sentence"] for a in articles for c in candidate_sentences(
        [a], {a.id: spans.get(a.id, [])}, events.get(a.id, []))) if content_id("sen", t) in embedded]
    facts = config.facts
    nlp = load_spacy(facts.spacy_model, parse=facts.events)
    # Figures past an article's parsed text have their sentences parsed too, in the same call.
    figures = {a.id: list(extract_figures(a.id, a.text, a.published)) for a in articles}
    late = sentences_past_parse(articles, figures, facts.ner_max_chars) if facts.events else []
    embed_texts(["warm up"], config.represent)
    start = time.perf_counter()
    embed_texts([record_text(r) for r in articles + headlines], config.represent)
    embed_texts(sentences, config.represent)
    encoder = time.perf_counter() - start
    start = time.perf_counter()
    for _ in parse_batch(articles, late, nlp, facts.batch_size, facts.ner_max_chars, facts.n_process)[1]:
        pass
    parser = time.perf_counter() - start
    return {"encoder_s": round(encoder, 1), "parser_s": round(parser, 1), "sentences": len(sentences),
            "records": len(articles) + len(headlines), "parsed": len(articles), "parsed_sentences": len(set(late))}


def _inputs(tmp: Path, limit: int | None) -> list[str]:
    seeds = require(shared_data() / "seeds")
    jsonl = tmp / "timeline17.jsonl"
    timeline17_jsonl(require(shared_data() / "timeline17"), jsonl)
    if limit:
        lines = jsonl.read_text(encoding="utf-8").splitlines()[:limit]
        jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(seeds), str(jsonl)]


def main_run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        paths = _inputs(Path(tmp), args.limit)
        if args.db and args.db.exists():
            sys.exit(f"{args.db} exists; the benchmark needs a fresh store")
        store, report, seconds = run_once(paths, args.db or Path(tmp) / "bench.db", args)
        counts = store.counts()
        result = {
            "docs": report.documents_new, "articles": counts["articles"],
            "stories": len(store.stories(include_headline_only=False)),
            "stories_with_headline_only": counts["stories"], "threads": counts["threads"],
            "seconds": round(seconds, 1), "docs_per_s": round(report.documents_new / seconds, 2),
            "store_half_seconds": round(report.store_half_seconds, 1),
            "store_half_docs_per_s": round(report.documents_new / max(report.store_half_seconds, 1e-9), 1),
            "peak_rss_mb": round(peak_rss_mb()),
            "peak_rss_worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "rejected": report.rejected_total,
            "stage_seconds": {s["stage"]: s["seconds"] for s in report.stages},
            "executor": args.executor, "processes": _config(args).executor.processes,
        }
        if not args.no_ceiling:
            ceiling = model_ceiling_seconds(store, _config(args))
            models_s = ceiling["encoder_s"] + ceiling["parser_s"]
            result.update({"ceiling": ceiling, "ceiling_docs_per_s": round(report.documents_new / models_s, 2),
                           "ceiling_ratio": round(models_s / seconds, 3)})
    return result


def _bpoil(tmp: Path) -> tuple[list[str], list[str]]:
    """The first GROWTH_OLD + GROWTH_NEW bpoil articles in publication order: (the GROWTH_OLD run first, the
    GROWTH_NEW held back among them)."""
    jsonl = tmp / "t17.jsonl"
    timeline17_jsonl(require(shared_data() / "timeline17"), jsonl)
    rows = [line for line in jsonl.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["url"].startswith(f"timeline17://{GROWTH_TOPIC}")]
    rows.sort(key=lambda line: json.loads(line)["published"])
    rows = rows[:GROWTH_OLD + GROWTH_NEW]
    return ([r for i, r in enumerate(rows) if i % 10 not in _HELD_BACK],
            [r for i, r in enumerate(rows) if i % 10 in _HELD_BACK])


def growth_run(args) -> dict:
    """300 bpoil articles into a fresh store, and into a store grown with the other 700; only the 300-article
    runs are compared. The 700 run first, so that both compared runs find the models loaded, and each of them
    starts without the per-text caches a run fills (``clear_process_caches``), as a new process would."""
    from newsloom.stages import clear_process_caches

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old, new = _bpoil(tmp)
        (tmp / "old.jsonl").write_text("\n".join(old) + "\n", encoding="utf-8")
        (tmp / "new.jsonl").write_text("\n".join(new) + "\n", encoding="utf-8")
        grown_store, _, grow_s = run_once([str(tmp / "old.jsonl")], tmp / "grown.db", args)
        before = {s["id"]: s["articles"] for s in grown_store.stories(include_headline_only=False)}
        clear_process_caches()
        _, fresh, fresh_s = run_once([str(tmp / "new.jsonl")], tmp / "fresh.db", args)
        clear_process_caches()
        grown_store, grown, grown_s = run_once([str(tmp / "new.jsonl")], tmp / "grown.db", args)
        joined = [before[s["id"]] for s in grown_store.stories(include_headline_only=False)
                  if s["id"] in before and s["articles"] > before[s["id"]]]
        stages = lambda report: {s["stage"]: s["seconds"] for s in report.stages}  # noqa: E731
        return {"new_articles": GROWTH_NEW, "grown_store_articles": len(old), "grow_seconds": round(grow_s, 1),
                "fresh_docs": fresh.documents_new, "grown_docs": grown.documents_new,
                "largest_grown_story": max(before.values(), default=0),
                "fresh_seconds": round(fresh_s, 1), "grown_seconds": round(grown_s, 1),
                "growth_ratio": round(grown_s / fresh_s, 3),
                "fresh_store_half_seconds": round(fresh.store_half_seconds, 1),
                "grown_store_half_seconds": round(grown.store_half_seconds, 1),
                "store_half_growth_ratio": round(grown.store_half_seconds / fresh.store_half_seconds, 3),
                "largest_grown_story_joined": max(joined, default=0), "grown_stories_joined": len(joined),
                "fresh_stage_seconds": stages(fresh), "grown_stage_seconds": stages(grown),
                "brief_seconds_by_story_articles": story_brief_seconds(grown_store, _config(args))}


def story_brief_seconds(store, config) -> dict:
    """One briefing written again, for the grown store's largest story and for its story closest to 20 articles:
    with cold caches (as in a new process) and warm (as in the next batch of a run, or in ``serve``; the median of
    three)."""
    from newsloom.brief.stage import BriefStage
    from newsloom.records import Story
    from newsloom.stages import RunContext, StageStats, clear_process_caches

    stage = BriefStage(RunContext(config, store))
    stage.stats = StageStats(stage.name)
    tag = stage._tagger()
    if tag:
        tag(["The spaCy pipeline loads before the clock starts."])
    stories = store.stories(include_headline_only=False)
    picked = {max(stories, key=lambda s: s["articles"])["id"]: None,
              min(stories, key=lambda s: abs(s["articles"] - 20))["id"]: None}
    out = {}
    for story in (s for s in stories if s["id"] in picked):
        record = Story(id=story["id"], title=story["title"], article_ids=())
        timings = []
        for cold in (True, False, False, False):
            if cold:
                clear_process_caches()
            start = time.perf_counter()
            list(stage.process(record))
            timings.append(time.perf_counter() - start)
        out[str(story["articles"])] = {"cold": round(timings[0], 2), "warm": round(sorted(timings[1:])[1], 2)}
    return out


def _spin() -> None:
    while True:
        pass


def busy_run(args) -> dict:
    """The same documents twice: on the machine as it is, then beside a process that keeps one core busy."""
    limit = args.limit or 600
    with tempfile.TemporaryDirectory() as tmp:
        paths = _inputs(Path(tmp), limit)
        _, idle, idle_s = run_once(paths, Path(tmp) / "idle.db", args)
        spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
        spinner.start()
        try:
            _, busy, busy_s = run_once(paths, Path(tmp) / "busy.db", args)
        finally:
            spinner.kill()
    return {"docs": idle.documents_new, "idle_docs_per_s": round(idle.documents_new / idle_s, 2),
            "busy_docs_per_s": round(busy.documents_new / busy_s, 2), "busy_ratio": round(idle_s / busy_s, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N timeline17 articles")
    parser.add_argument("--db", type=Path, default=None,
                        help="keep the store in this (new) file, e.g. for bench/web.py; default a temporary one")
    parser.add_argument("--processes", default=None,
                        help="[executor] processes for this run: a number, or auto (default: the configuration)")
    parser.add_argument("--executor", choices=["local", "ray"], default="local")
    parser.add_argument("--workers", type=int, default=None, help="Ray actors")
    parser.add_argument("--no-ceiling", action="store_true", help="skip running the models alone afterwards")
    parser.add_argument("--growth", action="store_true", help="fresh against grown store, 300 articles")
    parser.add_argument("--busy", action="store_true", help="idle against one core kept busy")
    args = parser.parse_args()
    if args.processes is not None and args.processes != "auto":
        args.processes = int(args.processes)
    result = growth_run(args) if args.growth else busy_run(args) if args.busy else main_run(args)
    result.update({"machine": machine(), "date": time.strftime("%Y-%m-%d")})
    emit(result, args.json)


if __name__ == "__main__":
    main()
