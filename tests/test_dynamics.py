"""Tests of theory.dynamics: the derived learning dynamics against THEORY.md section 3.

The expected formulas are typed here, from THEORY.md; the module derives them.
"""

from __future__ import annotations

import pytest
import sympy as sp

from theory import dynamics as dyn
from theory import symbols as s
from theory.derivation import Derivation

PI, LAM, A, A0, T, TAU = s.pi_m, s.lam_m, s.a_m, s.a0, s.t, s.tau
FIXED_POINT = PI / LAM

#: THEORY.md section 3, typed: (tau da/dt, a(t)) for deep and shallow networks.
THEORY_RHS = {True: 2 * A * (PI - LAM * A), False: PI - LAM * A}
THEORY_SOLUTION = {
    True: (PI / LAM) / (1 - (1 - PI / (LAM * A0)) * sp.exp(-2 * PI * T / TAU)),
    False: (PI / LAM) * (1 - sp.exp(-LAM * T / TAU)) + A0 * sp.exp(-LAM * T / TAU),
}
#: THEORY.md T8 (deep); the shallow one solved by hand from the shallow closed form.
THEORY_HALF_TIME = {
    True: TAU / (2 * PI) * sp.log(PI / (LAM * A0) - 1),
    False: TAU / LAM * sp.log(2 * (1 - LAM * A0 / PI)),
}
THEORY_STABILITY = {True: -2 * PI / TAU, False: -LAM / TAU}

BOTH = pytest.mark.parametrize("deep", [True, False], ids=["deep", "shallow"])


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


# --- stage 1: gradient flow from the loss -----------------------------------


@BOTH
def test_loss_rewriting_matches_theory_md(deep):
    w = dyn._W2 * dyn._W1 if deep else dyn._W
    expected = (
        sp.Trace(dyn._SYY) / 2 - sp.Trace(w * dyn._SYX.T) + sp.Trace(w * dyn._SX * w.T) / 2
    )
    derived, _ = dyn._loss_in_statistics(deep)
    assert sp.expand(derived - expected) == 0, f"derived loss {derived} != {expected}"


@BOTH
def test_gradient_flow_matches_theory_md(deep):
    flow, _ = dyn._matrix_gradient_flow(deep)
    sx, syx = dyn._SX, dyn._SYX
    if deep:
        w1, w2 = dyn._W1, dyn._W2
        expected = {w1: w2.T * (syx - w2 * w1 * sx), w2: (syx - w2 * w1 * sx) * w1.T}
    else:
        expected = {dyn._W: syx - dyn._W * sx}
    assert set(flow) == set(expected)
    for weight, target in expected.items():
        residual = sp.expand(flow[weight] - target).doit()
        assert residual == sp.ZeroMatrix(*weight.shape), f"tau d{weight.name}/dt = {flow[weight]}"


def _generic(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}{j}", real=True))


@BOTH
def test_gradient_flow_is_minus_loss_gradient_entrywise(deep):
    # Sizes differ from the module's own check: 2 inputs, 3 hidden, 2 outputs, 3 items.
    x, y = _generic("x", 2, 3), _generic("y", 2, 3)
    weights = {dyn._W1: _generic("p", 3, 2), dyn._W2: _generic("q", 2, 3)} if deep else {dyn._W: _generic("w", 2, 2)}
    w = weights[dyn._W2] * weights[dyn._W1] if deep else weights[dyn._W]
    loss = sp.expand(sum((((y - w * x)[:, i].T * (y - w * x)[:, i])[0, 0] for i in range(3)), 0) / 6)
    values = {dyn._SX: x * x.T / 3, dyn._SYX: y * x.T / 3, **weights}
    flow, _ = dyn._matrix_gradient_flow(deep)
    for weight, explicit in weights.items():
        derived = flow[weight].xreplace({k: sp.ImmutableMatrix(v) for k, v in values.items()}).doit()
        minus_grad = -explicit.applyfunc(lambda e: sp.diff(loss, e))
        assert (derived - minus_grad).applyfunc(sp.expand) == sp.zeros(*explicit.shape), weight.name


