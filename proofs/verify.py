"""Verification: prove each theorem symbolically and certify it numerically."""

from __future__ import annotations

import time
from typing import Callable, Sequence

from numeric.certify import residual_tolerance, run_checks
from numeric.sampling import sample_datasets
from numeric import simcheck
from proofs.catalogue import CATALOGUE, find_theorem
from proofs.records import Certificate, SimulationSummary, TheoremResult, VerifyReport
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


#: Datasets on which each training claim is simulated (the degenerate ones, when
#: they satisfy the claim, plus generic ones up to this count).
SIM_SAMPLES = 6


def _simulation_summary(theorem: Theorem, seed: int) -> SimulationSummary | None:
    if theorem.simulate is None:
        return None
    datasets = sample_datasets(SIM_SAMPLES, seed, max_n1=3, max_k=2,
                               applies=lambda d: theorem.applies(d) and simcheck.feasible(d))
    checks = [c for d in datasets for c in theorem.run_simulation(d)]

    def ratio(c: simcheck.SimCheck) -> float:
        if c.tolerance > 0:
            return c.deviation / c.tolerance
        return 0.0 if c.deviation == 0 else float("inf")

    worst = max(checks, key=ratio)
    failures = tuple(
        f"{c.what} on {c.dataset.as_dict()}: deviation {c.deviation:.3g} > tolerance {c.tolerance:.3g}"
        for c in checks if not c.ok
    )
    return SimulationSummary(len(datasets), len(checks), worst.what, worst.deviation, worst.tolerance, failures)


def verify_theorem(
    theorem: Theorem, *, samples: int = 20, dps: int = 50, seed: int = 0, simulate: bool = True,
) -> TheoremResult:
    """Prove ``theorem`` symbolically, certify it on ``samples`` datasets, and simulate it.

    The simulation check (training claims only) runs gradient descent on a few
    small datasets; ``simulate=False`` skips it.
    """
    _check_options(samples, dps, seed)
    start = time.perf_counter()
    proof = theorem.run_proof()
    datasets = sample_datasets(samples, seed, applies=theorem.applies)
    checks = run_checks(theorem.run_certificate, datasets, dps)
    tol = residual_tolerance(dps)
    worst = max((c.residual for c in checks), default=0.0)
    failures = tuple(
        f"{c.what} on {c.dataset.as_dict()}: residual {c.residual:.3g} > {tol:.0e}" for c in checks if not c.residual <= tol
    )
    certificate = Certificate(len(datasets), dps, worst, tol, tuple(d.as_dict() for d in datasets), failures)
    sim = _simulation_summary(theorem, seed) if simulate else None
    return TheoremResult(
        theorem.id, theorem.name, theorem.statement, theorem.assumptions, proof.holds, proof.message,
        proof.derivation, certificate, time.perf_counter() - start, sim,
    )


def verify(
    theorem_ids: Sequence[str] | None = None, *, samples: int = 20, dps: int = 50, seed: int = 0,
    simulate: bool = True, progress: Callable[[int, int, str], None] | None = None,
    catalogue: Sequence[Theorem] = CATALOGUE,
) -> VerifyReport:
    """Verify the selected theorems of ``catalogue`` (all by default) and return the report record."""
    _check_options(samples, dps, seed)
    catalogue = tuple(catalogue)
    theorems = catalogue if not theorem_ids else tuple(find_theorem(i, catalogue) for i in theorem_ids)
    results = []
    for i, th in enumerate(theorems):
        if progress:
            progress(i, len(theorems), th.id)
        results.append(verify_theorem(th, samples=samples, dps=dps, seed=seed, simulate=simulate))
    if progress:
        progress(len(theorems), len(theorems), "done")
    return VerifyReport(tuple(results), seed, samples, dps)
