"""The readout family's claims (T1, T2, T4-T6, T9 of THEORY.md section 7): proofs, certificates, negative controls."""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp

from numeric.certify import run_checks
from numeric.maps import least_squares_map
from numeric.sampling import sample_datasets
from proofs.claims.readout import READOUT_CATALOGUE
from proofs.claims.readout import t4_block_norms, t5_dense_not_systematic
from proofs.verify import verify
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset
from theory.examples import READOUT_EXAMPLES
from theory.readout import READOUT, ReadoutDataset

#: 50-digit certificates of correct closed forms leave residuals near 1e-50; 1e-40 leaves ten digits of room
#: (sums of at most a few thousand terms), while an error of relative size 1e-30 stays far above it.
DPS, TOL = 50, 1e-40
THEOREMS = {th.id: th for th in READOUT_CATALOGUE}


def test_readout_catalogue_covers_t1_t2_t4_t5_t6_t9_on_the_readout_family():
    assert list(THEOREMS) == ["T1", "T2", "T4", "T5", "T6", "T9"]
    assert all(th.family is READOUT for th in READOUT_CATALOGUE)


@pytest.mark.parametrize("tid", list(THEOREMS))
def test_readout_claim_is_proved_symbolically(tid):
    proof = THEOREMS[tid].run_proof()
    assert proof.holds, proof.message


@pytest.mark.parametrize("tid", [t for t in THEOREMS if THEOREMS[t].stated])
def test_readout_claim_with_a_wrong_stated_formula_fails(tid):
    """Negative control: each stated formula scaled by 1 + 1e-6 makes the proof fail."""
    th = THEOREMS[tid]
    for key, value in th.stated.items():
        if isinstance(value, sp.Tuple):
            continue
        wrong = dataclasses.replace(th, stated=dict(th.stated) | {key: value * (1 + sp.Rational(1, 10**6))})
        assert not wrong.run_proof().holds, (tid, key)


def _samples(th, n=10):
    return sample_datasets(n, seed=1, applies=th.applies, family=READOUT)


@pytest.mark.parametrize("tid", list(THEOREMS))
def test_readout_claim_is_certified_on_sampled_rational_readouts(tid):
    th = THEOREMS[tid]
    datasets = _samples(th)
    checks = run_checks(th.run_certificate, datasets, DPS)
    worst = max(checks, key=lambda c: c.residual)
    assert worst.residual <= TOL, (worst.what, worst.dataset.as_dict(), worst.residual)
    ranks = {sp.Matrix(d.readout).rank() if d.n2 else 0 for d in datasets}
    assert len(ranks) >= 2  # rank-deficient or zero readouts among them


def test_converged_gain_off_by_1e30_fails_the_certificate():
    """Negative control: T5's gain perturbed by a relative 1e-30 fails at 50 digits."""
    th = THEOREMS["T5"]
    wrong = dataclasses.replace(th, stated=dict(th.stated) | {"gain": th.stated["gain"] * (1 + sp.Rational(1, 10**30))})
    d = READOUT_EXAMPLES[4][1]  # distinct irrational singular values
    checks = run_checks(wrong.run_certificate, [d], DPS)
    assert any(c.residual > TOL and "W*_OO" in c.what for c in checks)


def test_a_map_with_no_gamma_to_omega_part_fails_the_rho_positive_check(monkeypatch):
    """Negative control: with W_GO measured as zero (a systematic-looking map), T5's 'rho > 0' checks say no."""
    from numeric.maps import block_norms

    def no_go(W, d):
        return block_norms(W, d) | {"GO": mpmath.mpf(0)}

    monkeypatch.setattr(t5_dense_not_systematic, "block_norms", no_go)
    d = READOUT_EXAMPLES[4][1]
    checks = run_checks(THEOREMS["T5"].run_certificate, [d], DPS)
    positive = [c for c in checks if c.what.startswith("rho > 0")]
    assert len(positive) == 4 and all(c.residual > TOL for c in positive)


