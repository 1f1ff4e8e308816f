"""The test configuration searches: profiles deepen every property test, strategies reach every corner."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from theory.examples import DEGENERATE

from .strategies import CI_EXAMPLES, datasets, examples, generic_datasets

TESTS = Path(__file__).resolve().parent


def test_no_property_test_pins_its_example_budget():
    """``@settings(max_examples=<number>)`` would override the profile; use ``examples(n)``."""
    pinned = []
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "max_examples" and isinstance(node.value, ast.Constant):
                pinned.append(f"{path.name}:{node.value.lineno}")
    assert not pinned, pinned


def test_example_budget_scales_with_the_profile():
    base = settings.default.max_examples
    assert examples(CI_EXAMPLES) == base
    assert examples(10) == max(1, round(10 * base / CI_EXAMPLES))
    with_thorough = settings(settings.get_profile("thorough"))
    assert with_thorough.max_examples >= 20 * CI_EXAMPLES  # thorough searches 20x deeper than ci


def _collect(strategy, n: int = 400) -> list:
    seen = []

    @settings(max_examples=n, database=None, derandomize=True)
    @given(strategy)
    def record(x):
        seen.append(x)

    record()
    return seen


def test_dataset_strategy_draws_surds_rationals_selections_and_corners():
    drawn = _collect(datasets())
    assert any(not d.r.is_Rational for d in drawn), "no surd r"
    assert any(d.r.is_Rational and not d.r.is_Integer for d in drawn), "no non-integer rational r"
    assert any(d.n2 >= 1 and d.selection != tuple(range(d.n2)) for d in drawn), "only default selections"
    corners = {d for _, d in DEGENERATE}
    assert corners <= set(drawn), corners - set(drawn)


def test_generic_strategy_stays_generic_and_varies_the_selection():
    drawn = _collect(generic_datasets())
    assert all(d.r > 0 and d.k1 >= 1 and d.k2 >= 1 and d.n2 >= 1 for d in drawn)
    assert any(d.selection != tuple(range(d.n2)) for d in drawn)
    assert any(not d.r.is_Rational for d in drawn)


def test_examples_is_a_strategy_budget_not_a_strategy():
    assert isinstance(examples(1), int) and not isinstance(examples(1), st.SearchStrategy)
