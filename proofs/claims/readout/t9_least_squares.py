"""T9 for general readouts: the converged map of every architecture is its modules' least-squares map."""

from __future__ import annotations

import mpmath

from numeric.certify import Check
from numeric.maps import fro, fro_diff, least_squares_map, spectral_map
from proofs.claims.readout.common import GENERIC, SAMPLES, converged_strengths
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps, least_squares_channel_maps
from theory.derivation import Derivation
from theory.readout import READOUT, READOUT_CHANNELS

__all__ = ["THEOREM", "STATED"]

#: Nothing is typed: the claim compares two derived maps.
STATED: dict = {}


def prove(stated: Stated) -> Proof:
    """Per channel (generic s), modes at pi/lambda give each module's Syx_c Sx_c^+."""
    cmp, d = [], Derivation("Converged maps are least-squares maps (general readout)")
    for arch in ARCHITECTURES:
        conv = converged_channel_maps(arch, READOUT_CHANNELS)
        ls, sub = least_squares_channel_maps(arch, READOUT_CHANNELS)
        d = d.extend(sub)
        cmp += [compare(f"{arch}: channel {c}, entry {i}", conv[c][i] - ls[c][i], 0) for c in conv for i in range(4)]
    return Proof(tuple(cmp), d)


def certify(d, stated: Stated) -> list[Check]:
    """The spectral map at the fixed points equals an independent least-squares solve, every architecture."""
    checks = []
    for arch in ARCHITECTURES:
        W = spectral_map(d, arch, converged_strengths(d, arch), "mpmath")
        L = least_squares_map(d, arch, "mpmath")
        checks.append(Check(d, f"converged {arch} map = least squares", float(fro_diff(W, L) / max(fro(L), mpmath.mpf(1)))))
    return checks


THEOREM = Theorem(
    "T9", "Converged maps are least squares (general readout)",
    "For any rational readout A, the converged map of every architecture (dense, shallow, split, segregated) is "
    "the minimum-norm least-squares map of each module's own inputs and outputs",
    (GENERIC, SAMPLES), STATED, prove, certify, family=READOUT,
)
