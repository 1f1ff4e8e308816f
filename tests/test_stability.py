"""The stability bound of an L-layer module, derived from the Hessian of the loss (theory.stability)."""

from __future__ import annotations

import pytest
import sympy as sp

from theory import persist
from theory import stability as st


@pytest.mark.parametrize("depth", st.DERIVED_DEPTHS)
def test_hessian_of_small_system_gives_the_general_curvature(depth):
    # derive_stability raises if the Hessian is not block diagonal, a block is not
    # rank one, or a trace differs from the general formula; here: the record is complete.
    result = st.derive_stability(depth)
    assert result.depth == depth and result.curvature == st.curvature(depth)
    assert len(result.derivation.steps) == 2 + 1 + 4 + 2


def test_depth_one_curvature_is_the_input_eigenvalue():
    assert st.curvature(1) == st.lam


def test_depth_two_curvature_is_pi_plus_a_max_lambda():
    # THEORY.md section 5 findings: 2 / max_l (pi_l + a*_max lambda_l), with pi_l = lambda_l a*_l.
    assert sp.simplify(st.curvature(2) - (st.lam * st.a_l + st.a_k * st.lam)) == 0


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
def test_single_mode_curvature_is_l_lambda_a_star_to_the_two_minus_two_over_l(depth):
    # a_k = a_l = a: L terms of a^(2(L-1)/L): the linearization of tau da/dt = L a^(2-2/L)(pi - lam a).
    a = sp.Symbol("a", positive=True)
    h = st.curvature(depth).subs({st.a_k: a, st.a_l: a})
    assert sp.simplify(h - depth * st.lam * a ** sp.Rational(2 * depth - 2, depth)) == 0


def test_curvature_grows_with_the_output_side_strength():
    # Why the top eigenvalue takes a*_max on the output side: dh/da_k >= 0.
    x, y, lam = sp.symbols("x y lam", positive=True)
    for depth in (2, 3, 4):
        grad = sp.diff(st.curvature(depth), st.a_k).subs({st.a_k: x, st.a_l: y, st.lam: lam})
        assert all(t.is_positive for t in sp.Add.make_args(sp.expand(grad))), grad


def test_a_wrong_curvature_fails_the_derivation(monkeypatch, tmp_path):
    # Negative control: the derivation compares the Hessian traces with the general
    # formula; a formula that drops a term must be rejected. The wrong formula's
    # curvature is derived inside fresh() and stored: keep it out of the session's
    # cache and out of the in-memory memos, or later tests would read it.
    monkeypatch.setenv("MODSPEC_CACHE_DIR", str(tmp_path))
    memos = (st._derive_stability, st._curvature)
    for memo in memos:
        memo.cache_clear()
    monkeypatch.setattr(st, "general_curvature", lambda: st.lam * st.a_k)
    try:  # inside fresh() the derivation runs (as in verify) instead of loading the stored entry
        with persist.fresh(), pytest.raises(AssertionError, match="differs from the general formula"):
            st.derive_stability(2)
    finally:
        monkeypatch.undo()
        for memo in memos:
            memo.cache_clear()
    assert st.curvature(2) == st.general_curvature().subs(st.L, 2).doit()  # the right one again


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, 5])
def test_invalid_depth_raises_value_error_naming_depth(bad):
    with pytest.raises(ValueError, match="depth must be"):
        st.derive_stability(bad)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_curvature_refuses_a_depth_that_is_not_a_positive_integer_naming_depth(bad):
    # 1.5 is not an integer though >= 1; 0 is an integer below 1: each alone is refused
    with pytest.raises(ValueError, match=r"^depth must be an integer >= 1; got "):
        st.curvature(bad)
