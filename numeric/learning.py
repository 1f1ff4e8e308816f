"""Learning rules: how one module's layers change in one step, from its statistics.

A learning rule is data, not a subclass: a :class:`LearningRule` holds a pure
function ``step(stats, params, lr) -> params`` and says whether it keeps the
weights' rows in the span of the data (which lets the simulator run in reduced
coordinates, see ``numeric.simulate``). The simulator calls the rule once per
module per step on every network of a batch at once.

The contract of ``step``
------------------------
``stats`` : :class:`ModuleStats`
    The module's statistics in its (reduced) coordinates, each with the batch
    axis first: ``Sx`` (B, p, p) ``= X X^T / n``, ``Syx`` (B, q, p) ``= Y X^T / n``,
    ``Syy`` (B, q, q) ``= Y Y^T / n`` over the n training items (leading axis 1
    instead of B when the networks share a dataset). Any rule
    written with the items can be written with these: e.g. ``H X^T = n W1 Sx``
    for ``H = W1 X``, and ``Yhat Yhat^T = n W Sx W^T``.
``params`` : tuple of L arrays
    ``(W_1, ..., W_L)``, ``W_l`` of shape (B, n_l, n_{l-1}) with ``n_0 = p`` and
    ``n_L = q``; the module's map is ``W_L ... W_1``.
``lr`` : array broadcastable to (B, 1, 1)
    Step size of each network.
Returns the new ``params`` (same shapes), without modifying the inputs.

Every array may also come without the batch axis (one network, 2-D arrays,
``lr`` a float): the simulator's fast path for a single network. Rules must
therefore index the last two axes only (``.mT``, ``@``).

The optional ``step_into``
--------------------------
``step_into(stats, params, lr, out, work) -> out`` computes the same step but
writes the new layers into ``out`` (preallocated arrays of the same shapes,
not overlapping ``params``) and keeps its temporaries in ``work``, a dict owned
by the caller that is passed again at every step of one run (the statistics
and ``lr`` do not change during a run). The simulator uses it when present:
fresh arrays of a few hundred kilobytes per step cost more than the products
themselves (each is a new mapping of zeroed pages), see
benchmarks/bench_simulate.py.

:data:`GRADIENT_DESCENT` is the default. Rules of other kinds (Hebbian terms,
docs/theory.md section 9) are further :class:`LearningRule` values built the same
way, e.g. ``LearningRule("oja", partial(my_step, nu=0.1), keeps_data_span=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["ModuleStats", "Params", "LearningRule", "gradient_descent_step", "gradient_descent_step_into",
           "scaled_map_scale", "GRADIENT_DESCENT", "map_of"]

#: The layers ``(W_1, ..., W_L)`` of one module, each (B, n_l, n_{l-1}) or 2-D for one network.
Params = tuple[np.ndarray, ...]


class ModuleStats(NamedTuple):
    """Statistics of one module: ``Sx`` (B, p, p), ``Syx`` (B, q, p), ``Syy`` (B, q, q)."""

    Sx: np.ndarray
    Syx: np.ndarray
    Syy: np.ndarray


@dataclass(frozen=True)
class LearningRule:
    """A named learning rule ``step(stats, params, lr) -> params`` (module docstring).

    ``keeps_data_span``: the rule moves the first layer's rows only within the
    span of the inputs' data (and the last layer's columns within the span of
    the outputs and of the current map), so parts of the initial weights
    outside those spans stay frozen and the simulator may run in reduced
    coordinates. Gradient descent does; a rule that does not is simulated in
    the full input and output spaces whenever the initial weights have parts
    outside the spans (random initialization).
    """

    name: str
    step: Callable[[ModuleStats, Params, np.ndarray], Params]
    keeps_data_span: bool = True
    step_into: Callable[[ModuleStats, Params, np.ndarray, Params, dict], Params] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"rule name must be a non-empty string; got {self.name!r}")
        if not callable(self.step):
            raise ValueError(f"rule step must be callable(stats, params, lr); got {self.step!r}")
        if self.step_into is not None and not callable(self.step_into):
            raise ValueError(f"rule step_into must be None or callable(stats, params, lr, out, work); "
                             f"got {self.step_into!r}")


def map_of(params: Params) -> np.ndarray:
    """The module's map ``W_L ... W_1``, shape (B, q, p) (or (q, p) for one network)."""
    out = params[0]
    for W in params[1:]:
        out = W @ out
    return out


