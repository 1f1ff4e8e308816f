"""T10 Held-out items (docs/theory.md section 6): exact predictions for items never trained on."""

from __future__ import annotations

import dataclasses
import math

import mpmath
import sympy as sp

from numeric.certify import Check
from numeric.backends import mp_number
from numeric.backends import compile_expr
from numeric.heldout import CONVERGED, axes_in_span, gd_heldout, heldout_checks, heldout_errors, spectral_heldout
from numeric.matrices import evaluate
from numeric.simcheck import SimCheck
from numeric.tolerances import rounding
from proofs.claims import t5_dense_not_systematic as t5
from proofs.claims.common import P, n2
from proofs.theorem import Comparison, Proof, Stated, Theorem, compare
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.heldout import c_sym, derive_heldout, exact_full_training_error, mu, training_subsets

__all__ = ["THEOREM", "STATED"]

_Q = sp.MatrixSymbol("Qperp", sp.Symbol("n1", integer=True, positive=True), sp.Symbol("n1", integer=True, positive=True))
_S = sp.MatrixSymbol("S", n2, sp.Symbol("n1", integer=True, positive=True))

#: docs/theory.md section 6: M = K (K + cI)^-1 (mu/(mu + c) on an eigenvector of K), the error factor
#: c/(mu + c) of I - M, its c -> 0 limits (M -> Pi_T), the segregated error summed over items, and T5's
#: novel-combination error as the full-training limit (read from T5's module, not retyped).
STATED: dict[str, sp.Expr] = {
    "push-through residual": sp.Integer(0),
    "M on an eigenvector": mu / (mu + c_sym),
    "I - M on an eigenvector": c_sym / (mu + c_sym),
    "gain, mu > 0": sp.Integer(1),
    "gain, mu = 0": sp.Integer(0),
    "error factor, mu > 0": sp.Integer(0),
    "error factor, mu = 0": sp.Integer(1),
    "segregated error summed over items": P * sp.Trace(_S * _Q * _S.T),
    "full-training error": t5.STATED["novel error"],
}


def prove(stated: Stated) -> Proof:
    """Push-through, the action of M and I - M, the c -> 0 limits, the segregated sum and the full-training limit."""
    h = derive_heldout()
    cmp = [
        Comparison("(K + cI) B_T - B_T (G + cI) = 0 for matrix symbols of any shape", h.push_through,
                   stated["push-through residual"],
                   isinstance(h.push_through, sp.ZeroMatrix) and stated["push-through residual"] == 0),
        compare("M = K (K + cI)^-1 on an eigenvector of K", h.gain, stated["M on an eigenvector"]),
        compare("I - M = c (K + cI)^-1 on an eigenvector of K", h.residual, stated["I - M on an eigenvector"]),
    ]
    cmp += [compare(f"limit c -> 0 of the {k}", v, stated[k]) for k, v in h.limits.items()]
    cmp.append(Comparison("segregated error summed over all items = P ||S (I - Pi_T)||^2", h.segregated_total,
                          stated["segregated error summed over items"],
                          sp.simplify(h.segregated_total - stated["segregated error summed over items"]) == 0))
    cmp.append(compare("all items in training: code-averaged error = T5's novel-combination error",
                       h.full_training_error, stated["full-training error"]))
    return Proof(tuple(cmp), h.derivation)


