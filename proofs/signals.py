"""SIGINT and SIGTERM end a command promptly, with one line and the conventional exit status.

While :func:`handle_signals` is active, the first SIGINT or SIGTERM raises
:class:`Interrupted` in the main thread (128 + signal number: 130 for SIGINT,
143 for SIGTERM). ``Interrupted`` derives from ``BaseException``, so
``except Exception`` in a library does not catch it, and the report writer's
cleanup (which re-raises) removes its partial files. Should a library still
swallow it, the signal stays recorded: :func:`raise_if_interrupted` (called
by every progress update) raises it again, and the CLI checks once more
before exiting. A second signal during cleanup is recorded but does not
interrupt the cleanup.
"""

from __future__ import annotations

import contextlib
import signal
from typing import Iterator

__all__ = ["Interrupted", "handle_signals", "raise_if_interrupted", "received"]

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []


class Interrupted(KeyboardInterrupt):
    """A handled signal arrived; ``exit_status`` is 128 + the signal number.

    A ``KeyboardInterrupt`` (so a command that handles Ctrl-C itself, like ``sweep``, still can),
    hence a ``BaseException`` that ``except Exception`` does not catch.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_status = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def received() -> int | None:
    """The first handled signal received while :func:`handle_signals` was active, or None."""
    return _received[0] if _received else None


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` again if a signal arrived (a library may have swallowed it)."""
    if _received:
        raise Interrupted(_received[0])


def _handler(signum: int, frame: object) -> None:
    _received.append(signum)
    if len(_received) == 1:  # only the first: a second one must not break the cleanup of the first
        raise Interrupted(signum)


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """Install the handlers for the duration of a command, then restore the previous ones."""
    _received.clear()
    previous = {s: signal.signal(s, _handler) for s in _HANDLED}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        _received.clear()  # a later command (or test) starts without this one's signal
