"""The dataset space D(n1, n2, k1, k2, r) of docs/theory.md section 1.

A :class:`Dataset` is a validated, immutable parameter set. It holds no
matrices: exact matrices are built by :mod:`theory.matrices`, numeric ones by
``numeric.matrices``. The scale ``r`` is stored exactly as a sympy number (a
float is read as the decimal it prints as, so ``0.1`` means ``1/10``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from theory.channels import SELECTION_CHANNELS
from theory.exact_r import exact_r
from theory.family import Family, Parameter

__all__ = ["Dataset", "DatasetSizes", "MAX_N1", "MAX_K", "BLOCKS_IN", "BLOCKS_OUT", "as_exact_r", "SELECTION", "check_train"]

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


def as_exact_r(value: Any) -> sp.Expr:
    """Return ``value`` as an exact, finite, non-negative sympy real number.

    Accepts int, float (read as its shortest decimal), str, Fraction and sympy
    numbers or surds, within the size limits of :mod:`theory.exact_r`.
    Raises ``ValueError`` naming ``r`` otherwise, before any expensive work.
    """
    return exact_r(value)


class DatasetSizes:
    """Sizes every dataset of the (n1, k1, k2, r) families shares, derived from its parameters.

    A mixin for the frozen dataset dataclasses (selection and readout): they
    provide ``n1``, ``n2``, ``k1``, ``k2`` and ``r``; these follow from them.
    """

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


@dataclass(frozen=True)
class Dataset(DatasetSizes):
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
    train : tuple of int, optional
        The training items (claim T10): distinct item indices in
        ``[0, P - 1]``, stored sorted; default all P items. Statistics and
        least-squares maps are then means over these items only, and the
        other items are held out.

    Item order
    ----------
    Item ``i`` (``0 <= i < P``) carries the ``i``-th code of
    ``itertools.product((-1, 1), repeat=n1)``: write i in binary with n1
    digits, most significant first, and read 0 as -1 and 1 as +1
    (``n1 = 3``: item 0 is (-1, -1, -1), item 1 is (-1, -1, 1), item 6 is
    (1, 1, -1)). This is the column order of B, X and Y everywhere.

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
    train: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        values = SELECTION.validate({name: getattr(self, name) for name in _FIELDS})
        for name, value in values.items():
            object.__setattr__(self, name, value)
        if self.train is not None:
            object.__setattr__(self, "train", check_train(self.train, 2 ** values["n1"]))

    @property
    def train_items(self) -> tuple[int, ...]:
        """Indices of the training items (all P items unless ``train`` is set)."""
        return tuple(range(self.P)) if self.train is None else self.train

    @property
    def heldout_items(self) -> tuple[int, ...]:
        """Indices of the items not trained on (empty unless ``train`` is set)."""
        kept = set(self.train_items)
        return tuple(i for i in range(self.P) if i not in kept)

    @property
    def n_train(self) -> int:
        """Number of training items j (the denominator of the training statistics)."""
        return len(self.train_items)

    @property
    def family(self) -> Family:
        """The family this dataset belongs to (its description drives validation, CLI and reports)."""
        return SELECTION

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

    def readout_rows(self) -> tuple[tuple[sp.Rational, ...], ...]:
        """The compositional readout R (n2 x n1) with ``Y_Omega = R B``: here the selection matrix S."""
        return tuple(tuple(sp.Integer(int(j == i)) for j in range(self.n1)) for i in self.selection)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly parameters (r as a float and as its exact string; ``train`` only when set)."""
        out = {
            "n1": self.n1, "n2": self.n2, "k1": self.k1, "k2": self.k2,
            "r": float(self.r), "r_exact": str(self.r), "selection": list(self.selection),
        }
        if self.train is not None:
            out["train"] = list(self.train)
        return out

    def is_degenerate(self) -> bool:
        """True when modes collapse: k1 = 0, k2 = 0, n2 = 0, n2 = n1 or r = 0."""
        return self.k1 == 0 or self.k2 == 0 or self.n2 == 0 or self.n2 == self.n1 or self.r == 0


_FIELDS = ("n1", "n2", "k1", "k2", "r", "selection")


def check_train(train: Any, P: int, *, min_size: int = 1, why: str = "") -> tuple[int, ...]:
    """Validate training item indices: distinct integers in ``[0, P - 1]``, at least ``min_size`` of them.

    Returns them sorted. ``why`` says which claim needs ``min_size`` items.
    """
    need = f"at least {min_size} distinct item indices in [0, {P - 1}]" + (f" ({why})" if why else "")
    try:
        items = list(train)
    except TypeError:
        raise ValueError(f"train must be {need}; got {train!r}") from None
    if any(isinstance(i, bool) or not isinstance(i, (int, sp.Integer)) for i in items):
        raise ValueError(f"train must be {need}; got {train!r}")
    items = [int(i) for i in items]
    if len(items) < min_size or any(not 0 <= i < P for i in items) or len(set(items)) != len(items):
        raise ValueError(f"train must be {need}; got {train!r}")
    return tuple(sorted(items))

#: The parameters shared by every family built on the code matrix B and identity blocks.
N1 = Parameter("n1", "integer", "compositional input features (P = 2**n1 items)", 1, MAX_N1,
               "memory limit: P = 2**n1 items", sample=(1, "max_n1"))
K1 = Parameter("k1", "integer", "copies of the identity block in the input", 0, MAX_K, "memory limit",
               sample=(1, "max_k"))
K2 = Parameter("k2", "integer", "copies of the identity block in the output", 0, MAX_K, "memory limit",
               sample=(1, "max_k"))
#: r is drawn as p/q with p in [1, 24] (q in [1, 8]) or as a surd sqrt(m)/q (see numeric.sampling).
R_SCALE = Parameter("r", "real", "scale of the identity blocks", sample=(1, 24))

def _selection_corners() -> tuple[tuple[str, Dataset], ...]:
    from theory.examples import DEGENERATE  # examples are built from this module

    return DEGENERATE


#: The selection family D(n1, n2, k1, k2, r) of docs/theory.md section 1; S selects n2 code features.
SELECTION = Family(
    name="selection",
    title="D(n1, n2, k1, k2, r)",
    parameters=(
        N1,
        Parameter("n2", "integer", "compositional output features", 0, "n1", "at most n1", sample=(0, "n1")),
        K1, K2, R_SCALE,
        Parameter("selection", "indices", "code features the output selects (default: the first n2)", "n2", "n1",
                  optional=True),
    ),
    sizes=(("P = 2^n1", "number of items", "P"), ("n1 + k1 P", "input size", "n_in"),
           ("n2 + k2 P", "output size", "n_out")),
    build=Dataset,
    channels=SELECTION_CHANNELS,
    corners=_selection_corners,
)
