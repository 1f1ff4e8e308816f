"""The general-readout family (docs/theory.md section 7): compositional outputs ``Y_Omega = A B``.

A :class:`ReadoutDataset` replaces the selection S of
:class:`theory.dataset.Dataset` by any rational matrix A (n2 x n1). Rotating
the code features by A's right singular vectors keeps ``B B^T = P I``, so
the reduction of :mod:`theory.channels` applies with one feature channel per
singular value s of A (``A v = s u``; s = 0 for the kernel of A) plus the
complement of the rows of B. Everything symbolic is derived once for a
generic feature channel with readout scale ``s`` (:data:`READOUT_CHANNELS`);
a concrete dataset instantiates it at A's singular values.

Singular values are exact: the eigenvalues of the rational matrix ``A^T A``
are the roots of its characteristic polynomial, factored over the rationals
(each irreducible factor's roots are simple, as rationals, radicals or
``CRootOf``), with multiplicity the factor's exponent (``A^T A`` is
symmetric, so algebraic and geometric multiplicities agree); the kernel's
dimension is cross-checked against the exact rank of A. Nothing is rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp

from theory import symbols as s
from theory.channels import SELECTION_CHANNELS, ChannelSpec, readout_scale
from theory.dataset import K1, K2, MAX_N1, N1, R_SCALE, DatasetSizes
from theory.family import Family, Parameter
from theory.determinism import deterministic

__all__ = [
    "ReadoutDataset", "READOUT", "READOUT_CHANNELS", "FEATURE", "SingularValue", "readout_singular_values",
    "MAX_ROWS", "feature_multiplicity",
]

#: Largest number of compositional outputs (rows of A): the output stays small next to k2 P.
MAX_ROWS = 2 * MAX_N1
#: Multiplicity of one feature channel (how many right singular vectors share its singular value).
feature_multiplicity = sp.Symbol("m", integer=True, nonnegative=True)
#: The generic feature channel's name; concrete modes are named ``s1, s2, ...`` (decreasing s) and ``s0`` (kernel).
FEATURE = "s"

#: A generic feature channel (A v = s u) and the complement of the rows of B.
READOUT_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(FEATURE, "w = B^T v / sqrt(P), v a right singular vector of A (A v = s u)", "feature",
                readout_scale, multiplicity=feature_multiplicity),
    SELECTION_CHANNELS[2],
)


@dataclass(frozen=True)
class SingularValue:
    """One distinct singular value of A: ``value = sqrt(square)``, exact, with its multiplicity."""

    value: sp.Expr
    square: sp.Expr
    multiplicity: int


@cache
@deterministic
def readout_singular_values(rows: tuple[tuple[sp.Rational, ...], ...], n1: int) -> tuple[SingularValue, ...]:
    """Distinct singular values of A (n2 x n1), decreasing, zero last (when A has a kernel).

    The multiplicities add up to n1 (the right singular vectors span R^n1).
    """
    A = sp.Matrix(len(rows), n1, [x for row in rows for x in row]) if rows else sp.zeros(0, n1)
    G = A.T * A if rows else sp.zeros(n1, n1)
    _, factors = G.charpoly(sp.Symbol("lambda")).factor_list()
    out = []
    for f, e in factors:
        for root in f.all_roots():
            out.append(SingularValue(sp.sqrt(root) if root != 0 else sp.Integer(0), root, int(e)))
    zero = sum(v.multiplicity for v in out if v.square == 0)
    if zero != n1 - A.rank():
        raise AssertionError(f"kernel of A has dimension {n1 - A.rank()}, but eigenvalue 0 of A^T A counts {zero}")
    if sum(v.multiplicity for v in out) != n1:
        raise AssertionError("singular value multiplicities do not add up to n1")
    return tuple(sorted(out, key=lambda v: -sp.N(v.square, 30)))


@dataclass(frozen=True)
class ReadoutDataset(DatasetSizes):
    """A dataset with compositional outputs ``A b_i`` for a rational readout A (n2 x n1).

    Parameters
    ----------
    n1, k1, k2, r :
        As in :class:`theory.dataset.Dataset`.
    readout : rows of rationals, JSON text or a JSON file path
        The matrix A, shape (n2, n1) with ``0 <= n2 <= MAX_ROWS``; stored as
        a tuple of rows of sympy Rationals.

    Examples
    --------
    >>> d = ReadoutDataset(2, 1, 1, 1, [[1, 1], [0, 2]])
    >>> d.n2, d.P, d.n_out
    (2, 4, 6)
    """

    n1: int
    k1: int
    k2: int
    r: Any
    readout: Any

    def __post_init__(self) -> None:
        values = READOUT.validate({name: getattr(self, name) for name in ("n1", "k1", "k2", "r", "readout")})
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def family(self) -> Family:
        """The readout family (its description drives validation, CLI and reports)."""
        return READOUT

    @property
    def n2(self) -> int:
        """Compositional outputs: the rows of A."""
        return len(self.readout)

    def matrix(self) -> sp.Matrix:
        """A as an exact sympy matrix (n2 x n1)."""
        return sp.Matrix(self.n2, self.n1, [x for row in self.readout for x in row]) if self.n2 else sp.zeros(0, self.n1)

    def readout_rows(self) -> tuple[tuple[sp.Rational, ...], ...]:
        """The compositional readout R = A (n2 x n1) with ``Y_Omega = A B``."""
        return self.readout

    def singular_values(self) -> tuple[SingularValue, ...]:
        """A's distinct singular values, exact, decreasing (0 last when A has a kernel)."""
        return readout_singular_values(self.readout, self.n1)

    def block_slices(self) -> dict[str, slice]:
        """Row/column ranges of the four blocks in x (``omega_x``, ``gamma_x``) and y."""
        return {"omega_x": slice(0, self.n1), "gamma_x": slice(self.n1, self.n_in),
                "omega_y": slice(0, self.n2), "gamma_y": slice(self.n2, self.n_out)}

    def substitution(self) -> dict[sp.Symbol, Any]:
        """Map the symbols of :mod:`theory.symbols` to this dataset's values (s stays free: one per channel)."""
        return {s.n1: self.n1, s.n2: self.n2, s.k1: self.k1, s.k2: self.k2, s.r: self.r, s.P: self.P}

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly parameters (r as a float and exactly; A's entries as exact strings)."""
        return {"n1": self.n1, "n2": self.n2, "k1": self.k1, "k2": self.k2, "r": float(self.r),
                "r_exact": str(self.r), "readout": [[str(x) for x in row] for row in self.readout]}


def _readout_corners() -> tuple[tuple[str, ReadoutDataset], ...]:
    from theory.examples import READOUT_EXAMPLES

    return READOUT_EXAMPLES


#: The general-readout family of docs/theory.md section 7.
READOUT = Family(
    name="readout",
    title="D(n1, k1, k2, r; A)",
    parameters=(
        N1, K1, K2, R_SCALE,
        Parameter("readout", "matrix", "compositional readout A, Y_Omega = A B (n2 = rows of A)", MAX_ROWS, "n1",
                  sample=(0, "n1")),
    ),
    sizes=(("n2", "compositional outputs (rows of A)", "n2"), ("P = 2^n1", "number of items", "P"),
           ("n1 + k1 P", "input size", "n_in"), ("n2 + k2 P", "output size", "n_out")),
    build=ReadoutDataset,
    channels=READOUT_CHANNELS,
    corners=_readout_corners,
)
