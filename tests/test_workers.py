"""Limits enforced while the work runs (issue 17, item 4): document workers stopped at the time limit or the
memory cap in any thread, replaced, and the run going on; texts far longer than an article refused."""

from __future__ import annotations

import functools
import json
import operator
import os
import re
import threading
import time
from pathlib import Path

import pytest

from newsloom.clean.stage import CleanStage, warm_up
from newsloom.config import Config, IngestConfig
from newsloom.errors import InputRejected
from newsloom.ingest import read_inputs
from newsloom.records import Article, Document, Rejection
from newsloom.stages import RunContext
from newsloom.workers import DocumentWorkers

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SENTENCE = "The harbour master said on Monday that nine ships were waiting to unload their cargo. "
ARTICLE = "\n\n".join(f"Paragraph {i}. {SENTENCE * 3}" for i in range(6))
SLOW_HTML = "<html><body><p>" + SENTENCE * 12_000 + "</p></body></html>"  # about 2.4 s to clean on one core


@pytest.fixture
def workers():
    pool = DocumentWorkers(timeout_s=0.5, memory_mb=400, processes=2, initializer=warm_up)
    pool.call(len, "warm")  # the fork server starts once; the limits are timed from here
    yield pool
    pool.close()


def in_thread(function):
    """Run ``function`` in a new thread, as the web server runs ingest; returns its result and seconds."""
    box = {}

    def target():
        start = time.perf_counter()
        box["result"] = function()
        box["seconds"] = time.perf_counter() - start

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    return box["result"], box["seconds"]


def test_clean_stage_stops_a_slow_page_at_the_limit_outside_the_main_thread(workers):
    config = Config.from_dict({"ingest": {"parse_timeout_s": 0.5}})
    stage = CleanStage(RunContext(config, store=None, workers=workers))
    docs = [Document(id="slow", uri="slow.html", format="html", content=SLOW_HTML),
            Document(id="good", uri="good.txt", format="text", content=f"Ships wait\n\n{ARTICLE}")]
    records, seconds = in_thread(lambda: list(stage.run(docs)))
    (refused,) = [r for r in records if isinstance(r, Rejection)]
    assert refused.uri == "slow.html" and refused.code == "timeout"
    assert refused.reason == "cleaning it took longer than the 0.5 s limit (stopped)"
    assert [r.doc_id for r in records if isinstance(r, Article)] == ["good"]
    assert seconds < 0.5 + 1.5  # stopped at the limit, not after the 2.4 s the page needs
    assert stage.stats.dropped["timeout"] == 1


def test_c_code_holding_the_interpreter_is_stopped(workers):
    """Catastrophic backtracking runs in C without returning to Python: no signal handler could stop it."""
    start = time.perf_counter()
    with pytest.raises(InputRejected) as info:
        workers.call(functools.partial(re.match, r"(a+)+$"), "a" * 40 + "!")
    assert info.value.reason_code == "timeout" and time.perf_counter() - start < 0.5 + 1.0
    assert workers.call(len, "still works") == 11  # the killed worker was replaced


def test_memory_cap_stops_a_task():
    with DocumentWorkers(timeout_s=30, memory_mb=400) as workers:
        with pytest.raises(InputRejected) as info:
            workers.call(functools.partial(operator.mul, b"x"), 1_200_000_000)  # 1.2 GB against a 400 MB cap
        assert info.value.reason_code == "memory" and "400 MB" in info.value.reason
        assert workers.call(len, "ok") == 2


def test_a_crashing_task_costs_only_itself(workers):
    outcomes = list(workers.map(os._exit, [3]))
    assert [o.reason_code for o in outcomes] == ["worker-crashed"]
    assert "exit code 3" in outcomes[0].reason
    assert list(workers.map(len, ["a", "bb"])) == [1, 2]


def test_results_keep_their_order_around_a_stopped_task(workers):
    outcomes = list(workers.map(time.sleep, [0.2, 30, 0.0, 0.1]))
    assert outcomes[0] is None and outcomes[2] is None and outcomes[3] is None
    assert isinstance(outcomes[1], InputRejected) and outcomes[1].reason_code == "timeout"


def test_unexpected_error_is_a_refusal_with_the_error(workers):
    (outcome,) = workers.map(int, ["not a number"])
    assert outcome.reason_code == "error" and "ValueError" in outcome.reason


def test_reading_in_workers_gives_the_same_documents():
    config = IngestConfig()
    with DocumentWorkers.from_config(config) as pool:
        in_workers = list(read_inputs([str(EXAMPLES)], config, workers=pool))
    assert in_workers == list(read_inputs([str(EXAMPLES)], config))
    assert sum(isinstance(item, Document) for item in in_workers) >= 10


def test_text_far_longer_than_an_article_is_refused_before_parsing(tmp_path):
    """A 40-million-character text was stored as one article; over max_text_chars (default 1,000,000: four
    times the longest page in the shared data) it is refused, quickly, without being cleaned."""
    path = tmp_path / "dump.txt"
    path.write_text((ARTICLE + "\n\n") * 4_000, encoding="utf-8")  # about 4.4 million characters
    start = time.perf_counter()
    (refused,) = read_inputs([str(path)], IngestConfig())
    assert isinstance(refused, Rejection) and refused.code == "too-long"
    assert "limit 1,000,000" in refused.reason and time.perf_counter() - start < 3


def test_long_jsonl_row_is_refused_and_its_neighbours_kept(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"text": ARTICLE}, {"text": "x " * 3000}, {"text": ARTICLE + " Second."}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    items = list(read_inputs([str(path)], IngestConfig(max_text_chars=5000)))
    assert [(type(i).__name__, i.uri.rsplit("#", 1)[1]) for i in items] == [
        ("Document", "1"), ("Rejection", "2"), ("Document", "3")]
    assert items[1].code == "too-long"


def test_long_article_text_from_html_is_refused(workers):
    config = Config.from_dict({"ingest": {"max_text_chars": 5000}})
    stage = CleanStage(RunContext(config, store=None, workers=workers))
    paragraphs = "".join(f"<p>On day {i} the harbour master counted {i * 7} ships; {SENTENCE * 3}</p>" for i in range(40))
    html = f"<html><body><article>{paragraphs}</article></body></html>"
    (refused,) = stage.run([Document(id="long", uri="long.html", format="html", content=html)])
    assert refused.code == "too-long" and "limit 5,000" in refused.reason


def test_endless_file_is_read_no_further_than_the_size_limit(tmp_path):
    """A symlink to /dev/zero says its size is 0 and never ends: it was read until memory ran out."""
    endless = tmp_path / "zero.txt"
    endless.symlink_to("/dev/zero")
    start = time.perf_counter()
    (refused,) = read_inputs([str(endless)], IngestConfig(max_bytes=1_000_000))
    assert refused.code == "too-large" and "1,000,000-byte limit" in refused.reason
    assert time.perf_counter() - start < 2
