"""Dataset families described as data: parameters, their domains, and how to build a dataset.

A :class:`Family` is a frozen description: an ordered tuple of
:class:`Parameter` values (name, kind, domain, help text), the derived sizes a
report prints, the dataset class it builds, and the channel specification of
its symbolic reduction (:mod:`theory.channels`). Validation, the command-line
flags, the report's parameter table and the sampler of ``verify`` are all
generated from this description; adding a family means writing one such
value and its dataset class, not editing those places.

Kinds are keys of :data:`KINDS` (``integer``, ``real``, ``indices``,
``matrix``); an unknown kind is refused with the valid ones listed. Bounds of
an ``integer`` may name an earlier parameter (``hi="n1"``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import sympy as sp

__all__ = ["Parameter", "Family", "KINDS", "as_rational_matrix"]


@dataclass(frozen=True)
class Parameter:
    """One parameter of a family.

    Attributes
    ----------
    name : str
        Attribute and command-line flag name (``--name``).
    kind : str
        A key of :data:`KINDS`: how the value is validated, parsed and drawn.
    help : str
        What the parameter means, in words.
    lo, hi : int or str, optional
        Bounds of an integer (inclusive); a string names an earlier parameter.
    why : str
        Reason for the bounds, quoted in error messages.
    sample : tuple, optional
        ``(lo, hi)`` that ``verify`` draws from; strings name earlier
        parameters or sampler options (``max_n1``, ``max_k``). None: not drawn
        (the default is used).
    optional : bool
        True when the parameter has a default derived from the others.
    """

    name: str
    kind: str
    help: str
    lo: int | str | None = None
    hi: int | str | None = None
    why: str = ""
    sample: tuple[int | str, int | str] | None = None
    optional: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {self.kind!r}")

    def bounds(self, known: dict[str, Any]) -> tuple[int | None, int | None]:
        """Numeric bounds, with names of earlier parameters resolved from ``known``."""
        return (known[self.lo] if isinstance(self.lo, str) else self.lo,
                known[self.hi] if isinstance(self.hi, str) else self.hi)

    def domain(self) -> str:
        """The allowed values, in words (for help texts and report tables)."""
        return KINDS[self.kind].describe(self)

    def check(self, value: Any, known: dict[str, Any]) -> Any:
        """Validated value; ``ValueError`` naming the parameter and its domain otherwise."""
        return KINDS[self.kind].check(self, value, known)


# ----------------------------------------------------------------------------- kinds
@dataclass(frozen=True)
class Kind:
    """How one kind of parameter is validated, described and read from a command line."""

    check: Callable[[Parameter, Any, dict], Any]
    describe: Callable[[Parameter], str]
    cli_type: Callable[[str], Any] = str


def _check_integer(p: Parameter, value: Any, known: dict) -> int:
    lo, hi = p.bounds(known)
    why = f" ({p.why})" if p.why else ""
    if isinstance(value, bool) or not isinstance(value, (int, sp.Integer)):
        raise ValueError(f"{p.name} must be an integer in [{lo}, {hi}]{why}; got {value!r}")
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{p.name} must be an integer in [{lo}, {hi}]{why}; got {value}")
    return value


def _describe_integer(p: Parameter) -> str:
    return f"integer in [{p.lo}, {p.hi}]"


def _check_real(p: Parameter, value: Any, known: dict) -> sp.Expr:
    from theory.dataset import as_exact_r  # the exact reading of a real number lives with the dataset

    return as_exact_r(value)


def _check_indices(p: Parameter, value: Any, known: dict) -> tuple[int, ...]:
    count, top = known[p.lo], known[p.hi]
    sel = tuple(range(count)) if value is None else tuple(value) if isinstance(value, (tuple, list)) else None
    if (
        sel is None
        or len(sel) != count
        or any(isinstance(j, bool) or not isinstance(j, int) for j in sel)
        or any(not 0 <= j < top for j in sel)
        or list(sel) != sorted(set(sel))
    ):
        raise ValueError(
            f"{p.name} must be {count} distinct increasing feature indices in [0, {top - 1}]; got {value!r}"
        )
    return sel


def _read_indices(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"indices must be comma-separated integers like 0,2; got {text!r}") from None


def _check_matrix(p: Parameter, value: Any, known: dict) -> tuple[tuple[sp.Rational, ...], ...]:
    cols = known[p.hi]
    return as_rational_matrix(value, p.name, cols=cols, max_rows=int(p.lo) if p.lo is not None else None)


#: Kind name -> validation, description and command-line reader.
KINDS: dict[str, Kind] = {
    "integer": Kind(_check_integer, _describe_integer, int),
    "real": Kind(_check_real, lambda p: "real >= 0, exact (0.1, 3/2, sqrt(2))"),
    "indices": Kind(_check_indices, lambda p: f"{p.lo} distinct increasing indices in [0, {p.hi} - 1]",
                    _read_indices),
    "matrix": Kind(_check_matrix, lambda p: f"rational matrix with {p.hi} columns (JSON rows or a file)"),
}


#: Entries accepted as rational: integers, p/q, decimals (no names, nothing sympify could execute).
_RATIONAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(\s*/\s*\d+)?\s*$")


def _rational_entry(x: Any, name: str) -> sp.Rational:
    if isinstance(x, bool):
        raise ValueError(f"{name} entries must be rational numbers; got {x!r}")
    if isinstance(x, (int, sp.Integer, sp.Rational)):
        return sp.Rational(x)
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"{name} entries must be finite rational numbers; got {x!r}")
        return sp.Rational(repr(x))  # the decimal it prints as, as for r
    if isinstance(x, str) and _RATIONAL.match(x):
        num, _, den = x.partition("/")
        value = sp.Rational(num.strip()) / (sp.Rational(den.strip()) if den else 1)
        if value.is_finite:
            return value
    raise ValueError(f"{name} entries must be rational numbers (integers, p/q or decimals); got {x!r}")


def as_rational_matrix(value: Any, name: str = "readout", *, cols: int | None = None,
                       max_rows: int | None = None) -> tuple[tuple[sp.Rational, ...], ...]:
    """Read a rational matrix: rows of numbers, a JSON string, or the path of a JSON file.

    Returns a tuple of rows of exact rationals. ``ValueError`` names ``name``
    and says what is wrong (not a matrix, ragged, wrong width, not rational).
    """
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            path = Path(text)
            if not path.is_file():
                raise ValueError(f"{name} must be a JSON matrix like [[1, 0], [0, 1/2]] or a JSON file; got {value!r}")
            text = path.read_text()
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"{name} must be a JSON list of rows of numbers; could not read {value!r}") from None
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or any(not isinstance(row, (list, tuple)) for row in value):
        raise ValueError(f"{name} must be a list of rows (n2 x n1); got {value!r}")
    rows = tuple(tuple(_rational_entry(x, name) for x in row) for row in value)
    want = cols if cols is not None else (len(rows[0]) if rows else 0)
    if any(len(row) != want for row in rows):
        raise ValueError(f"{name} must have shape n2 x n1 with n1 = {want} columns in every row; "
                         f"got row lengths {[len(row) for row in rows]}")
    if max_rows is not None and len(rows) > max_rows:
        raise ValueError(f"{name} must have at most {max_rows} rows (n2 <= {max_rows}); got {len(rows)}")
    return rows


# ----------------------------------------------------------------------------- family
@dataclass(frozen=True)
class Family:
    """A dataset family: its parameters, derived sizes, dataset class and channels.

    Attributes
    ----------
    name : str
        Short name (``selection``, ``readout``).
    title : str
        How a dataset of the family is written, e.g. ``D(n1, n2, k1, k2, r)``.
    parameters : tuple of Parameter
        In validation order (bounds may name earlier parameters).
    sizes : tuple of (label, meaning, attribute)
        Derived sizes for the report table (``("P = 2^n1", "number of items", "P")``).
    build : callable
        The dataset class; called with the parameters as keywords.
    channels : tuple, optional
        The :class:`theory.channels.ChannelSpec` values of its symbolic reduction.
    corners : callable, optional
        Returns ``((name, dataset), ...)``: the degenerate cases every sample includes.
    """

    name: str
    title: str
    parameters: tuple[Parameter, ...]
    sizes: tuple[tuple[str, str, str], ...]
    build: Callable[..., Any]
    channels: tuple = ()
    corners: Callable[[], tuple] = field(default=lambda: ())

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; ``ValueError`` lists the valid names."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise ValueError(f"parameter must be one of {', '.join(p.name for p in self.parameters)}; got {name!r}")

    def validate(self, values: dict[str, Any]) -> dict[str, Any]:
        """Check every parameter in order; returns the validated values (optional ones filled in)."""
        known: dict[str, Any] = {}
        for p in self.parameters:
            known[p.name] = p.check(values.get(p.name), known)
        return known

    def from_options(self, options: dict[str, Any]) -> Any:
        """Build a dataset from command-line options (``None`` = not given); missing ones are named."""
        missing = [p.name for p in self.parameters if not p.optional and options.get(p.name) is None]
        if missing:
            p = self.parameter(missing[0])
            raise ValueError(f"{p.name} is required for {self.title} ({p.domain()})")
        return self.build(**{p.name: options.get(p.name) for p in self.parameters})

    def table(self, dataset: Any, fmt: Callable[[Parameter, Any], str] = lambda p, v: str(v),
              ) -> tuple[tuple[str, str, str, str], ...]:
        """Rows (symbol, meaning, domain, chosen value) of the report's parameter table."""
        rows = tuple((p.name, p.help, p.domain(), fmt(p, getattr(dataset, p.name))) for p in self.parameters)
        return rows + tuple((label, meaning, "", str(getattr(dataset, attr))) for label, meaning, attr in self.sizes)
