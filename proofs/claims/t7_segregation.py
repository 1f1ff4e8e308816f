"""T7 Segregation suffices (docs/theory.md section 5): W_GO = 0 at all times and W_OO -> S."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check, eigenbasis_checks, spectrum_checks
from numeric.certify_dynamics import omega_block, rel, strengths_at
from numeric.maps import block_norms, fro, least_squares_map, selection_matrix, spectral_map
from numeric.matrices import evaluate, mode_vectors
from numeric.simcheck import SimCheck, converged, run, size
from numeric.tolerances import DELTA, rounding
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC, n2
from proofs.theorem import Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.dynamics import mode_dynamics
from theory.observables import derive_observables, strength_symbol
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: The segregated Omega module's spectrum, W_GO, the converged gain and the limit of the novel error.
STATED: dict[str, sp.Expr] = {
    "omega value": sp.Integer(1),
    "omega eigenvalue": sp.Integer(1),
    "omega multiplicity": n2,
    "||W_GO||^2": sp.Integer(0),
    "converged gain": sp.Integer(1),
    "novel error limit": sp.Integer(0),
}


def prove(stated: Stated) -> Proof:
    """The segregated Omega module; W_GO = 0 always; W_OO -> S; novel error -> 0."""
    omega = derive_module_spectrum(ARCHITECTURES["segregated"].modules[0])
    obs = derive_observables("segregated")
    a = strength_symbol("omega:pi1")
    traj = mode_dynamics(True).solution.subs({s.pi_m: omega.mode("pi1").singular_value,
                                              s.lam_m: omega.mode("pi1").eigenvalue})
    novel_t = obs.novel_error.subs(a, traj)
    limit = sp.limit(novel_t, s.t, sp.oo)
    cmp = [
        compare("Omega module singular value", omega.mode("pi1").singular_value, stated["omega value"]),
        compare("Omega module input eigenvalue", omega.mode("pi1").eigenvalue, stated["omega eigenvalue"]),
        compare("Omega module multiplicity", omega.mode("pi1").multiplicity, stated["omega multiplicity"]),
        compare("||W_GO||^2 for all strengths (so at all times)", obs.block_norms_sq["GO"], stated["||W_GO||^2"]),
        compare("W_OO = c S with c = a (the Omega mode strength)", obs.omega_gain, a),
        compare("converged gain c = a* = 1", omega.mode("pi1").fixed_point, stated["converged gain"]),
        compare("novel error as t -> oo", limit, stated["novel error limit"]),
    ]
    d = omega.derivation.extend(obs.derivation).then("Novel error along the deep trajectory", novel_t).then(
        "Its limit as t -> oo", limit)
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """W_GO as stated at all times, W_OO -> gain S, the novel error -> its limit; the Omega module's spectrum.

    The segregated Omega module's concrete mode (certified by the spectrum and eigenbasis kernels) must
    have the stated value, eigenvalue and multiplicity (no mode when n2 = 0).
    """
    checks = []
    S = selection_matrix(d, "mpmath")
    go = evaluate(stated["||W_GO||^2"], d, "mpmath")
    for tt in (0, 1, 4, 200):
        W = spectral_map(d, "segregated", strengths_at(d, "segregated", mpmath.mpf(1) / 1000, tt), "mpmath")
        checks.append(Check(d, f"W_GO = 0 at t={tt} tau", float(abs(block_norms(W, d)["GO"] ** 2 - go))))
    Wstar = least_squares_map(d, "segregated", "mpmath")
    gain = evaluate(stated["converged gain"], d, "mpmath")
    checks.append(Check(d, "segregated W*_OO = S", float(fro(omega_block(Wstar, d) - gain * S) / max(fro(S), 1))))
    limit = evaluate(stated["novel error limit"], d, "mpmath")
    checks.append(Check(d, "segregated novel error at W*", float(abs(fro(omega_block(Wstar, d) - S) ** 2 - limit))))
    module = ARCHITECTURES["segregated"].modules[0]
    found = mode_vectors(d, module, "mpmath")
    count = evaluate(stated["omega multiplicity"], d, "mpmath")
    checks.append(Check(d, "stated Omega module multiplicity = count",
                        rel(count - sum(mv.V.shape[1] for mv in found), 1)))
    for mv in found:
        value, eigenvalue = (evaluate(stated[k], d, "mpmath") for k in ("omega value", "omega eigenvalue"))
        checks.append(Check(d, "stated Omega module value", rel(value - mv.singular_value, 1)))
        checks.append(Check(d, "stated Omega module eigenvalue", rel(eigenvalue - mv.eigenvalue, 1)))
    return checks + spectrum_checks(d, module) + eigenbasis_checks(d, module)


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """W_GO is exactly 0 at every checkpoint; at convergence W_OO = gain S and the novel error vanishes.

    At convergence the Omega strength a is within DELTA (plus rounding) of a* = 1, so
    ||W_OO - S|| / ||S|| = |a - 1| and the novel error n2 (a - 1)^2.
    """
    res = converged(d, "segregated")
    steps = int(res.t[-1])
    during = run(d, "segregated", min(steps, 2000), 10)
    near = DELTA + rounding(size(d), steps)
    out = [
        SimCheck(d, "max ||W_GO|| of segregated GD (exactly 0)",
                 float(np.max(np.abs(during.block_norms["GO"] ** 2 - float(evaluate(stated["||W_GO||^2"], d))))), 0.0),
        SimCheck(d, "converged segregated novel error",
                 float(abs(res.novel_error[0, -1] - float(evaluate(stated["novel error limit"], d)))), d.n2 * near**2),
    ]
    if d.n2 > 0:
        S = selection_matrix(d, "numpy")
        gain = float(evaluate(stated["converged gain"], d))
        gap = np.linalg.norm(omega_block(res.final_map[0], d) - gain * S) / np.linalg.norm(S)
        out.append(SimCheck(d, "converged segregated W_OO vs gain S", float(gap), near))
    return out


THEOREM = Theorem(
    "T7", "Segregation suffices",
    "The segregated Omega module has singular value 1 and input eigenvalue 1 (multiplicity n2); W_GO = 0 at all "
    "times, W_OO -> S and the novel-combination error tends to 0",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify, simulate=simulate,
)
