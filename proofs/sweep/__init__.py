"""Sweeps: a grid of tasks run on Dask (or in this process), resumable, loaded back as a table.

``modspec sweep SPEC.toml`` reads a spec (:mod:`proofs.sweep.spec`), runs
each grid point's task (:mod:`proofs.sweep.tasks`: the same library calls as
the CLI commands) in chunks on a Dask cluster (:mod:`proofs.sweep.engine`),
and stores every result as soon as its chunk returns in a SQLite file
(:mod:`proofs.sweep.store`); :func:`load` reads it back as a table
(:mod:`proofs.sweep.table`). Specs of the paper's sweeps are in ``examples/``.
"""

from proofs.sweep.engine import SweepSummary, run_chunk, run_sweep, run_sweep_records
from proofs.sweep.spec import SweepSpec, TaskPoint, load_spec, modspec_version, parse_spec, task_key
from proofs.sweep.store import STORE_NAME, ResultStore
from proofs.sweep.table import load, load_records, plot_sweep, to_array
from proofs.sweep.tasks import TASKS, Param, Task, get_task

__all__ = [
    "SweepSummary", "run_chunk", "run_sweep", "run_sweep_records", "SweepSpec", "TaskPoint", "load_spec",
    "modspec_version", "parse_spec", "task_key", "STORE_NAME", "ResultStore", "load", "load_records", "plot_sweep",
    "to_array", "TASKS", "Param", "Task", "get_task",
]
