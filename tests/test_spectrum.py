"""T1/T2: the derived spectrum against THEORY.md, float64 linear algebra and 50-digit certificates."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, note, settings

from numeric.certify import eigenbasis_checks, residual_tolerance, run_checks, spectrum_checks
from numeric.matrices import statistics
from theory.examples import DEGENERATE
from proofs.spectrum import spectrum_report
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum

from .strategies import datasets, examples

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r
EPS = np.finfo(float).eps

# THEORY.md section 2, typed here as the expected answers.
THEORY_PI = {
    "pi1": (sp.sqrt((P + k1 * r**2) * (P + k2 * r**2)) / P, n2),
    "pi2": (r * sp.sqrt(k2 * (P + k1 * r**2)) / P, n1 - n2),
    "pi3": (r**2 * sp.sqrt(k1 * k2) / P, P - n1),
}
THEORY_LAMBDA = {"pi1": (P + k1 * r**2) / P, "pi2": (P + k1 * r**2) / P, "pi3": k1 * r**2 / P}


def _generic_simplify(e):
    sub = s.generic_assumptions()
    return sp.simplify(sp.sympify(e).xreplace(sub))


@pytest.mark.parametrize("mode", ["pi1", "pi2", "pi3"])
def test_derived_singular_values_equal_theory_md(mode):
    m = derive_module_spectrum().mode(mode)
    value, mult = THEORY_PI[mode]
    assert _generic_simplify(m.singular_value - value) == 0, m.singular_value
    assert sp.simplify(m.multiplicity - mult) == 0
    assert _generic_simplify(m.eigenvalue - THEORY_LAMBDA[mode]) == 0, m.eigenvalue


def test_module_spectra_of_split_and_segregated_equal_theory_md():
    split_omega = derive_module_spectrum(ARCHITECTURES["split"].modules[0]).mode("pi1")
    assert _generic_simplify(split_omega.singular_value - sp.sqrt((P + k1 * r**2) / P)) == 0
    seg_omega = derive_module_spectrum(ARCHITECTURES["segregated"].modules[0]).mode("pi1")
    assert seg_omega.singular_value == 1 and seg_omega.eigenvalue == 1
    gamma = derive_module_spectrum(ARCHITECTURES["split"].modules[1])
    values = {m.channel: (m.singular_value, m.multiplicity) for m in gamma.modes}
    assert _generic_simplify(values["pi1"][0] - THEORY_PI["pi2"][0]) == 0  # pi2 on all n1 features
    assert _generic_simplify(values["pi2"][0] - THEORY_PI["pi2"][0]) == 0
    assert _generic_simplify(values["pi3"][0] - THEORY_PI["pi3"][0]) == 0


def _expected_singular_values(d: Dataset) -> np.ndarray:
    """All singular values of Syx (zeros included), from the derived closed forms."""
    rep = spectrum_report(d)
    vals = [m.singular_value for m in rep.modes for _ in range(m.multiplicity)]
    full = min(d.n_in, d.n_out)
    return np.sort(np.array(vals + [0.0] * (full - len(vals))))[::-1]


def _expected_eigenvalues(d: Dataset) -> np.ndarray:
    rep = spectrum_report(d)
    return np.sort(np.array([e.value for e in rep.input_eigenvalues for _ in range(e.multiplicity)]))[::-1]


@given(datasets())
@example(Dataset(3, 1, 0, 2, 1))   # k1 = 0: pi3 vanishes, lambda2 merges with 0
@example(Dataset(3, 1, 2, 0, 1))   # k2 = 0: only pi1 survives
@example(Dataset(3, 0, 1, 1, 1))   # n2 = 0: no pi1
@example(Dataset(2, 2, 1, 2, 1))   # n2 = n1: no pi2
@example(Dataset(3, 2, 1, 1, 0))   # r = 0: only pi1 = 1
def test_closed_form_spectrum_matches_float64_svd(d):
    st = statistics(d)
    svd = np.linalg.svd(st.Syx, compute_uv=False) if st.Syx.size else np.zeros(0)
    expected = _expected_singular_values(d)
    # Backward-stable SVD: |sigma_computed - sigma| <= c * n * eps * ||Syx||_2, with
    # n the larger dimension and c a small constant (10 covers LAPACK's).
    n = max(st.Syx.shape)
    tol = 10 * n * EPS * max(np.linalg.norm(st.Syx, 2) if st.Syx.size else 0.0, 1.0)
    note(f"svd={svd[:8]}, expected={expected[:8]}, tol={tol:.2e}")
    np.testing.assert_allclose(np.sort(svd)[::-1], expected[: len(svd)], rtol=0, atol=tol)
    eig = np.sort(np.linalg.eigvalsh(st.Sx))[::-1]
    tol_x = 10 * d.n_in * EPS * max(np.linalg.norm(st.Sx, 2), 1.0)
    np.testing.assert_allclose(eig, _expected_eigenvalues(d), rtol=0, atol=tol_x)


@settings(max_examples=examples(10))
@given(datasets(max_n1=3, max_k=2))
def test_certificate_residuals_are_below_1e_40_at_50_digits(d):
    checks = run_checks(lambda x: [*spectrum_checks(x), *eigenbasis_checks(x)], [d], 50)
    worst = max(c.residual for c in checks)
    note(str([(c.what, c.residual) for c in checks]))
    assert worst <= residual_tolerance(50) == 1e-40, worst


@pytest.mark.parametrize("name, d", DEGENERATE)
def test_degenerate_cases_drop_exactly_the_collapsed_modes(name, d):
    present = {m.name for m in spectrum_report(d).modes}
    expected = {
        "k1 = 0": {"pi1", "pi2"},          # pi3 = r^2 sqrt(k1 k2)/P = 0
        "k2 = 0": {"pi1"},                 # pi2 = pi3 = 0
        "n2 = 0": {"pi2", "pi3"},          # multiplicity of pi1 is 0
        "n2 = n1": {"pi1", "pi3"},         # multiplicity of pi2 is 0
        "r = 0": {"pi1"},
        "n1 = 1": {"pi1", "pi3"},
    }[name]
    assert present == expected


def test_wrong_closed_form_is_caught_by_certificate():
    """A certificate must be able to fail: perturb pi1 and the residual jumps to O(1)."""
    from numeric import certify
    from numeric.matrices import mode_vectors

    d = Dataset(2, 1, 1, 1, 1)
    import mpmath

    with mpmath.workdps(50):
        syx = statistics(d, "mpmath").Syx
        mv = mode_vectors(d, backend="mpmath")[0]
        res = certify._rel(syx @ mv.V - (mv.singular_value * 1.001) * mv.U, certify.fro(syx))
    assert res > 1e-4


# The residual checks' zero test: exact rewrites first, simplify as the fallback (never a weaker test).
@pytest.mark.parametrize("expr, zero", [
    (sp.sqrt(s.P + s.k1 * s.r**2) ** 2 - s.P - s.k1 * s.r**2, True),                # expand alone
    (1 / (sp.sqrt(2) + 1) - sp.sqrt(2) + 1, True),                                  # needs radsimp
    (sp.sin(s.r) ** 2 + sp.cos(s.r) ** 2 - 1, True),                                # needs simplify
    (sp.sqrt(s.P + s.k1 * s.r**2) - sp.sqrt(s.P) - s.r * sp.sqrt(s.k1), False),     # not zero
    (sp.sqrt(s.r**2) - s.r, True),                                                  # r > 0 (generic assumptions)
])
def test_residual_zero_test_decides_exactly(expr, zero):
    from theory.spectrum import _vanishes

    assert _vanishes(expr) is zero


@pytest.mark.parametrize("value, zero", [
    (sp.sqrt(2) * (sp.sqrt(8) - 2 * sp.sqrt(2)), True),
    (sp.sqrt(3) + sp.sqrt(2) - sp.sqrt(5 + 2 * sp.sqrt(6)), True),   # a denested zero
    (sp.sqrt(3) + sp.sqrt(2) - sp.sqrt(5), False),
    (sp.Rational(1, 10**30), False),
])
def test_present_mode_zero_test_is_exact(value, zero):
    from theory.spectrum import _is_zero_number

    assert _is_zero_number(value) is zero


def _float_columns_agree_with_exact(rep) -> None:
    for m in rep.modes:
        for number, exact in ((m.singular_value, m.exact), (m.input_eigenvalue, m.input_eigenvalue_exact),
                              (m.fixed_point, m.fixed_point_exact)):
            assert isinstance(number, float) and number == pytest.approx(float(sp.sympify(exact)), rel=1e-14), m
    for e in rep.input_eigenvalues:
        assert isinstance(e.value, float) and e.value == pytest.approx(float(sp.sympify(e.exact)), rel=1e-14), e


@pytest.mark.parametrize("params", [(3, 2, 1, 1, 1), (2, 1, 2, 1, "sqrt(2)"), (3, 3, 0, 1, "1/2")])
def test_float_columns_of_the_spectrum_are_its_exact_values(params):
    from theory.dataset import Dataset

    _float_columns_agree_with_exact(spectrum_report(Dataset(*params)))


def test_float_columns_of_a_readout_spectrum_are_its_exact_values():
    from theory.readout import ReadoutDataset

    _float_columns_agree_with_exact(spectrum_report(ReadoutDataset(2, 1, 2, 1, [[1, 1], [0, 2]])))
