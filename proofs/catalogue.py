"""The catalogue of theorems T1-T9 (THEORY.md section 5).

Each ``_prove_*`` function derives its result through :mod:`theory` and
compares it with the formula THEORY.md states, which is written here once, as
the theorem's expected answer. ``CATALOGUE`` is the single tuple that
verification, reports and tests iterate.
"""

from __future__ import annotations

import sympy as sp

from numeric import certify as cert
from proofs.theorem import Proof, Theorem, compare
from theory import symbols as s
from theory.channels import frobenius_norms_sq
from theory.derivation import Derivation
from theory.spectrum import derive_module_spectrum

__all__ = ["CATALOGUE", "get_theorem", "STATED"]

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r

#: The closed forms THEORY.md states (expected answers, never used to derive).
STATED = {
    "pi1": sp.sqrt((P + k1 * r**2) * (P + k2 * r**2)) / P,
    "pi2": r * sp.sqrt(k2 * (P + k1 * r**2)) / P,
    "pi3": r**2 * sp.sqrt(k1 * k2) / P,
    "lambda1": (P + k1 * r**2) / P,
    "lambda2": k1 * r**2 / P,
    "a1*": sp.sqrt((P + k2 * r**2) / (P + k1 * r**2)),
    "a2*": r * sp.sqrt(k2 / (P + k1 * r**2)),
    "a3*": sp.sqrt(k2 / k1),
}
_MULT = {"pi1": n2, "pi2": n1 - n2, "pi3": P - n1}
_LAMBDA = {"pi1": "lambda1", "pi2": "lambda1", "pi3": "lambda2"}


def _prove_spectrum() -> Proof:
    spec = derive_module_spectrum()
    cmp = []
    for m in spec.modes:
        cmp.append(compare(f"{m.name} singular value", m.singular_value, STATED[m.name]))
        cmp.append(compare(f"{m.name} multiplicity", m.multiplicity, _MULT[m.name]))
    # Right vectors: modes 1/2 along [P e_j ; r B^T e_j ; ...], whose channel
    # coordinates are (P, r sqrt(k1 P)) because B^T e_j = sqrt(P) w_j and k1
    # stacked copies are sqrt(k1) u_k1; mode 3 along [0 ; q ; ... ; q] / sqrt(k1).
    stated_dir = {"pi1": (P, r * sp.sqrt(k1 * P)), "pi2": (P, r * sp.sqrt(k1 * P)), "pi3": (0, 1)}
    for m in spec.modes:
        ox, gx = stated_dir[m.name]
        cmp.append(compare(f"{m.name} right vector direction", m.right["omega_x"] * gx - m.right["gamma_x"] * ox, 0))
        cmp.append(compare(f"{m.name} right vector unit", m.right["omega_x"] ** 2 + m.right["gamma_x"] ** 2, 1))
    total = sum(m.multiplicity * m.singular_value**2 for m in spec.modes)
    cmp.append(compare("completeness: sum mult pi^2 = ||Syx||^2", total, frobenius_norms_sq()["Syx"]))
    cmp.append(compare("multiplicities add up to rank X = P", sum(m.multiplicity for m in spec.modes), P))
    cmp.append(compare("ordering pi1^2 - pi2^2 = (P + k1 r^2)/P > 0", sp.factor(STATED["pi1"] ** 2 - STATED["pi2"] ** 2 - (P + k1 * r**2) / P), 0))
    cmp.append(compare("ordering pi2^2 - pi3^2 = k2 r^2 / P > 0", STATED["pi2"] ** 2 - STATED["pi3"] ** 2 - k2 * r**2 / P, 0))
    d = spec.derivation.then("Compared with THEORY.md section 2: values, multiplicities, vectors, completeness")
    return Proof(tuple(cmp), d)


def _prove_eigenbasis() -> Proof:
    spec = derive_module_spectrum()
    cmp = [compare(f"{m.name} input eigenvalue", m.eigenvalue, STATED[_LAMBDA[m.name]]) for m in spec.modes]
    eig = spec.input_eigenvalues()
    cmp.append(compare("eigenvalue lambda1 multiplicity n1", eig[0][1], n1))
    cmp.append(compare("eigenvalue lambda1", eig[0][0], STATED["lambda1"]))
    cmp.append(compare("eigenvalue lambda2", eig[1][0], STATED["lambda2"]))
    cmp.append(compare("eigenvalue lambda2 multiplicity P - n1", eig[1][1], P - n1))
    cmp.append(compare("eigenvalue 0 multiplicity n1 + k1 P - P", eig[2][1], n1 + k1 * P - P))
    squares = sum(mult * lam**2 for lam, mult in eig)
    cmp.append(compare("completeness: sum mult lambda^2 = ||Sx||^2", squares, frobenius_norms_sq()["Sx"]))
    d = Derivation("Shared eigenbasis").extend(spec.derivation).then(
        "Each right singular vector v = x_c/|x_c| satisfies Sx_c v = lambda v (checked per channel); "
        "the eigenvalues, with multiplicities, exhaust ||Sx||^2, so no other non-zero eigenvalue exists"
    )
    return Proof(tuple(cmp), d)


_CATALOGUE_BASE = (
    Theorem(
        "T1", "Spectrum",
        "Syx = U diag(pi) V^T has exactly three distinct non-zero singular values pi1 (multiplicity n2), "
        "pi2 (n1 - n2), pi3 (P - n1), with the singular vectors of THEORY.md section 2",
        ("n1 >= 1, 0 <= n2 <= n1, k1, k2 >= 0, r >= 0; symbolic proof for r > 0, k1, k2 >= 1; "
         "degenerate values drop modes whose singular value is exactly 0",),
        _prove_spectrum, cert.spectrum_checks,
    ),
    Theorem(
        "T2", "Shared eigenbasis",
        "The right singular vectors of Syx are eigenvectors of Sx: lambda1 = (P + k1 r^2)/P (multiplicity n1), "
        "lambda2 = k1 r^2 / P (P - n1), 0 (n1 + k1 P - P)",
        ("as T1",),
        _prove_eigenbasis, cert.eigenbasis_checks,
    ),
)

CATALOGUE: tuple[Theorem, ...] = _CATALOGUE_BASE


def get_theorem(theorem_id: str) -> Theorem:
    """The theorem with ``theorem_id``; ``ValueError`` lists the valid ids."""
    for th in CATALOGUE:
        if th.id == theorem_id.upper():
            return th
    raise ValueError(f"theorem must be one of {', '.join(t.id for t in CATALOGUE)}; got {theorem_id!r}")
