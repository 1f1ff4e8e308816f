"""Deterministic symbolic algorithms: sympy's random choices under a fixed seed.

Some sympy algorithms on the derivations' path choose random numbers:
multivariate factorization (Wang's algorithm, via ``factor``, ``roots``,
``solve`` and ``eigenvals``), Cantor-Zassenhaus over finite fields, the
modular gcd of algebraic polynomials (the stdlib ``random``), and the order in
which the assumptions system tries prerequisites. Their *results* are unique
(a factorization is unique up to order, which sympy canonicalises), but their
*running time* is not: one unlucky draw once kept ``factor`` busy for
15 minutes. Under a fixed seed every run makes the same draws, so a derivation
that finished once finishes always, in the same time, with the same
expressions.

:func:`seeded` seeds those generators for the duration of a block and
restores their previous state afterwards, so the draws of a derivation do not
depend on what ran before it and nothing outside it sees a changed generator.
"""

from __future__ import annotations

import functools
import random as _stdlib_random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sympy as sp
from sympy.core import random as _sympy_random

__all__ = ["SEED", "seeded", "deterministic", "factor"]

#: The seed of every derivation (any fixed value would do; 0 is the one tested).
SEED = 0

_GENERATORS = (_sympy_random.rng, _sympy_random._assumptions_rng, _stdlib_random)

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def seeded(seed: int = SEED) -> Iterator[None]:
    """Run the block with sympy's (and the stdlib's) random generators seeded by ``seed``.

    The generators' states are restored on exit, also when the block raises.
    """
    states = [g.getstate() for g in _GENERATORS]
    try:
        for g in _GENERATORS:
            g.seed(seed)
        yield
    finally:
        for g, state in zip(_GENERATORS, states):
            g.setstate(state)


def deterministic(func: F) -> F:
    """Decorate a derivation so that it runs under :func:`seeded` (same draws every call)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with seeded():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def factor(expr: Any) -> sp.Expr:
    """``sympy.factor`` with seeded random choices: the same factorization, always in the same time."""
    with seeded():
        return sp.factor(expr)
