"""Generic machinery of the training certificates: mode strengths of the closed forms at high precision.

Claim modules (``proofs/claims/``) build maps from the concrete singular
vectors (:mod:`numeric.maps`) at the strengths returned here and compare them
with stated closed forms, or with an independent least-squares solve. Call
them inside ``mpmath.workdps`` (``numeric.certify.run_checks`` does).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from numeric.backends import compile_expr
from numeric.matrices import architecture_modes, evaluate
from theory import symbols as s
from theory.dataset import Dataset
from theory.dynamics import mode_dynamics
from theory.observables import derive_observables

__all__ = ["SOLUTION_ARGS", "TIMES", "mode_parameters", "strengths_at", "rel", "omega_block"]

#: Argument order of a compiled mode solution a(pi, lambda, a0, t, tau).
SOLUTION_ARGS = (s.pi_m, s.lam_m, s.a0, s.t, s.tau)
#: Times (in units of tau) at which trajectories are sampled: start, transient, late.
TIMES = (Fraction(0), Fraction(1, 4), Fraction(1), Fraction(4))


def mode_parameters(d: Dataset, arch: str) -> list[tuple[bool, Any, Any, Any]]:
    """``(deep, mode, pi, lambda)`` at the working precision, for every present mode of ``arch``."""
    return [(module.deep, mode, evaluate(mode.singular_value, d, "mpmath"), evaluate(mode.eigenvalue, d, "mpmath"))
            for module, mode in architecture_modes(d, arch)]


def strengths_at(d: Dataset, arch: str, a0: Any, t: Any, tau: Any = 1) -> dict[str, Any]:
    """Mode strengths of the closed form at time ``t`` (mpf); absent modes are 0."""
    out = {name: mpmath.mpf(0) for name in derive_observables(arch).strengths}
    for deep, mode, pi, lam in mode_parameters(d, arch):
        fn = compile_expr(mode_dynamics(deep).solution, SOLUTION_ARGS, "mpmath")
        out[mode.name] = fn(pi, lam, a0, t, tau)
    return out


def rel(value: Any, scale: Any) -> float:
    """``|value| / |scale|`` as a float (scale 0 counts as 1)."""
    scale = abs(scale) if scale != 0 else mpmath.mpf(1)
    return float(abs(value) / scale)


def omega_block(W: np.ndarray, d: Dataset) -> np.ndarray:
    """The block W[Omega_y, Omega_x] of a full map (compositional outputs from compositional inputs)."""
    sl = d.block_slices()
    return W[sl["omega_y"], sl["omega_x"]]
