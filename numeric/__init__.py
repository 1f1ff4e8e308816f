"""Numeric layer of modspec: compiled closed forms, certificates, trajectories and the simulator.

Public names are imported lazily (a command that needs no simulator never imports scipy).
The package does not re-export ``simulate``: ``numeric.simulate`` is the module (a lazy name equal to
a submodule's would mean the function or the module depending on import order); the function is
``from numeric.simulate import simulate``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Public name -> the module defining it, imported on first use (PEP 562), so that importing
#: one module of the package does not import all of them.
_EXPORTS = {
    "BACKENDS": "numeric.backends",
    "Compiled": "numeric.backends",
    "compile_expr": "numeric.backends",
    "Statistics": "numeric.matrices",
    "mode_vectors": "numeric.matrices",
    "statistics": "numeric.matrices",
    "DivergenceError": "numeric.simulate",
    "SimulationResult": "numeric.simulate",
    "simulate_batch": "numeric.simulate",
    "Trajectory": "numeric.trajectory",
    "half_times": "numeric.trajectory",
    "theory_trajectory": "numeric.trajectory",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
