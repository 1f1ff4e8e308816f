"""Reduction of the dataset statistics to one-item channels.

The item space R^P has an orthonormal basis adapted to the codes:

* ``w_j = B^T e_j / sqrt(P)`` for each code feature j (the rows of B), and
* unit vectors ``q`` orthogonal to the rows of B (``P - n1`` of them).

Because ``Sx = X (sum_w w w^T) X^T / P`` and ``Syx = Y (sum_w w w^T) X^T / P``
for any orthonormal basis {w}, the statistics are sums of rank-one terms
``(Y w)(X w)^T / P``, one per basis vector. The images ``X w`` and ``Y w`` are
derived here from the dataset definition

    x_i = [b_i ; r e_i ; ... ; r e_i],  y_i = [S b_i ; r e_i ; ... ; r e_i]

using only the block relations ``B B^T = P I`` and ``B^T B = P Pi`` (both
proved in :func:`block_relations`). Each image has one coordinate per block,
along a unit vector of that block (``e_j``, ``S e_j`` or ``u_k (x) w`` where
``u_k = 1_k / sqrt(k)``); images of different basis vectors are orthogonal
within every block. That is what makes the spectrum, the dynamics and the
block norms computable for symbolic n1.

A :class:`Channel` groups the basis vectors whose images are alike: selected
features (mode ``pi1``), unselected features (``pi2``) and the complement of
the rows of B (``pi3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from theory import symbols as s
from theory.derivation import Derivation

__all__ = ["Channel", "CHANNEL_NAMES", "channels", "block_relations", "frobenius_norms_sq"]

#: Channel names, in the order of the dense network's modes pi1 > pi2 > pi3.
CHANNEL_NAMES = ("pi1", "pi2", "pi3")


@dataclass(frozen=True)
class Channel:
    """One family of item-space basis vectors with identical block images.

    Attributes
    ----------
    name : str
        ``"pi1"`` (selected feature), ``"pi2"`` (unselected feature) or
        ``"pi3"`` (complement of the rows of B).
    item_vector : str
        The item-space unit vector w, in words.
    multiplicity : sympy.Expr
        How many orthonormal w the channel holds (n2, n1 - n2, P - n1).
    x : dict
        Coordinates of ``X w`` along the unit vector of each input block.
    y : dict
        Coordinates of ``Y w`` along the unit vector of each output block.
    block_units : dict
        The unit vector of each block that the coordinates refer to, in words.
    """

    name: str
    item_vector: str
    multiplicity: sp.Expr
    x: dict
    y: dict
    block_units: dict

    def x_vector(self, blocks: tuple[str, ...]) -> sp.Matrix:
        """Column of the input coordinates restricted to ``blocks``."""
        return sp.Matrix([self.x[b] for b in blocks])

    def y_vector(self, blocks: tuple[str, ...]) -> sp.Matrix:
        """Column of the output coordinates restricted to ``blocks``."""
        return sp.Matrix([self.y[b] for b in blocks])


@cache
def block_relations() -> Derivation:
    """Prove ``B B^T = P I_n1`` for symbolic n1 by counting codes.

    Entry (j, l) of ``B B^T`` sums ``b_j b_l`` over all ``2**n1`` codes. For
    ``j != l`` the pair (b_j, b_l) runs over {-1, 1}^2, each pair occurring
    ``2**(n1 - 2)`` times; for ``j == l`` the sum is of ``b_j**2 = 1``.
    ``B^T B = P Pi`` follows: ``(B^T B)^2 = B^T (B B^T) B = P B^T B``, so
    ``B^T B / P`` is idempotent and symmetric with the row space of B as range.
    """
    signs = (-1, 1)
    off = sp.Add(*[bj * bl for bj in signs for bl in signs]) * 2 ** (s.n1 - 2)
    diag = sp.Mul(sp.Add(*[bj**2 for bj in signs], evaluate=False), 2 ** (s.n1 - 1), evaluate=False)
    if off != 0 or sp.simplify(diag.doit() - 2**s.n1) != 0:
        raise AssertionError("block relation B B^T = P I failed")
    return (
        Derivation("Block relations of the code matrix B")
        .then("Off-diagonal entry of B B^T: sum over codes of b_j b_l", off)
        .then("Diagonal entry of B B^T: sum over codes of b_j^2 = P", sp.Eq(diag, 2**s.n1))
        .then("Hence B B^T = P I_n1 and (B^T B)^2 = P B^T B, so B^T B = P Pi")
    )


def _image(op: str, k: sp.Expr, direction: str, selected: bool) -> sp.Expr:
    """Coordinate of ``op w`` along its block's unit vector, from the relations.

    ``op`` is one block of the dataset definition: ``"B"`` (rows b_i),
    ``"SB"`` (rows S b_i) or ``"copies"`` (k stacked copies of r e_i).
    """
    if op == "copies":
        # r (1_k (x) w) = r sqrt(k) (u_k (x) w), with u_k = 1_k / sqrt(k) unit.
        return s.r * sp.sqrt(k)
    if direction == "q":
        # B q = 0: |B q|^2 = q^T B^T B q = P q^T Pi q = 0.
        return sp.Integer(0)
    # B w_j = B B^T e_j / sqrt(P) = sqrt(P) e_j; S e_j = e'_j if selected else 0.
    if op == "B" or selected:
        return sp.sqrt(s.P)
    return sp.Integer(0)


#: The dataset definition of THEORY.md section 1, block by block.
_X_DEFINITION = {"omega_x": ("B", None), "gamma_x": ("copies", s.k1)}
_Y_DEFINITION = {"omega_y": ("SB", None), "gamma_y": ("copies", s.k2)}

_ITEM_VECTORS = {
    "pi1": ("w_j = B^T e_j / sqrt(P), feature j selected by S", "w", True, s.n2),
    "pi2": ("w_j = B^T e_j / sqrt(P), feature j not selected", "w", False, s.n1 - s.n2),
    "pi3": ("unit q orthogonal to the rows of B", "q", False, s.P - s.n1),
}


@cache
def channels() -> tuple[Channel, ...]:
    """Derive the three channels from the dataset definition (symbolic)."""
    out = []
    for name, (words, direction, selected, mult) in _ITEM_VECTORS.items():
        x = {b: _image(op, k, direction, selected) for b, (op, k) in _X_DEFINITION.items()}
        y = {b: _image(op, k, direction, selected) for b, (op, k) in _Y_DEFINITION.items()}
        units = {
            "omega_x": "e_j" if direction == "w" else "-",
            "gamma_x": "u_k1 (x) w",
            "omega_y": "S e_j" if selected else "-",
            "gamma_y": "u_k2 (x) w",
        }
        out.append(Channel(name, words, mult, x, y, units))
    return tuple(out)


@cache
def frobenius_norms_sq() -> dict[str, sp.Expr]:
    """``||Sx||^2`` and ``||Syx||^2`` straight from the block definition.

    Computed block by block without the channel reduction (so it is an
    independent check of completeness): ``||B||^2 = tr(B B^T) = n1 P``,
    ``||S B||^2 = n2 P``, ``||I_P||^2 = P``, a k-fold stack multiplies by k.
    """
    B2, SB2, I2 = s.n1 * s.P, s.n2 * s.P, s.P
    # Sx = [[B B^T, r B (1^T (x) I)], [r (1 (x) I) B^T, r^2 (1 1^T (x) I)]] / P
    sx = (s.P**2 * s.n1 + 2 * s.k1 * s.r**2 * B2 + s.k1**2 * s.r**4 * I2) / s.P**2
    # Syx = [[S B B^T, r S B (1^T (x) I)], [r (1 (x) I) B^T, r^2 (1 1^T (x) I)]] / P
    syx = (s.P**2 * s.n2 + s.k1 * s.r**2 * SB2 + s.k2 * s.r**2 * B2 + s.k1 * s.k2 * s.r**4 * I2) / s.P**2
    return {"Sx": sp.expand(sx), "Syx": sp.expand(syx)}
