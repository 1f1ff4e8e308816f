"""The one symbolic -> numeric boundary: lambdify with registered backends.

Every closed form in modspec is a sympy expression from :mod:`theory`; this
module is the only place that turns one into a callable. A
:class:`Compiled` records the argument order. Results are cached per
(expression, arguments, backend), so a formula is compiled once.

``P`` is never an argument: it is replaced by ``2**n1`` before compiling.

The numpy backend hands lambdify an explicit namespace and printer, the same
ones ``modules=["numpy"]`` would build, but without ``from numpy import *``:
that statement imports numpy's lazy submodules (f2py, testing, unittest, ...),
a third of a second on every command's first compilation.
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



def _numpy_namespace() -> dict[str, Any]:
    """What ``from numpy import *; from numpy.linalg import *`` binds, minus submodules not yet imported.

    Plus sympy's numpy defaults and translations (``I`` -> 1j, ``Heaviside`` -> ``heaviside``).
    """
    ns = {name: np.__dict__[name] for name in np.__all__ if name in np.__dict__}
    ns.update({name: getattr(np.linalg, name) for name in np.linalg.__all__})
    ns.update(numpy=np, I=1j, Heaviside=np.heaviside)
    return ns


def _numpy_printer() -> Any:
    """The printer lambdify builds for ``modules=["numpy"]`` (same settings, no user functions)."""
    from sympy.printing.numpy import NumPyPrinter

    return NumPyPrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                         "user_functions": {}})


#: Backend name -> modules handed to ``sympy.lambdify``.
BACKENDS: dict[str, list[Any]] = {
    "numpy": [_numpy_namespace()],
    "mpmath": ["mpmath"],
}
#: Backend name -> a maker of its printer (None: lambdify chooses from the modules).
_PRINTERS: dict[str, Callable[[], Any] | None] = {"numpy": _numpy_printer, "mpmath": None}


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
    printer = _PRINTERS[backend]
    fn = sp.lambdify(args, body, modules=BACKENDS[backend], printer=None if printer is None else printer())
    return Compiled(sp.sympify(expr), tuple(args), backend, fn)


def mp_number(value: Any) -> mpmath.mpf:
    """An exact sympy number (or int/float) as an mpf at the current mpmath precision."""
    if isinstance(value, (int, np.integer)):
        return mpmath.mpf(int(value))
    return mpmath.mpf(sp.N(sp.sympify(value), mpmath.mp.dps + 10).__str__())
