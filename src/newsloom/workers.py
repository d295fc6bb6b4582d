"""Document workers: the per-document work (reading a file, cleaning a page) runs in long-lived worker processes
under limits enforced while it runs.

A parser stuck in a pathological page cannot be stopped from inside the process in general (C code holds the
GIL, signals only reach the main thread, a server runs the pipeline in a request thread), so each task runs in
a worker process and a watchdog thread of the calling process kills the worker the moment its task passes the
time limit or its resident memory passes the cap. The task is then refused with the reason (``timeout``,
``memory``, ``worker-crashed``), a fresh worker replaces the killed one, and the run goes on. Workers live as
long as the pool: what a task loads once (the line model, later the models of issue 21's document half) stays
loaded in module caches, and only an overrunning document costs a restart.

Workers are forked from a fork server (``multiprocessing``'s ``forkserver`` start method) that has imported
the readers and cleaners once, so a replacement starts in milliseconds and owns nothing of the caller's threads
(torch, the web server). Tasks are top-level functions and picklable arguments; results come back pickled.
Memory is read from ``/proc/<pid>/statm``: where that does not exist the memory cap is not applied.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
import types
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Any

from .errors import InputRejected

log = logging.getLogger(__name__)

# Imported once in the fork server, so that every worker starts with them loaded.
_PRELOAD = ["newsloom.clean.stage", "newsloom.ingest.readers"]
# The reason codes the pool gives a task it stopped or lost; the reasons read after "reading it", "cleaning it".
STOPPED_CODES = frozenset({"timeout", "memory", "worker-crashed"})
_WATCH_EVERY_S = 0.05  # how often the watchdog looks at deadlines and memory: the worst overrun past a limit
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _serve(conn, started, initializer) -> None:
    """A worker's loop: run (function, argument) tasks until the pipe closes. ``started`` is shared with the
    watchdog: the monotonic time at which the running task began, 0 between tasks."""
    if initializer is not None:
        initializer()  # before any task: loading models does not count against a document's time
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        started.value = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
        function, argument = task
        try:
            outcome: tuple = ("ok", function(argument))
        except InputRejected as exc:
            outcome = ("rejected", exc.reason_code, exc.reason)
        except Exception as exc:  # a bug met on one input must not cost the others: it is refused with the bug
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        started.value = 0  # sending a large result may block on the pipe; that is not the task overrunning
        try:
            conn.send(outcome)
        except Exception as exc:  # an unpicklable result
            conn.send(("error", f"result could not be sent back: {type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context, initializer):
        self.conn, child = context.Pipe()
        self.started = context.RawValue("d", 0.0)
        self.process = context.Process(target=_serve, args=(child, self.started, initializer), daemon=True,
                                       name="newsloom-worker")
        with _main_hidden():
            self.process.start()
        child.close()
        self.kill_reason: tuple[str, str] | None = None

    def rss_mb(self) -> float | None:
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE_BYTES / 2**20
        except (OSError, IndexError, ValueError):
            return None

    def kill(self, reason: tuple[str, str] | None = None) -> None:
        if reason and self.kill_reason is None:
            self.kill_reason = reason
        if self.process.is_alive():
            self.process.kill()

    def stop(self) -> None:
        self.conn.close()
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class DocumentWorkers:
    """A pool of ``processes`` worker processes that run one task each at a time, ``timeout_s`` seconds and
    ``memory_mb`` megabytes of resident memory at most per task (None: no cap). ``initializer`` (a top-level
    function) runs once in each worker before its first task, outside the time limit: models load there.
    For one caller at a time (the pipeline holds it for a run; :meth:`map` is not re-entrant); processes start
    on first use and stop with :meth:`close`.

    >>> with DocumentWorkers(timeout_s=20, memory_mb=1000) as workers:
    ...     outcomes = list(workers.map(clean_job, jobs))   # results, or InputRejected for refused tasks
    """

    def __init__(self, *, timeout_s: float, memory_mb: float | None = None, processes: int = 1,
                 initializer: Callable[[], Any] | None = None):
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.timeout_s, self.memory_mb, self.processes = timeout_s, memory_mb, processes
        self.initializer = initializer
        self.worst_overrun_s = 0.0  # the longest a task ran past the time limit before it was refused
        self._idle: list[_Worker] = []
        self._running: dict[_Worker, int] = {}  # worker -> index of its task
        self._lock = threading.Lock()  # guards _running against the watchdog
        self._watchdog: threading.Thread | None = None
        self._closed = threading.Event()
        self._finalizer = weakref.finalize(self, DocumentWorkers._stop_all, self._idle, self._running, self._closed)

    @classmethod
    def from_config(cls, config) -> "DocumentWorkers":
        """Reading and cleaning workers per an :class:`newsloom.config.IngestConfig`."""
        from .clean.stage import warm_up

        return cls(timeout_s=config.parse_timeout_s, memory_mb=config.worker_memory_mb, processes=config.workers,
                   initializer=warm_up)

    def __enter__(self) -> "DocumentWorkers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._finalizer()

    @staticmethod
    def _stop_all(idle: list[_Worker], running: dict, closed: threading.Event) -> None:
        closed.set()
        for worker in running:  # busy with a task that nobody will read
            worker.kill()
        for worker in [*idle, *running]:
            # An idle worker exits on its own when its pipe closes, so what it set up is released (a worker
            # killed with torch loaded leaves a semaphore that the resource tracker warns about at exit).
            worker.stop()
        idle.clear()
        running.clear()

    def call(self, function: Callable[[Any], Any], argument: Any) -> Any:
        """``function(argument)`` in a worker; raises InputRejected when it is refused, overruns or crashes."""
        (outcome,) = self.map(function, [argument])
        if isinstance(outcome, InputRejected):
            raise outcome
        return outcome

    def map(self, function: Callable[[Any], Any], arguments: Iterable[Any]) -> Iterator[Any]:
        """``function`` over ``arguments`` in the workers, in order: each result, or an InputRejected in its
        place. At most ``processes`` tasks run at once; arguments are drawn lazily."""
        if self._closed.is_set():
            raise RuntimeError("the document workers are closed")
        if self._running:
            raise RuntimeError("DocumentWorkers.map is not re-entrant: another map is still running")
        self._start_watchdog()
        arguments = iter(arguments)
        done: dict[int, Any] = {}
        sent = delivered = 0
        exhausted = False
        try:
            while True:
                while not exhausted and len(self._running) < self.processes:
                    try:
                        argument = next(arguments)
                    except StopIteration:
                        exhausted = True
                        break
                    self._send(function, argument, sent)
                    sent += 1
                while delivered in done:
                    yield done.pop(delivered)
                    delivered += 1
                if not self._running:
                    if exhausted:
                        return
                    continue
                self._collect(done)
        finally:
            # Abandoned midway (the caller stopped reading): the workers still busy are replaced.
            with self._lock:
                stale = list(self._running)
                self._running.clear()
            for worker in stale:
                worker.kill()
                worker.stop()

    def _send(self, function, argument, index: int) -> None:
        while self._idle and not self._idle[-1].process.is_alive():  # died while idle (the OOM killer, a signal)
            self._idle.pop().stop()
        worker = self._idle.pop() if self._idle else _Worker(_context(), self.initializer)
        with self._lock:
            self._running[worker] = index
        try:
            worker.conn.send((function, argument))
        except Exception as exc:  # a worker that died just now, or an argument that cannot be pickled
            worker.kill(("worker-crashed", f"could not be handed to a worker: {type(exc).__name__}: {exc}"))

    def _collect(self, done: dict[int, Any]) -> None:
        ready = wait([w.conn for w in self._running], timeout=1.0)
        for worker in [w for w in list(self._running) if w.conn in ready]:
            with self._lock:
                index = self._running.pop(worker)
            try:
                outcome = worker.conn.recv()
            except (EOFError, OSError):
                outcome = None
            if outcome is None or worker.kill_reason is not None:
                if worker.kill_reason and worker.kill_reason[0] == "timeout":
                    overrun = time.monotonic() - worker.started.value - self.timeout_s
                    self.worst_overrun_s = max(self.worst_overrun_s, overrun)
                done[index] = InputRejected(*(worker.kill_reason or self._crash_reason(worker)))
                worker.kill()
                worker.stop()
                continue
            self._idle.append(worker)
            kind, *rest = outcome
            if kind == "ok":
                done[index] = rest[0]
            elif kind == "rejected":
                done[index] = InputRejected(*rest)
            else:
                log.warning("document task failed: %s", rest[0])
                done[index] = InputRejected("error", f"internal error (please report it): {rest[0]}")

    def _crash_reason(self, worker: _Worker) -> tuple[str, str]:
        worker.process.join(timeout=1)
        return "worker-crashed", f"crashed the worker process (exit code {worker.process.exitcode})"

    def _start_watchdog(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            # The thread holds the pool weakly, so that a pool nobody closed is still collected (and its
            # workers stopped by the finalizer).
            self._watchdog = threading.Thread(target=_watch, args=(weakref.ref(self), self._closed),
                                              name="newsloom-watchdog", daemon=True)
            self._watchdog.start()

    def _check(self) -> None:
        now = time.monotonic()
        with self._lock:
            running = list(self._running)
        for worker in running:
            started = worker.started.value
            if not started or worker.kill_reason is not None:
                continue
            if 0 < self.timeout_s < now - started:
                worker.kill(("timeout", f"took longer than the {self.timeout_s:g} s limit (stopped)"))
            elif self.memory_mb is not None and (worker.rss_mb() or 0) > self.memory_mb:
                worker.kill(("memory", f"needed more than the {self.memory_mb:,.0f} MB memory limit (stopped)"))


def _watch(pool_ref, closed: threading.Event) -> None:
    """Kill a worker whose task passes its deadline or whose memory passes the cap, while it runs."""
    while not closed.wait(_WATCH_EVERY_S):
        pool = pool_ref()
        if pool is None:
            return
        pool._check()
        del pool


_context_lock = threading.Lock()


@contextmanager
def _main_hidden():
    """Start a worker without multiprocessing re-running the caller's ``__main__`` in it: a worker needs only
    newsloom, and a script without an ``if __name__ == "__main__"`` guard (the README's Python example) would
    otherwise run again in every worker. multiprocessing reads the main module from sys.modules when it starts
    a process; it is shown a bare module for that moment."""
    with _context_lock:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


def _context():
    """The fork-server context, its server preloaded with the readers and cleaners (spawn where it is missing)."""
    with _context_lock:
        methods = multiprocessing.get_all_start_methods()
        if "forkserver" not in methods:
            return multiprocessing.get_context("spawn")
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
