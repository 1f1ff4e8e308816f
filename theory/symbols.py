"""The sympy symbols shared by every derivation.

All symbols carry the assumptions of docs/theory.md section 1 so that ``simplify``
can use them (``sqrt(x**2) == x`` for positive x and so on). ``P`` stands for
``2**n1``; it is kept as its own positive symbol because every closed form is a
rational function of P, and substituted only when a concrete dataset is chosen.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "n1", "n2", "k1", "k2", "r", "P", "t", "tau", "eta", "a0", "a", "pi_m", "lam_m", "a_m", "PARAMS",
    "generic_assumptions", "simplify_generic",
]

n1 = sp.Symbol("n1", integer=True, positive=True)
n2 = sp.Symbol("n2", integer=True, nonnegative=True)
k1 = sp.Symbol("k1", integer=True, nonnegative=True)
k2 = sp.Symbol("k2", integer=True, nonnegative=True)
r = sp.Symbol("r", nonnegative=True)
P = sp.Symbol("P", integer=True, positive=True)

t = sp.Symbol("t", nonnegative=True)
tau = sp.Symbol("tau", positive=True)
eta = sp.Symbol("eta", positive=True)
a0 = sp.Symbol("a0", positive=True)
a = sp.Function("a")
#: Generic mode parameters: singular value pi, input eigenvalue lambda, strength a.
pi_m = sp.Symbol("pi", positive=True)
lam_m = sp.Symbol("lambda", positive=True)
a_m = sp.Symbol("a", positive=True)

#: The dataset parameters in the argument order used by every compiled formula.
PARAMS: tuple[sp.Symbol, ...] = (n1, n2, k1, k2, r)


def generic_assumptions() -> dict[sp.Symbol, sp.Symbol]:
    """Return a substitution to strictly positive copies of k1, k2, r.

    The generic case of docs/theory.md (r > 0, k1, k2 >= 1) is where the closed
    forms hold without case splits; degenerate cases are handled explicitly
    by substituting 0 afterwards.
    """
    return {
        k1: sp.Symbol("k1", integer=True, positive=True),
        k2: sp.Symbol("k2", integer=True, positive=True),
        r: sp.Symbol("r", positive=True),
    }


def simplify_generic(expr: sp.Expr) -> sp.Expr:
    """Simplify under r > 0, k1, k2 >= 1, then return the result in the public symbols.

    Matrices are simplified entry by entry.
    """
    sub = generic_assumptions()
    back = {v: k for k, v in sub.items()}
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(simplify_generic)
    return sp.simplify(sp.sympify(expr).xreplace(sub)).xreplace(back)
