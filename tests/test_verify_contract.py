"""``verify`` aggregates exactly what the parts of a theorem report, and its records say it as documented.

Cheap controls for the bookkeeping of :mod:`proofs.verify` and
:mod:`proofs.records`, written to kill the mutants the catalogue's real
theorems leave alive (docs/mutation.md): theorems whose parts are stand-ins
with known residuals and deviations, so that every number the report carries
can be pinned. The residual tolerance at 50 digits is written here (ten digits
of head room: 1e-40), not imported from the product.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import sympy as sp

from numeric.certify import Check
from numeric.simcheck import SimCheck
from proofs.records import Certificate, SimulationSummary, TheoremResult, VerifyReport, json_float
from proofs.theorem import Comparison, Proof, Theorem
from proofs.verify import verify, verify_theorem
from theory.dataset import Dataset
from theory.derivation import Derivation

#: The residual tolerance at 50 digits: 50 digits less 10 of head room for rounding.
TOL_50 = 1e-40


def _proof(holds: bool = True) -> Proof:
    return Proof((Comparison("x = x", sp.Integer(0), sp.Integer(0), holds),), Derivation("stand-in"))


def _theorem(*, tid: str = "X1", holds: bool = True, residuals=(0.0,), sims=None, applies=None) -> Theorem:
    """A stand-in theorem: a proof that holds or not, fixed residuals per dataset, fixed simulation checks."""
    return Theorem(
        id=tid, name=f"stand-in {tid}", statement="x = x", assumptions=("none",), stated={"x": sp.Integer(0)},
        prove=lambda stated: _proof(holds),
        certify=lambda d, stated: [Check(d, f"residual {i}", r) for i, r in enumerate(residuals)],
        simulate=None if sims is None else (lambda d, stated: [SimCheck(d, w, dev, tol) for w, dev, tol in sims]),
        **({} if applies is None else {"applies": applies}),
    )


def _raises(*args):
    raise RuntimeError("boom")


# ---------------------------------------------------------------- options


@pytest.mark.parametrize("kwargs, named", [
    ({"samples": 0}, "samples must be an integer in [1, 10000]"),
    ({"samples": 10_001}, "samples must be an integer in [1, 10000]"),
    ({"samples": True}, "samples must be an integer in [1, 10000]"),
    ({"samples": 2.0}, "samples must be an integer in [1, 10000]"),
    ({"dps": 29}, "dps must be an integer in [30, 1000]"),
    ({"dps": 1001}, "dps must be an integer in [30, 1000]"),
    ({"dps": True}, "dps must be an integer in [30, 1000]"),
    ({"dps": 50.0}, "dps must be an integer in [30, 1000]"),
    ({"seed": -1}, "seed must be an integer >= 0"),
    ({"seed": True}, "seed must be an integer >= 0"),
    ({"seed": 0.0}, "seed must be an integer >= 0"),
])
def test_verify_rejects_each_out_of_range_option_naming_it(kwargs, named):
    for run in (lambda: verify(catalogue=(_theorem(),), **kwargs), lambda: verify_theorem(_theorem(), **kwargs)):
        with pytest.raises(ValueError) as err:
            run()
        assert str(err.value).startswith(named) and repr(next(iter(kwargs.values()))) in str(err.value)


@pytest.mark.parametrize("kwargs", [{"samples": 1}, {"dps": 30}, {"dps": 1000}, {"seed": 0}])
def test_verify_accepts_the_ends_of_each_option_range(kwargs):
    options = {"samples": 1, "dps": 50, "seed": 3, **kwargs}
    result = verify_theorem(_theorem(), **options)
    assert result.status == "pass"
    assert result.certified.dps == options["dps"] and result.certified.samples == len(result.certified.datasets) >= 6


def test_verify_accepts_the_largest_sample_count():
    result = verify_theorem(_theorem(), samples=10_000)
    assert result.certified.samples == 10_000 and result.status == "pass"


# ---------------------------------------------------------------- certificate


def test_certificate_passes_at_exactly_its_tolerance_and_fails_just_above():
    at = verify_theorem(_theorem(residuals=(0.0, TOL_50)), samples=1)
    assert at.certified.ok and at.certified.max_residual == TOL_50 and at.certified.tolerance == TOL_50
    above = verify_theorem(_theorem(residuals=(TOL_50 * 1.01, 0.0)), samples=1)
    assert not above.certified.ok and above.status == "fail"
    assert all(f.startswith("residual 0 on {") and f.endswith(": residual 1.01e-40 > 1e-40")
               for f in above.certified.failures), above.certified.failures
    assert len(above.certified.failures) == above.certified.samples


def test_certificate_reports_the_largest_residual_over_every_dataset_and_the_datasets():
    result = verify_theorem(_theorem(residuals=(1e-45, 3e-42, 2e-43)), samples=3, seed=5)
    cert = result.certified
    assert cert.max_residual == 3e-42 and cert.ok
    assert cert.samples == len(cert.datasets) >= 3
    assert all(set(d) >= {"n1", "n2", "k1", "k2", "r"} for d in cert.datasets)


def test_certificate_tolerance_follows_the_digits():
    result = verify_theorem(_theorem(residuals=(1e-25,)), samples=1, dps=35)
    assert result.certified.tolerance == pytest.approx(1e-25, rel=1e-12, abs=0) and result.certified.ok
    assert not verify_theorem(_theorem(residuals=(1e-25,)), samples=1, dps=36).certified.ok


def test_certificate_that_raises_is_one_named_failure_with_no_samples():
    theorem = _theorem()
    result = verify_theorem(dataclasses.replace(theorem, certify=_raises), samples=2)
    cert = result.certified
    assert cert.failures == ("certificate raised RuntimeError: boom",)
    assert cert.samples == 0 and cert.dps == 50 and math.isnan(cert.max_residual) and cert.tolerance == TOL_50
    assert result.status == "fail" and result.symbolic


def test_certificate_with_no_checks_fails_with_nan_worst_residual():
    result = verify_theorem(_theorem(residuals=()), samples=2)
    assert result.certified.failures == ("certificate made no checks",)
    assert math.isnan(result.certified.max_residual) and result.certified.samples >= 2


# ---------------------------------------------------------------- proof


def test_proof_that_raises_is_a_failed_proof_naming_the_error():
    theorem = _theorem()
    result = verify_theorem(dataclasses.replace(theorem, prove=_raises), samples=1)
    assert result.symbolic is False and result.status == "fail"
    assert result.symbolic_message == "fails: proof raised RuntimeError: boom"
    assert result.derivation.title == theorem.name and result.certified.ok


def test_failing_proof_alone_fails_the_theorem():
    result = verify_theorem(_theorem(holds=False), samples=1)
    assert result.symbolic is False and result.certified.ok and result.simulation is None
    assert result.status == "fail" and result.symbolic_message == "fails: x = x"


# ---------------------------------------------------------------- simulation


def test_non_training_theorem_has_no_simulation_summary_and_simulate_false_skips_it():
    assert verify_theorem(_theorem(), samples=1).simulation is None
    sims = (("a", 0.5, 1.0),)
    assert verify_theorem(_theorem(sims=sims), samples=1, simulate=False).simulation is None


def test_simulation_summary_names_the_check_closest_to_its_tolerance():
    sims = (("small ratio", 3.0, 10.0), ("large ratio", 0.9, 1.0), ("exact and exact", 0.0, 0.0))
    sim = verify_theorem(_theorem(sims=sims), samples=1, seed=2).simulation
    assert sim.ok and sim.failures == ()
    assert (sim.worst, sim.worst_deviation, sim.worst_tolerance) == ("large ratio", 0.9, 1.0)
    assert sim.samples == 6 and sim.checks == 3 * sim.samples


def test_simulation_exact_check_with_any_deviation_is_the_worst_and_a_failure():
    sims = (("close", 0.99, 1.0), ("exact", 1e-300, 0.0))
    result = verify_theorem(_theorem(sims=sims), samples=1)
    sim = result.simulation
    assert (sim.worst, sim.worst_deviation, sim.worst_tolerance) == ("exact", 1e-300, 0.0)
    assert not sim.ok and result.status == "fail" and len(sim.failures) == sim.samples
    assert all(f.startswith("exact on {") and f.endswith(": deviation 1e-300 > tolerance 0") for f in sim.failures)


def test_simulation_deviation_at_exactly_its_tolerance_passes_and_above_fails():
    assert verify_theorem(_theorem(sims=(("at", 0.25, 0.25),)), samples=1).simulation.ok
    result = verify_theorem(_theorem(sims=(("above", 0.2500001, 0.25),)), samples=1)
    assert not result.simulation.ok and result.status == "fail"
    assert result.simulation.failures[0].endswith(": deviation 0.25 > tolerance 0.25")


def test_simulation_that_raises_is_one_named_failure():
    theorem = _theorem(sims=(("a", 0.0, 1.0),))
    result = verify_theorem(dataclasses.replace(theorem, simulate=_raises), samples=1)
    sim = result.simulation
    assert sim.failures == ("simulation raised RuntimeError: boom",)
    assert (sim.samples, sim.checks, sim.worst) == (0, 0, "simulation")
    assert math.isnan(sim.worst_deviation) and math.isnan(sim.worst_tolerance)
    assert result.status == "fail"


def test_simulation_with_no_checks_fails_and_counts_its_datasets():
    sim = verify_theorem(_theorem(sims=()), samples=1).simulation
    assert sim.failures == ("simulation made no checks",) and (sim.checks, sim.worst) == (0, "no checks")
    assert sim.samples == 6 and math.isnan(sim.worst_deviation) and math.isnan(sim.worst_tolerance)


def test_simulation_samples_only_datasets_the_claim_applies_to_and_small_ones():
    seen = []

    def applies(d: Dataset) -> bool:
        return d.k1 >= 1

    theorem = _theorem(sims=(("a", 0.0, 1.0),), applies=applies)
    record = dataclasses.replace(theorem, simulate=lambda d, stated: seen.append(d) or [SimCheck(d, "a", 0.0, 1.0)])
    assert verify_theorem(record, samples=1).simulation.ok
    assert len(seen) == 6 and all(d.k1 >= 1 and d.n1 <= 3 and d.k1 <= 2 and d.k2 <= 2 for d in seen)


# ---------------------------------------------------------------- verify over a catalogue


def test_verify_selects_theorems_by_id_in_the_order_given_and_reports_progress():
    catalogue = (_theorem(tid="X1"), _theorem(tid="X2", holds=False), _theorem(tid="X3"))
    calls = []
    report = verify(["X3", "X1"], samples=1, dps=40, seed=7, catalogue=catalogue,
                    progress=lambda i, n, what: calls.append((i, n, what)))
    assert [t.id for t in report.theorems] == ["X3", "X1"] and report.ok
    assert calls == [(0, 2, "X3"), (1, 2, "X1"), (2, 2, "done")]
    assert (report.seed, report.samples, report.dps) == (7, 1, 40)
    assert all(t.certified.dps == 40 for t in report.theorems)


def test_verify_without_ids_checks_the_whole_catalogue_and_one_failure_fails_it():
    catalogue = (_theorem(tid="X1"), _theorem(tid="X2", holds=False))
    report = verify(samples=1, catalogue=catalogue, simulate=False)
    assert [t.id for t in report.theorems] == ["X1", "X2"]
    assert [t.status for t in report.theorems] == ["pass", "fail"] and report.ok is False
    assert report.to_json()["ok"] is False


def test_verify_passes_seed_and_simulate_through_to_each_theorem():
    sims = (("a", 0.0, 1.0),)
    with_sim = verify(samples=1, seed=4, catalogue=(_theorem(sims=sims),))
    assert with_sim.theorems[0].simulation is not None
    without = verify(samples=1, seed=4, catalogue=(_theorem(sims=sims),), simulate=False)
    assert without.theorems[0].simulation is None
    same = verify_theorem(_theorem(), samples=8, seed=4).certified.datasets  # 6 corners, then random draws
    assert verify(samples=8, seed=4, catalogue=(_theorem(),)).theorems[0].certified.datasets == same
    assert verify(samples=8, seed=5, catalogue=(_theorem(),)).theorems[0].certified.datasets != same


def test_verify_reports_elapsed_seconds():
    assert verify_theorem(_theorem(), samples=1).seconds > 0


# ---------------------------------------------------------------- records


def test_json_float_maps_non_finite_numbers_to_null():
    assert json_float(2) == 2.0 and isinstance(json_float(2), float)
    assert json_float(-1.5) == -1.5
    assert json_float(math.nan) is None and json_float(math.inf) is None and json_float(-math.inf) is None


def _result(symbolic=True, failures=(), sim_failures=None, max_residual=0.0) -> TheoremResult:
    cert = Certificate(2, 50, max_residual, TOL_50, ({"n1": 1},), failures)
    sim = None if sim_failures is None else SimulationSummary(3, 4, "w", 0.5, math.inf, sim_failures)
    return TheoremResult("X9", "name", "statement", ("a",), symbolic, "msg", Derivation("t"), cert, 1.5, sim)


def test_records_to_json_follow_the_documented_schema():
    r = _result(sim_failures=("s",), failures=("c",))
    assert r.certified.to_json() == {"samples": 2, "dps": 50, "max_residual": 0.0}
    assert r.simulation.to_json() == {"samples": 3, "checks": 4, "worst": "w", "worst_deviation": 0.5,
                                      "worst_tolerance": None}
    assert r.to_json() == {
        "id": "X9", "name": "name", "symbolic": True,
        "certified": {"samples": 2, "dps": 50, "max_residual": 0.0},
        "simulation": {"samples": 3, "checks": 4, "worst": "w", "worst_deviation": 0.5, "worst_tolerance": None},
        "status": "fail", "message": "msg", "failures": ["c", "s"],
    }
    assert _result().to_json()["simulation"] is None and _result().to_json()["failures"] == []
    report = VerifyReport((_result(), r), seed=3, samples=2, dps=50)
    assert report.to_json() == {"ok": False, "seed": 3, "theorems": [_result().to_json(), r.to_json()]}
    nan_cert = Certificate(0, 50, math.nan, TOL_50)
    assert nan_cert.to_json()["max_residual"] is None


def test_status_is_pass_only_when_proof_certificate_and_simulation_all_pass():
    assert _result().status == "pass" and _result(sim_failures=()).status == "pass"
    assert _result(symbolic=False).status == "fail"
    assert _result(failures=("c",)).status == "fail"
    assert _result(sim_failures=("s",)).status == "fail"
    assert _result(max_residual=1e-39).status == "fail"
    assert _result(max_residual=TOL_50).status == "pass"
    assert _result(max_residual=math.nan).status == "fail"
    assert VerifyReport((_result(), _result()), 0, 1, 50).ok
    assert not VerifyReport((_result(), _result(symbolic=False)), 0, 1, 50).ok