def _stated_compositional(sub: Dataset, stated: Stated, backend: str) -> tuple | None:
    """Dense/split compositional held-out errors from the stated factor of I - M (None when c = 0)."""
    c = sub.k1 * sub.r**2
    if c == 0:
        return None
    factor = compile_expr(stated["I - M on an eigenvector"], (mu, c_sym), backend)
    return spectral_heldout(sub, factor, float(c) if backend == "numpy" else mp_number(c), backend)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """Formula vs direct least squares on degenerate and random training subsets; the full-training limit."""
    checks = []
    for train in training_subsets(d):
        sub = dataclasses.replace(d, train=train)
        checks += [dataclasses.replace(c, what=f"{c.what} (train {list(train)})") for c in heldout_checks(sub)]
        via_stated = _stated_compositional(sub, stated, "mpmath")
        if via_stated is not None:
            direct = heldout_errors(sub, "dense").omega
            scale = max([abs(x) for x in direct] + [mpmath.mpf(1)])
            checks.append(Check(sub, f"stated I - M applied through the spectrum of K vs the dense held-out error "
                                     f"(train {list(train)})",
                                float(max(abs(a - b) for a, b in zip(via_stated, direct)) / scale)))
        seg = heldout_errors(sub, "segregated")
        zero = all(abs(x) <= mpmath.mpf(10) ** (-mpmath.mp.dps // 2) for x in seg.omega)
        checks.append(Check(sub, f"segregated error is 0 on every held-out item iff the selected axes lie in "
                                 f"span(B_T) (train {list(train)})", float(zero != axes_in_span(sub))))
    expected = evaluate(stated["full-training error"], d, "mpmath")
    got = mp_number(exact_full_training_error(d))
    checks.append(Check(d, "all items in training: mean c^2 ||S (K + cI)^-1 b||^2 vs stated",
                        float(abs(got - expected) / max(abs(expected), mpmath.mpf(1)))))
    return checks


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Gradient descent on two training subsets reaches the predicted held-out errors, all four architectures."""
    out = []
    for train in training_subsets(d)[:2]:
        sub = dataclasses.replace(d, train=train)
        via_stated = _stated_compositional(sub, stated, "numpy")
        for arch in ARCHITECTURES:
            gd = gd_heldout(sub, arch)
            theory = heldout_errors(sub, arch, "numpy")
            if via_stated is not None and arch != "segregated":  # compositional outputs read the identity inputs
                theory = dataclasses.replace(theory, omega=via_stated)
            size = sub.n_in + sub.n_out
            worst_D = max(gd.omega_bound + gd.gamma_bound, default=0.0)
            out.append(SimCheck(sub, f"{arch} GD on train {list(train)}: distance from least squares (converged)",
                                worst_D, CONVERGED))
            out.append(SimCheck(sub, f"{arch} GD on train {list(train)}: response to inputs off the training span",
                                max(gd.off_span, default=0.0), CONVERGED))
            for block, sim, th, bound in (("compositional", gd.omega, theory.omega, gd.omega_bound),
                                          ("identity", gd.gamma, theory.gamma, gd.gamma_bound)):
                for u, e_gd, e_th, D in zip(gd.items, sim, th, bound):
                    tol = 2 * math.sqrt(e_th) * D + D**2 + rounding(size, gd.steps) * (1 + e_th)
                    out.append(SimCheck(sub, f"{arch} {block} held-out error of item {u}, train {list(train)}",
                                        abs(e_gd - e_th), tol))
    return out


THEOREM = Theorem(
    "T10", "Held-out items",
    "Trained on items T, every architecture predicts held-out items exactly by least squares: dense and split "
    "have compositional error c^2 ||S (B_T B_T^T + cI)^-1 b_u||^2 (c = k1 r^2) and identity error "
    "k2 r^2 (1 + ||(G + cI)^-1 B_T^T b_u||^2); as c -> 0 and for the segregated network the error is "
    "||S (I - Pi_T) b_u||^2, zero for every u iff the selected axes lie in span(B_T); with all items in "
    "training the mean error is T5's n2 (c/(P + c))^2",
    ("symbolic proof for matrix symbols of any shape and c >= 0 (eigenvalue calculus of K = B_T B_T^T)",
     "certified at 50 digits on training subsets: rank-deficient {0, P-1}, j = n1, j = P - 1 and a random one",
     "gradient descent from a small random initialization (std 1e-9) on two subsets per simulated dataset"),
    STATED, prove, certify, simulate=simulate,
)
