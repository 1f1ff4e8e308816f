"""Symbolic proofs of the training claims T3-T9 (THEORY.md sections 3-5).

Each function derives its objects through :mod:`theory` (mode dynamics,
observables, channel maps) and compares them with :mod:`proofs.stated`.
Conditions: the generic case r > 0, k1, k2 >= 1 unless a theorem says more.
"""

from __future__ import annotations

import sympy as sp

from proofs.stated import STATED, STATED_BLOCK_NORMS_SQ, STATED_DYNAMICS
from proofs.theorem import Comparison, Proof, compare
from theory import symbols as s
from theory.architectures import ARCHITECTURES
from theory.convergence import converged_channel_maps, least_squares_channel_maps
from theory.derivation import Derivation
from theory.dynamics import half_time_condition, mode_dynamics
from theory.observables import derive_observables, strength_symbol
from theory.spectrum import derive_module_spectrum

__all__ = [
    "prove_dynamics", "prove_block_norms", "prove_dense_not_systematic", "prove_split_same_map",
    "prove_segregation", "prove_compositional_first", "prove_least_squares",
]

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r
_FIXED = {"pi1": "a1*", "pi2": "a2*", "pi3": "a3*"}


def _positive(what: str, expr: sp.Expr, witness: sp.Expr) -> Comparison:
    """``expr`` equals ``witness``, a sum/product of positive terms, so it is positive."""
    return compare(f"{what} (= {witness} > 0)", expr, witness)


def prove_dynamics() -> Proof:
    """T3: mode ODEs, their solutions and fixed points, for both depths."""
    cmp = []
    d = Derivation("Learning dynamics")
    for deep, name in ((True, "deep"), (False, "shallow")):
        dyn = mode_dynamics(deep)
        cmp.append(compare(f"{name} mode ODE tau da/dt", dyn.rhs, STATED_DYNAMICS[f"{name} rhs"]))
        cmp.append(compare(f"{name} solution a(t)", dyn.solution, STATED_DYNAMICS[f"{name} solution"]))
        cmp.append(compare(f"{name} fixed point", dyn.fixed_point, STATED_DYNAMICS["fixed point"]))
        cmp.append(Comparison(f"{name} fixed point attracts ({dyn.stability} < 0)", dyn.stability, sp.Integer(0),
                              bool(dyn.stability.is_negative)))
        d = d.extend(dyn.derivation)
    for m in derive_module_spectrum().modes:
        cmp.append(compare(f"fixed point of {m.name} = pi/lambda", m.fixed_point, STATED[_FIXED[m.name]]))
    return Proof(tuple(cmp), d.then("Fixed points a* = pi/lambda of the dense modes compared with THEORY.md"))


def prove_block_norms() -> Proof:
    """T4: block norms of the dense map in its mode strengths, their sum and the constant ratio."""
    obs = derive_observables("dense")
    cmp = [compare(f"||W_{k}||^2", v, STATED_BLOCK_NORMS_SQ[k]) for k, v in obs.block_norms_sq.items()]
    cmp.append(compare("sum of the four block norms", sum(obs.block_norms_sq.values()), STATED_BLOCK_NORMS_SQ["sum"]))
    cmp.append(compare("(||W_GO|| / ||W_OO||)^2 = r^2 k1 / P, independent of the strengths",
                       obs.rho_sq, STATED["dense rho"] ** 2))
    shallow = derive_observables("shallow")
    cmp += [compare(f"shallow ||W_{k}||^2 (same modes)", v, STATED_BLOCK_NORMS_SQ[k])
            for k, v in shallow.block_norms_sq.items()]
    return Proof(tuple(cmp), obs.derivation)


def prove_dense_not_systematic() -> Proof:
    """T5: rho = r sqrt(k1/P) at every moment, the converged gain and novel error."""
    obs = derive_observables("dense")
    a1 = strength_symbol("pi1")
    star = derive_module_spectrum().mode("pi1").fixed_point
    gain = obs.omega_gain.subs(a1, star)
    cmp = [
        compare("rho^2 along any trajectory (no strength appears)", obs.rho_sq, STATED["dense rho"] ** 2),
        Comparison("rho^2 does not depend on the mode strengths", obs.rho_sq, sp.Integer(0),
                   not any(str(x).startswith("a_") for x in obs.rho_sq.free_symbols)),
        _positive("rho^2 for n2, k1 >= 1, r > 0", obs.rho_sq, k1 * r**2 / P),
        compare("converged W_OO = c S with c", gain, STATED["dense W*_OO gain"]),
        compare("converged novel-combination error", obs.novel_error.subs(a1, star), STATED["dense novel error"]),
    ]
    d = obs.derivation.then("At the fixed point a1* the gain c and the novel error are", sp.Tuple(gain, obs.novel_error.subs(a1, star)))
    return Proof(tuple(cmp), d)


