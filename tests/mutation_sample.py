"""Print a seeded uniform random sample of mutmut's mutant names, for a partial run whose score estimates the whole.

The full scope (theory/, numeric/, proofs/ less report rendering) has about
25 000 mutants, more than 2 shared cores test in an evening; a uniform sample
gives an unbiased estimate of the score with a binomial confidence interval
(docs/mutation.md). Run after mutmut has generated its mutants (``mutants/``):

    MODSPEC_PROFILE=mutation nice -n 19 mutmut run --max-children 2 \
        $(python tests/mutation_sample.py --n 400 --seed 0 --exclude 'proofs.verify.*')

``--include``/``--exclude`` take mutmut's name globs (``theory.*``,
``proofs.claims.*``); names are sorted before sampling, so the same seed and
mutants give the same sample. ``--offset K`` skips the first K names of the
seeded draw: ``--n 100 --offset 0``, ``--n 100 --offset 100``, ... are
consecutive batches of one uniform sample (random.sample draws one name after
another), so a run can stop after any batch and still hold a uniform sample.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
from pathlib import Path


def mutant_names(root: Path = Path("mutants")) -> list[str]:
    """Every mutant name recorded in mutmut's ``.meta`` files, sorted."""
    names: set[str] = set()
    for meta in root.rglob("*.py.meta"):
        names.update(json.loads(meta.read_text())["exit_code_by_key"])
    return sorted(names)


def sample(names: list[str], n: int, seed: int, include: list[str], exclude: list[str], offset: int = 0) -> list[str]:
    """Names ``offset .. offset + n`` of a seeded draw without replacement among those the globs keep, sorted."""
    kept = [m for m in names
            if (not include or any(fnmatch.fnmatch(m, g) for g in include))
            and not any(fnmatch.fnmatch(m, g) for g in exclude)]
    return sorted(random.Random(seed).sample(kept, min(offset + n, len(kept)))[offset:])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, required=True, help="sample size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--offset", type=int, default=0, help="skip this many names of the seeded draw (batches)")
    p.add_argument("--include", action="append", default=[], help="name glob to keep (repeatable)")
    p.add_argument("--exclude", action="append", default=[], help="name glob to drop (repeatable)")
    args = p.parse_args()
    print("\n".join(sample(mutant_names(), args.n, args.seed, args.include, args.exclude, args.offset)))


if __name__ == "__main__":
    main()
