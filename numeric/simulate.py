"""Batched full-batch gradient descent on the linear architectures (THEORY.md section 3).

One call trains many networks at once: every (dataset, learning rate, seed)
triple is one network, and all of them advance together as stacked arrays of
shape ``(batch, out, in)`` through batched ``np.matmul``. The step uses the
dataset statistics, never the items.

Layout of a run
---------------
* :func:`init` builds a :class:`System` (constants: reduced statistics, bases,
  learning rates) and the initial :class:`State` (weights, step count).
* :func:`step` is pure: ``step(system, state) -> state`` with the simultaneous
  update

  .. math::

      W_1 \\leftarrow W_1 + \\eta W_2^T (S_{yx} - W_2 W_1 S_x), \\quad
      W_2 \\leftarrow W_2 + \\eta (S_{yx} - W_2 W_1 S_x) W_1^T

  (shallow: :math:`W \\leftarrow W + \\eta (S_{yx} - W S_x)`), applied to each
  module with its own rows of y / columns of x.
* :func:`observe` reads the observables of ``modspec trajectory`` from a state;
  :func:`run` is the driver loop (checkpoints, progress, divergence checks);
  :func:`simulate_batch` and :func:`simulate` validate, check the stability
  bound and return a :class:`SimulationResult`.

Reduced coordinates (exact, not an approximation)
--------------------------------------------------
Let ``Q_in`` (module inputs x p) have orthonormal columns spanning the span of
the module's inputs (the column space of its ``X``), so ``Sx = Q_in Sx_r Q_in^T``
and ``Syx = Syx_r Q_in^T``. Write ``W1 = W1_r Q_in^T + W1_perp`` with
``W1_perp Q_in = 0``. The update of W1 is ``W2^T E`` with ``E = Syx - W2 W1 Sx``,
whose rows lie in the span, so ``W1_perp`` never moves; and ``W1_perp`` drops
out of ``E`` (``W1_perp Sx = 0``) and of ``E W1^T`` (``E W1_perp^T = 0``). The
dynamics of ``(W1_r, W2)`` are therefore the same gradient descent with
``(Sx_r, Syx_r)``. On the output side, the columns of ``W2`` stay in
``span(Y) + span(W2(0))`` because ``E W1^T`` has its columns there; for the
spectral initialization ``W2(0)`` already lies in ``span(Y)``, so the outputs
are run in an orthonormal basis ``Q_out`` of ``span(Y)``; the random
initialization keeps the full output space (``Q_out = I``). The full map is
``Q_out W2 (W1_r Q_in^T + W1_perp)``.

Batch order
-----------
Network ``b`` of a batch over ``datasets`` x ``lr`` x ``seeds`` is
``b = (i_dataset * len(lr) + i_lr) * len(seeds) + i_seed`` (row-major: seeds
vary fastest). The random draw depends on the seed only, so the same seed gives
the same initial weights for every learning rate (and dataset of the shape).

Stability
---------
Gradient descent on a quadratic-like loss diverges when the step exceeds
``2 / h`` for the largest Hessian eigenvalue h met along the run.

* Shallow: the Hessian is constant, ``h = lambda_max(Sx)``.
* Deep, at the balanced fixed point ``W1 = R diag(sqrt a*) V^T``,
  ``W2 = U diag(sqrt a*) R^T``: in the mode basis the Hessian's quadratic form
  is ``||(dW2 W1 + W2 dW1) Sx^(1/2)||^2``; the entry (k, l) of the map
  perturbation receives ``dW2[k, l] sqrt(a_l lambda_l) = dW2[k, l] sqrt(pi_l)``
  and ``dW1[k, l] sqrt(a_k lambda_l)``, every parameter feeds one entry, so
  the Hessian splits into 2x2 rank-one blocks with eigenvalue
  ``pi_l + a_k lambda_l``. The top eigenvalue is
  ``h* = max_l (pi_l + a*_max lambda_l)`` over the eigen-directions l of Sx
  (``pi_l = 0`` off the modes); for a single mode it is ``2 pi``, so
  ``eta < 1 / pi``.
* Deep, at the initial point (``a0`` need not be small): with
  ``d^2 L = ||(dW2 W1 + W2 dW1) Sx^(1/2)||^2 - 2 tr(E^T dW2 dW1)``,
  Cauchy-Schwarz gives ``h0 <= sigma(W1 Sx^(1/2))^2 + sigma(W2)^2 lambda_max
  + sigma(E)`` (spectral norms at the initial weights), computed per network.

The bound reported is ``2 / max(h*, h0)`` (minimum over modules). Both terms
are curvature bounds at the end points of a monotone run; a learning rate at or
above it raises :class:`DivergenceError`, and so do non-finite values during
the run, naming the step at which they were found.

Euler error from spectral initialization
----------------------------------------
For one mode, write ``x = a / a*`` and ``h = 2 pi eta``. Gradient descent on
the balanced pair ``s1 = s2 = sqrt(a)`` gives
``a <- a (1 + eta (pi - lambda a))^2``, i.e. in x
``x <- x + h x (1 - x) + (h^2 / 4) x (1 - x)^2``, while the exact flow
``x' = x (1 - x)`` (time in units of ``1 / (2 pi eta)`` steps) advances by
``h x(1-x) + (h^2 / 2) x(1-x)(1-2x) + O(h^3)``. The local defect is
``(h^2 / 4) x (1 - x) (3x - 1)``; the variational equation of the logistic
flow has the fundamental solution ``g(s) / g(sigma)`` with ``g = x(1-x)``, so
the global error is, to first order in h,

.. math::

    e(s) = \\frac{h}{4}\\, g(s) \\int_0^s (3x - 1)\\, d\\sigma
         = -\\frac{h}{4}\\, g(x)\\left[\\ln\\frac{x}{x_0}
           + 2 \\ln\\frac{1 - x}{1 - x_0}\\right],

using ``int x ds = ln((1 - x0)/(1 - x))``. In a: ``|a_sim - a_theory| =
a* |e| <= C(x0) * eta * pi * a*`` with

.. math::

    C(x_0) = \\tfrac12 \\sup_x \\left| x (1 - x) \\left[\\ln\\frac{x}{x_0}
             + 2 \\ln\\frac{1 - x}{1 - x_0}\\right]\\right|

(sup over x between x0 and 1), see :func:`euler_error_constant`. For
``x0 = 1e-3`` it is about 0.61; it grows like ``ln(1 / x0) / 8`` for small x0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from numeric.maps import selection_matrix
from numeric.matrices import data_matrices, mode_vectors, module_slices
from theory.architectures import Architecture, Module, get_architecture
from theory.dataset import Dataset

__all__ = [
    "INITS", "DivergenceError", "ModuleSystem", "System", "State", "SimulationResult",
    "init", "step", "observe", "full_map", "run", "simulate", "simulate_batch", "stability_bound",
    "euler_error_constant",
]

#: Valid initializations.
INITS = ("spectral", "random")
#: Relative singular-value cutoff for the span of the data (float64 rounding of an SVD of X).
_RANK_RTOL = 1e-10
#: Most calls to ``progress`` in one run (also the minimum number of finiteness checks).
_PROGRESS_CALLS = 32


class DivergenceError(ValueError):
    """Gradient descent would diverge or did: learning rate at/above the bound, or non-finite values."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ModuleSystem:
    """Constants of one module over a batch, in reduced coordinates.

    Shapes (``B`` = batch, ``p`` = reduced inputs, ``q`` = reduced outputs,
    ``m_in``/``m_out`` = the module's full input/output sizes):

    * ``rows`` (m_out,), ``cols`` (m_in,): indices into y and x.
    * ``Q_in`` (B, m_in, p): orthonormal, spans the module inputs' data span.
    * ``Q_out`` (B, m_out, q): orthonormal, contains span(Y) and W2's columns.
    * ``Sx`` (B, p, p), ``Syx`` (B, q, p): statistics in those bases.
    * ``W1_perp`` (B, h, m_in) or None: the frozen part of W1 (deep only).
    * ``modes``: mode name -> (U (B, m_out, m), V (B, m_in, m)) full-space vectors.
    """

    module: Module
    rows: np.ndarray
    cols: np.ndarray
    Q_in: np.ndarray
    Q_out: np.ndarray
    Sx: np.ndarray
    Syx: np.ndarray
    W1_perp: np.ndarray | None
    modes: dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class System:
    """Everything constant during a batched run.

    ``lr`` (B,) per network; ``selection`` (B, n2, n1) the matrices S;
    ``modules`` one :class:`ModuleSystem` per module of ``arch``.
    """

    datasets: tuple[Dataset, ...]
    arch: Architecture
    init: str
    lr: np.ndarray
    seeds: tuple[int, ...]
    dataset_index: np.ndarray
    modules: tuple[ModuleSystem, ...]
    selection: np.ndarray

    @property
    def batch(self) -> int:
        """Number of networks."""
        return int(self.lr.shape[0])


