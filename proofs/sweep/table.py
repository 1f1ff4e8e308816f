"""Reading a sweep's results back: records, a table, a figure.

:func:`load` returns one row per stored result with the grid parameters as
columns, then the derived dataset columns (``P``, ``r_float``,
``k1_r2_over_P``), the task's result columns, and ``status``, ``error``,
``seconds``, ``worker``, ``key``, ``version``. It is a pandas DataFrame when
pandas is installed, else a numpy structured array (missing numbers are NaN).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from proofs.sweep.store import STORE_NAME, ResultStore

__all__ = ["load", "load_records", "to_array", "plot_sweep", "varying_columns"]

#: Parameters never drawn as separate series: points that differ only in them are averaged.
_AVERAGED = ("seed",)
_TRAILING = ("status", "error", "seconds", "worker", "key", "version")


def _open(out: str | Path) -> ResultStore:
    path = Path(out) / STORE_NAME
    if not path.is_file():
        raise ValueError(f"out {str(out)!r} holds no sweep results (no {STORE_NAME}); run modspec sweep first")
    return ResultStore(out)


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """One stored row as a flat record: parameters, derived columns, results, then bookkeeping."""
    flat = {"task": row["task"], **row["params"], **row["info"], **(row["result"] or {})}
    flat.update({k: row[k] for k in _TRAILING})
    return flat


def rows_to_records(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat records of stored rows (see :func:`flatten`)."""
    return [flatten(r) for r in rows]


def load_records(out: str | Path) -> list[dict[str, Any]]:
    """Every result stored in ``out`` as a flat dict, in grid order."""
    with _open(out) as store:
        return rows_to_records(store.rows())


def _column(values: list[Any]) -> tuple[np.dtype, list[Any]]:
    """The dtype of one column and its values (None -> NaN for numbers)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return np.dtype(bool), values
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present) and len(present) == len(values):
        return np.dtype(np.int64), values
    if present and all(isinstance(v, (int, float)) for v in present):
        return np.dtype(float), [math.nan if v is None else float(v) for v in values]
    if all(isinstance(v, str) for v in present):
        width = max((len(v) for v in present), default=1)
        return np.dtype(f"U{max(width, 1)}"), ["" if v is None else v for v in values]
    return np.dtype(object), values


def to_array(records: Sequence[dict[str, Any]]) -> np.ndarray:
    """A numpy structured array of flat records, shape (n_results,), one field per column."""
    names: list[str] = []
    for rec in records:
        names += [k for k in rec if k not in names]
    columns = {n: _column([rec.get(n) for rec in records]) for n in names}
    arr = np.empty(len(records), dtype=[(n, dt) for n, (dt, _) in columns.items()])
    for n, (_, values) in columns.items():
        arr[n] = values
    return arr


def load(out: str | Path) -> Any:
    """The results in ``out`` as a table: a pandas DataFrame if pandas is installed, else a structured array.

    Examples
    --------
    >>> table = load("sweep-novel_error")                          # doctest: +SKIP
    >>> table["k1_r2_over_P"], table["novel_error"]                 # doctest: +SKIP
    """
    records = load_records(out)
    try:
        import pandas
    except ImportError:
        return to_array(records)
    return pandas.DataFrame.from_records(records)


def varying_columns(records: Sequence[dict[str, Any]], params: Sequence[str]) -> list[str]:
    """The parameters among ``params`` that take more than one value over ``records``."""
    return [p for p in params if len({repr(r.get(p)) for r in records}) > 1]


def _numeric(records: Sequence[dict[str, Any]], name: str, columns: Sequence[str]) -> np.ndarray:
    values = [r.get(name) for r in records]
    if not any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"plot column {name!r} must be a numeric column; numeric columns: {', '.join(columns)}")
    return np.array([math.nan if not isinstance(v, (int, float)) else float(v) for v in values], dtype=float)


def _categorical(task: str) -> list[str]:
    """The task's parameters that are names (arch, mode, theorem, init)."""
    from proofs.sweep.tasks import get_task

    return [p.name for p in get_task(task).params if p.kind == "str"]


def plot_sweep(out: str | Path, x: str, y: str, path: str | Path | None = None) -> Path:
    """Draw ``y`` against ``x`` from the results in ``out``, one series per value of the named parameters.

    When ``x`` is a grid parameter, each combination of the other varying
    parameters is a series; when ``x`` is computed (a result such as ``pi``, or
    ``k1_r2_over_P``), the series are the varying named parameters (arch, mode,
    theorem, init) and the numeric ones are points along them. Points that
    differ only in ``seed`` are averaged.

    Only finished (``done``) results are drawn. Writes an SVG (default
    ``out/plot-<x>-<y>.svg``) and returns its path.
    """
    from matplotlib.figure import Figure

    with _open(out) as store:
        rows = [r for r in store.rows() if r["status"] == "done"]
    if not rows:
        raise ValueError(f"out {str(out)!r} has no finished results to plot")
    records = rows_to_records(rows)
    numeric = sorted({k for rec in records for k, v in rec.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("seconds",)})
    xs, ys = _numeric(records, x, numeric), _numeric(records, y, numeric)
    params = [p for p in rows[0]["params"] if p not in _AVERAGED]
    # x a grid parameter: every other varying parameter is a series; x computed (pi, k1 r^2 / P): only the names
    groups = varying_columns(records, [p for p in params if p != x] if x in params else _categorical(rows[0]["task"]))
    series: dict[tuple, list[int]] = {}
    for i, rec in enumerate(records):
        series.setdefault(tuple(rec.get(g) for g in groups), []).append(i)
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    for label, idx in series.items():
        at = sorted(set(xs[idx].tolist()))
        mean = [float(np.mean([ys[i] for i in idx if xs[i] == v])) for v in at]  # over seeds at one x
        name = ", ".join(f"{g}={v}" for g, v in zip(groups, label)) or y
        ax.plot(at, mean, marker="o", label=name)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if len(series) > 1 or groups:
        ax.legend(fontsize="small")
    target = Path(out) / f"plot-{x}-{y}.svg".replace(":", "_") if path is None else Path(path)
    fig.savefig(target)  # format from the suffix (svg by default)
    return target