def test_block_norms_of_a_perturbed_strength_fail_the_certificate():
    """Negative control: the derived norms at one strength, the map at a strength 1e-30 larger, disagree."""
    from proofs.claims.readout.common import derived_block_norms_sq, instance_modes
    from numeric.maps import block_norms, spectral_map

    d = READOUT_EXAMPLES[4][1]
    with mpmath.workdps(DPS):
        names = [mv.mode.name for _, mv in instance_modes(d, "dense")]
        strengths = {n: mpmath.mpf(i + 2) / 7 for i, n in enumerate(names)}
        derived = derived_block_norms_sq(d, "dense", strengths)
        W = spectral_map(d, "dense", strengths | {names[0]: strengths[names[0]] * (1 + mpmath.mpf(10) ** -30)},
                         "mpmath")
        assert abs(mpmath.sqrt(derived["OO"]) - block_norms(W, d)["OO"]) > 1e-35


def test_readout_a_equals_s_reduces_to_the_selection_family():
    """With A = S the data, and so every least-squares map, are those of the selection family."""
    for d in sample_datasets(8, seed=4, max_n1=3):
        A = [[int(j == i) for j in range(d.n1)] for i in d.selection]
        rd = ReadoutDataset(d.n1, d.k1, d.k2, d.r, A)
        with mpmath.workdps(30):
            for arch in ARCHITECTURES:
                diff = least_squares_map(rd, arch, "mpmath") - least_squares_map(d, arch, "mpmath")
                assert all(x == 0 for x in diff.ravel()), (arch, d.as_dict())


def test_verify_runs_the_readout_catalogue():
    rep = verify(["T1", "T9"], samples=2, simulate=False, catalogue=READOUT_CATALOGUE)
    assert rep.ok and [t.status for t in rep.theorems] == ["pass", "pass"]
    assert all("readout" in p for t in rep.theorems for p in t.certified.datasets)


def _gd_rho(d, W1, W2, lr, steps):
    """rho = ||W_GO|| / ||W_OO|| after every step of full-batch GD on the deep dense network (test-only loop)."""
    from numeric.matrices import statistics

    st, sl = statistics(d), d.block_slices()
    out, maps = [], []
    for _ in range(steps):
        E = st.Syx - W2 @ W1 @ st.Sx
        W1, W2 = W1 + lr * W2.T @ E, W2 + lr * E @ W1.T
        W = W2 @ W1
        maps.append(W)
        out.append(np.linalg.norm(W[sl["omega_y"], sl["gamma_x"]]) / np.linalg.norm(W[sl["omega_y"], sl["omega_x"]]))
    return np.array(out), maps


def test_rho_stays_constant_under_gradient_descent_when_singular_values_differ():
    """THEORY.md section 7 expects rho to vary; from spectral initialization GD keeps it at r sqrt(k1/P).

    The modes s1 = 2.29 and s2 = 0.87 are learned at different times (checked), yet rho moves only by
    float64 rounding. Negative control: from a small random initialization rho does move.
    """
    from numeric.matrices import mode_vectors

    d = READOUT_EXAMPLES[4][1]  # A = [[1, 1], [0, 2]]: distinct irrational singular values
    mvs = mode_vectors(d)
    U = np.hstack([mv.U for mv in mvs])
    V = np.hstack([mv.V for mv in mvs])
    a0, lr, steps = 1e-3, 0.05, 400
    W1, W2 = np.sqrt(a0) * V.T, np.sqrt(a0) * U
    rho, maps = _gd_rho(d, W1, W2, lr, steps)
    expected = float(d.r) * np.sqrt(d.k1 / d.P)
    # float64 rounding of ~(n_in + n_out) terms per product over 400 steps stays below 1e-12 here.
    assert np.max(np.abs(rho - expected)) < 1e-12, np.max(np.abs(rho - expected))
    learned = [float(mv.U[:, 0] @ maps[35] @ mv.V[:, 0]) * mv.eigenvalue / mv.singular_value for mv in mvs[:2]]
    assert learned[0] > 0.5 and learned[1] < 0.25, learned  # s1 past half its fixed point, s2 far from it
    rng = np.random.default_rng(0)
    W1r, W2r = 1e-3 * rng.standard_normal(W1.shape), 1e-3 * rng.standard_normal(W2.shape)
    rho_random, _ = _gd_rho(d, W1r, W2r, lr, steps)
    assert np.max(np.abs(rho_random - expected)) > 1e-3
