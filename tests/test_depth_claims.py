"""The depth-L restatements of T3, T5, T8, T9 (docs/theory.md section 8) and ``--depth`` on the CLI.

Each restatement is checked to pass and, with a wrong stated formula, to fail (negative controls).
The formulas of section 8 are typed here.
"""

from __future__ import annotations

import dataclasses
import json
import re

import mpmath
import pytest
import sympy as sp

from proofs.catalogue import CATALOGUE, depth_catalogue, find_theorem
from proofs.cli import main
from proofs.verify import verify_theorem
from theory import symbols as s
from theory.dataset import Dataset
from theory.dynamics import L_depth

from .source import source_root

L, A, PI, LAM, A0 = L_depth, s.a_m, s.pi_m, s.lam_m, s.a0
#: THEORY.md section 8, typed.
SECTION_8 = {
    "depth rhs": L * A ** (2 - 2 / L) * (PI - LAM * A),
    "depth integrand": 1 / (L * A ** (2 - 2 / L) * (PI - LAM * A)),
    "growth": A0 ** (-(1 - 2 / L)),
}
D = Dataset(2, 1, 1, 1, 1)
#: Certificate residuals at 50 digits are ~1e-45 or below; a wrong formula leaves O(1e-3) or more.
CERT_TOL = 1e-40


def test_depth_2_catalogue_is_the_catalogue_itself():
    # --depth 2 verifies the very theorems of the catalogue, so its numbers are those pinned in
    # tests/test_verify_regression.py.
    assert all(any(th is c for c in CATALOGUE) for th in depth_catalogue(2))


@pytest.mark.parametrize("depth", [3, 4])
def test_depth_catalogue_restates_t3_t5_t8_t9(depth):
    cat = depth_catalogue(depth)
    assert [th.id for th in cat] == ["T3", "T5", "T8", "T9"]
    assert all(f"L = {depth}" in th.name for th in cat)


def test_stated_depth_formulas_are_section_8():
    t3 = find_theorem("T3", depth_catalogue(3)).stated
    t8 = find_theorem("T8", depth_catalogue(3)).stated
    for key in ("depth rhs", "depth integrand"):
        assert sp.simplify(t3[key] - SECTION_8[key]) == 0
    assert sp.simplify(t8["growth"] - SECTION_8["growth"]) == 0


@pytest.mark.parametrize("bad", [1, 7, 2.0, True, "3"])
def test_depth_catalogue_rejects_depth_outside_2_to_6(bad):
    with pytest.raises(ValueError, match=r"depth must be an integer in \[2, 6\]"):
        depth_catalogue(bad)


@pytest.mark.parametrize("theorem_id", ["T3", "T5", "T8", "T9"])
def test_depth_3_proofs_hold(theorem_id):
    proof = find_theorem(theorem_id, depth_catalogue(3)).run_proof()
    assert proof.holds, proof.message


@pytest.mark.parametrize("theorem_id", ["T3", "T5", "T8", "T9"])
def test_depth_3_certificates_pass_at_50_digits(theorem_id):
    th = find_theorem(theorem_id, depth_catalogue(3))
    with mpmath.workdps(50):
        checks = th.run_certificate(Dataset(2, 1, 1, 1, 2))
    assert checks and max(c.residual for c in checks) < CERT_TOL, [c for c in checks if c.residual >= CERT_TOL]


# Wrong formulas, each a plausible mistake: (theorem, key, wrong value).
WRONG = [
    ("T3", "depth rhs", L * A ** (2 - 1 / L) * (PI - LAM * A)),          # exponent 2 - 1/L
    ("T3", "depth integrand", 1 / (2 * A * (PI - LAM * A))),             # the L = 2 integrand
    ("T8", "growth", A0 ** (-(1 - 1 / L))),                              # a0^-(1 - 1/L)
    ("T5", "rho", s.r * sp.sqrt(s.k1 / s.P) * 2),                         # twice the index
    ("T9", "converged strength", PI / LAM * sp.Rational(11, 10)),        # 10% off the fixed point
]


