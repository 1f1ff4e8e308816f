"""Simulated gradient descent next to the theory (``modspec simulate``).

:func:`simulation_report` runs the batched simulator and the closed-form
trajectory with the same flags and returns a :class:`SimulationReport`: the
mean over seeds in the trajectory schema, the largest value over seeds, and the
deviation from the theory for every series (the same
:func:`proofs.deviation.max_deviation` the reports use).

Mode strengths are compared at every gradient step (the simulator records
them after each step, the theory is evaluated at each step), so their largest
deviation does not depend on the checkpoint interval; block norms, rho and the
novel error are compared at the checkpoints (``DEVIATION_OVER`` says which).
A run whose learning rate is at or above the stability bound and did not
diverge is not compared (the closed forms do not describe it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from numeric.series import series_json
from numeric.simulate import SimulationResult, simulate
from numeric.trajectory import Trajectory, check_training_args, theory_trajectory
from proofs.deviation import max_deviation
from theory.dataset import Dataset

__all__ = ["SimulationReport", "simulation_report", "series_deviation", "step_mode_deviation", "DEVIATION_OVER"]

SERIES = ("modes", "block_norms", "rho", "novel_error")
#: Where each series is compared with the theory.
DEVIATION_OVER = {"modes": "every step", "block_norms": "checkpoints", "rho": "checkpoints",
                  "novel_error": "checkpoints"}


def series_deviation(traj: Trajectory, sim: SimulationResult, quantity: str, key: str | None = None) -> dict:
    """``{"abs": max |sim - theory|, "rel": abs / max |theory|}`` of one series (None if incomparable)."""
    th = getattr(traj, quantity) if key is None else getattr(traj, quantity)[key]
    si = getattr(sim, quantity) if key is None else getattr(sim, quantity)[key]
    gap = max_deviation(traj.t, th, sim.t, si)
    finite = np.abs(np.asarray(th, dtype=float))
    finite = finite[np.isfinite(finite)]
    scale = float(finite.max()) if finite.size else 0.0
    rel = None if gap is None or scale == 0 else gap / scale
    return {"abs": gap, "rel": rel}


def _mean(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.mean(np.asarray(x, dtype=float), axis=0)


def _max(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if np.all(np.isnan(arr)):
        return np.full(arr.shape[1:], np.nan)
    return np.nanmax(arr, axis=0)


def _std(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.std(np.asarray(x, dtype=float), axis=0)


def _rows(x: np.ndarray) -> list:
    """Per-seed series, shape (seeds, checkpoints), as lists with non-finite values as null."""
    return [series_json(row) for row in np.asarray(x, dtype=float)]


def _per_series(sim: SimulationResult, fn: Callable[[np.ndarray], Any], encode: Callable = series_json) -> dict:
    out = {
        "modes": {k: encode(fn(v)) for k, v in sim.modes.items()},
        "block_norms": {k: encode(fn(v)) for k, v in sim.block_norms.items()},
        "rho": encode(fn(sim.rho)),
        "novel_error": encode(fn(sim.novel_error)),
    }
    if getattr(sim, "loss", None) is not None:
        out["loss"] = encode(fn(sim.loss))
    return out


#: What the deviations of a simulation compare with, by initialization (said in the output).
COMPARISON = {
    "spectral": "the closed-form trajectory from the same a0 (spectral initialization): deviations measure "
                "the O(lr) discretization error",
    "random": "random initialization does not start from the theory's a0, so only the converged values "
              "(t -> infinity) are comparable: deviations are taken at the last checkpoint against the limit",
}


def step_mode_deviation(steps: Trajectory, sim: SimulationResult, key: str) -> dict:
    """Deviation of one mode strength over every step: ``steps`` is the theory at every step."""
    th = steps.modes[key]
    gap = max_deviation(steps.t, th, sim.step_t, sim.step_modes[key])
    finite = np.abs(np.asarray(th, dtype=float))
    finite = finite[np.isfinite(finite)]
    scale = float(finite.max()) if finite.size else 0.0
    rel = None if gap is None or scale == 0 else gap / scale
    return {"abs": gap, "rel": rel}


_NONE = {"abs": None, "rel": None}


@dataclass(frozen=True)
class SimulationReport:
    """A simulation and the theory's prediction for the same flags.

    ``theory`` is at the checkpoints, ``theory_steps`` at every step (mode
    strengths); both are None when the learning rate is at or above the
    stability bound (``above_bound``).
    """

    simulation: SimulationResult
    theory: Trajectory | None
    theory_steps: Trajectory | None = None

    @property
    def above_bound(self) -> bool:
        """True when some network's learning rate is at or above its stability bound."""
        return bool(np.any(self.simulation.above_bound))

    def deviation(self) -> dict:
        """Deviation from the theory of every series (see ``COMPARISON``).

        Spectral initialization: modes over every step, the rest at checkpoints, along the closed-form path.
        Random initialization: the last checkpoint against the converged limit only.
        """
        sim, traj, steps = self.simulation, self.theory, self.theory_steps
        if traj is None:
            return {"modes": {k: dict(_NONE) for k in sim.modes}, "block_norms": {k: dict(_NONE) for k in
                    sim.block_norms}, "rho": dict(_NONE), "novel_error": dict(_NONE)}
        if sim.init != "spectral":
            return self._final_deviation()
        modes = ({k: step_mode_deviation(steps, sim, k) for k in steps.modes if k in sim.step_modes}
                 if steps is not None else
                 {k: series_deviation(traj, sim, "modes", k) for k in traj.modes if k in sim.modes})
        return {
            "modes": modes,
            "block_norms": {k: series_deviation(traj, sim, "block_norms", k) for k in traj.block_norms},
            "rho": series_deviation(traj, sim, "rho"),
            "novel_error": series_deviation(traj, sim, "novel_error"),
        }

    def _final_deviation(self) -> dict:
        sim, lim = self.simulation, self.theory.converged

        def gap(series: np.ndarray, limit: Any) -> dict:
            last = np.asarray(series, dtype=float)[:, -1]
            if limit is None or not np.isfinite(limit) or not np.all(np.isfinite(last)):
                return {"abs": None, "rel": None}
            d = float(np.max(np.abs(last - limit)))
            return {"abs": d, "rel": d / abs(limit) if limit else None}

        return {
            "modes": {k: gap(sim.modes[k], v) for k, v in lim["modes"].items() if k in sim.modes},
            "block_norms": {k: gap(sim.block_norms[k], v) for k, v in lim["block_norms"].items()},
            "rho": gap(sim.rho, lim["rho"]),
            "novel_error": gap(sim.novel_error, lim["novel_error"]),
        }

    def max_mode_deviation(self) -> float:
        """Largest absolute deviation of a mode strength (NaN if there is no mode)."""
        gaps = [v["abs"] for v in self.deviation()["modes"].values() if v["abs"] is not None]
        return max(gaps) if gaps else float("nan")

    def to_json(self) -> dict:
        """Trajectory schema of the mean over seeds; ``final`` (last checkpoint), ``converged`` (the theory's
        limit t -> infinity, as in ``modspec trajectory``), per-seed series, spread, and the deviations."""
        sim = self.simulation
        mean = _per_series(sim, _mean)
        final = {
            "block_norms": {k: v[-1] for k, v in mean["block_norms"].items()},
            "rho": mean["rho"][-1], "novel_error": mean["novel_error"][-1],
            "modes": {k: v[-1] for k, v in mean["modes"].items()},
        }
        return {
            "params": sim.dataset.as_dict(), "arch": sim.arch, "init": sim.init,
            "lr": float(sim.lr[0]), "seeds": list(sim.seeds), "t": sim.t.tolist(),
            **mean,
            "final": final,
            "converged": None if self.theory is None else self.theory.to_json()["converged"],
            "max_over_seeds": _per_series(sim, _max),
            "spread_over_seeds": _per_series(sim, _std),
            "per_seed": _per_series(sim, lambda x: x, _rows),
            "comparison": COMPARISON.get(sim.init, COMPARISON["random"]),
            "deviation": self.deviation(),
            "deviation_over": dict(DEVIATION_OVER),
            "stability_bound": series_json(np.min(sim.bound)) if sim.bound is not None else None,
            "above_stability_bound": self.above_bound,
        }


