"""Progress on stderr: a tqdm bar on terminals, heartbeat lines elsewhere when asked.

* On a terminal, a :mod:`tqdm` bar with rate and ETA appears after ``delay``
  seconds (short runs print nothing) and is cleared when done.
* Elsewhere (a log file, CI), nothing by default; with ``heartbeat`` set
  (``--progress``), one plain line every ``heartbeat`` seconds, with the same
  fraction, rate and ETA, and a last line when done.
* ``enabled=False`` (``--quiet``) prints nothing anywhere.

Every update also checks for a pending SIGINT/SIGTERM
(:func:`proofs.signals.raise_if_interrupted`), so an interrupt swallowed by a
library is raised again at the next update.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from tqdm import tqdm

from proofs.signals import raise_if_interrupted

__all__ = ["ProgressBar", "HEARTBEAT_SECONDS"]

#: Seconds between heartbeat lines on non-terminals (``--progress``).
HEARTBEAT_SECONDS = 5.0
#: One heartbeat line: label, percentage, count, elapsed < remaining, rate, note.
_LINE = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]{postfix}"


@dataclass
class ProgressBar:
    """Progress of one command; call :meth:`update` with (done, total, note), then :meth:`close`.

    Parameters
    ----------
    label : str
        Shown before the bar (the command name).
    enabled : bool
        False prints nothing (``--quiet``).
    stream : text stream
        Where to draw (stderr).
    delay : float
        Seconds before a terminal bar first appears.
    heartbeat : float or None
        Seconds between plain lines when ``stream`` is not a terminal; None
        (default) prints nothing there.
    unit : str
        What is counted (``step``, ``stage``...), shown in the rate.
    clock : callable
        Monotonic time in seconds for heartbeat lines (tests pass a fake one).
    min_redraw : float
        Least seconds between two redraws of the terminal bar.
    """

    label: str
    enabled: bool = True
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    delay: float = 1.0
    heartbeat: float | None = None
    unit: str = "it"
    clock: Callable[[], float] = time.monotonic
    min_redraw: float = 0.2
    _bar: Any = None
    _start: float = 0.0
    _last_line: float | None = None
    _state: tuple[float, float, str] = (0.0, 0.0, "")

    def __post_init__(self) -> None:
        self._start = self.clock()  # heartbeats count from the start of the command's work
        self._terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        if self.heartbeat is not None and not self.heartbeat > 0:
            raise ValueError(f"heartbeat must be a number of seconds > 0 or None; got {self.heartbeat!r}")

    def update(self, done: float, total: float, note: str = "") -> None:
        """Show ``done`` out of ``total`` (and an optional short note)."""
        raise_if_interrupted()
        now = self.clock()
        self._state = (done, total, note)
        if not self.enabled:
            return
        if self._terminal:
            self._draw_bar(done, total, note)
        elif self.heartbeat is not None and now - (self._last_line or self._start) >= self.heartbeat:
            self._write_line(now)

    def _draw_bar(self, done: float, total: float, note: str) -> None:
        if self._bar is None:
            self._bar = tqdm(total=total or None, desc=self.label, unit=self.unit, file=self.stream,
                             delay=self.delay, leave=False, dynamic_ncols=True, mininterval=self.min_redraw)
        if total and self._bar.total != total:
            self._bar.total = total
        self._bar.set_postfix_str(note[:40], refresh=False)
        self._bar.update(done - self._bar.n)

    def _write_line(self, now: float) -> None:
        done, total, note = self._state
        elapsed = now - self._start
        line = tqdm.format_meter(done, total or None, elapsed, prefix=self.label, unit=self.unit,
                                 bar_format=_LINE, postfix=note[:60] or None)
        self.stream.write(line + "\n")
        self.stream.flush()
        self._last_line = now

    def close(self, finished: bool = True) -> None:
        """Clear the terminal bar; after heartbeat lines, write a last one (only when ``finished``)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if finished and self.enabled and not self._terminal and self._last_line is not None:
            self._write_line(self.clock())

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(finished=exc_type is None)  # an error or interrupt prints its own one line
