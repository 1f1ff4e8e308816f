"""T2 Shared eigenbasis (docs/theory.md section 2): the right singular vectors of Syx diagonalize Sx."""

from __future__ import annotations

import mpmath
import sympy as sp

from numeric.certify import Check, eigenbasis_checks
from numeric.certify_dynamics import rel
from numeric.matrices import evaluate, mode_vectors
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC, P, k1, n1, r
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.channels import frobenius_norms_sq
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: Eigenvalues of Sx, their multiplicities, and which eigenvalue each singular mode pairs with.
STATED: dict[str, sp.Expr] = {
    "lambda1": (P + k1 * r**2) / P,
    "lambda2": k1 * r**2 / P,
    "lambda1 multiplicity": n1,
    "lambda2 multiplicity": P - n1,
    "zero eigenvalue multiplicity": n1 + k1 * P - P,
}
#: Modes 1 and 2 pair with lambda1, mode 3 with lambda2.
_PAIRS = {"pi1": "lambda1", "pi2": "lambda1", "pi3": "lambda2"}


def prove(stated: Stated) -> Proof:
    """Derive each mode's input eigenvalue and the eigenvalues of Sx; compare; check completeness."""
    spec = derive_module_spectrum()
    cmp = [compare(f"{m.name} input eigenvalue", m.eigenvalue, stated[_PAIRS[m.name]]) for m in spec.modes]
    eig = spec.input_eigenvalues()
    cmp.append(compare("eigenvalue lambda1 multiplicity n1", eig[0][1], stated["lambda1 multiplicity"]))
    cmp.append(compare("eigenvalue lambda1", eig[0][0], stated["lambda1"]))
    cmp.append(compare("eigenvalue lambda2", eig[1][0], stated["lambda2"]))
    cmp.append(compare("eigenvalue lambda2 multiplicity P - n1", eig[1][1], stated["lambda2 multiplicity"]))
    cmp.append(compare("eigenvalue 0 multiplicity n1 + k1 P - P", eig[2][1], stated["zero eigenvalue multiplicity"]))
    squares = sum(mult * lam**2 for lam, mult in eig)
    cmp.append(compare("completeness: sum mult lambda^2 = ||Sx||^2", squares, frobenius_norms_sq()["Sx"]))
    d = Derivation("Shared eigenbasis").extend(spec.derivation).then(
        "Each right singular vector v = x_c/|x_c| satisfies Sx_c v = lambda v (checked per channel); "
        "the eigenvalues, with multiplicities, exhaust ||Sx||^2, so no other non-zero eigenvalue exists"
    )
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Sx v = lambda v for every mode of the dense module on ``d``; the stated eigenvalues match there.

    The kernel (``eigenbasis_checks``) shows the derived eigenvalues, with multiplicities, are those of
    the concrete Sx (they exhaust its trace and ||Sx||^2); the stated pairing, values and multiplicities
    must give the same trace and squared norm.
    """
    checks = eigenbasis_checks(d)
    for mv in mode_vectors(d, backend="mpmath"):
        value = evaluate(stated[_PAIRS[mv.mode.name]], d, "mpmath")
        checks.append(Check(d, f"stated {_PAIRS[mv.mode.name]} = Sx eigenvalue of {mv.mode.name}",
                            rel(value - mv.eigenvalue, max(mv.eigenvalue, 1))))
    derived = derive_module_spectrum().input_eigenvalues(d.substitution())
    pairs = [(evaluate(stated[lam], d, "mpmath"), evaluate(stated[f"{lam} multiplicity"], d, "mpmath"))
             for lam in ("lambda1", "lambda2")]
    for power in (1, 2):
        want = mpmath.fsum(evaluate(lam, d, "mpmath") ** power * int(mult) for lam, mult in derived)
        got = mpmath.fsum(lam**power * mult for lam, mult in pairs)
        checks.append(Check(d, f"sum of stated mult * lambda^{power} = that of Sx", rel(got - want, max(want, 1))))
    zero = evaluate(stated["zero eigenvalue multiplicity"], d, "mpmath") + sum(m for _, m in pairs)
    checks.append(Check(d, "stated multiplicities add up to the input size", rel(zero - d.n_in, d.n_in)))
    return checks


THEOREM = Theorem(
    "T2", "Shared eigenbasis",
    "The right singular vectors of Syx are eigenvectors of Sx: lambda1 = (P + k1 r^2)/P (multiplicity n1), "
    "lambda2 = k1 r^2/P (P - n1), 0 (n1 + k1 P - P); modes 1, 2 pair with lambda1, mode 3 with lambda2",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify,
)
