"""The report as data: a small tree of frozen dataclasses.

A :class:`ReportDocument` holds everything a renderer prints and nothing it
has to compute: the dataset space and chosen parameters, one
:class:`TheoremSection` per verified theorem (statement, assumptions,
derivation record, symbolic status, certificate, simulation deviation) and
the figures as ready SVG text. :mod:`proofs.report.render` turns a document
into HTML, Markdown or LaTeX; :func:`proofs.report.build_document` assembles
one from result records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from proofs.records import Certificate
from theory.derivation import Derivation

__all__ = ["Figure", "TheoremSection", "SummaryRow", "ReportDocument", "format_number", "format_value"]

#: Figure names become file names ``fig-<name>.svg`` and HTML ids.
_FIGURE_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def format_number(x: float | None) -> str:
    """Format a residual or deviation the way every report format prints it.

    Parameters
    ----------
    x : float or None
        The number; ``None`` means "not applicable".

    Returns
    -------
    str
        Three significant digits, ``format(x, ".3g")`` (``1.23e-05``), as
        ``modspec verify`` prints residuals; ``"nan"``/``"inf"`` for
        non-finite values and ``"n/a"`` for None.

    Examples
    --------
    >>> format_number(0.000123456), format_number(None)
    ('0.000123', 'n/a')
    """
    if x is None:
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return f"{x:.3g}"


def format_value(value: Any) -> str:
    """Format a parameter value (int, float, str, sequence) for a table cell.

    Floats print in their shortest round-trip form (``0.05``), sequences as
    comma-separated items, everything else with ``str``.
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    return str(value)


@dataclass(frozen=True)
class Figure:
    """One figure: a short file-safe ``name``, its caption and its SVG text.

    The SVG must be a bare ``<svg ...>...</svg>`` element (no XML
    declaration), as :mod:`proofs.report.figures` returns it.
    """

    name: str
    caption: str
    svg: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _FIGURE_NAME.match(self.name):
            raise ValueError(f"figure name must be lower-case words joined by '-'; got {self.name!r}")
        if not isinstance(self.svg, str) or not self.svg.lstrip().startswith("<svg"):
            raise ValueError(f"figure {self.name!r}: svg must be SVG text starting with '<svg'")

    @property
    def filename(self) -> str:
        """File name of this figure next to ``report.md``: ``fig-<name>.svg``."""
        return f"fig-{self.name}.svg"


@dataclass(frozen=True)
class TheoremSection:
    """Everything the report says about one theorem.

    Parameters
    ----------
    id, name : str
        Theorem id (``T1``) and short name.
    statement : str
        The statement in words, as the theorem record gives it.
    statement_expr : sympy object or None
        The symbolic statement, rendered as mathematics when given.
    assumptions : tuple
        Each a string (printed as text) or a sympy object (printed as maths).
    derivation : Derivation
        The derivation record; each step's text and ``expr`` are printed.
    symbolic : bool
        Whether the statement was proved symbolically.
    symbolic_message : str
        What the symbolic check reported.
    status : str
        ``"pass"`` or ``"fail"``.
    certificate : Certificate
        The numeric certificate (samples, digits, largest residual).
    deviation : float or None
        Largest deviation of simulation from theory; None if not compared.
    deviation_note : str
        What was compared to obtain ``deviation``.
    tolerance : float or None
        The derived tolerance ``deviation`` is checked against (None: no check).
    """

    id: str
    name: str
    statement: str
    statement_expr: Any
    assumptions: tuple[Any, ...]
    derivation: Derivation
    symbolic: bool
    symbolic_message: str
    status: str
    certificate: Certificate
    deviation: float | None
    deviation_note: str
    tolerance: float | None = None

    @property
    def verdict(self) -> str:
        """``within tolerance``, ``EXCEEDS tolerance``, ``no tolerance`` or ``not compared``."""
        if self.deviation is None:
            return "not compared"
        if self.tolerance is None:
            return "no tolerance"
        return "within tolerance" if self.deviation <= self.tolerance else "EXCEEDS tolerance"

    def deviation_text(self) -> str:
        """Deviation, tolerance and verdict in one cell: ``2.6e-3 <= tol 2.6e-3: within tolerance``."""
        if self.deviation is None:
            return "not compared"
        if self.tolerance is None:
            return f"{format_number(self.deviation)} (no tolerance)"
        sign = "<=" if self.deviation <= self.tolerance else ">"
        return f"{format_number(self.deviation)} {sign} tol {format_number(self.tolerance)}: {self.verdict}"

    def __post_init__(self) -> None:
        if self.status not in ("pass", "fail"):
            raise ValueError(f"theorem {self.id}: status must be 'pass' or 'fail'; got {self.status!r}")
        if not isinstance(self.derivation, Derivation):
            raise ValueError(f"theorem {self.id}: derivation must be a Derivation; got {type(self.derivation).__name__}")
        object.__setattr__(self, "assumptions", tuple(self.assumptions))


