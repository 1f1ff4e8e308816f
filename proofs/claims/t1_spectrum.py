"""T1 Spectrum (docs/theory.md section 2): three singular values of Syx, their multiplicities and vectors."""

from __future__ import annotations

import mpmath
import sympy as sp

from numeric.certify import Check, spectrum_checks
from numeric.certify_dynamics import rel
from numeric.maps import fro
from numeric.matrices import evaluate, mode_vectors
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC, P, k1, k2, n1, n2, r
from proofs.theorem import Proof, Stated, Theorem, compare, nonnegative, positive
from theory.channels import frobenius_norms_sq
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: Singular values, multiplicities and right-vector directions as docs/theory.md states them.
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
}
#: The ordering pi1 > pi2 > pi3 is stated for r > 0 and k2 > 0 (and needs nothing of k1).
ORDERING_GIVEN = (r, k2)


def prove(stated: Stated) -> Proof:
    """Derive the dense module's spectrum and compare values, multiplicities, vectors; prove the ordering."""
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
    pi1, pi2, pi3 = (spec.mode(c).singular_value for c in ("pi1", "pi2", "pi3"))
    # pi_i > pi_j follows from pi_i^2 - pi_j^2 > 0 and pi_j >= 0 (singular values are non-negative).
    cmp.append(positive("ordering, for positive r and k2: derived pi1^2 - pi2^2", pi1**2 - pi2**2, ORDERING_GIVEN))
    cmp.append(positive("ordering, for positive r and k2: derived pi2^2 - pi3^2", pi2**2 - pi3**2, ORDERING_GIVEN))
    cmp.append(nonnegative("derived pi2 and pi3 (so squares order the values)", pi2 + pi3))
    d = spec.derivation.then("Compared with docs/theory.md section 2: values, multiplicities, vectors, completeness; "
                             "ordering proved from the sign of the simplified differences of squares")
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The derived spectrum satisfies its defining equations on ``d``; the stated one matches it there.

    The kernel (``spectrum_checks``) shows the closed forms are singular triples of the concrete Syx at
    ``dps`` digits; the stated values, multiplicities and directions are then compared with them, and
    present modes must be strictly ordered.
    """
    checks = spectrum_checks(d)
    sl = d.block_slices()
    present = {}
    for mv in mode_vectors(d, backend="mpmath"):
        name = mv.mode.name
        present[name] = mv.singular_value
        stated_value = evaluate(stated[name], d, "mpmath")
        checks.append(Check(d, f"stated {name} = singular value of Syx", rel(stated_value - mv.singular_value,
                                                                              mv.singular_value)))
        count = evaluate(stated[f"{name} multiplicity"], d, "mpmath")
        checks.append(Check(d, f"stated multiplicity of {name} = {mv.V.shape[1]}", rel(count - mv.V.shape[1], 1)))
        ox, gx = (evaluate(c, d, "mpmath") for c in stated[f"{name} right vector"])
        length = mpmath.sqrt(ox**2 + gx**2)
        v = mv.V[:, :1]
        off = abs(fro(v[sl["omega_x"]]) - ox / length) + abs(fro(v[sl["gamma_x"]]) - gx / length)
        checks.append(Check(d, f"stated right vector of {name}", float(off)))
    names = [n for n in ("pi1", "pi2", "pi3") if n in present]
    if d.r > 0 and d.k2 > 0:
        for hi, lo in zip(names, names[1:]):
            checks.append(Check(d, f"{hi} > {lo} on the data", float(not present[hi] > present[lo])))
    return checks


THEOREM = Theorem(
    "T1", "Spectrum",
    "Syx = U diag(pi) V^T has exactly three distinct non-zero singular values: pi1 = sqrt((P + k1 r^2)"
    "(P + k2 r^2))/P (multiplicity n2), pi2 = r sqrt(k2 (P + k1 r^2))/P (n1 - n2), pi3 = r^2 sqrt(k1 k2)/P "
    "(P - n1); right vectors along [P e_j; r B^T e_j; ...] and [0; q; ...; q]/sqrt(k1); pi1 > pi2 > pi3 "
    "for r > 0, k2 > 0",
    (GENERIC, "modes whose singular value is exactly 0 on a dataset are absent", DEGENERATE_SAMPLES),
    STATED, prove, certify,
)
