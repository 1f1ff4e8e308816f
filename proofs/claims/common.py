"""What the claim modules share: assumption texts, the dataset symbols, and stated formulas at a depth."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from theory import symbols as s
from theory.dynamics import L_depth
from theory.examples import DEGENERATE

__all__ = ["GENERIC", "DEGENERATE_SAMPLES", "P", "n1", "n2", "k1", "k2", "r", "stated_at_depth"]

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r

#: The parameter range of every symbolic proof.
GENERIC = "symbolic proof for r > 0, k1, k2 >= 1 (P = 2**n1, 0 <= n2 <= n1)"
#: Certificates run on the degenerate datasets of theory.examples before random ones.
DEGENERATE_SAMPLES = "certified on samples that always include " + ", ".join(name for name, _ in DEGENERATE)


def stated_at_depth(stated: Mapping[str, sp.Expr], depth: int) -> dict[str, sp.Expr]:
    """The stated formulas of a depth-L restatement with the symbol ``L`` replaced by ``depth``."""
    return {k: sp.sympify(v).xreplace({L_depth: depth}) for k, v in stated.items()}
