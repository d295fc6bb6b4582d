"""Per-document time limit for third-party parsers.

Parsers such as trafilatura and feedparser can spend minutes on pathological pages. A SIGALRM-based limit
interrupts them between Python bytecodes, which is where those libraries spend their time; it only works on
the main thread, so elsewhere the limit is not enforced (and that is said in the log once).
"""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager

from .errors import InputRejected

log = logging.getLogger(__name__)
_warned = False


class _Timeout(BaseException):
    """BaseException so that a parser's broad ``except Exception`` cannot swallow it."""


@contextmanager
def time_limit(seconds: float, what: str = "parsing"):
    global _warned
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        if seconds > 0 and not _warned:
            log.warning("time limit for %s not enforced outside the main thread", what)
            _warned = True
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise InputRejected("timeout", f"{what} took longer than {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
