"""Learning dynamics of one mode, derived from the loss (claims T3 and T8).

The derivation follows THEORY.md section 3 in three stages, each recorded in a
:class:`~theory.derivation.Derivation`:

1. **Gradient flow from the loss.** The loss
   ``L = (1/2P) sum_i ||y_i - W x_i||^2`` is rewritten with matrix
   expressions as ``(1/2) tr(Syy) - tr(W Syx^T) + (1/2) tr(W Sx W^T)``
   (``W = W2 W1`` for the deep network) and differentiated with sympy's matrix
   calculus. The result is checked entrywise by differentiating the raw sum of
   squares of explicit matrices with generic entries.
2. **Reduction to one scalar ODE per mode.** Orthogonal changes of basis
   (``Syx = U Pi V^T``, ``Sx = V Lambda V^T``, ``W1 = R A1 V^T``,
   ``W2 = U A2 R^T``) carry the flow to the same flow on ``A1, A2`` with
   diagonal ``Pi, Lambda``; on explicit diagonal matrices with three generic
   modes the right-hand side stays diagonal and balanced, giving
   ``tau da/dt = 2 a (pi - lambda a)`` (deep) or ``tau da/dt = pi - lambda a``
   (shallow).
3. **Solution.** ``dsolve`` with ``a(0) = a0``; the result is verified by
   substitution into the ODE and the initial condition. Fixed point, its
   stability and the half-learning time are derived from the ODE and the
   solution.

Only sympy and the ``theory`` package are used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from theory import symbols as s
from theory.derivation import Derivation

__all__ = ["ModeDynamics", "mode_dynamics", "gradient_flow", "half_time_condition"]

#: Number of generic modes in the explicit diagonal reduction.
_N_MODES = 3


@dataclass(frozen=True)
class ModeDynamics:
    """The derived dynamics of one mode strength ``a`` under gradient flow.

    Attributes
    ----------
    deep : bool
        True for the two-layer network ``W2 W1``, False for the shallow ``W``.
    rhs : sympy.Expr
        ``tau da/dt`` as an expression of ``a_m, pi_m, lam_m``.
    solution : sympy.Expr
        ``a(t)`` with ``a(0) = a0``, in ``pi_m, lam_m, a0, t, tau``.
    fixed_point : sympy.Expr
        The non-zero root ``a* = pi_m / lam_m`` of ``rhs``.
    stability : sympy.Expr
        ``d(da/dt)/da`` at ``a*``; negative, so ``a*`` attracts.
    half_time : sympy.Expr
        The time at which ``a(t) = a*/2``, in ``pi_m, lam_m, a0, tau``; it is
        positive exactly under :func:`half_time_condition`.
    derivation : Derivation
        Every step, from the loss to the half time.
    """

    deep: bool
    rhs: sp.Expr
    solution: sp.Expr
    fixed_point: sp.Expr
    stability: sp.Expr
    half_time: sp.Expr
    derivation: Derivation


# ---------------------------------------------------------------------------
# Stage 1: the matrix gradient flow, from the loss.

_n, _m, _h, _p = sp.symbols("n m h P", integer=True, positive=True)
_X = sp.MatrixSymbol("X", _n, _p)
_Y = sp.MatrixSymbol("Y", _m, _p)
_SX = sp.MatrixSymbol("Sx", _n, _n)
_SYX = sp.MatrixSymbol("Syx", _m, _n)
_SYY = sp.MatrixSymbol("Syy", _m, _m)
_W1 = sp.MatrixSymbol("W1", _h, _n)
_W2 = sp.MatrixSymbol("W2", _m, _h)
_W = sp.MatrixSymbol("W", _m, _n)

#: Contiguous data products inside a trace and the statistic they equal (times P).
_CONTRACTIONS = {
    (_X, _X.T): _SX,
    (_Y, _X.T): _SYX,
    (_X, _Y.T): _SYX.T,
    (_Y, _Y.T): _SYY,
}


def _network_map(deep: bool) -> sp.MatrixExpr:
    return _W2 * _W1 if deep else _W


def _factors(expr: sp.MatrixExpr) -> list:
    return list(expr.args) if isinstance(expr, sp.MatMul) else [expr]


def _contract(factors: list) -> tuple[sp.Expr, list]:
    """Replace each contiguous data product ``X X^T`` etc. by ``P`` times its statistic."""
    scale, out, i = sp.Integer(1), [], 0
    while i < len(factors):
        pair = tuple(factors[i:i + 2])
        if pair in _CONTRACTIONS:
            scale, i = scale * _p, i + 2
            out.append(_CONTRACTIONS[pair])
        else:
            out.append(factors[i])
            i += 1
    return scale, out


def _canonical_trace(factors: list) -> sp.Expr:
    """``tr(M)`` written as ``tr(M)`` or ``tr(M^T)`` (``tr A = tr A^T``), canonically.

    The version with fewer transposed factors is kept (ties: the one starting
    with a weight, then the one that prints first), so ``tr(Syx W^T)`` becomes
    ``tr(W Syx^T)``.
    """
    product = sp.MatMul(*factors)
    transposed = sp.MatMul(*[f.T for f in reversed(factors)])

    def key(expr: sp.MatrixExpr) -> tuple[int, bool, str]:
        factors = _factors(expr)
        n_transposed = sum(isinstance(f, sp.Transpose) for f in factors)
        return n_transposed, factors[0] not in (_W, _W1, _W2), sp.sstr(expr)

    return sp.Trace(min(product, transposed, key=key))


def _trace_of_statistics(expr: sp.Expr) -> sp.Expr:
    """Rewrite a sum of (scaled) traces of data products in terms of Sx, Syx, Syy."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, traces = term.as_independent(sp.Trace)
        if not isinstance(traces, sp.Trace):
            raise AssertionError(f"unexpected loss term {term}")
        scale, factors = _contract(_factors(traces.arg))
        if any(f in (_X, _Y, _X.T, _Y.T) for f in factors):
            raise AssertionError(f"data matrix left uncontracted in {term}")
        total += coeff * scale * _canonical_trace(factors)
    return total


