"""The claims for the general-readout family (docs/theory.md section 7), one module per theorem.

Each module follows the contract of :mod:`proofs.catalogue`; its ``THEOREM``
has ``family=READOUT``, so ``verify`` samples rational readouts (zero,
rank-deficient, repeated and irrational singular values, A = S).
"""

from __future__ import annotations

from proofs.claims.readout import (
    t1_spectrum, t2_eigenbasis, t4_block_norms, t5_dense_not_systematic, t6_split_same_map, t9_least_squares,
)

__all__ = ["READOUT_CATALOGUE"]

READOUT_CATALOGUE = tuple(m.THEOREM for m in (
    t1_spectrum, t2_eigenbasis, t4_block_norms, t5_dense_not_systematic, t6_split_same_map, t9_least_squares,
))
