"""Dataset families are data: validation, CLI flags, report rows and sampling come from the description."""

from __future__ import annotations

import numpy as np
import pytest

from numeric.sampling import draw_dataset, sample_datasets
from proofs.cli import build_parser
from theory.dataset import MAX_K, MAX_N1, SELECTION, Dataset
from theory.examples import DEFAULT
from theory.family import Family, Parameter, as_rational_matrix

# Each integer parameter of the selection family, a valid base, and its bounds (typed from THEORY.md section 1).
BASE = dict(n1=3, n2=2, k1=1, k2=1, r=1)
BOUNDS = {"n1": (1, MAX_N1), "n2": (0, 3), "k1": (0, MAX_K), "k2": (0, MAX_K)}


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_selection_family_validates_each_integer_at_its_bounds(name):
    lo, hi = BOUNDS[name]
    for ok in (lo, hi):
        Dataset(**(BASE | {name: ok} | ({"n2": 0} if name == "n1" else {})))
    for bad in (lo - 1, hi + 1):
        with pytest.raises(ValueError, match=rf"^{name} must be an integer in \[{lo}, {hi}\]"):
            Dataset(**(BASE | {name: bad} | ({"n2": 0} if name == "n1" else {})))


def test_unknown_parameter_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of integer, real, indices, matrix"):
        Parameter("x", "complex", "a parameter of an unknown kind")


def test_cli_flags_are_the_family_parameters():
    parser = build_parser()
    spectrum = parser._subparsers._group_actions[0].choices["spectrum"]
    flags = {a.dest for g in spectrum._action_groups if g.title and g.title.startswith("dataset") for a in g._group_actions}
    assert {p.name for p in SELECTION.parameters} <= flags


def test_report_table_rows_are_the_family_parameters_then_sizes():
    rows = SELECTION.table(DEFAULT)
    assert [r[0] for r in rows] == [p.name for p in SELECTION.parameters] + ["P = 2^n1", "n1 + k1 P", "n2 + k2 P"]
    assert rows[0][2] == f"integer in [1, {MAX_N1}]" and rows[-3][3] == "8"


def test_sampler_draws_every_parameter_within_its_sample_range():
    rng = np.random.default_rng(5)
    for _ in range(200):
        d = draw_dataset(SELECTION, rng, max_n1=4, max_k=3)
        assert 1 <= d.n1 <= 4 and 0 <= d.n2 <= d.n1 and 1 <= d.k1 <= 3 and 1 <= d.k2 <= 3 and d.r > 0, d


def test_samples_start_with_the_family_corners():
    corners = [d for _, d in SELECTION.corners()]
    assert list(sample_datasets(1, seed=0)[: len(corners)]) == corners


def test_missing_parameter_is_named_with_its_domain():
    with pytest.raises(ValueError, match=r"n2 is required for D\(n1, n2, k1, k2, r\) \(integer in \[0, n1\]\)"):
        SELECTION.from_options({"n1": 3, "k1": 1, "k2": 1, "r": "1"})


def test_a_new_family_is_one_description():
    """A toy family (items with one integer) validates and tabulates through the same machinery."""
    class Toy:
        def __init__(self, m):
            self.m = TOY.validate({"m": m})["m"]

    TOY = Family("toy", "T(m)", (Parameter("m", "integer", "size", 1, 4, "small", sample=(1, 4)),), (), Toy)
    assert TOY.table(Toy(2)) == (("m", "size", "integer in [1, 4]", "2"),)
    assert draw_dataset(TOY, np.random.default_rng(0)).m in range(1, 5)
    with pytest.raises(ValueError, match=r"^m must be an integer in \[1, 4\] \(small\); got 5"):
        Toy(5)


@pytest.mark.parametrize("value, message", [
    ("[[1, 2], [3]]", "n1 = 2 columns"),          # ragged
    ("[[1, x]]", "could not read"),               # not JSON
    ([[1, "sqrt(2)"]], "rational numbers"),       # irrational
    ([[float("nan")]], "finite rational"),
    ("no/such/file.json", "JSON matrix"),
    (7, "list of rows"),
])
def test_rational_matrix_is_validated_with_an_error_naming_readout(value, message):
    with pytest.raises(ValueError, match=rf"^readout .*{message}"):
        as_rational_matrix(value)


def test_rational_matrix_reads_json_files_and_fractions(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[[1, "1/2"], [0.25, -3]]')
    from sympy import Rational as Q
    assert as_rational_matrix(str(path)) == ((Q(1), Q(1, 2)), (Q(1, 4), Q(-3)))
