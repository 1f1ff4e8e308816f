"""Sweep engine: a 1,000-task certification grid on 2 Dask workers vs 1, and what scheduling costs.

Runs ``examples/certify_grid.toml`` (five theorems on 200 datasets, each
certified at 50 digits) with :func:`proofs.sweep.run_sweep` on

1. a local cluster of 1 worker process,
2. a local cluster of 2 worker processes (adaptive chunks, the default),
3. a local cluster of 2 worker processes with one task per chunk (no batching),

and prints, per run, the elapsed time after the workers are up, the time spent
inside tasks (summed over workers) and the scheduling overhead
``(workers * elapsed - task time) / task time`` (everything that is not task
work: the scheduler's round trips, the client's writes, idle workers at the
end). The speedup is elapsed(1 worker) / elapsed(2 workers). All runs must
store the same results.

    python benchmarks/bench_sweep.py           # 1,000 tasks (a few minutes on 2 cores)
    python benchmarks/bench_sweep.py --quick   # 200 tasks
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proofs.sweep import load_records, load_spec, parse_spec, run_sweep  # noqa: E402

RUN_COLUMNS = ("seconds", "worker")


def _results(out: Path) -> dict:
    return {r["key"]: {k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in load_records(out)}


def _spec(quick: bool):
    spec = load_spec(ROOT / "examples" / "certify_grid.toml")
    if not quick:
        return spec
    data = spec.to_dict()
    data["grid"]["r"] = data["grid"]["r"][:5]
    return parse_spec(data)


def _run(label: str, spec, workers: int, tmp: Path) -> tuple[object, dict]:
    out = tmp / label.replace(" ", "_")
    start = time.perf_counter()
    summary = run_sweep(spec, out, workers=workers, progress=False)
    total = time.perf_counter() - start
    assert summary.ok, summary.failures
    print(f"{label:<28} {summary.total:>6} {summary.chunks:>7} {summary.startup_seconds:>9.1f} "
          f"{summary.wall_seconds:>9.1f} {total:>8.1f} {summary.task_seconds:>9.1f} {summary.overhead:>9.1%}")
    return summary, _results(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 tasks instead of 1,000")
    args = parser.parse_args()
    spec = _spec(args.quick)
    one_per_chunk = parse_spec({**spec.to_dict(), "chunk_size": 1})
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the runs (other processes compete "
          "for the cores: the speedup needs two idle ones)")
    print(f"{'run':<28} {'tasks':>6} {'chunks':>7} {'startup':>9} {'elapsed':>9} {'total':>8} {'in tasks':>9} "
          f"{'overhead':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        one, r1 = _run("1 worker", spec, 1, Path(tmp))
        two, r2 = _run("2 workers", spec, 2, Path(tmp))
        unbatched, r3 = _run("2 workers, 1 task per chunk", one_per_chunk, 2, Path(tmp))
    assert r1 == r2 == r3, "runs stored different results"
    print(f"speedup 2 vs 1 worker: {one.wall_seconds / two.wall_seconds:.2f}x after start-up, "
          f"{(one.wall_seconds + one.startup_seconds) / (two.wall_seconds + two.startup_seconds):.2f}x including it")
    print(f"scheduling overhead, 2 workers: {two.overhead:.1%} of task time with adaptive chunks "
          f"({two.chunks} chunks), {unbatched.overhead:.1%} with one task per chunk ({unbatched.chunks} chunks)")
    print(f"load average {os.getloadavg()[0]:.1f} after the runs; all runs stored identical results")


if __name__ == "__main__":
    main()
