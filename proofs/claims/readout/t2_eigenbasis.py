"""T2 for general readouts: the right singular vectors of every channel are eigenvectors of Sx."""

from __future__ import annotations

import sympy as sp

from numeric.certify import Check, eigenbasis_checks
from proofs.claims import t2_eigenbasis as selection
from proofs.claims.readout.common import GENERIC, SAMPLES
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.readout import FEATURE, READOUT, READOUT_CHANNELS
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: The input eigenvalues do not depend on the readout: lambda1 on every feature channel, lambda2 on the complement.
STATED: dict[str, sp.Expr] = {"lambda1": selection.STATED["lambda1"], "lambda2": selection.STATED["lambda2"]}


def prove(stated: Stated) -> Proof:
    """Derive the eigenvalue paired with each channel's right vector and compare."""
    spec = derive_module_spectrum(specs=READOUT_CHANNELS)
    cmp = [
        compare("feature channel (any s): input eigenvalue", spec.mode(FEATURE).eigenvalue, stated["lambda1"]),
        compare("complement: input eigenvalue", spec.mode("pi3").eigenvalue, stated["lambda2"]),
    ]
    return Proof(tuple(cmp), spec.derivation.then("Sx_c v = lambda v checked per channel; X does not involve A"))


def certify(d, stated: Stated) -> list[Check]:
    """V diagonalizes Sx; the eigenvalues exhaust trace(Sx) and ||Sx||^2."""
    return eigenbasis_checks(d)


THEOREM = Theorem(
    "T2", "Shared eigenbasis (general readout)",
    "The right singular vectors of Syx are eigenvectors of Sx: lambda1 = (P + k1 r^2)/P on every feature channel "
    "whatever A's singular value, lambda2 = k1 r^2/P on the complement",
    (GENERIC, SAMPLES), STATED, prove, certify, family=READOUT,
)