@BOTH
def test_entrywise_check_rejects_a_wrong_matrix_flow(deep):
    # negative control of the module's own entrywise check: a flow off by Sx -> 2 Sx must be refused
    flow, _ = dyn._matrix_gradient_flow(deep)
    wrong = {w: f.xreplace({dyn._SX: 2 * dyn._SX}) for w, f in flow.items()}
    with pytest.raises(AssertionError, match="entrywise gradient"):
        dyn._entrywise_check(deep, wrong)


@BOTH
def test_mode_ode_is_solved_by_a_named_classical_method(deep):
    rhs = dyn.mode_dynamics(deep).rhs
    a = s.a(s.t)
    ode = sp.Eq(s.tau * a.diff(s.t), rhs.xreplace({s.a_m: a}))
    assert dyn._method(ode, a) in dyn._METHODS
    with pytest.raises(AssertionError, match="applies"):
        dyn._method(sp.Eq(a.diff(s.t), sp.sin(a) + s.t), a)


# --- stage 2: the mode ODE ---------------------------------------------------


@BOTH
def test_mode_rhs_matches_theory_md(deep):
    rhs = dyn.mode_dynamics(deep).rhs
    assert _is_zero(rhs - THEORY_RHS[deep]), f"tau da/dt = {rhs}"


@BOTH
def test_gradient_flow_derivation_ends_with_mode_ode(deep):
    d = dyn.gradient_flow(deep)
    assert isinstance(d, Derivation)
    assert _is_zero(d.steps[-1].expr - THEORY_RHS[deep]), str(d.steps[-1])


@BOTH
def test_mode_dynamics_derivation_includes_gradient_flow(deep):
    flow_steps = dyn.gradient_flow(deep).steps
    assert dyn.mode_dynamics(deep).derivation.steps[: len(flow_steps)] == flow_steps


# --- stage 3: solution, fixed point, stability, half time --------------------


@BOTH
def test_solution_solves_mode_ode(deep):
    m = dyn.mode_dynamics(deep)
    residual = TAU * sp.diff(m.solution, T) - THEORY_RHS[deep].subs(A, m.solution)
    assert _is_zero(residual), f"residual {sp.simplify(residual)}"


@BOTH
def test_solution_matches_theory_md(deep):
    solution = dyn.mode_dynamics(deep).solution
    assert _is_zero(solution - THEORY_SOLUTION[deep]), f"a(t) = {solution}"


@BOTH
def test_solution_starts_at_a0(deep):
    assert _is_zero(dyn.mode_dynamics(deep).solution.subs(T, 0) - A0)


@BOTH
def test_solution_converges_to_fixed_point(deep):
    limit = sp.limit(dyn.mode_dynamics(deep).solution, T, sp.oo)
    assert _is_zero(limit - FIXED_POINT), f"a(oo) = {limit}"


@BOTH
def test_fixed_point_is_pi_over_lambda(deep):
    fp = dyn.mode_dynamics(deep).fixed_point
    assert _is_zero(fp - FIXED_POINT), f"a* = {fp}"


@BOTH
def test_fixed_point_stability_matches(deep):
    stability = dyn.mode_dynamics(deep).stability
    assert _is_zero(stability - THEORY_STABILITY[deep]), f"d(da/dt)/da at a* = {stability}"
    assert stability.is_negative


@BOTH
def test_solution_above_fixed_point_decays_to_it(deep):
    solution = dyn.mode_dynamics(deep).solution.subs(A0, 2 * FIXED_POINT)
    # t = tau log(1 + x) / c with x >= 0 sweeps t >= 0 with exp(c t / tau) = 1 + x.
    rate = 2 * PI if deep else LAM
    x = sp.Symbol("x", nonnegative=True)
    along = {T: TAU * sp.log(1 + x) / rate}
    slope = sp.simplify(sp.diff(solution, T).subs(along))
    excess = sp.simplify((solution - FIXED_POINT).subs(along))
    assert slope.is_negative, f"da/dt = {slope}"
    assert excess.is_positive, f"a - a* = {excess}"
    assert _is_zero(sp.limit(solution, T, sp.oo) - FIXED_POINT)


@BOTH
def test_half_time_reaches_half_fixed_point(deep):
    m = dyn.mode_dynamics(deep)
    assert _is_zero(m.solution.subs(T, m.half_time) - m.fixed_point / 2)