def prove_split_same_map() -> Proof:
    """T6: split converges to the dense map; module spectra of split."""
    dense, split = converged_channel_maps("dense"), converged_channel_maps("split")
    cmp = [compare(f"converged map on channel {c}, entry {i}", split[c][i] - dense[c][i], 0)
           for c in dense for i in range(4)]
    omega, gamma = (derive_module_spectrum(m) for m in ARCHITECTURES["split"].modules)
    cmp.append(compare("Omega module singular value", omega.mode("pi1").singular_value, STATED["split omega"]))
    cmp.append(compare("Omega module multiplicity n2", sum(m.multiplicity for m in omega.modes), n2))
    cmp.append(compare("Gamma module: pi2 on every code feature", gamma.mode("pi1").singular_value, STATED["pi2"]))
    cmp.append(compare("Gamma module: pi2 on unselected features", gamma.mode("pi2").singular_value, STATED["pi2"]))
    cmp.append(compare("Gamma module: pi2 multiplicity n1",
                       gamma.mode("pi1").multiplicity + gamma.mode("pi2").multiplicity, n1))
    cmp.append(compare("Gamma module: pi3", gamma.mode("pi3").singular_value, STATED["pi3"]))
    cmp.append(compare("Gamma module: pi3 multiplicity P - n1", gamma.mode("pi3").multiplicity, P - n1))
    obs = derive_observables("split")
    cmp.append(compare("split rho^2 (no more systematic than dense)", obs.rho_sq, STATED["dense rho"] ** 2))
    d = omega.derivation.extend(gamma.derivation).then(
        "Converged maps per channel (modes at pi/lambda) of split and dense coincide", sp.Tuple(*split.values()))
    return Proof(tuple(cmp), d)


def prove_segregation() -> Proof:
    """T7: the segregated Omega module; W_GO = 0 always; W_OO -> S; novel error -> 0."""
    omega = derive_module_spectrum(ARCHITECTURES["segregated"].modules[0])
    obs = derive_observables("segregated")
    a = strength_symbol("omega:pi1")
    traj = mode_dynamics(True).solution.subs({s.pi_m: omega.mode("pi1").singular_value,
                                              s.lam_m: omega.mode("pi1").eigenvalue})
    novel_t = obs.novel_error.subs(a, traj)
    limit = sp.limit(novel_t, s.t, sp.oo)
    cmp = [
        compare("Omega module singular value", omega.mode("pi1").singular_value, 1),
        compare("Omega module input eigenvalue", omega.mode("pi1").eigenvalue, 1),
        compare("Omega module multiplicity", omega.mode("pi1").multiplicity, n2),
        compare("||W_GO||^2 for all strengths (so at all times)", obs.block_norms_sq["GO"], 0),
        compare("W_OO = c S with c = a (the Omega mode strength)", obs.omega_gain, a),
        compare("converged gain c = a* = 1", omega.mode("pi1").fixed_point, 1),
        compare("novel error as t -> oo", limit, 0),
    ]
    d = omega.derivation.extend(obs.derivation).then("Novel error along the deep trajectory", novel_t).then(
        "Its limit as t -> oo", limit)
    return Proof(tuple(cmp), d)


def prove_compositional_first() -> Proof:
    """T8: half times, mode ordering, and the speed-up of the compositional mode by sharing."""
    dyn = mode_dynamics(True)
    pi1, pi2, pi3 = (derive_module_spectrum().mode(c).singular_value for c in ("pi1", "pi2", "pi3"))
    omega = derive_module_spectrum(ARCHITECTURES["split"].modules[0]).mode("pi1").singular_value
    ratio = sp.limit(dyn.half_time / sp.log(1 / s.a0), s.a0, 0, "+")
    cond = half_time_condition(True)
    cmp = [
        compare("deep half time", dyn.half_time, STATED_DYNAMICS["deep half time"]),
        compare("a(t_half) = a*/2", dyn.solution.subs(s.t, dyn.half_time) - dyn.fixed_point / 2, 0),
        Comparison(f"half time exists iff {cond}", sp.Integer(0), sp.Integer(0),
                   sp.simplify(cond.rhs - s.pi_m / (2 * s.lam_m)) == 0 and cond.lhs == s.a0),
        compare("t_half / ln(1/a0) -> tau/(2 pi) as a0 -> 0, so larger pi is learned first", ratio,
                s.tau / (2 * s.pi_m)),
        _positive("pi1^2 - pi2^2", pi1**2 - pi2**2, (P + k1 * r**2) / P),
        _positive("pi2^2 - pi3^2", pi2**2 - pi3**2, k2 * r**2 / P),
        _positive("pi1^2 - (split Omega value)^2 (sharing speeds up the compositional mode)",
                  pi1**2 - omega**2, k2 * r**2 * (P + k1 * r**2) / P**2),
    ]
    d = dyn.derivation.then("Limit of t_half / ln(1/a0) as a0 -> 0", ratio).then(
        "For fixed lambda and a0, d t_half / d pi < 0 only when pi/(lambda a0) - 1 > 3.59 "
        "(a0 < 0.218 a*): the ordering is a small-initialization statement")
    return Proof(tuple(cmp), d)


def prove_least_squares() -> Proof:
    """T9: the converged map of every architecture is its modules' least-squares map."""
    cmp, d = [], Derivation("Converged maps are least-squares maps")
    for arch in ARCHITECTURES:
        conv = converged_channel_maps(arch)
        ls, sub = least_squares_channel_maps(arch)
        d = d.extend(sub)
        cmp += [compare(f"{arch}: channel {c}, entry {i}", conv[c][i] - ls[c][i], 0) for c in conv for i in range(4)]
    return Proof(tuple(cmp), d)
