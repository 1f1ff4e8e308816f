"""Tests of the learning-rule terms and training under them (numeric/hebbian.py)."""

from __future__ import annotations

import numpy as np
import pytest

from numeric.hebbian import RULES, RuleInstabilityError, check_rule, get_rule, rule_terms

#: Statistics form vs item form of the same term: float64 sums of ~20 products of O(1)
#: numbers agree to a few ulps; 1e-12 relative leaves a margin of 1e3 over rounding.
RTOL = 1e-12


def _data(seed=0, n_in=5, n_out=4, h=3, P=7):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n_in, P)), rng.normal(size=(n_out, P))
    W1, W2 = 0.3 * rng.normal(size=(h, n_in)), 0.3 * rng.normal(size=(n_out, h))
    return X, Y, W1, W2, P


def _stats(X, Y, P):
    return (X @ X.T / P)[None], (Y @ X.T / P)[None], (Y @ Y.T / P)[None]


def test_oja_term_is_the_item_form():
    X, Y, W1, W2, P = _data()
    H = W1 @ X
    expected = 0.2 * (H @ X.T - H @ H.T @ W1) / P
    d1, d2 = rule_terms(get_rule("oja"), 0.2, *_stats(X, Y, P), W1[None], W2[None])
    np.testing.assert_allclose(d1[0], expected, rtol=RTOL, atol=RTOL)
    assert not d2.any()


def test_antihebbian_term_is_the_item_form():
    X, Y, W1, W2, P = _data()
    H = W1 @ X
    expected = -0.1 * np.diag(1 / (1 - np.sum(W1**2, axis=1))) @ H @ X.T / P
    d1, _ = rule_terms(get_rule("antihebbian"), -0.1, *_stats(X, Y, P), W1[None], W2[None])
    np.testing.assert_allclose(d1[0], expected, rtol=RTOL, atol=RTOL)


@pytest.mark.parametrize("name, gamma", [("contrastive", 0.3), ("predictive", -1.0)])
def test_contrastive_terms_are_the_item_form(name, gamma):
    X, Y, W1, W2, P = _data()
    Yhat = W2 @ W1 @ X
    expected = gamma * (Y @ Y.T - Yhat @ Yhat.T) @ W2 / P
    d1, d2 = rule_terms(get_rule(name), gamma, *_stats(X, Y, P), W1[None], W2[None])
    np.testing.assert_allclose(d2[0], expected, rtol=RTOL, atol=RTOL)
    assert not d1.any()


def test_item_form_check_detects_a_wrong_term():
    # negative control: the Oja term without its decay part is not the item form
    X, Y, W1, W2, P = _data()
    H = W1 @ X
    wrong = 0.2 * H @ X.T / P
    d1, _ = rule_terms(get_rule("oja"), 0.2, *_stats(X, Y, P), W1[None], W2[None])
    assert not np.allclose(d1[0], wrong, rtol=RTOL, atol=RTOL)


def test_gradient_descent_rule_adds_nothing():
    X, Y, W1, W2, P = _data()
    d1, d2 = rule_terms(get_rule("gd"), 0.0, *_stats(X, Y, P), W1[None], W2[None])
    assert not d1.any() and not d2.any()


def test_unknown_rule_lists_valid_rules():
    with pytest.raises(ValueError, match=", ".join(RULES)):
        get_rule("bcm")


@pytest.mark.parametrize("name, coef", [("oja", -0.1), ("antihebbian", 0.1), ("predictive", 0.5), ("gd", 0.1),
                                        ("contrastive", float("nan"))])
def test_coefficient_outside_its_range_names_coef(name, coef):
    with pytest.raises(ValueError, match="coef"):
        check_rule(name, coef, lr=0.05, lambda_max=2.0)


def test_oja_coefficient_at_its_stability_bound_is_refused():
    # bound: lr * coef * lambda_max < 1; at lr 0.1, lambda_max 2 the bound is coef < 5
    check_rule("oja", 4.99, lr=0.1, lambda_max=2.0)
    with pytest.raises(ValueError, match="coef .* unstable"):
        check_rule("oja", 5.0, lr=0.1, lambda_max=2.0)


def test_antihebbian_row_reaching_norm_one_is_reported():
    W1 = np.array([[[1.0, 0.0]]])
    with pytest.raises(RuleInstabilityError, match="norm"):
        rule_terms(get_rule("antihebbian"), -0.1, np.eye(2)[None], np.zeros((1, 1, 2)), np.zeros((1, 1, 1)), W1,
                   np.zeros((1, 1, 1)))


# --------------------------------------------------------------------------- training under a rule

from numeric.hebbian import train_rule  # noqa: E402
from numeric.simulate import simulate  # noqa: E402
from theory.dataset import Dataset  # noqa: E402

D = Dataset(2, 1, 1, 1, 1)


