"""Theorems as data, verification, reports and the ``modspec`` CLI.

Reports (``proofs.report``) load matplotlib and are imported on demand.

Public names are imported lazily: ``import proofs.cli`` loads only what the command needs.
The package does not re-export ``verify``: ``proofs.verify`` is the module (a lazy name equal to a
submodule's would mean the function or the module depending on import order); the function is
``from proofs.verify import verify``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Public name -> the module defining it, imported on first use (PEP 562), so that importing
#: one module of the package does not import all of them.
_EXPORTS = {
    "CATALOGUE": "proofs.catalogue",
    "get_theorem": "proofs.catalogue",
    "Certificate": "proofs.records",
    "SimulationSummary": "proofs.records",
    "TheoremResult": "proofs.records",
    "VerifyReport": "proofs.records",
    "SimulationReport": "proofs.simulation",
    "simulation_report": "proofs.simulation",
    "SpectrumReport": "proofs.spectrum",
    "spectrum_report": "proofs.spectrum",
    "Proof": "proofs.theorem",
    "Theorem": "proofs.theorem",
    "verify_theorem": "proofs.verify",
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
