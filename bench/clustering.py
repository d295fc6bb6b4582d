"""Story clustering quality and speed.

    python bench/clustering.py [--json] [--t17 DIR] [--skip-scale] [--parts news,t17,loto,seeds,nested] [--no-cache]
    python bench/clustering.py --fit     # refit the shipped thread model on all timeline17 topics

1. Headlines: the news-titles set (11,109 stemmed titles, 152 stories), NMI on News and News-T (stream order),
   with the story count, using the same online clusterer and parameters as the pipeline, fed in batches.
2. Multi-outlet articles: every timeline17 article (pooled, in publication order) through newsloom's clean,
   dedup and represent stages, then the cluster stage; threads and stories against the topic labels (B-cubed),
   and the share of bpoil/LibyaWar stories of 5+ articles that hold 2+ outlets. The cluster stage's inputs are
   captured once (and cached), so that the stage can be replayed exactly, in other orders and with other models:
   the same articles fed (a) pooled in publication order, (b) collection by collection, (c) shuffled within each
   day (`order_*` keys; the shipped thread model, fitted on all topics, so in-sample).
3. Leave one topic out (`loto_*`): for each of the 7 topics, the thread model is fitted on the other 6 topics'
   stream alone, and the pooled stream of all 7 is clustered with it; the figures are the held-out topic's
   articles' (B-cubed against the topics over the whole run, so a topic fused with another loses precision).
   ``--parts nested`` (not in the default): what choosing the model's feature set costs held out, by nested leave
   one topic out (`nested_*` keys; see nested_part).
4. Seeds: the five seed pages form one story; the same-event headline groups of page 000 come out together.
5. Speed: assignment with cached embeddings, embedding throughput, and 10k/100k replicated articles.
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
from _replay import Item, capture, labels_of, ordered, run_stage, topic_rows  # noqa: E402
from _shared import machine, peak_rss_mb, require, shared_data, timeline17_jsonl  # noqa: E402

from newsloom.cluster.online import HeadlineGroups, StoryClusterer, StoryState, TermWeights  # noqa: E402
from newsloom.cluster.stage import story_params  # noqa: E402
from newsloom.cluster.threads import FEATURES  # noqa: E402
from newsloom.config import TITLE_STREAM, Config  # noqa: E402
from newsloom.evaluation import bcubed_scores, nmi, pairwise_scores  # noqa: E402

MULTI_OUTLET_TOPICS = ("bpoil", "LibyaWar")  # the timeline17 topics covered by more than one outlet
ORDERS = ("pooled", "by_collection", "shuffled")
# Feature sets of the thread model compared by the nested part (the first is the shipped one).
FEATURE_SETS = {
    "shipped": FEATURES,
    "no_gap": ("log_ratio", "cos", "log_small", "log_large"),
    "two_sided_sizes": ("log_ratio_two_sided", "log_small", "log_large"),
    "ratio_cos": ("log_ratio", "cos"),
}
BATCH = 500  # as the pipeline's default batch_docs
SPEED_SAMPLE = 400  # items embedded afresh to measure throughput when the cache already holds the rest


class EmbeddingCache:
    """(record id, model key) -> float32 vector bytes, the store's own embeddings layout, kept across runs."""

    def __init__(self, enabled: bool):
        self.db = None
        self.folder: Path | None = None  # also holds the cluster stage's captured inputs (bench/_replay.py)
        if enabled:
            path = Path(os.environ.get("NEWSLOOM_BENCH_CACHE", Path.home() / ".cache" / "newsloom-bench"))
            path.mkdir(parents=True, exist_ok=True)
            self.folder = path
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
    from newsloom.dedup.stage import DedupStage, SignStage
    from newsloom.represent.embed import RepresentStage, model_key

    store = Store(db)
    config = Config.load()  # ./newsloom.toml, when present, overrides the defaults
    if cache is not None:
        with store.db:
            store.save_embeddings(cache.rows(model_key(config.represent)))
    pipeline = Pipeline(store, config)
    pipeline.half.stages = [cls(pipeline.half.ctx) for cls in (CleanStage, SignStage, RepresentStage)]
    pipeline.half.ctx.cached_embeddings = store.embeddings
    pipeline.store_stages = [cls(pipeline.ctx) for cls in (DedupStage, ClusterStage)]
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


