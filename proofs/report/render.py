"""Renderers: pure functions from a :class:`ReportDocument` to HTML, Markdown or LaTeX.

* :func:`render_html` gives one self-contained page: inline CSS, figures as
  inline SVG, mathematics as MathML from sympy's presentation printer. There
  is no script and no external reference, so it displays offline. The page
  is also well-formed XML (numeric character references only).
* :func:`render_markdown` gives Markdown with LaTeX maths (``$$ ... $$``)
  that links the figures as ``fig-<name>.svg`` files next to it.
* :func:`render_tex` gives a standalone LaTeX article (figures through the
  ``svg`` package's ``\\includesvg``).

All text from records is escaped for the target format.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from typing import Any, Callable

import sympy as sp
from sympy.printing.mathml import mathml

from proofs.report.text import render_text_section
from proofs.report.document import ReportDocument, SummaryRow, TheoremSection, format_number

__all__ = [
    "FORMATS", "render", "render_html", "render_markdown", "render_tex",
    "as_sympy", "to_mathml", "to_latex", "escape_markdown", "escape_tex",
]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_TOKEN = re.compile(r"<(mi|mo|mn|mtext|ms)(\s[^>]*)?>(.*?)</\1>", re.S)


# ------------------------------------------------------------------------ maths


def as_sympy(obj: Any) -> sp.Basic | None:
    """Return ``obj`` as a sympy object to print as maths, or None for text/absent.

    Parameters
    ----------
    obj : Any
        None or a string (not maths: returns None), a sympy object or matrix,
        a Python number, or a list/tuple/dict of those.

    Raises
    ------
    TypeError
        For any other type, naming it.
    """
    if obj is None or isinstance(obj, str):
        return None
    if isinstance(obj, (sp.Basic, sp.MatrixBase)):
        return obj
    if isinstance(obj, bool):
        return sp.true if obj else sp.false
    if isinstance(obj, (int, float, Fraction)):
        return sp.sympify(obj)
    if isinstance(obj, (list, tuple)):
        return sp.Tuple(*(_item(x) for x in obj))
    if isinstance(obj, dict):
        return sp.Tuple(*(sp.Eq(_item(k), _item(v), evaluate=False) for k, v in obj.items()))
    raise TypeError(f"cannot print a {type(obj).__name__} as mathematics: {obj!r}")


def _item(obj: Any) -> sp.Basic:
    """An element of a printed tuple: maths, or a string shown as a symbol name."""
    value = as_sympy(obj)
    return sp.Symbol(str(obj)) if value is None else value


def _fix_token(m: re.Match[str]) -> str:
    """Re-escape the text of one MathML token element (sympy leaves '<' raw)."""
    tag, attrs, text = m.group(1), m.group(2) or "", m.group(3)
    return f"<{tag}{attrs}>{html.escape(html.unescape(text), quote=False)}</{tag}>"


def to_mathml(expr: Any, *, display: str = "block") -> str:
    """Presentation MathML for ``expr``, wrapped in a ``<math>`` element.

    Named entities from sympy (``&InvisibleTimes;``) become characters, and
    token text is escaped, so the result is well-formed XML and valid HTML.

    Parameters
    ----------
    expr : sympy object (or anything :func:`as_sympy` accepts)
        The expression.
    display : {"block", "inline"}
        MathML display mode.

    Returns
    -------
    str
        ``<math xmlns="http://www.w3.org/1998/Math/MathML" display="...">...</math>``.
    """
    if display not in ("block", "inline"):
        raise ValueError(f"display must be 'block' or 'inline'; got {display!r}")
    obj = as_sympy(expr)
    if obj is None:
        raise TypeError(f"not a mathematical object: {expr!r}")
    body = _TOKEN.sub(_fix_token, mathml(obj, printer="presentation"))
    out = f'<math xmlns="{MATHML_NS}" display="{display}">{body}</math>'
    ET.fromstring(out)  # raises ParseError if sympy produced something malformed
    return out


def to_latex(expr: Any) -> str:
    """LaTeX for ``expr`` (``sympy.latex``), on one line."""
    obj = as_sympy(expr)
    if obj is None:
        raise TypeError(f"not a mathematical object: {expr!r}")
    return " ".join(sp.latex(obj).split())


# ----------------------------------------------------------------------- escape

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$#])")
_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}",
}


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown/HTML/math specials in ``text`` and fold newlines."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def escape_tex(text: str) -> str:
    """Escape LaTeX specials in ``text`` and fold newlines."""
    return "".join(_TEX_SPECIAL.get(c, c) for c in " ".join(str(text).split()))


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 1150px; margin: 1.5em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.55em; text-align: left; vertical-align: top; }
th { background: #f1f1f1; }
.pass { color: #176d2c; font-weight: 600; }
.fail { color: #b00020; font-weight: 700; }
section.theorem { border-top: 1px solid #ddd; margin-top: 1.4em; }
ol.derivation li { margin-bottom: 0.4em; }
math { font-size: 1.12em; }
math[display="block"] { margin: 0.35em 0 0.35em 1.5em; }
.formula { max-width: 100%; overflow-x: auto; overflow-y: hidden; }
table { display: block; max-width: 100%; overflow-x: auto; }
figure { margin: 1.2em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.92em; color: #444; }
.note { color: #555; font-size: 0.92em; }
"""


