"""Numeric layer of modspec: compiled closed forms, certificates, trajectories and the simulator.

Public names are imported lazily (a command that needs no simulator never imports scipy).
The package does not re-export ``simulate``: ``numeric.simulate`` is the module (a lazy name equal to
a submodule's would mean the function or the module depending on import order); the function is
``from numeric.simulate import simulate``.
"""

from __future__ import annotations

from theory.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
