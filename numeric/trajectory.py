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

Depth (docs/theory.md section 8): with ``depth=L`` every module has L layers. For
L = 1, 2 the explicit solutions are evaluated (exactly as without ``depth``);
for L >= 3 the implicit solution ``t(a)`` is inverted per checkpoint by
:func:`numeric.depth.strengths`, which raises :class:`numeric.depth.PrecisionError`
when float64 cannot resolve the result. The loss of the theory is the derived
per-mode loss ``-pi a + lambda a^2 / 2`` summed over modes (times their
multiplicities) plus ``tr(Syy) / 2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import sympy as sp

from numeric import depth as nd
from numeric.backends import compile_expr
from numeric.matrices import architecture_modes, data_matrices, evaluate
from theory import symbols as s
from theory.architectures import get_architecture
from theory.dataset import Dataset
from theory.dynamics import check_depth, mode_dynamics, mode_loss
from theory.observables import BLOCKS, derive_observables, strength_symbol
from theory.persist import persistent

__all__ = ["Trajectory", "theory_trajectory", "observables_at", "checkpoints", "check_training_args", "half_times",
           "stable_solution", "module_depth", "initial_strengths", "theory_loss", "check_stable_lr"]

_SOLUTION_ARGS = (s.pi_m, s.lam_m, s.a0, s.t, s.tau)


def _check_a0_value(name: str, a0: Any) -> None:
    if isinstance(a0, bool) or not isinstance(a0, (int, float)) or not np.isfinite(a0) or a0 <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {a0!r}")


def check_training_args(lr: Any, a0: Any, steps: Any, every: Any = 1) -> None:
    """Validate training options; ``ValueError`` names the parameter and its range.

    ``a0`` is one number for every mode, or a mapping mode name -> number.
    """
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    if isinstance(a0, Mapping):
        for name, value in a0.items():
            _check_a0_value(f"a0[{name!r}]", value)
    else:
        _check_a0_value("a0", a0)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= 10**9:
        raise ValueError(f"steps must be an integer in [0, 1000000000]; got {steps!r}")
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be an integer >= 1; got {every!r}")


def checkpoints(steps: int, every: int) -> np.ndarray:
    """Step counts 0, every, 2 every, ..., always ending at ``steps``."""
    t = np.arange(0, steps + 1, every, dtype=np.int64)
    return t if t[-1] == steps else np.append(t, steps)


