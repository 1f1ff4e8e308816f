"""Numbers from the depth-L mode dynamics (docs/theory.md section 8): inversion, certificates, Euler error.

The implicit solution of :func:`theory.dynamics.depth_dynamics` gives the time
``t(a) = T (G(v) - G(v0))`` with ``T = tau a*^(2/L-1) / pi`` and
``v = (a/a*)^(1/L)``. This module inverts it for ``a(t)``:

* in float64, vectorized over checkpoints (:func:`strengths`): a bracketed
  bisection on ``v`` (``G`` is monotone on each side of ``v = 1``, which a
  trajectory never crosses) polished by Newton steps, with a first-order
  estimate of the relative error of ``a`` that raises
  :class:`PrecisionError` above :data:`INVERSION_RTOL`;
* at any mpmath precision (:func:`mp_strength`), by ``mpmath.findroot``.

Certificates (:func:`elapsed_checks`) compare the closed form of ``t(a)`` with
``mpmath.quad`` of the integrand of docs/theory.md section 8 and check the ODE
residual of the inverted solution, at the working precision. The first-order
global error of gradient descent against the flow
(:func:`theory.dynamics.euler_global_error`) becomes the constant
:func:`euler_constant` and the bound :func:`euler_bound`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import compile_expr
from theory import symbols as s
from theory.dynamics import check_depth, depth_dynamics, euler_global_error, h_m, L_depth, time_integrand, v0_m, v_m, x0_m

__all__ = [
    "INVERSION_RTOL", "PrecisionError", "strengths", "mp_strength", "elapsed_checks", "euler_constant",
    "euler_bound", "half_time", "ordering_threshold", "DepthCheck", "steps_to_converge", "elapsed",
]

#: Largest estimated relative error of an inverted strength before it is refused: the
#: trajectory tests compare closed forms to 1e-9, so the inversion must be better.
INVERSION_RTOL = 1e-10
_EPS = float(np.finfo(float).eps)
#: Bisection halvings of the bracket, then Newton polishing steps (each Newton step squares the error).
_BISECTIONS, _NEWTON = 64, 3
#: Extra bits of the Newton polish of :func:`mp_strength`: the rounding of ``G(v) - target`` (a
#: difference of terms of order 1) reaches v amplified by ``v^(L-1) |v^L - 1|`` (~2^23 at v = 10, L = 4),
#: so 64 bits keep v to 4 eps of the working precision far above a* as well.
_GUARD_BITS = 64


class PrecisionError(ArithmeticError):
    """The float64 inversion of t(a) would not be accurate to INVERSION_RTOL (a0 too small for this depth)."""


@lru_cache(maxsize=None)
def _compiled(depth: int, backend: str) -> tuple[Any, Any]:
    dyn = depth_dynamics(depth)
    return (compile_expr(dyn.antiderivative, (v_m,), backend),
            compile_expr(time_integrand(depth), (v_m,), backend))


def _time_scale(pi: Any, lam: Any, tau: Any, depth: int) -> Any:
    """``T = tau a*^(2/L - 1) / pi`` (the unit of the normalized time of the implicit solution)."""
    return tau * (pi / lam) ** (mpmath.mpf(2) / depth - 1 if isinstance(pi, mpmath.mpf) else 2 / depth - 1) / pi


def strengths(pi: float, lam: float, a0: float, t: np.ndarray, tau: float, depth: int) -> np.ndarray:
    """``a(t)`` of a depth-L mode at the times ``t`` (shape (n,)), by inverting ``t(a)`` in float64.

    Raises
    ------
    PrecisionError
        When the estimated relative error of some ``a(t)`` exceeds
        :data:`INVERSION_RTOL`. The estimate: ``G(v)`` is a difference of
        terms as large as ``|G(v0)| + |G(v)|``, so it carries an absolute
        rounding error of a few ``eps`` times that; through ``dv = dG / G'(v)``
        and ``da/a = L dv/v`` this is ``L eps (|G(v0)| + |G(v)| + 1) / (v G'(v))``.
    """
    depth = check_depth(depth)
    t = np.asarray(t, dtype=float)
    G, g = _compiled(depth, "numpy")
    star = pi / lam
    x0 = a0 / star
    if x0 == 1.0:
        return np.full(t.shape, float(a0))
    v0 = x0 ** (1.0 / depth)
    target = float(G(v0)) + t / _time_scale(pi, lam, tau, depth)
    below = v0 < 1.0
    lo = np.full(t.shape, v0 if below else 1.0)
    hi = np.full(t.shape, 1.0 if below else v0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            # G increases on (0, 1) and decreases on (1, oo): the root is above mid when G(mid) < target below a*.
            up = (G(mid) < target) if below else (G(mid) > target)
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        v = 0.5 * (lo + hi)
        for _ in range(_NEWTON):
            step = (G(v) - target) / g(v)
            trial = v - step
            v = np.where(np.isfinite(trial) & (trial >= np.minimum(lo, hi)) & (trial <= np.maximum(lo, hi)), trial, v)
        v = np.where(t == 0, v0, v)
        a = star * v ** depth
        rel = depth * 4 * _EPS * (abs(float(G(v0))) + np.abs(G(v)) + 1.0) / np.abs(v * g(v))
    rel = np.where(np.isfinite(rel), rel, 0.0)  # v = 1 to rounding: a = a* to rounding, error 0 in G'
    if not np.all(np.isfinite(a)):
        raise PrecisionError(f"inversion of t(a) at depth {depth} produced non-finite strengths")
    worst = float(np.max(rel, initial=0.0))
    if worst > INVERSION_RTOL:
        k = int(np.argmax(rel))
        raise PrecisionError(
            f"depth-{depth} strength at t = {t[k]:.6g} would carry a relative error ~{worst:.2g} "
            f"> {INVERSION_RTOL:g} in float64 (a0/a* = {x0:.3g} too small for this depth)")
    return np.where(t == 0, a0, a)


def mp_strength(pi: Any, lam: Any, a0: Any, t: Any, tau: Any, depth: int) -> Any:
    """``a(t)`` of a depth-L mode at the current mpmath precision (``findroot`` on ``t(a)``, bracketed)."""
    depth = check_depth(depth)
    G, _ = _compiled(depth, "mpmath")
    star = pi / lam
    v0 = (a0 / star) ** (mpmath.mpf(1) / depth)
    if v0 == 1 or t == 0:
        return a0 + 0 * t
    target = G(v0) + t / _time_scale(pi, lam, tau, depth)
    # w = -ln|1 - v| grows with t on either side of v = 1, G(v(w)) increases with w on either side,
    # and near v = 1 it is nearly linear in w, with dG/dw = 1 / (v^(L-1) (1 + v + ... + v^(L-1))).
    side = 1 if v0 < 1 else -1
    v_of = lambda w: 1 - side * mpmath.exp(-w)  # noqa: E731
    f = lambda w: G(v_of(w)) - target  # noqa: E731
    df = lambda w: 1 / (v_of(w) ** (depth - 1) * sum(v_of(w) ** k for k in range(depth)))  # noqa: E731
    w0 = -mpmath.log(abs(1 - v0))
    w = _float_start(pi, lam, a0, t, tau, depth)
    if w is None:  # no float64 start: bracket and bisect
        w_hi = w0 + 1
        while v_of(w_hi) != 1 and f(w_hi) < 0:
            w_hi = w0 + 2 * (w_hi - w0)
        lo, hi = w0, w_hi
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if v_of(mid) != 1 and f(mid) < 0 else (lo, mid)
        w = (lo + hi) / 2
    eps, dps = +mpmath.eps, mpmath.mp.dps  # of the working precision (mpmath.eps follows the context)
    # Newton runs with guard bits: the rounding of G(v) - target moves v by v^(L-1) |v^L - 1| times as much
    # (dv/dG = e^(-w) / (dG/dw)), which far above a* (v >= 2) is more than the 4 eps asked for below
    with mpmath.workprec(mpmath.mp.prec + _GUARD_BITS):
        for _ in range(60):
            if v_of(w) == 1:  # a = a* to the working precision
                break
            step = f(w) / df(w)
            w -= step
            if abs(step) * mpmath.exp(-w) <= 4 * eps:  # v = 1 -+ e^(-w) resolved to the working precision
                break
        else:
            raise PrecisionError(f"Newton inversion of t(a) at depth {depth} did not converge at {dps} digits")
    v = v_of(w)
    return star * v ** depth


def elapsed(pi: float, lam: float, a0: float, a: float, tau: float, depth: int) -> float:
    """Time for a depth-L mode to go from ``a0`` to ``a`` (same side of ``a*``): ``T (G(v) - G(v0))``, float64."""
    G, _ = _compiled(check_depth(depth), "numpy")
    star = pi / lam
    return float(_time_scale(pi, lam, tau, depth) * (G((a / star) ** (1 / depth)) - G((a0 / star) ** (1 / depth))))


def steps_to_converge(pi: float, lam: float, a0: float, lr: float, depth: int, delta: float) -> int:
    """Steps until a depth-L mode from ``a0`` is within relative ``delta`` of ``a*`` (``tau = 1/lr``).

    The implicit solution gives the time exactly: ``t(a*(1 -+ delta))`` from ``a0``
    (growth from below, decay from above), rounded up.
    """
    star = pi / lam
    if abs(a0 - star) <= delta * star:
        return 0
    target = star * (1 - delta) if a0 < star else star * (1 + delta)
    return int(math.ceil(elapsed(pi, lam, a0, target, 1.0 / lr, depth)))


def _float_start(pi: Any, lam: Any, a0: Any, t: Any, tau: Any, depth: int) -> Any:
    """``w = -ln|1 - v|`` of the float64 inversion, as a Newton start (None when float64 cannot give one)."""
    try:
        a = float(strengths(float(pi), float(lam), float(a0), np.array([float(t)]), float(tau), depth)[0])
    except PrecisionError:
        return None
    gap = abs(1 - (a * float(lam) / float(pi)) ** (1 / depth))
    return mpmath.mpf(-math.log(gap)) if 0 < gap < 1 and math.isfinite(gap) else None


def half_time(pi: float, lam: float, a0: float, tau: float, depth: int) -> float:
    """Time for a depth-L mode to reach ``a*/2`` from ``a0 < a*/2`` (the derived closed form, float64)."""
    dyn = depth_dynamics(check_depth(depth))
    return float(compile_expr(dyn.half_time, (s.pi_m, s.lam_m, s.a0, s.tau))(pi, lam, a0, tau))


@dataclass(frozen=True)
class DepthCheck:
    """One residual of the depth-L certificate (relative)."""

    what: str
    residual: float


def elapsed_checks(pi: Any, lam: Any, depth: int, integrand: Any, rhs: Any,
                   a0s: tuple[Any, ...] = (), times: tuple[Any, ...] = ()) -> list[DepthCheck]:
    """Certify the implicit solution of one mode at the working mpmath precision, against given formulas.

    ``integrand(a, pi, lam)`` and ``rhs(a, pi, lam)`` are compiled formulas to
    compare with (a claim passes its stated ones). For each ``a0`` (default
    ``a*/10`` and ``3 a*``, growth and decay) and each time (in units of
    ``T = tau a*^(2/L-1)/pi``, default 1/4 and 1): (1) the derived closed form
    ``t(a)`` at the strength reached equals ``mpmath.quad`` of ``integrand``
    from ``a0``; (2) the inverted ``a(t)`` solves ``tau a' = rhs(a)``
    (numerical derivative, relative to ``pi a*``). ``tau = 1``.
    """
    depth = check_depth(depth)
    dyn = depth_dynamics(depth)
    star = pi / lam
    closed = compile_expr(dyn.elapsed, (s.a_m, s.pi_m, s.lam_m, s.a0, s.tau), "mpmath")
    unit = _time_scale(pi, lam, mpmath.mpf(1), depth)
    out = []
    for a0 in a0s or (star / 10, 3 * star):
        for frac in times or (mpmath.mpf(1) / 4, 1):
            tt = unit * frac
            a = mp_strength(pi, lam, a0, tt, 1, depth)
            quad = mpmath.quad(lambda x: integrand(x, pi, lam), [a0, a])
            where = f"L={depth}, a0/a*={float(a0 / star):.3g}, t={float(frac):g} T"
            out.append(DepthCheck(f"t(a) = tau * quad of the integrand ({where})",
                                  float(abs(closed(a, pi, lam, a0, 1) - quad) / max(abs(quad), 1))))
            slope = mpmath.diff(lambda x: mp_strength(pi, lam, a0, x, 1, depth), tt)
            out.append(DepthCheck(f"tau a' = rhs(a) of the inverted a(t) ({where})",
                                  float(abs(slope - rhs(a, pi, lam)) / (pi * star))))
    return out


# --------------------------------------------------------------------------- gradient descent vs flow


@lru_cache(maxsize=None)
def _error_profile(depth: int) -> Any:
    """``|da| / (eta pi a*^(2-2/L))`` as a function of ``(v, v0)``: ``L v^(L-1) |e| / h`` from the derived e."""
    e, _ = euler_global_error()
    profile = sp.Abs(L_depth * v_m ** (L_depth - 1) * e / h_m).xreplace({L_depth: depth})
    return compile_expr(profile, (v_m, v0_m))


def euler_constant(x0: float, depth: int) -> float:
    """``C_L(x0) = sup_v (L/2) v^(L-1) f(v) |ln(f(v)/f(v0))|``, ``f = v^(L-1)(1 - v^L)``, ``v0 = x0^(1/L)``.

    Gradient descent from spectral initialization is forward Euler in
    ``v = (a/a*)^(1/L)`` with step ``h = eta pi a*^(1-2/L)``; its first-order
    global error ``e`` (:func:`theory.dynamics.euler_global_error`) becomes
    ``|a_GD - a(t)| = L a* v^(L-1) |e| <= C_L(x0) eta pi a*^(2-2/L)``. The sup
    is over the trajectory, ``v`` between ``v0`` and 1, taken on 20001 points
    uniform in ``logit(v^L)`` (smooth, one interior maximum: grid error
    relative O(step^2) < 1e-6). For L = 2 this is ``numeric.simulate``'s
    ``euler_error_constant``.
    """
    depth = check_depth(depth)
    if not (isinstance(x0, (int, float)) and math.isfinite(x0) and x0 > 0):
        raise ValueError(f"x0 must be a finite number > 0; got {x0!r}")
    if x0 == 1.0:
        return 0.0
    fn = _error_profile(depth)
    if x0 < 1:
        z = np.linspace(math.log(x0 / (1 - x0)), 40.0, 20001)
        x = 1.0 / (1.0 + np.exp(-z))
    else:
        x = np.linspace(x0, 1.0, 20001)[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = fn(x ** (1.0 / depth), x0 ** (1.0 / depth))
    return float(np.nanmax(vals))


def euler_bound(pi: float, lam: float, a0: float, lr: float, depth: int) -> float:
    """Largest ``|a_GD - a(t)|`` of a depth-L mode: ``C_L(x0) eta pi a*^(2-2/L) (1 + L h)``.

    ``h = eta pi a*^(1-2/L)`` is the Euler step in ``v``; ``L h`` is its
    contraction per step at the fixed point (``f'(1) = -L``), the expansion
    parameter that bounds the O(h^2) remainder (for L = 2: ``1 + 2 pi eta``,
    as in ``numeric.tolerances.deep_euler_bound``).
    """
    star = pi / lam
    h = lr * pi * star ** (1 - 2 / depth)
    return euler_constant(a0 / star, depth) * lr * pi * star ** (2 - 2 / depth) * (1 + depth * h)


def ordering_threshold(depth: int) -> float:
    """The ``x0 = a0/a*`` below which ``d t_half / d pi < 0`` at fixed ``lambda, a0`` (depth L >= 2).

    ``t_half = tau a0^(2/L-2)/lambda H(x0)`` with ``x0 = lambda a0 / pi``
    (:attr:`theory.dynamics.DepthDynamics.half_time_profile`), and ``x0``
    falls as ``pi`` grows, so larger ``pi`` is learned first exactly where
    ``H'(x0) > 0``. ``H'`` is positive near 0 and has one root in
    ``(0, 1/2)`` (checked on a grid), found by ``mpmath.findroot`` at 30 digits.
    For L = 2 it is ``1/(1 + 3.59...)`` = 0.218.
    """
    depth = check_depth(depth)
    dyn = depth_dynamics(depth)
    dH = compile_expr(sp.diff(dyn.half_time_profile, x0_m), (x0_m,), "mpmath")
    with mpmath.workdps(30):
        grid = [mpmath.mpf(i) / 200 for i in range(1, 100)]
        signs = [dH(x) > 0 for x in grid]
        changes = [i for i in range(1, len(signs)) if signs[i] != signs[i - 1]]
        if not signs[0] or len(changes) != 1:
            raise ArithmeticError(f"H' at depth {depth} does not change sign exactly once on (0, 1/2)")
        i = changes[0]
        return float(mpmath.findroot(dH, (grid[i - 1], grid[i]), solver="anderson"))
