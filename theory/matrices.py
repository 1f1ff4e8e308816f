"""Exact (sympy) matrices of a concrete dataset: X, Y, Sx, Syx.

Items are ordered as ``itertools.product((-1, 1), repeat=n1)``, the same
order as ``numeric.matrices``. Exact arithmetic is for small datasets
(n1 <= 4 or so): the matrices are dense.
"""

from __future__ import annotations

import itertools

import sympy as sp

from theory.dataset import Dataset

__all__ = ["exact_codes", "exact_data_matrices", "exact_item_matrices", "exact_statistics"]


def exact_codes(n1: int) -> sp.Matrix:
    """Code matrix B (n1 x 2**n1), every code in {-1, 1}^n1 once, as columns."""
    return sp.Matrix(list(itertools.product((-1, 1), repeat=n1))).T


def exact_data_matrices(d: Dataset) -> tuple[sp.Matrix, sp.Matrix]:
    """``(X, Y)`` of the training items: shapes (n1 + k1 P, j) and (n2 + k2 P, j), j = d.n_train (P by default)."""
    X, Y = exact_item_matrices(d)
    cols = list(getattr(d, "train_items", range(d.P)))  # families without a training subset train on all items
    return X.extract(list(range(X.rows)), cols), Y.extract(list(range(Y.rows)), cols)


def exact_item_matrices(d: Dataset) -> tuple[sp.Matrix, sp.Matrix]:
    """``(X, Y)`` of all P items, training or held out: shapes (n1 + k1 P, P) and (n2 + k2 P, P)."""
    B = exact_codes(d.n1)
    eye = d.r * sp.eye(d.P)
    S = sp.Matrix(d.readout_rows()) * B if d.n2 else sp.zeros(0, d.P)  # Y_Omega = R B (R = S or A)
    X = sp.Matrix.vstack(B, *([eye] * d.k1))
    Y = sp.Matrix.vstack(S, *([eye] * d.k2)) if d.n2 + d.k2 else sp.zeros(0, d.P)
    return X, Y


def exact_statistics(d: Dataset) -> tuple[sp.Matrix, sp.Matrix]:
    """``(Sx, Syx) = (X X^T / j, Y X^T / j)`` over the j training items (all P by default), exactly."""
    X, Y = exact_data_matrices(d)
    return X * X.T / X.cols, Y * X.T / X.cols
