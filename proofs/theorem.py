"""Theorems as data.

A :class:`Theorem` bundles a claim of docs/theory.md with the three ways modspec
checks it: ``prove`` (symbolic, for symbolic parameters), ``certify``
(per-dataset residuals at high precision) and, where the claim is about
training, ``simulate`` (gradient descent against the theory). ``stated`` holds
the formulas docs/theory.md states: the *expected* answers. Each of the three
checks receives them as an argument, so a theorem with a mis-stated formula
(``dataclasses.replace(theorem, stated=...)``) is checked against that formula.
The contract a claim module satisfies is in :mod:`proofs.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import sympy as sp

from numeric.certify import Check
from numeric.simcheck import SimCheck
from theory import symbols as s
from theory.dataset import SELECTION, Dataset
from theory.family import Family
from theory.derivation import Derivation
from theory.determinism import factor

__all__ = ["Proof", "Theorem", "Comparison", "compare", "generic_zero", "positive", "nonnegative", "Stated"]

#: Name -> the sympy expression docs/theory.md states for it.
Stated = Mapping[str, sp.Expr]


def generic_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` simplifies to 0 under r > 0, k1, k2 >= 1 (and P, n1 > 0).

    Rationalizing denominators and expanding (exact rewrites, milliseconds) settles most
    comparisons; ``simplify`` (seconds) decides the rest, as before.
    """
    sub = s.generic_assumptions()
    e = sp.sympify(expr).xreplace(sub)
    return sp.expand(sp.radsimp(e)) == 0 or sp.simplify(e) == 0 or sp.simplify(sp.expand(sp.radsimp(e))) == 0


@dataclass(frozen=True)
class Comparison:
    """A derived expression next to the one docs/theory.md states, and whether they agree."""

    what: str
    derived: sp.Expr
    stated: sp.Expr
    holds: bool


def compare(what: str, derived: sp.Expr, stated: sp.Expr) -> Comparison:
    """Compare a derived closed form with the stated one: ``simplify(derived - stated) == 0``."""
    return Comparison(what, sp.sympify(derived), sp.sympify(stated), generic_zero(sp.sympify(derived) - stated))


def _positive_copies(given: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Symbol]:
    """Strictly positive copies of ``given`` (integer ones stay integer): the assumptions of a sign proof."""
    return {x: sp.Symbol(x.name, positive=True, **({"integer": True} if x.is_integer else {})) for x in given}


def positive(what: str, expr: sp.Expr, given: Iterable[sp.Symbol]) -> Comparison:
    """Prove ``expr > 0`` when the symbols ``given`` are positive: the sign of the simplified expression.

    The symbols in ``given`` are replaced by positive copies, the expression is
    simplified and factored, and sympy's sign inference must conclude
    ``is_positive``. An expression whose sign it cannot decide fails: no
    numeric witness is trusted. ``derived`` holds the simplified expression.
    """
    e = factor(sp.simplify(sp.sympify(expr).xreplace(_positive_copies(given))))
    return Comparison(f"{what} > 0", e, sp.Integer(0), e.is_positive is True)


def nonnegative(what: str, expr: sp.Expr, given: Iterable[sp.Symbol] = ()) -> Comparison:
    """Prove ``expr >= 0`` (as :func:`positive`, with ``is_nonnegative``)."""
    e = factor(sp.simplify(sp.sympify(expr).xreplace(_positive_copies(given))))
    return Comparison(f"{what} >= 0", e, sp.Integer(0), e.is_nonnegative is True)


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


def _every_dataset(d: Dataset) -> bool:
    return True


@dataclass(frozen=True)
class Theorem:
    """One claim: statement, stated formulas, symbolic proof, numeric certificate, simulation check.

    ``prove(stated)`` derives and compares with ``stated``; ``certify(d,
    stated)`` is called once per sampled dataset inside ``mpmath.workdps`` and
    returns relative residuals; ``simulate(d, stated)`` (training claims only)
    trains the real networks on a dataset and returns deviations with their
    derived tolerances; ``applies`` filters the datasets a claim is about
    (e.g. T5 needs n2 >= 1, k1 >= 1, r > 0). Use :meth:`run_proof`,
    :meth:`run_certificate` and :meth:`run_simulation`, which pass ``stated``.
    """

    id: str
    name: str
    statement: str
    assumptions: tuple[str, ...]
    stated: Stated = field(hash=False)
    prove: Callable[[Stated], Proof]
    certify: Callable[[Dataset, Stated], Iterable[Check]]
    applies: Callable[[Dataset], bool] = _every_dataset
    simulate: Callable[[Dataset, Stated], Iterable[SimCheck]] | None = None
    #: The dataset family the claim is about; ``verify`` samples from it.
    family: Family = SELECTION

    def run_proof(self) -> Proof:
        """The symbolic proof against this theorem's stated formulas."""
        return self.prove(self.stated)

    def run_certificate(self, d: Dataset) -> list[Check]:
        """Residuals on one dataset (call inside ``mpmath.workdps``)."""
        return list(self.certify(d, self.stated))

    def run_simulation(self, d: Dataset) -> list[SimCheck]:
        """Gradient descent on one dataset against the theory; [] for claims without a simulation check."""
        return [] if self.simulate is None else list(self.simulate(d, self.stated))
