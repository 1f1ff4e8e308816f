"""What the readout claims share: the readout symbols, concrete mode strengths and derived block norms.

A readout dataset has one feature channel per distinct singular value s_i of
A (multiplicity m_i) plus the complement channel. The symbolic results are
derived once for a generic feature channel (symbols ``s``, ``m`` and the
strength ``a_s``); on a dataset they are evaluated per singular value and
summed, which is exact because channels are orthogonal in every block.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from numeric.backends import compile_expr
from numeric.matrices import evaluate, mode_vectors
from theory import symbols as s
from theory.architectures import get_architecture
from theory.channels import readout_scale
from theory.dynamics import mode_dynamics
from theory.observables import derive_observables, strength_symbol
from theory.readout import FEATURE, READOUT_CHANNELS, feature_multiplicity

__all__ = ["GENERIC", "SAMPLES", "S", "M", "instance_modes", "derived_block_norms_sq",
           "deep_strengths_at", "converged_strengths"]

S, M = readout_scale, feature_multiplicity
GENERIC = ("symbolic proof for a generic feature channel with readout scale s >= 0 and multiplicity m, "
           "r > 0, k1, k2 >= 1; a dataset sums it over A's distinct singular values")
SAMPLES = ("certified on rational readouts that always include A = S, a zero readout, no outputs, a rank-deficient "
           "A, distinct irrational and repeated singular values, k2 = 0 and r = 0")

def instance_modes(d: Any, arch: str) -> list[tuple[Any, Any]]:
    """``(module, ModeVectors)`` of every mode present on ``d`` (mpmath; call inside workdps)."""
    return [(module, mv) for module in get_architecture(arch).modules for mv in mode_vectors(d, module, "mpmath")]


def _scales(d: Any) -> dict[str, tuple[Any, int]]:
    """Instance suffix (``s1``, ``s0``) -> (s as mpf, multiplicity)."""
    from numeric.matrices import readout_channels

    return {name: (value, V.shape[1]) for name, _, value, V, _ in readout_channels(d, "mpmath")}


def derived_block_norms_sq(d: Any, arch: str, strengths: dict[str, Any]) -> dict[str, Any]:
    """The derived ``||W_key||^2`` of ``arch`` on ``d`` at instance strengths (absent modes count 0)."""
    obs = derive_observables(arch, READOUT_CHANNELS)
    names = list(obs.strengths)
    base = [d.n1, d.n2, d.k1, d.k2, evaluate(s.r, d, "mpmath")]
    total = {key: mpmath.mpf(0) for key in obs.block_norms_sq}
    def feature(n: str) -> bool:
        return n == FEATURE or n.endswith(":" + FEATURE)

    def add(values: dict[str, Any], scale: Any, mult: Any) -> None:
        # Absent modes (strength 0) are removed symbolically first: their unit vectors may divide by 0.
        zero = {strength_symbol(n): 0 for n in names if values.get(n, 0) == 0}
        live = [n for n in names if values.get(n, 0) != 0]
        args = s.PARAMS + (S, M) + tuple(strength_symbol(n) for n in live)
        for key, expr in obs.block_norms_sq.items():
            total[key] += compile_expr(sp.sympify(expr).subs(zero), args, "mpmath")(
                *base, scale, mult, *[values[n] for n in live])

    for suffix, (value, mult) in _scales(d).items():  # each feature channel, the complement's strengths 0
        add({n: strengths.get(n[: len(n) - len(FEATURE)] + suffix, 0) for n in names if feature(n)}, value, mult)
    add({n: strengths.get(n, 0) for n in names if not feature(n)}, 0, 0)  # the complement, feature strengths 0
    return total


def deep_strengths_at(d: Any, arch: str, a0: Any, t: Any) -> dict[str, Any]:
    """Closed-form deep strengths a(t) (tau = 1) of every present instance mode, from a0."""
    sol = compile_expr(mode_dynamics(True).solution, (s.pi_m, s.lam_m, s.a0, s.t, s.tau), "mpmath")
    return {mv.mode.name: sol(mv.singular_value, mv.eigenvalue, a0, t, 1) for _, mv in instance_modes(d, arch)}


def converged_strengths(d: Any, arch: str) -> dict[str, Any]:
    """Fixed points pi/lambda of every present instance mode."""
    return {mv.mode.name: mv.singular_value / mv.eigenvalue for _, mv in instance_modes(d, arch)}
