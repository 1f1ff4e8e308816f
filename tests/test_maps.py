"""High-precision maps without SVDs: least squares through the small code Gram matrix, spectral maps from integer cores.

Each fast route is compared with the definition it replaces (sympy's exact
pseudo-inverse; the dense product ``sum a U V^T``), and shown to notice a map
that is wrong only where a weaker check would not look.
"""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp

from numeric import maps
from numeric.backends import mp_number
from numeric.matrices import data_matrices, mode_vectors, module_slices
from proofs.claims import t9_least_squares
from theory.architectures import ARCHITECTURES, get_architecture
from theory.dataset import Dataset
from theory.examples import DEGENERATE
from theory.matrices import exact_data_matrices
from theory.observables import derive_observables

#: Digits of the comparisons.
DPS = 50
#: Relative agreement expected at DPS digits: ten digits of head room for sums over at most a few hundred
#: terms and the guard-digit rounding (a wrong map is off by O(1), a perturbed one by >= 1e-30).
AGREE = 1e-40

DATASETS = [d for _, d in DEGENERATE] + [
    Dataset(3, 2, 2, 1, "3/2"),            # generic, two identity copies in the input
    Dataset(3, 1, 1, 2, "sqrt(7)/3"),      # a surd r
    Dataset(2, 1, 3, 1, "1/8"),            # small c = k1 r^2: the guard digits matter
]


def _exact_module_map(d, module) -> sp.Matrix:
    """``Y_m X_m^+`` of one module by sympy's exact pseudo-inverse (the definition)."""
    X, Y = exact_data_matrices(d)
    rows, cols = module_slices(d, module)
    Xm = X.extract(cols.tolist(), list(range(X.cols)))
    Ym = Y.extract(rows.tolist(), list(range(Y.cols)))
    return Ym * Xm.pinv()


@pytest.mark.parametrize("d", DATASETS, ids=str)
@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_least_squares_map_equals_the_exact_pseudo_inverse_solution(d, arch):
    with mpmath.workdps(DPS):
        W = maps.least_squares_map(d, arch, "mpmath")
        for module in get_architecture(arch).modules:
            rows, cols = module_slices(d, module)
            exact = _exact_module_map(d, module)
            block = W[np.ix_(rows, cols)]
            gap = max((abs(block[i, j] - mp_number(exact[i, j])) for i in range(len(rows))
                       for j in range(len(cols))), default=mpmath.mpf(0))
            scale = max([abs(mp_number(x)) for x in exact] + [mpmath.mpf(1)])
            assert gap / scale < AGREE, (d, arch, module, float(gap))


def test_least_squares_solver_handles_a_rank_deficient_training_subset_exactly():
    d = dataclasses.replace(Dataset(3, 2, 0, 1, 1), train=(0, 7))  # codes b and -b: rank 1, c = 0
    with mpmath.workdps(DPS):
        X, Y = data_matrices(d, "mpmath")
        X, Y = X[:, [0, 7]], Y[:, [0, 7]]
        solve = maps.least_squares_solver(X, Y, d.n1)
        exact = exact_data_matrices(d)[1] * exact_data_matrices(d)[0].pinv()
        for j in range(d.n_in):
            got = solve({j: mpmath.mpf(1)})
            assert max(abs(g - mp_number(exact[i, j])) for i, g in enumerate(got)) < AGREE


def test_least_squares_solver_refuses_identity_rows_that_are_not_orthogonal():
    with mpmath.workdps(DPS):
        X, Y = data_matrices(Dataset(2, 1, 1, 1, 1), "mpmath")
        X = X.copy()
        X[2, 1] = mpmath.mpf(1)  # an identity row with two non-zeros: R^T R is no longer c I
        with pytest.raises(ArithmeticError, match="R\\^T R"):
            maps.least_squares_solver(X, Y, 2)


def test_t9_certificate_notices_a_map_right_on_the_row_space_but_not_zero_off_it(monkeypatch):
    """Adding E with E X = 0 keeps the normal equations W X X^T = Y X^T but leaves the minimum-norm solution."""
    d = Dataset(3, 2, 2, 1, "3/2")
    t9 = t9_least_squares.THEOREM
    with mpmath.workdps(DPS):
        X, _ = data_matrices(d, "mpmath")
        z = np.zeros(d.n_in, dtype=object)
        z[:] = mpmath.mpf(0)
        z[d.n1], z[d.n1 + d.P] = mpmath.mpf(1), mpmath.mpf(-1)  # the two identity copies of item 0: X^T z = 0
        assert all(v == 0 for v in X.T @ z)
        E = np.outer(np.array([mpmath.mpf(10) ** -30] * d.n_out, dtype=object), z)
        right = maps.least_squares_map
        monkeypatch.setattr(t9_least_squares, "least_squares_map", lambda *a: right(*a) + E)
        checks = t9.run_certificate(d)
    assert all(c.residual > AGREE for c in checks), [(c.what, c.residual) for c in checks]


