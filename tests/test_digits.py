"""Tests of the compositional-digits dataset and its arrangements (numeric/digits.py)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from numeric.digits import ARRANGEMENTS, digits_modules, load_images, make_digits, train_digits  # noqa: E402

#: Smallest dataset the tests train on (every digit at every position needs 10 triples).
TINY = {"n_train": 10, "n_test": 20, "per_triple": 2, "test_per_triple": 1}


def test_digits_dataset_is_reproducible_from_its_seed():
    a, b, c = make_digits(seed=3, **TINY), make_digits(seed=3, **TINY), make_digits(seed=4, **TINY)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.test_triples, b.test_triples)
    assert not np.array_equal(a.train_triples, c.train_triples)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_triples_cover_every_digit_in_every_position(seed):
    d = make_digits(seed=seed, **TINY)
    for j in range(3):
        assert set(d.train_triples[:, j]) == set(range(10)), (j, d.train_triples)


def test_test_triples_and_test_images_are_unseen():
    d = make_digits(seed=0, n_train=200, n_test=100)
    train = {tuple(t) for t in d.train_triples}
    assert not train & {tuple(t) for t in d.test_triples}
    assert not set(d.images.ravel()) & set(d.images_test.ravel())


def test_inputs_are_the_three_images_side_by_side():
    d = make_digits(seed=0, **TINY)
    images, classes = load_images()
    for j in range(3):
        np.testing.assert_array_equal(classes[d.images[j]], d.labels[j])
        block = d.X[64 * j: 64 * (j + 1)]
        diff = block - images[d.images[j]].T
        assert np.allclose(diff, diff[:, :1]), "each pixel row is shifted by one constant (the centring)"


@pytest.mark.parametrize("r", [0.0, 2.5])
def test_outputs_are_class_one_hots_and_the_scaled_triple_identity(r):
    d = make_digits(r=r, seed=0, **TINY)
    comp, ident = d.Y[:30], d.Y[30:]
    for j in range(3):
        np.testing.assert_array_equal(np.argmax(comp[10 * j: 10 * j + 10], axis=0), d.labels[j])
    assert np.all(comp.sum(axis=0) == 3)
    assert ident.shape[0] == TINY["n_train"]
    np.testing.assert_array_equal(ident.sum(axis=0), np.full(d.Y.shape[1], r))


@pytest.mark.parametrize("kwargs, name", [
    ({"n_train": 9}, "n_train"),            # cannot cover 10 digits at each position
    ({"n_train": 995, "n_test": 10}, "n_train"),
    ({"n_test": 0}, "n_test"),
    ({"r": -1.0}, "r"),
    ({"per_triple": 0}, "per_triple"),
    ({"test_images": 1.0}, "test_images"),
])
def test_digits_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_digits(**kwargs)


def test_too_few_training_triples_is_refused_before_training():
    with pytest.raises(ValueError, match="n_train.*every digit in every position"):
        train_digits("dense", n_train=5, steps=1)


def test_segregated_position_modules_read_only_their_pixels():
    mods = digits_modules("segregated", 10, (8,))
    for j, m in enumerate(mods[:3]):
        assert m.cols == tuple(range(64 * j, 64 * j + 64)) and m.rows == tuple(range(10 * j, 10 * j + 10))
    assert mods[3].cols == tuple(range(192)) and mods[3].rows == tuple(range(30, 40))


def test_unknown_digits_arrangement_lists_valid_ones():
    with pytest.raises(ValueError, match="dense, split, segregated"):
        digits_modules("shallow", 10, (8,))


@pytest.mark.parametrize("arch", ARRANGEMENTS)
def test_every_digits_arrangement_trains_batched_over_r_and_seeds(arch):
    res = train_digits(arch, r=[0.0, 2.0], seeds=(0, 1), hidden=8, steps=10, **TINY)
    assert res.accuracy.shape == (4,) and np.all((0 <= res.accuracy) & (res.accuracy <= 1))
    assert res.r.tolist() == [0.0, 0.0, 2.0, 2.0] and res.seeds == (0, 1, 0, 1)
    assert res.arch == arch and res.steps == 10 and all(h == 8 for h in res.hidden) and res.hidden
    assert np.all(res.loss[:, -1] < res.loss[:, 0]), res.loss


def test_split_compositional_module_does_not_depend_on_r():
    # the compositional module has its own weights and loss terms: the identity weight cannot reach it
    res = train_digits("split", r=[0.0, 3.0], seeds=(0,), hidden=8, steps=10, **TINY)
    assert res.correct[0] == res.correct[1]
    dense = train_digits("dense", r=[0.0, 3.0], seeds=(0,), hidden=8, steps=10, **TINY)
    assert dense.loss[0, -1] != dense.loss[1, -1]  # negative control: a shared module does depend on r


def test_digits_counts_at_their_upper_limits_are_accepted():
    # every count's allowed range is inclusive: all 990 other triples as test triples, the fewest
    # training triples (10), and 1000 examples per triple
    from numeric.digits import CLASSES, TRIPLES

    data = make_digits(n_train=CLASSES, n_test=TRIPLES - CLASSES, per_triple=1, test_per_triple=1)
    assert data.train_triples.shape == (CLASSES, 3) and data.test_triples.shape == (TRIPLES - CLASSES, 3)
    assert make_digits(n_train=CLASSES, n_test=1, per_triple=1000, test_per_triple=1).X.shape[1] == 1000 * CLASSES


def test_train_digits_trains_on_the_number_of_triples_it_is_given(monkeypatch):
    # the draw it trains on has the n_train training triples given (and the n_test test triples)
    import numeric.digits as digits

    drawn = []
    real = digits.make_digits
    monkeypatch.setattr(digits, "make_digits", lambda **kw: drawn.append(real(**kw)) or drawn[-1])
    res = train_digits("dense", n_train=20, n_test=7, steps=1, hidden=(4,), per_triple=1, test_per_triple=1)
    assert [(d.train_triples.shape[0], d.test_triples.shape[0]) for d in drawn] == [(20, 7)]
    assert res.total.tolist() == [3 * 7]  # three digits of each test example
