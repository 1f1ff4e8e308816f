"""Batched ReLU modules trained by full-batch gradient descent (docs/theory.md section 10, part a).

The linear theory predicts that a module which must also serve the
non-compositional outputs does not generalize to new combinations, and that a
module seeing only its own part of the structure does. This module checks the
prediction with non-linear modules: each module is a multilayer perceptron
with zero or more hidden ReLU layers, and every network of a batch (one per
configuration and seed) advances together as stacked arrays of shape
``(batch, out, in)``. Gradients are written out by hand (backpropagation),
and a test compares them with finite differences.

Layout
------
* :class:`ReluModule` says which input columns a module reads, which output
  rows it writes and the widths of its hidden layers.
* :func:`init_params` draws the weights, :func:`forward` evaluates the
  network, :func:`loss_and_grads` returns the loss and its gradient,
  :func:`step` is one pure update and :func:`fit` the driver loop.
* :func:`family_modules` and :func:`relu_family` apply the engine to the
  dataset family D(n1, n2, k1, k2, r) with the four arrangements of the linear
  theory, optionally on a training subset of the items.

Loss and update
---------------
For targets ``Y`` (B, n_out, N) and predictions ``Yhat`` the loss of each
network is ``L = ||Yhat - Y||^2 / (2N)`` (the linear theory's loss), and one
step is ``v <- momentum v - lr grad``, ``theta <- theta + v`` (plain gradient
descent for ``momentum = 0``, the default).

Measured observables (synthetic family)
---------------------------------------
A ReLU network is not a matrix, so the block norms of section 4 are replaced
by the input-output Jacobian ``J(x) = df/dx`` at the training items; for a
linear network ``J`` is the map itself and the quantities below reduce to the
linear ones.

* ``rho = sqrt(mean_i ||J_GO(x_i)||^2) / sqrt(mean_i ||J_OO(x_i)||^2)``;
* ``novel_error``: mean over all ``P`` codes of ``||f_Omega([b; 0]) - S b||^2``
  (a new item: its identity part never trained, i.e. zero); for a linear map
  ``W`` this is ``||W_OO - S||^2`` because the codes are balanced;
* ``heldout_error``: mean over the items not in the training subset of
  ``||f_Omega(x_u) - S b_u||^2`` with their own identity parts (NaN when every
  item is trained).

Divergence
----------
The loss is checked at least ``_CHECKS`` times per run. A non-finite loss, or a
loss above ``_BLOWUP`` times its initial value, raises
:class:`ReluDivergenceError` (an ``ArithmeticError``: the command line exits
1) naming the step, the network and its learning rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from numeric.checks import check_int, check_lrs, check_number, check_seeds
from numeric.maps import selection_matrix
from numeric.matrices import item_matrices, module_slices
from theory.architectures import ARCHITECTURES, get_architecture
from theory.dataset import Dataset

__all__ = [
    "ReluDivergenceError", "ReluModule", "Layer", "TrainResult", "FamilyResult", "ARRANGEMENTS",
    "init_params", "forward", "loss_and_grads", "step", "fit", "family_modules", "relu_family",
    "check_hidden", "check_lrs", "check_seeds", "check_items",
]

#: Arrangements of the synthetic family (the architectures of the linear theory).
ARRANGEMENTS = tuple(ARCHITECTURES)
#: Loss growth that counts as divergence. Gradient descent below its stability
#: threshold does not increase the loss at all in the small-step limit; a
#: millionfold increase is far outside any transient and precedes overflow.
_BLOWUP = 1e6
#: Minimum number of divergence checks (and progress calls) in one run.
_CHECKS = 32


class ReluDivergenceError(FloatingPointError):
    """Training diverged: non-finite loss or a loss that grew by more than ``_BLOWUP``."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ReluModule:
    """One module: reads input rows ``cols``, writes output rows ``rows``, hidden ReLU widths ``hidden``.

    ``hidden = ()`` is a single linear layer; ``(h,)`` one hidden ReLU layer of
    width h; ``(h1, h2)`` two; and so on.
    """

    name: str
    cols: tuple[int, ...]
    rows: tuple[int, ...]
    hidden: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.cols or not self.rows:
            raise ValueError(f"module {self.name!r} must read >= 1 input and write >= 1 output")
        check_hidden(self.hidden)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer sizes from input to output."""
        return (len(self.cols), *self.hidden, len(self.rows))


@dataclass(frozen=True)
class Layer:
    """Weights of one layer of every network: ``W`` (B, out, in), ``b`` (B, out, 1)."""

    W: np.ndarray
    b: np.ndarray


Params = tuple[tuple[Layer, ...], ...]


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`fit`: final parameters and the loss at checkpoints.

    ``t`` (n_ckpt,) step counts; ``loss`` (B, n_ckpt).
    """

    params: Params
    t: np.ndarray
    loss: np.ndarray


