"""T8 Compositional structure is learned first (docs/theory.md section 5): half-learning times and mode ordering."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import compile_expr
from numeric.certify import Check
from numeric.certify_dynamics import SOLUTION_ARGS, mode_parameters, rel
from numeric.matrices import evaluate
from numeric.simcheck import A0, MAX_STEPS, SimCheck, learning_rate, present_modes, run
from numeric.simulate import euler_error_constant
from proofs.claims.common import GENERIC, k2, r
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare, positive
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.dynamics import half_time_condition, mode_dynamics
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: The deep half time, its existence condition, and the gaps that order the modes.
STATED: dict[str, sp.Expr] = {
    "deep half time": (s.tau / (2 * s.pi_m)) * sp.log(s.pi_m / (s.lam_m * s.a0) - 1),
    "half time exists below a0": s.pi_m / (2 * s.lam_m),
    "small-a0 rate": s.tau / (2 * s.pi_m),
}
#: The ordering is stated for r > 0, k2 > 0 (the modes it orders exist and differ).
GIVEN = (r, k2)


def prove(stated: Stated) -> Proof:
    """Half times, mode ordering, and the speed-up of the compositional mode by sharing."""
    dyn = mode_dynamics(True)
    pi1, pi2, pi3 = (derive_module_spectrum().mode(c).singular_value for c in ("pi1", "pi2", "pi3"))
    omega = derive_module_spectrum(ARCHITECTURES["split"].modules[0]).mode("pi1").singular_value
    ratio = sp.limit(dyn.half_time / sp.log(1 / s.a0), s.a0, 0, "+")
    cond = half_time_condition(True)
    cmp = [
        compare("deep half time", dyn.half_time, stated["deep half time"]),
        compare("a(t_half) = a*/2", dyn.solution.subs(s.t, dyn.half_time) - dyn.fixed_point / 2, 0),
        Comparison(f"half time exists iff {cond}", sp.Integer(0), sp.Integer(0),
                   sp.simplify(cond.rhs - stated["half time exists below a0"]) == 0 and cond.lhs == s.a0),
        compare("t_half / ln(1/a0) -> tau/(2 pi) as a0 -> 0, so larger pi is learned first", ratio,
                stated["small-a0 rate"]),
    ]
    cmp += [
        positive("for positive r and k2: derived pi1^2 - pi2^2", pi1**2 - pi2**2, GIVEN),
        positive("for positive r and k2: derived pi2^2 - pi3^2", pi2**2 - pi3**2, GIVEN),
        positive("sharing speeds up the compositional mode, for positive r and k2: "
                 "derived pi1^2 - (split Omega value)^2",
                 pi1**2 - omega**2, GIVEN),
    ]
    d = dyn.derivation.then("Limit of t_half / ln(1/a0) as a0 -> 0", ratio).then(
        "For fixed lambda and a0, d t_half / d pi < 0 only when pi/(lambda a0) - 1 > 3.59 "
        "(a0 < 0.218 a*): the ordering is a small-initialization statement")
    return Proof(tuple(cmp), d)


_HALF_ARGS = (s.pi_m, s.lam_m, s.a0, s.tau)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The stated half time is when the derived a(t) reaches a*/2; larger pi is learned earlier at small a0.

    Per present dense mode, at ``dps`` digits: a(t_half) = a*/2 from a0 = a*/10; the stated existence
    bound equals a*/2; d t_half / d ln(1/a0) tends to the stated rate (checked at a0 = 1e-60, where it
    is within a relative 2 a0 / a*). Distinct singular values are ordered in t_half at a0 = 1e-30, and pi1
    exceeds the split Omega module's value whenever r, k2, n2 > 0.
    """
    checks = []
    params = mode_parameters(d, "dense")
    half = compile_expr(stated["deep half time"], _HALF_ARGS, "mpmath")
    bound = compile_expr(stated["half time exists below a0"], (s.pi_m, s.lam_m), "mpmath")
    rate = compile_expr(stated["small-a0 rate"], (s.pi_m, s.tau), "mpmath")
    for deep, mode, pi, lam in params:
        solution = compile_expr(mode_dynamics(deep).solution, SOLUTION_ARGS, "mpmath")
        star = pi / lam
        a0 = star / 10
        at = solution(pi, lam, a0, half(pi, lam, a0, 1), 1)
        checks.append(Check(d, f"a(t_half) = a*/2 ({mode.name})", rel(at - star / 2, star)))
        checks.append(Check(d, f"stated half-time bound = a*/2 ({mode.name})", rel(bound(pi, lam) - star / 2, star)))
        # At a0 the slope is the limit times 1/(1 - lambda a0/pi): within 2 a0/a* of it for a0 < a*/2.
        slope = mpmath.diff(lambda x: half(pi, lam, mpmath.exp(-x), 1), 60 * mpmath.log(10))
        excess = rel(slope - rate(pi, 1), rate(pi, 1)) - float(2 * mpmath.mpf(10) ** -60 / star)
        checks.append(Check(d, f"d t_half / d ln(1/a0) -> stated rate ({mode.name})", max(excess, 0.0)))
    # Small-a0 ordering: t_half ~ (tau / 2 pi) ln(1/a0), so distinct pi are ordered for a0 -> 0.
    a0 = mpmath.mpf(10) ** -30
    times = sorted(((pi, half(pi, lam, a0, 1), mode.name) for _, mode, pi, lam in params), key=lambda x: -x[0])
    for (p1, t1, m1), (p2, t2, m2) in zip(times, times[1:]):
        if p1 > p2:
            checks.append(Check(d, f"t_half({m1}) < t_half({m2}) at a0 = 1e-30", float(not t1 < t2)))
    if d.k2 > 0 and d.r > 0 and d.n2 > 0:
        omega = derive_module_spectrum(ARCHITECTURES["split"].modules[0]).mode("pi1")
        pi1 = evaluate(derive_module_spectrum().mode("pi1").singular_value, d, "mpmath")
        checks.append(Check(d, "pi1 > split Omega singular value",
                            float(not pi1 > evaluate(omega.singular_value, d, "mpmath"))))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """The simulated half-learning times match the stated t_half within the Euler shift of the crossing.

    Near a = a*/2 a deep mode grows by pi a* eta / 2 per step, so an Euler error
    of C eta pi a* moves the crossing by at most 2 C steps (plus one for the
    first checkpoint past it, plus the O(eta^2) factor).
    """
    lr = learning_rate(d, "dense")
    modes = present_modes(d, "dense")
    if not modes:
        return []
    half = compile_expr(stated["deep half time"], _HALF_ARGS)
    theory = {name: float(half(pi, lam, A0, 1.0 / lr)) for name, (pi, lam, _) in modes.items()}
    steps = min(int(math.ceil(max(theory.values()))) + 10, MAX_STEPS)
    res = run(d, "dense", steps, 1)
    out = []
    for name, (pi, lam, _) in modes.items():
        star = pi / lam
        crossed = np.nonzero(res.modes[name][0] >= star / 2)[0]
        t_sim = float(res.t[crossed[0]]) if crossed.size else math.inf
        tol = 2 * euler_error_constant(A0 / star) * (1 + 2 * pi * lr) + 1
        out.append(SimCheck(d, f"simulated t_half of {name} vs theory (steps)", abs(t_sim - theory[name]), tol))
    return out


THEOREM = Theorem(
    "T8", "Compositional structure is learned first",
    "The deep half-learning time is t_half = (tau/(2 pi)) ln(pi/(lambda a0) - 1) for a0 < a*/2; as a0 -> 0 "
    "larger pi is learned earlier (pi1 > pi2 > pi3), and pi1 exceeds the split Omega module's value",
    ("a0 < a*/2 for the half time to exist", "ordering by pi holds for small a0: for fixed lambda it needs "
     "a0 < 0.218 a* (d t_half / d pi < 0 iff pi/(lambda a0) - 1 > 3.59)", GENERIC),
    STATED, prove, certify, simulate=simulate,
)
