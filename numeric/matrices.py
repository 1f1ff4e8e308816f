"""Explicit matrices of a dataset, and its singular vectors in the full space.

Builders return numpy arrays: float64 for ``backend="numpy"``, object arrays
of ``mpmath.mpf`` for ``backend="mpmath"`` (build and use those inside
``mpmath.workdps``). Items are ordered as ``itertools.product((-1, 1),
repeat=n1)``; that order is the column order of B, X and Y.

Shapes: ``X`` (n_in, P), ``Y`` (n_out, P), ``Sx`` (n_in, n_in),
``Syx`` (n_out, n_in).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from numeric.backends import check_backend, compile_expr, mp_number

from theory import symbols as s
from theory.channels import readout_scale
from theory.architectures import Module, get_architecture
from theory.dataset import Dataset
from theory.spectrum import DENSE_MODULE, Mode, derive_module_spectrum, present_modes

__all__ = [
    "Statistics", "codes", "data_matrices", "item_matrices", "training_items", "statistics", "item_basis", "ModeVectors", "mode_vectors",
    "module_slices", "evaluate", "architecture_modes", "data_cores",
]


def codes(n1: int) -> np.ndarray:
    """The code matrix B, shape (n1, 2**n1), entries +-1, every code once."""
    return np.array(list(itertools.product((-1, 1), repeat=n1)), dtype=np.int64).T


def _scalar(value: Any, backend: str) -> Any:
    return float(value) if backend == "numpy" else mp_number(value)


def _sqrt(value: int, backend: str) -> Any:
    return float(np.sqrt(value)) if backend == "numpy" else mpmath.sqrt(mp_number(value))


def _cast(a: np.ndarray, backend: str) -> np.ndarray:
    if backend == "numpy":
        return a.astype(np.float64)
    out = np.empty(a.shape, dtype=object)
    flat = a.ravel()
    values = flat.tolist()
    cache = {v: mp_number(v) for v in set(values)}
    out.ravel()[:] = [cache[v] for v in values]
    return out


def readout_matrix(d: Dataset, backend: str = "numpy") -> np.ndarray:
    """The compositional readout R (n2, n1) with ``Y_Omega = R B``: S for a selection, A for a general readout."""
    rows = d.readout_rows()
    if backend == "numpy":
        return np.array([[float(x) for x in row] for row in rows], dtype=np.float64).reshape(d.n2, d.n1)
    out = np.empty((d.n2, d.n1), dtype=object)
    for i, row in enumerate(rows):
        out[i] = [mp_number(x) for x in row]
    return out


def _readout_times(d: Dataset, B: np.ndarray, backend: str) -> np.ndarray:
    """``Y_Omega = R B``; a readout whose rows are unit rows e_j^T (a selection) just picks rows of B."""
    rows = d.readout_rows()
    picks = [row.index(1) for row in rows if sorted(row) == [0] * (len(row) - 1) + [1]]
    if len(picks) == len(rows):
        return B[picks, :]
    return readout_matrix(d, backend) @ B


def data_cores(d: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, Xc, ys, Yc)`` with ``X = diag(xs) Xc`` and ``Y = diag(ys) Yc`` over all P items (call inside workdps).

    ``Xc`` (n_in, P) and ``Yc`` (n_out, P) are int64: the codes, the readout
    rows times the common denominator of each row, and 1 for the identity
    blocks; ``xs`` and ``ys`` (object arrays of mpf) hold 1, r or one over a
    readout row's denominator. Certificates apply the statistics through these
    integer cores exactly and scale once per class of rows.
    """
    B = codes(d.n1)
    eye = np.eye(d.P, dtype=np.int64)
    r = mp_number(d.r)
    dens = [math.lcm(*(int(sp.fraction(x)[1]) for x in row)) if row else 1 for row in d.readout_rows()]
    R = np.array([[int(x * den) for x in row] for row, den in zip(d.readout_rows(), dens)], dtype=np.int64)
    Xc = np.vstack([B] + [eye] * d.k1)
    Yc = np.vstack([R.reshape(d.n2, d.n1) @ B] + [eye] * d.k2)
    xs = np.array([mpmath.mpf(1)] * d.n1 + [r] * (d.k1 * d.P), dtype=object).reshape(Xc.shape[0])
    ys = np.array([1 / mpmath.mpf(den) for den in dens] + [r] * (d.k2 * d.P), dtype=object).reshape(Yc.shape[0])
    return xs, Xc, ys, Yc


