"""Shared Hypothesis strategies for the dataset space.

Parameters stay small (n1 <= 4, k <= 3) so that explicit matrices are cheap;
the degenerate cases of THEORY.md section 2 are pinned with ``@example`` in
the tests that use :func:`datasets` (see ``DEGENERATE`` in theory.examples).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theory.dataset import Dataset

__all__ = ["r_values", "datasets", "generic_datasets"]

#: Exact r: a rational with small denominator in [0, 3] (floats are read as decimals).
r_values = st.builds(Fraction, st.integers(0, 24), st.integers(1, 8))


@st.composite
def datasets(draw, max_n1: int = 4, max_k: int = 3, min_r: Fraction = Fraction(0)) -> Dataset:
    """Any valid dataset with n1 <= max_n1, including degenerate parameters and any selection."""
    n1 = draw(st.integers(1, max_n1))
    n2 = draw(st.integers(0, n1))
    sel = tuple(sorted(draw(st.permutations(range(n1)))[:n2]))
    r = draw(r_values.filter(lambda x: x >= min_r))
    return Dataset(n1, n2, draw(st.integers(0, max_k)), draw(st.integers(0, max_k)), r, sel)


@st.composite
def generic_datasets(draw, max_n1: int = 4, max_k: int = 3) -> Dataset:
    """Datasets in the generic case r > 0, k1, k2 >= 1, 1 <= n2."""
    n1 = draw(st.integers(1, max_n1))
    r = draw(r_values.filter(lambda x: x > 0))
    return Dataset(n1, draw(st.integers(1, n1)), draw(st.integers(1, max_k)), draw(st.integers(1, max_k)), r)
