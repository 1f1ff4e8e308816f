"""T5 restated for modules of L layers (docs/theory.md section 8); the L = 2 claim is
:mod:`proofs.claims.t5_dense_not_systematic`, whose statement, proof and checks this module reuses."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters, rel
from numeric.maps import block_norms, spectral_map
from numeric.matrices import evaluate
from numeric.depth import mp_strength
from numeric.simcheck import MAX_STEPS, SimCheck, converge_steps, converged, run, size
from numeric.tolerances import DELTA, rounding
from proofs.claims.common import GENERIC
from proofs.claims.t5_dense_not_systematic import STATED, applies, certify, prove
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.dynamics import check_depth, depth_dynamics
from theory.observables import derive_observables
from theory.spectrum import derive_module_spectrum

__all__ = ["RESTATES", "at_depth"]

#: The id of the L = 2 claim this module restates.
RESTATES = "T5"

def prove_at_depth(stated: Stated, depth: int) -> Proof:
    """At depth L the dense map stays U diag(a(t)) V^T with the same fixed points: T5's identities carry over."""
    dyn = depth_dynamics(depth)
    base = prove(stated)
    star = derive_module_spectrum().mode("pi1")
    cmp = [
        compare(f"a1* at L = {depth} (fixed point of the depth-L ODE at pi1, lambda1) = a1* at L = 2",
                dyn.fixed_point.xreplace({s.pi_m: star.singular_value, s.lam_m: star.eigenvalue}), star.fixed_point),
        Comparison(f"it attracts at L = {depth} ({dyn.stability} < 0)", dyn.stability, sp.Integer(0),
                   bool(dyn.stability.is_negative)),
    ]
    d = Derivation(f"Dense networks at depth {depth}").extend(dyn.derivation).then(
        "Balanced diagonal layers stay balanced and diagonal, so the map is U diag(a(t)) V^T at every t and "
        "rho (which no strength enters) is the same at every depth")
    return Proof(tuple(cmp) + base.comparisons, d.extend(base.derivation))


def certify_at_depth(d: Dataset, stated: Stated, depth: int) -> list[Check]:
    """Along the depth-L dense trajectory rho is as stated; converged W_OO and novel error are as stated."""
    rho = evaluate(stated["rho"], d, "mpmath")
    a0 = mpmath.mpf(1) / 1000
    checks = []
    for tt in (mpmath.mpf(1) / 4, 1, 4, 40):
        strengths = {name: mpmath.mpf(0) for name in derive_observables("dense").strengths}
        strengths.update({mode.name: mp_strength(pi, lam, a0, tt, 1, depth)
                          for _, mode, pi, lam in mode_parameters(d, "dense")})
        norms = block_norms(spectral_map(d, "dense", strengths, "mpmath"), d)
        measured = norms["GO"] / norms["OO"]
        checks.append(Check(d, f"rho = r sqrt(k1/P) at t={tt} tau, L={depth}", rel(measured - rho, 1)))
        checks.append(Check(d, f"rho > 0 at t={tt} tau, L={depth}", float(not measured > 0)))
    return checks + [c for c in certify(d, stated) if not c.what.startswith("rho")]


def simulate_at_depth(d: Dataset, stated: Stated, depth: int) -> list[SimCheck]:
    """rho of the depth-L dense network stays as stated while training; the converged novel error is as stated."""
    expected = float(evaluate(stated["rho"], d))
    steps = converge_steps(d, "dense", depth)
    during = run(d, "dense", min(steps, 2000), 10, depth)
    out = [SimCheck(d, f"rho of dense GD at L={depth} vs r sqrt(k1/P)",
                    float(np.nanmax(np.abs(during.rho - expected))), rounding(size(d), 2000) * (1 + expected))]
    if steps <= MAX_STEPS:
        res = converged(d, "dense", depth)
        novel = float(evaluate(stated["novel error"], d))
        out.append(SimCheck(d, f"converged dense novel error at L={depth} vs n2 (k1 r^2/(P + k1 r^2))^2",
                            abs(float(res.novel_error[0, -1]) - novel), 3 * d.n2 * DELTA + rounding(size(d), steps)))
    return out


def at_depth(depth: int) -> Theorem:
    """T5 restated for dense networks of ``depth`` layers (docs/theory.md section 8)."""
    depth = check_depth(depth)
    return Theorem(
        "T5", f"Dense networks never systematic (L = {depth})",
        f"For a {depth}-layer dense network rho = r sqrt(k1/P) > 0 throughout training from balanced spectral "
        "initialization and at convergence; the converged W_OO = P/(P + k1 r^2) S, so the novel-combination "
        "error is n2 (k1 r^2/(P + k1 r^2))^2, as at L = 2",
        ("n2 >= 1, k1 >= 1, r > 0 (k2 >= 0)", "balanced spectral initialization of every layer", GENERIC),
        STATED,
        lambda stated: prove_at_depth(stated, depth),
        lambda d, stated: certify_at_depth(d, stated, depth),
        applies,
        simulate=lambda d, stated: simulate_at_depth(d, stated, depth),
    )
