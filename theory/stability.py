"""Stability of gradient descent at the balanced fixed point of an L-layer module.

Gradient descent with step eta on a loss whose Hessian has top eigenvalue h is
stable near a minimum when ``eta < 2 / h``. This module derives h for a linear
module ``W = W_L ... W_1`` at its balanced fixed point, from the loss, in SymPy:

1. **Small system.** Two input eigen-directions (``Sx = diag(lam_1, lam_2)``)
   and two modes (``Syx = diag(pi_1, pi_2)``), every layer ``2 x 2``. At the
   balanced fixed point each layer is ``diag(s_1, s_2)`` with ``s_i^L = a*_i``,
   so ``pi_i = lam_i s_i^L``. The loss is
   ``(1/2) tr(Syy) - tr(W Syx^T) + (1/2) tr(W Sx W^T)`` of the explicit
   product, and its Hessian over the ``4 L`` layer entries is computed with
   ``sympy.hessian``.
2. **Structure.** Grouping the parameters by the map entry they feed
   (``W_j[k, l]`` for j = 1..L), the Hessian is block diagonal (every
   cross-block entry simplifies to 0) and each L x L block is
   ``lam_l g g^T`` with ``g_j = s_k^(L-j) s_l^(j-1)`` (checked entrywise), so
   its only non-zero eigenvalue is its trace.
3. **General L.** The trace is the curvature on entry (k, l):

   .. math::

       h_{kl} = \\lambda_l \\sum_{j=1}^{L} a_k^{2(L-j)/L} a_l^{2(j-1)/L},

   derived for L = 1..4 and stated for symbolic L as a ``Sum``; it is
   compared with every derived trace. Setting ``s_l = 0`` (an input direction
   without a mode, ``pi_l = 0``) stays a fixed point and keeps the formula
   (``0^0 = 1``). For L = 1 it is ``lam_l`` (the Hessian of the quadratic
   loss), for L = 2 ``pi_l + a_k lam_l``.

``h_kl`` increases with ``a_k``, so the top eigenvalue over a module is
``max_l h(lam_l, a*_max, a*_l)`` over its input eigen-directions (those
without a mode with ``a_l = 0``), and the bound on the learning rate is
``2 / max h``. Only SymPy is used here; ``numeric.simulate`` evaluates
:func:`curvature` through ``numeric.backends``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from theory.derivation import Derivation
from theory.persist import persistent

__all__ = ["lam", "a_k", "a_l", "L", "curvature", "general_curvature", "derive_stability", "Stability", "DERIVED_DEPTHS"]

#: Input eigenvalue, output-side and input-side fixed-point strengths, depth.
lam, a_k, a_l = sp.symbols("lambda_l a_k a_l", nonnegative=True)
L = sp.Symbol("L", integer=True, positive=True)
_j = sp.Symbol("j", integer=True, positive=True)

#: Depths for which the Hessian of the small system is derived explicitly.
DERIVED_DEPTHS = (1, 2, 3, 4)


def general_curvature() -> sp.Expr:
    """``lam_l * Sum_{j=1}^{L} a_k^(2(L-j)/L) a_l^(2(j-1)/L)`` for symbolic L (unevaluated sum)."""
    return lam * sp.Sum(a_k ** (2 * (L - _j) / L) * a_l ** (2 * (_j - 1) / L), (_j, 1, L))


def curvature(depth: int) -> sp.Expr:
    """The curvature ``h(lambda_l, a_k, a_l)`` on one map entry for a concrete depth (sum evaluated)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1; got {depth!r}")
    return _curvature(depth)


@persistent
def _curvature(depth: int) -> sp.Expr:
    return general_curvature().subs(L, depth).doit()


@dataclass(frozen=True)
class Stability:
    """The derived curvature for one depth, with its derivation from the Hessian."""

    depth: int
    curvature: sp.Expr
    derivation: Derivation


