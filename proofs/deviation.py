"""Deviation of simulated series from the theory: one definition for the CLI and the reports."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["max_deviation"]


def max_deviation(t_theory: Any, theory: Any, t_sim: Any, simulated: Any, *, final: bool = False) -> float | None:
    """Largest ``|simulated - theory|`` over the batch and time.

    Parameters
    ----------
    t_theory : array, shape (n,)
        Times of the theory values.
    theory : array, shape (n,)
        Theory values (NaN where undefined: those points are skipped).
    t_sim : array, shape (m,)
        Times of the simulated values. When it differs from ``t_theory``
        the theory is interpolated linearly onto it; it must lie inside the
        theory's time range.
    simulated : array, shape (batch, m) or (m,)
        Simulated values.
    final : bool
        Compare the last time point only.

    Returns
    -------
    float or None
        The largest absolute deviation, or None when no point is comparable.
    """
    tt, th = np.asarray(t_theory, dtype=float), np.asarray(theory, dtype=float)
    ts, sim = np.asarray(t_sim, dtype=float), np.asarray(simulated, dtype=float)
    sim = sim[None, :] if sim.ndim == 1 else sim
    if tt.ndim != 1 or th.shape != tt.shape:
        raise ValueError(f"theory values {th.shape} must match theory times {tt.shape} (n,)")
    if ts.ndim != 1 or sim.ndim != 2 or sim.shape[1] != ts.size:
        raise ValueError(f"simulated values {sim.shape} must be (batch, {ts.size}) to match simulation times")
    if ts.shape != tt.shape or not np.array_equal(ts, tt):
        if ts.size and (ts.min() < tt.min() or ts.max() > tt.max()):
            raise ValueError(
                f"simulation times [{ts.min()}, {ts.max()}] lie outside theory times [{tt.min()}, {tt.max()}]"
            )
        th = np.interp(ts, tt, th)
    gap = np.abs(sim - th[None, :])
    if final:
        gap = gap[:, -1:]
    gap = gap[np.isfinite(gap)]
    return float(gap.max()) if gap.size else None