@BOTH
def test_half_time_matches_theory(deep):
    half = dyn.mode_dynamics(deep).half_time
    assert _is_zero(sp.expand_log(half - THEORY_HALF_TIME[deep], force=True)), f"t_half = {half}"


@BOTH
def test_half_time_condition_is_a0_below_half_fixed_point(deep):
    condition = dyn.half_time_condition(deep)
    assert condition == sp.StrictLessThan(A0, PI / (2 * LAM)), f"condition {condition}"


# Starting points as fractions of a*: (fraction, half time positive?).
HALF_TIME_SIGNS = [
    (sp.Rational(1, 4), True),   # below a*/2: half of a* is still ahead
    (sp.Rational(3, 4), False),  # above a*/2: already past half, the root lies in the past
]


@BOTH
@pytest.mark.parametrize("fraction, positive", HALF_TIME_SIGNS)
def test_half_time_sign_follows_condition(deep, fraction, positive):
    m = dyn.mode_dynamics(deep)
    half = m.half_time.subs(A0, fraction * FIXED_POINT)
    assert half.is_positive is positive, f"t_half = {half} at a0 = {fraction} a*"
    assert bool(dyn.half_time_condition(deep).subs(A0, fraction * FIXED_POINT)) is positive


# --- API -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [1, "deep", None])
def test_non_bool_deep_is_rejected(bad):
    with pytest.raises(TypeError, match="deep must be a bool"):
        dyn.gradient_flow(bad)


def test_mode_dynamics_is_cached_and_frozen():
    m = dyn.mode_dynamics(True)
    assert m is dyn.mode_dynamics(True)
    with pytest.raises(AttributeError):
        m.deep = False  # type: ignore[misc]


# --- depth L (THEORY.md section 8) ----------------------------------------------

L = dyn.L_depth
#: THEORY.md section 8, typed: tau da/dt of an L-layer module.
THEORY_DEPTH_RHS = L * A ** (2 - 2 / L) * (PI - LAM * A)
DEPTHS = pytest.mark.parametrize("depth", [1, 2, 3, 4])


def test_depth_ode_for_symbolic_depth_matches_theory_md():
    rhs, derivation = dyn.depth_ode()
    assert _is_zero(rhs - THEORY_DEPTH_RHS), f"tau da/dt = {rhs}"
    assert _is_zero(derivation.steps[-1].expr - THEORY_DEPTH_RHS)


@pytest.mark.parametrize("depth, deep", [(1, False), (2, True)])
def test_depth_ode_reduces_to_the_matrix_derived_ode(depth, deep):
    assert _is_zero(dyn.depth_dynamics(depth).rhs - dyn.mode_dynamics(deep).rhs)
    assert _is_zero(dyn.depth_dynamics(depth).rhs - THEORY_RHS[deep])


@DEPTHS
def test_depth_fixed_point_is_pi_over_lambda_and_attracts(depth):
    m = dyn.depth_dynamics(depth)
    assert _is_zero(m.fixed_point - FIXED_POINT)
    # d/da [L a^(2-2/L)(pi - lambda a)] / tau at a* = -L lambda a*^(2-2/L) / tau
    assert _is_zero(m.stability + depth * LAM * FIXED_POINT ** (2 - sp.Rational(2, depth)) / TAU)


def _mp_elapsed(depth, pi, lam, a0, a, tau):
    """tau * int_a0^a da / (L a^(2-2/L) (pi - lambda a)) by mpmath quadrature (typed from THEORY.md)."""
    import mpmath

    return tau * mpmath.quad(lambda x: 1 / (depth * x ** (2 - mpmath.mpf(2) / depth) * (pi - lam * x)), [a0, a])


# (a0, a) pairs with a* = 9/4: growth from below, decay from above.
ELAPSED_POINTS = [(sp.Rational(1, 100), sp.Rational(1, 2)), (sp.Rational(1, 2), 2), (4, sp.Rational(5, 2))]