@dataclass(frozen=True)
class State:
    """Weights after ``t`` steps: per module ``(W1 (B, h, p), W2 (B, q, h))`` or ``(W (B, q, p),)``."""

    t: int
    weights: tuple[tuple[np.ndarray, ...], ...]


@dataclass(frozen=True)
class SimulationResult:
    """Observables of a batched run at checkpoints.

    Attributes
    ----------
    dataset : Dataset
        The dataset (the first one for a multi-dataset batch; see ``datasets``).
    arch, init : str
    lr : ndarray (batch,)
        Learning rate of each network.
    seeds : tuple of int, length batch
        Seed of each network.
    t : ndarray (n_ckpt,)
        Step counts of the checkpoints ``0, every, 2 every, ..., steps``.
    modes : dict name -> ndarray (batch, n_ckpt)
        Mode strengths ``mean_i U[:, i]^T W_module V[:, i]``.
    block_norms : dict "OO", "GO", "OG", "GG" -> ndarray (batch, n_ckpt)
        Frobenius norms of the blocks of the full map.
    rho, novel_error : ndarray (batch, n_ckpt)
        ``||W_GO|| / ||W_OO||`` (NaN where ``||W_OO|| = 0``) and ``||W_OO - S||^2``.
    final_map : ndarray (batch, n_out, n_in)
        The full map ``W2 W1`` (or ``W``) after the last step.
    bound : ndarray (batch,)
        The stability bound on the learning rate of each network.
    datasets : tuple of Dataset, length batch
        Dataset of each network.
    """

    dataset: Dataset
    arch: str
    lr: np.ndarray
    seeds: tuple[int, ...]
    init: str
    t: np.ndarray
    modes: dict[str, np.ndarray]
    block_norms: dict[str, np.ndarray]
    rho: np.ndarray
    novel_error: np.ndarray
    final_map: np.ndarray
    bound: np.ndarray | None = None
    datasets: tuple[Dataset, ...] = ()


