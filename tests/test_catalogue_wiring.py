"""The catalogue is wired to its own claims: a reviewed list of what each theorem compares and measures.

For every theorem, the identities its symbolic proof compares, and the
quantities its certificate and its simulation check measure on one generic
dataset (D(2, 1, 1, 1, 1); times and step sizes normalized to ``*``), were
read and reviewed by hand against THEORY.md. A theorem that uses another
theorem's proof or check, loses one, or silently stops measuring something,
changes one of these sets and fails here.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from dataclasses import dataclass

import mpmath
import pytest

from proofs.catalogue import CATALOGUE, DEPTH_MODULES, depth_catalogue
from proofs.claims.readout import READOUT_CATALOGUE
from theory.dataset import Dataset
from theory.readout import ReadoutDataset
from theory.examples import DEGENERATE

WIRED_ON = Dataset(2, 1, 1, 1, 1)


@dataclass(frozen=True)
class Wiring:
    proof: tuple[str, ...]
    certificate: tuple[str, ...]
    simulation: tuple[str, ...]


def _normalized(what: str) -> str:
    return re.sub(r"eta=[0-9.e-]+", "eta=*", re.sub(r"t=[0-9./]+", "t=*", what))


def _parts(theorem) -> list:
    """The theorem's proof, certificate and (when it has one) simulation check functions."""
    return [theorem.prove, theorem.certify] + ([theorem.simulate] if theorem.simulate else [])


def _proof_wiring(theorem) -> tuple[str, ...]:
    return tuple(sorted({c.what for c in theorem.run_proof().comparisons}))


def _certificate_wiring(theorem, d) -> tuple[str, ...]:
    with mpmath.workdps(50):
        return tuple(sorted({_normalized(c.what) for c in theorem.run_certificate(d)}))


def _simulation_wiring(theorem, d) -> tuple[str, ...]:
    return tuple(sorted({_normalized(c.what) for c in theorem.run_simulation(d)}))