def t17_items(folder: Path, tmp: Path, cache: EmbeddingCache) -> list[Item]:
    """What the cluster stage receives from timeline17 (cleaned, deduplicated, embedded), captured once."""
    from newsloom.represent.embed import model_key

    jsonl = tmp / "t17.jsonl"
    t17_stream(folder, jsonl)
    store_embeddings = cache.rows(model_key(Config.load().represent))
    items = capture([str(jsonl)], tmp / "t17-capture.db", lambda url: url.split("/")[2], cache.folder,
                    store_embeddings)
    if not store_embeddings:
        cache.save([(i.record.id, model_key(Config.load().represent), i.vector.astype(np.float32).tobytes())
                    for i in items])
    return items


def with_thread_model(config: Config, path: Path | None) -> Config:
    return replace(config, cluster=replace(config.cluster, thread_model=str(path) if path else None))


def fit_threads(items: list[Item], config: Config, names: tuple[str, ...] | None = None):
    """The thread model fitted on these items' topics: the stream's stories (which do not depend on threads)
    with their majority topic; ``names``: the features to read (the shipped set by default)."""
    from newsloom.cluster.threads import fit_thread_model

    from newsloom.cluster.threads import ThreadModel

    topic_of = {i.record.id: i.topic for i in items}
    # Stories do not depend on threads: the stream runs with a model that joins nothing, so that the fit depends
    # on no earlier model (the shipped one may be stale or fitted on other features).
    alone = ThreadModel(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.zeros(len(FEATURES)), -20.0, 0.4)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(alone.to_json())
    stage = run_stage(ordered(items, "pooled"), with_thread_model(config, Path(handle.name)))
    os.unlink(handle.name)
    stories = [s for s in stage.stories.stories if s.alive and s.has_articles and s.members]
    topics = [Counter(topic_of[m] for m in s.members).most_common(1)[0][0] for s in stories]
    return fit_thread_model(stories, topics, config.cluster.thread_dormant_after_days, names=names or FEATURES)


def cluster_figures(items: list[Item], stage) -> dict:
    """Thread and story figures of a replay against the topics."""
    labels = labels_of(stage)
    arts = [i for i in items if i.record.id in labels]
    topic = [i.topic for i in arts]
    stories = [labels[i.record.id][0] for i in arts]
    threads = [labels[i.record.id][1] or labels[i.record.id][0] for i in arts]
    thread_b3, story_b3 = bcubed_scores(topic, threads), bcubed_scores(topic, stories)
    return {"articles": len(arts), "stories": len(set(stories)), "threads": len(set(threads)),
            "thread_b3": thread_b3, "story_b3": story_b3, "labels": labels,
            "thread_sizes": sorted(Counter(threads).values(), reverse=True)}


def multi_outlet(items: list[Item], labels: dict, topics: tuple[str, ...]) -> tuple[int, int]:
    """(stories of 5+ articles of these topics with 2+ outlets, all such stories)."""
    members, outlets, topics_of = Counter(), defaultdict(set), defaultdict(set)
    for item in items:
        if item.record.id in labels:
            story = labels[item.record.id][0]
            members[story] += 1
            outlets[story].add(item.record.outlet)
            topics_of[story].add(item.topic)
    big = [s for s, n in members.items() if n >= 5 and topics_of[s] & set(topics)]
    return sum(1 for s in big if len(outlets[s]) >= 2), len(big)


