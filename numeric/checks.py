"""Argument checks shared by the simulators (linear and ReLU): each error names the parameter and its allowed range.

They run before any work, so bad input is refused with a ``ValueError`` that
the CLI turns into one line and exit status 2.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["check_number", "check_int", "check_lrs", "check_seeds"]


def check_number(name: str, value: object, allowed: str, ok: Callable[[float], bool]) -> float:
    """``value`` as a float: a finite real number (not a bool) for which ``ok`` holds; ``allowed`` says which."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number {allowed}; got {value!r}")
    v = float(value)
    if not math.isfinite(v) or not ok(v):
        raise ValueError(f"{name} must be a real number {allowed}; got {value!r}")
    return v


def check_int(name: str, value: object, lo: int) -> int:
    """``value`` as an int: an integer (not a bool) >= ``lo``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < lo:
        raise ValueError(f"{name} must be an integer >= {lo}; got {value!r}")
    return int(value)


def check_lrs(lr: object) -> np.ndarray:
    """Step sizes: one number > 0 or a non-empty sequence of them, as a float array; the error names the bad one."""
    if isinstance(lr, (int, float, np.integer, np.floating, str)) and not isinstance(lr, bool):
        values = [lr]
    else:
        try:
            values = list(lr)  # type: ignore[call-overload]
        except TypeError:  # not a number nor a sequence (None, True): refused below with the parameter's name
            values = [lr]
    if not values:
        raise ValueError(f"lr must be a number > 0 or a non-empty sequence of them; got {lr!r}")
    return np.array([check_number("lr", v, "> 0", lambda x: x > 0) for v in values])


def check_seeds(seeds: object) -> tuple[int, ...]:
    """Seeds: one integer >= 0 or a non-empty sequence of them, as a tuple of ints; the error names the bad one."""
    try:
        values = [seeds] if isinstance(seeds, (int, np.integer, str)) else list(seeds)  # type: ignore[arg-type]
    except TypeError:  # one bad seed (1.5, None): check_int names it
        values = [seeds]
    if not values:
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0; got {seeds!r}")
    return tuple(check_int("seeds", s, 0) for s in values)
