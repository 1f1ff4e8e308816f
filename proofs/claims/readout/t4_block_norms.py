"""T4 for general readouts: block norms per channel, and a ratio ||W_GO|| / ||W_OO|| that stays r sqrt(k1/P).

docs/theory.md section 7 expects the ratio to vary during training when A's
singular values differ. The derivation says otherwise for spectral
initialization: on every feature channel the right vector has the same
direction ``(sqrt(P), r sqrt(k1))`` whatever s (the input does not involve A),
so each channel's ``||W_GO||^2`` is ``k1 r^2 / P`` times its ``||W_OO||^2``
for every strength, and channels add. The proof shows this for one generic
channel and for two channels with unrelated s and strengths.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from numeric.certify import Check
from numeric.certify_dynamics import rel
from numeric.maps import block_norms, fro, spectral_map
from proofs.claims.common import P, k1, k2, n1, r
from proofs.claims.readout.common import GENERIC, SAMPLES, M, S, derived_block_norms_sq, instance_modes
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory.architectures import ARCHITECTURES
from theory.observables import derive_observables, strength_symbol
from theory.readout import FEATURE, READOUT, READOUT_CHANNELS

__all__ = ["THEOREM", "STATED"]

_a, _a3 = strength_symbol(FEATURE), strength_symbol("pi3")
_D = (P + k1 * r**2) * (P * S**2 + k2 * r**2)
#: Section 4 with the compositional output scaled by s on a channel of multiplicity m (s = 1: T4's a1 terms).
STATED: dict[str, sp.Expr] = {
    "OO": M * P**2 * S**2 * _a**2 / _D,
    "GO": M * P * k1 * r**2 * S**2 * _a**2 / _D,
    "OG": M * P * k2 * r**2 * _a**2 / _D,
    "GG": M * k1 * k2 * r**4 * _a**2 / _D + (P - n1) * _a3**2,
    "rho": r * sp.sqrt(k1 / P),
}


def prove(stated: Stated) -> Proof:
    """Block norms of one generic channel; GO/OO is k1 r^2/P per channel, hence for any sum of channels."""
    obs = derive_observables("dense", READOUT_CHANNELS)
    cmp = [compare(f"||W_{k}||^2 (generic channel + complement)", v, stated[k]) for k, v in obs.block_norms_sq.items()]
    feature = {k: v.subs(_a3, 0) for k, v in obs.block_norms_sq.items()}
    cmp.append(compare("per channel ||W_GO||^2 = (r^2 k1/P) ||W_OO||^2 for every s and strength",
                       feature["GO"] - stated["rho"] ** 2 * feature["OO"], 0))
    s1, s2, b1, b2, m1, m2 = sp.symbols("s1 s2 b1 b2 m1 m2", positive=True)
    two = {k: v.subs({S: s1, _a: b1, M: m1}) + v.subs({S: s2, _a: b2, M: m2}) for k, v in feature.items()}
    ratio = sp.simplify(two["GO"] / two["OO"])
    cmp.append(compare("two channels with unrelated s1, s2 and strengths b1, b2: rho^2", ratio, stated["rho"] ** 2))
    cmp.append(Comparison("so rho does not change during training even when the s_i differ", ratio, sp.Integer(0),
                          not ratio.free_symbols & {s1, s2, b1, b2, m1, m2}))
    d = obs.derivation.then("Two channels (s1, b1), (s2, b2): ||W_GO||^2 / ||W_OO||^2", ratio)
    return Proof(tuple(cmp), d)


def certify(d, stated: Stated) -> list[Check]:
    """Derived block norms (summed over A's singular values) equal those of an explicit spectral map."""
    checks = []
    for arch in ARCHITECTURES:
        names = [mv.mode.name for _, mv in instance_modes(d, arch)]
        strengths = {n: mpmath.mpf(i + 2) / 7 for i, n in enumerate(names)}  # distinct, arbitrary
        W = spectral_map(d, arch, strengths, "mpmath")
        measured = block_norms(W, d)
        derived = derived_block_norms_sq(d, arch, strengths)
        scale = max(fro(W), mpmath.mpf(1))
        for key, value in derived.items():
            checks.append(Check(d, f"||W_{key}|| ({arch})", rel(mpmath.sqrt(value) - measured[key], scale)))
    return checks


THEOREM = Theorem(
    "T4", "Block norms (general readout)",
    "On the channel of a singular value s of A (multiplicity m, strength a): ||W_OO||^2 = m P^2 s^2 a^2/D_s, "
    "||W_GO||^2 = m P k1 r^2 s^2 a^2/D_s, ||W_OG||^2 = m P k2 r^2 a^2/D_s, D_s = (P + k1 r^2)(P s^2 + k2 r^2); "
    "channels add, and ||W_GO||/||W_OO|| = r sqrt(k1/P) at every moment even when the s_i differ",
    (GENERIC, "strengths >= 0 arbitrary, one per mode (so the identities hold at every moment of training)", SAMPLES),
    STATED, prove, certify, family=READOUT,
)
