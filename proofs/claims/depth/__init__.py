"""Claims restated for modules of L layers (docs/theory.md section 8), one module per restated claim.

Each module provides ``RESTATES`` (the id of the two-layer claim in
:mod:`proofs.catalogue`) and ``at_depth(depth) -> Theorem``, the claim with
the same id restated for ``depth`` layers; it may reuse the two-layer
module's statement and checks, which know nothing of depth. Adding depth
to modspec added these modules and touched no two-layer claim module.
"""

from __future__ import annotations

from proofs.claims.depth import t3_dynamics, t5_dense_not_systematic, t8_compositional_first, t9_least_squares

__all__ = ["DEPTH_MODULES"]

DEPTH_MODULES = (t3_dynamics, t5_dense_not_systematic, t8_compositional_first, t9_least_squares)
