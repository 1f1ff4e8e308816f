"""What the claim modules share: assumption texts and the dataset symbols."""

from __future__ import annotations

from theory import symbols as s
from theory.examples import DEGENERATE

__all__ = ["GENERIC", "DEGENERATE_SAMPLES", "P", "n1", "n2", "k1", "k2", "r"]

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r

#: The parameter range of every symbolic proof.
GENERIC = "symbolic proof for r > 0, k1, k2 >= 1 (P = 2**n1, 0 <= n2 <= n1)"
#: Certificates run on the degenerate datasets of theory.examples before random ones.
DEGENERATE_SAMPLES = "certified on samples that always include " + ", ".join(name for name, _ in DEGENERATE)
