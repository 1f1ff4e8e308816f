"""Claim T10: held-out items, exactly (theory), at 50 digits (numeric) and by gradient descent."""

from __future__ import annotations

import dataclasses
import math

import mpmath
import pytest
import sympy as sp

from numeric.heldout import CONVERGED, gd_heldout, heldout_checks, heldout_errors
from proofs.claims import t5_dense_not_systematic as t5
from proofs.claims import t10_heldout, t11_fullrank
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.heldout import derive_heldout, exact_full_training_error, exact_heldout_errors, training_subsets

#: Certificates at 50 digits leave residuals of 1e-50; a wrong formula leaves O(1) (see numeric.certify).
RESIDUAL_50 = 1e-40


def test_full_training_heldout_error_equals_t5_novel_error_symbolically():
    h = derive_heldout()
    assert sp.simplify(h.full_training_error - t5.STATED["novel error"]) == 0, h.full_training_error


@pytest.mark.parametrize("d", [Dataset(3, 2, 1, 1, 2), Dataset(2, 1, 3, 0, "sqrt(2)"), Dataset(3, 3, 2, 1, "3/7")])
def test_full_training_error_from_the_actual_codes_equals_t5_exactly(d):
    stated = t5.STATED["novel error"].subs(d.substitution())
    assert sp.simplify(exact_full_training_error(d) - stated) == 0


def test_push_through_identity_holds_for_matrix_symbols_of_any_shape():
    assert isinstance(derive_heldout().push_through, sp.ZeroMatrix)


def test_c_to_zero_turns_the_dense_map_into_the_projector_onto_the_training_span():
    limits = derive_heldout().limits
    assert limits == {"gain, mu > 0": 1, "gain, mu = 0": 0, "error factor, mu > 0": 0, "error factor, mu = 0": 1}


def test_t10_and_t11_proofs_hold_and_fail_against_wrong_statements():
    for module, key, wrong in ((t10_heldout, "full-training error", s.n2 * (s.k1 * s.r**2 / s.P) ** 2),
                               (t10_heldout, "I - M on an eigenvector", sp.Symbol("mu") / (sp.Symbol("mu") + 1)),
                               (t11_fullrank, "n1 = 3, j = 3", sp.Rational(1, 2))):
        assert module.THEOREM.run_proof().holds
        bad = dataclasses.replace(module.THEOREM, stated={**module.STATED, key: wrong})
        assert not bad.run_proof().holds, key


@pytest.mark.parametrize("d", [Dataset(3, 2, 1, 1, 2), Dataset(2, 2, 0, 1, 1), Dataset(3, 1, 2, 1, "sqrt(2)"),
                               Dataset(1, 1, 1, 1, 1), Dataset(3, 0, 1, 1, "1/2")])
def test_heldout_formulas_equal_direct_least_squares_at_50_digits(d):
    with mpmath.workdps(50):
        for train in training_subsets(d):
            checks = heldout_checks(dataclasses.replace(d, train=train))
            assert max(c.residual for c in checks) < RESIDUAL_50, [(c.what, c.residual) for c in checks]


def test_heldout_certificate_rejects_a_wrong_formula():
    # Negative control: the segregated errors claimed for every architecture (as if the dense map generalized).
    d = Dataset(3, 2, 1, 1, 2, train=(0, 3, 5))
    with mpmath.workdps(50):
        checks = heldout_checks(d, formula=lambda x, arch: heldout_errors(x, "segregated"))
    assert max(c.residual for c in checks) > 0.1


def test_training_subsets_include_the_degenerate_ones_and_always_hold_items_out():
    d = Dataset(3, 2, 1, 1, 1)
    subsets = training_subsets(d)
    assert (0, 7) in subsets and tuple(range(7)) in subsets and any(len(t) == 3 for t in subsets)
    assert all(0 < len(t) < d.P for t in subsets) and training_subsets(d) == subsets


def test_exact_and_50_digit_heldout_errors_agree():
    d = Dataset(3, 2, 1, 2, "3/2", train=(1, 2, 4))
    with mpmath.workdps(50):
        for arch in ARCHITECTURES:
            num, ex = heldout_errors(d, arch), exact_heldout_errors(d, arch)
            assert all(abs(a - mpmath.mpf(sp.Rational(b).p) / sp.Rational(b).q) < 1e-45
                       for a, b in zip(num.omega, ex.omega)), arch


@pytest.mark.parametrize("setup", [(3, 2, 1, 1, 1), (3, 3, 2, 1, "1/2"), (4, 2, 1, 2, "sqrt(2)/3"), (4, 4, 2, 2, 0),
                                   (2, 1, 1, 0, "3/7")])