REVIEWED = {
    "T1": Wiring(
        proof=(
            'completeness: sum mult pi^2 = ||Syx||^2',
            'derived pi2 and pi3 (so squares order the values) >= 0',
            'multiplicities add up to rank X = P',
            'ordering, for positive r and k2: derived pi1^2 - pi2^2 > 0',
            'ordering, for positive r and k2: derived pi2^2 - pi3^2 > 0',
            'pi1 multiplicity',
            'pi1 right vector direction',
            'pi1 right vector unit',
            'pi1 singular value',
            'pi2 multiplicity',
            'pi2 right vector direction',
            'pi2 right vector unit',
            'pi2 singular value',
            'pi3 multiplicity',
            'pi3 right vector direction',
            'pi3 right vector unit',
            'pi3 singular value',
        ),
        certificate=(
            'Syx v = pi u (pi1)',
            'Syx v = pi u (pi2)',
            'Syx v = pi u (pi3)',
            'Syx^T u = pi v (pi1)',
            'Syx^T u = pi v (pi2)',
            'Syx^T u = pi v (pi3)',
            'U^T U = I',
            'V^T V = I',
            'count of pi1 = 1',
            'count of pi2 = 1',
            'count of pi3 = 2',
            'pi1 > pi2 on the data',
            'pi2 > pi3 on the data',
            'stated multiplicity of pi1 = 1',
            'stated multiplicity of pi2 = 1',
            'stated multiplicity of pi3 = 2',
            'stated pi1 = singular value of Syx',
            'stated pi2 = singular value of Syx',
            'stated pi3 = singular value of Syx',
            'stated right vector of pi1',
            'stated right vector of pi2',
            'stated right vector of pi3',
            '||Syx||^2 = sum mult pi^2',
        ),
        simulation=(),
    ),
    "T2": Wiring(
        proof=(
            'completeness: sum mult lambda^2 = ||Sx||^2',
            'eigenvalue 0 multiplicity n1 + k1 P - P',
            'eigenvalue lambda1',
            'eigenvalue lambda1 multiplicity n1',
            'eigenvalue lambda2',
            'eigenvalue lambda2 multiplicity P - n1',
            'pi1 input eigenvalue',
            'pi2 input eigenvalue',
            'pi3 input eigenvalue',
        ),
        certificate=(
            'Sx v = lambda v (pi1)',
            'Sx v = lambda v (pi2)',
            'Sx v = lambda v (pi3)',
            'stated lambda1 = Sx eigenvalue of pi1',
            'stated lambda1 = Sx eigenvalue of pi2',
            'stated lambda2 = Sx eigenvalue of pi3',
            'stated multiplicities add up to the input size',
            'sum of stated mult * lambda^1 = that of Sx',
            'sum of stated mult * lambda^2 = that of Sx',
            'trace Sx = sum mult lambda',
            '||Sx||^2 = sum mult lambda^2',
        ),
        simulation=(),
    ),
    "T3": Wiring(
        proof=(
            'deep fixed point',
            'deep fixed point attracts (-2*pi/tau < 0)',
            'deep mode ODE tau da/dt',
            'deep solution a(t)',
            'fixed point of pi1 = pi/lambda',
            'fixed point of pi2 = pi/lambda',
            'fixed point of pi3 = pi/lambda',
            'shallow fixed point',
            'shallow fixed point attracts (-lambda/tau < 0)',
            'shallow mode ODE tau da/dt',
            'shallow solution a(t)',
        ),
        certificate=(
            'a(0) = a0 (dense pi1)',
            'a(0) = a0 (dense pi2)',
            'a(0) = a0 (dense pi3)',
            'a(0) = a0 (shallow pi1)',
            'a(0) = a0 (shallow pi2)',
            'a(0) = a0 (shallow pi3)',
            'a(oo) = pi/lambda (dense pi1)',
            'a(oo) = pi/lambda (dense pi2)',
            'a(oo) = pi/lambda (dense pi3)',
            'a(oo) = pi/lambda (shallow pi1)',
            'a(oo) = pi/lambda (shallow pi2)',
            'a(oo) = pi/lambda (shallow pi3)',
            'stated a1* = pi/lambda of pi1',
            'stated a2* = pi/lambda of pi2',
            'stated a3* = pi/lambda of pi3',
            'stated fixed point = pi/lambda (dense pi1)',
            'stated fixed point = pi/lambda (dense pi2)',
            'stated fixed point = pi/lambda (dense pi3)',
            'stated fixed point = pi/lambda (shallow pi1)',
            'stated fixed point = pi/lambda (shallow pi2)',
            'stated fixed point = pi/lambda (shallow pi3)',
            "tau a' = rhs(a) (dense pi1, t=*)",
            "tau a' = rhs(a) (dense pi2, t=*)",
            "tau a' = rhs(a) (dense pi3, t=*)",
            "tau a' = rhs(a) (shallow pi1, t=*)",
            "tau a' = rhs(a) (shallow pi2, t=*)",
            "tau a' = rhs(a) (shallow pi3, t=*)",
        ),
        simulation=(
            '|a_GD - a(t)| of dense pi1, eta=*',
            '|a_GD - a(t)| of dense pi2, eta=*',
            '|a_GD - a(t)| of dense pi3, eta=*',
            '|a_GD - a(t)| of shallow pi1, eta=*',
            '|a_GD - a(t)| of shallow pi2, eta=*',
            '|a_GD - a(t)| of shallow pi3, eta=*',
        ),
    ),
    "T4": Wiring(
        proof=(
            '(||W_GO|| / ||W_OO||)^2 = r^2 k1 / P, independent of the strengths',
            'shallow ||W_GG||^2 (same modes)',
            'shallow ||W_GO||^2 (same modes)',
            'shallow ||W_OG||^2 (same modes)',
            'shallow ||W_OO||^2 (same modes)',
            'sum of the four block norms',
            '||W_GG||^2',
            '||W_GO||^2',
            '||W_OG||^2',
            '||W_OO||^2',
        ),
        certificate=(
            'stated rho = ||W_GO||/||W_OO|| (dense)',
            'stated rho = ||W_GO||/||W_OO|| (shallow)',
            'stated sum = ||W||^2 (dense)',
            'stated sum = ||W||^2 (shallow)',
            'stated ||W_GG||^2 (dense)',
            'stated ||W_GG||^2 (shallow)',
            'stated ||W_GO||^2 (dense)',
            'stated ||W_GO||^2 (shallow)',
            'stated ||W_OG||^2 (dense)',
            'stated ||W_OG||^2 (shallow)',
            'stated ||W_OO||^2 (dense)',
            'stated ||W_OO||^2 (shallow)',
            '||W_GG|| (dense)',
            '||W_GG|| (segregated)',
            '||W_GG|| (shallow)',
            '||W_GG|| (split)',
            '||W_GO|| (dense)',
            '||W_GO|| (segregated)',
            '||W_GO|| (shallow)',
            '||W_GO|| (split)',
            '||W_OG|| (dense)',
            '||W_OG|| (segregated)',
            '||W_OG|| (shallow)',
            '||W_OG|| (split)',
            '||W_OO|| (dense)',
            '||W_OO|| (segregated)',
            '||W_OO|| (shallow)',
            '||W_OO|| (split)',
        ),
        simulation=(
            'block norms of trained dense weights vs docs/theory.md section 4',
            'block norms of trained dense weights vs formulas',
            'block norms of trained segregated weights vs formulas',
            'block norms of trained shallow weights vs docs/theory.md section 4',
            'block norms of trained shallow weights vs formulas',
            'block norms of trained split weights vs formulas',
        ),
    ),
    "T5": Wiring(
        proof=(
            'converged W_OO = c S with c',
            'converged novel-combination error',
            'for n2, k1 >= 1 and positive r: derived rho^2 > 0',
            'rho^2 along any trajectory (no strength appears)',
            'rho^2 does not depend on the mode strengths',
        ),
        certificate=(
            'W*_OO = P/(P + k1 r^2) S',
            'novel error = n2 (k1 r^2/(P + k1 r^2))^2',
            'rho = r sqrt(k1/P) at t=* tau',
            'rho > 0 at t=* tau',
        ),
        simulation=(
            'converged dense novel error vs n2 (k1 r^2/(P + k1 r^2))^2',
            'rho of dense GD vs r sqrt(k1/P)',
        ),
    ),
    "T6": Wiring(
        proof=(
            'Gamma module: pi2 multiplicity n1',
            'Gamma module: pi2 on every code feature',
            'Gamma module: pi2 on unselected features',
            'Gamma module: pi3',
            'Gamma module: pi3 multiplicity P - n1',
            'Omega module multiplicity n2',
            'Omega module singular value',
            'converged map on channel pi1, entry 0',
            'converged map on channel pi1, entry 1',
            'converged map on channel pi1, entry 2',
            'converged map on channel pi1, entry 3',
            'converged map on channel pi2, entry 0',
            'converged map on channel pi2, entry 1',
            'converged map on channel pi2, entry 2',
            'converged map on channel pi2, entry 3',
            'converged map on channel pi3, entry 0',
            'converged map on channel pi3, entry 1',
            'converged map on channel pi3, entry 2',
            'converged map on channel pi3, entry 3',
            'split rho^2 (no more systematic than dense)',
        ),
        certificate=(
            'Syx v = pi u (gamma:pi1)',
            'Syx v = pi u (gamma:pi2)',
            'Syx v = pi u (gamma:pi3)',
            'Syx v = pi u (omega:pi1)',
            'Syx^T u = pi v (gamma:pi1)',
            'Syx^T u = pi v (gamma:pi2)',
            'Syx^T u = pi v (gamma:pi3)',
            'Syx^T u = pi v (omega:pi1)',
            'U^T U = I',
            'V^T V = I',
            'count of gamma:pi1 = 1',
            'count of gamma:pi2 = 1',
            'count of gamma:pi3 = 2',
            'count of omega:pi1 = 1',
            'split W* = dense W*',
            'stated gamma pi2 multiplicity = count',
            'stated gamma pi3 multiplicity = count',
            'stated omega multiplicity = count',
            'stated omega value = split singular value',
            'stated pi2 = split singular value',
            'stated pi3 = split singular value',
            'stated rho of the split map',
            '||Syx||^2 = sum mult pi^2',
        ),
        simulation=(
            'rho of trained split vs r sqrt(k1/P)',
            '||W_split - W_dense|| after training',
        ),
    ),
    "T7": Wiring(
        proof=(
            'Omega module input eigenvalue',
            'Omega module multiplicity',
            'Omega module singular value',
            'W_OO = c S with c = a (the Omega mode strength)',
            'converged gain c = a* = 1',
            'novel error as t -> oo',
            '||W_GO||^2 for all strengths (so at all times)',
        ),
        certificate=(
            'Sx v = lambda v (omega:pi1)',
            'Syx v = pi u (omega:pi1)',
            'Syx^T u = pi v (omega:pi1)',
            'U^T U = I',
            'V^T V = I',
            'W_GO = 0 at t=* tau',
            'count of omega:pi1 = 1',
            'segregated W*_OO = S',
            'segregated novel error at W*',
            'stated Omega module eigenvalue',
            'stated Omega module multiplicity = count',
            'stated Omega module value',
            'trace Sx = sum mult lambda',
            '||Sx||^2 = sum mult lambda^2',
            '||Syx||^2 = sum mult pi^2',
        ),
        simulation=(
            'converged segregated W_OO vs gain S',
            'converged segregated novel error',
            'max ||W_GO|| of segregated GD (exactly 0)',
        ),
    ),
    "T8": Wiring(
        proof=(
            'a(t_half) = a*/2',
            'deep half time',
            'for positive r and k2: derived pi1^2 - pi2^2 > 0',
            'for positive r and k2: derived pi2^2 - pi3^2 > 0',
            'half time exists iff a0 < pi/(2*lambda)',
            'sharing speeds up the compositional mode, for positive r and k2: derived pi1^2 - (split Omega value)^2 > 0',
            't_half / ln(1/a0) -> tau/(2 pi) as a0 -> 0, so larger pi is learned first',
        ),
        certificate=(
            'a(t_half) = a*/2 (pi1)',
            'a(t_half) = a*/2 (pi2)',
            'a(t_half) = a*/2 (pi3)',
            'd t_half / d ln(1/a0) -> stated rate (pi1)',
            'd t_half / d ln(1/a0) -> stated rate (pi2)',
            'd t_half / d ln(1/a0) -> stated rate (pi3)',
            'pi1 > split Omega singular value',
            'stated half-time bound = a*/2 (pi1)',
            'stated half-time bound = a*/2 (pi2)',
            'stated half-time bound = a*/2 (pi3)',
            't_half(pi1) < t_half(pi2) at a0 = 1e-30',
            't_half(pi2) < t_half(pi3) at a0 = 1e-30',
        ),
        simulation=(
            'simulated t_half of pi1 vs theory (steps)',
            'simulated t_half of pi2 vs theory (steps)',
            'simulated t_half of pi3 vs theory (steps)',
        ),
    ),
    "T9": Wiring(
        proof=(
            'dense: channel pi1, entry 0',
            'dense: channel pi1, entry 1',
            'dense: channel pi1, entry 2',
            'dense: channel pi1, entry 3',
            'dense: channel pi2, entry 0',
            'dense: channel pi2, entry 1',
            'dense: channel pi2, entry 2',
            'dense: channel pi2, entry 3',
            'dense: channel pi3, entry 0',
            'dense: channel pi3, entry 1',
            'dense: channel pi3, entry 2',
            'dense: channel pi3, entry 3',
            'segregated: channel pi1, entry 0',
            'segregated: channel pi1, entry 1',
            'segregated: channel pi1, entry 2',
            'segregated: channel pi1, entry 3',
            'segregated: channel pi2, entry 0',
            'segregated: channel pi2, entry 1',
            'segregated: channel pi2, entry 2',
            'segregated: channel pi2, entry 3',
            'segregated: channel pi3, entry 0',
            'segregated: channel pi3, entry 1',
            'segregated: channel pi3, entry 2',
            'segregated: channel pi3, entry 3',
            'shallow: channel pi1, entry 0',
            'shallow: channel pi1, entry 1',
            'shallow: channel pi1, entry 2',
            'shallow: channel pi1, entry 3',
            'shallow: channel pi2, entry 0',
            'shallow: channel pi2, entry 1',
            'shallow: channel pi2, entry 2',
            'shallow: channel pi2, entry 3',
            'shallow: channel pi3, entry 0',
            'shallow: channel pi3, entry 1',
            'shallow: channel pi3, entry 2',
            'shallow: channel pi3, entry 3',
            'split: channel pi1, entry 0',
            'split: channel pi1, entry 1',
            'split: channel pi1, entry 2',
            'split: channel pi1, entry 3',
            'split: channel pi2, entry 0',
            'split: channel pi2, entry 1',
            'split: channel pi2, entry 2',
            'split: channel pi2, entry 3',
            'split: channel pi3, entry 0',
            'split: channel pi3, entry 1',
            'split: channel pi3, entry 2',
            'split: channel pi3, entry 3',
        ),
        certificate=(
            'converged dense map = least squares',
            'converged segregated map = least squares',
            'converged shallow map = least squares',
            'converged split map = least squares',
        ),
        simulation=(
            '||W_dense - U diag(a*) V^T|| after training',
            '||W_dense - Y X^+|| after training',
            '||W_segregated - U diag(a*) V^T|| after training',
            '||W_segregated - Y X^+|| after training',
            '||W_shallow - U diag(a*) V^T|| after training',
            '||W_shallow - Y X^+|| after training',
            '||W_split - U diag(a*) V^T|| after training',
            '||W_split - Y X^+|| after training',
        ),
    ),
    'T10': Wiring(
        proof=(
            '(K + cI) B_T - B_T (G + cI) = 0 for matrix symbols of any shape',
            'I - M = c (K + cI)^-1 on an eigenvector of K',
            'M = K (K + cI)^-1 on an eigenvector of K',
            "all items in training: code-averaged error = T5's novel-combination error",
            'limit c -> 0 of the error factor, mu = 0',
            'limit c -> 0 of the error factor, mu > 0',
            'limit c -> 0 of the gain, mu = 0',
            'limit c -> 0 of the gain, mu > 0',
            'segregated error summed over all items = P ||S (I - Pi_T)||^2',
        ),
        certificate=(
            'all items in training: mean c^2 ||S (K + cI)^-1 b||^2 vs stated',
            'dense compositional held-out error: formula vs direct least squares (train [0, 1, 2])',
            'dense compositional held-out error: formula vs direct least squares (train [0, 3])',
            'dense compositional held-out error: formula vs direct least squares (train [2])',
            'dense identity held-out error: formula vs direct least squares (train [0, 1, 2])',
            'dense identity held-out error: formula vs direct least squares (train [0, 3])',
            'dense identity held-out error: formula vs direct least squares (train [2])',
            'segregated compositional held-out error: formula vs direct least squares (train [0, 1, 2])',
            'segregated compositional held-out error: formula vs direct least squares (train [0, 3])',
            'segregated compositional held-out error: formula vs direct least squares (train [2])',
            'segregated error is 0 on every held-out item iff the selected axes lie in span(B_T) (train [0, 1, 2])',
            'segregated error is 0 on every held-out item iff the selected axes lie in span(B_T) (train [0, 3])',
            'segregated error is 0 on every held-out item iff the selected axes lie in span(B_T) (train [2])',
            'segregated identity held-out error: formula vs direct least squares (train [0, 1, 2])',
            'segregated identity held-out error: formula vs direct least squares (train [0, 3])',
            'segregated identity held-out error: formula vs direct least squares (train [2])',
            'shallow compositional held-out error: formula vs direct least squares (train [0, 1, 2])',
            'shallow compositional held-out error: formula vs direct least squares (train [0, 3])',
            'shallow compositional held-out error: formula vs direct least squares (train [2])',
            'shallow identity held-out error: formula vs direct least squares (train [0, 1, 2])',
            'shallow identity held-out error: formula vs direct least squares (train [0, 3])',
            'shallow identity held-out error: formula vs direct least squares (train [2])',
            'split compositional held-out error: formula vs direct least squares (train [0, 1, 2])',
            'split compositional held-out error: formula vs direct least squares (train [0, 3])',
            'split compositional held-out error: formula vs direct least squares (train [2])',
            'split identity held-out error: formula vs direct least squares (train [0, 1, 2])',
            'split identity held-out error: formula vs direct least squares (train [0, 3])',
            'split identity held-out error: formula vs direct least squares (train [2])',
            'stated I - M applied through the spectrum of K vs the dense held-out error (train [0, 1, 2])',
            'stated I - M applied through the spectrum of K vs the dense held-out error (train [0, 3])',
            'stated I - M applied through the spectrum of K vs the dense held-out error (train [2])',
        ),
        simulation=(
            'dense GD on train [0, 1, 2]: distance from least squares (converged)',
            'dense GD on train [0, 1, 2]: response to inputs off the training span',
            'dense GD on train [0, 3]: distance from least squares (converged)',
            'dense GD on train [0, 3]: response to inputs off the training span',
            'dense compositional held-out error of item 1, train [0, 3]',
            'dense compositional held-out error of item 2, train [0, 3]',
            'dense compositional held-out error of item 3, train [0, 1, 2]',
            'dense identity held-out error of item 1, train [0, 3]',
            'dense identity held-out error of item 2, train [0, 3]',
            'dense identity held-out error of item 3, train [0, 1, 2]',
            'segregated GD on train [0, 1, 2]: distance from least squares (converged)',
            'segregated GD on train [0, 1, 2]: response to inputs off the training span',
            'segregated GD on train [0, 3]: distance from least squares (converged)',
            'segregated GD on train [0, 3]: response to inputs off the training span',
            'segregated compositional held-out error of item 1, train [0, 3]',
            'segregated compositional held-out error of item 2, train [0, 3]',
            'segregated compositional held-out error of item 3, train [0, 1, 2]',
            'segregated identity held-out error of item 1, train [0, 3]',
            'segregated identity held-out error of item 2, train [0, 3]',
            'segregated identity held-out error of item 3, train [0, 1, 2]',
            'shallow GD on train [0, 1, 2]: distance from least squares (converged)',
            'shallow GD on train [0, 1, 2]: response to inputs off the training span',
            'shallow GD on train [0, 3]: distance from least squares (converged)',
            'shallow GD on train [0, 3]: response to inputs off the training span',
            'shallow compositional held-out error of item 1, train [0, 3]',
            'shallow compositional held-out error of item 2, train [0, 3]',
            'shallow compositional held-out error of item 3, train [0, 1, 2]',
            'shallow identity held-out error of item 1, train [0, 3]',
            'shallow identity held-out error of item 2, train [0, 3]',
            'shallow identity held-out error of item 3, train [0, 1, 2]',
            'split GD on train [0, 1, 2]: distance from least squares (converged)',
            'split GD on train [0, 1, 2]: response to inputs off the training span',
            'split GD on train [0, 3]: distance from least squares (converged)',
            'split GD on train [0, 3]: response to inputs off the training span',
            'split compositional held-out error of item 1, train [0, 3]',
            'split compositional held-out error of item 2, train [0, 3]',
            'split compositional held-out error of item 3, train [0, 1, 2]',
            'split identity held-out error of item 1, train [0, 3]',
            'split identity held-out error of item 2, train [0, 3]',
            'split identity held-out error of item 3, train [0, 1, 2]',
        ),
    ),
    'T11': Wiring(
        proof=(
            'n1 = 1: number of j < n1 that span, and of j = P if it does not',
            'n1 = 1: number of j where the subsets spanning each flat miss C(P, j)',
            'n1 = 2: number of j < n1 that span, and of j = P if it does not',
            'n1 = 2: number of j where the subsets spanning each flat miss C(P, j)',
            'n1 = 3, j = 3',
            'n1 = 3, j = 4',
            'n1 = 3, j = 5..8',
            'n1 = 3: number of j < n1 that span, and of j = P if it does not',
            'n1 = 3: number of j where the subsets spanning each flat miss C(P, j)',
            'n1 = 4: number of j < n1 that span, and of j = P if it does not',
            'n1 = 4: number of j where the subsets spanning each flat miss C(P, j)',
            'n1 = 5: number of j < n1 that span, and of j = P if it does not',
            'n1 = 5: number of j where the subsets spanning each flat miss C(P, j)',
        ),
        certificate=(
            'P(first 1 axes in the span of j codes), every j: lattice count vs enumeration',
        ),
        simulation=(
            'Monte Carlo P(axes in span), n1=2, n2=1, j=2 vs exact 0.666667',
            'Monte Carlo P(axes in span), n1=2, n2=1, j=3 vs exact 1',
            'Monte Carlo spanning probability, n1 = 3, j = 3 vs stated n1 = 3, j = 3',
            'Monte Carlo spanning probability, n1 = 3, j = 4 vs stated n1 = 3, j = 4',
            'Monte Carlo spanning probability, n1 = 3, j = 5 vs stated n1 = 3, j >= 5',
        ),
    ),
}
#: The claim module each theorem must come from (its prove, certify and simulate live there).
MODULES = {
    "T1": "proofs.claims.t1_spectrum", "T2": "proofs.claims.t2_eigenbasis", "T3": "proofs.claims.t3_dynamics",
    "T4": "proofs.claims.t4_block_norms", "T5": "proofs.claims.t5_dense_not_systematic",
    "T6": "proofs.claims.t6_split_same_map", "T7": "proofs.claims.t7_segregation",
    "T8": "proofs.claims.t8_compositional_first", "T9": "proofs.claims.t9_least_squares",
    "T10": "proofs.claims.t10_heldout", "T11": "proofs.claims.t11_fullrank",
}


