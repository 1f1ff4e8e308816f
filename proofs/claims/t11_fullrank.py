"""T11 Random training codes (docs/theory.md section 6): exact probability that they allow systematic generalization."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp

from numeric.certify import Check
from numeric.fullrank import estimate_probability
from numeric.simcheck import SimCheck
from proofs.theorem import Comparison, Proof, Stated, Theorem
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.fullrank import MAX_EXACT_N1, axes_probability, flats, span_counts, span_probability

__all__ = ["THEOREM", "STATED", "MC_SAMPLES", "Z_CHECK"]

#: docs/theory.md's reference values (spanning, n1 = 3).
STATED: dict[str, sp.Expr] = {
    "n1 = 3, j = 3": sp.Rational(4, 7),
    "n1 = 3, j = 4": sp.Rational(32, 35),
    "n1 = 3, j >= 5": sp.Integer(1),
}
#: Monte Carlo draws per checked probability.
MC_SAMPLES = 4000
#: Normal quantile of the simulation check: |estimate - exact| <= 5 sigma + 1/N fails by chance with
#: probability below 6e-7 per check (normal approximation; 1/N covers the discreteness of the count).
Z_CHECK = 5.0


def prove(stated: Stated) -> Proof:
    """Exact counts by Moebius inversion for every n1 <= 5; the reference values and the counting identities."""
    cmp = [
        Comparison("n1 = 3, j = 3", sp.Rational(*_pair(span_probability(3, 3))), stated["n1 = 3, j = 3"],
                   span_probability(3, 3) == stated["n1 = 3, j = 3"]),
        Comparison("n1 = 3, j = 4", sp.Rational(*_pair(span_probability(3, 4))), stated["n1 = 3, j = 4"],
                   span_probability(3, 4) == stated["n1 = 3, j = 4"]),
        Comparison("n1 = 3, j = 5..8", _one_or_all([span_probability(3, j) for j in range(5, 9)]),
                   stated["n1 = 3, j >= 5"], all(span_probability(3, j) == stated["n1 = 3, j >= 5"]
                                                  for j in range(5, 9))),
    ]
    d = Derivation("Probability that j random codes span R^n1 / hold n2 axes")
    for n1 in range(1, min(MAX_EXACT_N1, 5) + 1):
        P = 2**n1
        lattice = flats(n1)
        counts = span_counts(n1)
        # every j-subset spans exactly one flat: the exact counts over all flats add up to C(P, j)
        from theory.fullrank import _exact_span_vectors, _unpack  # the per-flat counts of the inversion
        _, f, width = _exact_span_vectors(n1)
        per_j = [sum(_unpack(x, P + 1, width)[j] for x in f) for j in range(P + 1)]
        # each identity shows the number of j where it fails, so the shown value and the verdict agree
        off = sum(per_j[j] != math.comb(P, j) for j in range(P + 1))
        cmp.append(Comparison(f"n1 = {n1}: number of j where the subsets spanning each flat miss C(P, j)",
                              sp.Integer(off), sp.Integer(0), off == 0))
        wrong = sum(counts.spanning[j] != 0 for j in range(n1)) + int(counts.spanning[P] != 1)
        cmp.append(Comparison(f"n1 = {n1}: number of j < n1 that span, and of j = P if it does not",
                              sp.Integer(wrong), sp.Integer(0), wrong == 0))
        d = d.then(f"n1 = {n1}: {len(lattice)} flats; spanning probabilities for j = 1..{P}",
                   sp.Tuple(*[sp.Rational(*_pair(span_probability(n1, j))) for j in range(1, P + 1)]))
    return Proof(tuple(cmp), d)


def _pair(x: Fraction) -> tuple[int, int]:
    return x.numerator, x.denominator


def _one_or_all(values: list[Fraction]) -> sp.Expr:
    """The common value of ``values`` as a rational, or all of them when they differ (then no one value matches)."""
    exact = [sp.Rational(*_pair(v)) for v in values]
    return exact[0] if len(set(exact)) == 1 else sp.Tuple(*exact)


@lru_cache(maxsize=None)
def _subsets(n1: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """For every j = 1..P: the Gram matrices ``B_T^T B_T`` (subsets, n1, n1) of all j-subsets of codes, and their ranks.

    ``rank(B_T) = rank(B_T^T B_T)``; float ranks are exact here: the Gram matrices
    are integer, so their non-zero eigenvalues are at least 1/(trace)^(n1-1) (their
    product is a sum of squared integer minors), far above rounding for n1 <= 4.
    """
    C = np.array(list(itertools.product((-1, 1), repeat=n1)), dtype=float)
    out = []
    for j in range(1, 2**n1 + 1):
        B = C[np.array(list(itertools.combinations(range(2**n1), j)))]
        G = np.einsum("sji,sjk->sik", B, B)
        out.append((G, np.linalg.matrix_rank(G, hermitian=True)))
    return tuple(out)


@lru_cache(maxsize=None)
def _brute_force(n1: int, n2: int) -> tuple[int, ...]:
    """Subsets whose span holds the first n2 axes, for every j, by enumerating all of them.

    The axes lie in span(B_T) iff adding them keeps the rank: ``rank(G + A^T A) = rank(G)`` with A the n2 axes.
    """
    axes = np.diag([1.0] * n2 + [0.0] * (n1 - n2))  # A^T A
    out = [int(n2 == 0)]
    for G, rank in _subsets(n1):
        if n2 == 0:
            out.append(len(G))
            continue
        with_axes = np.full(len(G), n1) if n2 == n1 else np.linalg.matrix_rank(G + axes, hermitian=True)
        out.append(int(np.sum(rank == with_axes)))
    return tuple(out)


def certify(d: Dataset, stated: Stated) -> list[Check]:
    """The exact counts of (d.n1, d.n2) against brute-force enumeration of every subset (n1 <= 4)."""
    counts = span_counts(d.n1, d.n2)
    brute = _brute_force(d.n1, d.n2)
    worst = max(abs(Fraction(a - b, counts.total(j))) for j, (a, b) in enumerate(zip(counts.axes, brute)))
    checks = [Check(d, f"P(first {d.n2} axes in the span of j codes), every j: lattice count vs enumeration",
                    float(worst))]
    if d.n1 == 3:
        for key, js in _REFERENCE_JS.items():
            gap = max(abs(sp.Rational(*_pair(span_probability(3, j))) - stated[key]) for j in js)
            checks.append(Check(d, f"stated {key} vs the lattice count", float(gap)))
    return checks


#: The js of each stated reference value (n1 = 3).
_REFERENCE_JS = {"n1 = 3, j = 3": (3,), "n1 = 3, j = 4": (4,), "n1 = 3, j >= 5": (5, 6, 7, 8)}


@lru_cache(maxsize=None)
def _estimate(n1: int, j: int, n2: int) -> float:
    """Monte Carlo estimate (deterministic: seed j), cached because every sampled dataset asks the n1 = 3 ones."""
    return estimate_probability(n1, j, n2, samples=MC_SAMPLES, seed=j).value


def _mc_tolerance(p: float) -> float:
    p = min(max(p, 0.0), 1.0)
    return Z_CHECK * math.sqrt(p * (1 - p) / MC_SAMPLES) + 1 / MC_SAMPLES


def simulate(d: Dataset, stated: Stated) -> list[SimCheck]:
    """Monte Carlo draws agree with the exact probabilities (j = n1, n1 + 1) and with the stated n1 = 3 values."""
    out = []
    for key, js in _REFERENCE_JS.items():
        p = float(stated[key])
        out.append(SimCheck(d, f"Monte Carlo spanning probability, n1 = 3, j = {js[0]} vs stated {key}",
                            abs(_estimate(3, js[0], 3) - p), _mc_tolerance(p)))
    for j in sorted({min(d.n1, d.P), min(d.n1 + 1, d.P)}):
        exact = float(axes_probability(d.n1, d.n2, j))
        est = _estimate(d.n1, j, d.n2)
        tol = _mc_tolerance(exact)
        out.append(SimCheck(d, f"Monte Carlo P(axes in span), n1={d.n1}, n2={d.n2}, j={j} vs exact {exact:.6g}",
                            abs(est - exact), tol))
    return out


def applies(d: Dataset) -> bool:
    """Brute-force enumeration (the certificate's oracle) needs n1 <= 4."""
    return d.n1 <= 4


THEOREM = Theorem(
    "T11", "Random training codes",
    "For j distinct codes drawn uniformly from {-1,1}^n1, the probability that they span R^n1 and the probability "
    "that n2 selected axes lie in their span are rationals, computed exactly by Moebius inversion over the lattice "
    "of code-spanned subspaces (n1 <= 6); spanning at n1 = 3: j = 3: 4/7, j = 4: 32/35, j >= 5: 1",
    ("exact for n1 <= 6 (the proof runs n1 <= 5); Monte Carlo estimates with a Wilson interval beyond",
     "certified against brute-force enumeration of all subsets (n1 <= 4)",
     f"simulation: {MC_SAMPLES} Monte Carlo draws within {Z_CHECK} sigma of the exact value"),
    STATED, prove, certify, applies, simulate=simulate,
)
