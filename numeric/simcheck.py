"""Generic machinery of the simulation checks: real gradient descent, run once per setting.

Claim modules (``proofs/claims/``) train the networks of a dataset with the
batched simulator (:mod:`numeric.simulate`) from spectral initialization,
through the cached runners here, and return :class:`SimCheck` records: a
measured deviation and the derived tolerance it must stay below
(:mod:`numeric.tolerances`). Nothing here names an architecture or states a
formula of the theory; architectures are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from numeric.matrices import architecture_modes, evaluate
from numeric.simulate import SimulationResult, init, simulate, stability_bound
from numeric.tolerances import DELTA, rounding, steps_to_converge
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset

__all__ = [
    "SimCheck", "A0", "MAX_STEPS", "feasible", "present_modes", "learning_rate", "converge_steps", "run",
    "converged", "size", "map_tolerance", "clear_cache",
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


def present_modes(d: Dataset, arch: str) -> dict[str, tuple[float, float, bool]]:
    """Mode name -> (pi, lambda, deep) of every present mode of ``arch`` on ``d``."""
    return {mode.name: (float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d)), module.deep)
            for module, mode in architecture_modes(d, arch)}


def _depth_kwargs(depth: int | None) -> dict:
    """``depth`` for the simulator only when given, so depth-free runs are exactly the runs of before."""
    return {} if depth is None else {"depth": depth}


@lru_cache(maxsize=64)
def learning_rate(d: Dataset, arch: str, depth: int | None = None) -> float:
    """Half the stability bound, and at most 0.05 (the regime of the O(eta) claims).

    ``depth`` gives every module that many layers (default: the architecture's own).
    """
    system, state = init([d], arch, lr=1e-3, a0=A0, **_depth_kwargs(depth))
    return min(0.05, 0.5 * float(stability_bound(system, state)[0]))


def converge_steps(d: Dataset, arch: str, depth: int | None = None) -> int:
    """Steps until every mode of ``arch`` is within relative DELTA of its fixed point."""
    lr = learning_rate(d, arch, depth)
    if depth is None:
        return max((steps_to_converge(pi, lam, A0, lr, deep) for pi, lam, deep in present_modes(d, arch).values()),
                   default=0)
    from numeric.depth import steps_to_converge as depth_steps

    return max((depth_steps(pi, lam, A0, lr, depth, DELTA) for pi, lam, _ in present_modes(d, arch).values()),
               default=0)


def feasible(d: Dataset, depth: int | None = None) -> bool:
    """True when every architecture converges within MAX_STEPS on ``d``."""
    return all(converge_steps(d, arch, depth) <= MAX_STEPS for arch in ARCHITECTURES)


@lru_cache(maxsize=64)
def run(d: Dataset, arch: str, steps: int, every: int, depth: int | None = None) -> SimulationResult:
    """Gradient descent on ``arch`` at :func:`learning_rate` from a0 = A0 (cached: claims share runs)."""
    return simulate(d, arch, lr=learning_rate(d, arch, depth), steps=steps, a0=A0, every=every,
                    **_depth_kwargs(depth))


def converged(d: Dataset, arch: str, depth: int | None = None) -> SimulationResult:
    """A run long enough for every mode to reach relative DELTA of its fixed point (final state only)."""
    return run(d, arch, converge_steps(d, arch, depth), 10**9, depth)


def clear_cache() -> None:
    """Forget cached runs and learning rates."""
    run.cache_clear()
    learning_rate.cache_clear()


def size(d: Dataset) -> int:
    """Largest matrix dimension of a step (inputs + outputs): the d of the rounding bound."""
    return d.n_in + d.n_out


def map_tolerance(d: Dataset, W: np.ndarray, steps: int) -> float:
    """Distance of a converged map from its limit W: DELTA ||W|| plus the rounding of ``steps`` steps.

    Every mode within DELTA of a*: ||W - W*|| = ||U diag(a - a*) V^T|| <= DELTA ||W*||.
    """
    return DELTA * float(np.linalg.norm(W)) + rounding(size(d), steps) * max(float(np.linalg.norm(W)), 1.0)
