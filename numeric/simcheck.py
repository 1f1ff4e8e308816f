"""Simulation checks of the training claims: real gradient descent against the theory.

Each ``*_sim`` function trains the networks of one dataset with the batched
simulator (``numeric.simulate``) from spectral initialization and returns
:class:`SimCheck` records: a measured deviation and the derived tolerance it
must stay below (``numeric.tolerances``). ``modspec verify`` runs them on a
few small datasets next to the symbolic proof and the 50-digit certificate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from numeric.maps import least_squares_map
from numeric.matrices import architecture_modes, evaluate
from numeric.simulate import SimulationResult, init, simulate, stability_bound
from numeric.tolerances import DELTA, deep_euler_bound, rounding, shallow_euler_bound, steps_to_converge
from numeric.trajectory import half_times, observables_at, theory_trajectory
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset

__all__ = [
    "SimCheck", "A0", "MAX_STEPS", "feasible", "dynamics_sim", "block_norm_sim", "dense_sim", "split_sim",
    "segregated_sim", "half_time_sim", "least_squares_sim",
]

#: Initial strength of every mode (spectral initialization).
A0 = 1e-3
#: Longest run a simulation check may take; datasets needing more are skipped.
MAX_STEPS = 40_000


@dataclass(frozen=True)
class SimCheck:
    """One comparison of a simulation with the theory: passes when deviation <= tolerance."""

    dataset: Dataset
    what: str
    deviation: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(self.deviation <= self.tolerance)


def _modes(d: Dataset, arch: str) -> dict[str, tuple[float, float, bool]]:
    """Mode name -> (pi, lambda, deep) of every present mode."""
    return {mode.name: (float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d)), module.deep)
            for module, mode in architecture_modes(d, arch)}


@lru_cache(maxsize=64)
def _lr(d: Dataset, arch: str) -> float:
    """Half the stability bound, and at most 0.05 (the regime of the O(eta) claims)."""
    system, state = init([d], arch, lr=1e-3, a0=A0)
    return min(0.05, 0.5 * float(stability_bound(system, state)[0]))


def _converge_steps(d: Dataset, arch: str) -> int:
    lr = _lr(d, arch)
    return max((steps_to_converge(pi, lam, A0, lr, deep) for pi, lam, deep in _modes(d, arch).values()), default=0)


def feasible(d: Dataset) -> bool:
    """True when every architecture converges within MAX_STEPS on ``d``."""
    return all(_converge_steps(d, arch) <= MAX_STEPS for arch in ARCHITECTURES)


@lru_cache(maxsize=64)
def _run(d: Dataset, arch: str, steps: int, every: int) -> SimulationResult:
    return simulate(d, arch, lr=_lr(d, arch), steps=steps, a0=A0, every=every)


def _converged(d: Dataset, arch: str) -> SimulationResult:
    return _run(d, arch, _converge_steps(d, arch), 10**9)


def _size(d: Dataset) -> int:
    return d.n_in + d.n_out


def dynamics_sim(d: Dataset) -> list[SimCheck]:
    """T3: every mode of the dense and shallow networks stays within the derived Euler bound."""
    out = []
    for arch in ("dense", "shallow"):
        lr, modes = _lr(d, arch), _modes(d, arch)
        if not modes:
            continue
        pi_max = max(p for p, _, _ in modes.values())
        x0_min = min(A0 * lam / pi for pi, lam, _ in modes.values())
        steps = min(int(math.ceil((math.log(1 / x0_min) + 6) / (2 * pi_max * lr))), MAX_STEPS)
        res = _run(d, arch, steps, 1)
        theory = theory_trajectory(d, arch, lr=lr, a0=A0, steps=steps)
        for name, (pi, lam, deep) in modes.items():
            err = float(np.max(np.abs(res.modes[name][0] - theory.modes[name])))
            bound = deep_euler_bound(pi, lam, A0, lr) if deep else shallow_euler_bound(pi, lam, A0, lr)
            tol = bound + rounding(_size(d), steps) * max(pi / lam, 1.0)
            out.append(SimCheck(d, f"|a_GD - a(t)| of {arch} {name}, eta={lr:.3g}", err, tol))
    return out


def block_norm_sim(d: Dataset) -> list[SimCheck]:
    """T4: block norms of the trained weights equal the formulas at the trained mode strengths."""
    out = []
    for arch in ARCHITECTURES:
        steps = min(_converge_steps(d, arch), MAX_STEPS)
        res = _run(d, arch, steps, max(1, steps // 20))
        norms, _, _ = observables_at(d, arch, {name: res.modes[name][0] for name in res.modes})
        scale = max(float(np.max(v)) for v in norms.values()) or 1.0
        err = max(float(np.max(np.abs(norms[k] - res.block_norms[k][0]))) for k in norms)
        out.append(SimCheck(d, f"block norms of trained {arch} weights vs formulas", err,
                            rounding(_size(d), steps) * scale))
    return out


def dense_sim(d: Dataset) -> list[SimCheck]:
    """T5: rho stays at r sqrt(k1/P) while training; the converged novel error is as stated."""
    expected = d.r_float * math.sqrt(d.k1 / d.P)
    res = _converged(d, "dense")
    steps = int(res.t[-1])
    traj = _run(d, "dense", min(steps, 2000), 10)
    rho_err = float(np.nanmax(np.abs(traj.rho - expected)))
    c = d.k1 * d.r_float**2
    stated = d.n2 * (c / (d.P + c)) ** 2
    # ||W_OO|| is proportional to a1, within DELTA of a1*: the squared error moves by <= 3 n2 DELTA.
    return [
        SimCheck(d, "rho of dense GD vs r sqrt(k1/P)", rho_err, rounding(_size(d), 2000) * (1 + expected)),
        SimCheck(d, "converged dense novel error vs n2 (k1 r^2/(P + k1 r^2))^2",
                 abs(float(res.novel_error[0, -1]) - stated), 3 * d.n2 * DELTA + rounding(_size(d), steps)),
    ]


def _map_tolerance(d: Dataset, W: np.ndarray, steps: int) -> float:
    # Every mode within DELTA of a*: ||W - W*|| = ||U diag(a - a*) V^T|| <= DELTA ||W*||.
    return DELTA * float(np.linalg.norm(W)) + rounding(_size(d), steps) * max(float(np.linalg.norm(W)), 1.0)


def split_sim(d: Dataset) -> list[SimCheck]:
    """T6: trained split and dense networks reach the same map."""
    dense, split = _converged(d, "dense"), _converged(d, "split")
    gap = float(np.linalg.norm(split.final_map[0] - dense.final_map[0]))
    steps = int(max(dense.t[-1], split.t[-1]))
    return [SimCheck(d, "||W_split - W_dense|| after training", gap, 2 * _map_tolerance(d, dense.final_map[0], steps))]


def segregated_sim(d: Dataset) -> list[SimCheck]:
    """T7: W_GO is exactly 0 at every checkpoint; the novel error vanishes at convergence."""
    res = _converged(d, "segregated")
    steps = int(res.t[-1])
    during = _run(d, "segregated", min(steps, 2000), 10)
    return [
        SimCheck(d, "max ||W_GO|| of segregated GD (exactly 0)", float(np.max(during.block_norms["GO"])), 0.0),
        # novel error = n2 (a - 1)^2 with |a - 1| <= DELTA + rounding at convergence (a* = 1).
        SimCheck(d, "converged segregated novel error", float(res.novel_error[0, -1]),
                 d.n2 * (DELTA + rounding(_size(d), steps)) ** 2),
    ]


def half_time_sim(d: Dataset) -> list[SimCheck]:
    """T8: the simulated half-learning times match t_half within the Euler shift of the crossing.

    Near a = a*/2 a deep mode grows by pi a* eta / 2 per step, so an Euler error
    of C eta pi a* moves the crossing by at most 2 C steps (plus one for the
    first checkpoint past it, plus the O(eta^2) factor).
    """
    from numeric.simulate import euler_error_constant

    lr = _lr(d, "dense")
    modes = _modes(d, "dense")
    if not modes:
        return []
    theory = half_times(d, "dense", lr=lr, a0=A0)
    steps = min(int(math.ceil(max(theory.values()))) + 10, MAX_STEPS)
    res = _run(d, "dense", steps, 1)
    out = []
    for name, (pi, lam, _) in modes.items():
        star = pi / lam
        crossed = np.nonzero(res.modes[name][0] >= star / 2)[0]
        t_sim = float(res.t[crossed[0]]) if crossed.size else math.inf
        tol = 2 * euler_error_constant(A0 / star) * (1 + 2 * pi * lr) + 1
        out.append(SimCheck(d, f"simulated t_half of {name} vs theory (steps)", abs(t_sim - theory[name]), tol))
    return out


def least_squares_sim(d: Dataset) -> list[SimCheck]:
    """T9: every trained architecture reaches its modules' least-squares map."""
    out = []
    for arch in ARCHITECTURES:
        res = _converged(d, arch)
        target = least_squares_map(d, arch, "numpy")
        gap = float(np.linalg.norm(res.final_map[0] - target))
        out.append(SimCheck(d, f"||W_{arch} - Y X^+|| after training", gap,
                            _map_tolerance(d, target, int(res.t[-1])) + 1e-12 * max(float(np.linalg.norm(target)), 1.0)))
    return out
