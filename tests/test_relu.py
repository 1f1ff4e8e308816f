"""Tests of the batched ReLU modules (numeric/relu.py)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from numeric.relu import (
    ReluDivergenceError, ReluModule, fit, init_params, loss_and_grads, relu_family,
)
from theory.dataset import Dataset

#: Central differences with step H have truncation error O(H^2 f''') ~ 1e-12 and
#: rounding error ~ eps * |L| / H ~ 1e-10 on losses of order 1; a relative error
#: below 1e-6 therefore separates a correct gradient from a wrong one by orders
#: of magnitude (a wrong mask or transposition gives errors of order 1).
H = 1e-6
FD_RTOL = 1e-6


def _problem(seed: int = 0, hidden=(5, 4)):
    rng = np.random.default_rng(seed)
    modules = (ReluModule("a", (0, 1, 2), (0, 1), hidden), ReluModule("b", (1, 2, 3), (2,), (3,)))
    X = rng.normal(size=(2, 4, 6))
    Y = rng.normal(size=(2, 3, 6))
    params = init_params(modules, (3, 4), init_scale=1.0)
    params = tuple(tuple(type(l)(l.W, l.b + 0.1 * rng.normal(size=l.b.shape)) for l in layers) for layers in params)
    return modules, params, X, Y


def _finite_difference(modules, params, X, Y):
    """Central differences of the summed loss of the batch, in the structure of params."""
    out = []
    for mi, layers in enumerate(params):
        g_layers = []
        for li, layer in enumerate(layers):
            g = {}
            for name in ("W", "b"):
                arr = getattr(layer, name)
                fd = np.zeros_like(arr)
                for idx in np.ndindex(arr.shape):
                    vals = []
                    for sign in (1, -1):
                        a = arr.copy()
                        a[idx] += sign * H
                        p = [list(ls) for ls in params]
                        p[mi][li] = type(layer)(**{**{"W": layer.W, "b": layer.b}, name: a})
                        vals.append(loss_and_grads(modules, tuple(tuple(ls) for ls in p), X, Y)[0].sum())
                    fd[idx] = (vals[0] - vals[1]) / (2 * H)
                g[name] = fd
            g_layers.append(g)
        out.append(g_layers)
    return out


def _worst_relative_error(grads, fd) -> float:
    worst = 0.0
    for g_layers, f_layers in zip(grads, fd):
        for g, f in zip(g_layers, f_layers):
            for name in ("W", "b"):
                a, b = getattr(g, name), f[name]
                worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)))
    return worst


def test_relu_gradients_match_finite_differences():
    modules, params, X, Y = _problem()
    _, grads = loss_and_grads(modules, params, X, Y)
    err = _worst_relative_error(grads, _finite_difference(modules, params, X, Y))
    assert err < FD_RTOL, f"backprop vs central differences: relative error {err:.3g}"


def test_finite_difference_check_rejects_a_wrong_gradient():
    # negative control: the same comparison fails for a gradient off by a relative 1e-3
    modules, params, X, Y = _problem()
    _, grads = loss_and_grads(modules, params, X, Y)
    wrong = tuple(tuple(type(l)(l.W * (1 + 1e-3), l.b) for l in layers) for layers in grads)
    err = _worst_relative_error(wrong, _finite_difference(modules, params, X, Y))
    assert err > FD_RTOL, err


def test_batched_networks_equal_single_runs():
    d1, d2 = Dataset(2, 1, 1, 1, 1), Dataset(2, 1, 1, 1, 2)
    batch = relu_family([d1, d2], "dense", lr=[0.05, 0.1], steps=50, seeds=(0, 1), hidden=8)
    for b, (d, lr, seed) in enumerate([(d, lr, s) for d in (d1, d2) for lr in (0.05, 0.1) for s in (0, 1)]):
        one = relu_family(d, "dense", lr=lr, steps=50, seeds=seed, hidden=8)
        np.testing.assert_allclose(batch.loss[b], one.loss[0], rtol=1e-12, atol=0)
        np.testing.assert_allclose(batch.rho[b], one.rho[0], rtol=1e-12)


def test_segregated_relu_compositional_module_is_systematic():
    res = relu_family(Dataset(3, 2, 1, 1, 2), "segregated", lr=0.1, steps=1500, seeds=(0, 1), hidden=16)
    assert np.all(res.rho == 0), res.rho
    assert np.all(res.novel_error < 1e-3), res.novel_error


def test_dense_relu_network_is_not_systematic():
    res = relu_family(Dataset(3, 2, 1, 1, 2), "dense", lr=0.1, steps=1500, seeds=(0, 1), hidden=16)
    assert np.all(res.loss[:, -1] < 1e-3), res.loss[:, -1]
    assert np.all(res.rho > 0.3), res.rho
    assert np.all(res.novel_error > 0.05), res.novel_error


def test_one_layer_relu_module_rho_is_the_block_norm_ratio():
    # hidden = () is linear, so the Jacobian is the weight matrix and rho is ||W_GO|| / ||W_OO||
    d = Dataset(2, 1, 1, 1, 1)
    res = relu_family(d, "shallow", lr=0.1, steps=20, seeds=(0,))
    W = res.params[0][0].W[0]
    sl = d.block_slices()
    expected = np.linalg.norm(W[sl["omega_y"], sl["gamma_x"]]) / np.linalg.norm(W[sl["omega_y"], sl["omega_x"]])
    assert res.rho[0] == pytest.approx(expected, rel=1e-12, abs=0)


def test_heldout_error_is_measured_on_untrained_items_only():
    d = Dataset(3, 2, 1, 1, 1)
    held = relu_family(d, "dense", lr=0.1, steps=100, seeds=(0,), train=(0, 3, 5, 6))
    full = relu_family(d, "dense", lr=0.1, steps=100, seeds=(0,))
    assert held.train_items == (0, 3, 5, 6)
    assert np.isfinite(held.heldout_error).all() and held.heldout_error[0] > 0
    assert np.isnan(full.heldout_error).all()


def test_relu_divergence_is_reported_as_arithmetic_error():
    with pytest.raises(ArithmeticError, match="diverged at step"):
        relu_family(Dataset(3, 2, 1, 1, 2), "dense", lr=5.0, steps=200, seeds=(0,), hidden=16)


def test_relu_stable_run_is_not_flagged():
    # negative control of the divergence check: the same run at a stable step size finishes
    res = relu_family(Dataset(3, 2, 1, 1, 2), "dense", lr=0.05, steps=200, seeds=(0,), hidden=16)
    assert res.loss[0, -1] < res.loss[0, 0]


def _linear_problem(scale: float):
    """One linear layer (no hidden ReLU) on 2 inputs and 4 items, targets of size ``scale``."""
    rng = np.random.default_rng(7)
    return (ReluModule("m", (0, 1), (0,), ()),), rng.normal(size=(1, 2, 4)), scale * rng.normal(size=(1, 1, 4))


def test_relu_loss_growing_a_millionfold_is_divergence_while_still_finite():
    # lr far above 2 / (top curvature): the loss of the linear layer grows geometrically; 6 steps
    # (checked after every step) take it far past a millionfold of its start while every value
    # stays finite, so only the growth check can see it
    modules, X, Y = _linear_problem(1.0)
    finite_run = fit(modules, X, Y, lr=np.array([1e-3]), steps=0, seeds=(0,))
    first = float(finite_run.loss[0, 0])
    with pytest.raises(ReluDivergenceError, match=r"diverged at step \d+: network 0") as err:
        fit(modules, X, Y, lr=np.array([20.0]), steps=6, seeds=(0,))
    loss = float(re.search(r"has loss (\S+) ", str(err.value)).group(1))
    assert math.isfinite(loss) and loss > 1e6 * first


def test_relu_stable_run_from_a_large_loss_is_not_flagged():
    # negative control at another scale: targets of size 1e4 (initial loss ~1e8) and a stable step;
    # the loss only decreases, so the growth check (relative to the initial loss) must stay silent
    modules, X, Y = _linear_problem(1e4)
    res = fit(modules, X, Y, lr=np.array([0.05]), steps=50, seeds=(0,))
    assert res.loss[0, 0] > 1e6 and res.loss[0, -1] < res.loss[0, 0]


def test_relu_initial_weights_have_the_he_variance_two_over_fan_in():
    # 40 000 weights of one layer with fan_in 50 drawn N(0, 2 / fan_in): the sample variance has relative
    # standard deviation sqrt(2 / n) = 0.7%, so 5% (7 standard deviations) separates 2 / fan_in from
    # any other factor (3 / fan_in is 50% off); init_scale multiplies the standard deviation
    fan_in, fan_out = 50, 800
    module = ReluModule("m", tuple(range(fan_in)), tuple(range(fan_out)), ())
    for scale in (1.0, 0.5):
        (layer,), = init_params((module,), (0,), init_scale=scale)
        assert layer.W.shape == (1, fan_out, fan_in) and not layer.b.any()
        assert float(np.var(layer.W)) == pytest.approx(scale**2 * 2 / fan_in, rel=0.05)


@pytest.mark.parametrize("kwargs, name", [
    ({"hidden": 0}, "hidden"),
    ({"hidden": (4, -1)}, "hidden"),
    ({"lr": -0.1}, "lr"),
    ({"lr": ()}, "lr"),
    ({"seeds": (-1,)}, "seeds"),
    ({"train": (8,)}, "train"),        # out of range for P = 8
    ({"train": (1, 1)}, "train"),      # repeated item
    ({"train": ()}, "train"),          # empty
    ({"momentum": 1.0}, "momentum"),
    ({"init_scale": 0.0}, "init_scale"),
    ({"steps": -1}, "steps"),
])
def test_relu_bad_input_names_the_parameter(kwargs, name):
    args = {"lr": 0.1, "steps": 1, "seeds": (0,), **kwargs}
    with pytest.raises(ValueError, match=name):
        relu_family(Dataset(3, 2, 1, 1, 1), "dense", **args)


def test_relu_unknown_arrangement_lists_valid_ones():
    with pytest.raises(ValueError, match="dense, shallow, split, segregated"):
        relu_family(Dataset(3, 2, 1, 1, 1), "modular", lr=0.1, steps=1)


def test_fit_rejects_mismatched_batch():
    modules = (ReluModule("m", (0,), (0,), (2,)),)
    with pytest.raises(ValueError, match="batch"):
        fit(modules, np.zeros((2, 1, 3)), np.zeros((1, 1, 3)), lr=np.ones(2), steps=1, seeds=(0, 1))


def test_dataset_training_subset_is_the_default_training_set():
    d = Dataset(3, 2, 1, 1, 1, train=(0, 3, 5, 6))
    via_dataset = relu_family(d, "dense", lr=0.1, steps=50, seeds=(0,))
    via_argument = relu_family(Dataset(3, 2, 1, 1, 1), "dense", lr=0.1, steps=50, seeds=(0,), train=(0, 3, 5, 6))
    assert via_dataset.train_items == (0, 3, 5, 6)
    np.testing.assert_array_equal(via_dataset.heldout_error, via_argument.heldout_error)
    with pytest.raises(ValueError, match="train"):
        relu_family(d, "dense", lr=0.1, steps=1, train=(1, 2, 4))


def test_relu_family_refuses_datasets_that_train_on_different_items():
    d1, d2 = Dataset(2, 1, 1, 1, 1, train=(0, 1)), Dataset(2, 1, 1, 1, 1, train=(0, 2))
    with pytest.raises(ValueError, match="datasets must share their training items"):
        relu_family([d1, d2], "dense", lr=0.05, steps=5, seeds=(0,), hidden=4)


@pytest.mark.parametrize("arch", ["split", "segregated"])
def test_modules_with_no_outputs_are_skipped_and_the_others_kept(arch):
    # n2 = 0: the Omega module produces nothing and is dropped; the Gamma module after it must stay
    from numeric.relu import family_modules

    d = Dataset(2, 0, 1, 1, 1)
    modules = family_modules(d, arch, (4,))
    assert len(modules) == 1 and len(modules[0].rows) == d.n_out, modules