def _reference(d, arch, rule, coef, *, lr, steps, seeds, hidden, init_scale=1e-3):
    """Plain full-space loop (independent of the simulator): GD plus the rule's term, random init as the simulator draws it."""
    from numeric.matrices import data_matrices, module_slices
    from theory.architectures import get_architecture

    r = get_rule(rule)
    c = r.default if coef is None else coef
    X, Y = data_matrices(d)
    P = X.shape[1]
    rngs = [np.random.default_rng(s) for s in seeds]
    mods = []
    for m in get_architecture(arch).modules:
        rows, cols = module_slices(d, m)
        Xm, Ym = X[cols], Y[rows]
        mods.append((rows, cols, Xm @ Xm.T / P, Ym @ Xm.T / P, Ym @ Ym.T / P))
    weights = []
    per_net = [[(rng.normal(0, init_scale, (hidden, len(m[1]))), rng.normal(0, init_scale, (len(m[0]), hidden)))
                for m in mods] for rng in rngs]
    for i in range(len(mods)):
        weights.append([np.stack([p[i][0] for p in per_net]), np.stack([p[i][1] for p in per_net])])
    for _ in range(steps):
        new = []
        for (rows, cols, Sx, Syx, Syy), (W1, W2) in zip(mods, weights):
            E = Syx - W2 @ W1 @ Sx
            t1, t2 = r.term(Sx[None], Syx[None], Syy[None], W1, W2, c)
            new.append([W1 + lr * (np.swapaxes(W2, 1, 2) @ E + t1), W2 + lr * (E @ np.swapaxes(W1, 1, 2) + t2)])
        weights = new
    W = np.zeros((len(seeds), d.n_out, d.n_in))
    for (rows, cols, *_), (W1, W2) in zip(mods, weights):
        W[:, rows[:, None], cols[None, :]] = W2 @ W1
    return W


@pytest.mark.parametrize("arch", ["dense", "split", "segregated"])
def test_gradient_descent_rule_is_the_simulator_unchanged(arch):
    # regression: rule "gd" is the simulator's own GRADIENT_DESCENT, and it matches an independent plain loop
    from numeric.hebbian import learning_rule
    from numeric.learning import GRADIENT_DESCENT

    assert learning_rule("gd", lr=0.1, lambda_max=1.0) is GRADIENT_DESCENT
    ours = train_rule(D, arch, "gd", lr=0.1, steps=200, seeds=(0, 1), hidden=6)
    ref = simulate(D, arch, lr=0.1, steps=200, seeds=(0, 1), init="random", hidden=6, every=200)
    np.testing.assert_array_equal(ours.final_map, ref.final_map)
    np.testing.assert_allclose(ours.final_map, _reference(D, arch, "gd", None, lr=0.1, steps=200, seeds=(0, 1),
                                                          hidden=6), rtol=0, atol=1e-12)


@pytest.mark.parametrize("rule, coef", [("oja", 0.5), ("antihebbian", -0.3), ("contrastive", 0.7),
                                        ("predictive", None)])
def test_simulator_under_each_rule_matches_a_plain_loop(rule, coef):
    # the simulator (full coordinates for these rules) against the independent full-space loop
    ours = train_rule(D, "split", rule, coef, lr=0.1, steps=150, seeds=(0, 2), hidden=6)
    ref = _reference(D, "split", rule, coef, lr=0.1, steps=150, seeds=(0, 2), hidden=6)
    np.testing.assert_allclose(ours.final_map, ref, rtol=0, atol=1e-12)


def test_rule_term_changes_the_trajectory():
    # negative control of the regression test: a non-zero rule term does move the weights
    gd = train_rule(D, "dense", "gd", lr=0.1, steps=200, seeds=(0,), hidden=6)
    oja = train_rule(D, "dense", "oja", 0.5, lr=0.1, steps=200, seeds=(0,), hidden=6)
    assert np.max(np.abs(gd.final_map - oja.final_map)) > 1e-6


def test_rule_on_a_one_layer_module_is_refused():
    with pytest.raises(ValueError, match="rule 'oja' acts on W1 and W2"):
        train_rule(D, "shallow", "oja", 0.1, lr=0.1, steps=1)


def test_rule_divergence_is_an_arithmetic_error():
    with pytest.raises(ArithmeticError, match="coef = 40"):
        train_rule(Dataset(3, 2, 1, 1, 2), "dense", "contrastive", 40.0, lr=0.05, steps=300, seeds=(0,))


def test_rules_batched_over_seeds_equal_single_runs():
    batch = train_rule(D, "dense", "antihebbian", -0.2, lr=0.1, steps=100, seeds=(0, 3))
    for b, seed in enumerate((0, 3)):
        one = train_rule(D, "dense", "antihebbian", -0.2, lr=0.1, steps=100, seeds=(seed,))
        np.testing.assert_allclose(batch.final_map[b], one.final_map[0], rtol=0, atol=1e-14)


def test_map_deviation_of_each_network_is_relative_to_its_own_least_squares_map():
    # Two datasets of one shape (r = 1/4 and r = 2, least-squares maps of different norms, ~1.74 and
    # ~1.87): each network's deviation ||W - W*|| / ||W*|| uses its own W*, so it equals that network
    # trained alone and the ratio computed here from its final map (a norm over the whole batch
    # would divide by ~2.55 instead)
    from fractions import Fraction

    from numeric.maps import least_squares_map

    pair = (Dataset(2, 1, 1, 1, Fraction(1, 4)), Dataset(2, 1, 1, 1, 2))
    batch = train_rule(list(pair), "dense", "oja", 0.5, lr=0.1, steps=100, seeds=(0,))
    for b, d in enumerate(pair):
        w_star = least_squares_map(d, "dense", "numpy")
        want = np.linalg.norm(batch.final_map[b] - w_star) / np.linalg.norm(w_star)
        assert batch.map_deviation[b] == pytest.approx(want, rel=1e-12)
        alone = train_rule(d, "dense", "oja", 0.5, lr=0.1, steps=100, seeds=(0,))
        assert batch.map_deviation[b] == pytest.approx(alone.map_deviation[0], rel=1e-9)
