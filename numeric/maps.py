"""Concrete network maps: spectral maps from mode strengths, and least-squares maps.

Both are built independently of the symbolic observables, so comparing them
with the derived block norms is a real check. Arrays are float64 or, for
``backend="mpmath"``, object arrays of mpf (use inside ``mpmath.workdps``).
Shapes: maps are (n_out, n_in) of the whole network.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

import mpmath
import numpy as np

from numeric.matrices import data_matrices, module_slices, mode_vectors
from theory.architectures import get_architecture
from theory.dataset import Dataset
from theory.observables import BLOCKS

__all__ = ["fro", "spectral_map", "block_norms", "least_squares_map", "zeros", "selection_matrix"]


def fro(a: np.ndarray) -> mpmath.mpf:
    """Frobenius norm of an object array of mpf, summed exactly-rounded (``mpmath.fsum``)."""
    if a.size == 0:
        return mpmath.mpf(0)
    return mpmath.sqrt(mpmath.fsum(x * x for x in a.ravel().tolist()))


def zeros(shape: tuple[int, ...], backend: str) -> np.ndarray:
    """A zero array of float64 or of mpf."""
    if backend == "numpy":
        return np.zeros(shape)
    out = np.empty(shape, dtype=object)
    out.fill(mpmath.mpf(0))
    return out


def selection_matrix(d: Dataset, backend: str = "numpy") -> np.ndarray:
    """S (n2, n1): row i is e_j for the i-th selected feature j."""
    S = zeros((d.n2, d.n1), backend)
    for i, j in enumerate(d.selection):
        S[i, j] = 1 if backend == "numpy" else mpmath.mpf(1)
    return S


def spectral_map(d: Dataset, arch: str, strengths: Mapping[str, Any], backend: str = "numpy") -> np.ndarray:
    """``sum over modules and modes of a U V^T``, placed in each module's rows and columns.

    ``strengths`` maps mode names (as in :mod:`numeric.trajectory`) to a; modes
    not present on ``d`` are skipped.
    """
    W = zeros((d.n_out, d.n_in), backend)
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        for mv in mode_vectors(d, module, backend):
            W[np.ix_(rows, cols)] += strengths[mv.mode.name] * (mv.U @ mv.V.T)
    return W


def block_norms(W: np.ndarray, d: Dataset) -> dict[str, Any]:
    """Frobenius norms of the four blocks OO, GO, OG, GG of a full map."""
    sl = d.block_slices()
    out = {}
    for key, (o, i) in BLOCKS.items():
        block = W[sl[o], sl[i]]
        if block.dtype == object:
            out[key] = fro(block)
        else:
            out[key] = float(np.linalg.norm(block)) if block.size else 0.0
    return out


def _pinv_mp(A: np.ndarray) -> np.ndarray:
    """Moore-Penrose pseudo-inverse at the working precision, via mpmath's SVD.

    Singular values below ``10**(-dps/2)`` times the largest are treated as 0:
    far above rounding (``10**-dps``) and far below any genuine singular value
    of these datasets (at least ``min(1, r^2 k1 / P)`` for the exact r used).
    """
    m, n = A.shape
    if A.size == 0:
        return zeros((n, m), "mpmath")
    U, S, V = mpmath.svd_r(mpmath.matrix(A.tolist()))
    cutoff = max(S) * mpmath.mpf(10) ** (-mpmath.mp.dps // 2)
    out = zeros((n, m), "mpmath")
    for k in range(len(S)):
        if S[k] > cutoff:
            u = np.array([U[i, k] for i in range(m)], dtype=object)
            v = np.array([V[k, j] for j in range(n)], dtype=object)
            out += np.outer(v, u) / S[k]
    return out


def least_squares_map(d: Dataset, arch: str, backend: str = "mpmath") -> np.ndarray:
    """Minimum-norm least-squares map of every module from its own inputs to its own outputs.

    ``W_m = Y_m X_m^+`` per module, placed in the module's rows and columns
    (docs/theory.md claim T9). numpy uses ``np.linalg.pinv``. Results are cached
    per (dataset, architecture, backend, working precision); a copy is returned.
    """
    return _least_squares_map(d, arch, backend, mpmath.mp.dps).copy()


@lru_cache(maxsize=256)
def _least_squares_map(d: Dataset, arch: str, backend: str, dps: int) -> np.ndarray:
    X, Y = data_matrices(d, backend)
    W = zeros((d.n_out, d.n_in), backend)
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        Xm, Ym = X[cols, :], Y[rows, :]
        pinv = np.linalg.pinv(Xm) if backend == "numpy" else _pinv_mp(Xm)
        W[np.ix_(rows, cols)] = Ym @ pinv
    return W
