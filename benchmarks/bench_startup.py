"""Second-run wall time of the commands that only use derivations, against a cold derivation cache.

Each command runs as a fresh process (``python -m proofs.cli ...``) three ways
in one run: cold (empty cache: derives and stores), warm (second run: loads),
and the import floor (``python -c "import proofs.cli"``). ``verify`` always
derives (and audits the cache); it is timed warm. Ratios cold/warm are what
to compare across machines; the 2 cores here are shared, so absolute seconds
vary with load (the load average is printed).

    PYTHONPATH=$PWD python benchmarks/bench_startup.py [--verify]
"""

from __future__ import annotations

import os
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
VERIFY = ["verify", "--samples", "4", "--quiet"]


def _wall(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, MODSPEC_CACHE_DIR=cache)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        floor = _wall(["-c", "import proofs.cli"], env)
        print(f"{'import floor':<12} {floor:7.2f} s")
        print(f"{'command':<12} {'cold s':>7} {'warm s':>7} {'cold/warm':>9} {'warm-floor':>10}")
        for name, argv in COMMANDS.items():
            subprocess.run([sys.executable, "-m", "proofs.cli", "cache", "clear"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            cold = _wall(["-m", "proofs.cli", *argv], env)
            warm = _wall(["-m", "proofs.cli", *argv], env)
            print(f"{name:<12} {cold:7.2f} {warm:7.2f} {cold / warm:9.1f} {warm - floor:10.2f}")
        if "--verify" in sys.argv:
            print(f"{'verify':<12} {'':>7} {_wall(['-m', 'proofs.cli', *VERIFY], env):7.2f}  (derives; audits the cache)")


if __name__ == "__main__":
    main()
