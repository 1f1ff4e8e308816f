"""Report section of the experiments beyond the linear theory (issue 11).

Pure functions from :class:`~proofs.empirical.ExperimentReport` records to
Markdown and SVG: nothing is recomputed. The figure shows the accuracy on
unseen combinations against the weight of the identity output (r), one line
per arrangement, with the 95% bootstrap intervals over seeds as error bars.
``modspec experiment ... --out DIR`` writes ``experiment-<name>.md`` and its
figure into DIR.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from proofs.empirical import ExperimentReport, ExperimentRow
from proofs.report.figures import _new_figure, figure_to_svg

__all__ = ["accuracy_svg", "experiment_markdown", "write_experiment"]

#: The statistic plotted against r (digits: accuracy on unseen triples).
PLOTTED = {"digits": "accuracy, unseen triples", "relu": "novel-combination error", "rules": "novel-combination error"}


def _r_of(row: ExperimentRow) -> float | None:
    m = re.fullmatch(r"r=([0-9.eE+-]+)", row.setting)
    return float(m.group(1)) if m else None


def accuracy_svg(rep: ExperimentReport) -> str:
    """The plotted statistic against r per arrangement, with interval error bars (SVG text)."""
    stat = PLOTTED.get(rep.name)
    rows = [r for r in rep.rows if r.statistic == stat and _r_of(r) is not None]
    if not rows:
        raise ValueError(f"experiment {rep.name!r} has no rows of {stat!r} against r to plot")
    fig, (ax,) = _new_figure()
    for arch in dict.fromkeys(r.arrangement for r in rows):
        mine = sorted((r for r in rows if r.arrangement == arch), key=_r_of)
        x = [_r_of(r) for r in mine]
        y = [r.estimate.mean for r in mine]
        err = [[r.estimate.mean - r.estimate.lo for r in mine], [r.estimate.hi - r.estimate.mean for r in mine]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=arch)
    ax.set_xlabel("weight of the identity output, r")
    ax.set_ylabel(stat)
    ax.set_title(f"{rep.description} ({rep.seeds} seeds, 95% intervals)", fontsize=9)
    ax.legend()
    return figure_to_svg(fig, f"experiment-{rep.name}")


def experiment_markdown(rep: ExperimentReport, figure_file: str | None = None) -> str:
    """The experiment as a Markdown section: table of estimates, notes, figure link."""
    lines = [f"## {rep.description}", "",
             f"{rep.seeds} seeds (0..{rep.seeds - 1}); each value is the mean over seeds with its 95% percentile "
             "bootstrap interval over seeds.", "",
             "| arrangement | setting | statistic | mean | 95% interval |", "|---|---|---|---|---|"]
    for r in rep.rows:
        e = r.estimate
        lines.append(f"| {r.arrangement} | {r.setting} | {r.statistic} | {e.mean:.4f} | [{e.lo:.4f}, {e.hi:.4f}] |")
    lines += [""] + [f"{n}" for n in rep.notes]
    if figure_file:
        lines += ["", f"![{PLOTTED.get(rep.name, '')} against r]({figure_file})"]
    lines += ["", f"Time: {rep.seconds:.1f} s ({rep.seconds_per_seed:.1f} s per seed)."]
    return "\n".join(lines) + "\n"


def write_experiment(out_dir: str | os.PathLike[str], rep: ExperimentReport) -> list[Path]:
    """Write ``experiment-<name>.md`` and ``fig-experiment-<name>.svg`` into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig_name = f"fig-experiment-{rep.name}.svg"
    svg = accuracy_svg(rep)  # before writing anything: a failure leaves nothing behind
    md = out / f"experiment-{rep.name}.md"
    (out / fig_name).write_text(svg, encoding="utf-8")
    md.write_text(experiment_markdown(rep, fig_name), encoding="utf-8")
    return [md, out / fig_name]
