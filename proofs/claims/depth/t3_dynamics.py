"""T3 restated for modules of L layers (docs/theory.md section 8); the L = 2 claim is
:mod:`proofs.claims.t3_dynamics`, whose statement, proof and checks this module reuses."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters, rel
from numeric.depth import elapsed_checks, euler_bound, half_time, mp_strength, strengths
from numeric.simcheck import A0, MAX_STEPS, SimCheck, learning_rate, present_modes, run, size
from numeric.tolerances import rounding
from proofs.claims.common import GENERIC, stated_at_depth
from proofs.claims.t3_dynamics import _a, _a0, _compiled, _lam, _pi, _tau
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.dataset import Dataset
from theory.dynamics import L_depth, check_depth, depth_dynamics, depth_ode, v_m

__all__ = ["RESTATES", "at_depth"]

#: The id of the L = 2 claim this module restates.
RESTATES = "T3"

_L = L_depth
#: docs/theory.md section 8: the mode ODE of an L-layer module, the integrand of its implicit solution
#: (t(a) = tau * integral from a0 to a), and the fixed point.
STATED_DEPTH: dict[str, sp.Expr] = {
    "depth rhs": _L * _a ** (2 - 2 / _L) * (_pi - _lam * _a),
    "depth integrand": 1 / (_L * _a ** (2 - 2 / _L) * (_pi - _lam * _a)),
    "fixed point": _pi / _lam,
}
#: Architecture whose modes the depth restatements follow (every module gets the depth).
DEPTH_ARCH = "dense"


def prove_at_depth(stated: Stated, depth: int) -> Proof:
    """The mode ODE for symbolic L and at L = depth, its fixed point, and the implicit solution."""
    general, d = depth_ode()
    dyn = depth_dynamics(depth)
    at = stated_at_depth(stated, depth)
    below = {_a: _pi / _lam * v_m ** depth}  # a < a*: v in (0, 1)
    solves = (sp.diff(dyn.growth, _a) * at["depth rhs"] / _tau - 1).xreplace(below)
    integral = (sp.diff(dyn.growth, _a) / (_tau * at["depth integrand"]) - 1).xreplace(below)
    cmp = [
        compare("mode ODE tau da/dt for symbolic L", general, stated["depth rhs"]),
        compare(f"mode ODE at L = {depth}", dyn.rhs, at["depth rhs"]),
        compare(f"fixed point at L = {depth}", dyn.fixed_point, at["fixed point"]),
        Comparison(f"fixed point attracts ({dyn.stability} < 0)", dyn.stability, sp.Integer(0),
                   bool(dyn.stability.is_negative)),
        compare("implicit solution: tau / (dt/da) = stated rhs on 0 < a < a*", solves, 0),
        compare("implicit solution: dt/da = tau * stated integrand on 0 < a < a*", integral, 0),
        compare("implicit solution: t(a0) = 0", dyn.elapsed.xreplace({_a: _a0}), 0),
    ]
    return Proof(tuple(cmp), d.extend(dyn.derivation))


def certify_at_depth(d: Dataset, stated: Stated, depth: int) -> list[Check]:
    """The derived t(a) equals tau * quad of the stated integrand; the inverted a(t) solves the stated ODE.

    At ``dps`` digits, on every present mode of the depth-L dense network, from below and above a*;
    the stated fixed point equals pi/lambda and the inverted a(t) tends to it.
    """
    at = stated_at_depth(stated, depth)
    integrand = _compiled(at, "depth integrand", (s.a_m, s.pi_m, s.lam_m))
    rhs = _compiled(at, "depth rhs", (s.a_m, s.pi_m, s.lam_m))
    fixed = _compiled(at, "fixed point", (s.pi_m, s.lam_m))
    checks = []
    for _, mode, pi, lam in mode_parameters(d, DEPTH_ARCH):
        star = pi / lam
        checks.append(Check(d, f"stated fixed point = pi/lambda ({mode.name})", rel(fixed(pi, lam) - star, star)))
        checks += [Check(d, f"{c.what} ({mode.name})", c.residual) for c in elapsed_checks(pi, lam, depth, integrand, rhs)]
        late = mp_strength(pi, lam, star / 10, 10 ** 4 / min(pi, lam), 1, depth)
        checks.append(Check(d, f"a(oo) = pi/lambda at L = {depth} ({mode.name})", rel(late - star, star)))
    return checks


def simulate_at_depth(d: Dataset, stated: Stated, depth: int) -> list[SimCheck]:
    """Every mode of the depth-L dense network follows the derived a(t) within the derived Euler bound."""
    lr, modes = learning_rate(d, DEPTH_ARCH, depth), present_modes(d, DEPTH_ARCH)
    if not modes:
        return []
    steps = min(max(int(math.ceil(3 * half_time(pi, lam, A0, 1 / lr, depth))) for pi, lam, _ in modes.values()),
                MAX_STEPS)
    res = run(d, DEPTH_ARCH, steps, 1, depth)
    out = []
    for name, (pi, lam, _) in modes.items():
        theory = strengths(pi, lam, A0, res.t.astype(float), 1 / lr, depth)
        err = float(np.max(np.abs(res.modes[name][0] - theory)))
        tol = euler_bound(pi, lam, A0, lr, depth) + rounding(size(d), steps) * max(pi / lam, 1.0)
        out.append(SimCheck(d, f"|a_GD - a(t)| of {DEPTH_ARCH} {name} at L={depth}, eta={lr:.3g}", err, tol))
    return out


def at_depth(depth: int) -> Theorem:
    """T3 restated for modules of ``depth`` layers (docs/theory.md section 8)."""
    depth = check_depth(depth)
    return Theorem(
        "T3", f"Learning dynamics (L = {depth})",
        f"From balanced spectral initialization of {depth}-layer modules W_L ... W_1 = U diag(a(t)) V^T with "
        "tau a' = L a^(2-2/L) (pi - lambda a), solved implicitly by t(a) = tau * integral_{a0}^{a} da' / "
        "(L a'^(2-2/L) (pi - lambda a')), with attracting fixed points a* = pi/lambda; gradient descent "
        "follows it within its derived first-order Euler error",
        ("gradient flow with tau = 1/eta; balanced spectral initialization (every layer diag(a0^(1/L)))",
         "symbolic proof of the ODE for symbolic L, of the solution for this L", GENERIC),
        STATED_DEPTH,
        lambda stated: prove_at_depth(stated, depth),
        lambda d, stated: certify_at_depth(d, stated, depth),
        simulate=lambda d, stated: simulate_at_depth(d, stated, depth),
    )
