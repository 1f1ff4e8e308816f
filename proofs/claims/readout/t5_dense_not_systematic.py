"""T5 for general readouts: the dense network converges to W_OO = P/(P + k1 r^2) A and is never systematic."""

from __future__ import annotations

import mpmath
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import omega_block, rel
from numeric.maps import block_norms, fro, least_squares_map, spectral_map
from numeric.matrices import evaluate, readout_matrix
from proofs.claims import t5_dense_not_systematic as selection
from proofs.claims.common import P, k1, r
from proofs.claims.readout.common import GENERIC, M, S, deep_strengths_at
from proofs.theorem import Proof, Stated, Theorem, compare, positive
from theory.observables import derive_observables, strength_symbol
from theory.readout import FEATURE, READOUT, READOUT_CHANNELS
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED", "applies"]

#: docs/theory.md section 7: converged W_OO = gain A; the novel error is ((k1 r^2)/(P + k1 r^2))^2 ||A||^2.
STATED: dict[str, sp.Expr] = {
    "rho": selection.STATED["rho"],
    "gain": selection.STATED["gain"],
    "novel error per ||A||^2": (k1 * r**2 / (P + k1 * r**2)) ** 2,
}


#: The claim's assumptions k1 >= 1, r > 0, as the symbols a sign proof may take positive.
GIVEN = (k1, r)


def applies(d) -> bool:
    """A non-zero readout, an identity input and r > 0."""
    return any(x != 0 for row in d.readout for x in row) and d.k1 >= 1 and d.r > 0


def prove(stated: Stated) -> Proof:
    """rho^2 as stated and positive; per channel, the converged W_OO coefficient is gain * s and the novel error m s^2 (1 - gain)^2."""
    obs = derive_observables("dense", READOUT_CHANNELS)
    a = strength_symbol(FEATURE)
    star = derive_module_spectrum(specs=READOUT_CHANNELS).mode(FEATURE).fixed_point
    cmp = [
        compare("rho^2 along any trajectory", obs.rho_sq, stated["rho"] ** 2),
        positive("for k1 >= 1 and positive r: derived rho^2", obs.rho_sq, GIVEN),
        compare("converged W_OO coefficient on the channel of s = gain * s (so W_OO = gain A)",
                obs.omega_gain.subs(a, star), stated["gain"] * S),
        compare("converged novel error on the channel = m s^2 (k1 r^2/(P + k1 r^2))^2 (sums to ... ||A||^2)",
                obs.novel_error.subs(a, star), M * S**2 * stated["novel error per ||A||^2"]),
    ]
    d = obs.derivation.then("At the fixed point, W_OO = sum_c gain s_c u_c v_c^T = gain A")
    return Proof(tuple(cmp), d)


def certify(d, stated: Stated) -> list[Check]:
    """rho along the deep trajectory (modes at different stages), and positive; converged W_OO and novel error."""
    rho = evaluate(stated["rho"], d, "mpmath")
    checks = []
    for tt in (mpmath.mpf(1) / 4, 1, 4, 40):
        W = spectral_map(d, "dense", deep_strengths_at(d, "dense", mpmath.mpf(1) / 1000, tt), "mpmath")
        norms = block_norms(W, d)
        measured = norms["GO"] / norms["OO"]
        checks.append(Check(d, f"rho = r sqrt(k1/P) at t={tt} tau", rel(measured - rho, 1)))
        checks.append(Check(d, f"rho > 0 at t={tt} tau", float(not measured > 0)))
    Wstar = least_squares_map(d, "dense", "mpmath")  # where any small initialization converges
    A = readout_matrix(d, "mpmath")
    gain = evaluate(stated["gain"], d, "mpmath")
    checks.append(Check(d, "W*_OO = P/(P + k1 r^2) A", float(fro(omega_block(Wstar, d) - gain * A) / fro(A))))
    novel = fro(omega_block(Wstar, d) - A) ** 2
    expected = evaluate(stated["novel error per ||A||^2"], d, "mpmath") * fro(A) ** 2
    checks.append(Check(d, "novel error = (k1 r^2/(P + k1 r^2))^2 ||A||^2", rel(novel - expected, fro(A) ** 2)))
    return checks


THEOREM = Theorem(
    "T5", "Dense networks are never systematic (general readout)",
    "rho = r sqrt(k1/P) > 0 throughout training from spectral initialization, even when A's singular values "
    "differ; the converged W_OO = P/(P + k1 r^2) A, so the novel-combination error is "
    "(k1 r^2/(P + k1 r^2))^2 ||A||^2",
    ("A != 0, k1 >= 1, r > 0", GENERIC), STATED, prove, certify, applies, family=READOUT,
)
