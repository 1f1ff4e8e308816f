"""Reports: pure functions from result records to HTML, Markdown and LaTeX.

Use :func:`build_document` to assemble a :class:`ReportDocument` from the
records of ``verify``, ``theory_trajectory`` and ``simulate`` (and a sweep),
then :func:`write_report` to render and write it atomically::

    doc = build_document(verify_report, trajectories, simulations, sweep,
                         dataset=dataset, settings={"lr": 0.05, "steps": 2000})
    paths = write_report("out", doc, formats=("html", "md"))

:func:`proofs.report.pipeline.make_report` does all of it from CLI flags
(verify, trajectories, simulations, sweep, build, write).

Figures are drawn by :mod:`proofs.report.figures`, documents rendered by
:mod:`proofs.report.render`.
"""

from proofs.report.assemble import COMPARISONS, Comparison, build_document, max_deviation, simulation_deviations
from proofs.report.document import Figure, ReportDocument, SummaryRow, TheoremSection, format_number, format_value
from proofs.report.figures import SweepData
from proofs.report.render import FORMATS, render, render_html, render_markdown, render_tex
from proofs.report.write import DEFAULT_FORMATS, parse_formats, write_report

__all__ = [
    "build_document", "write_report", "parse_formats", "DEFAULT_FORMATS", "FORMATS",
    "ReportDocument", "TheoremSection", "SummaryRow", "Figure", "SweepData",
    "render", "render_html", "render_markdown", "render_tex",
    "Comparison", "COMPARISONS", "simulation_deviations", "max_deviation",
    "format_number", "format_value",
]
