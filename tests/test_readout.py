"""The general-readout family (THEORY.md section 7): exact singular values, derived spectrum, concrete vectors."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from numeric.matrices import mode_vectors, module_slices, readout_channels, statistics
from numeric.sampling import sample_datasets
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.channels import readout_scale
from theory.dataset import Dataset
from theory.examples import READOUT_EXAMPLES
from theory.readout import READOUT, READOUT_CHANNELS, ReadoutDataset
from theory.spectrum import derive_module_spectrum

P, k1, k2, r = s.P, s.k1, s.k2, s.r
EXAMPLES = dict(READOUT_EXAMPLES)


def test_singular_values_are_exact_with_multiplicities():
    # [[1, 1], [0, 2]]: A^T A = [[1, 1], [1, 5]], eigenvalues 3 +- sqrt(5) (worked out by hand).
    got = EXAMPLES["distinct irrational s"].singular_values()
    assert [sp.simplify(v.square - e) for v, e in zip(got, (3 + sp.sqrt(5), 3 - sp.sqrt(5)))] == [0, 0]
    assert [v.multiplicity for v in EXAMPLES["repeated s"].singular_values()] == [3]
    rank_def = EXAMPLES["rank deficient"].singular_values()
    assert [(v.value, v.multiplicity) for v in rank_def] == [(5, 1), (0, 2)]  # ||(1, 2)||^2 + ||(2, 4)||^2 = 25
    assert [(v.value, v.multiplicity) for v in EXAMPLES["zero readout"].singular_values()] == [(0, 3)]


def test_singular_values_of_a_quintic_stay_exact():
    """A 5 x 5 readout whose A^T A has an irreducible quintic factor: values are CRootOf, never floats."""
    A = [[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 1], [1, 0, 0, 0, 2]]
    values = ReadoutDataset(5, 1, 1, 1, A).singular_values()
    assert sum(v.multiplicity for v in values) == 5 and all(not v.value.has(sp.Float) for v in values)
    with mpmath.workdps(50):
        total = mpmath.fsum(v.multiplicity * mpmath.mpf(str(sp.N(v.square, 60))) for v in values)
    assert abs(total - sum(x * x for row in A for x in row)) < mpmath.mpf(10) ** -45  # sum s^2 = ||A||_F^2


def test_derived_readout_singular_value_matches_theory_md_section_7():
    mode = derive_module_spectrum(specs=READOUT_CHANNELS).mode("s")
    stated = sp.sqrt((P * readout_scale**2 + k2 * r**2) * (P + k1 * r**2)) / P
    generic = s.generic_assumptions() | {readout_scale: sp.Symbol("s", positive=True)}
    assert sp.simplify((mode.singular_value - stated).xreplace(generic)) == 0


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readout_mode_vectors_are_singular_pairs_of_every_module(name):
    d = EXAMPLES[name]
    st = statistics(d)
    for arch in ARCHITECTURES.values():
        for module in arch.modules:
            rows, cols = module_slices(d, module)
            Syx, Sx = st.Syx[np.ix_(rows, cols)], st.Sx[np.ix_(cols, cols)]
            mvs = mode_vectors(d, module)
            for mv in mvs:
                np.testing.assert_allclose(Syx @ mv.V, mv.singular_value * mv.U, atol=1e-12, err_msg=mv.mode.name)
                np.testing.assert_allclose(Sx @ mv.V, mv.eigenvalue * mv.V, atol=1e-12, err_msg=mv.mode.name)
            total = sum(mv.V.shape[1] * mv.singular_value**2 for mv in mvs)  # completeness: no mode missed
            assert abs(total - float((Syx**2).sum())) < 1e-12 * max(1, total), (name, module.name)


def test_a_wrong_singular_value_breaks_the_singular_pair():
    """Negative control: scaling the closed-form pi by 1 + 1e-6 leaves a visible residual."""
    d = EXAMPLES["distinct irrational s"]
    st = statistics(d)
    mv = mode_vectors(d)[0]
    assert np.abs(st.Syx @ mv.V - (1 + 1e-6) * mv.singular_value * mv.U).max() > 1e-7


def test_selection_is_the_readout_a_equals_s():
    """Same P, k1, k2, r: the readout family with A = S reproduces the selection family's singular values."""
    for d in sample_datasets(12, seed=2):
        A = [[int(j == i) for j in range(d.n1)] for i in d.selection]
        rd = ReadoutDataset(d.n1, d.k1, d.k2, d.r, A)
        sel = sorted(float(mv.singular_value) for mv in mode_vectors(d) for _ in range(mv.V.shape[1]))
        rdo = sorted(float(mv.singular_value) for mv in mode_vectors(rd) for _ in range(mv.V.shape[1]))
        np.testing.assert_allclose(rdo, sel, rtol=1e-14, err_msg=str(d.as_dict()))