def _small_system(depth: int) -> tuple[sp.Expr, list[sp.Symbol], dict, tuple]:
    """Loss of the 2-mode, L-layer system and its layer entries, plus the balanced fixed point."""
    lams = sp.symbols("lambda_1 lambda_2", positive=True)
    ss = sp.symbols("s_1 s_2", nonnegative=True)
    layers = [sp.Matrix(2, 2, lambda i, k, j=j: sp.Symbol(f"w{j}_{i}{k}")) for j in range(1, depth + 1)]
    W = sp.eye(2)
    for layer in layers:
        W = layer * W
    Sx = sp.diag(*lams)
    Syx = sp.diag(*[lams[i] * ss[i] ** depth for i in range(2)])  # pi_i = lam_i a*_i
    loss = -(W * Syx.T).trace() + (W * Sx * W.T).trace() / 2  # tr(Syy)/2 is constant
    params = [w for layer in layers for w in layer]
    point = {layer[i, k]: (ss[i] if i == k else 0) for layer in layers for i in range(2) for k in range(2)}
    return loss, params, point, (lams, ss)


def derive_stability(depth: int) -> Stability:
    """Derive the curvature of each map entry from the Hessian of the small system (depth in DERIVED_DEPTHS)."""
    if isinstance(depth, bool) or depth not in DERIVED_DEPTHS:
        raise ValueError(f"depth must be one of {DERIVED_DEPTHS} for the explicit Hessian; got {depth!r}")
    return _derive_stability(int(depth))


@persistent
def _derive_stability(depth: int) -> Stability:
    loss, params, point, (lams, ss) = _small_system(depth)
    d = Derivation(f"Stability of gradient descent at the balanced fixed point, depth L = {depth}")
    d = d.then("Loss of W = W_L ... W_1 (2 x 2 layers), up to the constant tr(Syy)/2", loss)
    H = sp.hessian(loss, params).subs(point)
    d = d.then(f"Hessian over the {len(params)} layer entries at W_j = diag(s_1, s_2), pi_i = lam_i s_i^L",
               H.shape)
    index = {p: n for n, p in enumerate(params)}
    groups = {(k, l): [index[sp.Symbol(f"w{j}_{k}{l}")] for j in range(1, depth + 1)]
              for k in range(2) for l in range(2)}
    owner = {n: kl for kl, ns in groups.items() for n in ns}
    for a in range(len(params)):
        for b in range(len(params)):
            if owner[a] != owner[b] and sp.simplify(H[a, b]) != 0:
                raise AssertionError(f"Hessian couples entries {owner[a]} and {owner[b]}: {H[a, b]}")
    d = d.then("The Hessian is block diagonal over map entries (k, l): cross-block entries are 0")
    expected = curvature(depth)
    for (k, l), ns in groups.items():
        block = H.extract(ns, ns)
        g = sp.Matrix([ss[k] ** (depth - j) * ss[l] ** (j - 1) for j in range(1, depth + 1)])
        if (block - lams[l] * g * g.T).applyfunc(sp.simplify) != sp.zeros(depth, depth):
            raise AssertionError(f"block ({k}, {l}) is not lam_l g g^T: {block}")
        trace = sp.simplify(block.trace())
        stated = expected.subs({lam: lams[l], a_k: ss[k] ** depth, a_l: ss[l] ** depth})
        if sp.simplify(sp.powdenest(sp.expand(stated - trace), force=True)) != 0:
            raise AssertionError(f"block ({k}, {l}): trace {trace} differs from the general formula {stated}")
        d = d.then(f"Block ({k + 1}, {l + 1}) = lam_{l + 1} g g^T, top eigenvalue = trace", trace)
    zero_mode = sp.simplify(H.subs(ss[1], 0).extract(groups[(0, 1)], groups[(0, 1)]).trace())
    d = d.then("An input direction without a mode (s_2 = 0, pi_2 = 0) keeps the formula with a_l = 0", zero_mode)
    d = d.then("General L: h(lambda_l, a_k, a_l) = lambda_l Sum_j a_k^(2(L-j)/L) a_l^(2(j-1)/L)",
               general_curvature())
    return Stability(depth, expected, d)
