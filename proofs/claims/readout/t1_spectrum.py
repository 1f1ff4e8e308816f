"""T1 for general readouts (docs/theory.md section 7): one singular value pi(s) per singular value s of A, pi3 unchanged."""

from __future__ import annotations

import mpmath
import sympy as sp

from numeric.certify import Check, spectrum_checks
from numeric.matrices import readout_channels, readout_matrix
from numeric.maps import fro
from proofs.claims import t1_spectrum as selection
from proofs.claims.common import P, k1, k2, n1, r
from proofs.claims.readout.common import GENERIC, SAMPLES, S
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.readout import FEATURE, READOUT, READOUT_CHANNELS
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: docs/theory.md section 7: the singular value of the channel of a singular value s of A; pi3 and the
#: right vectors as for the selection (taken from T1, not re-typed).
STATED: dict[str, sp.Expr] = {
    "pi(s)": sp.sqrt((P * S**2 + k2 * r**2) * (P + k1 * r**2)) / P,
    "pi3": selection.STATED["pi3"],
    "pi3 multiplicity": P - n1,
    "right vector": selection.STATED["pi1 right vector"],
    "pi1": selection.STATED["pi1"],
    "pi2": selection.STATED["pi2"],
}


def prove(stated: Stated) -> Proof:
    """Derive the dense spectrum for a generic feature channel and compare; s = 1, 0 give pi1, pi2."""
    spec = derive_module_spectrum(specs=READOUT_CHANNELS)
    f, c = spec.mode(FEATURE), spec.mode("pi3")
    ox, gx = stated["right vector"]
    cmp = [
        compare("pi(s) of the channel of a singular value s of A", f.singular_value, stated["pi(s)"]),
        compare("pi3 (complement of the rows of B)", c.singular_value, stated["pi3"]),
        compare("pi3 multiplicity", c.multiplicity, stated["pi3 multiplicity"]),
        compare("right vector along [P v; r B^T v; ...] whatever s",
                f.right["omega_x"] * gx - f.right["gamma_x"] * ox, 0),
        compare("right vector unit", f.right["omega_x"] ** 2 + f.right["gamma_x"] ** 2, 1),
        compare("s = 1 gives the selection's pi1", f.singular_value.subs(S, 1), stated["pi1"]),
        compare("s = 0 gives the selection's pi2", f.singular_value.subs(S, 0), stated["pi2"]),
    ]
    d = spec.derivation.then("Compared with docs/theory.md section 7; s = 1 and s = 0 reduce to pi1 and pi2")
    return Proof(tuple(cmp), d)


def certify(d, stated: Stated) -> list[Check]:
    """Singular pairs of Syx built from A's exact singular values; A v = s u; sum m s^2 = ||A||^2."""
    checks = spectrum_checks(d)
    A = readout_matrix(d, "mpmath")
    scale = max(fro(A), mpmath.mpf(1))
    total = mpmath.mpf(0)
    for name, _, value, V, U in readout_channels(d, "mpmath"):
        checks.append(Check(d, f"A v = s u ({name})", float(fro(A @ V - U * value) / scale)))
        total += V.shape[1] * value**2
    checks.append(Check(d, "sum over singular values of m s^2 = ||A||^2", float(abs(total - fro(A) ** 2) / scale**2)))
    return checks


THEOREM = Theorem(
    "T1", "Spectrum (general readout)",
    "For Y_Omega = A B with A's singular values s (multiplicity m), Syx has singular value "
    "pi(s) = sqrt((P s^2 + k2 r^2)(P + k1 r^2))/P with multiplicity m, and pi3 = r^2 sqrt(k1 k2)/P (P - n1); "
    "right vectors along [P v; r B^T v; ...] for A's right singular vectors v; s = 1 gives pi1, s = 0 gives pi2",
    (GENERIC, "A's singular values are exact (factored characteristic polynomial of A^T A)", SAMPLES),
    STATED, prove, certify, family=READOUT,
)
