"""High-precision certificates of the derived closed forms on concrete datasets.

A certificate does not recompute a decomposition: it evaluates the closed
forms (compiled from the sympy expressions), builds the concrete singular
vectors, and checks the defining equations at ``dps`` digits. Residuals are
relative (divided by the norm of the matrix involved), so a correct closed
form leaves residuals near ``10**-dps`` and a wrong one leaves O(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import mpmath
import numpy as np

from numeric.matrices import evaluate, module_slices, mode_vectors, statistics
from theory.architectures import Module
from theory.dataset import Dataset
from theory.spectrum import DENSE_MODULE, derive_module_spectrum

__all__ = ["Check", "residual_tolerance", "spectrum_checks", "eigenbasis_checks", "run_checks", "fro"]


def residual_tolerance(dps: int) -> float:
    """Largest acceptable relative residual at ``dps`` digits: ``10**(-(dps - 10))``.

    Ten digits of head room cover the rounding accumulated by sums over at
    most a few thousand terms (each loses well under one digit) and the
    square roots in the closed forms; a wrong formula gives residuals of
    order one, so the margin cannot hide an error. At 50 digits this is 1e-40.
    """
    return 10.0 ** (-(dps - 10))


@dataclass(frozen=True)
class Check:
    """One named residual of one dataset (relative, as a float)."""

    dataset: Dataset
    what: str
    residual: float


def fro(a: np.ndarray) -> mpmath.mpf:
    """Frobenius norm of an object array of mpf (or any array)."""
    if a.size == 0:
        return mpmath.mpf(0)
    return mpmath.sqrt(mpmath.fsum(x * x for x in a.ravel().tolist()))


def _rel(residual: np.ndarray, scale: mpmath.mpf) -> float:
    scale = scale if scale != 0 else mpmath.mpf(1)
    return float(fro(residual) / scale)


def _module_stats(d: Dataset, module: Module):
    st = statistics(d, "mpmath")
    rows, cols = module_slices(d, module)
    return st.Syx[np.ix_(rows, cols)], st.Sx[np.ix_(cols, cols)]


def spectrum_checks(d: Dataset, module: Module = DENSE_MODULE) -> list[Check]:
    """T1 on one dataset: singular pairs, orthonormality, completeness (call inside workdps)."""
    syx, _ = _module_stats(d, module)
    scale = fro(syx)
    modes = mode_vectors(d, module, "mpmath")
    checks = []
    for mv in modes:
        checks.append(Check(d, f"Syx v = pi u ({mv.mode.name})", _rel(syx @ mv.V - mv.singular_value * mv.U, scale)))
        checks.append(Check(d, f"Syx^T u = pi v ({mv.mode.name})", _rel(syx.T @ mv.U - mv.singular_value * mv.V, scale)))
    if modes:
        U = np.hstack([mv.U for mv in modes])
        V = np.hstack([mv.V for mv in modes])
        eye = np.eye(U.shape[1], dtype=object)
        checks.append(Check(d, "U^T U = I", _rel(U.T @ U - eye, mpmath.mpf(1))))
        checks.append(Check(d, "V^T V = I", _rel(V.T @ V - eye, mpmath.mpf(1))))
    total = mpmath.fsum(mv.V.shape[1] * mv.singular_value**2 for mv in modes)
    checks.append(Check(d, "||Syx||^2 = sum mult pi^2", float(abs(total - scale**2) / max(scale**2, 1))))
    for mv in modes:
        expected = int(mv.mode.multiplicity.subs(d.substitution()))
        checks.append(Check(d, f"count of {mv.mode.name} = {expected}", float(mv.V.shape[1] != expected)))
    return checks


def eigenbasis_checks(d: Dataset, module: Module = DENSE_MODULE) -> list[Check]:
    """T2 on one dataset: V diagonalizes Sx, and the stated eigenvalues exhaust trace(Sx)."""
    _, sx = _module_stats(d, module)
    scale = fro(sx)
    checks = []
    for mv in mode_vectors(d, module, "mpmath"):
        checks.append(Check(d, f"Sx v = lambda v ({mv.mode.name})", _rel(sx @ mv.V - mv.eigenvalue * mv.V, scale)))
    eig = derive_module_spectrum(module).input_eigenvalues(d.substitution())
    total = mpmath.fsum(evaluate(lam, d, "mpmath") * int(mult) for lam, mult in eig)
    trace = mpmath.fsum(sx[i, i] for i in range(sx.shape[0]))
    checks.append(Check(d, "trace Sx = sum mult lambda", float(abs(total - trace) / max(trace, 1))))
    squares = mpmath.fsum(evaluate(lam, d, "mpmath") ** 2 * int(mult) for lam, mult in eig)
    checks.append(Check(d, "||Sx||^2 = sum mult lambda^2", float(abs(squares - scale**2) / max(scale**2, 1))))
    return checks


def run_checks(
    check: Callable[[Dataset], Iterable[Check]], datasets: Iterable[Dataset], dps: int,
) -> list[Check]:
    """Run a per-dataset check function on every dataset inside ``mpmath.workdps(dps)``."""
    out: list[Check] = []
    with mpmath.workdps(dps):
        for d in datasets:
            out.extend(check(d))
    return out
