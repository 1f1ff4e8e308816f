"""T5 Dense networks are never systematic (docs/theory.md section 5): rho = r sqrt(k1/P) > 0 throughout training."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters, omega_block, rel, strengths_at
from numeric.maps import block_norms, fro, least_squares_map, selection_matrix, spectral_map
from numeric.matrices import evaluate
from numeric.depth import mp_strength
from numeric.simcheck import MAX_STEPS, SimCheck, converge_steps, converged, run, size
from numeric.tolerances import DELTA, rounding
from proofs.claims.common import GENERIC, P, k1, n2, r
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare, positive
from theory import symbols as s
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.dynamics import check_depth, depth_dynamics
from theory.observables import derive_observables, strength_symbol
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED", "applies", "at_depth"]

#: The dense non-systematicity index, the converged compositional gain and the novel-combination error.
STATED: dict[str, sp.Expr] = {
    "rho": r * sp.sqrt(k1 / P),
    "gain": P / (P + k1 * r**2),
    "novel error": n2 * (k1 * r**2 / (P + k1 * r**2)) ** 2,
}
#: The claim's assumptions n2 >= 1, k1 >= 1, r > 0, as the symbols a sign proof may take positive.
GIVEN = (n2, k1, r)


def applies(d: Dataset) -> bool:
    """The claim needs a compositional output, an identity input and r > 0."""
    return bool(d.n2 >= 1 and d.k1 >= 1 and d.r > 0)


def prove(stated: Stated) -> Proof:
    """rho = r sqrt(k1/P) at every moment, the converged gain and novel error."""
    obs = derive_observables("dense")
    a1 = strength_symbol("pi1")
    star = derive_module_spectrum().mode("pi1").fixed_point
    gain = obs.omega_gain.subs(a1, star)
    cmp = [
        compare("rho^2 along any trajectory (no strength appears)", obs.rho_sq, stated["rho"] ** 2),
        Comparison("rho^2 does not depend on the mode strengths", obs.rho_sq, sp.Integer(0),
                   not any(str(x).startswith("a_") for x in obs.rho_sq.free_symbols)),
        positive("for n2, k1 >= 1 and positive r: derived rho^2", obs.rho_sq, GIVEN),
        compare("converged W_OO = c S with c", gain, stated["gain"]),
        compare("converged novel-combination error", obs.novel_error.subs(a1, star), stated["novel error"]),
    ]
    d = obs.derivation.then("At the fixed point a1* the gain c and the novel error are",
                            sp.Tuple(gain, obs.novel_error.subs(a1, star)))
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Along the dense trajectory rho is as stated; the converged W_OO and novel error are as stated."""
    rho = evaluate(stated["rho"], d, "mpmath")
    checks = []
    for tt in (mpmath.mpf(1) / 4, 1, 4, 40):
        W = spectral_map(d, "dense", strengths_at(d, "dense", mpmath.mpf(1) / 1000, tt), "mpmath")
        norms = block_norms(W, d)
        measured = norms["GO"] / norms["OO"]
        checks.append(Check(d, f"rho = r sqrt(k1/P) at t={tt} tau", rel(measured - rho, 1)))
        checks.append(Check(d, f"rho > 0 at t={tt} tau", float(not measured > 0)))
    Wstar = least_squares_map(d, "dense", "mpmath")  # where any small initialization converges
    S = selection_matrix(d, "mpmath")
    gain = evaluate(stated["gain"], d, "mpmath")
    checks.append(Check(d, "W*_OO = P/(P + k1 r^2) S", float(fro(omega_block(Wstar, d) - gain * S) / fro(S))))
    novel = fro(omega_block(Wstar, d) - S) ** 2
    expected = evaluate(stated["novel error"], d, "mpmath")
    checks.append(Check(d, "novel error = n2 (k1 r^2/(P + k1 r^2))^2", rel(novel - expected, d.n2)))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """rho stays as stated while training; the converged novel error is as stated."""
    expected = float(evaluate(stated["rho"], d))
    res = converged(d, "dense")
    steps = int(res.t[-1])
    traj = run(d, "dense", min(steps, 2000), 10)
    rho_err = float(np.nanmax(np.abs(traj.rho - expected)))
    novel = float(evaluate(stated["novel error"], d))
    # ||W_OO|| is proportional to a1, within DELTA of a1*: the squared error moves by <= 3 n2 DELTA.
    return [
        SimCheck(d, "rho of dense GD vs r sqrt(k1/P)", rho_err, rounding(size(d), 2000) * (1 + expected)),
        SimCheck(d, "converged dense novel error vs n2 (k1 r^2/(P + k1 r^2))^2",
                 abs(float(res.novel_error[0, -1]) - novel), 3 * d.n2 * DELTA + rounding(size(d), steps)),
    ]


THEOREM = Theorem(
    "T5", "Dense networks are never systematic",
    "rho = r sqrt(k1/P) > 0 throughout training from spectral initialization and at convergence; the converged "
    "W_OO = P/(P + k1 r^2) S, so the novel-combination error is n2 (k1 r^2/(P + k1 r^2))^2",
    ("n2 >= 1, k1 >= 1, r > 0 (k2 >= 0)", GENERIC),
    STATED, prove, certify, applies, simulate=simulate,
)


# --------------------------------------------------------------------------- depth L (docs/theory.md section 8)


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