@dataclass(frozen=True)
class FamilyResult:
    """Measured observables of ReLU networks on the synthetic family, one value per network.

    Batch order ``b = (i_dataset * len(lr) + i_lr) * len(seeds) + i_seed``.
    All arrays have shape (B,) except ``loss`` (B, n_ckpt).
    """

    arch: str
    hidden: tuple[int, ...]
    datasets: tuple[Dataset, ...]
    lr: np.ndarray
    seeds: tuple[int, ...]
    train_items: tuple[int, ...]
    t: np.ndarray
    loss: np.ndarray
    rho: np.ndarray
    novel_error: np.ndarray
    heldout_error: np.ndarray
    params: Params


# --------------------------------------------------------------------------- validation


def check_hidden(hidden: object) -> tuple[int, ...]:
    """Hidden widths as a tuple of ints >= 1 (an int h means ``(h,)``)."""
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    try:
        values = tuple(hidden)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"hidden must be a width >= 1 or a sequence of them; got {hidden!r}") from None
    if any(isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in values):
        raise ValueError(f"hidden must be a width >= 1 or a sequence of them; got {hidden!r}")
    return tuple(int(h) for h in values)


def check_items(train: object, P: int) -> tuple[int, ...]:
    """Training item indices: distinct, increasing, in ``[0, P)``, at least one (None means all)."""
    if train is None:
        return tuple(range(P))
    try:
        items = tuple(train)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"train must be a sequence of item indices in [0, {P - 1}]; got {train!r}") from None
    if (not items or any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < P for i in items)
            or len(set(items)) != len(items)):
        raise ValueError(f"train must be a non-empty sequence of distinct item indices in [0, {P - 1}]; got {train!r}")
    return tuple(sorted(int(i) for i in items))


# --------------------------------------------------------------------------- engine


def init_params(
    modules: Sequence[ReluModule], seeds: Sequence[int], *, init_scale: float = 1.0, dtype: type = np.float64,
) -> Params:
    """He-scaled Gaussian weights (std ``init_scale * sqrt(2 / fan_in)``), zero biases, of ``dtype``.

    Network ``b`` draws from ``numpy.random.default_rng(seeds[b])``, module by
    module and layer by layer, so a seed gives the same weights in any batch.
    """
    rngs = [np.random.default_rng(s) for s in seeds]
    params = []
    for m in modules:
        layers = []
        for fan_in, fan_out in zip(m.sizes[:-1], m.sizes[1:]):
            std = init_scale * math.sqrt(2.0 / fan_in)
            W = np.stack([rng.normal(0.0, std, (fan_out, fan_in)) for rng in rngs]).astype(dtype)
            layers.append(Layer(W, np.zeros((len(rngs), fan_out, 1), dtype=dtype)))
        params.append(tuple(layers))
    return tuple(params)