def t17_part(items: list[Item], config: Config) -> dict:
    """The shipped configuration on the pooled stream, and the same articles in other orders."""
    out: dict = {}
    for order in ORDERS:
        start = time.perf_counter()
        stage = run_stage(ordered(items, order), config)
        seconds = time.perf_counter() - start
        fig = cluster_figures(items, stage)
        out[f"order_{order}_thread_b3_f1"] = round(fig["thread_b3"].f1, 4)
        log(f"timeline17 ({order}): {fig['articles']} articles, {fig['stories']} stories, {fig['threads']} threads; "
            f"thread B3 F1 {fig['thread_b3'].f1:.4f}, story B3 P {fig['story_b3'].precision:.4f} ({seconds:.0f} s)")
        if order != "pooled":
            continue
        multi, big = multi_outlet(items, fig["labels"], MULTI_OUTLET_TOPICS)
        sizes = sorted(Counter(s for s, _ in fig["labels"].values()).values(), reverse=True)
        out |= {"t17_articles": fig["articles"], "t17_stories": fig["stories"], "t17_threads": fig["threads"],
                "t17_thread_b3_f1": round(fig["thread_b3"].f1, 4),
                "t17_thread_b3_precision": round(fig["thread_b3"].precision, 4),
                "t17_thread_b3_recall": round(fig["thread_b3"].recall, 4),
                "t17_story_b3_precision": round(fig["story_b3"].precision, 4),
                "t17_story_b3_recall": round(fig["story_b3"].recall, 4),
                "t17_multi_outlet_share": round(multi / big, 4) if big else None, "t17_big_stories": big,
                "t17_story_sizes": {"max": sizes[0], "median": sizes[len(sizes) // 2],
                                    "singletons": sum(1 for n in sizes if n == 1)},
                "t17_thread_sizes": fig["thread_sizes"][:12],
                "t17_thread_rows": topic_rows(items, fig["labels"]),
                "t17_cluster_seconds": round(seconds, 1),
                "t17_assign_items_per_s": round(len(items) / seconds, 1)}
    spread = [out[f"order_{o}_thread_b3_f1"] for o in ORDERS]
    out["order_spread_thread_b3_f1"] = round(max(spread) - min(spread), 4)
    return out


def _held_out(train: list[Item], stream: list[Item], topic: str, config: Config, tmp: Path,
              names: tuple[str, ...] | None = None) -> tuple[dict, dict]:
    """The thread model fitted on ``train``, the pooled ``stream`` clustered with it: ``topic``'s row and the
    labels."""
    path = tmp / f"thread-model-without-{topic}.json"
    path.write_text(fit_threads(train, config, names).to_json(), encoding="utf-8")
    labels = labels_of(run_stage(ordered(stream, "pooled"), with_thread_model(config, path)))
    return topic_rows(stream, labels)[topic], labels


def loto_part(items: list[Item], config: Config, tmp: Path) -> dict:
    """Leave one topic out: the thread model fitted without the topic, the pooled stream of all topics
    clustered with it, the held-out topic's articles scored."""
    rows: dict[str, dict] = {}
    multi = big = 0
    for topic in sorted({i.topic for i in items}):
        start = time.perf_counter()
        rows[topic], labels = _held_out([i for i in items if i.topic != topic], items, topic, config, tmp)
        if topic in MULTI_OUTLET_TOPICS:
            m, b = multi_outlet(items, labels, (topic,))
            rows[topic]["multi_outlet"] = [m, b]
            multi, big = multi + m, big + b
        log(f"held out {topic}: {rows[topic]} ({time.perf_counter() - start:.0f} s)")
    mean = {k: round(sum(r[k] for r in rows.values()) / len(rows), 4) for k in ("precision", "recall", "f1")}
    return {"loto_thread_b3_f1": mean["f1"], "loto_thread_b3_precision": mean["precision"],
            "loto_thread_b3_recall": mean["recall"], "loto_thread_rows": rows,
            "loto_thread_min_recall": min(r["recall"] for r in rows.values()),
            "loto_thread_min_precision": min(r["precision"] for r in rows.values()),
            "loto_multi_outlet_share": round(multi / big, 4) if big else None, "loto_multi_outlet_stories": big}


def nested_part(items: list[Item], config: Config, tmp: Path) -> dict:
    """What choosing the thread model's feature set costs, held out (nested leave one topic out): for each
    held-out topic, each set of FEATURE_SETS is scored by leave-one-topic-out on the other topics' stream alone
    (the held-out topic absent); the best inner mean chooses the set, which is fitted on the other topics and
    scored on the held-out topic in the full stream. Each set's plain leave-one-topic-out F1 is given beside."""
    topics = sorted({i.topic for i in items})
    rows: dict[str, dict] = {}
    for outer in topics:
        rest = [i for i in items if i.topic != outer]
        inner = {name: round(float(np.mean([
            _held_out([i for i in rest if i.topic != t], rest, t, config, tmp, names)[0]["f1"]
            for t in topics if t != outer])), 4) for name, names in FEATURE_SETS.items()}
        held = {name: _held_out(rest, items, outer, config, tmp, names)[0]["f1"]
                for name, names in FEATURE_SETS.items()}
        chosen = max(inner, key=inner.get)
        rows[outer] = {"inner": inner, "held_out": held, "chosen": chosen}
        log(f"nested, held out {outer}: {rows[outer]}")
    return {"nested_thread_b3_f1": round(float(np.mean([r["held_out"][r["chosen"]] for r in rows.values()])), 4),
            "nested_loto_by_feature_set": {name: round(float(np.mean([r["held_out"][name] for r in rows.values()])),
                                                       4) for name in FEATURE_SETS},
            "nested_rows": rows}


def _embed_rate(records: list, config: Config) -> float:
    """Articles or headlines embedded per second, on a fresh sample of the records."""
    from newsloom.represent.embed import record_text

    step = max(1, len(records) // SPEED_SAMPLE)
    return embed_rate([record_text(r) for r in records[::step][:SPEED_SAMPLE]], config.represent)


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
    parser.add_argument("--parts", default="news,t17,loto,seeds",
                        help="comma-separated subset of news, t17, loto, seeds (while iterating; the JSON then "
                             "lacks the other parts' keys); also nested, not in the default: the thread feature "
                             "set's choice held out (about 200 replays)")
    parser.add_argument("--no-cache", action="store_true", help="embed everything afresh, keep nothing")
    parser.add_argument("--fit", action="store_true",
                        help="fit the thread model on all timeline17 topics into src/newsloom/cluster/ and stop")
    args = parser.parse_args()
    parts = {"t17"} if args.fit else set(args.parts.split(","))
    config = Config.load()
    cache = EmbeddingCache(not args.no_cache)
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "news" in parts:
            result |= headlines_part(config, cache)
            result["assign_docs_per_s"] = result["news_assign_docs_per_s"]
        if args.fit or parts & {"t17", "loto", "nested"}:
            items = t17_items(require(args.t17 or shared_data() / "timeline17"), Path(tmp), cache)
        if args.fit:
            from newsloom.cluster.threads import MODEL_PATH

            model = fit_threads(items, config)
            MODEL_PATH.write_text(model.to_json(fitted_on="timeline17, all topics (bench/clustering.py --fit)",
                                                date=time.strftime("%Y-%m-%d")) + "\n", encoding="utf-8")
            log(f"thread model written to {MODEL_PATH}")
            return
        if "t17" in parts:
            result |= t17_part(items, config)
            result["embed_docs_per_s"] = round(_embed_rate([i.record for i in items], config), 1)
        if "loto" in parts:
            result |= loto_part(items, config, Path(tmp))
        if "nested" in parts:
            result |= nested_part(items, config, Path(tmp))
        if "seeds" in parts:
            result |= seeds_part(Path(tmp), cache)
    if not args.skip_scale:
        result["scale"] = [scale_point(n) for n in (10_000, 100_000)]
        log(f"scale: {result['scale']}")
    result |= {"peak_rss_mb": round(peak_rss_mb()), "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