@persistent
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

    ``modes[name]``, ``block_norms[key]``, ``rho``, ``novel_error`` and
    ``loss`` have shape (n,); ``rho`` is NaN where ``W_OO = 0``. ``converged``
    holds the t -> infinity limits (strengths at the fixed points). ``a0`` is
    the initial strength of each present mode; ``depth`` the number of layers
    of every module (None: the architecture's own, 2 or 1).
    """

    dataset: Dataset
    arch: str
    lr: float
    a0: dict
    t: np.ndarray
    modes: dict
    block_norms: dict
    rho: np.ndarray
    novel_error: np.ndarray
    converged: dict
    loss: np.ndarray
    depth: int | None = None

    def to_json(self) -> dict:
        """The documented JSON schema of ``modspec trajectory``.

        ``a0`` is one number when every mode starts at the same strength, else a
        mapping mode -> a0; ``depth`` appears when it was given.
        """
        from numeric.series import series_json

        starts = set(self.a0.values())
        out = {
            "params": self.dataset.as_dict(), "arch": self.arch, "lr": self.lr,
            "a0": starts.pop() if len(starts) == 1 else dict(self.a0),
            "t": self.t.tolist(),
            "modes": {k: series_json(v) for k, v in self.modes.items()},
            "block_norms": {k: series_json(v) for k, v in self.block_norms.items()},
            "rho": series_json(self.rho),
            "novel_error": series_json(self.novel_error),
            "loss": series_json(self.loss),
            "converged": {
                "modes": {k: series_json(v) for k, v in self.converged["modes"].items()},
                "block_norms": {k: series_json(v) for k, v in self.converged["block_norms"].items()},
                "rho": series_json(self.converged["rho"]),
                "novel_error": series_json(self.converged["novel_error"]),
                "loss": series_json(self.converged["loss"]),
            },
        }
        if self.depth is not None:
            out["depth"] = self.depth
        return out


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


def module_depth(module: Any, depth: int | None) -> int:
    """Layers of ``module``: ``depth`` when given (every module gets it), else the module's own."""
    if depth is not None:
        return check_depth(depth)
    own = getattr(module, "depth", None)
    return own if isinstance(own, int) else (2 if module.deep else 1)


def initial_strengths(d: Dataset, arch: str, a0: float | Mapping[str, float]) -> dict[str, float]:
    """Initial strength of every present mode: ``a0`` for all, or ``a0[name]`` per mode.

    A mapping must name exactly the present modes of ``arch`` on ``d``
    (``ValueError`` lists them otherwise).
    """
    present = [mode.name for _, mode in architecture_modes(d, arch)]
    if not isinstance(a0, Mapping):
        return {name: float(a0) for name in present}
    if set(a0) != set(present):
        raise ValueError(f"a0 must map every present mode of {arch} on this dataset ({', '.join(present)}) "
                         f"to a number > 0; got modes {sorted(a0)}")
    return {name: float(a0[name]) for name in present}


def theory_loss(d: Dataset, arch: str, strengths: Mapping[str, np.ndarray]) -> np.ndarray:
    """Loss ``(1/2P) sum_i ||y_i - W x_i||^2`` of the spectral map with these mode strengths.

    The loss in the statistics is ``tr(Syy)/2 - tr(W Syx^T) + tr(W Sx W^T)/2``;
    on ``W = U diag(a) V^T`` it is ``tr(Syy)/2`` plus the derived per-mode loss
    (:func:`theory.dynamics.mode_loss`) of every mode times its multiplicity;
    modules produce disjoint outputs, so their losses add. ``tr(Syy)`` is
    read from the explicit outputs.
    """
    _, Y = data_matrices(d)
    ell = compile_expr(mode_loss(), (s.a_m, s.pi_m, s.lam_m))
    total = 0.5 * float(np.sum(Y * Y)) / d.P
    for _, mode in architecture_modes(d, arch):
        pi, lam = float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d))
        total = total + float(evaluate(mode.multiplicity, d)) * ell(np.asarray(strengths[mode.name], float), pi, lam)
    return np.asarray(total, dtype=float)


def check_stable_lr(d: Dataset, arch: str, lr: float, a0: float | Mapping[str, float], depth: int | None) -> float:
    """The stability bound of ``arch`` at ``depth`` on ``d``; ``ValueError`` naming lr and the bound if lr >= it.

    The bound is the simulator's (``numeric.simulate.stability_bound``: the
    Hessian at the balanced fixed point and a bound at the initial point, whose
    derivation is documented there); the theory describes gradient descent
    only below it.
    """
    from numeric.simulate import init, stability_bound

    kwargs = {} if depth is None else {"depth": depth}
    system, state = init([d], arch, lr=lr, a0=a0, **kwargs)
    bound = float(np.min(stability_bound(system, state)))
    if not lr < bound:
        raise ValueError(f"lr must be below the stability bound {bound:.6g} of {arch}"
                         f"{'' if depth is None else f' at depth {depth}'} on this dataset; got lr = {lr!r}")
    return bound


def _mode_series(pi: float, lam: float, a0: float, t: np.ndarray, lr: float, depth: int) -> np.ndarray:
    if depth in (1, 2):  # the explicit solutions, as evaluated before depth existed
        fn = compile_expr(stable_solution(depth == 2), _SOLUTION_ARGS)
        return np.broadcast_to(np.asarray(fn(pi, lam, a0, t, 1.0 / lr), dtype=float), t.shape)
    return nd.strengths(pi, lam, a0, t, 1.0 / lr, depth)