@pytest.mark.parametrize("theorem_id, key, wrong", WRONG)
def test_depth_3_claims_fail_with_a_wrong_stated_formula(theorem_id, key, wrong):
    th = find_theorem(theorem_id, depth_catalogue(3))
    bad = dataclasses.replace(th, stated={**th.stated, key: wrong})
    proof_fails = not bad.run_proof().holds
    with mpmath.workdps(50):
        worst = max(c.residual for c in bad.run_certificate(D))
    assert proof_fails, "proof accepted a wrong formula"
    assert worst > 1e-3, f"certificate accepted a wrong formula (worst residual {worst:.3g})"


@pytest.mark.parametrize("theorem_id", ["T3", "T5", "T8", "T9"])
def test_depth_3_gradient_descent_checks_pass(theorem_id):  # about 6 s for the four on the smallest dataset
    th = find_theorem(theorem_id, depth_catalogue(3))
    checks = th.run_simulation(Dataset(2, 1, 1, 1, 1))
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_depth_t9_skips_the_architectures_whose_depth_run_exceeds_the_step_budget():
    # r = 1/6: the dense depth-2 run fits MAX_STEPS, its depth-3 run does not, so the depth-3 check
    # must skip every architecture (judged by the depth-3 run length, not the depth-2 one). Costs no run.
    from fractions import Fraction

    from numeric.simcheck import MAX_STEPS, converge_steps

    d = Dataset(2, 1, 1, 1, Fraction(1, 6))
    assert converge_steps(d, "dense") <= MAX_STEPS < converge_steps(d, "dense", 3)
    assert find_theorem("T9", depth_catalogue(3)).run_simulation(d) == []


def test_verify_at_depth_3_passes_one_theorem_end_to_end():
    result = verify_theorem(find_theorem("T9", depth_catalogue(3)), samples=1, dps=50)
    assert result.status == "pass", result


@pytest.mark.parametrize("argv, fragment", [
    (["verify", "--depth", "7"], "depth must be an integer in [2, 6]"),
    (["verify", "--depth", "3", "--family", "readout"], "--depth applies to the selection family only"),
    (["trajectory", "--arch", "dense", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1",
      "--depth", "0"], "depth must be an integer in [1, 6]"),
])
def test_cli_depth_bad_input_exits_2(capsys, argv, fragment):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_cli_trajectory_depth_json_equals_api(capsys):
    from numeric.trajectory import theory_trajectory

    argv = ["trajectory", "--arch", "dense", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1",
            "--depth", "3", "--steps", "400", "--every", "100", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    api = theory_trajectory(D, "dense", lr=0.05, a0=1e-3, steps=400, every=100, depth=3).to_json()
    assert data == json.loads(json.dumps(api)) and data["depth"] == 3


def test_cli_simulate_depth_runs_the_depth_l_network(capsys):
    argv = ["simulate", "--arch", "dense", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1",
            "--depth", "3", "--steps", "300", "--every", "100", "--json", "--quiet"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["theory"]["depth"] == 3 if "theory" in data and isinstance(data["theory"], dict) else True


#: What only a depth-aware module uses: the depth-L theory, its numerics and the restatement hook.
DEPTH_NAMES = re.compile(r"\b(at_depth|L_depth|depth_dynamics|depth_ode|check_depth|numeric\.depth)\b")


def test_two_layer_claim_modules_know_nothing_of_depth():
    claims = source_root() / "proofs" / "claims"
    two_layer = sorted(claims.glob("t*.py")) + sorted((claims / "readout").glob("t*.py"))
    assert len(two_layer) >= 17
    aware = [p.name for p in two_layer if DEPTH_NAMES.search(p.read_text(encoding="utf-8"))]
    assert not aware, aware


def test_every_depth_module_restates_a_catalogue_claim_under_its_id():
    from proofs.claims.depth import DEPTH_MODULES

    assert [m.RESTATES for m in DEPTH_MODULES] == ["T3", "T5", "T8", "T9"]
    assert [th.id for th in depth_catalogue(4)] == [m.RESTATES for m in DEPTH_MODULES]
