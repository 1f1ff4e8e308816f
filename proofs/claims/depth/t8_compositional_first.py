"""T8 restated for modules of L layers (docs/theory.md section 8); the L = 2 claim is
:mod:`proofs.claims.t8_compositional_first`, whose statement, proof and checks this module reuses."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import compile_expr
from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters, rel
from numeric.depth import euler_constant, mp_strength, ordering_threshold
from numeric.depth import half_time as depth_half_time
from numeric.simcheck import A0, MAX_STEPS, SimCheck, learning_rate, present_modes, run
from proofs.claims.common import GENERIC, stated_at_depth
from proofs.claims.t8_compositional_first import GIVEN, _HALF_ARGS
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare, positive
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.dynamics import L_depth, check_depth, depth_dynamics, small_init_growth
from theory.spectrum import derive_module_spectrum

__all__ = ["RESTATES", "at_depth"]

#: The id of the L = 2 claim this module restates.
RESTATES = "T8"

#: docs/theory.md section 8: from small a0 the time to learn grows like a0^(-(1 - 2/L)) (L >= 3).
STATED_DEPTH: dict[str, sp.Expr] = {
    "growth": s.a0 ** (-(1 - 2 / L_depth)),
    "half time exists below a0": s.pi_m / (2 * s.lam_m),
}


def prove_at_depth(stated: Stated, depth: int) -> Proof:
    """t_half grows like the stated power of 1/a0; its coefficient tau/((L-2) pi) orders the modes by pi."""
    dyn = depth_dynamics(depth)
    at = stated_at_depth(stated, depth)
    growth, limit = dyn.small_init
    general, general_d = small_init_growth()
    pi1, pi2, pi3 = (derive_module_spectrum().mode(c).singular_value for c in ("pi1", "pi2", "pi3"))
    omega = derive_module_spectrum(ARCHITECTURES["split"].modules[0]).mode("pi1").singular_value
    slope = sp.diff(limit, s.pi_m)
    cmp = [
        compare(f"growth of t_half as a0 -> 0 at L = {depth}", growth, at["growth"]),
        compare(f"lim t_half * a0^((L-2)/L) at L = {depth} equals the symbolic-L limit", limit,
                general.xreplace({L_depth: depth})),
        Comparison(f"the limit {limit} is positive and decreases with pi ({slope} < 0): larger pi is learned first",
                   slope, sp.Integer(0), bool(limit.is_positive and slope.is_negative)),
        compare("half time t(a*/2) reaches a*/2 (the half time exists for a0 < a*/2)",
                dyn.fixed_point / 2, at["half time exists below a0"]),
        positive("derived pi1^2 - pi2^2 for r, k2 > 0", pi1**2 - pi2**2, GIVEN),
        positive("derived pi2^2 - pi3^2 for r, k2 > 0", pi2**2 - pi3**2, GIVEN),
        positive("derived pi1^2 - (split Omega value)^2 for r, k2 > 0", pi1**2 - omega**2, GIVEN),
    ]
    threshold = ordering_threshold(depth)
    d = Derivation(f"Compositional structure first at depth {depth}").extend(dyn.derivation).extend(general_d).then(
        f"For fixed lambda and a0, d t_half / d pi < 0 iff a0/a* < {threshold:.4g} (root of H'(x0), "
        "numeric.depth.ordering_threshold): the ordering is a small-initialization statement")
    return Proof(tuple(cmp), d)


def certify_at_depth(d: Dataset, stated: Stated, depth: int) -> list[Check]:
    """a(t_half) = a*/2 on the inverted solution; t_half / growth(a0) -> its limit; small-a0 ordering by pi."""
    dyn = depth_dynamics(depth)
    at = stated_at_depth(stated, depth)
    half = compile_expr(dyn.half_time, _HALF_ARGS, "mpmath")
    growth = compile_expr(at["growth"], (s.a0,), "mpmath")
    limit = compile_expr(dyn.small_init[1], (s.pi_m, s.lam_m, s.tau), "mpmath")
    params = mode_parameters(d, "dense")
    # a0^((L-2)/L) = 1e-45: the next terms of t_half * a0^((L-2)/L) are that small relative to the limit.
    tiny = mpmath.mpf(10) ** (-mpmath.mpf(45) * depth / (depth - 2))
    checks = []
    for _, mode, pi, lam in params:
        star = pi / lam
        th = half(pi, lam, star / 10, 1)
        checks.append(Check(d, f"a(t_half) = a*/2 at L = {depth} ({mode.name})",
                            rel(mp_strength(pi, lam, star / 10, th, 1, depth) - star / 2, star)))
        lim = limit(pi, lam, 1)
        checks.append(Check(d, f"t_half / stated growth(a0) -> tau/((L-2) pi) at L = {depth} ({mode.name})",
                            rel(half(pi, lam, tiny, 1) / growth(tiny) - lim, lim)))
    times = sorted(((pi, half(pi, lam, mpmath.mpf(10) ** -30, 1), mode.name) for _, mode, pi, lam in params),
                   key=lambda x: -x[0])
    for (p1, t1, m1), (p2, t2, m2) in zip(times, times[1:]):
        if p1 > p2:
            checks.append(Check(d, f"t_half({m1}) < t_half({m2}) at a0 = 1e-30, L = {depth}", float(not t1 < t2)))
    return checks


def simulate_at_depth(d: Dataset, stated: Stated, depth: int) -> list[SimCheck]:
    """Simulated half times of the depth-L dense network match t_half within the Euler shift of the crossing.

    Near a = a*/2 a depth-L mode grows by ``eta L (a*/2)^(2-2/L) pi/2`` per step, so
    an error of ``C_L eta pi a*^(2-2/L)`` moves the crossing by ``2^(3-2/L) C_L / L``
    steps (times the O(eta^2) factor ``1 + L h``), plus one for the checkpoint.
    """
    lr = learning_rate(d, "dense", depth)
    modes = present_modes(d, "dense")
    if not modes:
        return []
    theory = {name: depth_half_time(pi, lam, A0, 1.0 / lr, depth) for name, (pi, lam, _) in modes.items()}
    steps = min(int(math.ceil(max(theory.values()))) + 10, MAX_STEPS)
    res = run(d, "dense", steps, 1, depth)
    out = []
    for name, (pi, lam, _) in modes.items():
        star = pi / lam
        crossed = np.nonzero(res.modes[name][0] >= star / 2)[0]
        t_sim = float(res.t[crossed[0]]) if crossed.size else math.inf
        h = lr * pi * star ** (1 - 2 / depth)
        tol = 2 ** (3 - 2 / depth) * euler_constant(A0 / star, depth) / depth * (1 + depth * h) + 1
        out.append(SimCheck(d, f"simulated t_half of {name} at L={depth} vs theory (steps)", abs(t_sim - theory[name]), tol))
    return out


def at_depth(depth: int) -> Theorem:
    """T8 restated for modules of ``depth >= 3`` layers (docs/theory.md section 8)."""
    depth = check_depth(depth)
    if depth < 3:
        raise ValueError(f"depth must be an integer >= 3 for the depth-L form of T8 (L <= 2 is T8 itself); got {depth}")
    return Theorem(
        "T8", f"Compositional structure first (L = {depth})",
        f"At depth {depth} the half-learning time t(a*/2) grows like a0^(-(1 - 2/L)) as a0 -> 0 (not like "
        "ln(1/a0)), with t_half a0^((L-2)/L) -> tau/((L-2) pi): larger pi is learned earlier (pi1 > pi2 > pi3), "
        "and pi1 exceeds the split Omega module's value",
        ("a0 < a*/2 for the half time to exist", "the ordering by pi is a small-a0 statement (threshold on a0/a* "
         "derived per depth)", GENERIC),
        STATED_DEPTH,
        lambda stated: prove_at_depth(stated, depth),
        lambda d, stated: certify_at_depth(d, stated, depth),
        simulate=lambda d, stated: simulate_at_depth(d, stated, depth),
    )
