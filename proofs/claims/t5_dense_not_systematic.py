"""T5 Dense networks are never systematic (docs/theory.md section 5): rho = r sqrt(k1/P) > 0 throughout training."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import omega_block, rel, strengths_at
from numeric.maps import block_norms, fro, least_squares_map, selection_matrix, spectral_map
from numeric.matrices import evaluate
from numeric.simcheck import SimCheck, converged, run, size
from numeric.tolerances import DELTA, rounding
from proofs.claims.common import GENERIC, P, k1, n2, r
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare, positive
from theory.dataset import Dataset
from theory.observables import derive_observables, strength_symbol
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED", "applies"]

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