@pytest.mark.parametrize("d", DATASETS, ids=str)
@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_spectral_map_from_integer_cores_equals_the_dense_product(d, arch):
    names = list(derive_observables(arch).strengths)
    strengths = {n: mpmath.mpf(i + 2) / 7 for i, n in enumerate(names)}
    with mpmath.workdps(DPS):
        W = maps.spectral_map(d, arch, strengths, "mpmath")
        dense = maps.zeros((d.n_out, d.n_in), "mpmath")
        for module in get_architecture(arch).modules:
            rows, cols = module_slices(d, module)
            for mv in mode_vectors(d, module, "mpmath"):
                dense[np.ix_(rows, cols)] += strengths[mv.mode.name] * (mv.U @ mv.V.T)
        assert maps.fro(W - dense) / max(maps.fro(dense), 1) < AGREE


def test_spectral_map_from_integer_cores_moves_with_a_strength_perturbed_by_1e_30():
    d = Dataset(3, 2, 2, 1, "3/2")
    names = list(derive_observables("dense").strengths)
    strengths = {n: mpmath.mpf(i + 2) / 7 for i, n in enumerate(names)}
    with mpmath.workdps(DPS):
        W = maps.spectral_map(d, "dense", strengths, "mpmath")
        moved = maps.spectral_map(d, "dense", strengths | {names[-1]: strengths[names[-1]] * (1 + mpmath.mpf(10) ** -30)},
                                  "mpmath")
        assert maps.fro(W - moved) / maps.fro(W) > AGREE


@pytest.mark.parametrize("d", DATASETS[:3], ids=str)
def test_mode_vectors_are_their_scale_times_their_integer_core(d):
    with mpmath.workdps(DPS):
        for mv in mode_vectors(d, backend="mpmath"):
            su, cu, sv, cv = mv.cores
            assert cu.dtype == np.int64 and cv.dtype == np.int64
            assert all(a == b for a, b in zip((su[:, None] * cu).ravel(), mv.U.ravel()))
            assert all(a == b for a, b in zip((sv[:, None] * cv).ravel(), mv.V.ravel()))


def test_frobenius_norms_counting_shared_entries_equal_the_plain_sums():
    with mpmath.workdps(DPS):
        x, y = mpmath.mpf(1) / 3, mpmath.sqrt(2)
        a = np.array([[x, x, y], [y, x, mpmath.mpf(1) / 3]], dtype=object)  # shared objects and an equal copy
        b = np.array([[y, x, y], [x, x, y]], dtype=object)
        plain = mpmath.sqrt(mpmath.fsum(v * v for v in a.ravel()))
        assert abs(maps.fro(a) - plain) < AGREE
        diff = mpmath.sqrt(mpmath.fsum((u - v) ** 2 for u, v in zip(a.ravel(), b.ravel())))
        assert abs(maps.fro_diff(a, b) - diff) < AGREE
        assert maps.fro_diff(a, a) == 0
        with pytest.raises(ValueError, match="one shape"):
            maps.fro_diff(a, b[:, :2])
        # one entry (a 1 x 1 block of a map at n1 = 1) and no entry
        assert maps.fro_diff(np.array([[x]], dtype=object), np.array([[y]], dtype=object)) == abs(x - y)
        assert maps.fro_diff(a[:0], b[:0]) == 0


@pytest.mark.parametrize("keys", [np.zeros((0, 3), dtype=np.int64), np.array([[2, -1], [0, 5], [2, -1]]),
                                  np.array([[2**40, -2**40], [0, 0], [2**40, -2**40]], dtype=np.int64)],
                         ids=["empty", "small", "beyond int64 codes"])
def test_unique_rows_equals_numpy_unique_with_inverse(keys):
    from numeric.maps import unique_rows

    distinct, inverse = unique_rows(keys)
    want = np.unique(keys, axis=0)  # the same rows, in any order
    assert distinct.shape == want.shape and inverse.shape == (keys.shape[0],) and inverse.dtype.kind == "i"
    assert sorted(map(tuple, distinct.tolist())) == sorted(map(tuple, want.tolist()))
    np.testing.assert_array_equal(distinct[inverse], keys)
