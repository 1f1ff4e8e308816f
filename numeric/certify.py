"""High-precision certificates of the derived closed forms on concrete datasets.

A certificate does not recompute a decomposition: it evaluates the closed
forms (compiled from the sympy expressions), builds the concrete singular
vectors, and checks the defining equations at ``dps`` digits. Residuals are
relative (divided by the norm of the matrix involved), so a correct closed
form leaves residuals near ``10**-dps`` and a wrong one leaves O(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import mpmath
import numpy as np

from numeric.maps import fro, unique_rows
from numeric.matrices import ModeVectors, data_cores, data_matrices, evaluate, module_slices, mode_vectors
from theory.architectures import Module
from theory.dataset import Dataset
from theory.spectrum import DENSE_MODULE, derive_module_spectrum

__all__ = [
    "Check", "residual_tolerance", "spectrum_checks", "eigenbasis_checks", "run_checks", "fro", "ModuleStatistics",
    "module_statistics", "CoredStatistics", "cored_statistics",
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


# ----------------------------------------------------------------------------- integer cores
def _row_classes(scales: list[np.ndarray]) -> tuple[np.ndarray, list[tuple]]:
    """Class index of every row (rows with equal scales in every vector share one), and each class's scales."""
    seen: dict[tuple, int] = {}
    index = np.array([seen.setdefault(key, len(seen)) for key in zip(*(v.tolist() for v in scales))],
                     dtype=np.int64).reshape(len(scales[0]))
    return index, list(seen)