def test_readout_vectors_at_50_digits():
    d = EXAMPLES["distinct irrational s"]
    with mpmath.workdps(50):
        for name, exact, value, V, U in readout_channels(d, "mpmath"):
            A = np.array([[mpmath.mpf(int(x)) for x in row] for row in d.readout], dtype=object)
            assert max(abs(x) for x in (A @ V - U * value).ravel()) < mpmath.mpf(10) ** -45, name


@pytest.mark.parametrize("value, message", [
    ([[1, 2]], "3 columns"),                       # n1 = 3
    ([["1/0", 1, 1]], "rational"),
    ([[1, 1, 1]] * 21, "at most 20 rows"),
])
def test_bad_readout_raises_naming_readout(value, message):
    with pytest.raises(ValueError, match=rf"^readout .*{message}"):
        ReadoutDataset(3, 1, 1, 1, value)


def test_readout_family_draws_rank_deficient_and_zero_readouts():
    ds = sample_datasets(40, seed=0, family=READOUT)
    ranks = {sp.Matrix(d.readout).rank() if d.n2 else 0 for d in ds}
    assert 0 in ranks and any(d.n2 >= 2 and sp.Matrix(d.readout).rank() < d.n2 for d in ds)
    assert all(isinstance(d, ReadoutDataset) for d in ds) and not isinstance(ds[0], Dataset)


def test_exact_and_numeric_data_matrices_agree_for_a_readout():
    from theory.matrices import exact_data_matrices
    from numeric.matrices import data_matrices

    d = EXAMPLES["rank deficient"]
    X, Y = exact_data_matrices(d)
    Xn, Yn = data_matrices(d)
    np.testing.assert_array_equal(np.array(Y.tolist(), dtype=float), Yn)
    np.testing.assert_array_equal(np.array(X.tolist(), dtype=float), Xn)


class _WrongMultiplicities:
    """A stand-in readout dataset whose exact singular values claim the wrong multiplicities."""

    def __init__(self, d):
        self._d = d
        self.n1, self.n2 = d.n1, d.n2

    def readout_rows(self):
        return self._d.readout_rows()

    def singular_values(self):
        from theory.readout import SingularValue

        (top, zero) = self._d.singular_values()
        return (SingularValue(top.value, top.square, 2), SingularValue(zero.value, zero.square, 1))


def test_eigensolver_clusters_that_disagree_with_exact_multiplicities_are_reported():
    """Negative control: if the exact values said s = 5 twice, the 1 eigenvector found is an ArithmeticError."""
    with pytest.raises(ArithmeticError, match="exact multiplicity is 2"):
        readout_channels(_WrongMultiplicities(EXAMPLES["rank deficient"]), "numpy")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_integer_data_cores_scaled_back_are_the_data_matrices(name):
    # X = diag(xs) Xc and Y = diag(ys) Yc exactly (50 digits): the certificates work through these
    # integer cores, so a readout row with fractions (k2 = 0: [1/2, 1]) must keep them
    from numeric.matrices import data_cores, data_matrices

    d = EXAMPLES[name]
    with mpmath.workdps(50):
        xs, Xc, ys, Yc = data_cores(d)
        X, Y = data_matrices(d, "mpmath")
        for scale, core, full in ((xs, Xc, X), (ys, Yc, Y)):
            assert core.dtype == np.int64 and core.shape == full.shape
            assert all(scale[i] * int(core[i, j]) == full[i, j] for i in range(core.shape[0]) for j in range(core.shape[1]))
