"""The paper's sweeps as specs, built for any dataset (the report uses them; ``examples/`` holds the defaults).

``examples/novel_error.toml`` is :func:`novel_error_spec` on the report's
default dataset and sweep points (a test keeps the two equal), so the
report's figure and the command line sweep run the same tasks.
"""

from __future__ import annotations

from typing import Any, Sequence

from proofs.sweep.spec import SweepSpec, parse_spec
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset

__all__ = ["novel_error_spec"]


def novel_error_spec(
    dataset: Dataset, rs: Sequence[Any], *, lr: float, steps: int, a0: float = 1e-3, init: str = "spectral",
    archs: Sequence[str] = tuple(ARCHITECTURES),
) -> SweepSpec:
    """Converged novel-combination error and rho of every architecture over the scales ``rs``.

    One ``simulate`` task per (architecture, r) on ``dataset`` with ``r``
    replaced: gradient descent for ``steps`` steps (one seed) next to the
    theory's converged values; plot against ``k1_r2_over_P``.
    """
    if dataset.selection != tuple(range(dataset.n2)):
        raise ValueError(f"the sweep tasks select the first n2 features; got selection {dataset.selection}")
    grid: dict[str, Any] = {"arch": list(archs), "n1": dataset.n1, "n2": dataset.n2, "k1": dataset.k1,
                            "k2": dataset.k2, "r": [str(r) for r in rs], "lr": float(lr), "a0": float(a0),
                            "steps": int(steps), "init": init}
    return parse_spec({"task": "simulate",
                       "description": "converged novel-combination error and rho against k1 r^2 / P, "
                                      "four architectures",
                       "grid": grid})
