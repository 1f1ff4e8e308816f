"""Canonical small datasets shared by the tests, the docs and the CLI."""

from __future__ import annotations

from fractions import Fraction

from theory.dataset import Dataset

__all__ = ["DEFAULT", "DEGENERATE", "EXAMPLES"]

#: The report's default dataset: 8 items, two of three features selected, one identity copy each side.
DEFAULT = Dataset(3, 2, 1, 1, 1)

#: One dataset per degenerate case of THEORY.md section 2, each collapsing modes.
DEGENERATE: tuple[tuple[str, Dataset], ...] = (
    ("k1 = 0", Dataset(3, 1, 0, 2, 1)),
    ("k2 = 0", Dataset(3, 1, 2, 0, 1)),
    ("n2 = 0", Dataset(3, 0, 1, 1, Fraction(3, 2))),
    ("n2 = n1", Dataset(2, 2, 1, 2, Fraction(1, 2))),
    ("r = 0", Dataset(3, 2, 1, 1, 0)),
    ("n1 = 1", Dataset(1, 1, 1, 1, 1)),
)

#: Named examples: the default, the degenerate cases, and a surd scale.
EXAMPLES: dict[str, Dataset] = {
    "default": DEFAULT,
    **{name: d for name, d in DEGENERATE},
    "surd r": Dataset(3, 1, 2, 1, "sqrt(2)"),
}
