"""The theorem catalogue: every claim is proved symbolically and certified; proofs can fail."""

from __future__ import annotations

import pytest
import sympy as sp

from numeric.certify import residual_tolerance
from proofs import stated
from proofs.catalogue import CATALOGUE, get_theorem
from proofs.verify import verify_theorem


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_theorem_holds_for_symbolic_parameters(theorem):
    proof = theorem.prove()
    failing = [c.what for c in proof.comparisons if not c.holds]
    assert proof.holds, failing
    assert len(proof.derivation.steps) > 3  # a derivation, not a bare comparison


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_theorem_is_certified_at_50_digits_on_degenerate_and_random_samples(theorem):
    result = verify_theorem(theorem, samples=8, dps=50, seed=1, simulate=False)
    assert result.status == "pass", result.certified.failures[:3]
    assert result.certified.max_residual <= residual_tolerance(50)
    assert result.certified.samples >= 5


@pytest.mark.parametrize("key, wrong", [
    ("pi1", sp.sqrt((stated.P + stated.k1 * stated.r**2) * (stated.P + stated.k2 * stated.r**2)) / stated.P**2),
    ("a1*", sp.Integer(1)),
    ("dense rho", stated.r * sp.sqrt(stated.k2 / stated.P)),
])
def test_wrong_statement_makes_proof_fail(monkeypatch, key, wrong):
    """A proof compares with the statement, so a mis-stated formula must be caught."""
    monkeypatch.setitem(stated.STATED, key, wrong)
    theorem = {"pi1": "T1", "a1*": "T3", "dense rho": "T5"}[key]
    assert not get_theorem(theorem).prove().holds


def test_unknown_theorem_lists_valid_ids():
    with pytest.raises(ValueError, match="theorem must be one of T1, T2, T3"):
        get_theorem("T10")


def test_simulation_check_fails_when_theory_uses_wrong_step(monkeypatch):
    """The gradient-descent check must be able to fail: a theory with tau off by 10% is caught."""
    from numeric import simcheck

    real = simcheck.theory_trajectory

    def skewed(d, arch, *, lr, a0, steps, every=1):
        return real(d, arch, lr=lr * 1.1, a0=a0, steps=steps, every=every)

    monkeypatch.setattr(simcheck, "theory_trajectory", skewed)
    simcheck._run.cache_clear()
    checks = simcheck.dynamics_sim(simcheck_dataset())
    assert any(not c.ok for c in checks), [(c.what, c.deviation, c.tolerance) for c in checks]


def simcheck_dataset():
    from theory.dataset import Dataset

    return Dataset(2, 1, 1, 1, 1)


@pytest.mark.parametrize("theorem", [t for t in CATALOGUE if t.simulate is not None], ids=lambda t: t.id)
def test_training_claims_hold_in_simulated_gradient_descent(theorem):
    result = verify_theorem(theorem, samples=1, dps=30, seed=0)
    assert result.simulation is not None and result.simulation.ok, result.simulation
    assert result.simulation.samples >= 4
