"""The tasks a sweep can run: a name -> :class:`Task` registry.

A task is one call of the library function behind a ``modspec`` command
(one code path: the sweep never computes anything the CLI would not), on the
parameters of one grid point, flattened into a record of scalars. Parameters
are declared with their kind and default, so a spec is validated before any
work; :func:`get_task` lists the valid names on a typo.

To add a task: write ``run(params) -> dict of scalars`` calling the library,
declare its :class:`Param` tuple, and add a :class:`Task` to ``TASKS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

from theory.architectures import ARCHITECTURES, get_architecture
from theory.dataset import Dataset, as_exact_r

__all__ = ["Param", "Task", "TASKS", "get_task", "dataset_of", "describe_dataset", "REQUIRED"]

#: Marker of a parameter without default.
REQUIRED = object()

#: Channels of docs/theory.md section 2; a module's modes are named after them.
CHANNELS = ("pi1", "pi2", "pi3")


# --------------------------------------------------------------------------- parameter kinds
def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"grid key {name!r} takes integers; got {value!r}")
    return value


def _as_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"grid key {name!r} takes finite numbers; got {value!r}")
    return float(value)


def _as_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"grid key {name!r} takes strings; got {value!r}")
    return value


def _as_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"grid key {name!r} takes true or false; got {value!r}")
    return value


def _as_exact(name: str, value: Any) -> str:
    """An exact real as its canonical sympy string (``0.5`` and ``"1/2"`` are the same point)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"grid key {name!r} takes numbers or strings like '3/2', 'sqrt(2)'; got {value!r}")
    return str(as_exact_r(value))


KINDS: dict[str, Callable[[str, Any], Any]] = {
    "int": _as_int, "float": _as_float, "str": _as_str, "bool": _as_bool, "exact": _as_exact,
}


@dataclass(frozen=True)
class Param:
    """One parameter of a task: name, kind (``int``, ``float``, ``str``, ``bool``, ``exact``), default, help."""

    name: str
    kind: str
    default: Any = REQUIRED
    help: str = ""

    def parse(self, value: Any) -> Any:
        """The canonical value of ``value`` (what is hashed and stored); ``ValueError`` names the key."""
        return KINDS[self.kind](self.name, value)


@dataclass(frozen=True)
class Task:
    """A sweepable computation.

    ``validate(params)`` runs the library's own argument checks on one grid
    point (cheap, before any work); ``run(params)`` computes and returns a
    flat dict of scalars (float, int, str, bool or None).
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    validate: Callable[[Mapping[str, Any]], None]
    run: Callable[[Mapping[str, Any]], dict[str, Any]]

    def param(self, name: str) -> Param:
        """The parameter called ``name``; ``ValueError`` lists this task's parameters."""
        for p in self.params:
            if p.name == name:
                return p
        raise ValueError(f"grid key {name!r} is not a parameter of task {self.name!r}; "
                         f"allowed: {', '.join(p.name for p in self.params)}")


# --------------------------------------------------------------------------- shared pieces
_DATASET = (
    Param("n1", "int", help="compositional input features"),
    Param("n2", "int", help="compositional output features, <= n1"),
    Param("k1", "int", help="identity copies in the input"),
    Param("k2", "int", help="identity copies in the output"),
    Param("r", "exact", help="scale of the identity blocks (exact: 1/2, sqrt(2))"),
)
_ARCH = Param("arch", "str", help="architecture: " + ", ".join(ARCHITECTURES))
#: Defaults of the training options are those of ``modspec trajectory`` / ``simulate``.
_TRAINING = (
    Param("lr", "float", 0.05, "gradient-descent step"),
    Param("a0", "float", 1e-3, "initial mode strength"),
)
_STEPS = Param("steps", "int", 1000, "gradient steps")
#: TOML has no null: 0 stands for the library's default (None: two layers, shallow one).
_DEPTH = Param("depth", "int", 0, "layers of every module (0: the architecture's own)")


def dataset_of(params: Mapping[str, Any]) -> Dataset:
    """The :class:`Dataset` of a grid point (its own validation names the bad parameter)."""
    return _dataset(params["n1"], params["n2"], params["k1"], params["k2"], params["r"])


@lru_cache(maxsize=4096)
def _dataset(n1: Any, n2: Any, k1: Any, k2: Any, r: Any) -> Dataset:
    """Datasets are immutable; caching saves re-reading r exactly at every grid point that shares it."""
    return Dataset(n1, n2, k1, k2, r)


