"""Held-out items (claim T10): what each architecture predicts for items it never trained on.

Train on the items T (``|T| = j``), hold out the others. ``B_T`` (n1 x j) holds
the training codes, ``G = B_T^T B_T``, ``K = B_T B_T^T`` and ``c = k1 r^2``.
Every architecture converges to the least-squares map of its own training
inputs and outputs (T9 on the subset), so its held-out predictions follow
from linear algebra alone:

1. *Orthogonal identity parts.* ``x_u = [b_u; r e_u; ...]`` and the training
   inputs ``X_T = [B_T; r E_T; ...]`` (k1 copies, ``E_T`` the columns e_t,
   t in T) give ``X_T^T x_u = B_T^T b_u + k1 r^2 E_T^T e_u = B_T^T b_u``
   because ``E_T^T e_u = 0`` for u not in T.
2. For c > 0, ``X_T^T X_T = G + c I_j`` is invertible, so
   ``X_T^+ x_u = (G + c I)^-1 B_T^T b_u``.
3. *Push-through.* ``(K + c I) B_T = B_T (G + c I)``, hence
   ``B_T (G + c I)^-1 = (K + c I)^-1 B_T`` and the compositional prediction
   ``S B_T X_T^+ x_u = S M b_u`` with ``M = K (K + c I)^-1``.
4. ``I - M = c (K + c I)^-1``, so the compositional held-out error of the
   dense (and split) network is ``e_O(u) = c^2 ||S (K + c I)^-1 b_u||^2``; the
   identity outputs predict only training items, so
   ``e_G(u) = k2 r^2 (1 + ||(G + c I)^-1 B_T^T b_u||^2)``.
5. K is symmetric positive semi-definite, ``K = sum_i mu_i q_i q_i^T``, and
   every matrix above is a function of K: M acts as ``mu / (mu + c)`` and
   ``I - M`` as ``c / (mu + c)`` on ``q_i``. As c -> 0 these tend to 1 and 0
   for mu > 0 and to 0 and 1 for mu = 0: M tends to the projector ``Pi_T``
   onto span(B_T), and ``e_O`` to ``||S (I - Pi_T) b_u||^2``.
6. *Segregated.* The Omega module sees only ``b``: its map is
   ``S B_T B_T^+ = S Pi_T`` and ``e_O(u) = ||S (I - Pi_T) b_u||^2``, the
   c -> 0 limit of item 5. Summed over all P items (the training ones
   contribute 0) this is ``tr(S (I - Pi_T) B B^T (I - Pi_T) S^T) =
   P ||S (I - Pi_T)||^2 = P sum_i dist(e_i, span B_T)^2`` over the selected
   axes e_i, using ``B B^T = P I`` and ``(I - Pi_T)^2 = I - Pi_T``: the
   held-out error vanishes for every u iff every selected axis lies in
   span(B_T) (for n2 = n1: iff the training codes span R^n1).
7. *All items in training.* ``K = P I``: ``e_O(b) = (c / (P + c))^2 ||S b||^2``
   and ``||S b||^2 = n2`` for every code, which is T5's novel-combination
   error ``n2 (k1 r^2 / (P + k1 r^2))^2``.

:func:`derive_heldout` carries out items 3-7 in sympy (matrix symbols of
symbolic shape for the identities, the eigenvalue mu for the functional
calculus) and returns the results for :mod:`proofs` to compare;
:func:`exact_heldout_errors` evaluates the formulas exactly on a concrete
training subset (small n1; sympy rationals and surds).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from theory.architectures import get_architecture
from theory import symbols as s
from theory.dataset import Dataset
from theory.derivation import Derivation
from theory.matrices import exact_codes

__all__ = [
    "c_sym", "mu", "HeldoutDerivation", "derive_heldout", "HeldoutErrors", "exact_heldout_errors",
    "exact_full_training_error", "training_subsets",
]

#: ``c = k1 r^2`` (>= 0) and an eigenvalue ``mu >= 0`` of ``K = B_T B_T^T``.
c_sym = sp.Symbol("c", nonnegative=True)
mu = sp.Symbol("mu", nonnegative=True)
_n, _j = sp.Symbol("n1", integer=True, positive=True), sp.Symbol("j", integer=True, positive=True)


@dataclass(frozen=True)
class HeldoutDerivation:
    """Results of the symbolic argument of the module docstring (items 3-7).

    ``push_through`` is ``(K + cI) B_T - B_T (G + cI)`` after expansion (must
    be the zero matrix); ``gain`` and ``residual`` are the actions of M and
    I - M on an eigenvector of K; ``limits`` maps ``"gain, mu > 0"`` etc. to
    the c -> 0 limits; ``segregated_total`` is the sum over all items of the
    segregated error, reduced; ``full_training_error`` the code-averaged
    compositional error with K = P I, in the dataset symbols.
    """

    push_through: sp.MatrixExpr
    gain: sp.Expr
    residual: sp.Expr
    residual_identity: sp.Expr
    limits: dict[str, sp.Expr]
    segregated_total: sp.Expr
    segregated_target: sp.Expr
    full_training_error: sp.Expr
    derivation: Derivation


def _push_through() -> sp.MatrixExpr:
    B = sp.MatrixSymbol("B_T", _n, _j)
    lhs = (B * B.T + c_sym * sp.Identity(_n)) * B
    rhs = B * (B.T * B + c_sym * sp.Identity(_j))
    return sp.expand(lhs - rhs)


def _collapse_idempotent(expr: sp.Expr, Q: sp.MatrixSymbol) -> sp.Expr:
    """Replace ``Q Q`` by ``Q`` inside every matrix product (Q is idempotent)."""
    def collapse(m: sp.MatMul) -> sp.Expr:
        args: list = []
        for a in m.args:
            if not (a == Q and args and args[-1] == Q):
                args.append(a)
        return sp.MatMul(*args)
    return expr.replace(lambda x: isinstance(x, sp.MatMul), collapse)


def _segregated_total() -> tuple[sp.Expr, sp.Expr]:
    """``sum_b ||S (I - Pi) b||^2 = tr(S (I - Pi) B B^T (I - Pi)^T S^T)`` with B B^T = P I, reduced.

    ``Qperp = I - Pi_T`` is symmetric (``Qperp^T -> Qperp``) and idempotent
    (``Qperp Qperp -> Qperp``). Returns the reduced sum and ``P tr(S Qperp S^T)``.
    """
    S = sp.MatrixSymbol("S", s.n2, _n)
    Q = sp.MatrixSymbol("Qperp", _n, _n)
    total = sp.Trace(S * Q * (s.P * sp.Identity(_n)) * Q.T * S.T).doit()
    reduced = _collapse_idempotent(total.subs(Q.T, Q), Q)
    return reduced, s.P * sp.Trace(S * Q * S.T)


def derive_heldout() -> HeldoutDerivation:
    """Carry out the held-out argument (module docstring, items 3-7) in sympy."""
    push = _push_through()
    gain = mu / (mu + c_sym)  # M = K (K + cI)^-1 on an eigenvector of K
    residual = sp.simplify(1 - gain)
    identity = sp.simplify(residual - c_sym / (mu + c_sym))
    mu_pos = sp.Symbol("mu", positive=True)
    limits = {
        "gain, mu > 0": sp.limit(gain.subs(mu, mu_pos), c_sym, 0, "+"),
        "gain, mu = 0": sp.limit(gain.subs(mu, 0), c_sym, 0, "+"),
        "error factor, mu > 0": sp.limit((residual**2).subs(mu, mu_pos), c_sym, 0, "+"),
        "error factor, mu = 0": sp.limit((residual**2).subs(mu, 0), c_sym, 0, "+"),
    }
    seg_total, seg_target = _segregated_total()
    # All items in training: K = B B^T = P I, so every eigenvalue is P; the mean of ||S b||^2 over codes is
    # tr(S B B^T S^T) / P = tr(S S^T) = n2.
    mean_sq = sp.Trace(sp.Identity(s.n2)).doit()
    full = (residual**2).subs(mu, s.P) * mean_sq
    full = sp.simplify(full.subs(c_sym, s.k1 * s.r**2))
    d = (Derivation("Held-out items: least squares on a training subset")
         .then("Identity parts of a held-out item are orthogonal to the training ones: X_T^T x_u = B_T^T b_u")
         .then("Push-through (K + cI) B_T - B_T (G + cI), expanded", push)
         .then("On an eigenvector of K (eigenvalue mu) M = K (K + cI)^-1 acts as", gain)
         .then("and I - M as", residual)
         .then("so e_O(u) = c^2 ||S (K + cI)^-1 b_u||^2; limits as c -> 0", sp.Tuple(*limits.values()))
         .then("M -> Pi_T (projector onto span B_T) and e_O -> ||S (I - Pi_T) b_u||^2, the segregated error")
         .then("Segregated error summed over all items, with B B^T = P I and (I - Pi_T)^2 = I - Pi_T", seg_total)
         .then("All items in training (K = P I): code-averaged compositional error", full))
    return HeldoutDerivation(push, gain, residual, identity, limits, seg_total, seg_target, full, d)


@dataclass(frozen=True)
class HeldoutErrors:
    """Exact held-out errors of one architecture family on one training subset.

    ``items`` are the held-out item indices; ``omega[i]`` / ``gamma[i]`` the
    squared errors summed over the compositional / identity output units for
    ``items[i]``, as sympy numbers.
    """

    items: tuple[int, ...]
    omega: tuple[sp.Expr, ...]
    gamma: tuple[sp.Expr, ...]


def _training_codes(d: Dataset) -> tuple[sp.Matrix, sp.Matrix]:
    B = exact_codes(d.n1)
    return B, B.extract(list(range(d.n1)), list(d.train_items))


def _selection(d: Dataset) -> sp.Matrix:
    return sp.Matrix(d.n2, d.n1, lambda i, k: int(k == d.selection[i]))


def exact_heldout_errors(d: Dataset, arch: str) -> HeldoutErrors:
    """Held-out errors of ``arch`` on ``d`` (``d.train`` set) from the formulas of T10, exactly.

    Each output block takes the formula of the module that produces it: a
    module that sees the identity inputs with ``c = k1 r^2 > 0`` has the
    least-squares prediction of items 2-4 (dense, shallow, split, and the
    segregated Gamma module); a module that sees only the codes, or any
    module when c = 0, predicts ``S Pi_T b_u`` for the compositional outputs
    (item 6) and ``r E_T B_T^+ b_u`` for the identity outputs.

    With a rational ``c`` (r rational or a surd times a rational) the
    matrices are rational and :func:`_rational_heldout_errors` evaluates the
    same formulas in exact rational arithmetic (sympy's ``DomainMatrix`` over
    QQ, no ``simplify``); otherwise :func:`_symbolic_heldout_errors`.
    """
    modules = get_architecture(arch).modules
    sees_identity = {b: "gamma_x" in m.inputs for m in modules for b in m.outputs}
    c, scale = sp.sympify(d.k1 * d.r**2), sp.sympify(d.k2 * d.r**2)
    if c.is_Rational and scale.is_Rational:
        return _rational_heldout_errors(d, sees_identity, c, scale)
    return _symbolic_heldout_errors(d, sees_identity)


def _rational_heldout_errors(d: Dataset, sees_identity: dict[str, bool], c: sp.Rational,
                             scale: sp.Rational) -> HeldoutErrors:
    """:func:`exact_heldout_errors` for rational ``c = k1 r^2`` and ``k2 r^2``, in exact rationals.

    The same formulas through n1-sized systems: ``Z = (K + cI)^-1 B_held``
    by an exact LU solve; with ``C`` a column basis of span(B_T) (pivot
    columns of B_T), ``Pi_T = C (C^T C)^-1 C^T`` and, for
    ``||B_T^+ b||^2 = b^T (B_T B_T^T)^+ b = b^T K^+ b``,
    ``K^+ = C (C^T K C)^-1 C^T`` (range(K) = span(C); symmetric, and
    ``K K^+ = Pi_T``).
    """
    B = DomainMatrix.from_Matrix(exact_codes(d.n1)).convert_to(QQ)
    rows, held = list(range(d.n1)), list(d.heldout_items)
    BT, Bh = B.extract(rows, list(d.train_items)), B.extract(rows, held)
    K = BT * BT.transpose()
    cq = QQ.from_sympy(c)
    pivots = BT.rref()[1]
    C = BT.extract(rows, list(pivots))
    Ct = C.transpose()
    y = Ct * Bh  # C^T b_u as columns
    proj_h = C * (Ct * C).lu_solve(y)  # Pi_T b_u
    pinv_w = (Ct * K * C).lu_solve(y)  # (C^T K C)^-1 C^T b_u
    Z = (K + DomainMatrix.eye(d.n1, QQ) * cq).lu_solve(Bh) if cq and held else None
    seg = (Bh - proj_h).to_Matrix()
    z, Kz = (Z.to_Matrix(), (K * Z).to_Matrix()) if Z is not None else (None, None)
    yy, pw = y.to_Matrix(), pinv_w.to_Matrix()
    omega, gamma = [], []
    for k in range(len(held)):
        if cq and sees_identity["gamma_y"]:
            w = sum((z[i, k] * Kz[i, k] for i in range(d.n1)), sp.Integer(0))
        else:
            w = sum((yy[i, k] * pw[i, k] for i in range(len(pivots))), sp.Integer(0))
        if cq and sees_identity["omega_y"]:
            omega.append(c**2 * sum((z[i, k] ** 2 for i in d.selection), sp.Integer(0)))
        else:
            omega.append(sum((seg[i, k] ** 2 for i in d.selection), sp.Integer(0)))
        gamma.append(scale * (1 + w))
    return HeldoutErrors(d.heldout_items, tuple(omega), tuple(gamma))


def _symbolic_heldout_errors(d: Dataset, sees_identity: dict[str, bool]) -> HeldoutErrors:
    """:func:`exact_heldout_errors` in sympy matrices with ``simplify`` (c irrational, e.g. r = 1 + sqrt(2))."""
    B, BT = _training_codes(d)
    S = _selection(d)
    c = d.k1 * d.r**2
    pinv = BT.pinv()
    proj = BT * pinv
    omega, gamma = [], []
    held = list(d.heldout_items)
    Bh = B.extract(list(range(d.n1)), held)  # the held-out codes b_u as columns
    # All held-out items at once, in n1-sized products: one exact inverse of K + cI (K = B_T B_T^T), and the
    # squared norms of the j-vectors w through n1 x n1 Gram matrices: ||B_T^T z||^2 = z^T K z and
    # ||B_T^+ b||^2 = b^T (B_T^+)^T B_T^+ b.
    K = BT * BT.T
    Z = (K + c * sp.eye(d.n1)).inv() * Bh if c != 0 and held else None  # columns (K + cI)^-1 b_u
    SZ = S * Z if Z is not None else None
    SEG = S * (Bh - proj * Bh)

    def quadratic(M: sp.Matrix, A: sp.Matrix, k: int) -> sp.Expr:  # m^T A m, m = M[:, k]
        m = M[:, k]
        return sp.Add(*(x * y for x, y in zip(m, A * m)))

    def squares(M: sp.Matrix, k: int) -> sp.Expr:  # ||M[:, k]||^2
        return sp.Add(*(x * x for x in M[:, k]))

    pinv_gram = pinv.T * pinv
    for k in range(len(held)):
        w = quadratic(Z, K, k) if c != 0 and sees_identity["gamma_y"] else quadratic(Bh, pinv_gram, k)
        e_omega = c**2 * squares(SZ, k) if c != 0 and sees_identity["omega_y"] else squares(SEG, k)
        omega.append(sp.simplify(e_omega))
        gamma.append(sp.simplify(d.k2 * d.r**2 * (1 + w)))
    return HeldoutErrors(d.heldout_items, tuple(omega), tuple(gamma))


def exact_full_training_error(d: Dataset) -> sp.Expr:
    """Mean over all P codes of ``c^2 ||S (K + cI)^-1 b||^2`` with every item in training (K = B B^T built from the codes)."""
    B = exact_codes(d.n1)
    S = _selection(d)
    c = d.k1 * d.r**2
    if c == 0:
        return sp.Integer(0)
    Z = S * (B * B.T + c * sp.eye(d.n1)).inv() * B  # column u is S (K + cI)^-1 b_u
    total = sum(z**2 for z in Z)
    return sp.simplify(c**2 * total / d.P)


def training_subsets(d: Dataset) -> tuple[tuple[int, ...], ...]:
    """Training subsets a certificate uses on ``d``: degenerate ones first, then random ones.

    * rank-deficient: items 0 and P - 1 (a code and its negative, rank 1);
    * ``j = n1`` items drawn at random (spanning or not);
    * ``j = P - 1``: all but the last item;
    * a random size in ``[1, P - 1]``.
    Every subset leaves at least one item out. Draws use ``random.Random``
    seeded by ``zlib.crc32`` of the dataset's parameters, so they are reproducible.
    """
    P = d.P
    rng = random.Random(zlib.crc32(repr(sorted(d.as_dict().items())).encode()))
    out = []
    if P - 1 >= 2:
        out.append((0, P - 1))
    out.append(tuple(sorted(rng.sample(range(P), min(d.n1, P - 1)))))
    out.append(tuple(range(P - 1)))
    out.append(tuple(sorted(rng.sample(range(P), rng.randint(1, P - 1)))))
    return tuple(dict.fromkeys(out))
