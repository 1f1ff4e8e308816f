"""The dataset space: validation, and the matrices every builder produces."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given

from numeric.matrices import codes, data_matrices, item_basis, statistics
from theory.dataset import MAX_K, MAX_N1, Dataset
from theory.matrices import exact_statistics

from .strategies import datasets

BAD = [
    # (kwargs, parameter named in the error)
    (dict(n1=0, n2=0, k1=1, k2=1, r=1), "n1"),            # n1 < 1
    (dict(n1=MAX_N1 + 1, n2=0, k1=1, k2=1, r=1), "n1"),   # memory limit
    (dict(n1=2.0, n2=1, k1=1, k2=1, r=1), "n1"),          # not an integer
    (dict(n1=2, n2=3, k1=1, k2=1, r=1), "n2"),            # n2 > n1
    (dict(n1=2, n2=-1, k1=1, k2=1, r=1), "n2"),
    (dict(n1=2, n2=1, k1=-1, k2=1, r=1), "k1"),
    (dict(n1=2, n2=1, k1=1, k2=MAX_K + 1, r=1), "k2"),
    (dict(n1=2, n2=1, k1=1, k2=1, r=-0.5), "r"),          # r < 0
    (dict(n1=2, n2=1, k1=1, k2=1, r=math.inf), "r"),      # non-finite
    (dict(n1=2, n2=1, k1=1, k2=1, r=math.nan), "r"),
    (dict(n1=2, n2=1, k1=1, k2=1, r="os.system('x')"), "r"),  # never evaluated
    (dict(n1=2, n2=1, k1=1, k2=1, r=True), "r"),
    (dict(n1=3, n2=2, k1=1, k2=1, r=1, selection=(1, 1)), "selection"),
    (dict(n1=3, n2=2, k1=1, k2=1, r=1, selection=(0, 3)), "selection"),
]


@pytest.mark.parametrize("kwargs, name", BAD)
def test_bad_parameters_raise_value_error_naming_parameter(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        Dataset(**kwargs)


@pytest.mark.parametrize("r, exact", [(0.1, sp.Rational(1, 10)), ("3/2", sp.Rational(3, 2)),
                                      (Fraction(1, 3), sp.Rational(1, 3)), ("sqrt(2)", sp.sqrt(2)), (2, 2)])
def test_r_is_stored_exactly(r, exact):
    assert Dataset(2, 1, 1, 1, r).r == exact


@given(datasets())
def test_code_matrix_satisfies_block_relations(d):
    B = codes(d.n1)
    P = d.P
    assert sorted(map(tuple, B.T)) == sorted({tuple(c) for c in B.T}) and B.shape == (d.n1, P)
    np.testing.assert_array_equal(B @ B.T, P * np.eye(d.n1, dtype=int))
    Pi = B.T @ B / P
    np.testing.assert_allclose(Pi @ Pi, Pi, atol=1e-12)  # B^T B / P is a projector


@given(datasets())
def test_statistics_have_documented_shapes_and_agree_across_backends(d):
    st = statistics(d)
    assert st.Sx.shape == (d.n_in, d.n_in) and st.Syx.shape == (d.n_out, d.n_in)
    X, Y = data_matrices(d)
    assert X.shape == (d.n_in, d.P) and Y.shape == (d.n_out, d.P)
    if d.n1 <= 2:  # exact arithmetic is slow; small ones suffice to tie the builders together
        Sx, Syx = exact_statistics(d)
        np.testing.assert_allclose(np.array(Sx, dtype=float), st.Sx, rtol=0, atol=1e-14)
        np.testing.assert_allclose(np.array(Syx, dtype=float).reshape(st.Syx.shape), st.Syx, rtol=0, atol=1e-14)
    with mpmath.workdps(30):
        mp = statistics(d, "mpmath")
        np.testing.assert_allclose(mp.Sx.astype(float), st.Sx, rtol=0, atol=1e-14)


@given(datasets())
def test_item_basis_is_orthonormal_and_adapted_to_codes(d):
    W, Q = item_basis(d)
    basis = np.hstack([W, Q])
    np.testing.assert_allclose(basis.T @ basis, np.eye(d.P), atol=1e-12)
    np.testing.assert_allclose(codes(d.n1) @ Q, 0, atol=1e-12)  # Q orthogonal to the rows of B


def test_unknown_backend_lists_valid_ones():
    with pytest.raises(ValueError, match="backend must be one of numpy, mpmath"):
        statistics(Dataset(1, 1, 1, 1, 1), "torch")


@pytest.mark.parametrize("params, degenerate", [
    ((3, 2, 1, 1, 1), False), ((3, 2, 1, 1, 2), False), ((3, 2, 1, 1, 0), True), ((3, 2, 0, 1, 1), True),
    ((3, 2, 1, 0, 1), True), ((3, 0, 1, 1, 1), True), ((3, 3, 1, 1, 1), True),
])
def test_degenerate_exactly_when_a_mode_collapses(params, degenerate):
    # k1 = 0, k2 = 0, n2 = 0, n2 = n1 or r = 0 merge or remove modes; r = 1 and r = 2 are generic
    assert Dataset(*params).is_degenerate() is degenerate
