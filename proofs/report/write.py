"""Write a rendered report to disk atomically.

Everything is rendered and written into a fresh temporary directory next to
the destination first; only when every file is complete is it moved into
place (one ``rename`` when the destination does not exist yet, otherwise one
``os.replace`` per file, figures first and report files last). A failure at
any point removes the temporary directory, so it never leaves a partial
report that looks complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from proofs.report.document import ReportDocument
from proofs.report.render import FORMATS, render

__all__ = ["DEFAULT_FORMATS", "parse_formats", "write_report"]

#: Formats written when none are requested.
DEFAULT_FORMATS = ("html", "md")


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """Validate formats given as ``"html,md"`` or a sequence; keep order, drop repeats.

    Raises
    ------
    ValueError
        Listing the valid choices (html, md, tex) when a format is unknown or
        none is given.
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for item in items:
        name = str(item).strip().lower()
        if name not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {item!r}")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError(f"at least one format is needed, from {', '.join(FORMATS)}; got {formats!r}")
    return tuple(out)


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _render_into(tmp: Path, doc: ReportDocument, formats: tuple[str, ...], announce: Callable[[str], None]) -> list[str]:
    """Write all files into ``tmp``; return their names, report files last."""
    names: list[str] = []
    if any(f in ("md", "tex") for f in formats):
        announce("writing figure files")
        for fig in doc.figures:
            _write_text(tmp / fig.filename, fig.svg)
            names.append(fig.filename)
    for fmt in formats:
        announce(f"rendering {fmt}")
        filename = FORMATS[fmt][0]
        _write_text(tmp / filename, render(doc, fmt))
        names.append(filename)
    return names


def write_report(
    out_dir: str | os.PathLike[str],
    doc: ReportDocument,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render ``doc`` in each format and write it into ``out_dir`` atomically.

    Parameters
    ----------
    out_dir : path
        Destination directory; created (with parents) if missing. Existing
        files with the same names are replaced, other files are left alone.
    doc : ReportDocument
        The document.
    formats : str or iterable of str
        Any of ``"html"``, ``"md"``, ``"tex"`` (or a comma-separated string).
        ``md`` and ``tex`` get the figure files ``fig-<name>.svg``.
    progress : callable, optional
        Called with a short message before each step.

    Returns
    -------
    list of Path
        The written files: figure files, then ``report.<ext>`` per format.

    Raises
    ------
    ValueError
        For an unknown format (the message lists html, md, tex).
    NotADirectoryError
        If ``out_dir`` exists and is not a directory.
    """
    fmts = parse_formats(formats)
    if not isinstance(doc, ReportDocument):
        raise ValueError(f"doc must be a ReportDocument; got {type(doc).__name__}")
    announce = progress if progress is not None else (lambda _msg: None)
    out = Path(out_dir).absolute()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {str(out_dir)!r} exists and is not a directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        names = _render_into(tmp, doc, fmts, announce)
        announce(f"moving report into {out}")
        if out.exists():
            for name in names:
                os.replace(tmp / name, out / name)
            tmp.rmdir()
        else:
            os.chmod(tmp, 0o777 & ~_umask())
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / name for name in names]


def _umask() -> int:
    """The process umask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
