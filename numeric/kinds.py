"""Module kinds: pure ``(init, update, map)`` triples, in the style of optax.

A :class:`ModuleKind` says how one kind of module starts, learns and maps:

* ``init(rng, widths, spec) -> params``: the layers of ONE network, 2-D
  arrays ``W_l`` of shape (widths[l], widths[l - 1]) for l = 1..L, drawn from
  ``rng`` (a ``numpy.random.Generator``) as ``spec`` says
  (:class:`SpectralInit` or :class:`GaussianInit`);
* ``update(stats, params, lr) -> params``: one step of the learning rule
  (``numeric.learning``), batched along the leading axis;
* ``map(params) -> W``: the product ``W_L ... W_1``;
* ``update_into(stats, params, lr, out, work) -> out`` or None: ``update``
  writing into preallocated layers (``LearningRule.step_into``).

:func:`linear_module` builds the kind of an L-layer linear module for any
learning rule; the simulator (``numeric.simulate``) holds one kind per module
and never branches on the depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple, Union

import numpy as np

from numeric.learning import GRADIENT_DESCENT, LearningRule, ModuleStats, Params, map_of

__all__ = ["SpectralInit", "GaussianInit", "InitSpec", "ModuleKind", "linear_module", "balanced_layers",
           "gaussian_layers"]


@dataclass(frozen=True)
class SpectralInit:
    """Balanced spectral initialization ``W_L ... W_1 = U diag(a0) V^T``.

    ``U`` (widths[-1], m) and ``V`` (widths[0], m) have orthonormal columns (or
    zero columns, which get strength 0); ``a0`` (m,) holds the initial
    strength of each column, ``>= 0``.
    """

    U: np.ndarray
    V: np.ndarray
    a0: np.ndarray


@dataclass(frozen=True)
class GaussianInit:
    """Every entry i.i.d. normal with standard deviation ``scale`` (no fan-in scaling), layers in order."""

    scale: float


InitSpec = Union[SpectralInit, GaussianInit]


def balanced_layers(rng: np.random.Generator, widths: tuple[int, ...], spec: SpectralInit) -> Params:
    """Layers ``W_1 = R_1 G V^T``, ``W_l = R_l G R_{l-1}^T``, ``W_L = U G R_{L-1}^T``, ``G = diag(a0^(1/L))``.

    Each ``R_l`` (widths[l] x m) has orthonormal columns: the first m columns of
    the Q factor of a Gaussian square matrix drawn from ``rng`` (one draw per
    hidden layer, in order). The product telescopes to ``U diag(a0) V^T`` and
    every layer has the same singular values ``a0^(1/L)`` (balanced).
    """
    depth = len(widths) - 1
    m = spec.U.shape[1]
    g = np.asarray(spec.a0, dtype=float) ** (1.0 / depth)
    frames = [spec.V]
    for width in widths[1:-1]:
        if width < m:
            raise ValueError(f"hidden width {width} is below the number of modes {m}")
        frames.append(np.linalg.qr(rng.normal(size=(width, width)))[0][:, :m] if width else np.zeros((0, m)))
    frames.append(spec.U)
    return tuple((frames[l + 1] * g) @ frames[l].T for l in range(depth))


def gaussian_layers(rng: np.random.Generator, widths: tuple[int, ...], spec: GaussianInit) -> Params:
    """Layers with i.i.d. ``N(0, scale^2)`` entries, ``W_1`` first."""
    return tuple(rng.normal(0.0, spec.scale, (widths[l + 1], widths[l])) for l in range(len(widths) - 1))


def _init(rng: np.random.Generator, widths: tuple[int, ...], spec: InitSpec) -> Params:
    if isinstance(spec, SpectralInit):
        return balanced_layers(rng, widths, spec)
    if isinstance(spec, GaussianInit):
        return gaussian_layers(rng, widths, spec)
    raise ValueError(f"init spec must be a SpectralInit or a GaussianInit; got {spec!r}")


class ModuleKind(NamedTuple):
    """How a module starts, learns and maps (module docstring); ``depth`` layers, ``rule`` its learning rule."""

    init: Callable[[np.random.Generator, tuple[int, ...], InitSpec], Params]
    update: Callable[[ModuleStats, Params, np.ndarray], Params]
    map: Callable[[Params], np.ndarray]
    depth: int
    rule: LearningRule
    update_into: Callable[[ModuleStats, Params, np.ndarray, Params, dict], Params] | None = None


def linear_module(depth: int, rule: LearningRule = GRADIENT_DESCENT) -> ModuleKind:
    """The kind of a linear module of ``depth`` layers trained by ``rule``."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1; got {depth!r}")
    if not isinstance(rule, LearningRule):
        raise ValueError(f"rule must be a numeric.learning.LearningRule; got {rule!r}")

    def init(rng: np.random.Generator, widths: tuple[int, ...], spec: InitSpec) -> Params:
        if len(widths) != depth + 1:
            raise ValueError(f"widths must list {depth + 1} sizes (input, hidden..., output); got {widths}")
        return _init(rng, tuple(widths), spec)

    return ModuleKind(init, rule.step, map_of, depth, rule, rule.step_into)