@DEPTHS
@pytest.mark.parametrize("a0, a", ELAPSED_POINTS)
def test_implicit_solution_equals_quadrature_of_theory_integral(depth, a0, a):
    import mpmath

    pi, lam, tau = sp.Rational(3, 2), sp.Rational(2, 3), 2
    derived = dyn.depth_dynamics(depth).elapsed.xreplace({PI: pi, LAM: lam, A0: a0, A: a, TAU: tau})
    mp = lambda q: mpmath.mpf(sp.Rational(q).p) / sp.Rational(q).q  # noqa: E731
    with mpmath.workdps(40):
        expected = _mp_elapsed(depth, mp(pi), mp(lam), mp(a0), mp(a), tau)
        got = mpmath.mpf(str(sp.N(derived, 45)))
        assert abs(got - expected) < mpmath.mpf("1e-30") * max(1, abs(expected)), (derived, expected)


@pytest.mark.parametrize("depth", [1, 2])
def test_depth_half_time_equals_explicit_half_time(depth):
    half = dyn.depth_dynamics(depth).half_time
    assert _is_zero(sp.expand_log(half - THEORY_HALF_TIME[depth == 2], force=True)), f"t_half = {half}"


@pytest.mark.parametrize("depth, growth, limit", [
    (1, sp.Integer(1), TAU * sp.log(2) / LAM),          # shallow: finite as a0 -> 0
    (2, sp.log(1 / A0), TAU / (2 * PI)),               # T8 of THEORY.md
    (3, A0 ** -sp.Rational(1, 3), TAU / PI),           # a0^-(1 - 2/L), coefficient tau/((L - 2) pi)
    (4, A0 ** -sp.Rational(1, 2), TAU / (2 * PI)),
])
def test_small_init_half_time_growth(depth, growth, limit):
    g, lim = dyn.depth_dynamics(depth).small_init
    assert _is_zero(g - growth), g
    assert _is_zero(lim - limit), lim


def test_small_init_growth_for_symbolic_depth_is_tau_over_l_minus_2_pi():
    limit, _ = dyn.small_init_growth()
    assert _is_zero(limit - TAU / ((L - 2) * PI)), limit
    assert sp.diff(limit, PI).xreplace({L: L + 3}).is_negative  # L >= 3: decreasing in pi


@DEPTHS
def test_half_time_profile_rebuilds_half_time(depth):
    m = dyn.depth_dynamics(depth)
    rebuilt = TAU * A0 ** (sp.Rational(2, depth) - 2) / LAM * m.half_time_profile.xreplace({dyn.x0_m: LAM * A0 / PI})
    vals = {PI: sp.Rational(5, 2), LAM: sp.Rational(1, 3), TAU: 3, A0: sp.Rational(1, 50)}
    assert abs(sp.N((rebuilt - m.half_time).xreplace(vals), 30)) < 1e-25


def test_euler_global_error_solves_error_equation_typed_here():
    # e(s) = -(h/2) f(v) ln(f(v)/f(v0)), f(v) = v^(L-1)(1 - v^L); at L = 2 in a = a* v^2 this is the
    # Euler error of numeric.simulate's docstring, -(eta pi a*) x(1-x)[ln(x/x0)/2 + ln((1-x)/(1-x0))].
    e, _ = dyn.euler_global_error()
    v, v0, h = dyn.v_m, dyn.v0_m, dyn.h_m
    f = lambda u: u ** (L - 1) * (1 - u ** L)  # noqa: E731
    assert _is_zero(sp.expand_log(e - (-h / 2 * f(v) * sp.log(f(v) / f(v0))), force=True))
    x, x0, eta = sp.symbols("x x0 eta", positive=True)
    at2 = (2 * FIXED_POINT * v * e).xreplace({L: 2}).xreplace({h: eta * PI}).xreplace({v: sp.sqrt(x), v0: sp.sqrt(x0)})
    stated = -eta * PI * FIXED_POINT * x * (1 - x) * (sp.log(x / x0) / 2 + sp.log((1 - x) / (1 - x0)))
    assert _is_zero(sp.expand_log(at2 - stated, force=True))


@pytest.mark.parametrize("bad", [0, 7, 2.0, True, "3", None])
def test_depth_outside_range_is_rejected_naming_depth(bad):
    with pytest.raises(ValueError, match=r"depth must be an integer in \[1, 6\]"):
        dyn.depth_dynamics(bad)
