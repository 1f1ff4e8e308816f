"""Symbolic proofs of the spectral claims T1 (spectrum) and T2 (shared eigenbasis)."""

from __future__ import annotations

import sympy as sp

from proofs.stated import STATED
from proofs.theorem import Proof, compare
from theory import symbols as s
from theory.channels import frobenius_norms_sq
from theory.derivation import Derivation
from theory.spectrum import derive_module_spectrum

__all__ = ["prove_spectrum", "prove_eigenbasis"]

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r
_MULT = {"pi1": n2, "pi2": n1 - n2, "pi3": P - n1}
_LAMBDA = {"pi1": "lambda1", "pi2": "lambda1", "pi3": "lambda2"}


def prove_spectrum() -> Proof:
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


def prove_eigenbasis() -> Proof:
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