def summary_sentence(doc: ReportDocument) -> str:
    """``9 of 9 theorems pass.``, or what was not compared when nothing was simulated."""
    passed = sum(s.status == "pass" for s in doc.sections)
    compared = sum(s.deviation is not None for s in doc.sections)
    text = f"{passed} of {len(doc.sections)} theorems pass"
    if compared == 0:
        return text + " their symbolic proofs and certificates; nothing was compared with gradient descent."
    return text + "."


def _html_table(headers: tuple[str, ...], rows: list[tuple[str, ...]], status_col: int | None = None) -> list[str]:
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in headers) + "</tr></thead>", "<tbody>"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = f' class="{_h(cell)}"' if i == status_col and cell in ("pass", "fail") else ""
            cells.append(f"<td{cls}>{_h(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def _html_text_or_math(item: Any) -> str:
    return _h(item) if as_sympy(item) is None else to_mathml(item, display="inline")


def statement_items(expr: Any) -> list[Any]:
    """The formulas of a statement, one per displayed line, each in its shortest equivalent form.

    A tuple or list gives one line per element; each expression is replaced by
    the shortest (as printed) of itself, ``factor_terms`` and ``factor`` of it,
    so a long expanded polynomial is shown factored when that is shorter.
    """
    items = list(expr) if isinstance(expr, (tuple, list)) else [expr]
    return [_shortest(e) for e in items]


def _shortest(e: Any) -> Any:
    if not isinstance(e, sp.Basic):
        return e
    if isinstance(e, sp.Equality):
        return sp.Eq(e.lhs, _shortest(e.rhs), evaluate=False)
    forms = [e]
    for f in (sp.factor_terms, sp.factor):
        try:
            forms.append(f(e))
        except (sp.PolynomialError, TypeError, ValueError, NotImplementedError):
            continue
    return min(forms, key=lambda x: len(str(x)))


def _html_formula(expr: Any) -> str:
    """A block formula in a container that scrolls rather than widens the page."""
    return f'<div class="formula">{to_mathml(expr)}</div>'


def _html_section(sec: TheoremSection) -> list[str]:
    cert = sec.certificate
    out = [
        f'<section class="theorem" id="{_h(sec.id)}">',
        f"<h3>{_h(sec.id)}. {_h(sec.name)}</h3>",
        f'<p>Status: <span class="{_h(sec.status)}">{_h(sec.status)}</span></p>',
        f"<p><strong>Statement.</strong> {_h(sec.statement)}</p>",
    ]
    if sec.statement_expr is not None:
        out += [_html_formula(e) for e in statement_items(sec.statement_expr)]
    out.append("<p><strong>Assumptions.</strong></p>")
    if sec.assumptions:
        out += ["<ul>"] + [f"<li>{_html_text_or_math(a)}</li>" for a in sec.assumptions] + ["</ul>"]
    else:
        out.append('<p class="note">none</p>')
    out.append(f"<p><strong>Derivation</strong>: {_h(sec.derivation.title)}</p>")
    if sec.derivation.steps:
        out.append('<ol class="derivation">')
        for step in sec.derivation.steps:
            maths = "" if as_sympy(step.expr) is None else _html_formula(step.expr)
            out.append(f"<li>{_h(step.text)}{maths}</li>")
        out.append("</ol>")
    else:
        out.append('<p class="note">no recorded steps</p>')
    out += [
        f"<p><strong>Symbolic check</strong>: {'proved' if sec.symbolic else 'not proved'}. "
        f"{_h(sec.symbolic_message)}</p>",
        "<p><strong>Certificate</strong>: "
        f"{_h(cert.samples)} samples at {_h(cert.dps)} digits; largest residual "
        f"{_h(format_number(cert.max_residual))} (tolerance {_h(format_number(cert.tolerance))}); "
        f"{'ok' if cert.ok else 'failed'}.</p>",
    ]
    if cert.failures:
        out += ['<ul class="failures">'] + [f"<li>{_h(f)}</li>" for f in cert.failures] + ["</ul>"]
    out += [
        f"<p><strong>Gradient descent vs theory</strong>: {_h(sec.deviation_text())}"
        f"{' (' + _h(sec.deviation_note) + ')' if sec.deviation_note else ''}.</p>",
        "</section>",
    ]
    return out


def render_html(doc: ReportDocument) -> str:
    """Render ``doc`` as one self-contained HTML page (also well-formed XML).

    Returns
    -------
    str
        The page: inline CSS, MathML maths, inline SVG figures, no scripts
        and no external URLs (only XML namespace names).
    """
    out = [
        "<!DOCTYPE html>",
        '<html lang="en" xmlns="http://www.w3.org/1999/xhtml">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{_h(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(doc.title)}</h1>",
        '<section id="summary">',
        "<h2>Summary</h2>",
        f"<p>{_h(summary_sentence(doc))}</p>",
    ]
    out += [f'<p class="note">{_h(n)}</p>' for n in doc.notes]
    out += _html_table(SummaryRow.HEADERS, [r.cells() for r in doc.summary], status_col=len(SummaryRow.HEADERS) - 1)
    out += ["</section>", '<section id="parameters">', "<h2>Dataset and parameters</h2>"]
    out += _html_table(("Symbol", "Meaning", "Domain", "Value"), list(doc.dataset_space))
    out += _html_table(("Setting", "Value"), list(doc.parameters))
    out += ["</section>", '<section id="theorems">', "<h2>Theorems</h2>"]
    for sec in doc.sections:
        out += _html_section(sec)
    out += ["</section>"]
    for extra in doc.extra_sections:
        out += render_text_section(extra, "html", table=_html_table, escape=_h)
    out += ['<section id="figures">', "<h2>Figures</h2>"]
    for i, fig in enumerate(doc.figures, 1):
        out += [
            f'<figure id="fig-{_h(fig.name)}">',
            fig.svg.strip(),
            f"<figcaption>Figure {i}. {_h(fig.caption)}</figcaption>",
            "</figure>",
        ]
    out += ["</section>", "</body>", "</html>", ""]
    return "\n".join(out)


# --------------------------------------------------------------------- Markdown


def _md_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(escape_markdown(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in rows]
    return out + [""]


def _md_text_or_math(item: Any) -> str:
    return escape_markdown(item) if as_sympy(item) is None else f"${to_latex(item)}$"


def _md_section(sec: TheoremSection) -> list[str]:
    cert = sec.certificate
    out = [
        f"### {escape_markdown(sec.id)}. {escape_markdown(sec.name)}", "",
        f"Status: **{sec.status}**", "",
        f"**Statement.** {escape_markdown(sec.statement)}", "",
    ]
    if sec.statement_expr is not None:
        out += [x for e in statement_items(sec.statement_expr) for x in (f"$$ {to_latex(e)} $$", "")]
    out += ["**Assumptions.**", ""]
    out += [f"- {_md_text_or_math(a)}" for a in sec.assumptions] or ["none"]
    out += ["", f"**Derivation**: {escape_markdown(sec.derivation.title)}", ""]
    for i, step in enumerate(sec.derivation.steps, 1):
        out.append(f"{i}. {escape_markdown(step.text)}")
        if as_sympy(step.expr) is not None:
            out += ["", f"   $$ {to_latex(step.expr)} $$", ""]
    if not sec.derivation.steps:
        out.append("no recorded steps")
    out += [
        "",
        f"**Symbolic check**: {'proved' if sec.symbolic else 'not proved'}. {escape_markdown(sec.symbolic_message)}",
        "",
        f"**Certificate**: {cert.samples} samples at {cert.dps} digits; largest residual "
        f"{format_number(cert.max_residual)} (tolerance {format_number(cert.tolerance)}); "
        f"{'ok' if cert.ok else 'failed'}.",
        "",
    ]
    out += [f"- failure: {escape_markdown(f)}" for f in cert.failures] + ([""] if cert.failures else [])
    note = f" ({escape_markdown(sec.deviation_note)})" if sec.deviation_note else ""
    out += [f"**Gradient descent vs theory**: {escape_markdown(sec.deviation_text())}{note}.", ""]
    return out


def render_markdown(doc: ReportDocument) -> str:
    """Render ``doc`` as Markdown with LaTeX maths; figures link ``fig-<name>.svg``.

    Returns
    -------
    str
        The Markdown text (the figure files are written by
        :func:`proofs.report.write_report`).
    """
    out = [f"# {escape_markdown(doc.title)}", "", "## Summary", ""]
    out += [escape_markdown(summary_sentence(doc)), ""] + [x for n in doc.notes for x in (escape_markdown(n), "")]
    out += _md_table(SummaryRow.HEADERS, [r.cells() for r in doc.summary])
    out += ["## Dataset and parameters", ""]
    out += _md_table(("Symbol", "Meaning", "Domain", "Value"), list(doc.dataset_space))
    out += _md_table(("Setting", "Value"), list(doc.parameters))
    out += ["## Theorems", ""]
    for sec in doc.sections:
        out += _md_section(sec)
    for extra in doc.extra_sections:
        out += render_text_section(extra, "md", table=_md_table, escape=escape_markdown)
    out += ["## Figures", ""]
    for i, fig in enumerate(doc.figures, 1):
        out += [f"![{escape_markdown(fig.caption)}]({fig.filename})", "", f"*Figure {i}. {escape_markdown(fig.caption)}*", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ------------------------------------------------------------------------ LaTeX


def _tex_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = [r"{\small", r"\begin{tabular}{" + "l" * len(headers) + "}", r"\toprule"]
    out.append(" & ".join(escape_tex(h) for h in headers) + r" \\")
    out.append(r"\midrule")
    out += [" & ".join(escape_tex(c) for c in row) + r" \\" for row in rows]
    return out + [r"\bottomrule", r"\end{tabular}}", ""]


def _tex_section(sec: TheoremSection) -> list[str]:
    cert = sec.certificate
    out = [
        rf"\subsection*{{{escape_tex(sec.id)}. {escape_tex(sec.name)}}}",
        rf"Status: \textbf{{{sec.status}}}.", "",
        rf"\textbf{{Statement.}} {escape_tex(sec.statement)}", "",
    ]
    if sec.statement_expr is not None:
        out += [x for e in statement_items(sec.statement_expr) for x in (rf"\[ {to_latex(e)} \]", "")]
    out.append(r"\textbf{Assumptions.}")
    if sec.assumptions:
        out.append(r"\begin{itemize}")
        for a in sec.assumptions:
            out.append(r"\item " + (escape_tex(a) if as_sympy(a) is None else f"${to_latex(a)}$"))
        out.append(r"\end{itemize}")
    else:
        out += ["none", ""]
    out += [rf"\textbf{{Derivation}}: {escape_tex(sec.derivation.title)}", ""]
    if sec.derivation.steps:
        out.append(r"\begin{enumerate}")
        for step in sec.derivation.steps:
            maths = "" if as_sympy(step.expr) is None else rf" \[ {to_latex(step.expr)} \]"
            out.append(rf"\item {escape_tex(step.text)}{maths}")
        out.append(r"\end{enumerate}")
    note = f" ({escape_tex(sec.deviation_note)})" if sec.deviation_note else ""
    out += [
        rf"\textbf{{Symbolic check}}: {'proved' if sec.symbolic else 'not proved'}. {escape_tex(sec.symbolic_message)}",
        "",
        rf"\textbf{{Certificate}}: {cert.samples} samples at {cert.dps} digits; largest residual "
        rf"{format_number(cert.max_residual)} (tolerance {format_number(cert.tolerance)}); "
        f"{'ok' if cert.ok else 'failed'}.",
        "",
        rf"\textbf{{Gradient descent vs theory}}: {escape_tex(sec.deviation_text())}{note}.",
        "",
    ]
    return out


def render_tex(doc: ReportDocument) -> str:
    """Render ``doc`` as a standalone LaTeX article.

    Figures are included with ``\\includesvg`` from the ``svg`` package
    (which needs Inkscape when compiling) from ``fig-<name>.svg``.
    """
    out = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb,booktabs,svg}",
        rf"\title{{{escape_tex(doc.title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        r"\section*{Summary}",
        escape_tex(summary_sentence(doc)) + "".join(" " + escape_tex(n) for n in doc.notes),
        "",
    ]
    out += _tex_table(SummaryRow.HEADERS, [r.cells() for r in doc.summary])
    out += [r"\section*{Dataset and parameters}"]
    out += _tex_table(("Symbol", "Meaning", "Domain", "Value"), list(doc.dataset_space))
    out += _tex_table(("Setting", "Value"), list(doc.parameters))
    out += [r"\section*{Theorems}"]
    for sec in doc.sections:
        out += _tex_section(sec)
    for extra in doc.extra_sections:
        out += render_text_section(extra, "tex", table=_tex_table, escape=escape_tex)
    out += [r"\section*{Figures}"]
    for fig in doc.figures:
        out += [
            r"\begin{figure}[htbp]", r"\centering",
            rf"\includesvg[width=\linewidth]{{{fig.filename[:-4]}}}",
            rf"\caption{{{escape_tex(fig.caption)}}}",
            r"\end{figure}", "",
        ]
    out += [r"\end{document}", ""]
    return "\n".join(out)


#: Format name -> (file name, renderer).
FORMATS: dict[str, tuple[str, Callable[[ReportDocument], str]]] = {
    "html": ("report.html", render_html),
    "md": ("report.md", render_markdown),
    "tex": ("report.tex", render_tex),
}


def render(doc: ReportDocument, fmt: str) -> str:
    """Render ``doc`` in format ``fmt``; ``ValueError`` lists the valid formats."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return FORMATS[fmt][1](doc)