def _products(a: np.ndarray, A: np.ndarray, b: np.ndarray, B: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """``(diag(a) A)^T (diag(b) B)`` as terms ``(scalar, integer matrix)``: one exact product per class of rows."""
    index, keys = _row_classes([a, b])
    return [(x * y, A[index == k].T @ B[index == k]) for k, (x, y) in enumerate(keys) if x != 0 and y != 0]


def _fro_terms(terms: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    """Frobenius norm of ``sum_t diag(s_t) I_t`` (``s_t`` mpf per row, ``I_t`` int64 (n, m)).

    An entry depends only on its row's scales and the integers at its place,
    so each distinct combination is evaluated once and counted.
    """
    n, m = terms[0][1].shape
    if n * m == 0:
        return mpmath.mpf(0)
    rows, keys = _row_classes([t[0] for t in terms])
    stacked = np.stack([np.broadcast_to(rows[:, None], (n, m)).ravel()] + [t[1].ravel() for t in terms], axis=1)
    distinct, inverse = unique_rows(stacked)
    counts = np.bincount(inverse, minlength=len(distinct))
    squares = []
    for key, count in zip(distinct.tolist(), counts.tolist()):
        value = mpmath.fdot(keys[key[0]], key[1:])
        squares.append(count * value * value)
    return mpmath.sqrt(mpmath.fsum(squares))


@dataclass(frozen=True)
class CoredStatistics:
    """A module's statistics applied through integer cores: ``X = diag(xs) Xc``, ``Y = diag(ys) Yc``.

    Mode vectors with cores (``U = diag(su) CU``) give ``X^T V`` as a few
    ``(scalar, integer matrix)`` terms (one per class of rows), and then
    ``Y X^T V`` exactly in integers up to per-row scales; residual norms count
    distinct entries (:func:`_fro_terms`). Norms of the statistics come from
    the integer Gram matrices of the classes: ``||Y X^T||^2 = <X^T X, Y^T Y>``.
    Shapes: xs (inputs,), Xc (inputs, P), ys (outputs,), Yc (outputs, P).
    """

    xs: np.ndarray
    Xc: np.ndarray
    ys: np.ndarray
    Yc: np.ndarray
    P: Any

    def syx_residual(self, pi: Any, cores: tuple) -> Any:
        """``||Syx V - pi U||`` for ``cores = (su, CU, sv, CV)``."""
        su, cu, sv, cv = cores
        terms = [(self.ys * (x / self.P), self.Yc @ N) for x, N in _products(self.xs, self.Xc, sv, cv)]
        return _fro_terms(terms + [(su * -pi, cu)])

    def syx_t_residual(self, pi: Any, cores: tuple) -> Any:
        """``||Syx^T U - pi V||``."""
        su, cu, sv, cv = cores
        terms = [(self.xs * (y / self.P), self.Xc @ N) for y, N in _products(self.ys, self.Yc, su, cu)]
        return _fro_terms(terms + [(sv * -pi, cv)])

    def sx_residual(self, lam: Any, cores: tuple) -> Any:
        """``||Sx V - lambda V||``."""
        _, _, sv, cv = cores
        terms = [(self.xs * (x / self.P), self.Xc @ N) for x, N in _products(self.xs, self.Xc, sv, cv)]
        return _fro_terms(terms + [(sv * -lam, cv)])

    def norms(self) -> tuple[Any, Any, Any]:
        """``(||Syx||^2, ||Sx||^2, trace Sx)`` from the integer Gram matrices of the classes of rows."""
        gx = _products(self.xs, self.Xc, self.xs, self.Xc)
        gy = _products(self.ys, self.Yc, self.ys, self.Yc)
        syx = mpmath.fsum(a * b * int(np.sum(A * B)) for a, A in gx for b, B in gy) / self.P**2
        sx = mpmath.fsum(a * b * int(np.sum(A * B)) for a, A in gx for b, B in gx) / self.P**2
        trace = mpmath.fsum(a * int(np.trace(A)) for a, A in gx) / self.P
        return syx, sx, trace


def cored_statistics(d: Dataset, module: Module) -> CoredStatistics:
    """The integer-core statistics of one module of ``d`` (call inside ``mpmath.workdps``)."""
    xs, Xc, ys, Yc = data_cores(d)
    rows, cols = module_slices(d, module)
    return CoredStatistics(xs[cols], Xc[cols], ys[rows], Yc[rows], mpmath.mpf(d.P))


def _gram_residual(cores: list[tuple]) -> Any:
    """``||U^T U - I||`` for U the columns of every mode, from the cores ``(scale, core)`` of each mode."""
    squares = []
    for i, (si, ci) in enumerate(cores):
        for j, (sj, cj) in enumerate(cores):
            terms = [(np.array([x] * ci.shape[1], dtype=object), G) for x, G in _products(si, ci, sj, cj)]
            if i == j:
                terms.append((np.array([mpmath.mpf(-1)] * ci.shape[1], dtype=object), np.eye(ci.shape[1], dtype=np.int64)))
            if terms:
                squares.append(_fro_terms(terms) ** 2)
    return mpmath.sqrt(mpmath.fsum(squares))


def _cored(modes: tuple[ModeVectors, ...]) -> bool:
    return bool(modes) and all(mv.cores is not None for mv in modes)


def spectrum_checks(d: Dataset, module: Module = DENSE_MODULE) -> list[Check]:
    """T1 on one dataset: singular pairs, orthonormality, completeness (call inside workdps).

    Modes with integer cores are checked through them (:class:`CoredStatistics`),
    others through the sparse data matrices (:class:`ModuleStatistics`).
    """
    modes = mode_vectors(d, module, "mpmath")
    checks = []
    if _cored(modes):
        st = cored_statistics(d, module)
        syx_fro2, _, _ = st.norms()
        scale = mpmath.sqrt(syx_fro2) or mpmath.mpf(1)
        for mv in modes:
            checks.append(Check(d, f"Syx v = pi u ({mv.mode.name})", float(st.syx_residual(mv.singular_value, mv.cores) / scale)))
            checks.append(Check(d, f"Syx^T u = pi v ({mv.mode.name})",
                                float(st.syx_t_residual(mv.singular_value, mv.cores) / scale)))
        checks.append(Check(d, "U^T U = I", float(_gram_residual([mv.cores[:2] for mv in modes]))))
        checks.append(Check(d, "V^T V = I", float(_gram_residual([mv.cores[2:] for mv in modes]))))
    else:
        st = module_statistics(d, module)
        syx_fro2 = st.syx_fro2
        scale = mpmath.sqrt(syx_fro2)
        for mv in modes:
            checks.append(Check(d, f"Syx v = pi u ({mv.mode.name})", _rel(st.syx(mv.V) - mv.singular_value * mv.U, scale)))
            checks.append(Check(d, f"Syx^T u = pi v ({mv.mode.name})",
                                _rel(st.syx_t(mv.U) - mv.singular_value * mv.V, scale)))
        if modes:
            U = np.hstack([mv.U for mv in modes])
            V = np.hstack([mv.V for mv in modes])
            eye = np.eye(U.shape[1], dtype=object)
            checks.append(Check(d, "U^T U = I", _rel(gram(U) - eye, mpmath.mpf(1))))
            checks.append(Check(d, "V^T V = I", _rel(gram(V) - eye, mpmath.mpf(1))))
    total = mpmath.fsum(mv.V.shape[1] * mv.singular_value**2 for mv in modes)
    checks.append(Check(d, "||Syx||^2 = sum mult pi^2", float(abs(total - syx_fro2) / max(syx_fro2, 1))))
    for mv in modes:
        expected = int(mv.mode.multiplicity.subs(d.substitution()))
        checks.append(Check(d, f"count of {mv.mode.name} = {expected}", float(mv.V.shape[1] != expected)))
    return checks


def eigenbasis_checks(d: Dataset, module: Module = DENSE_MODULE) -> list[Check]:
    """T2 on one dataset: V diagonalizes Sx, and the stated eigenvalues exhaust trace(Sx) and ||Sx||^2."""
    modes = mode_vectors(d, module, "mpmath")
    checks = []
    if _cored(modes):
        st = cored_statistics(d, module)
        _, sx_fro2, sx_trace = st.norms()
        scale = mpmath.sqrt(sx_fro2) or mpmath.mpf(1)
        for mv in modes:
            checks.append(Check(d, f"Sx v = lambda v ({mv.mode.name})", float(st.sx_residual(mv.eigenvalue, mv.cores) / scale)))
    else:
        st = module_statistics(d, module)
        sx_fro2, sx_trace = st.sx_fro2, st.sx_trace
        scale = mpmath.sqrt(sx_fro2)
        for mv in modes:
            checks.append(Check(d, f"Sx v = lambda v ({mv.mode.name})", _rel(st.sx(mv.V) - mv.eigenvalue * mv.V, scale)))
    eig = derive_module_spectrum(module).input_eigenvalues(d.substitution())
    total = mpmath.fsum(evaluate(lam, d, "mpmath") * int(mult) for lam, mult in eig)
    checks.append(Check(d, "trace Sx = sum mult lambda", float(abs(total - sx_trace) / max(sx_trace, 1))))
    squares = mpmath.fsum(evaluate(lam, d, "mpmath") ** 2 * int(mult) for lam, mult in eig)
    checks.append(Check(d, "||Sx||^2 = sum mult lambda^2", float(abs(squares - sx_fro2) / max(sx_fro2, 1))))
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
