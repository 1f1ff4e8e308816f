"""A batch split over threads (numeric.simulate.run's ``threads``) gives the same run as one thread.

The networks of a batch are independent, so a sub-batch per thread must give
every number of the run (final weights, checkpoint observables, mode strengths
at every step) to the last bit, and the same divergence error, naming the
earliest diverging step over all networks, whichever thread finds it first.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from numeric.learning import LearningRule, gradient_descent_step
from numeric.simulate import DivergenceError, init, run, simulate, simulate_batch, simulation_threads
from numeric import simulate as simulate_module
from theory.dataset import Dataset


def assert_same_run(a, b) -> None:
    for la, lb in zip(a.state.weights, b.state.weights):
        for x, y in zip(la, lb):
            assert np.array_equal(x, y)
    assert np.array_equal(a.t, b.t) and np.array_equal(a.step_t, b.step_t)
    assert len(a.observations) == len(b.observations)
    for oa, ob in zip(a.observations, b.observations):
        assert oa.keys() == ob.keys()
        for key in oa:
            assert np.array_equal(oa[key], ob[key], equal_nan=True), key
    assert a.step_modes.keys() == b.step_modes.keys()
    for key in a.step_modes:
        assert np.array_equal(a.step_modes[key], b.step_modes[key], equal_nan=True), key


def divergence_messages(system, state, steps: int, every: int) -> list[str]:
    """The divergence error of the run on one thread, then on two."""
    messages = []
    for threads in (1, 2):
        with pytest.raises(DivergenceError) as err:
            run(system, state, steps=steps, every=every, threads=threads)
        messages.append(str(err.value))
    return messages


RUNS = [
    # (datasets, arch, init, depth, lrs, seeds): several datasets and step sizes, so a sub-batch that took
    # another network's statistics, rate or selection would change the numbers
    ([Dataset(3, 1, 1, 1, 1), Dataset(3, 1, 1, 1, 0)], "dense", "random", None, [0.02, 0.05], range(3)),
    ([Dataset(3, 1, 2, 2, 1), Dataset(3, 1, 2, 2, "1/2")], "split", "spectral", None, [0.05, 0.1], range(2)),
    # the omega module's reduced Sx is not diagonal on r = 1 and diagonal on r = 0: both branches of the step
    ([Dataset(3, 1, 2, 2, 1), Dataset(3, 1, 2, 2, 0)], "split", "random", None, [0.02, 0.05], range(2)),
    ([Dataset(2, 1, 1, 1, 1)], "segregated", "random", 3, [0.05], range(7)),
    ([Dataset(2, 1, 1, 2, 1), Dataset(2, 1, 1, 2, 2)], "shallow", "random", None, [0.1, 0.2, 0.3], range(2)),
    ([Dataset(5, 2, 2, 2, 1)], "dense", "random", None, [1e-3], range(4)),
]


@pytest.mark.parametrize("datasets, arch, init_name, depth, lrs, seeds", RUNS)
@pytest.mark.parametrize("threads", [2, 3])
def test_threaded_run_equals_one_thread_to_the_last_bit(datasets, arch, init_name, depth, lrs, seeds, threads):
    system, state = init(datasets, arch, lr=lrs, seeds=seeds, init=init_name, depth=depth)
    one = run(system, state, steps=40, every=7, threads=1)
    many = run(system, state, steps=40, every=7, threads=threads)
    assert len(simulate_module._parts(system, state, threads)) == min(threads, system.batch // 2) > 1
    assert_same_run(one, many)


def test_threaded_run_of_another_rule_equals_one_thread():
    # a rule without step_into takes the other branch of the step loop
    rule = LearningRule("plain gradient descent", gradient_descent_step)
    system, state = init([Dataset(3, 1, 1, 1, 1)], "dense", lr=[0.02, 0.05], seeds=range(3), rule=rule)
    assert_same_run(run(system, state, steps=25, every=5, threads=1), run(system, state, steps=25, every=5, threads=2))


@pytest.mark.parametrize("batch, threads, sizes", [
    (1, 4, [1]), (2, 2, [2]), (3, 2, [3]), (4, 2, [2, 2]), (5, 2, [3, 2]), (7, 3, [3, 2, 2]), (16, 64, [2] * 8),
])
def test_batch_splits_into_parts_of_at_least_two_networks(batch, threads, sizes):
    # one network alone would take the 2-D fast path, whose observables round differently
    system, state = init([Dataset(2, 1, 1, 1, 1)], "dense", lr=0.05, seeds=range(batch))
    parts = simulate_module._parts(system, state, threads)
    assert [len(p) for p in parts] == sizes
    assert np.array_equal(np.concatenate(parts), np.arange(batch))


@pytest.mark.parametrize("n1, init_name, seeds, parts", [
    (2, "spectral", 64, 1),  # 64 networks of 256 bytes: numpy calls too short for threads to pay
    (4, "random", 16, 1),  # 16 x 6.4 KB
    (5, "spectral", 16, 1),  # 16 x 16 KB: measured no faster with two threads
    (5, "random", 16, 2),  # 16 x 25 KB
    (5, "spectral", 64, 2),  # 64 x 16 KB
    (6, "spectral", 4, 1),  # 4 x 64 KB: two networks per thread, too little
    (6, "spectral", 8, 2),  # 8 x 64 KB
    (6, "spectral", 1, 1),  # one network: nothing to split
])
def test_default_threads_follow_the_work_per_thread(n1, init_name, seeds, parts, monkeypatch):
    monkeypatch.setattr(simulate_module, "_cores", lambda: 2)
    system, state = init([Dataset(n1, n1 // 2, 2, 2, 1)], "dense", lr=1e-3, seeds=range(seeds), init=init_name)
    assert len(simulate_module._parts(system, state, None)) == parts


def test_simulation_threads_sets_the_default_of_a_block(monkeypatch):
    monkeypatch.setattr(simulate_module, "_cores", lambda: 2)
    large = init([Dataset(5, 2, 2, 2, 1)], "dense", lr=1e-3, seeds=range(16), init="random")
    assert len(simulate_module._parts(*large, None)) == 2
    with simulation_threads(1):
        assert len(simulate_module._parts(*large, None)) == 1
        assert len(simulate_module._parts(*large, 2)) == 2  # a run's own count wins
    assert len(simulate_module._parts(*large, None)) == 2  # the block's setting ends with it


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_thread_counts_are_refused_naming_the_parameter(bad):
    d = Dataset(2, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="threads"):
        simulate(d, "dense", lr=0.05, steps=5, threads=bad)
    with pytest.raises(ValueError, match="threads"):
        with simulation_threads(bad):
            pass


@pytest.mark.parametrize("lrs", [
    [0.01, 0.01, 5.0, 5.0],  # only the second thread's networks diverge
    [5.0, 5.0, 0.01, 0.01],  # only the first's
    [4.0, 4.0, 6.0, 6.0],  # both, the second earlier
    [6.0, 6.0, 4.0, 4.0],  # both, the first earlier
])
def test_threaded_divergence_names_the_earliest_step_over_all_networks(lrs):
    d = Dataset(2, 1, 1, 1, 1)
    system, state = init([d], "dense", lr=lrs, a0=1.0, init="random", init_scale=1.0)
    errors = divergence_messages(system, state, 2000, 100)
    assert errors[0] == errors[1]
    assert re.search(r"non-finite weights at step \d+", errors[0])


def test_threaded_escape_and_overflow_at_one_step_report_the_overflow():
    # the escape test (spectral init) and the non-finite check: the same choice as one thread makes
    d = Dataset(2, 1, 1, 1, 1)
    system, state = init([d], "dense", lr=[0.05, 0.05, 2.4, 2.4], a0=1.0)
    errors = divergence_messages(system, state, 5000, 5000)
    assert errors[0] == errors[1] and "escape point" in errors[0]


def test_an_error_in_another_thread_reaches_the_caller():
    def step(stats, params, lr):
        if np.any(np.asarray(lr) == 0.0125):
            raise RuntimeError("broken rule on the second sub-batch")
        return gradient_descent_step(stats, params, lr)

    rule = LearningRule("broken", step)
    system, state = init([Dataset(2, 1, 1, 1, 1)], "dense", lr=[0.01, 0.0125], seeds=range(2), rule=rule)
    with pytest.raises(RuntimeError, match="second sub-batch"):
        run(system, state, steps=50, every=10, threads=2)


def test_an_error_in_the_calling_thread_stops_the_others():
    # the first sub-batch (this thread) fails at its fifth step; the second waits for that at its first
    # step (so it has no head start), counts its steps and must stop at one of its next chunks instead of
    # running all 20 000
    import threading

    failed = threading.Event()
    steps_of_first: list[int] = []
    steps_of_second: list[int] = []

    def step(stats, params, lr):
        if np.all(np.asarray(lr) == 0.01):  # the first sub-batch
            if len(steps_of_first) == 5:
                failed.set()
                raise KeyboardInterrupt  # as Ctrl-C would
            steps_of_first.append(1)
        else:
            if not steps_of_second:
                failed.wait(timeout=30)
            steps_of_second.append(1)
        return gradient_descent_step(stats, params, lr)

    rule = LearningRule("counting", step)
    system, state = init([Dataset(2, 1, 1, 1, 1)], "dense", lr=[0.01, 0.01, 0.02, 0.02], rule=rule)
    with pytest.raises(KeyboardInterrupt):
        run(system, state, steps=20_000, every=20_000, threads=2)
    assert failed.is_set() and len(steps_of_second) < 10_000, len(steps_of_second)


def test_a_slow_sub_batch_still_reports_its_earlier_divergence():
    # weights grow by (1 + lr) a step until they overflow: at about step 156 for lr = 100 (the first
    # sub-batch, slowed down) and 300 for lr = 10 (the second, which finds its divergence first); the
    # first must still check its steps up to 300 and report its own, earlier step, as one thread does
    import time

    def step(stats, params, lr):
        if np.all(np.asarray(lr) == 100.0):
            time.sleep(2e-4)
        return tuple(W * (1.0 + lr) for W in params)

    rule = LearningRule("growth", step)
    system, state = init([Dataset(2, 1, 1, 1, 1)], "dense", lr=[100.0, 100.0, 10.0, 10.0], init="random",
                         rule=rule)
    messages = divergence_messages(system, state, 1000, 1000)
    assert messages[0] == messages[1]
    assert 100 < int(re.search(r"at step (\d+)", messages[0]).group(1)) < 250


def test_shared_record_keeps_the_earliest_divergence_and_overflow_before_escape():
    shared = simulate_module._Shared()
    assert not shared.stop(500)
    shared.found(simulate_module._Diverged(300, simulate_module._ESCAPED))
    assert shared.stop(301) and not shared.stop(300)  # steps up to 300 must still be checked
    shared.found(simulate_module._Diverged(400, simulate_module._NON_FINITE))  # later: ignored
    assert shared.first == (300, simulate_module._ESCAPED)
    shared.found(simulate_module._Diverged(300, simulate_module._NON_FINITE))  # same step: overflow first
    assert shared.first == (300, simulate_module._NON_FINITE)
    shared.found(simulate_module._Diverged(300, simulate_module._ESCAPED))
    assert shared.first == (300, simulate_module._NON_FINITE)
    shared.found(simulate_module._Diverged(120, simulate_module._ESCAPED))
    assert shared.first == (120, simulate_module._ESCAPED)
    shared.abort = True
    assert shared.stop(0)


def test_threaded_progress_reaches_the_total():
    seen = []
    res = simulate_batch([Dataset(2, 1, 1, 1, 1)], "dense", lr=0.05, steps=64, seeds=range(4), threads=2,
                         progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (64, 64) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(v.shape == (4, 65) for v in res.step_modes.values()) and res.step_modes


@pytest.mark.parametrize("init_name", ["spectral", "random"])
def test_stepping_network_by_network_equals_the_batched_step_to_the_last_bit(init_name, monkeypatch):
    # large networks are stepped one at a time on 2-D arrays with shared temporaries (_PER_NETWORK_BYTES):
    # the same products per network, so the same bits as the batched step
    system, state = init([Dataset(3, 1, 2, 2, 1), Dataset(3, 1, 2, 2, 0)], "split", lr=[0.02, 0.05],
                         seeds=range(2), init=init_name)
    runs = []
    for threshold in (0, 10**12):  # every network alone, then the whole batch at once
        monkeypatch.setattr(simulate_module, "_PER_NETWORK_BYTES", threshold)
        runs.append(run(system, state, steps=30, every=6, threads=1))
    assert_same_run(*runs)


def test_networks_stepped_in_turn_share_one_set_of_temporaries(monkeypatch):
    from numeric import learning

    pools = []
    compile_ = learning._compile

    def spy(stats, params, lr, scratch=None):
        pools.append(scratch)
        return compile_(stats, params, lr, scratch)

    monkeypatch.setattr(learning, "_compile", spy)
    monkeypatch.setattr(simulate_module, "_PER_NETWORK_BYTES", 0)
    system, state = init([Dataset(2, 1, 1, 1, 1)], "dense", lr=[0.01, 0.02, 0.03], seeds=range(1))
    run(system, state, steps=3, every=3, threads=1)
    assert len(pools) == 3 and all(p is pools[0] for p in pools) and pools[0]


@pytest.mark.parametrize("seeds", [1, 3])
def test_too_few_networks_to_split_give_blas_the_threads_with_the_same_bits(seeds):
    # at n1 = 7 a network's layers (256 KB) are past _BLAS_MIN_BYTES: BLAS steps them on two threads
    from threadpoolctl import threadpool_info

    system, state = init([Dataset(7, 3, 1, 1, 1)], "dense", lr=1e-3, seeds=range(seeds))
    assert len(simulate_module._parts(system, state, 2)) == 1
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert_same_run(run(system, state, steps=12, every=4, threads=1), run(system, state, steps=12, every=4, threads=2))
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before


def test_blas_threads_block_sets_and_restores_the_count():
    from threadpoolctl import threadpool_info, threadpool_limits

    def counts():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    with threadpool_limits(limits=1, user_api="blas"):
        block = simulate_module._BlasThreads(2)
        for _ in range(2):  # reusable: one block wraps every chunk of a run
            with block:
                assert set(counts()) == {2}
            assert set(counts()) == {1}


def test_one_large_network_steps_with_blas_on_the_run_threads_and_observes_on_the_callers():
    # n1 = 7: layers of 256 KB, past _BLAS_MIN_BYTES; under a caller's limit of one BLAS thread the steps
    # run on the run's two, and the count is back to one around them
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_count() -> int:
        return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")

    seen = []

    def step(stats, params, lr):
        seen.append(blas_count())
        return gradient_descent_step(stats, params, lr)

    system, state = init([Dataset(7, 3, 1, 1, 1)], "dense", lr=1e-3, rule=LearningRule("spy", step))
    with threadpool_limits(limits=1, user_api="blas"):
        run(system, state, steps=3, every=3, threads=2)
        assert seen == [2, 2, 2] and blas_count() == 1
        seen.clear()
        run(system, state, steps=3, every=3, threads=1)
        assert seen == [1, 1, 1]


def test_faster_of_tries_each_way_then_keeps_the_faster_and_follows_a_change_of_load():
    chooser = simulate_module._FasterOf(2)
    cost = {0: 1.0, 1: 2.0}  # way 1 (say, two BLAS threads on busy cores) is slower at first
    picks = []
    for i in range(200):
        if i == 100:
            cost = {0: 3.0, 1: 2.0}  # the load changes: way 0 is now the slower
        way = chooser.pick()
        picks.append(way)
        chooser.record(way, cost[way])
    assert sorted(picks[:4]) == [0, 0, 1, 1]  # each tried twice first
    assert picks[4:100].count(1) <= 96 // 16 + 1  # then the faster, the other retried now and then
    assert 0 < picks[4:100].count(1)
    assert picks[110:].count(0) <= 90 // 16 + 1  # and the choice follows the change within a few picks