def _loss_in_statistics(deep: bool) -> tuple[sp.Expr, Derivation]:
    """Derive ``L = (1/2) tr Syy - tr(W Syx^T) + (1/2) tr(W Sx W^T)`` from the sum of squares."""
    w = _network_map(deep)
    residual = _Y - w * _X
    d = Derivation("Loss in terms of the dataset statistics")
    d = d.then("L = (1/2P) sum_i ||y_i - W x_i||^2 = tr(E E^T) / (2P) with E = Y - W X", residual)
    expanded = sp.expand(sp.trace(sp.expand(residual * residual.T))) / (2 * _p)
    d = d.then("Expand the trace of E E^T", expanded)
    loss = sp.expand(_trace_of_statistics(expanded))
    d = d.then("Sx = X X^T / P, Syx = Y X^T / P, Syy = Y Y^T / P and tr A = tr A^T", loss)
    return loss, d


def _derivative(loss: sp.Expr, weight: sp.MatrixSymbol) -> sp.MatrixExpr:
    """``dL/dW`` by matrix calculus, term by term, using ``Sx^T = Sx``.

    Differentiation is linear; it is applied to each term separately because
    sympy 1.14 returns 0 for the derivative of a sum of such traces.
    """
    parts = [term.diff(weight) for term in sp.Add.make_args(loss)]
    parts = [p for p in parts if p != 0]
    return sp.MatAdd(*parts).doit().xreplace({_SX.T: _SX}) if parts else sp.ZeroMatrix(*weight.shape)


def _claimed_flow(deep: bool) -> dict[sp.MatrixSymbol, sp.MatrixExpr]:
    """The matrix form of ``tau dW/dt`` stated in THEORY.md section 3."""
    if deep:
        error = _SYX - _W2 * _W1 * _SX
        return {_W1: _W2.T * error, _W2: error * _W1.T}
    return {_W: _SYX - _W * _SX}


@cache
def _matrix_gradient_flow(deep: bool) -> tuple[dict[sp.MatrixSymbol, sp.MatrixExpr], Derivation]:
    """Derive ``tau dW/dt = -dL/dW`` for every weight matrix and factor it.

    Returns the derived right-hand sides keyed by weight matrix symbol
    (``W1, W2`` or ``W``) and the derivation.
    """
    loss, d = _loss_in_statistics(deep)
    flow = {}
    for weight, claimed in _claimed_flow(deep).items():
        minus_grad = sp.expand(-_derivative(loss, weight))
        d = d.then(f"tau d{weight.name}/dt = -dL/d{weight.name} (matrix calculus, Sx symmetric)", minus_grad)
        if sp.expand(minus_grad - claimed).doit() != sp.ZeroMatrix(*weight.shape):
            raise AssertionError(f"gradient of L in {weight.name} is not {claimed}: {minus_grad}")
        d = d.then(f"Factored: tau d{weight.name}/dt", claimed)
        flow[weight] = minus_grad
    return flow, d.extend(_entrywise_check(deep, flow))


