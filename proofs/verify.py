"""Verification: prove each theorem symbolically and certify it numerically."""

from __future__ import annotations

import time
from typing import Callable, Sequence

from numeric.certify import residual_tolerance, run_checks
from numeric.sampling import sample_datasets
from proofs.catalogue import CATALOGUE, get_theorem
from proofs.records import Certificate, TheoremResult, VerifyReport
from proofs.theorem import Theorem

__all__ = ["verify", "verify_theorem", "MIN_DPS", "MAX_DPS"]

#: Certificates below 30 digits would not separate rounding from error.
MIN_DPS = 30
#: Above this, mpmath arithmetic gets slow for little gain.
MAX_DPS = 1000


def _check_options(samples: int, dps: int, seed: int) -> None:
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 10_000:
        raise ValueError(f"samples must be an integer in [1, 10000]; got {samples!r}")
    if isinstance(dps, bool) or not isinstance(dps, int) or not MIN_DPS <= dps <= MAX_DPS:
        raise ValueError(f"dps must be an integer in [{MIN_DPS}, {MAX_DPS}]; got {dps!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}")


def verify_theorem(theorem: Theorem, *, samples: int = 20, dps: int = 50, seed: int = 0) -> TheoremResult:
    """Prove ``theorem`` symbolically and certify it on ``samples`` datasets."""
    _check_options(samples, dps, seed)
    start = time.perf_counter()
    proof = theorem.prove()
    datasets = sample_datasets(samples, seed, applies=theorem.applies)
    checks = run_checks(theorem.certify, datasets, dps)
    tol = residual_tolerance(dps)
    worst = max((c.residual for c in checks), default=0.0)
    failures = tuple(
        f"{c.what} on {c.dataset.as_dict()}: residual {c.residual:.3g} > {tol:.0e}" for c in checks if not c.residual <= tol
    )
    certificate = Certificate(len(datasets), dps, worst, tol, tuple(d.as_dict() for d in datasets), failures)
    return TheoremResult(
        theorem.id, theorem.name, theorem.statement, theorem.assumptions, proof.holds, proof.message,
        proof.derivation, certificate, time.perf_counter() - start,
    )


def verify(
    theorem_ids: Sequence[str] | None = None, *, samples: int = 20, dps: int = 50, seed: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
) -> VerifyReport:
    """Verify the selected theorems (all by default) and return the report record."""
    _check_options(samples, dps, seed)
    theorems = CATALOGUE if not theorem_ids else tuple(get_theorem(i) for i in theorem_ids)
    results = []
    for i, th in enumerate(theorems):
        if progress:
            progress(i, len(theorems), th.id)
        results.append(verify_theorem(th, samples=samples, dps=dps, seed=seed))
    if progress:
        progress(len(theorems), len(theorems), "done")
    return VerifyReport(tuple(results), seed, samples, dps)