def _module_forward(layers: tuple[Layer, ...], x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Output (B, out, N) and the input of every layer (post-activation), for backprop."""
    inputs = [x]
    h = x
    for i, layer in enumerate(layers):
        z = layer.W @ h + layer.b
        h = np.maximum(z, 0.0) if i < len(layers) - 1 else z
        inputs.append(h)
    return h, inputs[:-1]


def forward(modules: Sequence[ReluModule], params: Params, X: np.ndarray, n_out: int) -> np.ndarray:
    """Network outputs (B, n_out, N) for inputs X (B, n_in, N); rows no module writes are 0."""
    out = np.zeros((X.shape[0], n_out, X.shape[2]))
    for m, layers in zip(modules, params):
        out[:, list(m.rows), :] = _module_forward(layers, X[:, list(m.cols), :])[0]
    return out


def loss_and_grads(
    modules: Sequence[ReluModule], params: Params, X: np.ndarray, Y: np.ndarray,
) -> tuple[np.ndarray, Params]:
    """Loss ``||f(X) - Y||^2 / (2N)`` of each network (B,) and its gradient (same structure as params).

    Backpropagation: with ``delta_L = (f - Y) / N`` at the output and
    ``delta_l = (W_{l+1}^T delta_{l+1}) * [z_l > 0]`` below,
    ``dL/dW_l = delta_l h_{l-1}^T`` and ``dL/db_l = sum over items of delta_l``.
    """
    N = X.shape[2]
    loss = np.zeros(X.shape[0])
    grads = []
    for m, layers in zip(modules, params):
        out, inputs = _module_forward(layers, X[:, list(m.cols), :])
        err = out - Y[:, list(m.rows), :]
        loss += np.sum(err**2, axis=(1, 2)) / (2 * N)
        delta = err / N
        g: list[Layer] = []
        for i in range(len(layers) - 1, -1, -1):
            h = inputs[i]
            g.append(Layer(delta @ np.swapaxes(h, 1, 2), delta.sum(axis=2, keepdims=True)))
            if i > 0:
                delta = (np.swapaxes(layers[i].W, 1, 2) @ delta) * (h > 0)
        grads.append(tuple(reversed(g)))
    return loss, tuple(grads)


def step(params: Params, velocity: Params, grads: Params, lr: np.ndarray, momentum: float) -> tuple[Params, Params]:
    """One update of every network: ``v <- momentum v - lr g``, ``theta <- theta + v``. lr (B,)."""
    rate = lr[:, None, None].astype(params[0][0].W.dtype)
    new_p, new_v = [], []
    for layers, vel, grad in zip(params, velocity, grads):
        vs = tuple(Layer(momentum * v.W - rate * g.W, momentum * v.b - rate * g.b) for v, g in zip(vel, grad))
        new_v.append(vs)
        new_p.append(tuple(Layer(p.W + v.W, p.b + v.b) for p, v in zip(layers, vs)))
    return tuple(new_p), tuple(new_v)


def fit(
    modules: Sequence[ReluModule],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    lr: np.ndarray,
    steps: int,
    seeds: Sequence[int],
    momentum: float = 0.0,
    init_scale: float = 1.0,
    every: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TrainResult:
    """Full-batch gradient descent of B networks together.

    Parameters
    ----------
    modules : sequence of ReluModule
        The arrangement (every network of the batch has the same one).
    X : ndarray (B, n_in, N)
        Training inputs of each network (items as columns); the weights take
        its dtype (float32 halves the cost of large problems).
    Y : ndarray (B, n_out, N)
        Training targets.
    lr : ndarray (B,)
        Step size of each network.
    steps : int
        Number of steps.
    seeds : sequence of int, length B
        Seed of each network's initial weights.
    momentum : float
        Heavy-ball coefficient in ``[0, 1)``; 0 is plain gradient descent.
    every : int, optional
        Checkpoint spacing for the recorded loss (default: about 32 checkpoints).

    Raises
    ------
    ReluDivergenceError
        When the loss becomes non-finite or grows by more than ``_BLOWUP``.
    """
    steps = check_int("steps", steps, 0)
    momentum = check_number("momentum", momentum, "in [0, 1)", lambda m: 0 <= m < 1)
    init_scale = check_number("init_scale", init_scale, "> 0", lambda s: s > 0)
    B = X.shape[0]
    if Y.shape[0] != B or len(lr) != B or len(seeds) != B or X.shape[2] != Y.shape[2]:
        raise ValueError(f"X {X.shape}, Y {Y.shape}, lr ({len(lr)},) and seeds ({len(seeds)}) must share the batch")
    chunk = max(1, math.ceil(steps / _CHECKS))
    every = chunk if every is None else check_int("every", every, 1)
    params = init_params(modules, seeds, init_scale=init_scale, dtype=X.dtype.type)
    velocity = tuple(tuple(Layer(np.zeros_like(l.W), np.zeros_like(l.b)) for l in layers) for layers in params)
    ts, losses, first = [], [], None
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(steps + 1):
            loss, grads = loss_and_grads(modules, params, X, Y)
            if first is None:
                first = np.maximum(loss, np.finfo(float).tiny)
            if n % every == 0 or n == steps:
                ts.append(n)
                losses.append(loss)
            if n % chunk == 0 or n == steps:
                _check_finite(loss, first, n, lr)
                if progress is not None and n > 0:
                    progress(n, steps)
            if n < steps:
                params, velocity = step(params, velocity, grads, lr, momentum)
    return TrainResult(params, np.array(ts), np.stack(losses, axis=1))


def _check_finite(loss: np.ndarray, first: np.ndarray, n: int, lr: np.ndarray) -> None:
    bad = ~np.isfinite(loss) | (loss > _BLOWUP * first)
    if bad.any():
        b = int(np.argmax(bad))
        raise ReluDivergenceError(
            f"ReLU training diverged at step {n}: network {b} (lr = {lr[b]:.6g}) has loss {loss[b]:.6g} "
            f"(initial {first[b]:.6g}); use a smaller lr"
        )


# --------------------------------------------------------------------------- the synthetic family


def family_modules(d: Dataset, arch: str, hidden: Sequence[int]) -> tuple[ReluModule, ...]:
    """ReLU modules of ``arch`` on ``d``: each linear module's blocks, with ``hidden`` ReLU layers.

    The linear ``shallow`` architecture becomes one linear layer (no hidden
    layer); every deep module gets the hidden widths ``hidden``.
    """
    hidden = check_hidden(hidden)
    out = []
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        if len(rows) == 0:
            continue  # e.g. n2 = 0: the Omega module has nothing to produce
        out.append(ReluModule(module.name or arch, tuple(int(c) for c in cols), tuple(int(r) for r in rows),
                              hidden if module.deep else ()))
    return tuple(out)


def _jacobian(modules: Sequence[ReluModule], params: Params, X: np.ndarray, n_out: int) -> np.ndarray:
    """Input-output Jacobian at every column of X: (B, N, n_out, n_in)."""
    B, n_in, N = X.shape
    J = np.zeros((B, N, n_out, n_in))
    for m, layers in zip(modules, params):
        _, inputs = _module_forward(layers, X[:, list(m.cols), :])
        G = np.broadcast_to(layers[-1].W[:, None], (B, N) + layers[-1].W.shape[1:])
        for i in range(len(layers) - 1, 0, -1):
            mask = np.swapaxes(inputs[i] > 0, 1, 2)[:, :, None, :]  # (B, N, 1, h)
            G = (G * mask) @ layers[i - 1].W[:, None]
        J[:, :, np.array(m.rows)[:, None], np.array(m.cols)[None, :]] = G
    return J


def relu_family(
    datasets: Sequence[Dataset] | Dataset,
    arch: str,
    *,
    lr: float | Sequence[float],
    steps: int,
    seeds: int | Sequence[int] = (0,),
    hidden: int | Sequence[int] = (16,),
    train: Sequence[int] | None = None,
    momentum: float = 0.0,
    init_scale: float = 0.1,
    progress: Callable[[int, int], None] | None = None,
) -> FamilyResult:
    """Train ReLU networks of arrangement ``arch`` on the synthetic family and measure systematicity.

    Parameters
    ----------
    datasets : Dataset or sequence of Dataset
        Datasets sharing ``(n1, n2, k1, k2)`` (r may differ).
    arch : str
        One of :data:`ARRANGEMENTS`.
    lr : float or sequence of float
        Step sizes > 0.
    steps : int
        Gradient steps.
    seeds : int or sequence of int
        Seeds of the initial weights.
    hidden : int or sequence of int
        Widths of the hidden ReLU layers of every deep module (default one layer of 16).
    train : sequence of int, optional
        Indices of the training items (item order of ``item_matrices``);
        default the datasets' own ``Dataset.train`` (all items when unset).
        Held-out observables use the other items.
    momentum : float
        Heavy-ball coefficient in ``[0, 1)`` (0: plain gradient descent).
    init_scale : float
        Multiplier of the He standard deviation of the initial weights
        (default 0.1: a small initialization, as in the linear theory).

    Returns
    -------
    FamilyResult
        One value per network, batch order ``(i_dataset, i_lr, i_seed)`` row-major.
    """
    datasets = (datasets,) if isinstance(datasets, Dataset) else tuple(datasets)
    if not datasets or any(not isinstance(d, Dataset) for d in datasets):
        raise ValueError(f"datasets must be a Dataset or a non-empty sequence of them; got {datasets!r}")
    if len({(d.n1, d.n2, d.k1, d.k2) for d in datasets}) != 1:
        raise ValueError("datasets must share (n1, n2, k1, k2)")
    get_architecture(arch)
    lrs, seeds, hidden = check_lrs(lr), check_seeds(seeds), check_hidden(hidden)
    d0 = datasets[0]
    own = {d.train for d in datasets}
    if len(own) != 1:
        raise ValueError("datasets must share their training items (Dataset.train)")
    if train is not None and d0.train is not None and tuple(sorted(train)) != d0.train_items:
        raise ValueError(f"train {tuple(train)!r} differs from the datasets' own training items {d0.train_items!r}")
    items = check_items(train, d0.P) if train is not None else d0.train_items
    modules = family_modules(d0, arch, hidden)
    nd, nl, ns = len(datasets), len(lrs), len(seeds)
    d_idx = np.repeat(np.arange(nd), nl * ns)
    XY = [item_matrices(d) for d in datasets]  # every item: training columns are selected below
    Xall = np.stack([xy[0] for xy in XY])[d_idx]
    Yall = np.stack([xy[1] for xy in XY])[d_idx]
    res = fit(modules, Xall[:, :, items], Yall[:, :, items], lr=np.tile(np.repeat(lrs, ns), nd), steps=steps,
                   seeds=seeds * (nd * nl), momentum=momentum, init_scale=init_scale, progress=progress)
    sl = d0.block_slices()
    J = _jacobian(modules, res.params, Xall[:, :, items], d0.n_out)
    oo = np.mean(np.sum(J[:, :, sl["omega_y"], sl["omega_x"]] ** 2, axis=(2, 3)), axis=1)
    go = np.mean(np.sum(J[:, :, sl["omega_y"], sl["gamma_x"]] ** 2, axis=(2, 3)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(oo > 0, np.sqrt(go) / np.sqrt(np.where(oo > 0, oo, 1.0)), np.nan)
    S = np.stack([selection_matrix(d) for d in datasets])[d_idx]
    codes = Xall[:, sl["omega_x"], :]
    target = S @ codes  # (B, n2, P)
    novel_in = np.zeros_like(Xall)
    novel_in[:, sl["omega_x"], :] = codes
    novel = np.mean(np.sum((forward(modules, res.params, novel_in, d0.n_out)[:, sl["omega_y"], :] - target) ** 2,
                           axis=1), axis=1)
    held = [i for i in range(d0.P) if i not in items]
    if held:
        pred = forward(modules, res.params, Xall[:, :, held], d0.n_out)[:, sl["omega_y"], :]
        heldout = np.mean(np.sum((pred - target[:, :, held]) ** 2, axis=1), axis=1)
    else:
        heldout = np.full(len(d_idx), np.nan)
    return FamilyResult(arch, hidden, tuple(datasets[i] for i in d_idx), np.tile(np.repeat(lrs, ns), nd),
                        seeds * (nd * nl), items, res.t, res.loss, rho, novel, heldout, res.params)

