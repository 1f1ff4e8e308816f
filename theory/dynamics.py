"""Learning dynamics of one mode, derived from the loss (claims T3 and T8).

The derivation follows docs/theory.md section 3 in three stages, each recorded in a
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
from theory.determinism import deterministic, factor
from theory.persist import persistent

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
    """The matrix form of ``tau dW/dt`` stated in docs/theory.md section 3."""
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
    # Polynomials in every generic entry (exact rational coefficients): the loss is a sum of squares
    # of polynomials and differentiating a polynomial is exact, so sp.Poly does in milliseconds what
    # expanding and differentiating expressions does in seconds.
    gens = [e for m in (x, y, *weights.values()) for e in m]
    errors = [sp.Poly(e, *gens, domain=sp.QQ) for e in y - w * x]
    loss = sum((e**2 for e in errors), sp.Poly(0, *gens, domain=sp.QQ)) * sp.Rational(1, 2 * items)
    values = {_SX: x * x.T / items, _SYX: y * x.T / items, **weights}
    for weight, explicit in weights.items():
        minus_grad = [-loss.diff(e) for e in explicit]
        matrix_form = flow[weight].xreplace({k: sp.ImmutableMatrix(v) for k, v in values.items()}).doit()
        if any(g != sp.Poly(m, *gens, domain=sp.QQ) for g, m in zip(minus_grad, matrix_form)):
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
    rhs = factor(generic[0])
    return rhs, d.then("Every mode obeys the same scalar ODE, tau da/dt", rhs)


@cache
@deterministic
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


#: Classical methods, tried in this order (linear with constant coefficients: the shallow mode;
#: Bernoulli: the deep logistic mode; separable as a fallback): the first one sympy finds
#: applicable solves it. Naming them keeps dsolve off its default first choice ("factorable"),
#: which spends seconds simplifying the logistic ODE of the deep mode into the same solution.
_METHODS = ("nth_linear_constant_coeff_undetermined_coefficients", "Bernoulli", "separable")


def _method(ode: sp.Eq, a: sp.Expr) -> str:
    """The first of :data:`_METHODS` that applies to ``ode`` (sympy's classification)."""
    for method in _METHODS:
        if method in sp.classify_ode(ode, a, hint=method):  # hint=: test this method only (all: seconds)
            return method
    raise AssertionError(f"none of {_METHODS} applies to {ode}")


def _solve(rhs: sp.Expr) -> tuple[sp.Expr, Derivation]:
    """Solve ``tau a' = rhs(a)`` with ``a(0) = a0`` and verify the result by substitution."""
    a = s.a(s.t)
    ode = sp.Eq(s.tau * a.diff(s.t), rhs.xreplace({s.a_m: a}))
    method = _method(ode, a)
    solution = sp.dsolve(ode, a, ics={s.a(0): s.a0}, hint=method).rhs
    d = Derivation("").then(f"dsolve ({method} method) of the mode ODE with a(0) = a0", solution)
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


@persistent
@deterministic
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


# ---------------------------------------------------------------------------
# Depth L (docs/theory.md section 8): an L-layer module W_L ... W_1.
#
# Stage A derives the mode ODE for a *symbolic* depth L from the loss, and
# checks it on explicit diagonal matrices for fixed L. Stage B solves it: for
# L = 1, 2 the explicit solutions above; for every L the implicit solution
# t(a), obtained by the substitution a = a* v^L, which turns the integrand
# into the rational function 1/(v^(L-1) (1 - v^L)) of v (numeric
# coefficients), integrated by sympy for each fixed L and verified by
# differentiation. Stage C derives the half time, its small-a0 growth and the
# ordering of T8 at depth L. Stage D derives the first-order global error of
# gradient descent (forward Euler in v) against the flow.

#: Depth symbol (number of layers of a module).
L_depth = sp.Symbol("L", integer=True, positive=True)
#: Smallest and largest depth handled (sympy integrates 1/(v^(L-1)(1 - v^L)) in
#: elementary functions, without RootSum, for every L in this range).
MIN_DEPTH, MAX_DEPTH = 1, 6
#: Normalized layer coordinate ``v = (a/a*)^(1/L)``, the variable of the implicit solution.
v_m = sp.Symbol("v", positive=True)
#: Its initial value ``v0 = (a0/a*)^(1/L)``.
v0_m = sp.Symbol("v0", positive=True)
#: Normalized initial strength ``x0 = a0/a*``.
x0_m = sp.Symbol("x0", positive=True)
#: Step of forward Euler in the normalized time ``s`` (``h = eta pi a*^(1 - 2/L)``).
h_m = sp.Symbol("h", positive=True)

__all__ += [
    "L_depth", "MIN_DEPTH", "MAX_DEPTH", "v_m", "v0_m", "x0_m", "h_m", "check_depth", "DepthDynamics",
    "depth_ode", "depth_dynamics", "time_integrand", "small_init_growth", "euler_global_error",
]


def check_depth(depth: object) -> int:
    """Return ``depth`` if it is an integer in ``[MIN_DEPTH, MAX_DEPTH]``; else ``ValueError`` naming it."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not MIN_DEPTH <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be an integer in [{MIN_DEPTH}, {MAX_DEPTH}] (number of layers); got {depth!r}")
    return depth


@persistent
def _per_mode_loss() -> tuple[sp.Expr, Derivation]:
    """The loss of a diagonal map, per mode: ``-pi a + lambda a^2 / 2`` (plus a constant).

    The loss in terms of the statistics (stage 1; it depends on the network
    only through its map W) is evaluated on diagonal statistics and a diagonal
    map with three generic modes; it must be a sum of one function per mode.
    """
    loss, d = _loss_in_statistics(False)
    idx = range(1, _N_MODES + 1)
    pis = [sp.Symbol(f"pi_{i}", positive=True) for i in idx]
    lams = [sp.Symbol(f"lambda_{i}", positive=True) for i in idx]
    strengths = [sp.Symbol(f"a_{i}", positive=True) for i in idx]
    syy = sp.Symbol("trace_Syy")
    values = {_W: sp.ImmutableMatrix(sp.diag(*strengths)), _SYX: sp.ImmutableMatrix(sp.diag(*pis)),
              _SX: sp.ImmutableMatrix(sp.diag(*lams))}
    explicit = sp.expand(loss.xreplace({sp.Trace(_SYY): syy}).xreplace(values).doit())
    per_mode = [sp.expand(explicit.diff(a_i)) for a_i in strengths]
    terms = [sp.integrate(g, a_i) for g, a_i in zip(per_mode, strengths)]
    if sp.expand(explicit - sum(terms) - syy / 2) != 0:
        raise AssertionError(f"the loss of a diagonal map does not split into modes: {explicit}")
    generic = {sp.expand(t.xreplace({pis[i]: s.pi_m, lams[i]: s.lam_m, strengths[i]: s.a_m}))
               for i, t in enumerate(terms)}
    if len(generic) != 1:
        raise AssertionError(f"modes have different losses: {generic}")
    (ell,) = generic
    return ell, d.then(f"On diagonal Syx = Pi, Sx = Lambda, W = diag(a) ({_N_MODES} generic modes) the loss is "
                       "tr(Syy)/2 plus one term per mode", ell)


@persistent
def depth_ode() -> tuple[sp.Expr, Derivation]:
    """Derive ``tau da/dt`` of one mode of an L-layer module for symbolic depth ``L``.

    The product ``a = w_L ... w_1`` of the layers' scalar entries on one mode
    enters the per-mode loss; one layer's entry ``x`` times the other
    ``L - 1`` balanced entries ``w`` gives ``a = x w^(L-1)``. Gradient flow
    moves that layer by ``-d loss/dx`` at ``x = w``, the same for every layer
    (the loss depends on the layers through their product only), so a balanced
    start stays balanced. The chain rule over the product sums ``L`` equal
    terms; with ``w = a^(1/L)``:

    .. math:: \\tau \\dot a = L a^{2 - 2/L} (\\pi - \\lambda a).

    Returns
    -------
    (sympy.Expr, Derivation)
        The right-hand side in ``a_m, pi_m, lam_m, L_depth`` and its derivation.
    """
    ell, d = _per_mode_loss()
    L = L_depth
    w, x = sp.Symbol("w", positive=True), sp.Symbol("x", positive=True)
    d = Derivation("Mode ODE of an L-layer module (symbolic L)").extend(d)
    d = d.then("Balanced layers on one mode: one layer x, the other L - 1 equal to w; a = x w^(L-1)", x * w ** (L - 1))
    layer = sp.factor(-sp.diff(ell.xreplace({s.a_m: x * w ** (L - 1)}), x).xreplace({x: w}))
    d = d.then("tau dw_l/dt = -d loss/d x at x = w (the same for every layer l: balance is kept)", layer)
    chain = L * w ** (L - 1) * layer
    d = d.then("Chain rule: tau da/dt = sum_l (prod_{k != l} w_k) tau dw_l/dt = L w^(L-1) tau dw/dt", chain)
    rhs = L * s.a_m ** (2 - 2 / L) * (s.pi_m - s.lam_m * s.a_m)
    if sp.simplify(chain.xreplace({w: s.a_m ** (1 / L)}) - rhs) != 0:
        raise AssertionError(f"chain rule does not give L a^(2-2/L)(pi - lambda a): {chain}")
    return rhs, d.then("With w = a^(1/L): tau da/dt", rhs)


def _layer_products(mats: list) -> list:
    """``(W_{>l}, W_{<l})`` for each layer l of ``W_L ... W_1`` (``mats[0]`` is W_1)."""
    n = len(mats)
    out = []
    for l in range(n):
        above = sp.eye(mats[-1].shape[0])
        for m in reversed(mats[l + 1:]):
            above = above * m
        below = sp.eye(mats[0].shape[1])
        for m in reversed(mats[:l]):
            below = below * m
        out.append((above, below))
    return out


def _explicit_depth_check(depth: int) -> Derivation:
    """Check the ODE at depth ``depth`` on explicit matrices, from the raw loss.

    (1) For each layer l with generic 2 x 2 entries (the other layers and two
    items fixed exact rationals, so the loss stays quadratic in the variables
    differentiated), minus the entrywise gradient of
    ``(1/2P) sum_i ||y_i - W_L...W_1 x_i||^2`` equals
    ``W_{>l}^T (Syx - W Sx) W_{<l}^T`` (the layer flow). (2) With diagonal
    statistics of three generic modes and balanced layers ``diag(a^(1/L))``
    every layer flow is diagonal and equal, and the product moves by
    ``diag(L a^(2-2/L)(pi - lambda a))``.
    """
    items, size = 2, 2
    xs = sp.Matrix([[1, -2], [3, 1]])
    ys = sp.Matrix([[2, 1], [-1, 4]])
    fixed = [sp.Matrix([[l + 1, -1], [sp.Rational(1, l + 2), 2]]) for l in range(depth)]
    sx, syx = xs * xs.T / items, ys * xs.T / items
    for l in range(depth):
        layers = list(fixed)
        layers[l] = _generic_matrix(f"w{l}_", size, size)
        product = sp.eye(size)
        for m in layers:
            product = m * product
        errors = [ys[:, i] - product * xs[:, i] for i in range(items)]
        loss = sp.expand(sum(((e.T * e)[0, 0] for e in errors), sp.Integer(0)) / (2 * items))
        above, below = _layer_products(layers)[l]
        minus_grad = -layers[l].applyfunc(lambda e: sp.diff(loss, e))
        if (minus_grad - above.T * (syx - product * sx) * below.T).applyfunc(sp.expand) != sp.zeros(size, size):
            raise AssertionError(f"layer {l + 1} flow at depth {depth} differs from -dL/dW_l")
    idx = range(1, _N_MODES + 1)
    pis = [sp.Symbol(f"pi_{i}", positive=True) for i in idx]
    lams = [sp.Symbol(f"lambda_{i}", positive=True) for i in idx]
    strengths = [sp.Symbol(f"a_{i}", positive=True) for i in idx]
    balanced = [sp.diag(*[a_i ** sp.Rational(1, depth) for a_i in strengths])] * depth
    w = sp.diag(*strengths)
    err = sp.diag(*pis) - w * sp.diag(*lams)
    flows = [(above.T * err * below.T).applyfunc(sp.expand) for above, below in _layer_products(balanced)]
    if any(not f.is_diagonal() or f != flows[0] for f in flows):
        raise AssertionError(f"balanced diagonal ansatz not preserved at depth {depth}")
    moved = sp.zeros(_N_MODES, _N_MODES)
    for f, (above, below) in zip(flows, _layer_products(balanced)):
        moved += above * f * below
    expected = sp.diag(*[depth * a_i ** (2 - sp.Rational(2, depth)) * (p - lm * a_i)
                         for a_i, p, lm in zip(strengths, pis, lams)])
    if (moved - expected).applyfunc(sp.simplify) != sp.zeros(_N_MODES, _N_MODES):
        raise AssertionError(f"product flow at depth {depth} is not L a^(2-2/L)(pi - lambda a): {moved}")
    return Derivation("").then(
        f"Checked at L = {depth} on explicit matrices: the entrywise gradient of the raw sum of squares "
        f"in each layer ({size} x {size} generic entries, the others and {items} items fixed) is W_(>l)^T (Syx - W Sx) W_(<l)^T, and balanced diagonal "
        f"layers diag(a^(1/L)) over {_N_MODES} generic modes move the product by diag(L a^(2-2/L)(pi - lambda a))")


def time_integrand(depth: int | sp.Symbol = L_depth) -> sp.Expr:
    """``1 / (v^(L-1) (1 - v^L))``: ``dt`` in units of ``tau a*^(2/L-1) / pi`` per ``dv``."""
    return 1 / (v_m ** (depth - 1) * (1 - v_m ** depth))


def _substitution() -> Derivation:
    """Symbolic L: ``a = a* v^L`` turns ``tau da / (L a^(2-2/L)(pi - lambda a))`` into the rational integrand."""
    L, a, star = L_depth, s.a_m, s.pi_m / s.lam_m
    v_of_a = (a / star) ** (1 / L)
    left = star ** (2 / L - 1) / s.pi_m * time_integrand().xreplace({v_m: v_of_a}) * sp.diff(v_of_a, a)
    right = 1 / (L * a ** (2 - 2 / L) * (s.pi_m - s.lam_m * a))
    if sp.simplify(left / right) != 1:
        raise AssertionError(f"substitution a = a* v^L fails: {sp.simplify(left / right)}")
    return Derivation("").then(
        "Substitute a = a* v^L (a* = pi/lambda), symbolic L: dt = tau a*^(2/L - 1)/pi * dv / (v^(L-1)(1 - v^L))",
        time_integrand())


def _antiderivative(depth: int) -> tuple[sp.Expr, sp.Expr, Derivation]:
    """Real antiderivatives ``G(v)`` of the integrand: on ``v > 0, v != 1``, and on ``0 < v < 1``.

    Sympy integrates the partial fractions. The first result replaces ``log z``
    by ``log|z|`` (the same derivative on either side of ``v = 1``; a trajectory
    never crosses its fixed point ``v = 1``); the second by ``log(-z)`` where
    ``z < 0`` on ``(0, 1)`` (the factors have no root in ``(0, 1)``, so the sign
    at ``v = 1/2`` decides), free of ``Abs`` for the half time (``a0 < a*/2``).
    """
    integrand = time_integrand(depth)
    raw = sp.integrate(sp.apart(integrand, v_m), v_m)
    if raw.has(sp.RootSum) or raw.has(sp.Integral):
        raise AssertionError(f"no elementary antiderivative found at depth {depth}: {raw}")
    if sp.simplify(sp.diff(raw, v_m) - integrand) != 0:
        raise AssertionError(f"antiderivative at depth {depth} fails differentiation: {raw}")
    real = raw.replace(sp.log, lambda z: sp.log(sp.Abs(z)))
    below = raw.replace(sp.log, lambda z: sp.log(-z) if z.xreplace({v_m: sp.Rational(1, 2)}) < 0 else sp.log(z))
    d = Derivation("").then(f"L = {depth}: sympy integrates the partial fractions of the integrand", raw)
    d = d.then("Verified by differentiation; real on both sides of v = 1 with log|.|", real)
    return real, below, d.then("On 0 < v < 1 (growth from below a*)", below)


def _growth_split() -> Derivation:
    """Symbolic L: the integrand is ``v^(1-L)`` plus ``v / (1 - v^L)``, bounded near v = 0."""
    if sp.simplify(time_integrand() - (v_m ** (1 - L_depth) + v_m / (1 - v_m ** L_depth))) != 0:
        raise AssertionError("integrand does not split as v^(1-L) + v/(1 - v^L)")
    return Derivation("").then("Symbolic L: 1/(v^(L-1)(1 - v^L)) = v^(1-L) + v/(1 - v^L) (the second term is "
                               "bounded on [0, v_half], v_half = 2^(-1/L) < 1)",
                               v_m ** (1 - L_depth) + v_m / (1 - v_m ** L_depth))


def small_init_growth() -> tuple[sp.Expr, Derivation]:
    """Symbolic L >= 3: ``t_half * a0^((L-2)/L) -> tau / ((L - 2) pi)`` as ``a0 -> 0``.

    Only ``v^(1-L)`` in the split integrand diverges at ``v0 -> 0``; its integral
    from v0 is ``(v0^(2-L) - v_half^(2-L))/(L - 2)``, and with
    ``v0 = (a0/a*)^(1/L)`` the leading term times ``a0^((L-2)/L)`` is the
    constant ``a*^((L-2)/L)``; every other term times ``a0^((L-2)/L)`` tends to
    0. Written with ``L = m + 2``, ``m >= 1``, so that ``L - 2 > 0`` is known.

    Returns
    -------
    (sympy.Expr, Derivation)
        The limit ``tau / ((L - 2) pi)`` and its derivation.
    """
    m = sp.Symbol("m", integer=True, positive=True)
    L = m + 2
    star, a0 = s.pi_m / s.lam_m, s.a0
    v0 = (a0 / star) ** (1 / L)
    scale = s.tau * star ** (sp.Integer(2) / L - 1) / s.pi_m
    power = v_m ** (1 - L)
    antideriv = v_m ** (2 - L) / (2 - L)
    if sp.simplify(sp.diff(antideriv, v_m) - power) != 0:
        raise AssertionError("antiderivative of v^(1-L) is wrong")
    leading = scale * a0 ** (m / L) * (-antideriv.xreplace({v_m: v0}))
    leading = sp.simplify(sp.powsimp(leading, force=False))
    vanishing = sp.limit(a0 ** (m / L), a0, 0, "+")
    limit = sp.simplify(leading)
    if leading.has(a0) or vanishing != 0:
        raise AssertionError(f"leading term is not constant ({leading}) or a0^((L-2)/L) does not vanish")
    limit = limit.xreplace({m: L_depth - 2})
    d = Derivation("Small initialization at depth L >= 3 (symbolic L)").extend(_growth_split())
    d = d.then("Integral of v^(1-L) from v0: (v0^(2-L) - v_half^(2-L))/(L - 2)")
    d = d.then("Leading term of t_half times a0^((L-2)/L), with v0 = (a0/a*)^(1/L): a constant", limit)
    d = d.then("The other terms are bounded, times a0^((L-2)/L) -> 0 (L > 2), so the limit is", limit)
    return limit, d.then("It decreases strictly in pi (and does not depend on lambda): larger pi is learned "
                         "first when a0 -> 0, with t_half ~ tau / ((L-2) pi a0^((L-2)/L)), not ~ ln(1/a0)")


@dataclass(frozen=True)
class DepthDynamics:
    """The derived dynamics of one mode strength of an L-layer module.

    Attributes
    ----------
    depth : int
        Number of layers L.
    rhs : sympy.Expr
        ``tau da/dt = L a^(2-2/L) (pi - lambda a)`` in ``a_m, pi_m, lam_m``.
    fixed_point, stability : sympy.Expr
        ``a* = pi/lambda`` and ``d(da/dt)/da`` there (negative).
    antiderivative : sympy.Expr
        ``G(v)``, real, with ``G'(v) = 1/(v^(L-1)(1 - v^L))``.
    elapsed : sympy.Expr
        The implicit solution: the time ``t(a)`` to go from ``a0`` to ``a_m``,
        ``tau a*^(2/L-1)/pi (G(v(a)) - G(v(a0)))`` with ``v(a) = (a/a*)^(1/L)``.
    growth : sympy.Expr
        The same time on ``0 < a0, a < a*`` written without ``Abs`` (growth from below).
    half_time : sympy.Expr
        ``t(a*/2)`` in ``pi_m, lam_m, a0, tau``.
    half_time_profile : sympy.Expr
        ``H(x0)`` with ``t_half = tau a0^(2/L-2)/lambda H(lambda a0/pi)``: for fixed
        ``lambda, a0``, ``d t_half / d pi < 0`` iff ``H'(x0) > 0``.
    small_init : tuple of (sympy.Expr, sympy.Expr)
        ``(g(a0), limit)``: ``t_half / g(a0) -> limit`` as ``a0 -> 0``; ``g = 1``
        (L = 1), ``ln(1/a0)`` (L = 2), ``a0^(-(L-2)/L)`` (L >= 3).
    solution : sympy.Expr or None
        Explicit ``a(t)`` (L = 1, 2: :func:`mode_dynamics`), else None.
    derivation : Derivation
    """

    depth: int
    rhs: sp.Expr
    fixed_point: sp.Expr
    stability: sp.Expr
    antiderivative: sp.Expr
    elapsed: sp.Expr
    growth: sp.Expr
    half_time: sp.Expr
    half_time_profile: sp.Expr
    small_init: tuple[sp.Expr, sp.Expr]
    solution: sp.Expr | None
    derivation: Derivation


def _deep_flag(depth: int) -> bool | None:
    return {1: False, 2: True}.get(depth)


@persistent
def depth_dynamics(depth: int) -> DepthDynamics:
    """Derive the dynamics of one mode of an L-layer module, ``L = depth``.

    The ODE is the symbolic-L result of :func:`depth_ode` at ``L = depth``
    (for L = 1, 2 compared with the matrix derivation of :func:`gradient_flow`;
    for L >= 3 checked on explicit matrices). The implicit solution ``t(a)``
    is derived for every L and checked against the ODE; for L = 1, 2 it is
    also checked against the explicit solution, and the half times agree.

    Parameters
    ----------
    depth : int
        Number of layers, in ``[MIN_DEPTH, MAX_DEPTH]``.

    Examples
    --------
    >>> from theory import symbols as s
    >>> depth_dynamics(3).fixed_point == s.pi_m / s.lam_m
    True
    """
    depth = check_depth(depth)
    general, d = depth_ode()
    rhs = general.xreplace({L_depth: depth})
    d = Derivation(f"Mode dynamics of a {depth}-layer module").extend(d).then(f"At L = {depth}", rhs)
    deep = _deep_flag(depth)
    if deep is not None:
        if sp.simplify(rhs - _reduction(deep)[0]) != 0:
            raise AssertionError(f"depth-{depth} ODE differs from the matrix derivation: {rhs}")
        d = d.then(f"Equal to the ODE derived from the matrix gradient flow ({'deep' if deep else 'shallow'})")
    else:
        d = d.extend(_explicit_depth_check(depth))
    star = _fixed_point(rhs)
    stability = sp.simplify(sp.diff(rhs / s.tau, s.a_m).xreplace({s.a_m: star}))
    if not stability.is_negative:
        raise AssertionError(f"fixed point is not attracting at depth {depth}: {stability}")
    d = d.then("Fixed point", star).then("Stability d(da/dt)/da at a* (negative)", stability)
    d = d.extend(_substitution())
    anti, below, anti_d = _antiderivative(depth)
    d = d.extend(anti_d)
    scale = s.tau * star ** (sp.Rational(2, depth) - 1) / s.pi_m
    v_of = lambda a: (a / star) ** sp.Rational(1, depth)  # noqa: E731
    elapsed = scale * (anti.xreplace({v_m: v_of(s.a_m)}) - anti.xreplace({v_m: v_of(s.a0)}))
    growth = scale * (below.xreplace({v_m: v_of(s.a_m)}) - below.xreplace({v_m: v_of(s.a0)}))
    _check_elapsed(growth, elapsed, rhs, depth)
    d = d.then("Implicit solution t(a) (checked: tau / (dt/da) = rhs, t(a0) = 0)", elapsed)
    half = growth.xreplace({s.a_m: star / 2})
    d = d.then("Half time t(a*/2)", half)
    solution = None
    if deep is not None:
        solution = mode_dynamics(deep).solution
        _check_against_explicit(elapsed, half, solution, deep)
        d = d.then("Agrees with the explicit solution: t(a(t)) = t and the same half time")
    profile = (x0_m ** (2 - sp.Rational(2, depth))
               * (below.xreplace({v_m: 2 ** -sp.Rational(1, depth)}) - below.xreplace({v_m: x0_m ** sp.Rational(1, depth)})))
    _check_profile(half, profile, depth)
    d = d.then("Profile H(x0): t_half = tau a0^(2/L-2)/lambda H(lambda a0/pi) (checked)", profile)
    small = _small_init_limit(half, depth)
    d = d.then(f"As a0 -> 0: t_half / ({small[0]}) ->", small[1])
    return DepthDynamics(depth, rhs, star, stability, anti, elapsed, growth, half, profile, small, solution, d)


def _check_elapsed(growth: sp.Expr, elapsed: sp.Expr, rhs: sp.Expr, depth: int) -> None:
    """``tau / (dt/da) = rhs`` and ``t(a0) = 0``: symbolically on ``a < a*``, at exact points on both sides.

    ``growth`` is t(a) on ``0 < a < a*`` (no ``Abs``), ``elapsed`` the form valid on both sides of ``a*``.
    """
    below = {s.a_m: s.pi_m / s.lam_m * v_m ** depth}  # a < a*: v in (0, 1)
    residual = (sp.diff(growth, s.a_m) * rhs / s.tau).xreplace(below)
    if sp.simplify(residual - 1) != 0:
        raise AssertionError(f"t(a) does not solve the depth-{depth} ODE: {sp.simplify(residual)}")
    vals = {s.pi_m: sp.Rational(3, 2), s.lam_m: sp.Rational(2, 3), s.tau: 2}
    slope = (sp.diff(elapsed, s.a_m) * rhs / s.tau).xreplace(vals)
    for a, a0 in ((sp.Rational(1, 3), sp.Rational(1, 7)), (sp.Rational(4, 1), sp.Rational(9, 1))):  # a* = 9/4
        value = sp.N(slope.xreplace({s.a_m: a, s.a0: a0}), 40)
        if abs(value - 1) > sp.Float("1e-35"):
            raise AssertionError(f"t(a) does not solve the depth-{depth} ODE at a = {a}: {value}")
    if elapsed.xreplace({s.a_m: s.a0}) != 0 or growth.xreplace({s.a_m: s.a0}) != 0:
        raise AssertionError("t(a0) != 0")


def _check_against_explicit(elapsed: sp.Expr, half: sp.Expr, solution: sp.Expr, deep: bool) -> None:
    """L = 1, 2: ``t(a(t)) = t`` (at exact sample points) and the half times agree."""
    vals = {s.pi_m: sp.Rational(3, 2), s.lam_m: sp.Rational(2, 3), s.tau: 2, s.a0: sp.Rational(1, 5)}
    for tt in (sp.Rational(1, 3), 1, 3):
        a_t = solution.xreplace({**vals, s.t: tt})
        back = elapsed.xreplace({**vals, s.a_m: a_t})
        if abs(sp.N(back - tt, 40)) > sp.Float("1e-35"):
            raise AssertionError(f"t(a(t)) != t at t = {tt}: {sp.N(back, 20)}")
    explicit = mode_dynamics(deep).half_time
    if sp.simplify(sp.expand_log(half - explicit, force=True)) != 0:
        raise AssertionError(f"half time {half} differs from {explicit}")


def _check_profile(half: sp.Expr, profile: sp.Expr, depth: int) -> None:
    rebuilt = s.tau * s.a0 ** (sp.Rational(2, depth) - 2) / s.lam_m * profile.xreplace({x0_m: s.lam_m * s.a0 / s.pi_m})
    vals = [{s.pi_m: sp.Rational(3, 2), s.lam_m: sp.Rational(2, 3), s.tau: 2, s.a0: sp.Rational(1, 5)},
            {s.pi_m: sp.Rational(1, 3), s.lam_m: 5, s.tau: 1, s.a0: sp.Rational(1, 100)}]
    for v in vals:
        if abs(sp.N((rebuilt - half).xreplace(v), 40)) > sp.Float("1e-30"):
            raise AssertionError(f"half-time profile does not rebuild t_half at depth {depth}")


def _small_init_limit(half: sp.Expr, depth: int) -> tuple[sp.Expr, sp.Expr]:
    """``(g, lim t_half/g)`` as ``a0 -> 0`` by sympy's limit on the derived half time."""
    if depth == 1:
        g = sp.Integer(1)
    elif depth == 2:
        g = sp.log(1 / s.a0)
    else:
        g = s.a0 ** (-sp.Rational(depth - 2, depth))
    limit = sp.simplify(sp.limit(half / g, s.a0, 0, "+"))
    return g, limit


def euler_global_error() -> tuple[sp.Expr, Derivation]:
    """First-order global error of gradient descent against the flow, in ``v``, any depth.

    Gradient descent on balanced layers is exactly forward Euler for
    ``dv/ds = f(v) = v^(L-1)(1 - v^L)`` with step ``h = eta pi a*^(1-2/L)``
    (``s`` the flow time in those units). One Euler step misses the flow by
    the local defect ``-(h^2/2) f f'``; the variational equation
    ``e' = f'(v(s)) e`` of a scalar autonomous flow has the propagator
    ``f(v(s)) / f(v(sigma))``, so

    .. math:: e(s) = -\\frac h2 f(v)\\ln\\frac{f(v)}{f(v_0)} + O(h^2).

    Returns
    -------
    (sympy.Expr, Derivation)
        ``e`` in ``h_m, v_m, v0_m`` (symbolic L) and its derivation; both the
        defect and the solution of the error equation are checked by sympy.
    """
    L, sig = L_depth, sp.Symbol("s", positive=True)
    f = lambda v: v ** (L - 1) * (1 - v ** L)  # noqa: E731
    vf = sp.Function("v")(sig)
    d = Derivation("First-order error of gradient descent against the depth-L flow")
    euler = vf + h_m * f(vf)
    exact = sp.series(vf.subs(sig, sig + h_m), h_m, 0, 3).removeO().doit()
    exact = exact.replace(lambda e: isinstance(e, sp.Derivative), lambda e: _flow_derivative(e, f, vf, sig))
    defect = sp.simplify(euler - exact)
    expected = -h_m ** 2 / 2 * f(vf) * sp.diff(f(vf), vf)
    if sp.simplify(defect - expected) != 0:
        raise AssertionError(f"local defect is not -(h^2/2) f f': {defect}")
    d = d.then("Local defect of one step (Euler minus flow, to order h^2)", expected)
    fprime = sp.diff(f(v_m), v_m)
    error = -h_m / 2 * f(vf) * sp.log(f(vf) / f(v0_m))
    ode_residual = sp.diff(error, sig).subs(sp.Derivative(vf, sig), f(vf)) - (
        fprime.xreplace({v_m: vf}) * error + expected / h_m)
    ode_residual = sp.expand(sp.expand_log(ode_residual.xreplace({vf: v_m}), force=True))
    if sp.simplify(ode_residual) != 0 or sp.simplify(error.subs(vf, v0_m)) != 0:
        raise AssertionError("e(s) does not solve e' = f'(v) e + defect/h with e(0) = 0")
    d = d.then("Error equation e' = f'(v(s)) e - (h/2) f f', e(0) = 0, solved by (checked)", error)
    return error.xreplace({vf: v_m}), d


def _flow_derivative(deriv: sp.Derivative, f, vf: sp.Expr, sig: sp.Symbol) -> sp.Expr:  # noqa: ANN001
    """``d^n v/ds^n`` along ``v' = f(v)``."""
    order = deriv.derivative_count
    out = f(vf)
    for _ in range(order - 1):
        out = sp.diff(out, vf) * f(vf)
    return out


__all__ += ["mode_loss"]


def mode_loss() -> sp.Expr:
    """The loss of one mode of strength ``a_m`` (derived, without the constant ``tr(Syy)/2``): ``-pi a + lambda a^2/2``."""
    return _per_mode_loss()[0]
