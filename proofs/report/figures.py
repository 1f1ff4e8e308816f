"""Report figures: pure functions from trajectory/simulation records to SVG text.

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot,
no global figure state) and returns a bare ``<svg>`` element: no XML
declaration, no DOCTYPE, no metadata, text drawn as paths (so the figure looks
the same without fonts), and every ``id`` prefixed with the figure's name so
several figures can be inlined in one HTML page. Output is deterministic for
a given matplotlib version (fixed ``svg.hashsalt``, no date).

Records are read by attribute (duck typing): a *trajectory* has ``t`` (n,),
``modes`` {name: (n,)}, ``block_norms`` {"OO", "GO", "OG", "GG": (n,)},
``rho`` (n,) and ``novel_error`` (n,); a *simulation* has the same fields
with a leading batch axis, (batch, n), except ``t`` (n,).

Convention in every figure: theory dashed, simulation solid (mean over the
batch, with the batch range shaded when there is more than one run).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "TrajectoryLike", "SimulationLike", "SweepData", "ARCH_COLORS", "BLOCK_NAMES",
    "figure_to_svg", "mode_strengths_svg", "block_norms_svg", "progress_svg",
    "systematicity_svg", "sweep_svg",
]

#: Fixed salt for matplotlib's SVG ids, so figures are byte-for-byte reproducible.
SVG_HASHSALT = "modspec-report"
#: The four blocks of a learned map, in docs/theory.md section 4 order.
BLOCK_NAMES = ("OO", "GO", "OG", "GG")
#: One colour per architecture, shared by every figure.
ARCH_COLORS = {"dense": "#1f77b4", "shallow": "#ff7f0e", "split": "#2ca02c", "segregated": "#d62728"}
#: Marker per architecture on theory curves, placed at staggered positions, so that curves the
#: theory says coincide (dense, shallow and split share rho and the converged error) stay distinguishable.
ARCH_MARKERS = {"dense": "o", "shallow": "s", "split": "^", "segregated": "x"}
_BLOCK_COLORS = dict(zip(BLOCK_NAMES, ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")))
_CYCLE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_RC = {"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}


class TrajectoryLike(Protocol):
    """Fields of ``numeric.trajectory.Trajectory`` that figures read."""

    t: Any
    modes: Mapping[str, Any]
    block_norms: Mapping[str, Any]
    rho: Any
    novel_error: Any


class SimulationLike(Protocol):
    """Fields of ``numeric.simulate.SimulationResult`` that figures read."""

    t: Any
    modes: Mapping[str, Any]
    block_norms: Mapping[str, Any]
    rho: Any
    novel_error: Any


@dataclass(frozen=True)
class SweepData:
    """Converged novel-combination error over a sweep of datasets.

    Parameters
    ----------
    x : array, shape (m,)
        The sweep variable ``k1 r**2 / P`` of each dataset.
    simulated : mapping arch -> array, shape (m,)
        Converged novel-combination error measured by simulation.
    theory : mapping arch -> array, shape (m,), optional
        The theory's converged novel-combination error at the same points.
    """

    x: Any
    simulated: Mapping[str, Any]
    theory: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        if x.ndim != 1 or x.size == 0:
            raise ValueError(f"sweep x must be a non-empty 1-d array; got shape {x.shape}")
        for label, table in (("simulated", self.simulated), ("theory", self.theory)):
            for arch, values in table.items():
                if np.shape(values) != x.shape:
                    raise ValueError(
                        f"sweep {label}[{arch!r}] must have the shape of x {x.shape}; got {np.shape(values)}"
                    )
        if not self.simulated:
            raise ValueError("sweep simulated must hold at least one architecture")


# --------------------------------------------------------------------------- svg


def _prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every ``id`` in ``svg`` (and every reference to it) with ``prefix-``."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg

    def sub_id(m: re.Match[str]) -> str:
        return f'{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}'

    svg = re.sub(r'(\bid=")([^"]+)(")', sub_id, svg)
    svg = re.sub(r'(href="#)([^"]+)(")', lambda m: sub_id(m) if m.group(2) in ids else m.group(0), svg)
    return re.sub(r'(url\(#)([^)]+)(\))', lambda m: sub_id(m) if m.group(2) in ids else m.group(0), svg)


def figure_to_svg(fig: Figure, name: str) -> str:
    """Render ``fig`` to a bare, deterministic ``<svg>`` element.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (not registered with pyplot).
    name : str
        Figure name, used to prefix every id in the SVG.

    Returns
    -------
    str
        SVG text starting with ``<svg``: no XML declaration, DOCTYPE or
        metadata, so it can be inlined in HTML or written to a file.
    """
    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    start = text.index("<svg")
    return _prefix_ids(text[start:].strip() + "\n", name)


def _new_figure(ncols: int = 1, width: float = 6.4, height: float = 3.6) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def _vec(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-d (n,); got shape {arr.shape}")
    return arr


def _batch(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{what} must be (batch, n); got shape {arr.shape}")
    return arr


def _arch_marks(arch: str) -> dict:
    """Marker style of one architecture: its own symbol, at positions staggered by architecture."""
    i = list(ARCH_MARKERS).index(arch) if arch in ARCH_MARKERS else 0
    return {"marker": ARCH_MARKERS.get(arch, "d"), "markevery": (0.03 + 0.045 * i, 0.18), "markersize": 5,
            "markerfacecolor": "none"}


def _plot_theory(ax: Axes, t: Any, y: Any, color: str, label: str | None, what: str, arch: str | None = None) -> None:
    t, y = _vec(t, f"{what} t"), _vec(y, what)
    if t.shape != y.shape:
        raise ValueError(f"{what}: t has shape {t.shape} but values have {y.shape}")
    ax.plot(t, y, linestyle="--", color=color, linewidth=1.4, label=label, **(_arch_marks(arch) if arch else {}))


def _plot_simulation(ax: Axes, t: Any, y: Any, color: str, label: str | None, what: str) -> None:
    t, y = _vec(t, f"{what} t"), _batch(y, what)
    if y.shape[1] != t.size:
        raise ValueError(f"{what}: t has {t.size} points but values have shape {y.shape}")
    finite = np.isfinite(y)
    count = finite.sum(axis=0)
    safe = np.where(finite, y, 0.0)
    mean = np.divide(safe.sum(axis=0), count, out=np.full(t.shape, np.nan), where=count > 0)
    ax.plot(t, mean, linestyle="-", color=color, linewidth=1.0, alpha=0.9, label=label)
    if y.shape[0] > 1:
        lo = np.where(count > 0, np.where(finite, y, np.inf).min(axis=0), np.nan)
        hi = np.where(count > 0, np.where(finite, y, -np.inf).max(axis=0), np.nan)
        ax.fill_between(t, lo, hi, color=color, alpha=0.15, linewidth=0)


def _style_legend_lines(ax: Axes) -> None:
    """Add two grey legend entries explaining dashed = theory, solid = simulation."""
    ax.plot([], [], linestyle="--", color="0.4", label="theory")
    ax.plot([], [], linestyle="-", color="0.4", label="simulation")


def _mode_label(name: str) -> str:
    m = re.fullmatch(r"(?:(\w+):)?pi(\d+)", name)
    if m is None:
        return name
    prefix = f"{m.group(1)} " if m.group(1) else ""
    return f"{prefix}$a_{{{m.group(2)}}}$"


def _require(table: Mapping[str, Any], archs: Sequence[str], what: str) -> None:
    missing = [a for a in archs if a not in table]
    if missing:
        raise ValueError(f"{what} needs records for {', '.join(archs)}; missing {', '.join(missing)}")


# ----------------------------------------------------------------------- figures


def mode_strengths_svg(theory: TrajectoryLike, simulation: SimulationLike | None = None, *, arch: str = "dense") -> str:
    """Mode strengths ``a(t)`` over training, theory (dashed) against simulation (solid).

    Parameters
    ----------
    theory : trajectory record
        ``t`` (n,) and ``modes`` {name: (n,)}.
    simulation : simulation record, optional
        ``t`` (n,) and ``modes`` {name: (batch, n)}; only modes also in
        ``theory`` are drawn.
    arch : str
        Architecture name for the title.

    Returns
    -------
    str
        SVG text.
    """
    fig, (ax,) = _new_figure()
    names = list(theory.modes)
    if not names:
        raise ValueError("mode strengths figure: the theory trajectory has no modes")
    for i, name in enumerate(names):
        color = _CYCLE[i % len(_CYCLE)]
        _plot_theory(ax, theory.t, theory.modes[name], color, _mode_label(name), f"theory mode {name}")
        if simulation is not None and name in simulation.modes:
            _plot_simulation(ax, simulation.t, simulation.modes[name], color, None, f"simulated mode {name}")
    _style_legend_lines(ax)
    ax.set_xlabel("step t")
    ax.set_ylabel("mode strength a(t)")
    ax.set_title(f"Mode strengths, {arch} network")
    ax.legend(loc="best", fontsize=8)
    return figure_to_svg(fig, "modes")


def block_norms_svg(
    theory: Mapping[str, TrajectoryLike],
    simulation: Mapping[str, SimulationLike] | None = None,
    *,
    archs: Sequence[str] = ("dense", "segregated"),
) -> str:
    """Block norms ``||W_OO||, ||W_GO||, ||W_OG||, ||W_GG||`` over training, one panel per architecture.

    Parameters
    ----------
    theory : mapping arch -> trajectory record
        ``t`` (n,) and ``block_norms`` {block: (n,)}.
    simulation : mapping arch -> simulation record, optional
        ``t`` (n,) and ``block_norms`` {block: (batch, n)}.
    archs : sequence of str
        The architectures to draw, in panel order.

    Returns
    -------
    str
        SVG text.
    """
    _require(theory, archs, "block norms figure")
    simulation = simulation or {}
    fig, axes = _new_figure(ncols=len(archs), width=3.4 * len(archs) + 0.4)
    for ax, arch in zip(axes, archs):
        for block in BLOCK_NAMES:
            color = _BLOCK_COLORS[block]
            label = f"$\\|W_{{{block}}}\\|$"
            _plot_theory(ax, theory[arch].t, theory[arch].block_norms[block], color, label, f"{arch} {block}")
            sim = simulation.get(arch)
            if sim is not None and block in sim.block_norms:
                _plot_simulation(ax, sim.t, sim.block_norms[block], color, None, f"simulated {arch} {block}")
        ax.set_title(f"{arch}")
        ax.set_xlabel("step t")
    axes[0].set_ylabel("Frobenius norm")
    _style_legend_lines(axes[-1])
    axes[-1].legend(loc="best", fontsize=8)
    return figure_to_svg(fig, "block-norms")


def _progress(values: Any) -> np.ndarray:
    """Fraction of the way from the first to the last value (NaN if they coincide)."""
    v = _vec(values, "block norm")
    span = v[-1] - v[0]
    if span == 0 or not np.isfinite(span):
        return np.full(v.shape, np.nan)
    return (v - v[0]) / span


def progress_svg(
    theory: Mapping[str, TrajectoryLike],
    simulation: Mapping[str, SimulationLike] | None = None,
    *,
    archs: Sequence[str] = ("dense", "shallow", "split"),
) -> str:
    """Progress of the compositional block ``||W_OO||`` against the non-compositional ``||W_GG||``.

    Each norm is rescaled to go from 0 (its first value) to 1 (its last), and
    the two progresses are plotted against each other: a curve above the
    diagonal means compositional structure is learned first.

    Parameters
    ----------
    theory : mapping arch -> trajectory record
        ``block_norms`` {"OO", "GG": (n,)}.
    simulation : mapping arch -> simulation record, optional
        ``block_norms`` {"OO", "GG": (batch, n)}; the batch mean is drawn.
    archs : sequence of str
        The architectures to draw.

    Returns
    -------
    str
        SVG text.
    """
    _require(theory, archs, "progress figure")
    simulation = simulation or {}
    fig, (ax,) = _new_figure(width=4.8, height=4.2)
    ax.plot([0, 1], [0, 1], color="0.7", linewidth=0.8, linestyle=":")
    for arch in archs:
        color = ARCH_COLORS.get(arch, "0.3")
        norms = theory[arch].block_norms
        ax.plot(_progress(norms["GG"]), _progress(norms["OO"]), linestyle="--", color=color, label=arch,
                **_arch_marks(arch))
        sim = simulation.get(arch)
        if sim is not None:
            oo = np.nanmean(_batch(sim.block_norms["OO"], f"simulated {arch} OO"), axis=0)
            gg = np.nanmean(_batch(sim.block_norms["GG"], f"simulated {arch} GG"), axis=0)
            ax.plot(_progress(gg), _progress(oo), linestyle="-", color=color, linewidth=1.0)
    _style_legend_lines(ax)
    ax.set_xlabel("non-compositional progress of $\\|W_{GG}\\|$")
    ax.set_ylabel("compositional progress of $\\|W_{OO}\\|$")
    ax.set_title("Compositional against non-compositional learning")
    ax.legend(loc="lower right", fontsize=8)
    return figure_to_svg(fig, "progress")


def systematicity_svg(
    theory: Mapping[str, TrajectoryLike],
    simulation: Mapping[str, SimulationLike] | None = None,
    *,
    archs: Sequence[str] = ("dense", "shallow", "split", "segregated"),
) -> str:
    """Non-systematicity ``rho`` and novel-combination error over training, per architecture.

    Parameters
    ----------
    theory : mapping arch -> trajectory record
        ``t`` (n,), ``rho`` (n,) (NaN where undefined) and ``novel_error`` (n,).
    simulation : mapping arch -> simulation record, optional
        ``t`` (n,), ``rho`` and ``novel_error`` (batch, n).
    archs : sequence of str
        The architectures to draw.

    Returns
    -------
    str
        SVG text.
    """
    _require(theory, archs, "systematicity figure")
    simulation = simulation or {}
    fig, (ax_rho, ax_err) = _new_figure(ncols=2, width=7.6)
    for arch in archs:
        color = ARCH_COLORS.get(arch, "0.3")
        traj, sim = theory[arch], simulation.get(arch)
        _plot_theory(ax_rho, traj.t, traj.rho, color, arch, f"{arch} rho", arch)
        _plot_theory(ax_err, traj.t, traj.novel_error, color, None, f"{arch} novel error", arch)
        if sim is not None:
            _plot_simulation(ax_rho, sim.t, sim.rho, color, None, f"simulated {arch} rho")
            _plot_simulation(ax_err, sim.t, sim.novel_error, color, None, f"simulated {arch} novel error")
    ax_rho.set_title("non-systematicity $\\rho = \\|W_{GO}\\| / \\|W_{OO}\\|$")
    ax_err.set_title("novel-combination error")
    for ax in (ax_rho, ax_err):
        ax.set_xlabel("step t")
    _style_legend_lines(ax_rho)
    ax_rho.legend(loc="best", fontsize=8)
    return figure_to_svg(fig, "systematicity")


def sweep_svg(sweep: SweepData) -> str:
    """Converged novel-combination error against ``k1 r^2 / P`` over a sweep.

    Simulated values are markers joined by solid lines, theory values dashed;
    the x axis is logarithmic (base 2) when every x is positive.

    Parameters
    ----------
    sweep : SweepData
        ``x`` (m,), ``simulated`` and optionally ``theory`` {arch: (m,)}.

    Returns
    -------
    str
        SVG text.
    """
    x = np.asarray(sweep.x, dtype=float)
    order = np.argsort(x, kind="stable")
    fig, (ax,) = _new_figure(width=5.2, height=3.8)
    for arch, values in sweep.simulated.items():
        color = ARCH_COLORS.get(arch, "0.3")
        y = np.asarray(values, dtype=float)[order]
        ax.plot(x[order], y, marker="o", markersize=3.5, linestyle="-", linewidth=1.0, color=color, label=arch)
    for arch, values in sweep.theory.items():
        color = ARCH_COLORS.get(arch, "0.3")
        ax.plot(x[order], np.asarray(values, dtype=float)[order], linestyle="--", color=color)
    if np.all(x > 0):
        ax.set_xscale("log", base=2)
    _style_legend_lines(ax)
    ax.set_xlabel("$k_1 r^2 / P$")
    ax.set_ylabel("converged novel-combination error")
    ax.set_title("Novel-combination error at convergence")
    ax.legend(loc="best", fontsize=8)
    return figure_to_svg(fig, "sweep")
