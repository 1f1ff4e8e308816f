"""Every claim's text and symbolic record, pinned: statement, assumptions, comparisons, derivation steps.

``tests/golden/claims.json`` holds, for the selection catalogue, its depth-3
restatements and the readout family, what a reader of ``verify`` and of the
report sees of each theorem: the statement, the assumptions, every comparison
of the symbolic proof (identity, derived and stated sides as sympy prints
them, verdict) and every step of the derivation record. The derivations are
deterministic (tests/test_determinism.py), so any change here is a change of
the mathematics or of its wording. After reviewing such a change, rewrite
the file with ``python -m tests.test_claims_golden`` from the repository root.
"""

from __future__ import annotations

import pytest
import sympy as sp

from .golden_records import load_golden, write_golden



def _catalogues() -> dict:
    from proofs.catalogue import CATALOGUE, depth_catalogue
    from proofs.claims.readout import READOUT_CATALOGUE

    return {"selection": CATALOGUE, "depth 3": depth_catalogue(3), "readout": READOUT_CATALOGUE}


def claim_record(theorem) -> dict:
    """What verify and the report show of ``theorem``'s statement and symbolic proof, as JSON values."""
    proof = theorem.run_proof()
    return {
        "name": theorem.name, "statement": theorem.statement, "assumptions": list(theorem.assumptions),
        "comparisons": [[c.what, sp.sstr(c.derived), sp.sstr(c.stated), bool(c.holds)] for c in proof.comparisons],
        "derivation": str(proof.derivation).splitlines(),
    }


def _cases() -> list[tuple[str, object]]:
    return [(family, th) for family, cat in _catalogues().items() for th in cat]


def test_golden_file_lists_every_claim_of_every_catalogue():
    golden = load_golden("claims")
    assert {f: sorted(v) for f, v in golden.items()} == {f: sorted(t.id for t in cat)
                                                         for f, cat in _catalogues().items()}


@pytest.mark.parametrize("family, theorem", _cases(), ids=lambda x: x if isinstance(x, str) else x.id)
def test_claim_text_and_symbolic_record_match_the_reviewed_golden_file(family, theorem):
    expected = load_golden("claims")[family][theorem.id]
    got = claim_record(theorem)
    for key in ("name", "statement", "assumptions", "comparisons", "derivation"):
        assert got[key] == expected[key], (f"{family} {theorem.id} {key} differs from tests/golden/claims.json "
                                           "(review, then rewrite it with python -m tests.test_claims_golden)")


if __name__ == "__main__":  # rewrite the golden file (after review)
    records = {family: {th.id: claim_record(th) for th in cat} for family, cat in _catalogues().items()}
    write_golden("claims", records)
