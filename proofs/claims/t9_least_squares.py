"""T9 Converged maps are least squares (docs/theory.md section 5), for every architecture."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters
from numeric.backends import compile_expr
from numeric.maps import fro, least_squares_map, spectral_map
from numeric.matrices import evaluate
from numeric.depth import mp_strength
from numeric.simcheck import MAX_STEPS, SimCheck, converge_steps, converged, map_tolerance
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps, least_squares_channel_maps
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.dynamics import check_depth, depth_dynamics
from theory.observables import derive_observables

__all__ = ["THEOREM", "STATED", "at_depth"]

#: The claim is an equality of two derived maps: converged minus least squares is zero.
STATED: dict[str, sp.Expr] = {
    "converged - least squares": sp.Integer(0),
    "converged strength": s.pi_m / s.lam_m,
}


def prove(stated: Stated) -> Proof:
    """The converged map of every architecture is its modules' least-squares map, channel by channel."""
    cmp, d = [], Derivation("Converged maps are least-squares maps")
    for arch in ARCHITECTURES:
        conv = converged_channel_maps(arch)
        ls, sub = least_squares_channel_maps(arch)
        d = d.extend(sub)
        cmp += [compare(f"{arch}: channel {c}, entry {i}", conv[c][i] - ls[c][i], stated["converged - least squares"])
                for c in conv for i in range(4)]
    return Proof(tuple(cmp), d)


def _converged_strengths(d: Dataset, arch: str, stated: Stated, backend: str) -> dict:
    """The stated converged strength of every present mode of ``arch`` (absent modes 0)."""
    fn = compile_expr(stated["converged strength"], (s.pi_m, s.lam_m), backend)
    zero = mpmath.mpf(0) if backend == "mpmath" else 0.0
    stars = {name: zero for name in derive_observables(arch).strengths}
    stars.update({mode.name: fn(pi, lam) if backend == "mpmath" else float(fn(float(pi), float(lam)))
                  for _, mode, pi, lam in mode_parameters(d, arch)})
    return stars


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The spectral map at the stated converged strengths equals an independent least-squares solve."""
    checks = []
    for arch in ARCHITECTURES:
        W = spectral_map(d, arch, _converged_strengths(d, arch, stated, "mpmath"), "mpmath")
        L = least_squares_map(d, arch, "mpmath")
        gap = fro(W - L) / max(fro(L), 1) - abs(evaluate(stated["converged - least squares"], d, "mpmath"))
        checks.append(Check(d, f"converged {arch} map = least squares", float(abs(gap))))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Every trained architecture reaches its modules' least-squares map, which is the stated converged map."""
    out = []
    for arch in ARCHITECTURES:
        res = converged(d, arch)
        target = least_squares_map(d, arch, "numpy")
        tol = map_tolerance(d, target, int(res.t[-1])) + 1e-12 * max(float(np.linalg.norm(target)), 1.0)
        gap = float(np.linalg.norm(res.final_map[0] - target))
        out.append(SimCheck(d, f"||W_{arch} - Y X^+|| after training", gap, tol))
        spectral = spectral_map(d, arch, _converged_strengths(d, arch, stated, "numpy"), "numpy")
        gap = float(np.linalg.norm(res.final_map[0] - spectral))
        out.append(SimCheck(d, f"||W_{arch} - U diag(a*) V^T|| after training", gap, tol))
    return out


THEOREM = Theorem(
    "T9", "Converged maps are least squares",
    "The converged map of every architecture (dense, shallow, split, segregated) is the minimum-norm "
    "least-squares map of each module's own inputs and outputs",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify, simulate=simulate,
)


# --------------------------------------------------------------------------- depth L (docs/theory.md section 8)


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
