"""Held-out errors (claim T10) at high precision, their certificate, and gradient descent on a subset.

``heldout_errors`` evaluates the T10 formulas for a dataset with a training
subset: :mod:`theory.heldout` reduces them to n1 x n1 matrices (one solve
with ``K + c I``, ``K = B_T B_T^T``, per held-out item, or the projector onto
span(B_T)) in exact arithmetic, so no dense high-precision SVD is needed, and
this module converts the exact values to the working precision.

``heldout_checks`` certifies them against the direct least-squares prediction
from the explicit training data of each module (:func:`numeric.maps.least_squares_solver`:
an n1 x n1 system with ``F F^T + c I`` when c > 0, the exact pseudo-inverse of
the integer ``F F^T`` when c = 0; no SVD, no j x j solve). ``gd_heldout`` trains the real
networks on the training items with ``numeric.simulate`` and measures the
same errors, with an a-posteriori bound on the distance to the least-squares
map (see :func:`gd_heldout`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import mpmath
import numpy as np

from numeric.backends import mp_number
from numeric.certify import Check
from numeric.fullrank import rank_mod_p
from numeric.maps import guard_digits, least_squares_solver
from numeric.matrices import codes, item_matrices, module_slices
from numeric.simulate import simulate
from theory.architectures import ARCHITECTURES, get_architecture
from theory.dataset import Dataset
from theory.heldout import exact_heldout_errors

__all__ = [
    "HeldoutResult", "heldout_errors", "spectral_heldout", "axes_in_span", "heldout_checks", "GDHeldout", "gd_heldout", "INIT_SCALE", "CONVERGED",
]

#: Standard deviation of each initial weight of the held-out gradient descent (small: the weights
#: outside the training span never move, so they stay this small and perturb held-out predictions little).
INIT_SCALE = 1e-9
#: Bound on the distance of a trained network's held-out predictions from the least-squares ones
#: below which a run counts as converged (far below any held-out error the claim distinguishes).
CONVERGED = 1e-6


@dataclass(frozen=True)
class HeldoutResult:
    """Held-out errors of one architecture: per held-out item and their means.

    ``omega`` / ``gamma`` (len = held-out items): squared error summed over the
    compositional / identity output units; mpf or float by backend.
    """

    dataset: Dataset
    arch: str
    items: tuple[int, ...]
    omega: tuple[Any, ...]
    gamma: tuple[Any, ...]

    @property
    def mean_omega(self) -> Any:
        return sum(self.omega) / len(self.omega) if self.omega else 0

    @property
    def mean_gamma(self) -> Any:
        return sum(self.gamma) / len(self.gamma) if self.gamma else 0


def axes_in_span(d: Dataset) -> bool:
    """True when every selected axis lies in the span of the training codes (exact rank test)."""
    B = codes(d.n1)
    T = [B[:, i].tolist() for i in d.train_items]
    axes = [[int(k == i) for k in range(d.n1)] for i in d.selection]
    return rank_mod_p(T + axes, d.n1) == rank_mod_p(T, d.n1)


def heldout_errors(d: Dataset, arch: str, backend: str = "mpmath") -> HeldoutResult:
    """The T10 held-out errors of ``arch`` on ``d`` (``d.train`` set), per held-out item.

    The formulas are evaluated exactly by :func:`theory.heldout.exact_heldout_errors`
    (n1 x n1 rational or surd arithmetic, no SVD) and converted to mpf at the
    current ``mpmath.mp.dps`` (``backend="mpmath"``) or to float64.
    """
    get_architecture(arch)
    if backend not in ("numpy", "mpmath"):
        raise ValueError(f"backend must be one of numpy, mpmath; got {backend!r}")
    if d.train is None:
        raise ValueError("train must be set on the dataset (a training subset) for held-out errors")
    exact = _exact_heldout_errors(d, arch)
    cast = float if backend == "numpy" else mp_number
    return HeldoutResult(d, arch, exact.items, tuple(cast(x) for x in exact.omega),
                         tuple(cast(x) for x in exact.gamma))


@lru_cache(maxsize=256)
def _exact_heldout_errors(d: Dataset, arch: str) -> Any:
    """:func:`theory.heldout.exact_heldout_errors`, cached: the certificate asks each (subset, architecture) twice."""
    return exact_heldout_errors(d, arch)


def spectral_heldout(d: Dataset, factor: Callable[[Any, Any], Any], c: Any, backend: str = "mpmath") -> tuple[Any, ...]:
    """``||S f(K) b_u||^2`` for every held-out item u, with ``f(K) = sum_i factor(mu_i, c) q_i q_i^T``.

    ``K = B_T B_T^T = sum_i mu_i q_i q_i^T`` (n1 x n1, exact integers) is
    diagonalized at the working precision (``mpmath.eigsy``) or in float64;
    ``factor`` is a compiled scalar function of an eigenvalue and c (the
    claim passes its stated formula). Generic: any function of K.
    """
    B = codes(d.n1)
    BT = B[:, list(d.train_items)]
    K = BT @ BT.T
    if backend == "mpmath":
        mus, Q = mpmath.eigsy(mpmath.matrix(K.tolist()))
        Q = np.array(Q.tolist(), dtype=object)
        mus = [mus[i] for i in range(d.n1)]
    else:
        mus, Q = np.linalg.eigh(K.astype(float))
    weights = [factor(m, c) for m in mus]
    out = []
    for u in d.heldout_items:
        b = B[:, u].tolist()
        coef = [weights[i] * sum(Q[k, i] * b[k] for k in range(d.n1)) for i in range(d.n1)]
        v = [sum(Q[k, i] * coef[i] for i in range(d.n1)) for k in range(d.n1)]
        out.append(sum(v[k] ** 2 for k in d.selection))
    return tuple(out)


def _direct_errors(d: Dataset, arch: str) -> tuple[list[Any], list[Any]]:
    """Held-out errors from the explicit training data of each module (independent route).

    Each module's prediction ``Y_m X_m^+ x_u`` is computed from its explicit
    training inputs and outputs by :func:`numeric.maps.least_squares_solver`
    (the small ``F F^T + c I`` system, or the exact pseudo-inverse of the code
    Gram matrix when c = 0), at the working precision plus guard digits; the
    T10 formulas are not used. A block's error is the sum over the modules
    that produce its rows.
    """
    omega = [[] for _ in d.heldout_items]
    gamma = [[] for _ in d.heldout_items]
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        part_omega, part_gamma = _module_errors(d, tuple(rows.tolist()), tuple(cols.tolist()), mpmath.mp.dps)
        for k in range(len(omega)):
            omega[k].append(part_omega[k])
            gamma[k].append(part_gamma[k])
    return [mpmath.fsum(x) for x in omega], [mpmath.fsum(x) for x in gamma]


@lru_cache(maxsize=256)
def _module_errors(d: Dataset, rows: tuple[int, ...], cols: tuple[int, ...], dps: int) -> tuple[tuple, tuple]:
    """One module's squared held-out errors over its compositional and its identity output rows, per held-out item.

    Cached per module: architectures share modules (dense and shallow, and the
    Gamma modules of split and segregated).
    """
    held, train = list(d.heldout_items), list(d.train_items)
    coded = [j for j in cols if j < d.n1]  # compositional inputs first, then identity ones
    order = coded + [j for j in cols if j >= d.n1]
    guard = guard_digits(item_matrices(d)[0][np.ix_(order, train)], len(coded))
    n2 = d.block_slices()["omega_y"].stop
    is_omega = [i < n2 for i in rows]
    omega, gamma = [], []
    with mpmath.workdps(dps + guard):
        X, Y = item_matrices(d, "mpmath")
        solve = least_squares_solver(X[np.ix_(order, train)], Y[np.ix_(list(rows), train)], len(coded))
        for x, y in zip(X[np.ix_(order, held)].T.tolist(), Y[np.ix_(list(rows), held)].T.tolist()):
            err = [p - t for p, t in zip(solve({i: v for i, v in enumerate(x) if v}), y)]
            e_omega = [e for e, o in zip(err, is_omega) if o]
            e_gamma = [e for e, o in zip(err, is_omega) if not o]
            omega.append(mpmath.fdot(e_omega, e_omega))
            gamma.append(mpmath.fdot(e_gamma, e_gamma))
    with mpmath.workdps(dps):
        return tuple(+x for x in omega), tuple(+x for x in gamma)


def heldout_checks(d: Dataset, formula: Callable[[Dataset, str], HeldoutResult] = None) -> list[Check]:
    """Relative residuals of the T10 formulas against the direct least-squares predictions, every architecture.

    ``formula`` (default :func:`heldout_errors`) is what is certified; tests
    pass wrong ones as negative controls.
    """
    formula = formula or heldout_errors
    checks = []
    for arch in ARCHITECTURES:
        res = formula(d, arch)
        omega, gamma = _direct_errors(d, arch)
        for name, values, direct in (("compositional", res.omega, omega), ("identity", res.gamma, gamma)):
            scale = max([abs(x) for x in direct] + [mpmath.mpf(1)])
            worst = max((abs(a - b) for a, b in zip(values, direct)), default=mpmath.mpf(0))
            checks.append(Check(d, f"{arch} {name} held-out error: formula vs direct least squares",
                                float(worst / scale)))
    return checks


# --------------------------------------------------------------------------- gradient descent


@dataclass(frozen=True)
class GDHeldout:
    """Held-out errors of a network trained by gradient descent on the training items.

    ``omega``/``gamma`` as in :class:`HeldoutResult` (float64), of the trained
    map applied to the part of each held-out input inside the training span;
    ``omega_bound``/``gamma_bound`` bound the distance of those predictions from
    the least-squares ones; ``off_span`` is the response ``||W (I - Pi) x_u||`` to
    the rest, which only the never-moving initial weights produce
    (:func:`gd_heldout`); ``steps``, ``lr`` of the run.
    """

    dataset: Dataset
    arch: str
    items: tuple[int, ...]
    omega: tuple[float, ...]
    gamma: tuple[float, ...]
    omega_bound: tuple[float, ...]
    gamma_bound: tuple[float, ...]
    off_span: tuple[float, ...]
    steps: int
    lr: float
    seed: int


def _module_stats(d: Dataset, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Training ``Sx``, ``Syx`` of one module, the projector onto its input span and the least non-zero eigenvalue."""
    X, Y = item_matrices(d)
    X, Y = X[np.ix_(cols, list(d.train_items))], Y[np.ix_(rows, list(d.train_items))]
    j = d.n_train
    Sx, Syx = X @ X.T / j, Y @ X.T / j
    w, V = np.linalg.eigh(Sx)
    rank = np.linalg.matrix_rank(X)  # integer-like data: rank unambiguous at float64
    keep = V[:, len(w) - rank:]
    lam = float(w[len(w) - rank]) if rank else math.inf
    return Sx, Syx, keep @ keep.T, lam


