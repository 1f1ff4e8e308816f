"""The derived tolerances of numeric.tolerances hold and are tight, tested from both sides.

Nothing here takes a tolerance from the product as a threshold: the product's
bound is the quantity under test, and each test states the factor it must be
within of an independent measurement (made with the recursions and closed
forms written out below). A bound loosened 10x fails the "tight" side.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numeric.matrices import data_matrices, evaluate, architecture_modes
from numeric.tolerances import EPS, one_layer_euler_bound, rounding, steps_to_converge, two_layer_euler_bound
from theory.dataset import Dataset

#: float64 unit roundoff, pinned: 2**-52.
FLOAT64_EPS = 2.0**-52
#: Relative distance from the fixed point a converged run must reach, pinned (THEORY.md: "converged").
CONVERGED = 1e-9

#: Standard cases: every mode of the dense network on these datasets (degenerate and generic).
DATASETS = [Dataset(2, 1, 1, 1, 1), Dataset(3, 2, 1, 1, 1), Dataset(3, 1, 2, 1, "1/2"), Dataset(3, 1, 2, 0, 1),
            Dataset(1, 1, 1, 1, 1), Dataset(3, 0, 1, 1, "3/2")]
MODES = sorted({(float(evaluate(m.singular_value, d)), float(evaluate(m.eigenvalue, d)))
                for d in DATASETS for _, m in architecture_modes(d, "dense")})
#: The step sizes of the simulation checks (learning rates up to 0.05) and a small one.
RATES = (0.01, 0.05)
A0 = 1e-3


def _two_layer_deviation(pi: float, lam: float, a0: float, lr: float) -> float:
    """max_n |a_n - a(n eta)| of a balanced two-layer mode: a_{n+1} = a_n (1 + eta (pi - lam a_n))^2.

    Each layer's strength b = sqrt(a) takes the step b + eta b (pi - lam b^2); a(t) is THEORY.md's
    logistic solution with tau = 1/eta, run until the mode is within 1e-12 of a*.
    """
    star = pi / lam
    n = int((math.log(star / a0) + 28) / (2 * pi * lr))
    a, worst = a0, 0.0
    for k in range(1, n + 1):
        a = a * (1 + lr * (pi - lam * a)) ** 2
        exact = star / (1 - (1 - star / a0) * math.exp(-2 * pi * k * lr))
        worst = max(worst, abs(a - exact))
    return worst


def _one_layer_deviation(pi: float, lam: float, a0: float, lr: float) -> float:
    """max_n |a_n - a(n eta)| of a one-layer mode: a_{n+1} = a_n + eta (pi - lam a_n)."""
    n = int(30 / (lam * lr))
    a, worst = a0, 0.0
    for k in range(1, n + 1):
        a = a + lr * (pi - lam * a)
        decay = math.exp(-lam * k * lr)
        worst = max(worst, abs(a - (pi / lam * (1 - decay) + a0 * decay)))
    return worst


@pytest.mark.parametrize("lr", RATES)
@pytest.mark.parametrize("pi, lam", MODES)
def test_two_layer_euler_bound_holds_and_is_tight(pi, lam, lr):
    """The bound is the first-order error C eta pi a* times (1 + 2 pi eta), the stated allowance for
    the O(eta^2) remainder; so the measured error lies in [bound / (1 + 2 pi eta)^2, bound]."""
    measured = _two_layer_deviation(pi, lam, A0, lr)
    bound = two_layer_euler_bound(pi, lam, A0, lr)
    assert measured <= bound, (measured, bound)
    assert measured >= bound / (1 + 2 * pi * lr) ** 2, (measured, bound)


@pytest.mark.parametrize("lr", RATES)
@pytest.mark.parametrize("pi, lam", MODES)
def test_one_layer_euler_bound_holds_and_is_tight(pi, lam, lr):
    """The bound is |a0 - a*| u/(2e) times (1 + u), u = eta lambda: measured in [bound / (1 + u)^2, bound]."""
    measured = _one_layer_deviation(pi, lam, A0, lr)
    bound = one_layer_euler_bound(pi, lam, A0, lr)
    u = lr * lam
    assert measured <= bound, (measured, bound)
    assert measured >= bound / (1 + u) ** 2, (measured, bound)


@pytest.mark.parametrize("deep", [True, False])
@pytest.mark.parametrize("pi, lam", MODES)
def test_steps_to_converge_reach_the_converged_distance_and_no_sooner(pi, lam, deep):
    """Along the flow, steps_to_converge is when the mode gets within 1e-9 of a* (relative), and
    15% earlier it is not yet there: the bounds it inverts are exact up to 1 + O(a0/a*, delta)."""
    lr = 0.01
    star = pi / lam

    def distance(n: float) -> float:
        t = n * lr
        if deep:
            a = star / (1 - (1 - star / A0) * math.exp(-2 * pi * t))
        else:
            a = star + (A0 - star) * math.exp(-lam * t)
        return abs(a - star) / star

    n = steps_to_converge(pi, lam, A0, lr, deep)
    assert distance(n) <= CONVERGED, distance(n)
    assert distance(0.85 * n) > CONVERGED, distance(0.85 * n)


def test_float64_eps_is_the_unit_roundoff():
    assert EPS == FLOAT64_EPS


def _gradient_descent(d: Dataset, dtype: type, steps: int, lr: float = 0.05) -> np.ndarray:
    """W2 W1 after ``steps`` full-batch steps of a two-layer network in ``dtype``, spectral start at 1e-3."""
    X, Y = (m.astype(dtype) for m in data_matrices(d, "numpy"))
    P = X.shape[1]
    Sx, Syx = X @ X.T / P, Y @ X.T / P
    U, s, Vt = np.linalg.svd(Syx.astype(float))
    k = int((s > 1e-12).sum())
    W1, W2 = math.sqrt(A0) * Vt[:k].astype(dtype), U[:, :k].astype(dtype) * math.sqrt(A0)
    for _ in range(steps):
        E = Syx - W2 @ W1 @ Sx
        W1, W2 = W1 + lr * W2.T @ E, W2 + lr * E @ W1.T
    return W2 @ W1


#: Measured ratio of the rounding bound to the float64 error of these runs (against 80-bit long double):
#: 9e3 to 1.4e5. The bound adds the worst case d eps of every product linearly over every step; gradient
#: descent contracts errors towards its fixed point, so they do not accumulate. Stated factor: 3e5.
ROUNDING_FACTOR = 3e5


@pytest.mark.parametrize("steps", [100, 1000])
@pytest.mark.parametrize("d", DATASETS[:3], ids=str)
def test_rounding_bound_holds_and_is_within_stated_factor(d, steps):
    if np.finfo(np.longdouble).eps >= FLOAT64_EPS:
        pytest.skip("long double is float64 on this platform: no reference")
    exact = _gradient_descent(d, np.longdouble, steps)
    measured = float(np.max(np.abs(_gradient_descent(d, np.float64, steps) - exact)))
    bound = rounding(d.n_in + d.n_out, steps) * max(float(np.max(np.abs(exact))), 1.0)
    assert measured <= bound, (measured, bound)
    assert bound <= ROUNDING_FACTOR * max(measured, FLOAT64_EPS), (measured, bound)


# The two-sided tests above leave slack (a stated factor, a 15% window); the tests below pin each bound to
# the formula its derivation states, written out here, so a changed constant inside that slack is caught too.

#: (d, steps) of the rounding bound: a step chains 4 products of inner dimension <= d, steps + 1 evaluations.
ROUNDING_CASES = [(1, 0), (5, 100), (12, 40_000)]


@pytest.mark.parametrize("d, steps", ROUNDING_CASES)
def test_rounding_bound_is_four_products_of_gamma_d_per_step(d, steps):
    assert rounding(d, steps) == pytest.approx(4 * d * FLOAT64_EPS * (steps + 1), rel=1e-15, abs=0)


@pytest.mark.parametrize("lr", RATES)
@pytest.mark.parametrize("pi, lam", MODES)
def test_one_layer_euler_bound_is_the_maximum_of_the_exponential_discrepancy(pi, lam, lr):
    u = lr * lam
    stated = abs(A0 - pi / lam) * u / (2 * math.e) * (1 + u)
    assert one_layer_euler_bound(pi, lam, A0, lr) == pytest.approx(stated, rel=1e-12, abs=0)


def _logistic_euler_constant(x0: float) -> float:
    """C(x0) = max over x in (x0, 1) of x (1 - x) |ln(x/x0) + 2 ln((1-x)/(1-x0))| / 2, on a fine grid in logit(x)."""
    z = np.linspace(math.log(x0 / (1 - x0)), 40.0, 200_001)
    x = 1 / (1 + np.exp(-z))
    one_minus = 1 / (1 + np.exp(z))
    return float(0.5 * np.max(np.abs(x * one_minus * (np.log(x / x0) + 2 * np.log(one_minus / (1 - x0))))))


@pytest.mark.parametrize("lr", RATES)
@pytest.mark.parametrize("pi, lam", MODES[:3])
def test_two_layer_euler_bound_is_c_eta_pi_a_star_with_the_second_order_allowance(pi, lam, lr):
    star = pi / lam
    stated = _logistic_euler_constant(A0 / star) * lr * pi * star * (1 + 2 * pi * lr)
    assert two_layer_euler_bound(pi, lam, A0, lr) == pytest.approx(stated, rel=1e-6, abs=0)


@pytest.mark.parametrize("a0", [1e-3, 0.75, 1.5, 40.0])
@pytest.mark.parametrize("deep", [True, False])
@pytest.mark.parametrize("pi, lam", MODES[:3])
def test_steps_to_converge_inverts_the_stated_decay_bound(pi, lam, a0, deep):
    """Deep: (a*/a0) e^{-2 pi eta t} <= delta; shallow: max(a0/a*, 1) e^{-eta lambda t} <= delta (delta = 1e-9).

    The starting points include a0 on both sides of a* and within a factor 2 of it.
    """
    lr = 0.01
    start = math.log(max(pi / lam / a0, 1.0)) if deep else math.log(max(a0 / (pi / lam), 1.0))
    rate = 2 * pi * lr if deep else lam * lr
    assert steps_to_converge(pi, lam, a0, lr, deep) == math.ceil((start + math.log(1 / CONVERGED)) / rate)
    assert steps_to_converge(pi, lam, a0, lr, deep, delta=1e-3) == math.ceil((start + math.log(1e3)) / rate)


def test_t5_rho_check_allows_the_rounding_of_2000_steps_relative_to_one_plus_rho():
    """T5's simulation compares rho along 2000 steps with r sqrt(k1/P): its tolerance is the rounding bound of
    2000 steps (4 (n_in + n_out) eps (2000 + 1)) relative to max(1, rho) <= 1 + rho, written out here."""
    from proofs.catalogue import get_theorem

    d = Dataset(2, 1, 1, 1, 1)
    rho = 1 * math.sqrt(1 / 4)
    (check,) = [c for c in get_theorem("T5").run_simulation(d) if c.what.startswith("rho of dense GD")]
    assert check.ok
    assert check.tolerance == pytest.approx(4 * (d.n_in + d.n_out) * FLOAT64_EPS * 2001 * (1 + rho), rel=1e-12, abs=0)
