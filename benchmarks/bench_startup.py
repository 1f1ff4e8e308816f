"""Startup and determinism benchmarks: second-run wall time of the commands, and derivations under 50 hash seeds.

**Startup** (default). Each command runs as a fresh process (``python -m
proofs.cli ...``) three ways in one run: cold (empty cache: derives and
stores), warm (second run: loads), and the import floor (``python -c "import
proofs.cli"``). ``--verify`` also times the default ``verify`` (it always
derives and audits the cache). Ratios cold/warm are what to compare across
machines; the 2 cores here are shared, so absolute seconds vary with load (the
load average is printed before and after).

**Determinism** (``--determinism [N]``, default N = 50). N consecutive fresh
processes, each with its own ``PYTHONHASHSEED`` and the derivation cache
disabled (so each really derives), run the derivations of ``verify --theorem
T4`` (its symbolic proof) and of ``report`` (observables and spectra of every
architecture, the mode dynamics of both depths). Each prints the SHA-256 of
the ``srepr`` of everything derived; all N digests must be identical, and no
run may take over 3x the median time (the randomized sympy algorithms run
seeded, see theory/determinism.py, so a run cannot get unlucky). The time
judged is each process's CPU time (user + system): an unlucky randomized
algorithm spins the CPU, whereas wall time on the shared 2 cores mostly
measures the other processes' load (wall times are printed too).
``--determinism 5`` is a quick check.

    PYTHONPATH=$PWD python benchmarks/bench_startup.py [--verify] [--determinism [N]]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

DATASET = ["--n1", "3", "--n2", "3", "--k1", "1", "--k2", "1", "--r", "1"]
COMMANDS = {
    "spectrum": ["spectrum", *DATASET],
    "trajectory": ["trajectory", *DATASET, "--arch", "split", "--steps", "1000"],
    "simulate": ["simulate", *DATASET, "--arch", "split", "--steps", "1000", "--quiet"],
}
VERIFY = ["verify", "--quiet"]
#: No run of the determinism benchmark may take longer than this multiple of the median (issue 14).
SLOWEST_OVER_MEDIAN = 3.0

# Derives what `verify --theorem T4` and `report` derive; prints one digest of all of it.
_DERIVE = """
import hashlib
import sympy as sp
from proofs.catalogue import get_theorem
from theory.architectures import ARCHITECTURES, get_architecture
from theory.dynamics import mode_dynamics
from theory.observables import derive_observables
from theory.spectrum import derive_module_spectrum

parts = []
proof = get_theorem("T4").run_proof()
parts += [(c.what, c.derived, c.stated, c.holds) for c in proof.comparisons]
parts += [(st.text, st.expr) for st in proof.derivation.steps]
for name in ARCHITECTURES:
    o = derive_observables(name)
    parts.append((o.strengths, o.block_norms_sq, o.omega_gain, o.rho_sq, o.novel_error))
    for module in get_architecture(name).modules:
        parts.append(derive_module_spectrum(module).modes)
for deep in (True, False):
    m = mode_dynamics(deep)
    parts.append((m.rhs, m.solution, m.fixed_point, m.stability, m.half_time))
print(hashlib.sha256(sp.srepr(parts).encode()).hexdigest())
"""


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process."""
    start, cpu = time.perf_counter(), _child_cpu()
    subprocess.run([sys.executable, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _child_cpu() - cpu


def startup(with_verify: bool) -> None:
    """Cold and warm runs of each command, the import floor and --help: wall and CPU seconds."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, MODSPEC_CACHE_DIR=cache)
        env.pop("MODSPEC_NO_CACHE", None)
        print(_load())
        rows = {"import floor": (None, _run(["-c", "import proofs.cli"], env)),
                "--help": (None, _run(["-m", "proofs.cli", "--help"], env))}
        for name, argv in COMMANDS.items():
            subprocess.run([sys.executable, "-m", "proofs.cli", "cache", "clear"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            cold = _run(["-m", "proofs.cli", *argv], env)
            rows[name] = (cold, _run(["-m", "proofs.cli", *argv], env))
        if with_verify:
            rows["verify"] = (None, _run(["-m", "proofs.cli", *VERIFY], env))
        print(f"{'command':<12} {'cold wall':>9} {'cold cpu':>9} {'warm wall':>9} {'warm cpu':>9}  (seconds)")
        for name, (cold, warm) in rows.items():
            c = f"{cold[0]:9.2f} {cold[1]:9.2f}" if cold else f"{'':>9} {'':>9}"
            print(f"{name:<12} {c} {warm[0]:9.2f} {warm[1]:9.2f}")
        print(_load())


def determinism(runs: int) -> bool:
    """``runs`` fresh processes with hash seeds 0..runs-1: identical digests, none over 3x the median CPU time."""
    print(_load())
    digests, walls, cpus = [], [], []
    for seed in range(runs):
        env = dict(os.environ, PYTHONHASHSEED=str(seed), MODSPEC_NO_CACHE="1")  # derive, never load
        start, cpu = time.perf_counter(), _child_cpu()
        proc = subprocess.run([sys.executable, "-c", _DERIVE], env=env, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
        digests.append(proc.stdout.strip())
        print(f"  seed {seed:>3}: cpu {cpus[-1]:6.2f} s, wall {walls[-1]:6.2f} s  {digests[-1][:16]}  "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    identical = len(set(digests)) == 1
    print(f"{runs} runs: {'identical' if identical else 'DIFFERENT'} output ({len(set(digests))} distinct digests)")
    for name, times in (("cpu", cpus), ("wall", walls)):
        median = statistics.median(times)
        print(f"  {name:<4} median {median:.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
              f"= {max(times) / median:.2f}x the median" + (f" (limit {SLOWEST_OVER_MEDIAN:g}x)" if name == "cpu" else ""))
    print(_load())
    return identical and max(cpus) / statistics.median(cpus) <= SLOWEST_OVER_MEDIAN


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--verify", action="store_true", help="also time the default verify")
    p.add_argument("--determinism", nargs="?", type=int, const=50, default=None, metavar="N",
                   help="run the determinism benchmark with N hash seeds (default 50) instead of the startup one")
    args = p.parse_args()
    if args.determinism is not None:
        return 0 if determinism(args.determinism) else 1
    startup(args.verify)
    return 0


if __name__ == "__main__":
    sys.exit(main())
