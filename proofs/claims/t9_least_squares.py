"""T9 Converged maps are least squares (docs/theory.md section 5), for every architecture."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters
from numeric.backends import compile_expr
from numeric.maps import fro, fro_diff, least_squares_map, spectral_map
from numeric.matrices import evaluate
from numeric.simcheck import SimCheck, converged, map_tolerance
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC
from proofs.theorem import Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps, least_squares_channel_maps
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.observables import derive_observables

__all__ = ["THEOREM", "STATED"]

#: The claim is an equality of two derived maps: converged minus least squares is zero.
STATED: dict[str, sp.Expr] = {
    "converged - least squares": sp.Integer(0),
    "converged strength": s.pi_m / s.lam_m,
}


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


def _converged_strengths(d: Dataset, arch: str, stated: Stated, backend: str) -> dict:
    """The stated converged strength of every present mode of ``arch`` (absent modes 0)."""
    fn = compile_expr(stated["converged strength"], (s.pi_m, s.lam_m), backend)
    zero = mpmath.mpf(0) if backend == "mpmath" else 0.0
    stars = {name: zero for name in derive_observables(arch).strengths}
    stars.update({mode.name: fn(pi, lam) if backend == "mpmath" else float(fn(float(pi), float(lam)))
                  for _, mode, pi, lam in mode_parameters(d, arch)})
    return stars


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The spectral map at the stated converged strengths equals an independent least-squares solve."""
    checks = []
    for arch in ARCHITECTURES:
        W = spectral_map(d, arch, _converged_strengths(d, arch, stated, "mpmath"), "mpmath")
        L = least_squares_map(d, arch, "mpmath")
        gap = fro_diff(W, L) / max(fro(L), 1) - abs(evaluate(stated["converged - least squares"], d, "mpmath"))
        checks.append(Check(d, f"converged {arch} map = least squares", float(abs(gap))))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Every trained architecture reaches its modules' least-squares map, which is the stated converged map."""
    out = []
    for arch in ARCHITECTURES:
        res = converged(d, arch)
        target = least_squares_map(d, arch, "numpy")
        tol = map_tolerance(d, target, int(res.t[-1])) + 1e-12 * max(float(np.linalg.norm(target)), 1.0)
        gap = float(np.linalg.norm(res.final_map[0] - target))
        out.append(SimCheck(d, f"||W_{arch} - Y X^+|| after training", gap, tol))
        spectral = spectral_map(d, arch, _converged_strengths(d, arch, stated, "numpy"), "numpy")
        gap = float(np.linalg.norm(res.final_map[0] - spectral))
        out.append(SimCheck(d, f"||W_{arch} - U diag(a*) V^T|| after training", gap, tol))
    return out


THEOREM = Theorem(
    "T9", "Converged maps are least squares",
    "The converged map of every architecture (dense, shallow, split, segregated) is the minimum-norm "
    "least-squares map of each module's own inputs and outputs",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify, simulate=simulate,
)
