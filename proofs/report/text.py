"""Free-text report sections (paragraphs and tables), printed by every renderer.

A :class:`TextSection` is what a section that is not a theorem contributes to
a :class:`~proofs.report.document.ReportDocument` (``extra_sections``), e.g. the
held-out section of :mod:`proofs.report.heldout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["TextSection", "render_text_section"]


@dataclass(frozen=True)
class TextSection:
    """A report section of paragraphs and tables: ``tables`` holds (caption, headers, rows) triples."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]


def render_text_section(section: TextSection, fmt: str, *, table: Callable, escape: Callable) -> list[str]:
    """Lines of ``section`` in ``fmt`` (html, md, tex), with the renderer's own table and escape functions."""
    if fmt == "html":
        out = [f'<section id="{escape(section.id)}">', f"<h2>{escape(section.title)}</h2>"]
        out += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        for caption, headers, rows in section.tables:
            out += [f"<p><em>{escape(caption)}</em></p>"] + table(headers, list(rows))
        return out + ["</section>"]
    if fmt == "md":
        out = [f"## {escape(section.title)}", ""]
        out += [line for p in section.paragraphs for line in (escape(p), "")]
        for caption, headers, rows in section.tables:
            out += [f"*{escape(caption)}*", ""] + table(headers, list(rows))
        return out
    out = [rf"\section*{{{escape(section.title)}}}"]
    out += [line for p in section.paragraphs for line in (escape(p), "")]
    for caption, headers, rows in section.tables:
        out += [rf"\emph{{{escape(caption)}}}", ""] + table(headers, list(rows))
    return out
