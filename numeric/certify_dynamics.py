"""High-precision certificates of the training claims T3-T9 on concrete datasets.

Each function takes one dataset and returns :class:`numeric.certify.Check`
residuals (relative); call them through ``numeric.certify.run_checks`` so
they run inside ``mpmath.workdps``. Maps are built from the concrete singular
vectors (:mod:`numeric.maps`) and compared with the derived closed forms, or
with an independent least-squares solve.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from numeric.backends import compile_expr
from numeric.certify import Check
from numeric.maps import block_norms, fro, least_squares_map, selection_matrix, spectral_map
from numeric.matrices import architecture_modes, evaluate
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.dynamics import mode_dynamics
from theory.observables import BLOCKS, derive_observables, strength_symbol
from theory.spectrum import derive_module_spectrum

__all__ = [
    "dynamics_checks", "block_norm_checks", "dense_checks", "split_checks", "segregated_checks",
    "half_time_checks", "least_squares_checks", "mode_parameters", "strengths_at",
]

_SOLUTION_ARGS = (s.pi_m, s.lam_m, s.a0, s.t, s.tau)
#: Times (in units of tau) at which trajectories are sampled: start, transient, late.
_TIMES = (Fraction(0), Fraction(1, 4), Fraction(1), Fraction(4))


def mode_parameters(d: Dataset, arch: str) -> list[tuple[bool, Any, Any, Any]]:
    """``(deep, mode, pi, lambda)`` at the working precision, for every present mode of ``arch``."""
    return [(module.deep, mode, evaluate(mode.singular_value, d, "mpmath"), evaluate(mode.eigenvalue, d, "mpmath"))
            for module, mode in architecture_modes(d, arch)]


def strengths_at(d: Dataset, arch: str, a0: Any, t: Any, tau: Any = 1) -> dict[str, Any]:
    """Mode strengths of the closed form at time ``t`` (mpf); absent modes are 0."""
    out = {name: mpmath.mpf(0) for name in derive_observables(arch).strengths}
    for deep, mode, pi, lam in mode_parameters(d, arch):
        fn = compile_expr(mode_dynamics(deep).solution, _SOLUTION_ARGS, "mpmath")
        out[mode.name] = fn(pi, lam, a0, t, tau)
    return out


def _rel(value: Any, scale: Any) -> float:
    scale = abs(scale) if scale != 0 else mpmath.mpf(1)
    return float(abs(value) / scale)


def dynamics_checks(d: Dataset) -> list[Check]:
    """T3: the closed forms solve the mode ODEs, start at a0 and tend to pi/lambda."""
    checks = []
    for arch in ("dense", "shallow"):
        for deep, mode, pi, lam in mode_parameters(d, arch):
            dyn = mode_dynamics(deep)
            sol = compile_expr(dyn.solution, _SOLUTION_ARGS, "mpmath")
            rhs = compile_expr(dyn.rhs, (s.a_m, s.pi_m, s.lam_m), "mpmath")
            star = pi / lam
            scale = pi * star  # size of tau da/dt along the way
            for a0 in (star / 10, 3 * star):  # below and above the fixed point
                for frac in _TIMES:
                    tt = mpmath.mpf(frac.numerator) / frac.denominator
                    slope = mpmath.diff(lambda x: sol(pi, lam, a0, x, 1), tt)
                    checks.append(Check(d, f"tau a' = rhs(a) ({arch} {mode.name}, t={tt})",
                                        _rel(slope - rhs(sol(pi, lam, a0, tt, 1), pi, lam), scale)))
                checks.append(Check(d, f"a(0) = a0 ({arch} {mode.name})", _rel(sol(pi, lam, a0, 0, 1) - a0, a0)))
                late = sol(pi, lam, a0, mpmath.mpf(10) ** 4 / min(pi, lam), 1)
                checks.append(Check(d, f"a(oo) = pi/lambda ({arch} {mode.name})", _rel(late - star, star)))
    return checks


def block_norm_checks(d: Dataset) -> list[Check]:
    """T4: derived block norms equal the norms of an explicit spectral map, every architecture."""
    checks = []
    for arch in ARCHITECTURES:
        obs = derive_observables(arch)
        names = list(obs.strengths)
        present = {mode.name for _, mode, _, _ in mode_parameters(d, arch)}
        # Arbitrary distinct strengths on the present modes; absent modes (pi = 0) carry none.
        strengths = {n: mpmath.mpf(i + 2) / 7 if n in present else mpmath.mpf(0) for i, n in enumerate(names)}
        W = spectral_map(d, arch, strengths, "mpmath")
        measured = block_norms(W, d)
        args = s.PARAMS + tuple(strength_symbol(n) for n in names)
        values = [d.n1, d.n2, d.k1, d.k2, evaluate(s.r, d, "mpmath")] + [strengths[n] for n in names]
        scale = fro(W)
        for key in BLOCKS:
            derived = mpmath.sqrt(compile_expr(obs.block_norms_sq[key], args, "mpmath")(*values))
            checks.append(Check(d, f"||W_{key}|| ({arch})", _rel(derived - measured[key], scale)))
    return checks


def _omega_block(W: np.ndarray, d: Dataset) -> np.ndarray:
    sl = d.block_slices()
    return W[sl["omega_y"], sl["omega_x"]]


def dense_checks(d: Dataset) -> list[Check]:
    """T5: along the dense trajectory rho = r sqrt(k1/P); converged W_OO = P/(P + k1 r^2) S."""
    r, P, k1 = evaluate(s.r, d, "mpmath"), mpmath.mpf(d.P), mpmath.mpf(d.k1)
    checks = []
    for tt in (mpmath.mpf(1) / 4, 1, 4, 40):
        W = spectral_map(d, "dense", strengths_at(d, "dense", mpmath.mpf(1) / 1000, tt), "mpmath")
        norms = block_norms(W, d)
        checks.append(Check(d, f"rho = r sqrt(k1/P) at t={tt} tau", _rel(norms["GO"] / norms["OO"] - r * mpmath.sqrt(k1 / P), 1)))
    Wstar = least_squares_map(d, "dense", "mpmath")  # where any small initialization converges
    S = selection_matrix(d, "mpmath")
    gain = P / (P + k1 * r**2)
    checks.append(Check(d, "W*_OO = P/(P + k1 r^2) S", float(fro(_omega_block(Wstar, d) - gain * S) / fro(S))))
    novel = fro(_omega_block(Wstar, d) - S) ** 2
    expected = d.n2 * (k1 * r**2 / (P + k1 * r**2)) ** 2
    checks.append(Check(d, "novel error = n2 (k1 r^2/(P + k1 r^2))^2", _rel(novel - expected, d.n2)))
    return checks


def split_checks(d: Dataset) -> list[Check]:
    """T6: split and dense converge to the same map; module spectra as stated."""
    from numeric.certify import spectrum_checks

    dense = least_squares_map(d, "dense", "mpmath")
    split = least_squares_map(d, "split", "mpmath")
    checks = [Check(d, "split W* = dense W*", float(fro(split - dense) / max(fro(dense), 1)))]
    for module in ARCHITECTURES["split"].modules:
        checks += spectrum_checks(d, module)
    return checks


def segregated_checks(d: Dataset) -> list[Check]:
    """T7: W_GO = 0 at all times, W_OO -> S, the novel error -> 0."""
    from numeric.certify import eigenbasis_checks, spectrum_checks

    checks = []
    S = selection_matrix(d, "mpmath")
    for tt in (0, 1, 4, 200):
        W = spectral_map(d, "segregated", strengths_at(d, "segregated", mpmath.mpf(1) / 1000, tt), "mpmath")
        checks.append(Check(d, f"W_GO = 0 at t={tt} tau", float(block_norms(W, d)["GO"])))
    Wstar = least_squares_map(d, "segregated", "mpmath")
    checks.append(Check(d, "segregated W*_OO = S", float(fro(_omega_block(Wstar, d) - S) / max(fro(S), 1))))
    module = ARCHITECTURES["segregated"].modules[0]
    return checks + spectrum_checks(d, module) + eigenbasis_checks(d, module)


def half_time_checks(d: Dataset) -> list[Check]:
    """T8: a(t_half) = a*/2; at small a0 larger pi is learned earlier; pi1 > split Omega value."""
    checks = []
    params = mode_parameters(d, "dense")
    for deep, mode, pi, lam in params:
        dyn = mode_dynamics(deep)
        star = pi / lam
        a0 = star / 10
        th = compile_expr(dyn.half_time, (s.pi_m, s.lam_m, s.a0, s.tau), "mpmath")(pi, lam, a0, 1)
        at = compile_expr(dyn.solution, _SOLUTION_ARGS, "mpmath")(pi, lam, a0, th, 1)
        checks.append(Check(d, f"a(t_half) = a*/2 ({mode.name})", _rel(at - star / 2, star)))
    # Small-a0 ordering: t_half ~ (tau / 2 pi) ln(1/a0), so distinct pi are ordered for a0 -> 0.
    a0 = mpmath.mpf(10) ** -30
    times = []
    for deep, mode, pi, lam in params:
        fn = compile_expr(mode_dynamics(deep).half_time, (s.pi_m, s.lam_m, s.a0, s.tau), "mpmath")
        times.append((pi, fn(pi, lam, a0, 1), mode.name))
    times.sort(key=lambda x: -x[0])
    for (p1, t1, n1), (p2, t2, n2) in zip(times, times[1:]):
        if p1 > p2:
            checks.append(Check(d, f"t_half({n1}) < t_half({n2}) at a0 = 1e-30", float(not t1 < t2)))
    if d.k2 > 0 and d.r > 0 and d.n2 > 0:
        omega = derive_module_spectrum(ARCHITECTURES["split"].modules[0]).mode("pi1")
        pi1 = evaluate(derive_module_spectrum().mode("pi1").singular_value, d, "mpmath")
        checks.append(Check(d, "pi1 > split Omega singular value",
                            float(not pi1 > evaluate(omega.singular_value, d, "mpmath"))))
    return checks


def least_squares_checks(d: Dataset) -> list[Check]:
    """T9: the converged spectral map of every architecture is its modules' least-squares map."""
    checks = []
    for arch in ARCHITECTURES:
        stars = {name: mpmath.mpf(0) for name in derive_observables(arch).strengths}
        stars.update({mode.name: pi / lam for _, mode, pi, lam in mode_parameters(d, arch)})
        W = spectral_map(d, arch, stars, "mpmath")
        L = least_squares_map(d, arch, "mpmath")
        checks.append(Check(d, f"converged {arch} map = least squares", float(fro(W - L) / max(fro(L), 1))))
    return checks
