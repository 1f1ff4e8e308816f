"""Mode strengths and checkpoint maps read from the product each step keeps (``numeric.simulate.run``).

Depth-2 gradient descent with a diagonal Sx multiplies ``P = W2 (W1 eta Sx)``
anyway; ``run`` keeps it and reads the map of the state the step started from
as ``P`` with column j divided by ``eta Sx_jj`` (``numeric.learning.scaled_map_scale``),
one step late, instead of multiplying the layers again.

Bound, derived here: entry (i, j) of the map is a dot product of length h (the
hidden width). Computed directly, each of its terms carries at most h roundings
(one product, h - 1 sums), so it is off by at most ``gamma_h sum_k |W2_ik W1_kj|``
(``gamma_n = n eps / (1 - n eps)``, any summation order, FMA or not). Read from
the kept product, each term also carries the scaling of ``W1_kj`` by ``eta
Sx_jj``, the reciprocal ``1 / (eta Sx_jj)`` and the product with it: at most
``gamma_(h+3)``. The two differ by at most ``2 gamma_(h+3) sum_k |W2_ik W1_kj|``;
a mode strength, the mean of w such entries, by the mean of their bounds plus
the rounding of the two means (``2 gamma_w`` times the mean of the entries' sizes).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import numeric.simulate as simulate_module
from numeric.simulate import DivergenceError, init, mode_strengths, observe, run
from theory.dataset import Dataset

EPS = np.finfo(float).eps

CASES = [
    # (datasets, arch, init, lrs, seeds)
    ([Dataset(3, 1, 1, 1, 1)], "dense", "spectral", [0.05], range(1)),
    ([Dataset(3, 2, 1, 1, 1), Dataset(3, 2, 1, 1, 2)], "dense", "random", [0.02, 0.04], range(2)),
    ([Dataset(3, 1, 2, 2, 1)], "segregated", "spectral", [0.05], range(2)),
    ([Dataset(4, 2, 1, 1, 1)], "dense", "random", [0.01], range(3)),
]


def gamma(n: int) -> float:
    return n * EPS / (1 - n * EPS)


def mode_bounds(system, state) -> dict[str, np.ndarray]:
    """Largest difference between a mode strength read from the kept product and one computed directly."""
    out = {}
    for ms, (W1, W2) in zip(system.modules, state.weights):
        h, m = W1.shape[-2], ms.m
        sizes = np.vecdot(np.abs(W2[..., :m, :]), np.abs(W1[..., :, :m]).mT)  # sum_k |W2_jk W1_kj|, (B, m)
        entries = 2 * gamma(h + 3) * sizes + 2 * EPS * sizes  # the entries, and their own rounding to the mean
        for name, (start, width) in ms.slots.items():
            out[name] = np.mean(entries[:, start:start + width], axis=-1) * (1 + 2 * gamma(width))
    return out


def one_step_runs(system, state, count):
    """``count`` runs of one step each: the strengths each records for its two states, and those states."""
    for _ in range(count):
        r = run(system, state, steps=1, every=1)
        yield (state, {k: v[:, 0] for k, v in r.step_modes.items()}), (r.state, {k: v[:, 1] for k, v in r.step_modes.items()})
        state = r.state


@pytest.mark.parametrize("datasets, arch, init_name, lrs, seeds", CASES)
def test_mode_strengths_from_the_kept_product_are_the_direct_ones_to_rounding(datasets, arch, init_name, lrs, seeds):
    system, state = init(datasets, arch, lr=lrs, seeds=seeds, init=init_name)
    assert simulate_module._keeps_maps(system, state)
    power = 0.0  # the smallest change of a strength over one step, against its bound: what this test can see
    for pair in one_step_runs(system, state, 6):
        (s0, m0), (s1, m1) = pair
        direct0, direct1 = mode_strengths(system, s0), mode_strengths(system, s1)
        for s, recorded, direct in ((s0, m0, direct0), (s1, m1, direct1)):
            bound = mode_bounds(system, s)
            for name, value in recorded.items():
                present = np.isfinite(direct[name])
                diff = np.abs(value - direct[name])[present]
                assert np.all(diff <= bound[name][present]), (name, diff, bound[name][present])
        for name in m0:
            present = np.isfinite(direct0[name])
            change = np.abs(direct1[name] - direct0[name])[present]
            power = max(power, float(np.min(change / mode_bounds(system, s1)[name][present])))
    assert power > 1.0  # a strength read from the neighbouring state's product would fail the bound


@pytest.mark.parametrize("datasets, arch, init_name, lrs, seeds", CASES)
def test_one_long_run_equals_one_step_runs_and_the_runs_without_kept_maps(datasets, arch, init_name, lrs, seeds,
                                                                           monkeypatch):
    system, state = init(datasets, arch, lr=lrs, seeds=seeds, init=init_name)
    long = run(system, state, steps=6, every=2)
    *_, (last, modes) = [p for pair in one_step_runs(system, state, 6) for p in pair]
    for a, b in zip(long.state.weights, last.weights):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)  # the kept product does not change a step's weights
    for name, value in modes.items():
        assert np.array_equal(long.step_modes[name][:, -1], value, equal_nan=True)
    monkeypatch.setattr(simulate_module, "_keeps_maps", lambda *a: False)
    plain = run(system, state, steps=6, every=2)
    for a, b in zip(long.state.weights, plain.state.weights):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("datasets, arch, init_name, lrs, seeds", CASES)
def test_checkpoints_observed_from_kept_maps_match_observing_the_state(datasets, arch, init_name, lrs, seeds):
    # block norms: | ||A|| - ||A'|| | <= ||A - A'|| <= the entries' bounds in norm (the bases are
    # orthonormal), plus each side's own rounding, g ||map|| with g = gamma_(p+q) (numeric.simulate._block_norms)
    system, state = init(datasets, arch, lr=lrs, seeds=seeds, init=init_name)
    r = run(system, state, steps=5, every=5)
    direct = observe(system, r.state)
    bound = np.zeros(system.batch)
    size = np.zeros(system.batch)
    for ms, (W1, W2) in zip(system.modules, r.state.weights):
        h = W1.shape[-2]
        p, q = W1.shape[-1], W2.shape[-2]
        entries = 2 * gamma(h + 3) * (np.abs(W2) @ np.abs(W1))
        bound += np.sum(entries**2, axis=(-2, -1))
        size += np.sum((W2 @ W1) ** 2, axis=(-2, -1)) * (2 * gamma(p + q + 2 * h)) ** 2
    bound = np.sqrt(bound) + np.sqrt(size)
    for key in ("OO", "GO", "OG", "GG"):
        diff = np.abs(r.observations[-1][key] - direct[key])
        assert np.all(diff <= bound), (key, diff, bound)


def test_observing_one_checkpoint_at_a_time_gives_the_same_bits(monkeypatch):
    # the checkpoint whose map comes with the next chunk waits at the front of the stack
    system, state = init([Dataset(3, 1, 1, 1, 1), Dataset(3, 1, 1, 1, 2)], "dense", lr=[0.03, 0.05], seeds=range(2),
                         init="random")
    many = run(system, state, steps=40, every=3)
    monkeypatch.setattr(simulate_module, "_OBSERVE_BYTES", 1)
    monkeypatch.setattr(simulate_module, "_RING_BYTES", 1)  # rings of two states: most chunks end on a checkpoint
    one = run(system, state, steps=40, every=3)
    assert list(one.t) == list(many.t) == list(range(0, 40, 3)) + [40]
    for a, b in zip(one.observations, many.observations):
        for key in a:
            assert np.array_equal(a[key], b[key], equal_nan=True), key


def test_an_escape_at_the_last_step_is_found_from_its_kept_product():
    # the last state's strengths come from one more step: a run that ends at the escape reports it
    d = Dataset(2, 1, 1, 1, 1)
    with pytest.raises(DivergenceError, match="escape point at step ([0-9]+)") as err:
        run(*init([d], "dense", lr=3 * 0.8, a0=1.0), steps=5000, every=5000)
    t = int(re.search(r"at step (\d+)", str(err.value)).group(1))
    system, state = init([d], "dense", lr=3 * 0.8, a0=1.0)
    with pytest.raises(DivergenceError, match=f"escape point at step {t} "):
        run(system, state, steps=t, every=t)
    run(system, state, steps=t - 1, every=t - 1)  # one step before it, nothing to report