def data_matrices(d: Dataset, backend: str = "numpy") -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)`` of all P items in item order (training or held out); see :func:`training_items`."""
    return item_matrices(d, backend)


def training_items(d: Any) -> tuple[int, ...]:
    """Training item indices: ``d.train_items`` for a family with a training subset, else all P items."""
    return tuple(getattr(d, "train_items", range(d.P)))


def item_matrices(d: Dataset, backend: str = "numpy") -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)`` of all P items in item order, training or held out (docs/theory.md section 1)."""
    check_backend(backend)
    B = _cast(codes(d.n1), backend)
    r_eye = _cast(np.zeros((d.P, d.P), dtype=np.int64), backend)
    np.fill_diagonal(r_eye, _scalar(d.r, backend))  # r I without P^2 products by zero
    S = _readout_times(d, B, backend)
    X = np.vstack([B] + [r_eye] * d.k1)
    Y = np.vstack([S] + [r_eye] * d.k2) if d.n2 + d.k2 > 0 else np.zeros((0, d.P), dtype=B.dtype)
    return X, Y


@dataclass(frozen=True)
class Statistics:
    """Dataset statistics ``Sx = X X^T / P`` (n_in, n_in), ``Syx = Y X^T / P`` (n_out, n_in)."""

    dataset: Dataset
    Sx: np.ndarray
    Syx: np.ndarray
    backend: str


def statistics(d: Dataset, backend: str = "numpy") -> Statistics:
    """Build ``Sx`` and ``Syx`` from the explicit data matrices: means over the training items."""
    X, Y = data_matrices(d, backend)
    cols = list(training_items(d))
    X, Y = X[:, cols], Y[:, cols]
    P = _scalar(len(cols), backend)
    return Statistics(d, X @ X.T / P, Y @ X.T / P, backend)


