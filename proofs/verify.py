"""Verification: prove each theorem symbolically and certify it numerically."""

from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import sympy as sp

from numeric.certify import residual_tolerance, run_checks
from numeric.sampling import sample_datasets
from numeric import simcheck
from proofs.catalogue import CATALOGUE, find_theorem
from proofs.records import Certificate, SimulationSummary, TheoremResult, VerifyReport
from proofs.theorem import Comparison, Proof, Theorem
from theory.derivation import Derivation

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


def _raised(part: str, err: Exception) -> str:
    return f"{part} raised {type(err).__name__}: {err}"


def _ratio(c: simcheck.SimCheck) -> float:
    """Deviation as a fraction of its tolerance (inf for a non-zero deviation of an exact check)."""
    if c.tolerance > 0:
        return c.deviation / c.tolerance
    return 0.0 if c.deviation == 0 else float("inf")


def _simulation_summary(theorem: Theorem, seed: int) -> SimulationSummary | None:
    """Gradient descent against the theory on SIM_SAMPLES feasible datasets; None for non-training claims.

    A simulation that raises, or that measures nothing, is a failure.
    """
    if theorem.simulate is None:
        return None
    try:
        datasets = sample_datasets(SIM_SAMPLES, seed, max_n1=3, max_k=2, family=theorem.family,
                                   applies=lambda d: theorem.applies(d) and simcheck.feasible(d))
        checks = [c for d in datasets for c in theorem.run_simulation(d)]
    except Exception as err:  # reported as a failed check, never lost
        return SimulationSummary(0, 0, "simulation", math.nan, math.nan, (_raised("simulation", err),))
    if not checks:
        return SimulationSummary(len(datasets), 0, "no checks", math.nan, math.nan, ("simulation made no checks",))
    worst = max(checks, key=_ratio)
    failures = tuple(
        f"{c.what} on {c.dataset.as_dict()}: deviation {c.deviation:.3g} > tolerance {c.tolerance:.3g}"
        for c in checks if not c.ok
    )
    return SimulationSummary(len(datasets), len(checks), worst.what, worst.deviation, worst.tolerance, failures)


def _certificate(theorem: Theorem, samples: int, dps: int, seed: int) -> Certificate:
    """Residuals of ``theorem`` on ``samples`` datasets at ``dps`` digits; raising or checking nothing fails."""
    tol = residual_tolerance(dps)
    try:
        datasets = sample_datasets(samples, seed, applies=theorem.applies, family=theorem.family)
        checks = run_checks(theorem.run_certificate, datasets, dps)
    except Exception as err:  # reported as a failed check, never lost
        return Certificate(0, dps, math.nan, tol, (), (_raised("certificate", err),))
    worst = max((c.residual for c in checks), default=math.nan)
    failures = tuple(
        f"{c.what} on {c.dataset.as_dict()}: residual {c.residual:.3g} > {tol:.0e}" for c in checks if not c.residual <= tol
    )
    if not checks:
        failures = ("certificate made no checks",)
    return Certificate(len(datasets), dps, worst, tol, tuple(d.as_dict() for d in datasets), failures)


def _proof(theorem: Theorem) -> Proof:
    """The symbolic proof; one that raises is a failed proof whose single comparison names the error."""
    try:
        return theorem.run_proof()
    except Exception as err:  # reported as a failed proof, never lost
        zero = sp.Integer(0)
        return Proof((Comparison(_raised("proof", err), zero, zero, False),), Derivation(theorem.name))


def verify_theorem(
    theorem: Theorem, *, samples: int = 20, dps: int = 50, seed: int = 0, simulate: bool = True,
) -> TheoremResult:
    """Prove ``theorem`` symbolically, certify it on ``samples`` datasets, and simulate it.

    ``theorem`` may be any :class:`~proofs.theorem.Theorem`, in the catalogue
    or not. The simulation check (training claims only) runs gradient descent
    on a few small datasets; ``simulate=False`` skips it. A part that raises
    is recorded as a failure of that part (status ``fail``), not propagated.
    """
    _check_options(samples, dps, seed)
    if not isinstance(theorem, Theorem):
        raise ValueError(f"theorem must be a proofs.theorem.Theorem; got {type(theorem).__name__}")
    start = time.perf_counter()
    proof = _proof(theorem)
    certificate = _certificate(theorem, samples, dps, seed)
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
    if not catalogue or not all(isinstance(t, Theorem) for t in catalogue):
        raise ValueError(f"catalogue must be a non-empty sequence of Theorem; got {catalogue!r:.80}")
    theorems = catalogue if not theorem_ids else tuple(find_theorem(i, catalogue) for i in theorem_ids)
    results = []
    for i, th in enumerate(theorems):
        if progress:
            progress(i, len(theorems), th.id)
        results.append(verify_theorem(th, samples=samples, dps=dps, seed=seed, simulate=simulate))
    if progress:
        progress(len(theorems), len(theorems), "done")
    return VerifyReport(tuple(results), seed, samples, dps)
