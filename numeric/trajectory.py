"""Closed-form training trajectories of every architecture (``modspec trajectory``).

Mode strengths follow the derived solution of the mode ODE
(:func:`theory.dynamics.mode_dynamics`) with ``tau = 1/lr`` and t counting
gradient steps; block norms, rho and the novel-combination error are the
derived observables (:func:`theory.observables.derive_observables`) evaluated
on those strengths. Every formula is compiled from its sympy expression by
:mod:`numeric.backends`; nothing is typed in twice.

Mode names: ``pi1``, ``pi2``, ``pi3`` for the one-module networks (dense,
shallow); ``<module>:<channel>`` for split and segregated, e.g. ``omega:pi1``
is the Omega module's mode on the selected-feature channel and ``gamma:pi2``
the Gamma module's mode on the unselected-feature channel. The channel names
``pi1``/``pi2``/``pi3`` are those of the dense network's modes (selected
feature / unselected feature / complement of the code rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from numeric.backends import compile_expr
from numeric.matrices import architecture_modes, evaluate
from theory import symbols as s
from theory.architectures import get_architecture
from theory.dataset import Dataset
from theory.dynamics import mode_dynamics
from theory.observables import BLOCKS, derive_observables, strength_symbol

__all__ = ["Trajectory", "theory_trajectory", "observables_at", "checkpoints", "check_training_args", "half_times",
           "stable_solution"]

_SOLUTION_ARGS = (s.pi_m, s.lam_m, s.a0, s.t, s.tau)


def check_training_args(lr: Any, a0: Any, steps: Any, every: Any = 1) -> None:
    """Validate training options; ``ValueError`` names the parameter and its range."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    if isinstance(a0, bool) or not isinstance(a0, (int, float)) or not np.isfinite(a0) or a0 <= 0:
        raise ValueError(f"a0 must be a finite number > 0; got {a0!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= 10**9:
        raise ValueError(f"steps must be an integer in [0, 1000000000]; got {steps!r}")
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be an integer >= 1; got {every!r}")


def checkpoints(steps: int, every: int) -> np.ndarray:
    """Step counts 0, every, 2 every, ..., always ending at ``steps``."""
    t = np.arange(0, steps + 1, every, dtype=np.int64)
    return t if t[-1] == steps else np.append(t, steps)


@cache
def stable_solution(deep: bool) -> sp.Expr:
    """The derived a(t), with growing exponentials divided out of numerator and denominator.

    ``dsolve`` may return ``e^{+c t}`` in both; dividing both by it gives the
    same function without overflow at large t (checked symbolically).
    """
    sol = mode_dynamics(deep).solution
    num, den = sp.fraction(sp.together(sol))
    growing = [e for e in sp.preorder_traversal(den) if isinstance(e, sp.exp) and sp.diff(e.args[0], s.t).is_positive]
    if growing:
        g = growing[0]
        num, den = sp.expand(num / g), sp.expand(den / g)
    stable = num / den
    if sp.simplify(stable - sol) != 0:
        raise AssertionError("rewritten solution differs from the derived one")
    return stable


@dataclass(frozen=True)
class Trajectory:
    """Theory's prediction of one training run, at checkpoints ``t`` (shape (n,)).

    ``modes[name]``, ``block_norms[key]``, ``rho`` and ``novel_error`` have
    shape (n,); ``rho`` is NaN where ``W_OO = 0``. ``converged`` holds the
    t -> infinity limits (strengths at the fixed points).
    """

    dataset: Dataset
    arch: str
    lr: float
    a0: float
    t: np.ndarray
    modes: dict
    block_norms: dict
    rho: np.ndarray
    novel_error: np.ndarray
    converged: dict

    def to_json(self) -> dict:
        """The documented JSON schema of ``modspec trajectory``."""
        from numeric.series import series_json

        return {
            "params": self.dataset.as_dict(), "arch": self.arch, "lr": self.lr, "a0": self.a0,
            "t": self.t.tolist(),
            "modes": {k: series_json(v) for k, v in self.modes.items()},
            "block_norms": {k: series_json(v) for k, v in self.block_norms.items()},
            "rho": series_json(self.rho),
            "novel_error": series_json(self.novel_error),
            "converged": {
                "modes": {k: series_json(v) for k, v in self.converged["modes"].items()},
                "block_norms": {k: series_json(v) for k, v in self.converged["block_norms"].items()},
                "rho": series_json(self.converged["rho"]),
                "novel_error": series_json(self.converged["novel_error"]),
            },
        }


def observables_at(d: Dataset, arch: str, strengths: dict[str, np.ndarray]) -> tuple[dict, np.ndarray, np.ndarray]:
    """Block norms, rho and novel error of ``arch`` at the given mode strengths (derived formulas).

    ``strengths`` maps mode names to arrays of one shape; modes it leaves out
    (absent on ``d``) count as 0. Returns ``(block_norms, rho, novel_error)``.
    """
    obs = derive_observables(arch)
    names = list(obs.strengths)
    args = s.PARAMS + tuple(strength_symbol(n) for n in names)
    values = [d.n1, d.n2, d.k1, d.k2, float(d.r)] + [strengths.get(n, 0.0) for n in names]
    shape = np.shape(next(iter(strengths.values()))) if strengths else ()
    norms = {
        key: np.sqrt(np.broadcast_to(compile_expr(obs.block_norms_sq[key], args)(*values), shape).astype(float))
        for key in BLOCKS
    }
    novel = np.broadcast_to(compile_expr(obs.novel_error, args)(*values), shape).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(norms["OO"] > 0, norms["GO"] / np.where(norms["OO"] > 0, norms["OO"], 1.0), np.nan)
    return norms, rho, novel


def theory_trajectory(d: Dataset, arch: str, *, lr: float, a0: float, steps: int, every: int = 1) -> Trajectory:
    """Evaluate the closed-form trajectory of ``arch`` trained on ``d``.

    Every present mode (non-zero singular value) starts at ``a0``; absent modes
    carry no strength and are left out of ``modes``. Time counts gradient steps of size ``lr`` (``tau = 1/lr``).
    """
    get_architecture(arch)
    check_training_args(lr, a0, steps, every)
    t = checkpoints(int(steps), int(every))
    obs = derive_observables(arch)
    strengths = {name: np.zeros(t.shape) for name in obs.strengths}
    limits = {name: 0.0 for name in obs.strengths}
    for module, mode in architecture_modes(d, arch):
        pi, lam = float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d))
        fn = compile_expr(stable_solution(module.deep), _SOLUTION_ARGS)
        strengths[mode.name] = np.asarray(fn(pi, lam, float(a0), t.astype(float), 1.0 / lr), dtype=float)
        limits[mode.name] = pi / lam
    if any(not np.all(np.isfinite(v)) for v in strengths.values()):
        raise FloatingPointError("closed-form trajectory produced non-finite values")
    norms, rho, novel = observables_at(d, arch, strengths)
    conv_strengths = {k: np.array(v) for k, v in limits.items()}
    c_norms, c_rho, c_novel = observables_at(d, arch, conv_strengths)
    present = [mode.name for _, mode in architecture_modes(d, arch)]
    converged = {"modes": {k: limits[k] for k in present}, "block_norms": {k: float(v) for k, v in c_norms.items()},
                 "rho": float(c_rho), "novel_error": float(c_novel)}
    modes = {k: strengths[k] for k in present}
    return Trajectory(d, arch, float(lr), float(a0), t, modes, norms, rho, novel, converged)


def half_times(d: Dataset, arch: str, *, lr: float, a0: float) -> dict[str, float]:
    """Steps for each present mode to reach half its fixed point from ``a0``.

    Raises ``ValueError`` when a half time does not exist (``a0 >= a*/2`` for
    some mode): the mode starts at or above half its fixed point.
    """
    get_architecture(arch)
    check_training_args(lr, a0, 0)
    out = {}
    for module, mode in architecture_modes(d, arch):
        pi, lam = float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d))
        if not a0 < pi / lam / 2:
            raise ValueError(
                f"a0 must be below half the fixed point of every mode for a half-learning time; "
                f"mode {mode.name} has a*/2 = {pi / lam / 2:.6g}, got a0 = {a0!r}"
            )
        fn = compile_expr(mode_dynamics(module.deep).half_time, (s.pi_m, s.lam_m, s.a0, s.tau))
        out[mode.name] = float(fn(pi, lam, float(a0), 1.0 / lr))
    return out
