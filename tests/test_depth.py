"""Numbers from the depth-L dynamics (numeric.depth) against independent computations.

The expected values are typed here from THEORY.md sections 3 and 8: closed forms
for L = 1, 2, the integral t(a) by quadrature, gradient descent as the scalar
recursion of balanced layers.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from numeric import depth as nd
from numeric.simulate import euler_error_constant

#: The float64 inversion is accurate to 1e-10 relative by its own error estimate;
#: against a 50-digit inversion a few ulps of a* more are rounding of a* v^L.
INVERSION_REL = 1e-10
#: Certificate residuals at 50 digits: quadrature and numerical differentiation keep ~45 digits.
CERT_TOL = 1e-40

MODES = [  # (pi, lambda): a* = 13/7, 2, 1/5
    (1.3, 0.7), (0.5, 0.25), (0.3, 1.5),
]


def theory_closed_form(depth, pi, lam, a0, t, tau):
    """THEORY.md section 3, typed: shallow (L = 1) and deep (L = 2)."""
    if depth == 1:
        e = np.exp(-lam * t / tau)
        return (pi / lam) * (1 - e) + a0 * e
    return (pi / lam) / (1 - (1 - pi / (lam * a0)) * np.exp(-2 * pi * t / tau))


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("pi, lam", MODES)
@pytest.mark.parametrize("x0", [1e-3, 0.4, 3.0])  # growth from far below, from near, decay from above
def test_inverted_strengths_equal_closed_forms_at_depth_1_and_2(depth, pi, lam, x0):
    star = pi / lam
    t = np.linspace(0, 2000, 401)
    got = nd.strengths(pi, lam, x0 * star, t, 20.0, depth)
    want = theory_closed_form(depth, pi, lam, x0 * star, t, 20.0)
    assert np.max(np.abs(got - want)) <= INVERSION_REL * max(star, x0 * star)


@pytest.mark.parametrize("depth", [3, 4])
@pytest.mark.parametrize("pi, lam", MODES)
@pytest.mark.parametrize("x0", [1e-3, 0.4, 3.0])
def test_inverted_strengths_equal_50_digit_inversion(depth, pi, lam, x0):
    star = pi / lam
    a0 = x0 * star
    half = nd.half_time(pi, lam, a0, 20.0, depth) if x0 < 0.5 else 20.0
    t = np.array([0.0, 0.3, 0.8, 1.0, 1.5, 3.0]) * half
    got = nd.strengths(pi, lam, a0, t, 20.0, depth)
    with mpmath.workdps(50):
        want = [float(nd.mp_strength(mpmath.mpf(pi), mpmath.mpf(lam), mpmath.mpf(a0), mpmath.mpf(tt),
                                     mpmath.mpf(20), depth)) for tt in t]
    assert np.max(np.abs(got - want)) <= INVERSION_REL * max(star, a0), (got, want)


def test_inversion_that_loses_precision_is_reported():
    # a0/a* = 1e-30 at L = 4: G(v0) ~ -1/(2 v0^2) ~ 5e14, so once the mode grows, float64 has no digits left.
    with pytest.raises(nd.PrecisionError, match="relative error"):
        nd.strengths(1.0, 1.0, 1e-30, np.array([0.0, 5e14]), 1.0, 4)  # t ~ |G(v0)|: mid-growth


def test_inversion_keeps_precision_while_the_mode_has_not_grown():
    a = nd.strengths(1.0, 1.0, 1e-30, np.array([0.0, 1.0]), 1.0, 4)
    assert a[1] == pytest.approx(1e-30 * (1 + 4 * 1e-30 ** 0.5), rel=1e-9, abs=0)  # tau a' ~ L a^(3/2) pi


def _theory_integrand(depth):
    """THEORY.md section 8, typed: dt/da = 1 / (L a^(2-2/L) (pi - lambda a)) (tau = 1), and tau da/dt."""
    return (lambda a, pi, lam: 1 / (depth * a ** (2 - mpmath.mpf(2) / depth) * (pi - lam * a)),
            lambda a, pi, lam: depth * a ** (2 - mpmath.mpf(2) / depth) * (pi - lam * a))


#: A mode decaying from far above a* (v = (a/a*)^(1/L) above 2 at the times below).
FAR_ABOVE = (mpmath.mpf(13) / 10, mpmath.mpf(7) / 10, 20)  # pi, lambda, tau
FAR_TIMES = (mpmath.mpf(10) ** -4, mpmath.mpf(10) ** -3, mpmath.mpf(10) ** -2)


@pytest.mark.parametrize("v0", [2.5, 2.9])
def test_50_digit_inversion_decaying_from_far_above_equals_the_depth_2_closed_form(v0):
    pi, lam, tau = FAR_ABOVE
    with mpmath.workdps(50):
        star = pi / lam
        a0 = star * mpmath.mpf(v0) ** 2
        for t in FAR_TIMES:
            want = star / (1 - (1 - star / a0) * mpmath.exp(-2 * pi * t / tau))  # THEORY.md section 3
            assert 2 ** 2 * star < want
            assert abs(nd.mp_strength(pi, lam, a0, t, tau, 2) - want) <= CERT_TOL * want


@pytest.mark.parametrize("depth", [3, 4])
def test_50_digit_inversion_decaying_from_far_above_takes_the_stated_time(depth):
    # The time from a0 to the inverted a(t) by quadrature of THEORY.md section 8's dt/da is t, to 50
    # digits less the quadrature's (CERT_TOL); the float64 inversion agrees to INVERSION_REL.
    pi, lam, tau = FAR_ABOVE
    dt_da, _ = _theory_integrand(depth)
    with mpmath.workdps(50):
        star = pi / lam
        a0 = star * mpmath.mpf(2.9) ** depth
        t = FAR_TIMES[1]
        a = nd.mp_strength(pi, lam, a0, t, tau, depth)
        assert 2 ** depth * star < a < a0
        assert abs(tau * mpmath.quad(lambda x: dt_da(x, pi, lam), [a0, a]) - t) <= CERT_TOL * t
    got = nd.strengths(float(pi), float(lam), float(a0), np.array([float(t)]), float(tau), depth)[0]
    assert abs(got - float(a)) <= INVERSION_REL * float(a0), (got, a)


@pytest.mark.parametrize("depth", [3, 4])
def test_elapsed_certificate_passes_at_50_digits(depth):
    with mpmath.workdps(50):
        checks = nd.elapsed_checks(mpmath.mpf(3) / 2, mpmath.mpf(2) / 3, depth, *_theory_integrand(depth))
    worst = max(c.residual for c in checks)
    assert worst < CERT_TOL, [c for c in checks if c.residual >= CERT_TOL]


def test_elapsed_certificate_fails_against_another_depths_formulas():
    # Negative control: the depth-3 solution checked against the depth-4 integrand and ODE fails by far.
    with mpmath.workdps(50):
        checks = nd.elapsed_checks(mpmath.mpf(3) / 2, mpmath.mpf(2) / 3, 3, *_theory_integrand(4))
    failing = [c for c in checks if c.residual > 1e-3]
    assert len(failing) >= len(checks) // 2, checks


@pytest.mark.parametrize("x0", [1e-4, 1e-3, 0.1, 0.45, 1.2, 1.5, 1.9, 2.0, 10.0])  # a0 below and above a*
def test_euler_constant_at_depth_2_equals_the_simulators_derivation(x0):
    assert nd.euler_constant(x0, 2) == pytest.approx(euler_error_constant(x0), rel=1e-9)


def _gd_strengths(pi, lam, a0, lr, depth, steps):
    """Gradient descent on L balanced scalar layers w (a = w^L): w <- w + eta (pi - lambda a) w^(L-1)."""
    w, out = a0 ** (1 / depth), [a0]
    for _ in range(steps):
        w = w + lr * (pi - lam * w**depth) * w ** (depth - 1)
        out.append(w**depth)
    return np.array(out)


#: (pi, lambda, a0, eta): small and moderate steps, x0 from 1e-4 to 5e-2.
GD_CASES = [(1.3, 0.7, 1e-3, 0.01), (1.3, 0.7, 1e-3, 0.05), (0.5, 0.25, 1e-2, 0.05), (2.0, 1.0, 1e-4, 0.02),
            (1.0, 0.2, 1e-3, 0.02), (0.3, 1.5, 1e-3, 0.05)]
#: Measured deviation / bound lies in [0.73, 0.98] on these cases: the bound is tight within this factor.
TIGHT = 0.7


@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("pi, lam, a0, lr", GD_CASES)
def test_gradient_descent_stays_within_and_near_the_derived_euler_bound(depth, pi, lam, a0, lr):
    steps = int(6 * nd.half_time(pi, lam, a0, 1 / lr, depth)) + 10
    gd = _gd_strengths(pi, lam, a0, lr, depth, steps)
    flow = nd.strengths(pi, lam, a0, np.arange(steps + 1.0), 1 / lr, depth)
    err = float(np.max(np.abs(gd - flow)))
    bound = nd.euler_bound(pi, lam, a0, lr, depth)
    assert err <= bound, f"deviation {err:.4g} above the bound {bound:.4g}"
    assert err >= TIGHT * bound, f"deviation {err:.4g} far below the bound {bound:.4g}: not tight"


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_ordering_threshold_separates_the_sign_of_dt_half_dpi(depth):
    xc = nd.ordering_threshold(depth)
    lam, a0, tau = 1.0, 1e-2, 1.0

    def slope(x0):  # d t_half / d pi at pi = lam a0 / x0, central difference
        pi = lam * a0 / x0
        h = pi * 1e-6
        return (nd.half_time(pi + h, lam, a0, tau, depth) - nd.half_time(pi - h, lam, a0, tau, depth)) / (2 * h)

    assert slope(0.9 * xc) < 0 < slope(1.1 * xc), (xc, slope(0.9 * xc), slope(1.1 * xc))


def test_ordering_threshold_at_depth_2_is_theory_md_3_59():
    # THEORY.md: d t_half / d pi < 0 iff pi/(lambda a0) - 1 > 3.59, i.e. x0 < 1/4.59.
    assert 1 / nd.ordering_threshold(2) - 1 == pytest.approx(3.59, abs=0.005)


@pytest.mark.parametrize("bad", [0, -1, math.inf, math.nan])
def test_euler_constant_rejects_bad_x0(bad):
    with pytest.raises(ValueError, match="x0 must be"):
        nd.euler_constant(bad, 3)

