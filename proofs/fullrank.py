"""Claim T11 as a record: exact probabilities (or labelled estimates) for ``modspec fullrank``.

:func:`fullrank_report` answers "what is the probability that j random
distinct codes span R^n1 (or hold n2 selected axes)?" for one j or all j,
exactly by the lattice count of :mod:`theory.fullrank` within its range and,
on request, by the Monte Carlo estimate of :mod:`numeric.fullrank`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from numeric.fullrank import MAX_ESTIMATE_N1, Estimate, estimate_probability
from theory.fullrank import MAX_EXACT_N1, axes_probability, check_fullrank_args

__all__ = ["FullrankRow", "FullrankReport", "fullrank_report", "EXACT_METHOD", "ESTIMATE_METHOD", "MAX_ESTIMATE_JS"]

EXACT_METHOD = "exact: Moebius inversion over the lattice of code-spanned subspaces"
ESTIMATE_METHOD = ("estimate: Monte Carlo, exact ranks mod a prime (2^31-1 for n1 <= 15, 2^61-1 at n1 = 16), "
                   "95% Wilson interval")
#: Most values of j an estimate covers when --j is not given (each costs `samples` draws).
MAX_ESTIMATE_JS = 64


@dataclass(frozen=True)
class FullrankRow:
    """One j: the exact probability (None outside the exact range) and/or an estimate."""

    j: int
    exact: Fraction | None
    estimate: Estimate | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"j": self.j}
        if self.exact is not None:
            out.update(exact=str(self.exact), decimal=float(self.exact),
                       method=EXACT_METHOD)
        if self.estimate is not None:
            e = self.estimate
            out["estimate"] = {"value": e.value, "low": e.low, "high": e.high, "successes": e.successes,
                               "samples": e.samples, "seed": e.seed, "confidence": e.confidence,
                               "method": ESTIMATE_METHOD}
        return out


@dataclass(frozen=True)
class FullrankReport:
    """Probabilities for one (n1, n2) over the requested j."""

    n1: int
    n2: int
    rows: tuple[FullrankRow, ...]

    @property
    def question(self) -> str:
        if self.n2 == self.n1:
            return f"P(j distinct random codes of {{-1,1}}^{self.n1} span R^{self.n1})"
        return f"P(the first {self.n2} coordinate axes lie in the span of j distinct random codes of {{-1,1}}^{self.n1})"

    def to_json(self) -> dict[str, Any]:
        return {"n1": self.n1, "n2": self.n2, "question": self.question, "rows": [r.to_json() for r in self.rows]}


def fullrank_report(n1: Any, n2: Any = None, j: Any = None, *, estimate: bool = False, samples: int = 10_000,
                    seed: int = 0) -> FullrankReport:
    """T11 for one j (or every j = 1..P): exact, and with ``estimate=True`` also (or only) Monte Carlo.

    Exact answers need ``n1 <= MAX_EXACT_N1``; beyond it, ``estimate=False``
    raises ``ValueError`` with the reason and the suggestion to estimate.
    """
    limit = MAX_ESTIMATE_N1 if estimate else MAX_EXACT_N1
    n1, n2, j = check_fullrank_args(n1, n2, j, max_n1=limit)
    js = [j] if j is not None else list(range(1, 2**n1 + 1))
    if estimate and len(js) > MAX_ESTIMATE_JS:
        raise ValueError(f"j must be given for an estimate at n1 = {n1} (P = {2**n1} values of j, at most "
                         f"{MAX_ESTIMATE_JS} are estimated at once)")
    exact = n1 <= MAX_EXACT_N1
    rows = tuple(
        FullrankRow(i, axes_probability(n1, n2, i) if exact else None,
                    estimate_probability(n1, i, n2, samples=samples, seed=seed) if estimate else None)
        for i in js
    )
    return FullrankReport(n1, n2, rows)
