"""Tests of the empirical claims and the ``modspec experiment`` command (proofs/empirical.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from numeric.relu import ReluDivergenceError
from proofs import cli, empirical
from proofs.empirical import (
    BUDGETS, EMPIRICAL, Estimate, ExperimentReport, ExperimentRow, bootstrap_interval, decide, get_budget,
    verify_empirical, wilson_interval,
)


def test_bootstrap_interval_is_reproducible_and_brackets_the_mean():
    values = [0.1, 0.4, 0.35, 0.2, 0.3]
    a, b = bootstrap_interval(values), bootstrap_interval(values)
    assert a == b
    assert a.mean == pytest.approx(np.mean(values))
    assert a.lo < a.mean < a.hi
    assert min(values) <= a.lo and a.hi <= max(values)


def test_bootstrap_interval_of_equal_values_has_zero_width():
    e = bootstrap_interval([0.5] * 4)
    assert (e.lo, e.mean, e.hi) == (0.5, 0.5, 0.5)


def test_bootstrap_interval_rejects_nan():
    with pytest.raises(ValueError, match="values"):
        bootstrap_interval([0.1, math.nan])


def test_wilson_interval_of_zero_successes():
    # k = 0: the upper bound is z^2 / (n + z^2) with z = 1.959964 (95%)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(1.959964**2 / (10 + 1.959964**2), rel=1e-6)


@pytest.mark.parametrize("interval, predicted, outcome", [
    ((0.2, 0.3), (0.01, math.inf), "confirmed"),
    ((0.001, 0.005), (0.01, math.inf), "refuted"),
    ((0.005, 0.02), (0.01, math.inf), "inconclusive"),
    ((-0.01, 0.01), (-0.02, 0.02), "confirmed"),
    ((0.05, 0.1), (-0.02, 0.02), "refuted"),
])
def test_decision_rule_reaches_every_outcome(interval, predicted, outcome):
    est = Estimate(sum(interval) / 2, interval[0], interval[1], 5, "test")
    assert decide(est, predicted) == outcome


def test_empirical_claims_are_records_fixed_before_the_run():
    assert [c.id for c in EMPIRICAL] == [f"E{i}" for i in range(1, len(EMPIRICAL) + 1)]
    for c in EMPIRICAL:
        assert c.kind == "empirical"
        assert c.statistic and c.linear_prediction and "bootstrap" in c.interval
        assert c.expected in ("confirmed", "refuted", "inconclusive")
        assert c.predicted[0] < c.predicted[1]


def test_unknown_budget_and_claim_are_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="ci, short, full"):
        get_budget("huge")
    with pytest.raises(ValueError, match="E1"):
        verify_empirical(["T5"], budget="ci")


def test_empirical_claims_at_ci_budget_reach_the_outcomes_measured_at_full_budget():
    # fixed seeds 0..2, reduced steps: the CI run of every empirical claim
    rep = verify_empirical(budget="ci")
    assert rep.budget == BUDGETS["ci"]
    bad = {r.claim.id: (r.outcome, str(r.estimate)) for r in rep.results if not r.ok}
    assert not bad, bad


# --------------------------------------------------------------------------- CLI

def _fake_report(seeds: int, progress=None) -> ExperimentReport:
    rows = (ExperimentRow("dense", "r=1", "accuracy, unseen triples", bootstrap_interval([0.7, 0.8][:seeds] or [0.7])),)
    return ExperimentReport("digits", "fake", seeds, rows, 1.0)


def test_cli_experiment_prints_the_library_record(monkeypatch, capsys):
    monkeypatch.setitem(empirical.EXPERIMENTS, "digits", _fake_report)
    assert cli.main(["experiment", "digits", "--seeds", "2", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == json.loads(json.dumps(_fake_report(2).to_json()))
    assert cli.main(["experiment", "digits", "--seeds", "2", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == _fake_report(2).to_text()


def test_cli_experiment_bad_seed_count_exits_2(capsys):
    assert cli.main(["experiment", "relu", "--seeds", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "seeds" in err and len(err.strip().splitlines()) == 1


def test_cli_experiment_divergence_exits_1(monkeypatch, capsys):
    def diverge(seeds, progress=None):
        raise ReluDivergenceError("ReLU training diverged at step 3")

    monkeypatch.setitem(empirical.EXPERIMENTS, "relu", diverge)
    assert cli.main(["experiment", "relu", "--quiet"]) == 1
    assert "diverged" in capsys.readouterr().err


def test_relu_experiment_runs_every_arrangement_through_the_api():
    rep = empirical.relu_experiment(seeds=2, steps=50, r=(1.0,))
    assert {r.arrangement for r in rep.rows} == {"dense", "shallow", "split", "segregated"}
    seg = [r for r in rep.rows if r.arrangement == "segregated" and r.statistic == "rho (Jacobian)"]
    assert seg[0].estimate.mean == 0.0


def test_cli_verify_empirical_reports_the_claim(capsys):
    assert cli.main(["verify", "--empirical", "--budget", "ci", "--theorem", "E3", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    (claim,) = out["claims"]
    assert claim["id"] == "E3" and claim["kind"] == "empirical" and claim["outcome"] == "confirmed"
    assert claim["estimate"]["n"] == BUDGETS["ci"].seeds
    assert set(claim) == {"id", "kind", "name", "statement", "statistic", "interval", "linear_prediction",
                          "predicted", "decision", "budget", "estimate", "outcome", "expected", "ok", "seconds"}
    lib = next(c for c in EMPIRICAL if c.id == "E3")
    assert claim["predicted"] == json.loads(json.dumps(list(lib.predicted))) and claim["expected"] == lib.expected


def test_cli_verify_empirical_exits_1_when_an_outcome_changes(monkeypatch, capsys):
    # negative control: the same run against a pinned outcome it does not reach fails
    import dataclasses

    changed = tuple(dataclasses.replace(c, expected="refuted") if c.id == "E3" else c for c in EMPIRICAL)
    monkeypatch.setattr(empirical, "EMPIRICAL", changed)
    assert cli.main(["verify", "--empirical", "--budget", "ci", "--theorem", "E3", "--quiet"]) == 1
    assert "OUTCOMES CHANGED" in capsys.readouterr().out