@dataclass(frozen=True)
class SummaryRow:
    """One row of the summary table, derived from a :class:`TheoremSection`."""

    id: str
    name: str
    symbolic: str
    certified: str
    samples: str
    dps: str
    max_residual: str
    deviation: str
    status: str

    HEADERS = (
        "Theorem", "Name", "Symbolic", "Certificate", "Samples", "Digits",
        "Largest residual", "Gradient descent vs theory", "Status",
    )

    @classmethod
    def of(cls, section: TheoremSection) -> "SummaryRow":
        """The summary row of ``section`` (all cells as display strings)."""
        cert = section.certificate
        return cls(
            id=section.id,
            name=section.name,
            symbolic="proved" if section.symbolic else "not proved",
            certified="ok" if cert.ok else "failed",
            samples=str(cert.samples),
            dps=str(cert.dps),
            max_residual=format_number(cert.max_residual),
            deviation=section.deviation_text(),
            status=section.status,
        )

    def cells(self) -> tuple[str, ...]:
        """The cells in the order of :attr:`HEADERS`."""
        return (
            self.id, self.name, self.symbolic, self.certified, self.samples, self.dps,
            self.max_residual, self.deviation, self.status,
        )


@dataclass(frozen=True)
class ReportDocument:
    """A whole report, ready to render.

    Parameters
    ----------
    title : str
        Document title.
    dataset_space : tuple of (symbol, meaning, domain, value) tuples
        The dataset space of docs/theory.md section 1 with the chosen values.
    parameters : tuple of (name, value) tuples
        Training and verification settings (lr, steps, seeds, ...).
    sections : tuple of TheoremSection
        One per theorem, in catalogue order.
    figures : tuple of Figure
        Figures in display order; names must be distinct.
    extra_sections : tuple of proofs.report.text.TextSection
        Sections of text and tables printed after the theorems (e.g. held-out items).
    notes : tuple of str
        Printed under the summary (e.g. that a run with no steps has nothing to compare).
    """

    title: str
    dataset_space: tuple[tuple[str, str, str, str], ...]
    parameters: tuple[tuple[str, str], ...]
    sections: tuple[TheoremSection, ...]
    figures: tuple[Figure, ...]
    extra_sections: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("dataset_space", "parameters", "sections", "figures", "extra_sections", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        names = [f.name for f in self.figures]
        if len(set(names)) != len(names):
            raise ValueError(f"figure names must be distinct; got {names}")
        ids = [s.id for s in self.sections]
        if len(set(ids)) != len(ids):
            raise ValueError(f"theorem ids must be distinct; got {ids}")

    @property
    def summary(self) -> tuple[SummaryRow, ...]:
        """The summary table: one row per theorem section."""
        return tuple(SummaryRow.of(s) for s in self.sections)

    @property
    def ok(self) -> bool:
        """True when every theorem passed."""
        return all(s.status == "pass" for s in self.sections)
