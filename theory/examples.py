"""Canonical small datasets shared by the tests, the docs and the CLI."""

from __future__ import annotations

from fractions import Fraction

from theory.dataset import Dataset

__all__ = ["DEFAULT", "DEGENERATE", "EXAMPLES", "READOUT_EXAMPLES"]

#: The report's default dataset: 8 items, two of three features selected, one identity copy each side.
DEFAULT = Dataset(3, 2, 1, 1, 1)

#: One dataset per degenerate case of docs/theory.md section 2, each collapsing modes.
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


def _readout_examples():
    from theory.readout import ReadoutDataset  # the readout family builds on this module's datasets

    return (
        ("A = S", ReadoutDataset(3, 1, 1, 1, [[1, 0, 0], [0, 1, 0]])),
        ("zero readout", ReadoutDataset(3, 1, 1, 1, [[0, 0, 0]])),
        ("no outputs", ReadoutDataset(2, 1, 1, 1, [])),
        ("rank deficient", ReadoutDataset(3, 2, 1, "1/2", [[1, 2, 0], [2, 4, 0]])),
        ("distinct irrational s", ReadoutDataset(2, 1, 2, 1, [[1, 1], [0, 2]])),
        ("repeated s", ReadoutDataset(3, 1, 1, "sqrt(2)", [[0, 2, 0], [0, 0, -2], [2, 0, 0]])),
        ("k2 = 0", ReadoutDataset(2, 1, 0, 1, [["1/2", 1]])),
        ("r = 0", ReadoutDataset(2, 1, 1, 0, [[1, 3], [-1, 1]])),
    )


#: Canonical readout datasets (docs/theory.md section 7): the selection as A = S, zero and
#: rank-deficient readouts, distinct irrational and repeated singular values, k2 = 0, r = 0.
READOUT_EXAMPLES = _readout_examples()