def _generic_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}{j}", real=True))


def _entrywise_check(deep: bool, flow: dict) -> Derivation:
    """Differentiate the raw sum of squares of explicit generic matrices, entry by entry.

    Sizes: 3 inputs, 2 hidden units, 3 outputs, 2 items. Minus the gradient of
    the explicit loss must equal the derived matrix flow evaluated on the same
    weights, with the statistics computed from the same explicit data.
    """
    n_in, hidden, n_out, items = 3, 2, 3, 2
    x, y = _generic_matrix("x", n_in, items), _generic_matrix("y", n_out, items)
    weights = (
        {_W1: _generic_matrix("u", hidden, n_in), _W2: _generic_matrix("v", n_out, hidden)} if deep
        else {_W: _generic_matrix("w", n_out, n_in)}
    )
    w = weights[_W2] * weights[_W1] if deep else weights[_W]
    errors = [y[:, i] - w * x[:, i] for i in range(items)]
    loss = sp.expand(sum(((e.T * e)[0, 0] for e in errors), sp.Integer(0)) / (2 * items))
    values = {_SX: x * x.T / items, _SYX: y * x.T / items, **weights}
    for weight, explicit in weights.items():
        minus_grad = -explicit.applyfunc(lambda e: sp.diff(loss, e))
        if (minus_grad - _on_explicit(flow[weight], values)).applyfunc(sp.expand) != sp.zeros(*explicit.shape):
            raise AssertionError(f"explicit entrywise gradient in {weight.name} differs from the matrix form")
    return Derivation("").then(
        "Checked entrywise: differentiating (1/2P) sum_i ||y_i - W x_i||^2 for explicit generic "
        f"matrices ({n_in} inputs, {hidden} hidden, {n_out} outputs, {items} items) gives the same flow"
    )


# ---------------------------------------------------------------------------
# Stage 2: reduction to the mode ODE.


def _orthogonal_invariance(deep: bool, flow: dict) -> Derivation:
    """Change bases by orthogonal U, V, R; the flow keeps its form on the mode coordinates.

    With ``W1 = R A1 V^T`` and ``W2 = U A2 R^T`` (shallow: ``W = U A V^T``),
    ``R^T (tau dW1/dt) V`` must equal the flow of ``A1`` computed with
    ``Syx -> Pi`` and ``Sx -> Lambda``, and likewise for ``U^T (tau dW2/dt) R``.
    """
    k = sp.Symbol("k", integer=True, positive=True)
    u, v, rot, pi, lam = (sp.MatrixSymbol(name, k, k) for name in ("U", "V", "R", "Pi", "Lambda"))
    a1, a2 = sp.MatrixSymbol("A1", k, k), sp.MatrixSymbol("A2", k, k)
    orth = sp.Q.orthogonal(u) & sp.Q.orthogonal(v) & sp.Q.orthogonal(rot)
    stats = {_SYX: u * pi * v.T, _SX: v * lam * v.T}
    d = Derivation("").then(
        "Change of basis: Syx = U Pi V^T, Sx = V Lambda V^T (shared right basis, T2), "
        "U, V, R orthogonal, Pi and Lambda diagonal over the modes with non-zero pi"
    )
    if deep:
        subs = {**stats, _W1: rot * a1 * v.T, _W2: u * a2 * rot.T}
        modes = {_SYX: pi, _SX: lam, _W1: a1, _W2: a2}
        frames = {_W1: (rot.T, v), _W2: (u.T, rot)}
    else:
        a = sp.MatrixSymbol("A", k, k)
        subs = {**stats, _W: u * a * v.T}
        modes = {_SYX: pi, _SX: lam, _W: a}
        frames = {_W: (u.T, v)}
    for weight, (left, right) in frames.items():
        rotated = sp.refine(sp.expand(left * flow[weight].xreplace(subs) * right), orth).doit()
        reduced = sp.expand(flow[weight].xreplace(modes))
        if sp.expand(rotated - reduced).doit() != sp.ZeroMatrix(k, k):
            raise AssertionError(f"flow of {weight.name} is not orthogonally invariant: {rotated}")
        d = d.then(f"Rotated flow of {weight.name} (the same flow on the mode coordinates)", reduced)
    return d