def test_catalogue_lists_each_reviewed_theorem_once_in_order():
    assert [t.id for t in CATALOGUE] == list(REVIEWED) == list(MODULES)


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_theorem_parts_come_from_its_own_claim_module(theorem):
    module = importlib.import_module(MODULES[theorem.id])
    assert module.THEOREM is theorem
    parts = _parts(theorem)
    assert {p.__module__ for p in parts} == {module.__name__}, [p.__module__ for p in parts]
    others = [t for t in CATALOGUE if t is not theorem]
    for part in ("prove", "certify", "simulate"):
        mine = getattr(theorem, part)
        assert mine is None or all(getattr(o, part) is not mine for o in others), part


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_proof_compares_the_reviewed_identities(theorem):
    assert _proof_wiring(theorem) == REVIEWED[theorem.id].proof


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_certificate_measures_the_reviewed_quantities(theorem):
    assert _certificate_wiring(theorem, WIRED_ON) == REVIEWED[theorem.id].certificate


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_simulation_check_measures_the_reviewed_quantities(theorem):
    assert (theorem.simulate is None) == (REVIEWED[theorem.id].simulation == ())
    assert _simulation_wiring(theorem, WIRED_ON) == REVIEWED[theorem.id].simulation


#: T5 is about n2 >= 1, k1 >= 1, r > 0 only; every other theorem is about every dataset.
APPLIES_T5 = [
    (Dataset(2, 1, 1, 1, 1), True),
    (Dataset(2, 1, 1, 0, 1), True),   # k2 = 0 is allowed
    (Dataset(2, 0, 1, 1, 1), False),  # no compositional output
    (Dataset(2, 1, 0, 1, 1), False),  # no identity input: rho = 0
    (Dataset(2, 1, 1, 1, 0), False),  # r = 0: rho = 0
]


