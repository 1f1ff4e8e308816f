"""The theorem catalogue: every claim is proved symbolically and certified; proofs can fail."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from proofs.catalogue import CATALOGUE, get_theorem
from proofs.claims.common import P, k1, k2, r
from proofs.verify import verify_theorem

#: 10**-(50 - 10): the 50-digit certificate's threshold, derived here (not imported): ten digits of head room.
CERT_TOL_50 = 1e-40


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_theorem_holds_for_symbolic_parameters(theorem):
    proof = theorem.run_proof()
    failing = [c.what for c in proof.comparisons if not c.holds]
    assert proof.holds, failing
    assert len(proof.derivation.steps) > 3  # a derivation, not a bare comparison


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_theorem_is_certified_at_50_digits_on_degenerate_and_random_samples(theorem):
    result = verify_theorem(theorem, samples=8, dps=50, seed=1, simulate=False)
    assert result.status == "pass", result.certified.failures[:3]
    assert result.certified.max_residual <= CERT_TOL_50
    assert result.certified.samples >= 5


@pytest.mark.parametrize("theorem_id, key, wrong", [
    ("T1", "pi1", sp.sqrt((P + k1 * r**2) * (P + k2 * r**2)) / P**2),
    ("T3", "a1*", sp.Integer(1)),
    ("T5", "rho", r * sp.sqrt(k2 / P)),
])
def test_wrong_statement_makes_proof_fail(theorem_id, key, wrong):
    """A proof compares with the statement, so a mis-stated formula must be caught."""
    theorem = get_theorem(theorem_id)
    wrong_theorem = dataclasses.replace(theorem, stated={**theorem.stated, key: wrong})
    assert not wrong_theorem.run_proof().holds


def test_unknown_theorem_lists_valid_ids():
    with pytest.raises(ValueError, match="theorem must be one of T1, T2, T3"):
        get_theorem("T99")


@pytest.mark.parametrize("theorem", [t for t in CATALOGUE if t.simulate is not None], ids=lambda t: t.id)
def test_training_claims_hold_in_simulated_gradient_descent(theorem):
    result = verify_theorem(theorem, samples=1, dps=30, seed=0)
    assert result.simulation is not None and result.simulation.ok, result.simulation
    assert result.simulation.samples >= 4


def test_every_claim_module_exports_its_theorem_once():
    ids = [t.id for t in CATALOGUE]
    assert ids == [f"T{i}" for i in range(1, len(ids) + 1)], ids

