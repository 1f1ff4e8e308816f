"""T1 Spectrum (THEORY.md section 2): three singular values of Syx, their multiplicities and vectors."""

from __future__ import annotations

import sympy as sp

from numeric.certify import Check, spectrum_checks
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC, P, k1, k2, n1, n2, r
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.channels import frobenius_norms_sq
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: Singular values and multiplicities as THEORY.md states them.
STATED: dict[str, sp.Expr] = {
    "pi1": sp.sqrt((P + k1 * r**2) * (P + k2 * r**2)) / P,
    "pi2": r * sp.sqrt(k2 * (P + k1 * r**2)) / P,
    "pi3": r**2 * sp.sqrt(k1 * k2) / P,
    "pi1 multiplicity": n2,
    "pi2 multiplicity": n1 - n2,
    "pi3 multiplicity": P - n1,
    # Right vectors in channel coordinates (omega_x, gamma_x), up to scale: modes 1/2 along
    # [P e_j ; r B^T e_j ; ...], i.e. (P, r sqrt(k1 P)) because B^T e_j = sqrt(P) w_j and k1 stacked
    # copies are sqrt(k1) u_k1; mode 3 along [0 ; q ; ... ; q] / sqrt(k1), i.e. (0, 1).
    "pi1 right vector": sp.Tuple(P, r * sp.sqrt(k1 * P)),
    "pi2 right vector": sp.Tuple(P, r * sp.sqrt(k1 * P)),
    "pi3 right vector": sp.Tuple(0, 1),
    "pi1^2 - pi2^2": (P + k1 * r**2) / P,
    "pi2^2 - pi3^2": k2 * r**2 / P,
}


def prove(stated: Stated) -> Proof:
    """Derive the dense module's spectrum and compare values, multiplicities, vectors and ordering."""
    spec = derive_module_spectrum()
    cmp = []
    for m in spec.modes:
        cmp.append(compare(f"{m.name} singular value", m.singular_value, stated[m.name]))
        cmp.append(compare(f"{m.name} multiplicity", m.multiplicity, stated[f"{m.name} multiplicity"]))
    for m in spec.modes:
        ox, gx = stated[f"{m.name} right vector"]
        cmp.append(compare(f"{m.name} right vector direction", m.right["omega_x"] * gx - m.right["gamma_x"] * ox, 0))
        cmp.append(compare(f"{m.name} right vector unit", m.right["omega_x"] ** 2 + m.right["gamma_x"] ** 2, 1))
    total = sum(m.multiplicity * m.singular_value**2 for m in spec.modes)
    cmp.append(compare("completeness: sum mult pi^2 = ||Syx||^2", total, frobenius_norms_sq()["Syx"]))
    cmp.append(compare("multiplicities add up to rank X = P", sum(m.multiplicity for m in spec.modes), P))
    cmp.append(compare("ordering pi1^2 - pi2^2 = (P + k1 r^2)/P > 0",
                       sp.factor(stated["pi1"] ** 2 - stated["pi2"] ** 2 - stated["pi1^2 - pi2^2"]), 0))
    cmp.append(compare("ordering pi2^2 - pi3^2 = k2 r^2 / P > 0",
                       stated["pi2"] ** 2 - stated["pi3"] ** 2 - stated["pi2^2 - pi3^2"], 0))
    d = spec.derivation.then("Compared with THEORY.md section 2: values, multiplicities, vectors, completeness")
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Singular pairs, orthonormality, completeness and counts of the dense module on ``d``."""
    return spectrum_checks(d)


THEOREM = Theorem(
    "T1", "Spectrum",
    "Syx = U diag(pi) V^T has exactly three distinct non-zero singular values: pi1 = sqrt((P + k1 r^2)"
    "(P + k2 r^2))/P (multiplicity n2), pi2 = r sqrt(k2 (P + k1 r^2))/P (n1 - n2), pi3 = r^2 sqrt(k1 k2)/P "
    "(P - n1); right vectors along [P e_j; r B^T e_j; ...] and [0; q; ...; q]/sqrt(k1); pi1 > pi2 > pi3",
    (GENERIC, "modes whose singular value is exactly 0 on a dataset are absent", DEGENERATE_SAMPLES),
    STATED, prove, certify,
)
