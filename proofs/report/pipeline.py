"""One call from flags to a written report: produce the records, build, write.

:func:`make_report` is what ``modspec report`` calls. It runs verification,
the closed-form trajectories and the simulations of all four architectures
and a sweep over ``r``, then hands the records to
:func:`~proofs.report.build_document` and :func:`~proofs.report.write_report`.
Nothing is written unless every step succeeds.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import sympy as sp

from numeric.trajectory import check_training_args
from proofs.limits import check_checkpoints, check_out_dir, check_seeds, check_stable_lr
from proofs.report.assemble import build_document
from proofs.report.figures import SweepData
from proofs.report.heldout import heldout_section
from proofs.report.write import DEFAULT_FORMATS, parse_formats, write_report
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset

__all__ = ["SWEEP_X", "sweep_datasets", "make_report"]

#: Default sweep points of ``k1 r**2 / P`` (r is chosen to hit each one).
SWEEP_X = (0.0625, 0.125, 0.25, 0.5, 1.0, 2.0)


def sweep_datasets(dataset: Dataset, xs: Sequence[float] = SWEEP_X) -> tuple[Dataset, ...]:
    """Datasets like ``dataset`` with ``r`` set so that ``k1 r**2 / P`` takes each value of ``xs``.

    Raises
    ------
    ValueError
        If ``k1 = 0`` (then ``k1 r**2 / P`` is 0 for every r) or a value is not > 0.
    """
    if dataset.k1 == 0:
        raise ValueError("the novel-error sweep needs k1 >= 1 (k1 r^2 / P is 0 for every r when k1 = 0)")
    if not xs or any(not np.isfinite(x) or x <= 0 for x in xs):
        raise ValueError(f"sweep values of k1 r^2 / P must be finite and > 0; got {tuple(xs)!r}")
    return tuple(
        Dataset(dataset.n1, dataset.n2, dataset.k1, dataset.k2,
                sp.sqrt(sp.nsimplify(x) * dataset.P / dataset.k1), dataset.selection)
        for x in xs
    )


def _novel_error_sweep(
    dataset: Dataset, sweep_sets: Sequence[Dataset], *, lr: float, steps: int, a0: float, init: str,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The sweep figure's data from the sweep engine (``examples/novel_error.toml``'s spec), run in this process.

    Returns ``x = k1 r^2 / P`` (one per sweep dataset) and, per architecture,
    the simulated and the theory's converged novel-combination error at each x.
    """
    from proofs.sweep import run_sweep_records
    from proofs.sweep.paper import novel_error_spec

    spec = novel_error_spec(dataset, [d.r for d in sweep_sets], lr=lr, steps=steps, a0=a0, init=init)
    _, rows = run_sweep_records(spec)  # in this process; a failing point raises its own error
    at = {(row["params"]["arch"], row["params"]["r"]): row["result"] for row in rows}
    rs = [str(d.r) for d in sweep_sets]
    x = np.array([d.k1 * float(d.r) ** 2 / d.P for d in sweep_sets])
    simulated = {arch: np.array([at[arch, r]["novel_error"] for r in rs], dtype=float) for arch in ARCHITECTURES}
    theory = {arch: np.array([at[arch, r]["novel_error_converged"] for r in rs], dtype=float)
              for arch in ARCHITECTURES}
    return x, simulated, theory


def theorem_statements() -> dict[str, tuple]:
    """Each catalogue theorem's stated formulas as equations ``name = formula``, one displayed line each."""
    from proofs.catalogue import CATALOGUE

    return {t.id: tuple(sp.Eq(sp.Symbol(name), sp.sympify(expr), evaluate=False) for name, expr in t.stated.items())
            for t in CATALOGUE}


