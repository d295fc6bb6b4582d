"""Story clustering quality and speed.

    python bench/clustering.py [--json] [--t17 DIR] [--skip-scale] [--parts news,t17,seeds] [--no-cache]

1. Headlines: the news-titles set (11,109 stemmed titles, 152 stories), NMI on News and News-T (stream order),
   with the story count, using the same online clusterer and parameters as the pipeline, fed in batches.
2. Multi-outlet articles: every timeline17 article (pooled, in publication order) through newsloom's clean,
   dedup, represent and cluster stages; threads and stories against the topic labels (B-cubed), and the share
   of bpoil/LibyaWar stories of 5+ articles that hold 2+ outlets.
3. Seeds: the five seed pages form one story; the same-event headline groups of page 000 come out together.
4. Speed: assignment with cached embeddings, embedding throughput, and 10k/100k replicated articles.
Prints one JSON object as its last line.

Embeddings are kept between runs in an SQLite cache ($NEWSLOOM_BENCH_CACHE, default
~/.cache/newsloom-bench/embeddings.sqlite) keyed by record id (or title hash) and model, so that iterating on
clustering does not re-embed; embedding throughput is then measured on a fresh sample instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import combinations, count
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shared import machine, peak_rss_mb, require, shared_data, timeline17_jsonl  # noqa: E402

from newsloom.cluster.online import HeadlineGroups, StoryClusterer, StoryState, TermWeights  # noqa: E402
from newsloom.cluster.stage import story_params  # noqa: E402
from newsloom.config import TITLE_STREAM, Config  # noqa: E402
from newsloom.evaluation import bcubed_scores, nmi, pairwise_scores  # noqa: E402

# A fixed split of the timeline17 collections, made before any thread tuning on it: thread parameters are to be
# chosen on the dev half only; the t17 part also reports each half run on its own. (The present defaults were
# chosen earlier on all 12, so the held-out half is not clean for them.)
DEV_COLLECTIONS = ("bpoil_bbc", "bpoil_foxnews", "EgyptianProtest_cnn", "LibyaWar_reuters", "haiti_bbc", "MJ_bbc")
BATCH = 500  # as the pipeline's default batch_docs
SPEED_SAMPLE = 400  # items embedded afresh to measure throughput when the cache already holds the rest


class EmbeddingCache:
    """(record id, model key) -> float32 vector bytes, the store's own embeddings layout, kept across runs."""

    def __init__(self, enabled: bool):
        self.db = None
        if enabled:
            path = Path(os.environ.get("NEWSLOOM_BENCH_CACHE", Path.home() / ".cache" / "newsloom-bench"))
            path.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path / "embeddings.sqlite")
            self.db.execute("CREATE TABLE IF NOT EXISTS embeddings (record_id TEXT, model TEXT, vector BLOB, "
                            "PRIMARY KEY (record_id, model))")

    def rows(self, model: str) -> list[tuple[str, str, bytes]]:
        if self.db is None:
            return []
        return self.db.execute("SELECT record_id, model, vector FROM embeddings WHERE model=?", (model,)).fetchall()

    def save(self, rows) -> None:
        if self.db is not None:
            self.db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?,?,?)", rows)
            self.db.commit()


def title_key(text: str) -> str:
    return "title:" + hashlib.sha1(text.encode("utf-8")).hexdigest()


def embed_rate(texts: list[str], config) -> float:
    from newsloom.represent.embed import embed_texts

    embed_texts(texts[:8], config)  # the model loads outside the timing
    start = time.perf_counter()
    embed_texts(texts, config)
    return len(texts) / (time.perf_counter() - start)


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def stream_cluster(ids, vectors, texts, days, params, headlines: bool = False) -> tuple[dict[str, str], float]:
    """The pipeline's clustering core over prepared items, batch by batch; returns item -> story, seconds.
    ``headlines``: the items are title-only (headline records), placed as the cluster stage places them."""
    words, clusterer = TermWeights(), StoryClusterer(params)
    # Headline-only stories in two levels when configured, as in the cluster stage.
    groups = HeadlineGroups(params) if headlines and params.headline_part_threshold is not None else None
    fresh = count()
    start = time.perf_counter()
    for s in range(0, len(ids), BATCH):
        chunk = range(s, min(s + BATCH, len(ids)))
        terms = words.add([texts[i] for i in chunk])
        touched = set()
        for i, item_terms in zip(chunk, terms):
            if groups is not None:
                story = clusterer.best_story(vectors[i], item_terms, days[i], articles_only=True,
                                             threshold=params.headline_join_threshold)
                if story is None:
                    groups.place(vectors[i], item_terms, days[i], f"p{i}", "").members.append(ids[i])
                    continue
            elif headlines:
                story = clusterer.place_headline(vectors[i], item_terms, days[i])
            else:
                story = clusterer.best_story(vectors[i], item_terms, days[i])
            if story is None:
                story = clusterer.add_story(StoryState(id=f"s{len(clusterer.stories)}", title="",
                                                       emb=np.zeros_like(vectors[i]), terms={},
                                                       has_articles=not headlines))
            clusterer.join(story, vectors[i], item_terms, days[i])
            story.members.append(ids[i])
            touched.add(story.id)
        clusterer.merge_touched(touched)
        if groups is not None:
            groups.regroup(lambda part: f"g{next(fresh)}")
    seconds = time.perf_counter() - start
    label = {m: s.id for s in clusterer.stories for m in s.members}
    if groups is not None:
        label |= {m: story_id for part_id, story_id in groups.story_of.items()
                  for m in groups.parts.by_id[part_id].members}
    return label, seconds


