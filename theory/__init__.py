"""Symbolic layer of modspec (sympy only): the dataset space and everything derived from it.

Public names are imported lazily, so that a module of the package imports only what it uses.
"""

from __future__ import annotations

from theory.lazy import lazy_exports

#: Public name -> the module defining it, imported on first use (PEP 562), so that importing
#: one module of the package does not import all of them.
_EXPORTS = {
    "ARCHITECTURES": "theory.architectures",
    "Architecture": "theory.architectures",
    "Module": "theory.architectures",
    "get_architecture": "theory.architectures",
    "MAX_K": "theory.dataset",
    "MAX_N1": "theory.dataset",
    "Dataset": "theory.dataset",
    "Derivation": "theory.derivation",
    "Step": "theory.derivation",
    "ModeDynamics": "theory.dynamics",
    "mode_dynamics": "theory.dynamics",
    "DepthDynamics": "theory.dynamics",
    "depth_dynamics": "theory.dynamics",
    "DEFAULT": "theory.examples",
    "DEGENERATE": "theory.examples",
    "EXAMPLES": "theory.examples",
    "Observables": "theory.observables",
    "derive_observables": "theory.observables",
    "DENSE_MODULE": "theory.spectrum",
    "Mode": "theory.spectrum",
    "ModuleSpectrum": "theory.spectrum",
    "derive_module_spectrum": "theory.spectrum",
    "SELECTION": "theory.dataset",
    "READOUT": "theory.readout",
    "Family": "theory.family",
    "Parameter": "theory.family",
    "ReadoutDataset": "theory.readout",
    "READOUT_EXAMPLES": "theory.examples",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
