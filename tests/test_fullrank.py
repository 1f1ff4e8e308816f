"""Claim T11: exact probability that random training codes span R^n1 / hold the selected axes."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from hypothesis import given
from hypothesis import strategies as st

from numeric.fullrank import estimate_probability, rank_mod_p, ranks_mod_q, wilson_interval
from theory.fullrank import MAX_EXACT_N1, axes_probability, flats, span_counts, span_probability


def _codes(n1: int) -> np.ndarray:
    return np.array(list(itertools.product((-1, 1), repeat=n1)))


def _brute_force(n1: int, n2: int) -> tuple[list[int], list[int]]:
    """Oracle: every j-subset, rank by float SVD of a +-1 matrix (entries tiny, ranks unambiguous)."""
    C = _codes(n1)
    axes = np.eye(n1)[:n2]
    spanning, holding = [0] * (2**n1 + 1), [0] * (2**n1 + 1)
    for j in range(1, 2**n1 + 1):
        subsets = np.array(list(itertools.combinations(range(2**n1), j)))
        B = C[subsets].astype(float)  # (subsets, j, n1)
        rank = np.linalg.matrix_rank(B)
        with_axes = np.linalg.matrix_rank(np.concatenate([B, np.broadcast_to(axes, (len(B), n2, n1))], axis=1))
        spanning[j] = int(np.sum(rank == n1))
        holding[j] = int(np.sum(rank == with_axes))
    return spanning, holding


# The reference values of THEORY.md section 6 (spanning, n1 = 3).
@pytest.mark.parametrize("j, expected", [(1, 0), (2, 0), (3, Fraction(4, 7)), (4, Fraction(32, 35)),
                                         (5, 1), (6, 1), (7, 1), (8, 1)])
def test_span_probability_matches_reference_values_for_n1_3(j, expected):
    assert span_probability(3, j) == expected


@pytest.mark.parametrize("n1", [1, 2, 3, 4])
def test_exact_counts_equal_brute_force_enumeration(n1):
    for n2 in range(n1 + 1):
        spanning, holding = _brute_force(n1, n2)
        counts = span_counts(n1, n2)
        assert list(counts.spanning[1:]) == spanning[1:], (n1, n2)
        assert list(counts.axes[1:]) == holding[1:], (n1, n2)


def test_axes_probability_is_span_probability_when_all_axes_are_selected():
    for n1 in range(1, 6):
        for j in range(1, 2**n1 + 1):
            assert axes_probability(n1, n1, j) == span_probability(n1, j)


def test_axes_probability_is_one_for_no_axes_and_monotone_in_j():
    for n1 in range(1, 6):
        for n2 in range(n1 + 1):
            values = [axes_probability(n1, n2, j) for j in range(1, 2**n1 + 1)]
            assert values == sorted(values), (n1, n2)
            assert values[-1] == 1
            if n2 == 0:
                assert set(values) == {1}


def test_probabilities_are_zero_below_n1_codes_and_one_once_no_hyperplane_holds_them():
    # j < n1 codes cannot span; more codes than the largest hyperplane holds always span.
    for n1 in range(1, 6):
        largest = max(w.size for w in flats(n1) if w.rank == n1 - 1)
        for j in range(1, 2**n1 + 1):
            p = span_probability(n1, j)
            assert (p == 0) == (j < n1), (n1, j, p)
            assert (p == 1) == (j > largest), (n1, j, p)


def test_lattice_of_code_flats_has_one_top_and_one_bottom():
    for n1 in range(1, 6):
        lattice = flats(n1)
        assert lattice[0].mask == 0 and lattice[-1].mask == 2 ** (2**n1) - 1
        assert len({w.mask for w in lattice}) == len(lattice)
        assert [w.rank for w in lattice] == sorted(w.rank for w in lattice)


def _abs_det_criterion(B: np.ndarray) -> np.ndarray:
    """The reference script's test: det(|B^T B|) > 0.1 with codes as rows of B (elementwise |.|); stacked."""
    return np.linalg.det(np.abs(np.swapaxes(B, -1, -2) @ B)) > 0.1