def headlines_part(config: Config, cache: EmbeddingCache) -> dict:
    from newsloom.represent.embed import embed_texts, model_key
    from newsloom.store.sqlite import from_blob, to_blob

    folder = require(shared_data() / "clustering" / "news-titles")
    rows = {json.loads(line)["Id"]: json.loads(line) for line in (folder / "News.jsonl").open(encoding="utf-8")}
    ids = list(rows)
    texts = [rows[i]["textCleaned"] for i in ids]
    key = model_key(config.represent)
    cached = {r[0]: from_blob(r[2]) for r in cache.rows(key)}
    missing = sorted({t for t in texts if title_key(t) not in cached})
    if len(missing) >= SPEED_SAMPLE:
        start = time.perf_counter()
        fresh = embed_texts(missing, config.represent)
        rate = len(missing) / (time.perf_counter() - start)
    else:
        fresh = embed_texts(missing, config.represent)
        rate = embed_rate(texts[:SPEED_SAMPLE], config.represent)
    cache.save([(title_key(t), key, to_blob(v)) for t, v in zip(missing, fresh)])
    cached |= {title_key(t): v for t, v in zip(missing, fresh)}
    vectors = np.stack([cached[title_key(t)] for t in texts])
    index = {i: k for k, i in enumerate(ids)}
    out = {"embed_titles_per_s": round(rate, 1)}
    # Titles alone are headline records to the pipeline; the title-stream preset (config.TITLE_STREAM) sets
    # their thresholds for a stream made only of titles, as this one is.
    params = story_params(replace(config.cluster, **TITLE_STREAM))
    for name, key in (("News.jsonl", "news"), ("News-T.jsonl", "news_t")):
        order = [json.loads(line)["Id"] for line in (folder / name).open(encoding="utf-8")]
        label, seconds = stream_cluster(order, vectors[[index[i] for i in order]],
                                        [rows[i]["textCleaned"] for i in order], [None] * len(order), params,
                                        headlines=True)
        gold = [rows[i]["clusterNo"] for i in order]
        predicted = [label[i] for i in order]
        out[f"nmi_{key}"] = round(nmi(gold, predicted), 4)
        out[f"{key}_stories"] = len(set(predicted))
        out[f"{key}_pairwise_f1"] = round(pairwise_scores(gold, predicted).f1, 4)
        out[f"{key}_bcubed_f1"] = round(bcubed_scores(gold, predicted).f1, 4)
        out[f"{key}_assign_docs_per_s"] = round(len(order) / seconds, 1)
        log(f"{name}: NMI {out[f'nmi_{key}']} with {out[f'{key}_stories']} stories ({seconds:.1f} s)")
    return out


def run_stages(paths: list[str], db: Path, cache: EmbeddingCache | None = None):
    """Clean, dedup, represent and cluster (the stages that decide stories), into a store at ``db``; cached
    embeddings are put in the store first (the represent stage then finds them) and new ones kept."""
    from newsloom import Pipeline, Store
    from newsloom.clean.stage import CleanStage
    from newsloom.cluster.stage import ClusterStage
    from newsloom.dedup.stage import DedupStage
    from newsloom.represent.embed import RepresentStage

    from newsloom.represent.embed import model_key

    store = Store(db)
    config = Config.load()  # ./newsloom.toml, when present, overrides the defaults
    if cache is not None:
        with store.db:
            store.save_embeddings(cache.rows(model_key(config.represent)))
    pipeline = Pipeline(store, config)
    pipeline.record_stages = [cls(pipeline.ctx) for cls in (CleanStage, DedupStage, RepresentStage, ClusterStage)]
    pipeline.story_stages = []
    report = pipeline.run(paths)
    if cache is not None:
        cache.save(store.db.execute("SELECT record_id, model, vector FROM embeddings").fetchall())
    return store, report