def _schedule(d: Dataset, arch: str) -> tuple[float, int]:
    """Learning rate and steps: half the curvature bound at the least-squares map, and enough steps to converge.

    For a deep module at a balanced minimum, the Hessian is bounded by
    ``2 sigma_max(W*) lambda_max(Sx)`` (both layers have squared singular values
    sigma(W*)), so ``eta = 1 / (2 max(sigma_max(W*), 1) lambda_max)`` keeps every
    step well below ``2 / h``; shallow: ``eta = 1 / (2 lambda_max)``. Steps: from an
    initial scale s a deep mode with singular value sigma needs about
    ``(ln(1/s^2) + ln(1/CONVERGED)) / (eta sigma lambda_min)`` steps; shallow
    ``ln(1/CONVERGED) / (eta lambda_min)``; doubled for safety (the convergence
    check then decides).
    """
    lrs, steps = [], []
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        Sx, Syx, proj, lam_min = _module_stats(d, rows, cols)
        lam_max = float(np.linalg.eigvalsh(Sx)[-1]) if Sx.size else 1.0
        Wstar = Syx @ np.linalg.pinv(Sx) if Syx.size else np.zeros((0, 0))
        sv = np.linalg.svd(Wstar, compute_uv=False) if Wstar.size else np.zeros(0)
        sv = sv[sv > 1e-9]
        if module.deep:
            eta = 1 / (2 * max(float(sv.max()) if sv.size else 1.0, 1.0) * lam_max)
            rate = eta * (float(sv.min()) if sv.size else 1.0) * lam_min
            need = (math.log(1 / INIT_SCALE**2) + math.log(1 / CONVERGED)) / rate
        else:
            eta = 1 / (2 * lam_max)
            need = math.log(1 / CONVERGED) / (eta * lam_min)
        lrs.append(eta)
        steps.append(need)
    lr = min(lrs)
    return lr, int(math.ceil(2 * max(steps) * max(lrs) / lr))


