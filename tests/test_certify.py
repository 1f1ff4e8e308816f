"""The certificate kernels checked through integer cores can say no, and agree with the dense route.

``numeric.certify`` applies Syx, Syx^T and Sx to mode vectors given as
``diag(scale) core`` with integer cores, counting distinct entries. Each
check must still notice a singular value, a vector scale or a single core
entry that is wrong.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from numeric import certify
from numeric.certify import cored_statistics, eigenbasis_checks, run_checks, spectrum_checks
from numeric.matrices import mode_vectors
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.examples import DEGENERATE

#: Digits of the checks.
DPS = 50
#: A correct kernel leaves residuals near 10**-DPS; ten digits of head room for the sums (a perturbation
#: of relative 1e-30 must stay far above this, a correct closed form far below).
PASS = 1e-40

GENERIC = Dataset(3, 2, 2, 1, "3/2")
MODULES = [None, *ARCHITECTURES["split"].modules, *ARCHITECTURES["segregated"].modules]


def _checks(d, module):
    args = () if module is None else (module,)
    return run_checks(lambda x: [*spectrum_checks(x, *args), *eigenbasis_checks(x, *args)], [d], DPS)


@pytest.mark.parametrize("module", MODULES, ids=str)
@pytest.mark.parametrize("d", [d for _, d in DEGENERATE] + [GENERIC, Dataset(3, 1, 1, 2, "sqrt(7)/3")], ids=str)
def test_cored_kernels_give_the_residuals_of_the_dense_route(d, module, monkeypatch):
    cored = _checks(d, module)
    monkeypatch.setattr(certify, "_cored", lambda modes: False)  # the sparse dense-vector route
    dense = _checks(d, module)
    assert [c.what for c in cored] == [c.what for c in dense]
    for a, b in zip(cored, dense):
        assert a.residual <= PASS and b.residual <= PASS, (a, b)


def _perturbed(cores, which: int, change):
    out = list(cores)
    out[which] = change(cores[which].copy())
    return tuple(out)


def _scaled(scale):
    scale[-1] = scale[-1] * (1 + mpmath.mpf(10) ** -30)
    return scale


def _flipped(core):
    i, j = np.argwhere(core != 0)[0]
    core[i, j] = -core[i, j]
    return core


@pytest.mark.parametrize("which, change, kernels", [
    (0, _scaled, ("syx",)),             # the left vector's last row scale off by a relative 1e-30
    (2, _scaled, ("syx", "sx")),        # the right vector's last row scale
    (1, _flipped, ("syx",)),            # one entry of the left core flipped
    (3, _flipped, ("syx", "sx")),       # one entry of the right core flipped
])
def test_cored_residuals_notice_a_wrong_vector(which, change, kernels):
    with mpmath.workdps(DPS):
        st = cored_statistics(GENERIC, ARCHITECTURES["dense"].modules[0])
        scale = mpmath.sqrt(st.norms()[0])
        for mv in mode_vectors(GENERIC, backend="mpmath"):
            wrong = _perturbed(mv.cores, which, change)
            if "syx" in kernels:
                assert st.syx_residual(mv.singular_value, wrong) / scale > PASS, mv.mode.name
                assert st.syx_t_residual(mv.singular_value, wrong) / scale > PASS, mv.mode.name
            if "sx" in kernels:
                assert st.sx_residual(mv.eigenvalue, wrong) / scale > PASS, mv.mode.name
            assert st.syx_residual(mv.singular_value, mv.cores) / scale <= PASS


def test_cored_residuals_notice_a_singular_value_off_by_1e_30():
    with mpmath.workdps(DPS):
        st = cored_statistics(GENERIC, ARCHITECTURES["dense"].modules[0])
        scale = mpmath.sqrt(st.norms()[0])
        for mv in mode_vectors(GENERIC, backend="mpmath"):
            wrong = mv.singular_value * (1 + mpmath.mpf(10) ** -30)
            assert st.syx_residual(wrong, mv.cores) / scale > PASS
            assert st.sx_residual(mv.eigenvalue * (1 + mpmath.mpf(10) ** -30), mv.cores) / scale > PASS


def test_orthonormality_check_notices_a_scale_off_by_1e_30():
    with mpmath.workdps(DPS):
        modes = mode_vectors(GENERIC, backend="mpmath")
        right = [mv.cores[:2] for mv in modes]
        assert certify._gram_residual(right) <= PASS
        wrong = [(_scaled(s.copy()), c) for s, c in right[:1]] + right[1:]
        assert certify._gram_residual(wrong) > PASS
