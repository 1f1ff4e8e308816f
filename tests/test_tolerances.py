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
