"""Theorems as data, verification, reports and the ``modspec`` CLI.

Reports (``proofs.report``) load matplotlib and are imported on demand.
"""

from proofs.catalogue import CATALOGUE, get_theorem
from proofs.records import Certificate, SimulationSummary, TheoremResult, VerifyReport
from proofs.simulation import SimulationReport, simulation_report
from proofs.spectrum import SpectrumReport, spectrum_report
from proofs.theorem import Proof, Theorem
from proofs.verify import verify, verify_theorem

__all__ = [
    "CATALOGUE", "get_theorem", "Certificate", "SimulationSummary", "TheoremResult", "VerifyReport",
    "SimulationReport", "simulation_report", "SpectrumReport", "spectrum_report", "Proof", "Theorem",
    "verify", "verify_theorem",
]