@pytest.mark.parametrize("n1, wrong", [(2, False), (3, False), (4, True)])
def test_abs_gram_determinant_criterion_is_wrong_for_n1_4(n1, wrong):
    C = _codes(n1)
    rejected_spanning = accepted_deficient = 0
    for j in range(1, 2**n1 + 1):
        B = C[np.array(list(itertools.combinations(range(2**n1), j)))].astype(float)  # (subsets, j, n1)
        spans = np.linalg.matrix_rank(B) == n1
        accepted = _abs_det_criterion(B)
        rejected_spanning += int(np.sum(spans & ~accepted))
        accepted_deficient += int(np.sum(accepted & ~spans))
    # It errs both ways for n1 = 4 (600 spanning sets rejected, 120 deficient ones accepted).
    assert (rejected_spanning > 0 and accepted_deficient > 0) == wrong, (rejected_spanning, accepted_deficient)
    assert (rejected_spanning + accepted_deficient == 0) == (not wrong)


@pytest.mark.parametrize("n1, n2, j", [(3, 3, 3), (4, 2, 5), (5, 5, 6), (5, 1, 3)])
def test_monte_carlo_interval_covers_the_exact_probability(n1, n2, j):
    est = estimate_probability(n1, j, n2, samples=4000, seed=1)
    exact = float(axes_probability(n1, n2, j))
    assert est.low <= exact <= est.high, (est, exact)


def test_monte_carlo_interval_excludes_a_wrong_probability():
    # Negative control: the estimate separates 4/7 from 32/35 (j = 3 vs j = 4 at n1 = 3).
    est = estimate_probability(3, 3, samples=4000, seed=2)
    assert not est.low <= float(span_probability(3, 4)) <= est.high


def test_wilson_interval_contains_the_proportion_and_stays_in_unit_interval():
    for k, n in [(0, 10), (10, 10), (3, 7), (500, 1000)]:
        lo, hi = wilson_interval(k, n)
        assert 0 <= lo <= k / n <= hi <= 1
    assert wilson_interval(0, 10)[0] == 0 and wilson_interval(0, 10)[1] > 0


def test_rank_mod_p_equals_rational_rank_on_dependent_codes():
    assert rank_mod_p([[1, 1, 1], [1, -1, 1], [1, 0, 1]], 3) == 2
    assert rank_mod_p([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], 4) == 4


@st.composite
def _code_stacks(draw):
    """Stacks of matrices of +-1 code rows and unit axis rows (repeats allowed: rank deficiency), n1 <= 15."""
    n1 = draw(st.integers(1, 15))
    rows = draw(st.integers(1, n1 + 3))
    stack = draw(st.integers(1, 6))
    entries = st.one_of(st.lists(st.sampled_from((-1, 1)), min_size=n1, max_size=n1),
                        st.integers(0, n1 - 1).map(lambda i: [int(k == i) for k in range(n1)]))
    return [[draw(entries) for _ in range(rows)] for _ in range(stack)], n1


@given(_code_stacks())
def test_batched_ranks_mod_q_equal_the_exact_rank_of_each_matrix(case):
    stack, n1 = case
    assert ranks_mod_q(np.array(stack)).tolist() == [rank_mod_p(m, n1) for m in stack]


def test_batched_ranks_of_known_matrices():
    # Hadamard rows (full rank), a repeated code, a code and its negative, the axes of a code's support
    stack = [[[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]],
             [[1, 1, 1, 1], [1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1]],
             [[1, -1, 1, -1], [-1, 1, -1, 1], [0, 0, 0, 0], [0, 0, 0, 0]],
             [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 1]]]
    assert ranks_mod_q(np.array(stack)).tolist() == [4, 3, 1, 3]


