"""The formulas THEORY.md states: the expected answers that derivations are compared with.

Nothing in modspec computes with these; ``proofs`` derives every result
through :mod:`theory` and compares it with the entry here.
"""

from __future__ import annotations

import sympy as sp

from theory import symbols as s

__all__ = ["STATED", "STATED_BLOCK_NORMS_SQ", "STATED_DYNAMICS"]

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r
_D = (P + k1 * r**2) * (P + k2 * r**2)

#: Section 2 and 3: singular values, eigenvalues, fixed points, module values.
STATED = {
    "pi1": sp.sqrt((P + k1 * r**2) * (P + k2 * r**2)) / P,
    "pi2": r * sp.sqrt(k2 * (P + k1 * r**2)) / P,
    "pi3": r**2 * sp.sqrt(k1 * k2) / P,
    "lambda1": (P + k1 * r**2) / P,
    "lambda2": k1 * r**2 / P,
    "a1*": sp.sqrt((P + k2 * r**2) / (P + k1 * r**2)),
    "a2*": r * sp.sqrt(k2 / (P + k1 * r**2)),
    "a3*": sp.sqrt(k2 / k1),
    "split omega": sp.sqrt((P + k1 * r**2) / P),
    "dense rho": r * sp.sqrt(k1 / P),
    "dense W*_OO gain": P / (P + k1 * r**2),
    "dense novel error": n2 * (k1 * r**2 / (P + k1 * r**2)) ** 2,
}

_a1, _a2, _a3 = (sp.Symbol(f"a_pi{i}", nonnegative=True) for i in (1, 2, 3))
#: Section 4, in the strength symbols of theory.observables (a_pi1, a_pi2, a_pi3).
STATED_BLOCK_NORMS_SQ = {
    "OO": n2 * P**2 * _a1**2 / _D,
    "GO": n2 * P * k1 * r**2 * _a1**2 / _D,
    "OG": n2 * P * k2 * r**2 * _a1**2 / _D + (n1 - n2) * P * _a2**2 / (P + k1 * r**2),
    "GG": n2 * k1 * k2 * r**4 * _a1**2 / _D + (n1 - n2) * k1 * r**2 * _a2**2 / (P + k1 * r**2) + (P - n1) * _a3**2,
    "sum": n2 * _a1**2 + (n1 - n2) * _a2**2 + (P - n1) * _a3**2,
}

_pi, _lam, _a, _a0, _t, _tau = s.pi_m, s.lam_m, s.a_m, s.a0, s.t, s.tau
#: Section 3 and T8, in the generic mode symbols.
STATED_DYNAMICS = {
    "deep rhs": 2 * _a * (_pi - _lam * _a),
    "shallow rhs": _pi - _lam * _a,
    "deep solution": (_pi / _lam) / (1 - (1 - _pi / (_lam * _a0)) * sp.exp(-2 * _pi * _t / _tau)),
    "shallow solution": (_pi / _lam) * (1 - sp.exp(-_lam * _t / _tau)) + _a0 * sp.exp(-_lam * _t / _tau),
    "fixed point": _pi / _lam,
    "deep half time": (_tau / (2 * _pi)) * sp.log(_pi / (_lam * _a0) - 1),
}