def gradient_descent_step(stats: ModuleStats, params: Params, lr: np.ndarray | float) -> Params:
    """One full-batch gradient-descent step on ``(1/2n) sum ||y - W_L ... W_1 x||^2``.

    With ``E = Syx - W Sx`` (``W`` the product), the gradient of the loss with
    respect to ``W_l`` is ``-S_l^T E P_{l-1}^T``, where ``S_l = W_L ... W_{l+1}``
    and ``P_{l-1} = W_{l-1} ... W_1`` (empty products are identities). The
    prefixes are built once from the right, the suffix factors ``S_l^T E``
    once from the left, so a step costs ``O(L)`` matrix products; for L = 2 it
    is exactly ``W1 += eta W2^T E``, ``W2 += eta E W1^T``. All layers use the
    weights before the step (simultaneous update).
    """
    depth = len(params)
    prefix = [params[0]]  # prefix[l] = W_{l+1} ... W_1 (0-based), for l < depth - 1
    for W in params[1:-1]:
        prefix.append(W @ prefix[-1])
    top = prefix[-1] @ stats.Sx
    if depth > 1:
        top = params[-1] @ top
    scaled = lr * (stats.Syx - top)  # eta E, (B, q, p)
    new: list[np.ndarray] = [params[0]] * depth
    back = scaled  # eta S_l^T E for the current layer
    for layer in range(depth - 1, 0, -1):
        W = params[layer]
        new[layer] = W + back @ prefix[layer - 1].mT
        back = W.mT @ back
    new[0] = params[0] + back
    return tuple(new)


def _shared_diagonal(S: np.ndarray) -> np.ndarray | None:
    """The diagonals (..., 1, p) of S (..., p, p) when its off-diagonal entries are exact zeros, else None.

    Then ``A @ S`` equals ``A * diag(S)`` entry for entry (each entry of the
    product is one term plus exact zeros), at p times fewer operations.
    """
    d = np.diagonal(S, axis1=-2, axis2=-1)[..., None, :]  # (..., 1, p): scales the columns
    return d.copy() if np.count_nonzero(S) == np.count_nonzero(d) else None


class _Plan(NamedTuple):
    """Scratch arrays and prepared statistics of :func:`gradient_descent_step_into` for one run."""

    prefix: list[np.ndarray]  # W_{l+1} ... W_1 for l = 1 .. L-2
    top: np.ndarray  # P_{L-1} Sx, then (depth 1) eta E
    E: np.ndarray  # eta E
    grads: list[np.ndarray | None]
    backs: list[np.ndarray | None]
    lr_diag: np.ndarray | None  # eta diag(Sx) repeated in every row of top, when Sx is diagonal, else None
    lr_sx: np.ndarray | None  # eta Sx when it is not diagonal, else None
    lr_syx: np.ndarray  # eta Syx


def _plan(stats: ModuleStats, params: Params, lr: np.ndarray | float, scratch: dict | None = None) -> _Plan:
    """Scratch arrays, taken from ``scratch`` (by role and shape) when given, and eta folded into the statistics."""
    pool = {} if scratch is None else scratch

    def empty(role: str, shape: tuple[int, ...]) -> np.ndarray:
        return pool.setdefault((role, shape), np.empty(shape))

    lead, p = params[0].shape[:-2], params[0].shape[-1]
    prefix = [empty(f"prefix{i}", lead + (W.shape[-2], p)) for i, W in enumerate(params[1:-1])]
    top = empty("top", prefix[-1].shape if prefix else params[0].shape)
    E = top if len(params) == 1 else empty("E", lead + stats.Syx.shape[-2:])
    grads = [None] + [empty(f"grad{i}", W.shape) for i, W in enumerate(params[1:])]
    backs = [None] + [empty(f"back{i}", lead + (W.shape[-1], p)) for i, W in enumerate(params[1:])]
    lr = _one_rate(lr)
    diag = _shared_diagonal(stats.Sx)
    if diag is None:
        return _Plan(prefix, top, E, grads, backs, None, lr * stats.Sx, lr * stats.Syx)
    # the column scaling as a whole array of the product's shape: multiplying by a broadcast row runs
    # numpy's loop once per row, 1.7-2.5x slower than one pass (32 x 32 to 128 x 128, one or 16 networks)
    scale = np.ascontiguousarray(np.broadcast_to(lr * diag, top.shape))
    return _Plan(prefix, top, E, grads, backs, scale, None, lr * stats.Syx)


def _one_rate(lr: np.ndarray | float) -> np.ndarray | float:
    """``lr`` as one number when every network has the same (no per-network copies of eta Sx)."""
    values = np.asarray(lr)
    return float(values.flat[0]) if values.size and np.all(values == values.flat[0]) else lr


