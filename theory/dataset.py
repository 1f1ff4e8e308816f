"""The dataset space D(n1, n2, k1, k2, r) of THEORY.md section 1.

A :class:`Dataset` is a validated, immutable parameter set. It holds no
matrices: exact matrices are built by :mod:`theory.matrices`, numeric ones by
``numeric.matrices``. The scale ``r`` is stored exactly as a sympy number (a
float is read as the decimal it prints as, so ``0.1`` means ``1/10``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Any

import sympy as sp

__all__ = ["Dataset", "MAX_N1", "MAX_K", "BLOCKS_IN", "BLOCKS_OUT", "as_exact_r"]

#: Largest n1 accepted. P = 2**n1 items; at n1 = 10 and k = MAX_K the input
#: statistics Sx are 8202 x 8202 float64 (about 540 MB), the most a 24 GiB
#: machine handles comfortably alongside a batched simulation.
MAX_N1 = 10
#: Largest number of identity-block copies k1 or k2 (same memory reasoning).
MAX_K = 8

#: Names of the input blocks (compositional, non-compositional).
BLOCKS_IN = ("omega_x", "gamma_x")
#: Names of the output blocks (compositional, non-compositional).
BLOCKS_OUT = ("omega_y", "gamma_y")


def _check_int(name: str, value: Any, lo: int, hi: int, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, sp.Integer)):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}] ({why}); got {value!r}")
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}] ({why}); got {value}")
    return value


#: Strings accepted for r: numbers, fractions and square roots (nothing that sympify could execute).
_R_STRING = re.compile(r"^[0-9.eE+\-*/() ]*(sqrt[0-9.eE+\-*/() ]*)*$")


def as_exact_r(value: Any) -> sp.Expr:
    """Return ``value`` as an exact, finite, non-negative sympy real number.

    Accepts int, float (read as its shortest decimal), str, Fraction and sympy
    numbers or surds. Raises ``ValueError`` naming ``r`` otherwise.
    """
    if isinstance(value, bool):
        raise ValueError(f"r must be a finite real number >= 0; got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"r must be a finite real number >= 0; got {value!r}")
        exact: sp.Expr = sp.Rational(repr(value))
    elif isinstance(value, Fraction):
        exact = sp.Rational(value.numerator, value.denominator)
    elif isinstance(value, str) and not _R_STRING.match(value.strip()):
        raise ValueError(f"r must be a finite real number >= 0 (digits, '/', 'sqrt(...)'); got {value!r}")
    elif isinstance(value, (int, Real, str, sp.Basic)):
        try:
            exact = sp.nsimplify(sp.sympify(value), rational=True) if isinstance(value, str) else sp.sympify(value)
        except (sp.SympifyError, TypeError, ValueError) as err:
            raise ValueError(f"r must be a finite real number >= 0; got {value!r}") from err
        if isinstance(exact, sp.Float):
            exact = sp.Rational(str(exact))
    else:
        raise ValueError(f"r must be a finite real number >= 0; got {value!r}")
    if not (exact.is_number and exact.is_real and exact.is_finite) or exact.is_negative:
        raise ValueError(f"r must be a finite real number >= 0; got {value!r}")
    return exact


@dataclass(frozen=True)
class Dataset:
    """Parameters of one dataset D(n1, n2, k1, k2, r), validated on construction.

    Parameters
    ----------
    n1 : int
        Compositional input features, ``1 <= n1 <= MAX_N1``. There are
        ``P = 2**n1`` items, one per code in ``{-1, +1}**n1``.
    n2 : int
        Compositional output features, ``0 <= n2 <= n1``.
    k1, k2 : int
        Copies of the identity block in input and output, ``0 <= k <= MAX_K``.
    r : real
        Scale of the identity blocks, finite and ``>= 0``; stored exactly.
    selection : tuple of int, optional
        The code features (0-based, distinct, increasing) that the output
        selects; defaults to the first ``n2``.

    Examples
    --------
    >>> d = Dataset(3, 2, 1, 1, 1)
    >>> d.P, d.n_in, d.n_out
    (8, 11, 10)
    """

    n1: int
    n2: int
    k1: int
    k2: int
    r: Any
    selection: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        n1 = _check_int("n1", self.n1, 1, MAX_N1, "memory limit: P = 2**n1 items")
        n2 = _check_int("n2", self.n2, 0, n1, "at most n1")
        k1 = _check_int("k1", self.k1, 0, MAX_K, "memory limit")
        k2 = _check_int("k2", self.k2, 0, MAX_K, "memory limit")
        r = as_exact_r(self.r)
        sel = tuple(range(n2)) if self.selection is None else tuple(self.selection)
        if (
            len(sel) != n2
            or any(isinstance(j, bool) or not isinstance(j, int) for j in sel)
            or any(not 0 <= j < n1 for j in sel)
            or list(sel) != sorted(set(sel))
        ):
            raise ValueError(
                f"selection must be {n2} distinct increasing feature indices in [0, {n1 - 1}]; got {self.selection!r}"
            )
        for name, value in (("n1", n1), ("n2", n2), ("k1", k1), ("k2", k2), ("r", r), ("selection", sel)):
            object.__setattr__(self, name, value)

    @property
    def P(self) -> int:
        """Number of items, ``2**n1``."""
        return 2**self.n1

    @property
    def n_in(self) -> int:
        """Input dimension ``n1 + k1 P``."""
        return self.n1 + self.k1 * self.P

    @property
    def n_out(self) -> int:
        """Output dimension ``n2 + k2 P``."""
        return self.n2 + self.k2 * self.P

    @property
    def r_float(self) -> float:
        """``r`` as a float64."""
        return float(self.r)

    def block_slices(self) -> dict[str, slice]:
        """Row/column ranges of the four blocks in x (``omega_x``, ``gamma_x``) and y."""
        return {
            "omega_x": slice(0, self.n1),
            "gamma_x": slice(self.n1, self.n_in),
            "omega_y": slice(0, self.n2),
            "gamma_y": slice(self.n2, self.n_out),
        }

    def substitution(self) -> dict[sp.Symbol, Any]:
        """Map the symbols of :mod:`theory.symbols` to this dataset's values."""
        from theory import symbols as s

        return {s.n1: self.n1, s.n2: self.n2, s.k1: self.k1, s.k2: self.k2, s.r: self.r, s.P: self.P}

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly parameters (r as a float and as its exact string)."""
        return {
            "n1": self.n1, "n2": self.n2, "k1": self.k1, "k2": self.k2,
            "r": float(self.r), "r_exact": str(self.r), "selection": list(self.selection),
        }

    def is_degenerate(self) -> bool:
        """True when modes collapse: k1 = 0, k2 = 0, n2 = 0, n2 = n1 or r = 0."""
        return self.k1 == 0 or self.k2 == 0 or self.n2 == 0 or self.n2 == self.n1 or self.r == 0
