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

from numeric.maps import fro
from numeric.matrices import data_matrices, evaluate, module_slices, mode_vectors
from theory.architectures import Module
from theory.dataset import Dataset
from theory.spectrum import DENSE_MODULE, derive_module_spectrum

__all__ = [
    "Check", "residual_tolerance", "spectrum_checks", "eigenbasis_checks", "run_checks", "fro", "ModuleStatistics",
    "module_statistics",
]


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


def _rel(residual: np.ndarray, scale: mpmath.mpf) -> float:
    scale = scale if scale != 0 else mpmath.mpf(1)
    return float(fro(residual) / scale)


def _rows(A: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Row-wise non-zeros ``(columns, values)`` of a dense array."""
    out = []
    for row in A:
        cols = np.array([j for j, v in enumerate(row.tolist()) if v != 0], dtype=np.int64)
        out.append((cols, row[cols]))
    return out


def _spmm(rows: list[tuple[np.ndarray, np.ndarray]], B: np.ndarray) -> np.ndarray:
    """``A @ B`` for A given by its row-wise non-zeros: work proportional to nnz(A) * B.shape[1]."""
    out = np.empty((len(rows), B.shape[1]), dtype=object)
    out.fill(mpmath.mpf(0))
    columns = [B[:, c] for c in range(B.shape[1])]
    for i, (cols, vals) in enumerate(rows):
        if cols.size:
            v = vals.tolist()
            out[i] = [mpmath.fdot(v, col[cols].tolist()) for col in columns]
    return out


def gram(A: np.ndarray) -> np.ndarray:
    """``A^T A`` of an object array of mpf, each entry one exactly-rounded ``mpmath.fdot``."""
    cols = [A[:, i].tolist() for i in range(A.shape[1])]
    n = len(cols)
    G = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(i, n):
            G[i, j] = G[j, i] = mpmath.fdot(cols[i], cols[j])
    return G


@dataclass(frozen=True)
class ModuleStatistics:
    """A module's ``Syx = Y X^T / P`` and ``Sx = X X^T / P``, applied through the sparse data matrices.

    The explicit data matrices X (module inputs x P) and Y (module outputs x
    P) have n1 + k1 and n2 + k2 non-zeros per item, so applying the statistics
    to the candidate vectors costs O(nnz * modes) instead of the
    O(n_out * n_in * modes) of a dense product, and the dense statistics are
    never formed. Frobenius norms come from the P x P Gram matrices:
    ``||Y X^T||^2 = tr((Y^T Y)(X^T X))``.
    """

    X: list
    XT: list
    Y: list
    YT: list
    P: mpmath.mpf
    syx_fro2: mpmath.mpf
    sx_fro2: mpmath.mpf
    sx_trace: mpmath.mpf

    def syx(self, V: np.ndarray) -> np.ndarray:
        return _spmm(self.Y, _spmm(self.XT, V)) / self.P

    def syx_t(self, U: np.ndarray) -> np.ndarray:
        return _spmm(self.X, _spmm(self.YT, U)) / self.P

    def sx(self, V: np.ndarray) -> np.ndarray:
        return _spmm(self.X, _spmm(self.XT, V)) / self.P


def module_statistics(d: Dataset, module: Module) -> ModuleStatistics:
    """Sparse statistics of one module of ``d`` (call inside ``mpmath.workdps``)."""
    X, Y = data_matrices(d, "mpmath")
    rows, cols = module_slices(d, module)
    X, Y = X[cols, :], Y[rows, :]
    XT, YT = _rows(X.T), _rows(Y.T)
    gx, gy = _spmm(XT, X), _spmm(YT, Y)  # Gram matrices X^T X, Y^T Y (P x P)
    P = mpmath.mpf(d.P)
    syx_fro2 = mpmath.fsum(a * b for a, b in zip(gx.ravel().tolist(), gy.ravel().tolist())) / P**2
    sx_fro2 = mpmath.fsum(a * a for a in gx.ravel().tolist()) / P**2
    sx_trace = mpmath.fsum(gx[i, i] for i in range(d.P)) / P
    return ModuleStatistics(_rows(X), XT, _rows(Y), YT, P, syx_fro2, sx_fro2, sx_trace)


def spectrum_checks(d: Dataset, module: Module = DENSE_MODULE) -> list[Check]:
    """T1 on one dataset: singular pairs, orthonormality, completeness (call inside workdps)."""
    st = module_statistics(d, module)
    scale = mpmath.sqrt(st.syx_fro2)
    modes = mode_vectors(d, module, "mpmath")
    checks = []
    for mv in modes:
        checks.append(Check(d, f"Syx v = pi u ({mv.mode.name})", _rel(st.syx(mv.V) - mv.singular_value * mv.U, scale)))
        checks.append(Check(d, f"Syx^T u = pi v ({mv.mode.name})", _rel(st.syx_t(mv.U) - mv.singular_value * mv.V, scale)))
    if modes:
        U = np.hstack([mv.U for mv in modes])
        V = np.hstack([mv.V for mv in modes])
        eye = np.eye(U.shape[1], dtype=object)
        checks.append(Check(d, "U^T U = I", _rel(gram(U) - eye, mpmath.mpf(1))))
        checks.append(Check(d, "V^T V = I", _rel(gram(V) - eye, mpmath.mpf(1))))
    total = mpmath.fsum(mv.V.shape[1] * mv.singular_value**2 for mv in modes)
    checks.append(Check(d, "||Syx||^2 = sum mult pi^2", float(abs(total - st.syx_fro2) / max(st.syx_fro2, 1))))
    for mv in modes:
        expected = int(mv.mode.multiplicity.subs(d.substitution()))
        checks.append(Check(d, f"count of {mv.mode.name} = {expected}", float(mv.V.shape[1] != expected)))
    return checks


def eigenbasis_checks(d: Dataset, module: Module = DENSE_MODULE) -> list[Check]:
    """T2 on one dataset: V diagonalizes Sx, and the stated eigenvalues exhaust trace(Sx) and ||Sx||^2."""
    st = module_statistics(d, module)
    scale = mpmath.sqrt(st.sx_fro2)
    checks = []
    for mv in mode_vectors(d, module, "mpmath"):
        checks.append(Check(d, f"Sx v = lambda v ({mv.mode.name})", _rel(st.sx(mv.V) - mv.eigenvalue * mv.V, scale)))
    eig = derive_module_spectrum(module).input_eigenvalues(d.substitution())
    total = mpmath.fsum(evaluate(lam, d, "mpmath") * int(mult) for lam, mult in eig)
    checks.append(Check(d, "trace Sx = sum mult lambda", float(abs(total - st.sx_trace) / max(st.sx_trace, 1))))
    squares = mpmath.fsum(evaluate(lam, d, "mpmath") ** 2 * int(mult) for lam, mult in eig)
    checks.append(Check(d, "||Sx||^2 = sum mult lambda^2", float(abs(squares - st.sx_fro2) / max(st.sx_fro2, 1))))
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
