"""T9 restated for modules of L layers (docs/theory.md section 8); the L = 2 claim is
:mod:`proofs.claims.t9_least_squares`, whose statement, proof and checks this module reuses."""

from __future__ import annotations

import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters
from numeric.backends import compile_expr
from numeric.maps import least_squares_map
from numeric.depth import mp_strength
from numeric.simcheck import MAX_STEPS, SimCheck, converge_steps, converged, map_tolerance
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC
from proofs.claims.t9_least_squares import STATED, certify, prove
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.dynamics import check_depth, depth_dynamics

__all__ = ["RESTATES", "at_depth"]

#: The id of the L = 2 claim this module restates.
RESTATES = "T9"

def prove_at_depth(stated: Stated, depth: int) -> Proof:
    """At depth L each mode still converges to pi/lambda (attracting), so the converged maps are those of L = 2."""
    dyn = depth_dynamics(depth)
    base = prove(stated)
    cmp = [
        compare(f"converged strength at L = {depth} (fixed point of the depth-L ODE)", dyn.fixed_point,
                stated["converged strength"]),
        Comparison(f"it attracts at L = {depth} ({dyn.stability} < 0)", dyn.stability, sp.Integer(0),
                   bool(dyn.stability.is_negative)),
    ]
    d = Derivation(f"Converged maps at depth {depth}").extend(dyn.derivation).then(
        "The fixed point does not depend on L, so the converged map of every architecture is the one at L = 2")
    return Proof(tuple(cmp) + base.comparisons, d.extend(base.derivation))


def certify_at_depth(d: Dataset, stated: Stated, depth: int) -> list[Check]:
    """Depth-L trajectories tend to the stated converged strengths, whose maps are least squares."""
    fn = compile_expr(stated["converged strength"], (s.pi_m, s.lam_m), "mpmath")
    checks = list(certify(d, stated))
    for arch in ARCHITECTURES:
        for _, mode, pi, lam in mode_parameters(d, arch):
            star = fn(pi, lam)
            late = mp_strength(pi, lam, star / 10, 10 ** 4 / min(pi, lam), 1, depth)
            checks.append(Check(d, f"depth-{depth} a(oo) = stated converged strength ({arch} {mode.name})",
                                float(abs(late - star) / star)))
    return checks


def simulate_at_depth(d: Dataset, stated: Stated, depth: int) -> list[SimCheck]:
    """Every architecture with depth-L modules, trained, reaches its modules' least-squares map."""
    out = []
    for arch in ARCHITECTURES:
        if converge_steps(d, arch, depth) > MAX_STEPS:
            continue
        res = converged(d, arch, depth)
        target = least_squares_map(d, arch, "numpy")
        tol = map_tolerance(d, target, int(res.t[-1])) + 1e-12 * max(float(np.linalg.norm(target)), 1.0)
        gap = float(np.linalg.norm(res.final_map[0] - target))
        out.append(SimCheck(d, f"||W_{arch} - Y X^+|| after training at L={depth}", gap, tol))
    return out


def at_depth(depth: int) -> Theorem:
    """T9 restated for modules of ``depth`` layers (docs/theory.md section 8)."""
    depth = check_depth(depth)
    return Theorem(
        "T9", f"Converged maps are least squares (L = {depth})",
        f"With {depth}-layer modules the converged map of every architecture (dense, shallow, split, segregated) "
        "is still the minimum-norm least-squares map of each module's own inputs and outputs",
        ("balanced spectral initialization of every layer", GENERIC, DEGENERATE_SAMPLES),
        STATED,
        lambda stated: prove_at_depth(stated, depth),
        lambda d, stated: certify_at_depth(d, stated, depth),
        simulate=lambda d, stated: simulate_at_depth(d, stated, depth),
    )