def t17_stream(folder: Path, jsonl: Path) -> int:
    """timeline17 as one JSONL stream in publication order (all collections pooled; the layout's order would
    feed one collection after another)."""
    count = timeline17_jsonl(folder, jsonl)
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    lines.sort(key=lambda line: json.loads(line)["published"])  # stable: within a day, the layout's order
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count


def t17_part(folder: Path, tmp: Path, cache: EmbeddingCache, speed: bool = True) -> dict:
    jsonl = tmp / "t17.jsonl"
    count = t17_stream(folder, jsonl)
    store, report = run_stages([str(jsonl)], tmp / "t17.db", cache)
    stage_seconds = {s["stage"]: s["seconds"] for s in report.stages}
    rows = store.db.execute(
        "SELECT a.url, a.outlet, sa.story_id, s.thread_id FROM articles a JOIN story_articles sa "
        "ON sa.article_id=a.id JOIN stories s ON s.id=sa.story_id").fetchall()
    topic = [r["url"].split("/")[2].split("_")[0] for r in rows]
    stories = [r["story_id"] for r in rows]
    threads = [r["thread_id"] or r["story_id"] for r in rows]
    thread_b3 = bcubed_scores(topic, threads)
    story_b3 = bcubed_scores(topic, stories)
    outlets, members, topics_of = defaultdict(set), Counter(stories), defaultdict(set)
    for r, t in zip(rows, topic):
        outlets[r["story_id"]].add(r["outlet"])
        topics_of[r["story_id"]].add(t)
    big = [s for s, n in members.items() if n >= 5 and topics_of[s] & {"bpoil", "LibyaWar"}]
    multi = sum(1 for s in big if len(outlets[s]) >= 2)
    sizes = sorted(members.values(), reverse=True)
    thread_sizes = sorted(Counter(threads).values(), reverse=True)
    log(f"timeline17: {len(rows)} articles, {len(set(stories))} stories, {len(set(threads))} threads; "
        f"thread B3 F1 {thread_b3.f1:.4f}, story B3 P {story_b3.precision:.4f}; multi-outlet {multi}/{len(big)}")
    return {"t17_articles": len(rows), "t17_docs": count, "t17_stories": len(set(stories)),
            "t17_threads": len(set(threads)), "t17_thread_b3_f1": round(thread_b3.f1, 4),
            "t17_thread_b3_precision": round(thread_b3.precision, 4),
            "t17_thread_b3_recall": round(thread_b3.recall, 4),
            "t17_story_b3_precision": round(story_b3.precision, 4),
            "t17_story_b3_recall": round(story_b3.recall, 4),
            "t17_multi_outlet_share": round(multi / len(big), 4) if big else None, "t17_big_stories": len(big),
            "t17_story_sizes": {"max": sizes[0], "median": sizes[len(sizes) // 2],
                                "singletons": sum(1 for n in sizes if n == 1)},
            "t17_thread_sizes": thread_sizes[:12],
            "t17_headline_only_stories": store.counts()["stories"] - len(set(stories)),
            "t17_cluster_seconds": stage_seconds.get("cluster"),
            "t17_embed_docs_per_s": round(_t17_embed_rate(store, report), 1) if speed else None}


def t17_split(folder: Path, tmp: Path, cache: EmbeddingCache) -> dict:
    """Thread and story figures on the dev collections and on the held-out rest, each run on its own (folders
    of links to the collections); nothing when ``folder`` holds none of the dev collections."""
    collections = sorted(p.name for p in folder.iterdir() if p.is_dir())
    dev = [c for c in collections if c in DEV_COLLECTIONS]
    if not dev:
        return {}
    out = {}
    for name, chosen in (("dev", dev), ("heldout", [c for c in collections if c not in DEV_COLLECTIONS])):
        part = tmp / f"t17-{name}"
        part.mkdir()
        for c in chosen:
            (part / c).symlink_to(folder / c)
        (tmp / name).mkdir()
        figures = t17_part(part, tmp / name, cache, speed=False)
        out |= {f"t17_{name}_{key[4:]}": figures[key] for key in (
            "t17_thread_b3_f1", "t17_thread_b3_precision", "t17_thread_b3_recall", "t17_story_b3_precision",
            "t17_threads")}
        out[f"t17_{name}_collections"] = chosen
    return out


def _t17_embed_rate(store, report) -> float:
    """Articles-or-headlines embedded per second: from the represent stage when it embedded most of them,
    else (embeddings from the cache) from a fresh sample of the same records."""
    from newsloom.represent.embed import record_text

    represent = next(s for s in report.stages if s["stage"] == "represent")
    if represent.get("embedded", 0) >= SPEED_SAMPLE:
        return represent["embedded"] / represent["seconds"]
    articles = list(store.articles())
    step = max(1, len(articles) // SPEED_SAMPLE)
    return embed_rate([record_text(a) for a in articles[::step][:SPEED_SAMPLE]], Config.load().represent)


def seeds_part(tmp: Path, cache: EmbeddingCache) -> dict:
    folder = require(shared_data() / "seeds")
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    store, _ = run_stages([str(folder)], tmp / "seeds.db", cache)
    story_of = {a.uri.rsplit("/", 1)[-1]: sid for a in store.articles() for sid in [store.article_story()[a.id]]}
    members = gold["story"]["members"]
    one_story = set(members) <= set(story_of) and len({story_of[m] for m in members}) == 1
    headline_story = {r[0]: r[1] for r in store.db.execute(
        "SELECT h.text, sh.story_id FROM headlines h JOIN story_headlines sh ON sh.headline_id=h.id "
        "JOIN documents d ON d.id=h.doc_id WHERE d.uri LIKE '%000_06ea547c931868e3.txt'")}
    group_of = {t: i for i, g in enumerate(gold["headline_groups"]["groups"]) for t in g}
    borderline = {frozenset(p) for p in gold["headline_groups"]["borderline"]}
    texts = sorted(t for t in headline_story)
    tp = fp = fn = 0
    for a, b in combinations(texts, 2):
        if frozenset((a, b)) in borderline:
            continue
        same_gold = a in group_of and group_of.get(a) == group_of.get(b)
        same_pred = headline_story[a] == headline_story[b]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    missing = sorted(t for g in gold["headline_groups"]["groups"] for t in g if t not in headline_story)
    log(f"seeds: one story {one_story}; headline pairs P {precision:.3f} R {recall:.3f} F1 {f1:.3f}; "
        f"{len(missing)} gold headlines not found as headline records")
    return {"seeds_one_story": one_story, "seeds_headline_pair_f1": round(f1, 4),
            "seeds_headline_pair_precision": round(precision, 4), "seeds_headline_pair_recall": round(recall, 4),
            "seeds_headlines_missing": len(missing)}


def scale_point(n: int) -> dict:
    """Assignment of ``n`` replicated items (timeline17-sized vectors with noise, dates spread over two years)
    in a fresh process, so that peak memory is this point's own."""
    code = f"""
import sys, time, json, numpy as np
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from datetime import date, timedelta
from clustering import stream_cluster, story_params, Config
from _shared import peak_rss_mb
rng = np.random.default_rng(7)
# Each week brings 60 new events; an item belongs to one of its week's events (embedding: the event's vector
# plus noise; words: the event's words plus one of its own), dated in order over two years.
weeks = 104
week = np.arange({n}) * weeks // {n}
picks = week * 60 + rng.integers(0, 60, {n})
base = rng.normal(size=(weeks * 60, 384)).astype(np.float32)
base /= np.linalg.norm(base, axis=1, keepdims=True)
vectors = base[picks] + 0.05 * rng.normal(size=({n}, 384)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
words = [f"event{{p}} place{{p % 97}} actor{{p % 53}} detail{{i % 1000}}" for i, p in enumerate(picks)]
days = [date(2010, 1, 1) + timedelta(days=int(w * 7 + i % 7)) for i, w in enumerate(week)]
label, seconds = stream_cluster([str(i) for i in range({n})], vectors, words, days, story_params(Config().cluster))
print(json.dumps({{"docs": {n}, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_rss_mb()),
                  "stories": len(set(label.values()))}}))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--t17", type=Path, default=None, help="a folder of collections in timeline17's layout")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 10k/100k scale points")
    parser.add_argument("--parts", default="news,t17,seeds",
                        help="comma-separated subset of news, t17, seeds (while iterating; the JSON then lacks "
                             "the other parts' keys)")
    parser.add_argument("--no-cache", action="store_true", help="embed everything afresh, keep nothing")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    config = Config.load()
    cache = EmbeddingCache(not args.no_cache)
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "news" in parts:
            result |= headlines_part(config, cache)
            result["assign_docs_per_s"] = result["news_assign_docs_per_s"]
        if "t17" in parts:
            folder = require(args.t17 or shared_data() / "timeline17")
            result |= t17_part(folder, Path(tmp), cache)
            result["embed_docs_per_s"] = result["t17_embed_docs_per_s"]
            result |= t17_split(folder, Path(tmp), cache)
        if "seeds" in parts:
            result |= seeds_part(Path(tmp), cache)
    if not args.skip_scale:
        result["scale"] = [scale_point(n) for n in (10_000, 100_000)]
        log(f"scale: {result['scale']}")
    result |= {"peak_rss_mb": round(peak_rss_mb()), "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
