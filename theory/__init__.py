"""Symbolic layer of modspec (sympy only): the dataset space and everything derived from it."""

from theory.architectures import ARCHITECTURES, Architecture, Module, get_architecture
from theory.dataset import MAX_K, MAX_N1, SELECTION, Dataset
from theory.derivation import Derivation, Step
from theory.dynamics import DepthDynamics, ModeDynamics, depth_dynamics, mode_dynamics
from theory.examples import DEFAULT, DEGENERATE, EXAMPLES, READOUT_EXAMPLES
from theory.family import Family, Parameter
from theory.observables import Observables, derive_observables
from theory.readout import READOUT, ReadoutDataset
from theory.spectrum import DENSE_MODULE, Mode, ModuleSpectrum, derive_module_spectrum

__all__ = [
    "ARCHITECTURES", "Architecture", "Module", "get_architecture", "MAX_K", "MAX_N1", "Dataset",
    "Derivation", "Step", "ModeDynamics", "mode_dynamics", "DepthDynamics", "depth_dynamics", "DEFAULT", "DEGENERATE", "EXAMPLES",
    "Observables", "derive_observables", "DENSE_MODULE", "Mode", "ModuleSpectrum", "derive_module_spectrum",
    "SELECTION", "READOUT", "Family", "Parameter", "ReadoutDataset", "READOUT_EXAMPLES",
]
