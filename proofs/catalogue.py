"""The catalogue of theorems T1-T9 (THEORY.md section 5), as data.

``CATALOGUE`` is the single tuple that verification, reports and tests
iterate. Each entry names its symbolic proof (:mod:`proofs.spectrum_claims`,
:mod:`proofs.training_claims`) and its per-dataset certificate
(:mod:`numeric.certify`, :mod:`numeric.certify_dynamics`).
"""

from __future__ import annotations

from numeric import certify as cert
from numeric import certify_dynamics as cd
from numeric import simcheck as sc
from proofs.spectrum_claims import prove_eigenbasis, prove_spectrum
from proofs.theorem import Theorem
from proofs import training_claims as tc
from theory.dataset import Dataset
from theory.examples import DEGENERATE

__all__ = ["CATALOGUE", "get_theorem"]

_GENERIC = "symbolic proof for r > 0, k1, k2 >= 1 (P = 2**n1, 0 <= n2 <= n1)"
_DEGENERATE = "certified on samples that always include " + ", ".join(name for name, _ in DEGENERATE)


def _dense_claim_applies(d: Dataset) -> bool:
    return d.n2 >= 1 and d.k1 >= 1 and d.r > 0


CATALOGUE: tuple[Theorem, ...] = (
    Theorem(
        "T1", "Spectrum",
        "Syx = U diag(pi) V^T has exactly three distinct non-zero singular values: pi1 = sqrt((P + k1 r^2)"
        "(P + k2 r^2))/P (multiplicity n2), pi2 = r sqrt(k2 (P + k1 r^2))/P (n1 - n2), pi3 = r^2 sqrt(k1 k2)/P "
        "(P - n1); right vectors along [P e_j; r B^T e_j; ...] and [0; q; ...; q]/sqrt(k1); pi1 > pi2 > pi3",
        (_GENERIC, "modes whose singular value is exactly 0 on a dataset are absent", _DEGENERATE),
        prove_spectrum, cert.spectrum_checks,
    ),
    Theorem(
        "T2", "Shared eigenbasis",
        "The right singular vectors of Syx are eigenvectors of Sx: lambda1 = (P + k1 r^2)/P (multiplicity n1), "
        "lambda2 = k1 r^2/P (P - n1), 0 (n1 + k1 P - P); modes 1, 2 pair with lambda1, mode 3 with lambda2",
        (_GENERIC, _DEGENERATE),
        prove_eigenbasis, cert.eigenbasis_checks,
    ),
    Theorem(
        "T3", "Learning dynamics",
        "From spectral initialization W2 W1 = U diag(a(t)) V^T with tau a' = 2 a (pi - lambda a) (deep) or "
        "tau a' = pi - lambda a (shallow), solved by the closed forms of THEORY.md section 3, with attracting "
        "fixed points a* = pi/lambda; gradient descent follows them with error O(eta)",
        ("gradient flow with tau = 1/eta; balanced spectral initialization a0 > 0 on modes with pi > 0",
         _GENERIC),
        tc.prove_dynamics, cd.dynamics_checks, simulate=sc.dynamics_sim,
    ),
    Theorem(
        "T4", "Block norms",
        "For W = U diag(a) V^T: ||W_OO||^2 = n2 P^2 a1^2/D, ||W_GO||^2 = n2 P k1 r^2 a1^2/D, ||W_OG||^2 and "
        "||W_GG||^2 as in THEORY.md section 4 (D = (P + k1 r^2)(P + k2 r^2)); ||W_GO||/||W_OO|| = r sqrt(k1/P)",
        (_GENERIC, "a1, a2, a3 >= 0 arbitrary (so the identities hold at every moment of training)"),
        tc.prove_block_norms, cd.block_norm_checks, simulate=sc.block_norm_sim,
    ),
    Theorem(
        "T5", "Dense networks are never systematic",
        "rho = r sqrt(k1/P) > 0 throughout training from spectral initialization and at convergence; the converged "
        "W_OO = P/(P + k1 r^2) S, so the novel-combination error is n2 (k1 r^2/(P + k1 r^2))^2",
        ("n2 >= 1, k1 >= 1, r > 0 (k2 >= 0)", _GENERIC),
        tc.prove_dense_not_systematic, cd.dense_checks, _dense_claim_applies, simulate=sc.dense_sim,
    ),
    Theorem(
        "T6", "Modules alone do not help",
        "The split architecture converges to the same map as the dense one, so it is no more systematic; its Omega "
        "module has singular value sqrt((P + k1 r^2)/P) (multiplicity n2), its Gamma module pi2 (n1) and pi3 (P - n1)",
        (_GENERIC, _DEGENERATE),
        tc.prove_split_same_map, cd.split_checks, simulate=sc.split_sim,
    ),
    Theorem(
        "T7", "Segregation suffices",
        "The segregated Omega module has singular value 1 and input eigenvalue 1 (multiplicity n2); W_GO = 0 at all "
        "times, W_OO -> S and the novel-combination error tends to 0",
        (_GENERIC, _DEGENERATE),
        tc.prove_segregation, cd.segregated_checks, simulate=sc.segregated_sim,
    ),
    Theorem(
        "T8", "Compositional structure is learned first",
        "The deep half-learning time is t_half = (tau/(2 pi)) ln(pi/(lambda a0) - 1) for a0 < a*/2; as a0 -> 0 "
        "larger pi is learned earlier (pi1 > pi2 > pi3), and pi1 exceeds the split Omega module's value",
        ("a0 < a*/2 for the half time to exist", "ordering by pi holds for small a0: for fixed lambda it needs "
         "a0 < 0.218 a* (d t_half / d pi < 0 iff pi/(lambda a0) - 1 > 3.59)", _GENERIC),
        tc.prove_compositional_first, cd.half_time_checks, simulate=sc.half_time_sim,
    ),
    Theorem(
        "T9", "Converged maps are least squares",
        "The converged map of every architecture (dense, shallow, split, segregated) is the minimum-norm "
        "least-squares map of each module's own inputs and outputs",
        (_GENERIC, _DEGENERATE),
        tc.prove_least_squares, cd.least_squares_checks, simulate=sc.least_squares_sim,
    ),
)


def get_theorem(theorem_id: str) -> Theorem:
    """The theorem with ``theorem_id``; ``ValueError`` lists the valid ids."""
    for th in CATALOGUE:
        if th.id == str(theorem_id).upper():
            return th
    raise ValueError(f"theorem must be one of {', '.join(t.id for t in CATALOGUE)}; got {theorem_id!r}")
