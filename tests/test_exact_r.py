"""r is read exactly and within documented size limits, refused before any work otherwise."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from theory.dataset import Dataset
from theory.exact_r import exact_r

from .timing import time_limit


@pytest.mark.parametrize("value, expected", [
    ("0.1", sp.Rational(1, 10)),              # decimals are exact
    ("25e-3", sp.Rational(1, 40)),
    ("3/2", sp.Rational(3, 2)),
    ("sqrt(8)", 2 * sp.sqrt(2)),
    ("2**-3", sp.Rational(1, 8)),
    ("1e30", sp.Integer(10) ** 30),           # the largest r
    ("1e-30", sp.Rational(1, 10**30)),        # the smallest non-zero r
    ("2*sqrt(3) - sqrt(12)", sp.Integer(0)),  # zero written as surds
    (0.1, sp.Rational(1, 10)),                # floats are read as the decimal they print as
    (Fraction(2, 3), sp.Rational(2, 3)),
    (7, sp.Integer(7)),
    (sp.sqrt(5) / 3, sp.sqrt(5) / 3),
])
def test_exact_r_reads_exact_values(value, expected) -> None:
    assert exact_r(value) == expected


@pytest.mark.parametrize("value, fragment", [
    ("2**100000", "exponents must be integers in [-64, 64]"),
    ("1e999999", "more than 60 digits"),
    ("9" * 4000, "200 characters"),
    ("+".join(["1"] * 5000), "200 characters"),
    ("+".join(["1"] * 61), "60 numbers and operations"),
    ("sqrt(" * 13 + "2" + ")" * 13, "nesting depth 12"),
    ("1e155", "more than 60 digits"),
    ("1e-400", "more than 60 digits"),
    ("10**31", "between 1e-30 and 1e30"),
    ("9**64", "more than 60 digits"),
    pytest.param(10**5000, "more than 60 digits", id="int-of-5001-digits"),
    (1e-31, "between 1e-30 and 1e30"),
    ("__import__('os')", "only numbers"),
    ("1/0", "division by zero"),
    ("-1", "negative"),
    ("", "empty"),
    (float("nan"), "not finite"),
    (True, "boolean"),
])
def test_exact_r_refuses_outside_its_limits_at_once(value, fragment) -> None:
    with time_limit(5), pytest.raises(ValueError) as err:
        exact_r(value)
    assert str(err.value).startswith("r must be") and fragment in str(err.value), str(err.value)


def test_dataset_reads_r_through_the_limits() -> None:
    with pytest.raises(ValueError, match="r must be"):
        Dataset(3, 2, 1, 1, "1e155")
    assert Dataset(3, 2, 1, 1, "1/3000").r == sp.Rational(1, 3000)