def describe_dataset(params: Mapping[str, Any]) -> dict[str, Any]:
    """Columns derived from a point's dataset: ``P``, ``r`` as a float, and ``k1 r^2 / P``."""
    if not {"n1", "k1", "r"} <= set(params):
        return {}
    d = dataset_of(params)
    r = float(d.r)
    return {"P": d.P, "r_float": r, "k1_r2_over_P": d.k1 * r * r / d.P}


def _float(x: Any) -> float | None:
    """A float for the store, None for NaN (e.g. rho where W_OO = 0)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _check_training(params: Mapping[str, Any]) -> None:
    from numeric.trajectory import check_training_args

    check_training_args(params["lr"], params["a0"], params.get("steps", 0), max(1, params.get("steps", 1)))


# --------------------------------------------------------------------------- certify
def _certify_validate(params: Mapping[str, Any]) -> None:
    from proofs.catalogue import get_theorem
    from proofs.verify import MAX_DPS, MIN_DPS

    dataset_of(params)
    get_theorem(params["theorem"])
    if not MIN_DPS <= params["dps"] <= MAX_DPS:
        raise ValueError(f"dps must be an integer in [{MIN_DPS}, {MAX_DPS}]; got {params['dps']!r}")


def _certify_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """The certificate of ``modspec verify`` on one dataset: worst relative residual vs its tolerance."""
    from numeric.certify import residual_tolerance, run_checks
    from proofs.catalogue import get_theorem

    theorem, d, dps = get_theorem(params["theorem"]), dataset_of(params), params["dps"]
    tol = residual_tolerance(dps)
    if not theorem.applies(d):
        return {"applies": False, "checks": 0, "max_residual": None, "tolerance": tol, "ok": None}
    checks = run_checks(theorem.run_certificate, [d], dps)
    worst = max((c.residual for c in checks), default=None)
    # a certificate that checks nothing fails, as in verify
    return {"applies": True, "checks": len(checks), "max_residual": None if worst is None else _float(worst),
            "tolerance": tol, "ok": bool(checks) and all(c.residual <= tol for c in checks)}


# --------------------------------------------------------------------------- trajectory
def _arch_validate(params: Mapping[str, Any]) -> None:
    from theory.architectures import with_depth

    dataset_of(params)
    get_architecture(params["arch"])
    if params.get("depth", 0) != 0:
        with_depth(params["arch"], params["depth"])  # its check names depth and the allowed range
    _check_training(params)


def _depth(params: Mapping[str, Any]) -> int | None:
    """``depth`` for the library call (None: the architecture's own)."""
    return params.get("depth", 0) or None


def _trajectory_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """``modspec trajectory``: the closed form after ``steps`` steps and at convergence."""
    from numeric.trajectory import theory_trajectory

    steps = params["steps"]
    traj = theory_trajectory(dataset_of(params), params["arch"], lr=params["lr"], a0=params["a0"], steps=steps,
                             every=max(1, steps), depth=_depth(params))
    c = traj.converged
    return {"novel_error": _float(traj.novel_error[-1]), "rho": _float(traj.rho[-1]),
            "novel_error_converged": _float(c["novel_error"]), "rho_converged": _float(c["rho"])}


# --------------------------------------------------------------------------- half_time
def _mode_names(arch: str) -> list[str]:
    return [m.mode_name(c) for m in get_architecture(arch).modules for c in CHANNELS]


def _half_time_validate(params: Mapping[str, Any]) -> None:
    _arch_validate(params)
    names = _mode_names(params["arch"])
    if params["mode"] not in names:
        raise ValueError(f"mode must be one of {', '.join(names)} for arch {params['arch']!r}; got {params['mode']!r}")


def _half_time_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """``modspec trajectory --half-times`` for one mode, next to that mode's pi, lambda and a*."""
    from numeric.matrices import architecture_modes, evaluate
    from numeric.trajectory import half_times

    d, arch, mode = dataset_of(params), params["arch"], params["mode"]
    halves = half_times(d, arch, lr=params["lr"], a0=params["a0"], depth=_depth(params))
    if mode not in halves:
        raise ValueError(f"mode {mode} is absent on this dataset (singular value 0); present: {', '.join(halves)}")
    found = next(m for _, m in architecture_modes(d, arch) if m.name == mode)
    pi, lam = float(evaluate(found.singular_value, d)), float(evaluate(found.eigenvalue, d))
    return {"pi": pi, "lambda": lam, "a_star": pi / lam, "t_half": _float(halves[mode])}


# --------------------------------------------------------------------------- simulate
def _simulate_validate(params: Mapping[str, Any]) -> None:
    from numeric.simulate import INITS

    _arch_validate(params)
    if not 1 <= params["seeds"] <= 4096:
        raise ValueError(f"seeds must be an integer in [1, 4096]; got {params['seeds']!r}")
    if params["init"] not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {params['init']!r}")
    if not params["init_scale"] > 0:
        raise ValueError(f"init_scale must be a finite number > 0; got {params['init_scale']!r}")


def _simulate_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """``modspec simulate``: the mean over seeds after ``steps`` steps, the theory, the largest deviation."""
    from proofs.simulation import simulation_report

    steps = params["steps"]
    rep = simulation_report(dataset_of(params), params["arch"], lr=params["lr"], a0=params["a0"], steps=steps,
                            every=max(1, steps), seeds=params["seeds"], init=params["init"],
                            init_scale=params["init_scale"], depth=_depth(params))
    sim, th = rep.simulation, rep.theory
    with_nan = {"rho": sim.rho[:, -1], "novel_error": sim.novel_error[:, -1]}
    mean = {k: float(v.mean()) if not any(map(math.isnan, v)) else math.nan for k, v in with_nan.items()}
    out = {"novel_error": _float(mean["novel_error"]), "rho": _float(mean["rho"]), "above_bound": rep.above_bound}
    if th is None:  # at or above the stability bound without diverging: the theory does not apply
        return {**out, "novel_error_theory": None, "rho_theory": None, "novel_error_converged": None,
                "rho_converged": None, "max_mode_deviation": None}
    return {**out, "novel_error_theory": _float(th.novel_error[-1]), "rho_theory": _float(th.rho[-1]),
            "novel_error_converged": _float(th.converged["novel_error"]),
            "rho_converged": _float(th.converged["rho"]),
            "max_mode_deviation": _float(rep.max_mode_deviation())}


# --------------------------------------------------------------------------- heldout (T10)
def _heldout_validate(params: Mapping[str, Any]) -> None:
    from proofs.heldout import draw_train

    get_architecture(params["arch"])
    draw_train(dataset_of(params), params["train_size"], params["seed"])


def _heldout_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """``modspec heldout --train-size J --seed S`` for one architecture: mean held-out errors, theory and GD.

    Like the command, a run that did not converge to the least-squares map is
    numerical trouble (``ArithmeticError``, a failed point), never numbers.
    """
    from proofs.heldout import heldout_report

    rep = heldout_report(dataset_of(params), train_size=params["train_size"], seed=params["seed"],
                         archs=[params["arch"]])
    if not rep.ok:
        raise ArithmeticError("gradient descent did not converge to the least-squares map on the training items")
    (a,) = rep.archs
    keys = ("theory_omega", "theory_gamma", "gd_omega", "gd_gamma")
    return {**{k: a.mean(k) for k in keys}, "train": " ".join(map(str, rep.dataset.train_items)),
            "steps": a.steps, "distance_bound": a.distance}


# --------------------------------------------------------------------------- fullrank (T11)
def _fullrank_validate(params: Mapping[str, Any]) -> None:
    from numeric.fullrank import MAX_ESTIMATE_N1
    from theory.fullrank import MAX_EXACT_N1, check_fullrank_args

    check_fullrank_args(params["n1"], params["n2"], params["j"],
                        max_n1=MAX_ESTIMATE_N1 if params["estimate"] else MAX_EXACT_N1)
    if not params["samples"] >= 1 or not params["seed"] >= 0:
        raise ValueError(f"samples must be >= 1 and seed >= 0; got samples={params['samples']}, seed={params['seed']}")


def _fullrank_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """``modspec fullrank`` for one j: the probability that j random codes let the segregated network generalize."""
    from proofs.fullrank import fullrank_report

    (row,) = fullrank_report(params["n1"], params["n2"], params["j"], estimate=params["estimate"],
                             samples=params["samples"], seed=params["seed"]).rows
    out: dict[str, Any] = {"exact": None if row.exact is None else str(row.exact),
                           "probability": None if row.exact is None else float(row.exact)}
    if row.estimate is not None:
        out.update(estimate=row.estimate.value, estimate_low=row.estimate.low, estimate_high=row.estimate.high)
    return out


# --------------------------------------------------------------------------- relu (modspec experiment relu, one seed)
def _relu_validate(params: Mapping[str, Any]) -> None:
    from numeric.relu import ARRANGEMENTS

    dataset_of(params)
    if params["arch"] not in ARRANGEMENTS:
        raise ValueError(f"arch must be one of {', '.join(ARRANGEMENTS)}; got {params['arch']!r}")
    _check_training({**params, "a0": 1.0})
    for name in ("seed", "hidden"):
        if params[name] < (0 if name == "seed" else 1):
            raise ValueError(f"{name} must be an integer >= {0 if name == 'seed' else 1}; got {params[name]}")
    if not params["init_scale"] > 0:
        raise ValueError(f"init_scale must be a finite number > 0; got {params['init_scale']!r}")


def _relu_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """One seed of ReLU modules (``modspec experiment relu``'s training): rho and novel error after ``steps``."""
    from numeric.relu import relu_family

    res = relu_family(dataset_of(params), params["arch"], lr=params["lr"], steps=params["steps"],
                      seeds=(params["seed"],), hidden=(params["hidden"],), init_scale=params["init_scale"])
    return {"rho": _float(res.rho[0]), "novel_error": _float(res.novel_error[0]), "loss": _float(res.loss[0, -1])}


# --------------------------------------------------------------------------- registry
TASKS: dict[str, Task] = {
    "certify": Task(
        "certify", "certificate of one theorem on one dataset (modspec verify's residual check)",
        (*_DATASET, Param("theorem", "str", help="theorem id, e.g. T5"), Param("dps", "int", 50, "digits")),
        _certify_validate, _certify_run,
    ),
    "trajectory": Task(
        "trajectory", "closed-form prediction after `steps` steps and at convergence (modspec trajectory)",
        (*_DATASET, _ARCH, *_TRAINING, _STEPS, _DEPTH), _arch_validate, _trajectory_run,
    ),
    "half_time": Task(
        "half_time", "half-learning time of one mode with its pi, lambda, a* (modspec trajectory --half-times)",
        (*_DATASET, _ARCH, Param("mode", "str", help="mode name: pi1, pi2, pi3 or omega:pi1, gamma:pi2, ..."),
         *_TRAINING, _DEPTH),
        _half_time_validate, _half_time_run,
    ),
    "simulate": Task(
        "simulate", "gradient descent, mean over seeds, next to the theory (modspec simulate)",
        (*_DATASET, _ARCH, *_TRAINING, _STEPS, _DEPTH, Param("seeds", "int", 1, "seeds 0..N-1"),
         Param("init", "str", "spectral", "spectral or random"), Param("init_scale", "float", 1e-3, "random init std")),
        _simulate_validate, _simulate_run,
    ),
    "heldout": Task(
        "heldout", "held-out errors after training on train_size random items, claim T10 (modspec heldout)",
        (*_DATASET, _ARCH, Param("train_size", "int", help="training items, 1..P-1 (the rest are held out)"),
         Param("seed", "int", 0, "seed of the drawn training items and the initial weights")),
        _heldout_validate, _heldout_run,
    ),
    "fullrank": Task(
        "fullrank", "probability that j random codes span the selected axes, claim T11 (modspec fullrank)",
        (Param("n1", "int", help="code length"), Param("n2", "int", help="selected axes (n1: spanning)"),
         Param("j", "int", help="number of training codes"), Param("estimate", "bool", False, "also Monte Carlo"),
         Param("samples", "int", 10_000, "Monte Carlo draws"), Param("seed", "int", 0, "Monte Carlo seed")),
        _fullrank_validate, _fullrank_run,
    ),
    "relu": Task(
        "relu", "ReLU modules trained from one seed: rho and novel error (modspec experiment relu's runs)",
        (*_DATASET, _ARCH, Param("lr", "float", 0.1, "gradient-descent step"), Param("steps", "int", 3000, "steps"),
         Param("seed", "int", 0, "seed of the initial weights"), Param("hidden", "int", 16, "hidden ReLU width"),
         Param("init_scale", "float", 0.1, "multiplier of the He initial scale")),
        _relu_validate, _relu_run,
    ),
}


def get_task(name: Any) -> Task:
    """The task called ``name``; ``ValueError`` lists the valid tasks."""
    if isinstance(name, str) and name in TASKS:
        return TASKS[name]
    raise ValueError(f"task must be one of {', '.join(TASKS)}; got {name!r}")
