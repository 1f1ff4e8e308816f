"""T9 Converged maps are least squares (THEORY.md section 5), for every architecture."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters
from numeric.maps import fro, least_squares_map, spectral_map
from numeric.simcheck import SimCheck, converged, map_tolerance
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps, least_squares_channel_maps
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.observables import derive_observables

__all__ = ["THEOREM", "STATED"]

#: The claim is an equality of two derived maps: converged minus least squares is zero.
STATED: dict[str, sp.Expr] = {"converged - least squares": sp.Integer(0)}


def prove(stated: Stated) -> Proof:
    """The converged map of every architecture is its modules' least-squares map, channel by channel."""
    cmp, d = [], Derivation("Converged maps are least-squares maps")
    for arch in ARCHITECTURES:
        conv = converged_channel_maps(arch)
        ls, sub = least_squares_channel_maps(arch)
        d = d.extend(sub)
        cmp += [compare(f"{arch}: channel {c}, entry {i}", conv[c][i] - ls[c][i], stated["converged - least squares"])
                for c in conv for i in range(4)]
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The converged spectral map of every architecture equals an independent least-squares solve."""
    checks = []
    for arch in ARCHITECTURES:
        stars = {name: mpmath.mpf(0) for name in derive_observables(arch).strengths}
        stars.update({mode.name: pi / lam for _, mode, pi, lam in mode_parameters(d, arch)})
        W = spectral_map(d, arch, stars, "mpmath")
        L = least_squares_map(d, arch, "mpmath")
        checks.append(Check(d, f"converged {arch} map = least squares", float(fro(W - L) / max(fro(L), 1))))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Every trained architecture reaches its modules' least-squares map."""
    out = []
    for arch in ARCHITECTURES:
        res = converged(d, arch)
        target = least_squares_map(d, arch, "numpy")
        gap = float(np.linalg.norm(res.final_map[0] - target))
        out.append(SimCheck(d, f"||W_{arch} - Y X^+|| after training", gap,
                            map_tolerance(d, target, int(res.t[-1])) + 1e-12 * max(float(np.linalg.norm(target)), 1.0)))
    return out


THEOREM = Theorem(
    "T9", "Converged maps are least squares",
    "The converged map of every architecture (dense, shallow, split, segregated) is the minimum-norm "
    "least-squares map of each module's own inputs and outputs",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify, simulate=simulate,
)
