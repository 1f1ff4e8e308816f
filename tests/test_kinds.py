"""Tests of the module kinds of the simulator (numeric/kinds.py): their input checks."""

from __future__ import annotations

import pytest

from numeric.kinds import linear_module


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_linear_module_refuses_a_depth_that_is_not_a_positive_integer_naming_depth(bad):
    with pytest.raises(ValueError, match=r"^depth must be an integer >= 1; got "):
        linear_module(bad)


def test_linear_module_refuses_a_rule_that_is_not_a_learning_rule_naming_rule():
    with pytest.raises(ValueError, match=r"^rule must be a numeric\.learning\.LearningRule; got 'sgd'"):
        linear_module(2, "sgd")


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_linear_module_accepts_every_positive_integer_depth(depth):
    assert linear_module(depth).depth == depth