def theory_trajectory(d: Dataset, arch: str, *, lr: float, a0: float | Mapping[str, float], steps: int,
                      every: int = 1, depth: int | None = None) -> Trajectory:
    """Evaluate the theory's trajectory of ``arch`` trained on ``d``.

    Every present mode (non-zero singular value) starts at ``a0`` (or
    ``a0[name]``); absent modes carry no strength and are left out of
    ``modes``. Time counts gradient steps of size ``lr`` (``tau = 1/lr``).
    ``depth`` (1..6) gives every module that many layers; default: the
    architecture's own. A learning rate at or above the stability bound is
    refused (``ValueError`` naming lr and the bound); a depth-L inversion that
    float64 cannot resolve raises :class:`numeric.depth.PrecisionError`.
    """
    get_architecture(arch)
    check_training_args(lr, a0, steps, every)
    if depth is not None:
        check_depth(depth)
    starts = initial_strengths(d, arch, a0)
    check_stable_lr(d, arch, lr, a0, depth)
    t = checkpoints(int(steps), int(every))
    obs = derive_observables(arch)
    strengths = {name: np.zeros(t.shape) for name in obs.strengths}
    limits = {name: 0.0 for name in obs.strengths}
    for module, mode in architecture_modes(d, arch):
        pi, lam = float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d))
        strengths[mode.name] = _mode_series(pi, lam, starts[mode.name], t.astype(float), lr, module_depth(module, depth))
        limits[mode.name] = pi / lam
    if any(not np.all(np.isfinite(v)) for v in strengths.values()):
        raise FloatingPointError("closed-form trajectory produced non-finite values")
    norms, rho, novel = observables_at(d, arch, strengths)
    conv_strengths = {k: np.array(v) for k, v in limits.items()}
    c_norms, c_rho, c_novel = observables_at(d, arch, conv_strengths)
    present = list(starts)
    converged = {"modes": {k: limits[k] for k in present}, "block_norms": {k: float(v) for k, v in c_norms.items()},
                 "rho": float(c_rho), "novel_error": float(c_novel),
                 "loss": float(theory_loss(d, arch, conv_strengths))}
    modes = {k: strengths[k] for k in present}
    loss = theory_loss(d, arch, strengths)
    return Trajectory(d, arch, float(lr), starts, t, modes, norms, rho, novel, converged,
                      np.broadcast_to(loss, t.shape).astype(float), depth)


def half_times(d: Dataset, arch: str, *, lr: float, a0: float | Mapping[str, float],
               depth: int | None = None) -> dict[str, float]:
    """Steps for each present mode to reach half its fixed point from ``a0`` (or ``a0[name]``).

    Raises ``ValueError`` when a half time does not exist (``a0 >= a*/2`` for
    some mode): the mode starts at or above half its fixed point.
    """
    get_architecture(arch)
    check_training_args(lr, a0, 0)
    if depth is not None:
        check_depth(depth)
    starts = initial_strengths(d, arch, a0)
    out = {}
    for module, mode in architecture_modes(d, arch):
        pi, lam = float(evaluate(mode.singular_value, d)), float(evaluate(mode.eigenvalue, d))
        start = starts[mode.name]
        if not start < pi / lam / 2:
            raise ValueError(
                f"a0 must be below half the fixed point of every mode for a half-learning time; "
                f"mode {mode.name} has a*/2 = {pi / lam / 2:.6g}, got a0 = {start!r}"
            )
        layers = module_depth(module, depth)
        if depth is None:  # the explicit half times, as evaluated before depth existed
            fn = compile_expr(mode_dynamics(layers == 2).half_time, (s.pi_m, s.lam_m, s.a0, s.tau))
            out[mode.name] = float(fn(pi, lam, start, 1.0 / lr))
        else:
            out[mode.name] = nd.half_time(pi, lam, start, 1.0 / lr, layers)
    return out
