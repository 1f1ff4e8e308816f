"""Tests of the empirical claims and the ``modspec experiment`` command (proofs/empirical.py)."""

from __future__ import annotations

import inspect
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
from .cli_parsers import subcommand_parsers


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


def test_experiment_defaults_are_the_documented_runs():
    # digits: the full budget at which the digits claims' outcomes were measured (README: 10 seeds,
    # numeric/digits.py: 300 steps fit every training digit at width 64; r = 0, 1, 3);
    # relu and rules: the CLI's --seeds default and the full budget's run lengths
    # (`modspec experiment` always passes --seeds, whose default is 5 for every experiment)
    full = BUDGETS["full"]
    cli_seeds = next(a for a in subcommand_parsers()["experiment"]._actions if a.dest == "seeds").default
    defaults = {name: {k: p.default for k, p in inspect.signature(f).parameters.items() if k != "progress"}
                for name, f in empirical.EXPERIMENTS.items()}
    assert defaults == {
        "digits": {"seeds": full.seeds, "r": (0.0, 1.0, 3.0), "steps": full.digits_steps, "hidden": full.digits_hidden},
        "relu": {"seeds": cli_seeds, "steps": full.relu_steps, "r": (0.5, 1.0, 2.0)},
        "rules": {"seeds": cli_seeds, "steps": full.rules_steps, "archs": ("dense", "split", "segregated")},
    }
    assert (full.seeds, full.digits_steps, full.digits_hidden, cli_seeds) == (10, 300, 64, 5)
    assert full.relu_steps == full.rules_steps == 3000


def test_experiment_row_json_has_the_row_labels_and_the_estimate_fields():
    row = ExperimentRow("dense", "r=1", "accuracy, unseen triples", Estimate(0.5, 0.4, 0.6, 3, "bootstrap"))
    assert row.to_json() == {"arrangement": "dense", "setting": "r=1", "statistic": "accuracy, unseen triples",
                             "mean": 0.5, "lo": 0.4, "hi": 0.6, "n": 3, "method": "bootstrap"}


def _fractions(experiment, **options) -> tuple[ExperimentReport, list[tuple[float, float, str]]]:
    calls: list[tuple[float, float, str]] = []
    rep = experiment(progress=lambda done, total, note: calls.append((done, total, note)), **options)
    return rep, calls


def _assert_monotone_to_the_end(calls: list[tuple[float, float, str]]) -> None:
    done = [c[0] for c in calls]
    (total,) = {c[1] for c in calls}
    assert done == sorted(done) and 0 <= done[0] and done[-1] == total, calls


def test_digits_experiment_in_its_smallest_run_names_its_rows_and_reports_progress_to_the_end():
    # the default seeds (the full budget's 10; called without seeds, so the default the call
    # uses is measured, not only the one the signature shows), one r, one step of width 4: each arrangement's
    # run is one progress unit of one step, so each stage must end exactly at its own boundary (i + 1 of 3)
    rep, calls = _fractions(empirical.digits_experiment, r=(1.0,), steps=1, hidden=4)
    assert rep.name == "digits" and rep.seeds == BUDGETS["full"].seeds == 10
    assert all(r.estimate.n == 10 for r in rep.rows)
    assert [(r.arrangement, r.setting, r.statistic) for r in rep.rows] == [
        (arch, "r=1", stat) for arch in ("dense", "split", "segregated")
        for stat in ("accuracy, unseen triples", "triples all right, unseen", "accuracy, training set")]
    assert [(c[0], c[2]) for c in calls] == [(1.0, "dense"), (2.0, "split"), (3.0, "segregated")]
    _assert_monotone_to_the_end(calls)


def test_relu_experiment_progress_is_monotone_and_each_stage_ends_at_its_boundary():
    rep, calls = _fractions(empirical.relu_experiment, seeds=1, steps=1, r=(1.0,))
    assert rep.name == "relu"
    _assert_monotone_to_the_end(calls)
    assert [c[0] for c in calls] == [float(i) for i in range(1, 9)]
    assert [c[2] for c in calls] == [n for a in ("dense", "shallow", "split", "segregated") for n in (a, a + " held-out")]


