"""Reliability (issue 17): hostile inputs, kill -9 and resume, readers beside writers, limits, fuzzing.

    python bench/reliability.py [--json] [--kill9-trials N] [--fuzz-examples N] [--skip kill9,concurrent,...]

Builds its hostile corpus itself (deterministic, written here; no downloaded data) and the good documents are
the repository's examples/. Prints one JSON object as its last line:
- hostile_inputs (kinds tried), refused_with_reason (kinds refused with a code and a reason), stored_kinds
  (kinds stored as documents: markup and escapes in every field are news text to escape, not to refuse),
  crashes (kinds whose run raised or died; target 0), good_docs_lost (good documents missing or changed when
  run mixed with every hostile input, against a clean run of them alone; target 0), and ``kinds``: each
  kind's outcome;
- kill9_trials, kill9_identical: `newsloom run` killed with SIGKILL at several moments, then run again; the
  final store (documents, articles, stories with their ids, story membership) equal to a clean run's;
- concurrent_read_errors (target 0) with read_p50_ms, read_p99_ms (``/api/stories`` and a story page, 4
  readers at most 20 requests/s each on 127.0.0.1) while two `newsloom run` write to the store;
  second_writer_ok (the second writer waited and finished with its documents stored);
- limit_overrun_s: the worst time a document ran past its limit (target <= 2), from the document workers'
  own record and from the wall time of a call stopped at the limit; peak_rss_mb: the peak resident memory
  of this process and its workers together during the hostile runs (target <= 1,500);
- fuzz_execs, fuzz_crashes: the properties of tests/test_fuzz.py run longer (target 0 crashes).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _shared import ROOT, emit, machine  # noqa: E402

EXAMPLES = ROOT / "examples"
PARAGRAPH = ("The harbour authority said on Monday that nine cargo ships were waiting outside the port of Kessmoor "
             "after dock workers walked out over pay, and that the queue could grow by the end of the week. ")
ARTICLE = "Dock strike leaves ships waiting\n\n" + "\n\n".join(f"{PARAGRAPH}Day {i}." for i in range(5))


# -- the hostile corpus ---------------------------------------------------------------------------------------

def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _bomb(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes, written in chunks (a few hundred kB on disk)."""
    import zlib

    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk, parts = b"\0" * 1_000_000, []
    for _ in range(size // len(chunk)):
        parts.append(out.compress(chunk))
    parts.append(out.flush())
    return b"".join(parts)


def _warc(payload: bytes, length: int | None = None) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + payload
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.org/a\r\n"
            f"WARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {length if length is not None else len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>[bold red]x[/] \x1b[31mred\x1b]0;title\x07"


def hostile_kinds(folder: Path) -> dict[str, list[Path]]:
    """Write each kind of hostile input under ``folder``; returns kind -> the paths to run for it."""
    files: dict[str, bytes] = {
        "binary-png.html": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
        "binary-elf.txt": b"\x7fELF" + bytes(range(256)) * 40,
        "binary-noise.txt": bytes((i * 7919 + 13) % 256 for i in range(20_000)),
        "empty.txt": b"",
        "whitespace.txt": b" \n\t\r\n" * 100,
        "bom-only.txt": b"\xef\xbb\xbf\n",
        "truncated.txt.gz": _gzip(ARTICLE.encode())[:-30],
        "corrupt.html.gz": b"\x1f\x8b\x08\x00" + b"\xff" * 2000,
        "bomb.txt.gz": _bomb(300_000_000),
        "nested-divs.html": ("<html><body>" + "<div>" * 100_000 + ARTICLE + "</div>" * 100_000).encode(),
        "nested-inline.html": ("<html><body><p>" + "<b><i>" * 60_000 + ARTICLE).encode(),
        "huge-line.txt": (PARAGRAPH * 60_000).encode(),  # 12 MB without a line break
        "forty-mb.txt": ((ARTICLE + "\n\n") * 40_000).encode(),  # the 40 MB text under the 50 MB cap
        "forty-mb-page.html": ("<html><body>" + "".join(f"<p>{PARAGRAPH}{i}</p>" for i in range(180_000))
                               + "</body></html>").encode(),  # the 45 MB page
        "bad-utf8.txt": ARTICLE.encode() + b"\xc3\x28\xa0\xa1\xe2\x28\xa1" * 500,
        "utf16le-nobom.txt": ARTICLE.encode("utf-16-le"),
        "mixed-encodings.html": ARTICLE.encode("cp1252") + "日本語のニュース".encode("shift_jis") + ARTICLE.encode("utf-8"),
        "malformed.jsonl": b'{"text": "unterminated\n{"title": 5, "text": ["list"]}\nnot json at all\n{}\n',
        "deep.json": b"[" * 200_000 + b"]" * 200_000,
        "surrogates.jsonl": json.dumps({"title": "\ud800 escaped", "text": "\udfff " + ARTICLE}).encode(),
        "wrong-types.json": json.dumps([{"text": 5}, {"html": None, "url": 7}, [], "x", {"text": ARTICLE,
                                        "published": {"a": 1}, "source": ["x"]}]).encode(),
        "garbage.warc": b"WARC/1.0\r\n" + bytes((i * 31) % 256 for i in range(5000)),
        "bad-length.warc": _warc(b"<html><body><p>" + ARTICLE.encode() + b"</p></body></html>", length=99_999),
        "truncated.warc.gz": (EXAMPLES / "crawl.warc.gz").read_bytes()[:600],
        "unclosed.rss": b"<?xml version='1.0'?><rss><channel><title>x</title><item><title>Only a title",
        "xxe.rss": (b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><rss><channel>"
                    b"<item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>"),
        "laughs.atom": (b"<?xml version='1.0'?><!DOCTYPE l [<!ENTITY a 'lollollollollol'>"
                        + b"".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>".encode()
                                   for i in range(8))
                        + b"]><feed xmlns='http://www.w3.org/2005/Atom'><entry><title>&i;</title></entry></feed>"),
        "xss-fields.jsonl": json.dumps({"title": XSS, "url": "javascript:alert(3)", "source": XSS,
                                        "published": XSS, "text": XSS + "\n\n" + ARTICLE}).encode(),
        "xss-page.html": (f"<html><head><title>{XSS}</title><meta name='author' content=\"{XSS}\"></head><body>"
                          f"<article><h1>{XSS}</h1><p>{PARAGRAPH}</p><p>{XSS}</p>"
                          + "".join(f"<p>{PARAGRAPH}{i}</p>" for i in range(4)) + "</article></body></html>").encode(),
        "control-chars.txt": ("\x1b[2J\x1b[31m" + ARTICLE.replace(". ", ".\x07\x08\x1b[0m ")).encode(),
        "many-links.html": ("<html><body><ul>" + "".join(f"<li><a href='/{i}'>Story {i} headline here</a></li>"
                                                         for i in range(50_000)) + "</ul></body></html>").encode(),
        "json-in.html": json.dumps({"text": ARTICLE}).encode(),
    }
    kinds: dict[str, list[Path]] = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        kinds[name] = [path]
    odd = folder / "odd names"
    odd.mkdir()
    for label, name in (("name-spaces-quotes", "it's a \"page\" (1).txt"), ("name-ansi", "\x1b[31mred\x1b[0m.txt"),
                        ("name-newline", "line\nbreak.txt")):
        path = odd / name
        path.write_text(ARTICLE.replace("Day", label), encoding="utf-8")
        kinds[label] = [path]
    raw = os.fsencode(str(folder)) + b"/bad-\xff\xfe-name.txt"
    with open(raw, "wb") as handle:
        handle.write(ARTICLE.replace("Day", "Latin").encode())
    kinds["name-not-utf8"] = [Path(os.fsdecode(raw))]
    sparse = folder / "too-large.html"
    with open(sparse, "wb") as handle:
        handle.truncate(60_000_000)
    kinds["too-large"] = [sparse]
    loop = folder / "loop"
    loop.mkdir()
    (loop / "self").symlink_to(loop, target_is_directory=True)
    (loop / "page.txt").write_text(ARTICLE.replace("Day", "Loop"), encoding="utf-8")
    kinds["symlink-loop"] = [loop]
    zero = folder / "zero.txt"
    zero.symlink_to("/dev/zero")  # an endless file whose size says 0
    kinds["endless-file"] = [zero]
    fifo = folder / "fifo.txt"
    os.mkfifo(fifo)  # a read that never returns
    kinds["fifo"] = [fifo]
    kinds["missing"] = [folder / "no-such-file.html"]
    return kinds