def _integer_item_basis(d: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The integer matrices behind :func:`item_basis`: B (n1, P) and the Walsh characters (P, P - n1)."""
    B = codes(d.n1)
    subsets = [T for size in range(d.n1 + 1) if size != 1 for T in itertools.combinations(range(d.n1), size)]
    chars = np.array([np.prod(B[list(T), :], axis=0) for T in subsets], dtype=np.int64).T
    return B, chars.reshape(d.P, d.P - d.n1)


def item_basis(d: Dataset, backend: str = "numpy") -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal item basis ``(W, Q)``: ``W[:, j] = B^T e_j / sqrt(P)``, Q its complement.

    The complement is spanned by the Walsh characters ``prod_{j in T} b_j`` for
    subsets T with ``|T| != 1``, which are orthogonal to each other and to the
    rows of B; divided by ``sqrt(P)`` they are unit. Shapes (P, n1), (P, P - n1).
    """
    B, chars = _integer_item_basis(d)
    root = _sqrt(d.P, backend)
    return _cast(B.T, backend) / root, _cast(chars, backend) / root


def architecture_modes(d: Dataset, arch: str) -> tuple[tuple[Module, Mode], ...]:
    """``(module, mode)`` for every mode of ``arch`` present on ``d`` (non-zero singular value), in module order.

    Cached per (dataset, architecture): certificates ask for the same modes many times per dataset.
    """
    return _architecture_modes(d, arch)


@lru_cache(maxsize=1024)
def _architecture_modes(d: Dataset, arch: str) -> tuple[tuple[Module, Mode], ...]:
    values = d.substitution()
    return tuple((module, mode) for module in get_architecture(arch).modules
                 for mode in present_modes(derive_module_spectrum(module), values))


def module_slices(d: Dataset, module: Module) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (into y) and column indices (into x) that a module uses."""
    sl = d.block_slices()
    rows = np.concatenate([np.arange(d.n_out)[sl[b]] for b in module.outputs])
    cols = np.concatenate([np.arange(d.n_in)[sl[b]] for b in module.inputs])
    return rows, cols


def evaluate(expr: Any, d: Dataset, backend: str = "numpy", scale: Any = None) -> Any:
    """Evaluate a closed form of the dataset parameters through the compiled boundary.

    ``scale`` is the readout scale s of a feature channel (``R v = s u``), for
    closed forms of the readout family that depend on it.
    """
    r = _scalar(d.r, backend)
    if scale is None:
        return compile_expr(expr, s.PARAMS, backend)(d.n1, d.n2, d.k1, d.k2, r)
    return compile_expr(expr, s.PARAMS + (readout_scale,), backend)(d.n1, d.n2, d.k1, d.k2, r, scale)


@dataclass(frozen=True)
class ModeVectors:
    """One mode of a module on a concrete dataset, in the module's own coordinates.

    ``U`` has shape (module outputs, multiplicity), ``V`` (module inputs,
    multiplicity); columns are orthonormal singular vectors.
    """

    mode: Mode
    singular_value: Any
    eigenvalue: Any
    U: np.ndarray
    V: np.ndarray
    #: ``(scale_u, core_u, scale_v, core_v)`` with ``U = scale_u[:, None] * core_u`` (core int64), likewise V;
    #: None when the vectors have no integer core (general readouts).
    cores: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None


def _expand(coords: dict, blocks: tuple[str, ...], d: Dataset, w: np.ndarray, feature_rows: dict, backend: str,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-space vectors (one per column of w) from per-block channel coordinates, and their integer core.

    ``w`` is an integer matrix (P, m) whose columns divided by sqrt(P) are the
    item-basis vectors. Returns ``(vectors, scale, core)`` with
    ``vectors = scale[:, None] * core``: ``core`` (rows, m) int64 holds the
    0/1 feature positions and the integer columns of w, ``scale`` (rows,) the
    coefficient of each row's block.
    """
    scales, cores = [], []
    for b in blocks:
        c = evaluate(coords[b], d, backend)
        if b in ("omega_x", "omega_y"):
            size = d.n1 if b == "omega_x" else d.n2
            core = np.zeros((size, w.shape[1]), dtype=np.int64)
            for col, row in enumerate(feature_rows[b]):
                if row is not None:
                    core[row, col] = 1
            scales += [c] * size
        else:
            k = d.k1 if b == "gamma_x" else d.k2
            core = np.vstack([w] * k) if k else np.zeros((0, w.shape[1]), dtype=np.int64)
            if k:
                scales += [c / (_sqrt(k, backend) * _sqrt(d.P, backend))] * (k * d.P)
        cores.append(core)
    core = np.vstack(cores)
    scale = np.array(scales, dtype=object if backend == "mpmath" else np.float64).reshape(core.shape[0])
    return scale[:, None] * _cast(core, backend), scale, core


def mode_vectors(d: Dataset, module: Module = DENSE_MODULE, backend: str = "numpy") -> tuple[ModeVectors, ...]:
    """Singular vectors of the modes present on ``d``, built from the derived closed forms.

    Cached per (dataset, module, backend, mpmath working precision); treat the
    arrays as read-only. Dispatches on the dataset's family (selection or readout).
    """
    check_backend(backend)
    return _MODE_VECTORS[d.family.name](d, module, backend, mpmath.mp.dps)


@lru_cache(maxsize=512)
def _mode_vectors(d: Dataset, module: Module, backend: str, dps: int) -> tuple[ModeVectors, ...]:
    spec = derive_module_spectrum(module)
    B, chars = _integer_item_basis(d)
    unselected = [j for j in range(d.n1) if j not in d.selection]
    out = []
    for m in present_modes(spec, d.substitution()):
        if m.channel == "pi3":
            w, feats, outs = chars, [None] * chars.shape[1], [None] * chars.shape[1]
        elif m.channel == "pi1":
            w, feats, outs = B.T[:, list(d.selection)], list(d.selection), list(range(d.n2))
        else:
            w, feats, outs = B.T[:, unselected], unselected, [None] * len(unselected)
        rows = {"omega_x": feats, "omega_y": outs}
        V, sv, cv = _expand(m.right, module.inputs, d, w, rows, backend)
        U, su, cu = _expand(m.left, module.outputs, d, w, rows, backend)
        out.append(ModeVectors(m, evaluate(m.singular_value, d, backend), evaluate(m.eigenvalue, d, backend), U, V,
                               (su, cu, sv, cv)))
    return tuple(out)


# ----------------------------------------------------------------------------- readout family
def _eigh(G: np.ndarray, backend: str) -> tuple[list, np.ndarray]:
    """Eigenvalues and orthonormal eigenvectors (columns) of a symmetric matrix; mpmath at 20 extra digits."""
    if backend == "numpy":
        vals, vecs = np.linalg.eigh(G.astype(np.float64))
        return list(vals), vecs
    n = G.shape[0]
    with mpmath.workdps(mpmath.mp.dps + 20):
        E, Qm = mpmath.eigsy(mpmath.matrix(G.tolist()))
        vecs = np.array([[Qm[i, j] for j in range(n)] for i in range(n)], dtype=object)
        return [E[i] for i in range(n)], vecs


def readout_channels(d: Any, backend: str = "numpy") -> tuple[tuple[str, Any, Any, np.ndarray, np.ndarray], ...]:
    """Per distinct singular value s of A: ``(name, exact s, s as a number, V_A (n1, m), U_A (n2, m))``.

    Names are ``s1, s2, ...`` by decreasing s and ``s0`` for the kernel. The
    exact singular values and multiplicities come from
    :meth:`theory.readout.ReadoutDataset.singular_values`; the singular
    vectors from a symmetric eigensolver of ``A^T A`` (mpmath at 20 extra
    digits), grouped by those exact values. ``U_A = A V_A / s`` (zero for s = 0).
    Raises ``ArithmeticError`` if the eigensolver's clusters disagree with the exact multiplicities.
    """
    A = readout_matrix(d, backend)
    G = A.T @ A if d.n2 else zeros_like_backend((d.n1, d.n1), backend)
    vals, vecs = _eigh(G, backend)
    scale = max([abs(v) for v in vals] + [1])
    tol = scale * (1e-8 if backend == "numpy" else mpmath.mpf(10) ** (-(mpmath.mp.dps // 2)))
    out, used = [], 0
    nonzero = [sv for sv in d.singular_values() if sv.square != 0]
    named = [(f"s{i}", sv) for i, sv in enumerate(nonzero, 1)] + [("s0", sv) for sv in d.singular_values()
                                                                   if sv.square == 0]
    for name, sv in named:
        target = _scalar(sv.square, backend)
        cols = [j for j, v in enumerate(vals) if abs(v - target) <= tol]
        if len(cols) != sv.multiplicity:
            raise ArithmeticError(f"singular value {sv.value} of the readout: eigensolver found {len(cols)} "
                                  f"vectors, the exact multiplicity is {sv.multiplicity}")
        used += len(cols)
        V = vecs[:, cols]
        value = _scalar(sv.value, backend)
        U = A @ V / value if sv.square != 0 else zeros_like_backend((d.n2, len(cols)), backend)
        out.append((name, sv.value, value, V, U))
    if used != d.n1:
        raise ArithmeticError(f"readout singular vectors cover {used} of {d.n1} code directions")
    return tuple(out)


def zeros_like_backend(shape: tuple[int, ...], backend: str) -> np.ndarray:
    """Zeros of float64 or of mpf."""
    return _cast(np.zeros(shape, dtype=np.int64), backend)


def _expand_general(coords: dict, blocks: tuple[str, ...], d: Any, w: np.ndarray, omega: dict, backend: str,
                    scale: Any) -> np.ndarray:
    """Full-space vectors from channel coordinates; the omega blocks are given as matrices (block size, m)."""
    parts = []
    for b in blocks:
        c = evaluate(coords[b], d, backend, scale)
        if b in ("omega_x", "omega_y"):
            parts.append(omega[b] * c)
        else:
            k = d.k1 if b == "gamma_x" else d.k2
            if k == 0:
                parts.append(zeros_like_backend((0, w.shape[1]), backend))
                continue
            parts.append(np.vstack([w * (c / _sqrt(k, backend))] * k))
    return np.vstack(parts)


def _present(expr: Any, d: Any, exact_scale: Any) -> bool:
    values = d.substitution() | {readout_scale: exact_scale}
    return sp.simplify(sp.sympify(expr).subs(values)) != 0


@lru_cache(maxsize=512)
def _readout_mode_vectors(d: Any, module: Module, backend: str, dps: int) -> tuple[ModeVectors, ...]:
    from theory.readout import FEATURE, READOUT_CHANNELS

    spec = derive_module_spectrum(module, READOUT_CHANNELS)
    W, Q = item_basis(d, backend)
    B = _cast(codes(d.n1), backend)
    root = _sqrt(d.P, backend)
    out = []
    for m in spec.modes:
        if m.channel == FEATURE:
            instances = [(name, exact, value, B.T @ V / root, {"omega_x": V, "omega_y": U})
                         for name, exact, value, V, U in readout_channels(d, backend)]
        else:  # the complement of the rows of B: no compositional coordinates
            size = Q.shape[1]
            instances = [(m.channel, sp.Integer(0), _scalar(0, backend), Q,
                          {"omega_x": zeros_like_backend((d.n1, size), backend),
                           "omega_y": zeros_like_backend((d.n2, size), backend)})]
        for name, exact, value, w, omega in instances:
            if w.shape[1] == 0 or not _present(m.singular_value, d, exact):
                continue
            inst = replace(m, name=module.mode_name(name), multiplicity=sp.Integer(w.shape[1]))
            V = _expand_general(m.right, module.inputs, d, w, omega, backend, value)
            U = _expand_general(m.left, module.outputs, d, w, omega, backend, value)
            out.append(ModeVectors(inst, evaluate(m.singular_value, d, backend, value),
                                   evaluate(m.eigenvalue, d, backend, value), U, V))
    return tuple(out)


#: Family name -> builder of the mode vectors of a module on a dataset of that family.
_MODE_VECTORS = {"selection": _mode_vectors, "readout": _readout_mode_vectors}