def test_rules_experiment_in_its_smallest_run_names_itself_and_its_rows():
    rep, calls = _fractions(empirical.rules_experiment, seeds=1, steps=1, archs=("dense",))
    assert (rep.name, rep.description) == ("rules", "Learning rules on linear networks")
    settings = [r if c is None else f"{r} c={c:g}" for r, cs in empirical.RULE_GRID.items() for c in cs]
    assert [(r.arrangement, r.setting, r.statistic) for r in rep.rows] == [
        ("dense", s, stat) for s in settings for stat in ("rho", "novel-combination error", "distance to GD map W*")]
    _assert_monotone_to_the_end(calls)
    assert rep.to_json()["experiment"] == "rules"


def _instant_claims(monkeypatch) -> tuple:
    """The catalogue with each claim's measurement replaced by fixed values (no training)."""
    import dataclasses

    def value(c) -> float:  # inside the predicted interval if the pinned outcome is "confirmed", else beyond it
        lo, hi = c.predicted
        if c.expected == "confirmed":
            return (lo + hi) / 2 if math.isfinite(hi) else lo + 1.0
        return hi + 1.0 if math.isfinite(hi) else lo - 1.0

    fixed = tuple(dataclasses.replace(c, measure=lambda b, v=value(c): np.full(b.seeds, v)) for c in EMPIRICAL)
    monkeypatch.setattr(empirical, "EMPIRICAL", fixed)
    return fixed


def test_verify_empirical_progress_notes_each_claim_then_done(monkeypatch):
    claims = _instant_claims(monkeypatch)
    calls: list = []
    verify_empirical(["E2", "E5"], budget="ci", progress=lambda *a: calls.append(a))
    assert calls == [(0, 2, "E2"), (1, 2, "E5"), (2, 2, "done")]
    calls.clear()
    verify_empirical(budget="ci", progress=lambda *a: calls.append(a))
    n = len(claims)
    assert calls == [(i, n, c.id) for i, c in enumerate(claims)] + [(n, n, "done")]


def test_cli_verify_empirical_progress_lines_name_the_command_and_each_claim(monkeypatch, capsys):
    claims = _instant_claims(monkeypatch)
    assert cli.main(["verify", "--empirical", "--budget", "ci", "--progress", "1e-9", "--json"]) == 0
    lines = capsys.readouterr().err.splitlines()
    n = len(claims)
    assert [line.split(" [")[0] for line in lines[:n]] == [
        f"verify --empirical: {round(100 * i / n):3d}% {i}/{n}" for i in range(n)], lines
    assert [line.rsplit(", ", 1)[1] for line in lines[:n]] == [c.id for c in claims], lines
    assert lines[-1].startswith(f"verify --empirical: 100% {n}/{n} [") and lines[-1].endswith(", done"), lines


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


def test_verify_empirical_text_lists_the_refuted_linear_predictions_as_findings(monkeypatch):
    claims = _instant_claims(monkeypatch)  # each outcome is the pinned one, so some are refuted
    refuted = [c.id for c in claims if c.expected == "refuted"]
    assert refuted
    lines = verify_empirical(budget="ci").to_text().splitlines()
    assert lines[-2:] == ["refuted linear predictions (findings, not failures): " + ", ".join(refuted),
                          "all outcomes as measured at the full budget"]


@pytest.mark.parametrize("run", [lambda: empirical.relu_experiment(seeds=1, steps=1, r=(1.0,)),
                                 lambda: empirical.digits_experiment(seeds=1, r=(1.0,), steps=1, hidden=4)],
                         ids=["relu", "digits"])
def test_experiment_report_records_the_time_it_took(run):
    rep = run()
    assert isinstance(rep.seconds, float) and rep.seconds > 0
    assert rep.to_json()["seconds_per_seed"] == rep.seconds
