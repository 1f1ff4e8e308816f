"""Theorems as data.

A :class:`Theorem` bundles a claim of THEORY.md with the three ways modspec
checks it: ``prove`` (symbolic, for symbolic parameters), ``certify``
(per-dataset residuals at high precision) and, where the claim is about
training, ``simulate`` (gradient descent against the theory). The statement's
formulas are the *expected* answers; ``prove`` derives its own and compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import sympy as sp

from numeric.certify import Check
from numeric.simcheck import SimCheck
from theory import symbols as s
from theory.dataset import Dataset
from theory.derivation import Derivation

__all__ = ["Proof", "Theorem", "Comparison", "compare", "generic_zero"]


def generic_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` simplifies to 0 under r > 0, k1, k2 >= 1 (and P, n1 > 0)."""
    sub = s.generic_assumptions()
    e = sp.sympify(expr).xreplace(sub)
    return sp.simplify(e) == 0 or sp.simplify(sp.expand(sp.radsimp(e))) == 0


@dataclass(frozen=True)
class Comparison:
    """A derived expression next to the one THEORY.md states, and whether they agree."""

    what: str
    derived: sp.Expr
    stated: sp.Expr
    holds: bool


def compare(what: str, derived: sp.Expr, stated: sp.Expr) -> Comparison:
    """Compare a derived closed form with the stated one: ``simplify(derived - stated) == 0``."""
    return Comparison(what, sp.sympify(derived), sp.sympify(stated), generic_zero(sp.sympify(derived) - stated))


@dataclass(frozen=True)
class Proof:
    """Outcome of a symbolic proof: the comparisons made and the derivation."""

    comparisons: tuple[Comparison, ...]
    derivation: Derivation

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.comparisons)

    @property
    def message(self) -> str:
        bad = [c.what for c in self.comparisons if not c.holds]
        if bad:
            return "fails: " + "; ".join(bad)
        return f"{len(self.comparisons)} identities hold for symbolic parameters"


@dataclass(frozen=True)
class Theorem:
    """One claim: statement, assumptions, symbolic proof, numeric certificate, simulation check.

    ``certify`` is called once per sampled dataset inside ``mpmath.workdps``
    and returns relative residuals; ``simulate`` (training claims only) trains
    the real networks on a dataset and returns deviations with their derived
    tolerances; ``applies`` filters the datasets a claim is about (e.g. T5
    needs n2 >= 1, k1 >= 1, r > 0).
    """

    id: str
    name: str
    statement: str
    assumptions: tuple[str, ...]
    prove: Callable[[], Proof]
    certify: Callable[[Dataset], Iterable[Check]]
    applies: Callable[[Dataset], bool] = field(default=lambda d: True)
    simulate: Callable[[Dataset], Iterable[SimCheck]] | None = None