def _on_explicit(flow: sp.MatrixExpr, values: dict) -> sp.Matrix:
    """Evaluate a derived matrix expression on explicit matrices."""
    return flow.xreplace({k: sp.ImmutableMatrix(v) for k, v in values.items()}).doit().applyfunc(sp.expand)


def _diagonal_reduction(deep: bool, flow: dict) -> tuple[sp.Expr, Derivation]:
    """Explicit diagonal matrices with generic modes: the flow stays diagonal; read off the mode ODE."""
    idx = range(1, _N_MODES + 1)
    pis = [sp.Symbol(f"pi_{i}", positive=True) for i in idx]
    lams = [sp.Symbol(f"lambda_{i}", positive=True) for i in idx]
    strengths = [sp.Symbol(f"a_{i}", positive=True) for i in idx]
    pi, lam = sp.diag(*pis), sp.diag(*lams)
    d = Derivation("").then(f"Diagonal statistics with {_N_MODES} generic modes: Syx = Pi, Sx = Lambda", pi)
    if deep:
        w1 = w2 = sp.diag(*[sp.sqrt(x) for x in strengths])
        values = {_W1: w1, _W2: w2, _SYX: pi, _SX: lam}
        d1, d2 = _on_explicit(flow[_W1], values), _on_explicit(flow[_W2], values)
        if not (d1.is_diagonal() and d2.is_diagonal()) or d1 != d2:
            raise AssertionError("balanced diagonal ansatz not preserved")
        d = d.then("Balanced ansatz W1 = W2 = diag(sqrt a): tau dW1/dt = tau dW2/dt, diagonal", d1)
        product_flow = (d2 * w1 + w2 * d1).applyfunc(sp.expand)
        d = d.then("Chain rule: tau d(W2 W1)/dt = (tau dW2/dt) W1 + W2 (tau dW1/dt)", product_flow)
    else:
        w = sp.diag(*strengths)
        product_flow = _on_explicit(flow[_W], {_W: w, _SYX: pi, _SX: lam})
        d = d.then("Ansatz W = diag(a): tau dW/dt", product_flow)
    if not product_flow.is_diagonal():
        raise AssertionError(f"flow leaves the diagonal: {product_flow}")
    generic = [
        sp.expand(product_flow[i, i].xreplace({pis[i]: s.pi_m, lams[i]: s.lam_m, strengths[i]: s.a_m}))
        for i in range(_N_MODES)
    ]
    if len(set(generic)) != 1:
        raise AssertionError(f"modes obey different ODEs: {generic}")
    rhs = sp.factor(generic[0])
    return rhs, d.then("Every mode obeys the same scalar ODE, tau da/dt", rhs)


@cache
def _reduction(deep: bool) -> tuple[sp.Expr, Derivation]:
    flow, flow_d = _matrix_gradient_flow(deep)
    rhs, diag_d = _diagonal_reduction(deep, flow)
    name = "deep W2 W1" if deep else "shallow W"
    d = Derivation(f"Gradient flow of the {name} network, reduced to one mode").extend(flow_d)
    return rhs, d.extend(_orthogonal_invariance(deep, flow)).extend(diag_d)


def _check_deep(deep: object) -> bool:
    if not isinstance(deep, bool):
        raise TypeError(f"deep must be a bool (True: W2 W1 x, False: W x), got {deep!r}")
    return deep


def gradient_flow(deep: bool) -> Derivation:
    """Derive the matrix gradient flow from the loss and reduce it to the mode ODE.

    Parameters
    ----------
    deep : bool
        True for ``f(x) = W2 W1 x``, False for ``f(x) = W x``.

    Returns
    -------
    Derivation
        Steps: loss in terms of the statistics, ``tau dW/dt = -dL/dW`` by
        matrix calculus (checked entrywise), orthogonal invariance, and the
        explicit diagonal reduction ending in

        .. math:: \\tau \\dot a = 2 a (\\pi - \\lambda a) \\quad\\text{(deep)},
                  \\qquad \\tau \\dot a = \\pi - \\lambda a \\quad\\text{(shallow)}.
    """
    return _reduction(_check_deep(deep))[1]


# ---------------------------------------------------------------------------
# Stage 3: solution, fixed point, stability, half time.


