"""Named tolerances for comparing gradient descent with the theory, each derived.

Shared by the simulation checks of ``modspec verify`` and by the tests, so a
bound is written once.
"""

from __future__ import annotations

import math

import numpy as np

from numeric.simulate import euler_error_constant

__all__ = ["EPS", "rounding", "two_layer_euler_bound", "one_layer_euler_bound", "DELTA", "steps_to_converge"]

EPS = float(np.finfo(float).eps)

#: Relative distance from the fixed point left at the end of a convergence run.
DELTA = 1e-9


def rounding(d: int, steps: int) -> float:
    """Relative float64 rounding of ``steps`` gradient steps on matrices of size <= d.

    Each entry of a product of inner dimension d carries a relative error
    <= d eps (the standard gamma_d bound); a step chains 4 products, and the run
    accumulates linearly in the number of steps.
    """
    return 4.0 * d * EPS * (steps + 1)


def two_layer_euler_bound(pi: float, lam: float, a0: float, lr: float) -> float:
    """Largest |a_GD - a_flow| of a mode of a two-layer (deep) module: C(x0) eta pi a* (1 + 2 pi eta).

    C(x0) is the first-order Euler constant of the logistic mode ODE
    (``numeric.simulate.euler_error_constant``, x0 = a0/a*); ``2 pi eta`` is the
    expansion parameter of one step, bounding the O(eta^2) remainder.
    """
    star = pi / lam
    return euler_error_constant(a0 / star) * lr * pi * star * (1 + 2 * pi * lr)


def one_layer_euler_bound(pi: float, lam: float, a0: float, lr: float) -> float:
    """Largest |a_GD - a_flow| of a mode of a one-layer module: |a0 - a*| u / (2e) (1 + u), u = eta lambda.

    Gradient descent gives a* + (a0 - a*)(1 - u)^n exactly; against
    exp(-u n) the difference is |a0 - a*| n u^2/2 e^{-u n} (1 + O(u)), whose
    maximum over n is |a0 - a*| u / (2e).
    """
    u = lr * lam
    return abs(a0 - pi / lam) * u / (2 * math.e) * (1 + u)


def steps_to_converge(pi: float, lam: float, a0: float, lr: float, deep: bool, delta: float = DELTA) -> int:
    """Steps until a mode is within relative ``delta`` of a* = pi/lambda.

    Deep: 1 - a/a* <= (a*/a0) e^{-2 pi eta t}; shallow: |a - a*| <= max(a*, a0) e^{-eta lambda t}.
    """
    star = pi / lam
    if deep:
        return int(math.ceil((math.log(max(star / a0, 1.0)) + math.log(1 / delta)) / (2 * pi * lr)))
    return int(math.ceil((math.log(max(a0 / star, 1.0)) + math.log(1 / delta)) / (lam * lr)))
