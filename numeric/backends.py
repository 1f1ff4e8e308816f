"""The one symbolic -> numeric boundary: lambdify with registered backends.

Every closed form in modspec is a sympy expression from :mod:`theory`; this
module is the only place that turns one into a callable. A
:class:`Compiled` records the argument order. Results are cached per
(expression, arguments, backend), so a formula is compiled once.

``P`` is never an argument: it is replaced by ``2**n1`` before compiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import mpmath
import numpy as np
import sympy as sp

from theory import symbols as s

__all__ = ["BACKENDS", "Compiled", "compile_expr", "check_backend", "mp_number"]

#: Backend name -> modules handed to ``sympy.lambdify``.
BACKENDS: dict[str, list[Any]] = {
    "numpy": ["numpy"],
    "mpmath": ["mpmath"],
}


def check_backend(backend: str) -> str:
    """Return ``backend`` if registered, else raise ``ValueError`` listing the valid ones."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    return backend


@dataclass(frozen=True)
class Compiled:
    """A compiled closed form: ``fn(*args)`` evaluates ``expr``."""

    expr: sp.Expr
    args: tuple[sp.Symbol, ...]
    backend: str
    fn: Callable[..., Any]

    def __call__(self, *values: Any) -> Any:
        if len(values) != len(self.args):
            raise TypeError(f"expected {len(self.args)} arguments {self.args}, got {len(values)}")
        return self.fn(*values)


@lru_cache(maxsize=4096)
def compile_expr(expr: sp.Expr, args: tuple[sp.Symbol, ...] = s.PARAMS, backend: str = "numpy") -> Compiled:
    """Compile ``expr`` (with ``P -> 2**n1``) to a callable of ``args``."""
    check_backend(backend)
    body = sp.sympify(expr).subs(s.P, 2**s.n1)
    free = body.free_symbols - set(args)
    if free:
        raise ValueError(f"expression has symbols {sorted(map(str, free))} that are not arguments {args}")
    fn = sp.lambdify(args, body, modules=BACKENDS[backend])
    return Compiled(sp.sympify(expr), tuple(args), backend, fn)


def mp_number(value: Any) -> mpmath.mpf:
    """An exact sympy number (or int/float) as an mpf at the current mpmath precision."""
    if isinstance(value, (int, np.integer)):
        return mpmath.mpf(int(value))
    return mpmath.mpf(sp.N(sp.sympify(value), mpmath.mp.dps + 10).__str__())
