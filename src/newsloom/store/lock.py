"""One writer at a time per store.

A run keeps its stages' state (clusters, word counts) in memory between batches, so two runs writing one store
batch by batch would each overwrite what the other wrote. A writer therefore holds ``<store>.lock`` for its whole
run (filelock: an OS lock, released when the process dies, even by kill -9); readers never take it, since SQLite
in WAL mode lets them read beside a writer. A second writer says that it waits, then waits its turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from ..errors import StoreBusyError


@contextmanager
def writer_lock(db_path: str, wait_s: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the store's write lock; wait at most ``wait_s`` seconds for it (None: as long as it takes), calling
    ``on_wait`` with a message once if it is taken. Raises :class:`StoreBusyError` when the wait runs out."""
    if db_path == ":memory:":
        yield
        return
    lock = FileLock(db_path + ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait(f"waiting for the store: another newsloom process is writing to {db_path}")
        try:
            lock.acquire(timeout=-1 if wait_s is None else wait_s)
        except Timeout:
            raise StoreBusyError(f"the store {db_path} is busy: another newsloom process is writing to it "
                                 f"(waited {wait_s:g} s); try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()
