"""The report's held-out section (claims T10, T11): text, a T11 table and a figure of error against j.

:func:`heldout_section` computes the records (exact T11 probabilities next to
Monte Carlo estimates; theory and gradient-descent held-out errors of the four
architectures for training subsets of every size j) and returns a
:class:`~proofs.report.text.TextSection` plus a
:class:`~proofs.report.document.Figure`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np
from matplotlib.figure import Figure as MplFigure

from numeric.fullrank import estimate_probability
from numeric.heldout import gd_heldout
from proofs.report.document import Figure
from proofs.report.text import TextSection
from proofs.report.figures import ARCH_COLORS, figure_to_svg
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.fullrank import span_probability
from theory.heldout import exact_heldout_errors

__all__ = ["HeldoutCurve", "heldout_curves", "fullrank_table", "heldout_svg", "heldout_section", "report_dataset"]

THEORY_TEXT = (
    "Train on a subset T of the items (|T| = j) and test on the others. Every architecture converges to the "
    "least-squares map of its own training data, so held-out predictions are exact. With B_T the training codes, "
    "K = B_T B_T^T and c = k1 r^2, the dense and split networks (and the shallow one) have compositional held-out "
    "error c^2 ||S (K + cI)^-1 b_u||^2 (push-through identity), positive whenever n2 >= 1 and c > 0: they do not "
    "generalize to unseen items. The identity outputs of a held-out item are never predicted: error "
    "k2 r^2 (1 + ||(G + cI)^-1 B_T^T b_u||^2). As c -> 0, and for the segregated network at any c, the error is "
    "||S (I - Pi_T) b_u||^2, zero for every held-out item iff the selected axes lie in the span of the training "
    "codes. With all items in training the code-averaged error is T5's n2 (c/(P + c))^2.",
    "T11 gives the exact probability that j random distinct codes span R^n1 (so that the segregated network, or "
    "a dense one without identity inputs, generalizes with zero error for n2 = n1), by Moebius inversion over the "
    "lattice of code-spanned subspaces; the table puts it next to a Monte Carlo estimate with its 95% Wilson "
    "interval.",
)


@dataclass(frozen=True)
class HeldoutCurve:
    """Mean compositional held-out error against j for one architecture: theory and gradient descent."""

    arch: str
    js: tuple[int, ...]
    theory: tuple[float, ...]
    simulated: tuple[float, ...]


def _subsets(d: Dataset, j: int, count: int, seed: int) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(seed + 1000 * j)
    return [tuple(sorted(int(i) for i in rng.choice(d.P, size=j, replace=False))) for _ in range(count)]


def heldout_curves(d: Dataset, *, subsets: int = 2, seed: int = 0,
                   progress: Callable[[str], None] | None = None) -> tuple[HeldoutCurve, ...]:
    """For j = 1..P-1: mean compositional held-out error over ``subsets`` random training sets of size j."""
    announce = progress or (lambda _m: None)
    js = tuple(range(1, d.P))
    out = []
    for arch in ARCHITECTURES:
        announce(f"held-out errors against j: {arch}")
        theory, simulated = [], []
        for j in js:
            th, gd = [], []
            for train in _subsets(d, j, subsets, seed):
                sub = dataclasses.replace(d, train=train)
                th.append(float(np.mean([float(e) for e in exact_heldout_errors(sub, arch).omega])))
                gd.append(float(np.mean(gd_heldout(sub, arch, seed=seed).omega)))
            theory.append(float(np.mean(th)))
            simulated.append(float(np.mean(gd)))
        out.append(HeldoutCurve(arch, js, tuple(theory), tuple(simulated)))
    return tuple(out)


def fullrank_table(n1s: tuple[int, ...] = (3, 4, 5), *, samples: int = 2000, seed: int = 0,
                   ) -> tuple[tuple[str, ...], ...]:
    """Rows (n1, j, exact, decimal, estimate [interval]) for j = n1, n1 + 1, n1 + 2, 2 n1."""
    rows = []
    for n1 in n1s:
        for j in sorted({n1, n1 + 1, n1 + 2, 2 * n1}):
            exact = span_probability(n1, j)
            est = estimate_probability(n1, j, samples=samples, seed=seed)
            rows.append((str(n1), str(j), str(exact), f"{float(exact):.6f}",
                         f"{est.value:.4f} [{est.low:.4f}, {est.high:.4f}]"))
    return tuple(rows)


def heldout_svg(curves: tuple[HeldoutCurve, ...], d: Dataset) -> str:
    """Mean compositional held-out error against j: theory dashed, gradient descent as markers."""
    fig = MplFigure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    for c in curves:
        color = ARCH_COLORS[c.arch]
        ax.plot(c.js, c.theory, "--", color=color, label=f"{c.arch} theory")
        ax.plot(c.js, c.simulated, "o", color=color, markersize=4, label=f"{c.arch} GD")
    ax.set_xlabel("training items j")
    ax.set_ylabel("mean compositional held-out error")
    ax.set_title(f"D(n1={d.n1}, n2={d.n2}, k1={d.k1}, k2={d.k2}, r={d.r})", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return figure_to_svg(fig, "heldout-error")


def report_dataset(d: Dataset) -> Dataset:
    """The dataset of the held-out figure: the report's own when n1 <= 3 (P - 1 subset sizes, each trained four
    times), else D(3, 2, 1, 1, 2) of the paper's experiment."""
    return d if d.n1 <= 3 else Dataset(3, 2, 1, 1, 2)


def heldout_section(d: Dataset, *, samples: int = 2000, seed: int = 0,
                    progress: Callable[[str], None] | None = None) -> tuple[TextSection, Figure]:
    """The held-out section and its figure for the report dataset ``d`` (see :func:`report_dataset`)."""
    d = report_dataset(d)
    curves = heldout_curves(d, seed=seed, progress=progress)
    (progress or (lambda _m: None))("T11 table: exact probabilities and Monte Carlo estimates")
    table = ("P(j random distinct codes span R^n1): exact (T11) and Monte Carlo estimate",
             ("n1", "j", "exact", "decimal", f"estimate [95% interval], {samples} draws"), fullrank_table(
                 samples=samples, seed=seed))
    curve_rows = tuple((c.arch, str(j), f"{t:.6g}", f"{s_:.6g}") for c in curves
                       for j, t, s_ in zip(c.js, c.theory, c.simulated))
    curve_table = ("Mean compositional held-out error (2 random training sets per j)",
                   ("architecture", "j", "theory", "gradient descent"), curve_rows)
    section = TextSection("heldout", "Held-out items (T10, T11)", THEORY_TEXT, (table, curve_table))
    figure = Figure("heldout-error", "Mean compositional held-out error against the number of training items j "
                    "(theory dashed, gradient descent markers); two random training sets per j.",
                    heldout_svg(curves, d))
    return section, figure
