"""Derivation records: the steps of a symbolic argument, kept for reports.

A :class:`Derivation` is an immutable list of :class:`Step` values, each a
sentence and the sympy object it is about. Derivations are built by the
functions that do the mathematics and printed by ``proofs.report``; nothing
here evaluates anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["Step", "Derivation"]


@dataclass(frozen=True)
class Step:
    """One step of a derivation: what was done, and the resulting object."""

    text: str
    expr: Any = None

    def __str__(self) -> str:
        return self.text if self.expr is None else f"{self.text}: {sp.sstr(self.expr)}"


@dataclass(frozen=True)
class Derivation:
    """An ordered, immutable record of the steps of one symbolic argument."""

    title: str
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def then(self, text: str, expr: Any = None) -> "Derivation":
        """Return a new derivation with one more step appended."""
        return Derivation(self.title, self.steps + (Step(text, expr),))

    def extend(self, other: "Derivation") -> "Derivation":
        """Return a new derivation with the steps of ``other`` appended."""
        return Derivation(self.title, self.steps + other.steps)

    def __str__(self) -> str:
        lines = [self.title]
        lines += [f"  {i}. {step}" for i, step in enumerate(self.steps, 1)]
        return "\n".join(lines)