def test_rational_heldout_errors_equal_the_sympy_evaluation_of_the_same_formulas(setup):
    # Rational c = k1 r^2 takes exact rational arithmetic (LU solves, K^+ from a column basis); the sympy matrices
    # with simplify are the reference, on every training subset the certificate uses and every architecture.
    from theory.architectures import get_architecture
    from theory.heldout import _symbolic_heldout_errors

    base = Dataset(*setup)
    for train in training_subsets(base):
        d = Dataset(*setup, train=train)
        for arch in ARCHITECTURES:
            sees = {b: "gamma_x" in m.inputs for m in get_architecture(arch).modules for b in m.outputs}
            fast, ref = exact_heldout_errors(d, arch), _symbolic_heldout_errors(d, sees)
            assert fast.items == ref.items
            assert all(x.is_Rational for x in fast.omega + fast.gamma)
            assert [sp.simplify(a - b) for a, b in zip(fast.omega + fast.gamma, ref.omega + ref.gamma)] == \
                [0] * (2 * len(fast.items)), (setup, train, arch)


def test_irrational_c_takes_the_sympy_evaluation_and_agrees_with_50_digit_least_squares():
    # r = 1 + sqrt(2): c = k1 r^2 = 3 + 2 sqrt(2) is irrational, so the errors are surds, not rationals
    d = Dataset(3, 2, 1, 1, "1 + sqrt(2)", train=(0, 3, 5))
    ex = exact_heldout_errors(d, "dense")
    assert not all(x.is_Rational for x in ex.omega + ex.gamma)
    with mpmath.workdps(50):
        checks = heldout_checks(d)
    assert max(c.residual for c in checks) < 1e-40


# ----------------------------------------------------------------------- the paper's held-out experiment
#: (n1, n2, k1, k2, r) of the paper; train on 3 of the 8 items, test on the other 5.
PAPER_SETUPS = [(3, 2, 1, 1, 2), (3, 2, 0, 0, 0), (3, 2, 1, 0, 2), (3, 0, 1, 1, 2)]
#: Three training codes that span R^3: (-1,-1,-1), (-1,1,1), (1,-1,1).
PAPER_TRAIN = (0, 3, 5)


def _generalizes(errors) -> bool:
    """A network generalizes when every held-out output is predicted exactly: zero compositional AND identity error.

    For (3, 0, 1, 1, 2) there are no compositional outputs, so the compositional error is vacuously 0; the only
    outputs are item identities, which no map can predict for an item it never saw (error >= k2 r^2 > 0).
    """
    return all(e == 0 for e in errors.omega) and all(e == 0 for e in errors.gamma)


@pytest.mark.parametrize("setup, expected", [(s_, s_[2] == 0) for s_ in PAPER_SETUPS])
def test_paper_heldout_experiment_only_the_setup_without_identity_inputs_generalizes(setup, expected):
    d = Dataset(*setup, train=PAPER_TRAIN)
    exact = exact_heldout_errors(d, "dense")
    assert len(exact.items) == 5
    assert _generalizes(exact) == expected, (setup, exact)
    if setup[1] == 0:
        assert all(e == 0 for e in exact.omega) and all(e >= setup[3] * setup[4] ** 2 for e in exact.gamma)
    # gradient descent on the 3 training items agrees with the theory on every held-out item
    gd = gd_heldout(d, "dense")
    theory = heldout_errors(d, "dense", "numpy")
    assert max(gd.omega_bound + gd.gamma_bound + gd.off_span) <= CONVERGED
    for e_gd, e_th, bound in zip(gd.omega + gd.gamma, theory.omega + theory.gamma, gd.omega_bound + gd.gamma_bound):
        assert abs(e_gd - e_th) <= 2 * math.sqrt(e_th) * bound + bound**2 + 1e-12, (setup, e_gd, e_th)
    assert (max(gd.omega + gd.gamma) < 1e-9) == expected


def test_paper_experiment_segregation_generalizes_compositionally_in_every_setup_with_spanning_codes():
    for setup in PAPER_SETUPS:
        seg = exact_heldout_errors(Dataset(*setup, train=PAPER_TRAIN), "segregated")
        assert all(e == 0 for e in seg.omega), setup


def test_without_identity_inputs_generalization_needs_the_selected_axes_in_the_training_span():
    # Over all 56 training triples: (3, 2, 0, 0, 0) generalizes iff e_0, e_1 lie in span(B_T).
    from itertools import combinations
    from numeric.heldout import axes_in_span

    for train in combinations(range(8), 3):
        d = Dataset(3, 2, 0, 0, 0, train=train)
        assert _generalizes(exact_heldout_errors(d, "dense")) == axes_in_span(d), train


