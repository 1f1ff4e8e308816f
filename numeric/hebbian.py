"""Learning rules other than gradient descent, as additive terms of a linear module's step (docs/theory.md section 9).

Each rule adds a term to the gradient step of a deep linear module
``f(x) = W2 W1 x``; the step stays ``W <- W + eta (gradient term + rule term)``
with the same time constant ``tau = 1 / eta``. Every term is written with the
module's statistics ``Sx = X X^T / P``, ``Syx = Y X^T / P``,
``Syy = Y Y^T / P`` (means over the P training items), using
``H = W1 X``:

* ``oja`` (Hebbian, on W1, ``nu > 0``):
  ``nu (H X^T - H H^T W1) / P = nu (W1 Sx - W1 Sx W1^T W1)``;
* ``antihebbian`` (on W1, ``nu < 0``):
  ``nu diag(1 / (1 - ||row_i W1||^2)) H X^T / P = nu D W1 Sx``;
* ``contrastive`` (contrastive-Hebbian, on W2, coefficient gamma):
  ``gamma (Y Y^T - Yhat Yhat^T) W2 / P = gamma (Syy - W2 W1 Sx W1^T W2^T) W2``;
* ``predictive``: the contrastive term with ``gamma = -1`` (fixed).

Gradient descent (``"gd"``) adds nothing and is the default everywhere.

Stability (checked before any step, see :func:`check_rule`)
------------------------------------------------------------
* ``oja``: along the direction of the rows' norms the Oja term has, at its
  fixed point (orthonormal rows), the linearization ``dW1 -> -2 nu dW1 Sx``
  on that direction, so an Euler step of size eta multiplies a perturbation
  along an eigenvector of Sx with eigenvalue lambda by ``1 - 2 eta nu lambda``.
  It is stable iff ``eta nu lambda_max(Sx) < 1``; larger coefficients are
  refused (naming ``coef``).
* ``antihebbian``: the factor ``1 / (1 - ||row||^2)`` changes sign at row norm
  1, where the rule turns from anti-Hebbian to Hebbian; initial rows at or
  above norm 1 are refused, and a row reaching norm 1 during training is
  reported as divergence.
* ``contrastive`` and ``predictive``: no a-priori bound is derived; divergence
  is detected during the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from numeric.learning import GRADIENT_DESCENT, LearningRule, ModuleStats, gradient_descent_step
from numeric.maps import least_squares_map
from numeric.matrices import data_matrices, module_slices
from numeric.simulate import DivergenceError, simulate_batch
from theory.architectures import get_architecture
from theory.dataset import Dataset

__all__ = ["Rule", "RULES", "get_rule", "check_rule", "rule_terms", "RuleInstabilityError", "RuleResult",
           "train_rule", "learning_rule"]


class RuleInstabilityError(FloatingPointError):
    """A learning rule left its domain of stability during a run (e.g. an anti-Hebbian row reached norm 1)."""


Terms = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Rule:
    """A learning rule: name, where its term acts, the allowed coefficients, and the term itself.

    ``term(Sx, Syx, Syy, W1, W2, coef) -> (dW1, dW2)`` (batched: ``Sx``
    (B, p, p), ``Syx`` (B, q, p), ``Syy`` (B, q, q), ``W1`` (B, h, p), ``W2``
    (B, q, h)) returns the additive terms of the step (before the factor eta).
    """

    name: str
    layer: str
    allowed: str
    ok: Callable[[float], bool]
    default: float
    term: Callable[..., Terms]


def _t(A: np.ndarray) -> np.ndarray:
    return np.swapaxes(A, -1, -2)


def _none(Sx, Syx, Syy, W1, W2, coef) -> Terms:  # noqa: ANN001
    return np.zeros_like(W1), np.zeros_like(W2)


def _oja(Sx, Syx, Syy, W1, W2, coef) -> Terms:  # noqa: ANN001
    HX = W1 @ Sx  # H X^T / P
    return coef * (HX - (HX @ _t(W1)) @ W1), np.zeros_like(W2)


def _row_factor(W1: np.ndarray) -> np.ndarray:
    """``1 / (1 - ||row_i||^2)`` per row, (B, h, 1); raises when a row reaches norm 1."""
    norms = np.sum(W1**2, axis=-1, keepdims=True)
    if np.any(norms >= 1.0):
        raise RuleInstabilityError(
            f"anti-Hebbian rule: a row of W1 reached norm {math.sqrt(float(norms.max())):.6g} >= 1, where the factor "
            "1/(1 - ||row||^2) changes sign; use a smaller |coef| or lr"
        )
    return 1.0 / (1.0 - norms)


def _antihebbian(Sx, Syx, Syy, W1, W2, coef) -> Terms:  # noqa: ANN001
    return coef * _row_factor(W1) * (W1 @ Sx), np.zeros_like(W2)


def _contrastive(Sx, Syx, Syy, W1, W2, coef) -> Terms:  # noqa: ANN001
    M = W2 @ W1
    return np.zeros_like(W1), coef * (Syy - M @ Sx @ _t(M)) @ W2


def _predictive(Sx, Syx, Syy, W1, W2, coef) -> Terms:  # noqa: ANN001
    return _contrastive(Sx, Syx, Syy, W1, W2, -1.0)


RULES: dict[str, Rule] = {
    "gd": Rule("gd", "-", "0 (plain gradient descent)", lambda c: c == 0, 0.0, _none),
    "oja": Rule("oja", "W1", "> 0", lambda c: c > 0, 0.05, _oja),
    "antihebbian": Rule("antihebbian", "W1", "< 0", lambda c: c < 0, -0.05, _antihebbian),
    "contrastive": Rule("contrastive", "W2", "any real number", lambda c: True, 0.05, _contrastive),
    "predictive": Rule("predictive", "W2", "-1 (fixed)", lambda c: c == -1, -1.0, _predictive),
}


def get_rule(name: str) -> Rule:
    """The rule called ``name``; ``ValueError`` lists the valid rules."""
    try:
        return RULES[name]
    except (KeyError, TypeError):
        raise ValueError(f"rule must be one of {', '.join(RULES)}; got {name!r}") from None


def check_rule(name: str, coef: float | None, *, lr: float, lambda_max: float, w1_row_norm_max: float = 0.0,
               ) -> tuple[Rule, float]:
    """Validate a rule and its coefficient before any step; return the rule and the coefficient.

    ``lambda_max`` is the largest eigenvalue of the modules' ``Sx``,
    ``w1_row_norm_max`` the largest initial row norm of W1. Raises
    ``ValueError`` naming ``rule`` or ``coef`` (see the module docstring).
    """
    rule = get_rule(name)
    c = rule.default if coef is None else coef
    if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)) or not math.isfinite(c):
        raise ValueError(f"coef of rule {name!r} must be a finite real number (allowed: {rule.allowed}); got {coef!r}")
    c = float(c)
    if not rule.ok(c):
        raise ValueError(f"coef of rule {name!r} must be {rule.allowed}; got {coef!r}")
    if name == "oja" and lr * c * lambda_max >= 1.0:
        raise ValueError(
            f"coef = {c:g} makes the Oja rule unstable: need lr * coef * lambda_max(Sx) < 1, i.e. coef < "
            f"{1.0 / (lr * lambda_max):.6g} at lr = {lr:g}, lambda_max = {lambda_max:.6g}"
        )
    if name == "antihebbian" and w1_row_norm_max >= 1.0:
        raise ValueError(f"rule 'antihebbian' needs initial rows of W1 with norm < 1; got {w1_row_norm_max:.6g} "
                         "(use a smaller init)")
    return rule, c


def rule_terms(rule: Rule, coef: float, Sx: np.ndarray, Syx: np.ndarray, Syy: np.ndarray, W1: np.ndarray,
               W2: np.ndarray) -> Terms:
    """The additive terms ``(dW1, dW2)`` of ``rule`` at the current weights (batched, see :class:`Rule`)."""
    return rule.term(Sx, Syx, Syy, W1, W2, coef)


# --------------------------------------------------------------------------- batched training under a rule


@dataclass(frozen=True)
class RuleResult:
    """Linear networks trained under a rule; one value per network (batch order ``i_dataset, i_seed``).

    ``rho``, ``novel_error`` (B,) of the final map; ``map_deviation`` (B,)
    ``||W - W*|| / ||W*||`` against the gradient-descent theory's converged
    map ``W*`` (each module's least-squares map, T9); ``final_map`` (B, n_out, n_in).
    """

    rule: str
    coef: float
    arch: str
    datasets: tuple
    seeds: tuple[int, ...]
    rho: np.ndarray
    novel_error: np.ndarray
    map_deviation: np.ndarray
    final_map: np.ndarray


#: A map entry above this size means the run left every scale of the problem
#: (the converged maps have entries of order max(1, r)); reported as divergence.
_BLOWUP = 1e6


def train_rule(
    datasets: Sequence[Dataset] | Dataset,
    arch: str,
    rule: str = "gd",
    coef: float | None = None,
    *,
    lr: float,
    steps: int,
    seeds: int | Sequence[int] = (0,),
    hidden: int | None = None,
    init_scale: float = 1e-3,
) -> RuleResult:
    """Train linear ``arch`` networks with gradient descent plus the term of ``rule``, batched over seeds.

    Runs the simulator (``numeric.simulate.simulate_batch``, random
    initialization with standard deviation ``init_scale``) with the rule of
    :func:`learning_rule`: every two-layer module steps
    ``W1 += lr (W2^T E + dW1_rule)``, ``W2 += lr (E W1^T + dW2_rule)`` with
    ``E = Syx - W2 W1 Sx`` on its own statistics; other depths admit only ``"gd"``.

    Raises
    ------
    ValueError
        Unknown rule (the valid ones are listed), a coefficient outside its
        range or above the derived stability bound (naming ``coef``), or a
        rule on a shallow module.
    ArithmeticError
        ``numeric.simulate.DivergenceError`` (non-finite weights) or
        :class:`RuleInstabilityError` (map above ``_BLOWUP``, an anti-Hebbian row at norm 1).
    """
    datasets = (datasets,) if isinstance(datasets, Dataset) else tuple(datasets)
    arch_ = get_architecture(arch)
    get_rule(rule)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a real number > 0; got {lr!r}")
    if rule != "gd" and any(m.depth != 2 for m in arch_.modules):
        raise ValueError(f"rule {rule!r} acts on W1 and W2 of a two-layer module; arch {arch!r} has a module of "
                         "another depth (use rule 'gd')")
    d0 = datasets[0]
    lam_max = 0.0
    for module in arch_.modules:
        _, cols = module_slices(d0, module)
        for X, _ in (data_matrices(d) for d in datasets):
            Xm = X[cols]
            if Xm.size:
                lam_max = max(lam_max, float(np.linalg.eigvalsh(Xm @ Xm.T / Xm.shape[1])[-1]))
    # initial anti-Hebbian rows at norm >= 1 are caught exactly by the rule's first step (RuleInstabilityError)
    the_rule = learning_rule(rule, coef, lr=lr, lambda_max=lam_max)
    try:
        sim = simulate_batch(datasets, arch_, lr=lr, steps=steps, seeds=seeds, init="random", init_scale=init_scale,
                             hidden=hidden, every=max(steps, 1), rule=the_rule)
    except DivergenceError as err:  # name the rule's coefficient, which is what made it diverge at this lr
        raise RuleInstabilityError(f"rule {rule!r} with coef = {_coef(rule, coef):g} diverged: {err}; use a smaller "
                                   "|coef| or lr") from err
    W = sim.final_map
    if not np.all(np.isfinite(W)) or np.max(np.abs(W)) > _BLOWUP:
        raise RuleInstabilityError(f"rule {rule!r} with coef = {_coef(rule, coef):g} diverged (map entries "
                                   f"non-finite or above {_BLOWUP:g}); use a smaller |coef| or lr")
    Wstar = np.stack([least_squares_map(d, arch, "numpy") for d in sim.datasets])
    dev = np.linalg.norm(W - Wstar, axis=(1, 2)) / np.linalg.norm(Wstar, axis=(1, 2))
    return RuleResult(rule, _coef(rule, coef), arch, sim.datasets, tuple(sim.seeds), sim.rho[:, -1],
                      sim.novel_error[:, -1], dev, W)


def _coef(rule: str, coef: float | None) -> float:
    return float(get_rule(rule).default if coef is None else coef)


def learning_rule(name: str, coef: float | None = None, *, lr: float, lambda_max: float,
                  w1_row_norm_max: float = 0.0) -> LearningRule:
    """The simulator's :class:`~numeric.learning.LearningRule` for ``name``: gradient descent plus the rule's term.

    ``"gd"`` returns :data:`~numeric.learning.GRADIENT_DESCENT` itself, so the
    gradient-descent path of the simulator is untouched. Other rules step
    ``W <- W_gd + lr * term`` (the term evaluated at the weights before the
    step) on two-layer modules; they may move weights out of the data span,
    so the simulator runs them in full coordinates. Validation as in
    :func:`check_rule`.
    """
    rule, c = check_rule(name, coef, lr=lr, lambda_max=lambda_max, w1_row_norm_max=w1_row_norm_max)
    if name == "gd":
        return GRADIENT_DESCENT

    def step(stats: ModuleStats, params: tuple, rate: np.ndarray | float) -> tuple:
        if len(params) != 2:
            raise ValueError(f"rule {name!r} needs two-layer modules; got {len(params)} layers")
        new = gradient_descent_step(stats, params, rate)
        t1, t2 = rule.term(stats.Sx, stats.Syx, stats.Syy, params[0], params[1], c)
        return new[0] + rate * t1, new[1] + rate * t2

    return LearningRule(f"{name} (coef {c:g})", step, keeps_data_span=False)
