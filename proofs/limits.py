"""Bounds checked before any work: output size, network size, destinations, step sizes.

A command validates every flag here (and the dataset in ``theory``) before
it computes anything, so bad input costs milliseconds, not a 20-second
verification followed by a traceback. Each limit is documented with what it
protects:

====================  =========  ===============================================
``MAX_CHECKPOINTS``   100 000    rows of a trajectory or simulation series
                                 (``steps // every + 1``); 10 series of
                                 100 000 rows are about 20 MB of JSON
``MAX_SERIES_VALUES`` 4 000 000  seeds x checkpoints of a simulation (each
                                 observable is kept per seed, float64)
``MAX_HIDDEN``        4 096      hidden width of a deep module: the spectral
                                 initialization orthonormalizes a hidden x
                                 hidden matrix per seed (128 MB at 4 096)
``MAX_INIT_SCALE``    1          standard deviation of a random initial weight;
                                 the theory is about small initializations, and
                                 larger ones exceed the stability bound at the
                                 initial point
``MAX_SEEDS``         4 096      seeds of one simulation or report
``MAX_THREADS``       256        threads of one simulation: each holds a ring
                                 of recent states (about 1 MB)
====================  =========  ===============================================
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_CHECKPOINTS", "MAX_SERIES_VALUES", "MAX_HIDDEN", "MAX_INIT_SCALE", "MAX_SEEDS", "MAX_THREADS",
    "check_checkpoints", "check_hidden", "check_threads", "check_init_scale", "check_seeds", "check_out_dir", "check_stable_lr",
]

MAX_CHECKPOINTS = 100_000
MAX_SERIES_VALUES = 4_000_000
MAX_HIDDEN = 4096
MAX_INIT_SCALE = 1.0
MAX_SEEDS = 4096
MAX_THREADS = 256


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]; got {value!r}")
    return value


def check_checkpoints(steps: int, every: int, seeds: int = 1) -> int:
    """Number of checkpoints ``0, every, ..., steps``; refuses more rows than the limits allow."""
    steps = _int("steps", steps, 0, 10**9)
    every = _int("every", every, 1, 10**9)
    n = steps // every + 1 + (steps % every != 0)
    if n > MAX_CHECKPOINTS:
        raise ValueError(f"steps // every + 1 must be at most {MAX_CHECKPOINTS} checkpoints (output size); "
                         f"got steps={steps}, every={every} ({n} checkpoints): raise --every to at least "
                         f"{math.ceil(steps / (MAX_CHECKPOINTS - 1))}")
    if n * seeds > MAX_SERIES_VALUES:
        raise ValueError(f"seeds x checkpoints must be at most {MAX_SERIES_VALUES} (memory of the per-seed series); "
                         f"got {seeds} x {n}: raise --every or lower --seeds")
    return n


def check_hidden(hidden: int | None) -> int | None:
    """``hidden`` is None (the module rank) or an integer in [1, MAX_HIDDEN]."""
    if hidden is None:
        return None
    return _int("hidden", hidden, 1, MAX_HIDDEN)


def check_threads(threads: int | None) -> int | None:
    """``threads`` is None (automatic) or an integer in [1, MAX_THREADS]."""
    if threads is None:
        return None
    return _int("threads", threads, 1, MAX_THREADS)


def check_init_scale(init_scale: float) -> float:
    """Standard deviation of random initial weights, in (0, MAX_INIT_SCALE]."""
    if isinstance(init_scale, bool) or not isinstance(init_scale, (int, float)) or not math.isfinite(init_scale) \
            or not 0 < init_scale <= MAX_INIT_SCALE:
        raise ValueError(f"init_scale must be a number in (0, {MAX_INIT_SCALE:g}] (a small random initialization); "
                         f"got {init_scale!r}")
    return float(init_scale)


def check_seeds(seeds: int) -> int:
    """Number of seeds, 1..MAX_SEEDS."""
    return _int("seeds", seeds, 1, MAX_SEEDS)


def check_out_dir(out: str | os.PathLike[str]) -> Path:
    """A destination directory the report can be written to, checked by creating (and removing) a temporary one.

    Refuses the empty string, an existing non-directory, a parent that is not a
    directory (``/dev/null/x``) and places where nothing can be created
    (``/proc/...``), all before any work.
    """
    text = os.fspath(out)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"out must be a directory path (not empty); got {text!r}")
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"out {text!r} exists and is not a directory")
    parent = path.parent if not path.exists() else path
    if not parent.is_dir():
        raise ValueError(f"out {text!r}: {str(parent)!r} is not an existing directory")
    try:
        probe = tempfile.mkdtemp(prefix=".modspec-probe-", dir=path.parent if not path.exists() else path)
        os.rmdir(probe)
    except OSError as err:
        raise ValueError(f"out {text!r} cannot be written: {err.strerror or err}") from None
    return path


def check_stable_lr(dataset: Any, arch: str, lr: float, *, a0: float) -> float:
    """Refuse ``lr`` at or above the network's stability bound at its fixed point (spectral initialization).

    Uses :func:`numeric.simulate.stability_bound`, the bound the simulator documents.
    """
    from numeric.simulate import init, stability_bound

    system, _ = init((dataset,), arch, lr=lr, seeds=(0,), init="spectral", a0=a0)
    bound = float(stability_bound(system)[0])
    if not lr < bound:
        raise ValueError(f"lr must be below the stability bound {bound:.6g} of the {arch} network on this dataset "
                         f"(gradient descent diverges at or above it); got {lr!r}")
    return bound
