"""T6 Modules alone do not help (THEORY.md section 5): split converges to the dense map."""

from __future__ import annotations

import numpy as np
import sympy as sp

from numeric.certify import Check, spectrum_checks
from numeric.maps import fro, least_squares_map
from numeric.simcheck import SimCheck, converged, map_tolerance
from proofs.claims import t1_spectrum, t5_dense_not_systematic
from proofs.claims.common import DEGENERATE_SAMPLES, GENERIC, P, k1, n1, n2, r
from proofs.theorem import Proof, Stated, Theorem, compare
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps
from theory.dataset import Dataset
from theory.observables import derive_observables
from theory.spectrum import derive_module_spectrum

__all__ = ["THEOREM", "STATED"]

#: The split modules' singular values (pi2, pi3 and rho are T1's and T5's) and multiplicities.
STATED: dict[str, sp.Expr] = {
    "omega value": sp.sqrt((P + k1 * r**2) / P),
    "omega multiplicity": n2,
    "pi2": t1_spectrum.STATED["pi2"],
    "pi3": t1_spectrum.STATED["pi3"],
    "gamma pi2 multiplicity": n1,
    "gamma pi3 multiplicity": P - n1,
    "rho": t5_dense_not_systematic.STATED["rho"],
}


def prove(stated: Stated) -> Proof:
    """Split converges to the dense map on every channel; the module spectra of split."""
    dense, split = converged_channel_maps("dense"), converged_channel_maps("split")
    cmp = [compare(f"converged map on channel {c}, entry {i}", split[c][i] - dense[c][i], 0)
           for c in dense for i in range(4)]
    omega, gamma = (derive_module_spectrum(m) for m in ARCHITECTURES["split"].modules)
    cmp.append(compare("Omega module singular value", omega.mode("pi1").singular_value, stated["omega value"]))
    cmp.append(compare("Omega module multiplicity n2", sum(m.multiplicity for m in omega.modes),
                       stated["omega multiplicity"]))
    cmp.append(compare("Gamma module: pi2 on every code feature", gamma.mode("pi1").singular_value, stated["pi2"]))
    cmp.append(compare("Gamma module: pi2 on unselected features", gamma.mode("pi2").singular_value, stated["pi2"]))
    cmp.append(compare("Gamma module: pi2 multiplicity n1",
                       gamma.mode("pi1").multiplicity + gamma.mode("pi2").multiplicity,
                       stated["gamma pi2 multiplicity"]))
    cmp.append(compare("Gamma module: pi3", gamma.mode("pi3").singular_value, stated["pi3"]))
    cmp.append(compare("Gamma module: pi3 multiplicity P - n1", gamma.mode("pi3").multiplicity,
                       stated["gamma pi3 multiplicity"]))
    obs = derive_observables("split")
    cmp.append(compare("split rho^2 (no more systematic than dense)", obs.rho_sq, stated["rho"] ** 2))
    d = omega.derivation.extend(gamma.derivation).then(
        "Converged maps per channel (modes at pi/lambda) of split and dense coincide", sp.Tuple(*split.values()))
    return Proof(tuple(cmp), d)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Split and dense converge to the same map; the split modules' spectra as derived."""
    dense = least_squares_map(d, "dense", "mpmath")
    split = least_squares_map(d, "split", "mpmath")
    checks = [Check(d, "split W* = dense W*", float(fro(split - dense) / max(fro(dense), 1)))]
    for module in ARCHITECTURES["split"].modules:
        checks += spectrum_checks(d, module)
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Trained split and dense networks reach the same map."""
    dense, split = converged(d, "dense"), converged(d, "split")
    gap = float(np.linalg.norm(split.final_map[0] - dense.final_map[0]))
    steps = int(max(dense.t[-1], split.t[-1]))
    return [SimCheck(d, "||W_split - W_dense|| after training", gap, 2 * map_tolerance(d, dense.final_map[0], steps))]


THEOREM = Theorem(
    "T6", "Modules alone do not help",
    "The split architecture converges to the same map as the dense one, so it is no more systematic; its Omega "
    "module has singular value sqrt((P + k1 r^2)/P) (multiplicity n2), its Gamma module pi2 (n1) and pi3 (P - n1)",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify, simulate=simulate,
)
