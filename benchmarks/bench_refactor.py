"""Issue 9's speed criterion: default ``verify`` and the simulator, before the refactor (6698f24) vs HEAD.

Both trees run in one script, alternating (base, head, base, head, ...), so
both see the same machine load; each run is a fresh process with its own
empty derivation cache. Reported per tree: CPU seconds (user + system, which
the other processes on the shared cores disturb much less than wall time) and
wall seconds of every run, the medians, and the ratios head/base (issue 9
asks for <= 1.10). HEAD's ``verify``
checks more (T10, T11 and more certificate checks than the base's T1-T9), so
the per-theorem seconds of the theorems both have are printed side by side as
well (from ``verify_theorem``'s ``seconds``).

Simulator: the same call in both trees, ``numeric.simulate.simulate`` on
D(n1=4, n2=2, k1=2, k2=2, r=1), split architecture, 16 seeds, 2000 steps,
checkpoints every 10 steps, timed after a warm-up call (setup derivations
excluded): best of 2 per process.

    PYTHONPATH=$PWD python benchmarks/bench_refactor.py [--base DIR] [--rounds N] [--skip-verify]

``--base DIR`` is a checkout of 6698f24 (made with ``git worktree add DIR
6698f24`` and removed afterwards if not given).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_COMMIT = "6698f24"
HEAD = Path(__file__).resolve().parents[1]

_SIMULATE = """
import time
from numeric.simulate import simulate
from theory.dataset import Dataset
d = Dataset(n1=4, n2=2, k1=2, k2=2, r=1)
run = lambda: simulate(d, "split", lr=0.05, steps=2000, seeds=tuple(range(16)), every=10)
run()
best, best_cpu = float("inf"), float("inf")
for _ in range(2):
    t0, c0 = time.perf_counter(), time.process_time()
    run()
    best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
print(best_cpu, best)
"""


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _env(tree: Path, cache: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), MODSPEC_CACHE_DIR=cache)
    env.pop("MODSPEC_NO_CACHE", None)
    return env


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _verify(tree: Path) -> tuple[float, float, dict[str, float]]:
    """CPU and wall seconds of the default verify in ``tree`` and its per-theorem (wall) seconds."""
    code = ("import json, sys; from proofs.verify import verify; r = verify(); "
            "print(json.dumps({t.id: t.seconds for t in r.theorems})); sys.exit(0 if r.ok else 1)")
    with tempfile.TemporaryDirectory() as cache:
        start, cpu = time.perf_counter(), _child_cpu()
        proc = subprocess.run([sys.executable, "-c", code], env=_env(tree, cache), cwd=tree, capture_output=True,
                              text=True, check=False)
        wall, cpu = time.perf_counter() - start, _child_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"verify in {tree} failed: {proc.stderr[-1000:]}")
    return cpu, wall, json.loads(proc.stdout.strip().splitlines()[-1])


def _simulate(tree: Path) -> tuple[float, float]:
    """CPU and wall seconds of the timed simulator call (best of 2) in ``tree``."""
    with tempfile.TemporaryDirectory() as cache:
        proc = subprocess.run([sys.executable, "-c", _SIMULATE], env=_env(tree, cache), cwd=tree, capture_output=True,
                              text=True, check=True)
    cpu, wall = proc.stdout.strip().splitlines()[-1].split()
    return float(cpu), float(wall)


def _row(name: str, base: list[float], head: list[float]) -> str:
    mb, mh = statistics.median(base), statistics.median(head)
    return (f"{name:<14} base {', '.join(f'{x:.2f}' for x in base)} (median {mb:.2f}) | "
            f"head {', '.join(f'{x:.2f}' for x in head)} (median {mh:.2f}) | head/base {mh / mb:.2f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", type=Path, default=None, help=f"a checkout of {BASE_COMMIT} (default: a temporary worktree)")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    p.add_argument("--skip-verify", action="store_true", help="only the simulator")
    args = p.parse_args()
    made = args.base is None
    base = args.base or Path(tempfile.mkdtemp(prefix="modspec-base-")) / "tree"
    if made:
        subprocess.run(["git", "-C", str(HEAD), "worktree", "add", "--detach", str(base), BASE_COMMIT], check=True,
                       capture_output=True)
    try:
        print(_load())
        times: dict[str, dict[str, list[float]]] = {
            f"{what} {clock}": {"base": [], "head": []} for what in ("verify", "simulator") for clock in ("cpu", "wall")}
        per_theorem: dict[str, dict[str, list[float]]] = {"base": {}, "head": {}}
        for _ in range(args.rounds):
            for label, tree in (("base", base), ("head", HEAD)):
                cpu, wall = _simulate(tree)
                times["simulator cpu"][label].append(cpu)
                times["simulator wall"][label].append(wall)
                if not args.skip_verify:
                    cpu, wall, seconds = _verify(tree)
                    times["verify cpu"][label].append(cpu)
                    times["verify wall"][label].append(wall)
                    for tid, sec in seconds.items():
                        per_theorem[label].setdefault(tid, []).append(sec)
                print(f"  {label}: " + ", ".join(f"{k} {v[label][-1]:.2f} s" for k, v in times.items() if v[label])
                      + f"  ({_load()})", flush=True)
        for name, t in times.items():
            if t["base"]:
                print(_row(name, t["base"], t["head"]))
        common = [tid for tid in per_theorem["base"] if tid in per_theorem["head"]]
        if common:
            print("per theorem (median wall seconds inside verify): " + ", ".join(
                f"{tid} {statistics.median(per_theorem['base'][tid]):.1f} -> "
                f"{statistics.median(per_theorem['head'][tid]):.1f}" for tid in common))
            only = sorted(set(per_theorem["head"]) - set(common))
            if only:
                print("only in head: " + ", ".join(
                    f"{tid} {statistics.median(per_theorem['head'][tid]):.1f}" for tid in only))
            tb = sum(statistics.median(per_theorem["base"][t]) for t in common)
            th = sum(statistics.median(per_theorem["head"][t]) for t in common)
            print(f"theorems both have: base {tb:.1f} s, head {th:.1f} s, head/base {th / tb:.2f}")
        print(_load())
    finally:
        if made:
            subprocess.run(["git", "-C", str(HEAD), "worktree", "remove", "--force", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