def make_report(
    out_dir: str | os.PathLike[str],
    dataset: Dataset,
    *,
    lr: float,
    steps: int,
    seeds: int | Sequence[int] = (0,),
    a0: float = 1e-3,
    init: str = "spectral",
    every: int | None = None,
    samples: int = 20,
    dps: int = 50,
    seed: int = 0,
    sweep_x: Sequence[float] = SWEEP_X,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    title: str = "modspec report",
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Verify, compute trajectories and simulations, and write the report.

    Every option is validated first (destination, formats, seeds, training
    options and output size as in :mod:`proofs.limits`, and ``lr`` below the
    stability bound of every architecture on every dataset of the report), so
    bad options fail in milliseconds with a ``ValueError`` naming them.

    Parameters
    ----------
    out_dir : path
        Destination directory (see :func:`~proofs.report.write_report`).
    dataset : Dataset
        The dataset of the trajectories and simulations.
    lr, steps, seeds, a0, init : training options
        As for ``numeric.simulate.simulate`` (``a0`` and ``lr`` also for the
        theory trajectories).
    every : int, optional
        Checkpoint spacing; default ``max(1, steps // 200)``.
    samples, dps, seed : verification options
        As for ``proofs.verify.verify``.
    sweep_x : sequence of float
        Points of ``k1 r**2 / P`` for the converged-error sweep; each sweep
        network trains for ``steps`` steps.
    formats : str or iterable of str
        Any of html, md, tex.
    title : str
        Report title.
    progress : callable, optional
        Called with a short message before each step.

    Returns
    -------
    list of Path
        The files written.
    """
    from numeric.simulate import simulate
    from numeric.trajectory import theory_trajectory
    from proofs.verify import verify

    # every option is checked before any work (verification alone takes seconds)
    check_out_dir(out_dir)
    fmts = parse_formats(formats)
    seed_list = (seeds,) if isinstance(seeds, int) else tuple(seeds)  # an int is one seed, as for simulate
    if not seed_list:
        raise ValueError("seeds must be a non-empty sequence of integers >= 0; got ()")
    check_seeds(len(seed_list))
    every = max(1, steps // 200) if every is None and isinstance(steps, int) else every
    check_training_args(lr, a0, steps, every)
    check_checkpoints(steps, every, len(seed_list))
    sweep_sets = sweep_datasets(dataset, sweep_x)
    for d in (dataset, *sweep_sets):
        for arch in ARCHITECTURES:
            check_stable_lr(d, arch, lr, a0=a0)
    announce = progress if progress is not None else (lambda _msg: None)
    seeds = seed_list

    announce("verifying theorems")
    report = verify(samples=samples, dps=dps, seed=seed)
    trajectories: dict[str, Any] = {}
    step_trajectories: dict[str, Any] = {}  # mode strengths are compared at every step
    simulations: dict[str, Any] = {}
    for arch in ARCHITECTURES:
        announce(f"theory trajectory: {arch}")
        trajectories[arch] = theory_trajectory(dataset, arch, lr=lr, a0=a0, steps=steps, every=every)
        step_trajectories[arch] = theory_trajectory(dataset, arch, lr=lr, a0=a0, steps=steps, every=1)
        announce(f"simulation: {arch}")
        simulations[arch] = simulate(dataset, arch, lr=lr, steps=steps, seeds=seeds, init=init, a0=a0, every=every)

    announce("sweep: novel-combination error of every architecture")
    x, simulated, theory = _novel_error_sweep(dataset, sweep_sets, lr=lr, steps=steps, a0=a0, init=init)

    settings = {"lr": lr, "steps": steps, "every": every, "seeds": seeds, "init": init, "a0": a0,
                "sweep k1 r^2 / P": tuple(sweep_x)}  # the requested points, not floats recomputed from r
    notes = () if steps > 0 else (
        "No training steps (steps = 0): the figures and this report's own simulation comparisons have "
        "nothing to show; the verdicts rest on the symbolic proofs, the certificates and verify's own "
        "gradient-descent checks.",)
    doc = build_document(
        report, trajectories, simulations, SweepData(x, simulated, theory),
        dataset=dataset, settings=settings, title=title, step_trajectories=step_trajectories, progress=announce,
        statements=theorem_statements(), notes=notes,
    )
    heldout, heldout_figure = heldout_section(dataset, seed=seed, progress=announce)
    doc = dataclasses.replace(doc, extra_sections=doc.extra_sections + (heldout,),
                              figures=doc.figures + (heldout_figure,))
    return write_report(out_dir, doc, fmts, progress=announce)