def gd_heldout(d: Dataset, arch: str, *, seed: int = 0, max_steps: int = 200_000) -> GDHeldout:
    """Train ``arch`` on the training items of ``d`` from a small random initialization; held-out errors.

    The converged map is the least-squares map on the span of each module's
    training inputs (T9 on the subset); the initial weights outside that span
    never move, and ``W* (I - Pi) = 0``, so the prediction is split into
    ``W Pi x`` (compared with the theory) and ``W (I - Pi) x`` (reported as
    ``off_span``, of the order of the initial scale). For a module with
    training statistics ``Sx, Syx``, trained map W and ``E = Syx - W Sx``, the
    least-squares map satisfies ``W* Sx = Syx``, so ``(W - W*) Sx = -E`` and
    ``D = ||(W - W*) Pi x|| <= ||E||_2 ||Pi x|| / lambda_min`` (lambda_min the
    least non-zero eigenvalue of Sx). An error e = ||y - W Pi x||^2 over a
    block then differs from the theory's e* by at most ``2 sqrt(e*) D + D^2``.
    """
    lr, steps = _schedule(d, arch)
    steps = min(steps, max_steps)
    res = simulate(d, arch, lr=lr, steps=steps, seeds=(seed,), init="random",
                   init_scale=INIT_SCALE, every=max(steps, 1))
    W = res.final_map[0]
    X, Y = item_matrices(d)
    sl = d.block_slices()
    held = list(d.heldout_items)
    pred = np.zeros((d.n_out, len(held)))
    dist = {b: np.zeros(len(held)) for b in ("omega_y", "gamma_y")}
    off = np.zeros(len(held))
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        Sx, Syx, proj, lam = _module_stats(d, rows, cols)
        Wm = W[np.ix_(rows, cols)]
        e_norm = float(np.linalg.norm(Syx - Wm @ Sx, 2)) if Syx.size else 0.0
        x_span = proj @ X[np.ix_(cols, held)]
        pred[rows] = Wm @ x_span  # the trained map on the training span; W* vanishes off it
        off = np.maximum(off, np.linalg.norm(Wm @ (X[np.ix_(cols, held)] - x_span), axis=0))
        D = e_norm * np.linalg.norm(x_span, axis=0) / lam
        for b in module.outputs:
            dist[b] = np.maximum(dist[b], D)
    err = (pred - Y[:, held]) ** 2
    omega = tuple(float(v) for v in err[sl["omega_y"]].sum(axis=0))
    gamma = tuple(float(v) for v in err[sl["gamma_y"]].sum(axis=0))
    return GDHeldout(d, arch, d.heldout_items, omega, gamma, tuple(dist["omega_y"]), tuple(dist["gamma_y"]),
                     tuple(float(x) for x in off), steps, lr, seed)
