"""A minimal progress bar on stderr, drawn only for interactive terminals."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["ProgressBar"]


@dataclass
class ProgressBar:
    """Draws ``label [#####     ] 50%`` on one line of ``stream``.

    Silent when ``enabled`` is false or the stream is not a terminal, and until
    ``delay`` seconds have passed (short runs print nothing).
    """

    label: str
    enabled: bool = True
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    delay: float = 1.0
    width: int = 30
    _start: float = field(default_factory=time.monotonic)
    _drawn: bool = False

    def __post_init__(self) -> None:
        self.enabled = self.enabled and self.stream.isatty()

    def update(self, done: float, total: float, note: str = "") -> None:
        """Show ``done`` out of ``total`` (and an optional note)."""
        if not self.enabled or time.monotonic() - self._start < self.delay:
            return
        frac = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        fill = int(round(frac * self.width))
        bar = "#" * fill + " " * (self.width - fill)
        self.stream.write(f"\r{self.label} [{bar}] {frac:4.0%} {note[:40]:<40}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Finish the line if anything was drawn."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