@pytest.mark.parametrize("d, expected", APPLIES_T5)
def test_dense_claim_applies_exactly_where_it_is_stated(d, expected):
    assert CATALOGUE[4].applies(d) is expected


@pytest.mark.parametrize("theorem", [t for t in CATALOGUE if t.id != "T5"], ids=lambda t: t.id)
def test_other_claims_apply_to_every_degenerate_dataset(theorem):
    assert all(theorem.applies(d) for _, d in DEGENERATE)


#: The depth-L restatements (proofs/claims/depth/) at L = 3, on the same dataset, reviewed by hand against the
#: depth section of docs/theory.md: T3 the depth-L mode ODE, its fixed point, attraction and implicit solution;
#: T5 rho and the converged map unchanged by depth; T8 the ordering and the half-time limit; T9 the least-squares
#: limit of every architecture.
DEPTH_REVIEWED = {
    "T3": Wiring(
        proof=('fixed point at L = 3', 'fixed point attracts (-3*pi**(4/3)/(lambda**(1/3)*tau) < 0)', 'implicit solution: dt/da = tau * stated integrand on 0 < a < a*', 'implicit solution: t(a0) = 0', 'implicit solution: tau / (dt/da) = stated rhs on 0 < a < a*', 'mode ODE at L = 3', 'mode ODE tau da/dt for symbolic L'),
        certificate=('a(oo) = pi/lambda at L = 3 (pi1)', 'a(oo) = pi/lambda at L = 3 (pi2)', 'a(oo) = pi/lambda at L = 3 (pi3)', 'stated fixed point = pi/lambda (pi1)', 'stated fixed point = pi/lambda (pi2)', 'stated fixed point = pi/lambda (pi3)', 't(a) = tau * quad of the integrand (L=3, a0/a*=0.1, t=* T) (pi1)', 't(a) = tau * quad of the integrand (L=3, a0/a*=0.1, t=* T) (pi2)', 't(a) = tau * quad of the integrand (L=3, a0/a*=0.1, t=* T) (pi3)', 't(a) = tau * quad of the integrand (L=3, a0/a*=3, t=* T) (pi1)', 't(a) = tau * quad of the integrand (L=3, a0/a*=3, t=* T) (pi2)', 't(a) = tau * quad of the integrand (L=3, a0/a*=3, t=* T) (pi3)', "tau a' = rhs(a) of the inverted a(t) (L=3, a0/a*=0.1, t=* T) (pi1)", "tau a' = rhs(a) of the inverted a(t) (L=3, a0/a*=0.1, t=* T) (pi2)", "tau a' = rhs(a) of the inverted a(t) (L=3, a0/a*=0.1, t=* T) (pi3)", "tau a' = rhs(a) of the inverted a(t) (L=3, a0/a*=3, t=* T) (pi1)", "tau a' = rhs(a) of the inverted a(t) (L=3, a0/a*=3, t=* T) (pi2)", "tau a' = rhs(a) of the inverted a(t) (L=3, a0/a*=3, t=* T) (pi3)"),
        simulation=('|a_GD - a(t)| of dense pi1 at L=3, eta=*', '|a_GD - a(t)| of dense pi2 at L=3, eta=*', '|a_GD - a(t)| of dense pi3 at L=3, eta=*'),
    ),
    "T5": Wiring(
        proof=('a1* at L = 3 (fixed point of the depth-L ODE at pi1, lambda1) = a1* at L = 2', 'converged W_OO = c S with c', 'converged novel-combination error', 'for n2, k1 >= 1 and positive r: derived rho^2 > 0', 'it attracts at L = 3 (-3*pi**(4/3)/(lambda**(1/3)*tau) < 0)', 'rho^2 along any trajectory (no strength appears)', 'rho^2 does not depend on the mode strengths'),
        certificate=('W*_OO = P/(P + k1 r^2) S', 'novel error = n2 (k1 r^2/(P + k1 r^2))^2', 'rho = r sqrt(k1/P) at t=* tau, L=3', 'rho > 0 at t=* tau, L=3'),
        simulation=('converged dense novel error at L=3 vs n2 (k1 r^2/(P + k1 r^2))^2', 'rho of dense GD at L=3 vs r sqrt(k1/P)'),
    ),
    "T8": Wiring(
        proof=('derived pi1^2 - (split Omega value)^2 for r, k2 > 0 > 0', 'derived pi1^2 - pi2^2 for r, k2 > 0 > 0', 'derived pi2^2 - pi3^2 for r, k2 > 0 > 0', 'growth of t_half as a0 -> 0 at L = 3', 'half time t(a*/2) reaches a*/2 (the half time exists for a0 < a*/2)', 'lim t_half * a0^((L-2)/L) at L = 3 equals the symbolic-L limit', 'the limit tau/pi is positive and decreases with pi (-tau/pi**2 < 0): larger pi is learned first'),
        certificate=('a(t_half) = a*/2 at L = 3 (pi1)', 'a(t_half) = a*/2 at L = 3 (pi2)', 'a(t_half) = a*/2 at L = 3 (pi3)', 't_half / stated growth(a0) -> tau/((L-2) pi) at L = 3 (pi1)', 't_half / stated growth(a0) -> tau/((L-2) pi) at L = 3 (pi2)', 't_half / stated growth(a0) -> tau/((L-2) pi) at L = 3 (pi3)', 't_half(pi1) < t_half(pi2) at a0 = 1e-30, L = 3', 't_half(pi2) < t_half(pi3) at a0 = 1e-30, L = 3'),
        simulation=('simulated t_half of pi1 at L=3 vs theory (steps)', 'simulated t_half of pi2 at L=3 vs theory (steps)', 'simulated t_half of pi3 at L=3 vs theory (steps)'),
    ),
    "T9": Wiring(
        proof=('converged strength at L = 3 (fixed point of the depth-L ODE)', 'dense: channel pi1, entry 0', 'dense: channel pi1, entry 1', 'dense: channel pi1, entry 2', 'dense: channel pi1, entry 3', 'dense: channel pi2, entry 0', 'dense: channel pi2, entry 1', 'dense: channel pi2, entry 2', 'dense: channel pi2, entry 3', 'dense: channel pi3, entry 0', 'dense: channel pi3, entry 1', 'dense: channel pi3, entry 2', 'dense: channel pi3, entry 3', 'it attracts at L = 3 (-3*pi**(4/3)/(lambda**(1/3)*tau) < 0)', 'segregated: channel pi1, entry 0', 'segregated: channel pi1, entry 1', 'segregated: channel pi1, entry 2', 'segregated: channel pi1, entry 3', 'segregated: channel pi2, entry 0', 'segregated: channel pi2, entry 1', 'segregated: channel pi2, entry 2', 'segregated: channel pi2, entry 3', 'segregated: channel pi3, entry 0', 'segregated: channel pi3, entry 1', 'segregated: channel pi3, entry 2', 'segregated: channel pi3, entry 3', 'shallow: channel pi1, entry 0', 'shallow: channel pi1, entry 1', 'shallow: channel pi1, entry 2', 'shallow: channel pi1, entry 3', 'shallow: channel pi2, entry 0', 'shallow: channel pi2, entry 1', 'shallow: channel pi2, entry 2', 'shallow: channel pi2, entry 3', 'shallow: channel pi3, entry 0', 'shallow: channel pi3, entry 1', 'shallow: channel pi3, entry 2', 'shallow: channel pi3, entry 3', 'split: channel pi1, entry 0', 'split: channel pi1, entry 1', 'split: channel pi1, entry 2', 'split: channel pi1, entry 3', 'split: channel pi2, entry 0', 'split: channel pi2, entry 1', 'split: channel pi2, entry 2', 'split: channel pi2, entry 3', 'split: channel pi3, entry 0', 'split: channel pi3, entry 1', 'split: channel pi3, entry 2', 'split: channel pi3, entry 3'),
        certificate=('converged dense map = least squares', 'converged segregated map = least squares', 'converged shallow map = least squares', 'converged split map = least squares', 'depth-3 a(oo) = stated converged strength (dense pi1)', 'depth-3 a(oo) = stated converged strength (dense pi2)', 'depth-3 a(oo) = stated converged strength (dense pi3)', 'depth-3 a(oo) = stated converged strength (segregated gamma:pi1)', 'depth-3 a(oo) = stated converged strength (segregated gamma:pi2)', 'depth-3 a(oo) = stated converged strength (segregated gamma:pi3)', 'depth-3 a(oo) = stated converged strength (segregated omega:pi1)', 'depth-3 a(oo) = stated converged strength (shallow pi1)', 'depth-3 a(oo) = stated converged strength (shallow pi2)', 'depth-3 a(oo) = stated converged strength (shallow pi3)', 'depth-3 a(oo) = stated converged strength (split gamma:pi1)', 'depth-3 a(oo) = stated converged strength (split gamma:pi2)', 'depth-3 a(oo) = stated converged strength (split gamma:pi3)', 'depth-3 a(oo) = stated converged strength (split omega:pi1)'),
        simulation=('||W_dense - Y X^+|| after training at L=3', '||W_segregated - Y X^+|| after training at L=3', '||W_shallow - Y X^+|| after training at L=3', '||W_split - Y X^+|| after training at L=3'),
    ),

}