def test_batched_ranks_are_wrong_when_a_minor_is_a_multiple_of_the_prime():
    # Negative control of the Hadamard premise: det [[q, 0], [0, 1]] = q = 2**31 - 1 vanishes mod q, so the
    # batched rank drops to 1 while the rank over the rationals (and mod 2**61 - 1) is 2. +-1 codes of
    # n1 <= 15 cannot reach q (|minor| <= 15**7.5 ~ 6.6e8), which is why the batch stops at 15.
    q = 2**31 - 1
    assert ranks_mod_q(np.array([[[q, 0], [0, 1]]])).tolist() == [1]
    assert rank_mod_p([[q, 0], [0, 1]], 2) == 2
    assert 15**7.5 < q < 16**8


@pytest.mark.parametrize("n1, n2, j, seed", [(3, 3, 3, 0), (4, 2, 5, 3), (6, 4, 7, 1), (15, 2, 16, 0), (16, 1, 17, 0)])
def test_estimate_decides_every_draw_as_the_one_at_a_time_rank(n1, n2, j, seed):
    # The batched estimate counts the same successes as deciding each seeded draw with rank_mod_p.
    rng = np.random.default_rng(seed)
    axes = [[int(i == k) for k in range(n1)] for i in range(n2)]
    hits = 0
    for _ in range(300):
        codes = [[1 if (int(i) >> (n1 - 1 - k)) & 1 else -1 for k in range(n1)]
                 for i in rng.choice(2**n1, size=j, replace=False)]
        rank = rank_mod_p(codes, n1)
        hits += rank == n1 or rank_mod_p(codes + axes, n1) == rank
    assert estimate_probability(n1, j, n2, samples=300, seed=seed).successes == hits


@pytest.mark.parametrize("call, match", [
    (lambda: span_probability(MAX_EXACT_N1 + 1, 3), "estimate"),
    (lambda: span_probability(3, 0), "j must be an integer in \\[1, 8\\]"),
    (lambda: span_probability(3, 9), "j must be an integer in \\[1, 8\\]"),
    (lambda: axes_probability(3, 4, 2), "n2 must be an integer in \\[0, 3\\]"),
    (lambda: span_probability(0, 1), "n1 must be an integer in \\[1, "),
    (lambda: span_probability(True, 1), "n1"),
    (lambda: estimate_probability(17, 3), "n1 must be an integer in \\[1, 16\\]"),
    (lambda: estimate_probability(3, 3, samples=0), "samples"),
])
def test_bad_arguments_raise_value_error_naming_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_t11_identity_rows_show_the_count_that_decides_them(monkeypatch):
    # a failing identity must not be shown as 0 = 0: each row shows how many j break it
    import dataclasses
    import math as real_math
    import types

    from proofs.claims import t11_fullrank as t11

    def rows(proof):
        return {c.what: c for c in proof.comparisons}

    fine = rows(t11.prove(t11.STATED))
    assert all(c.holds and c.derived == 0 for w, c in fine.items() if "number of j" in w)
    monkeypatch.setattr(t11, "math", types.SimpleNamespace(comb=lambda n, k: real_math.comb(n, k) + (k == 1)))

    def no_full_span(n1):
        counts = span_counts(n1)
        spanning = list(counts.spanning)
        spanning[-1] = 0
        return dataclasses.replace(counts, spanning=tuple(spanning))

    monkeypatch.setattr(t11, "span_counts", no_full_span)
    broken = rows(t11.prove(t11.STATED))
    for n1 in range(1, 6):
        sums = broken[f"n1 = {n1}: number of j where the subsets spanning each flat miss C(P, j)"]
        tops = broken[f"n1 = {n1}: number of j < n1 that span, and of j = P if it does not"]
        assert (sums.derived, sums.holds) == (1, False) and (tops.derived, tops.holds) == (1, False)
