"""Assemble a :class:`ReportDocument` from result records, without recomputing theory.

:func:`build_document` reads a :class:`~proofs.records.VerifyReport`, the
theory trajectory and the simulation of each architecture, and a sweep of
converged errors; it draws the figures and measures, for each theorem that
has a dynamical claim, the largest gap between simulation and theory
(:data:`COMPARISONS` says which quantities belong to which theorem).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence


from proofs.deviation import max_deviation
from proofs.records import VerifyReport
from proofs.report import figures as F
from proofs.report.document import Figure, ReportDocument, TheoremSection, format_number, format_value
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset

__all__ = ["Comparison", "COMPARISONS", "QUANTITIES", "max_deviation", "simulation_deviations", "build_document"]

#: Quantities a trajectory and a simulation both carry (dicts of arrays or arrays).
QUANTITIES = ("modes", "block_norms", "rho", "novel_error")
_ALL = tuple(ARCHITECTURES)


@dataclass(frozen=True)
class Comparison:
    """A simulation-against-theory comparison: one quantity over some architectures.

    ``final=True`` compares the last time point only (the converged value).
    """

    archs: tuple[str, ...]
    quantity: str
    final: bool = False

    def __post_init__(self) -> None:
        if self.quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {', '.join(QUANTITIES)}; got {self.quantity!r}")
        bad = [a for a in self.archs if a not in ARCHITECTURES]
        if bad or not self.archs:
            raise ValueError(f"archs must be a non-empty subset of {', '.join(ARCHITECTURES)}; got {self.archs!r}")

    def describe(self) -> str:
        """Words for the report: ``"novel_error of dense, split at convergence"``."""
        when = " at convergence" if self.final else " over training"
        return f"{self.quantity} of {', '.join(self.archs)}{when}"


#: Theorem id -> comparisons whose largest ``|simulation - theory|`` is its deviation.
#: Theorems without an entry (static spectral facts) have no simulation comparison.
COMPARISONS: dict[str, tuple[Comparison, ...]] = {
    "T3": (Comparison(_ALL, "modes"),),
    "T4": (Comparison(_ALL, "block_norms"),),
    "T5": (Comparison(("dense",), "rho"), Comparison(("dense",), "novel_error")),
    "T6": (Comparison(("split",), "modes"), Comparison(("split",), "rho"), Comparison(("split",), "novel_error")),
    "T7": (
        Comparison(("segregated",), "modes"), Comparison(("segregated",), "rho"),
        Comparison(("segregated",), "novel_error"),
    ),
    "T8": (Comparison(("dense", "split"), "modes"),),
    "T9": (Comparison(_ALL, "block_norms", final=True),),
}


def _pairs(traj: Any, sim: Any, quantity: str) -> list[tuple[Any, Any]]:
    """(theory, simulated) array pairs of one quantity; dict quantities by shared key."""
    th, si = getattr(traj, quantity), getattr(sim, quantity)
    if isinstance(th, Mapping):
        return [(th[k], si[k]) for k in th if k in si]
    return [(th, si)]


def simulation_deviations(
    trajectories: Mapping[str, Any],
    simulations: Mapping[str, Any],
    comparisons: Mapping[str, Sequence[Comparison]] | None = None,
    step_trajectories: Mapping[str, Any] | None = None,
) -> dict[str, float | None]:
    """Largest simulation-theory deviation per theorem id.

    Parameters
    ----------
    trajectories, simulations : mapping arch -> record
        Theory trajectories and simulations (see :mod:`proofs.report.figures`).
    comparisons : mapping theorem id -> comparisons, optional
        Defaults to :data:`COMPARISONS`.
    step_trajectories : mapping arch -> record, optional
        Theory trajectories at every step: mode strengths are then compared at
        every step (``step_t``, ``step_modes`` of the simulations), not only at
        the checkpoints.

    Returns
    -------
    dict
        Theorem id -> largest deviation (None if nothing was comparable).
        Architectures missing from either mapping are skipped.
    """
    table = COMPARISONS if comparisons is None else comparisons
    out: dict[str, float | None] = {}
    for tid, comps in table.items():
        gaps = []
        for comp in comps:
            for arch in comp.archs:
                if arch not in trajectories or arch not in simulations:
                    continue
                traj, sim = trajectories[arch], simulations[arch]
                t_sim = sim.t
                if comp.quantity == "modes" and step_trajectories is not None and hasattr(sim, "step_modes"):
                    traj, t_sim = step_trajectories[arch], sim.step_t
                    pairs = [(traj.modes[k], sim.step_modes[k]) for k in traj.modes if k in sim.step_modes]
                else:
                    pairs = _pairs(traj, sim, comp.quantity)
                for th, si in pairs:
                    gap = max_deviation(traj.t, th, t_sim, si, final=comp.final)
                    if gap is not None:
                        gaps.append(gap)
        out[tid] = max(gaps) if gaps else None
    return out


def _dataset_space(dataset: Dataset) -> tuple[tuple[str, str, str, str], ...]:
    """Rows (symbol, meaning, domain, chosen value) describing the dataset space, from its family."""
    def fmt(prm: Any, value: Any) -> str:
        if prm.kind == "real":
            return f"{value} ({float(value)!r})"
        return format_value(value) if isinstance(value, tuple) else str(value)

    return dataset.family.table(dataset, fmt)


def _check_archs(table: Mapping[str, Any], what: str) -> None:
    unknown = [a for a in table if a not in ARCHITECTURES]
    if unknown:
        raise ValueError(f"{what}: unknown architecture(s) {unknown}; valid: {', '.join(ARCHITECTURES)}")
    missing = [a for a in ARCHITECTURES if a not in table]
    if missing:
        raise ValueError(f"{what} must hold all of {', '.join(ARCHITECTURES)}; missing {', '.join(missing)}")


def _figures(
    trajectories: Mapping[str, Any], simulations: Mapping[str, Any], sweep: F.SweepData,
    announce: Callable[[str], None],
) -> tuple[Figure, ...]:
    specs: tuple[tuple[str, str, Callable[[], str]], ...] = (
        ("modes", "Mode strengths over training in the dense network: theory (dashed) against simulation "
         "(solid, mean over seeds; shaded: range over seeds).",
         lambda: F.mode_strengths_svg(trajectories["dense"], simulations["dense"], arch="dense")),
        ("block-norms", "Block norms over training in the dense and segregated networks: theory (dashed) "
         "against simulation (solid).",
         lambda: F.block_norms_svg(trajectories, simulations, archs=("dense", "segregated"))),
        ("progress", "Progress of the compositional block norm against the non-compositional one (each "
         "rescaled from its first to its last value) in the dense, shallow and split networks; above the "
         "diagonal, compositional structure is learned first.",
         lambda: F.progress_svg(trajectories, simulations, archs=("dense", "shallow", "split"))),
        ("systematicity", "Non-systematicity rho and novel-combination error over training for all four "
         "architectures: theory (dashed, one marker symbol per architecture) against simulation (solid). Dense, "
         "shallow and split share rho and the converged error (T6), so their curves overlap; the staggered "
         "markers keep each visible.",
         lambda: F.systematicity_svg(trajectories, simulations, archs=tuple(ARCHITECTURES))),
        ("sweep", "Converged novel-combination error against k1 r^2 / P over a sweep of datasets: "
         "simulation (markers) and theory (dashed).",
         lambda: F.sweep_svg(sweep)),
    )
    out = []
    for i, (name, caption, draw) in enumerate(specs, 1):
        announce(f"figure {i}/{len(specs)}: {name}")
        out.append(Figure(name, caption, draw()))
    return tuple(out)


def build_document(
    verify_report: VerifyReport,
    trajectories: Mapping[str, Any],
    simulations: Mapping[str, Any],
    sweep: F.SweepData,
    *,
    dataset: Dataset,
    settings: Mapping[str, Any],
    title: str = "modspec report",
    statements: Mapping[str, Any] | None = None,
    deviations: Mapping[str, float | None] | None = None,
    step_trajectories: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    notes: Sequence[str] = (),
) -> ReportDocument:
    """Assemble the report document from result records.

    Parameters
    ----------
    verify_report : VerifyReport
        What ``modspec verify`` returned for the dataset flags.
    trajectories : mapping arch -> Trajectory
        ``theory_trajectory`` of each of the four architectures.
    simulations : mapping arch -> SimulationResult
        ``simulate`` of each of the four architectures (same lr, steps).
    sweep : SweepData
        Converged novel-combination errors against ``k1 r^2 / P``.
    dataset : Dataset
        The dataset the records were computed for.
    settings : mapping str -> value
        Run settings to print (lr, steps, seeds, a0, init, ...), in order.
    title : str
        Report title.
    statements : mapping theorem id -> sympy object, optional
        Symbolic statements, printed as maths under each worded statement.
    deviations : mapping theorem id -> float or None, optional
        Precomputed simulation deviations (e.g. the numbers ``modspec
        simulate`` printed); defaults to :func:`simulation_deviations`.
    step_trajectories : mapping arch -> Trajectory, optional
        Theory at every step, so mode deviations are maxima over every step.
    progress : callable, optional
        Called with a short message before each step.
    notes : sequence of str
        Printed under the summary (e.g. that a run without steps has nothing to compare).

    Returns
    -------
    ReportDocument

    Raises
    ------
    ValueError
        If an architecture is missing or unknown, or a record is malformed.
    """
    announce = progress if progress is not None else (lambda _msg: None)
    if not isinstance(verify_report, VerifyReport):
        raise ValueError(f"verify_report must be a VerifyReport; got {type(verify_report).__name__}")
    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset must be a Dataset; got {type(dataset).__name__}")
    if not isinstance(sweep, F.SweepData):
        raise ValueError(f"sweep must be a SweepData; got {type(sweep).__name__}")
    _check_archs(trajectories, "trajectories")
    _check_archs(simulations, "simulations")
    statements = statements or {}

    announce("comparing simulation with theory")
    devs = (simulation_deviations(trajectories, simulations, step_trajectories=step_trajectories)
            if deviations is None else dict(deviations))
    sections = []
    for th in verify_report.theorems:
        comps = COMPARISONS.get(th.id, ())
        note = "; ".join(c.describe() for c in comps) if deviations is None else ""
        deviation, tolerance = devs.get(th.id), None
        if th.simulation is not None:  # verify's check has a derived tolerance: show it with its verdict
            s = th.simulation
            run = (f"; in this report's runs ({note}) the largest gap is {format_number(deviation)}, descriptive "
                   f"only (no tolerance is derived for these settings)") if note and deviation is not None else ""
            note = (f"verify's gradient-descent check on {s.samples} datasets ({s.checks} checks), worst: "
                    f"{s.worst}{run}")
            deviation, tolerance = s.worst_deviation, s.worst_tolerance
        sections.append(TheoremSection(
            id=th.id, name=th.name, statement=th.statement, statement_expr=statements.get(th.id),
            assumptions=th.assumptions, derivation=th.derivation, symbolic=th.symbolic,
            symbolic_message=th.symbolic_message, status=th.status, certificate=th.certified,
            deviation=deviation, deviation_note=note, tolerance=tolerance,
        ))
    parameters = tuple((str(k), format_value(v)) for k, v in settings.items()) + (
        ("verify seed", str(verify_report.seed)),
        ("verify samples", str(verify_report.samples)),
        ("verify digits", str(verify_report.dps)),
    )
    figs = _figures(trajectories, simulations, sweep, announce)
    return ReportDocument(
        title=title, dataset_space=_dataset_space(dataset), parameters=parameters,
        sections=tuple(sections), figures=figs, notes=tuple(notes),
    )
