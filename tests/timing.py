"""A wall-clock guard for tests of "fails fast" claims (hangs fail instead of blocking the suite)."""

from __future__ import annotations

import contextlib
import signal
from typing import Iterator

__all__ = ["time_limit"]


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``TimeoutError`` in the block after ``seconds`` of wall-clock time (main thread, POSIX)."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: the input was not refused before work")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