def test_depth_catalogue_restates_each_reviewed_claim_from_its_own_module():
    theorems = depth_catalogue(3)
    assert [t.id for t in theorems] == list(DEPTH_REVIEWED) == [m.RESTATES for m in DEPTH_MODULES]
    for theorem, module in zip(theorems, DEPTH_MODULES):
        parts = _parts(theorem)
        assert {p.__module__ for p in parts} == {module.__name__}, [p.__module__ for p in parts]


@pytest.mark.parametrize("theorem", depth_catalogue(3), ids=lambda t: t.id)
def test_depth_restatement_is_wired_to_its_reviewed_identities_and_quantities(theorem):
    reviewed = DEPTH_REVIEWED[theorem.id]
    assert _proof_wiring(theorem) == reviewed.proof
    assert _certificate_wiring(theorem, WIRED_ON) == reviewed.certificate
    assert _simulation_wiring(theorem, WIRED_ON) == reviewed.simulation


#: The readout family's claims (proofs/claims/readout/) on D(2, 1, 2, 1) with A = [[1, 1], [0, 2]] (two distinct
#: singular values), reviewed by hand against the general-readout section of docs/theory.md: T1 the channels
#: of the singular values s of A and the complement, T2 their input eigenvalues, T4 the block norms and rho,
#: T5 the converged gain times A, T6 split = dense per channel, T9 the least-squares limit.
READOUT_WIRED_ON = ReadoutDataset(2, 1, 2, 1, [[1, 1], [0, 2]])
READOUT_REVIEWED = {
    "T1": Wiring(
        proof=('pi(s) of the channel of a singular value s of A', 'pi3 (complement of the rows of B)', 'pi3 multiplicity', 'right vector along [P v; r B^T v; ...] whatever s', 'right vector unit', "s = 0 gives the selection's pi2", "s = 1 gives the selection's pi1"),
        certificate=('A v = s u (s1)', 'A v = s u (s2)', 'Syx v = pi u (pi3)', 'Syx v = pi u (s1)', 'Syx v = pi u (s2)', 'Syx^T u = pi v (pi3)', 'Syx^T u = pi v (s1)', 'Syx^T u = pi v (s2)', 'U^T U = I', 'V^T V = I', 'count of pi3 = 2', 'count of s1 = 1', 'count of s2 = 1', 'sum over singular values of m s^2 = ||A||^2', '||Syx||^2 = sum mult pi^2'),
        simulation=(),
    ),
    "T2": Wiring(
        proof=('complement: input eigenvalue', 'feature channel (any s): input eigenvalue'),
        certificate=('Sx v = lambda v (pi3)', 'Sx v = lambda v (s1)', 'Sx v = lambda v (s2)', 'trace Sx = sum mult lambda', '||Sx||^2 = sum mult lambda^2'),
        simulation=(),
    ),
    "T4": Wiring(
        proof=('per channel ||W_GO||^2 = (r^2 k1/P) ||W_OO||^2 for every s and strength', 'so rho does not change during training even when the s_i differ', 'two channels with unrelated s1, s2 and strengths b1, b2: rho^2', '||W_GG||^2 (generic channel + complement)', '||W_GO||^2 (generic channel + complement)', '||W_OG||^2 (generic channel + complement)', '||W_OO||^2 (generic channel + complement)'),
        certificate=('||W_GG|| (dense)', '||W_GG|| (segregated)', '||W_GG|| (shallow)', '||W_GG|| (split)', '||W_GO|| (dense)', '||W_GO|| (segregated)', '||W_GO|| (shallow)', '||W_GO|| (split)', '||W_OG|| (dense)', '||W_OG|| (segregated)', '||W_OG|| (shallow)', '||W_OG|| (split)', '||W_OO|| (dense)', '||W_OO|| (segregated)', '||W_OO|| (shallow)', '||W_OO|| (split)'),
        simulation=(),
    ),
    "T5": Wiring(
        proof=('converged W_OO coefficient on the channel of s = gain * s (so W_OO = gain A)', 'converged novel error on the channel = m s^2 (k1 r^2/(P + k1 r^2))^2 (sums to ... ||A||^2)', 'for k1 >= 1 and positive r: derived rho^2 > 0', 'rho^2 along any trajectory'),
        certificate=('W*_OO = P/(P + k1 r^2) A', 'novel error = (k1 r^2/(P + k1 r^2))^2 ||A||^2', 'rho = r sqrt(k1/P) at t=* tau', 'rho > 0 at t=* tau'),
        simulation=(),
    ),
    "T6": Wiring(
        proof=('Gamma module on every feature channel: pi(0)', 'Gamma module on the complement: pi3', 'Omega module singular value on the channel of s', 'converged map on channel pi3, entry 0', 'converged map on channel pi3, entry 1', 'converged map on channel pi3, entry 2', 'converged map on channel pi3, entry 3', 'converged map on channel s, entry 0', 'converged map on channel s, entry 1', 'converged map on channel s, entry 2', 'converged map on channel s, entry 3'),
        certificate=('Syx v = pi u (gamma:pi3)', 'Syx v = pi u (gamma:s1)', 'Syx v = pi u (gamma:s2)', 'Syx v = pi u (omega:s1)', 'Syx v = pi u (omega:s2)', 'Syx^T u = pi v (gamma:pi3)', 'Syx^T u = pi v (gamma:s1)', 'Syx^T u = pi v (gamma:s2)', 'Syx^T u = pi v (omega:s1)', 'Syx^T u = pi v (omega:s2)', 'U^T U = I', 'V^T V = I', 'count of gamma:pi3 = 2', 'count of gamma:s1 = 1', 'count of gamma:s2 = 1', 'count of omega:s1 = 1', 'count of omega:s2 = 1', 'split W* = dense W*', '||Syx||^2 = sum mult pi^2'),
        simulation=(),
    ),
    "T9": Wiring(
        proof=('dense: channel pi3, entry 0', 'dense: channel pi3, entry 1', 'dense: channel pi3, entry 2', 'dense: channel pi3, entry 3', 'dense: channel s, entry 0', 'dense: channel s, entry 1', 'dense: channel s, entry 2', 'dense: channel s, entry 3', 'segregated: channel pi3, entry 0', 'segregated: channel pi3, entry 1', 'segregated: channel pi3, entry 2', 'segregated: channel pi3, entry 3', 'segregated: channel s, entry 0', 'segregated: channel s, entry 1', 'segregated: channel s, entry 2', 'segregated: channel s, entry 3', 'shallow: channel pi3, entry 0', 'shallow: channel pi3, entry 1', 'shallow: channel pi3, entry 2', 'shallow: channel pi3, entry 3', 'shallow: channel s, entry 0', 'shallow: channel s, entry 1', 'shallow: channel s, entry 2', 'shallow: channel s, entry 3', 'split: channel pi3, entry 0', 'split: channel pi3, entry 1', 'split: channel pi3, entry 2', 'split: channel pi3, entry 3', 'split: channel s, entry 0', 'split: channel s, entry 1', 'split: channel s, entry 2', 'split: channel s, entry 3'),
        certificate=('converged dense map = least squares', 'converged segregated map = least squares', 'converged shallow map = least squares', 'converged split map = least squares'),
        simulation=(),
    ),

}