def _compile(stats: ModuleStats, params: Params, lr: np.ndarray | float,
             scratch: dict | None = None) -> Callable[[Params, Params], Params]:
    """The step of :func:`gradient_descent_step_into` for one run, as a closure over its plan.

    One network (2-D layers) multiplies with ``np.dot``, a batch with
    ``np.matmul``; outputs are passed positionally. At the sizes of one small
    network the step is a handful of tiny products, and the call overhead of
    numpy, not the arithmetic, sets its time (``np.dot`` with ``out`` measured
    1.2-1.4x faster than ``np.matmul`` with ``out=`` on 4 x 4 to 16 x 34).
    Depth 2 with a diagonal Sx, the common case, is written out.
    """
    plan = _plan(stats, params, lr, scratch)
    mm = np.dot if params[0].ndim == 2 else np.matmul
    mul, sub, add = np.multiply, np.subtract, np.add
    depth, top, E, grads, backs = len(params), plan.top, plan.E, plan.grads, plan.backs
    lr_diag, lr_sx, lr_syx = plan.lr_diag, plan.lr_sx, plan.lr_syx
    if depth == 2 and lr_diag is not None:
        g2, b1 = grads[1], backs[1]

        def step2(params: Params, out: Params) -> Params:
            W1, W2 = params
            mul(W1, lr_diag, top)
            P = out[2] if len(out) == 3 else E  # the scaled map, kept in out[2] when wanted (scaled_map_scale)
            mm(W2, top, P)
            sub(lr_syx, P, E)  # eta E = eta Syx - W2 W1 (eta diag Sx)
            mm(E, W1.mT, g2)
            add(W2, g2, out[1])
            mm(W2.mT, E, b1)
            add(W1, b1, out[0])
            return out

        return step2
    def step(params: Params, out: Params) -> Params:
        prefix = [params[0]]
        for W, buf in zip(params[1:-1], plan.prefix):
            prefix.append(mm(W, prefix[-1], buf))
        P = prefix[-1]
        if lr_diag is not None:
            mul(P, lr_diag, top)
        else:  # network by network (broadcast), so a network's bits do not depend on its batch
            mm(P, lr_sx, top)
        if depth > 1:
            mm(params[-1], top, E)
        sub(lr_syx, E, E)  # eta E = eta Syx - W_L P (eta Sx)
        back = E
        for layer in range(depth - 1, 0, -1):
            W = params[layer]
            mm(back, prefix[layer - 1].mT, grads[layer])
            add(W, grads[layer], out[layer])
            back = mm(W.mT, back, backs[layer])
        add(params[0], back, out[0])
        return out

    return step


def scaled_map_scale(stats: ModuleStats, params: Params, lr: np.ndarray | float) -> np.ndarray | None:
    """``eta diag(Sx)`` as a row (..., 1, p) where :func:`gradient_descent_step_into` can also give the map, else None.

    For two layers and an Sx with exact zeros off its diagonal, the step
    multiplies ``W2 (W1 eta Sx)``, the module's map with its column j scaled by
    ``eta Sx_jj``; given one array more in ``out`` (shaped like ``Syx``) it
    writes that product there, so a caller that wants the map of the state it
    steps from (the simulator's mode strengths and checkpoints) divides its
    columns by this row instead of multiplying the layers again. The weights
    are the same bits either way.
    """
    if len(params) != 2:
        return None
    diag = _shared_diagonal(stats.Sx)
    return None if diag is None else lr * diag


def gradient_descent_step_into(stats: ModuleStats, params: Params, lr: np.ndarray | float, out: Params,
                               work: dict) -> Params:
    """:func:`gradient_descent_step` writing into ``out``, its scratch arrays kept in ``work`` (module docstring).

    The same products in the same order, with eta folded into the statistics
    (``eta E = eta Syx - W (eta Sx)``: equal to the pure step up to the
    rounding of one product, with fewer passes over the arrays). An ``Sx``
    with exact zeros off its diagonal is applied as a column scaling, which
    gives the same bits as the product with ``eta Sx`` (each entry is one
    term plus exact zeros), so a network's bits do not depend on whether the
    other networks of its batch have a diagonal Sx. ``work`` must belong to
    one run: its arrays are shaped for ``params`` and it keeps eta and the
    statistics of the first call (:func:`_compile`). ``out`` may hold one array
    more, for the scaled map (:func:`scaled_map_scale`). ``work["scratch"]``,
    when the caller puts it there, is a dict of temporaries shared with the
    ``work`` of other calls that never run concurrently (the networks of a
    batch stepped one after another): one set of temporaries stays in cache.
    """
    step = work.get("step")
    if step is None:
        step = work["step"] = _compile(stats, params, lr, work.get("scratch"))
    return step(params, out)


#: Full-batch gradient descent on the squared loss (the rule of docs/theory.md section 3).
GRADIENT_DESCENT = LearningRule("gradient descent", gradient_descent_step, keeps_data_span=True,
                                step_into=gradient_descent_step_into)
