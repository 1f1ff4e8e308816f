"""Shared Hypothesis strategies for the dataset space, and the example budget of a property test.

Parameters stay small (n1 <= 4, k <= 3) so that explicit matrices are cheap.
``r`` is exact: a rational or a surd ``sqrt(m)/q``; selections are any subset
of the code features; :func:`datasets` also draws the degenerate corners of
THEORY.md section 2 (``DEGENERATE`` in theory.examples) as whole datasets.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp
from hypothesis import settings
from hypothesis import strategies as st

from theory.dataset import Dataset
from theory.examples import DEGENERATE

__all__ = ["r_values", "exact_r_values", "datasets", "generic_datasets", "corner_datasets", "examples", "CI_EXAMPLES"]

#: Examples of the ``ci`` profile: a test's pinned budget is stated relative to it.
CI_EXAMPLES = 25


def examples(n: int) -> int:
    """``n`` examples under the ``ci`` profile, scaled by the loaded profile (so ``thorough`` deepens it)."""
    return max(1, round(n * settings.default.max_examples / CI_EXAMPLES))


_rationals = st.builds(Fraction, st.integers(0, 24), st.integers(1, 8))
_surds = st.builds(lambda m, q: sp.sqrt(m) / q, st.sampled_from([2, 3, 5, 6, 7, 8, 10, 11]), st.integers(1, 4))
#: Exact r in [0, 3.4]: a rational with small denominator (0 included) or a surd sqrt(m)/q.
r_values = st.one_of(_rationals, _surds)


def _at_least(r: Any, min_r: Fraction) -> bool:
    return bool(sp.sympify(r) >= sp.Rational(min_r.numerator, min_r.denominator))


def _selection(draw: Any, n1: int, n2: int) -> tuple[int, ...]:
    return tuple(sorted(draw(st.permutations(range(n1)))[:n2]))


def corner_datasets(max_n1: int = 4, max_k: int = 3, min_r: Fraction = Fraction(0)) -> st.SearchStrategy[Dataset]:
    """The degenerate datasets of theory.examples that fit the bounds."""
    fit = [d for _, d in DEGENERATE if d.n1 <= max_n1 and max(d.k1, d.k2) <= max_k and _at_least(d.r, min_r)]
    return st.sampled_from(fit) if fit else st.nothing()

#: Exact r where rounding would show: large denominators, tiny and large values, square roots of rationals.
exact_r_values = st.one_of(
    st.builds(Fraction, st.integers(1, 10**6), st.integers(1, 10**6)),
    st.builds(lambda e: Fraction(1, 10**e), st.integers(0, 12)),
    st.builds(lambda p, q: sp.sqrt(sp.Rational(p, q)), st.integers(1, 1000), st.integers(1, 1000)),
)


@st.composite
def _drawn_datasets(draw: Any, max_n1: int, max_k: int, min_r: Fraction) -> Dataset:
    n1 = draw(st.integers(1, max_n1))
    n2 = draw(st.integers(0, n1))
    r = draw(r_values.filter(lambda x: _at_least(x, min_r)))
    return Dataset(n1, n2, draw(st.integers(0, max_k)), draw(st.integers(0, max_k)), r, _selection(draw, n1, n2))


def datasets(max_n1: int = 4, max_k: int = 3, min_r: Fraction = Fraction(0)) -> st.SearchStrategy[Dataset]:
    """Any valid dataset with n1 <= max_n1: degenerate corners, rational and surd r, any selection."""
    return st.one_of(corner_datasets(max_n1, max_k, min_r), _drawn_datasets(max_n1, max_k, min_r))


@st.composite
def generic_datasets(draw: Any, max_n1: int = 4, max_k: int = 3) -> Dataset:
    """Datasets in the generic case r > 0, k1, k2 >= 1, 1 <= n2, with any selection."""
    n1 = draw(st.integers(1, max_n1))
    n2 = draw(st.integers(1, n1))
    r = draw(r_values.filter(lambda x: x != 0))
    return Dataset(n1, n2, draw(st.integers(1, max_k)), draw(st.integers(1, max_k)), r, _selection(draw, n1, n2))
