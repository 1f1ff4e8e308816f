"""Concrete network maps: spectral maps from mode strengths, and least-squares maps.

Both are built independently of the symbolic observables, so comparing them
with the derived block norms is a real check. Arrays are float64 or, for
``backend="mpmath"``, object arrays of mpf (use inside ``mpmath.workdps``).
Shapes: maps are (n_out, n_in) of the whole network.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Any, Callable, Mapping

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import mp_number
from numeric.matrices import data_matrices, module_slices, mode_vectors
from theory.architectures import get_architecture
from theory.dataset import Dataset
from theory.observables import BLOCKS

__all__ = [
    "fro", "fro_diff", "spectral_map", "block_norms", "least_squares_map", "least_squares_solver", "guard_digits", "zeros",
    "selection_matrix", "unique_rows",
]


def fro(a: np.ndarray) -> mpmath.mpf:
    """Frobenius norm of an object array of mpf, summed exactly-rounded (``mpmath.fsum``).

    Each distinct entry object is squared once and counted: maps built from
    integer cores or with repeated identity copies hold few distinct objects
    (counted by identity, so no number is hashed).
    """
    if a.size == 0:
        return mpmath.mpf(0)
    entries = a.ravel().tolist()
    objects = {id(x): x for x in entries}
    return mpmath.sqrt(mpmath.fsum(n * objects[k] ** 2 for k, n in Counter(map(id, entries)).items()))


def fro_diff(a: np.ndarray, b: np.ndarray) -> mpmath.mpf:
    """``fro(a - b)`` without forming ``a - b``: each distinct pair of entry objects is subtracted once."""
    if a.shape != b.shape:
        raise ValueError(f"fro_diff needs arrays of one shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return mpmath.mpf(0)
    left, right = a.ravel().tolist(), b.ravel().tolist()
    objects = {id(x): x for x in left} | {id(x): x for x in right}
    pairs = Counter(zip(map(id, left), map(id, right)))
    return mpmath.sqrt(mpmath.fsum(n * (objects[i] - objects[j]) ** 2 for (i, j), n in pairs.items()))


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
    not present on ``d`` are skipped. At high precision, modes with an integer
    core (:class:`numeric.matrices.ModeVectors`) are combined through it
    (:func:`_cored_map`); others by dense products.
    """
    W = zeros((d.n_out, d.n_in), backend)
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        modes = mode_vectors(d, module, backend)
        if backend == "mpmath" and modes and all(mv.cores is not None for mv in modes):
            W[np.ix_(rows, cols)] = _cored_map([(strengths[mv.mode.name], mv.cores) for mv in modes])
            continue
        for mv in modes:
            W[np.ix_(rows, cols)] += strengths[mv.mode.name] * (mv.U @ mv.V.T)
    return W


def _classes(scales: list[np.ndarray]) -> np.ndarray:
    """Class index of every row: rows with the same scale in every mode share a class."""
    seen: dict[tuple, int] = {}
    return np.array([seen.setdefault(key, len(seen)) for key in zip(*(s.tolist() for s in scales))],
                    dtype=np.int64)


def unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, axis=0, return_inverse=True)`` for int64 keys (n, t), through one mixed-radix code per row.

    Falls back to the row-wise unique when the code would not fit in int64.
    """
    if keys.shape[0] == 0:
        return keys, np.zeros(0, dtype=np.int64)
    low, high = keys.min(axis=0), keys.max(axis=0)
    span = (high - low + 1).astype(object)
    if math.prod(span.tolist()) >= 2**62:
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        return distinct, inverse.reshape(-1)
    code = np.zeros(keys.shape[0], dtype=np.int64)
    for col in range(keys.shape[1]):
        code = code * int(span[col]) + (keys[:, col] - low[col])
    codes, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return keys[first], inverse.reshape(-1)


def _cored_map(terms: list[tuple[Any, tuple[np.ndarray, ...]]]) -> np.ndarray:
    """``sum_m a_m U_m V_m^T`` from integer cores, ``U_m = diag(su_m) CU_m``, ``V_m = diag(sv_m) CV_m``.

    Entry (i, j) is ``sum_m a_m su_m[i] sv_m[j] (CU_m CV_m^T)[i, j]``: the
    integer products are exact (int64: entries at most the multiplicity), and
    the entry depends only on the scales of row i and column j and on those
    integers, so each distinct combination is evaluated once at the working
    precision (a few hundred, against n_out * n_in * modes dense products).
    """
    rows = _classes([t[1][0] for t in terms])
    cols = _classes([t[1][2] for t in terms])
    products = [cu @ cv.T for _, (_, cu, _, cv) in terms]
    shape = products[0].shape
    keys = np.stack([np.broadcast_to(rows[:, None], shape).ravel(), np.broadcast_to(cols[None, :], shape).ravel()]
                    + [p.ravel() for p in products], axis=1)
    distinct, inverse = unique_rows(keys)
    first_row = {int(c): i for i, c in reversed(list(enumerate(rows.tolist())))}
    first_col = {int(c): j for j, c in reversed(list(enumerate(cols.tolist())))}
    values = []
    for key in distinct.tolist():
        i, j = first_row[key[0]], first_col[key[1]]
        values.append(mpmath.fsum(a * su[i] * sv[j] * n for (a, (su, _, sv, _)), n in zip(terms, key[2:]) if n))
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out[inverse.reshape(-1)].reshape(shape)


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


def _sparse_rows(A: np.ndarray) -> list[dict[int, Any]]:
    """Each row of A as ``{column: value}`` over its non-zeros."""
    return [{j: v for j, v in enumerate(row.tolist()) if v} for row in A]


def _sdot(a: dict[int, Any], b: dict[int, Any]) -> Any:
    """Dot product of two sparse rows, exactly rounded (``mpmath.fdot``) over their common non-zeros."""
    if len(a) > len(b):
        a, b = b, a
    return mpmath.fdot([(v, b[k]) for k, v in a.items() if k in b])


def _distinct_rows(A: np.ndarray) -> tuple[list[dict[int, Any]], list[int]]:
    """The distinct rows of A (sparse), and for each row of A the index of its distinct row."""
    seen: dict[tuple, int] = {}
    index = [seen.setdefault(tuple(row.tolist()), len(seen)) for row in A]
    return _sparse_rows(np.array(list(seen), dtype=object).reshape(len(seen), A.shape[1])), index


def _identity_gram(R: list[dict[int, Any]], P: int) -> Any:
    """c with ``R^T R = c I`` (0 when R is empty or zero); ``ArithmeticError`` when R is not of that form.

    ``R^T R`` is diagonal when no row of R has two non-zeros; it is ``c I``
    when every column has the same sum of squares.
    """
    if any(len(row) > 1 for row in R):
        raise ArithmeticError("identity rows of the inputs have more than one non-zero: R^T R is not c I")
    cols: dict[int, list] = {}
    for row in R:
        for j, v in row.items():
            cols.setdefault(j, []).append(v)
    if not cols:
        return mpmath.mpf(0)
    sums = {mpmath.fdot(v, v) for v in cols.values()}
    if len(cols) != P or len(sums) != 1:
        raise ArithmeticError("the columns of the identity rows of the inputs do not have one common norm")
    return sums.pop()


def least_squares_solver(X: np.ndarray, Y: np.ndarray, n_code: int) -> Callable[[dict[int, Any]], list]:
    """``v -> Y X^+ v`` for ``X = [F; R]`` (F its first ``n_code`` rows) with ``R^T R = c I``, without an SVD.

    With c > 0, ``X^T X = F^T F + c I`` is invertible and the push-through
    identity gives ``(F^T F + c I)^-1 = (I - F^T M F) / c`` with the small
    ``M = (F F^T + c I)^-1``, so ``Y X^+ v = (Y X^T v - (Y F^T) M (F X^T v)) / c``.
    With c = 0 (R absent or zero), ``X^+ = [F^+, 0]`` with
    ``F^+ = F^T (F F^T)^+``, the small pseudo-inverse taken exactly (F holds
    integer codes), so ``Y X^+ v = (Y F^T) (F F^T)^+ v_F``. Products run over
    non-zeros and over the distinct rows of Y only. Shapes: X (n_in, P), Y
    (n_out, P); ``v`` is a sparse input vector ``{row of X: value}``, the result
    a list of n_out values. Call inside ``mpmath.workdps`` with guard digits
    for the cancellation (:func:`guard_digits`).
    """
    c = _identity_gram(_sparse_rows(X[n_code:]), X.shape[1])
    F = _sparse_rows(X[:n_code])
    K = [[_sdot(a, b) for b in F] for a in F]
    ys, yindex = _distinct_rows(Y)
    YF = [[_sdot(y, f) for f in F] for y in ys]  # (distinct Y rows, n_code)
    if c == 0:
        Kplus = sp.Matrix([[int(v) for v in row] for row in K]).pinv() if F else sp.zeros(0, 0)
        M = [[mp_number(Kplus[a, b]) for b in range(len(F))] for a in range(len(F))]
    else:
        inv = mpmath.inverse(mpmath.matrix([[K[a][b] + (c if a == b else 0) for b in range(len(F))]
                                            for a in range(len(F))])) if F else None
        M = [[inv[a, b] for b in range(len(F))] for a in range(len(F))]
    T = [[mpmath.fdot(t, [M[a][b] for a in range(len(F))]) for b in range(len(F))] for t in YF]
    rows = _sparse_rows(X)

    def apply(v: dict[int, Any]) -> list:
        if c == 0:
            vf = [v.get(a, 0) for a in range(len(F))]
            distinct = [mpmath.fdot(t, vf) for t in T]
        else:
            terms: dict[int, list] = {}
            for i, vi in v.items():
                for p, x in rows[i].items():
                    terms.setdefault(p, []).append(x * vi)
            xv = {p: mpmath.fsum(t) for p, t in terms.items()}  # X^T v
            fx = [_sdot(f, xv) for f in F]
            distinct = [(_sdot(y, xv) - mpmath.fdot(t, fx)) / c for y, t in zip(ys, T)]
        return [distinct[k] for k in yindex]
    return apply


def _least_squares_block(X: np.ndarray, Y: np.ndarray, n_code: int) -> np.ndarray:
    """``Y X^+`` (n_out, n_in) by :func:`least_squares_solver`; equal rows of X give equal columns, computed once."""
    solve = least_squares_solver(X, Y, n_code)
    seen: dict[tuple, int] = {}
    index = [seen.setdefault(tuple(row.tolist()), j) for j, row in enumerate(X)]
    columns = {j: solve({j: mpmath.mpf(1)}) for j in set(index)}
    out = np.empty((Y.shape[0], X.shape[0]), dtype=object)
    for j, k in enumerate(index):
        out[:, j] = columns[k]
    return out


def guard_digits(X: np.ndarray, n_code: int) -> int:
    """Extra digits for :func:`least_squares_solver` on ``X = [F; R]`` (float64 is enough to size them).

    Its subtraction cancels up to ``log10((tr K + c) / c)`` digits, ``K = F F^T``
    (tr K bounds its largest eigenvalue) and c the squared column norm of R;
    inverting ``K + c I`` (condition number at most that ratio) loses as many
    again, and 5 more digits cover the rounding of the sums. With c = 0 the
    pseudo-inverse is exact: 5 digits.
    """
    F, R = np.asarray(X[:n_code], dtype=float), np.asarray(X[n_code:], dtype=float)
    c = float(np.sum(R[:, 0] ** 2)) if R.size else 0.0
    if c == 0:
        return 5
    return 2 * math.ceil(math.log10((float(np.sum(F**2)) + c) / c)) + 5


def least_squares_map(d: Dataset, arch: str, backend: str = "mpmath") -> np.ndarray:
    """Minimum-norm least-squares map of every module from its own inputs to its own outputs.

    ``W_m = Y_m X_m^+`` per module, placed in the module's rows and columns
    (docs/theory.md claim T9). numpy uses ``np.linalg.pinv``; mpmath solves
    through the small ``F F^T + c I`` (:func:`_least_squares_block`) at the
    working precision plus guard digits, then rounds to it. Results are cached
    per (dataset, architecture, backend, working precision); a copy is returned.
    """
    return _least_squares_map(d, arch, backend, mpmath.mp.dps).copy()


@lru_cache(maxsize=256)
def _least_squares_map(d: Dataset, arch: str, backend: str, dps: int) -> np.ndarray:
    W = zeros((d.n_out, d.n_in), backend)
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        W[np.ix_(rows, cols)] = _module_least_squares(d, tuple(rows.tolist()), tuple(cols.tolist()), backend, dps)
    return W


@lru_cache(maxsize=256)
def _module_least_squares(d: Dataset, rows: tuple[int, ...], cols: tuple[int, ...], backend: str, dps: int,
                          ) -> np.ndarray:
    """One module's ``Y_m X_m^+`` (outputs ``rows``, inputs ``cols``), shape (len(rows), len(cols))."""
    if backend == "numpy":
        X, Y = data_matrices(d, backend)
        return Y[list(rows), :] @ np.linalg.pinv(X[list(cols), :])
    coded = [j for j in cols if j < d.n1]  # the compositional inputs (block_slices), then the identity ones
    order = coded + [j for j in cols if j >= d.n1]
    with mpmath.workdps(dps + guard_digits(data_matrices(d, "numpy")[0][order, :], len(coded))):
        X, Y = data_matrices(d, backend)
        W = _least_squares_block(X[order, :], Y[list(rows), :], len(coded))
        W = W[:, [order.index(j) for j in cols]]
    with mpmath.workdps(dps):  # round each distinct entry object once, keeping the sharing
        entries = W.ravel().tolist()
        rounded = {id(x): mpmath.mpf(x) for x in entries}
        return np.array([rounded[id(x)] for x in entries], dtype=object).reshape(W.shape)