@pytest.mark.parametrize("theorem", READOUT_CATALOGUE, ids=lambda t: t.id)
def test_readout_claim_is_wired_to_its_reviewed_identities_and_quantities(theorem):
    reviewed = READOUT_REVIEWED[theorem.id]
    assert [t.id for t in READOUT_CATALOGUE] == list(READOUT_REVIEWED)
    assert _proof_wiring(theorem) == reviewed.proof
    assert _certificate_wiring(theorem, READOUT_WIRED_ON) == reviewed.certificate
    assert (theorem.simulate is None) == (reviewed.simulation == ())


def _same_dataset_up_to_training_items(a, b) -> bool:
    if a == b:
        return True
    return hasattr(a, "train") and dataclasses.replace(a, train=None) == dataclasses.replace(b, train=None)


@pytest.mark.parametrize("theorem, d", [(t, WIRED_ON) for t in CATALOGUE] + [(t, WIRED_ON) for t in depth_catalogue(3)]
                         + [(t, READOUT_WIRED_ON) for t in READOUT_CATALOGUE],
                         ids=lambda x: getattr(x, "id", ""))
def test_every_check_records_the_dataset_it_was_made_on(theorem, d):
    # a failure message names the dataset of the failing check; T10's checks run on training subsets of d
    with mpmath.workdps(50):
        checks = list(theorem.run_certificate(d))
    checks += list(theorem.run_simulation(d)) if theorem.simulate else []
    assert checks and all(_same_dataset_up_to_training_items(c.dataset, d) for c in checks), theorem.id
