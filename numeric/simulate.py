"""Batched full-batch training of linear modules of any depth (docs/theory.md sections 3, 8 and 9).

One call trains many networks at once: every (dataset, learning rate, seed)
triple is one network, and all of them advance together as stacked arrays of
shape ``(batch, out, in)``. Each module of the architecture has a *kind*
(``numeric.kinds``: an ``(init, update, map)`` triple for ``depth`` layers)
and a *learning rule* (``numeric.learning``; gradient descent by default). The
step uses the module's statistics, never the items.

Layout of a run
---------------
* :func:`init` builds a :class:`System` (constants: reduced statistics, bases,
  learning rates, kinds) and the initial :class:`State` (layers, step count).
* :func:`step` is pure: ``step(system, state) -> state`` applies every
  module's ``kind.update`` (for gradient descent
  ``W_l += eta S_l^T (Syx - W Sx) P_{l-1}^T``, see ``numeric.learning``).
* :func:`observe` reads the checkpoint observables (block norms, rho, novel
  error, loss); :func:`mode_strengths` reads the mode strengths, cheaply
  enough to be called after every step. :func:`run` is the driver loop
  (mode strengths at every step, the rest at checkpoints, divergence checks);
  :func:`simulate_batch` and :func:`simulate` validate and return a
  :class:`SimulationResult`.

Reduced coordinates (exact, not an approximation)
--------------------------------------------------
Let ``Q_in`` (module inputs x p) have orthonormal columns spanning the span of
the module's inputs (the column space of its ``X``), so ``Sx = Q_in Sx_r Q_in^T``
and ``Syx = Syx_r Q_in^T``. Write ``W_1 = W1_r Q_in^T + W1_perp`` with
``W1_perp Q_in = 0``. The gradient of ``W_1`` is ``S_1^T E`` with
``E = Syx - W Sx``, whose rows lie in the span, so ``W1_perp`` never moves; it
drops out of ``E`` (``W1_perp Sx = 0``) and of every other layer's gradient,
which multiplies ``W_1^T`` by ``E`` from the left (``E W1_perp^T = 0``). So the
layers ``(W1_r, W_2, ..., W_L)`` follow the same gradient descent with
``(Sx_r, Syx_r)``, at every depth. On the output side the columns of ``W_L``
stay in ``span(Y) + span(W_L(0))`` because its gradient ``E P^T`` has its
columns there; for the spectral initialization ``W_L(0)`` already lies in
``span(Y)``, so outputs run in an orthonormal basis ``Q_out`` of ``span(Y)``;
the random initialization keeps the full output space. The full map is
``Q_out W_L ... W_2 (W1_r Q_in^T + W1_perp)``. A learning rule that does not
keep the data span (``LearningRule.keeps_data_span``) runs in the full spaces
whenever the initial weights leave the spans.

Bases. The first columns of ``Q_in`` and ``Q_out`` are the mode vectors of the
module (``V`` and ``U`` of ``numeric.matrices.mode_vectors``, closed forms),
one slot of columns per mode; the rest completes them to the data spans
(eigenvectors of the Gram matrix ``X^T X`` of the items, projected off the
modes). No decomposition of a matrix with ``n_in`` rows and columns is formed:
memory grows with ``n_in x items``. In these bases a mode vector is a unit
column, so the mode strengths ``u_i^T W v_i`` are diagonal entries of the
reduced map, read from the layers in ``O(m h)`` per step (:func:`mode_strengths`).
Datasets without a closed-form decomposition (a training subset of the items,
``Dataset.train``) use the same construction from their explicit training
items, with the singular vectors of their reduced ``Syx`` (computed
numerically, small) as mode slots named ``sv1, sv2, ...``.

Batch order
-----------
Network ``b`` of a batch over ``datasets`` x ``lr`` x ``seeds`` is
``b = (i_dataset * len(lr) + i_lr) * len(seeds) + i_seed`` (row-major: seeds
vary fastest). The random draw depends on the seed only, so the same seed gives
the same initial weights for every learning rate (and dataset of the shape).

Stability
---------
Gradient descent diverges when the step exceeds ``2 / h`` for the largest
Hessian eigenvalue h met along the run.

* At the balanced fixed point of an L-layer module the Hessian is derived in
  :mod:`theory.stability` (SymPy, from the loss of a small system): on the map
  entry (k, l) its eigenvalue is
  ``h(lam_l, a_k, a_l) = lam_l sum_j a_k^(2(L-j)/L) a_l^(2(j-1)/L)``, so the top one is
  ``h* = max_l h(lam_l, a*_max, a*_l)`` over the input eigen-directions l of
  Sx (``a_l = 0`` off the modes): ``lam_max`` for L = 1,
  ``max_l (pi_l + a*_max lam_l)`` for L = 2. It is evaluated through
  ``numeric.backends``.
* At the initial point (``a0`` need not be small), with
  ``d^2 Loss = ||dW Sx^(1/2)||^2 - tr(E^T d^2 W)``, ``dW = sum_j S_j dW_j P_{j-1}``
  and ``d^2 W = 2 sum_{i<j} S_j dW_j M_ij dW_i P_{i-1}``, Cauchy-Schwarz gives
  ``h0 <= sum_j s(S_j)^2 s(P_{j-1} Sx^(1/2))^2 + s(E) max_i sum_{j != i} prod_{l != i, j} s(W_l)``
  (``s`` the spectral norm; L = 2: ``s(W1 Sx^(1/2))^2 + s(W2)^2 lam_max + s(E)``).

The bound reported is ``2 / max(h*, h0)`` (minimum over modules). A run at or
above it is not refused: it runs, and either diverges (:class:`DivergenceError`
naming the step where divergence was detected) or finishes with
``SimulationResult.above_bound`` set for that network, meaning the closed-form
theory does not describe it.

Divergence detection. Non-finite weights are checked after every step. From the spectral initialization with
gradient descent each mode evolves alone: with ``s = a^(1/L)`` (every layer
balanced), ``s <- s g`` with ``g = 1 + eta s^(L-2) (pi - lam s^L)``. Writing
``phi(a) = eta |a|^((L-2)/L) (lam |a| - pi)``, ``|g| >= phi - 1`` for either sign
of s, and phi increases with |a| once ``lam |a| > pi``; so once ``phi > 2``,
``|a|`` grows by the factor ``phi - 1 > 1``, phi grows with it, and the mode
diverges for certain. That *escape* is checked on the strengths of every step,
so divergence is reported at the first step where it became certain.

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
import os
import threading
import time
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Iterator, Mapping, NamedTuple, Sequence

import numpy as np

from numeric.backends import compile_expr
from numeric.checks import check_int, check_lrs, check_number, check_seeds
from numeric.kinds import GaussianInit, ModuleKind, SpectralInit, linear_module
from numeric.maps import selection_matrix
from numeric.matrices import data_matrices, mode_vectors, module_slices, training_items
from numeric.learning import (GRADIENT_DESCENT, LearningRule, ModuleStats, gradient_descent_step_into, map_of,
                              scaled_map_scale)
from theory import stability as stab
from theory.architectures import Architecture, Module, get_architecture, with_depth
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum

__all__ = [
    "INITS", "DivergenceError", "ModuleSystem", "System", "State", "SimulationResult", "Run",
    "init", "step", "observe", "mode_strengths", "full_map", "run", "simulate", "simulate_batch",
    "stability_bound", "euler_error_constant", "simulation_threads",
]

#: Valid initializations.
INITS = ("spectral", "random")
#: Relative eigenvalue cutoff of a Gram matrix ``A^T A`` for the span of A: float64 rounding of
#: the Gram is about ``n eps ||A||^2`` (n <= 2**10 items, eps = 2.2e-16), below 1e-12 ||A||^2.
_GRAM_RTOL = 1e-12
#: Relative singular-value cutoff of a reduced Syx computed numerically (float64 SVD error ~ eps ||Syx||).
_SV_RTOL = 1e-10
#: BLAS threads while :func:`simulate_batch` runs. Stacks of small matrices gain nothing from
#: BLAS threads, and on shared cores spinning BLAS threads cost up to 7x (a 1024 x 1024 eigh:
#: 0.9 s on one thread, 6.5 s on two, load 11 on 2 cores); see benchmarks/bench_simulate.py.
BLAS_THREADS = 1
#: Memory for the ring of recent states in :func:`run`, per group of networks stepped at once (the
#: batch, or one network where they are stepped one by one): their mode strengths, divergence checks
#: and checkpoint observables are computed for the whole ring at once, amortizing the Python overhead.
#: Small enough to stay in cache (L2 is 1 MB per core here): a ring of 64 states of 1 MB made each
#: step write to memory and cost 35-40% more than alternating two buffers (n1 = 5, 6; 16 networks).
#: Networks stepped one by one go through a whole ring each, so their slots stay in cache: 16
#: networks at n1 = 7, 2 threads, 0.90-0.97x the time of stepping every network once per step.
_RING_BYTES = 2**20
#: Memory for checkpoint states awaiting observation: :func:`run` copies them out of the ring and
#: observes them in stacks of this size (:func:`observe` costs tens of numpy calls per call). One
#: stack reused stays in cache: 1 MB measured 5-15% faster than 8 MB on 16 networks (n1 = 5, 6),
#: the same on one.
_OBSERVE_BYTES = 2**20
#: Most states in the ring: each slot holds views made once per run, which for one tiny network cost
#: more than the steps they serve (1000 steps of one network at n1 = 2: 6.2 us a step with 1024
#: slots, 5.2-5.4 with 64-256, 7.3 with 16).
_RING_MAX = 128
#: Blocks of the map: key -> (output block, input block).
_BLOCKS = {"OO": ("omega_y", "omega_x"), "GO": ("omega_y", "gamma_x"),
           "OG": ("gamma_y", "omega_x"), "GG": ("gamma_y", "gamma_x")}
#: Layers (bytes) each sub-batch must hold for :func:`run` to split a batch over threads by
#: default: a thread's numpy calls must be long enough for the time they spend without the GIL
#: (and in BLAS) to pay for the threads. Two threads against one on 2 cores, stepping only:
#: n1 = 4, 16 networks (64-100 KB each half) 0.5-0.7x; n1 = 5, 16 networks (128-200 KB)
#: 0.98-1.14x, 64 networks (0.5-0.8 MB) 1.3-1.7x; n1 = 6, 7, 16 networks (>= 0.5 MB) 1.6-2.0x.
_THREAD_PART_BYTES = 192 * 2**10
#: Layers per network (bytes) from which :func:`run` steps a batch network by network on 2-D arrays
#: with one set of temporaries, as a per-network loop does: a batched product then streams every
#: network's layers through memory between its passes. 16 networks, one core: n1 = 7 (256-400 KB)
#: 1.1-1.2x faster network by network (run with checkpoints), n1 = 6 (64-100 KB) 0.9-1.0x.
_PER_NETWORK_BYTES = 160 * 2**10
#: Layers per network (bytes) from which a run of too few networks to split over threads (fewer
#: than four) gives its threads to BLAS while it steps: one network, stepping alone, two BLAS
#: threads against one: n1 = 7 (256-400 KB) 1.28-1.47x, n1 = 6 (64-100 KB) 1.0x.
_BLAS_MIN_BYTES = 160 * 2**10
#: Largest kept map (:func:`_keeps_maps`), q x p, against the first layer, h x p: interleaved A/B of
#: keeping it, one and 16 networks, n1 = 5-7: q = h (spectral init) 0.90-0.98 of the time, q = h + n2
#: (random init, k2 = 1) 0.90-1.0, q = 2 h + n2 (random init, k2 = 2) 0.98-1.12.
_KEPT_MAP_RATIO = 1.5
#: :class:`_FasterOf`: times each way is tried before a choice, and picks between two tries of another way.
_TRIALS, _RETRY = 2, 16
#: Most calls to ``progress`` in one run.
_PROGRESS_CALLS = 32


class DivergenceError(FloatingPointError):
    """Training diverged: non-finite values, or a mode past its escape point; names the step.

    Numerical trouble, not bad usage: an ``ArithmeticError`` (the CLI exits 1).
    """


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ModuleSystem:
    """Constants of one module over a batch, in reduced coordinates.

    Shapes (``B`` = batch, ``D`` = datasets, ``p``/``q`` = reduced inputs/outputs,
    ``m_in``/``m_out`` = the module's full input/output sizes, ``m`` = mode columns):

    * ``rows`` (m_out,), ``cols`` (m_in,): indices into y and x.
    * ``Q_in`` (D, m_in, p), ``Q_out`` (D, m_out, q): orthonormal (or zero) columns,
      mode vectors first; network b uses dataset ``System.dataset_index[b]``.
    * ``stats``: ``Sx`` (B, p, p), ``Syx`` (B, q, p), ``Syy`` (B, q, q), with a leading axis of 1
      instead of B when all networks share one dataset.
    * ``perp`` (B, n_1, m_in) or None: the frozen part of the first layer outside the data span;
      ``perp_root`` (B, n_1, w) a thin factor of its constant ``perp perp^T = perp_root perp_root^T``,
      ``w = min(n_1, m_in - p)`` (None without it).
    * ``slots``: mode name -> (first column, width); ``pi``, ``lam`` (B, m) per mode column
      (NaN where the mode is absent on a network's dataset).
    * ``loss_min`` (B,), ``w_star`` (B, q, p), ``sx_root`` (B, p, p): the least loss, the
      reduced least-squares map and ``Sx_r^(1/2)``: ``loss = loss_min + ||(W - W*) Sx^(1/2)||^2 / 2``;
      ``root_diag`` (B or 1, 1, p) its diagonal when it is diagonal (then a column scaling), else None.
    * ``lam_max`` (B,): largest eigenvalue of the module's full Sx (stability bound).
    * ``observers``: block key -> rows and columns of the blocks the module contributes to;
      ``out_omega``, ``in_omega``: the square roots that give the blocks' norms from the
      reduced map (:func:`_complement`, :func:`observe`), leading axis 1 or B;
      ``in_columns``: the positions of the module's omega_x and of its gamma_x inputs.
    """

    module: Module
    kind: ModuleKind
    rows: np.ndarray
    cols: np.ndarray
    Q_in: np.ndarray
    Q_out: np.ndarray
    stats: ModuleStats
    perp: np.ndarray | None
    slots: dict[str, tuple[int, int]]
    pi: np.ndarray
    lam: np.ndarray
    loss_min: np.ndarray
    w_star: np.ndarray
    sx_root: np.ndarray
    lam_max: np.ndarray
    observers: dict[str, "_Observer"]
    out_omega: "_Complement"
    in_omega: "_Complement"
    root_diag: np.ndarray | None
    perp_root: np.ndarray | None
    in_columns: tuple[np.ndarray, np.ndarray]

    @property
    def m(self) -> int:
        """Number of mode columns."""
        return int(self.pi.shape[1])


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
    rule: LearningRule = GRADIENT_DESCENT

    @property
    def batch(self) -> int:
        """Number of networks."""
        return int(self.lr.shape[0])

    @property
    def mode_names(self) -> tuple[str, ...]:
        """Names of the observed modes, module by module."""
        return tuple(name for ms in self.modules for name in ms.slots)


@dataclass(frozen=True)
class State:
    """Layers after ``t`` steps: per module ``(W_1 (B, n_1, p), ..., W_L (B, q, n_{L-1}))``."""

    t: int
    weights: tuple[tuple[np.ndarray, ...], ...]


class Run(NamedTuple):
    """What :func:`run` returns.

    ``state`` the final state; ``t`` (n_ckpt,) checkpoint steps and ``observations``
    one dict of (B,) arrays per checkpoint (:func:`observe`); ``step_t`` (n + 1,)
    every step and ``step_modes`` name -> (B, n + 1) mode strengths at every step.
    """

    state: State
    t: np.ndarray
    observations: list[dict[str, np.ndarray]]
    step_t: np.ndarray
    step_modes: dict[str, np.ndarray]


@dataclass(frozen=True)
class SimulationResult:
    """Observables of a batched run.

    Mode strengths are recorded at every step (``step_t``, ``step_modes``) and
    also given at the checkpoints (``modes``); every other observable is
    recorded at the checkpoints only (``EVERY_STEP`` names what is per step).

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
        Mode strengths ``mean_i u_i^T W_module v_i`` at the checkpoints.
    block_norms : dict "OO", "GO", "OG", "GG" -> ndarray (batch, n_ckpt)
        Frobenius norms of the blocks of the full map.
    rho, novel_error, loss : ndarray (batch, n_ckpt)
        ``||W_GO|| / ||W_OO||`` (NaN where ``||W_OO|| = 0``), ``||W_OO - S||^2`` and the
        training loss ``(1/2n) sum_i ||y_i - W x_i||^2``.
    bound : ndarray (batch,)
        The stability bound on the learning rate of each network.
    above_bound : ndarray (batch,) of bool
        ``lr >= bound``: the run did not diverge but the theory does not apply to it.
    datasets : tuple of Dataset, length batch
        Dataset of each network.
    step_t : ndarray (steps + 1,)
        Every step count ``0 .. steps``.
    step_modes : dict name -> ndarray (batch, steps + 1)
        Mode strengths after every step.
    depth : tuple of int
        Depth of each module.
    rule : str
        Name of the learning rule.
    final_map : ndarray (batch, n_out, n_in)
        The full map after the last step (computed when first read).
    """

    EVERY_STEP = ("modes",)

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
    loss: np.ndarray
    bound: np.ndarray
    above_bound: np.ndarray
    datasets: tuple[Dataset, ...]
    step_t: np.ndarray
    step_modes: dict[str, np.ndarray]
    depth: tuple[int, ...]
    rule: str
    _system: System = field(repr=False, compare=False)
    _state: State = field(repr=False, compare=False)

    @cached_property
    def final_map(self) -> np.ndarray:
        """The full map of every network after the last step, (batch, n_out, n_in)."""
        return full_map(self._system, self._state)


# --------------------------------------------------------------------------- validation


def _check_arch(arch: object, depth: object) -> Architecture:
    base = arch if isinstance(arch, Architecture) else get_architecture(arch)  # type: ignore[arg-type]
    return base if depth is None else with_depth(base, depth)  # type: ignore[arg-type]


def _check_a0(a0: object, names: Sequence[str]) -> dict[str, float]:
    """``a0`` as mode name -> value; a scalar applies to every mode."""
    if isinstance(a0, Mapping):
        unknown = sorted(set(map(str, a0)) - set(names))
        if unknown:
            raise ValueError(f"a0 names modes {unknown} that the architecture does not have; valid: {list(names)}")
        out = {str(k): check_number(f"a0[{k!r}]", v, "> 0", lambda x: x > 0) for k, v in a0.items()}
        missing = [n for n in names if n not in out]
        if missing:
            raise ValueError(f"a0 must give every mode a value > 0; missing {missing}")
        return out
    value = check_number("a0", a0, "> 0", lambda x: x > 0)
    return {n: value for n in names}


# --------------------------------------------------------------------------- bases


def _spectral_module(module: Module) -> Module:
    """The module whose closed-form spectrum applies (the spectrum does not depend on depth)."""
    return replace(module, depth=2)


def _has_closed_form(d: Dataset) -> bool:
    """True when ``d`` has the closed-form mode vectors of ``numeric.matrices`` (all items trained)."""
    return getattr(d, "train", None) is None


def _items(d: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Explicit inputs and outputs of the trained items, (n_in, n) and (n_out, n)."""
    X, Y = data_matrices(d)
    if getattr(d, "train", None) is not None:
        idx = np.asarray(training_items(d), dtype=int)
        X, Y = X[:, idx], Y[:, idx]
    return X, Y


def _span(A: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space of A (n x k), from the eigenvectors of ``A^T A``."""
    if A.size == 0:
        return np.zeros((A.shape[0], 0))
    mu, Z = np.linalg.eigh(A.T @ A)
    keep = mu > _GRAM_RTOL * max(float(mu[-1]), 0.0)
    return (A @ Z[:, keep]) / np.sqrt(mu[keep])


def _extend(B: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Orthonormal basis of span(C) minus span(B), for orthonormal B inside span(C) and orthonormal C.

    The Gram of ``C - B B^T C`` has eigenvalues 1 (directions orthogonal to B)
    and 0 (inside span(B)) up to rounding, so the split at 1/2 is exact.
    """
    if C.shape[1] == 0:
        return C
    R = C - B @ (B.T @ C)
    mu, Z = np.linalg.eigh(R.T @ R)
    keep = mu > 0.5
    return (R @ Z[:, keep]) / np.sqrt(mu[keep])


@dataclass(frozen=True)
class _Reduced:
    """One module on one dataset: bases, statistics and mode slots (no batch axis).

    ``lam_max`` is the largest eigenvalue of the module's full Sx and ``tr_syy``
    the trace of its full Syy (both also outside the reduced bases).
    """

    Q_in: np.ndarray
    Q_out: np.ndarray
    Sx: np.ndarray
    Syx: np.ndarray
    Syy: np.ndarray
    modes: tuple[tuple[str, int, float, float], ...]  # (name, width, pi, lambda), in slot order
    lam_max: float
    tr_syy: float


def _closed_form_lam_max(d: Dataset, module: Module) -> float:
    """Largest input eigenvalue of the module, from its derived spectrum (0 without inputs)."""
    eig = derive_module_spectrum(_spectral_module(module)).input_eigenvalues(d.substitution())
    return max([float(lam) for lam, mult in eig if mult != 0] + [0.0])


def _reduce(d: Dataset, module: Module, full_outputs: bool, minimal: bool) -> _Reduced:
    """Bases and statistics of one module on one dataset.

    ``minimal``: spectral initialization trained by gradient descent on a
    closed-form dataset. Then the layers never leave the modes: ``E = Syx - W Sx``
    has rows in ``span(V)`` (V are eigenvectors of Sx) and columns in
    ``span(U) + col(W)``, so ``Q_in = V`` and ``Q_out = U`` suffice, and no
    decomposition of the data is needed at all.
    """
    X, Y = _items(d)
    rows, cols = module_slices(d, module)
    Xm = X if np.array_equal(cols, np.arange(X.shape[0])) else X[cols]  # no copy for all inputs/outputs
    Ym = Y if np.array_equal(rows, np.arange(Y.shape[0])) else Y[rows]
    n = X.shape[1]
    tr_syy = float(np.sum(Ym**2)) / n
    if _has_closed_form(d):
        mvs = mode_vectors(d, _spectral_module(module))
        V = np.hstack([np.asarray(mv.V, float) for mv in mvs] or [np.zeros((len(cols), 0))])
        U = np.hstack([np.asarray(mv.U, float) for mv in mvs] or [np.zeros((len(rows), 0))])
        modes = tuple((mv.mode.name, mv.U.shape[1], float(mv.singular_value), float(mv.eigenvalue)) for mv in mvs)
    if minimal:
        Q_in, Q_out, lam_max = V, U, _closed_form_lam_max(d, module)
    else:
        in_span = _span(Xm)
        out_span = np.eye(len(rows)) if full_outputs else _span(Ym)
        if not _has_closed_form(d):
            U, V, modes = _numerical_modes(module, Xm, Ym, in_span, out_span)
        Q_in = np.hstack([V, _extend(V, in_span)])
        Q_out = np.hstack([U, _extend(U, out_span)])
    Z, Yq = Q_in.T @ Xm, Q_out.T @ Ym
    Sx = _diagonal_to_rounding(Z @ Z.T / n, Xm.shape[0] + n)
    if not minimal:
        lam_max = float(np.linalg.eigvalsh(Sx)[-1]) if Sx.shape[0] else 0.0
    return _Reduced(Q_in, Q_out, Sx, Yq @ Z.T / n, Yq @ Yq.T / n, modes, lam_max, tr_syy)


def _diagonal_to_rounding(S: np.ndarray, terms: int) -> np.ndarray:
    """S with exact zeros off the diagonal when its off-diagonal entries are rounding errors, else S.

    ``S = Z Z^T / n`` with ``Z = Q^T X`` sums ``terms = n_in + n`` products per
    entry, so float64 rounding leaves off-diagonal entries of at most about
    ``terms eps max(diag S)`` where the basis Q diagonalizes S (its mode
    vectors are eigenvectors of Sx). Those are set to exactly 0, so the step
    applies Sx as a column scaling (``numeric.learning``); a basis that does
    not diagonalize S leaves off-diagonal entries of the order of S (measured:
    above 0.2 max(diag S)) and S unchanged.
    """
    if S.size == 0:
        return S
    diag = np.diag(np.diag(S))
    scale = float(np.max(np.abs(np.diag(S))))
    if np.max(np.abs(S - diag)) <= terms * np.finfo(float).eps * scale:
        return diag
    return S


def _numerical_modes(module: Module, Xm: np.ndarray, Ym: np.ndarray, in_span: np.ndarray, out_span: np.ndarray,
                     ) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Singular vectors of the module's Syx computed in reduced coordinates (no closed form).

    Each non-zero singular value (above ``_SV_RTOL`` of the largest) is its own
    mode ``sv1, sv2, ...`` (largest first), with ``lambda = v^T Sx v``. Unlike
    closed-form modes they need not be eigenvectors of Sx, so they need not
    evolve independently.
    """
    n = Xm.shape[1]
    Z, Yq = in_span.T @ Xm, out_span.T @ Ym
    if Z.shape[0] == 0 or Yq.shape[0] == 0:
        return np.zeros((Ym.shape[0], 0)), np.zeros((Xm.shape[0], 0)), ()
    Uo, sv, Vh = np.linalg.svd(Yq @ Z.T / n, full_matrices=False)
    keep = sv > _SV_RTOL * max(float(sv[0]), 0.0) if sv.size else sv > 0
    U, V = out_span @ Uo[:, keep], in_span @ Vh[keep].T
    lam = np.sum((Vh[keep] @ Z) ** 2, axis=1) / n
    modes = tuple((module.mode_name(f"sv{i + 1}"), 1, float(v), float(l)) for i, (v, l) in enumerate(zip(sv[keep], lam)))
    return U, V, modes


class _Observer(NamedTuple):
    """Where one block of a module's map lies: global ``rows``/``cols`` (y, x) and their ``local_`` positions."""

    rows: np.ndarray
    cols: np.ndarray
    local_rows: np.ndarray
    local_cols: np.ndarray


class _Complement(NamedTuple):
    """The square root ``F = D - Z diag(c) Z^T`` of ``D - A^T A`` (module docstring of :func:`_complement`).

    ``mask`` (D', n) the diagonal of D (None when D = I), ``Z`` (D', n, r) and ``c`` (D', r); ``A`` (D', r_a, n) the rows
    it complements. ``apply_left(X)`` is ``F X`` for X (..., n, k), ``apply_right(X)`` is ``X F`` for X (..., k, n).
    """

    A: np.ndarray
    mask: np.ndarray | None
    Z: np.ndarray
    c: np.ndarray

    def apply_left(self, X: np.ndarray) -> np.ndarray:
        Y = self.Z @ (self.c[..., :, None] * (self.Z.mT @ X))
        kept = X if self.mask is None else X * self.mask[..., :, None]
        return np.subtract(kept, Y, out=Y)  # in place: a fresh large array costs more than the arithmetic

    def apply_right(self, X: np.ndarray) -> np.ndarray:
        Y = ((X @ self.Z) * self.c[..., None, :]) @ self.Z.mT
        kept = X if self.mask is None else X * self.mask[..., None, :]
        return np.subtract(kept, Y, out=Y)


def _complement(Q: np.ndarray, local: np.ndarray) -> _Complement:
    """For bases Q (D', m, n) with orthonormal or zero columns: F with ``F^2 = sum over the other rows of q^T q``.

    The rows of Q split into ``A = Q[local]`` and the rest L, so ``L^T L = D - A^T A``
    with D the diagonal 0/1 matrix of Q's nonzero columns. With ``A^T A = Z diag(s) Z^T``
    (Z orthonormal, inside D's columns, from the small Gram ``A A^T``),
    ``F = D - Z diag(1 - sqrt(1 - s)) Z^T`` is symmetric with ``F^2 = L^T L``, so
    ``||L K|| = ||F K||``: the norm of a block of the map from rank-r corrections of
    the reduced map, in O(r n k) instead of a product with L. Computed this way
    (not as a difference of squared norms) the block's norm has rounding error
    ``O(eps ||K||)``, not ``O(eps ||K||^2 / block)``.
    """
    A = Q[:, local, :]
    other = np.setdiff1d(np.arange(Q.shape[1]), local)
    mask = (np.einsum("dij,dij->dj", Q, Q) > 0.25).astype(float)  # squared column norms: 1 or 0
    Zs, cs = [], []
    for a, rest in zip(A, Q[:, other, :]):
        s, Y = np.linalg.eigh(a @ a.T) if a.shape[0] else (np.zeros(0), np.zeros((0, 0)))
        keep = s > _GRAM_RTOL * max(float(s[-1]), 0.0) if s.size else s > 0
        Z = (a.T @ Y[:, keep]) / np.sqrt(s[keep])
        # 1 - s as ||L z||^2, a sum of squares: 1.0 - s would leave rounding of size eps where s is 1
        # (A's rows span whole columns, e.g. a square Q), and its square root sqrt(eps), not eps, in F
        one_minus_s = np.sum((rest @ Z) ** 2, axis=0)
        Zs.append(Z)
        cs.append(1.0 - np.sqrt(np.clip(one_minus_s, 0.0, 1.0)))
    r = max(z.shape[1] for z in Zs)
    Z = np.stack([_pad(z, (Q.shape[2], r)) for z in Zs])
    c = np.stack([_pad(x, (r,)) for x in cs])
    return _Complement(A, None if np.all(mask == 1.0) else mask, Z, c)


def _observers(d: Dataset, rows: np.ndarray, cols: np.ndarray) -> dict[str, _Observer]:
    """The blocks a module contributes to, with their rows and columns."""
    sl = d.block_slices()
    out = {}
    for key, (ry, cx) in _BLOCKS.items():
        r_loc, c_loc = _local(rows, sl[ry]), _local(cols, sl[cx])
        if r_loc.size and c_loc.size:
            out[key] = _Observer(rows[r_loc], cols[c_loc], r_loc, c_loc)
    return out


def _local(indices: np.ndarray, block: slice) -> np.ndarray:
    """Positions within ``indices`` of the entries that fall in ``block``."""
    return np.nonzero((indices >= block.start) & (indices < block.stop))[0]


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` zero-padded to ``shape`` (``a`` itself when it already has it: no copy of large bases)."""
    if a.shape == tuple(shape):
        return a
    out = np.zeros(shape)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out


def _layout(reds: list[_Reduced]) -> list[tuple[str, int]]:
    """Union of the mode slots over datasets (name, width), in order of first appearance."""
    layout: dict[str, int] = {}
    for red in reds:
        for name, width, _, _ in red.modes:
            if layout.setdefault(name, width) != width:
                raise ValueError(f"mode {name} has different multiplicities across datasets")
    return list(layout.items())


def _align(red: _Reduced, layout: list[tuple[str, int]], p: int, q: int) -> tuple[np.ndarray, ...]:
    """Reorder one dataset's columns into the shared slot layout; absent modes get zero columns."""
    own = {}
    start = 0
    for name, width, pi, lam in red.modes:
        own[name] = (start, width, pi, lam)
        start += width
    m = sum(w for _, w in layout)
    take_in, take_out, pis, lams = [], [], [], []
    for name, width in layout:
        if name in own:
            s0, _, pi, lam = own[name]
            take_in += list(range(s0, s0 + width))
            pis += [pi] * width
            lams += [lam] * width
        else:
            take_in += [-1] * width
            pis += [math.nan] * width
            lams += [math.nan] * width
    take_in += list(range(start, red.Q_in.shape[1]))
    take_out = take_in[:m] + list(range(start, red.Q_out.shape[1]))
    Q_in = _take_columns(red.Q_in, take_in)
    Q_out = _take_columns(red.Q_out, take_out)
    ti, to = np.array(take_in, dtype=int), np.array(take_out, dtype=int)
    Sx = np.zeros((len(ti), len(ti)))
    Syx = np.zeros((len(to), len(ti)))
    Syy = np.zeros((len(to), len(to)))
    gi, go = ti >= 0, to >= 0
    Sx[np.ix_(gi, gi)] = red.Sx[np.ix_(ti[gi], ti[gi])]
    Syx[np.ix_(go, gi)] = red.Syx[np.ix_(to[go], ti[gi])]
    Syy[np.ix_(go, go)] = red.Syy[np.ix_(to[go], to[go])]
    shapes = ((Q_in.shape[0], p), (Q_out.shape[0], q), (p, p), (q, p), (q, q))
    return tuple(_pad(a, s) for a, s in zip((Q_in, Q_out, Sx, Syx, Syy), shapes)) + (np.array(pis), np.array(lams))


def _take_columns(Q: np.ndarray, take: list[int]) -> np.ndarray:
    """Columns ``take`` of Q, -1 giving a zero column; Q itself when ``take`` keeps every column in order."""
    if take == list(range(Q.shape[1])):
        return Q
    return np.hstack([Q, np.zeros((Q.shape[0], 1))])[:, take]


def _root_and_pinv(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``S^(1/2)`` and the pseudo-inverse of a PSD S from one eigendecomposition."""
    if S.shape[0] == 0:
        return S, S
    w, Q = np.linalg.eigh(S)
    keep = w > _GRAM_RTOL * max(float(w[-1]), 0.0)
    inv = np.zeros_like(w)
    inv[keep] = 1.0 / w[keep]
    return (Q * np.sqrt(np.clip(w, 0.0, None))) @ Q.T, (Q * inv) @ Q.T


# --------------------------------------------------------------------------- init


def init(
    datasets: Sequence[Dataset],
    arch: str | Architecture,
    *,
    lr: float | Sequence[float],
    seeds: int | Sequence[int] = (0,),
    init: str = "spectral",
    a0: float | Mapping[str, float] = 1e-3,
    init_scale: float = 1e-3,
    hidden: int | None = None,
    depth: int | None = None,
    rule: LearningRule = GRADIENT_DESCENT,
) -> tuple[System, State]:
    """Build the constants and the initial state of a batched run.

    Arguments are validated as in :func:`simulate_batch`.

    Initializations
    ---------------
    ``"spectral"``: per module, balanced layers (``numeric.kinds.balanced_layers``)
    with product ``U diag(a0) V^T`` over the module's present modes, each
    hidden frame ``R_l`` drawn from the seed. ``a0`` is one value for every
    mode or a mapping mode name -> value.
    ``"random"``: every entry of every layer i.i.d. Gaussian with standard
    deviation ``init_scale`` (no fan-in scaling), drawn in the full spaces with
    ``numpy.random.default_rng(seed)`` module by module, ``W_1`` first.
    ``hidden`` (default: the module's number of modes, at least 1) is the
    width of every hidden layer and must be at least each module's number of modes.
    """
    datasets = tuple(datasets)
    if not datasets or any(not isinstance(d, Dataset) for d in datasets):
        raise ValueError(f"datasets must be a non-empty sequence of Dataset; got {datasets!r}")
    shape = {(d.n1, d.n2, d.k1, d.k2) for d in datasets}
    if len(shape) != 1:
        raise ValueError(f"datasets must share (n1, n2, k1, k2); got {sorted(shape)}")
    architecture = _check_arch(arch, depth)
    lrs = check_lrs(lr)
    seed_list = check_seeds(seeds)
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    check_number("init_scale", init_scale, "> 0", lambda x: x > 0)
    if not isinstance(rule, LearningRule):
        raise ValueError(f"rule must be a numeric.learning.LearningRule; got {rule!r}")
    full_out = init == "random"
    minimal = init == "spectral" and rule is GRADIENT_DESCENT and all(_has_closed_form(d) for d in datasets)
    reduced = [[_reduce(d, module, full_out, minimal) for d in datasets] for module in architecture.modules]
    layouts = [_layout(reds) for reds in reduced]
    names = [name for layout in layouts for name, _ in layout]
    a0s = _check_a0(a0, names)
    ranks = [sum(w for _, w in layout) for layout in layouts]
    if hidden is not None:
        check_int("hidden", hidden, 1)
        need = max([r for r, m in zip(ranks, architecture.modules) if m.depth >= 2] or [1])
        if hidden < need:
            raise ValueError(f"hidden must be an integer >= {need} (the largest module rank); got {hidden}")

    nd, nl, ns = len(datasets), len(lrs), len(seed_list)
    B = nd * nl * ns
    d_idx = np.repeat(np.arange(nd), nl * ns)
    lr_b = np.tile(np.repeat(lrs, ns), nd)
    seed_b = tuple(seed_list) * (nd * nl)
    rngs = [np.random.default_rng(s) for s in seed_b]  # one stream per network, shared by its modules
    span_ok = rule.keeps_data_span or init == "spectral"

    modules, weights = [], []
    for module, reds, layout, rank in zip(architecture.modules, reduced, layouts, ranks):
        kind = linear_module(module.depth, rule)
        # aligned widths: the layout's mode slots, then each dataset's own columns beyond its modes (random
        # init keeps the rest of the data span), so a dataset with absent modes can be wider than any own basis
        slots = sum(w for _, w in layout)
        own = [sum(w for _, w, _, _ in r.modes) for r in reds]
        p = max(slots + r.Q_in.shape[1] - o for r, o in zip(reds, own))
        q = max(slots + r.Q_out.shape[1] - o for r, o in zip(reds, own))
        aligned = [_align(r, layout, p, q) for r in reds]
        Q_in_d, Q_out_d, Sx_d, Syx_d, Syy_d, pi_d, lam_d = (np.stack(a) for a in zip(*aligned))
        if not span_ok:  # the rule may leave the data spans: run in the full spaces
            Q_in_d = np.stack([_full_basis(Q) for Q in Q_in_d])
            Q_out_d = np.stack([_full_basis(Q) for Q in Q_out_d])
            aligned = [_restat(d, module, Qi, Qo) for d, Qi, Qo in zip(datasets, Q_in_d, Q_out_d)]
            Sx_d, Syx_d, Syy_d = (np.stack(a) for a in zip(*aligned))
            p, q = Q_in_d.shape[2], Q_out_d.shape[2]
        h = max(hidden if hidden is not None else rank, 1)
        m = rank
        m_in, m_out = Q_in_d.shape[1], Q_out_d.shape[1]
        a0_cols = np.concatenate([[a0s[name]] * width for name, width in layout] or [np.zeros(0)])
        layers, perps = [], []
        for b in range(B):
            di = d_idx[b]
            if init == "random":
                full = kind.init(rngs[b], (m_in,) + (h,) * (module.depth - 1) + (m_out,), GaussianInit(init_scale))
                first = full[0] @ Q_in_d[di]
                perps.append(full[0] - first @ Q_in_d[di].T)
                net = (first,) + full[1:]
                net = net[:-1] + (Q_out_d[di].T @ net[-1],)
                if module.depth == 1:  # the only layer is both first and last
                    perps[-1] = Q_out_d[di].T @ perps[-1]
            else:
                present = np.isfinite(pi_d[di])
                U = np.eye(q)[:, :m] * present
                V = np.eye(p)[:, :m] * present
                net = kind.init(rngs[b], (p,) + (h,) * (module.depth - 1) + (q,), SpectralInit(U, V, a0_cols * present))
            layers.append(net)
        params = tuple(np.ascontiguousarray(np.stack(ws)) for ws in zip(*layers))
        perp = np.stack(perps) if perps and span_ok else None
        outside = m_in - min(int(np.count_nonzero(_live(Q))) for Q in Q_in_d)  # dimensions outside the data span
        roots, pinvs = zip(*(_root_and_pinv(s) for s in Sx_d)) if len(Sx_d) else ((), ())
        w_star_d = Syx_d @ np.stack(pinvs)
        tr_syy = np.array([r.tr_syy for r in reds])
        loss_min_d = 0.5 * (tr_syy - np.sum((w_star_d @ Sx_d) * w_star_d, axis=(1, 2)))
        slots, start = {}, 0
        for name, width in layout:
            slots[name] = (start, width)
            start += width
        rows, cols = module_slices(datasets[0], module)
        sl = datasets[0].block_slices()
        out_c = _complement(Q_out_d, _local(rows, sl["omega_y"]))
        in_c = _complement(Q_in_d, _local(cols, sl["omega_x"]))
        if nd > 1:  # one per network
            out_c, in_c = (_Complement(*(None if x is None else x[d_idx] for x in c)) for c in (out_c, in_c))
        root = np.stack(roots)
        is_diag = root.size and np.count_nonzero(root) == np.count_nonzero(np.diagonal(root, axis1=1, axis2=2))
        root_diag = np.diagonal(root, axis1=1, axis2=2)[:, None, :] if is_diag else None
        if root_diag is not None and nd > 1:
            root_diag = root_diag[d_idx]
        modules.append(ModuleSystem(
            module, kind, rows, cols, Q_in_d, Q_out_d, _batch_stats(Sx_d, Syx_d, Syy_d, d_idx),
            perp, slots, pi_d[d_idx], lam_d[d_idx], np.maximum(loss_min_d, 0.0)[d_idx], w_star_d[d_idx],
            root[d_idx], np.array([r.lam_max for r in reds])[d_idx],
            _observers(datasets[0], rows, cols), out_c, in_c, root_diag,
            None if perp is None else _thin_roots(perp, outside),
            (_local(cols, sl["omega_x"]), _local(cols, sl["gamma_x"])),
        ))
        weights.append(params)

    S = np.stack([selection_matrix(d) for d in datasets])[d_idx]  # each network's own selection
    system = System(datasets, architecture, init, lr_b, seed_b, d_idx, tuple(modules), S, rule)
    return system, State(0, tuple(weights))


_init_system = init  # ``init`` is also a keyword of simulate_batch


def _batch_stats(Sx: np.ndarray, Syx: np.ndarray, Syy: np.ndarray, d_idx: np.ndarray) -> ModuleStats:
    """Statistics per network, or with a leading axis of 1 when every network shares one dataset.

    Shared statistics are one copy, broadcast by the products of a step,
    instead of B copies (the memory of one ``p x p`` Sx per network).
    """
    if Sx.shape[0] == 1:
        return ModuleStats(Sx, Syx, Syy)
    return ModuleStats(Sx[d_idx], Syx[d_idx], Syy[d_idx])


def _live(Q: np.ndarray) -> np.ndarray:
    """Which columns of a basis with orthonormal or zero columns (absent modes) are unit vectors."""
    return np.linalg.norm(Q, axis=0) > 0.5


def _full_basis(Q: np.ndarray) -> np.ndarray:
    """Q (n x k, orthonormal or zero columns) completed to an orthonormal basis of R^n (Q first)."""
    return np.hstack([Q, _extend(Q[:, _live(Q)], np.eye(Q.shape[0]))])  # zero columns (absent modes) stay in place


def _thin_roots(perp: np.ndarray, outside: int) -> np.ndarray:
    """F (B, h, w), ``F F^T = perp perp^T``, w = min(h, ``outside``) (the rank of ``perp``: its rows lie outside the span).

    From the top w eigenpairs of the Gram (the rest are its rounding), so
    ``tr(S perp perp^T S^T) = ||S F||^2`` costs a product with w columns, not h:
    with k1 = 1 the inputs outside the data span are only the n1 code features.
    """
    h = perp.shape[-2]
    w = max(0, min(h, outside))
    mu, V = np.linalg.eigh(perp @ perp.mT)
    return V[..., h - w:] * np.sqrt(np.clip(mu[..., None, h - w:], 0.0, None))


def _restat(d: Dataset, module: Module, Q_in: np.ndarray, Q_out: np.ndarray) -> tuple[np.ndarray, ...]:
    X, Y = _items(d)
    rows, cols = module_slices(d, module)
    n = X.shape[1]
    Z, Yq = Q_in.T @ X[cols], Q_out.T @ Y[rows]
    return Z @ Z.T / n, Yq @ Z.T / n, Yq @ Yq.T / n


# --------------------------------------------------------------------------- step


def step(system: System, state: State) -> State:
    """One simultaneous step of every module of every network (each module's ``kind.update``)."""
    lr = system.lr[:, None, None]
    new = tuple(ms.kind.update(ms.stats, w, lr) for ms, w in zip(system.modules, state.weights))
    return State(state.t + 1, new)


# --------------------------------------------------------------------------- observables


def _slot_diagonal(params: tuple[np.ndarray, ...], m: int) -> np.ndarray:
    """Entries ``(i, i)``, i < m, of the product ``W_L ... W_1``: shape (..., m), in O(L m h).

    The product's column i is ``W_L (W_{L-1} ... W_1 e_i)``: only the first m
    columns of the first layer are carried through the hidden layers.
    """
    *inner, last = params
    if not inner:  # one layer: the product is the layer itself
        return np.diagonal(last[..., :m, :m], axis1=-2, axis2=-1)
    Z = inner[0][..., :m]
    for W in inner[1:]:
        Z = W @ Z
    # row i of the last layer times column i of Z, one dot product each (np.vecdot, measured fastest: 1.1x a
    # stack of 1 x h by h x 1 products for one network, 1.7x for 16; 2.3-3x summing an elementwise product)
    return np.vecdot(last[..., :m, :], Z.mT)


def _mode_average(ms: ModuleSystem, diag: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Each mode's strength, the mean of its diagonal entries: (..., n_modes) from (..., m).

    Summed row by row (``np.add.reduceat``), so a network's value does not
    depend on how many networks or states are read together; a product with
    an averaging matrix folds them into one BLAS call, whose kernel (and so
    its rounding) depends on the size, and a batch split over threads
    (:func:`run`) gave other last bits.
    """
    starts = [start for start, _ in ms.slots.values()]
    if not starts:
        return np.zeros(diag.shape[:-1] + (0,)) if out is None else out
    out = np.add.reduceat(diag, starts, axis=-1, out=out)
    widths = np.array([width for _, width in ms.slots.values()], dtype=float)
    if np.any(widths != 1.0):
        out /= widths
    return out


def mode_strengths(system: System, state: State) -> dict[str, np.ndarray]:
    """Mode strengths ``mean_i u_i^T W v_i`` of every network, name -> (B,) (NaN where absent).

    In the reduced bases a mode vector is a unit column, so the strength is the
    mean of the mode's diagonal entries of the reduced map (:func:`_slot_diagonal`).
    """
    out = {}
    for ms, w in zip(system.modules, state.weights):
        vals = _mode_average(ms, _slot_diagonal(w, ms.m))
        vals = np.where(np.isfinite(_mode_values(ms, ms.pi)), vals, np.nan)
        for j, name in enumerate(ms.slots):
            out[name] = vals[..., j]
    return out


def full_map(system: System, state: State) -> np.ndarray:
    """The network map ``x -> y`` of every network, (B, n_out, n_in)."""
    d = system.datasets[0]
    W = np.zeros((system.batch, d.n_out, d.n_in))
    for ms, w in zip(system.modules, state.weights):
        W[:, ms.rows[:, None], ms.cols[None, :]] = _module_map(ms, w, *_network_bases(system, ms))
    return W




def _module_map(ms: ModuleSystem, w: tuple[np.ndarray, ...], Q_in: np.ndarray, Q_out: np.ndarray | None) -> np.ndarray:
    """The module's full map ``Q_out S (W1_r Q_in^T + perp)``, (..., m_out, m_in); without Q_out (None), (..., q, m_in)."""
    Z = w[0] @ Q_in.mT
    if ms.perp is not None:
        Z = Z + ms.perp
    for W in w[1:]:
        Z = W @ Z
    return Z if Q_out is None else Q_out @ Z


def _network_bases(system: System, ms: ModuleSystem) -> tuple[np.ndarray, np.ndarray]:
    """``Q_in``, ``Q_out`` broadcastable against the batch: (1, ...) for one dataset, else per network."""
    if ms.Q_in.shape[0] == 1:
        return ms.Q_in, ms.Q_out
    return ms.Q_in[system.dataset_index], ms.Q_out[system.dataset_index]


def _sq(A: np.ndarray) -> np.ndarray:
    """Squared Frobenius norm of each matrix of a stack (..., m, n) -> (...), in one pass."""
    return np.einsum("...ij,...ij->...", A, A)


def _block_norms_with_perp(ms: ModuleSystem, w: tuple[np.ndarray, ...], K: np.ndarray, Q_in: np.ndarray,
                           ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Squared block norms and the OO block when the first layer has a frozen part outside the data span.

    The map on the module's own inputs is ``X = K Q_in^T + S perp`` (``K`` the
    reduced map, ``S = W_L ... W_2``, (..., q, h)). Its omega rows ``A_out X``
    (a few rows) and its omega columns ``X_O`` are formed directly (small), the
    gamma rows by their norm ``||F_out X_O||`` (:func:`_complement`). The GG
    block, the rest, is ``||X||^2`` minus the other three, with
    ``||X||^2 = ||K||^2 + ||S F||^2`` (``perp Q_in = 0``, and ``perp perp^T = F F^T``
    with ``F = perp_root`` a constant h x w, w at most the dimension outside the
    data span: k1 = 1 leaves n1 of them): so X itself (q x m_in per network) is
    not formed. Where that difference leaves less than a quarter of
    ``||X||^2`` it is recomputed from X (:func:`_block_norms_formed`), as in
    :func:`_block_norms`, so its rounding error stays ``O(eps ||X||)``.
    """
    o = ms.out_omega
    S = map_of(w[1:]) if len(w) > 1 else None
    omega, gamma = ms.in_columns
    aS = o.A if S is None else o.A @ S
    a_x = (o.A @ K) @ Q_in.mT + aS @ ms.perp  # omega rows, (..., r_o, m_in)
    cols_sq = np.einsum("...ij,...ij->...j", a_x, a_x)
    x_o = K @ Q_in[..., omega, :].mT
    x_o = x_o + (ms.perp[..., omega] if S is None else S @ ms.perp[..., omega])
    norms = {"OO": np.sum(cols_sq[..., omega], axis=-1), "GO": np.sum(cols_sq[..., gamma], axis=-1),
             "OG": _sq(o.apply_left(x_o))}
    if "GG" in ms.observers:
        total = _sq(K) + _sq(ms.perp_root if S is None else S @ ms.perp_root)
        gg = total - norms["OO"] - norms["GO"] - norms["OG"]
        cancelled = ~(gg >= 0.25 * total)  # also NaN
        if np.any(cancelled):
            gg = np.where(cancelled, _block_norms_formed(ms, w, Q_in)[0]["GG"], gg)
        norms["GG"] = gg
    return {key: norms[key] for key in ms.observers}, a_x[..., omega]


def _block_norms_formed(ms: ModuleSystem, w: tuple[np.ndarray, ...], Q_in: np.ndarray,
                        ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The blocks of :func:`_block_norms_with_perp` from the formed map ``X`` (..., q, m_in), each directly.

    Its rows are split as in :func:`_block_norms` (omega rows ``A_out X``,
    gamma rows with the norm of ``F_out X``), so the product with ``Q_out``
    (m_out x q x m_in per network) is never formed.
    """
    X = _module_map(ms, w, Q_in, None)
    o = ms.out_omega
    rows = {"O": o.A @ X, "G": o.apply_left(X)}
    cols_sq = {key: np.einsum("...ij,...ij->...j", R, R) for key, R in rows.items()}  # per column
    norms: dict[str, np.ndarray] = {}
    oo = np.zeros(X.shape[:-2] + (0, 0))
    for key, ob in ms.observers.items():  # key = (column block, row block), e.g. "GO": gamma_x -> omega_y
        norms[key] = np.sum(cols_sq[key[1]][..., ob.local_cols], axis=-1)
        if key == "OO":
            oo = rows["O"][..., ob.local_cols]
    return norms, oo


def _gg_direct(ms: ModuleSystem, K: np.ndarray) -> np.ndarray:
    """``||F_out K F_in||^2``: the squared norm of the GG block without a difference of norms."""
    return _sq(ms.in_omega.apply_right(ms.out_omega.apply_left(K)))


def _block_norms(ms: ModuleSystem, K: np.ndarray, keys: Sequence[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Squared Frobenius norms of the blocks ``keys`` of the module's map from its reduced map K, and its OO block.

    ``Q_out K Q_in^T`` restricted to omega rows is ``A_out K Q_in^T`` (A the omega
    rows of the basis, a few rows) and to gamma rows has the norm of
    ``F_out K`` (:func:`_complement`), likewise for columns; so every block costs
    rank-r corrections of K, never a product with the bases. GG, the largest
    block, is ``||K||^2`` minus the other three (the blocks split the map, whose
    norm is ``||K||`` for orthonormal bases) wherever that leaves at least a
    quarter of ``||K||^2``: the difference is off by at most ``g ||K||^2`` (g the
    relative rounding of the squared norms, about (p + q) eps), so GG by
    ``g ||K||^2 / (2 GG) <= g ||K||``, the same bound as for the block computed
    as ``||F_out K F_in||``, which is used elsewhere (no cancellation).
    """
    o, i = ms.out_omega, ms.in_omega
    out: dict[str, np.ndarray] = {}
    oo = np.zeros(K.shape[:-2] + (0, 0))
    if "OO" in keys or "GO" in keys:
        aK = o.A @ K
        if "OO" in keys:
            oo = aK @ i.A.mT
            out["OO"] = _sq(oo)
        if "GO" in keys:
            out["GO"] = _sq(i.apply_right(aK))
    if "OG" in keys:
        out["OG"] = _sq(o.apply_left(K @ i.A.mT))
    if "GG" in keys:
        total = _sq(K)
        gg = total - sum(out.values(), np.zeros_like(total))
        cancelled = ~(gg >= 0.25 * total)  # also NaN
        if np.any(cancelled):
            gg = np.where(cancelled, _gg_direct(ms, K), gg)
        out["GG"] = gg
    return out, oo


def observe(system: System, state: State, modes: dict[str, np.ndarray] | None = None,
            maps: Sequence[np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Checkpoint observables of every network at ``state``: each value has shape (B,).

    Keys: mode names, ``"OO"``, ``"GO"``, ``"OG"``, ``"GG"``, ``"rho"``,
    ``"novel_error"``, ``"loss"``. Block norms come from the reduced map and
    small precomputed factors of the bases (:func:`_block_norms`), never from
    the full map; with a frozen part outside the data span (random init) from
    its omega rows and columns and ``||X||^2`` (:func:`_block_norms_with_perp`),
    the map on the module's inputs being formed only where GG would cancel. The layers may carry extra
    leading axes (``(K, B, out, in)``: K states at once, as :func:`run` does
    for its checkpoints); the values then have shape (K, B). ``modes``: the
    mode strengths of ``state`` when already read (:func:`run` records them);
    ``maps``: each module's reduced map ``W_L ... W_1`` when already known
    (:func:`run` has them from its steps), overwritten here.
    """
    out = dict(modes) if modes is not None else mode_strengths(system, state)
    lead = state.weights[0][0].shape[:-2]
    sq = {k: np.zeros(lead) for k in _BLOCKS}
    w_oo = np.zeros(lead + system.selection.shape[1:])
    loss = np.zeros(lead)
    for i, (ms, w) in enumerate(zip(system.modules, state.weights)):
        K = ms.kind.map(w) if maps is None else maps[i]
        if ms.perp is None:
            norms, oo = _block_norms(ms, K, tuple(ms.observers))
        else:  # the frozen part is not in the reduced map: blocks of the map on the module's own inputs
            norms, oo = _block_norms_with_perp(ms, w, K, _network_bases(system, ms)[0])
        for key, value in norms.items():
            sq[key] += value
        if "OO" in ms.observers:
            ob = ms.observers["OO"]
            w_oo[..., ob.rows[:, None], ob.cols[None, :]] = oo
        gap = np.subtract(K, ms.w_star, out=K)  # in place: K is not used after (a fresh array costs more)
        if ms.root_diag is not None:
            gap *= ms.root_diag
        else:
            gap = gap @ ms.sx_root
        loss += ms.loss_min + 0.5 * _sq(gap)
    for key in _BLOCKS:
        out[key] = np.sqrt(sq[key])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rho"] = np.where(out["OO"] > 0, out["GO"] / np.where(out["OO"] > 0, out["OO"], 1.0), np.nan)
    out["novel_error"] = np.sum((w_oo - system.selection) ** 2, axis=(-2, -1))
    out["loss"] = loss
    return out


# --------------------------------------------------------------------------- stability


def _spectral_norm(A: np.ndarray) -> np.ndarray:
    """Largest singular value of each matrix of a stack (B, m, n) -> (B,), from the smaller Gram."""
    if A.shape[1] == 0 or A.shape[2] == 0:
        return np.zeros(A.shape[0])
    G = A @ A.mT if A.shape[1] <= A.shape[2] else A.mT @ A
    return np.sqrt(np.clip(np.linalg.eigvalsh(G)[:, -1], 0.0, None))


def _curvature_fn(depth: int):  # noqa: ANN202
    return compile_expr(stab.curvature(depth), (stab.lam, stab.a_k, stab.a_l))


def _fixed_point_curvature(ms: ModuleSystem) -> np.ndarray:
    """``h* = max_l h(lam_l, a*_max, a*_l)`` per network (theory.stability), (B,)."""
    fn = _curvature_fn(ms.module.depth)
    lam_max = ms.lam_max
    with np.errstate(invalid="ignore", divide="ignore"):
        star = np.where(np.isfinite(ms.pi), ms.pi / np.where(np.isfinite(ms.lam), ms.lam, 1.0), 0.0)
    a_max = np.max(star, axis=1, initial=0.0)
    lam = np.where(np.isfinite(ms.lam), ms.lam, 0.0)
    on_modes = np.max(np.asarray(fn(lam, a_max[:, None], star), dtype=float), axis=1, initial=0.0)
    off_modes = np.asarray(fn(lam_max, a_max, 0.0 * a_max), dtype=float)  # an input direction without a mode
    return np.maximum(on_modes, off_modes)


def _initial_curvature(ms: ModuleSystem, w: tuple[np.ndarray, ...]) -> np.ndarray:
    """Cauchy-Schwarz bound on the top Hessian eigenvalue at the weights ``w`` (module docstring), (B,)."""
    depth = len(w)
    norms = [_spectral_norm(W) for W in w]
    prefix = [None]  # prefix[j] = W_j ... W_1 (1-based j), prefix[0] = identity
    for W in w[:-1]:
        prefix.append(W if prefix[-1] is None else W @ prefix[-1])
    suffix = [None] * (depth + 1)  # suffix[j] = W_L ... W_{j+1}, suffix[L] = identity
    for j in range(depth - 1, 0, -1):
        suffix[j] = w[j] if suffix[j + 1] is None else suffix[j + 1] @ w[j]
    gn = np.zeros(w[0].shape[0])
    for j in range(1, depth + 1):
        s_suf = 1.0 if suffix[j] is None else _spectral_norm(suffix[j])
        inner = ms.sx_root if prefix[j - 1] is None else prefix[j - 1] @ ms.sx_root
        gn = gn + s_suf**2 * _spectral_norm(inner) ** 2
    E = ms.stats.Syx - ms.kind.map(w) @ ms.stats.Sx
    pairs = np.zeros_like(gn)
    for i in range(depth):
        total = np.zeros_like(gn)
        for j in range(depth):
            if j != i:
                others = [norms[l] for l in range(depth) if l not in (i, j)]
                total = total + (np.prod(others, axis=0) if others else 1.0)
        pairs = np.maximum(pairs, total)
    return gn + _spectral_norm(E) * pairs


def stability_bound(system: System, state: State | None = None) -> np.ndarray:
    """Largest stable learning rate of each network, (B,): ``2 / max(h*, h0)``.

    ``h*`` is the top Hessian eigenvalue at the balanced fixed point (derived in
    :mod:`theory.stability`) and ``h0`` the Cauchy-Schwarz bound on the Hessian
    at ``state`` (default: none, only the fixed point); see the module
    docstring. The minimum over modules is returned.
    """
    curv = np.zeros(system.batch)
    for i, ms in enumerate(system.modules):
        curv = np.maximum(curv, _fixed_point_curvature(ms))
        if state is not None:
            curv = np.maximum(curv, _initial_curvature(ms, state.weights[i]))
    with np.errstate(divide="ignore"):
        return np.where(curv > 0, 2.0 / np.where(curv > 0, curv, 1.0), np.inf)


def euler_error_constant(x0: float) -> float:
    """The constant C(x0) of the first-order Euler error of a deep mode (module docstring).

    ``max_t |a_sim(t) - a_theory(t)| = C(x0) * eta * pi * a* + O(eta^2)`` for a
    mode started at ``a0 = x0 * a*`` from spectral initialization. Evaluated by
    maximizing over a grid of 20001 points in ``logit(x)`` between x0 and 1
    (the function is smooth with one interior maximum, so the grid error is
    relative ``O(grid step^2)``, below 1e-6).
    """
    x0 = check_number("x0", x0, "> 0", lambda x: x > 0)
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


def _mode_values(ms: ModuleSystem, per_column: np.ndarray) -> np.ndarray:
    """The value of each mode's first column, (B, n_modes) from (B, m)."""
    first = [start for start, _ in ms.slots.values()]
    return per_column[:, first]


def _escape_test(system: System, module: int) -> Callable[[np.ndarray], np.ndarray]:
    """The test, for ``module``, of mode strengths past their escape point on some network (module docstring).

    The returned function takes the strengths (n, B, n_modes) after n
    consecutive steps and returns (n,) bool, True at the steps where some
    present mode has ``eta a^((L-2)/L) (lambda a - pi) > 2`` (``a = |strength|``)
    or a non-finite strength. Its constants are prepared once per run.
    """
    ms = system.modules[module]
    depth = ms.module.depth
    pi, lam = _mode_values(ms, ms.pi), _mode_values(ms, ms.lam)
    present = np.isfinite(pi)
    lr = system.lr[:, None]
    slope = np.where(present, lr * lam, 0.0)[None]  # absent modes: 0, never past a point
    offset = np.where(present, lr * pi, 0.0)[None]
    power = (depth - 2) / depth
    mask = None if present.all() else present[None]

    def escaped(strengths: np.ndarray) -> np.ndarray:
        a = np.abs(strengths)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            phi = slope * a - offset if depth == 2 else a**power * (slope * a - offset)
            bad = (phi > 2.0) | ~np.isfinite(strengths)
        if mask is not None:
            bad &= mask
        return np.any(bad, axis=(1, 2))

    return escaped


def _divergence(system: System, t: int, t0: int, why: str) -> DivergenceError:
    """The error for divergence first found at step t of a run from step t0 (every step is checked)."""
    bound = stability_bound(system)
    before = f"step {t - 1} was fine" if t > t0 else "at the initial state"
    return DivergenceError(
        f"training diverged: {why} at step {t} ({before}); "
        f"lr = {np.max(system.lr):.6g}, stability bound at the fixed point {np.min(bound):.6g}"
    )


def _first_nonfinite(states: np.ndarray) -> int | None:
    """Index of the first row of ``states`` (n, size) with a non-finite entry, or None.

    Screened by row sums (one pass, no boolean copy of the states): a non-finite
    entry makes its sum non-finite; a sum that overflows with finite entries is
    confirmed entry by entry.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        suspect = np.flatnonzero(~np.isfinite(np.add.reduce(states, axis=1)))
    for row in suspect:
        if not np.isfinite(states[row]).all():
            return int(row)
    return None


def _first(flags: np.ndarray) -> int | None:
    """Index of the first True entry of a 1-D bool array, or None."""
    hit = np.flatnonzero(flags)
    return int(hit[0]) if hit.size else None


#: Why a run diverged, in the order that decides a tie at one step.
_NON_FINITE, _ESCAPED = "non-finite weights", "a mode strength passed its escape point"


class _Diverged(Exception):
    """Divergence found by :func:`_run_part` at ``step`` (from the run's start); :func:`run` words the error."""

    def __init__(self, step: int, why: str) -> None:
        super().__init__(step, why)
        self.step, self.why = step, why


class _Shared:
    """What the concurrent sub-batches of one :func:`run` tell each other.

    ``first``: the earliest divergence found so far, (step, why), non-finite
    weights before an escape at the same step; a sub-batch stops once it has
    checked every step up to it (no earlier divergence can follow), or at
    once when ``abort`` is set (another sub-batch failed).
    """

    def __init__(self) -> None:
        self.first: tuple[int, str] | None = None
        self.abort = False
        self._lock = threading.Lock()

    def found(self, e: _Diverged) -> None:
        key = (e.step, e.why != _NON_FINITE)
        with self._lock:
            if self.first is None or key < (self.first[0], self.first[1] != _NON_FINITE):
                self.first = (e.step, e.why)

    def stop(self, start: int) -> bool:
        """Whether a sub-batch that has checked steps ``0 .. start - 1`` may stop."""
        return self.abort or (self.first is not None and start > self.first[0])


def _cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


#: The thread count of runs that do not name one (:func:`simulation_threads`); None: automatic.
_THREADS: ContextVar[int | None] = ContextVar("modspec_simulation_threads", default=None)


@contextmanager
def simulation_threads(threads: int | None) -> Iterator[None]:
    """Within the block, simulations that do not name ``threads`` use this many (None: automatic).

    For callers that already run simulations in parallel, e.g. the workers of
    a process pool (``modspec sweep``), where more threads than cores only
    slow each other down.
    """
    if threads is not None:
        check_int("threads", threads, 1)
    token = _THREADS.set(threads)
    try:
        yield
    finally:
        _THREADS.reset(token)


def _layer_bytes(state: State) -> int:
    """Bytes of one network's layers."""
    return sum(w[0].nbytes for ws in state.weights for w in ws)


def _thread_count(threads: object) -> int | None:
    """The threads a run was given: ``threads``, else :func:`simulation_threads`'s; None: automatic."""
    if threads is None:
        threads = _THREADS.get()
    return None if threads is None else check_int("threads", threads, 1)


def _blas_count(state: State, threads: object) -> int | None:
    """BLAS threads for the steps of a run not split into sub-batches: its threads once a network's
    layers reach ``_BLAS_MIN_BYTES`` (automatic: the cores), else None (the caller's count)."""
    count = _thread_count(threads)
    count = _cores() if count is None else count
    return count if count > 1 and _layer_bytes(state) >= _BLAS_MIN_BYTES else None


def _parts(system: System, state: State, threads: object) -> list[np.ndarray]:
    """The networks of each concurrent sub-batch of :func:`run` (one part: no sub-batches).

    At most ``B // 2`` parts, so each has at least two networks: a sub-batch
    then takes the same code path as the whole batch (one network alone runs
    on 2-D arrays) and the results are the same to the last bit. Automatic:
    the cores, as long as each part's networks hold ``_THREAD_PART_BYTES``.
    """
    count = _thread_count(threads)
    if count is None:
        count = min(_cores(), system.batch * _layer_bytes(state) // _THREAD_PART_BYTES)
    count = max(1, min(count, system.batch // 2))
    return np.array_split(np.arange(system.batch), count)


def _take(system: System, state: State, idx: np.ndarray) -> tuple[System, State]:
    """Networks ``idx`` of a batch as a batch of their own: every per-network array sliced, shared ones kept.

    Arrays of :class:`ModuleSystem` documented with a leading axis "1 or B"
    have axis 1 when shared by all networks (kept as is).
    """
    B = system.batch

    def net(x: np.ndarray | None) -> np.ndarray | None:
        return x if x is None or (x.shape[0] == 1 and B > 1) else x[idx]

    modules = tuple(replace(
        ms, stats=ModuleStats(*map(net, ms.stats)), perp=net(ms.perp), pi=ms.pi[idx], lam=ms.lam[idx],
        loss_min=ms.loss_min[idx], w_star=ms.w_star[idx], sx_root=ms.sx_root[idx], lam_max=ms.lam_max[idx],
        out_omega=_Complement(*map(net, ms.out_omega)), in_omega=_Complement(*map(net, ms.in_omega)),
        root_diag=net(ms.root_diag), perp_root=net(ms.perp_root),
    ) for ms in system.modules)
    sub = replace(system, lr=system.lr[idx], seeds=tuple(system.seeds[i] for i in idx),
                  dataset_index=system.dataset_index[idx], modules=modules, selection=system.selection[idx])
    return sub, State(state.t, tuple(tuple(w[idx] for w in ws) for ws in state.weights))


def _merge(runs: list[Run]) -> Run:
    """The runs of consecutive sub-batches as one run of the whole batch (network order kept)."""
    first = runs[0]
    weights = tuple(tuple(np.concatenate(layer) for layer in zip(*module))
                    for module in zip(*(r.state.weights for r in runs)))
    observations = [{k: np.concatenate([o[k] for o in obs]) for k in obs[0]}
                    for obs in zip(*(r.observations for r in runs))]
    modes = {k: np.concatenate([r.step_modes[k] for r in runs]) for k in first.step_modes}
    return Run(State(first.state.t, weights), first.t, observations, first.step_t, modes)


def run(
    system: System,
    state: State,
    *,
    steps: int,
    every: int = 1,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> Run:
    """Advance ``steps`` steps from ``state``; mode strengths after every step, the rest at checkpoints.

    Checkpoints are ``t0, t0 + every, ..., t0 + steps``. Every step is checked
    for non-finite weights and, from the spectral initialization with gradient
    descent, for mode strengths past their escape point; a
    :class:`DivergenceError` names the first step found diverging.

    Steps write into a ring of recent states (``_RING_BYTES``, the step's
    ``kind.update_into`` when the rule has one, so no arrays are allocated per
    step); each time the ring fills, at the last step and before each call to
    ``progress``, the mode strengths of all its states are read at once and
    the checks run over them; checkpoint states are copied out and observed
    many at a time (``_OBSERVE_BYTES``, one call of :func:`observe`). With one
    network, or networks of ``_PER_NETWORK_BYTES`` each, the steps run on 2-D
    arrays, network by network. Where the step computes the map anyway
    (:func:`_keeps_maps`), the ring keeps it, and the mode strengths and
    checkpoint maps of each state come from the next step's (one more step
    for the last state) instead of products of their own.

    ``threads``: the batch is split into that many sub-batches of at least two
    networks, run concurrently (numpy releases the GIL in its products and
    array loops, and the networks of a batch are independent), with BLAS on
    one thread each; progress is reported by the first sub-batch. Fewer than
    four networks are not split: when their layers are large
    (``_BLAS_MIN_BYTES``) BLAS gets the threads while they step, as long as
    that is faster than the caller's count, timed as the run goes
    (:class:`_FasterOf`). Either way the result is the same to the last bit.
    None (default): as many as the cores this process may use, as long as each
    thread's networks hold ``_THREAD_PART_BYTES``, else 1.
    """
    steps = check_int("steps", steps, 0)
    every = check_int("every", every, 1)
    parts = _parts(system, state, threads)
    t0 = state.t
    if len(parts) == 1:  # too few networks to split: large ones give the threads to BLAS in their steps
        try:
            return _run_part(system, state, steps, every, progress, None, _blas_count(state, threads))
        except _Diverged as e:
            raise _divergence(system, t0 + e.step, t0, e.why) from None
    pieces = [_take(system, state, idx) for idx in parts]
    lag = _keeps_maps(system, state)
    shared = _Shared()
    results: list[Run | None] = [None] * len(pieces)

    def part(i: int) -> None:
        try:
            results[i] = _run_part(*pieces[i], steps, every, progress if i == 0 else None, shared, None, lag)
        except _Diverged as e:
            shared.found(e)
        except BaseException:
            shared.abort = True  # the other sub-batches stop at their next chunk
            raise

    from concurrent.futures import ThreadPoolExecutor  # imported here: most runs need no threads

    with _blas_threads(), ThreadPoolExecutor(len(pieces) - 1) as pool:
        futures = [pool.submit(part, i) for i in range(1, len(pieces))]
        part(0)  # in this thread: progress and KeyboardInterrupt reach it
        for future in futures:
            future.result()  # re-raises a sub-batch's error
    if shared.first is not None:
        step, why = shared.first
        raise _divergence(system, t0 + step, t0, why)
    return _merge([r for r in results if r is not None])


class _FasterOf:
    """Which of ``n`` equivalent ways to do a repeated piece of work is the faster now, from their timings.

    Each way is tried ``_TRIALS`` times in turn; then the way with the least
    recent time (the best of its last ``_TRIALS`` timings) is taken, and every
    ``_RETRY`` picks another way is tried once, so the choice follows the load
    of shared cores. Used for the BLAS threads of a run's steps, which give the
    same bits either way: two BLAS threads step one n1 = 7 network 1.2-1.5x
    faster on idle cores, and were 1.5-2x slower on busy ones.
    """

    def __init__(self, n: int) -> None:
        self.times: list[list[float]] = [[] for _ in range(n)]
        self.picks = 0

    def pick(self) -> int:
        """The way to use next."""
        self.picks += 1
        n = len(self.times)
        if self.picks <= _TRIALS * n:  # each in turn
            return (self.picks - 1) % n
        best = min(range(n), key=lambda way: min(self.times[way], default=0.0))  # untimed: tried next
        if n > 1 and self.picks % _RETRY == 0:  # another way, each in turn
            return (best + 1 + (self.picks // _RETRY) % (n - 1)) % n
        return best

    def record(self, way: int, seconds: float) -> None:
        """The time one pick of ``way`` took (per unit of work)."""
        self.times[way].append(seconds)
        del self.times[way][:-_TRIALS]


class _BlasThreads:
    """A reusable block with BLAS on ``threads`` threads, the count on entry restored on exit.

    Set through threadpoolctl's library handles (about a microsecond per
    switch), so it can wrap every chunk of steps of a run.
    """

    def __init__(self, threads: int) -> None:
        from threadpoolctl import ThreadpoolController  # imported here: only simulations need it

        self.threads = threads
        self.libs = ThreadpoolController().select(user_api="blas").lib_controllers
        self.before: list[int] = []

    def __enter__(self) -> None:
        self.before = [lib.get_num_threads() for lib in self.libs]
        for lib in self.libs:
            lib.set_num_threads(self.threads)

    def __exit__(self, *exc: object) -> None:
        for lib, n in zip(self.libs, self.before):
            lib.set_num_threads(n)


def _keeps_maps(system: System, state: State) -> bool:
    """Whether :func:`run` keeps the map each step makes of the state it steps from (``scaled_map_scale``).

    Every module's step must give it, and it must be at most
    ``_KEPT_MAP_RATIO`` times the first layer: keeping it writes one more array
    per step. Decided once for a whole batch, so its sub-batches read mode
    strengths the same way (a sub-batch of datasets with a diagonal Sx could,
    the batch not).
    """
    return (all(ms.kind.update_into is gradient_descent_step_into for ms in system.modules)
            and all(scaled_map_scale(ms.stats, w, system.lr[:, None, None]) is not None
                    and ms.stats.Syx.shape[-2] <= _KEPT_MAP_RATIO * w[0].shape[-2]
                    for ms, w in zip(system.modules, state.weights)))


def _run_part(system: System, state: State, steps: int, every: int, progress: Callable[[int, int], None] | None,
              shared: "_Shared | None", blas: int | None = None, lag: bool | None = None) -> Run | None:
    """:func:`run` on one (sub-)batch; raises :class:`_Diverged`; None when ``shared`` says stop early.

    ``lag``: read mode strengths and checkpoint maps from the maps the steps
    keep (:func:`_keeps_maps`, decided by the caller for the whole batch).

    ``blas``: BLAS threads while stepping when faster than the caller's count
    (the reading of modes and checkpoints, many small products, stays on the
    caller's count).
    """
    t0 = state.t
    ckpts = sorted(set(range(0, steps + 1, every)) | {steps})
    chunk = max(1, math.ceil(steps / _PROGRESS_CALLS)) if steps else 1
    reports = set(range(chunk, steps + 1, chunk)) | {steps} if steps and progress is not None else set()
    escape = (system.init == "spectral" and system.rule is GRADIENT_DESCENT
              and all(_has_closed_form(d) for d in system.datasets))
    escapes = [_escape_test(system, i) for i in range(len(system.modules))] if escape else []
    B = system.batch
    kinds = [ms.kind for ms in system.modules]
    ms_list = [ms.m for ms in system.modules]
    # depth-2 gradient descent with a diagonal Sx multiplies the map of the state it steps from (scaled by
    # eta Sx) anyway: step n + 1 keeps it in the ring (slot n + 1, after the layers), and state n's mode
    # strengths and checkpoint map are read from it, one step late (``lag``), instead of from products
    # of their own (at n1 = 7 the mode diagonal alone cost 5% of a step, a checkpoint's map a third)
    lag = int(_keeps_maps(system, state) if lag is None else lag)
    scales = [scaled_map_scale(ms.stats, w, system.lr[:, None, None]) for ms, w in zip(system.modules, state.weights)
              ] if lag else []
    unscale = [np.divide(1.0, x, out=np.zeros_like(x), where=x != 0) for x in scales]
    extra = [(ms.stats.Syx.shape[-2:],) if lag else () for ms in system.modules]  # shape of the kept map
    per_state = sum(w.nbytes for ws in state.weights for w in ws) + sum(B * 8 * math.prod(e) for ex in extra for e in ex)
    # the whole batch is stepped at once, or network by network on 2-D arrays: one network, or networks
    # so large that a batched product streams every network through memory (_PER_NETWORK_BYTES)
    each = B == 1 or _layer_bytes(state) >= _PER_NETWORK_BYTES
    # a ring of _RING_BYTES per group stepped at once (the batch, or one network)
    R = max(2, min(_RING_MAX, _RING_BYTES // max(per_state // (B if each else 1), 1), steps + 1))
    rings = [tuple(np.empty((R,) + w.shape) for w in ws) + tuple(np.empty((R, B) + e) for e in ex)
             for ws, ex in zip(state.weights, extra)]
    for ring, ws in zip(rings, state.weights):
        for r, w in zip(ring, ws):
            r[0] = w
    depths = [len(ws) for ws in state.weights]
    groups = list(range(B)) if each else [slice(None)]
    # slots[s][i][g]: the layers of module i, group g in slot s (with the kept map: outputs[s][i][g])
    slots = [[[tuple(r[s, g] for r in ring[:L]) for g in groups] for ring, L in zip(rings, depths)] for s in range(R)]
    outputs = [[[tuple(r[s, g] for r in ring) for g in groups] for ring in rings] for s in range(R)] if lag else slots
    # per module: strengths of its modes after every step, (n + 1, B, n_modes)
    record = [np.empty((steps + 1, B, len(ms.slots))) for ms in system.modules]
    updates = []  # per group, per module: (module, group, update_into, update, stats, lr, work)
    scratch: list[dict] = [{} for _ in system.modules]  # temporaries shared by the groups, stepped in turn
    for j, g in enumerate(groups):
        for i, (ms, kind) in enumerate(zip(system.modules, kinds)):
            st = ms.stats if not each else ModuleStats(*(x[0] if x.shape[0] == 1 else x[g] for x in ms.stats))
            lr = float(system.lr[g]) if each else system.lr[:, None, None]
            updates.append((i, j, kind.update_into, kind.update, st, lr, {"scratch": scratch[i]}))
    presence = [np.isfinite(_mode_values(ms, ms.pi)) for ms in system.modules]  # (B, n_modes) each
    ts, obs = [], []
    next_ckpt = 0  # index into ckpts of the next checkpoint to copy
    # checkpoint states awaiting observation are copied into one stack and observed ``cap`` at a time (at
    # most _OBSERVE_BYTES); the stack also holds the checkpoints of one more chunk, whose last may wait
    # one chunk for its map
    cap = max(1, min(len(ckpts), _OBSERVE_BYTES // max(per_state, 1)))
    stack = [tuple(np.empty((cap + R // every + 2,) + r.shape[1:]) for r in ring) for ring in rings]
    pending: list[int] = []  # their steps
    mapped = 0  # how many of them have their map in the stack (with ``lag``)

    def kept_modes(i: int, kept: np.ndarray, rec: np.ndarray) -> None:
        """Module i's mode strengths of consecutive states into ``rec``, from their kept maps (``lag``)."""
        m = ms_list[i]
        _mode_average(system.modules[i], np.diagonal(kept, axis1=-2, axis2=-1)[..., :m] * unscale[i][:, 0, :m], out=rec)

    def process(c0: int, c1: int) -> None:
        """Checks and checkpoint copies of steps c0..c1 (one contiguous range of slots), modes up to c1 - lag."""
        nonlocal next_ckpt
        window = slice(c0 % R, c1 % R + 1)
        cnt = c1 - c0 + 1
        a = max(c0 - lag, 0)  # the first state whose modes are read now
        bad_escape, bad_value = None, None  # steps
        for i, (ring, m, ms, L) in enumerate(zip(rings, ms_list, system.modules, depths)):
            if m and c1 - lag >= a:
                rec = record[i][a:c1 - lag + 1]
                if lag:  # the map of state n is in slot n + 1
                    kept_modes(i, ring[L][(a + 1) % R:c1 % R + 1], rec)
                else:
                    _mode_average(ms, _slot_diagonal(tuple(r[window] for r in ring[:L]), m), out=rec)
                if escapes:
                    hit = _first(escapes[i](rec))
                    if hit is not None and (bad_escape is None or a + hit < bad_escape):
                        bad_escape = a + hit
            for r in ring[:L]:
                # non-finite values persist from step to step (inf and NaN stay non-finite under the
                # products and sums of a step), so the last state shows whether any state has them
                if not np.isfinite(np.add.reduce(r[c1 % R], axis=None)):  # an inf or NaN entry makes the sum so
                    hit = _first_nonfinite(r[window].reshape(cnt, -1))
                    if hit is not None and (bad_value is None or c0 + hit < bad_value):
                        bad_value = c0 + hit
        if bad_value is not None and (bad_escape is None or bad_value <= bad_escape):
            raise _Diverged(bad_value, _NON_FINITE)
        if bad_escape is not None:
            raise _Diverged(bad_escape, _ESCAPED)
        first = next_ckpt
        while next_ckpt < len(ckpts) and ckpts[next_ckpt] <= c1:
            next_ckpt += 1
        for c in ckpts[first:next_ckpt]:  # copied into the stack, observed many at a time (flush)
            for layers, ring, L in zip(stack, rings, depths):
                for target, r in zip(layers[:L], ring[:L]):
                    target[len(pending)] = r[c % R]
            pending.append(c)
        take_maps(c1 - lag)
        if (mapped if lag else len(pending)) >= cap:
            flush()
        if c1 in reports:
            progress(c1, steps)

    def take_maps(last: int) -> None:
        """Copy the kept maps of the pending checkpoints up to state ``last`` into the stack (``lag``)."""
        nonlocal mapped
        while lag and mapped < len(pending) and pending[mapped] <= last:
            c = pending[mapped]
            for layers, ring, L in zip(stack, rings, depths):
                layers[L][mapped] = ring[L][(c + 1) % R]
            mapped += 1

    def flush() -> None:
        """Observe the pending checkpoint states that are complete in one call of :func:`observe`."""
        nonlocal mapped
        n = mapped if lag else len(pending)
        if not n:
            return
        taken = pending[:n]
        stacked = tuple(tuple(layer[:n] for layer in layers[:L]) for layers, L in zip(stack, depths))
        maps = None
        if lag:  # the maps from the kept products: columns divided by eta Sx (in place, the stack is reused)
            maps = tuple(np.multiply(layers[L][:n], u, out=layers[L][:n]) for layers, L, u in zip(stack, depths, unscale))
        modes = {}
        for ms, rec, present in zip(system.modules, record, presence):
            vals = np.where(present, rec[taken], np.nan)
            modes.update((name, vals[..., j]) for j, name in enumerate(ms.slots))
        values = observe(system, State(t0, stacked), modes, maps)
        obs.extend({k: v[j] for k, v in values.items()} for j in range(n))
        ts.extend(t0 + c for c in taken)
        rest = len(pending) - n  # waiting for their maps: moved to the front
        for layers in stack:
            for layer in layers:
                layer[:rest] = layer[n:n + rest].copy()
        del pending[:n]
        mapped -= n if lag else 0

    # BLAS threads while stepping only where they pay now: on shared cores they can halve the speed
    chooser = _FasterOf(2) if blas is not None else None
    blas_ways = (_blas_threads(blas), nullcontext()) if blas is not None else (nullcontext(),)
    # chunks of steps processed together: each ends when the ring is full, at a progress report or at the end
    ends = sorted({n for n in range(R - 1, steps + 1, R)} | reports | {steps})
    start = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for end in ends:
            if shared is not None and shared.stop(start):
                return None
            way = chooser.pick() if chooser is not None else 0
            began = time.perf_counter()
            with blas_ways[way]:
                # network by network (modules and networks are independent), each through the whole chunk:
                # its ring slots and temporaries stay in cache from one step to the next
                for i, j, into, update, st, lr, work in updates:
                    for n in range(max(start, 1), end + 1):
                        src, dst = slots[(n - 1) % R][i][j], outputs[n % R][i][j]
                        if into is not None:
                            into(st, src, lr, dst, work)
                        else:
                            for target, value in zip(dst, update(st, src, lr)):
                                target[...] = value
            if chooser is not None:
                chooser.record(way, (time.perf_counter() - began) / max(end + 1 - max(start, 1), 1))
            process(start, end)
            start = end + 1
        if lag:  # the map of the last state: from one more step, into the slot after it (its layers unused)
            for i, j, into, update, st, lr, work in updates:
                into(st, slots[steps % R][i][j], lr, outputs[(steps + 1) % R][i][j], work)
            last = slice((steps + 1) % R, (steps + 1) % R + 1)
            for i, (ring, L) in enumerate(zip(rings, depths)):
                if ms_list[i]:
                    kept_modes(i, ring[L][last], record[i][steps:])
                    if escapes and _first(escapes[i](record[i][steps:])) is not None:
                        raise _Diverged(steps, _ESCAPED)
            take_maps(steps)
        flush()
    final = State(t0 + steps, tuple(tuple(r[steps % R].copy() for r in ring[:L]) for ring, L in zip(rings, depths)))
    step_modes: dict[str, np.ndarray] = {}
    for ms, rec in zip(system.modules, record):
        present = _mode_values(ms, ms.pi)
        for j, name in enumerate(ms.slots):
            step_modes[name] = np.where(np.isfinite(present[:, j])[:, None], rec[:, :, j].T, np.nan)
    return Run(final, np.array(ts), obs, t0 + np.arange(steps + 1), step_modes)


def simulate_batch(
    datasets: Sequence[Dataset],
    arch: str | Architecture,
    *,
    lr: float | Sequence[float],
    steps: int,
    seeds: int | Sequence[int] = (0,),
    init: str = "spectral",
    a0: float | Mapping[str, float] = 1e-3,
    init_scale: float = 1e-3,
    hidden: int | None = None,
    every: int = 1,
    depth: int | None = None,
    rule: LearningRule = GRADIENT_DESCENT,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> SimulationResult:
    """Train one network per (dataset, lr, seed) together; see :func:`simulate`.

    ``datasets`` must share n1, n2, k1, k2 (r and the selection may differ).
    Batch order: ``b = (i_dataset * len(lr) + i_lr) * len(seeds) + i_seed``.
    """
    steps = check_int("steps", steps, 0)
    every = check_int("every", every, 1)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be callable(done_steps, total_steps) or None; got {progress!r}")
    if threads is not None:
        check_int("threads", threads, 1)
    with _blas_threads():
        return _simulate_batch(datasets, arch, lr, steps, seeds, init, a0, init_scale, hidden, every, depth, rule,
                               progress, threads)


def _blas_threads(threads: int = BLAS_THREADS) -> _BlasThreads:
    """A block with BLAS on ``threads`` threads (default the simulator's, ``BLAS_THREADS``)."""
    return _BlasThreads(threads)


def _simulate_batch(datasets, arch, lr, steps, seeds, init, a0, init_scale, hidden, every, depth, rule,  # noqa: ANN001
                    progress, threads) -> SimulationResult:  # noqa: ANN001
    system, state = _init_system(datasets, arch, lr=lr, seeds=seeds, init=init, a0=a0, init_scale=init_scale,
                                hidden=hidden, depth=depth, rule=rule)
    bound = stability_bound(system, state)
    out = run(system, state, steps=steps, every=every, progress=progress, threads=threads)
    stack = {k: np.stack([o[k] for o in out.observations], axis=1) for k in out.observations[0]}
    names = system.mode_names
    return SimulationResult(
        dataset=system.datasets[0], arch=system.arch.name, lr=system.lr.copy(), seeds=system.seeds,
        init=system.init, t=out.t, modes={n: stack[n] for n in names},
        block_norms={k: stack[k] for k in _BLOCKS}, rho=stack["rho"], novel_error=stack["novel_error"],
        loss=stack["loss"], bound=bound, above_bound=system.lr >= bound,
        datasets=tuple(system.datasets[i] for i in system.dataset_index),
        step_t=out.step_t, step_modes=out.step_modes,
        depth=tuple(m.depth for m in system.arch.modules), rule=system.rule.name,
        _system=system, _state=out.state,
    )


def simulate(
    dataset: Dataset,
    arch: str | Architecture,
    *,
    lr: float | Sequence[float],
    steps: int,
    seeds: int | Sequence[int] = (0,),
    init: str = "spectral",
    a0: float | Mapping[str, float] = 1e-3,
    init_scale: float = 1e-3,
    hidden: int | None = None,
    every: int = 1,
    depth: int | None = None,
    rule: LearningRule = GRADIENT_DESCENT,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> SimulationResult:
    """Full-batch training of ``arch`` for every (lr, seed) pair, batched.

    Parameters
    ----------
    dataset : Dataset
    arch : str or Architecture
        One of ``dense``, ``shallow``, ``split``, ``segregated``, or an Architecture.
    lr : float or sequence of float
        Step sizes ``eta > 0``. Rates at or above the stability bound
        (:func:`stability_bound`) run: divergence raises :class:`DivergenceError`
        naming the step, otherwise ``above_bound`` flags the network.
    steps : int
        Number of steps, ``>= 0``.
    seeds : int or sequence of int
        Seeds ``>= 0``. Batch order: ``b = i_lr * len(seeds) + i_seed``.
    init : {"spectral", "random"}
    a0 : float or mapping mode name -> float
        Initial mode strengths of the spectral initialization, ``> 0``.
    init_scale : float
        Standard deviation of each weight entry of the random initialization, ``> 0``.
    hidden : int, optional
        Width of every hidden layer, at least the module's number of modes (default: that number).
    every : int
        Checkpoint spacing ``>= 1``; checkpoints ``0, every, ..., steps`` (the last always).
        Mode strengths are recorded after every step regardless.
    depth : int, optional
        Layers of every module (default: the architecture's, 2 or 1 for ``shallow``).
    rule : LearningRule
        The learning rule (``numeric.learning``; default gradient descent).
    progress : callable, optional
        ``progress(done_steps, total_steps)``, called at most 33 times (the last with ``done == total``).
    threads : int, optional
        Threads ``>= 1`` over which the networks are split (at least two per
        thread; the results do not depend on it). Default: :func:`simulation_threads`'s,
        else the cores available, as long as each thread's networks hold ``_THREAD_PART_BYTES``.

    Returns
    -------
    SimulationResult
        Observables of shape (batch, n_ckpt), mode strengths at every step, and the final maps.

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
        hidden=hidden, every=every, depth=depth, rule=rule, progress=progress, threads=threads,
    )
