"""Result records: what verification, trajectories and simulations return.

The CLI and the reports read these records and never recompute. Every record
has ``to_json()`` giving the documented JSON schema (numbers as floats, NaN as
null).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from theory.derivation import Derivation

__all__ = ["Certificate", "SimulationSummary", "TheoremResult", "VerifyReport", "json_float"]


def json_float(x: Any) -> float | None:
    """A float for JSON, or None for NaN/inf (JSON has no such numbers)."""
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Certificate:
    """Numeric certificate of one theorem over sampled datasets.

    ``max_residual`` is the largest relative residual of the defining
    equations over all samples; ``tolerance`` what it had to stay below.
    """

    samples: int
    dps: int
    max_residual: float
    tolerance: float
    datasets: tuple[dict, ...] = ()
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures and self.max_residual <= self.tolerance

    def to_json(self) -> dict:
        return {"samples": self.samples, "dps": self.dps, "max_residual": json_float(self.max_residual)}


@dataclass(frozen=True)
class SimulationSummary:
    """Gradient descent against the theory on sampled datasets, for one theorem.

    ``worst`` describes the check closest to its tolerance (largest
    deviation/tolerance); ``failures`` lists every check above its tolerance.
    """

    samples: int
    checks: int
    worst: str
    worst_deviation: float
    worst_tolerance: float
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict:
        return {"samples": self.samples, "checks": self.checks, "worst": self.worst,
                "worst_deviation": json_float(self.worst_deviation),
                "worst_tolerance": json_float(self.worst_tolerance)}


@dataclass(frozen=True)
class TheoremResult:
    """Outcome of verifying one theorem: symbolic proof and numeric certificate."""

    id: str
    name: str
    statement: str
    assumptions: tuple[str, ...]
    symbolic: bool
    symbolic_message: str
    derivation: Derivation
    certified: Certificate
    seconds: float = 0.0
    simulation: SimulationSummary | None = None

    @property
    def status(self) -> str:
        sim_ok = self.simulation is None or self.simulation.ok
        return "pass" if self.symbolic and self.certified.ok and sim_ok else "fail"

    def to_json(self) -> dict:
        return {
            "id": self.id, "name": self.name, "symbolic": self.symbolic,
            "certified": self.certified.to_json(),
            "simulation": None if self.simulation is None else self.simulation.to_json(),
            "status": self.status,
            "message": self.symbolic_message,
            "failures": list(self.certified.failures) + list(self.simulation.failures if self.simulation else ()),
        }


@dataclass(frozen=True)
class VerifyReport:
    """All theorem results of one ``modspec verify`` run."""

    theorems: tuple[TheoremResult, ...]
    seed: int
    samples: int
    dps: int
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(t.status == "pass" for t in self.theorems)

    def to_json(self) -> dict:
        return {"ok": self.ok, "seed": self.seed, "theorems": [t.to_json() for t in self.theorems]}
