"""Numeric layer of modspec: compiled closed forms, certificates, trajectories and the simulator."""

from numeric.backends import BACKENDS, Compiled, compile_expr
from numeric.matrices import Statistics, mode_vectors, statistics
from numeric.simulate import DivergenceError, SimulationResult, simulate, simulate_batch
from numeric.trajectory import Trajectory, half_times, theory_trajectory

__all__ = [
    "BACKENDS", "Compiled", "compile_expr", "Statistics", "mode_vectors", "statistics", "DivergenceError",
    "SimulationResult", "simulate", "simulate_batch", "Trajectory", "half_times", "theory_trajectory",
]