# -- memory of this process and its workers ------------------------------------------------------------------

class TreeMemory:
    """Samples the memory of this process and all its descendants every 0.1 s and keeps the peak of the sum.
    Each process counts its proportional set size (Pss: pages shared with the fork server and the other
    workers divided among them), so that shared pages are not counted once per worker."""

    def __init__(self):
        self.peak_mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        me = os.getpid()
        while not self._stop.wait(0.1):
            parents, rss = {}, {}
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
                    if parents[int(entry)] == 0:
                        continue
                    rss[int(entry)] = _pss_mb(int(entry))
                except (OSError, ValueError):
                    continue
            tree, frontier = {me}, [me]
            while frontier:
                parent = frontier.pop()
                children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
                tree.update(children)
                frontier.extend(children)
            self.peak_mb = max(self.peak_mb, sum(rss.get(pid, 0) for pid in tree))


def _pss_mb(pid: int) -> float:
    if pid != os.getpid() and not Path(f"/proc/{pid}/smaps_rollup").exists():
        return 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- store snapshots -----------------------------------------------------------------------------------------

def snapshot(db: Path) -> dict:
    """What a run leaves that must not depend on how it got there: ids of documents, articles, headlines,
    stories, and which article is in which story."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return {
            "documents": sorted(r[0] for r in con.execute("SELECT id FROM documents")),
            "articles": sorted(con.execute("SELECT doc_id, id FROM articles").fetchall()),
            "headlines": sorted(r[0] for r in con.execute("SELECT id FROM headlines")),
            "stories": sorted(r[0] for r in con.execute("SELECT id FROM stories")),
            "membership": sorted(con.execute("SELECT article_id, story_id FROM story_articles").fetchall()),
        }


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from newsloom.cli import main; main()", *args]


# -- parts ---------------------------------------------------------------------------------------------------

def hostile(tmp: Path) -> dict:
    from newsloom import Config, Pipeline, Store

    config = Config()
    corpus = tmp / "hostile"
    corpus.mkdir()
    kinds = hostile_kinds(corpus)
    outcomes: dict[str, str] = {}
    seconds: dict[str, float] = {}
    crashes = refused = stored = 0
    with TreeMemory() as memory, Pipeline(Store(tmp / "clean.db"), config) as clean:
        clean.run([str(EXAMPLES)])
        for kind, paths in kinds.items():
            pipeline = Pipeline(Store(tmp / f"kind-{len(outcomes)}.db"), config, workers=clean.workers)
            start = time.perf_counter()
            try:
                report = pipeline.run([str(p) for p in paths])
            except Exception as exc:  # noqa: BLE001 - a crash is what this counts
                crashes += 1
                outcomes[kind] = f"crash: {type(exc).__name__}: {str(exc)[:200]}"
                continue
            seconds[kind] = round(time.perf_counter() - start, 1)
            rows = pipeline.store.db.execute("SELECT code, reason FROM rejections").fetchall()
            with_reason = [(c, r) for c, r in rows if c and r]
            if report.documents_new:
                stored += 1
                outcomes[kind] = f"stored {report.documents_new} document(s)" + (
                    f", refused {len(rows)}: {with_reason[0][0]}" if rows else "")
            elif with_reason:
                refused += 1
                outcomes[kind] = f"refused: {with_reason[0][0]}: {with_reason[0][1][:160]}"
            else:
                outcomes[kind] = "nothing stored and no reason given"
        # The good documents with every hostile input in one run (the folder, and the paths a folder walk
        # does not open: FIFOs, devices, missing files); then again without the kinds that crashed on their
        # own, to tell what they cost the others from what the rest cost.
        crashing = {kind for kind, outcome in outcomes.items() if outcome.startswith("crash")}
        mixed_crash, lost = {}, {}
        for label, left_out in (("all", set()), ("without_crashing_kinds", crashing)):
            db = tmp / f"mixed-{label}.db"
            inputs = [str(EXAMPLES)] + [str(p) for kind, paths in kinds.items() if kind not in left_out
                                        for p in paths]
            try:
                Pipeline(Store(db), config, workers=clean.workers).run(inputs)
            except Exception as exc:  # noqa: BLE001
                mixed_crash[label] = f"{type(exc).__name__}: {str(exc)[:200]}"
            good, together = snapshot(tmp / "clean.db"), snapshot(db)
            kept = set(together["documents"]) - {doc for doc, article in set(good["articles"]) -
                                                 set(together["articles"])}
            lost[label] = len(set(good["documents"]) - kept)  # missing, or stored with another article
        overrun = clean.workers.worst_overrun_s
    return {"hostile_inputs": len(kinds), "refused_with_reason": refused, "stored_kinds": stored,
            "crashes": crashes + bool(mixed_crash), "good_docs_lost": lost["all"],
            "good_docs_lost_without_crashing_kinds": lost["without_crashing_kinds"],
            "good_docs": len(good["documents"]), "mixed_run_crash": mixed_crash or None,
            "pool_worst_overrun_s": round(overrun, 3), "peak_rss_mb": round(memory.peak_mb),
            "slowest_kinds_s": dict(sorted(seconds.items(), key=lambda item: -item[1])[:6]), "kinds": outcomes}


def limit_call() -> float:
    """Wall time past the limit of a call stopped at it: a page that needs far longer than 2 s."""
    from newsloom.clean.stage import clean_job
    from newsloom.records import Document
    from newsloom.workers import DocumentWorkers

    page = "<html><body><p>" + PARAGRAPH * 40_000 + "</p></body></html>"
    doc = Document(id="slow", uri="slow.html", format="html", content=page)
    with DocumentWorkers(timeout_s=2.0, memory_mb=1000) as workers:
        workers.call(len, "warm")
        start = time.perf_counter()
        outcome = list(workers.map(clean_job, [(doc, 40, 10**9)]))[0]
        seconds = time.perf_counter() - start
    return seconds - 2.0 if getattr(outcome, "reason_code", None) == "timeout" else 0.0


def kill9(tmp: Path, trials: int) -> dict:
    clean_db = tmp / "k-clean.db"
    start = time.perf_counter()
    subprocess.run(cli("run", "--db", str(clean_db), str(EXAMPLES)), check=True, capture_output=True)
    duration = time.perf_counter() - start
    expected = snapshot(clean_db)
    identical, moments = 0, []
    for trial in range(trials):
        db = tmp / f"k-{trial}.db"
        moment = duration * (trial + 1) / (trials + 1)  # spread over the run, start-up included
        process = subprocess.Popen(cli("run", "--db", str(db), str(EXAMPLES)), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(moment)
        os.killpg(process.pid, signal.SIGKILL)  # the run and its workers, as a power cut would
        process.wait()
        subprocess.run(cli("run", "--db", str(db), str(EXAMPLES)), capture_output=True)
        same = db.exists() and snapshot(db) == expected
        identical += same
        moments.append(round(moment, 1))
    return {"kill9_trials": trials, "kill9_identical": identical, "kill9_moments_s": moments}


def synthetic_articles(folder: Path, count: int, tag: str) -> list[Path]:
    """Short distinct articles for the writers (deterministic)."""
    paths = []
    towns = ["Kessmoor", "Veldra", "Solvany", "Brannock", "Oresund", "Tallow", "Marrick", "Essel"]
    for i in range(count):
        town = towns[i % len(towns)]
        body = "\n\n".join(
            f"Officials in {town} said on day {i} of the {tag} that {j + i * 3} families had been moved after "
            f"the river rose by {j + 2} metres, and that schools would stay shut until the water fell." for j in range(5))
        path = folder / f"{tag}-{i:03d}.txt"
        path.write_text(f"{town} {tag} update {i}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def concurrent(tmp: Path) -> dict:
    db = tmp / "c.db"
    subprocess.run(cli("run", "--db", str(db), str(EXAMPLES)), check=True, capture_output=True)
    first, second = tmp / "writer1", tmp / "writer2"
    first.mkdir()
    second.mkdir()
    synthetic_articles(first, 30, "flood")
    synthetic_articles(second, 30, "storm")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(cli("serve", "--db", str(db), "--port", str(port)), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/api/stories", timeout=10) as response:
            listing = json.load(response)
        rows = listing if isinstance(listing, list) else listing.get("stories", listing.get("items", []))
        story = rows[0]["id"]
        latencies, errors, done = [], [], threading.Event()

        def reader():
            while not done.is_set():
                for url in (f"{base}/api/stories", f"{base}/stories/{story}"):
                    start = time.perf_counter()
                    try:
                        with urllib.request.urlopen(url, timeout=30) as response:
                            response.read()
                            if response.status != 200:
                                errors.append(response.status)
                    except Exception as exc:  # noqa: BLE001 - every failed read counts
                        errors.append(repr(exc)[:100])
                    latencies.append(time.perf_counter() - start)
                    time.sleep(0.05)  # bounded load: at most 20 requests/s per reader

        readers = [threading.Thread(target=reader, daemon=True) for _ in range(4)]
        for thread in readers:
            thread.start()
        writer1 = subprocess.Popen(cli("run", "--db", str(db), str(first)), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        time.sleep(3)  # the first writer is inside its run when the second starts
        writer2 = subprocess.run(cli("run", "--db", str(db), str(second)), capture_output=True, text=True)
        writer1_err = writer1.communicate()[1].decode(errors="replace")
        done.set()
        for thread in readers:
            thread.join()
    finally:
        server.terminate()
        server.wait()
    stored = snapshot(db)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        uris = [r[0] for r in con.execute("SELECT uri FROM documents")]
    second_stored = sum("storm-" in uri for uri in uris)
    latencies.sort()
    return {"concurrent_read_errors": len(errors), "reads": len(latencies),
            "read_p50_ms": round(1000 * statistics.median(latencies)) if latencies else None,
            "read_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))]) if latencies else None,
            "second_writer_ok": writer2.returncode == 0 and second_stored == 30,
            "second_writer_exit": writer2.returncode, "second_writer_stored": second_stored,
            "first_writer_exit": writer1.returncode, "writer_errors": (writer2.stderr[-300:] + writer1_err[-300:])
            if writer2.returncode or writer1.returncode else "", "read_error_sample": errors[:3],
            "articles_after": len(stored["articles"])}


def fuzz(examples: int) -> dict:
    from hypothesis import HealthCheck, given, settings

    import test_fuzz

    st = test_fuzz.st
    counter = {"execs": 0}
    crashes = []
    runs = [(test_fuzz.check_reader, st.tuples(st.sampled_from(test_fuzz.NAMES), test_fuzz.payload)),
            (test_fuzz.check_json_document, st.tuples(test_fuzz.json_object)),
            (test_fuzz.check_text_cleaner, st.tuples(test_fuzz.page_text))]
    def counting(check):
        def counted(args):
            counter["execs"] += 1
            check(*args)
        return counted

    for check, strategy in runs:
        test = settings(max_examples=examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))(given(strategy)(counting(check)))
        try:
            test()
        except Exception as exc:  # noqa: BLE001 - a property that fails is a crash found
            crashes.append(f"{check.__name__}: {type(exc).__name__}: {str(exc)[:200]}")
    return {"fuzz_execs": counter["execs"], "fuzz_crashes": len(crashes), "fuzz_failures": crashes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="only the JSON line on stdout")
    parser.add_argument("--kill9-trials", type=int, default=3)
    parser.add_argument("--fuzz-examples", type=int, default=1500, help="examples per fuzzed property")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: hostile, kill9, "
                                                   "concurrent, fuzz")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    result: dict = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if "hostile" not in skip:
            result.update(hostile(tmp))
            call_overrun = limit_call()
            result["limit_overrun_s"] = round(max(result.pop("pool_worst_overrun_s"), call_overrun), 3)
        if "kill9" not in skip:
            result.update(kill9(tmp, args.kill9_trials))
        if "concurrent" not in skip:
            result.update(concurrent(tmp))
        if "fuzz" not in skip:
            result.update(fuzz(args.fuzz_examples))
    kinds = result.pop("kinds", None)
    result.update({"seconds": round(time.perf_counter() - start), "machine": machine(),
                   "date": time.strftime("%Y-%m-%d"), "kinds": kinds})
    emit(result, args.json)


if __name__ == "__main__":
    main()