# --------------------------------------------------------------------------- validation


def _check_number(name: str, value: object, allowed: str, ok: Callable[[float], bool]) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number {allowed}; got {value!r}")
    v = float(value)
    if not math.isfinite(v) or not ok(v):
        raise ValueError(f"{name} must be a real number {allowed}; got {value!r}")
    return v


def _check_int(name: str, value: object, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < lo:
        raise ValueError(f"{name} must be an integer >= {lo}; got {value!r}")
    return int(value)


def _check_lrs(lr: object) -> np.ndarray:
    if isinstance(lr, (int, float, np.integer, np.floating)) and not isinstance(lr, bool):
        values = [lr]
    else:
        try:
            values = list(lr)  # type: ignore[call-overload]
        except TypeError:
            values = [lr]
    if not values:
        raise ValueError(f"lr must be a number > 0 or a non-empty sequence of them; got {lr!r}")
    return np.array([_check_number("lr", v, "> 0", lambda x: x > 0) for v in values])


def _check_seeds(seeds: object) -> tuple[int, ...]:
    values = [seeds] if isinstance(seeds, (int, np.integer)) else list(seeds)  # type: ignore[arg-type]
    if not values:
        raise ValueError("seeds must be a non-empty sequence of integers >= 0; got ()")
    return tuple(_check_int("seeds", s, 0) for s in values)


def _module_rank(d: Dataset, module: Module) -> int:
    return sum(mv.U.shape[1] for mv in mode_vectors(d, module))


# --------------------------------------------------------------------------- init


def _orth_span(A: np.ndarray, width: int) -> np.ndarray:
    """``width`` orthonormal columns whose first ones span the column space of A (n x m)."""
    n = A.shape[0]
    if n == 0 or width == 0:
        return np.zeros((n, width))
    U, s, _ = np.linalg.svd(A, full_matrices=True)
    return U[:, :width]


def _span_rank(A: np.ndarray) -> int:
    if A.size == 0:
        return 0
    s = np.linalg.svd(A, compute_uv=False)
    return int(np.sum(s > _RANK_RTOL * max(s[0], 1.0)))


def init(
    datasets: Sequence[Dataset],
    arch: str,
    *,
    lr: float | Sequence[float],
    seeds: int | Sequence[int] = (0,),
    init: str = "spectral",
    a0: float = 1e-3,
    init_scale: float = 1e-3,
    hidden: int | None = None,
) -> tuple[System, State]:
    """Build the constants and the initial state of a batched run.

    Arguments are validated as in :func:`simulate_batch`, except that the
    stability bound is not enforced (see :func:`stability_bound`).

    Initializations
    ---------------
    ``"spectral"``: per module, ``W1 = R diag(sqrt a0) V^T``,
    ``W2 = U diag(sqrt a0) R^T`` over the module's present modes (shallow:
    ``W = U diag(a0) V^T``); R (hidden x rank) has orthonormal columns drawn
    from the seed (QR of a Gaussian matrix).
    ``"random"``: every entry of W1 (hidden x inputs) and W2 (outputs x hidden),
    or of W, is i.i.d. Gaussian with standard deviation ``init_scale``
    (no fan-in scaling), drawn with ``numpy.random.default_rng(seed)`` module
    by module (W1 then W2).
    ``hidden`` (default: the module's rank, at least 1) is used for every
    deep module and must be at least each module's rank.
    """
    datasets = tuple(datasets)
    if not datasets or any(not isinstance(d, Dataset) for d in datasets):
        raise ValueError(f"datasets must be a non-empty sequence of Dataset; got {datasets!r}")
    shape = {(d.n1, d.n2, d.k1, d.k2) for d in datasets}
    if len(shape) != 1:
        raise ValueError(f"datasets must share (n1, n2, k1, k2); got {sorted(shape)}")
    architecture = get_architecture(arch)
    lrs = _check_lrs(lr)
    seed_list = _check_seeds(seeds)
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    _check_number("a0", a0, "> 0", lambda x: x > 0)
    _check_number("init_scale", init_scale, "> 0", lambda x: x > 0)
    ranks = [max(_module_rank(d, m) for d in datasets) for m in architecture.modules]
    if hidden is not None:
        _check_int("hidden", hidden, 1)
        need = max([r for r, m in zip(ranks, architecture.modules) if m.deep] or [1])
        if hidden < need:
            raise ValueError(f"hidden must be an integer >= {need} (the largest module rank); got {hidden}")

    nd, nl, ns = len(datasets), len(lrs), len(seed_list)
    B = nd * nl * ns
    d_idx = np.repeat(np.arange(nd), nl * ns)
    lr_b = np.tile(np.repeat(lrs, ns), nd)
    seed_b = tuple(seed_list) * (nd * nl)
    rngs = [np.random.default_rng(s) for s in seed_b]  # one stream per network, shared by its modules
    mats = [data_matrices(d) for d in datasets]

    modules, weights = [], []
    for module, rank in zip(architecture.modules, ranks):
        rows, cols = module_slices(datasets[0], module)
        h = max(hidden if hidden is not None else rank, 1)
        Xm = [X[cols] for X, _ in mats]
        Ym = [Y[rows] for _, Y in mats]
        p = max(_span_rank(X) for X in Xm)
        Q_in_d = np.stack([_orth_span(X, p) for X in Xm])  # (nd, m_in, p)
        mvs = [mode_vectors(d, module) for d in datasets]
        names = [mv.mode.name for mv in mvs[int(np.argmax([len(m) for m in mvs]))]]
        modes = {}
        for name in names:
            hits = [[mv for mv in dm if mv.mode.name == name] for dm in mvs]
            width = max(h[0].U.shape[1] for h in hits if h)
            Us, Vs = [], []
            for hit in hits:
                if hit:
                    Us.append(np.asarray(hit[0].U, float))
                    Vs.append(np.asarray(hit[0].V, float))
                else:  # mode absent on this dataset (degenerate r): NaN strength
                    Us.append(np.full((len(rows), width), np.nan))
                    Vs.append(np.full((len(cols), width), np.nan))
            widths = {u.shape[1] for u in Us}
            if len(widths) != 1:
                raise ValueError(f"mode {name} has different multiplicities across datasets")
            modes[name] = (np.stack(Us)[d_idx], np.stack(Vs)[d_idx])

        # initial weights in the full space, per network
        W1s, W2s = [], []
        for b in range(B):
            rng, dm = rngs[b], mvs[d_idx[b]]
            if init == "random":
                if module.deep:
                    W1s.append(rng.normal(0.0, init_scale, (h, len(cols))))
                    W2s.append(rng.normal(0.0, init_scale, (len(rows), h)))
                else:
                    W1s.append(rng.normal(0.0, init_scale, (len(rows), len(cols))))
                continue
            U = np.hstack([np.asarray(mv.U, float) for mv in dm] or [np.zeros((len(rows), 0))])
            V = np.hstack([np.asarray(mv.V, float) for mv in dm] or [np.zeros((len(cols), 0))])
            m = U.shape[1]
            if module.deep:
                R = np.linalg.qr(rng.normal(size=(h, h)))[0][:, :m] if h else np.zeros((0, m))
                W1s.append(R @ (math.sqrt(a0) * V.T))
                W2s.append((math.sqrt(a0) * U) @ R.T)
            else:
                W1s.append(a0 * U @ V.T)
        Q_in = Q_in_d[d_idx]
        if init == "spectral":
            q = max(_span_rank(Y) for Y in Ym)
            Q_out = np.stack([_orth_span(Y, q) for Y in Ym])[d_idx]
        else:
            Q_out = np.broadcast_to(np.eye(len(rows)), (B, len(rows), len(rows)))
        Qt_in = np.swapaxes(Q_in, 1, 2)
        Qt_out = np.swapaxes(Q_out, 1, 2)
        P = datasets[0].P
        Z = np.stack([Q_in_d[i].T @ Xm[i] for i in range(nd)])  # (nd, p, P)
        Sx = (Z @ np.swapaxes(Z, 1, 2) / P)[d_idx]
        Syx = Qt_out @ (np.stack([Ym[i] @ Z[i].T for i in range(nd)]) / P)[d_idx]
        if module.deep:
            W1 = np.stack(W1s)
            W1_r = W1 @ Q_in
            W1_perp = W1 - W1_r @ Qt_in if init == "random" else None
            state = (W1_r, Qt_out @ np.stack(W2s))
        else:
            W = np.stack(W1s)
            W1_perp = W - Q_out @ (Qt_out @ W @ Q_in) @ Qt_in if init == "random" else None
            state = (Qt_out @ W @ Q_in,)
        modules.append(ModuleSystem(module, rows, cols, Q_in, np.ascontiguousarray(Q_out), Sx, Syx, W1_perp, modes))
        weights.append(tuple(np.ascontiguousarray(w) for w in state))

    S = np.stack([selection_matrix(d) for d in datasets])[d_idx]  # each network's own selection
    system = System(datasets, architecture, init, lr_b, seed_b, d_idx, tuple(modules), S)
    return system, State(0, tuple(weights))


# --------------------------------------------------------------------------- step


def step(system: System, state: State) -> State:
    """One simultaneous gradient-descent step of every module of every network."""
    lr = system.lr[:, None, None]
    new = []
    for ms, w in zip(system.modules, state.weights):
        if len(w) == 2:
            W1, W2 = w
            E = ms.Syx - W2 @ (W1 @ ms.Sx)
            new.append((W1 + lr * (np.swapaxes(W2, 1, 2) @ E), W2 + lr * (E @ np.swapaxes(W1, 1, 2))))
        else:
            (W,) = w
            new.append((W + lr * (ms.Syx - W @ ms.Sx),))
    return State(state.t + 1, tuple(new))


# --------------------------------------------------------------------------- observables


def _module_map(ms: ModuleSystem, w: tuple[np.ndarray, ...]) -> np.ndarray:
    """Full-space map of one module, (B, m_out, m_in)."""
    Qt_in = np.swapaxes(ms.Q_in, 1, 2)
    if len(w) == 2:
        W2 = ms.Q_out @ w[1]
        W1 = w[0] @ Qt_in
        if ms.W1_perp is not None:
            W1 = W1 + ms.W1_perp
        return W2 @ W1
    out = ms.Q_out @ w[0] @ Qt_in
    return out + ms.W1_perp if ms.W1_perp is not None else out


def full_map(system: System, state: State) -> np.ndarray:
    """The network map ``x -> y`` of every network, (B, n_out, n_in)."""
    d = system.datasets[0]
    W = np.zeros((system.batch, d.n_out, d.n_in))
    for ms, w in zip(system.modules, state.weights):
        W[:, ms.rows[:, None], ms.cols[None, :]] = _module_map(ms, w)
    return W


def observe(system: System, state: State) -> dict[str, np.ndarray]:
    """Observables of every network at ``state``: each value has shape (B,).

    Keys: mode names, ``"OO"``, ``"GO"``, ``"OG"``, ``"GG"``, ``"rho"``,
    ``"novel_error"``.
    """
    W = full_map(system, state)
    out: dict[str, np.ndarray] = {}
    for ms, w in zip(system.modules, state.weights):
        Wm = W[:, ms.rows[:, None], ms.cols[None, :]]
        for name, (U, V) in ms.modes.items():
            out[name] = np.einsum("boi,boj,bji->b", U, Wm, V) / U.shape[2]
    sl = system.datasets[0].block_slices()
    for key, (ry, cx) in {"OO": ("omega_y", "omega_x"), "GO": ("omega_y", "gamma_x"),
                          "OG": ("gamma_y", "omega_x"), "GG": ("gamma_y", "gamma_x")}.items():
        out[key] = np.sqrt(np.sum(W[:, sl[ry], sl[cx]] ** 2, axis=(1, 2)))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rho"] = np.where(out["OO"] > 0, out["GO"] / np.where(out["OO"] > 0, out["OO"], 1.0), np.nan)
    out["novel_error"] = np.sum((W[:, sl["omega_y"], sl["omega_x"]] - system.selection) ** 2, axis=(1, 2))
    return out


# --------------------------------------------------------------------------- stability


def _spectral_norm(A: np.ndarray) -> np.ndarray:
    """Largest singular value of each matrix of a stack (B, m, n) -> (B,)."""
    if A.shape[1] == 0 or A.shape[2] == 0:
        return np.zeros(A.shape[0])
    return np.linalg.norm(A, ord=2, axis=(1, 2))


def stability_bound(system: System, state: State | None = None) -> np.ndarray:
    """Largest stable learning rate of each network, (B,): ``2 / max(h*, h0)``.

    ``h*`` is the top Hessian eigenvalue at the balanced fixed point
    (``max_l (pi_l + a*_max lambda_l)``; shallow ``lambda_max(Sx)``) and ``h0``
    the Cauchy-Schwarz bound on the Hessian at ``state`` (default: none, only
    the fixed point); see the module docstring for the derivation. The
    minimum over modules is returned.
    """
    curv = np.zeros(system.batch)
    for i, ms in enumerate(system.modules):
        lam = np.array([np.linalg.eigvalsh(s)[-1] if s.shape[0] else 0.0 for s in ms.Sx])
        if not ms.module.deep:
            curv = np.maximum(curv, lam)
            continue
        h_star = np.zeros(system.batch)
        for b, di in enumerate(system.dataset_index):
            mvs = mode_vectors(system.datasets[di], ms.module)
            pis = [float(mv.singular_value) for mv in mvs]
            lams = [float(mv.eigenvalue) for mv in mvs]
            a_max = max([p / l for p, l in zip(pis, lams)] or [0.0])
            h_star[b] = max([p + a_max * l for p, l in zip(pis, lams)] + [a_max * lam[b]])
        curv = np.maximum(curv, h_star)
        if state is not None:
            W1, W2 = state.weights[i]
            root = np.stack([_sqrt_psd(s) for s in ms.Sx])
            E = ms.Syx - W2 @ (W1 @ ms.Sx)
            h0 = _spectral_norm(W1 @ root) ** 2 + _spectral_norm(W2) ** 2 * lam + _spectral_norm(E)
            curv = np.maximum(curv, h0)
    with np.errstate(divide="ignore"):
        return np.where(curv > 0, 2.0 / np.where(curv > 0, curv, 1.0), np.inf)


def _sqrt_psd(S: np.ndarray) -> np.ndarray:
    if S.shape[0] == 0:
        return S
    w, Q = np.linalg.eigh(S)
    return (Q * np.sqrt(np.clip(w, 0.0, None))) @ Q.T


def euler_error_constant(x0: float) -> float:
    """The constant C(x0) of the first-order Euler error of a deep mode (module docstring).

    ``max_t |a_sim(t) - a_theory(t)| = C(x0) * eta * pi * a* + O(eta^2)`` for a
    mode started at ``a0 = x0 * a*`` from spectral initialization. Evaluated by
    maximizing over a grid of 20001 points in ``logit(x)`` between x0 and 1
    (the function is smooth with one interior maximum, so the grid error is
    relative ``O(grid step^2)``, below 1e-6).
    """
    x0 = _check_number("x0", x0, "> 0", lambda x: x > 0)
    if x0 == 1.0:
        return 0.0
    lo = math.log(x0 / (1 - x0)) if x0 < 1 else None
    if x0 < 1:
        z = np.linspace(lo, 40.0, 20001)
        x = 1.0 / (1.0 + np.exp(-z))
        one_minus = 1.0 / (1.0 + np.exp(z))
    else:  # decreasing from x0 > 1 to 1
        x = np.linspace(x0, 1.0, 20001)
        one_minus = 1.0 - x
    with np.errstate(divide="ignore", invalid="ignore"):
        f = x * one_minus * (np.log(x / x0) + 2.0 * np.log(one_minus / (1.0 - x0)))
    return float(0.5 * np.nanmax(np.abs(f)))


# --------------------------------------------------------------------------- driver


def _finite(state: State) -> bool:
    return all(bool(np.isfinite(w).all()) for ws in state.weights for w in ws)


def run(
    system: System,
    state: State,
    *,
    steps: int,
    every: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[State, np.ndarray, list[dict[str, np.ndarray]]]:
    """Advance ``steps`` steps from ``state``; observe at ``t0, t0 + every, ..., t0 + steps``.

    Returns the final state, the checkpoint steps (n_ckpt,) and the observables
    at each checkpoint. Weights are checked for non-finite values at every
    checkpoint and at least ``_PROGRESS_CALLS`` times per run; a
    :class:`DivergenceError` names the step where they were found.
    """
    steps = _check_int("steps", steps, 0)
    every = _check_int("every", every, 1)
    t0 = state.t
    ckpts = sorted(set(range(0, steps + 1, every)) | {steps})
    chunk = max(1, math.ceil(steps / _PROGRESS_CALLS)) if steps else 1
    checks = set(ckpts) | set(range(chunk, steps + 1, chunk)) | {steps}
    ts, obs, last_ok = [], [], t0
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(steps + 1):
            if n > 0:
                state = step(system, state)
            if n in checks:
                if not _finite(state):
                    raise DivergenceError(
                        f"non-finite weights at step {state.t} (finite at step {last_ok}); "
                        f"stability bound on lr: {np.min(stability_bound(system)):.6g}, lr = {np.max(system.lr):.6g}"
                    )
                last_ok = state.t
                if progress is not None and n > 0 and (n % chunk == 0 or n == steps):
                    progress(n, steps)
            if n in ckpts or n == steps:
                ts.append(t0 + n)
                obs.append(observe(system, state))
    return state, np.array(ts), obs


def simulate_batch(
    datasets: Sequence[Dataset],
    arch: str,
    *,
    lr: float | Sequence[float],
    steps: int,
    seeds: int | Sequence[int] = (0,),
    init: str = "spectral",
    a0: float = 1e-3,
    init_scale: float = 1e-3,
    hidden: int | None = None,
    every: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Train one network per (dataset, lr, seed) together; see :func:`simulate`.

    ``datasets`` must share n1, n2, k1, k2 (r and the selection may differ).
    Batch order: ``b = (i_dataset * len(lr) + i_lr) * len(seeds) + i_seed``.
    """
    steps = _check_int("steps", steps, 0)
    every = _check_int("every", every, 1)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be callable(done_steps, total_steps) or None; got {progress!r}")
    system, state = _init(datasets, arch, lr, seeds, init, a0, init_scale, hidden)
    bound = stability_bound(system, state)
    bad = system.lr >= bound
    if bad.any():
        b = int(np.argmax(bad))
        raise DivergenceError(
            f"lr = {system.lr[b]:.6g} is at or above the stability bound {bound[b]:.6g} "
            f"(2 / largest Hessian eigenvalue at the fixed point or the initial point) for arch {arch!r} "
            f"on {system.datasets[system.dataset_index[b]]}; use lr < {np.min(bound):.6g}"
        )
    state, ts, obs = run(system, state, steps=steps, every=every, progress=progress)
    stack = {k: np.stack([o[k] for o in obs], axis=1) for k in obs[0]}
    mode_names = [n for ms in system.modules for n in ms.modes]
    return SimulationResult(
        dataset=system.datasets[0], arch=system.arch.name, lr=system.lr.copy(), seeds=system.seeds,
        init=system.init, t=ts, modes={n: stack[n] for n in mode_names},
        block_norms={k: stack[k] for k in ("OO", "GO", "OG", "GG")}, rho=stack["rho"],
        novel_error=stack["novel_error"], final_map=full_map(system, state), bound=bound,
        datasets=tuple(system.datasets[i] for i in system.dataset_index),
    )


def _init(datasets, arch, lr, seeds, init_name, a0, init_scale, hidden):  # noqa: ANN001, ANN202
    return init(datasets, arch, lr=lr, seeds=seeds, init=init_name, a0=a0, init_scale=init_scale, hidden=hidden)


def simulate(
    dataset: Dataset,
    arch: str,
    *,
    lr: float | Sequence[float],
    steps: int,
    seeds: int | Sequence[int] = (0,),
    init: str = "spectral",
    a0: float = 1e-3,
    init_scale: float = 1e-3,
    hidden: int | None = None,
    every: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Full-batch gradient descent on ``arch`` for every (lr, seed) pair, batched.

    Parameters
    ----------
    dataset : Dataset
    arch : str
        One of ``dense``, ``shallow``, ``split``, ``segregated``.
    lr : float or sequence of float
        Step sizes ``eta > 0``; each must be below the stability bound
        (:func:`stability_bound`), else :class:`DivergenceError`.
    steps : int
        Number of steps, ``>= 0``.
    seeds : int or sequence of int
        Seeds ``>= 0``. Batch order: ``b = i_lr * len(seeds) + i_seed``.
    init : {"spectral", "random"}
    a0 : float
        Initial mode strength of the spectral initialization, ``> 0``.
    init_scale : float
        Standard deviation of each weight entry of the random initialization, ``> 0``.
    hidden : int, optional
        Hidden width of deep modules, at least the module rank (default: the rank).
    every : int
        Checkpoint spacing ``>= 1``; checkpoints ``0, every, ..., steps`` (the last always).
    progress : callable, optional
        ``progress(done_steps, total_steps)``, called at most 33 times (the last with ``done == total``).

    Returns
    -------
    SimulationResult
        Observables of shape (batch, n_ckpt) and the final maps (batch, n_out, n_in).

    Examples
    --------
    >>> from theory.dataset import Dataset
    >>> res = simulate(Dataset(2, 1, 1, 1, 1), "segregated", lr=0.1, steps=10, every=5)
    >>> res.t.tolist(), res.block_norms["GO"].tolist()
    ([0, 5, 10], [[0.0, 0.0, 0.0]])
    """
    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset must be a Dataset; got {dataset!r}")
    return simulate_batch(
        (dataset,), arch, lr=lr, steps=steps, seeds=seeds, init=init, a0=a0, init_scale=init_scale,
        hidden=hidden, every=every, progress=progress,
    )
