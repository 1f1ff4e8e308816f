"""``modspec spectrum``'s exact values are the derivation at exact parameters, never rounded floats."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from numeric.matrices import evaluate
from proofs.spectrum import spectrum_report
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum

from .strategies import exact_r_values

#: Digits of the independent high-precision evaluation.
DPS = 50
#: An exact value evaluated at 60 digits agrees with the 50-digit evaluation of the
#: same closed form to the latter's rounding (about 10**-50 per operation, tens of operations).
EXACT_REL = sp.Float("1e-45")
#: float64 evaluation of a closed form of positive terms (no cancellation): at most
#: about 16 roundings of 2**-53 each, so 16 * 2**-53 relative.
FLOAT_REL = 16 * 2.0**-53


def _close(a, b, rel) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b))


def _at_50_digits(expr, d: Dataset):
    with mpmath.workdps(DPS):
        return sp.Float(evaluate(expr, d, backend="mpmath"), DPS)


@given(st.integers(1, 4).flatmap(lambda n1: st.tuples(st.just(n1), st.integers(0, n1))),
       st.integers(0, 3), st.integers(0, 3), exact_r_values)
@example((4, 2), 2, 3, sp.Rational(1, 3000))  # issue 13: nsimplify printed pi1 = 1 here
def test_spectrum_exact_values_agree_with_50_digit_evaluation(n, k1, k2, r) -> None:
    d = Dataset(n[0], n[1], k1, k2, r)
    rep = spectrum_report(d)
    derived = {m.name: m for m in derive_module_spectrum().modes}
    for m in rep.modes:
        for exact, closed_form, as_float in (
            (m.exact, derived[m.name].singular_value, m.singular_value),
            (m.input_eigenvalue_exact, derived[m.name].eigenvalue, m.input_eigenvalue),
            (m.fixed_point_exact, derived[m.name].fixed_point, m.fixed_point),
        ):
            value = sp.sympify(exact)
            assert not value.has(sp.Float), exact
            high = sp.N(value, DPS + 10)
            reference = _at_50_digits(closed_form, d)
            assert _close(high, reference, EXACT_REL), (m.name, exact, high, reference)
            assert _close(float(high), as_float, FLOAT_REL), (m.name, exact, high, as_float)


def test_spectrum_of_issue_case_is_not_rounded_to_one() -> None:
    """D(4, 2, 2, 3, 1/3000): pi1 = sqrt(20736000720000006)/144000000 = 1 + 1.736e-8, not 1."""
    rep = spectrum_report(Dataset(4, 2, 2, 3, "1/3000"))
    pi1 = next(m for m in rep.modes if m.name == "pi1")
    value = sp.sympify(pi1.exact)
    assert value != 1 and value == sp.sqrt(sp.Rational(16 + 2 * sp.Rational(1, 3000) ** 2)
                                           * (16 + 3 * sp.Rational(1, 3000) ** 2)) / 16
    assert float(value - 1) == pytest.approx(1.7361111e-8, rel=1e-6, abs=0)


def test_spectrum_exact_value_for_small_r_is_not_zero() -> None:
    """r = 1e-12: pi2 = r sqrt(k2 (P + k1 r^2)) / P is tiny but exactly non-zero (nsimplify printed 0)."""
    rep = spectrum_report(Dataset(3, 1, 1, 1, "1e-12"))
    pi2 = next(m for m in rep.modes if m.name == "pi2")
    assert sp.sympify(pi2.exact) > 0 and pi2.singular_value > 0