def simulation_report(
    d: Dataset, arch: str, *, lr: float, a0: float, steps: int, every: int = 1, seeds: int = 1,
    init: str = "spectral", init_scale: float = 1e-3, hidden: int | None = None, depth: int | None = None,
    progress: Callable[[int, int], None] | None = None, threads: int | None = None,
) -> SimulationReport:
    """Simulate ``seeds`` networks (seeds 0..seeds-1) and compute the theory for the same flags.

    ``threads``: the simulator's (``numeric.simulate.simulate``; None: automatic).

    The simulation runs first: a diverging run raises ``DivergenceError`` (an
    ``ArithmeticError``) naming the step; a run at or above the stability bound
    that did not diverge gets no theory (``theory`` is None).
    """
    check_training_args(lr, a0, steps, every)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 4096:
        raise ValueError(f"seeds must be an integer in [1, 4096]; got {seeds!r}")
    sim = simulate(d, arch, lr=lr, steps=steps, seeds=tuple(range(seeds)), init=init, a0=a0,
                   init_scale=init_scale, hidden=hidden, every=every, depth=depth, progress=progress,
                   threads=threads)
    if np.any(sim.above_bound):
        return SimulationReport(sim, None, None)
    extra = {} if depth is None else {"depth": depth}
    traj = theory_trajectory(d, arch, lr=lr, a0=a0, steps=steps, every=every, **extra)
    steps_traj = traj if every == 1 else theory_trajectory(d, arch, lr=lr, a0=a0, steps=steps, every=1, **extra)
    return SimulationReport(sim, traj, steps_traj)
