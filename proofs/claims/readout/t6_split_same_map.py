"""T6 for general readouts: the split architecture converges to the dense map; its module spectra."""

from __future__ import annotations

import mpmath
import sympy as sp

from numeric.certify import Check, spectrum_checks
from numeric.maps import fro, fro_diff, least_squares_map
from proofs.claims import t6_split_same_map as selection
from proofs.claims.readout.common import GENERIC, SAMPLES, S
from proofs.claims.readout.t1_spectrum import STATED as T1
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps
from theory.readout import FEATURE, READOUT, READOUT_CHANNELS
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: The split Omega module's value scales with s (s = 1: the selection's); Gamma sees pi(0) and pi3.
STATED: dict[str, sp.Expr] = {
    "split omega": S * selection.STATED["omega value"],
    "gamma feature": T1["pi(s)"].subs(S, 0),
    "pi3": T1["pi3"],
}


def prove(stated: Stated) -> Proof:
    """Converged channel maps of split and dense agree for every s; module spectra as stated."""
    dense = converged_channel_maps("dense", READOUT_CHANNELS)
    split = converged_channel_maps("split", READOUT_CHANNELS)
    cmp = [compare(f"converged map on channel {c}, entry {i}", split[c][i] - dense[c][i], 0)
           for c in dense for i in range(4)]
    omega, gamma = (derive_module_spectrum(m, READOUT_CHANNELS) for m in ARCHITECTURES["split"].modules)
    cmp.append(compare("Omega module singular value on the channel of s", omega.mode(FEATURE).singular_value,
                       stated["split omega"]))
    cmp.append(compare("Gamma module on every feature channel: pi(0)", gamma.mode(FEATURE).singular_value,
                       stated["gamma feature"]))
    cmp.append(compare("Gamma module on the complement: pi3", gamma.mode("pi3").singular_value, stated["pi3"]))
    d = omega.derivation.extend(gamma.derivation).then("Converged split and dense maps coincide per channel")
    return Proof(tuple(cmp), d)


def certify(d, stated: Stated) -> list[Check]:
    """Least-squares maps of split and dense agree; the split modules' singular pairs."""
    dense = least_squares_map(d, "dense", "mpmath")
    split = least_squares_map(d, "split", "mpmath")
    checks = [Check(d, "split W* = dense W*", float(fro_diff(split, dense) / max(fro(dense), mpmath.mpf(1))))]
    for module in ARCHITECTURES["split"].modules:
        checks += spectrum_checks(d, module)
    return checks


THEOREM = Theorem(
    "T6", "Modules alone do not help (general readout)",
    "The split architecture converges to the dense map for any readout A; its Omega module has singular value "
    "s sqrt((P + k1 r^2)/P) per singular value s of A, its Gamma module pi(0) on every code direction and pi3",
    (GENERIC, SAMPLES), STATED, prove, certify, family=READOUT,
)