def _solve(rhs: sp.Expr) -> tuple[sp.Expr, Derivation]:
    """Solve ``tau a' = rhs(a)`` with ``a(0) = a0`` and verify the result by substitution."""
    a = s.a(s.t)
    ode = sp.Eq(s.tau * a.diff(s.t), rhs.xreplace({s.a_m: a}))
    solution = sp.dsolve(ode, a, ics={s.a(0): s.a0}).rhs
    d = Derivation("").then("dsolve of the mode ODE with a(0) = a0", solution)
    residual = sp.simplify(s.tau * sp.diff(solution, s.t) - rhs.xreplace({s.a_m: solution}))
    initial = sp.simplify(solution.subs(s.t, 0) - s.a0)
    if residual != 0 or initial != 0:
        raise AssertionError(f"dsolve result fails the ODE ({residual}) or a(0) = a0 ({initial})")
    return solution, d.then("Verified by substitution: tau a' - rhs(a) = 0 and a(0) - a0 = 0")


def _fixed_point(rhs: sp.Expr) -> sp.Expr:
    """The unique non-zero root of ``rhs`` in ``a``."""
    free = sp.Symbol("a_free")
    roots = [root for root in sp.solve(rhs.xreplace({s.a_m: free}), free) if root != 0]
    if len(roots) != 1:
        raise AssertionError(f"expected one non-zero fixed point, got {roots}")
    return roots[0]


def _half_time(solution: sp.Expr, fixed_point: sp.Expr) -> sp.Expr:
    """The unique real time at which ``a(t) = a*/2``."""
    when = sp.Symbol("t_half", real=True)
    roots = sp.solve(sp.Eq(solution.subs(s.t, when), fixed_point / 2), when)
    if len(roots) != 1:
        raise AssertionError(f"expected one half time, got {roots}")
    return roots[0]


@cache
def mode_dynamics(deep: bool) -> ModeDynamics:
    """Derive the dynamics of one mode strength: ODE, solution, fixed point, half time.

    Parameters
    ----------
    deep : bool
        True for ``f(x) = W2 W1 x``, False for ``f(x) = W x``.

    Returns
    -------
    ModeDynamics
        For the deep network

        .. math:: a(t) = \\frac{\\pi/\\lambda}
                  {1 - (1 - \\pi/(\\lambda a_0)) e^{-2\\pi t/\\tau}},\\qquad
                  t_{1/2} = \\frac{\\tau}{2\\pi}\\ln\\Big(\\frac{\\pi}{\\lambda a_0} - 1\\Big),

        for the shallow one
        :math:`a(t) = \\frac{\\pi}{\\lambda}(1 - e^{-\\lambda t/\\tau}) + a_0 e^{-\\lambda t/\\tau}`.

    Examples
    --------
    >>> from theory import symbols as s
    >>> mode_dynamics(deep=True).fixed_point == s.pi_m / s.lam_m
    True
    """
    rhs, d = _reduction(_check_deep(deep))
    solution, solve_d = _solve(rhs)
    d = d.extend(solve_d)
    fixed_point = _fixed_point(rhs)
    d = d.then("Fixed point: the non-zero root of tau da/dt", fixed_point)
    stability = sp.simplify(sp.diff(rhs / s.tau, s.a_m).xreplace({s.a_m: fixed_point}))
    if not stability.is_negative:
        raise AssertionError(f"fixed point is not attracting: {stability}")
    d = d.then("Stability: d(da/dt)/da at the fixed point (negative, attracting)", stability)
    half = _half_time(solution, fixed_point)
    d = d.then("Half time: solve a(t) = a*/2 for t", half)
    return ModeDynamics(deep, rhs, solution, fixed_point, stability, half, d)


def half_time_condition(deep: bool) -> sp.Rel:
    """The condition on ``a0`` under which the half time is positive.

    Derived by solving ``t_half > 0`` for ``a0``, with ``t_half`` from
    :func:`mode_dynamics`; for both networks it is ``a0 < a*/2``.

    Parameters
    ----------
    deep : bool
        True for ``f(x) = W2 W1 x``, False for ``f(x) = W x``.

    Returns
    -------
    sympy.Rel
        ``a0 < pi_m / (2 lam_m)``.
    """
    half = mode_dynamics(_check_deep(deep)).half_time
    (log_term,) = half.atoms(sp.log)
    prefactor = sp.simplify(half / log_term)
    if not prefactor.is_positive:
        raise AssertionError(f"half time is not a positive multiple of a logarithm: {half}")
    return sp.solve_univariate_inequality(log_term.args[0] > 1, s.a0, relational=True)
