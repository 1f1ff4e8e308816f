"""Sweep specifications: a task and a grid, read from TOML and validated before any work.

A spec file looks like::

    task = "certify"                 # one of proofs.sweep.TASKS
    description = "T5 over r"        # optional
    chunk_size = 20                  # optional: tasks per Dask task (default: adaptive)

    [grid]
    theorem = "T5"                   # a scalar: the same for every point
    n1 = [2, 3]                      # a list: one value per point
    k1 = {start = 1, stop = 4}       # an integer range, stop excluded (step optional)
    n2 = 1
    k2 = 1
    r = ["1/2", "1", "sqrt(2)"]     # exact reals

The grid is the Cartesian product of its keys in file order (the last key
varies fastest); parameters the grid leaves out take the task's defaults.
Every point is validated by the library's own checks before anything runs, so
an error names the key, its value and what is allowed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from proofs.sweep.tasks import REQUIRED, Task, describe_dataset, get_task

__all__ = ["SweepSpec", "TaskPoint", "parse_spec", "load_spec", "task_key", "modspec_version", "MAX_POINTS"]

#: Top-level keys of a spec.
SPEC_KEYS = ("task", "description", "chunk_size", "grid")
#: Largest grid accepted (a typo like ``stop = 1000000`` fails before any work).
MAX_POINTS = 1_000_000


def modspec_version() -> str:
    """The installed modspec version, or the one in the source tree's pyproject.toml.

    Part of every result key: results of another version are not reused.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modspec")
    except PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def task_key(task: str, params: Mapping[str, Any], version: str) -> str:
    """SHA-256 of the task name, its canonical parameters and the modspec version (hex)."""
    blob = json.dumps({"task": task, "params": dict(params), "version": version}, sort_keys=True,
                      separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TaskPoint:
    """One grid point: its position, result key, canonical parameters and derived columns."""

    index: int
    key: str
    params: dict
    info: dict


def _values(task: Task, name: str, raw: Any) -> tuple[Any, ...]:
    param = task.param(name)
    if isinstance(raw, dict):
        if set(raw) - {"start", "stop", "step"} or not {"start", "stop"} <= set(raw):
            raise ValueError(f"grid key {name!r}: a table must be {{start, stop[, step]}} (integers, stop excluded); "
                             f"got {raw!r}")
        ends = [raw["start"], raw["stop"], raw.get("step", 1)]
        if any(isinstance(v, bool) or not isinstance(v, int) for v in ends) or ends[2] == 0:
            raise ValueError(f"grid key {name!r}: start, stop, step must be integers (step != 0); got {raw!r}")
        raw = list(range(*ends))
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise ValueError(f"grid key {name!r} has no values (an empty list or range)")
    parsed = tuple(param.parse(v) for v in values)
    if len(set(parsed)) != len(parsed):
        raise ValueError(f"grid key {name!r} lists a value twice (after reading it exactly): {values!r}")
    return parsed


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the task, the grid axes (key, canonical values) in order, and options.

    Build with :func:`parse_spec` (from a dict) or :func:`load_spec` (from TOML).
    """

    task: str
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    description: str = ""
    chunk_size: int | None = None

    @property
    def size(self) -> int:
        """Number of grid points."""
        n = 1
        for _, values in self.grid:
            n *= len(values)
        return n

    def points(self, version: str | None = None) -> tuple[TaskPoint, ...]:
        """Every grid point, validated, with its result key (``version`` defaults to the running one)."""
        task = get_task(self.task)
        version = modspec_version() if version is None else version
        names = [k for k, _ in self.grid]
        out = []
        for i, combo in enumerate(itertools.product(*(v for _, v in self.grid))):
            given = dict(zip(names, combo))
            params = {p.name: given.get(p.name, p.default) for p in task.params}
            try:
                task.validate(params)
            except ValueError as err:
                shown = ", ".join(f"{k}={v}" for k, v in given.items())
                raise ValueError(f"grid point {shown}: {err}") from None
            out.append(TaskPoint(i, task_key(self.task, params, version), params, describe_dataset(params)))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """The spec as TOML-shaped data (what :func:`parse_spec` reads back)."""
        out: dict[str, Any] = {"task": self.task}
        if self.description:
            out["description"] = self.description
        if self.chunk_size is not None:
            out["chunk_size"] = self.chunk_size
        out["grid"] = {k: (v[0] if len(v) == 1 else list(v)) for k, v in self.grid}
        return out


def parse_spec(data: Mapping[str, Any]) -> SweepSpec:
    """Validate spec data (a parsed TOML document) into a :class:`SweepSpec` and check every point.

    Raises
    ------
    ValueError
        Naming the key, its value and what is allowed: unknown top-level or
        grid keys, a missing required parameter, bad values, invalid points.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"a spec must be a table; got {type(data).__name__}")
    unknown = [k for k in data if k not in SPEC_KEYS]
    if unknown:
        raise ValueError(f"unknown spec key {unknown[0]!r}; allowed: {', '.join(SPEC_KEYS)}")
    if "task" not in data:
        raise ValueError("spec key 'task' is missing; it must name a task")
    task = get_task(data["task"])
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"spec key 'description' must be a string; got {description!r}")
    chunk = data.get("chunk_size")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= 100_000):
        raise ValueError(f"spec key 'chunk_size' must be an integer in [1, 100000]; got {chunk!r}")
    grid = data.get("grid")
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("spec key 'grid' must be a non-empty table of parameter values")
    axes = tuple((name, _values(task, name, raw)) for name, raw in grid.items())
    missing = [p.name for p in task.params if p.default is REQUIRED and p.name not in grid]
    if missing:
        raise ValueError(f"grid is missing {', '.join(map(repr, missing))}, required by task {task.name!r} "
                         f"(its parameters: {', '.join(p.name for p in task.params)})")
    spec = SweepSpec(task.name, axes, description, chunk)
    if spec.size > MAX_POINTS:
        raise ValueError(f"grid has {spec.size} points; at most {MAX_POINTS} are allowed")
    spec.points()  # every point through the library's checks, before any work
    return spec


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a TOML spec file (see the module docstring for the format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"spec file {str(path)!r} cannot be read: {err.strerror or err}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"spec file {str(path)!r} is not valid TOML: {err}") from None
    return parse_spec(data)
