"""Reduction of the dataset statistics to one-item channels.

The item space R^P has an orthonormal basis adapted to the codes:

* ``w_j = B^T e_j / sqrt(P)`` for each code feature j (the rows of B), and
* unit vectors ``q`` orthogonal to the rows of B (``P - n1`` of them).

Because ``Sx = X (sum_w w w^T) X^T / P`` and ``Syx = Y (sum_w w w^T) X^T / P``
for any orthonormal basis {w}, the statistics are sums of rank-one terms
``(Y w)(X w)^T / P``, one per basis vector. The images ``X w`` and ``Y w`` are
derived here from the dataset definition

    x_i = [b_i ; r e_i ; ... ; r e_i],  y_i = [S b_i ; r e_i ; ... ; r e_i]

by reducing block products of matrix symbols with only these relations:
``B B^T = P I`` and ``B^T B = P Pi`` (proved in :func:`block_relations`),
hence ``B q = 0`` for q orthogonal to the rows of B; the readout relation
``R v = s u`` (the selection S has ``S e_j = e'_j`` for a selected feature, 0
otherwise); orthonormality of the unit vectors; and the mixed-product rule
for the k stacked copies, ``(1_k (x) I) w = sqrt(k) (u_k (x) w)`` with
``u_k = 1_k / sqrt(k)``. The derivation shows that each image has one
coordinate per block, along a unit vector of that block (``|image|^2`` equals
the squared coordinate), and that images of distinct basis vectors are
orthogonal in every block. Multiplicities are traces of projectors
(``tr(S^T S) = tr(S S^T) = n2``, ``tr(I - B^T B / P) = P - n1``). That is what
makes the spectrum, the dynamics and the block norms computable for symbolic n1.

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
from theory.persist import persistent

__all__ = [
    "Channel", "ChannelSpec", "CHANNEL_NAMES", "SELECTION_CHANNELS", "channels", "channel_derivation",
    "derive_channels", "RELATION_SYMBOLS", "block_relations", "frobenius_norms_sq", "readout_scale",
]

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


# ----------------------------------------------------------------------------- block algebra
#: The code matrix, a readout of the code features (S for the selection family) and the item vectors.
B = sp.MatrixSymbol("B", s.n1, s.P)
R = sp.MatrixSymbol("R", s.n2, s.n1)
#: Unit code directions v, v' (orthogonal), their unit readout images u, u', and unit q, q' with B q = 0.
_v, _v2 = sp.MatrixSymbol("v", s.n1, 1), sp.MatrixSymbol("v'", s.n1, 1)
_u, _u2 = sp.MatrixSymbol("u", s.n2, 1), sp.MatrixSymbol("u'", s.n2, 1)
_q, _q2 = sp.MatrixSymbol("q", s.P, 1), sp.MatrixSymbol("q'", s.P, 1)
#: Scale of the readout along a code direction: R v = s u (s = 1 selected, 0 unselected).
readout_scale = sp.Symbol("s", nonnegative=True)
_s2 = sp.Symbol("s'", nonnegative=True)
_Pi = sp.MatrixSymbol("Pi", s.P, s.P)
#: The symbols relations are stated in, by name (for tests that override one relation).
RELATION_SYMBOLS = {"B": B, "R": R, "v": _v, "v'": _v2, "u": _u, "u'": _u2, "q": _q, "q'": _q2, "Pi": _Pi}


def _relations(sv: sp.Expr, sv2: sp.Expr) -> dict:
    """The only facts the reduction uses: adjacent factors (X, Y) -> (scalar, replacement factors)."""
    zero = (sp.Integer(0), ())
    rules = {
        (B, B.T): (s.P, ()),                          # B B^T = P I (block_relations)
        (B.T, B): (s.P, (_Pi,)),                      # B^T B = P Pi
        (_Pi, _q): zero, (_Pi, _q2): zero,            # q orthogonal to the rows of B
        (B, _q): zero, (B, _q2): zero,                # derived from the line above in _complement_fact
        (R, _v): (sv, (_u,)), (R, _v2): (sv2, (_u2,)),  # readout along each code direction
    }
    for a_, b_ in ((_v, _v2), (_u, _u2), (_q, _q2)):  # orthonormal unit vectors
        rules |= {(a_.T, a_): (sp.Integer(1), ()), (b_.T, b_): (sp.Integer(1), ()), (a_.T, b_): zero, (b_.T, a_): zero}
    # each relation also holds transposed
    return rules | {(y.T, x.T): (c, tuple(f.T for f in reversed(fs))) for (x, y), (c, fs) in rules.items()}


def _factors(expr: sp.MatrixExpr) -> tuple[sp.Expr, list]:
    """Scalar coefficient and matrix factors of a product, powers written out."""
    coeff, mats = expr.as_coeff_mmul()
    out: list = []
    for f in mats.args if isinstance(mats, sp.MatMul) else (mats,):
        if isinstance(f, sp.MatPow):
            out += [f.base] * int(f.exp)
        elif isinstance(f, sp.Transpose) and isinstance(f.arg, sp.MatMul):
            c, inner = _factors(f.arg)
            coeff *= c
            out += [g.T for g in reversed(inner)]
        else:
            out.append(f)
    return sp.sympify(coeff), out


def _reduce(expr: sp.MatrixExpr, sv: sp.Expr = readout_scale, sv2: sp.Expr = _s2, extra: dict | None = None,
            ) -> sp.Expr:
    """Rewrite a product of block factors with the relations until no rule applies.

    Returns a scalar when the product is 1 x 1, otherwise the reduced matrix expression.
    ``extra`` overrides relations (tests use it to break one on purpose).
    """
    rules = _relations(sv, sv2) | (extra or {})
    expr = expr.expand()
    if isinstance(expr, sp.MatAdd):  # products distribute over sums
        terms = [_reduce(term, sv, sv2, extra) for term in expr.args]
        return sp.simplify(sp.Add(*terms)) if expr.shape == (1, 1) else sp.MatAdd(*terms).doit()
    coeff, fs = _factors(expr)
    changed = True
    while changed and coeff != 0:
        changed = False
        for i in range(len(fs) - 1):
            if (fs[i], fs[i + 1]) in rules:
                c, rep = rules[(fs[i], fs[i + 1])]
                coeff, fs = coeff * c, fs[:i] + list(rep) + fs[i + 2:]
                changed = True
                break
        if any(isinstance(f, sp.MatAdd) for f in fs):  # a relation introduced a sum
            return _reduce(coeff * sp.MatMul(*fs), sv, sv2, extra)
    coeff = sp.simplify(coeff)
    if expr.shape == (1, 1):
        if fs and coeff != 0:
            raise AssertionError(f"could not reduce {expr} to a scalar: {coeff} * {fs}")
        return coeff
    if coeff == 0:
        return sp.ZeroMatrix(*expr.shape)
    return coeff * sp.MatMul(*fs) if len(fs) > 1 else coeff * fs[0]


def _complement_fact() -> sp.Expr:
    """``|B q|^2 = q^T B^T B q = P q^T Pi q = 0``: so ``B q = 0`` for q orthogonal to the rows of B."""
    rules = {B.T * B: s.P * _Pi, _Pi * _q: sp.ZeroMatrix(s.P, 1)}
    return sp.Matrix((_q.T * B.T * B * _q).subs(rules).doit().as_explicit())[0, 0]


def _trace(expr: sp.MatrixExpr, cyclic: dict) -> sp.Expr:
    """Trace of a projector expression, using linearity and the cyclic swaps in ``cyclic``."""
    t = sp.Trace(expr).doit()
    for _ in range(5):
        swaps = {tr: sp.Trace(cyclic[tr.arg]).doit() for tr in t.atoms(sp.Trace) if tr.arg in cyclic}
        if not swaps:
            break
        t = t.xreplace(swaps)
    return sp.expand(t)


#: Projector relations for the multiplicities: tr(X Y) = tr(Y X), then S S^T = I_n2 and B B^T = P I_n1.
_CYCLIC = {R.T * R: sp.Identity(s.n2), B.T * B: s.P * sp.Identity(s.n1)}


@dataclass(frozen=True)
class ChannelSpec:
    """A family of orthonormal item vectors, as the family defines it.

    ``kind`` is ``"feature"`` (``w = B^T v / sqrt(P)`` for unit code
    directions v with ``R v = readout u``) or ``"complement"`` (unit q
    orthogonal to the rows of B). ``projector`` projects onto the channel's
    code directions (feature) or item vectors (complement); its trace is the
    multiplicity, unless ``multiplicity`` is given (a symbol for families
    whose multiplicities are data, e.g. a general readout).
    """

    name: str
    words: str
    kind: str
    readout: sp.Expr = sp.Integer(0)
    projector: sp.MatrixExpr | None = None
    multiplicity: sp.Expr | None = None


#: The selection family's channels: selected features (R = S, S e_j = e'_j), unselected (S e_j = 0), complement.
SELECTION_CHANNELS = (
    ChannelSpec("pi1", "w_j = B^T e_j / sqrt(P), feature j selected by S", "feature", sp.Integer(1), R.T * R),
    ChannelSpec("pi2", "w_j = B^T e_j / sqrt(P), feature j not selected", "feature", sp.Integer(0),
                sp.Identity(s.n1) - R.T * R),
    ChannelSpec("pi3", "unit q orthogonal to the rows of B", "complement", sp.Integer(0),
                sp.Identity(s.P) - B.T * B / s.P),
)


def _item(kind: str, second: bool = False) -> sp.MatrixExpr:
    if kind == "feature":
        return B.T * (_v2 if second else _v) / sp.sqrt(s.P)
    return _q2 if second else _q


#: The dataset definition of docs/theory.md section 1, block by block: a linear block ``op w`` or k copies of ``r w``.
_X_DEFINITION = {"omega_x": ("linear", B), "gamma_x": ("copies", s.k1)}
_Y_DEFINITION = {"omega_y": ("linear", R * B), "gamma_y": ("copies", s.k2)}
_UNITS = {"omega_x": (_v, "v"), "omega_y": (_u, "u")}


def _block_image(block: str, spec: ChannelSpec, d: Derivation, extra: dict) -> tuple[sp.Expr, Derivation]:
    """Coordinate of the block image of w along the block's unit vector, with its proof steps.

    A linear block gives ``op w``, reduced by the relations; the coordinate is
    its product with the unit vector, and ``|op w|^2 = coordinate^2`` shows the
    image has no other component. A block of k copies gives ``r (1_k (x) w)``
    = ``r sqrt(k) (u_k (x) w)`` by the mixed-product rule, with ``u_k = 1_k/sqrt(k)``
    and ``w^T w`` reduced by the relations.
    """
    how, op = (_X_DEFINITION | _Y_DEFINITION)[block]
    w = _item(spec.kind)
    sv = spec.readout
    if how == "copies":
        ww = _reduce(w.T * w, sv, extra=extra)
        ones = sp.Matrix((sp.OneMatrix(op, 1).T * sp.OneMatrix(op, 1)).doit().as_explicit())[0, 0]
        coord = sp.simplify(s.r * ones / sp.sqrt(op) * ww)
        norm2 = sp.simplify(s.r**2 * ones * ww)
        d = d.then(f"{block}: r (1_{op} (x) w), w^T w = {ww}; along u_{op} (x) w the coordinate is", coord)
    else:
        image = _reduce(op * w, sv, extra=extra)
        unit, uname = _UNITS[block]
        zero = isinstance(image, sp.ZeroMatrix)
        coord = sp.Integer(0) if zero else _reduce(unit.T * image, sv, extra=extra)
        norm2 = sp.Integer(0) if zero else _reduce(image.T * image, sv, extra=extra)
        d = d.then(f"{block}: {op} w reduces to {image}; coordinate along {uname}", coord)
    if sp.simplify(norm2 - coord**2) != 0:
        raise AssertionError(f"channel {spec.name}, block {block}: image is not along the block's unit vector")
    return coord, d


def _orthogonal_images(a: ChannelSpec, b: ChannelSpec, extra: dict) -> bool:
    """Images of two distinct basis vectors (from channels a and b) are orthogonal in every block."""
    w1, w2 = _item(a.kind), _item(b.kind, second=True)
    for block, (how, op) in (_X_DEFINITION | _Y_DEFINITION).items():
        inner = w1.T * w2 if how == "copies" else (op * w1).T * (op * w2)
        if _reduce(inner, a.readout, b.readout, extra) != 0:
            return False
    return True


def derive_channels(specs: tuple[ChannelSpec, ...], *, overrides: dict | None = None,
                    ) -> tuple[tuple[Channel, ...], Derivation]:
    """Derive each channel's block images and multiplicity from the dataset definition.

    Uses only ``B B^T = P I``, ``B^T B = P Pi`` (hence ``B q = 0``), the
    readout relation ``R v = s u``, orthonormality of the unit vectors, and
    ``R R^T = I_n2`` for the multiplicities of the selection family.
    ``overrides`` replaces relations (keys: pairs of adjacent factors, see
    :data:`RELATION_SYMBOLS`); it exists so tests can show a broken relation is caught.
    Raises ``AssertionError`` when an image leaves its block's unit vector or
    images of distinct basis vectors are not orthogonal.
    """
    return _derive_channels(specs, tuple(sorted((overrides or {}).items(), key=str)))


@persistent
def _derive_channels(specs: tuple[ChannelSpec, ...], overrides: tuple) -> tuple[tuple[Channel, ...], Derivation]:
    extra = dict(overrides)
    d = Derivation("Channel images from the dataset definition").extend(block_relations())
    zero = _complement_fact()
    if zero != 0:
        raise AssertionError(f"|B q|^2 should vanish for q orthogonal to the rows of B; got {zero}")
    d = d.then("|B q|^2 = q^T B^T B q = P q^T Pi q", zero)
    out = []
    for spec in specs:
        d = d.then(f"channel {spec.name}: {spec.words}" + (f"; R v = {spec.readout} u" if spec.kind == "feature" else ""))
        x, y = {}, {}
        for block in _X_DEFINITION:
            x[block], d = _block_image(block, spec, d, extra)
        for block in _Y_DEFINITION:
            y[block], d = _block_image(block, spec, d, extra)
        if spec.multiplicity is not None:
            mult = spec.multiplicity
        else:
            mult = _trace(spec.projector, _CYCLIC)
            d = d.then(f"multiplicity of {spec.name} = tr({spec.projector})", mult)
        units = {
            "omega_x": "v" if spec.kind == "feature" else "-",
            "gamma_x": "u_k1 (x) w",
            "omega_y": "u (R v = s u)" if y["omega_y"] != 0 else "-",
            "gamma_y": "u_k2 (x) w",
        }
        out.append(Channel(spec.name, spec.words, mult, x, y, units))
    for a in specs:
        for b in specs:
            if not _orthogonal_images(a, b, extra):
                raise AssertionError(f"images of distinct basis vectors of {a.name} and {b.name} are not orthogonal")
    d = d.then("Images of distinct basis vectors (within and across channels) are orthogonal in every block")
    return tuple(out), d


def channels(specs: tuple[ChannelSpec, ...] | None = None) -> tuple[Channel, ...]:
    """Derive the channels of a family (default: the selection family's three) from the dataset definition."""
    return derive_channels(SELECTION_CHANNELS if specs is None else specs)[0]


def channel_derivation(specs: tuple[ChannelSpec, ...] | None = None) -> Derivation:
    """The derivation behind :func:`channels`, for reports and T1's proof."""
    return derive_channels(SELECTION_CHANNELS if specs is None else specs)[1]


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
