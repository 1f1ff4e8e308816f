"""The held-out commands of the CLI: same numbers as the API, bad input exits 2 with one line."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from proofs.cli import main
from proofs.fullrank import fullrank_report


def test_fullrank_json_equals_the_api(capsys):
    assert main(["fullrank", "--n1", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rep = fullrank_report(3)
    assert [Fraction(r["exact"]) for r in data["rows"]] == [r.exact for r in rep.rows]
    assert data["rows"][2] == {"j": 3, "exact": "4/7", "decimal": 4 / 7, "method": data["rows"][2]["method"]}


def test_fullrank_text_lists_every_j_with_its_rational(capsys):
    assert main(["fullrank", "--n1", "3"]) == 0
    out = capsys.readouterr().out
    assert "32/35" in out and "4/7" in out and "Moebius" in out


def test_fullrank_estimate_is_labelled_and_carries_an_interval(capsys):
    assert main(["fullrank", "--n1", "7", "--j", "8", "--estimate", "--samples", "200", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert "exact" not in row and row["estimate"]["method"].startswith("estimate")
    assert row["estimate"]["low"] <= row["estimate"]["value"] <= row["estimate"]["high"]


@pytest.mark.parametrize("argv, words", [
    (["fullrank", "--n1", "7"], "use the Monte Carlo estimate"),
    (["fullrank", "--n1", "3", "--j", "9"], "j must be an integer in [1, 8]"),
    (["fullrank", "--n1", "3", "--n2", "4"], "n2 must be an integer in [0, 3]"),
    (["fullrank", "--n1", "0"], "n1 must be an integer in [1, 6]"),
    (["fullrank", "--n1", "10", "--estimate"], "j must be given"),
])
def test_fullrank_bad_input_exits_2_with_one_line(capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


def test_heldout_json_equals_the_api_and_the_exact_theory(capsys):
    from proofs.heldout import heldout_report
    from theory.dataset import Dataset

    argv = ["heldout", "--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "2", "--train", "5,0,3",
            "--arch", "dense", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    rep = heldout_report(Dataset(3, 2, 1, 1, 2), train=[0, 3, 5], archs=["dense"])
    assert data == json.loads(json.dumps(rep.to_json()))
    (arch,) = data["archs"]
    assert data["heldout"] == [1, 2, 4, 6, 7] and arch["items"][0]["exact_omega"] == "32/25"
    assert abs(arch["mean"]["gd_omega"] - arch["mean"]["theory_omega"]) < 1e-6
    # each held-out item's code is its omega_x inputs (item u's column of X)
    from numeric.matrices import item_matrices

    X, _ = item_matrices(Dataset(3, 2, 1, 1, 2))
    assert [row["code"] for row in arch["items"]] == [[int(v) for v in X[:3, u]] for u in data["heldout"]]


def test_heldout_text_names_items_codes_and_both_error_parts(capsys):
    argv = ["heldout", "--n1", "2", "--n2", "1", "--k1", "0", "--k2", "1", "--r", "1", "--train-size", "2",
            "--seed", "1", "--arch", "segregated"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "omega theory" in out and "gamma GD" in out and "mean" in out


@pytest.mark.parametrize("extra, words", [
    (["--train", "0,8"], "train must be at least 1 distinct item indices in [0, 7]"),
    (["--train", "1,1"], "train must be at least 1 distinct item indices in [0, 7]"),
    (["--train", "0,x"], "train must be comma-separated item indices"),
    (["--train-size", "8"], "train-size must be an integer in [1, 7]"),
    (["--train-size", "0"], "train-size must be an integer in [1, 7]"),
    (["--train", "0,1,2,3,4,5,6,7"], "train must leave at least one item out"),
    (["--train-size", "3", "--seed", "-1"], "seed must be an integer >= 0"),
])
def test_heldout_bad_input_exits_2_with_one_line(capsys, extra, words):
    argv = ["heldout", "--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "2", *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


def test_heldout_without_arch_reports_all_four_architectures(capsys):
    argv = ["heldout", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1", "--train", "0,1", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(a["arch"] for a in data["archs"]) == ["dense", "segregated", "shallow", "split"]


def test_heldout_report_records_the_seed_of_its_draw(capsys):
    argv = ["heldout", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1", "--train-size", "2",
            "--seed", "3", "--arch", "dense", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 3


def test_fullrank_estimate_reports_a_monte_carlo_interval_around_the_exact_value(capsys):
    assert main(["fullrank", "--n1", "3", "--j", "4", "--estimate", "--samples", "2000", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["rows"]
    est = row["estimate"]
    assert row["exact"] == "32/35" and est["samples"] == 2000 and est["low"] <= 32 / 35 <= est["high"], row
    assert "2^31-1 for n1 <= 15" in est["method"]  # the prime the batched ranks use