def test_gd_heldout_runs_twice_the_small_init_growth_time_of_its_slowest_mode():
    # The stated schedule (numeric.heldout._schedule), derived here from the training statistics of
    # the one dense module: eta = 1 / (2 max(sigma_max(W*), 1) lambda_max(Sx)) keeps every step below the
    # curvature bound; a deep mode of singular value sigma grows from the initial product of two layers
    # of scale s, i.e. from s^2, at the rate eta sigma lambda per step, so it needs ln(1/s^2) e-folds to
    # grow and ln(1/CONVERGED) more to settle; the run is twice the slowest mode's need.
    import numpy as np

    from numeric.heldout import INIT_SCALE
    from numeric.matrices import item_matrices

    d = Dataset(3, 2, 1, 1, 2, train=PAPER_TRAIN)
    X, Y = item_matrices(d)
    X, Y = X[:, list(PAPER_TRAIN)], Y[:, list(PAPER_TRAIN)]
    Sx, Syx = X @ X.T / 3, Y @ X.T / 3
    lam = np.linalg.eigvalsh(Sx)
    lam_min = min(v for v in lam if v > 1e-9 * lam[-1])  # exact data: non-zero eigenvalues are O(1)
    sigma = [v for v in np.linalg.svd(Syx @ np.linalg.pinv(Sx), compute_uv=False) if v > 1e-9]
    eta = 1 / (2 * max(max(sigma), 1.0) * lam[-1])
    need = (math.log(1 / INIT_SCALE**2) + math.log(1 / CONVERGED)) / (eta * min(sigma) * lam_min)
    gd = gd_heldout(d, "dense")
    assert gd.lr == pytest.approx(eta, rel=1e-12)
    assert abs(gd.steps - 2 * need) <= 1, (gd.steps, 2 * need)  # ceil, and rounding of the statistics


def test_gd_comparison_rejects_a_wrong_theory():
    # Negative control: dense gradient descent against the segregated prediction misses by O(1).
    d = Dataset(3, 2, 1, 1, 2, train=PAPER_TRAIN)
    gd, wrong = gd_heldout(d, "dense"), heldout_errors(d, "segregated", "numpy")
    assert any(abs(a - b) > 2 * math.sqrt(b) * D + D**2 + 1e-12
               for a, b, D in zip(gd.omega, wrong.omega, gd.omega_bound))


# ----------------------------------------------------------------------- the training subset of a dataset
@pytest.mark.parametrize("train", [[], [8], [-1], [1, 1], [0.5], [True], "ab", 3])
def test_bad_training_subsets_raise_value_error_naming_train_and_the_range(train):
    with pytest.raises(ValueError, match=r"train must be at least 1 distinct item indices in \[0, 7\]"):
        Dataset(3, 2, 1, 1, 1, train=train)


def test_training_subset_is_sorted_and_splits_the_items():
    d = Dataset(3, 2, 1, 1, 1, train=[5, 0, 3])
    assert d.train == (0, 3, 5) and d.heldout_items == (1, 2, 4, 6, 7) and d.n_train == 3
    assert Dataset(3, 2, 1, 1, 1).train_items == tuple(range(8)) and "train" not in Dataset(3, 2, 1, 1, 1).as_dict()


def test_training_statistics_are_means_over_the_training_items():
    from numeric.matrices import codes, statistics

    d = Dataset(2, 1, 1, 1, 1, train=(0, 3))
    B = codes(2)[:, [0, 3]]
    st = statistics(d)
    assert st.Sx.shape == (6, 6) and abs(st.Sx[:2, :2] - B @ B.T / 2).max() == 0


def test_gd_heldout_distance_bound_of_each_item_scales_with_its_own_projected_input():
    # D_u = ||E||_2 ||Pi x_u|| / lambda_min (the docstring's a-posteriori bound), per held-out item:
    # for the one-module dense network the ratio of two items' bounds is the ratio of the norms of
    # their inputs projected on the span of the training inputs (computed here with numpy).
    import numpy as np

    from numeric.matrices import item_matrices

    d = Dataset(3, 2, 1, 1, 1, train=PAPER_TRAIN)
    gd = gd_heldout(d, "dense")
    X, _ = item_matrices(d)
    X_T = X[:, list(d.train)]
    proj = X_T @ np.linalg.pinv(X_T)
    norms = np.linalg.norm(proj @ X[:, list(gd.items)], axis=0)
    bounds = np.asarray(gd.omega_bound)
    assert len(set(np.round(norms, 12))) > 1  # items whose projections differ
    np.testing.assert_allclose(bounds / bounds[0], norms / norms[0], rtol=1e-9)
