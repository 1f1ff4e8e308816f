"""Theorems as data, verification, reports and the ``modspec`` CLI.

Reports (``proofs.report``) load matplotlib and are imported on demand.

Public names are imported lazily: ``import proofs.cli`` loads only what the command needs.
The package does not re-export ``verify``: ``proofs.verify`` is the module (a lazy name equal to a
submodule's would mean the function or the module depending on import order); the function is
``from proofs.verify import verify``.
"""

from __future__ import annotations

from theory.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
