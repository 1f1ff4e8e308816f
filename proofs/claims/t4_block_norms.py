"""T4 Block norms (docs/theory.md section 4): the four block norms of U diag(a) V^T and their constant ratio."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import compile_expr
from numeric.certify import Check
from numeric.certify_dynamics import mode_parameters, rel
from numeric.maps import block_norms, fro, spectral_map
from numeric.matrices import evaluate
from numeric.simcheck import MAX_STEPS, SimCheck, converge_steps, run, size
from numeric.tolerances import rounding
from numeric.trajectory import observables_at
from proofs.claims.common import GENERIC, P, k1, k2, n1, n2, r
from proofs.theorem import Proof, Stated, Theorem, compare
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.observables import BLOCKS, derive_observables, strength_symbol

__all__ = ["THEOREM", "STATED"]

_a1, _a2, _a3 = (strength_symbol(m) for m in ("pi1", "pi2", "pi3"))
_D = (P + k1 * r**2) * (P + k2 * r**2)
#: Squared block norms in the dense strengths (a_pi1, a_pi2, a_pi3), their sum, and the squared ratio.
STATED: dict[str, sp.Expr] = {
    "OO": n2 * P**2 * _a1**2 / _D,
    "GO": n2 * P * k1 * r**2 * _a1**2 / _D,
    "OG": n2 * P * k2 * r**2 * _a1**2 / _D + (n1 - n2) * P * _a2**2 / (P + k1 * r**2),
    "GG": n2 * k1 * k2 * r**4 * _a1**2 / _D + (n1 - n2) * k1 * r**2 * _a2**2 / (P + k1 * r**2) + (P - n1) * _a3**2,
    "sum": n2 * _a1**2 + (n1 - n2) * _a2**2 + (P - n1) * _a3**2,
    "rho": r * sp.sqrt(k1 / P),
}


def prove(stated: Stated) -> Proof:
    """Block norms of the dense (and shallow) map in its mode strengths, their sum and the constant ratio."""
    obs = derive_observables("dense")
    cmp = [compare(f"||W_{k}||^2", v, stated[k]) for k, v in obs.block_norms_sq.items()]
    cmp.append(compare("sum of the four block norms", sum(obs.block_norms_sq.values()), stated["sum"]))
    cmp.append(compare("(||W_GO|| / ||W_OO||)^2 = r^2 k1 / P, independent of the strengths",
                       obs.rho_sq, stated["rho"] ** 2))
    shallow = derive_observables("shallow")
    cmp += [compare(f"shallow ||W_{k}||^2 (same modes)", v, stated[k]) for k, v in shallow.block_norms_sq.items()]
    return Proof(tuple(cmp), obs.derivation)


#: The architectures whose maps the stated formulas describe (one module carrying the dense modes).
_STATED_FOR = ("dense", "shallow")
_STRENGTHS = ("pi1", "pi2", "pi3")


def _stated_norms(stated: Stated, d: Dataset, strengths: dict, backend: str) -> dict:
    """The stated squared block norms (and their sum) at the given dense strengths, and the stated rho."""
    args = s.PARAMS + tuple(strength_symbol(n) for n in _STRENGTHS)
    values = [d.n1, d.n2, d.k1, d.k2, evaluate(s.r, d, backend)] + [strengths.get(n, 0) for n in _STRENGTHS]
    out = {k: compile_expr(stated[k], args, backend)(*values) for k in (*BLOCKS, "sum")}
    out["rho"] = evaluate(stated["rho"], d, backend)
    return out


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Derived (every architecture) and stated (dense, shallow) block norms equal those of an explicit map.

    The map is U diag(a) V^T built from the concrete singular vectors at arbitrary distinct strengths.
    """
    checks = []
    for arch in ARCHITECTURES:
        obs = derive_observables(arch)
        names = list(obs.strengths)
        present = {mode.name for _, mode, _, _ in mode_parameters(d, arch)}
        # Arbitrary distinct strengths on the present modes; absent modes (pi = 0) carry none.
        strengths = {n: mpmath.mpf(i + 2) / 7 if n in present else mpmath.mpf(0) for i, n in enumerate(names)}
        W = spectral_map(d, arch, strengths, "mpmath")
        measured = block_norms(W, d)
        args = s.PARAMS + tuple(strength_symbol(n) for n in names)
        values = [d.n1, d.n2, d.k1, d.k2, evaluate(s.r, d, "mpmath")] + [strengths[n] for n in names]
        scale = fro(W)
        for key in BLOCKS:
            derived = mpmath.sqrt(compile_expr(obs.block_norms_sq[key], args, "mpmath")(*values))
            checks.append(Check(d, f"||W_{key}|| ({arch})", rel(derived - measured[key], scale)))
        if arch not in _STATED_FOR:
            continue
        want = _stated_norms(stated, d, strengths, "mpmath")
        for key in BLOCKS:
            checks.append(Check(d, f"stated ||W_{key}||^2 ({arch})", rel(want[key] - measured[key] ** 2, scale**2)))
        checks.append(Check(d, f"stated sum = ||W||^2 ({arch})", rel(want["sum"] - scale**2, scale**2)))
        if measured["OO"] > 0:
            checks.append(Check(d, f"stated rho = ||W_GO||/||W_OO|| ({arch})",
                                rel(want["rho"] - measured["GO"] / measured["OO"], 1)))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Block norms of the trained weights equal the derived (and, dense/shallow, stated) formulas.

    Evaluated at the trained mode strengths, so the comparison isolates the block structure from the
    dynamics; the tolerance is float64 rounding of the run times the largest norm.
    """
    out = []
    for arch in ARCHITECTURES:
        steps = min(converge_steps(d, arch), MAX_STEPS)
        res = run(d, arch, steps, max(1, steps // 20))
        trained = {name: res.modes[name][0] for name in res.modes}
        norms, _, _ = observables_at(d, arch, trained)
        scale = max(float(np.max(v)) for v in norms.values()) or 1.0
        tol = rounding(size(d), steps) * scale
        err = max(float(np.max(np.abs(norms[k] - res.block_norms[k][0]))) for k in norms)
        out.append(SimCheck(d, f"block norms of trained {arch} weights vs formulas", err, tol))
        if arch in _STATED_FOR:
            want = _stated_norms(stated, d, trained, "numpy")
            err = max(float(np.max(np.abs(np.sqrt(want[k]) - res.block_norms[k][0]))) for k in BLOCKS)
            out.append(SimCheck(d, f"block norms of trained {arch} weights vs docs/theory.md section 4", err, tol))
    return out


THEOREM = Theorem(
    "T4", "Block norms",
    "For W = U diag(a) V^T: ||W_OO||^2 = n2 P^2 a1^2/D, ||W_GO||^2 = n2 P k1 r^2 a1^2/D, ||W_OG||^2 and "
    "||W_GG||^2 as in docs/theory.md section 4 (D = (P + k1 r^2)(P + k2 r^2)); ||W_GO||/||W_OO|| = r sqrt(k1/P)",
    (GENERIC, "a1, a2, a3 >= 0 arbitrary (so the identities hold at every moment of training)"),
    STATED, prove, certify, simulate=simulate,
)
