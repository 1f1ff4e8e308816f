"""T6 Modules alone do not help (docs/theory.md section 5): split converges to the dense map."""

from __future__ import annotations

import numpy as np
import sympy as sp

from numeric.certify import Check, spectrum_checks
from numeric.certify_dynamics import rel
from numeric.maps import block_norms, fro, fro_diff, least_squares_map
from numeric.matrices import evaluate, mode_vectors
from numeric.simcheck import SimCheck, converged, map_tolerance, size
from numeric.tolerances import rounding
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


def _stated_modes() -> list[tuple[int, tuple[str, ...], tuple[str, str]]]:
    """(module index, mode channels) of each stated (value, multiplicity) pair of the split modules."""
    return [(0, ("pi1",), ("omega value", "omega multiplicity")),
            (1, ("pi1", "pi2"), ("pi2", "gamma pi2 multiplicity")),
            (1, ("pi3",), ("pi3", "gamma pi3 multiplicity"))]


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Split and dense converge to the same map; the split modules' spectra as derived and as stated.

    A stated value that is 0 on ``d`` must have no mode; otherwise the concrete mode (certified by the
    spectrum kernel) must have the stated value and multiplicity. The split least-squares map must have
    the stated rho.
    """
    dense = least_squares_map(d, "dense", "mpmath")
    split = least_squares_map(d, "split", "mpmath")
    checks = [Check(d, "split W* = dense W*", float(fro_diff(split, dense) / max(fro(dense), 1)))]
    modules = ARCHITECTURES["split"].modules
    for module in modules:
        checks += spectrum_checks(d, module)
    vectors = [{mv.mode.channel: mv for mv in mode_vectors(d, m, "mpmath")} for m in modules]
    for index, channels, (value_key, count_key) in _stated_modes():
        found = [vectors[index][c] for c in channels if c in vectors[index]]
        value = evaluate(stated[value_key], d, "mpmath")
        count = evaluate(stated[count_key], d, "mpmath")
        if value == 0:
            checks.append(Check(d, f"no split mode where stated {value_key} = 0", float(len(found))))
            continue
        checks.append(Check(d, f"stated {count_key} = count", rel(count - sum(mv.V.shape[1] for mv in found), 1)))
        for mv in found:
            checks.append(Check(d, f"stated {value_key} = split singular value", rel(value - mv.singular_value, value)))
    norms = block_norms(split, d)
    if norms["OO"] > 0:
        rho = evaluate(stated["rho"], d, "mpmath")
        checks.append(Check(d, "stated rho of the split map", rel(norms["GO"] / norms["OO"] - rho, 1)))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Trained split and dense networks reach the same map; the trained split map has the stated rho.

    From spectral initialization rho is independent of the strengths (T4), so it is the stated value at
    every step up to float64 rounding. That rounding does not grow with the steps: in the mode bases the
    reduced map stays diagonal up to the rounding of the reduced Syx (gradient descent converges to
    ``Syx Sx^-1``, off-diagonal entries of relative size eps, not steps x eps), and the mode's entries
    evolve alike, so rho carries the rounding of the bases and of the block norms, one pass of products of
    inner size <= size(d): ``rounding(size(d), 0) = 4 size eps`` relative to 1 + rho (measured 1e-16 to
    2e-16 on the standard datasets).
    """
    dense, split = converged(d, "dense"), converged(d, "split")
    gap = float(np.linalg.norm(split.final_map[0] - dense.final_map[0]))
    steps = int(max(dense.t[-1], split.t[-1]))
    out = [SimCheck(d, "||W_split - W_dense|| after training", gap, 2 * map_tolerance(d, dense.final_map[0], steps))]
    rho = float(evaluate(stated["rho"], d))
    if np.all(np.isfinite(split.rho)):
        out.append(SimCheck(d, "rho of trained split vs r sqrt(k1/P)", float(abs(split.rho[0, -1] - rho)),
                            rounding(size(d), 0) * (1 + rho)))
    return out


THEOREM = Theorem(
    "T6", "Modules alone do not help",
    "The split architecture converges to the same map as the dense one, so it is no more systematic; its Omega "
    "module has singular value sqrt((P + k1 r^2)/P) (multiplicity n2), its Gamma module pi2 (n1) and pi3 (P - n1)",
    (GENERIC, DEGENERATE_SAMPLES),
    STATED, prove, certify, simulate=simulate,
)
