"""T3 Learning dynamics (docs/theory.md section 3): mode ODEs, closed-form solutions, fixed points, O(eta) tracking."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import Compiled, compile_expr
from numeric.certify import Check
from numeric.certify_dynamics import SOLUTION_ARGS, TIMES, mode_parameters, rel
from numeric.simcheck import A0, MAX_STEPS, SimCheck, learning_rate, present_modes, run, size
from numeric.tolerances import two_layer_euler_bound, rounding, one_layer_euler_bound
from numeric.matrices import evaluate
from proofs.claims.common import GENERIC, P, k1, k2, r
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.dynamics import mode_dynamics
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

_pi, _lam, _a, _a0, _t, _tau = s.pi_m, s.lam_m, s.a_m, s.a0, s.t, s.tau
#: Mode ODEs, their solutions (generic mode symbols) and the dense fixed points a* = pi/lambda.
STATED: dict[str, sp.Expr] = {
    "deep rhs": 2 * _a * (_pi - _lam * _a),
    "shallow rhs": _pi - _lam * _a,
    "deep solution": (_pi / _lam) / (1 - (1 - _pi / (_lam * _a0)) * sp.exp(-2 * _pi * _t / _tau)),
    "shallow solution": (_pi / _lam) * (1 - sp.exp(-_lam * _t / _tau)) + _a0 * sp.exp(-_lam * _t / _tau),
    "fixed point": _pi / _lam,
    "a1*": sp.sqrt((P + k2 * r**2) / (P + k1 * r**2)),
    "a2*": r * sp.sqrt(k2 / (P + k1 * r**2)),
    "a3*": sp.sqrt(k2 / k1),
}
_FIXED = {"pi1": "a1*", "pi2": "a2*", "pi3": "a3*"}
#: The two module depths of docs/theory.md section 3, by the architecture that uses each.
_DEPTHS = (("dense", True, "deep"), ("shallow", False, "shallow"))


def prove(stated: Stated) -> Proof:
    """Mode ODEs, their solutions and fixed points, for both depths."""
    cmp = []
    d = Derivation("Learning dynamics")
    for _, deep, name in _DEPTHS:
        dyn = mode_dynamics(deep)
        cmp.append(compare(f"{name} mode ODE tau da/dt", dyn.rhs, stated[f"{name} rhs"]))
        cmp.append(compare(f"{name} solution a(t)", dyn.solution, stated[f"{name} solution"]))
        cmp.append(compare(f"{name} fixed point", dyn.fixed_point, stated["fixed point"]))
        cmp.append(Comparison(f"{name} fixed point attracts ({dyn.stability} < 0)", dyn.stability, sp.Integer(0),
                              bool(dyn.stability.is_negative)))
        d = d.extend(dyn.derivation)
    for m in derive_module_spectrum().modes:
        cmp.append(compare(f"fixed point of {m.name} = pi/lambda", m.fixed_point, stated[_FIXED[m.name]]))
    return Proof(tuple(cmp), d.then("Fixed points a* = pi/lambda of the dense modes compared with docs/theory.md"))


def _compiled(stated: Stated, key: str, args: tuple) -> Compiled:
    return compile_expr(stated[key], args, "mpmath")


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The stated closed forms solve the stated mode ODEs, start at a0 and tend to the stated fixed points.

    Checked at ``dps`` digits on every present mode of the dense (two-layer) and shallow (one-layer)
    networks of ``d``, from below and above the fixed point; the dense fixed points a1*, a2*, a3* of
    docs/theory.md must equal pi/lambda of the concrete modes.
    """
    checks = []
    for arch, _, name in _DEPTHS:
        sol = _compiled(stated, f"{name} solution", SOLUTION_ARGS)
        rhs = _compiled(stated, f"{name} rhs", (s.a_m, s.pi_m, s.lam_m))
        fixed = _compiled(stated, "fixed point", (s.pi_m, s.lam_m))
        for _, mode, pi, lam in mode_parameters(d, arch):
            star = pi / lam
            scale = pi * star  # size of tau da/dt along the way
            checks.append(Check(d, f"stated fixed point = pi/lambda ({arch} {mode.name})",
                                rel(fixed(pi, lam) - star, star)))
            for a0 in (star / 10, 3 * star):  # below and above the fixed point
                for frac in TIMES:
                    tt = mpmath.mpf(frac.numerator) / frac.denominator
                    slope = mpmath.diff(lambda x: sol(pi, lam, a0, x, 1), tt)
                    checks.append(Check(d, f"tau a' = rhs(a) ({arch} {mode.name}, t={tt})",
                                        rel(slope - rhs(sol(pi, lam, a0, tt, 1), pi, lam), scale)))
                checks.append(Check(d, f"a(0) = a0 ({arch} {mode.name})", rel(sol(pi, lam, a0, 0, 1) - a0, a0)))
                late = sol(pi, lam, a0, mpmath.mpf(10) ** 4 / min(pi, lam), 1)
                checks.append(Check(d, f"a(oo) = pi/lambda ({arch} {mode.name})", rel(late - star, star)))
    for _, mode, pi, lam in mode_parameters(d, "dense"):
        value = evaluate(stated[_FIXED[mode.name]], d, "mpmath")
        checks.append(Check(d, f"stated {_FIXED[mode.name]} = pi/lambda of {mode.name}", rel(value - pi / lam, pi / lam)))
    return checks


def _stated_trajectory(stated: Stated, name: str, pi: float, lam: float, lr: float, steps: int) -> np.ndarray:
    """The stated a(t) at every step t = 0..steps (tau = 1/lr), shape (steps + 1,)."""
    fn = compile_expr(stated[f"{name} solution"], SOLUTION_ARGS)
    t = np.arange(steps + 1, dtype=float)
    return np.broadcast_to(np.asarray(fn(pi, lam, A0, t, 1.0 / lr), dtype=float), t.shape)


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Every mode of the dense and shallow networks follows the stated a(t) within the derived Euler bound."""
    out = []
    for arch, _, depth in _DEPTHS:
        lr, modes = learning_rate(d, arch), present_modes(d, arch)
        if not modes:
            continue
        pi_max = max(p for p, _, _ in modes.values())
        x0_min = min(A0 * lam / pi for pi, lam, _ in modes.values())
        steps = min(int(math.ceil((math.log(1 / x0_min) + 6) / (2 * pi_max * lr))), MAX_STEPS)
        res = run(d, arch, steps, 1)
        for name, (pi, lam, deep) in modes.items():
            theory = _stated_trajectory(stated, depth, pi, lam, lr, steps)
            err = float(np.max(np.abs(res.modes[name][0] - theory)))
            bound = two_layer_euler_bound(pi, lam, A0, lr) if deep else one_layer_euler_bound(pi, lam, A0, lr)
            tol = bound + rounding(size(d), steps) * max(pi / lam, 1.0)
            out.append(SimCheck(d, f"|a_GD - a(t)| of {arch} {name}, eta={lr:.3g}", err, tol))
    return out


THEOREM = Theorem(
    "T3", "Learning dynamics",
    "From spectral initialization W2 W1 = U diag(a(t)) V^T with tau a' = 2 a (pi - lambda a) (deep) or "
    "tau a' = pi - lambda a (shallow), solved by the closed forms of docs/theory.md section 3, with attracting "
    "fixed points a* = pi/lambda; gradient descent follows them with error O(eta)",
    ("gradient flow with tau = 1/eta; balanced spectral initialization a0 > 0 on modes with pi > 0", GENERIC),
    STATED, prove, certify, simulate=simulate,
)
